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

    /// Leaf index `i` of a framed proof.
    function indexAt(bytes calldata proof, uint256 i) internal pure returns (uint256) {
        return uint32(bytes4(proof[2 + 4 * i:6 + 4 * i]));
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
        (uint256 k, uint256 m) = checkIndices(proof);
        if (ids.length != k) {
            uint256 required = requiredHashes(proof, k);
            if (m != required) revert HashCountMismatch(m, required);
            revert IdCountMismatch(ids.length, k);
        }
        uint256[] memory pos = new uint256[](k);
        bytes32[] memory nodes = new bytes32[](k);
        for (uint256 i = 0; i < k; ++i) {
            pos[i] = indexAt(proof, i);
            nodes[i] = MerkleHash.leaf(ids[i]);
        }
        uint256 j = 0;
        uint256 n = k;
        for (uint256 h = 0; h < MerkleHash.DEPTH; ++h) {
            (n, j) = level(proof, pos, nodes, n, j, m);
            if (n == 0) revert HashCountMismatch(m, requiredHashes(proof, k));
        }
        if (j != m) revert HashCountMismatch(m, j);
        if (nodes[0] != root) revert RootMismatch(nodes[0], root);
    }

    /// One level of [STRAIT-MERKLE.7] step 3, in place: the `n` nodes at the front of `pos` and
    /// `nodes` become their parents, taking proof hashes from index `j` on. Returns the parents'
    /// count (0 if the proof ran out of hashes) and the next hash index.
    function level(
        bytes calldata proof,
        uint256[] memory pos,
        bytes32[] memory nodes,
        uint256 n,
        uint256 j,
        uint256 m
    ) private pure returns (uint256 w, uint256) {
        uint256 hashes = 6 + 4 * pos.length; // offset of hashes[0] in the proof
        for (uint256 r = 0; r < n; ++w) {
            uint256 p = pos[r];
            if (p & 1 == 0 && r + 1 < n && pos[r + 1] == p + 1) {
                nodes[w] = MerkleHash.node(nodes[r], nodes[r + 1]);
                r += 2;
            } else {
                if (j == m) return (0, j);
                bytes32 s = bytes32(proof[hashes + 32 * j:hashes + 32 * j + 32]);
                nodes[w] = p & 1 == 0 ? MerkleHash.node(nodes[r], s) : MerkleHash.node(s, nodes[r]);
                ++j;
                ++r;
            }
            pos[w] = p >> 1;
        }
        return (w, j);
    }
}
