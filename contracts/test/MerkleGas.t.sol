// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {TestBase} from "./lib/Vm.sol";
import {MerkleHarness} from "./lib/Harness.sol";
import {MerkleHash} from "../src/MerkleHash.sol";

/// Gas of proof verification on a destination, written to snapshots/MerkleGasTest.json: one
/// inclusion proof, and one multiproof of a batch of 64 consecutive messages (the shape a relayer's
/// batch usually has). These are static calls, which forge does not isolate: the figures are the
/// call's execution only, without the transaction's intrinsic and calldata cost.
contract MerkleGasTest is TestBase {
    MerkleHarness internal tree = new MerkleHarness();
    MerkleHarness internal verifier = new MerkleHarness();

    function test_gas_verify() external {
        uint256 k = 64;
        bytes32[] memory ids = new bytes32[](k);
        bytes memory indices;
        for (uint256 i = 0; i < k; ++i) {
            ids[i] = keccak256(abi.encodePacked(uint64(i)));
            tree.append(ids[i]);
            indices = bytes.concat(indices, bytes4(uint32(i)));
        }
        bytes32 root = tree.root();

        // The 64 leaves fill the subtree at height 6: the proof is the 26 zero hashes above it.
        bytes32[32] memory zero = MerkleHash.zeroHashes();
        bytes memory hashes;
        for (uint256 h = 6; h < 32; ++h) {
            hashes = bytes.concat(hashes, zero[h]);
        }
        bytes memory multi = bytes.concat(bytes2(uint16(k)), indices, bytes4(uint32(26)), hashes);
        verifier.verifyMultiProof(multi, ids, root);
        vm.snapshotGasLastCall("multiproof: verify a batch of 64 consecutive ids");

        // Leaf 63's inclusion proof: its 6 left siblings inside the full subtree; the 26 zero
        // hashes above are omitted (zero mask bits 6 to 31).
        bytes32[] memory level = new bytes32[](k);
        for (uint256 i = 0; i < k; ++i) {
            level[i] = MerkleHash.leaf(ids[i]);
        }
        bytes memory proof = abi.encodePacked(uint32(63), uint32(0xffffffc0));
        for (uint256 h = 0; h < 6; ++h) {
            proof = bytes.concat(proof, level[(63 >> h) ^ 1]);
            bytes32[] memory up = new bytes32[](level.length / 2);
            for (uint256 p = 0; p < up.length; ++p) {
                up[p] = MerkleHash.node(level[2 * p], level[2 * p + 1]);
            }
            level = up;
        }
        verifier.verifyProof(ids[63], proof, root);
        vm.snapshotGasLastCall("inclusion proof: verify one id");
    }
}
