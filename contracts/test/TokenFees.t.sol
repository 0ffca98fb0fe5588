// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {TokenNetTest} from "./lib/TokenNet.sol";
import {StraitEndpoint} from "../src/StraitEndpoint.sol";
import {StraitTokenApp} from "../src/app/token/StraitTokenApp.sol";
import {StraitFees, FeeOracle, FeeLock} from "../src/StraitFees.sol";
import {SingleOutcome} from "./lib/Harness.sol";
import {PacketCodec} from "../src/Packet.sol";
import {
    InsufficientFee,
    UnexpectedValue,
    ZeroPayer,
    HoldInUse,
    NotEndpoint,
    NoOracle
} from "../src/Errors.sol";

/// Paid token transfers on an EVM ([STRAIT-TOKEN.EVM], [STRAIT-FEE.7]): the sender pays the
/// message's quote with the transfer and is the payer (credited the rest at settlement, not the
/// application); a short payment moves nothing; a paid transfer over the outbound limit queues
/// with its payment held under its queue id ([STRAIT-FEE.10]), which the release attaches to the
/// message unchanged and a cancel or a refunded release gives back whole; `sendPaidFor` names a
/// payer other than the caller.
contract TokenFeesTest is TokenNetTest {
    address internal constant DELIVERER = address(0xd1);
    address internal constant RELAYER = address(0xa2);
    uint64 internal constant GAS_LIMIT = 200_000;
    /// The transfer payload of `usd`: `2 + 3 + 80` bytes.
    uint256 internal constant PAYLOAD_LEN = 85;

    StraitFees internal fees;

    function setUp() public override {
        super.setUp();
        fees = a.fees();
        // The test contract is the endpoint's pauser (`TokenNetTest`), so it sets the oracle.
        fees.setFeeOracle(B_CHAIN, FeeOracle({gasPrice: 2, baseDelivery: 1000, perByte: 10, ackFee: 500}));
        vm.deal(alice, 10 ether);
    }

    function sendPaid(uint128 amount, uint256 value) internal returns (bytes32 id) {
        vm.prank(alice);
        usd.approve(address(ta), amount);
        vm.prank(alice);
        (id,) = ta.sendTransferPaid{value: value}(address(usd), B_CHAIN, addr32(bob), amount, 0, 0, GAS_LIMIT);
        collect();
    }

    /// The quote is the transfer payload's; the lock's payer is the sender; the split at
    /// settlement credits the deliverer, the outcome's relayer and the sender, and none of it the
    /// application; the tokens arrive as with an unpaid transfer.
    function test_a_paid_transfer_pays_its_relayers_and_refunds_its_sender() external {
        uint256 need = fees.quote(B_CHAIN, GAS_LIMIT, PAYLOAD_LEN);
        vm.assertEq(need, 1000 + 10 * PAYLOAD_LEN + 2 * GAS_LIMIT + 500, "quote");
        bytes32 id = sendPaid(100, need + 9);
        uint256 index = sent[address(a)].length - 1;
        vm.assertEq(sent[address(a)][index].length, 110 + PAYLOAD_LEN, "the payload length quoted");
        FeeLock memory l = fees.feeLock(id);
        vm.assertTrue(l.payer == alice, "the sender pays, not the application");
        vm.assertEq(l.amount, need + 9, "locked, excess included");
        vm.assertEq(alice.balance, 10 ether - need - 9, "paid");
        vm.assertEq(usd.balanceOf(alice), MINTED - 100, "debited");
        assertConserved(100, "in flight");

        relayAs(a, index, DELIVERER);
        vm.assertEq(voucherB().balanceOf(bob), 100, "minted");
        (bytes memory back, uint256 backIndex) = lastSent(b);
        SingleOutcome memory q = receipts.decodeSingleOutcome(codec.decode(back).payload);
        relayAs(b, backIndex, RELAYER);
        (address pendingToken,,,) = ta.pending(id);
        vm.assertTrue(pendingToken == address(0), "acknowledged");

        // The voucher's creation takes more than the paid gas limit: the deliverer is paid up to it.
        vm.assertTrue(q.gasUsed > GAS_LIMIT, "the first transfer creates the voucher");
        uint256 toDeliverer = 1000 + 10 * PAYLOAD_LEN + uint256(GAS_LIMIT) * 2;
        vm.assertEq(fees.feesOwed(DELIVERER), toDeliverer, "deliverer");
        vm.assertEq(fees.feesOwed(RELAYER), 500, "outcome relayer");
        vm.assertEq(fees.feesOwed(alice), need + 9 - toDeliverer - 500, "the sender: the rest");
        vm.assertEq(fees.feesOwed(address(ta)), 0, "nothing to the application");
        vm.assertEq(address(ta).balance, 0, "nothing kept by the application");
        assertConserved(0, "delivered");
    }

    /// A short payment, or value on an unpaid transfer, fails the call: no token and no value moves.
    function test_a_short_payment_moves_nothing() external {
        uint256 need = fees.quote(B_CHAIN, GAS_LIMIT, PAYLOAD_LEN);
        vm.prank(alice);
        usd.approve(address(ta), 100);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(InsufficientFee.selector, need, need - 1));
        ta.sendTransferPaid{value: need - 1}(address(usd), B_CHAIN, addr32(bob), 100, 0, 0, GAS_LIMIT);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(UnexpectedValue.selector, 1));
        ta.sendTransferPaid{value: 1}(address(usd), B_CHAIN, addr32(bob), 100, 0, 0, 0);
        vm.assertEq(usd.balanceOf(alice), MINTED, "no token moved");
        vm.assertEq(alice.balance, 10 ether, "no value moved");
        vm.assertEq(address(fees).balance, 0, "nothing locked");
        vm.assertEq(address(ta).balance, 0, "nothing kept by the application");
        assertConserved(0, "nothing sent");
    }

    /// `alice` sends `amount` paid with `value` over the outbound limit: it queues; returns its
    /// queue id.
    function queuePaid(uint128 amount, uint256 value) internal returns (uint64 qid) {
        vm.prank(alice);
        usd.approve(address(ta), amount);
        vm.prank(alice);
        bytes32 id;
        (id, qid) =
            ta.sendTransferPaid{value: value}(address(usd), B_CHAIN, addr32(bob), amount, 0, 0, GAS_LIMIT);
        collect();
        vm.assertTrue(id == 0 && qid != 0, "over the limit: queued");
    }

    /// Over the outbound limit a paid transfer queues, its payment held under its queue id with
    /// the quote's parts of that moment. The release sends it with that payment as its lock,
    /// unchanged by an oracle change meanwhile, and the outcome splits it as any paid message's.
    function test_a_paid_transfer_over_the_limit_queues_with_its_payment_held() external {
        ta.setLimit(0, B_CHAIN, "usd", 100, 0);
        send(ta, alice, address(usd), bob, 60, 0); // 40 left in the bucket
        uint256 need = fees.quote(B_CHAIN, GAS_LIMIT, PAYLOAD_LEN);
        uint256 messages = sent[address(a)].length;
        uint64 qid = queuePaid(50, need + 7);
        vm.assertEq(sent[address(a)].length, messages, "no message sent");
        FeeLock memory held = fees.heldFee(address(ta), qid);
        vm.assertTrue(held.payer == alice, "held for the sender");
        vm.assertEq(held.amount, need + 7, "held whole");
        vm.assertEq(held.gasLimit, GAS_LIMIT, "its gas limit");
        vm.assertEq(alice.balance, 10 ether - need - 7, "paid at the call");
        vm.assertEq(address(fees).balance, need + 7, "the fees contract holds it");
        vm.assertEq(address(ta).balance, 0, "nothing kept by the application");
        vm.assertEq(ta.queuedOut(address(usd)), 50, "queued");
        assertConserved(60, "queued");

        // The oracle rises while it waits: the held payment keeps its parts.
        fees.setFeeOracle(B_CHAIN, FeeOracle({gasPrice: 5, baseDelivery: 3000, perByte: 30, ackFee: 900}));
        ta.setLimit(0, B_CHAIN, "usd", 1000, 1000);
        vm.warp(block.timestamp + 10);
        vm.assertEq(ta.release(ta.bucketId(0, B_CHAIN, "usd"), 1), 1, "released");
        collect();
        vm.assertTrue(fees.heldFee(address(ta), qid).payer == address(0), "no longer held");
        settleReleased(held);
        vm.assertEq(voucherB().balanceOf(bob), 50, "arrived");
    }

    /// The last message sent from chain 1, released with `held`: its lock is `held`, unchanged;
    /// delivered and its outcome proven back, the split is at the held parts.
    function settleReleased(FeeLock memory held) internal {
        (bytes memory packet, uint256 index) = lastSent(a);
        FeeLock memory l = fees.feeLock(PacketCodec.messageId(packet));
        vm.assertTrue(l.payer == alice && l.amount == held.amount, "the held payment is the message's lock");
        vm.assertEq(l.gasLimit, held.gasLimit, "gas limit unchanged");
        vm.assertEq(l.gasPrice, held.gasPrice, "the parts as when it queued");
        vm.assertEq(l.delivery, held.delivery, "delivery part unchanged");
        vm.assertEq(l.ackFee, held.ackFee, "ack fee unchanged");

        relayAs(a, index, DELIVERER);
        (bytes memory back, uint256 backIndex) = lastSent(b);
        SingleOutcome memory q = receipts.decodeSingleOutcome(codec.decode(back).payload);
        relayAs(b, backIndex, RELAYER);
        uint256 gas = q.gasUsed < GAS_LIMIT ? q.gasUsed : GAS_LIMIT;
        uint256 toDeliverer = 1000 + 10 * PAYLOAD_LEN + gas * 2;
        vm.assertEq(fees.feesOwed(DELIVERER), toDeliverer, "deliverer, at the held price");
        vm.assertEq(fees.feesOwed(RELAYER), 500, "outcome relayer, the held ack fee");
        vm.assertEq(fees.feesOwed(alice), held.amount - toDeliverer - 500, "the sender: the rest");
    }

    /// A queued paid transfer that is cancelled, or released after its destination stopped being
    /// a remote (refunded), gives its held payment back whole to its payer, once.
    function test_a_queued_paid_transfer_cancelled_or_refunded_gives_its_payment_back() external {
        ta.setLimit(0, B_CHAIN, "usd", 10, 0);
        send(ta, alice, address(usd), bob, 10, 0); // the bucket is empty
        uint256 need = fees.quote(B_CHAIN, GAS_LIMIT, PAYLOAD_LEN);
        uint64 cancelled = queuePaid(20, need);
        vm.prank(alice);
        ta.cancel(cancelled);
        vm.assertEq(fees.feesOwed(alice), need, "the payment back, whole");
        vm.assertTrue(fees.heldFee(address(ta), cancelled).payer == address(0), "no longer held");
        vm.assertEq(usd.balanceOf(alice), MINTED - 10, "the tokens back");
        vm.prank(alice);
        vm.assertEq(codeOf(address(ta), abi.encodeCall(ta.cancel, (cancelled))), ta.NOT_QUEUED(), "once");
        vm.assertEq(fees.feesOwed(alice), need, "credited once");

        uint64 refunded = queuePaid(30, need + 1);
        ta.setPeer(B_CHAIN, 0);
        ta.setLimit(0, B_CHAIN, "usd", 1000, 1000);
        vm.warp(block.timestamp + 10);
        vm.assertEq(ta.release(ta.bucketId(0, B_CHAIN, "usd"), 2), 1, "released: refunded");
        vm.assertEq(fees.feesOwed(alice), 2 * need + 1, "both payments back");
        vm.assertTrue(fees.heldFee(address(ta), refunded).payer == address(0), "no longer held");
        vm.assertEq(usd.balanceOf(alice), MINTED - 10, "the tokens back");
        vm.prank(alice);
        fees.withdraw(payable(alice));
        vm.assertEq(alice.balance, 10 ether, "every wei back");
        vm.assertEq(address(fees).balance, 0, "nothing left held");
        assertConserved(10, "one sent");
    }

    /// An unpaid transfer that queued is released unpaid: nothing was held.
    function test_an_unpaid_queued_transfer_is_released_unpaid() external {
        ta.setLimit(0, B_CHAIN, "usd", 10, 0);
        send(ta, alice, address(usd), bob, 10, 0);
        (, uint64 qid,) = send(ta, alice, address(usd), bob, 20, 0);
        vm.assertTrue(qid != 0, "queued");
        ta.setLimit(0, B_CHAIN, "usd", 1000, 1000);
        vm.warp(block.timestamp + 10);
        vm.assertEq(ta.release(ta.bucketId(0, B_CHAIN, "usd"), 1), 1, "released");
        collect();
        (bytes memory packet,) = lastSent(a);
        vm.assertTrue(fees.feeLock(PacketCodec.messageId(packet)).payer == address(0), "unpaid");
        vm.assertEq(address(fees).balance, 0, "nothing paid");
    }

    /// `StraitFees.hold` directly: a holder's id holds once; the quote, payer and value rules of
    /// a paid send; holds are per holder; only the endpoint attaches; nothing held releases 0.
    function test_holds_follow_the_paid_send_rules_and_are_their_holders() external {
        uint256 need = fees.quote(B_CHAIN, GAS_LIMIT, 10);
        vm.deal(address(this), 10 * need);
        fees.hold{value: need}(7, bob, B_CHAIN, GAS_LIMIT, 10);
        vm.expectRevert(abi.encodeWithSelector(HoldInUse.selector, address(this), uint64(7)));
        fees.hold{value: need}(7, bob, B_CHAIN, GAS_LIMIT, 10);
        vm.prank(alice);
        fees.hold{value: need}(7, bob, B_CHAIN, GAS_LIMIT, 10); // another holder's id 7
        vm.expectRevert(abi.encodeWithSelector(InsufficientFee.selector, need, need - 1));
        fees.hold{value: need - 1}(8, bob, B_CHAIN, GAS_LIMIT, 10);
        vm.expectRevert(abi.encodeWithSelector(ZeroPayer.selector));
        fees.hold{value: need}(8, address(0), B_CHAIN, GAS_LIMIT, 10);
        vm.expectRevert(abi.encodeWithSelector(NoOracle.selector, uint64(99)));
        fees.hold{value: need}(8, bob, 99, GAS_LIMIT, 10);
        vm.expectRevert(abi.encodeWithSelector(UnexpectedValue.selector, 1));
        fees.hold{value: 1}(8, bob, B_CHAIN, 0, 10);
        fees.hold(8, bob, B_CHAIN, 0, 10); // gas limit 0: nothing held
        vm.assertTrue(fees.heldFee(address(this), 8).payer == address(0), "nothing held");

        vm.expectRevert(abi.encodeWithSelector(NotEndpoint.selector, address(this)));
        fees.attach(address(this), 7, bytes32(uint256(1)));
        vm.assertEq(fees.releaseHold(8), 0, "nothing to release");
        vm.assertEq(fees.releaseHold(7), need, "released whole");
        vm.assertEq(fees.releaseHold(7), 0, "once");
        vm.assertEq(fees.feesOwed(bob), need, "to the payer");
        vm.assertEq(fees.heldFee(alice, 7).amount, need, "the other holder's untouched");
    }

    /// `sendHeld` attaches the caller's own hold only: another holder's id sends unpaid.
    function test_send_held_uses_the_callers_own_hold() external {
        uint256 need = fees.quote(B_CHAIN, GAS_LIMIT, 2);
        vm.deal(alice, need);
        vm.prank(alice);
        fees.hold{value: need}(1, alice, B_CHAIN, GAS_LIMIT, 2);
        (bytes32 other,) = a.sendHeld(B_CHAIN, addr32(address(tb)), none, "hi", 1);
        vm.assertTrue(fees.feeLock(other).payer == address(0), "not the caller's hold: unpaid");
        vm.prank(alice);
        (bytes32 own,) = a.sendHeld(B_CHAIN, addr32(address(tb)), none, "hi", 1);
        vm.assertTrue(fees.feeLock(own).payer == alice, "the holder's own: paid");
        vm.assertEq(fees.feeLock(own).amount, need, "with the held amount");
        vm.assertTrue(fees.heldFee(alice, 1).payer == address(0), "attached once");
    }

    /// `sendPaidFor` locks the caller's value with another account as payer, who alone is
    /// credited the refund.
    function test_send_paid_for_names_the_payer() external {
        uint256 need = fees.quote(B_CHAIN, GAS_LIMIT, 2);
        vm.deal(address(this), need + 1);
        (bytes32 id,) = a.sendPaidFor{value: need}(B_CHAIN, addr32(address(tb)), none, "hi", GAS_LIMIT, bob);
        vm.assertTrue(fees.feeLock(id).payer == bob, "payer named");
        vm.assertEq(fees.feeLock(id).amount, need, "the caller's value");
        vm.expectRevert(abi.encodeWithSelector(UnexpectedValue.selector, 1));
        a.sendPaidFor{value: 1}(B_CHAIN, addr32(address(tb)), none, "hi", 0, bob);
        // A paid message's payment must have a payer to go back to.
        vm.deal(address(this), need);
        vm.expectRevert(abi.encodeWithSelector(ZeroPayer.selector));
        a.sendPaidFor{value: need}(B_CHAIN, addr32(address(tb)), none, "hi", GAS_LIMIT, address(0));
        // Unpaid, the payer is not used.
        (bytes32 unpaid,) = a.sendPaidFor(B_CHAIN, addr32(address(tb)), none, "hi", 0, address(0));
        vm.assertTrue(fees.feeLock(unpaid).payer == address(0), "nothing locked");
    }

    /// Relay leaf `index` of `src` in a transaction sent by `origin`.
    function relayAs(StraitEndpoint src, uint256 index, address origin) internal {
        (bytes memory proof, uint64 h) = prove(src, index);
        StraitEndpoint dst = address(src) == address(a) ? b : a;
        vm.prank(origin, origin);
        dst.receiveMessage(sent[address(src)][index], proof, h);
        collect();
    }
}
