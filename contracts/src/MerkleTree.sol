// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {Truncated, TrailingBytes, TooLarge, TreeFull} from "./Errors.sol";
import {MerkleHash} from "./MerkleHash.sol";

/// The incremental Merkle outbox ([STRAIT-MERKLE.3]): 32 storage words of branch hashes, an append
/// of amortised 2 hashes, and the root of the tree (of its height and top node), agreeing with
/// `crates/core/merkle`'s `IncrementalTree`. The leaf count is the caller's to keep (the endpoint packs it in a slot a
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

    /// The root of the tree of `count` leaves ([STRAIT-MERKLE.2]): the root hash of its height `k`
    /// and its top node, folded from `branch[0..k]` and zero hashes (a full tree of `2^k` leaves:
    /// `branch[k]`, `branch[31]` for 2^32).
    function root(Tree storage t, uint256 count) internal view returns (bytes32 node) {
        uint256 k = MerkleHash.height(count);
        bytes memory zero = MerkleHash.zeroTable();
        assembly ("memory-safe") {
            // `branch[h]` is at slot `t.slot + h`.
            let slot := t.slot
            switch and(iszero(iszero(count)), iszero(and(count, sub(count, 1))))
            case 1 { node := sload(add(slot, sub(k, eq(k, 32)))) }
            default {
                let p := mload(0x40)
                mstore8(p, 0x01)
                for { let h := 0 } lt(h, k) { h := add(h, 1) } {
                    switch and(shr(h, count), 1)
                    case 1 {
                        mstore(add(p, 1), sload(add(slot, h)))
                        mstore(add(p, 33), node)
                    }
                    default {
                        mstore(add(p, 1), node)
                        mstore(add(p, 33), mload(add(zero, shl(5, add(h, 1)))))
                    }
                    node := keccak256(p, 65)
                }
            }
        }
        node = MerkleHash.root(k, node);
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
