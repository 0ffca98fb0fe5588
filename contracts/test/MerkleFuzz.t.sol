// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {TestBase} from "./lib/Vm.sol";
import {TreeBuilder} from "./lib/Tree.sol";
import {MerkleHarness, PacketHarness} from "./lib/Harness.sol";
import {MerkleHash} from "../src/MerkleHash.sol";
import {Packet} from "../src/Packet.sol";
import {RootMismatch} from "../src/Errors.sol";

/// Property tests of the Solidity Merkle and packet code against naive references: the
/// incremental root against a level-by-level root, multiproofs of random leaf subsets built from
/// the full tree, and packet round trips.
contract MerkleFuzzTest is TestBase, TreeBuilder {
    MerkleHarness internal h = new MerkleHarness();
    PacketHarness internal codec = new PacketHarness();

    /// The outbox root after n appends is the naive root of the n leaves, and a multiproof of any
    /// subset (chosen by `mask`) verifies against it, with exactly the hash count the decoder
    /// requires, and fails for a wrong id.
    function testFuzz_incremental_root_and_multiproofs(uint8 size, uint256 mask, bytes32 salt) external {
        uint256 n = 1 + (size % 64);
        bytes32[] memory ids = new bytes32[](n);
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            ids[i] = keccak256(abi.encode(salt, i));
            leaves[i] = MerkleHash.leaf(ids[i]);
            h.append(ids[i]);
        }
        bytes32[][] memory levels = naiveLevels(leaves);
        bytes32 root = naiveRoot(levels);
        vm.assertEq(h.root(), root, "incremental root");

        uint256 k = 0;
        for (uint256 i = 0; i < n; ++i) {
            if ((mask >> i) & 1 == 1) ++k;
        }
        if (k == 0) {
            mask |= 1 << (n - 1);
            k = 1;
        }
        uint256[] memory indices = new uint256[](k);
        bytes32[] memory proven = new bytes32[](k);
        uint256 j = 0;
        for (uint256 i = 0; i < n; ++i) {
            if ((mask >> i) & 1 == 1) (indices[j], proven[j++]) = (i, ids[i]);
        }
        bytes memory proof = multiproof(levels, indices);
        h.checkMultiProof(proof);
        h.verifyMultiProof(proof, proven, root);
        proven[k / 2] = keccak256("another id");
        (bool ok, bytes memory ret) =
            address(h).staticcall(abi.encodeCall(MerkleHarness.verifyMultiProof, (proof, proven, root)));
        vm.assertTrue(!ok && bytes4(ret) == RootMismatch.selector, "a wrong id is a RootMismatch");
    }

    /// Any packet within the bounds encodes and decodes to itself.
    function testFuzz_packet_round_trip(Packet memory p) external view {
        vm.assume(p.nonce != 0 && p.payload.length <= 65_536);
        Packet memory q = codec.decode(codec.encode(p));
        vm.assertEq(abi.encode(q), abi.encode(p), "round trip");
    }
}
