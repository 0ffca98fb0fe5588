// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {MerkleHash} from "../../src/MerkleHash.sol";

/// Naive reference trees and the proofs a relayer builds from them: every level of the tree, an
/// inclusion proof ([STRAIT-MERKLE.4]) and a multiproof ([STRAIT-MERKLE.6]).
abstract contract TreeBuilder {
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

    /// The inclusion proof of leaf `index`: index u32, then its 32 siblings, leaf first.
    function inclusionProof(bytes32[][] memory levels, uint256 index)
        internal
        pure
        returns (bytes memory proof)
    {
        bytes32[32] memory zero = MerkleHash.zeroHashes();
        proof = abi.encodePacked(uint32(index));
        for (uint256 h_ = 0; h_ < 32; ++h_) {
            uint256 sib = (index >> h_) ^ 1;
            proof = bytes.concat(proof, sib < levels[h_].length ? levels[h_][sib] : zero[h_]);
        }
    }
}
