// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {
    DestinationIsLocal,
    UnknownChain,
    PayloadTooLarge,
    NonceOverflow,
    TreeFull,
    NotOwner
} from "./Errors.sol";
import {Packet, PacketCodec} from "./Packet.sol";
import {MerkleTree} from "./MerkleTree.sol";

/// The Strait endpoint on an EVM chain (docs/SPEC.md §4), agreeing with `crates/core/endpoint`.
/// This first part sends: route nonces, the Merkle outbox and the `Sent` event. Receiving,
/// outcomes, recovery, pause and per-route security configs come next (issue 10).
/// How a message is delivered ([STRAIT-PACKET.2], [STRAIT-PACKET.4]); 0 = no timeout.
struct DeliveryOptions {
    bool ordered;
    uint64 timeoutHeight;
    uint64 timeoutTimestamp;
}

contract StraitEndpoint {
    using MerkleTree for MerkleTree.Tree;

    /// The endpoint's own address, sender of outcome messages ([STRAIT-SETTLE.1]).
    bytes32 public constant ENDPOINT_ADDRESS = keccak256("STRAIT/ENDPOINT/v1");

    /// This chain's id: its EIP-155 chain id (SPEC §1).
    uint64 public immutable localChain;
    /// May configure remote chains.
    address public owner;

    /// Remote chains a message may be sent to ([STRAIT-SEND.1]).
    mapping(uint64 chain => bool) public isRemoteChain;
    /// The last nonce assigned on each route (0: unused route) ([STRAIT-SEND.3]).
    mapping(bytes32 route => uint64) public lastOutboundNonce;
    /// Every sent message id, in order ([STRAIT-MERKLE.3]).
    MerkleTree.Tree internal outbox;

    /// A message was sent: the encoded packet ([STRAIT-PACKET.1]) at `leafIndex` of the outbox.
    /// Its id is `keccak256("STRAIT/MESSAGE/v1" || packet)` ([STRAIT-ID.1]).
    event Sent(
        bytes32 indexed id, uint64 indexed destinationChain, uint64 nonce, uint32 leafIndex, bytes packet
    );
    /// A remote chain was enabled or disabled as a destination.
    event RemoteChainSet(uint64 indexed chain, bool enabled);
    /// Ownership moved.
    event OwnerSet(address indexed owner);

    constructor(address owner_) {
        localChain = uint64(block.chainid);
        owner = owner_;
        emit OwnerSet(owner_);
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// Enable or disable `chain` as a destination.
    function setRemoteChain(uint64 chain, bool enabled) external onlyOwner {
        isRemoteChain[chain] = enabled;
        emit RemoteChainSet(chain, enabled);
    }

    /// Hand ownership to `owner_`.
    function setOwner(address owner_) external onlyOwner {
        owner = owner_;
        emit OwnerSet(owner_);
    }

    /// Send `payload` from the caller to `receiver` on `destinationChain` (SPEC §4.1); returns the
    /// message id and its nonce. Checks, in order: `DestinationIsLocal`, `UnknownChain`
    /// ([STRAIT-SEND.1]), `PayloadTooLarge` ([STRAIT-SEND.2]), `NonceOverflow` ([STRAIT-SEND.3]),
    /// `TreeFull` ([STRAIT-SEND.4]). The caller's address can never be `ENDPOINT_ADDRESS` (a
    /// keccak256 output with 12 leading zero bytes), so `ReservedSender` needs no check here.
    function send(
        uint64 destinationChain,
        bytes32 receiver,
        DeliveryOptions calldata options,
        bytes calldata payload
    ) external returns (bytes32 id, uint64 nonce) {
        Packet memory p;
        p.sourceChain = localChain;
        p.sender = PacketCodec.toAddress32(msg.sender);
        p.destinationChain = destinationChain;
        p.receiver = receiver;
        if (destinationChain == p.sourceChain) revert DestinationIsLocal();
        if (!isRemoteChain[destinationChain]) revert UnknownChain();
        if (payload.length > PacketCodec.MAX_PAYLOAD_LEN) revert PayloadTooLarge();
        bytes32 route = PacketCodec.routeOf(p);
        uint64 last = lastOutboundNonce[route];
        if (last == type(uint64).max) revert NonceOverflow();
        if (outbox.count >= MerkleTree.MAX_LEAVES) revert TreeFull();
        nonce = last + 1;
        p.nonce = nonce;
        p.ordered = options.ordered;
        p.timeoutHeight = options.timeoutHeight;
        p.timeoutTimestamp = options.timeoutTimestamp;
        p.payload = payload;
        bytes memory packet = PacketCodec.encode(p);
        id = PacketCodec.messageId(packet);
        // Effects: the route's nonce and the outbox. ([STRAIT-SETTLE.2]'s awaited-outcome record
        // comes with settlement.)
        lastOutboundNonce[route] = nonce;
        uint256 leafIndex = outbox.append(id);
        emit Sent(id, destinationChain, nonce, uint32(leafIndex), packet);
    }

    /// The outbox root: the root of the tree of every id sent so far ([STRAIT-MERKLE.2]).
    function outboxRoot() external view returns (bytes32) {
        return outbox.root();
    }

    /// How many messages were sent (the outbox's leaf count).
    function outboxCount() external view returns (uint256) {
        return outbox.count;
    }

    /// The outbox state encoding ([STRAIT-MERKLE.3]), as the Rust core persists it.
    function outboxState() external view returns (bytes memory) {
        return outbox.encodeState();
    }
}
