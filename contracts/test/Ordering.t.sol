// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {TestBase} from "./lib/Vm.sol";
import {BitmapHarness} from "./lib/Harness.sol";
import {ReplayBitmap} from "../src/ReplayBitmap.sol";
import {OutOfOrder, OrderingBacklog} from "../src/Errors.sol";

/// Ordering and the contiguous counter ([STRAIT-RECV.7], [STRAIT-RECV.9], [STRAIT-RECV.11]): the
/// property of `crates/core/endpoint/tests/it/ordering.rs`, run on the Solidity library against a
/// model of what was received, with small scan bounds so that schedules cross them cheaply; and the
/// endpoint's own bounds at their limits.
contract OrderingTest is TestBase {
    bytes32 internal constant ROUTE = keccak256("route");
    /// Small bounds: a scan reads 2 words, an advance 4.
    uint256 internal constant SCAN = 2;
    uint256 internal constant ADVANCE = 4;
    uint256 internal constant SCAN_REACH = (SCAN - 1) * 256;
    uint256 internal constant ADVANCE_REACH = (ADVANCE - 1) * 256;

    BitmapHarness internal b;
    bool[] internal received;
    bool[] internal ordered;
    uint64 internal truth;
    uint64[] internal waiting;

    /// Random schedules of 1,000 nonces, ordered and unordered mixed, in shapes that cross words and
    /// scan bounds: the counter never claims an unreceived nonce, moves a scan's reach or reaches
    /// the truth on every delivery, an ordered message is accepted exactly when its predecessors
    /// are in (or refused for a backlog), and bounded advances catch the counter up.
    /// forge-config: default.fuzz.runs = 16
    function testFuzz_counter_is_safe_and_never_stalls(
        uint8 shape,
        uint64 seed,
        uint16 perMille,
        uint16 every
    ) external {
        uint256 n = 1000;
        uint256 advanceEvery = every % 4 == 0 ? 0 : every % 600;
        uint256[] memory order = schedule(n, shape, seed);
        b = new BitmapHarness(SCAN, ADVANCE);
        received = new bool[](n + 2);
        ordered = new bool[](n + 2);
        uint64 s = seed ^ 0x5eed;
        uint256 ordinal = perMille % 4 == 0 ? 0 : perMille % 4 == 1 ? 1000 : perMille % 1001;
        for (uint256 i = 0; i <= n + 1; ++i) {
            ordered[i] = next(s) % 1000 < ordinal;
            s = step(s);
        }
        for (uint256 i = 0; i < n; ++i) {
            if (advanceEvery > 0 && i % advanceEvery == 0) {
                (uint64 from, uint64 to) = b.advance(ROUTE);
                vm.assertTrue(to <= truth, "advance claims an unreceived nonce");
                vm.assertTrue(to == truth || to - from >= ADVANCE_REACH, "advance moved too little");
            }
            uint64 nonce = uint64(order[i]);
            if (!ordered[nonce]) {
                deliver(nonce);
                continue;
            }
            (bool ok, bytes memory ret) =
                address(b).staticcall(abi.encodeCall(BitmapHarness.checkOrder, (ROUTE, nonce)));
            if (ok) {
                vm.assertEq(lowestMissingBelow(nonce), 0, "ordered message accepted early");
                deliver(nonce);
            } else if (bytes4(ret) == OutOfOrder.selector) {
                (uint64 missing) = abi.decode(slice4(ret), (uint64));
                vm.assertEq(missing, lowestMissingBelow(nonce), "missing nonce");
                waiting.push(nonce);
            } else {
                vm.assertEq(bytes32(bytes4(ret)), bytes32(OrderingBacklog.selector), "unexpected error");
                (uint64 c, uint64 scannedTo) = abi.decode(slice4(ret), (uint64, uint64));
                vm.assertTrue(scannedTo - c >= SCAN_REACH, "backlog before a scan's reach");
                waiting.push(nonce);
            }
        }
        // Every unordered message is in: each waiting ordered message, lowest first, is accepted
        // after at most the advances its backlog needs, and never refused for a gap.
        sortWaiting();
        for (uint256 i = 0; i < waiting.length; ++i) {
            uint64 nonce = waiting[i];
            uint256 advances = 0;
            while (true) {
                (bool ok, bytes memory ret) =
                    address(b).staticcall(abi.encodeCall(BitmapHarness.checkOrder, (ROUTE, nonce)));
                if (ok) break;
                vm.assertEq(
                    bytes32(bytes4(ret)),
                    bytes32(OrderingBacklog.selector),
                    "refused with its predecessors in"
                );
                ++advances;
                vm.assertTrue(advances <= nonce / ADVANCE_REACH + 1, "advance loop");
                b.advance(ROUTE);
            }
            deliver(nonce);
        }
        for (uint256 i = 0; i <= n / ADVANCE_REACH + 1; ++i) {
            b.advance(ROUTE);
        }
        vm.assertEq(b.contiguous(ROUTE), n, "the counter catches up");
    }

    /// The endpoint's bounds: a delivery moves the counter through 64 words, an ordered message
    /// 126 words ahead is a backlog, one advance (1,024 words) clears it.
    function test_endpoint_bounds_at_their_limits() external {
        b = new BitmapHarness(ReplayBitmap.MAX_SCAN_WORDS, ReplayBitmap.MAX_ADVANCE_WORDS);
        // Nonces 2 .. 200 * 256 - 1 received (word 0 without nonces 0 and 1, words 1..199 full).
        b.setWord(ROUTE, 0, type(uint256).max - 3);
        for (uint256 w = 1; w < 200; ++w) {
            b.setWord(ROUTE, w, type(uint256).max);
        }
        vm.expectRevert(abi.encodeWithSelector(OutOfOrder.selector, uint64(1)));
        b.checkOrder(ROUTE, 300);
        b.markReceived(ROUTE, 1);
        vm.assertEq(b.contiguous(ROUTE), 64 * 256 - 1, "one delivery moves the counter 64 words");
        // Within one scan of the counter: accepted. Past it: a backlog.
        b.checkOrder(ROUTE, 64 * 256 + 63 * 256);
        vm.expectRevert(
            abi.encodeWithSelector(OrderingBacklog.selector, uint64(64 * 256 - 1), uint64(128 * 256 - 1))
        );
        b.checkOrder(ROUTE, 128 * 256 + 1);
        (uint64 from, uint64 to) = b.advance(ROUTE);
        vm.assertEq(from, 64 * 256 - 1, "advance from");
        vm.assertEq(to, 200 * 256 - 1, "advance to the first gap");
        b.checkOrder(ROUTE, 200 * 256);
        vm.expectRevert(abi.encodeWithSelector(OutOfOrder.selector, uint64(200 * 256)));
        b.checkOrder(ROUTE, 200 * 256 + 1);
    }

    /// A counter lagging behind (its last move stopped at the scan bound): an ordered message whose
    /// predecessors were all received is accepted though its own bit, the first free one the scan
    /// finds, is unset; the next one is refused for it.
    function test_lagging_counter_accepts_a_message_whose_predecessors_are_in() external {
        b.setWord(ROUTE, 0, type(uint256).max - 3);
        b.setWord(ROUTE, 1, type(uint256).max);
        b.setWord(ROUTE, 2, type(uint256).max);
        b.setWord(ROUTE, 3, (uint256(1) << 100) - 1);
        b.markReceived(ROUTE, 1);
        vm.assertEq(b.contiguous(ROUTE), 511, "moved 2 words");
        b.checkOrder(ROUTE, 3 * 256 + 100);
        vm.expectRevert(abi.encodeWithSelector(OutOfOrder.selector, uint64(3 * 256 + 100)));
        b.checkOrder(ROUTE, 3 * 256 + 101);
    }

    /// The last nonce: the counter reaches 2^64 - 1 and stops there.
    function test_counter_at_the_last_nonce() external {
        b = new BitmapHarness(ReplayBitmap.MAX_SCAN_WORDS, ReplayBitmap.MAX_ADVANCE_WORDS);
        uint64 max = type(uint64).max;
        uint256 last = max >> 8;
        // A counter near the end, every nonce above it received but the last.
        vm.store(address(b), contiguousSlot(), bytes32(uint256(max - 300)));
        vm.assertEq(b.contiguous(ROUTE), max - 300, "slot of the counter");
        b.setWord(ROUTE, last - 1, type(uint256).max);
        b.setWord(ROUTE, last, type(uint256).max >> 1);
        b.advance(ROUTE);
        vm.assertEq(b.contiguous(ROUTE), max - 1, "every nonce but the last");
        b.markReceived(ROUTE, max);
        vm.assertEq(b.contiguous(ROUTE), max, "the last nonce");
        (uint64 from, uint64 to) = b.advance(ROUTE);
        vm.assertEq(from, max, "stays");
        vm.assertEq(to, max, "stays");
    }

    function test_lowest_bit() external view {
        for (uint256 k = 0; k < 256; ++k) {
            vm.assertEq(b.lowestBit(uint256(1) << k), k, "single bit");
            vm.assertEq(b.lowestBit(type(uint256).max << k), k, "high bits");
        }
    }

    function setUp() external {
        b = new BitmapHarness(SCAN, ADVANCE);
    }

    // --- the model ---

    function deliver(uint64 nonce) internal {
        uint64 before = b.contiguous(ROUTE);
        b.markReceived(ROUTE, nonce);
        received[nonce] = true;
        while (truth + 1 < received.length && received[truth + 1]) ++truth;
        uint64 after_ = b.contiguous(ROUTE);
        vm.assertTrue(after_ <= truth, "the counter claims an unreceived nonce");
        vm.assertTrue(after_ == truth || after_ - before >= SCAN_REACH, "the counter moved too little");
    }

    function lowestMissingBelow(uint64 nonce) internal view returns (uint64) {
        for (uint64 m = truth + 1; m < nonce; ++m) {
            if (!received[m]) return m;
        }
        return 0;
    }

    function sortWaiting() internal {
        for (uint256 i = 1; i < waiting.length; ++i) {
            uint64 x = waiting[i];
            uint256 j = i;
            for (; j > 0 && waiting[j - 1] > x; --j) {
                waiting[j] = waiting[j - 1];
            }
            waiting[j] = x;
        }
    }

    /// A permutation of 1..=n: shuffled, in order with a few held back (always nonce 1),
    /// reversed, or shuffled within windows up to a few scan reaches.
    function schedule(uint256 n, uint8 shape, uint64 seed) internal pure returns (uint256[] memory order) {
        order = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            order[i] = i + 1;
        }
        uint64 s = seed;
        if (shape % 4 == 0) {
            for (uint256 i = n - 1; i > 0; --i) {
                s = step(s);
                swap(order, i, next(s) % (i + 1));
            }
        } else if (shape % 4 == 1) {
            // Move nonce 1 and a few others to the end.
            s = step(s);
            uint256 held = 1 + next(s) % 8;
            uint256[] memory back = new uint256[](held);
            back[0] = 1;
            for (uint256 i = 1; i < held; ++i) {
                s = step(s);
                back[i] = 2 + next(s) % (n - 1);
            }
            uint256 w = 0;
            for (uint256 i = 0; i < n; ++i) {
                if (!contains(back, order[i])) order[w++] = order[i];
            }
            for (uint256 v = 1; v <= n; ++v) {
                if (contains(back, v)) order[w++] = v;
            }
        } else if (shape % 4 == 2) {
            for (uint256 i = 0; i < n / 2; ++i) {
                swap(order, i, n - 1 - i);
            }
        } else {
            s = step(s);
            uint256 window = 1 + next(s) % (3 * SCAN_REACH);
            for (uint256 start = 0; start < n; start += window) {
                uint256 end = start + window < n ? start + window : n;
                for (uint256 i = end - 1; i > start; --i) {
                    s = step(s);
                    swap(order, i, start + next(s) % (i - start + 1));
                }
            }
        }
    }

    function contains(uint256[] memory xs, uint256 x) internal pure returns (bool) {
        for (uint256 i = 0; i < xs.length; ++i) {
            if (xs[i] == x) return true;
        }
        return false;
    }

    function swap(uint256[] memory xs, uint256 i, uint256 j) internal pure {
        (xs[i], xs[j]) = (xs[j], xs[i]);
    }

    /// splitmix64, as the Rust property test.
    function step(uint64 s) internal pure returns (uint64) {
        unchecked {
            return s + 0x9e3779b97f4a7c15;
        }
    }

    function next(uint64 s) internal pure returns (uint256) {
        unchecked {
            uint64 z = s;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
            z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
            return z ^ (z >> 31);
        }
    }

    /// The revert data after its selector.
    function slice4(bytes memory ret) internal pure returns (bytes memory out) {
        out = new bytes(ret.length - 4);
        for (uint256 i = 0; i < out.length; ++i) {
            out[i] = ret[i + 4];
        }
    }

    /// Storage slot of `b`'s counter for ROUTE: the struct at `keccak256(ROUTE, 0)`, the counter in
    /// its second word.
    function contiguousSlot() internal pure returns (bytes32) {
        return bytes32(uint256(keccak256(abi.encode(ROUTE, uint256(0)))) + 1);
    }
}
