// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {VectorTest} from "./lib/Vectors.sol";
import {MerkleHarness} from "./lib/Harness.sol";

/// Multiproofs of docs/vectors/merkle.json ([STRAIT-MERKLE.6], [STRAIT-MERKLE.7]): the golden proof,
/// every decode case (by `MerkleMultiProof.check`) and every verify case, up to k = 4,096.
contract MerkleMultiProofVectorsTest is VectorTest {
    string internal json = vectors("merkle.json");
    MerkleHarness internal h = new MerkleHarness();

    function test_golden_multiproof() external view {
        bytes memory proof = vm.parseJsonBytes(json, ".multiproof.encoding");
        uint256[] memory indices = vm.parseJsonUintArray(json, ".multiproof.leaf_indices");
        bytes32[] memory ids = new bytes32[](indices.length);
        for (uint256 i = 0; i < indices.length; ++i) {
            ids[i] = vm.parseJsonBytes32(json, item(".multiproof.ids", i));
            vm.assertEq(ids[i], idOf(indices[i]), "the proven ids are id_i");
        }
        h.checkMultiProof(proof);
        h.verifyMultiProof(proof, ids, vm.parseJsonBytes32(json, ".multiproof.root"));
    }

    function test_negative_multiproof_decode() external view {
        string memory key = ".negative.multiproof_decode";
        uint256 n = count(json, key);
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(key, i);
            bytes memory enc = vm.parseJsonBytes(json, string.concat(c, ".encoding"));
            (bool ok, bytes memory ret) =
                address(h).staticcall(abi.encodeCall(MerkleHarness.checkMultiProof, (enc)));
            assertOutcome(ok, ret, errorName(json, c), vm.parseJsonString(json, string.concat(c, ".name")));
        }
    }

    function test_negative_multiproof_verify() external view {
        string memory key = ".negative.multiproof_verify";
        uint256 n = count(json, key);
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(key, i);
            (bool ok, bytes memory ret) = address(h)
                .staticcall(
                    abi.encodeCall(
                        MerkleHarness.verifyMultiProof,
                        (
                            vm.parseJsonBytes(json, string.concat(c, ".encoding")),
                            ids(json, string.concat(c, ".ids")),
                            vm.parseJsonBytes32(json, string.concat(c, ".root"))
                        )
                    )
                );
            assertOutcome(ok, ret, errorName(json, c), vm.parseJsonString(json, string.concat(c, ".name")));
        }
    }

    /// Each decode case that `check` rejects, `verify` rejects with the same name whatever the ids
    /// (here one id per index, so only the proof is at fault): the cheaper walk agrees with the
    /// decoder.
    function test_verify_names_malformed_proofs_as_the_decoder_does() external view {
        string memory key = ".negative.multiproof_decode";
        uint256 n = count(json, key);
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(key, i);
            string memory err = errorName(json, c);
            if (bytes(err).length == 0) continue;
            bytes memory enc = vm.parseJsonBytes(json, string.concat(c, ".encoding"));
            uint256 k = enc.length >= 2 ? (uint256(uint8(enc[0])) << 8) | uint8(enc[1]) : 0;
            bytes32[] memory anyIds = new bytes32[](k <= 4096 ? k : 0);
            (bool ok, bytes memory ret) = address(h)
                .staticcall(abi.encodeCall(MerkleHarness.verifyMultiProof, (enc, anyIds, bytes32(0))));
            assertOutcome(
                ok, ret, err, string.concat("verify: ", vm.parseJsonString(json, string.concat(c, ".name")))
            );
        }
    }
}
