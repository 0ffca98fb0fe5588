// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {
    DestinationIsLocal,
    UnknownChain,
    PayloadTooLarge,
    NonceOverflow,
    TreeFull,
    NotOwner,
    Paused
} from "./Errors.sol";
import {StraitFees} from "./StraitFees.sol";
import {Packet, PacketCodec} from "./Packet.sol";
import {MerkleTree} from "./MerkleTree.sol";
import {ReplayBitmap} from "./ReplayBitmap.sol";

/// How a message is delivered ([STRAIT-PACKET.2], [STRAIT-PACKET.4]); 0 = no timeout.
struct DeliveryOptions {
    bool ordered;
    uint64 timeoutHeight;
    uint64 timeoutTimestamp;
}

/// The endpoint's state, its views, the send path's checks and effects, the lookups of a
/// delivery and the pause switches (SPEC §4.1, §4.7), shared by `StraitEndpoint` and
/// `StraitEndpointExtension` (ADR 0026): one storage layout, in this contract only.
abstract contract EndpointBase {
    using MerkleTree for MerkleTree.Tree;

    /// The endpoint's own address, sender of outcome messages ([STRAIT-SETTLE.1]).
    bytes32 public constant ENDPOINT_ADDRESS = keccak256("STRAIT/ENDPOINT/v1");

    /// The bit of an awaited-outcome record marking a paid message ([STRAIT-FEE.7]).
    uint256 internal constant PAID = 1 << 254;

    /// This chain's id: its EIP-155 chain id (SPEC §1).
    uint64 public immutable localChain;
    /// The message fees: oracle, quotes, locked payments and their split (SPEC §11, §4.8).
    StraitFees public immutable fees;
    /// May configure remote chains, defaults and guardians.
    address public owner;
    /// The whole endpoint is paused ([STRAIT-PAUSE.1], scope `0x00`); packed with `owner`.
    bool public endpointPaused;
    /// Gas limit of an application call when the application set none (`defaultGasLimit()`);
    /// packed with `owner`, whose slot every delivery reads anyway.
    uint48 internal defaultGasLimit_ = 300_000;
    /// How many ids the outbox holds (at most 2^32); packed with `owner`: a delivery that sends
    /// an outcome message finds it warm.
    uint40 internal outboxCount_;

    /// A remote chain: whether messages may be sent to it ([STRAIT-SEND.1]) and the endpoint's
    /// default verifier of its messages. One slot: a delivery reads the verifier, then sends the
    /// outcome back to the same chain.
    struct Remote {
        bool enabled;
        address defaultVerifier;
    }

    /// Remote chains, by chain id (`isRemoteChain`, `defaultVerifier`).
    mapping(uint64 chain => Remote) internal remotes;
    /// The last nonce assigned on each route (0: unused route) ([STRAIT-SEND.3]).
    mapping(bytes32 route => uint64) public lastOutboundNonce;
    /// Every sent message id, in order ([STRAIT-MERKLE.3]).
    MerkleTree.Tree internal outbox;
    /// Per inbound route: received nonces and the contiguous counter ([STRAIT-RECV.6]).
    mapping(bytes32 route => ReplayBitmap.Bitmap) internal inbound;
    /// Sent messages awaiting their outcome ([STRAIT-SETTLE.2]): `1 << 255 | paid << 254 |
    /// destination << 160 | sender`, one slot per message.
    mapping(bytes32 id => uint256) internal awaiting;
    /// Failed messages not yet final ([STRAIT-RETRY.1]): `hash160(last error) << 96 |
    /// first failure (ms) << 32 | attempts`.
    mapping(bytes32 id => uint256) internal failed;
    /// Security configs ([STRAIT-RECV.3]): the verifier a receiver trusts for a source chain.
    mapping(bytes32 receiver => mapping(uint64 source => address)) public securityConfig;
    /// An application's settings: its gas limit for the endpoint's calls (`appGasLimit`, 0:
    /// `defaultGasLimit`) and whether it ever set a security config: a delivery reads this slot
    /// for the gas limit anyway, and skips the config's slot of an application that set none.
    mapping(address app => AppConfig) internal apps;

    struct AppConfig {
        uint248 gasLimit;
        bool hasSecurityConfig;
    }
    /// May pause and unpause (a `StraitGuardians` m-of-n contract, [STRAIT-PAUSE.3]).
    address public pauser;

    /// A message was sent: the encoded packet ([STRAIT-PACKET.1]) at `leafIndex` of the outbox.
    event Sent(bytes32 indexed id, uint64 indexed destinationChain, uint32 leafIndex, bytes packet);
    event RemoteChainSet(uint64 indexed chain, bool enabled);
    event OwnerSet(address indexed owner);
    event SecurityConfigSet(bytes32 indexed receiver, uint64 indexed sourceChain, address verifier);
    event GasLimitSet(address indexed app, uint256 gasLimit);
    event PauserSet(address indexed pauser);
    event PauseSet(bytes scope, bool paused);

    /// `fees_`: the endpoint's `StraitFees` (deployed before it, for it; its extension shares it).
    constructor(StraitFees fees_) {
        localChain = uint64(block.chainid);
        fees = fees_;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// Whether messages may be sent to `chain` ([STRAIT-SEND.1]).
    function isRemoteChain(uint64 chain) external view returns (bool) {
        return remotes[chain].enabled;
    }

    /// The endpoint's default verifier per source chain, for receivers without a config.
    function defaultVerifier(uint64 source) external view returns (address) {
        return remotes[source].defaultVerifier;
    }

    /// Gas limit of an application call when the application set none.
    function defaultGasLimit() external view returns (uint256) {
        return defaultGasLimit_;
    }

    /// Whether inbound `route` is paused ([STRAIT-PAUSE.1], scope `0x01 || route`).
    function routePaused(bytes32 route) external view returns (bool) {
        return inbound[route].paused;
    }

    /// An application's gas limit for its calls from the endpoint (0: `defaultGasLimit`).
    function appGasLimit(address app) external view returns (uint256) {
        return apps[app].gasLimit;
    }

    /// The verifier of `receiver` for `sourceChain`: its own, else the default (0: none).
    function verifierOf(bytes32 receiver, uint64 sourceChain) public view returns (address) {
        return verifierFor(receiver, sourceChain, appWord(receiver));
    }

    /// `verifierOf(receiver, sourceChain)` and `gasLimitOf(receiver)` from one read of the
    /// receiver's `AppConfig`.
    function receiverConfig(bytes32 receiver, uint64 sourceChain)
        internal
        view
        returns (address v, uint256 g)
    {
        uint256 w = appWord(receiver);
        v = verifierFor(receiver, sourceChain, w);
        g = uint248(w);
        if (g == 0) g = defaultGasLimit_;
    }

    /// The slot of `receiver`'s `AppConfig`: `gasLimit` in bits 0 to 247, `hasSecurityConfig` in
    /// 248 to 255.
    function appWord(bytes32 receiver) private view returns (uint256 w) {
        AppConfig storage a = apps[address(uint160(uint256(receiver)))];
        assembly ("memory-safe") {
            w := sload(a.slot)
        }
    }

    /// [STRAIT-RECV.3] The receiver's own verifier if it set a security config (a receiver that
    /// is not an EVM address is no application here: it has none), else the source's default.
    function verifierFor(bytes32 receiver, uint64 sourceChain, uint256 appWord_)
        private
        view
        returns (address v)
    {
        if (uint256(receiver) >> 160 == 0 && appWord_ >> 248 != 0) {
            v = securityConfig[receiver][sourceChain];
        }
        if (v == address(0)) v = remotes[sourceChain].defaultVerifier;
    }

    function gasLimitOf(bytes32 receiver) internal view returns (uint256) {
        return gasLimitOf(address(uint160(uint256(receiver))));
    }

    function gasLimitOf(address app) internal view returns (uint256 g) {
        g = apps[app].gasLimit;
        if (g == 0) g = defaultGasLimit_;
    }

    // Send (SPEC §4.1).

    function sendFrom(
        uint64 destinationChain,
        bytes32 receiver,
        DeliveryOptions calldata options,
        bytes calldata payload,
        uint256 paid
    ) internal returns (bytes32 id, uint64 nonce) {
        if (endpointPaused) revert Paused(hex"00");
        Packet memory p;
        p.sender = PacketCodec.toAddress32(msg.sender);
        p.destinationChain = destinationChain;
        p.receiver = receiver;
        p.ordered = options.ordered;
        p.timeoutHeight = options.timeoutHeight;
        p.timeoutTimestamp = options.timeoutTimestamp;
        p.payload = payload;
        bytes4 err;
        (err, id, nonce) = dispatch(p);
        if (err != 0) {
            assembly ("memory-safe") {
                mstore(0, err)
                revert(0, 4)
            }
        }
        awaiting[id] = 1 << 255 | paid | uint256(destinationChain) << 160 | uint160(msg.sender);
    }

    /// The checks and effects of a send of `p` (source and nonce are filled in): an error
    /// selector (nothing written), or the id and nonce.
    function dispatch(Packet memory p) internal returns (bytes4 err, bytes32 id, uint64 nonce) {
        p.sourceChain = localChain;
        if (p.destinationChain == p.sourceChain) return (DestinationIsLocal.selector, 0, 0);
        if (!remotes[p.destinationChain].enabled) return (UnknownChain.selector, 0, 0);
        if (p.payload.length > PacketCodec.MAX_PAYLOAD_LEN) return (PayloadTooLarge.selector, 0, 0);
        // An outcome message takes no route nonce: its nonce is its outbox position plus one
        // ([STRAIT-SETTLE.3], ADR 0033).
        bool outcome = p.sender == ENDPOINT_ADDRESS;
        bytes32 route;
        uint64 last;
        if (!outcome) {
            route = PacketCodec.routeOf(p);
            last = lastOutboundNonce[route];
            if (last == type(uint64).max) return (NonceOverflow.selector, 0, 0);
        }
        // The leaf count from one read of its slot, which the count's write below reuses.
        uint256 word;
        uint256 leafIndex;
        assembly ("memory-safe") {
            word := sload(outboxCount_.slot)
            leafIndex := and(shr(mul(8, outboxCount_.offset), word), 0xffffffffff)
        }
        if (leafIndex >= MerkleTree.MAX_LEAVES) return (TreeFull.selector, 0, 0);
        nonce = outcome ? uint64(leafIndex + 1) : last + 1;
        p.nonce = nonce;
        bytes memory packet = PacketCodec.encode(p);
        id = PacketCodec.messageId(packet);
        if (!outcome) lastOutboundNonce[route] = nonce;
        outbox.append(leafIndex, id);
        assembly ("memory-safe") {
            let shift := mul(8, outboxCount_.offset)
            word := or(and(word, not(shl(shift, 0xffffffffff))), shl(shift, add(leafIndex, 1)))
            sstore(outboxCount_.slot, word)
        }
        // `emit Sent(id, p.destinationChain, uint32(leafIndex), packet)`, its ABI data
        // (`leafIndex | 0x40 | length | packet | zero padding`) written once past the free
        // memory pointer, where Solidity's encoder copied the packet word by word.
        bytes32 topic = Sent.selector;
        uint64 destination = p.destinationChain;
        assembly ("memory-safe") {
            let n := mload(packet)
            let h := mload(0x40)
            mstore(h, leafIndex)
            mstore(add(h, 32), 0x40)
            mstore(add(h, 64), n)
            mcopy(add(h, 96), add(packet, 32), n)
            mstore(add(add(h, 96), n), 0)
            log3(h, add(96, and(add(n, 31), not(31))), topic, id, destination)
        }
    }

    /// The outbox root: the root of the tree of every id sent so far ([STRAIT-MERKLE.2]).
    function outboxRoot() external view returns (bytes32) {
        return outbox.root(outboxCount_);
    }

    /// How many messages were sent (the outbox's leaf count).
    function outboxCount() external view returns (uint256) {
        return outboxCount_;
    }

    /// Whether message `id` awaits its outcome ([STRAIT-SETTLE.2]).
    function isAwaiting(bytes32 id) external view returns (bool) {
        return awaiting[id] != 0;
    }

    // Circuit breaker (SPEC §4.7).

    /// The transient slot of `configVersion`: `keccak256("STRAIT/ENDPOINT/CONFIG-VERSION") - 1`.
    uint256 private constant CONFIG_VERSION_SLOT =
        0xf8fb6bcf1f2a0921892772f561a1f6e8beb74a7d6070d8551df933feeb82d21f;

    /// A number that every change of what a delivery looks up (a route's security config, a gas
    /// limit, a pause, a remote chain) moves, within the transaction (EIP-1153 transient storage):
    /// a batch keeps its lookups from one message to the next while it stands.
    function configVersion() internal view returns (uint256 v) {
        assembly ("memory-safe") {
            v := tload(CONFIG_VERSION_SLOT)
        }
    }

    function configChanged() internal {
        assembly ("memory-safe") {
            tstore(CONFIG_VERSION_SLOT, add(tload(CONFIG_VERSION_SLOT), 1))
        }
    }

    /// The pause scope that stops a message of `route` ([STRAIT-PAUSE.2]): the endpoint's, else
    /// the route's; empty if none.
    function pauseOf(bytes32 route) internal view returns (bytes memory) {
        if (endpointPaused) return hex"00";
        if (inbound[route].paused) return abi.encodePacked(uint8(1), route);
        return "";
    }
}
