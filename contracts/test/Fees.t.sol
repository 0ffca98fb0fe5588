// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NetTest} from "./lib/Net.sol";
import {StraitEndpoint} from "../src/StraitEndpoint.sol";
import {StraitGuardians, IPausable} from "../src/StraitGuardians.sol";
import {StraitFees, FeeOracle, FeeLock} from "../src/StraitFees.sol";
import {Packet, PacketCodec} from "../src/Packet.sol";
import {Receipt, OutcomeKind} from "../src/Receipt.sol";
import {SingleOutcome} from "./lib/Harness.sol";
import {MerkleHash} from "../src/MerkleHash.sol";
import "../src/Errors.sol";

/// Message fees on an EVM (SPEC §11, §4.8): the oracle set by the guardians only, quotes, the
/// payment locked at send, its split on settlement between the deliverer, the relayer of the
/// outcome and the payer, exactly once under replays, failed callbacks and retries.
contract FeesTest is NetTest {
    address internal constant DELIVERER = address(0xd1);
    address internal constant RELAYER = address(0xa2);
    address internal constant OTHER_RELAYER = address(0xa3);
    uint64 internal constant GAS_LIMIT = 100_000;

    StraitGuardians internal g;
    StraitFees internal fees;
    FeeOracle internal entry = FeeOracle({gasPrice: 2, baseDelivery: 1000, perByte: 10, ackFee: 500});

    function setUp() public override {
        super.setUp();
        g = new StraitGuardians(IPausable(address(a)), address(this));
        address[] memory set = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            set[i] = address(uint160(0x6000 + i));
        }
        g.setGuardians(set, 2, 3);
        a.setPauser(address(g));
        fees = a.fees();
        approveOracle(B_CHAIN, entry, 3);
        vm.deal(address(this), 100 ether);
    }

    function approveOracle(uint64 destination, FeeOracle memory e, uint256 k) internal {
        uint64 counter = g.counter();
        for (uint256 i = 0; i < k; ++i) {
            vm.prank(address(uint160(0x6000 + i)));
            g.approveFeeOracle(destination, e, counter);
        }
    }

    /// [STRAIT-FEE.5] Only the guardians set the oracle, at the unpause threshold, each approval
    /// single-use; quotes follow the formula, 0 when unpaid, `NoOracle` without an entry.
    function test_the_oracle_is_set_by_the_guardians_only() external {
        vm.expectRevert(abi.encodeWithSelector(NotGuardian.selector, address(this)));
        fees.setFeeOracle(B_CHAIN, entry);
        uint64 now_ = g.counter();
        vm.expectRevert(abi.encodeWithSelector(NotGuardian.selector, address(this)));
        g.approveFeeOracle(B_CHAIN, entry, now_);

        FeeOracle memory next = FeeOracle({gasPrice: 3, baseDelivery: 1, perByte: 1, ackFee: 1});
        approveOracle(B_CHAIN, next, 2); // the pause threshold is not enough
        vm.assertEq(fees.feeOracle(B_CHAIN).gasPrice, 2, "two approvals change nothing");
        uint64 counter = g.counter();
        vm.prank(address(0x6002));
        g.approveFeeOracle(B_CHAIN, next, counter);
        vm.assertEq(fees.feeOracle(B_CHAIN).gasPrice, 3, "the third approval sets it");
        vm.prank(address(0x6000));
        vm.expectRevert(abi.encodeWithSelector(StaleApproval.selector, counter, counter + 1));
        g.approveFeeOracle(B_CHAIN, next, counter);

        vm.assertEq(fees.quote(B_CHAIN, 7, 5), 1 + 1 * 5 + 7 * 3 + 1, "quote");
        vm.assertEq(fees.quote(B_CHAIN, 0, 5), 0, "unpaid");
        vm.assertEq(fees.quote(9, 0, 5), 0, "unpaid, no oracle needed");
        vm.expectRevert(abi.encodeWithSelector(NoOracle.selector, uint64(9)));
        fees.quote(9, 1, 5);
    }

    /// [STRAIT-FEE.7] A paid send pays at least its quote, locked under the id with the quote's
    /// parts; an unpaid one carries no value; a destination without oracle refuses paid sends.
    function test_payment_locked_at_send() external {
        uint256 need = fees.quote(B_CHAIN, GAS_LIMIT, 2);
        vm.assertEq(need, 1000 + 20 + GAS_LIMIT * 2 + 500, "quote");
        bytes32 receiver = addr32(address(appB));
        vm.expectRevert(abi.encodeWithSelector(InsufficientFee.selector, need, need - 1));
        appA.sendPaid{value: need - 1}(B_CHAIN, receiver, none, "hi", GAS_LIMIT);
        vm.expectRevert(abi.encodeWithSelector(UnexpectedValue.selector, 1));
        appA.sendPaid{value: 1}(B_CHAIN, receiver, none, "hi", 0);
        a.setRemoteChain(3, true);
        vm.expectRevert(abi.encodeWithSelector(NoOracle.selector, uint64(3)));
        appA.sendPaid{value: need}(3, receiver, none, "hi", GAS_LIMIT);

        bytes32 id = appA.sendPaid{value: need + 7}(B_CHAIN, receiver, none, "hi", GAS_LIMIT);
        FeeLock memory l = fees.feeLock(id);
        vm.assertTrue(l.payer == address(appA), "payer");
        vm.assertEq(l.gasLimit, GAS_LIMIT, "gas limit");
        vm.assertEq(l.gasPrice, 2, "gas price");
        vm.assertEq(l.delivery, 1020, "delivery");
        vm.assertEq(l.ackFee, 500, "ack fee");
        vm.assertEq(l.amount, need + 7, "amount, excess included");
        vm.assertEq(address(fees).balance, need + 7, "held by the fees contract");
        // A later oracle change does not touch the lock.
        approveOracle(B_CHAIN, FeeOracle({gasPrice: 9, baseDelivery: 9, perByte: 9, ackFee: 9}), 3);
        vm.assertEq(fees.feeLock(id).gasPrice, 2, "lock kept");
        // An unpaid send locks nothing.
        bytes32 unpaid = appA.sendPaid(B_CHAIN, receiver, none, "hi", 0);
        vm.assertTrue(fees.feeLock(unpaid).payer == address(0), "nothing locked");
    }

    /// [STRAIT-FEE.6], [STRAIT-FEE.8] The deliverer (the delivering transaction's sender) gets the
    /// delivery and its gas, the outcome's relayer the ack fee, the payer the rest, once: replays
    /// of the message and of its outcome pay nothing more. Withdrawals pay out.
    function test_split_on_settlement_exactly_once() external {
        uint256 paid = fees.quote(B_CHAIN, GAS_LIMIT, 2) + 7;
        bytes32 id = appA.sendPaid{value: paid}(B_CHAIN, addr32(address(appB)), none, "hi", GAS_LIMIT);
        uint256 index = sent[address(a)].length;
        collect();
        relayAs(a, index, DELIVERER);
        (bytes memory back, uint256 backIndex) = lastSent(b);
        SingleOutcome memory q = receipts.decodeSingleOutcome(codec.decode(back).payload);
        vm.assertEq(q.deliverer, addr32(DELIVERER), "deliverer: the transaction's sender");
        vm.assertTrue(q.gasUsed > 0 && q.gasUsed < GAS_LIMIT, "gas used");
        relayAs(b, backIndex, RELAYER);
        vm.assertEq(appA.outcomes(id), 1, "settled");

        uint256 toDeliverer = 1020 + uint256(q.gasUsed) * 2;
        vm.assertEq(fees.feesOwed(DELIVERER), toDeliverer, "deliverer");
        vm.assertEq(fees.feesOwed(RELAYER), 500, "outcome relayer");
        vm.assertEq(fees.feesOwed(address(appA)), paid - toDeliverer - 500, "payer: the rest");
        vm.assertTrue(fees.feeLock(id).payer == address(0), "lock deleted");

        // Replays: the message and its outcome are refused; nothing moves.
        (bytes memory proof, uint64 h) = prove(a, index);
        vm.expectRevert(abi.encodeWithSelector(AlreadyReceived.selector));
        b.receiveMessage(sent[address(a)][index], proof, h);
        (proof, h) = prove(b, backIndex);
        vm.prank(OTHER_RELAYER, OTHER_RELAYER);
        vm.expectRevert(abi.encodeWithSelector(AlreadyReceived.selector));
        a.receiveMessage(back, proof, h);
        vm.assertEq(fees.feesOwed(OTHER_RELAYER), 0, "a replaying relayer gets nothing");
        vm.assertEq(fees.feesOwed(RELAYER), 500, "paid once");

        vm.prank(DELIVERER);
        fees.withdraw(payable(DELIVERER));
        vm.assertEq(DELIVERER.balance, toDeliverer, "withdrawn");
        vm.assertEq(fees.feesOwed(DELIVERER), 0, "nothing owed");
        vm.prank(DELIVERER);
        fees.withdraw(payable(DELIVERER));
        vm.assertEq(DELIVERER.balance, toDeliverer, "a second withdrawal pays nothing");
        vm.prank(RELAYER);
        vm.expectRevert(abi.encodeWithSelector(TransferFailed.selector, address(va), 500));
        fees.withdraw(payable(address(va)));
    }

    /// A failed settlement callback splits nothing (the record and lock stay); the retry that
    /// settles splits once, the ack fee to the retrier; a second retry is refused.
    function test_a_failed_callback_splits_nothing_and_the_retry_splits_once() external {
        uint256 paid = fees.quote(B_CHAIN, GAS_LIMIT, 2);
        bytes32 id = appA.sendPaid{value: paid}(B_CHAIN, addr32(address(appB)), none, "hi", GAS_LIMIT);
        uint256 index = sent[address(a)].length;
        collect();
        relayAs(a, index, DELIVERER);
        (bytes memory back, uint256 backIndex) = lastSent(b);
        appA.setFailOutcomes(true);
        Receipt memory r = relayAs(b, backIndex, RELAYER);
        vm.assertEq(uint256(r.outcome.kind), uint256(OutcomeKind.Failed), "callback failed");
        vm.assertEq(fees.feesOwed(RELAYER), 0, "nothing paid");
        vm.assertEq(fees.feeLock(id).amount, paid, "still locked");

        appA.setFailOutcomes(false);
        vm.prank(OTHER_RELAYER, OTHER_RELAYER);
        a.retry(back);
        vm.assertEq(appA.outcomes(id), 1, "settled once");
        vm.assertEq(fees.feesOwed(OTHER_RELAYER), 500, "the retrier proved it: the ack fee");
        vm.assertTrue(fees.feesOwed(DELIVERER) > 1020, "deliverer paid");
        vm.assertEq(
            fees.feesOwed(DELIVERER) + 500 + fees.feesOwed(address(appA)), paid, "the whole payment, once"
        );
        vm.expectRevert(abi.encodeWithSelector(NotRetryable.selector, PacketCodec.messageId(back)));
        a.retry(back);
        vm.assertEq(address(fees).balance, paid, "nothing left the contract");
    }

    /// The deliverer's gas is capped by the gas limit paid for; a deliverer that is not an EVM
    /// address (a native chain's account) is not paid here: its share goes back to the payer.
    function test_gas_capped_and_a_non_evm_deliverer() external {
        uint256 paid = fees.quote(B_CHAIN, 1, 2);
        bytes32 id = appA.sendPaid{value: paid}(B_CHAIN, addr32(address(appB)), none, "hi", 1);
        uint256 index = sent[address(a)].length;
        collect();
        relayAs(a, index, DELIVERER);
        (, uint256 backIndex) = lastSent(b);
        relayAs(b, backIndex, RELAYER);
        vm.assertEq(fees.feesOwed(DELIVERER), 1020 + 1 * 2, "gas paid up to the limit");
        vm.assertEq(fees.feesOwed(address(appA)), 0, "nothing left for the payer");
        vm.assertEq(appA.outcomes(id), 1, "settled");

        // An outcome naming a deliverer of 32 significant bytes, for a second paid message.
        id = appA.sendPaid{value: paid + 3}(B_CHAIN, addr32(address(appB)), none, "hi", 1);
        Packet memory p;
        p.nonce = 1_000;
        p.sourceChain = B_CHAIN;
        p.sender = a.ENDPOINT_ADDRESS();
        p.destinationChain = A_CHAIN;
        p.receiver = addr32(address(appA));
        p.payload = abi.encodePacked(uint8(3), bytes32(type(uint256).max), uint16(1), id, uint64(1), uint8(2));
        bytes memory packet = codec.encode(p);
        bytes32[] memory one = new bytes32[](1);
        one[0] = MerkleHash.leaf(PacketCodec.messageId(packet));
        bytes32[][] memory levels = naiveLevels(one);
        bytes memory proof = inclusionProof(levels, 0);
        va.setRoot(++height, naiveRoot(levels));
        vm.prank(RELAYER, RELAYER);
        a.receiveMessage(packet, proof, height);
        vm.assertEq(appA.outcomes(id), 1, "settled");
        vm.assertEq(fees.feesOwed(address(appA)), paid + 3 - 500, "the deliverer's share to the payer");
        vm.assertEq(fees.feesOwed(RELAYER), 1000, "ack fees of both");
    }

    /// Gas of a paid send (the lock: three fresh slots in `StraitFees`) and of a settlement that
    /// splits (three fresh `feesOwed` credits), whole transactions.
    function test_gas_paid() external {
        uint256 paid = fees.quote(B_CHAIN, GAS_LIMIT, 5);
        a.send(B_CHAIN, addr32(address(appB)), none, "hello"); // the route's first nonce and branch
        a.send(B_CHAIN, addr32(address(appB)), none, "hello");
        a.send(B_CHAIN, addr32(address(appB)), none, "hello");
        a.send(B_CHAIN, addr32(address(appB)), none, "hello");
        a.sendPaid{value: paid}(B_CHAIN, addr32(address(appB)), none, "hello", GAS_LIMIT);
        vm.snapshotGasLastCall("sendPaid: fifth message of a route, 5-byte payload");
        appA.sendPaid{value: paid}(B_CHAIN, addr32(address(appB)), none, "hello", GAS_LIMIT);
        collect();
        uint256 index = sent[address(a)].length - 1;
        relayAs(a, index, DELIVERER);
        (, uint256 backIndex) = lastSent(b);
        (bytes memory proof, uint64 h) = prove(b, backIndex);
        vm.prank(RELAYER, RELAYER);
        a.receiveMessage(sent[address(b)][backIndex], proof, h);
        vm.snapshotGasLastCall("settle a paid message: receive its outcome, split to three fresh accounts");
        vm.assertEq(fees.feesOwed(RELAYER), 500, "split");
    }

    /// Only the endpoint locks and splits.
    function test_only_the_endpoint_locks_and_splits() external {
        vm.expectRevert(abi.encodeWithSelector(NotEndpoint.selector, address(this)));
        fees.lock{value: 1}(bytes32(0), address(this), B_CHAIN, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(NotEndpoint.selector, address(this)));
        fees.split(bytes32(0), bytes32(0), 0, address(this));
    }

    /// Relay leaf `index` of `src` in a transaction sent by `origin`; returns its receipt.
    function relayAs(StraitEndpoint src, uint256 index, address origin) internal returns (Receipt memory) {
        (bytes memory proof, uint64 h) = prove(src, index);
        StraitEndpoint dst = address(src) == address(a) ? b : a;
        vm.prank(origin, origin);
        dst.receiveMessage(sent[address(src)][index], proof, h);
        collect();
        return receipts.decodeReceipt(lastReceipts[0]);
    }
}
