// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {VectorTest} from "./lib/Vectors.sol";
import {TreeBuilder} from "./lib/Tree.sol";
import {MerkleHarness} from "./lib/Harness.sol";
import {MerkleHash} from "../src/MerkleHash.sol";
import {MerkleTree} from "../src/MerkleTree.sol";
import {IndexOutOfRange, RootMismatch} from "../src/Errors.sol";

/// docs/vectors/merkle.json (SPEC §3), the file `crates/core/merkle/tests/it` reads: hashes, the
/// incremental outbox, its state encoding and inclusion proofs.
contract MerkleTreeVectorsTest is VectorTest, TreeBuilder {
    string internal json = vectors("merkle.json");

    function test_depth() external view {
        vm.assertEq(vm.parseJsonUint(json, ".depth"), MerkleHash.DEPTH, "depth");
    }

    function test_leaf_and_node_hash() external view {
        vm.assertEq(
            MerkleHash.leaf(vm.parseJsonBytes32(json, ".leaf_hash.id")),
            vm.parseJsonBytes32(json, ".leaf_hash.hash"),
            "leaf hash"
        );
        vm.assertEq(
            MerkleHash.node(
                vm.parseJsonBytes32(json, ".node_hash.left"), vm.parseJsonBytes32(json, ".node_hash.right")
            ),
            vm.parseJsonBytes32(json, ".node_hash.hash"),
            "node hash"
        );
    }

    /// The constants are zero[h] by definition, and agree with the vectors' levels.
    function test_zero_hashes() external view {
        bytes32[32] memory zero = MerkleHash.zeroHashes();
        bytes32 z = bytes32(0);
        for (uint256 h = 0; h < 32; ++h) {
            vm.assertEq(zero[h], z, string.concat("zero[", vm.toString(h), "]"));
            z = MerkleHash.node(z, z);
        }
        vm.assertEq(MerkleHash.EMPTY_ROOT, MerkleHash.root(0, bytes32(0)), "the empty tree's root");
        vm.assertEq(MerkleHash.EMPTY_ROOT, vm.parseJsonBytes32(json, ".roots[0].root"), "empty root vector");
        uint256 n = count(json, ".zero_hashes");
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(".zero_hashes", i);
            uint256 level = vm.parseJsonUint(json, string.concat(c, ".level"));
            bytes32 want = vm.parseJsonBytes32(json, string.concat(c, ".hash"));
            vm.assertEq(level == 32 ? z : zero[level], want, string.concat(c, " zero hash"));
        }
    }

    /// The outbox root after appending id_0 .. id_{n-1}, at every size the vectors list.
    function test_root_hash_and_heights() external view {
        vm.assertEq(
            MerkleHash.root(
                vm.parseJsonUint(json, ".root_hash.height"), vm.parseJsonBytes32(json, ".root_hash.top")
            ),
            vm.parseJsonBytes32(json, ".root_hash.hash"),
            "root hash"
        );
        uint256 n = count(json, ".roots");
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(".roots", i);
            vm.assertEq(
                MerkleHash.height(vm.parseJsonUint(json, string.concat(c, ".leaf_count"))),
                vm.parseJsonUint(json, string.concat(c, ".height")),
                string.concat(c, " height")
            );
        }
        vm.assertEq(MerkleHash.height(1 << 32), 32, "height of 2^32");
        vm.assertEq(MerkleHash.height((1 << 31) + 1), 32, "height of 2^31 + 1");
        vm.assertEq(MerkleHash.height(1 << 31), 31, "height of 2^31");
    }

    function test_roots_of_the_incremental_tree() external {
        MerkleHarness tree = new MerkleHarness();
        uint256 n = count(json, ".roots");
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(".roots", i);
            uint256 size = vm.parseJsonUint(json, string.concat(c, ".leaf_count"));
            if (size < tree.count()) tree = new MerkleHarness();
            while (tree.count() < size) {
                vm.assertEq(tree.append(idOf(tree.count())), tree.count() - 1, "leaf index");
            }
            vm.assertEq(
                tree.root(), vm.parseJsonBytes32(json, string.concat(c, ".root")), string.concat(c, " root")
            );
        }
    }

    function test_incremental_state_encoding() external {
        MerkleHarness tree = new MerkleHarness();
        uint256 size = vm.parseJsonUint(json, ".incremental_state.leaf_count");
        for (uint256 i = 0; i < size; ++i) {
            tree.append(idOf(i));
        }
        bytes memory enc = vm.parseJsonBytes(json, ".incremental_state.encoding");
        bytes32 root = vm.parseJsonBytes32(json, ".incremental_state.root");
        vm.assertEq(tree.state(), enc, "state encoding");
        vm.assertEq(tree.root(), root, "root");
        MerkleHarness loaded = new MerkleHarness();
        loaded.load(enc);
        vm.assertEq(loaded.state(), enc, "state re-encoding");
        vm.assertEq(loaded.root(), root, "root of the loaded state");
        // Both go on to the same tree.
        tree.append(idOf(size));
        loaded.append(idOf(size));
        vm.assertEq(loaded.root(), tree.root(), "root after one more append");
    }

    function test_inclusion_proofs() external {
        MerkleHarness h = new MerkleHarness();
        uint256 n = count(json, ".inclusion_proofs");
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(".inclusion_proofs", i);
            bytes memory proof = vm.parseJsonBytes(json, string.concat(c, ".encoding"));
            bytes32 id = vm.parseJsonBytes32(json, string.concat(c, ".id"));
            bytes32 root = vm.parseJsonBytes32(json, string.concat(c, ".root"));
            uint256 index = vm.parseJsonUint(json, string.concat(c, ".leaf_index"));
            vm.assertEq(id, idOf(index), "the proven id is id_i");
            vm.assertEq(h.verifyProof(id, proof, root), index, string.concat(c, " leaf index"));
            // The decoded path gives the same root.
            (uint256 decoded, bytes32[32] memory siblings) = decodeProof(proof);
            vm.assertEq(decoded, index, string.concat(c, " decoded index"));
            vm.assertEq(encodeProof(index, siblings), proof, string.concat(c, " re-encoding"));
            vm.assertEq(h.rootOfPath(id, index, siblings), root, string.concat(c, " root of the path"));
        }
    }

    /// A proof built from the live outbox verifies against its root, for every leaf of a tree of
    /// 13, and fails for every other leaf's id.
    function test_proofs_of_every_leaf_against_the_outbox_root() external {
        MerkleHarness h = new MerkleHarness();
        uint256 size = 13;
        bytes32[] memory level = new bytes32[](size);
        for (uint256 i = 0; i < size; ++i) {
            h.append(idOf(i));
            level[i] = MerkleHash.leaf(idOf(i));
        }
        bytes32 root = h.root();
        for (uint256 i = 0; i < size; ++i) {
            bytes memory proof = naiveProof(level, i);
            vm.assertEq(h.verifyProof(idOf(i), proof, root), i, "leaf index");
            bytes32 other = idOf((i + 1) % size);
            (bytes32 got,) = h.proofRoot(other, proof);
            vm.expectRevert(abi.encodeWithSelector(RootMismatch.selector, got, root));
            h.verifyProof(other, proof, root);
        }
    }

    function test_path_index_at_and_past_2_pow_32() external {
        MerkleHarness h = new MerkleHarness();
        bytes32[32] memory siblings;
        h.rootOfPath(bytes32(0), (1 << 32) - 1, siblings);
        vm.expectRevert(IndexOutOfRange.selector);
        h.rootOfPath(bytes32(0), 1 << 32, siblings);
    }

    function test_negative_inclusion_proof_decode() external {
        MerkleHarness h = new MerkleHarness();
        string memory key = ".negative.inclusion_proof_decode";
        uint256 n = count(json, key);
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(key, i);
            bytes memory enc = vm.parseJsonBytes(json, string.concat(c, ".encoding"));
            (bool ok, bytes memory ret) =
                address(h).staticcall(abi.encodeCall(MerkleHarness.proofRoot, (bytes32(0), enc)));
            assertOutcome(ok, ret, errorName(json, c), vm.parseJsonString(json, string.concat(c, ".name")));
        }
    }

    function test_negative_inclusion_proof_verify() external {
        MerkleHarness h = new MerkleHarness();
        string memory key = ".negative.inclusion_proof_verify";
        uint256 n = count(json, key);
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(key, i);
            (bool ok, bytes memory ret) = address(h)
                .staticcall(
                    abi.encodeCall(
                        MerkleHarness.verifyProof,
                        (
                            vm.parseJsonBytes32(json, string.concat(c, ".id")),
                            vm.parseJsonBytes(json, string.concat(c, ".encoding")),
                            vm.parseJsonBytes32(json, string.concat(c, ".root"))
                        )
                    )
                );
            assertOutcome(ok, ret, errorName(json, c), vm.parseJsonString(json, string.concat(c, ".name")));
        }
    }

    function test_negative_incremental_state_decode() external {
        string memory key = ".negative.incremental_state_decode";
        uint256 n = count(json, key);
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(key, i);
            MerkleHarness h = new MerkleHarness();
            bytes memory enc = vm.parseJsonBytes(json, string.concat(c, ".encoding"));
            string memory label = vm.parseJsonString(json, string.concat(c, ".name"));
            (bool ok, bytes memory ret) = address(h).call(abi.encodeCall(MerkleHarness.load, (enc)));
            assertOutcome(ok, ret, errorName(json, c), label);
            if (ok) vm.assertEq(h.state(), enc, string.concat(label, ": re-encoding"));
        }
    }

    function test_negative_incremental_append() external {
        string memory key = ".negative.incremental_append";
        uint256 n = count(json, key);
        for (uint256 i = 0; i < n; ++i) {
            string memory c = item(key, i);
            MerkleHarness h = new MerkleHarness();
            h.load(vm.parseJsonBytes(json, string.concat(c, ".state")));
            bytes32 id = vm.parseJsonBytes32(json, string.concat(c, ".id"));
            (bool ok, bytes memory ret) = address(h).call(abi.encodeCall(MerkleHarness.append, (id)));
            assertOutcome(ok, ret, errorName(json, c), vm.parseJsonString(json, string.concat(c, ".name")));
            if (ok) vm.assertEq(h.count(), MerkleTree.MAX_LEAVES, "the tree is full");
        }
    }

    /// An inclusion proof computed level by level from all leaves, the naive reference.
    function naiveProof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes memory proof) {
        return inclusionProof(naiveLevels(leaves), index);
    }
}
