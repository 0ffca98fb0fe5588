// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NetTest} from "./lib/Net.sol";
import {ProbeApp, ReentrantApp} from "./lib/Fixtures.sol";
import {StraitEndpoint} from "../src/StraitEndpoint.sol";
import {StraitGuardians, IPausable} from "../src/StraitGuardians.sol";
import {Packet, PacketCodec} from "../src/Packet.sol";
import {Receipt, Outcome, OutcomeKind, ReceiptCodec} from "../src/Receipt.sol";
import {SingleOutcome} from "./lib/Harness.sol";
import "../src/Errors.sol";

/// Recovery of failed execution (SPEC §4.6) and the circuit breaker (§4.7).
contract RecoveryTest is NetTest {
    /// A failed message retried after the app recovers executes: Finalized, the outcome goes back
    /// and settles once; it cannot be retried again.
    function test_retry_executes_and_the_outcome_goes_back() external {
        appB.setMode(ProbeApp.Mode.AppError);
        (bytes memory packet, uint256 index) = sendAB("x", none);
        bytes32 id = PacketCodec.messageId(packet);
        relay(a, index);
        appB.setMode(ProbeApp.Mode.Ack);
        vm.prank(address(0xbeef), address(0xbeef));
        b.retry(packet);
        collect();
        (bytes memory back, uint256 backIndex) = lastSent(b);
        // [STRAIT-FEE.6] The retrier made the outcome final: it is the deliverer, with the gas of
        // the retry's run.
        SingleOutcome memory q = receipts.decodeSingleOutcome(codec.decode(back).payload);
        vm.assertEq(q.deliverer, addr32(address(0xbeef)), "deliverer: the retrier");
        vm.assertTrue(q.gasUsed > 0, "the retry's gas");
        (uint32 attempts,) = b.failure(id);
        vm.assertEq(attempts, 0, "record deleted");
        relay(b, backIndex);
        vm.assertEq(appA.outcomes(id), 1, "settled once");
        vm.assertEq(appA.outcome(id).ack, "ack:x", "the retry's ack");
        vm.expectRevert(abi.encodeWithSelector(NotRetryable.selector, id));
        b.retry(packet);
        vm.assertEq(appB.received(), 1, "the failed run's writes were reverted, the retry's stand");
    }

    /// [STRAIT-RETRY.3]: the retry that makes the attempts reach 8 finalizes the message as failed.
    function test_a_poison_message_ends_at_eight_attempts() external {
        appB.setMode(ProbeApp.Mode.AppError);
        (bytes memory packet, uint256 index) = sendAB("x", none);
        bytes32 id = PacketCodec.messageId(packet);
        relay(a, index);
        uint256 outbox = b.outboxCount();
        for (uint32 i = 2; i < 8; ++i) {
            b.retry(packet);
            (uint32 attempts,) = b.failure(id);
            vm.assertEq(attempts, i, "attempts");
            vm.assertEq(b.outboxCount(), outbox, "not final yet");
        }
        vm.prank(address(0xbeef), address(0xbeef));
        b.retry(packet);
        vm.assertEq(b.outboxCount(), outbox + 1, "final: the failure goes back");
        {
            collect();
            (bytes memory back,) = lastSent(b);
            SingleOutcome memory q = receipts.decodeSingleOutcome(codec.decode(back).payload);
            vm.assertEq(q.deliverer, addr32(address(0xbeef)), "deliverer: the last retrier");
            vm.assertTrue(q.gasUsed > 0, "the last run's gas");
        }
        vm.expectRevert(abi.encodeWithSelector(NotRetryable.selector, id));
        b.retry(packet);
        collect();
        (, uint256 backIndex) = lastSent(b);
        relay(b, backIndex);
        vm.assertEq(uint256(appA.outcome(id).kind), uint256(OutcomeKind.Failed), "failure handed back");
        vm.assertEq(appA.outcome(id).code, 7, "its code");
    }

    /// [STRAIT-RETRY.4]: the receiver finalizes at any time, anyone else after the window
    /// (`WindowOpen` before), with the recorded last error (`ErrorMismatch` otherwise).
    function test_finalize_by_the_receiver_or_after_the_window() external {
        appB.setMode(ProbeApp.Mode.AppError);
        vm.warp(1000);
        (bytes memory packet, uint256 index) = sendAB("x", none);
        bytes32 id = PacketCodec.messageId(packet);
        Receipt memory r = relay(a, index);
        bytes memory lastError = ReceiptCodec.encodeOutcome(r.outcome);
        uint64 until = 1000 * 1000 + b.RETRY_WINDOW_MS();
        vm.expectRevert(abi.encodeWithSelector(WindowOpen.selector, id, until));
        b.finalizeFailed(packet, lastError);
        vm.warp(until / 1000);
        vm.expectRevert(abi.encodeWithSelector(ErrorMismatch.selector, id));
        b.finalizeFailed(packet, hex"02");
        vm.prank(address(0xf1), address(0xf1));
        b.finalizeFailed(packet, lastError);
        {
            collect();
            (bytes memory back,) = lastSent(b);
            SingleOutcome memory q = receipts.decodeSingleOutcome(codec.decode(back).payload);
            vm.assertEq(q.deliverer, addr32(address(0xf1)), "deliverer: the finalizer");
            vm.assertEq(q.gasUsed, 0, "a finalization runs nothing");
        }
        vm.expectRevert(abi.encodeWithSelector(NotRetryable.selector, id));
        b.finalizeFailed(packet, lastError);

        // The receiver, at once.
        (packet, index) = sendAB("y", none);
        r = relay(a, index);
        vm.prank(address(appB));
        b.finalizeFailed(packet, ReceiptCodec.encodeOutcome(r.outcome));
        (uint32 attempts,) = b.failure(PacketCodec.messageId(packet));
        vm.assertEq(attempts, 0, "final");
    }

    /// A retry of a paused route waits (`Paused`), then runs.
    function test_retry_waits_for_the_unpause() external {
        appB.setMode(ProbeApp.Mode.AppError);
        (bytes memory packet, uint256 index) = sendAB("x", none);
        relay(a, index);
        StraitGuardians g = guardians(b);
        bytes memory scope = abi.encodePacked(uint8(1), PacketCodec.routeOf(codec.decode(packet)));
        approve(g, scope, true, 0, 2);
        vm.expectRevert(abi.encodeWithSelector(Paused.selector, scope));
        b.retry(packet);
        approve(g, scope, false, 0, 3);
        appB.setMode(ProbeApp.Mode.Ack);
        b.retry(packet);
        vm.assertEq(appB.received(), 1, "retried after the unpause");
    }

    /// [STRAIT-PAUSE.3] on an EVM: 2 of 3 guardians pause, 3 of 3 unpause; approvals are single-use
    /// (counter), only guardians approve, scopes are checked; a paused endpoint sends nothing, and
    /// a held message is delivered after the unpause.
    function test_guardians_pause_and_unpause() external {
        StraitGuardians g = guardians(a);
        approve(g, hex"00", true, 0, 1);
        vm.assertTrue(!a.endpointPaused(), "one approval is not enough");
        approve(g, hex"00", true, 1, 1);
        vm.assertTrue(a.endpointPaused(), "two pause");
        vm.expectRevert(abi.encodeWithSelector(Paused.selector, hex"00"));
        appA.send(B_CHAIN, addr32(address(appB)), none, "x");
        uint64 counter = g.counter();
        vm.prank(address(0x6000));
        vm.expectRevert(abi.encodeWithSelector(StaleApproval.selector, counter - 1, counter));
        g.approve(hex"00", true, counter - 1);
        vm.prank(address(0x7000));
        vm.expectRevert(abi.encodeWithSelector(NotGuardian.selector, address(0x7000)));
        g.approve(hex"00", false, counter);
        vm.prank(address(0x6000));
        vm.expectRevert(abi.encodeWithSelector(InvalidScope.selector));
        g.approve(hex"01", false, counter);
        approve(g, hex"00", false, 0, 2);
        vm.assertTrue(a.endpointPaused(), "two do not unpause");
        approve(g, hex"00", false, 2, 1);
        vm.assertTrue(!a.endpointPaused(), "three unpause");
        vm.expectRevert(abi.encodeWithSelector(NotGuardian.selector, address(this)));
        a.setPaused(hex"00", true);
        // Thresholds at and past their bounds.
        address[] memory set = new address[](2);
        (set[0], set[1]) = (address(1), address(2));
        vm.expectRevert(abi.encodeWithSelector(InvalidThresholds.selector));
        g.setGuardians(set, 2, 3);
        vm.expectRevert(abi.encodeWithSelector(InvalidThresholds.selector));
        g.setGuardians(set, 0, 1);
        vm.expectRevert(abi.encodeWithSelector(InvalidThresholds.selector));
        g.setGuardians(set, 2, 1);
        g.setGuardians(set, 2, 2);
        vm.assertEq(g.guardianIndex(address(0x6000)), 0, "old guardians removed");
    }

    function guardians(StraitEndpoint e) internal returns (StraitGuardians g) {
        g = new StraitGuardians(IPausable(address(e)), address(this));
        address[] memory set = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            set[i] = address(uint160(0x6000 + i));
        }
        g.setGuardians(set, 2, 3);
        e.setPauser(address(g));
    }

    /// Guardians `first..first+k` approve.
    function approve(StraitGuardians g, bytes memory scope, bool paused, uint256 first, uint256 k) internal {
        uint64 counter = g.counter();
        for (uint256 i = first; i < first + k; ++i) {
            vm.prank(address(uint160(0x6000 + i)));
            g.approve(scope, paused, counter);
        }
    }
}

