// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {TokenNetTest} from "./lib/TokenNet.sol";
import {StraitTokenApp} from "../src/app/token/StraitTokenApp.sol";
import {StraitVoucher} from "../src/app/token/StraitVoucher.sol";
import {Receipt} from "../src/Receipt.sol";

/// The token application's rate limits and queues (SPEC §9.1) and the token pause: at and past a
/// limit, FIFO release by anyone once the bucket refills, cancel by the owner exactly once,
/// inbound credits held and sent back, paused tokens held; conservation after every step.
contract TokenLimitsTest is TokenNetTest {
    bytes32 internal outA;

    function setUp() public override {
        super.setUp();
        outA = ta.bucketId(0, B_CHAIN, "usd");
        // 100 usd, refilled at 10 per second.
        ta.setLimit(0, B_CHAIN, "usd", 100, 10);
    }

    function test_a_transfer_at_the_limit_passes_and_one_past_it_queues() external {
        (bytes32 id, uint64 qid,) = send(ta, alice, address(usd), bob, 100, 0);
        vm.assertTrue(id != 0 && qid == 0, "at the limit: sent");
        (uint256 level,) = ta.levelMilli(outA);
        vm.assertEq(level, 0, "bucket empty");
        uint256 count = sent[address(a)].length;
        (id, qid,) = send(ta, alice, address(usd), bob, 1, 0);
        vm.assertTrue(id == 0 && qid == 1, "past the limit: queued");
        vm.assertEq(sent[address(a)].length, count, "nothing sent");
        vm.assertEq(usd.balanceOf(alice), MINTED - 101, "the sender is debited at once");
        vm.assertEq(ta.queuedOut(address(usd)), 1, "queued total");
        assertConserved(100, "queued");
        // FIFO: a later transfer that would fit waits behind it.
        vm.warp(block.timestamp + 1);
        (id, qid,) = send(ta, alice, address(usd), bob, 2, 0);
        vm.assertTrue(id == 0 && qid == 2, "behind the queue");
        // Released by anyone once the bucket has room.
        vm.prank(address(0xfee));
        vm.assertEq(ta.release(outA, 10), 2, "both released");
        collect();
        vm.assertEq(sent[address(a)].length, count + 2, "sent at release");
        vm.assertEq(ta.queuedOut(address(usd)), 0, "queue empty");
        vm.assertTrue(!ta.hasQueue(outA), "no queue");
        assertConserved(103, "released");
        relay(a, count);
        relay(a, count + 1);
        vm.assertEq(voucherB().balanceOf(bob), 3, "delivered after release");
    }

    function test_a_release_waits_for_the_refill() external {
        send(ta, alice, address(usd), bob, 95, 0);
        (, uint64 qid,) = send(ta, alice, address(usd), bob, 20, 0);
        vm.assertEq(uint256(qid), 1, "queued");
        vm.assertEq(ta.release(outA, 10), 0, "5 of 20 refilled: not yet");
        vm.warp(block.timestamp + 1);
        vm.assertEq(ta.release(outA, 10), 0, "15 of 20: not yet");
        vm.warp(block.timestamp + 1);
        vm.assertEq(ta.release(outA, 10), 1, "20 of 20: released");
        (uint256 level,) = ta.levelMilli(outA);
        vm.assertEq(level, 5000, "5 left, in thousandths");
    }

    function test_a_transfer_over_the_capacity_passes_from_a_full_bucket() external {
        (bytes32 id,,) = send(ta, alice, address(usd), bob, 1000, 0);
        vm.assertTrue(id != 0, "full bucket: sent");
        (, uint64 qid,) = send(ta, alice, address(usd), bob, 1000, 0);
        vm.assertEq(uint256(qid), 1, "then queued");
        vm.warp(block.timestamp + 9);
        vm.assertEq(ta.release(outA, 1), 0, "not full yet");
        vm.warp(block.timestamp + 1);
        vm.assertEq(ta.release(outA, 1), 1, "full again: released");
    }

    function test_a_queued_transfer_is_cancelled_by_its_owner_exactly_once() external {
        send(ta, alice, address(usd), bob, 100, 0);
        (, uint64 qid,) = send(ta, alice, address(usd), bob, 50, 0);
        vm.prank(bob);
        vm.assertEq(
            uint256(codeOf(address(ta), abi.encodeCall(ta.cancel, (qid)))), ta.NOT_OWNER(), "not bob's"
        );
        vm.prank(alice);
        ta.cancel(qid);
        vm.assertEq(usd.balanceOf(alice), MINTED - 100, "refunded");
        assertConserved(100, "cancelled");
        vm.prank(alice);
        vm.assertEq(uint256(codeOf(address(ta), abi.encodeCall(ta.cancel, (qid)))), ta.NOT_QUEUED(), "once");
        vm.assertEq(
            uint256(codeOf(address(ta), abi.encodeCall(ta.cancel, (7)))), ta.NOT_QUEUED(), "never queued"
        );
        // The cancelled item's slot is skipped.
        vm.warp(block.timestamp + 100);
        vm.assertEq(ta.release(outA, 10), 0, "nothing left to release");
        vm.assertTrue(!ta.hasQueue(outA), "queue empty");
    }

    function test_the_queue_is_bounded() external {
        send(ta, alice, address(usd), bob, 100, 0);
        // 9,999 items already waiting (the FIFO's tail moved by hand: `fifo` is slot 7, the tail
        // the second u64 of the struct); the 10,000th queues, the 10,001st is refused.
        bytes32 slot = keccak256(abi.encode(outA, uint256(7)));
        vm.store(address(ta), slot, bytes32(uint256(9_999) << 64));
        (uint64 head, uint64 tail) = ta.fifo(outA);
        vm.assertEq(uint256(tail - head), 9_999, "the FIFO slot");
        (, uint64 qid,) = send(ta, alice, address(usd), bob, 1, 0);
        vm.assertEq(uint256(qid), 1, "at the bound: queued");
        vm.prank(alice);
        usd.approve(address(ta), 1);
        vm.prank(alice);
        bytes memory call = abi.encodeCall(ta.sendTransfer, (address(usd), B_CHAIN, addr32(bob), 1, 0, 0));
        vm.assertEq(uint256(codeOf(address(ta), call)), ta.QUEUE_FULL(), "past it: refused");
        vm.assertEq(usd.balanceOf(alice), MINTED - 101, "nothing moved");
    }

    function test_an_inbound_credit_queues_and_is_released_or_sent_back() external {
        // Chain 2 takes in 10 "1/usd" per bucket, refilled at 1 per second.
        tb.setLimit(1, A_CHAIN, "1/usd", 10, 1);
        bytes32 inB = tb.bucketId(1, A_CHAIN, "1/usd");
        (,, uint256 index) = send(ta, alice, address(usd), bob, 10, 0);
        relay(a, index);
        (,, index) = send(ta, alice, address(usd), bob, 5, 0);
        Receipt memory r = relay(a, index);
        vm.assertEq(r.outcome.ack, abi.encodePacked("queued", uint64(1)), "queued ack");
        StraitVoucher v = voucherB();
        vm.assertEq(v.balanceOf(bob), 10, "the second credit waits");
        vm.assertEq(v.balanceOf(address(tb)), 5, "held by the application");
        vm.assertEq(tb.queuedIn(address(v)), 5, "queued inbound");
        assertConserved(0, "credit queued");
        (,, index) = send(ta, alice, address(usd), bob, 3, 0);
        relay(a, index);
        vm.warp(block.timestamp + 5);
        vm.assertEq(tb.release(inB, 1), 1, "the first released");
        vm.assertEq(v.balanceOf(bob), 15, "credited");
        // bob refuses the other: sent back to alice (burned here, released from escrow there).
        vm.prank(bob);
        (bytes32 back,) = tb.cancel(2);
        vm.assertTrue(back != 0, "sent back");
        vm.assertEq(v.totalSupply(), 15, "burned");
        collect();
        (, uint256 idx) = lastSent(b);
        relay(b, idx);
        vm.assertEq(usd.balanceOf(alice), MINTED - 15, "returned to alice");
        assertConserved(0, "returned");
    }

    function test_a_paused_token_holds_credits_and_releases() external {
        (,, uint256 index) = send(ta, alice, address(usd), bob, 10, 0);
        tb.setTokenPaused("1/usd", true);
        Receipt memory r = relay(a, index);
        vm.assertEq(r.outcome.ack, abi.encodePacked("queued", uint64(1)), "executed, credit held");
        bytes32 inB = tb.bucketId(1, A_CHAIN, "1/usd");
        vm.assertEq(
            uint256(codeOf(address(tb), abi.encodeCall(tb.release, (inB, 1)))), tb.TOKEN_PAUSED(), "held"
        );
        StraitVoucher v = voucherB();
        vm.prank(bob);
        vm.assertEq(
            uint256(codeOf(address(tb), abi.encodeCall(tb.cancel, (1)))), tb.TOKEN_PAUSED(), "no send back"
        );
        tb.setTokenPaused("1/usd", false);
        vm.assertEq(tb.release(inB, 1), 1, "released after the unpause");
        vm.assertEq(v.balanceOf(bob), 10, "credited");
        assertConserved(0, "released");
    }

    function test_an_outbound_item_to_a_removed_peer_is_refunded_at_release() external {
        send(ta, alice, address(usd), bob, 100, 0);
        (, uint64 qid,) = send(ta, alice, address(usd), bob, 5, 0);
        ta.setPeer(B_CHAIN, 0);
        vm.warp(block.timestamp + 1);
        vm.assertEq(ta.release(outA, 1), 1, "ended");
        vm.assertEq(usd.balanceOf(alice), MINTED - 100, "refunded");
        vm.assertEq(uint256(codeOf(address(ta), abi.encodeCall(ta.cancel, (qid)))), ta.NOT_QUEUED(), "gone");
    }

    function test_limits_are_the_guardians_and_bounded() external {
        uint128 max = ta.MAX_CAPACITY();
        ta.setLimit(0, B_CHAIN, "usd", max, 0);
        bytes memory call = abi.encodeCall(ta.setLimit, (0, B_CHAIN, "usd", max + 1, 0));
        vm.assertEq(uint256(codeOf(address(ta), call)), 1000, "past the bound");
        vm.prank(alice);
        (bool ok,) = address(ta).call(abi.encodeCall(ta.setLimit, (0, B_CHAIN, "usd", 1, 1)));
        vm.assertTrue(!ok, "not a guardian");
    }
}
