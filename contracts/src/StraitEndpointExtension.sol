// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import "./Errors.sol";
import {EndpointBase} from "./EndpointBase.sol";
import {EndpointCore} from "./EndpointCore.sol";
import {StraitFees} from "./StraitFees.sol";
import {Packet, PacketCodec} from "./Packet.sol";
import {Outcome, OutcomeKind, Receipt, ReceiptCodec} from "./Receipt.sol";
import {IStraitSender} from "./IStrait.sol";
import {AppCall} from "./AppCall.sol";
import {ReplayBitmap} from "./ReplayBitmap.sol";
import {MerkleTree} from "./MerkleTree.sol";

/// The endpoint's code that a delivery of a message rarely or never runs (ADR 0026): the
/// settlement of outcome messages, retry and finalize of failed messages, the advance of a
/// route's contiguous counter and the configuration. `StraitEndpoint` creates it and runs it by `delegatecall`, in its own storage
/// (the layout of `EndpointBase`), so that the endpoint fits EIP-170's code size limit with its
/// delivery path compiled for gas. Its functions refuse a direct call (`NotDelegated`).
contract StraitEndpointExtension is EndpointCore {
    using ReplayBitmap for ReplayBitmap.Bitmap;
    using MerkleTree for MerkleTree.Tree;

    /// This contract's own address: a call in the endpoint's context is not to it.
    address internal immutable self;

    constructor(StraitFees fees_) EndpointBase(fees_) {
        self = address(this);
    }

    modifier delegated() {
        if (address(this) == self) revert NotDelegated();
        _;
    }

    /// [STRAIT-SETTLE.4] The endpoint's settlement of an outcome message from `source` to
    /// `receiver` (an application of this chain), with its `payload`: the outcome of the outcome
    /// message.
    function settleOutcomes(bytes32 receiver, uint64 source, bytes calldata payload)
        external
        delegated
        returns (Outcome memory)
    {
        Packet memory p;
        p.receiver = receiver;
        p.sourceChain = source;
        return settle(p, payload);
    }

    function settleMessage(Packet memory p, bytes calldata payload)
        internal
        override
        returns (Outcome memory)
    {
        return settle(p, payload);
    }

    /// The outbox state encoding ([STRAIT-MERKLE.3]), as the Rust core persists it.
    function outboxState() external view delegated returns (bytes memory) {
        return outbox.encodeState(outboxCount_);
    }

    /// [STRAIT-RECV.6] Whether outcome message `id` from `source` to `receiver` with `payload` may
    /// be received (ADR 0033): it has no failure record, its payload decodes and one of its
    /// entries awaits its outcome, sent by `receiver` to `source`. Reads only (the endpoint asks it
    /// in a static call).
    function openEntry(bytes32 id, bytes32 receiver, uint64 source, bytes calldata payload)
        external
        view
        delegated
        returns (bool)
    {
        if (failed[id] != 0) return false;
        uint256 count;
        try StraitEndpointExtension(self).checkOutcomePayload(payload) returns (uint256 count_) {
            count = count_;
        } catch (bytes memory reason) {
            // A malformed payload reverts with its error's name; out of gas, with nothing: then
            // this check fails too, and the delivery with it.
            if (reason.length == 0) revert();
            return false;
        }
        uint256 off = ReceiptCodec.OUTCOME_HEADER_LEN;
        for (uint256 i = 0; i < count; ++i) {
            bytes32 entry;
            assembly ("memory-safe") {
                entry := calldataload(add(payload.offset, off))
            }
            (, off) = ReceiptCodec.decodeOutcomeAt(payload, off + ReceiptCodec.ENTRY_HEADER_LEN);
            uint256 record = awaiting[entry];
            if (
                record != 0 && PacketCodec.toAddress32(address(uint160(record))) == receiver
                    && uint64(record >> 160) == source
            ) return true;
        }
        return false;
    }

    /// The endpoint's `hasOpenEntry(Checked)`: the extension never checks a delivery.
    function hasOpenEntry(Checked memory) internal pure override returns (bool) {
        return false;
    }

    // Configuration: the owner, and each application for itself.

    function setRemoteChain(uint64 chain, bool enabled) external delegated onlyOwner {
        remotes[chain].enabled = enabled;
        configChanged();
        emit RemoteChainSet(chain, enabled);
    }

    function setOwner(address owner_) external delegated onlyOwner {
        owner = owner_;
        emit OwnerSet(owner_);
    }

    /// The endpoint's default verifier for `sourceChain` (0: none, receivers need their own).
    function setDefaultVerifier(uint64 sourceChain, address verifier) external delegated onlyOwner {
        remotes[sourceChain].defaultVerifier = verifier;
        configChanged();
        emit SecurityConfigSet(bytes32(0), sourceChain, verifier);
    }

    /// The default gas limit; above 2^48 - 1 (no block has that much gas) is `TooLarge`.
    function setDefaultGasLimit(uint256 gasLimit) external delegated onlyOwner {
        if (gasLimit > type(uint48).max) revert TooLarge();
        defaultGasLimit_ = uint48(gasLimit);
        configChanged();
        emit GasLimitSet(address(0), gasLimit);
    }

    /// The caller (a receiving application) trusts `verifier` for messages from `sourceChain`
    /// (0: the endpoint's default). The hook for per-route security: a verifier may itself
    /// aggregate others (required plus k-of-n optional).
    function setSecurityConfig(uint64 sourceChain, address verifier) external delegated {
        bytes32 receiver = PacketCodec.toAddress32(msg.sender);
        securityConfig[receiver][sourceChain] = verifier;
        apps[msg.sender].hasSecurityConfig = true;
        configChanged();
        emit SecurityConfigSet(receiver, sourceChain, verifier);
    }

    /// The caller's gas limit for the endpoint's calls to it (0: the default).
    function setGasLimit(uint256 gasLimit) external delegated {
        if (gasLimit > type(uint248).max) revert TooLarge();
        apps[msg.sender].gasLimit = uint248(gasLimit);
        configChanged();
        emit GasLimitSet(msg.sender, gasLimit);
    }

    /// Hand the power to pause to `pauser_` (a guardians contract).
    function setPauser(address pauser_) external delegated onlyOwner {
        pauser = pauser_;
        emit PauserSet(pauser_);
    }

    /// Pause or unpause `scope`: `0x00` the endpoint, `0x01 || route` an inbound route
    /// ([STRAIT-PAUSE.1]). The pauser only.
    function setPaused(bytes calldata scope, bool paused) external delegated {
        if (msg.sender != pauser) revert NotGuardian(msg.sender);
        if (scope.length == 1 && scope[0] == 0x00) endpointPaused = paused;
        else if (scope.length == 33 && scope[0] == 0x01) inbound[bytes32(scope[1:33])].paused = paused;
        else revert InvalidScope();
        configChanged();
        emit PauseSet(scope, paused);
    }

    /// Check an outcome message's payload ([STRAIT-SETTLE.3]): reverts with the first failing
    /// rule's name, else returns its entry count.
    function checkOutcomePayload(bytes calldata payload) external pure returns (uint256) {
        return ReceiptCodec.checkOutcomePayload(payload);
    }

    /// [STRAIT-SETTLE.4] Settle the entries of an outcome message `p`: its payload decodes (else
    /// nothing settles); then each entry in order: one whose message awaits no outcome is skipped
    /// (settled already), one whose message was not sent by `p`'s receiver to `p`'s source chain
    /// is refused, else the record is deleted, the sender's callback runs (a sender without code
    /// has none; if it fails the record is put back), the fee is split and `Settled` emitted. The
    /// outcome message fails with the first refused or failed entry's error.
    function settle(Packet memory p, bytes calldata payload) internal returns (Outcome memory result) {
        uint256 count;
        try StraitEndpointExtension(self).checkOutcomePayload(payload) returns (uint256 count_) {
            count = count_;
        } catch (bytes memory reason) {
            // Out of gas (no revert data) fails the delivery, as a starved application does: it
            // is not a malformed payload.
            if (reason.length == 0) revert();
            return refused("malformed outcome message");
        }
        uint256 off = ReceiptCodec.OUTCOME_HEADER_LEN;
        bool failed_;
        for (uint256 i = 0; i < count; ++i) {
            // An entry's memory is reused by the next one unless it holds the result.
            uint256 freeMemory;
            assembly ("memory-safe") {
                freeMemory := mload(0x40)
            }
            bool ok;
            Outcome memory err;
            (ok, err, off) = settleEntry(p, payload, off);
            if (!ok && !failed_) {
                (failed_, result) = (true, err);
            } else {
                assembly ("memory-safe") {
                    mstore(0x40, freeMemory)
                }
            }
        }
    }

    /// Settle the entry at `start` of outcome message `p`'s checked payload: skipped if its message
    /// awaits no outcome; else refused, or its callback failed, or settled. Returns whether it
    /// was neither refused nor failed, else the error, and the offset after the entry.
    function settleEntry(Packet memory p, bytes calldata payload, uint256 start)
        internal
        returns (bool, Outcome memory, uint256 end)
    {
        // `message id | gas_used u64 | outcome`, the payload's framing checked.
        bytes32 id;
        Outcome memory o;
        assembly ("memory-safe") {
            id := calldataload(add(payload.offset, start))
        }
        (o, end) = ReceiptCodec.decodeOutcomeAt(payload, start + ReceiptCodec.ENTRY_HEADER_LEN);
        uint256 record = awaiting[id];
        if (record == 0) return (true, o, end);
        address sender = address(uint160(record));
        if (PacketCodec.toAddress32(sender) != p.receiver || uint64(record >> 160) != p.sourceChain) {
            return (false, refused("message was sent by another sender or to another chain"), end);
        }
        // Effects first: a re-entrant application cannot settle the message again.
        delete awaiting[id];
        if (sender.code.length != 0) {
            bytes memory call_ = abi.encodeCall(IStraitSender.straitOutcome, (id, o));
            AppCall.Result memory r = AppCall.call(p.receiver, gasLimitOf(sender), call_);
            if (!r.ok) {
                awaiting[id] = record;
                return (false, toOutcome(r), end);
            }
        }
        // [STRAIT-FEE.8] A paid message's payment is split, once: the record was deleted.
        if (record & PAID != 0) {
            bytes32 deliverer;
            uint64 gasUsed;
            assembly ("memory-safe") {
                deliverer := calldataload(add(payload.offset, 1))
                gasUsed := shr(192, calldataload(add(payload.offset, add(start, 32))))
            }
            fees.split(id, deliverer, gasUsed, tx.origin);
        }
        emit Settled(id, payload[start + ReceiptCodec.ENTRY_HEADER_LEN:end]);
        return (true, o, end);
    }

    function refused(bytes memory reason) internal pure returns (Outcome memory o) {
        o.kind = OutcomeKind.Failed;
        o.code = SETTLE_REFUSED;
        o.reason = reason;
    }

    /// [STRAIT-RECV.11] Move `route`'s contiguous counter through received nonces (at most 1,024
    /// words). Anyone.
    function advanceInbound(bytes32 route) external delegated returns (uint64 from, uint64 to) {
        (from, to) = inbound[route].advance(ReplayBitmap.MAX_ADVANCE_WORDS);
        emit Advanced(route, from, to);
    }

    /// [STRAIT-RETRY.2] Run a failed message again (anyone, giving its packet). Executed: final,
    /// the outcome goes back. Failed: one more attempt (`RetryFailed`), final as failed at
    /// `MAX_ATTEMPTS` ([STRAIT-RETRY.3]). Checks: `NotRetryable`, `Paused`.
    function retry(bytes calldata packet) external delegated {
        Packet memory p = PacketCodec.decode(packet);
        bytes32 id = PacketCodec.messageIdOf(packet);
        uint256 record = failed[id];
        if (record == 0) revert NotRetryable(id);
        bytes32 route = PacketCodec.routeOf(p);
        {
            bytes memory scope = pauseOf(route);
            if (scope.length != 0) revert Paused(scope);
        }
        // Effects first: while the application runs the message has no record, so a re-entrant
        // retry or finalize of it is `NotRetryable` and it gets one final outcome.
        delete failed[id];
        (Outcome memory o, uint64 gasUsed) = run(retried(p, id, packet));
        if (o.kind == OutcomeKind.Failed) {
            uint32 attempts = uint32(record) + 1;
            if (attempts < MAX_ATTEMPTS) {
                failed[id] = failureRecord(o, uint64(record >> 32), attempts);
                emit RetryFailed(id, attempts, ReceiptCodec.encodeOutcome(o));
                return;
            }
        }
        finalize(p, id, route, o, gasUsed);
    }

    /// A retried message as `run` takes it: with its receiver's gas limit and where its payload is.
    function retried(Packet memory p, bytes32 id, bytes calldata packet)
        internal
        view
        returns (Checked memory c)
    {
        c.p = p;
        c.id = id;
        c.gasLimit = gasLimitOf(p.receiver);
        c.payloadOffset = PacketCodec.payloadOffset(packet);
    }

    /// [STRAIT-RETRY.4] Finalize a failed message as failed with its last error (`lastError`: the
    /// failed outcome of its last `Received` or `RetryFailed`): by its receiver at any time, by
    /// anyone once `RETRY_WINDOW_MS` have passed since its first failure. Checks: `NotRetryable`,
    /// `WindowOpen`, `ErrorMismatch`.
    function finalizeFailed(bytes calldata packet, bytes calldata lastError) external delegated {
        Packet memory p = PacketCodec.decode(packet);
        bytes32 id = PacketCodec.messageIdOf(packet);
        uint256 record = failed[id];
        if (record == 0) revert NotRetryable(id);
        uint64 until = uint64(record >> 32) + RETRY_WINDOW_MS;
        if (PacketCodec.toAddress32(msg.sender) != p.receiver && nowMs() < until) {
            revert WindowOpen(id, until);
        }
        if (uint160(record >> 96) != uint160(uint256(keccak256(lastError)))) revert ErrorMismatch(id);
        finalize(p, id, PacketCodec.routeOf(p), ReceiptCodec.decodeOutcome(lastError), 0);
    }
}
