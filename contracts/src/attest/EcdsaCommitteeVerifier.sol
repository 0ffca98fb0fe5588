// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {CommitteeVerifier} from "./CommitteeVerifier.sol";
import "../Errors.sol";

/// A committee of EVM addresses signing with secp256k1 ECDSA (kind 2, [STRAIT-ATTEST.ECDSA]):
/// a certificate is `count u16 | count x (signer u16 | r | s | v)`, signers strictly ascending,
/// each signature checked with `ecrecover` over `keccak256(sign bytes)`.
contract EcdsaCommitteeVerifier is CommitteeVerifier {
    /// `signer u16` and the signature (a literal, for the assembly that reads entries).
    uint256 private constant ENTRY_LEN = 67;
    /// n/2 of secp256k1: the largest `s` accepted (low-s form).
    uint256 private constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    constructor(uint64 source, bytes memory init) CommitteeVerifier(source, init) {}

    function _kind() internal pure override returns (uint16) {
        return 2;
    }

    function _memberLen() internal pure override returns (uint256) {
        return 20;
    }

    function _memberWireLen() internal pure override returns (uint256) {
        return 20;
    }

    /// [STRAIT-ATTEST.4] The zero address is never a member (`ecrecover` answers it for garbage).
    function _admit(bytes memory wire, uint256 n) internal pure override {
        for (uint256 i = 0; i < n; ++i) {
            if (bytes20(_word(wire, 4 + 20 * i)) == bytes20(0)) revert InvalidMemberKey(i);
        }
    }

    /// The member data: the addresses, 20 bytes each.
    function _writeMembers(bytes memory wire, uint256 n) internal override returns (address a) {
        bytes memory data = new bytes(20 * n);
        assembly ("memory-safe") {
            mcopy(add(data, 32), add(wire, 36), mul(20, n))
        }
        a = _writeCode(data);
    }

    function _readCertificate(bytes calldata u, uint256 o) internal pure override returns (uint256 end) {
        if (u.length < o + 2) revert Malformed();
        uint256 count;
        assembly ("memory-safe") {
            count := shr(240, calldataload(add(u.offset, o)))
        }
        if (count > MAX_MEMBERS) revert Malformed();
        end = o + 2 + count * ENTRY_LEN;
        if (u.length < end) revert Malformed();
    }

    /// Signers strictly ascending, each read with `calldataload` (`_readCertificate` checked that
    /// every entry is in `u`).
    function _wellFormed(bytes calldata u, uint256 o) internal pure override returns (bool ascending) {
        ascending = true;
        assembly ("memory-safe") {
            let e := add(u.offset, o)
            let count := shr(240, calldataload(e))
            e := add(e, 2)
            let prev := 0
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                let signer := shr(240, calldataload(e))
                if and(gt(i, 0), iszero(gt(signer, prev))) {
                    ascending := 0
                    break
                }
                prev := signer
                e := add(e, ENTRY_LEN)
            }
        }
    }

    /// The certificate at `o`, whose length `_readCertificate` checked, in assembly: entries
    /// `signer u16 | r | s | v u8` read with `calldataload`, `ecrecover` called on scratch memory
    /// past the free memory pointer, no calldata slices and no allocation per signature. The
    /// checks and their order are those of the Rust kind: signers ascending (`Malformed`), every
    /// signer in range (the first that is not), enough signers, then per entry in order: `v`, low
    /// `s`, the recovered address is the signer's. On the way to a success, ascending order and
    /// range are checked entry by entry in the one loop that verifies; any failure first scans
    /// the whole certificate for the checks that come before it.
    function _verify(bytes memory signBytes, bytes calldata u, uint256 o, uint256 st) internal view override {
        uint256 count;
        uint256 n = _sizeOf(st);
        uint256 t = _thresholdOf(st);
        assembly ("memory-safe") {
            count := shr(240, calldataload(add(u.offset, o)))
        }
        if (count < t) {
            _refuseEarlier(u, o, n);
            revert InsufficientSigners(count, t);
        }
        bytes32 digest = keccak256(signBytes);
        bytes memory members = _readCode(_members(st), 0, 20 * n);
        // The first failing entry: its signer and which check failed (0: none; 4: not above the
        // one before or out of range, which `_refuseEarlier` names).
        uint256 failed;
        uint256 failedSigner;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, digest)
            let e := add(add(u.offset, o), 2)
            let table := add(members, 32)
            // The least signer the next entry may name.
            let least := 0
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                let signer := shr(240, calldataload(e))
                if or(lt(signer, least), iszero(lt(signer, n))) {
                    failed := 4
                    break
                }
                least := add(signer, 1)
                let v := shr(248, calldataload(add(e, 66)))
                let sig := calldataload(add(e, 34))
                if iszero(or(eq(v, 27), eq(v, 28))) {
                    failed := 1
                    failedSigner := signer
                    break
                }
                if gt(sig, HALF_ORDER) {
                    failed := 2
                    failedSigner := signer
                    break
                }
                mstore(add(m, 32), v)
                mstore(add(m, 64), calldataload(add(e, 2)))
                mstore(add(m, 96), sig)
                mstore(0, 0)
                // The precompile answers nothing for a signature it cannot recover: 0 stays.
                if iszero(staticcall(gas(), 1, m, 128, 0, 32)) { revert(0, 0) }
                let got := mload(0)
                if or(iszero(got), iszero(eq(got, shr(96, mload(add(table, mul(20, signer))))))) {
                    failed := 3
                    break
                }
                e := add(e, ENTRY_LEN)
            }
        }
        if (failed == 0) return;
        _refuseEarlier(u, o, n);
        if (failed == 1) revert InvalidRecoveryId(failedSigner);
        if (failed == 2) revert HighS(failedSigner);
        revert InvalidSignature();
    }

    /// Reverts with the refusal of the certificate at `o` that comes before any other in the Rust
    /// kind's order, if there is one: `Malformed` if its signers do not ascend, else the first
    /// signer out of range. Called on the way to a later refusal, which it then lets through.
    function _refuseEarlier(bytes calldata u, uint256 o, uint256 n) private pure {
        _requireWellFormed(u, o);
        uint256 count;
        uint256 outOfRange = type(uint256).max;
        assembly ("memory-safe") {
            let e := add(u.offset, o)
            count := shr(240, calldataload(e))
            e := add(e, 2)
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                let signer := shr(240, calldataload(add(e, mul(i, ENTRY_LEN))))
                if iszero(lt(signer, n)) {
                    outOfRange := signer
                    break
                }
            }
        }
        if (outOfRange != type(uint256).max) revert SignerIndexOutOfRange(outOfRange, n);
    }
}
