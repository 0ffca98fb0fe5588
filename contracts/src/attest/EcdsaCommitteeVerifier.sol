// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {CommitteeVerifier} from "./CommitteeVerifier.sol";
import "../Errors.sol";

/// A committee of EVM addresses signing with secp256k1 ECDSA (kind 2, [STRAIT-ATTEST.ECDSA]):
/// a certificate is `count u16 | count x (signer u16 | r | s | v)`, signers strictly ascending,
/// each signature checked with `ecrecover` over `keccak256(sign bytes)`.
contract EcdsaCommitteeVerifier is CommitteeVerifier {
    uint256 private constant SIG_LEN = 65;
    uint256 private constant ENTRY_LEN = 2 + SIG_LEN;
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

    function _readCertificate(bytes calldata u, uint256 o) internal pure override returns (uint256) {
        if (u.length < o + 2) revert Malformed();
        uint256 count = uint16(bytes2(u[o:o + 2]));
        if (count > MAX_MEMBERS) revert Malformed();
        o += 2;
        if (u.length < o + count * ENTRY_LEN) revert Malformed();
        uint256 prev;
        for (uint256 i = 0; i < count; ++i) {
            uint256 signer = uint16(bytes2(u[o:o + 2]));
            if (i > 0 && signer <= prev) revert Malformed();
            prev = signer;
            o += ENTRY_LEN;
        }
        return o;
    }

    function _verify(bytes memory signBytes, bytes calldata u, uint256 o) internal view override {
        uint256 count = uint16(bytes2(u[o:o + 2]));
        o += 2;
        uint256 n = size;
        for (uint256 i = 0; i < count; ++i) {
            uint256 signer = uint16(bytes2(u[o + i * ENTRY_LEN:o + i * ENTRY_LEN + 2]));
            if (signer >= n) revert SignerIndexOutOfRange(signer, n);
        }
        if (count < threshold) revert InsufficientSigners(count, threshold);
        bytes32 digest = keccak256(signBytes);
        bytes memory members = _readCode(membersData, 0, 20 * n);
        // Each entry `signer u16 | r | s | v u8` read with `calldataload` (`_readCertificate`
        // checked that every entry is in `u`) and `ecrecover` called on scratch memory past the
        // free memory pointer: no calldata slices, no allocation per signature.
        for (uint256 i = 0; i < count; ++i) {
            uint256 signer;
            uint256 r;
            uint256 s;
            uint256 v;
            uint256 p = o + i * ENTRY_LEN;
            assembly ("memory-safe") {
                let e := add(u.offset, p)
                signer := shr(240, calldataload(e))
                r := calldataload(add(e, 2))
                s := calldataload(add(e, 34))
                v := shr(248, calldataload(add(e, 66)))
            }
            if (v != 27 && v != 28) revert InvalidRecoveryId(signer);
            if (s > HALF_ORDER) revert HighS(signer);
            address got;
            assembly ("memory-safe") {
                let m := mload(0x40)
                mstore(m, digest)
                mstore(add(m, 32), v)
                mstore(add(m, 64), r)
                mstore(add(m, 96), s)
                mstore(0, 0)
                // The precompile answers nothing for a signature it cannot recover: 0 stays.
                if iszero(staticcall(gas(), 1, m, 128, 0, 32)) { revert(0, 0) }
                got := mload(0)
            }
            if (got == address(0) || got != address(bytes20(_word(members, 20 * signer)))) {
                revert InvalidSignature();
            }
        }
    }
}
