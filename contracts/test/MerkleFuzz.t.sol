// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {TestBase} from "./lib/Vm.sol";
import {MerkleHarness, PacketHarness} from "./lib/Harness.sol";
import {MerkleHash} from "../src/MerkleHash.sol";
import {Packet} from "../src/Packet.sol";
import {RootMismatch} from "../src/Errors.sol";

/// Property tests of the Solidity Merkle and packet code against naive references: the
/// incremental root against a level-by-level root, multiproofs of random leaf subsets built from
/// the full tree, and packet round trips.
contract MerkleFuzzTest is TestBase {
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
        bytes32 root = levels[32][0];
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

    /// Every level of the depth-32 tree over `leaves`, zero-padded: levels[h] holds the nodes at
    /// height h that cover at least one leaf.
    function naiveLevels(bytes32[] memory leaves) internal pure returns (bytes32[][] memory levels) {
        levels = new bytes32[][](33);
        levels[0] = leaves;
        bytes32[32] memory zero = MerkleHash.zeroHashes();
        for (uint256 h_ = 0; h_ < 32; ++h_) {
            bytes32[] memory cur = levels[h_];
            bytes32[] memory up = new bytes32[]((cur.length + 1) / 2);
            for (uint256 p = 0; p < up.length; ++p) {
                bytes32 right = 2 * p + 1 < cur.length ? cur[2 * p + 1] : zero[h_];
                up[p] = MerkleHash.node(cur[2 * p], right);
            }
            levels[h_ + 1] = up;
        }
    }

    /// The multiproof of `indices` ([STRAIT-MERKLE.6]): at each height, left to right, the sibling
    /// of every node on the union of paths whose sibling is not on it.
    function multiproof(bytes32[][] memory levels, uint256[] memory indices)
        internal
        pure
        returns (bytes memory)
    {
        bytes32[32] memory zero = MerkleHash.zeroHashes();
        bytes memory encodedIndices;
        for (uint256 i = 0; i < indices.length; ++i) {
            encodedIndices = bytes.concat(encodedIndices, bytes4(uint32(indices[i])));
        }
        bytes memory hashes;
        uint256 m = 0;
        uint256[] memory pos = indices;
        for (uint256 h_ = 0; h_ < 32; ++h_) {
            uint256[] memory up = new uint256[](pos.length);
            uint256 w = 0;
            for (uint256 r = 0; r < pos.length;) {
                uint256 p = pos[r];
                if (p % 2 == 0 && r + 1 < pos.length && pos[r + 1] == p + 1) {
                    r += 2;
                } else {
                    uint256 sib = p ^ 1;
                    hashes = bytes.concat(hashes, sib < levels[h_].length ? levels[h_][sib] : zero[h_]);
                    ++m;
                    ++r;
                }
                if (w == 0 || up[w - 1] != p >> 1) up[w++] = p >> 1;
            }
            pos = new uint256[](w);
            for (uint256 i = 0; i < w; ++i) {
                pos[i] = up[i];
            }
        }
        return bytes.concat(bytes2(uint16(indices.length)), encodedIndices, bytes4(uint32(m)), hashes);
    }
}
