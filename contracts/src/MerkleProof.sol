// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {Truncated, TrailingBytes, IndexOutOfRange, RootMismatch, NonCanonicalProof} from "./Errors.sol";
import {MerkleHash} from "./MerkleHash.sol";

/// Verify an inclusion proof of a message id against a trusted outbox root
/// ([STRAIT-MERKLE.4], [STRAIT-MERKLE.5]), as `crates/core/merkle`'s `InclusionProof` does.
library MerkleProof {
    /// The root the encoded proof leads to from `id`: one leaf hash, a node hash per level of the
    /// proof's height and the root hash, read straight from calldata. The encoding
    /// ([STRAIT-MERKLE.4]) is the leaf index u32, the zero mask u32 (bit h set: `siblings[h]` is
    /// `zero[h]` and omitted), then the other siblings, leaf first. The height
    /// ([STRAIT-MERKLE.5]) is the bit length of `leaf index | ~mask`: the least `k` at least the
    /// index's bit length with every sibling at `k` and above a zero hash. The zero hashes come
    /// from `MerkleHash.ZERO_TABLE` (one copy to memory). Checks, in order: exactly `8 + 32 * (32 -
    /// popcount(mask))` bytes (`Truncated` if shorter, `TrailingBytes` if longer), then no present
    /// sibling equal to `zero[h]` (`NonCanonicalProof`).
    function rootOf(bytes32 id, bytes calldata proof)
        internal
        pure
        returns (bytes32 node, uint256 leafIndex)
    {
        node = MerkleHash.leaf(id);
        bytes memory zero = MerkleHash.zeroTable();
        uint256 end;
        uint256 height;
        bool nonCanonical;
        assembly ("memory-safe") {
            // Reads past the end of `proof` are harmless: the length check below then fails.
            let head := calldataload(proof.offset)
            leafIndex := shr(224, head)
            let mask := and(shr(192, head), 0xffffffff)
            // Bit h set: level h is below the height. The siblings above it are all omitted.
            let levels := or(leafIndex, xor(mask, 0xffffffff))
            let index := leafIndex
            let p := mload(0x40)
            mstore8(p, 0x01)
            // `0x01 || left || right` at `p`: the node goes left (`p + 1`) when its index is even,
            // right (`p + 33`) when odd, and its sibling to the other half, without a branch.
            let left := add(p, 1)
            let right := add(p, 33)
            let z := add(zero, 32)
            let s := add(proof.offset, 8)
            for {} levels {} {
                let zh := mload(z)
                let sibling := zh
                if iszero(and(mask, 1)) {
                    sibling := calldataload(s)
                    s := add(s, 32)
                    nonCanonical := or(nonCanonical, eq(sibling, zh))
                }
                let odd := shl(5, and(index, 1))
                mstore(add(left, odd), node)
                mstore(sub(right, odd), sibling)
                node := keccak256(p, 65)
                index := shr(1, index)
                mask := shr(1, mask)
                levels := shr(1, levels)
                z := add(z, 32)
            }
            height := shr(5, sub(z, add(zero, 32)))
            end := sub(s, proof.offset)
        }
        if (proof.length < end) revert Truncated();
        if (proof.length > end) revert TrailingBytes();
        if (nonCanonical) revert NonCanonicalProof();
        node = MerkleHash.root(height, node);
    }

    /// Accept iff the encoded proof leads from `id` to `root`; else `RootMismatch(got, root)`.
    /// Returns the leaf index.
    function verify(bytes32 id, bytes calldata proof, bytes32 root)
        internal
        pure
        returns (uint256 leafIndex)
    {
        bytes32 got;
        (got, leafIndex) = rootOf(id, proof);
        if (got != root) revert RootMismatch(got, root);
    }

    /// The root a decoded path leads to ([STRAIT-MERKLE.5] step 1 to 3): `IndexOutOfRange` if
    /// `leafIndex >= 2^32` (never true of a decoded proof). Its height is the least `k` at least
    /// the index's bit length with `siblings[h] == zero[h]` for every `h >= k`.
    function rootOfPath(bytes32 id, uint256 leafIndex, bytes32[32] memory siblings)
        internal
        pure
        returns (bytes32 node)
    {
        if (leafIndex >= 1 << 32) revert IndexOutOfRange();
        bytes32[32] memory zero = MerkleHash.zeroHashes();
        uint256 height = 32;
        while (height > 0 && leafIndex >> (height - 1) == 0 && siblings[height - 1] == zero[height - 1]) {
            --height;
        }
        node = MerkleHash.leaf(id);
        for (uint256 h = 0; h < height; ++h) {
            node = (leafIndex >> h) & 1 == 1
                ? MerkleHash.node(siblings[h], node)
                : MerkleHash.node(node, siblings[h]);
        }
        node = MerkleHash.root(height, node);
    }
}
