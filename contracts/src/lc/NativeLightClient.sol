// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {IStraitVerifier} from "../IStrait.sol";
import {DeliveryCall} from "../DeliveryCall.sol";
import {Bls} from "../attest/Bls.sol";
import "../Errors.sol";

/// A light client of the native Strait chain in BLS mode (SPEC §5.7, [STRAIT-LC-BLS.8]): the EVM
/// counterpart of the Rust verifier kind 5 (`strait_light_client::bls::kind`). The same creation
/// bytes, update bytes, sign bytes, order of checks and error names; a header is verified with one
/// key aggregation and one pairing check.
///
/// Storage per verified height: header hash, outbox root, the hash of the next BLS set, the time
/// and a link to the next stored height. A BLS set is kept as its aggregate key (by set hash, once
/// the set has signed a header); a set's keys and powers are kept (as contract code) only for the
/// creation set and for sets registered with `registerSet`, which a skipping update needs when its
/// trusted next set is not the header's own set. The aggregate key of the signers is the set's
/// minus its non-signers' keys, so an update costs one G1 addition per non-signer.
///
/// Creation is in bounded steps (SPEC §5.7, [STRAIT-LC-BLS.EVM] rule 1): the constructor takes
/// kind 5's `init` without the proofs of possession (the set as it is hashed, 104 bytes per
/// validator), registers the set and commits to its hash; anyone then admits the proofs in order,
/// at most `MAX_CHUNK` per call (`admitSetChunk`), each checked against the registered key; the
/// client refuses updates and evidence (`InitialSetIncomplete`) until every proof is admitted.
///
/// Where the EVM differs from the Rust kind (SPEC §5.7, [STRAIT-LC-BLS.EVM]): decoding failures
/// revert with their own names (`Truncated`, `NotSorted`, ...) rather than `Malformed`; a set's
/// keys are checked to be on the curve when the set first signs (its aggregate is computed) and
/// not when it is only named as the next set; every height is kept (no pruning at 8,192); a
/// skipping update whose trusted next set is neither the header's set nor registered reverts
/// `UnknownTrustedSet`; a signer whose key and proof `proveKeys` checked before is not checked
/// again; an update proving misbehaviour does not revert, it freezes the client and emits
/// `FrozenBy`. The compact update (`updateCompact`) is EVM only.
contract NativeLightClient is IStraitVerifier {
    uint256 private constant HEADER_LEN = 185;
    uint256 private constant ENTRY_LEN = 296; // key 96 | proof of possession 192 | power 8
    uint256 private constant STORED_LEN = 104; // key 96 | power 8
    /// Where a registered set's keys and powers start in its code: after the leading STOP and the
    /// set's aggregate key (EIP-2537, 128 bytes), which a compact update reads with the keys.
    uint256 private constant SET_KEYS = 1 + 128;
    /// The most validators whose keys and powers fit one contract's code (EIP-170: 24,576 bytes,
    /// of them the leading STOP and the aggregate key).
    uint256 public constant MAX_STORED_SET = (24_576 - SET_KEYS) / STORED_LEN;
    uint256 private constant SIG_LEN = 192;
    uint256 private constant MAX_VALIDATORS = 512;
    uint256 private constant MAX_BITMAP_LEN = 64;
    uint256 private constant MAX_TOTAL_POWER = uint256(uint64(type(int64).max)) / 8;
    uint256 private constant OPTIONS_LEN = 32;
    uint256 private constant SUMMARY_LEN = 112;
    /// The most proofs of possession one `admitSetChunk` or `proveKeys` checks (a pairing each,
    /// about 176,000 gas: about 7 million per call, under EIP-7825's 16,777,216-gas cap).
    uint256 public constant MAX_CHUNK = 40;

    /// What an update did ([STRAIT-LC-CLIENT.3]).
    enum Updated {
        Verified,
        Duplicate,
        Misbehaviour
    }

    /// A header verified at `height` ([STRAIT-LC-BLS.4]); its outbox root is stored.
    event HeaderVerified(uint64 indexed height, bytes32 headerHash, bytes32 outboxRoot);
    /// The client froze ([STRAIT-LC-CLIENT.4]): kind 0 ConflictingHeaders, 1 NonMonotonicTime,
    /// the lower (or stored) header first.
    event FrozenBy(
        uint8 kind, uint64 firstHeight, bytes32 firstHash, uint64 secondHeight, bytes32 secondHash
    );
    /// A BLS set's keys and powers were registered (`registerSet`).
    event SetRegistered(bytes32 indexed setHash, uint256 count);
    /// The proofs of possession of the initial set's validators `first .. first + count` were
    /// admitted (`admitSetChunk`); `complete` when they were the last.
    event SetChunkAdmitted(bytes32 indexed setHash, uint256 first, uint256 count, bool complete);

    /// A verified height's record.
    struct Consensus {
        bytes32 headerHash;
        bytes32 root;
        bytes32 nextSetHash;
        uint64 timestamp;
        /// The next higher stored height (0: none).
        uint64 next;
    }

    uint64 public immutable sourceChain;
    uint64 public immutable trustNumerator;
    uint64 public immutable trustDenominator;
    uint64 public immutable trustingPeriodMs;
    uint64 public immutable maxClockDriftMs;

    /// The hash of the BLS set the client was created trusting (its next set at creation).
    bytes32 public immutable initialSetHash;

    uint64 public latestHeight;
    bool public frozen;
    /// How many of the initial set's validators have their proofs of possession admitted
    /// (`admitSetChunk`), of `initialSetCount`; updates wait for all of them.
    uint32 public initialSetAdmitted;
    uint32 public initialSetCount;

    mapping(uint64 height => Consensus) internal consensus;
    /// A BLS set's aggregate key (EIP-2537, 128 bytes), by set hash; zero when not yet computed.
    mapping(bytes32 setHash => bytes32[4]) internal aggregates;
    /// A registered BLS set's aggregate key, keys and powers (contract code: STOP, aggregate key
    /// 128, then n × (key 96 | power 8)).
    mapping(bytes32 setHash => address) public setData;
    /// Keys whose proof of possession was checked (`proveKeys`), by `keccak256(key | proof)`.
    mapping(bytes32 entryHash => bool) public proven;

    /// [STRAIT-LC-BLS.EVM] rule 1: a client of `source` trusting `init` = options (32 bytes,
    /// [STRAIT-LC-CLIENT.7]) | BLS consensus state (height | timestamp | header hash | app state
    /// root | outbox root | next BLS set, [STRAIT-VERIFIER.BFT-BLS]) with the set as it is hashed
    /// (`n u32 | n × (key 96 | power 8)`: kind 5's set without the proofs of possession). The set's
    /// decoding ([STRAIT-LC-BLS.1]), every key on the curve (`InvalidKey`), then the options; the
    /// set is registered (as `registerSet`) and its proofs wait for `admitSetChunk`.
    constructor(uint64 source, bytes memory init) {
        if (init.length < OPTIONS_LEN + SUMMARY_LEN) revert Truncated();
        uint64 num = uint64(bytes8(_word(init, 0)));
        uint64 den = uint64(bytes8(_word(init, 8)));
        uint64 period = uint64(bytes8(_word(init, 16)));
        uint64 drift = uint64(bytes8(_word(init, 24)));
        bytes memory set = new bytes(init.length - OPTIONS_LEN - SUMMARY_LEN);
        assembly ("memory-safe") {
            mcopy(add(set, 32), add(init, add(32, 144)), mload(set))
        }
        (uint256 n, bytes32 h) = _readHashedSet(set);
        (bytes32 x0, bytes32 x1, bytes32 y0, bytes32 y1) = _sumKeys(set, n, STORED_LEN);
        if (den == 0 || uint256(num) * 3 < den || num >= den) revert InvalidTrustThreshold(num, den);
        if (period == 0) revert ZeroTrustingPeriod();
        sourceChain = source;
        (trustNumerator, trustDenominator, trustingPeriodMs, maxClockDriftMs) = (num, den, period, drift);

        uint64 height = uint64(bytes8(_word(init, 32)));
        consensus[height] = Consensus({
            headerHash: _word(init, 48),
            root: _word(init, 112),
            nextSetHash: h,
            timestamp: uint64(bytes8(_word(init, 40))),
            next: 0
        });
        latestHeight = height;
        initialSetHash = h;
        initialSetCount = uint32(n);
        bytes memory data = new bytes(n * STORED_LEN);
        assembly ("memory-safe") {
            mcopy(add(data, 32), add(set, 36), mload(data))
        }
        _store(data, n, h, [x0, x1, y0, y1]);
        bytes32[4] storage agg = aggregates[h];
        (agg[0], agg[1], agg[2], agg[3]) = (x0, x1, y0, y1);
    }

    /// [STRAIT-LC-BLS.EVM] rule 1: `first u32 | m × proof of possession (192)`, the proofs of the
    /// initial set's validators `first .. first + m`, in order (`first` is the count admitted so
    /// far, else `SetChunkOutOfOrder`), `1 <= m <= MAX_CHUNK` (`Empty`, `SetChunkTooLarge`), not
    /// past the set (`SetChunkPastEnd`). Each validator's registered key is in G1's subgroup and
    /// not the identity (`InvalidKey`) and its proof valid (`InvalidProofOfPossession`), a pairing
    /// each, as kind 5's creation checks them. Anyone may call it: the keys are the ones the
    /// creation committed to, so a chunk either proves them or reverts.
    function admitSetChunk(bytes calldata chunk) external {
        if (chunk.length < 4) revert Truncated();
        uint256 first = uint32(bytes4(chunk[0:4]));
        uint256 m = (chunk.length - 4) / SIG_LEN;
        if (chunk.length != 4 + m * SIG_LEN) revert Truncated();
        if (m == 0) revert Empty();
        if (m > MAX_CHUNK) revert SetChunkTooLarge(m, MAX_CHUNK);
        (uint256 admitted, uint256 n) = (initialSetAdmitted, initialSetCount);
        if (first != admitted) revert SetChunkOutOfOrder(first, admitted);
        if (first + m > n) revert SetChunkPastEnd(first + m, n);
        bytes32 h = initialSetHash;
        address data = setData[h];
        bytes memory keys = new bytes(m * STORED_LEN);
        bytes memory proof = new bytes(SIG_LEN);
        uint256 k;
        uint256 p;
        assembly ("memory-safe") {
            k := add(keys, 32)
            p := add(proof, 32)
            extcodecopy(data, k, add(SET_KEYS, mul(first, 104)), mload(keys))
        }
        for (uint256 i = 0; i < m; ++i) {
            assembly ("memory-safe") {
                calldatacopy(p, add(chunk.offset, add(4, mul(i, 192))), 192)
            }
            uint256 status = Bls.possession(k + i * STORED_LEN, p);
            if (status == 1) revert InvalidKey(first + i);
            if (status == 2) revert InvalidProofOfPossession(first + i);
        }
        initialSetAdmitted = uint32(first + m);
        emit SetChunkAdmitted(h, first, m, first + m == n);
    }

    // ---- updates ----

    /// [STRAIT-LC-CLIENT.2], [STRAIT-LC-CLIENT.3] `trusted_height u64 | BLS light block`
    /// ([STRAIT-LC-BLS.3], read unproven): verified from the state stored at the trusted height,
    /// its outbox root stored; a stored header is `Duplicate`; another header at a stored height,
    /// or a time not strictly between the stored neighbours', freezes the client (`Misbehaviour`).
    function update(bytes calldata u) external returns (Updated) {
        return _update(u, true, false);
    }

    /// [STRAIT-LC-BLS.EVM] The compact update, EVM only: `trusted_height u64 | header (185) |
    /// bitmap_len u8 | bitmap | signature (192) | next_bls_validators_hash [32]`, for a header
    /// whose BLS set is the trusted next set (the set named by the state at the trusted height),
    /// which must be registered (the creation set is). It is verified as `update` verifies the
    /// same block with its sets: the sign bytes name the set by the hash the client keeps, the
    /// powers and non-signers' keys are read from the registered set. About 430 bytes of calldata
    /// instead of about 600 per validator.
    function updateCompact(bytes calldata u) external returns (Updated) {
        return _update(u, true, true);
    }

    /// An update verified as `update` verifies it, its root kept for this transaction only
    /// (EIP-1153 transient storage) instead of stored, then `target` called with `data` (a delivery
    /// to an endpoint that trusts this client), its revert bubbled up. A header that proves
    /// misbehaviour freezes the client and nothing is called; a stored one is used as it is.
    function verifyAndCall(bytes calldata u, address target, bytes calldata data)
        external
        returns (Updated outcome, bytes memory result)
    {
        outcome = _update(u, false, false);
        if (outcome == Updated.Misbehaviour) return (outcome, "");
        DeliveryCall.callAndReturn(uint256(outcome), target, data);
    }

    /// `verifyAndCall` with a compact update (`updateCompact`).
    function verifyAndCallCompact(bytes calldata u, address target, bytes calldata data)
        external
        returns (Updated outcome, bytes memory result)
    {
        outcome = _update(u, false, true);
        if (outcome == Updated.Misbehaviour) return (outcome, "");
        DeliveryCall.callAndReturn(uint256(outcome), target, data);
    }

    /// [STRAIT-LC-BLS.6] Standalone evidence, kind 5's encoding: `trusted_height_1 u64 | len u32 |
    /// BLS light block 1 | trusted_height_2 u64 | BLS light block 2`. Both blocks must decode,
    /// the client be active (`Frozen`), both trusted heights be stored (`ConsensusStateNotFound`)
    /// and both blocks verify from them (the failing verdict's name); two headers at one height
    /// with different hashes, or a higher header whose time is not after the lower one's, freeze
    /// the client (`FrozenBy`), anything else is `NotMisbehaviour`.
    function submitMisbehaviour(bytes calldata e) external {
        _checkAdmitted();
        if (e.length < 12) revert Truncated();
        uint256 len = uint32(bytes4(e[8:12]));
        if (len > e.length) revert TooLarge();
        if (e.length < 12 + len + 8) revert Truncated();
        bytes memory first = bytes.concat(e[0:8], e[12:12 + len]);
        bytes memory second = e[12 + len:];
        this.checkBlock(first, false);
        this.checkBlock(second, false);
        if (frozen) revert Frozen();
        uint64 h1 = uint64(bytes8(e[0:8]));
        uint64 h2 = uint64(bytes8(e[12 + len:20 + len]));
        if (consensus[h1].nextSetHash == 0) revert ConsensusStateNotFound(h1);
        if (consensus[h2].nextSetHash == 0) revert ConsensusStateNotFound(h2);
        (uint64 height1, uint64 time1, bytes32 hash1) = this.checkBlock(first, true);
        (uint64 height2, uint64 time2, bytes32 hash2) = this.checkBlock(second, true);
        if (height1 > height2) {
            (height1, time1, hash1, height2, time2, hash2) = (height2, time2, hash2, height1, time1, hash1);
        }
        if (height1 == height2 && hash1 != hash2) {
            _freeze(0, height1, hash1, height2, hash2);
        } else if (height1 != height2 && time1 >= time2) {
            _freeze(1, height1, hash1, height2, hash2);
        } else {
            revert NotMisbehaviour();
        }
    }

    /// Decodes `trusted_height u64 | BLS light block` and, with `verify`, verifies it from the
    /// stored trusted state; its height, time and header hash. Only this contract calls it (for
    /// `submitMisbehaviour`, so that each block is read from calldata as an update is).
    function checkBlock(bytes calldata u, bool verify) external returns (uint64, uint64, bytes32) {
        require(msg.sender == address(this));
        Block memory b = _decode(u, false);
        if (verify) _verify(u, b, consensus[b.trusted]);
        return (b.height, b.time, b.headerHash);
    }

    /// Keeps a BLS set's keys and powers (wire form, [STRAIT-LC-BLS.1], proofs not checked) under
    /// its hash, for skipping updates from a height whose next set it is. Anyone may call it: the
    /// hash binds the contents, and a set is trusted only when a verified header names it.
    function registerSet(bytes calldata wire) external returns (bytes32 setHash) {
        uint256 end;
        uint256 n;
        (end, n,, setHash) = _readSet(wire, 0);
        if (end != wire.length) revert TrailingBytes();
        bytes32[4] storage agg = aggregates[setHash];
        if (agg[0] == 0 && agg[1] == 0) (agg[0], agg[1], agg[2], agg[3]) = _sumKeys(wire, n, ENTRY_LEN);
        if (setData[setHash] == address(0)) _register(wire, n, setHash, agg);
    }

    /// [STRAIT-LC-BLS.EVM] rule 3: `m × (key 96 | proof of possession 192)`, `1 <= m <=
    /// MAX_CHUNK` (`Truncated`, `Empty`, `SetChunkTooLarge`): each key in G1's subgroup and not
    /// the identity (`InvalidKey(i)`), its proof valid (`InvalidProofOfPossession(i)`), then kept
    /// as proven, so that a skipping update's signers outside the trusted next set whose key and
    /// proof are these need no pairing in its transaction ([STRAIT-LC-BLS.7]: a valid proof is
    /// unique, so the verdict is the same). Anyone may call it: it only records checked proofs.
    function proveKeys(bytes calldata entries) external {
        uint256 m = entries.length / 288;
        if (entries.length != m * 288) revert Truncated();
        if (m == 0) revert Empty();
        if (m > MAX_CHUNK) revert SetChunkTooLarge(m, MAX_CHUNK);
        bytes memory entry = new bytes(288);
        uint256 src;
        assembly ("memory-safe") {
            src := add(entry, 32)
        }
        for (uint256 i = 0; i < m; ++i) {
            bytes32 h;
            assembly ("memory-safe") {
                calldatacopy(src, add(entries.offset, mul(i, 288)), 288)
                h := keccak256(src, 288)
            }
            uint256 status = Bls.possession(src, src + 96);
            if (status == 1) revert InvalidKey(i);
            if (status == 2) revert InvalidProofOfPossession(i);
            proven[h] = true;
        }
    }

    /// [STRAIT-RECV.4] The root verified at `height` (0: none); a root verified by `verifyAndCall`
    /// in this transaction counts as verified. The transient root is looked up first (a `tload`,
    /// where the stored one is a cold `sload` at first): within `verifyAndCall` it is the root of
    /// the header verified at `height`, and a header stored there since in this transaction has
    /// that root or froze the client (`frozen` is read either way).
    function rootAt(uint64 height) external view returns (uint64, bool, bytes32) {
        bytes32 root = _tload(height);
        if (root == 0) root = consensus[height].root;
        return (sourceChain, frozen, root);
    }

    /// The consensus state stored at `height` (all zero: none).
    function consensusAt(uint64 height)
        external
        view
        returns (bytes32 headerHash, bytes32 root, bytes32 nextSetHash, uint64 timestamp)
    {
        Consensus storage c = consensus[height];
        return (c.headerHash, c.root, c.nextSetHash, c.timestamp);
    }

    /// Offsets of a decoded update (calldata).
    struct Block {
        uint64 trusted;
        uint256 header; // offset of the header
        uint256 bitmap; // offset of the bitmap
        uint256 bitmapLen;
        uint256 sig; // offset of the signature
        uint256 vals; // offset of the block's BLS set
        uint256 n;
        uint256 total;
        bytes32 valsHash;
        bytes32 nextHash;
        uint64 height;
        uint64 time;
        bytes32 headerHash;
        /// Compact updates: the registered set's aggregate key (128) | `n × (key | power)`; empty
        /// for full updates.
        bytes setMem;
    }

    function _update(bytes calldata u, bool keep, bool compact) private returns (Updated) {
        _checkAdmitted();
        Block memory b = _decode(u, compact);
        if (frozen) revert Frozen();
        Consensus storage existing = consensus[b.height];
        bool present = existing.nextSetHash != 0;
        bytes32 stored = existing.headerHash;
        if (present && stored == b.headerHash) return Updated.Duplicate;
        Consensus storage t = consensus[b.trusted];
        if (t.nextSetHash == 0) revert ConsensusStateNotFound(b.trusted);
        if (compact) _loadTrustedSet(b, t.nextSetHash);
        _verify(u, b, t);

        if (present) return _freeze(0, b.height, stored, b.height, b.headerHash);
        uint64 below;
        uint64 above;
        if (b.height > latestHeight) {
            below = latestHeight;
        } else {
            below = b.trusted;
            above = consensus[below].next;
            while (above != 0 && above < b.height) {
                below = above;
                above = consensus[above].next;
            }
        }
        Consensus storage lo = consensus[below];
        if (lo.timestamp >= b.time) return _freeze(1, below, lo.headerHash, b.height, b.headerHash);
        if (above != 0 && consensus[above].timestamp <= b.time) {
            return _freeze(1, b.height, b.headerHash, above, consensus[above].headerHash);
        }
        bytes32 root = bytes32(u[8 + 89:8 + 121]);
        if (keep) {
            consensus[b.height] = Consensus({
                headerHash: b.headerHash, root: root, nextSetHash: b.nextHash, timestamp: b.time, next: above
            });
            lo.next = b.height;
            if (b.height > latestHeight) latestHeight = b.height;
            emit HeaderVerified(b.height, b.headerHash, root);
        } else {
            _tstore(b.height, root);
        }
        return Updated.Verified;
    }

    function _freeze(uint8 kind, uint64 h1, bytes32 a, uint64 h2, bytes32 c) private returns (Updated) {
        frozen = true;
        emit FrozenBy(kind, h1, a, h2, c);
        return Updated.Misbehaviour;
    }

    // ---- decoding ----

    /// [STRAIT-VERIFIER.BFT-BLS] `trusted_height u64 | header (185) | bitmap_len u8 | bitmap |
    /// signature (192) | BLS set | next BLS set`, each check in the SPEC's order.
    function _decode(bytes calldata u, bool compact) private pure returns (Block memory b) {
        if (u.length < 8) revert Truncated();
        b.trusted = uint64(bytes8(u[0:8]));
        b.header = 8;
        if (u.length < 9) revert Truncated();
        if (u[8] != 0x01) revert UnsupportedVersion();
        if (u.length < 8 + HEADER_LEN) revert Truncated();
        uint256 o = 8 + HEADER_LEN;
        if (u.length < o + 1) revert Truncated();
        b.bitmapLen = uint8(u[o]);
        if (b.bitmapLen > MAX_BITMAP_LEN) revert TooLarge();
        b.bitmap = o + 1;
        b.sig = b.bitmap + b.bitmapLen;
        if (u.length < b.sig + SIG_LEN) revert Truncated();
        b.vals = b.sig + SIG_LEN;
        uint256 end;
        if (compact) {
            end = b.vals + 32;
            if (u.length < end) revert Truncated();
            b.nextHash = bytes32(u[b.vals:end]);
        } else {
            (end, b.n, b.total, b.valsHash) = _readSet(u, b.vals);
            (end,,, b.nextHash) = _readSet(u, end);
        }
        if (end != u.length) revert TrailingBytes();
        b.height = uint64(bytes8(u[17:25]));
        b.time = uint64(bytes8(u[25:33]));
        b.headerHash = keccak256(abi.encodePacked("STRAIT/HEADER/v1", u[8:8 + HEADER_LEN]));
    }

    /// [STRAIT-LC-BLS.1] The BLS set at `o` in `s`, read unproven (keys are checked where they are
    /// summed, proofs where they are needed): its end, count, total power and hash.
    function _readSet(bytes calldata s, uint256 o)
        private
        pure
        returns (uint256 end, uint256 n, uint256 total, bytes32 h)
    {
        if (s.length < o + 4) revert Truncated();
        n = uint32(bytes4(s[o:o + 4]));
        if (n > MAX_VALIDATORS) revert TooLarge();
        end = o + 4 + n * ENTRY_LEN;
        if (s.length < end) revert Truncated();
        if (n == 0) revert Empty();
        bytes memory buf = new bytes(24 + n * STORED_LEN);
        uint256 p;
        uint256 q;
        assembly ("memory-safe") {
            p := add(s.offset, add(o, 4))
            q := add(buf, 32)
            mstore(q, "STRAIT/BLS-VALSET/v1")
            mstore(add(q, 20), shl(224, n))
            q := add(q, 24)
        }
        for (uint256 i = 0; i < n; ++i) {
            uint256 power;
            bool sorted;
            assembly ("memory-safe") {
                let e := add(p, mul(i, 296))
                sorted := 1
                if i {
                    let a0 := calldataload(e)
                    let b0 := calldataload(sub(e, 296))
                    let a1 := calldataload(add(e, 32))
                    let b1 := calldataload(sub(e, 264))
                    let a2 := calldataload(add(e, 64))
                    let b2 := calldataload(sub(e, 232))
                    sorted := or(gt(a0, b0), and(eq(a0, b0), or(gt(a1, b1), and(eq(a1, b1), gt(a2, b2)))))
                }
                power := shr(192, calldataload(add(e, 288)))
                let d := add(q, mul(i, 104))
                calldatacopy(d, e, 96)
                calldatacopy(add(d, 96), add(e, 288), 8)
            }
            if (!sorted) revert NotSorted(i);
            if (power == 0) revert ZeroPower(i);
            total += power;
            if (total > MAX_TOTAL_POWER) revert TotalPowerTooLarge();
        }
        h = keccak256(buf);
    }

    /// [STRAIT-LC-BLS.1] The whole of `s` (memory) as a BLS set in its hashed form, `n u32 |
    /// n × (key 96 | power 8)`, with the checks `_readSet` makes (but the keys'), then
    /// `TrailingBytes`: its count and hash (creation only).
    function _readHashedSet(bytes memory s) private pure returns (uint256 n, bytes32 h) {
        if (s.length < 4) revert Truncated();
        n = uint32(bytes4(_word(s, 0)));
        if (n > MAX_VALIDATORS) revert TooLarge();
        if (s.length < 4 + n * STORED_LEN) revert Truncated();
        if (n == 0) revert Empty();
        uint256 total;
        for (uint256 i = 0; i < n; ++i) {
            uint256 e = 4 + i * STORED_LEN;
            if (i > 0) {
                bytes32 a0 = _word(s, e);
                bytes32 b0 = _word(s, e - STORED_LEN);
                bytes32 a1 = _word(s, e + 32);
                bytes32 b1 = _word(s, e - STORED_LEN + 32);
                bytes32 a2 = _word(s, e + 64);
                bytes32 b2 = _word(s, e - STORED_LEN + 64);
                if (!(a0 > b0 || (a0 == b0 && (a1 > b1 || (a1 == b1 && a2 > b2))))) revert NotSorted(i);
            }
            uint64 power = uint64(bytes8(_word(s, e + 96)));
            if (power == 0) revert ZeroPower(i);
            total += power;
            if (total > MAX_TOTAL_POWER) revert TotalPowerTooLarge();
        }
        if (s.length != 4 + n * STORED_LEN) revert TrailingBytes();
        h = keccak256(abi.encodePacked("STRAIT/BLS-VALSET/v1", s));
    }

    /// A compact update's set: the registered trusted next set (`UnknownTrustedSet` if not).
    function _loadTrustedSet(Block memory b, bytes32 h) private view {
        address data = setData[h];
        if (data == address(0)) revert UnknownTrustedSet(h);
        uint256 n = (data.code.length - SET_KEYS) / STORED_LEN;
        bytes memory sm = new bytes(128 + n * STORED_LEN);
        uint256 total;
        assembly ("memory-safe") {
            extcodecopy(data, add(sm, 32), 1, mload(sm))
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                // Power `i`: past the length word, the aggregate key and key `i`.
                total := add(total, shr(192, mload(add(sm, add(256, mul(i, 104))))))
            }
        }
        (b.n, b.total, b.valsHash, b.setMem) = (n, total, h, sm);
    }

    // ---- verification ----

    /// [STRAIT-LC-BLS.4] The header against the trusted state `t`, at the block's time in ms.
    function _verify(bytes calldata u, Block memory b, Consensus storage t) private {
        uint64 chain = uint64(bytes8(u[9:17]));
        if (chain != sourceChain) revert ChainIdMismatch(chain, sourceChain);
        uint256 signed = _checkBitmap(u, b);

        uint64 now_ = uint64(block.timestamp * 1000);
        uint64 tTime = t.timestamp;
        uint256 expires = uint256(tTime) + trustingPeriodMs;
        if (now_ >= expires) revert TrustingPeriodExpired(tTime, uint64(expires), now_);
        uint256 limit = expires + maxClockDriftMs;
        if (b.time >= limit) revert HeaderTimeUnreachable(b.time, uint64(limit));
        if (b.time >= uint256(now_) + maxClockDriftMs) revert HeaderFromFuture(b.time, now_);
        if (b.height <= b.trusted) revert NonIncreasingHeight(b.height, b.trusted);
        if (b.time <= tTime) revert NonIncreasingTime(b.time, tTime);

        bytes32 trustedNext = t.nextSetHash;
        uint256[] memory unvouched;
        if (b.height == b.trusted + 1) {
            if (b.valsHash != trustedNext) revert AdjacentValidatorsMismatch(b.valsHash, trustedNext);
        } else if (b.valsHash == trustedNext) {
            _checkTrust(signed, b.total);
        } else {
            unvouched = _tallyTrusted(u, b, trustedNext);
        }
        if (signed * 3 <= b.total * 2) revert InsufficientSigningPower(uint64(signed), uint64(b.total));
        for (uint256 k = 0; k < unvouched.length; ++k) {
            _checkProof(u, b.vals + 4 + unvouched[k] * ENTRY_LEN, unvouched[k]);
        }
        _checkAggregate(u, b);
    }

    /// [STRAIT-LC-BLS.4] rule 1: the bitmap is `ceil(n / 8)` bytes, names no index `>= n`, and
    /// at least one signer; returns the signers' power in the block's set.
    function _checkBitmap(bytes calldata u, Block memory b) private pure returns (uint256 signed) {
        uint256 n = b.n;
        uint256 len = b.bitmapLen;
        if (len != (n + 7) / 8) revert BitmapLengthMismatch(len, (n + 7) / 8);
        if (n % 8 != 0) {
            uint256 last = uint8(u[b.bitmap + len - 1]) >> (n % 8);
            if (last != 0) {
                uint256 index = n;
                while (last & 1 == 0) {
                    last >>= 1;
                    ++index;
                }
                revert SignerIndexOutOfRange(index, n);
            }
        }
        uint256 bits = b.bitmap;
        uint256 p = b.vals + 4;
        bytes memory sm = b.setMem;
        bool any;
        assembly ("memory-safe") {
            let compact := mload(sm)
            // The bitmap, and the first power: in the block's set (calldata) or the registered one.
            bits := add(u.offset, bits)
            p := add(u.offset, add(p, 288))
            sm := add(sm, 256) // past the length word (32), the aggregate key (128) and a key (96)
            // A byte of the bitmap at a time, then its set bits (none at or past `n`, checked above).
            for { let i := 0 } lt(i, n) { i := add(i, 8) } {
                let bb := byte(0, calldataload(add(bits, shr(3, i))))
                if bb { any := 1 }
                for { let j := i } bb {
                    bb := shr(1, bb)
                    j := add(j, 1)
                } {
                    if and(bb, 1) {
                        switch compact
                        case 0 { signed := add(signed, shr(192, calldataload(add(p, mul(j, 296))))) }
                        default { signed := add(signed, shr(192, mload(add(sm, mul(j, 104))))) }
                    }
                }
            }
        }
        if (!any) revert EmptyCommit();
    }

    function _checkTrust(uint256 tallied, uint256 total) private view {
        if (tallied * trustDenominator <= total * trustNumerator) {
            revert NotEnoughTrust(uint64(tallied), uint64(total));
        }
    }

    /// [STRAIT-LC.5] skipping, the trusted next set not the block's: the signers whose keys are in
    /// the trusted next set (registered), with their trusted power, hold more than the trust
    /// threshold of it. Returns the signers it does not hold ([STRAIT-LC-BLS.7]: they need their
    /// proof of possession), in ascending index.
    function _tallyTrusted(bytes calldata u, Block memory b, bytes32 trustedNext)
        private
        view
        returns (uint256[] memory unvouched)
    {
        address data = setData[trustedNext];
        if (data == address(0)) revert UnknownTrustedSet(trustedNext);
        uint256 m = (data.code.length - SET_KEYS) / STORED_LEN;
        bytes memory tset = new bytes(m * STORED_LEN);
        uint256 total;
        assembly ("memory-safe") {
            extcodecopy(data, add(tset, 32), SET_KEYS, mload(tset))
        }
        for (uint256 t = 0; t < m; ++t) {
            total += uint64(bytes8(_word(tset, t * STORED_LEN + 96)));
        }
        unvouched = new uint256[](b.n);
        uint256 count;
        uint256 tallied;
        uint256 j;
        for (uint256 i = 0; i < b.n; ++i) {
            if (!_isSigner(u, b.bitmap, i)) continue;
            uint256 e = b.vals + 4 + i * ENTRY_LEN;
            int256 c = -1;
            while (j < m) {
                c = _compare(u, e, tset, j * STORED_LEN);
                if (c <= 0) break;
                ++j;
            }
            if (c == 0) {
                tallied += uint64(bytes8(_word(tset, j * STORED_LEN + 96)));
            } else {
                unvouched[count++] = i;
            }
        }
        assembly ("memory-safe") {
            mstore(unvouched, count)
        }
        _checkTrust(tallied, total);
    }

    /// Compares the 96-byte key at calldata `e` with the one at `o` in `t`: 1 above, 0 equal, -1 below.
    function _compare(bytes calldata u, uint256 e, bytes memory t, uint256 o)
        private
        pure
        returns (int256 c)
    {
        for (uint256 w = 0; w < 96; w += 32) {
            uint256 x;
            uint256 y;
            assembly ("memory-safe") {
                x := calldataload(add(u.offset, add(e, w)))
                y := mload(add(add(t, 32), add(o, w)))
            }
            if (x != y) return x > y ? int256(1) : -1;
        }
    }

    function _isSigner(bytes calldata u, uint256 bits, uint256 i) private pure returns (bool) {
        return uint8(u[bits + i / 8]) & (1 << (i % 8)) != 0;
    }

    /// [STRAIT-LC-BLS.7] Signer `i`'s key (entry at calldata `e`) is in G1, not the identity, and
    /// its proof of possession verifies under the PoP DST (one hash to G2 and one pairing).
    /// A key and proof kept by `proveKeys` are not checked again.
    function _checkProof(bytes calldata u, uint256 e, uint256 i) private view {
        bytes memory entry = u[e:e + 288];
        uint256 src;
        bytes32 h;
        assembly ("memory-safe") {
            src := add(entry, 32)
            h := keccak256(src, 288)
        }
        if (proven[h]) return;
        if (Bls.possession(src, src + 96) != 0) revert InvalidProofOfPossession(i);
    }

    /// [STRAIT-LC-BLS.5] The signature is a G2 point of the subgroup, not the identity, and
    /// `e(apk, H(m)) == e(g1, signature)` with `apk` the signers' aggregate key and `m` the
    /// [STRAIT-LC-BLS.2] sign bytes.
    function _checkAggregate(bytes calldata u, Block memory b) private {
        uint256 agg = _signersKey(u, b);
        bytes memory sigBuf = new bytes(256);
        uint256 sig;
        uint256 sigOffset = b.sig;
        assembly ("memory-safe") {
            sig := add(sigBuf, 32)
            sigOffset := add(u.offset, sigOffset)
        }
        if (!Bls.g2FromCalldata(sigOffset, sig)) revert InvalidAggregateSignature();
        bytes memory m = abi.encodePacked(
            "STRAIT/BFT/BLS-COMMIT/v1", sourceChain, b.height, b.headerHash, b.valsHash, b.nextHash
        );
        bytes memory h = Bls.hashToG2(m, "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_");
        uint256 hp;
        assembly ("memory-safe") {
            hp := add(h, 32)
        }
        if (!Bls.pairingCheck(agg, hp, sig)) revert InvalidAggregateSignature();
    }

    /// The signers' aggregate key (EIP-2537, in memory): the set's aggregate (kept by set hash, or
    /// summed from the block, every key checked on the curve, then kept) minus the non-signers' keys.
    function _signersKey(bytes calldata u, Block memory b) private returns (uint256 agg) {
        bytes memory buf = new bytes(128 * 3);
        assembly ("memory-safe") {
            agg := add(buf, 32)
        }
        _setAggregate(u, b, agg);
        _subtractNonSigners(u, b, agg);
    }

    /// Writes the set's aggregate key at `agg`: a compact update's from its registered set's code,
    /// a full update's kept by set hash, or summed and then kept.
    function _setAggregate(bytes calldata u, Block memory b, uint256 agg) private {
        bytes memory sm = b.setMem;
        if (sm.length != 0) {
            // A compact update's registered set: its aggregate key came with its keys.
            assembly ("memory-safe") {
                mcopy(agg, add(sm, 32), 128)
            }
            return;
        }
        bytes32[4] storage kept = aggregates[b.valsHash];
        (bytes32 x0, bytes32 x1, bytes32 y0, bytes32 y1) = (kept[0], kept[1], kept[2], kept[3]);
        if (x0 == 0 && x1 == 0) {
            (x0, x1, y0, y1) = _sumKeys(u[b.vals:b.vals + 4 + b.n * ENTRY_LEN], b.n, ENTRY_LEN);
            (kept[0], kept[1], kept[2], kept[3]) = (x0, x1, y0, y1);
        }
        assembly ("memory-safe") {
            mstore(agg, x0)
            mstore(add(agg, 32), x1)
            mstore(add(agg, 64), y0)
            mstore(add(agg, 96), y1)
        }
    }

    /// `agg -= Σ non-signers' keys` (memory `agg | acc | key`: G1ADD reads `acc | key`, then
    /// `agg | acc`, in place).
    function _subtractNonSigners(bytes calldata u, Block memory b, uint256 agg) private view {
        uint256 n = b.n;
        uint256 bits = b.bitmap;
        uint256 keys = b.vals + 4;
        bytes memory sm = b.setMem;
        uint256 acc = agg + 128;
        bool any;
        assembly ("memory-safe") {
            let key := add(acc, 128)
            let compact := mload(sm)
            // The bitmap, and the first key: in the block's set (calldata) or the registered one.
            bits := add(u.offset, bits)
            keys := add(u.offset, keys)
            sm := add(sm, 160) // past the length word (32) and the aggregate key (128)
            // A byte of the bitmap at a time, then its non-signers below `n`.
            for { let i := 0 } lt(i, n) { i := add(i, 8) } {
                let nb := and(not(byte(0, calldataload(add(bits, shr(3, i))))), 0xff)
                if lt(sub(n, i), 8) { nb := and(nb, sub(shl(sub(n, i), 1), 1)) }
                for { let j := i } nb {
                    nb := shr(1, nb)
                    j := add(j, 1)
                } {
                    if and(nb, 1) {
                        let dst := key
                        if iszero(any) { dst := acc }
                        mstore(dst, 0)
                        mstore(add(dst, 64), 0)
                        switch compact
                        case 0 {
                            let e := add(keys, mul(j, 296))
                            calldatacopy(add(dst, 16), e, 48)
                            calldatacopy(add(dst, 80), add(e, 48), 48)
                        }
                        default {
                            let e := add(sm, mul(j, 104))
                            mcopy(add(dst, 16), e, 48)
                            mcopy(add(dst, 80), add(e, 48), 48)
                        }
                        if any { if iszero(staticcall(gas(), 0x0b, acc, 256, acc, 128)) { revert(0, 0) } }
                        any := 1
                    }
                }
            }
        }
        if (any) {
            Bls.g1Neg(acc);
            Bls.g1Add(agg, acc, agg);
        }
    }

    /// The sum of a set's keys (`n u32 | n` entries of `stride` bytes, each a key first, in memory:
    /// the wire form or the hashed one), each checked to be on the curve by G1ADD (`InvalidKey`).
    function _sumKeys(bytes memory set, uint256 n, uint256 stride)
        private
        view
        returns (bytes32, bytes32, bytes32, bytes32)
    {
        bytes memory buf = new bytes(256);
        uint256 acc;
        uint256 src;
        assembly ("memory-safe") {
            acc := add(buf, 32)
            src := add(set, 36)
        }
        for (uint256 i = 0; i < n; ++i) {
            bool ok;
            assembly ("memory-safe") {
                let key := add(acc, 128)
                let e := add(src, mul(i, stride))
                mstore(key, 0)
                mcopy(add(key, 16), e, 48)
                mstore(add(key, 64), 0)
                mcopy(add(key, 80), add(e, 48), 48)
                ok := staticcall(gas(), 0x0b, acc, 256, acc, 128)
            }
            if (!ok) revert InvalidKey(i);
        }
        return (_word(buf, 0), _word(buf, 32), _word(buf, 64), _word(buf, 96));
    }

    /// Writes the set's aggregate key `agg` and `n × (key | power)` (wire form in memory) as
    /// contract code.
    function _register(bytes memory set, uint256 n, bytes32 h, bytes32[4] memory agg) private {
        bytes memory data = new bytes(n * STORED_LEN);
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let e := add(add(set, 36), mul(i, 296))
                let d := add(add(data, 32), mul(i, 104))
                mcopy(d, e, 96)
                mcopy(add(d, 96), add(e, 288), 8)
            }
        }
        _store(data, n, h, agg);
    }

    /// Writes the aggregate key `agg` and `data` (`n × (key | power)`) as the code of a new
    /// contract, the set `h`'s data.
    function _store(bytes memory data, uint256 n, bytes32 h, bytes32[4] memory agg) private {
        if (n > MAX_STORED_SET) revert SetTooLargeForCode(n, MAX_STORED_SET);
        bytes memory init = abi.encodePacked(
            hex"61",
            uint16(data.length + SET_KEYS),
            hex"80600a3d393df300",
            agg[0],
            agg[1],
            agg[2],
            agg[3],
            data
        );
        address a;
        assembly ("memory-safe") {
            a := create(0, add(init, 32), mload(init))
        }
        require(a != address(0));
        setData[h] = a;
        emit SetRegistered(h, n);
    }

    // ---- helpers ----

    /// [STRAIT-LC-BLS.EVM] rule 1: every proof of the initial set admitted, else
    /// `InitialSetIncomplete(admitted, count)`.
    function _checkAdmitted() private view {
        (uint256 admitted, uint256 n) = (initialSetAdmitted, initialSetCount);
        if (admitted != n) revert InitialSetIncomplete(admitted, n);
    }

    function _word(bytes memory b, uint256 o) private pure returns (bytes32 w) {
        assembly ("memory-safe") {
            w := mload(add(add(b, 32), o))
        }
    }

    function _tslot(uint64 height) private pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            mstore(0, height)
            mstore(32, consensus.slot)
            slot := keccak256(0, 64)
        }
    }

    function _tstore(uint64 height, bytes32 root) private {
        bytes32 slot = _tslot(height);
        assembly ("memory-safe") {
            tstore(slot, root)
        }
    }

    function _tload(uint64 height) private view returns (bytes32 root) {
        bytes32 slot = _tslot(height);
        assembly ("memory-safe") {
            root := tload(slot)
        }
    }
}
