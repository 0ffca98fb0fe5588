// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NetTest} from "./lib/Net.sol";
import {SizedAckApp} from "./lib/Fixtures.sol";
import {StraitEndpoint} from "../src/StraitEndpoint.sol";
import {StraitFees} from "../src/StraitFees.sol";
import {Packet, PacketCodec} from "../src/Packet.sol";
import {Receipt, OutcomeKind, OutcomePayload} from "../src/Receipt.sol";

/// Outcome messages per run of a sender ([STRAIT-SETTLE.3]) and their entries settled
/// independently ([STRAIT-SETTLE.4]).
contract OutcomesTest is NetTest {
    /// Deliver A's leaves `indices` to B in one batch; returns how many were received.
    function deliver(uint256[] memory indices) internal returns (uint256) {
        bytes[] memory packets = new bytes[](indices.length);
        for (uint256 i = 0; i < indices.length; ++i) {
            packets[i] = sent[address(a)][indices[i]];
        }
        bytes memory proof = multiproof(naiveLevels(leaves[address(a)]), indices);
        vb.setRoot(++height, a.outboxRoot());
        uint256 received = b.receiveBatch(packets, proof, height);
        collect();
        return received;
    }

    /// The next `n` leaves of A, from `from`.
    function range(uint256 from, uint256 n) internal pure returns (uint256[] memory indices) {
        indices = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            indices[i] = from + i;
        }
    }

    function payloadOf(uint256 index) internal view returns (Packet memory q, OutcomePayload memory o) {
        q = codec.decode(sent[address(b)][index]);
        o = receipts.decodeOutcomePayload(q.payload);
    }

    /// Messages of senders A, A, B, A in one batch: three outcome messages, one per run of a
    /// sender, each with its run's entries in order.
    function test_interleaved_senders_send_one_outcome_message_per_run() external {
        uint256 from = sent[address(a)].length;
        a.send(B_CHAIN, addr32(address(appB)), none, "1");
        a.send(B_CHAIN, addr32(address(appB)), none, "2");
        appA.send(B_CHAIN, addr32(address(appB)), none, "3");
        a.send(B_CHAIN, addr32(address(appB)), none, "4");
        collect();
        vm.assertEq(deliver(range(from, 4)), 4, "all received");
        vm.assertEq(b.outboxCount(), 3, "three outcome messages");
        address[3] memory senders = [address(this), address(appA), address(this)];
        uint256[3] memory firsts = [uint256(0), 2, 3];
        uint256[3] memory counts = [uint256(2), 1, 1];
        for (uint256 k = 0; k < 3; ++k) {
            (Packet memory q, OutcomePayload memory o) = payloadOf(k);
            vm.assertEq(q.receiver, addr32(senders[k]), "to the run's sender");
            vm.assertEq(q.sender, b.ENDPOINT_ADDRESS(), "from the endpoint");
            vm.assertEq(o.deliverer, addr32(tx.origin), "deliverer");
            vm.assertEq(o.entries.length, counts[k], "the run's entries");
            for (uint256 j = 0; j < counts[k]; ++j) {
                bytes memory packet = sent[address(a)][from + firsts[k] + j];
                vm.assertEq(o.entries[j].id, PacketCodec.messageId(packet), "in order");
                vm.assertEq(
                    o.entries[j].outcome.ack, bytes.concat("ack:", codec.decode(packet).payload), "ack"
                );
            }
        }
    }

    /// The payload bound (65,536 bytes): 17 acks of 3,808 bytes fill one outcome message exactly,
    /// one byte more each splits them 16 + 1; 4,096-byte acks go 15 to a message.
    function test_the_payload_bound_splits_a_run() external {
        bytes32 app = addr32(address(new SizedAckApp()));
        checkSplit(app, 17, 3808, 17);
        checkSplit(app, 17, 3809, 16);
        checkSplit(app, 16, 4096, 15);
    }

    function checkSplit(bytes32 app, uint256 n, uint256 ackLen, uint256 firstCount) internal {
        uint256 from = sent[address(a)].length;
        for (uint256 i = 0; i < n; ++i) {
            a.send(B_CHAIN, app, none, abi.encode(ackLen));
        }
        collect();
        uint256 before = b.outboxCount();
        vm.assertEq(deliver(range(from, n)), n, "all received");
        uint256 messages = firstCount == n ? 1 : 2;
        vm.assertEq(b.outboxCount() - before, messages, "outcome messages");
        (Packet memory q, OutcomePayload memory o) = payloadOf(before);
        vm.assertEq(o.entries.length, firstCount, "entries of the first");
        vm.assertTrue(q.payload.length <= 65_536, "within the bound");
        if (firstCount == n) vm.assertEq(q.payload.length, 65_536, "exactly at the bound");
        for (uint256 j = 0; j < firstCount; ++j) {
            vm.assertEq(o.entries[j].outcome.ack.length, ackLen, "ack");
            vm.assertEq(o.entries[j].id, PacketCodec.messageId(sent[address(a)][from + j]), "in order");
        }
        if (messages == 2) {
            (, o) = payloadOf(before + 1);
            vm.assertEq(o.entries.length, n - firstCount, "the rest in the second");
            vm.assertEq(o.entries[0].id, PacketCodec.messageId(sent[address(a)][from + firstCount]), "next");
        }
    }

    /// Three paid messages' outcomes in one outcome message, the second's callback failing: the
    /// others settle (callback, `Settled`, record deleted, fee split), the outcome message fails
    /// with the callback's error; its retry settles the second only.
    function test_entries_settle_independently_and_a_retry_settles_the_rest() external {
        StraitFees fees = paidRoute();
        uint256 price = fees.quote(B_CHAIN, 50_000, 1);
        uint256 from = sent[address(a)].length;
        bytes32[3] memory ids;
        for (uint256 i = 0; i < 3; ++i) {
            ids[i] = appA.sendPaid{value: price}(B_CHAIN, addr32(address(appB)), none, "x", 50_000);
        }
        collect();
        vm.assertEq(deliver(range(from, 3)), 3, "all received");
        vm.assertEq(b.outboxCount(), 1, "one outcome message");
        (bytes memory back, uint256 backIndex) = lastSent(b);

        appA.setFailOutcome(ids[1], true);
        Receipt memory r = relay(b, backIndex);
        vm.assertEq(outcomeKind(r), uint256(OutcomeKind.Failed), "the outcome message failed");
        vm.assertEq(r.outcome.code, 11, "with the failed callback's code");
        vm.assertEq(string(r.outcome.reason), "not now", "and reason");
        vm.assertEq(lastSettled.length, 2, "two settled");
        vm.assertEq(lastSettled[0], ids[0], "the first");
        vm.assertEq(lastSettled[1], ids[2], "the third");
        for (uint256 i = 0; i < 3; ++i) {
            bool settled = i != 1;
            vm.assertEq(appA.outcomes(ids[i]), settled ? 1 : 0, "callback");
            vm.assertEq(a.isAwaiting(ids[i]), !settled, "record");
            vm.assertEq(fees.feeLock(ids[i]).amount, settled ? 0 : price, "lock");
        }
        uint256 owed = fees.feesOwed(tx.origin) + fees.feesOwed(address(appA));
        vm.assertEq(owed, 2 * price, "two payments split");

        appA.setFailOutcome(ids[1], false);
        a.retry(back);
        collect();
        vm.assertEq(lastSettled.length, 1, "the retry settles one");
        vm.assertEq(lastSettled[0], ids[1], "the second");
        for (uint256 i = 0; i < 3; ++i) {
            vm.assertEq(appA.outcomes(ids[i]), 1, "each callback once");
            vm.assertTrue(!a.isAwaiting(ids[i]), "records deleted");
        }
        owed = fees.feesOwed(tx.origin) + fees.feesOwed(address(appA));
        vm.assertEq(owed, 3 * price, "each payment split once");
        (uint32 attempts,) = a.failure(PacketCodec.messageId(back));
        vm.assertEq(attempts, 0, "the outcome message is final");
    }

    /// An entry for a message of another sender is refused and stays awaiting; the entries
    /// around it settle; the outcome message fails with the refusal.
    function test_an_entry_of_another_sender_is_refused_and_the_rest_settle() external {
        (bytes32 mine,) = a.send(B_CHAIN, addr32(address(appB)), none, "x");
        bytes32 first = appA.send(B_CHAIN, addr32(address(appB)), none, "y");
        bytes32 last = appA.send(B_CHAIN, addr32(address(appB)), none, "z");
        collect();
        Packet memory p;
        p.nonce = 7;
        p.sourceChain = B_CHAIN;
        p.sender = a.ENDPOINT_ADDRESS();
        p.destinationChain = A_CHAIN;
        p.receiver = addr32(address(appA));
        p.payload = abi.encodePacked(
            abi.encodePacked(uint8(3), bytes32(0), uint16(3)),
            abi.encodePacked(first, uint64(0), uint8(2)),
            abi.encodePacked(mine, uint64(0), uint8(2)),
            abi.encodePacked(last, uint64(0), uint8(2))
        );
        deliverCrafted(a, p);
        Receipt memory r = receipts.decodeReceipt(lastReceipts[0]);
        vm.assertEq(r.outcome.code, a.SETTLE_REFUSED(), "refused");
        vm.assertEq(
            string(r.outcome.reason), "message was sent by another sender or to another chain", "reason"
        );
        vm.assertTrue(a.isAwaiting(mine), "the other sender's message still awaits");
        vm.assertEq(lastSettled.length, 2, "the others settle");
        vm.assertEq(appA.outcomes(first), 1, "first");
        vm.assertEq(appA.outcomes(last), 1, "last");
    }
}
