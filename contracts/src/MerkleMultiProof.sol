// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {
    Truncated,
    TrailingBytes,
    TooLarge,
    EmptyMultiProof,
    IndicesNotIncreasing,
    HashCountMismatch,
    IdCountMismatch,
    RootMismatch
} from "./Errors.sol";
import {MerkleHash} from "./MerkleHash.sol";

/// Verify a multiproof of `k` message ids under one outbox root, for batched delivery
/// ([STRAIT-MERKLE.6], [STRAIT-MERKLE.7]), as `crates/core/merkle`'s `MultiProof` does. The proof
/// stays in calldata: `k` u16, `k` leaf indices u32, `m` u32, `m` hashes.
library MerkleMultiProof {
    /// Most leaves one multiproof proves.
    uint256 internal constant MAX_LEAVES = 4096;

    /// The encoding's frame ([STRAIT-MERKLE.6], in order): `k` present (`Truncated`), `k <= 4096`
    /// (`TooLarge`), the indices and `m` present (`Truncated`), `m <= 32k` (`TooLarge`), the hashes
    /// present (`Truncated`), nothing follows (`TrailingBytes`).
    function frame(bytes calldata proof) internal pure returns (uint256 k, uint256 m) {
        if (proof.length < 2) revert Truncated();
        k = uint16(bytes2(proof[0:2]));
        if (k > MAX_LEAVES) revert TooLarge();
        if (proof.length < 6 + 4 * k) revert Truncated();
        m = uint32(bytes4(proof[2 + 4 * k:6 + 4 * k]));
        if (m > 32 * k) revert TooLarge();
        uint256 len = 6 + 4 * k + 32 * m;
        if (proof.length < len) revert Truncated();
        if (proof.length > len) revert TrailingBytes();
    }

    /// Leaf index `i < k` of a framed proof (`frame` checked that the indices are in `proof`).
    function indexAt(bytes calldata proof, uint256 i) internal pure returns (uint256 index) {
        assembly ("memory-safe") {
            index := shr(224, calldataload(add(proof.offset, add(2, shl(2, i)))))
        }
    }

    /// The frame, then the shape: `k >= 1` (`EmptyMultiProof`), indices strictly increasing
    /// (`IndicesNotIncreasing`), `m` the number of hashes the indices require (`HashCountMismatch`).
    /// This is the decoder's whole check list; `verify` makes the same checks more cheaply.
    function check(bytes calldata proof) internal pure returns (uint256 k, uint256 m) {
        (k, m) = checkIndices(proof);
        uint256 required = requiredHashes(proof, k);
        if (m != required) revert HashCountMismatch(m, required);
    }

    /// The frame, `EmptyMultiProof` and `IndicesNotIncreasing`.
    function checkIndices(bytes calldata proof) internal pure returns (uint256 k, uint256 m) {
        (k, m) = frame(proof);
        if (k == 0) revert EmptyMultiProof();
        uint256 last = indexAt(proof, 0);
        for (uint256 i = 1; i < k; ++i) {
            uint256 next = indexAt(proof, i);
            if (next <= last) revert IndicesNotIncreasing();
            last = next;
        }
    }

    /// The number of hashes [STRAIT-MERKLE.7] consumes for the `k` sorted indices of `proof`: the
    /// same walk as `verify`, counting instead of hashing.
    function requiredHashes(bytes calldata proof, uint256 k) internal pure returns (uint256 required) {
        uint256[] memory pos = new uint256[](k);
        for (uint256 i = 0; i < k; ++i) {
            pos[i] = indexAt(proof, i);
        }
        uint256 n = k;
        for (uint256 h = 0; h < MerkleHash.DEPTH; ++h) {
            uint256 w = 0;
            for (uint256 r = 0; r < n; ++w) {
                uint256 p = pos[r];
                if (p & 1 == 0 && r + 1 < n && pos[r + 1] == p + 1) {
                    r += 2;
                } else {
                    ++required;
                    ++r;
                }
                pos[w] = p >> 1;
            }
            n = w;
        }
    }

    /// Accept iff `proof` proves `ids` (`ids[i]` at leaf index `i` of the proof) under `root`.
    /// Reverts with the name the Rust core gives (decode, then verify): the frame's names,
    /// `EmptyMultiProof`, `IndicesNotIncreasing`, `HashCountMismatch`, `IdCountMismatch`,
    /// `RootMismatch`. The hash count is checked during the walk; it is counted separately only
    /// when the walk fails.
    function verify(bytes calldata proof, bytes32[] memory ids, bytes32 root) internal pure {
        bytes32 got = rootOf(proof, ids);
        if (got != root) revert RootMismatch(got, root);
    }

    /// The root `proof` leads to from `ids`, with every check of `verify` but the root's: for a
    /// caller that learns the trusted root after the proof's shape is checked (a batch delivery).
    function rootOf(bytes calldata proof, bytes32[] memory ids) internal pure returns (bytes32 got) {
        (uint256 k, uint256 m) = checkIndices(proof);
        if (ids.length != k) {
            uint256 required = requiredHashes(proof, k);
            if (m != required) revert HashCountMismatch(m, required);
            revert IdCountMismatch(ids.length, k);
        }
        uint256 used;
        bool ranOut;
        (got, used, ranOut) = walk(proof, k, m, ids);
        if (ranOut) revert HashCountMismatch(m, requiredHashes(proof, k));
        if (used != m) revert HashCountMismatch(m, used);
    }

    /// [STRAIT-MERKLE.7] steps 2 to 5 over a framed proof of `k` sorted indices and `m` hashes, in
    /// assembly: the positions and nodes of a level live in two memory arrays of `k` words that
    /// each level overwrites from the front with its parents, and hashes are read straight from
    /// calldata. Only the levels below the proof's height are hashed: from the bit length `L` of
    /// the highest index up, the paths have joined in position 0 and the last `32 - L` hashes are
    /// its siblings at heights `L` to 31, one each; the height is the least `k >= L` with every one
    /// at `k` and above a zero hash. Returns the root, the number of hashes the shape consumes
    /// (those above the height included), and whether the proof ran out of hashes (then the root
    /// is meaningless). `ids.length == k` is the caller's check.
    function walk(bytes calldata proof, uint256 k, uint256 m, bytes32[] memory ids)
        private
        pure
        returns (bytes32 root, uint256 used, bool ranOut)
    {
        bytes memory zero = MerkleHash.zeroTable();
        uint256 height;
        assembly ("memory-safe") {
            // One level: the n nodes at the front of (pos, nodes) become their parents, taking
            // hashes from index j on; returns the parents' count and the next j, or ranOut_.
            function level(pos_, nodes_, scratch_, hashes_, n, j, m_) -> w, jOut, ranOut_ {
                jOut := j
                for { let r := 0 } lt(r, n) { w := add(w, 1) } {
                    let p := mload(add(pos_, shl(5, r)))
                    // A left node whose right sibling is the next node: hash the pair.
                    let paired := 0
                    if and(iszero(and(p, 1)), lt(add(r, 1), n)) {
                        paired := eq(mload(add(pos_, shl(5, add(r, 1)))), add(p, 1))
                    }
                    switch paired
                    case 1 {
                        mstore(add(scratch_, 1), mload(add(nodes_, shl(5, r))))
                        mstore(add(scratch_, 33), mload(add(nodes_, shl(5, add(r, 1)))))
                        r := add(r, 2)
                    }
                    default {
                        if eq(jOut, m_) {
                            ranOut_ := 1
                            leave
                        }
                        let sibling := calldataload(add(hashes_, shl(5, jOut)))
                        jOut := add(jOut, 1)
                        switch and(p, 1)
                        case 0 {
                            mstore(add(scratch_, 1), mload(add(nodes_, shl(5, r))))
                            mstore(add(scratch_, 33), sibling)
                        }
                        default {
                            mstore(add(scratch_, 1), sibling)
                            mstore(add(scratch_, 33), mload(add(nodes_, shl(5, r))))
                        }
                        r := add(r, 1)
                    }
                    mstore(add(nodes_, shl(5, w)), keccak256(scratch_, 65))
                    mstore(add(pos_, shl(5, w)), shr(1, p))
                }
            }

            let pos := mload(0x40)
            let nodes := add(pos, shl(5, k))
            let scratch := add(nodes, shl(5, k))
            mstore(0x40, add(scratch, 96))
            // Level 0: (leaf_indices[i], leaf(ids[i])).
            mstore8(scratch, 0x00)
            for { let i := 0 } lt(i, k) { i := add(i, 1) } {
                mstore(add(pos, shl(5, i)), shr(224, calldataload(add(proof.offset, add(2, shl(2, i))))))
                mstore(add(scratch, 1), mload(add(ids, shl(5, add(i, 1)))))
                mstore(add(nodes, shl(5, i)), keccak256(scratch, 33))
            }
            mstore8(scratch, 0x01)
            let hashes := add(proof.offset, add(6, shl(2, k)))
            // The height: down from 32 to the bit length of the highest index while the hash at
            // height - 1 is there (a short proof runs out below) and is that height's zero hash.
            let top := shr(224, calldataload(add(proof.offset, add(2, shl(2, sub(k, 1))))))
            let floor := 0
            for {} shr(floor, top) {} { floor := add(floor, 1) }
            height := 32
            for {} gt(height, floor) {} {
                let h := sub(height, 1)
                if lt(add(m, h), 32) { break }
                let hash := calldataload(add(hashes, shl(5, sub(add(m, h), 32))))
                if iszero(eq(hash, mload(add(zero, shl(5, add(h, 1)))))) { break }
                height := h
            }
            let n := k
            for { let h := 0 } lt(h, height) { h := add(h, 1) } {
                n, used, ranOut := level(pos, nodes, scratch, hashes, n, used, m)
                if ranOut { break }
            }
            used := add(used, sub(32, height))
            root := mload(nodes)
        }
        root = MerkleHash.root(height, root);
    }
}
