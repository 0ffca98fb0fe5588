// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {TokenNetTest, TestToken} from "./lib/TokenNet.sol";
import {StraitTokenApp} from "../src/app/token/StraitTokenApp.sol";
import {StraitVoucher} from "../src/app/token/StraitVoucher.sol";
import {StraitGuardians, IPausable, ITokenGuarded} from "../src/StraitGuardians.sol";
import {NotGuardian} from "../src/Errors.sol";
import {Packet} from "../src/Packet.sol";
import {Receipt, ReceiptCodec, OutcomeKind} from "../src/Receipt.sol";

/// The token application (SPEC §9) across two endpoints on one EVM: escrow, vouchers, the way
/// back, refunds on failure and timeout, origin paths; conservation after every step.
contract TokenTest is TokenNetTest {
    function test_tokens_go_out_as_vouchers_and_come_back_from_escrow() external {
        (bytes32 id, uint64 qid, uint256 index) = send(ta, alice, address(usd), bob, 100, 0);
        vm.assertEq(uint256(qid), 0, "not queued");
        vm.assertEq(usd.balanceOf(alice), MINTED - 100, "debited");
        assertConserved(100, "in flight");
        Receipt memory r = roundTrip(index, true);
        vm.assertEq(r.outcome.ack, "ok", "ack");
        StraitVoucher v = voucherB();
        vm.assertEq(v.name(), "1/usd", "voucher named by its path");
        vm.assertTrue(address(v) == tb.voucherAddress("1/usd"), "deterministic voucher address");
        vm.assertEq(v.balanceOf(bob), 100, "minted");
        vm.assertTrue(tb.isVoucher(address(v)), "a voucher");
        (address pendingToken,,,) = ta.pending(id);
        vm.assertTrue(pendingToken == address(0), "acknowledged: record deleted");
        assertConserved(0, "delivered");

        // Back home: burned on chain 2, released from escrow on chain 1.
        (,, index) = send(tb, bob, address(v), alice, 40, 0);
        vm.assertEq(v.totalSupply(), 60, "burned");
        assertConserved(40, "returning");
        roundTrip(index, false);
        vm.assertEq(usd.balanceOf(alice), MINTED - 60, "released to alice");
        vm.assertEq(ta.escrowOf(address(usd)), 60, "escrow");
        assertConserved(0, "home");
    }

    function test_the_payload_is_the_native_applications() external {
        (,, uint256 index) = send(ta, alice, address(usd), bob, 7, 0);
        Packet memory p = codec.decode(sent[address(a)][index]);
        vm.assertEq(
            p.payload,
            abi.encodePacked(uint8(1), uint8(3), "usd", uint128(7), addr32(alice), addr32(bob)),
            "transfer payload"
        );
        vm.assertTrue(!p.ordered, "unordered");
        vm.assertEq(p.receiver, addr32(address(tb)), "to the peer");
    }

    function test_a_voucher_of_a_voucher_carries_its_path() external {
        // Chain 1's application sends chain 2 a voucher it holds from chain 3.
        Packet memory p = Packet({
            nonce: 1,
            sourceChain: A_CHAIN,
            sender: addr32(address(ta)),
            destinationChain: B_CHAIN,
            receiver: addr32(address(tb)),
            ordered: false,
            timeoutHeight: 0,
            timeoutTimestamp: 0,
            payload: abi.encodePacked(uint8(1), uint8(5), "3/eur", uint128(9), addr32(alice), addr32(bob))
        });
        deliverCrafted(b, p);
        StraitVoucher v = StraitVoucher(tb.tokenOf("1/3/eur"));
        vm.assertEq(v.balanceOf(bob), 9, "minted as 1/3/eur");
        vm.assertEq(v.symbol(), "1/3/eur", "symbol");
        // Going back to chain 1 it is burned and named as it is here.
        (,, uint256 index) = send(tb, bob, address(v), alice, 9, 0);
        vm.assertEq(v.totalSupply(), 0, "burned");
        vm.assertEq(
            codec.decode(sent[address(b)][index]).payload,
            abi.encodePacked(uint8(1), uint8(7), "1/3/eur", uint128(9), addr32(bob), addr32(alice)),
            "payload names the path"
        );
    }

    function test_a_refused_transfer_is_refunded_once() external {
        // To the zero address: refused on chain 2 (BAD_RECIPIENT), finalized at once by anyone.
        (bytes32 id,, uint256 index) = send(ta, alice, address(usd), address(0), 100, 0);
        Receipt memory r = relay(a, index);
        vm.assertEq(uint256(r.outcome.code), 1002, "bad recipient");
        vm.assertEq(usd.balanceOf(alice), MINTED - 100, "not yet refunded");
        tb.finalize(sent[address(a)][index], ReceiptCodec.encodeOutcome(r.outcome));
        collect();
        (, uint256 back) = lastSent(b);
        relay(b, back);
        vm.assertEq(usd.balanceOf(alice), MINTED, "refunded");
        (address pendingToken,,,) = ta.pending(id);
        vm.assertTrue(pendingToken == address(0), "record deleted");
        assertConserved(0, "refunded");
    }

    function test_a_transfer_that_may_still_execute_is_not_finalized_early() external {
        tb.setPeer(A_CHAIN, bytes32(uint256(1))); // chain 1's application is not trusted for a while
        (,, uint256 index) = send(ta, alice, address(usd), bob, 100, 0);
        Receipt memory r = relay(a, index);
        vm.assertEq(uint256(r.outcome.code), tb.UNKNOWN_PEER(), "refused");
        bytes memory call = abi.encodeCall(
            StraitTokenApp.finalize, (sent[address(a)][index], ReceiptCodec.encodeOutcome(r.outcome))
        );
        vm.assertEq(uint256(codeOf(address(tb), call)), 1000, "retry it instead");
    }

    function test_timeouts_refund_escrow_and_burned_vouchers() external {
        (,, uint256 index) = send(ta, alice, address(usd), bob, 100, 0);
        roundTrip(index, true);
        StraitVoucher v = voucherB();
        // A timed-out native transfer: escrow released.
        (,, index) = send(ta, alice, address(usd), bob, 30, 5);
        vm.roll(5);
        Receipt memory r = roundTrip(index, true);
        vm.assertEq(uint256(r.outcome.kind), uint256(OutcomeKind.TimedOut), "timed out");
        vm.assertEq(usd.balanceOf(alice), MINTED - 100, "escrow released");
        assertConserved(0, "after the native timeout");
        // A timed-out return: the burned vouchers minted again.
        (,, index) = send(tb, bob, address(v), alice, 25, 6);
        vm.roll(6);
        roundTrip(index, false);
        vm.assertEq(v.balanceOf(bob), 100, "voucher minted again");
        assertConserved(0, "after the voucher timeout");
    }

    function test_refusals_of_a_send() external {
        vm.prank(alice);
        usd.approve(address(ta), type(uint256).max);
        bytes memory over =
            abi.encodeCall(ta.sendTransfer, (address(usd), B_CHAIN, addr32(bob), 1 + uint128(MINTED), 0, 0));
        vm.prank(alice);
        vm.assertEq(uint256(codeOf(address(ta), over)), 1001, "insufficient funds");
        vm.prank(alice);
        vm.assertEq(
            uint256(
                codeOf(
                    address(ta),
                    abi.encodeCall(ta.sendTransfer, (address(usd), B_CHAIN, addr32(bob), 0, 0, 0))
                )
            ),
            1000,
            "amount 0"
        );
        vm.prank(alice);
        vm.assertEq(
            uint256(
                codeOf(address(ta), abi.encodeCall(ta.sendTransfer, (address(usd), 7, addr32(bob), 1, 0, 0)))
            ),
            1000,
            "not a remote"
        );
        vm.prank(alice);
        vm.assertEq(
            uint256(
                codeOf(
                    address(ta),
                    abi.encodeCall(ta.sendTransfer, (address(0xdead), B_CHAIN, addr32(bob), 1, 0, 0))
                )
            ),
            1000,
            "unknown token"
        );
        vm.assertEq(usd.balanceOf(alice), MINTED, "nothing moved");
    }

    function test_a_non_evm_recipient_is_refused() external {
        (,, uint256 index) = send(ta, alice, address(usd), address(0), 5, 0);
        Packet memory p = codec.decode(sent[address(a)][index]);
        p.nonce = 99;
        p.payload = abi.encodePacked(
            uint8(1), uint8(3), "usd", uint128(5), addr32(alice), bytes32(type(uint256).max)
        );
        deliverCrafted(b, p);
        vm.assertEq(uint256(receipts.decodeReceipt(lastReceipts[0]).outcome.code), 1002, "not an EVM address");
    }

    function test_the_guardians_pause_a_token() external {
        StraitGuardians g = new StraitGuardians(IPausable(address(a)), address(this));
        address[] memory set = new address[](3);
        (set[0], set[1], set[2]) = (address(0x61), address(0x62), address(0x63));
        g.setGuardians(set, 1, 2);
        a.setPauser(address(g));
        ITokenGuarded guarded = ITokenGuarded(address(ta));
        vm.prank(address(0x61));
        g.approveTokenPause(guarded, "usd", true, 1);
        vm.assertTrue(ta.topicPaused(ta.topicOf("usd")), "one approval pauses");
        vm.prank(alice);
        usd.approve(address(ta), 5);
        vm.prank(alice);
        bytes memory call = abi.encodeCall(ta.sendTransfer, (address(usd), B_CHAIN, addr32(bob), 5, 0, 0));
        vm.assertEq(uint256(codeOf(address(ta), call)), ta.TOKEN_PAUSED(), "paused");
        vm.prank(address(0x61));
        g.approveTokenPause(guarded, "usd", false, 2);
        vm.assertTrue(ta.topicPaused(ta.topicOf("usd")), "one approval does not unpause");
        vm.prank(address(0x62));
        g.approveTokenPause(guarded, "usd", false, 2);
        vm.assertTrue(!ta.topicPaused(ta.topicOf("usd")), "two unpause");
        vm.prank(address(0x61));
        g.approveTokenLimit(guarded, 0, B_CHAIN, "usd", 10, 1, 3);
        vm.prank(address(0x63));
        g.approveTokenLimit(guarded, 0, B_CHAIN, "usd", 10, 1, 3);
        (uint128 capacity,) = limitOf(0, B_CHAIN, "usd");
        vm.assertEq(uint256(capacity), 10, "limit set at the unpause threshold");
        // No single key: the owner is not the pauser.
        vm.expectRevert(abi.encodeWithSelector(NotGuardian.selector, address(this)));
        ta.setTokenPaused("usd", true);
    }

    function limitOf(uint8 direction, uint64 remote, string memory denom)
        internal
        view
        returns (uint128, uint128)
    {
        StraitTokenApp.Limit memory l = ta.limitOf(ta.bucketId(direction, remote, denom));
        return (l.capacity, l.refillPerS);
    }
}
