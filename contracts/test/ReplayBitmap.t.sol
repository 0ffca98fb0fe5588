// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {TestBase} from "./lib/Vm.sol";
import {BitmapHarness} from "./lib/Harness.sol";
import {AlreadyReceived, ZeroNonce} from "../src/Errors.sol";
import {ReplayBitmap} from "../src/ReplayBitmap.sol";

/// The replay bitmap (SPEC §4 state table, [STRAIT-RECV.6], [STRAIT-RECV.9]).
contract ReplayBitmapTest is TestBase {
    BitmapHarness internal b = new BitmapHarness(ReplayBitmap.MAX_SCAN_WORDS, ReplayBitmap.MAX_ADVANCE_WORDS);
    bytes32 internal constant ROUTE = keccak256("route");
    bytes32 internal constant OTHER = keccak256("other route");

    function test_a_nonce_is_received_once() external {
        vm.assertTrue(!b.isReceived(ROUTE, 1), "fresh");
        b.markReceived(ROUTE, 1);
        vm.assertTrue(b.isReceived(ROUTE, 1), "received");
        vm.expectRevert(AlreadyReceived.selector);
        b.markReceived(ROUTE, 1);
        // Neighbours and other routes are untouched.
        vm.assertTrue(!b.isReceived(ROUTE, 2), "nonce 2");
        vm.assertTrue(!b.isReceived(OTHER, 1), "other route");
        b.markReceived(OTHER, 1);
    }

    function test_nonce_zero_is_rejected() external {
        vm.expectRevert(ZeroNonce.selector);
        b.markReceived(ROUTE, 0);
    }

    /// Bit n mod 256 of word n div 256, bit k being 1 << k of the word (nonces above the counter
    /// plus one: the in-order path sets no bit).
    function test_word_layout() external {
        b.markReceived(ROUTE, 3);
        b.markReceived(ROUTE, 255);
        b.markReceived(ROUTE, 256);
        b.markReceived(ROUTE, 513);
        vm.assertEq(b.wordAt(ROUTE, 0), (uint256(1) << 3) | (uint256(1) << 255), "word 0");
        vm.assertEq(b.wordAt(ROUTE, 1), 1, "word 1");
        vm.assertEq(b.wordAt(ROUTE, 2), 2, "word 2");
        vm.assertEq(b.contiguous(ROUTE), 0, "nonce 1 is missing");
    }

    /// Nonces in order, each one above the counter with nothing above it received, move the
    /// counter alone: one slot written (the counter's), no bitmap word read or written, and each
    /// is received all the same.
    function test_in_order_nonces_write_only_the_counter() external {
        vm.record();
        for (uint64 n = 1; n <= 300; ++n) {
            b.markReceived(ROUTE, n);
        }
        (bytes32[] memory reads, bytes32[] memory writes) = vm.accesses(address(b));
        vm.assertEq(writes.length, 300, "one write per nonce");
        for (uint256 i = 0; i < writes.length; ++i) {
            vm.assertEq(writes[i], writes[0], "every write hits the counter's slot");
        }
        for (uint256 i = 0; i < reads.length; ++i) {
            vm.assertEq(reads[i], writes[0], "no bitmap word is read");
        }
        vm.assertEq(b.wordAt(ROUTE, 0), 0, "no bit set");
        vm.assertEq(b.contiguous(ROUTE), 300, "the counter");
        for (uint64 n = 1; n <= 300; ++n) {
            vm.assertTrue(b.isReceived(ROUTE, n), "received");
        }
        vm.assertTrue(!b.isReceived(ROUTE, 301), "not yet");
        vm.expectRevert(AlreadyReceived.selector);
        b.markReceived(ROUTE, 300);
        vm.expectRevert(AlreadyReceived.selector);
        b.markReceived(ROUTE, 1);
    }

    /// After a nonce arrives ahead of the counter, the next in order takes the bitmap's path and
    /// the counter moves over the one ahead; then the in-order path resumes.
    function test_a_nonce_ahead_then_the_gap_filled() external {
        b.markReceived(ROUTE, 1);
        b.markReceived(ROUTE, 3);
        vm.assertEq(b.contiguous(ROUTE), 1, "nonce 2 is missing");
        vm.assertTrue(b.isReceived(ROUTE, 3), "3 ahead");
        vm.assertTrue(!b.isReceived(ROUTE, 2), "2 missing");
        b.markReceived(ROUTE, 2);
        vm.assertEq(b.contiguous(ROUTE), 3, "over 3");
        vm.expectRevert(AlreadyReceived.selector);
        b.markReceived(ROUTE, 3);
        vm.record();
        b.markReceived(ROUTE, 4);
        (, bytes32[] memory writes) = vm.accesses(address(b));
        vm.assertEq(writes.length, 1, "in order again: the counter's slot alone");
        vm.assertEq(b.contiguous(ROUTE), 4, "the counter");
        vm.assertEq(b.wordAt(ROUTE, 0), (uint256(1) << 2) | (uint256(1) << 3), "bits of 2 and 3 only");
    }

    function test_largest_nonce() external {
        uint64 max = type(uint64).max;
        b.markReceived(ROUTE, max);
        vm.assertTrue(b.isReceived(ROUTE, max), "max nonce received");
        vm.assertEq(b.wordAt(ROUTE, max >> 8), uint256(1) << 255, "top bit of the last word");
        vm.expectRevert(AlreadyReceived.selector);
        b.markReceived(ROUTE, max);
    }

    /// 256 consecutive nonces ahead of the counter write one bitmap word and the counter's slot
    /// (the highest nonce received): no fresh slot per message.
    function test_256_nonces_share_one_slot() external {
        vm.record();
        for (uint64 n = 256; n < 512; ++n) {
            b.markReceived(ROUTE, n);
        }
        (, bytes32[] memory writes) = vm.accesses(address(b));
        vm.assertEq(writes.length, 512, "a word and the counter's slot per nonce");
        bytes32 word = writes[0];
        bytes32 meta = writes[1];
        vm.assertTrue(word != meta, "two slots");
        for (uint256 i = 0; i < writes.length; ++i) {
            vm.assertEq(writes[i], i % 2 == 0 ? word : meta, "every write hits one of the two");
        }
        vm.assertEq(uint256(vm.load(address(b), word)), type(uint256).max, "the word is full");
        vm.assertEq(b.contiguous(ROUTE), 0, "nonces 1 to 255 are missing");
    }

    /// After every mark, the counter is the highest `c` such that nonces `1..=c` were received (a
    /// naive model), in any order of arrival: in order, shuffled within a window of 1 to 300
    /// nonces, across a word boundary. `markReceived`'s shortcuts agree with `advance`'s scan.
    function testFuzz_counter_follows_any_order(uint256 seed) external {
        uint256 n = 300;
        uint256 window = 1 + seed % n;
        uint64[] memory order = new uint64[](n);
        for (uint256 i = 0; i < n; ++i) {
            order[i] = uint64(i + 1);
        }
        for (uint256 i = 0; i < n; ++i) {
            uint256 j = i + uint256(keccak256(abi.encode(seed, i))) % window;
            if (j < n) (order[i], order[j]) = (order[j], order[i]);
        }
        bool[] memory seen = new bool[](n + 2);
        uint256 truth = 0;
        for (uint256 i = 0; i < n; ++i) {
            b.markReceived(ROUTE, order[i]);
            seen[order[i]] = true;
            while (seen[truth + 1]) ++truth;
            vm.assertEq(b.contiguous(ROUTE), truth, "the counter");
        }
        vm.assertEq(truth, n, "all received");
        for (uint64 m = 1; m <= n; ++m) {
            vm.assertTrue(b.isReceived(ROUTE, m), "received");
        }
        vm.assertTrue(!b.isReceived(ROUTE, uint64(n + 1)), "the next is not");
        vm.expectRevert(AlreadyReceived.selector);
        b.markReceived(ROUTE, uint64(1 + seed % n));
    }
}
