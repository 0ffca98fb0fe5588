// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {Truncated, TrailingBytes, TooLarge, TreeFull} from "./Errors.sol";
import {MerkleHash} from "./MerkleHash.sol";

/// The incremental Merkle outbox ([STRAIT-MERKLE.3]): 32 storage words of branch hashes, an append
/// of amortised 2 hashes, and the root of the depth-32 tree, agreeing with `crates/core/merkle`'s
/// `IncrementalTree`. The leaf count is the caller's to keep (the endpoint packs it in a slot a
/// delivery reads anyway) and to pass in.
library MerkleTree {
    /// Capacity: 2^32 ids.
    uint256 internal constant MAX_LEAVES = 1 << 32;
    /// Length of the persisted state encoding: count u64, then 32 branch hashes.
    uint256 internal constant STATE_LEN = 8 + 32 * 32;

    struct Tree {
        bytes32[32] branch;
    }

    /// Append a message id as leaf `count` (the tree's leaf count before it); the caller keeps
    /// `count + 1`. `TreeFull` once 2^32 ids are in.
    function append(Tree storage t, uint256 count, bytes32 id) internal {
        if (count >= MAX_LEAVES) revert TreeFull();
        uint256 size = count + 1;
        bytes32 node = MerkleHash.leaf(id);
        for (uint256 h = 0; h < MerkleHash.DEPTH; ++h) {
            if (size & 1 == 1) {
                t.branch[h] = node;
                return;
            }
            node = MerkleHash.node(t.branch[h], node);
            size >>= 1;
        }
        // Only the 2^32-th id gets here: branch[31] now holds the full tree's root.
        t.branch[31] = node;
    }

    /// The root of the tree of `count` leaves ([STRAIT-MERKLE.2]).
    function root(Tree storage t, uint256 count) internal view returns (bytes32) {
        if (count == MAX_LEAVES) return t.branch[31];
        bytes32[32] memory zero = MerkleHash.zeroHashes();
        bytes32 node = bytes32(0);
        for (uint256 h = 0; h < MerkleHash.DEPTH; ++h) {
            node = (count >> h) & 1 == 1 ? MerkleHash.node(t.branch[h], node) : MerkleHash.node(node, zero[h]);
        }
        return node;
    }

    /// Load the persisted state encoding ([STRAIT-MERKLE.3]), checking in order: count present
    /// (`Truncated`), `count <= 2^32` (`TooLarge`), the 32 branches present (`Truncated`),
    /// nothing follows (`TrailingBytes`). Returns the count, for the caller to keep.
    function load(Tree storage t, bytes calldata state) internal returns (uint256 count) {
        if (state.length < 8) revert Truncated();
        count = uint64(bytes8(state[0:8]));
        if (count > MAX_LEAVES) revert TooLarge();
        if (state.length < STATE_LEN) revert Truncated();
        if (state.length > STATE_LEN) revert TrailingBytes();
        for (uint256 h = 0; h < MerkleHash.DEPTH; ++h) {
            t.branch[h] = bytes32(state[8 + 32 * h:40 + 32 * h]);
        }
    }

    /// The persisted state encoding of the tree of `count` leaves: `count` u64, then
    /// `branch[0..31]`.
    function encodeState(Tree storage t, uint256 count) internal view returns (bytes memory out) {
        out = abi.encodePacked(uint64(count));
        for (uint256 h = 0; h < MerkleHash.DEPTH; ++h) {
            out = bytes.concat(out, t.branch[h]);
        }
    }
}
