// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {deployEndpoint} from "./lib/Deploy.sol";
import {NetTest} from "./lib/Net.sol";
import {TestVerifier, ProbeApp, GreedyVerifier, MalformedVerifier} from "./lib/Fixtures.sol";
import {StraitEndpoint} from "../src/StraitEndpoint.sol";
import {DeliveryOptions} from "../src/EndpointBase.sol";
import {StraitGuardians, IPausable} from "../src/StraitGuardians.sol";
import {Packet, PacketCodec} from "../src/Packet.sol";
import {Receipt, Outcome, OutcomeKind, ReceiptCodec} from "../src/Receipt.sol";
import {SingleOutcome} from "./lib/Harness.sol";
import {AppCall} from "../src/AppCall.sol";
import {MerkleHash} from "../src/MerkleHash.sol";
import "../src/Errors.sol";

/// Receiving (SPEC §4.2): a message there and its outcome back, the checks in SPEC order with
/// their names, timeouts, failing applications.
contract ReceiveTest is NetTest {
    /// The slot of `inbound` (`forge inspect StraitEndpoint storageLayout`).
    uint256 internal constant INBOUND_SLOT = 35;

    /// A message executes on B, its receipt is Executed with the app's ack, the outcome message
    /// `0x01 || id || outcome` goes back, and settles on A exactly once.
    function test_message_there_and_outcome_back() external {
        (bytes memory packet, uint256 index) = sendAB("hi", none);
        bytes32 id = PacketCodec.messageId(packet);
        vm.assertTrue(a.isAwaiting(id), "awaits its outcome");
        Receipt memory r = relay(a, index);
        vm.assertEq(r.id, id, "receipt id");
        vm.assertEq(r.nonce, 1, "receipt nonce");
        vm.assertEq(r.route, PacketCodec.routeOf(codec.decode(packet)), "receipt route");
        vm.assertEq(outcomeKind(r), uint256(OutcomeKind.Executed), "executed");
        vm.assertEq(r.outcome.ack, "ack:hi", "ack");
        vm.assertEq(appB.received(), 1, "app called once");
        vm.assertEq(appB.lastPayload(), "hi", "payload");

        // The outcome message B sent: sender ENDPOINT, receiver appA, to chain 1, unordered, no
        // timeout, payload version 3 || deliverer (the transaction's sender) || count 1 || id ||
        // gas used || outcome ([STRAIT-SETTLE.3], [STRAIT-FEE.6]).
        (bytes memory back, uint256 backIndex) = lastSent(b);
        Packet memory q = codec.decode(back);
        vm.assertEq(q.sender, b.ENDPOINT_ADDRESS(), "outcome sender");
        vm.assertEq(q.receiver, addr32(address(appA)), "outcome receiver");
        vm.assertEq(q.destinationChain, A_CHAIN, "outcome destination");
        vm.assertTrue(!q.ordered && q.timeoutHeight == 0 && q.timeoutTimestamp == 0, "outcome options");
        SingleOutcome memory op = receipts.decodeSingleOutcome(q.payload);
        vm.assertEq(op.deliverer, addr32(tx.origin), "deliverer: the transaction's sender");
        vm.assertTrue(op.gasUsed > 0 && op.gasUsed < 300_000, "gas used: the app call's");
        vm.assertEq(
            q.payload,
            abi.encodePacked(
                uint8(3), addr32(tx.origin), uint16(1), id, op.gasUsed, uint8(0), uint32(6), "ack:hi"
            ),
            "outcome payload"
        );

        Receipt memory settled = relay(b, backIndex);
        vm.assertEq(outcomeKind(settled), uint256(OutcomeKind.Executed), "outcome message executed");
        vm.assertEq(settled.outcome.ack, "", "outcome message has an empty ack");
        vm.assertEq(appA.outcomes(id), 1, "settled once");
        vm.assertEq(appA.outcome(id).ack, "ack:hi", "ack handed to the sender");
        vm.assertTrue(!a.isAwaiting(id), "record deleted");
        vm.assertEq(a.outboxCount(), 1, "an outcome message has no outcome");

        // Replays are refused, on both sides.
        (bytes memory proof, uint64 h) = prove(a, index);
        vm.expectRevert(abi.encodeWithSelector(AlreadyReceived.selector));
        b.receiveMessage(packet, proof, h);
        (proof, h) = prove(b, backIndex);
        vm.expectRevert(abi.encodeWithSelector(AlreadyReceived.selector));
        a.receiveMessage(back, proof, h);
    }

    /// The outcome payloads decode as the vectors' outcomes: every receipt vector's outcome
    /// (`encoding[80:]`) behind `0x03 || deliverer || count 1 || id || gas used` decodes to it.
    function test_outcome_payloads_of_the_vector_outcomes() external view {
        string memory json = vectors("endpoint.json");
        uint256 n = count(json, ".receipts");
        for (uint256 i = 0; i < n; ++i) {
            bytes memory enc = vm.parseJsonBytes(json, string.concat(item(".receipts", i), ".encoding"));
            Receipt memory r = receipts.decodeReceipt(enc);
            bytes memory outcome = new bytes(enc.length - 80);
            for (uint256 j = 0; j < outcome.length; ++j) {
                outcome[j] = enc[80 + j];
            }
            SingleOutcome memory q = receipts.decodeSingleOutcome(
                abi.encodePacked(uint8(3), bytes32(uint256(7)), uint16(1), r.id, uint64(9), outcome)
            );
            vm.assertEq(q.id, r.id, "id");
            vm.assertEq(q.deliverer, bytes32(uint256(7)), "deliverer");
            vm.assertEq(q.gasUsed, 9, "gas used");
            vm.assertEq(abi.encode(q.outcome), abi.encode(r.outcome), "outcome");
        }
    }

    /// Every packet vector is received on an endpoint of its destination chain under a root its
    /// verifier holds: the receipt carries the vector's message id, route id and nonce (an ordered
    /// packet past nonce 1 waits for nonce 1: `OutOfOrder(1)`).
    function test_the_packet_vectors_are_received_with_their_ids() external {
        string memory json = vectors("packet.json");
        uint256 n = count(json, ".cases");
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(".cases", i);
            bytes memory encoded = vm.parseJsonBytes(json, string.concat(c, ".encoding"));
            Packet memory p = codec.decode(encoded);
            vm.chainId(p.destinationChain);
            StraitEndpoint dst = deployEndpoint(address(this), address(this));
            TestVerifier v = new TestVerifier(p.sourceChain);
            dst.setDefaultVerifier(p.sourceChain, address(v));
            bytes32[] memory one = new bytes32[](1);
            one[0] = MerkleHash.leaf(PacketCodec.messageId(encoded));
            bytes32[][] memory levels = naiveLevels(one);
            v.setRoot(1, naiveRoot(levels));
            if (p.ordered && p.nonce > 1) {
                vm.expectRevert(abi.encodeWithSelector(OutOfOrder.selector, uint64(1)));
                dst.receiveMessage(encoded, inclusionProof(levels, 0), 1);
                continue;
            }
            Receipt memory r =
                receipts.decodeReceipt(dst.receiveMessage(encoded, inclusionProof(levels, 0), 1));
            vm.assertEq(r.id, vm.parseJsonBytes32(json, string.concat(c, ".message_id")), "message id");
            vm.assertEq(r.route, vm.parseJsonBytes32(json, string.concat(c, ".route_id")), "route id");
            vm.assertEq(r.nonce, p.nonce, "nonce");
        }
    }

    /// A delivery of every invalid packet vector reverts with the vector's SPEC name, before any
    /// other check.
    function test_invalid_packet_vectors_are_refused_with_their_names() external {
        string memory json = vectors("packet.json");
        uint256 n = count(json, ".invalid");
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(".invalid", i);
            bytes memory encoded = encoding(json, string.concat(c, ".encoding"));
            bytes4 expected = selectorOf(vm.parseJsonString(json, string.concat(c, ".error")));
            (bool ok, bytes memory err) =
                address(b).call(abi.encodeCall(b.receiveMessage, (encoded, hex"", 1)));
            vm.assertTrue(!ok, "refused");
            vm.assertEq(
                bytes32(bytes4(err)), bytes32(expected), vm.parseJsonString(json, string.concat(c, ".name"))
            );
        }
    }

    /// Every receive rule, in SPEC order: each case breaks one rule and every rule before it holds.
    function test_receive_checks_in_spec_order() external {
        (bytes memory packet, uint256 index) = sendAB("x", none);
        (bytes memory proof, uint64 h) = prove(a, index);
        bytes32 root = a.outboxRoot();
        bytes32 route = PacketCodec.routeOf(codec.decode(packet));

        // Packet bounds and the proof's shape come first.
        vm.expectRevert(abi.encodeWithSelector(Truncated.selector));
        b.receiveMessage(hex"01", proof, h);
        vm.expectRevert(abi.encodeWithSelector(Truncated.selector));
        b.receiveMessage(packet, hex"00", h);
        vm.expectRevert(abi.encodeWithSelector(TrailingBytes.selector));
        b.receiveMessage(packet, bytes.concat(proof, hex"00"), h);
        // [STRAIT-MERKLE.4]: zero[31] carried instead of omitted (mask bit 31 cleared).
        bytes memory explicitZero = bytes.concat(proof, MerkleHash.zeroHashes()[31]);
        explicitZero[4] &= 0x7f;
        vm.expectRevert(abi.encodeWithSelector(NonCanonicalProof.selector));
        b.receiveMessage(packet, explicitZero, h);
        // [STRAIT-RECV.2]
        vm.expectRevert(abi.encodeWithSelector(WrongDestination.selector, B_CHAIN, A_CHAIN));
        a.receiveMessage(packet, proof, h);
        // [STRAIT-PAUSE.2]: the endpoint, then the route.
        StraitGuardians g = guardians(b);
        approveAll(g, hex"00", true, 2);
        vm.expectRevert(abi.encodeWithSelector(Paused.selector, hex"00"));
        b.receiveMessage(packet, proof, h);
        approveAll(g, hex"00", false, 3);
        approveAll(g, abi.encodePacked(uint8(1), route), true, 2);
        vm.expectRevert(abi.encodeWithSelector(Paused.selector, abi.encodePacked(uint8(1), route)));
        b.receiveMessage(packet, proof, h);
        approveAll(g, abi.encodePacked(uint8(1), route), false, 3);
        // [STRAIT-RECV.3]
        b.setDefaultVerifier(A_CHAIN, address(0));
        vm.expectRevert(abi.encodeWithSelector(UnknownRoute.selector, A_CHAIN));
        b.receiveMessage(packet, proof, h);
        // [STRAIT-RECV.4]: the receiver's own config wins over the (absent) default.
        vm.prank(address(appB));
        b.setSecurityConfig(A_CHAIN, address(0xdead));
        vm.expectRevert(abi.encodeWithSelector(UnknownClient.selector, address(0xdead)));
        b.receiveMessage(packet, proof, h);
        vm.prank(address(appB));
        b.setSecurityConfig(A_CHAIN, address(vb));
        vb.setChain(3);
        vm.expectRevert(abi.encodeWithSelector(ClientChainMismatch.selector, address(vb), uint64(3), A_CHAIN));
        b.receiveMessage(packet, proof, h);
        vb.setChain(A_CHAIN);
        vb.setFrozen(true);
        vm.expectRevert(abi.encodeWithSelector(ClientFrozen.selector, address(vb)));
        b.receiveMessage(packet, proof, h);
        vb.setFrozen(false);
        // [STRAIT-RECV.5]
        vm.expectRevert(abi.encodeWithSelector(RootNotVerified.selector, address(vb), h + 1));
        b.receiveMessage(packet, proof, h + 1);
        bytes memory wrong = bytes.concat(proof);
        wrong[3] = 0x01; // leaf index 1
        vm.expectRevert();
        b.receiveMessage(packet, wrong, h);
        vb.setRoot(h, keccak256("other"));
        vm.expectRevert(abi.encodeWithSelector(RootMismatch.selector, root, keccak256("other")));
        b.receiveMessage(packet, proof, h);
        vb.setRoot(h, root);
        // Delivered; then [STRAIT-RECV.6].
        b.receiveMessage(packet, proof, h);
        vm.expectRevert(abi.encodeWithSelector(AlreadyReceived.selector));
        b.receiveMessage(packet, proof, h);
    }

    /// [STRAIT-RECV.7]: an ordered message waits for its predecessors (`OutOfOrder`), then passes.
    function test_ordered_messages_wait_for_their_predecessors() external {
        DeliveryOptions memory ordered = DeliveryOptions(true, 0, 0);
        (, uint256 first) = sendAB("1", ordered);
        (bytes memory second, uint256 secondIndex) = sendAB("2", ordered);
        (bytes memory proof, uint64 h) = prove(a, secondIndex);
        vm.expectRevert(abi.encodeWithSelector(OutOfOrder.selector, uint64(1)));
        b.receiveMessage(second, proof, h);
        relay(a, first);
        relay(a, secondIndex);
        vm.assertEq(appB.received(), 2, "both executed");
        bytes32 route = PacketCodec.routeOf(codec.decode(second));
        vm.assertEq(b.contiguousOf(route), 2, "contiguous counter");
    }

    /// [STRAIT-RECV.7] at the scan bound, [STRAIT-RECV.11]: with nonces 1 to 16,383 received (64
    /// full bitmap words, written directly) and the counter at 0, an ordered nonce 16,385 is
    /// `OrderingBacklog(0, 16383)`; a permissionless advance moves the counter to 16,383; then it
    /// waits for 16,384 (`OutOfOrder`), and passes once that is received.
    function test_an_ordering_backlog_is_cleared_by_an_advance() external {
        Packet memory p;
        p.nonce = 16_385;
        p.sourceChain = A_CHAIN;
        p.sender = addr32(address(appA));
        p.destinationChain = B_CHAIN;
        p.receiver = addr32(address(appB));
        p.ordered = true;
        bytes32 route = PacketCodec.routeOf(p);
        bytes32 base = keccak256(abi.encode(route, INBOUND_SLOT));
        for (uint256 w = 0; w < 64; ++w) {
            vm.store(address(b), keccak256(abi.encode(w, base)), bytes32(type(uint256).max));
        }
        bytes memory packet = codec.encode(p);
        bytes32[] memory one = new bytes32[](1);
        one[0] = MerkleHash.leaf(PacketCodec.messageId(packet));
        bytes32[][] memory levels = naiveLevels(one);
        vb.setRoot(1, naiveRoot(levels));
        bytes memory proof = inclusionProof(levels, 0);
        vm.expectRevert(abi.encodeWithSelector(OrderingBacklog.selector, uint64(0), uint64(16_383)));
        b.receiveMessage(packet, proof, 1);
        (uint64 from, uint64 to) = b.advanceInbound(route);
        vm.assertEq(from, 0, "advance from");
        vm.assertEq(to, 16_383, "advance to");
        vm.expectRevert(abi.encodeWithSelector(OutOfOrder.selector, uint64(16_384)));
        b.receiveMessage(packet, proof, 1);
        vm.store(address(b), keccak256(abi.encode(uint256(64), base)), bytes32(uint256(1)));
        b.receiveMessage(packet, proof, 1);
        vm.assertEq(b.contiguousOf(route), 16_385, "counter moved through the delivery");
    }

    /// [STRAIT-RECV.8]: past its timeout (height or time, in ms) a message is not executed; its
    /// TimedOut outcome goes back and settles; on an ordered route it counts as received.
    function test_timed_out_messages_are_never_executed() external {
        vm.roll(10);
        (, uint256 byHeight) = sendAB("late", DeliveryOptions(true, 20, 0));
        (, uint256 byTime) = sendAB("late", DeliveryOptions(true, 0, 5_000_000));
        (, uint256 inTime) = sendAB("next", DeliveryOptions(true, 0, 0));
        vm.roll(20);
        vm.warp(5000);
        Receipt memory r = relay(a, byHeight);
        vm.assertEq(outcomeKind(r), uint256(OutcomeKind.TimedOut), "timed out at its height");
        r = relay(a, byTime);
        vm.assertEq(outcomeKind(r), uint256(OutcomeKind.TimedOut), "timed out at its time (ms)");
        vm.assertEq(appB.received(), 0, "never executed");
        r = relay(a, inTime);
        vm.assertEq(outcomeKind(r), uint256(OutcomeKind.Executed), "the route stays open");
        // The first outcome back: on_timeout, with no gas used ([STRAIT-FEE.6]).
        bytes32 id = PacketCodec.messageId(sent[address(a)][byHeight]);
        SingleOutcome memory q = receipts.decodeSingleOutcome(codec.decode(sent[address(b)][0]).payload);
        vm.assertEq(q.id, id, "the timed-out message");
        vm.assertEq(q.gasUsed, 0, "a timeout runs nothing");
        vm.assertEq(q.deliverer, addr32(tx.origin), "deliverer: the relayer");
        relay(b, 0);
        vm.assertEq(appA.outcomes(id), 1, "settled");
        vm.assertEq(uint256(appA.outcome(id).kind), uint256(OutcomeKind.TimedOut), "timeout handed back");
    }

    /// A failing, gas-hungry or return-bombing application fails its message (a Failed receipt
    /// with code and reason), never the delivery.
    function test_failing_applications_fail_only_their_message() external {
        checkFailure(ProbeApp.Mode.AppError, 7, "refused");
        checkFailure(ProbeApp.Mode.ErrorString, 0, "plain");
        checkFailure(ProbeApp.Mode.Panic, AppCall.APP_REVERTED, "reverted");
        checkFailure(ProbeApp.Mode.BurnGas, AppCall.APP_REVERTED, "reverted without reason");
        checkFailure(ProbeApp.Mode.HugeAck, AppCall.ACK_TOO_LARGE, "acknowledgement exceeds 4096 bytes");
        checkFailure(ProbeApp.Mode.ReturnBomb, AppCall.APP_REVERTED, "reverted");
        checkFailure(ProbeApp.Mode.BadUtf8, 8, "reason is not UTF-8");
        // 255 bytes and a 2-byte character: cut before the character.
        checkFailure(ProbeApp.Mode.LongReason, 9, string(new bytes(255)));
        // No contract at the receiver.
        a.send(B_CHAIN, addr32(address(0xbeef)), none, "x");
        collect();
        Receipt memory r = relay(a, sent[address(a)].length - 1);
        vm.assertEq(r.outcome.code, AppCall.NO_RECEIVER, "no receiver");
    }

    /// An acknowledgement of 4,096 bytes, the limit, is executed (one more byte fails, above).
    function test_an_acknowledgement_at_the_limit_is_executed() external {
        appB.setMode(ProbeApp.Mode.MaxAck);
        (, uint256 index) = sendAB("x", none);
        Receipt memory r = relay(a, index);
        vm.assertEq(outcomeKind(r), uint256(OutcomeKind.Executed), "executed");
        vm.assertEq(r.outcome.ack, new bytes(4096), "the whole ack");
    }

    function checkFailure(ProbeApp.Mode mode, uint32 code, string memory reason) internal {
        appB.setMode(mode);
        (bytes memory packet, uint256 index) = sendAB("x", none);
        uint256 outbox = b.outboxCount();
        Receipt memory r = relay(a, index);
        vm.assertEq(outcomeKind(r), uint256(OutcomeKind.Failed), "failed");
        vm.assertEq(r.outcome.code, code, "code");
        vm.assertEq(string(r.outcome.reason), reason, "reason");
        (uint32 attempts,) = b.failure(PacketCodec.messageId(packet));
        vm.assertEq(attempts, 1, "failure recorded for retry");
        vm.assertEq(b.outboxCount(), outbox, "no outcome goes back yet");
    }

    /// A relayer cannot starve an application: too little gas reverts the whole delivery.
    function test_a_starved_application_reverts_the_delivery() external {
        (bytes memory packet, uint256 index) = sendAB("x", none);
        (bytes memory proof, uint64 h) = prove(a, index);
        (bool ok, bytes memory err) =
            address(b).call{gas: 200_000}(abi.encodeCall(b.receiveMessage, (packet, proof, h)));
        vm.assertTrue(!ok, "reverted");
        vm.assertEq(bytes4(err), InsufficientGas.selector, "InsufficientGas");
        vm.assertTrue(!b.isReceived(PacketCodec.routeOf(codec.decode(packet)), 1), "nothing written");
    }

    /// An outcome message is received while it has something to settle (ADR 0033): a malformed
    /// one, one for no awaited message and one whose only entry is another sender's are not
    /// received (`AlreadyReceived`, nothing runs); one with an open entry and another sender's
    /// settles the open one and fails with the refusal; a failing callback fails it and leaves the
    /// record, a second delivery is `AlreadyReceived` (its failure record stands) and a retry
    /// settles.
    function test_settlement_refusals_and_a_failed_callback() external {
        (bytes memory packet, uint256 index) = sendAB("hi", none);
        bytes32 id = PacketCodec.messageId(packet);
        Packet memory p;
        p.nonce = 100;
        p.sourceChain = B_CHAIN;
        p.sender = a.ENDPOINT_ADDRESS();
        p.destinationChain = A_CHAIN;
        p.receiver = addr32(address(appA));
        // Malformed ([STRAIT-SETTLE.3]'s names): nothing to settle.
        bytes memory header = abi.encodePacked(uint8(3), bytes32(0));
        bytes memory entry = abi.encodePacked(id, uint64(0), uint8(2));
        bytes[8] memory malformed = [
            bytes(hex"03"),
            abi.encodePacked(uint8(2), id, bytes32(0), uint64(0), uint8(2)), // version 2 is no longer read
            abi.encodePacked(header, uint16(0)),
            abi.encodePacked(header, uint16(0), entry),
            abi.encodePacked(header, uint16(1025), entry),
            abi.encodePacked(header, uint16(2), entry),
            abi.encodePacked(header, uint16(1), entry, uint8(0)),
            abi.encodePacked(header, uint16(1), id, uint64(0))
        ];
        for (uint256 i = 0; i < malformed.length; ++i) {
            p.nonce++;
            p.payload = malformed[i];
            notReceived(p);
            vm.assertTrue(a.isAwaiting(id), "nothing settles");
        }
        // An entry whose message awaits no outcome: nothing to settle.
        p.nonce++;
        p.payload = abi.encodePacked(header, uint16(1), keccak256("nothing"), uint64(0), uint8(2));
        notReceived(p);
        // The entry of appA's message in an outcome message to appB: not appB's to settle.
        p.nonce++;
        p.payload = abi.encodePacked(header, uint16(1), entry);
        p.receiver = addr32(address(appB));
        a.setDefaultVerifier(B_CHAIN, address(va));
        notReceived(p);
        vm.assertTrue(a.isAwaiting(id), "still awaiting");
        // A message this test sent itself, and appA's: to appA, the first is refused, the second
        // settles.
        (bytes32 mine,) = a.send(B_CHAIN, addr32(address(appB)), none, "mine");
        p.nonce++;
        p.payload = abi.encodePacked(header, uint16(2), mine, uint64(0), uint8(2), entry);
        p.receiver = addr32(address(appA));
        checkRefused(p, "message was sent by another sender or to another chain");
        vm.assertTrue(a.isAwaiting(mine), "the refused entry still awaits");
        vm.assertTrue(!a.isAwaiting(id), "the open entry settled");
        vm.assertEq(appA.outcomes(id), 1, "settled once");

        // The real outcome of another message, with a failing callback: Failed, record put back; a
        // second delivery is refused while the failure record stands; a retry settles.
        (packet, index) = sendAB("again", none);
        id = PacketCodec.messageId(packet);
        relay(a, index);
        (bytes memory back, uint256 backIndex) = lastSent(b);
        // It took no route nonce: its nonce is its outbox position plus one (ADR 0033).
        vm.assertEq(codec.decode(back).nonce, b.outboxCount(), "outbox position plus one");
        appA.setFailOutcomes(true);
        Receipt memory r = relay(b, backIndex);
        vm.assertEq(r.outcome.code, 11, "the callback's error");
        vm.assertTrue(a.isAwaiting(id), "record put back");
        (bytes memory proof, uint64 h) = prove(b, backIndex);
        vm.expectRevert(AlreadyReceived.selector);
        a.receiveMessage(back, proof, h);
        appA.setFailOutcomes(false);
        uint256 outbox = a.outboxCount();
        a.retry(back);
        vm.assertEq(appA.outcomes(id), 1, "settled once");
        vm.assertTrue(!a.isAwaiting(id), "record deleted");
        vm.assertEq(a.outboxCount(), outbox, "an outcome message sends nothing back when final");
        vm.expectRevert(abi.encodeWithSelector(NotRetryable.selector, PacketCodec.messageId(back)));
        a.retry(back);
        // Settled: delivered again, it is not received.
        (proof, h) = prove(b, backIndex);
        vm.expectRevert(AlreadyReceived.selector);
        a.receiveMessage(back, proof, h);
    }

    /// An outcome message whose one open entry comes after 600 that await nothing: at every gas
    /// limit from too little upwards, its delivery reverts for want of gas or is received, never
    /// refused as `AlreadyReceived` because the check of its entries ran out of gas (ADR 0033).
    function test_an_outcome_message_is_never_refused_for_want_of_gas() external {
        (bytes memory packet,) = sendAB("hi", none);
        bytes32 id = PacketCodec.messageId(packet);
        Packet memory p;
        p.nonce = 7;
        p.sourceChain = B_CHAIN;
        p.sender = a.ENDPOINT_ADDRESS();
        p.destinationChain = A_CHAIN;
        p.receiver = addr32(address(appA));
        bytes memory entries;
        for (uint256 i = 0; i < 600; ++i) {
            entries = bytes.concat(entries, abi.encodePacked(keccak256(abi.encode(i)), uint64(0), uint8(2)));
        }
        p.payload = abi.encodePacked(uint8(3), bytes32(0), uint16(601), entries, id, uint64(0), uint8(2));
        bytes memory crafted = codec.encode(p);
        bytes32[] memory one = new bytes32[](1);
        one[0] = MerkleHash.leaf(PacketCodec.messageId(crafted));
        bytes32[][] memory levels = naiveLevels(one);
        uint64 h = ++height;
        va.setRoot(h, naiveRoot(levels));
        bytes memory call = abi.encodeCall(a.receiveMessage, (crafted, inclusionProof(levels, 0), h));
        bool received;
        uint256 reverted;
        for (uint256 g = 100_000; g <= 10_000_000 && !received; g += 50_000) {
            (bool ok, bytes memory ret) = address(a).call{gas: g}(call);
            if (ok) {
                received = true;
            } else {
                vm.assertTrue(bytes4(ret) != AlreadyReceived.selector, "not refused as received");
                ++reverted;
            }
        }
        vm.assertTrue(received, "received");
        vm.assertTrue(reverted > 10, "too little gas reverts");
        vm.assertTrue(!a.isAwaiting(id), "the open entry settled");
    }

    /// `deliverCrafted` of an outcome message with nothing to settle: `AlreadyReceived`.
    function notReceived(Packet memory p) internal {
        bytes memory packet = codec.encode(p);
        bytes32[] memory one = new bytes32[](1);
        one[0] = MerkleHash.leaf(PacketCodec.messageId(packet));
        bytes32[][] memory levels = naiveLevels(one);
        uint64 h = ++height;
        va.setRoot(h, naiveRoot(levels));
        bytes memory proof = inclusionProof(levels, 0);
        vm.expectRevert(AlreadyReceived.selector);
        a.receiveMessage(packet, proof, h);
    }

    function checkRefused(Packet memory p, string memory reason) internal {
        deliverCrafted(a, p);
        Receipt memory r = receipts.decodeReceipt(lastReceipts[0]);
        vm.assertEq(r.outcome.code, a.SETTLE_REFUSED(), "refused");
        vm.assertEq(string(r.outcome.reason), reason, "reason");
    }

    /// A verifier's `rootAt` gets at most VERIFIER_GAS: one that burns its gas is `UnknownClient`
    /// for its receivers' messages and leaves the rest of the transaction its gas.
    /// A verifier answering fewer than three words, or a frozen flag that is not a bool, is an
    /// unknown client (the delivery is refused with its name, not with a decoding panic).
    function test_a_verifier_answering_malformed_data_is_an_unknown_client() external {
        (bytes memory packet, uint256 index) = sendAB("x", none);
        (bytes memory proof, uint64 h) = prove(a, index);
        address[3] memory vs = [
            address(new MalformedVerifier(2, 0)),
            address(new MalformedVerifier(3, 2)),
            address(new MalformedVerifier(0, 0))
        ];
        for (uint256 i = 0; i < 3; ++i) {
            vm.prank(address(appB));
            b.setSecurityConfig(A_CHAIN, vs[i]);
            vm.expectRevert(abi.encodeWithSelector(UnknownClient.selector, vs[i]));
            b.receiveMessage(packet, proof, h);
        }
        // Well formed, another chain: named as such.
        address wrongChain = address(new MalformedVerifier(3, 0));
        vm.prank(address(appB));
        b.setSecurityConfig(A_CHAIN, wrongChain);
        vm.expectRevert(abi.encodeWithSelector(ClientChainMismatch.selector, wrongChain, uint64(2), A_CHAIN));
        b.receiveMessage(packet, proof, h);
    }

    function test_a_greedy_verifier_is_an_unknown_client() external {
        (bytes memory packet, uint256 index) = sendAB("x", none);
        (bytes memory proof, uint64 h) = prove(a, index);
        address greedy = address(new GreedyVerifier());
        vm.prank(address(appB));
        b.setSecurityConfig(A_CHAIN, greedy);
        (bool ok, bytes memory err) =
            address(b).call{gas: 1_000_000}(abi.encodeCall(b.receiveMessage, (packet, proof, h)));
        vm.assertTrue(!ok, "refused");
        vm.assertEq(err, abi.encodeWithSelector(UnknownClient.selector, greedy), "UnknownClient");
    }

    /// Guardians for `e`: 2 of 3 pause, 3 of 3 unpause.
    function guardians(StraitEndpoint e) internal returns (StraitGuardians g) {
        g = new StraitGuardians(IPausable(address(e)), address(this));
        address[] memory set = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            set[i] = address(uint160(0x6000 + i));
        }
        g.setGuardians(set, 2, 3);
        e.setPauser(address(g));
    }

    function approveAll(StraitGuardians g, bytes memory scope, bool paused, uint256 k) internal {
        uint64 counter = g.counter();
        for (uint256 i = 0; i < k; ++i) {
            vm.prank(address(uint160(0x6000 + i)));
            g.approve(scope, paused, counter);
        }
    }
}
