// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import "./Errors.sol";
import {EndpointBase, DeliveryOptions} from "./EndpointBase.sol";
import {EndpointCore} from "./EndpointCore.sol";
import {StraitEndpointExtension} from "./StraitEndpointExtension.sol";
import {StraitFees} from "./StraitFees.sol";
import {Packet, PacketCodec} from "./Packet.sol";
import {MerkleProof} from "./MerkleProof.sol";
import {MerkleMultiProof} from "./MerkleMultiProof.sol";
import {ReplayBitmap} from "./ReplayBitmap.sol";
import {Outcome} from "./Receipt.sol";

/// The Strait endpoint on an EVM chain (docs/SPEC.md §4), agreeing with `crates/core/endpoint`:
/// send, receive of single messages and batches under one verified root, outcomes committed back
/// to the source and settled there exactly once, retry and finalize of failed messages, pause.
/// The code a delivery rarely runs (settlement, retry, finalize, configuration) is in
/// `StraitEndpointExtension`, which this contract creates and runs by `delegatecall` (ADR 0026);
/// its functions are declared here too, so that this contract's ABI is the whole endpoint's.
contract StraitEndpoint is EndpointCore {
    using ReplayBitmap for ReplayBitmap.Bitmap;

    /// The extension: the rest of the endpoint's code, run in this contract's storage.
    address public immutable extension;

    /// `fees_`: its fees contract, deployed just before it for this address (`ForeignFees`
    /// otherwise).
    constructor(address owner_, StraitFees fees_) EndpointBase(fees_) {
        if (address(fees_.endpoint()) != address(this)) revert ForeignFees(address(fees_));
        extension = address(new StraitEndpointExtension(fees));
        owner = owner_;
        emit OwnerSet(owner_);
    }

    // Send (SPEC §4.1).

    /// Send `payload` from the caller to `receiver` on `destinationChain` (SPEC §4.1); returns the
    /// message id and its nonce. Checks, in order: `Paused` (endpoint, [STRAIT-PAUSE.2]),
    /// `DestinationIsLocal`, `UnknownChain` ([STRAIT-SEND.1]), `PayloadTooLarge`
    /// ([STRAIT-SEND.2]), `NonceOverflow` ([STRAIT-SEND.3]), `TreeFull` ([STRAIT-SEND.4]). The
    /// caller's address can never be `ENDPOINT_ADDRESS` (a keccak256 output with 12 leading zero
    /// bytes), so `ReservedSender` needs no check here. The message awaits its outcome
    /// ([STRAIT-SETTLE.2]).
    function send(
        uint64 destinationChain,
        bytes32 receiver,
        DeliveryOptions calldata options,
        bytes calldata payload
    ) external returns (bytes32 id, uint64 nonce) {
        return sendFrom(destinationChain, receiver, options, payload, 0);
    }

    /// `send` with a payment for delivery and execution with `gasLimit` on the destination
    /// ([STRAIT-FEE.7]): `msg.value`, at least `fees.quote(destinationChain, gasLimit,
    /// payload.length)` (`NoOracle`, `InsufficientFee`), is locked in `fees` under the message
    /// id, excess included (it goes back to the payer at settlement). A gas limit of 0 is an
    /// unpaid message, which carries no value (`UnexpectedValue`). The payer is the caller.
    function sendPaid(
        uint64 destinationChain,
        bytes32 receiver,
        DeliveryOptions calldata options,
        bytes calldata payload,
        uint64 gasLimit
    ) external payable returns (bytes32 id, uint64 nonce) {
        return sendWith(destinationChain, receiver, options, payload, gasLimit, msg.sender, 0);
    }

    /// `sendPaid` with `payer` as the payer: the account credited what the message does not use
    /// (an application that sends on behalf of a user names the user; it only gives to them). A
    /// paid message's payer is not 0 (`ZeroPayer`: its payment could never be split).
    function sendPaidFor(
        uint64 destinationChain,
        bytes32 receiver,
        DeliveryOptions calldata options,
        bytes calldata payload,
        uint64 gasLimit,
        address payer
    ) external payable returns (bytes32 id, uint64 nonce) {
        return sendWith(destinationChain, receiver, options, payload, gasLimit, payer, 0);
    }

    /// [STRAIT-FEE.10] `send`, paid with what the caller holds in `fees` under `hold`
    /// (`StraitFees.hold`): that payment becomes the message's lock unchanged, as if paid at this
    /// send; an oracle change since does not touch it. Nothing held: the message goes unpaid.
    /// Matching the hold's destination and payload length is the holder's to do.
    function sendHeld(
        uint64 destinationChain,
        bytes32 receiver,
        DeliveryOptions calldata options,
        bytes calldata payload,
        uint64 hold
    ) external returns (bytes32 id, uint64 nonce) {
        return sendWith(destinationChain, receiver, options, payload, 0, address(0), uint256(hold) + 1);
    }

    /// The paid sends' one body (one copy of their code; `send`, the hot one, calls `sendFrom`
    /// itself): paid with `msg.value` by `payer` (gas limit 0: unpaid), or paid with the caller's
    /// hold `held - 1` (`held` not 0).
    function sendWith(
        uint64 destinationChain,
        bytes32 receiver,
        DeliveryOptions calldata options,
        bytes calldata payload,
        uint64 gasLimit,
        address payer,
        uint256 held
    ) private returns (bytes32 id, uint64 nonce) {
        if (gasLimit == 0 && msg.value != 0) revert UnexpectedValue(msg.value);
        if (gasLimit != 0 && payer == address(0)) revert ZeroPayer();
        (id, nonce) =
            sendFrom(destinationChain, receiver, options, payload, gasLimit == 0 && held == 0 ? 0 : PAID);
        if (gasLimit != 0) {
            fees.lock{value: msg.value}(id, payer, destinationChain, gasLimit, payload.length);
        } else if (held != 0 && !fees.attach(msg.sender, uint64(held - 1), id)) {
            awaiting[id] ^= PAID;
        }
    }

    // Configuration and recovery: the extension's, run by `forward` with this call's calldata.
    // The parameters are named for the ABI (the extension decodes them; naming them here only
    // keeps them from being unused).

    function setRemoteChain(uint64 chain, bool enabled) external {
        (chain, enabled);
        forward();
    }

    function setOwner(address owner_) external {
        owner_;
        forward();
    }

    function setDefaultVerifier(uint64 sourceChain, address verifier) external {
        (sourceChain, verifier);
        forward();
    }

    function setDefaultGasLimit(uint256 gasLimit) external {
        gasLimit;
        forward();
    }

    function setSecurityConfig(uint64 sourceChain, address verifier) external {
        (sourceChain, verifier);
        forward();
    }

    function setGasLimit(uint256 gasLimit) external {
        gasLimit;
        forward();
    }

    function setPauser(address pauser_) external {
        pauser_;
        forward();
    }

    function setPaused(bytes calldata scope, bool paused) external {
        (scope, paused);
        forward();
    }

    /// [STRAIT-RETRY.2] Run a failed message again (`StraitEndpointExtension.retry`).
    function retry(bytes calldata packet) external {
        packet;
        forward();
    }

    /// [STRAIT-RETRY.4] Finalize a failed message (`StraitEndpointExtension.finalizeFailed`).
    function finalizeFailed(bytes calldata packet, bytes calldata lastError) external {
        (packet, lastError);
        forward();
    }

    /// Run this call's calldata in the extension, in this contract's storage, and return or
    /// revert with what it returned.
    function forward() private {
        address x = extension;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), x, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /// The extension's settlement of outcome message `p` (`settleOutcomes`), in this contract's
    /// storage. It catches every failure but running out of gas, which fails the delivery.
    function settleMessage(Packet memory p, bytes calldata payload)
        internal
        override
        returns (Outcome memory)
    {
        (bool ok, bytes memory out) = extension.delegatecall(
            abi.encodeCall(StraitEndpointExtension.settleOutcomes, (p.receiver, p.sourceChain, payload))
        );
        if (!ok) raise(out);
        return abi.decode(out, (Outcome));
    }

    /// The extension's `openEntry` in this contract's storage, asked through a static call to
    /// this contract's own `openEntry` (a view cannot delegate). That call fails only when it runs
    /// out of gas: the delivery then fails too (empty revert data), as a starved application's
    /// does (`InsufficientGas`), rather than take the message for received.
    function hasOpenEntry(Checked memory c) internal view override returns (bool open) {
        bytes4 selector = this.openEntry.selector;
        (bytes32 id, bytes32 receiver, uint64 source) = (c.id, c.p.receiver, c.p.sourceChain);
        (uint256 offset, uint256 length) = (c.payloadOffset, c.p.payload.length);
        assembly ("memory-safe") {
            // openEntry(id, receiver, source, payload): the payload copied from calldata.
            let m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 4), id)
            mstore(add(m, 36), receiver)
            mstore(add(m, 68), source)
            mstore(add(m, 100), 0x80)
            mstore(add(m, 132), length)
            calldatacopy(add(m, 164), offset, length)
            // On success the answer is an ABI bool: 32 bytes.
            if iszero(staticcall(gas(), address(), m, add(164, length), 0, 32)) { revert(0, 0) }
            open := eq(mload(0), 1)
        }
    }

    /// [STRAIT-RECV.6] Whether outcome message `id` from `source` to `receiver` with `payload` may
    /// be received (`StraitEndpointExtension.openEntry`; reads only).
    function openEntry(bytes32, bytes32, uint64, bytes calldata) external {
        forward();
    }

    // Receive (SPEC §4.2, §4.3).

    /// Deliver one message with its inclusion proof ([STRAIT-MERKLE.4]) against the outbox root
    /// verified at `proofHeight`. Reverts with the first failing rule's name (§0); returns the
    /// receipt ([STRAIT-EVENT.2]).
    function receiveMessage(bytes calldata packet, bytes calldata proof, uint64 proofHeight)
        external
        returns (bytes memory)
    {
        Packet memory p = PacketCodec.decode(packet);
        Checked memory c = Checked(
            p,
            PacketCodec.messageIdOf(packet),
            PacketCodec.routeOf(p),
            false,
            0,
            PacketCodec.payloadOffset(packet)
        );
        (bytes32 root,) = MerkleProof.rootOf(c.id, proof);
        Lookup memory k;
        bytes memory err = check(c, root, proofHeight, k);
        if (err.length != 0) raise(err);
        Outcomes memory os;
        bytes memory receipt = execute(c, os);
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
        received = executeBatch(cs, root, proofHeight);
    }

    /// Each message of a checked batch in order: checked from `WrongDestination` on, executed or
    /// skipped (`Skipped` with its error); then the outcome messages sent. Returns how many were
    /// executed.
    function executeBatch(Checked[] memory cs, bytes32 root, uint64 proofHeight)
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
                execute(c, os);
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
        // The array is allocated without its elements (`new` would allocate a zero message in
        // each); element `i` is set before anything reads it.
        assembly ("memory-safe") {
            cs := mload(0x40)
            mstore(cs, n)
            mstore(0x40, add(cs, shl(5, add(n, 1))))
        }
        ids = new bytes32[](n);
        // No (route, nonce) repeats while the batch is one route in increasing nonce order;
        // from the first message that leaves it, every message is marked in transient storage.
        bool marking;
        Checked memory prev;
        uint64 source;
        for (uint256 i = 0; i < n; ++i) {
            bytes calldata packet = packets[i];
            Checked memory c =
                Checked(PacketCodec.decode(packet), 0, 0, false, 0, PacketCodec.payloadOffset(packet));
            cs[i] = c;
            if (i == 0) source = c.p.sourceChain;
            else if (c.p.sourceChain != source) revert MixedBatch(source, c.p.sourceChain);
            if (i > 0 && PacketCodec.sameRoute(prev.p, c.p)) {
                c.route = prev.route;
                if (!marking && c.p.nonce <= prev.p.nonce) marking = markAll(cs, i);
            } else {
                c.route = PacketCodec.routeOf(c.p);
                if (!marking && i > 0) marking = markAll(cs, i);
            }
            if (marking && mark(c.route, c.p.nonce, 1)) revert DuplicateInBatch(c.route, c.p.nonce);
            c.id = PacketCodec.messageIdOf(packet);
            ids[i] = c.id;
            prev = c;
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

    /// The outbox state encoding ([STRAIT-MERKLE.3]), as the Rust core persists it
    /// (`StraitEndpointExtension.outboxState`).
    function outboxState() external returns (bytes memory state) {
        forward();
    }

    // Recovery of failed execution (SPEC §4.6).

    /// Attempts and first failure time (ms) of a failed message; (0, 0) if none.
    function failure(bytes32 id) external view returns (uint32 attempts, uint64 firstFailedAtMs) {
        uint256 record = failed[id];
        return (uint32(record), uint64(record >> 32));
    }

    // Ordering ([STRAIT-RECV.11]) and views.

    /// Move `route`'s contiguous counter through received nonces (at most 1,024 words). Anyone
    /// (`StraitEndpointExtension.advanceInbound`).
    function advanceInbound(bytes32 route) external returns (uint64 from, uint64 to) {
        route;
        forward();
        return (from, to);
    }

    function isReceived(bytes32 route, uint64 nonce) external view returns (bool) {
        return inbound[route].isReceived(nonce);
    }

    function contiguousOf(bytes32 route) external view returns (uint64) {
        return inbound[route].contiguous;
    }
}
