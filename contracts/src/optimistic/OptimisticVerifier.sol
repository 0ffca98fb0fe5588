// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {IStraitVerifier} from "../IStrait.sol";
import {VerifierCall} from "../VerifierCall.sol";
import {OptimisticCodec, OptimisticConfig, Proposal} from "./OptimisticCodec.sol";
import "../Errors.sol";

/// The optimistic verifier on an EVM (SPEC §13, [STRAIT-OPT.1]-[STRAIT-OPT.9],
/// [STRAIT-CONFLICT.*]; ADR 0016, ADR 0021): it vouches for a source outbox root that a bonded
/// proposer posted and nobody proved wrong within the dispute window. The proof of wrongness is
/// the `reference` verifier (the source's light client or a committee the deployer trusts to be
/// the reference) holding another root at the same height. Time is `block.timestamp * 1000` ms,
/// as the endpoint's host time (§4.8); the window is in ms as in the configuration.
///
/// On an EVM nothing runs at the end of a block: a mature proposal settles when anyone calls
/// `settle(height)` (permissionless, so a proposer settles its own), which also credits its bond.
/// Bonds, returned or paid to a disputer, are credited once and taken with `withdraw`.
contract OptimisticVerifier is IStraitVerifier {
    /// Most proposals pending at once ([STRAIT-OPT.3]).
    uint256 public constant MAX_PENDING = 64;
    /// Most settled roots kept; the earliest settled is pruned ([STRAIT-OPT.4]).
    uint256 public constant MAX_ROOTS = 8192;
    /// Most gas the reference's `rootAt` may use.
    uint256 public constant REFERENCE_GAS = 100_000;

    /// The source chain.
    uint64 public immutable sourceChain;
    /// The verifier whose root at a height proves a different proposal or settled root wrong.
    address public immutable referenceVerifier;
    /// Who may resume a paused client ([STRAIT-OPT.6]: the guardians on the devnet; a
    /// `StraitGuardians`-held or multisig account here).
    address public immutable guardian;
    /// The dispute window, ms.
    uint64 public immutable windowMs;
    /// The bond of each proposal, wei.
    uint128 public immutable bond;
    /// Anyone who bonds may propose (the configuration names no proposer).
    bool public immutable anyoneProposes;

    /// The configuration's encoding, as given ([STRAIT-OPT.1]).
    bytes public config;
    mapping(address => bool) public isProposer;
    mapping(address => bool) public isWatcher;

    /// A pending proposal (two slots); `maturesAtMs == 0`: none.
    struct Pending {
        bytes32 root;
        address proposer;
        uint48 maturesAtMs;
        uint40 leafCount;
        uint8 index; // in `pendingHeights`
    }

    // The client state ([STRAIT-OPT.7] "s"), one slot.
    /// The highest settled height.
    uint64 public latestHeight;
    /// The highest height ever proposed (settled, pending or discarded).
    uint64 public lastProposed;
    /// Paused by a watcher.
    bool public paused;
    /// Frozen by a conflict with a settled root (never unfrozen).
    bool public frozen;

    mapping(uint64 height => Pending) internal pendingAt;
    /// The pending heights, unordered (at most `MAX_PENDING`).
    uint64[] internal pendingHeights;
    mapping(uint64 height => bytes32) internal settled;
    /// The settled heights in settling order, a ring of `MAX_ROOTS`.
    uint64[MAX_ROOTS] internal settledRing;
    /// How many proposals settled in all.
    uint256 public settledCount;
    /// Bonds credited to each account (returned or paid for a dispute), not yet withdrawn.
    mapping(address => uint256) public bondsOwed;

    event RootProposed(
        uint64 indexed height, bytes32 root, uint64 leafCount, address proposer, uint64 maturesAtMs
    );
    event RootSettled(uint64 indexed height, bytes32 root, uint64 leafCount, address proposer);
    event ProposalDiscarded(uint64 indexed height, bytes32 root, bytes32 referenceRoot, address paidTo);
    event FrozenByConflict(uint64 indexed height, bytes32 root, bytes32 referenceRoot);
    event ClientPausedBy(address watcher);
    event ClientResumed(uint64 atMs);
    event BondWithdrawn(address indexed account, address to, uint256 amount);

    /// [STRAIT-OPT.1] `config` is the configuration's encoding, checked as the Rust kind checks it.
    constructor(uint64 sourceChain_, address reference_, address guardian_, bytes memory config_) {
        OptimisticConfig memory c = OptimisticCodec.decodeConfig(config_);
        sourceChain = sourceChain_;
        referenceVerifier = reference_;
        guardian = guardian_;
        windowMs = c.windowMs;
        bond = c.bond;
        anyoneProposes = c.proposers.length == 0;
        config = config_;
        // A 32-byte address that is not a left-padded EVM address can never call: left out.
        for (uint256 i = 0; i < c.proposers.length; ++i) {
            if (uint256(c.proposers[i]) >> 160 == 0) {
                isProposer[address(uint160(uint256(c.proposers[i])))] = true;
            }
        }
        for (uint256 i = 0; i < c.watchers.length; ++i) {
            if (uint256(c.watchers[i]) >> 160 == 0) {
                isWatcher[address(uint160(uint256(c.watchers[i])))] = true;
            }
        }
    }

    function nowMs() internal view returns (uint64) {
        return uint64(block.timestamp * 1000);
    }

    /// [STRAIT-OPT.4], [STRAIT-OPT.5] The settled root at `height` (none while paused).
    function rootAt(uint64 height) external view returns (uint64, bool, bytes32) {
        return (sourceChain, frozen, paused ? bytes32(0) : settled[height]);
    }

    /// The settled root at `height` whether paused or not (0: none).
    function settledRootAt(uint64 height) external view returns (bytes32) {
        return settled[height];
    }

    /// The pending proposal at `height` (`maturesAtMs` 0: none).
    function pendingProposal(uint64 height)
        external
        view
        returns (bytes32 root, uint64 leafCount, address proposer, uint64 maturesAtMs)
    {
        Pending storage p = pendingAt[height];
        return (p.root, p.leafCount, p.proposer, p.maturesAtMs);
    }

    /// The heights of the pending proposals, unordered.
    function pendingList() external view returns (uint64[] memory) {
        return pendingHeights;
    }

    /// [STRAIT-OPT.3] Proposes the 48-byte proposal ([STRAIT-OPT.2]) with `msg.value` = the bond.
    /// Checks, in order: the proposal decodes; not frozen (`Frozen`) nor paused (`ClientPaused`);
    /// the caller may propose (`NotProposer`); the height above every earlier proposal
    /// (`HeightNotIncreasing`); fewer than 64 pending (`TooManyPending`); the bond paid
    /// (`InsufficientBalance`; more than the bond is `UnexpectedValue`). Pending until
    /// `now + windowMs`.
    function propose(bytes calldata proposal) external payable {
        Proposal memory p = OptimisticCodec.decodeProposal(proposal);
        if (frozen) revert Frozen();
        if (paused) revert ClientPaused();
        if (!anyoneProposes && !isProposer[msg.sender]) revert NotProposer(msg.sender);
        if (p.height <= lastProposed) revert HeightNotIncreasing(p.height, lastProposed);
        uint256 n = pendingHeights.length;
        if (n >= MAX_PENDING) revert TooManyPending(n, MAX_PENDING);
        if (msg.value < bond) revert InsufficientBalance(msg.value, bond);
        if (msg.value > bond) revert UnexpectedValue(msg.value);
        uint64 matures = nowMs() + windowMs;
        pendingAt[p.height] = Pending(p.root, msg.sender, uint48(matures), uint40(p.leafCount), uint8(n));
        pendingHeights.push(p.height);
        lastProposed = p.height;
        emit RootProposed(p.height, p.root, p.leafCount, msg.sender, matures);
    }

    /// [STRAIT-OPT.4] Settles the proposal at `height` if there is one, its window has passed and
    /// the client is not paused: its root is verified there (the latest height rises to it, at
    /// most 8,192 roots are kept) and its bond is credited to its proposer, once. False (nothing
    /// changes) otherwise: nothing pending there, not mature, or paused.
    function settle(uint64 height) external returns (bool) {
        Pending memory p = pendingAt[height];
        if (p.maturesAtMs == 0 || paused || p.maturesAtMs > nowMs()) return false;
        removePending(height, p.index);
        settled[height] = p.root;
        if (height > latestHeight) latestHeight = height;
        uint256 slot = settledCount % MAX_ROOTS;
        if (settledCount >= MAX_ROOTS) delete settled[settledRing[slot]];
        settledRing[slot] = height;
        ++settledCount;
        bondsOwed[p.proposer] += bond;
        emit RootSettled(height, p.root, p.leafCount, p.proposer);
        return true;
    }

    /// [STRAIT-OPT.5] A watcher's pause (`NotWatcher`, `AlreadyPaused`): roots stop counting,
    /// nothing settles and no proposal is accepted until the guardian resumes.
    function pause() external {
        if (!isWatcher[msg.sender]) revert NotWatcher(msg.sender);
        if (paused) revert AlreadyPaused();
        paused = true;
        emit ClientPausedBy(msg.sender);
    }

    /// [STRAIT-OPT.6] The guardian's resume (`NotGuardian`, `NotPaused`): every pending proposal
    /// gets a whole new window, `maturesAt = max(maturesAt, now + windowMs)`, so that watchers
    /// have one after the resume (at most 64 proposals).
    function resume() external {
        if (msg.sender != guardian) revert NotGuardian(msg.sender);
        if (!paused) revert NotPaused();
        paused = false;
        uint64 renewed = nowMs() + windowMs;
        for (uint256 i = 0; i < pendingHeights.length; ++i) {
            Pending storage p = pendingAt[pendingHeights[i]];
            if (p.maturesAtMs < renewed) p.maturesAtMs = uint48(renewed);
        }
        emit ClientResumed(nowMs());
    }

    /// [STRAIT-CONFLICT.2], [STRAIT-CONFLICT.3] A claim that this client holds at `height` another
    /// root than the reference verified there (permissionless). Checks, in order: the reference
    /// answers (`UnknownClient`) and follows the source (`SourceMismatch`), is not frozen
    /// (`ReferenceFrozen`); this client is not frozen unless its root there is pending
    /// (`AlreadyFrozen`); the reference has a root there (`NoReferenceRoot`), this client holds one
    /// (`NoAccusedRoot`); they differ (`NotConflicting`). A pending proposal is discarded (its
    /// height stays used) and its bond credited to the caller; a settled root freezes the client.
    function submitConflict(uint64 height) external {
        (uint64 chain, bool referenceFrozen, bytes32 referenceRoot) = askReference(height);
        if (chain != sourceChain) revert SourceMismatch(chain, sourceChain);
        if (referenceFrozen) revert ReferenceFrozen();
        Pending memory p = pendingAt[height];
        bool isPending = p.maturesAtMs != 0;
        if (frozen && !isPending) revert AlreadyFrozen();
        if (referenceRoot == 0) revert NoReferenceRoot(height);
        bytes32 accused = isPending ? p.root : settled[height];
        if (accused == 0) revert NoAccusedRoot(height);
        if (accused == referenceRoot) revert NotConflicting(height);
        if (isPending) {
            removePending(height, p.index);
            bondsOwed[msg.sender] += bond;
            emit ProposalDiscarded(height, accused, referenceRoot, msg.sender);
        } else {
            frozen = true;
            emit FrozenByConflict(height, accused, referenceRoot);
        }
    }

    /// Sends the caller's credited bonds to `to`.
    function withdraw(address to) external returns (uint256 amount) {
        amount = bondsOwed[msg.sender];
        bondsOwed[msg.sender] = 0;
        emit BondWithdrawn(msg.sender, to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }

    /// The reference's answer at `height`, as the endpoint reads a verifier (§4.8).
    function askReference(uint64 height) internal view returns (uint64, bool, bytes32) {
        address v = referenceVerifier;
        (bool ok, uint256 chain, uint256 isFrozen, bytes32 root) =
            VerifierCall.rootAt(v, height, REFERENCE_GAS);
        if (!ok) revert UnknownClient(v);
        return (uint64(chain), isFrozen == 1, root);
    }

    /// Deletes the pending proposal at `height`, whose index in `pendingHeights` is `index`
    /// (the last one takes its place).
    function removePending(uint64 height, uint8 index) internal {
        uint256 last = pendingHeights.length - 1;
        if (index != last) {
            uint64 moved = pendingHeights[last];
            pendingHeights[index] = moved;
            pendingAt[moved].index = index;
        }
        pendingHeights.pop();
        delete pendingAt[height];
    }
}
