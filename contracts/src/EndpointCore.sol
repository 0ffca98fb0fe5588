// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import "./Errors.sol";
import {EndpointBase} from "./EndpointBase.sol";
import {Packet, PacketCodec} from "./Packet.sol";
import {ReplayBitmap} from "./ReplayBitmap.sol";
import {Outcome, OutcomeKind, Receipt, ReceiptCodec} from "./Receipt.sol";
import {IStraitReceiver} from "./IStrait.sol";
import {VerifierCall} from "./VerifierCall.sol";
import {AppCall} from "./AppCall.sol";

/// What the endpoint and its extension both run (ADR 0026): a message's receive rules, its
/// execution and receipt, the outcome messages of a delivery, the final receipt of a failed
/// message. How an outcome message is settled is `settleMessage`: the extension's code, which
/// the endpoint reaches by `delegatecall`.
abstract contract EndpointCore is EndpointBase {
    using ReplayBitmap for ReplayBitmap.Bitmap;

    /// Most messages in one batch delivery (§4.3).
    uint256 public constant MAX_BATCH_LEN = 1024;
    /// Most executions of one message ([STRAIT-RETRY.3]).
    uint32 internal constant MAX_ATTEMPTS = 8;
    /// How long after its first failure only the receiver may finalize a message, in ms.
    uint64 public constant RETRY_WINDOW_MS = 3_600_000;
    /// Error code of an outcome message that settles nothing ([STRAIT-SETTLE.4]).
    uint32 public constant SETTLE_REFUSED = 0xfffffff0;
    /// Most gas a verifier's `rootAt` may use (a lookup), so that a receiver's verifier cannot
    /// use up a batch's gas.
    uint256 internal constant VERIFIER_GAS = 100_000;

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
        /// Where the packet's payload (`p.payload`'s bytes) is in calldata: an outcome message's
        /// payload is settled from there.
        uint256 payloadOffset;
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

    /// [STRAIT-SETTLE.4] Settle the entries of outcome message `p` (its `payload`); the outcome
    /// of the outcome message.
    function settleMessage(Packet memory p, bytes calldata payload) internal virtual returns (Outcome memory);

    /// [STRAIT-RECV.6] Whether outcome message `c` may be received: it has no failure record and
    /// one of its entries awaits its outcome from `c`'s receiver and source chain (ADR 0033).
    function hasOpenEntry(Checked memory c) internal view virtual returns (bool);

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
        // [STRAIT-RECV.6] An outcome message: while it has something to settle (ADR 0033).
        ReplayBitmap.Bitmap storage b = inbound[c.route];
        if (p.sender == ENDPOINT_ADDRESS ? !hasOpenEntry(c) : b.isReceived(p.nonce)) {
            return abi.encodeWithSelector(AlreadyReceived.selector);
        }
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
            (k.verifier, k.gasLimit) = receiverConfig(p.receiver, p.sourceChain);
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
    function execute(Checked memory c, Outcomes memory os) internal returns (bytes memory receipt) {
        bool outcomeMessage = c.p.sender == ENDPOINT_ADDRESS;
        // An outcome message is marked by nothing: its settled entries are ([STRAIT-SETTLE.4]).
        if (!outcomeMessage) inbound[c.route].markReceived(c.p.nonce);
        Outcome memory o;
        uint64 gasUsed;
        if (c.timedOut && !outcomeMessage) o.kind = OutcomeKind.TimedOut;
        else (o, gasUsed) = run(c);
        receipt = receiptOf(c, o);
        emitReceived(c.id, receipt);
        if (o.kind == OutcomeKind.Failed) {
            failed[c.id] = failureRecord(o, nowMs(), 1);
        } else if (!outcomeMessage) {
            addOutcome(os, c.p, gasUsed, receipt);
        }
    }

    /// `emit Received(id, receipt)`, its ABI data (`0x20 | length | receipt | zero padding`)
    /// written once past the free memory pointer.
    function emitReceived(bytes32 id, bytes memory receipt) private {
        bytes32 topic = Received.selector;
        assembly ("memory-safe") {
            let n := mload(receipt)
            let h := mload(0x40)
            mstore(h, 0x20)
            mstore(add(h, 32), n)
            mcopy(add(h, 64), add(receipt, 32), n)
            mstore(add(add(h, 64), n), 0)
            log2(h, add(64, and(add(n, 31), not(31))), topic, id)
        }
    }

    /// The receipt of message `c` with outcome `o` at this block ([STRAIT-EVENT.2]):
    /// `ReceiptCodec.encodeReceipt`'s bytes, written in place for an executed or timed-out
    /// message (`id | route | nonce | height | kind`, and an acknowledgement's `len u32 | ack`).
    function receiptOf(Checked memory c, Outcome memory o) internal view returns (bytes memory r) {
        if (o.kind == OutcomeKind.Failed) {
            return ReceiptCodec.encodeReceipt(Receipt(c.id, c.route, c.p.nonce, uint64(block.number), o));
        }
        bytes memory ack = o.ack;
        if (ack.length > ReceiptCodec.MAX_ACK_LEN) revert TooLarge();
        uint256 kind = uint256(o.kind);
        bytes32 id = c.id;
        bytes32 route = c.route;
        uint64 nonce = c.p.nonce;
        assembly ("memory-safe") {
            r := mload(0x40)
            mstore(add(r, 32), id)
            mstore(add(r, 64), route)
            mstore(add(r, 96), shl(192, nonce))
            mstore(add(r, 104), shl(192, number()))
            mstore8(add(r, 112), kind)
            let len := 81
            if iszero(kind) {
                let n := mload(ack)
                mstore(add(r, 113), shl(224, n))
                mcopy(add(r, 117), add(ack, 32), n)
                len := add(85, n)
            }
            mstore(r, len)
            // The last word's padding is zeroed, as Solidity's own encodings do.
            mstore(add(add(r, 32), len), 0)
            mstore(0x40, and(add(add(r, len), 63), not(31)))
        }
    }

    /// Execute a message: settle an outcome message, else call the receiving application with its
    /// gas limit. Returns the outcome and the gas the application used ([STRAIT-FEE.6]).
    function run(Checked memory c) internal returns (Outcome memory, uint64) {
        if (c.p.sender == ENDPOINT_ADDRESS) {
            (uint256 offset, uint256 length) = (c.payloadOffset, c.p.payload.length);
            bytes calldata payload;
            assembly ("memory-safe") {
                payload.offset := offset
                payload.length := length
            }
            return (settleMessage(c.p, payload), 0);
        }
        AppCall.Result memory r = AppCall.call(c.p.receiver, c.gasLimit, receiveCall(c.p, c.id));
        return (toOutcome(r), r.gasUsed);
    }

    /// The receiving application's call of message `p` (`IStraitReceiver.straitReceive`).
    /// The ABI encoding of `straitReceive(id, sourceChain, sender, nonce, payload)`, written in
    /// place: the selector, four static words, the payload's offset (160), its length, the payload
    /// and its padding zeroed (the bytes `abi.encodeCall` gives, `test_receive_call_is_abi`).
    function receiveCall(Packet memory p, bytes32 id) internal pure returns (bytes memory call_) {
        bytes4 selector = IStraitReceiver.straitReceive.selector;
        uint64 source = p.sourceChain;
        bytes32 sender = p.sender;
        uint64 nonce = p.nonce;
        bytes memory payload = p.payload;
        assembly ("memory-safe") {
            call_ := mload(0x40)
            let n := mload(payload)
            let q := add(call_, 32)
            mstore(q, selector)
            mstore(add(q, 4), id)
            mstore(add(q, 36), source)
            mstore(add(q, 68), sender)
            mstore(add(q, 100), nonce)
            mstore(add(q, 132), 160)
            mstore(add(q, 164), n)
            let padded := and(add(n, 31), not(31))
            // The padding word first: the payload's last word may be partial.
            if n { mstore(add(add(q, 196), sub(padded, 32)), 0) }
            mcopy(add(q, 196), add(payload, 32), n)
            let len := add(196, padded)
            mstore(call_, len)
            mstore(0x40, add(q, len))
        }
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
