// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

/// BLS12-381 over the EIP-2537 precompiles, "minimal public key" variant ([STRAIT-ATTEST.BLS]):
/// keys in G1, signatures in G2, hash to G2 by RFC 9380 (`BLS12381G2_XMD:SHA-256_SSWU_RO_`:
/// expand_message_xmd with the SHA-256 precompile, hash_to_field by MODEXP, MAP_FP2_TO_G2, which
/// clears the cofactor, then G2ADD).
///
/// Points are kept in EIP-2537's encoding (each field element in 64 bytes, 16 zero bytes first;
/// Fp2 as `c0 | c1`); the wire carries them in the ZCash uncompressed encoding (`x | y`, Fp2 as
/// `c1 | c0`, 48 bytes each, the three flag bits clear).
library Bls {
    address internal constant G1ADD = address(0x0b);
    address internal constant G1MSM = address(0x0c);
    address internal constant G2ADD = address(0x0d);
    address internal constant PAIRING = address(0x0f);
    address internal constant MAP_FP2_TO_G2 = address(0x11);
    address internal constant MODEXP = address(0x05);

    /// The base field modulus p, in two words (the high 128 bits, the low 256).
    uint256 internal constant P_HI = 0x1a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 internal constant P_LO = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;
    /// (p - 1) / 2: a y above it is the "larger" root (the sign flag of a compressed point).
    uint256 internal constant HALF_HI = 0x0d0088f51cbff34d258dd3db21a5d66b;
    uint256 internal constant HALF_LO = 0xb23ba5c279c2895fb39869507b587b120f55ffff58a9ffffdcff7fffffffd555;
    /// The negated G1 generator, EIP-2537 encoding.
    uint256 internal constant NG1_X_HI = 0x17f1d3a73197d7942695638c4fa9ac0f;
    uint256 internal constant NG1_X_LO = 0xc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb;
    uint256 internal constant NG1_Y_HI = 0x114d1d6855d545a8aa7d76c8cf2e21f2;
    uint256 internal constant NG1_Y_LO = 0x67816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca;

    /// A G1 point from its 96-byte ZCash uncompressed encoding at `src` (memory) to EIP-2537 at
    /// `dst` (128 bytes). False when a flag bit is set.
    function g1FromWire(uint256 src, uint256 dst) internal pure returns (bool ok) {
        assembly ("memory-safe") {
            ok := iszero(and(byte(0, mload(src)), 0xe0))
            mstore(dst, 0)
            mcopy(add(dst, 16), src, 48)
            mstore(add(dst, 64), 0)
            mcopy(add(dst, 80), add(src, 48), 48)
        }
    }

    /// A G2 point from its 192-byte ZCash uncompressed encoding at calldata `src` to EIP-2537 at
    /// `dst` (256 bytes). False when a flag bit is set or the point is the identity (all zero).
    function g2FromCalldata(uint256 src, uint256 dst) internal pure returns (bool ok) {
        assembly ("memory-safe") {
            ok := iszero(and(byte(0, calldataload(src)), 0xe0))
            // x.c1 | x.c0 | y.c1 | y.c0 -> x.c0 | x.c1 | y.c0 | y.c1
            mstore(dst, 0)
            calldatacopy(add(dst, 16), add(src, 48), 48)
            mstore(add(dst, 64), 0)
            calldatacopy(add(dst, 80), src, 48)
            mstore(add(dst, 128), 0)
            calldatacopy(add(dst, 144), add(src, 144), 48)
            mstore(add(dst, 192), 0)
            calldatacopy(add(dst, 208), add(src, 96), 48)
            let any := 0
            for { let i := 0 } lt(i, 256) { i := add(i, 32) } { any := or(any, mload(add(dst, i))) }
            ok := and(ok, iszero(iszero(any)))
        }
    }

    /// As `g2FromCalldata`, from memory.
    function g2FromMemory(uint256 src, uint256 dst) internal pure returns (bool ok) {
        assembly ("memory-safe") {
            ok := iszero(and(byte(0, mload(src)), 0xe0))
            mstore(dst, 0)
            mcopy(add(dst, 16), add(src, 48), 48)
            mstore(add(dst, 64), 0)
            mcopy(add(dst, 80), src, 48)
            mstore(add(dst, 128), 0)
            mcopy(add(dst, 144), add(src, 144), 48)
            mstore(add(dst, 192), 0)
            mcopy(add(dst, 208), add(src, 96), 48)
            let any := 0
            for { let i := 0 } lt(i, 256) { i := add(i, 32) } { any := or(any, mload(add(dst, i))) }
            ok := and(ok, iszero(iszero(any)))
        }
    }

    /// Whether the EIP-2537 G1 point at `p` decodes, is on the curve and in the subgroup, and is not
    /// the identity (G1MSM by 1 checks all but the last).
    function g1Valid(uint256 p) internal view returns (bool ok) {
        assembly ("memory-safe") {
            let buf := mload(0x40)
            mcopy(buf, p, 128)
            mstore(add(buf, 128), 1)
            ok := staticcall(gas(), 0x0c, buf, 160, buf, 128)
            let any := or(or(mload(buf), mload(add(buf, 32))), or(mload(add(buf, 64)), mload(add(buf, 96))))
            ok := and(ok, iszero(iszero(any)))
        }
    }

    /// The 48-byte compressed encoding of the EIP-2537 G1 point at `p` (not the identity).
    function g1Compressed(uint256 p) internal pure returns (bytes memory out) {
        out = new bytes(48);
        assembly ("memory-safe") {
            let yHi := mload(add(p, 64))
            let yLo := mload(add(p, 96))
            let larger := or(gt(yHi, HALF_HI), and(eq(yHi, HALF_HI), gt(yLo, HALF_LO)))
            mcopy(add(out, 32), add(p, 16), 48)
            let first := byte(0, mload(add(out, 32)))
            mstore8(add(out, 32), or(or(first, 0x80), mul(larger, 0x20)))
        }
    }

    /// `a + b` for EIP-2537 G1 points at `a` and `b`, written to `dst` (may be `a`).
    function g1Add(uint256 a, uint256 b, uint256 dst) internal view {
        assembly ("memory-safe") {
            let buf := mload(0x40)
            mcopy(buf, a, 128)
            mcopy(add(buf, 128), b, 128)
            if iszero(staticcall(gas(), 0x0b, buf, 256, dst, 128)) { revert(0, 0) }
        }
    }

    /// Negates the EIP-2537 G1 point at `p` in place (the identity stays itself).
    function g1Neg(uint256 p) internal pure {
        assembly ("memory-safe") {
            let yHi := mload(add(p, 64))
            let yLo := mload(add(p, 96))
            if or(yHi, yLo) {
                mstore(add(p, 96), sub(P_LO, yLo))
                mstore(add(p, 64), sub(sub(P_HI, yHi), lt(P_LO, yLo)))
            }
        }
    }

    /// Whether `e(key, h) = e(g1, sig)`: one pairing check of two pairs. `key` G1 (128 bytes), `h`
    /// and `sig` G2 (256 bytes), all EIP-2537; false when the precompile refuses a point (off the
    /// curve, outside its subgroup, a non-canonical field element).
    function pairingCheck(uint256 key, uint256 h, uint256 sig) internal view returns (bool ok) {
        assembly ("memory-safe") {
            let buf := mload(0x40)
            mcopy(buf, key, 128)
            mcopy(add(buf, 128), h, 256)
            mstore(add(buf, 384), NG1_X_HI)
            mstore(add(buf, 416), NG1_X_LO)
            mstore(add(buf, 448), NG1_Y_HI)
            mstore(add(buf, 480), NG1_Y_LO)
            mcopy(add(buf, 512), sig, 256)
            mstore(0, 0)
            ok := staticcall(gas(), 0x0f, buf, 768, 0, 32)
            ok := and(ok, eq(mload(0), 1))
        }
    }

    /// [STRAIT-LC-BLS.1], [STRAIT-ATTEST.4] The key at memory `key` (wire form, 96 bytes) is in G1's subgroup and not
    /// the identity, and the proof of possession at `pop` (192 bytes) verifies for it under the
    /// PoP DST (one hash to G2 and one pairing): 0 both hold, 1 the key fails, 2 the proof fails.
    function possession(uint256 key, uint256 pop) internal view returns (uint256) {
        bytes memory keyBuf = new bytes(128);
        bytes memory popBuf = new bytes(256);
        uint256 k;
        uint256 p;
        assembly ("memory-safe") {
            k := add(keyBuf, 32)
            p := add(popBuf, 32)
        }
        if (!g1FromWire(key, k) || !g1Valid(k)) return 1;
        bytes memory h = hashToG2(g1Compressed(k), "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_");
        uint256 hp;
        assembly ("memory-safe") {
            hp := add(h, 32)
        }
        if (!g2FromMemory(pop, p) || !pairingCheck(k, hp, p)) return 2;
        return 0;
    }

    /// RFC 9380 hash_to_curve to G2 of `message` under `dst` (at most 255 bytes), EIP-2537 encoding
    /// (256 bytes): `map(u0) + map(u1)`, MAP_FP2_TO_G2 clearing the cofactor of each.
    function hashToG2(bytes memory message, bytes memory dst) internal view returns (bytes memory out) {
        bytes memory u = hashToFieldFp2(message, dst);
        out = new bytes(256);
        assembly ("memory-safe") {
            let q := mload(0x40)
            let ok := staticcall(gas(), 0x11, add(u, 32), 128, q, 256)
            ok := and(ok, staticcall(gas(), 0x11, add(u, 160), 128, add(q, 256), 256))
            ok := and(ok, staticcall(gas(), 0x0d, q, 512, add(out, 32), 256))
            if iszero(ok) { revert(0, 0) }
        }
    }

    /// RFC 9380 hash_to_field, two elements of Fp2 (`u0.c0 | u0.c1 | u1.c0 | u1.c1`, EIP-2537
    /// encoding): four 64-byte chunks of expand_message_xmd, each reduced mod p by MODEXP.
    function hashToFieldFp2(bytes memory message, bytes memory dst) internal view returns (bytes memory u) {
        bytes memory uniform = expandMessageXmd(message, dst);
        u = new bytes(256);
        assembly ("memory-safe") {
            let buf := mload(0x40)
            mstore(buf, 64)
            mstore(add(buf, 32), 1)
            mstore(add(buf, 64), 48)
            // base (64 bytes at 96), exponent 1 (at 160), p (48 bytes at 161): 209 bytes.
            mstore(add(buf, 161), shl(128, P_HI))
            mstore(add(buf, 177), P_LO)
            let ok := 1
            for { let i := 0 } lt(i, 4) { i := add(i, 1) } {
                mcopy(add(buf, 96), add(add(uniform, 32), mul(i, 64)), 64)
                mstore8(add(buf, 160), 1)
                let dstp := add(add(u, 32), mul(i, 64))
                mstore(dstp, 0)
                ok := and(ok, staticcall(gas(), 0x05, buf, 209, add(dstp, 16), 48))
            }
            if iszero(ok) { revert(0, 0) }
        }
    }

    /// RFC 9380 expand_message_xmd with SHA-256, 256 bytes out: `b0 = H(Z_pad || msg || 0x0100 ||
    /// 0x00 || DST')`, `b1 = H(b0 || 1 || DST')`, `bi = H((b0 xor b(i-1)) || i || DST')`, with
    /// `DST' = dst || len(dst)` (`dst` at most 255 bytes).
    function expandMessageXmd(bytes memory message, bytes memory dst)
        internal
        view
        returns (bytes memory out)
    {
        require(dst.length <= 255);
        out = new bytes(256);
        assembly ("memory-safe") {
            let dlen := mload(dst)
            let mlen := mload(message)
            let buf := mload(0x40)
            mstore(buf, 0)
            mstore(add(buf, 32), 0)
            mcopy(add(buf, 64), add(message, 32), mlen)
            let p := add(buf, add(64, mlen))
            mstore8(p, 1)
            mstore8(add(p, 1), 0)
            mstore8(add(p, 2), 0)
            mcopy(add(p, 3), add(dst, 32), dlen)
            mstore8(add(add(p, 3), dlen), dlen)
            let len0 := add(add(64, mlen), add(4, dlen))
            if iszero(staticcall(gas(), 0x02, buf, len0, 0, 32)) { revert(0, 0) }
            let b0 := mload(0)
            let q := add(buf, add(len0, 32))
            mcopy(add(q, 33), add(dst, 32), dlen)
            mstore8(add(add(q, 33), dlen), dlen)
            let b := 0
            for { let i := 1 } lt(i, 9) { i := add(i, 1) } {
                mstore(q, xor(b0, b))
                mstore8(add(q, 32), i)
                if iszero(staticcall(gas(), 0x02, q, add(34, dlen), 0, 32)) { revert(0, 0) }
                b := mload(0)
                mstore(add(out, mul(i, 32)), b)
            }
        }
    }
}
