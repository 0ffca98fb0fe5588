// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {CommitteeVerifier} from "./CommitteeVerifier.sol";
import {Bls} from "./Bls.sol";
import "../Errors.sol";

/// A BLS12-381 committee with aggregated signatures (kind 4, [STRAIT-ATTEST.BLS]): a certificate
/// is `bitmap_len u8 | bitmap | signature (192, uncompressed G2)`, verified with one pairing check
/// over the signers' aggregate key. The committee's aggregate key is computed once per epoch and
/// kept with the keys; a certificate subtracts its non-signers' keys from it, so its cost grows
/// with the number of non-signers (at most `n - threshold`), not with the committee.
contract BlsCommitteeVerifier is CommitteeVerifier {
    uint256 private constant KEY_LEN = 96;
    uint256 private constant POP_LEN = 192;
    uint256 private constant SIG_LEN = 192;
    uint256 private constant MAX_BITMAP_LEN = 32;

    constructor(uint64 source, bytes memory init) CommitteeVerifier(source, init) {}

    function _kind() internal pure override returns (uint16) {
        return 4;
    }

    function _memberLen() internal pure override returns (uint256) {
        return KEY_LEN;
    }

    function _memberWireLen() internal pure override returns (uint256) {
        return KEY_LEN + POP_LEN;
    }

    /// [STRAIT-ATTEST.4] Each key decodes to a G1 point in the subgroup, not the identity
    /// (`InvalidMemberKey`), and its proof of possession verifies under the PoP DST
    /// (`InvalidProofOfPossession`).
    function _admit(bytes memory wire, uint256 n) internal view override {
        for (uint256 i = 0; i < n; ++i) {
            uint256 src;
            assembly ("memory-safe") {
                src := add(add(wire, 36), mul(i, 288))
            }
            uint256 verdict = Bls.possession(src, src + KEY_LEN);
            if (verdict == 1) revert InvalidMemberKey(i);
            if (verdict == 2) revert InvalidProofOfPossession(i);
        }
    }

    /// The member data: the aggregate key, then each key (EIP-2537 encoding, 128 bytes each).
    function _writeMembers(bytes memory wire, uint256 n) internal override returns (address) {
        bytes memory data = new bytes(128 * (n + 1));
        uint256 agg;
        assembly ("memory-safe") {
            agg := add(data, 32)
        }
        for (uint256 i = 0; i < n; ++i) {
            uint256 src;
            assembly ("memory-safe") {
                src := add(add(wire, 36), mul(i, 288))
            }
            Bls.g1FromWire(src, agg + 128 * (i + 1));
            if (i == 0) {
                assembly ("memory-safe") {
                    mcopy(agg, add(agg, 128), 128)
                }
            } else {
                Bls.g1Add(agg, agg + 128 * (i + 1), agg);
            }
        }
        return _writeCode(data);
    }

    function _readCertificate(bytes calldata u, uint256 o) internal pure override returns (uint256) {
        if (u.length < o + 1) revert Malformed();
        uint256 len = uint8(u[o]);
        if (len > MAX_BITMAP_LEN) revert Malformed();
        uint256 end = o + 1 + len + SIG_LEN;
        if (u.length < end) revert Malformed();
        return end;
    }

    /// A bitmap certificate has no structure past its length.
    function _wellFormed(bytes calldata, uint256) internal pure override returns (bool) {
        return true;
    }

    function _verify(bytes memory signBytes, bytes calldata u, uint256 o, uint256 st) internal view override {
        uint256 n = _sizeOf(st);
        uint256 len = uint8(u[o]);
        if (len != (n + 7) / 8) revert BitmapLengthMismatch(len, (n + 7) / 8);
        bytes calldata bitmap = u[o + 1:o + 1 + len];
        if (n % 8 != 0) {
            uint256 last = uint8(bitmap[len - 1]) >> (n % 8);
            if (last != 0) {
                uint256 index = n;
                while (last & 1 == 0) {
                    last >>= 1;
                    ++index;
                }
                revert SignerIndexOutOfRange(index, n);
            }
        }
        uint256 signers;
        for (uint256 i = 0; i < len; ++i) {
            uint256 b = uint8(bitmap[i]);
            b = b - ((b >> 1) & 0x55);
            b = (b & 0x33) + ((b >> 2) & 0x33);
            signers += (b + (b >> 4)) & 0x0f;
        }
        uint256 t = _thresholdOf(st);
        if (signers < t) revert InsufficientSigners(signers, t);

        uint256 agg = _signersKey(bitmap, n, _members(st));
        _checkSignature(signBytes, agg, u, o + 1 + len);
    }

    /// The signers' aggregate key (EIP-2537, in memory): the committee's minus the non-signers'.
    /// Memory: `agg | acc | key`, so that G1ADD reads `acc | key` and then `agg | acc` in place.
    function _signersKey(bytes calldata bitmap, uint256 n, address data) private view returns (uint256 agg) {
        bytes memory buf = new bytes(128 * 3);
        uint256 pHi = Bls.P_HI;
        uint256 pLo = Bls.P_LO;
        assembly ("memory-safe") {
            agg := add(buf, 32)
            let acc := add(agg, 128)
            let key := add(acc, 128)
            extcodecopy(data, agg, 1, 128)
            let any := 0
            let bits := bitmap.offset
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                if iszero(and(byte(0, calldataload(add(bits, shr(3, i)))), shl(and(i, 7), 1))) {
                    switch any
                    case 0 {
                        extcodecopy(data, acc, add(1, mul(add(i, 1), 128)), 128)
                        any := 1
                    }
                    default {
                        extcodecopy(data, key, add(1, mul(add(i, 1), 128)), 128)
                        if iszero(staticcall(gas(), 0x0b, acc, 256, acc, 128)) { revert(0, 0) }
                    }
                }
            }
            if any {
                // acc := -acc (y := p - y; a sum of admitted keys is never the identity here,
                // and the identity, y = 0, is left as it is).
                let yHi := mload(add(acc, 64))
                let yLo := mload(add(acc, 96))
                if or(yHi, yLo) {
                    mstore(add(acc, 96), sub(pLo, yLo))
                    mstore(add(acc, 64), sub(sub(pHi, yHi), lt(pLo, yLo)))
                }
                if iszero(staticcall(gas(), 0x0b, agg, 256, agg, 128)) { revert(0, 0) }
            }
        }
    }

    function _checkSignature(bytes memory signBytes, uint256 agg, bytes calldata u, uint256 o) private view {
        bytes memory sigBuf = new bytes(256);
        uint256 sig;
        uint256 sigOffset;
        assembly ("memory-safe") {
            sig := add(sigBuf, 32)
            sigOffset := add(u.offset, o)
        }
        if (!Bls.g2FromCalldata(sigOffset, sig)) revert InvalidSignature();
        bytes memory h = Bls.hashToG2(signBytes, "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_");
        uint256 hp;
        assembly ("memory-safe") {
            hp := add(h, 32)
        }
        if (!Bls.pairingCheck(agg, hp, sig)) revert InvalidSignature();
    }
}
