// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {Truncated, TrailingBytes, IndexOutOfRange, RootMismatch} from "./Errors.sol";
import {MerkleHash} from "./MerkleHash.sol";

/// Verify an inclusion proof of a message id against a trusted outbox root
/// ([STRAIT-MERKLE.4], [STRAIT-MERKLE.5]), as `crates/core/merkle`'s `InclusionProof` does.
library MerkleProof {
    /// Encoded length: leaf index u32, then 32 sibling hashes, leaf first.
    uint256 internal constant PROOF_LEN = 4 + 32 * 32;

    /// The root the encoded proof leads to from `id`: one leaf and 32 node hashes, read straight
    /// from calldata. `Truncated` if shorter than 1,028 bytes, `TrailingBytes` if longer.
    function rootOf(bytes32 id, bytes calldata proof)
        internal
        pure
        returns (bytes32 node, uint256 leafIndex)
    {
        if (proof.length < PROOF_LEN) revert Truncated();
        if (proof.length > PROOF_LEN) revert TrailingBytes();
        leafIndex = uint32(bytes4(proof[0:4]));
        node = MerkleHash.leaf(id);
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, 0x01)
            let index := leafIndex
            let sibling := add(proof.offset, 4)
            for { let h := 0 } lt(h, 32) { h := add(h, 1) } {
                let s := calldataload(add(sibling, shl(5, h)))
                switch and(index, 1)
                case 0 {
                    mstore(add(p, 1), node)
                    mstore(add(p, 33), s)
                }
                default {
                    mstore(add(p, 1), s)
                    mstore(add(p, 33), node)
                }
                node := keccak256(p, 65)
                index := shr(1, index)
            }
        }
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

    /// The root a decoded path leads to ([STRAIT-MERKLE.5] step 1 and 2): `IndexOutOfRange` if
    /// `leafIndex >= 2^32` (never true of a decoded proof).
    function rootOfPath(bytes32 id, uint256 leafIndex, bytes32[32] memory siblings)
        internal
        pure
        returns (bytes32 node)
    {
        if (leafIndex >= 1 << 32) revert IndexOutOfRange();
        node = MerkleHash.leaf(id);
        for (uint256 h = 0; h < 32; ++h) {
            node = (leafIndex >> h) & 1 == 1
                ? MerkleHash.node(siblings[h], node)
                : MerkleHash.node(node, siblings[h]);
        }
    }
}
