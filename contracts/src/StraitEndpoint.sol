// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import "./Errors.sol";
import {EndpointBase, DeliveryOptions} from "./EndpointBase.sol";
import {Packet, PacketCodec} from "./Packet.sol";
import {MerkleProof} from "./MerkleProof.sol";
import {MerkleMultiProof} from "./MerkleMultiProof.sol";
import {ReplayBitmap} from "./ReplayBitmap.sol";
import {Outcome, OutcomeKind, Receipt, ReceiptCodec} from "./Receipt.sol";
import {IStraitReceiver, IStraitSender} from "./IStrait.sol";
import {VerifierCall} from "./VerifierCall.sol";
import {AppCall} from "./AppCall.sol";

/// The Strait endpoint on an EVM chain (docs/SPEC.md §4), agreeing with `crates/core/endpoint`:
/// send and pause (`EndpointBase`), receive of single messages and batches under one verified
/// root, outcomes committed back to the source and settled there exactly once, retry and finalize
/// of failed messages.
contract StraitEndpoint is EndpointBase {
    using ReplayBitmap for ReplayBitmap.Bitmap;

    /// Most messages in one batch delivery (§4.3).
    uint256 public constant MAX_BATCH_LEN = 1024;
    /// Most executions of one message ([STRAIT-RETRY.3]).
    uint32 public constant MAX_ATTEMPTS = 8;
    /// How long after its first failure only the receiver may finalize a message, in ms.
    uint64 public constant RETRY_WINDOW_MS = 3_600_000;
    /// Error code of an outcome message that settles nothing ([STRAIT-SETTLE.4]).
    uint32 public constant SETTLE_REFUSED = 0xfffffff0;
    /// Most gas a verifier's `rootAt` may use (a lookup), so that a receiver's verifier cannot
    /// use up a batch's gas.
    uint256 public constant VERIFIER_GAS = 100_000;

    /// A message was received ([STRAIT-RECV.10]): its receipt ([STRAIT-EVENT.2]).
    event Received(bytes32 indexed id, bytes receipt);
    /// A message of a batch failed its own checks and was skipped: the revert data of its error.
    event Skipped(bytes32 indexed id, bytes reason);
    /// A sent message's outcome was handed to its sender ([STRAIT-SETTLE.4]).
    event Settled(bytes32 indexed id, bytes outcome);
    /// A failed message became final ([STRAIT-RETRY.2], [STRAIT-RETRY.4]): its receipt.
    event Finalized(bytes32 indexed id, bytes receipt);
    /// A retry failed again: the attempts so far and the failed outcome (`finalize` needs it).
    event RetryFailed(bytes32 indexed id, uint32 attempts, bytes outcome);
    /// A route's contiguous counter moved ([STRAIT-RECV.11]).
    event Advanced(bytes32 indexed route, uint64 from, uint64 to);

    /// A message that passed its checks.
    struct Checked {
        Packet p;
        bytes32 id;
        bytes32 route;
        bool timedOut;
        /// The receiver's gas limit, looked up by `check`.
        uint256 gasLimit;
    }

    /// What `check` looked up for the messages of a batch, kept from one message to the next
    /// while it stands: the route found not paused and the receiver's verifier and gas limit
    /// for a source chain, under configuration `version` (`configVersion`, which every setter
    /// moves, so a receiver that changes its configuration mid-batch is looked up afresh).
    struct Lookup {
        uint256 version;
        bytes32 route;
        bytes32 receiver;
        uint64 source;
        address verifier;
        uint256 gasLimit;
    }

    /// The open outcome message of a delivery ([STRAIT-SETTLE.3]): its payload (a `bytes`) is
    /// built in place at `payload`, allocated on the first entry; `end` is the highest address it
    /// reached, kept allocated until the delivery ends.
    struct Outcomes {
        uint256 payload;
        uint256 end;
        uint256 count;
        bytes32 sender;
        uint64 source;
    }

    constructor(address owner_) EndpointBase(owner_) {}

    // Receive (SPEC §4.2, §4.3).

    /// Deliver one message with its inclusion proof ([STRAIT-MERKLE.4]) against the outbox root
    /// verified at `proofHeight`. Reverts with the first failing rule's name (§0); returns the
    /// receipt ([STRAIT-EVENT.2]).
    function receiveMessage(bytes calldata packet, bytes calldata proof, uint64 proofHeight)
        external
        returns (bytes memory)
    {
        Checked memory c;
        c.p = PacketCodec.decode(packet);
        c.id = PacketCodec.messageIdOf(packet);
        (bytes32 root,) = MerkleProof.rootOf(c.id, proof);
        c.route = PacketCodec.routeOf(c.p);
        Lookup memory k;
        bytes memory err = check(c, root, proofHeight, k);
        if (err.length != 0) raise(err);
        Outcomes memory os;
        bytes memory receipt = execute(c, packet[PacketCodec.HEADER_LEN:], os);
        sendOutcomes(os);
        return receipt;
    }

    /// Deliver a batch of one source chain under one multiproof ([STRAIT-MERKLE.6]). Rejected as a
    /// whole (§4.3): `BatchSize`, a packet's decoding names, `MixedBatch`, `DuplicateInBatch`, the
    /// multiproof's names, and, if the first receiver has a verifier, its root checks. Then each
    /// message in order: checked from `WrongDestination` on, executed or skipped (`Skipped` with
    /// its error). Returns how many were executed (received, whatever their outcome).
    function receiveBatch(bytes[] calldata packets, bytes calldata proof, uint64 proofHeight)
        external
        returns (uint256 received)
    {
        uint256 n = packets.length;
        if (n == 0 || n > MAX_BATCH_LEN) revert BatchSize(n, MAX_BATCH_LEN);
        Checked[] memory cs;
        bytes32 root;
        {
            bytes32[] memory ids;
            (cs, ids) = decodeBatch(packets);
            root = MerkleMultiProof.rootOf(proof, ids);
        }
        {
            Packet memory first = cs[0].p;
            address v = verifierOf(first.receiver, first.sourceChain);
            if (v != address(0)) {
                bytes memory err = checkRoot(v, first.sourceChain, root, proofHeight);
                if (err.length != 0) raise(err);
            }
        }
        received = executeBatch(cs, packets, root, proofHeight);
    }

    /// Each message of a checked batch in order: checked from `WrongDestination` on, executed or
    /// skipped (`Skipped` with its error); then the outcome messages sent. Returns how many were
    /// executed.
    function executeBatch(Checked[] memory cs, bytes[] calldata packets, bytes32 root, uint64 proofHeight)
        internal
        returns (uint256 received)
    {
        uint256 n = cs.length;
        Outcomes memory os;
        Lookup memory k;
        for (uint256 i = 0; i < n; ++i) {
            Checked memory c = cs[i];
            // Nothing allocated while a message is checked and executed outlives it but the open
            // outcome message: the memory is reused, so a batch's memory cost grows linearly, not
            // quadratically.
            uint256 freeMemory;
            assembly ("memory-safe") {
                freeMemory := mload(0x40)
            }
            bytes memory err = check(c, root, proofHeight, k);
            if (err.length != 0) {
                emit Skipped(c.id, err);
            } else {
                execute(c, packets[i][PacketCodec.HEADER_LEN:], os);
                ++received;
            }
            if (os.end > freeMemory) freeMemory = os.end;
            assembly ("memory-safe") {
                mstore(0x40, freeMemory)
            }
        }
        sendOutcomes(os);
    }

    /// The batch-level checks of §4.3 up to the multiproof, in packet order: each packet decoded,
    /// of the first one's source chain, its (route, nonce) not seen before in the batch. Returns
    /// the decoded messages and their ids.
    function decodeBatch(bytes[] calldata packets)
        internal
        returns (Checked[] memory cs, bytes32[] memory ids)
    {
        uint256 n = packets.length;
        cs = new Checked[](n);
        ids = new bytes32[](n);
        // No (route, nonce) repeats while the batch is one route in increasing nonce order;
        // from the first message that leaves it, every message is marked in transient storage.
        bool marking;
        for (uint256 i = 0; i < n; ++i) {
            Checked memory c = cs[i];
            c.p = PacketCodec.decode(packets[i]);
            if (c.p.sourceChain != cs[0].p.sourceChain) {
                revert MixedBatch(cs[0].p.sourceChain, c.p.sourceChain);
            }
            if (i > 0 && PacketCodec.sameRoute(cs[i - 1].p, c.p)) {
                c.route = cs[i - 1].route;
                if (!marking && c.p.nonce <= cs[i - 1].p.nonce) marking = markAll(cs, i);
            } else {
                c.route = PacketCodec.routeOf(c.p);
                if (!marking && i > 0) marking = markAll(cs, i);
            }
            if (marking && mark(c.route, c.p.nonce, 1)) revert DuplicateInBatch(c.route, c.p.nonce);
            c.id = PacketCodec.messageIdOf(packets[i]);
            ids[i] = c.id;
        }
        // The transient marks are cleared: another batch in the same transaction starts afresh.
        if (marking) {
            for (uint256 i = 0; i < n; ++i) {
                mark(cs[i].route, cs[i].p.nonce, 0);
            }
        }
    }

    /// Marks the first `i` messages of `cs` (one route, increasing nonces: no repeat); true.
    function markAll(Checked[] memory cs, uint256 i) internal returns (bool) {
        for (uint256 j = 0; j < i; ++j) {
            mark(cs[j].route, cs[j].p.nonce, 1);
        }
        return true;
    }

    /// Sets the transient mark of (route, nonce) in a batch, at `keccak256(route || nonce u64)`
    /// (hashed in scratch space, nothing allocated), to `value`; returns whether it was set.
    function mark(bytes32 route, uint64 nonce, uint256 value) internal returns (bool seen) {
        assembly ("memory-safe") {
            mstore(0, route)
            mstore(32, shl(192, nonce))
            let key := keccak256(0, 40)
            seen := tload(key)
            tstore(key, value)
        }
    }

    /// Rules 2 to 8 of §4.2 for a message whose proof leads to `root`, in SPEC order, writing
    /// nothing: the revert data of the first failing rule, or empty (and `c.timedOut` set).
    /// `k` holds what the batch's previous messages looked up (empty for the first).
    function check(Checked memory c, bytes32 root, uint64 height, Lookup memory k)
        internal
        view
        returns (bytes memory)
    {
        Packet memory p = c.p;
        // [STRAIT-RECV.2]
        if (p.destinationChain != localChain) {
            return abi.encodeWithSelector(WrongDestination.selector, p.destinationChain, localChain);
        }
        bytes memory err = lookUp(c, k);
        if (err.length != 0) return err;
        // [STRAIT-RECV.4], [STRAIT-RECV.5]
        err = checkRoot(k.verifier, p.sourceChain, root, height);
        if (err.length != 0) return err;
        // [STRAIT-RECV.6]
        ReplayBitmap.Bitmap storage b = inbound[c.route];
        if (b.isReceived(p.nonce)) return abi.encodeWithSelector(AlreadyReceived.selector);
        // [STRAIT-RECV.7]
        if (p.ordered) {
            (uint8 found, uint256 n) = b.orderStatus(p.nonce, ReplayBitmap.MAX_SCAN_WORDS);
            if (found == ReplayBitmap.MISSING) return abi.encodeWithSelector(OutOfOrder.selector, uint64(n));
            if (found == ReplayBitmap.STOPPED) {
                return abi.encodeWithSelector(OrderingBacklog.selector, b.contiguous, uint64(n - 1));
            }
        }
        // [STRAIT-RECV.8]
        c.timedOut = (p.timeoutHeight != 0 && block.number >= p.timeoutHeight)
            || (p.timeoutTimestamp != 0 && nowMs() >= p.timeoutTimestamp);
        return "";
    }

    /// [STRAIT-PAUSE.2], [STRAIT-RECV.3]: the route is not paused and the receiver has a verifier
    /// for the source chain (`k.verifier`, and its gas limit in `c.gasLimit`), looked up unless
    /// `k` holds them under the current configuration. The revert data of the first failing
    /// rule, or empty.
    function lookUp(Checked memory c, Lookup memory k) internal view returns (bytes memory) {
        uint256 version = configVersion();
        if (k.version != version) {
            k.version = version;
            k.route = 0;
            k.receiver = 0;
        }
        if (k.route != c.route) {
            bytes memory scope = pauseOf(c.route);
            if (scope.length != 0) return abi.encodeWithSelector(Paused.selector, scope);
            k.route = c.route;
        }
        Packet memory p = c.p;
        if (k.receiver != p.receiver || k.source != p.sourceChain || k.verifier == address(0)) {
            k.receiver = p.receiver;
            k.source = p.sourceChain;
            k.verifier = verifierOf(p.receiver, p.sourceChain);
            k.gasLimit = gasLimitOf(p.receiver);
        }
        if (k.verifier == address(0)) return abi.encodeWithSelector(UnknownRoute.selector, p.sourceChain);
        c.gasLimit = k.gasLimit;
        return "";
    }

    /// [STRAIT-RECV.4], [STRAIT-RECV.5]: `root` is the outbox root verifier `v` verified for
    /// `source` at `height`. The revert data of the first failing rule, or empty.
    function checkRoot(address v, uint64 source, bytes32 root, uint64 height)
        internal
        view
        returns (bytes memory)
    {
        // A verifier that reverts, has no code or answers garbage is unknown.
        (bool ok, uint256 chain, uint256 frozen, bytes32 verified) =
            VerifierCall.rootAt(v, height, VERIFIER_GAS);
        if (!ok) return abi.encodeWithSelector(UnknownClient.selector, v);
        if (chain != source) return abi.encodeWithSelector(ClientChainMismatch.selector, v, chain, source);
        if (frozen == 1) return abi.encodeWithSelector(ClientFrozen.selector, v);
        if (verified == 0) return abi.encodeWithSelector(RootNotVerified.selector, v, height);
        if (verified != root) return abi.encodeWithSelector(RootMismatch.selector, root, verified);
        return "";
    }

    /// [STRAIT-RECV.9], [STRAIT-RECV.10]: mark the nonce received (effects before the application
    /// call), run the message unless timed out, emit its receipt; a failure is recorded for retry
    /// ([STRAIT-RETRY.1]), any other outcome joins the delivery's outcome messages `os`
    /// ([STRAIT-SETTLE.3]).
    function execute(Checked memory c, bytes calldata payload, Outcomes memory os)
        internal
        returns (bytes memory receipt)
    {
        inbound[c.route].markReceived(c.p.nonce);
        bool outcomeMessage = c.p.sender == ENDPOINT_ADDRESS;
        Outcome memory o;
        uint64 gasUsed;
        if (c.timedOut && !outcomeMessage) o.kind = OutcomeKind.TimedOut;
        else (o, gasUsed) = run(c, payload);
        receipt = ReceiptCodec.encodeReceipt(Receipt(c.id, c.route, c.p.nonce, uint64(block.number), o));
        emit Received(c.id, receipt);
        if (o.kind == OutcomeKind.Failed) {
            failed[c.id] = failureRecord(o, nowMs(), 1);
        } else if (!outcomeMessage) {
            addOutcome(os, c.p, gasUsed, receipt);
        }
    }

    /// Execute a message: settle an outcome message, else call the receiving application with its
    /// gas limit. Returns the outcome and the gas the application used ([STRAIT-FEE.6]).
    function run(Checked memory c, bytes calldata payload) internal returns (Outcome memory, uint64) {
        if (c.p.sender == ENDPOINT_ADDRESS) return (settle(c.p, payload), 0);
        AppCall.Result memory r = AppCall.call(c.p.receiver, c.gasLimit, receiveCall(c.p, c.id));
        return (toOutcome(r), r.gasUsed);
    }

    /// The receiving application's call of message `p` (`IStraitReceiver.straitReceive`).
    function receiveCall(Packet memory p, bytes32 id) internal pure returns (bytes memory) {
        return
            abi.encodeCall(IStraitReceiver.straitReceive, (id, p.sourceChain, p.sender, p.nonce, p.payload));
    }

    /// An application call's result as an outcome; a reason is cut to 256 bytes at a character
    /// boundary and, if not UTF-8 (an EVM revert may carry any bytes), replaced so that every
    /// implementation decodes the outcome.
    function toOutcome(AppCall.Result memory r) internal pure returns (Outcome memory o) {
        if (r.ok) {
            o.ack = r.data;
            return o;
        }
        o.kind = OutcomeKind.Failed;
        o.code = r.code;
        o.reason = ReceiptCodec.boundedReason(r.reason);
        if (!ReceiptCodec.isUtf8(o.reason)) o.reason = "reason is not UTF-8";
    }

    /// [STRAIT-SETTLE.3] Add the outcome in `receipt` (its id and outcome) of message `p`, whose
    /// application used `gasUsed`, to the open outcome message `os`: when that one goes to `p`'s
    /// sender on `p`'s source chain and stays within 65,536 bytes and 1,024 entries, else it is sent
    /// and a new one opened. Entries are copied in place: the payload was allocated before this
    /// message's memory, which is dead once its outcome is final (`receipt` is read first), or, for
    /// the first entry, on top of everything.
    function addOutcome(Outcomes memory os, Packet memory p, uint64 gasUsed, bytes memory receipt) internal {
        bytes32 sender = p.sender;
        uint64 source = p.sourceChain;
        // `Outcomes` words: payload, end, count, sender, source. An entry is `id | gas_used u64 |
        // outcome`: 40 bytes and the receipt's outcome (the receipt less its 80-byte head), at
        // most 1,024 entries and 65,536 bytes.
        bool full;
        assembly ("memory-safe") {
            let count := mload(add(os, 0x40))
            full := and(
                gt(count, 0),
                or(
                    or(iszero(eq(mload(add(os, 0x60)), sender)), iszero(eq(mload(add(os, 0x80)), source))),
                    or(eq(count, 1024), gt(add(mload(mload(os)), sub(mload(receipt), 40)), 65536))
                )
            )
        }
        if (full) sendOutcomes(os);
        if (os.count == 0) {
            uint256 q = os.payload;
            if (q == 0) {
                assembly ("memory-safe") {
                    q := mload(0x40)
                }
                os.payload = q;
            }
            // version 3 | deliverer: the transaction's sender (`tx.origin`: the relayer, retrier or
            // finalizer, also through a verifier's `verifyAndCall`, [STRAIT-FEE.6]) | count (later).
            bytes32 deliverer = PacketCodec.toAddress32(tx.origin);
            assembly ("memory-safe") {
                mstore(q, 35)
                mstore8(add(q, 32), 3)
                mstore(add(q, 33), deliverer)
            }
            os.sender = sender;
            os.source = source;
        }
        assembly ("memory-safe") {
            let q := mload(os)
            let len := mload(q)
            let entryLen := sub(mload(receipt), 40)
            let off := add(add(q, 32), len)
            // The receipt lies above the entry: `id | route | nonce | height | outcome`.
            mstore(off, mload(add(receipt, 32)))
            mstore(add(off, 32), shl(192, gasUsed))
            mcopy(add(off, 40), add(receipt, 112), sub(entryLen, 40))
            mstore(q, add(len, entryLen))
            let end := and(add(add(off, entryLen), 31), not(31))
            if gt(end, mload(0x40)) { mstore(0x40, end) }
            if gt(end, mload(add(os, 0x20))) { mstore(add(os, 0x20), end) }
            mstore(add(os, 0x40), add(mload(add(os, 0x40)), 1))
        }
    }

    /// Send the open outcome message of `os`, if any ([STRAIT-SETTLE.3]): sender `ENDPOINT`,
    /// unordered, no timeout. Only an unknown chain, an exhausted route or a full outbox refuse
    /// it; the receipts stand either way.
    function sendOutcomes(Outcomes memory os) internal {
        uint256 count = os.count;
        if (count == 0) return;
        uint256 q = os.payload;
        bytes memory payload;
        assembly ("memory-safe") {
            mstore8(add(q, 65), shr(8, count))
            mstore8(add(q, 66), count)
            payload := q
        }
        Packet memory m;
        m.sender = ENDPOINT_ADDRESS;
        m.destinationChain = os.source;
        m.receiver = os.sender;
        m.payload = payload;
        dispatch(m);
        os.count = 0;
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
        try this.checkOutcomePayload(payload) returns (uint256 count_) {
            count = count_;
        } catch {
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

    // Recovery of failed execution (SPEC §4.6).

    /// [STRAIT-RETRY.2] Run a failed message again (anyone, giving its packet). Executed: final,
    /// the outcome goes back. Failed: one more attempt (`RetryFailed`), final as failed at
    /// `MAX_ATTEMPTS` ([STRAIT-RETRY.3]). Checks: `NotRetryable`, `Paused`.
    function retry(bytes calldata packet) external {
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
        (Outcome memory o, uint64 gasUsed) = run(retried(p, id), packet[PacketCodec.HEADER_LEN:]);
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

    /// A retried message as `run` takes it: with its receiver's gas limit.
    function retried(Packet memory p, bytes32 id) internal view returns (Checked memory c) {
        c.p = p;
        c.id = id;
        c.gasLimit = gasLimitOf(p.receiver);
    }

    /// [STRAIT-RETRY.4] Finalize a failed message as failed with its last error (`lastError`: the
    /// failed outcome of its last `Received` or `RetryFailed`): by its receiver at any time, by
    /// anyone once `RETRY_WINDOW_MS` have passed since its first failure. Checks: `NotRetryable`,
    /// `WindowOpen`, `ErrorMismatch`.
    function finalizeFailed(bytes calldata packet, bytes calldata lastError) external {
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

    /// The final receipt of a failed message: the record is deleted, `Finalized` emitted, and
    /// the outcome goes back unless the message is an outcome message, with the gas of the
    /// execution that made it final (0 for a finalization: it runs nothing).
    function finalize(Packet memory p, bytes32 id, bytes32 route, Outcome memory o, uint64 gasUsed) internal {
        delete failed[id];
        bytes memory receipt =
            ReceiptCodec.encodeReceipt(Receipt(id, route, p.nonce, uint64(block.number), o));
        emit Finalized(id, receipt);
        if (p.sender != ENDPOINT_ADDRESS) {
            Outcomes memory os;
            addOutcome(os, p, gasUsed, receipt);
            sendOutcomes(os);
        }
    }

    /// `hash160(failed outcome) << 96 | first failure ms << 32 | attempts`: one slot, never 0.
    function failureRecord(Outcome memory o, uint64 firstMs, uint32 attempts)
        internal
        pure
        returns (uint256)
    {
        uint160 h = uint160(uint256(keccak256(ReceiptCodec.encodeOutcome(o))));
        return uint256(h) << 96 | uint256(firstMs) << 32 | attempts;
    }

    /// Attempts and first failure time (ms) of a failed message; (0, 0) if none.
    function failure(bytes32 id) external view returns (uint32 attempts, uint64 firstFailedAtMs) {
        uint256 record = failed[id];
        return (uint32(record), uint64(record >> 32));
    }

    // Ordering ([STRAIT-RECV.11]) and views.

    /// Move `route`'s contiguous counter through received nonces (at most 1,024 words). Anyone.
    function advanceInbound(bytes32 route) external returns (uint64 from, uint64 to) {
        (from, to) = inbound[route].advance(ReplayBitmap.MAX_ADVANCE_WORDS);
        emit Advanced(route, from, to);
    }

    function isReceived(bytes32 route, uint64 nonce) external view returns (bool) {
        return inbound[route].isReceived(nonce);
    }

    function contiguousOf(bytes32 route) external view returns (uint64) {
        return inbound[route].contiguous;
    }

    /// Host time in milliseconds (the Rust core's unit).
    function nowMs() internal view returns (uint64) {
        return uint64(block.timestamp) * 1000;
    }

    function raise(bytes memory err) internal pure {
        assembly ("memory-safe") {
            revert(add(err, 32), mload(err))
        }
    }
}
