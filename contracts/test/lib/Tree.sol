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

    /// The root of the tree of `levels` ([STRAIT-MERKLE.2]): its height's root hash of its top node.
    function naiveRoot(bytes32[][] memory levels) internal pure returns (bytes32) {
        uint256 k = MerkleHash.height(levels[0].length);
        return MerkleHash.root(k, levels[0].length == 0 ? bytes32(0) : levels[k][0]);
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

    /// The inclusion proof of leaf `index` ([STRAIT-MERKLE.4]): its 32 siblings, encoded.
    function inclusionProof(bytes32[][] memory levels, uint256 index)
        internal
        pure
        returns (bytes memory proof)
    {
        bytes32[32] memory zero = MerkleHash.zeroHashes();
        bytes32[32] memory siblings;
        for (uint256 h_ = 0; h_ < 32; ++h_) {
            uint256 sib = (index >> h_) ^ 1;
            siblings[h_] = sib < levels[h_].length ? levels[h_][sib] : zero[h_];
        }
        proof = encodeProof(index, siblings);
    }

    /// The canonical encoding of a path ([STRAIT-MERKLE.4]): index u32, the zero mask u32 (bit h set
    /// iff `siblings[h]` is `zero[h]`), then the other siblings, leaf first.
    function encodeProof(uint256 index, bytes32[32] memory siblings) internal pure returns (bytes memory) {
        bytes32[32] memory zero = MerkleHash.zeroHashes();
        uint256 mask;
        bytes memory present;
        for (uint256 h_ = 0; h_ < 32; ++h_) {
            if (siblings[h_] == zero[h_]) mask |= 1 << h_;
            else present = bytes.concat(present, siblings[h_]);
        }
        return bytes.concat(bytes4(uint32(index)), bytes4(uint32(mask)), present);
    }

    /// The path of an encoded proof, for a well-formed encoding: its index and all 32 siblings.
    function decodeProof(bytes memory proof)
        internal
        pure
        returns (uint256 index, bytes32[32] memory siblings)
    {
        bytes32[32] memory zero = MerkleHash.zeroHashes();
        index = uint32(bytes4(proof));
        uint256 mask;
        assembly ("memory-safe") {
            mask := shr(224, mload(add(proof, 36)))
        }
        uint256 offset = 8;
        for (uint256 h_ = 0; h_ < 32; ++h_) {
            if ((mask >> h_) & 1 == 1) {
                siblings[h_] = zero[h_];
            } else {
                bytes32 s;
                assembly ("memory-safe") {
                    s := mload(add(add(proof, 32), offset))
                }
                siblings[h_] = s;
                offset += 32;
            }
        }
    }
}
