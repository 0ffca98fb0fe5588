// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {TestBase} from "./Vm.sol";
import {Bls} from "../../src/attest/Bls.sol";

/// Deterministic attester committees for tests, built in Solidity: ECDSA members from secret keys
/// (forge's `vm.sign`), BLS members from secret scalars (keys, proofs of possession and aggregate
/// signatures computed with the EIP-2537 multiplication precompiles).
abstract contract Committees is TestBase {
    uint256 internal constant SECP_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
    uint256 internal constant BLS_R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;

    // ---- ECDSA ----

    /// Secret keys `seed + 1 ..= seed + n`, sorted by address (the committee's order).
    function ecdsaKeys(uint256 seed, uint256 n) internal pure returns (uint256[] memory keys) {
        keys = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            keys[i] = seed + i + 1;
        }
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && vm.addr(keys[j]) < vm.addr(keys[j - 1]); --j) {
                (keys[j], keys[j - 1]) = (keys[j - 1], keys[j]);
            }
        }
    }

    /// The committee's wire form.
    function ecdsaCommittee(uint256[] memory keys, uint16 threshold) internal pure returns (bytes memory c) {
        c = abi.encodePacked(threshold, uint16(keys.length));
        for (uint256 i = 0; i < keys.length; ++i) {
            c = bytes.concat(c, abi.encodePacked(vm.addr(keys[i])));
        }
    }

    /// A certificate of members `0..signers` over `message`, low s.
    function ecdsaCertificate(uint256[] memory keys, uint256 signers, bytes memory message)
        internal
        pure
        returns (bytes memory cert)
    {
        bytes32 digest = keccak256(message);
        cert = abi.encodePacked(uint16(signers));
        for (uint256 i = 0; i < signers; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
            if (uint256(s) > SECP_N / 2) {
                s = bytes32(SECP_N - uint256(s));
                v = v == 27 ? 28 : 27;
            }
            cert = bytes.concat(cert, abi.encodePacked(uint16(i), r, s, v));
        }
    }

    // ---- BLS ----

    bytes internal constant POP_DST = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    bytes internal constant SIG_DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

    /// `sk * g1`, EIP-2537 encoding.
    function blsKey(uint256 sk) internal view returns (bytes memory key) {
        bytes memory input = abi.encodePacked(
            bytes16(0),
            hex"17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb",
            bytes16(0),
            hex"08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1",
            sk
        );
        (bool ok, bytes memory out) = address(0x0c).staticcall(input);
        require(ok && out.length == 128, "G1MSM");
        return out;
    }

    /// The ZCash uncompressed encoding (96 bytes) of an EIP-2537 G1 point.
    function g1Wire(bytes memory p) internal pure returns (bytes memory) {
        return bytes.concat(slice(p, 16, 48), slice(p, 80, 48));
    }

    /// The ZCash uncompressed encoding (192 bytes) of an EIP-2537 G2 point.
    function g2Wire(bytes memory p) internal pure returns (bytes memory) {
        return bytes.concat(slice(p, 80, 48), slice(p, 16, 48), slice(p, 208, 48), slice(p, 144, 48));
    }

    function slice(bytes memory b, uint256 from, uint256 len) internal pure returns (bytes memory out) {
        out = new bytes(len);
        for (uint256 i = 0; i < len; ++i) {
            out[i] = b[from + i];
        }
    }

    /// `sk * H(message)` under `dst`, ZCash uncompressed.
    function blsSign(uint256 sk, bytes memory message, bytes memory dst)
        internal
        view
        returns (bytes memory)
    {
        bytes memory h = Bls.hashToG2(message, dst);
        (bool ok, bytes memory out) = address(0x0e).staticcall(bytes.concat(h, abi.encodePacked(sk)));
        require(ok && out.length == 256, "G2MSM");
        return g2Wire(out);
    }

    /// Secret scalars `seed + 1 ..= seed + n`, sorted by their key's stored form.
    function blsKeys(uint256 seed, uint256 n)
        internal
        view
        returns (uint256[] memory keys, bytes[] memory wires)
    {
        keys = new uint256[](n);
        wires = new bytes[](n);
        for (uint256 i = 0; i < n; ++i) {
            keys[i] = seed + i + 1;
            wires[i] = g1Wire(blsKey(keys[i]));
        }
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && below(wires[j], wires[j - 1]); --j) {
                (keys[j], keys[j - 1]) = (keys[j - 1], keys[j]);
                (wires[j], wires[j - 1]) = (wires[j - 1], wires[j]);
            }
        }
    }

    function below(bytes memory x, bytes memory y) internal pure returns (bool) {
        for (uint256 i = 0; i < x.length; ++i) {
            if (x[i] != y[i]) return x[i] < y[i];
        }
        return false;
    }

    /// The committee's wire form: each key and its proof of possession.
    function blsCommittee(uint256[] memory keys, bytes[] memory wires, uint16 threshold)
        internal
        view
        returns (bytes memory c)
    {
        c = abi.encodePacked(threshold, uint16(keys.length));
        for (uint256 i = 0; i < keys.length; ++i) {
            bytes memory compressed = slice(wires[i], 0, 48);
            bytes memory key = blsKey(keys[i]);
            uint256 k;
            assembly ("memory-safe") {
                k := add(key, 32)
            }
            compressed = Bls.g1Compressed(k);
            c = bytes.concat(c, wires[i], blsSign(keys[i], compressed, POP_DST));
        }
    }

    /// A certificate of members `0..signers` over `message`: bitmap and aggregate signature.
    function blsCertificate(uint256[] memory keys, uint256 signers, bytes memory message)
        internal
        view
        returns (bytes memory)
    {
        bytes memory bitmap = new bytes((keys.length + 7) / 8);
        uint256 sum;
        for (uint256 i = 0; i < signers; ++i) {
            bitmap[i / 8] = bytes1(uint8(bitmap[i / 8]) | uint8(1 << (i % 8)));
            sum = addmod(sum, keys[i], BLS_R);
        }
        return bytes.concat(abi.encodePacked(uint8(bitmap.length)), bitmap, blsSign(sum, message, SIG_DST));
    }
}
