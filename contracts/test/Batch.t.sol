// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NetTest} from "./lib/Net.sol";
import {NoopApp, ReconfiguringApp, TestVerifier} from "./lib/Fixtures.sol";
import {DeliveryOptions} from "../src/EndpointBase.sol";
import {Packet, PacketCodec} from "../src/Packet.sol";
import {Receipt, OutcomeKind, OutcomePayload} from "../src/Receipt.sol";
import "../src/Errors.sol";

/// Batch delivery (SPEC §4.3) under one multiproof, and the gas per delivered message.
contract BatchTest is NetTest {
    /// Send `n` messages from this contract to `receiver` on B; returns their packets and a
    /// multiproof of their leaf indices `from..from+n` against A's root, held by B's verifier.
    function batch(uint256 n, bytes32 receiver, DeliveryOptions memory options)
        internal
        returns (bytes[] memory packets, bytes memory proof, uint64 h)
    {
        uint256 from = sent[address(a)].length;
        for (uint256 i = 0; i < n; ++i) {
            a.send(B_CHAIN, receiver, options, abi.encodePacked(uint64(i)));
        }
        collect();
        packets = new bytes[](n);
        uint256[] memory indices = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            packets[i] = sent[address(a)][from + i];
            indices[i] = from + i;
        }
        proof = multiproof(naiveLevels(leaves[address(a)]), indices);
        h = ++height;
        vb.setRoot(h, a.outboxRoot());
    }

    /// An outcome message in a batch, at every gas limit from too little upwards: the batch reverts
    /// or the outcome message is received, never skipped as received because the check of its
    /// entries (a static call, ADR 0033) ran out of gas.
    function test_an_outcome_message_is_never_taken_for_received_for_want_of_gas() external {
        (bytes[] memory packets, bytes memory proof, uint64 h) = batch(1, addr32(address(appB)), none);
        b.receiveBatch(packets, proof, h);
        collect();
        (bytes memory back, uint256 backIndex) = lastSent(b);
        bytes[] memory outcome = new bytes[](1);
        outcome[0] = back;
        uint256[] memory indices = new uint256[](1);
        indices[0] = backIndex;
        bytes memory backProof = multiproof(naiveLevels(leaves[address(b)]), indices);
        uint64 hb = ++height;
        va.setRoot(hb, b.outboxRoot());
        bytes memory call = abi.encodeCall(a.receiveBatch, (outcome, backProof, hb));
        uint256 reverted;
        bool received;
        // The sender's callback needs its gas limit (300,000 by default) and more: `InsufficientGas`
        // below that.
        for (uint256 g = 30_000; g <= 600_000 && !received; g += 2_000) {
            (bool ok, bytes memory ret) = address(a).call{gas: g}(call);
            if (!ok) {
                ++reverted;
                continue;
            }
            vm.assertEq(abi.decode(ret, (uint256)), 1, "received, not skipped");
            received = true;
        }
        vm.assertTrue(received, "received within 600,000 gas");
        vm.assertTrue(reverted > 100, "too little gas reverts");
        // Received now: delivered again, it is skipped.
        vm.assertEq(a.receiveBatch(outcome, backProof, hb), 0, "skipped");
    }

    /// 64 ordered messages under one root all execute in order; a second delivery skips them all.
    function test_a_batch_executes_in_order_and_skips_what_was_received() external {
        (bytes[] memory packets, bytes memory proof, uint64 h) =
            batch(64, addr32(address(appB)), DeliveryOptions(true, 0, 0));
        vm.assertEq(b.receiveBatch(packets, proof, h), 64, "all received");
        collect();
        vm.assertEq(lastReceipts.length, 64, "64 receipts");
        vm.assertEq(appB.received(), 64, "64 executed");
        // One outcome message back to this contract, the sender of all 64, with their entries in
        // order ([STRAIT-SETTLE.3]).
        vm.assertEq(b.outboxCount(), 1, "one outcome message back");
        (bytes memory back,) = lastSent(b);
        Packet memory q = codec.decode(back);
        vm.assertEq(q.receiver, addr32(address(this)), "to the sender");
        OutcomePayload memory o = receipts.decodeOutcomePayload(q.payload);
        vm.assertEq(o.deliverer, addr32(tx.origin), "deliverer");
        vm.assertEq(o.entries.length, 64, "64 entries");
        for (uint256 i = 0; i < 64; ++i) {
            vm.assertEq(o.entries[i].id, PacketCodec.messageId(packets[i]), "in order");
            vm.assertEq(o.entries[i].outcome.ack, abi.encodePacked("ack:", uint64(i)), "the ack");
        }
        vm.assertEq(b.receiveBatch(packets, proof, h), 0, "none again");
        collect();
        vm.assertEq(lastSkipped.length, 64, "all skipped");
    }

    /// A batch of 1,024 messages, the limit, is received (1,025 is `BatchSize`, below).
    function test_a_batch_at_the_limit() external {
        bytes32 noop = addr32(address(new NoopApp()));
        (bytes[] memory packets, bytes memory proof, uint64 h) = batch(1024, noop, none);
        vm.assertEq(b.receiveBatch(packets, proof, h), 1024, "all received");
        vm.assertEq(b.outboxCount(), 1, "one outcome message, at the entry bound");
    }

    /// A message another relayer delivered first is skipped; the others execute.
    function test_a_message_delivered_first_is_skipped() external {
        (bytes[] memory packets, bytes memory proof, uint64 h) = batch(3, addr32(address(appB)), none);
        relay(a, 1);
        vm.assertEq(b.receiveBatch(packets, proof, h), 2, "two received");
        collect();
        vm.assertEq(lastSkipped.length, 1, "one skipped");
        vm.assertEq(lastSkipped[0], PacketCodec.messageId(packets[1]), "the delivered one");
    }

    /// Duplicates are found after increasing nonces of one route and across routes, and a batch
    /// that moves between routes without one is received.
    function test_duplicates_in_any_order() external {
        bytes32 noop = addr32(address(new NoopApp()));
        bytes32 probe = addr32(address(appB));
        (bytes[] memory p,, uint64 h) = batch(3, noop, none);
        bytes32 route = PacketCodec.routeOf(codec.decode(p[0]));
        bytes[] memory dup = new bytes[](3);
        (dup[0], dup[1], dup[2]) = (p[0], p[1], p[0]);
        vm.expectRevert(abi.encodeWithSelector(DuplicateInBatch.selector, route, uint64(1)));
        b.receiveBatch(dup, "", h);
        (bytes[] memory q,,) = batch(1, probe, none);
        (dup[0], dup[1], dup[2]) = (p[1], q[0], p[1]);
        vm.expectRevert(abi.encodeWithSelector(DuplicateInBatch.selector, route, uint64(2)));
        b.receiveBatch(dup, "", h);
        // One route's nonces 1 and 4 around the other route's 1 (in leaf order, as a multiproof
        // needs): no duplicate, all received.
        (bytes[] memory r,,) = batch(1, noop, none);
        bytes[] memory mixed = new bytes[](3);
        (mixed[0], mixed[1], mixed[2]) = (p[0], q[0], r[0]);
        uint256[] memory indices = new uint256[](3);
        uint256 from = sent[address(a)].length - 5;
        (indices[0], indices[1], indices[2]) = (from, from + 3, from + 4);
        bytes memory proof = multiproof(naiveLevels(leaves[address(a)]), indices);
        h = ++height;
        vb.setRoot(h, a.outboxRoot());
        vm.assertEq(b.receiveBatch(mixed, proof, h), 3, "all received");
    }

    /// A receiver that changes its security config while its batch runs has the batch's next
    /// messages checked under the new config: the verifier it names holds no root, so they are
    /// skipped (`RootNotVerified`), not delivered under the config looked up before.
    function test_a_config_changed_mid_batch_applies_to_the_next_messages() external {
        TestVerifier empty = new TestVerifier(A_CHAIN);
        ReconfiguringApp app = new ReconfiguringApp(b, A_CHAIN, address(empty));
        (bytes[] memory packets, bytes memory proof, uint64 h) = batch(3, addr32(address(app)), none);
        vm.assertEq(b.receiveBatch(packets, proof, h), 1, "only the first received");
        collect();
        vm.assertEq(lastSkipped.length, 2, "the next two skipped");
        vm.assertEq(app.received(), 1, "one executed");
        vm.assertTrue(b.securityConfig(addr32(address(app)), A_CHAIN) == address(empty), "the new config");
    }

    /// Batch-level errors reject the whole batch: size at and past its bounds, mixed sources,
    /// duplicates, a malformed multiproof, a root that is not the verified one.
    function test_batch_level_errors() external {
        (bytes[] memory packets, bytes memory proof, uint64 h) = batch(2, addr32(address(appB)), none);
        vm.expectRevert(abi.encodeWithSelector(BatchSize.selector, 0, 1024));
        b.receiveBatch(new bytes[](0), proof, h);
        bytes[] memory big = new bytes[](1025);
        vm.expectRevert(abi.encodeWithSelector(BatchSize.selector, 1025, 1024));
        b.receiveBatch(big, proof, h);
        bytes[] memory twice = new bytes[](2);
        (twice[0], twice[1]) = (packets[0], packets[0]);
        Packet memory p = codec.decode(packets[0]);
        vm.expectRevert(abi.encodeWithSelector(DuplicateInBatch.selector, PacketCodec.routeOf(p), uint64(1)));
        b.receiveBatch(twice, proof, h);
        Packet memory other = codec.decode(packets[1]);
        other.sourceChain = 9;
        bytes[] memory mixed = new bytes[](2);
        (mixed[0], mixed[1]) = (packets[0], codec.encode(other));
        vm.expectRevert(abi.encodeWithSelector(MixedBatch.selector, A_CHAIN, uint64(9)));
        b.receiveBatch(mixed, proof, h);
        bytes[] memory one = new bytes[](1);
        one[0] = packets[0];
        vm.expectRevert(abi.encodeWithSelector(IdCountMismatch.selector, 1, 2));
        b.receiveBatch(one, proof, h);
        vb.setRoot(h, keccak256("other"));
        vm.expectRevert();
        b.receiveBatch(packets, proof, h);
        vm.expectRevert(abi.encodeWithSelector(RootNotVerified.selector, address(vb), h + 1));
        b.receiveBatch(packets, proof, h + 1);
        vb.setRoot(h, a.outboxRoot());
        vm.assertEq(b.receiveBatch(packets, proof, h), 2, "then delivered");
    }

    /// Gas of a delivery transaction (intrinsic cost, calldata, cold storage, the outcome message
    /// appended to the outbox), with the test verifier (no signature verification) and an
    /// application that does nothing: one message (the route's first, then a later one), and a
    /// batch of 64 under one root (the route's first 64, then the next 64).
    function test_gas_receive() external {
        bytes32 noop = addr32(address(new NoopApp()));
        (bytes[] memory packets, bytes memory proof, uint64 h) = batch(1, noop, none);
        (proof, h) = prove(a, 0);
        b.receiveMessage(packets[0], proof, h);
        vm.snapshotGasLastCall("receive: one message, first of its route");
        (packets,, h) = batch(1, noop, none);
        (proof, h) = prove(a, 1);
        b.receiveMessage(packets[0], proof, h);
        vm.snapshotGasLastCall("receive: one message, second of its route");
        (packets, proof, h) = batch(64, noop, none);
        b.receiveBatch(packets, proof, h);
        vm.snapshotGasLastCall("receive: batch of 64 messages, one route, nonces 3 to 66");
        (packets, proof, h) = batch(64, noop, none);
        b.receiveBatch(packets, proof, h);
        vm.snapshotGasLastCall("receive: batch of 64 messages, one route, nonces 67 to 130");
        // Steady state: no fresh slot (the bitmap word, the outcome route's nonce and the outbox
        // branch slot it writes all exist), as most deliveries on a busy route.
        (packets,, h) = batch(1, noop, none);
        (proof, h) = prove(a, 130);
        b.receiveMessage(packets[0], proof, h);
        vm.snapshotGasLastCall("receive: one message, nonce 131, no fresh slot");
    }
}
