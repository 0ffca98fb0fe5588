// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {Committees} from "./Committees.sol";
import {NativeLightClient} from "../../src/lc/NativeLightClient.sol";
import {NativeLcInit} from "./NativeLcInit.sol";
import {Bls} from "../../src/attest/Bls.sol";

/// A native chain's BLS validator set built in Solidity (keys, proofs of possession, aggregate
/// signatures with the EIP-2537 precompiles), a client trusting it, and headers it signs.
abstract contract NativeLcSigner is Committees {
    uint256[] internal sk;
    bytes internal setWire;
    bytes32 internal setHash;

    /// The BLS set of `n` validators of power 10 (wire form, with proofs of possession) and its
    /// [STRAIT-LC-BLS.1] hash.
    function buildSet(uint256 n) internal {
        (uint256[] memory keys, bytes[] memory wires) = blsKeys(0x4e4154495645, n);
        sk = keys;
        bytes memory wire = abi.encodePacked(uint32(n));
        bytes memory hashed = abi.encodePacked("STRAIT/BLS-VALSET/v1", uint32(n));
        for (uint256 i = 0; i < n; ++i) {
            bytes memory key = blsKey(keys[i]);
            uint256 k;
            assembly ("memory-safe") {
                k := add(key, 32)
            }
            bytes memory pop = blsSign(keys[i], Bls.g1Compressed(k), POP_DST);
            wire = bytes.concat(wire, wires[i], pop, abi.encodePacked(uint64(10)));
            hashed = bytes.concat(hashed, wires[i], abi.encodePacked(uint64(10)));
        }
        setWire = wire;
        setHash = keccak256(hashed);
    }

    /// Kind 5's `init` of a client trusting the set at `height` and `time` (ms), trust 1/3, two
    /// weeks.
    function clientInit(uint64 height, uint64 time) internal view returns (bytes memory) {
        bytes memory init = abi.encodePacked(
            uint64(1), uint64(3), uint64(14 days * 1000), uint64(10_000), height, time, bytes32(0), bytes32(0)
        );
        return bytes.concat(init, bytes32(0), setWire);
    }

    /// A client of `chain` trusting the set at `height` and `time` (ms), every proof admitted
    /// (the creation and `ceil(n / 40)` calls of `admitSetChunk`).
    function newClient(uint64 chain, uint64 height, uint64 time) internal returns (NativeLightClient) {
        return NativeLcInit.create(chain, clientInit(height, time));
    }

    /// `trusted u64 | BLS light block`: a header of `chain` at `h` and `time` committing to `root`,
    /// signed by validators `0..signers`, the same set next.
    function signedUpdate(uint64 chain, uint64 trusted, uint64 h, uint64 time, bytes32 root, uint256 signers)
        internal
        view
        returns (bytes memory)
    {
        bytes memory header =
            abi.encodePacked(uint8(1), chain, h, time, bytes32(uint256(1)), bytes32(uint256(2)), root);
        header = bytes.concat(header, bytes32(uint256(3)), bytes32(uint256(4)));
        bytes32 headerHash = keccak256(abi.encodePacked("STRAIT/HEADER/v1", header));
        bytes memory message =
            abi.encodePacked("STRAIT/BFT/BLS-COMMIT/v1", chain, h, headerHash, setHash, setHash);
        bytes memory bitmap = new bytes((sk.length + 7) / 8);
        uint256 sum;
        for (uint256 i = 0; i < signers; ++i) {
            bitmap[i / 8] = bytes1(uint8(bitmap[i / 8]) | uint8(1 << (i % 8)));
            sum = addmod(sum, sk[i], BLS_R);
        }
        bytes memory commit =
            bytes.concat(abi.encodePacked(uint8(bitmap.length)), bitmap, blsSign(sum, message, SIG_DST));
        return bytes.concat(abi.encodePacked(trusted), header, commit, setWire, setWire);
    }

    /// The compact form of a full update: up to the signature, then the next set's hash (here the
    /// same set).
    function compact(bytes memory u) internal view returns (bytes memory) {
        uint256 len = 8 + 185 + 1 + (sk.length + 7) / 8 + 192;
        bytes memory out = new bytes(len);
        for (uint256 i = 0; i < len; ++i) {
            out[i] = u[i];
        }
        return bytes.concat(out, setHash);
    }
}