/// Regression: a retry deletes the failure record before the application runs, so an application
/// that retries or finalizes its own message from inside the retry gets `NotRetryable`, and the
/// message gets exactly one final outcome (with the record kept during the run, both the nested
/// and the outer call finalized it and two outcomes went back).
contract ReentrantRetryTest is NetTest {
    function test_a_reentrant_retry_or_finalize_finds_nothing() external {
        check(false);
        check(true);
    }

    function check(bool finalizeInside) internal {
        ReentrantApp app = new ReentrantApp(b);
        a.send(B_CHAIN, addr32(address(app)), none, "x");
        collect();
        (bytes memory packet, uint256 index) = lastSent(a);
        relay(a, index);
        app.arm(packet, finalizeInside);
        uint256 outbox = b.outboxCount();
        b.retry(packet);
        bytes32 id = PacketCodec.messageId(packet);
        vm.assertEq(
            app.nestedError(), abi.encodeWithSelector(NotRetryable.selector, id), "nested: NotRetryable"
        );
        vm.assertEq(b.outboxCount(), outbox + 1, "one outcome");
        collect();
        (bytes memory back,) = lastSent(b);
        Packet memory q = codec.decode(back);
        vm.assertEq(
            abi.encode(receipts.decodeSingleOutcome(q.payload).outcome),
            abi.encode(Outcome(OutcomeKind.Executed, "outer", 0, "")),
            "the outer run's"
        );
    }
}
