// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {AlreadyReceived, ZeroNonce} from "./Errors.sol";

/// Replay protection of one route's nonces (docs/SPEC.md §4, [STRAIT-RECV.6], [STRAIT-RECV.9]):
/// bit `n mod 256` of word `n div 256` is set when nonce `n` was received, bit `k` being `1 << k`
/// of the word. 256 nonces share one storage slot, so a route's first delivery in a word pays for
/// a fresh slot and the next 255 only for a warm write of a used one.
library ReplayBitmap {
    struct Bitmap {
        mapping(uint256 word => uint256 bits) words;
    }

    /// Whether nonce `nonce` was received.
    function isReceived(Bitmap storage b, uint64 nonce) internal view returns (bool) {
        return (b.words[nonce >> 8] >> (nonce & 0xff)) & 1 == 1;
    }

    /// Mark nonce `nonce` received: `ZeroNonce` for 0 (nonces start at 1), `AlreadyReceived` if
    /// its bit is set.
    function markReceived(Bitmap storage b, uint64 nonce) internal {
        if (nonce == 0) revert ZeroNonce();
        uint256 word = nonce >> 8;
        uint256 bit = uint256(1) << (nonce & 0xff);
        uint256 bits = b.words[word];
        if (bits & bit != 0) revert AlreadyReceived();
        b.words[word] = bits | bit;
    }

    /// The word holding nonces `256 * word .. 256 * word + 255` (bit `k` for nonce `256 * word + k`).
    function wordAt(Bitmap storage b, uint256 word) internal view returns (uint256) {
        return b.words[word];
    }
}
