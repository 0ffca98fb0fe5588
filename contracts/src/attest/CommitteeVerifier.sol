// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {IStraitVerifier} from "../IStrait.sol";
import {DeliveryCall} from "../DeliveryCall.sol";
import "../Errors.sol";

/// An attester committee client (docs/SPEC.md §10, [STRAIT-ATTEST.*]), the EVM counterpart of
/// `strait_attest::CommitteeVerifier`: the same encodings, sign bytes, order of checks and error
/// names; a scheme (ECDSA, BLS) only admits members and verifies certificates. The committee is
/// kept as contract code (written once per epoch, read with `EXTCODECOPY`), the checkpoints by
/// height, linked to the next lower stored height.
///
/// Where the EVM differs from the Rust kind: every checkpoint is kept (no pruning at 8,192
/// heights); there is no leaf-count index (the neighbours by height detect every conflict the index
/// would, since leaf counts grow with height in a non-conflicting store), so an update that
/// conflicts may name another stored checkpoint in its evidence than the Rust kind; an update
/// proving a conflict does not revert, it freezes the client and emits `FrozenBy`.
abstract contract CommitteeVerifier is IStraitVerifier {
    uint256 internal constant MAX_MEMBERS = 256;
    uint256 internal constant MAX_LEAF_COUNT = 1 << 32;
    uint256 internal constant CHECKPOINT_LEN = 56;
    uint256 private constant PRESENT = 1 << 255;
    uint256 private constant PREV_MASK = ((1 << 72) - 1) << 64;

    /// What an update did ([STRAIT-ATTEST.8]).
    enum Updated {
        Verified,
        Duplicate,
        Rotated,
        Misbehaviour
    }

    event CheckpointVerified(uint64 indexed height, bytes32 root, uint64 leafCount);
    event CommitteeRotated(uint64 epoch, bytes32 committeeHash);
    /// The client froze: `evidence` = the two conflicting checkpoints (112 bytes, the `freeze` encoding).
    event FrozenBy(bytes evidence);

    /// Init code of the proxy that writes an epoch's member data: it returns the runtime
    /// `CALLDATASIZE RETURNDATASIZE RETURNDATASIZE CALLDATACOPY CALLDATASIZE RETURNDATASIZE
    /// CALLVALUE CREATE`, which creates a contract from its calldata. The client creates the proxy
    /// with `CREATE2` (salt: the epoch) and calls it once, so the member data of epoch `e` is at
    /// an address computed from `e` alone (`_membersAt`): no storage slot holds it.
    bytes16 private constant PROXY_INIT = 0x67363d3d37363d34f03d5260086018f3;
    bytes32 private constant PROXY_INIT_HASH = keccak256(abi.encodePacked(PROXY_INIT));

    uint64 public immutable sourceChain;
    bytes32 public immutable committeeId;

    // One slot, all an update and a delivery's `rootAt` read of the client's state (one cold
    // read, 2,100 gas, where the committee's fields were a slot of their own).
    uint64 public latestHeight;
    /// The leaf count of the checkpoint at `latestHeight`: whether a checkpoint above it
    /// conflicts needs its root only when the counts are equal.
    uint64 internal latestCount;
    uint64 public epoch;
    uint16 public threshold;
    uint16 public size;
    bool public frozen;
    bool internal anyStored;

    mapping(uint64 height => bytes32) internal roots;
    /// `PRESENT | (next lower stored height + 1, 0 for none) << 64 | leaf count`.
    mapping(uint64 height => uint256) internal metas;

    /// A client of `source` trusting the committee `init` (wire form, [STRAIT-ATTEST.3]) at epoch 0.
    constructor(uint64 source, bytes memory init) {
        (uint256 end, uint256 n, uint256 t) = _readCommittee(init, false);
        if (end != init.length) revert TrailingBytes();
        _admit(init, n);
        sourceChain = source;
        committeeId = keccak256(abi.encodePacked("STRAIT/ATTEST/COMMITTEE/v1", _kind(), _storedForm(init, n)));
        _install(init, n, t);
    }

    // ---- what a scheme provides ----

    function _kind() internal pure virtual returns (uint16);
    function _memberLen() internal pure virtual returns (uint256);
    function _memberWireLen() internal pure virtual returns (uint256);
    /// Admits the `n` members of a committee in wire form ([STRAIT-ATTEST.4]).
    function _admit(bytes memory wire, uint256 n) internal view virtual;
    /// Writes the scheme's member data for a committee in wire form and returns its address.
    function _writeMembers(bytes memory wire, uint256 n) internal virtual returns (address);
    /// Checks a certificate's length at `o`; returns its end (`Malformed`).
    function _readCertificate(bytes calldata u, uint256 o) internal pure virtual returns (uint256);
    /// Whether the certificate at `o` (its length checked) is well formed past its length (the
    /// ECDSA kind: signers strictly ascending). `_verify` checks this as it goes and on failure;
    /// every other exit after a certificate was read and before it was verified calls
    /// `_requireWellFormed`, so that a malformed certificate is `Malformed` first, as in the Rust
    /// kind, which decodes before it checks anything else.
    function _wellFormed(bytes calldata u, uint256 o) internal pure virtual returns (bool);
    /// Verifies the certificate at `o` over `signBytes` ([STRAIT-ATTEST.6]) by the committee of
    /// the state word `st` (`_state()`: its size, threshold and epoch); `Malformed` first for a
    /// certificate that is not `_wellFormed`.
    function _verify(bytes memory signBytes, bytes calldata u, uint256 o, uint256 st) internal view virtual;

    // ---- the client ----

    /// [STRAIT-ATTEST.8] Verifies and applies `0x01 | checkpoint | certificate` or
    /// `0x02 | next committee (wire) | certificate`.
    function update(bytes calldata u) external returns (Updated) {
        if (u.length == 0) revert Malformed();
        if (u[0] == 0x01) {
            if (u.length < 1 + CHECKPOINT_LEN) revert Malformed();
            _checkLeafCount(u, 1);
            if (_readCertificate(u, 1 + CHECKPOINT_LEN) != u.length) revert Malformed();
            return _checkpointUpdate(u, 1 + CHECKPOINT_LEN, true);
        }
        if (u[0] == 0x02) {
            bytes memory next = u[1:];
            (uint256 end, uint256 n, uint256 t) = _readCommittee(next, true);
            if (_readCertificate(u, 1 + end) != u.length) revert Malformed();
            return _rotate(next, n, t, u, 1 + end);
        }
        revert Malformed();
    }

    /// A checkpoint update verified as `update` verifies it, its root kept for this transaction
    /// only (EIP-1153 transient storage) instead of stored, then `target` called with `data` (a
    /// delivery to an endpoint that trusts this verifier), its revert bubbled up. This saves a
    /// delivery the update's transaction and its storage. A checkpoint that conflicts with a
    /// stored one freezes the client, and nothing is called (outcome `Misbehaviour`); a stored
    /// one is used as it is (`Duplicate`). Only checkpoint updates (`0x01`), else `Malformed`.
    function verifyAndCall(bytes calldata u, address target, bytes calldata data)
        external
        returns (Updated, bytes memory)
    {
        return _verifyAndCall(u, target, data);
    }

    /// `verifyAndCall` with its arguments packed after the selector instead of ABI-encoded
    /// ([STRAIT-ATTEST.EVM], ADR 0034): `target [20] | update length u16 | update | data`, the data
    /// running to the end of the calldata. The same checks and outcome; a delivery saves the
    /// ABI's offsets, lengths and padding (about 1,000 gas of calldata and decoding).
    /// Calldata shorter than its head or its update: `Malformed`.
    function verifyAndCallPacked() external returns (Updated, bytes memory) {
        address target;
        bytes calldata u;
        bytes calldata data;
        bool whole;
        assembly ("memory-safe") {
            let len := calldatasize()
            let end := add(26, shr(240, calldataload(24)))
            whole := iszero(or(lt(len, 26), lt(len, end)))
            target := shr(96, calldataload(4))
            u.offset := 26
            u.length := sub(end, 26)
            data.offset := end
            data.length := sub(len, end)
        }
        if (!whole) revert Malformed();
        return _verifyAndCall(u, target, data);
    }

    function _verifyAndCall(bytes calldata u, address target, bytes calldata data)
        private
        returns (Updated outcome, bytes memory result)
    {
        if (u.length < 1 + CHECKPOINT_LEN || u[0] != 0x01) revert Malformed();
        _checkLeafCount(u, 1);
        if (_readCertificate(u, 1 + CHECKPOINT_LEN) != u.length) revert Malformed();
        outcome = _checkpointUpdate(u, 1 + CHECKPOINT_LEN, false);
        if (outcome == Updated.Misbehaviour) return (outcome, result);
        DeliveryCall.callAndReturn(uint256(outcome), target, data);
    }

    /// [STRAIT-ATTEST.7] Standalone evidence `checkpoint | certificate | checkpoint | certificate`:
    /// freezes the client when both are certified by the current committee and conflict.
    function submitMisbehaviour(bytes calldata e) external {
        if (e.length < CHECKPOINT_LEN) revert Malformed();
        _checkLeafCount(e, 0);
        uint256 b = _readCertificate(e, CHECKPOINT_LEN);
        if (e.length < b + CHECKPOINT_LEN) revert Malformed();
        _checkLeafCount(e, b);
        if (_readCertificate(e, b + CHECKPOINT_LEN) != e.length) revert Malformed();
        _requireWellFormed(e, CHECKPOINT_LEN);
        _requireWellFormed(e, b + CHECKPOINT_LEN);
        uint256 st = _state();
        if (_frozenOf(st)) revert Frozen();
        Cp memory x = _cp(e, 0);
        Cp memory y = _cp(e, b);
        if (x.source != sourceChain) revert SourceMismatch(x.source, sourceChain);
        if (y.source != sourceChain) revert SourceMismatch(y.source, sourceChain);
        if (!_conflict(x, y)) revert NotMisbehaviour();
        _verify(_checkpointSignBytes(e[0:CHECKPOINT_LEN], st), e, CHECKPOINT_LEN, st);
        _verify(_checkpointSignBytes(e[b:b + CHECKPOINT_LEN], st), e, b + CHECKPOINT_LEN, st);
        _freeze(x, y);
    }

    /// [STRAIT-RECV.4] The root verified at `height` (0: none).
    /// A root verified by `verifyAndCall` in this transaction counts as verified.
    /// The transient root is looked up first (a `tload`, where a cold `sload` costs 2,100): within
    /// `verifyAndCall` it is the root asked for, certified by the current committee like any
    /// stored one (a stored checkpoint at its height is used as it is, `Duplicate`, or conflicts,
    /// `Misbehaviour`, and then nothing is kept transiently).
    function rootAt(uint64 height) external view returns (uint64, bool, bytes32) {
        bytes32 root = _transientRoot(height);
        if (root == 0) root = roots[height];
        return (sourceChain, frozen, root);
    }

    /// The transient slot of `height`'s root: the height itself (transient storage holds
    /// nothing else here, so no hash is needed to keep slots apart).
    function _transientSlot(uint64 height) private pure returns (bytes32 slot) {
        slot = bytes32(uint256(height));
    }

    function _transientRoot(uint64 height) private view returns (bytes32 root) {
        bytes32 slot = _transientSlot(height);
        assembly ("memory-safe") {
            root := tload(slot)
        }
    }

    /// The checkpoint stored at `height`: whether there is one, its root and leaf count.
    function checkpointAt(uint64 height) external view returns (bool stored, bytes32 root, uint64 leafCount) {
        uint256 m = metas[height];
        return (m != 0, roots[height], uint64(m));
    }

    struct Cp {
        uint64 source;
        bytes32 root;
        uint64 count;
        uint64 height;
    }

    /// The checkpoint at `o` of `u` (callers checked that its 56 bytes are in `u`).
    function _cp(bytes calldata u, uint256 o) private pure returns (Cp memory c) {
        assembly ("memory-safe") {
            let p := add(u.offset, o)
            mstore(c, shr(192, calldataload(p)))
            mstore(add(c, 32), calldataload(add(p, 8)))
            mstore(add(c, 64), shr(192, calldataload(add(p, 40))))
            mstore(add(c, 96), shr(192, calldataload(add(p, 48))))
        }
    }

    function _encode(Cp memory c) private pure returns (bytes memory) {
        return abi.encodePacked(c.source, c.root, c.count, c.height);
    }

    function _requireWellFormed(bytes calldata u, uint256 o) internal pure {
        if (!_wellFormed(u, o)) revert Malformed();
    }

    /// [STRAIT-ATTEST.1] `leaf_count <= 2^32`, for the checkpoint at `o` (callers checked that
    /// its 56 bytes are in `u`).
    function _checkLeafCount(bytes calldata u, uint256 o) private pure {
        uint256 count;
        assembly ("memory-safe") {
            count := shr(192, calldataload(add(u.offset, add(o, 40))))
        }
        if (count > MAX_LEAF_COUNT) revert Malformed();
    }

    /// [STRAIT-ATTEST.2]
    /// `"STRAIT/ATTEST/CHECKPOINT/v1" (27 bytes) | committee id | epoch u64 | checkpoint`,
    /// written in place.
    function _checkpointSignBytes(bytes calldata checkpoint, uint256 st)
        private
        view
        returns (bytes memory out)
    {
        bytes32 id = committeeId;
        uint64 e = _epochOf(st);
        assembly ("memory-safe") {
            out := mload(0x40)
            mstore(add(out, 32), "STRAIT/ATTEST/CHECKPOINT/v1")
            mstore(add(out, 59), id)
            mstore(add(out, 91), shl(192, e))
            calldatacopy(add(out, 99), checkpoint.offset, checkpoint.length)
            let len := add(67, checkpoint.length)
            mstore(out, len)
            mstore(0x40, and(add(add(out, 63), len), not(31)))
        }
    }

    /// [STRAIT-ATTEST.7]
    function _conflict(Cp memory a, Cp memory b) private pure returns (bool) {
        if (a.source != b.source) return false;
        if (a.height == b.height && (a.root != b.root || a.count != b.count)) return true;
        if (a.count == b.count && a.root != b.root) return true;
        return (a.height < b.height && a.count > b.count) || (b.height < a.height && b.count > a.count);
    }

    /// [STRAIT-ATTEST.7] Whether the checkpoint stored at `height` (another height than `c`'s)
    /// conflicts with `c`, as `_conflict` decides it: by their leaf counts, the stored root read
    /// only when the counts are equal; the latest checkpoint's count from the slot an update reads
    /// anyway.
    function _conflictsWith(uint64 height, Cp memory c) private view returns (bool) {
        uint64 count = height == latestHeight ? latestCount : uint64(metas[height]);
        if (count == c.count) return roots[height] != c.root;
        return height < c.height ? count > c.count : count < c.count;
    }

    function _stored(uint64 height) private view returns (Cp memory c) {
        c = Cp(sourceChain, roots[height], uint64(metas[height]), height);
    }

    function _freeze(Cp memory a, Cp memory b) private {
        frozen = true;
        emit FrozenBy(bytes.concat(_encode(a), _encode(b)));
    }

    /// Verifies the checkpoint update in `u`; stores it (`keep`) or keeps its root in transient
    /// storage for this transaction.
    function _checkpointUpdate(bytes calldata u, uint256 certOffset, bool keep) private returns (Updated) {
        uint256 st = _state();
        Cp memory c = _cp(u, 1);
        if (_frozenOf(st) || c.source != sourceChain) {
            _requireWellFormed(u, certOffset);
            if (_frozenOf(st)) revert Frozen();
            revert SourceMismatch(c.source, sourceChain);
        }
        // Nothing is stored above the latest height: a checkpoint above it is read from no slot.
        bool any = _anyStoredOf(st);
        uint64 latest = _latestHeightOf(st);
        uint256 meta = any && c.height <= latest ? metas[c.height] : 0;
        if (meta != 0 && roots[c.height] == c.root && uint64(meta) == c.count) {
            _requireWellFormed(u, certOffset);
            return Updated.Duplicate;
        }
        _verify(_checkpointSignBytes(u[1:1 + CHECKPOINT_LEN], st), u, certOffset, st);
        if (meta != 0) {
            _freeze(_stored(c.height), c);
            return Updated.Misbehaviour;
        }
        // The neighbours by height: walk down from the highest stored height.
        bool hasAbove;
        bool hasBelow;
        uint64 above;
        uint64 below;
        if (any) {
            uint64 cur = latest;
            hasBelow = true;
            while (cur > c.height) {
                above = cur;
                hasAbove = true;
                uint256 prev = (metas[cur] & PREV_MASK) >> 64;
                if (prev == 0) {
                    hasBelow = false;
                    break;
                }
                cur = uint64(prev - 1);
            }
            below = cur;
        }
        if (hasBelow && _conflictsWith(below, c)) {
            _freeze(_stored(below), c);
            return Updated.Misbehaviour;
        }
        if (hasAbove && _conflictsWith(above, c)) {
            _freeze(_stored(above), c);
            return Updated.Misbehaviour;
        }
        if (!keep) {
            bytes32 slot = _transientSlot(c.height);
            bytes32 root = c.root;
            assembly ("memory-safe") {
                tstore(slot, root)
            }
            return Updated.Verified;
        }
        roots[c.height] = c.root;
        metas[c.height] = PRESENT | (hasBelow ? (uint256(below) + 1) << 64 : 0) | c.count;
        if (hasAbove) {
            metas[above] = (metas[above] & ~PREV_MASK) | ((uint256(c.height) + 1) << 64);
        } else {
            latestHeight = c.height;
            anyStored = true;
            latestCount = c.count;
        }
        emit CheckpointVerified(c.height, c.root, c.count);
        return Updated.Verified;
    }

    /// [STRAIT-ATTEST.5]
    function _rotate(bytes memory next, uint256 n, uint256 t, bytes calldata u, uint256 certOffset)
        private
        returns (Updated)
    {
        uint256 st = _state();
        if (_frozenOf(st)) {
            _requireWellFormed(u, certOffset);
            revert Frozen();
        }
        bytes32 nextHash = keccak256(_storedForm(next, n));
        _verify(
            abi.encodePacked("STRAIT/ATTEST/ROTATION/v1", committeeId, _epochOf(st), nextHash),
            u,
            certOffset,
            st
        );
        _admit(next, n);
        if (epoch == type(uint64).max) revert EpochOverflow();
        uint64 e = epoch + 1;
        epoch = e;
        _install(next, n, t);
        emit CommitteeRotated(e, nextHash);
        return Updated.Rotated;
    }

    /// Writes the member data of the current epoch (at `_membersAt(epoch)`) and the committee's
    /// threshold and size.
    function _install(bytes memory wire, uint256 n, uint256 t) private {
        _writeMembers(wire, n);
        threshold = uint16(t);
        size = uint16(n);
    }

    /// [STRAIT-ATTEST.3] Reads a committee's structure from the start of `c`: returns its end, size
    /// and threshold. With `wrap` (an update), the decoding names are `Malformed`.
    function _readCommittee(bytes memory c, bool wrap)
        internal
        pure
        returns (uint256 end, uint256 n, uint256 t)
    {
        if (c.length < 4) _decodeError(wrap, Truncated.selector);
        t = uint16(bytes2(_word(c, 0)));
        n = uint16(bytes2(_word(c, 2)));
        if (n > MAX_MEMBERS) _decodeError(wrap, TooLarge.selector);
        uint256 wireLen = _memberWireLen();
        end = 4 + n * wireLen;
        if (c.length < end) _decodeError(wrap, Truncated.selector);
        if (n == 0) revert EmptyCommittee();
        if (t == 0) revert ZeroThreshold();
        if (t > n) revert ThresholdAboveSize(t, n);
        if (2 * t <= n) revert ThresholdNotMajority(t, n);
        uint256 len = _memberLen();
        for (uint256 i = 1; i < n; ++i) {
            if (!_above(c, 4 + i * wireLen, 4 + (i - 1) * wireLen, len)) revert MembersNotAscending(i);
        }
    }

    function _decodeError(bool wrap, bytes4 selector) private pure {
        if (wrap) revert Malformed();
        assembly ("memory-safe") {
            mstore(0, selector)
            revert(0, 4)
        }
    }

    /// Whether the `len` bytes at `a` in `c` are strictly above those at `b`.
    function _above(bytes memory c, uint256 a, uint256 b, uint256 len) private pure returns (bool) {
        for (uint256 i = 0; i < len; i += 32) {
            uint256 x = uint256(_word(c, a + i));
            uint256 y = uint256(_word(c, b + i));
            if (len - i < 32) {
                uint256 shift = 8 * (32 - (len - i));
                x >>= shift;
                y >>= shift;
            }
            if (x != y) return x > y;
        }
        return false;
    }

    /// The 32 bytes of `c` at `o` (past the end: whatever memory follows; callers bound `o`).
    function _word(bytes memory c, uint256 o) internal pure returns (bytes32 w) {
        assembly ("memory-safe") {
            w := mload(add(add(c, 32), o))
        }
    }

    /// The stored form of a committee in wire form: `threshold | count | count x member`.
    function _storedForm(bytes memory wire, uint256 n) internal pure returns (bytes memory out) {
        uint256 len = _memberLen();
        uint256 wireLen = _memberWireLen();
        out = new bytes(4 + n * len);
        assembly ("memory-safe") {
            let src := add(wire, 32)
            let dst := add(out, 32)
            mcopy(dst, src, 4)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                mcopy(add(dst, add(4, mul(i, len))), add(src, add(4, mul(i, wireLen))), len)
            }
        }
    }

    // ---- member data as contract code ----

    /// Deploys `data` as the code of the current epoch's member data contract, at
    /// `_membersAt(epoch)` (after a STOP byte, so it cannot be called): the epoch's proxy, created
    /// with `CREATE2`, creates it from its calldata.
    function _writeCode(bytes memory data) internal returns (address a) {
        bytes memory init = abi.encodePacked(hex"61", uint16(data.length + 1), hex"80600a3d393df300", data);
        uint256 salt = epoch;
        address proxy;
        assembly ("memory-safe") {
            mstore(0, PROXY_INIT)
            proxy := create2(0, 0, 16, salt)
        }
        require(proxy != address(0));
        (bool ok,) = proxy.call(init);
        a = _membersAt(uint64(salt));
        require(ok && a.code.length == data.length + 1);
    }

    /// The address of epoch `e`'s member data contract (code only there once the client has
    /// rotated to `e`): the first contract created by the client's proxy for `e`, which `CREATE2`
    /// put at `keccak256(0xff | this | e | keccak256(PROXY_INIT))[12:]`, so at
    /// `keccak256(rlp([proxy, 1]))[12:]`.
    function _membersAt(uint64 e) internal view returns (address a) {
        bytes32 initHash = PROXY_INIT_HASH;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, 0xff)
            mstore(add(p, 1), shl(96, address()))
            mstore(add(p, 21), e)
            mstore(add(p, 53), initHash)
            let proxy := and(keccak256(p, 85), 0xffffffffffffffffffffffffffffffffffffffff)
            // rlp([proxy, 1]): a list of 22 bytes (0xd6), a 20-byte string (0x94), the nonce 1.
            mstore(p, or(or(shl(248, 0xd6), shl(240, 0x94)), or(shl(80, proxy), shl(72, 1))))
            a := and(keccak256(p, 23), 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }

    /// The member data contract of the committee of the state word `st`.
    function _members(uint256 st) internal view returns (address) {
        return _membersAt(_epochOf(st));
    }

    /// The slot of `latestHeight` to `anyStored`, read once (`SLOAD`) by an update or a delivery,
    /// which takes each field from the word with the accessors below.
    function _state() internal view returns (uint256 st) {
        assembly ("memory-safe") {
            st := sload(latestHeight.slot)
        }
    }

    function _latestHeightOf(uint256 st) internal pure returns (uint64 v) {
        assembly ("memory-safe") {
            v := and(shr(mul(8, latestHeight.offset), st), 0xffffffffffffffff)
        }
    }

    function _epochOf(uint256 st) internal pure returns (uint64 v) {
        assembly ("memory-safe") {
            v := and(shr(mul(8, epoch.offset), st), 0xffffffffffffffff)
        }
    }

    function _thresholdOf(uint256 st) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := and(shr(mul(8, threshold.offset), st), 0xffff)
        }
    }

    function _sizeOf(uint256 st) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := and(shr(mul(8, size.offset), st), 0xffff)
        }
    }

    function _frozenOf(uint256 st) internal pure returns (bool v) {
        assembly ("memory-safe") {
            v := and(shr(mul(8, frozen.offset), st), 0xff)
        }
    }

    function _anyStoredOf(uint256 st) internal pure returns (bool v) {
        assembly ("memory-safe") {
            v := and(shr(mul(8, anyStored.offset), st), 0xff)
        }
    }

    /// `len` bytes of the member data at `o`.
    function _readCode(address a, uint256 o, uint256 len) internal view returns (bytes memory out) {
        out = new bytes(len);
        assembly ("memory-safe") {
            extcodecopy(a, add(out, 32), add(o, 1), len)
        }
    }
}
