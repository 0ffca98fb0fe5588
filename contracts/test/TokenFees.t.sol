// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {TokenNetTest} from "./lib/TokenNet.sol";
import {StraitEndpoint} from "../src/StraitEndpoint.sol";
import {StraitTokenApp} from "../src/app/token/StraitTokenApp.sol";
import {StraitFees, FeeOracle, FeeLock} from "../src/StraitFees.sol";
import {SingleOutcome} from "./lib/Harness.sol";
import {InsufficientFee, UnexpectedValue, ZeroPayer} from "../src/Errors.sol";

/// Paid token transfers on an EVM ([STRAIT-TOKEN.EVM], [STRAIT-FEE.7]): the sender pays the
/// message's quote with the transfer and is the payer (credited the rest at settlement, not the
/// application); a short payment moves nothing; a paid transfer over the outbound limit is
/// refused, not queued; `sendPaidFor` names a payer other than the caller.
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
        id = ta.sendTransferPaid{value: value}(address(usd), B_CHAIN, addr32(bob), amount, 0, 0, GAS_LIMIT);
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

    /// Over the outbound limit a paid transfer is refused (`PAID_OVER_LIMIT`) with nothing moved,
    /// where an unpaid one queues; within the limit it is sent.
    function test_a_paid_transfer_over_the_limit_is_refused_not_queued() external {
        ta.setLimit(0, B_CHAIN, "usd", 100, 0);
        send(ta, alice, address(usd), bob, 60, 0); // 40 left in the bucket
        uint256 need = fees.quote(B_CHAIN, GAS_LIMIT, PAYLOAD_LEN);
        vm.prank(alice);
        usd.approve(address(ta), 50);
        bytes memory call =
            abi.encodeCall(ta.sendTransferPaid, (address(usd), B_CHAIN, addr32(bob), 50, 0, 0, GAS_LIMIT));
        vm.prank(alice);
        (bool ok, bytes memory ret) = address(ta).call{value: need}(call);
        vm.assertTrue(!ok, "refused");
        vm.assertEq(ret, abi.encodeWithSelector(ERR, ta.PAID_OVER_LIMIT(), PAID_OVER_LIMIT_REASON), "code");
        vm.assertEq(usd.balanceOf(alice), MINTED - 60, "no token moved");
        vm.assertEq(alice.balance, 10 ether, "no value moved");
        vm.assertEq(ta.queuedOut(address(usd)), 0, "nothing queued");

        // The same transfer unpaid queues; one within the limit is sent and paid.
        (bytes32 id, uint64 qid,) = send(ta, alice, address(usd), bob, 50, 0);
        vm.assertTrue(id == 0 && qid != 0, "unpaid: queued");
        ta.setLimit(0, B_CHAIN, "usd", 1000, 1000);
        vm.warp(block.timestamp + 10);
        vm.assertEq(ta.release(ta.bucketId(0, B_CHAIN, "usd"), 1), 1, "released");
        bytes32 paid = sendPaid(40, need);
        vm.assertTrue(fees.feeLock(paid).payer == alice, "within the limit: sent, paid");
    }

    bytes4 internal constant ERR = bytes4(keccak256("StraitAppError(uint32,string)"));
    string internal constant PAID_OVER_LIMIT_REASON = "a paid transfer over the limit is not queued";

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
