// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {AlreadyReceived, ZeroNonce, OutOfOrder, OrderingBacklog} from "./Errors.sol";

/// Replay protection and ordering of one inbound route, as `crates/core/endpoint/src/replay.rs`
/// ([STRAIT-RECV.6], [STRAIT-RECV.7], [STRAIT-RECV.9], [STRAIT-RECV.11]). The contiguous counter is
/// the highest `c` such that nonces `1..=c` were all received; it only moves up, over received
/// nonces, a bounded number of words at a time, so ordered routes never stall. A nonce is received
/// when it is at most the counter or its bit is set: bit `n mod 256` of word `n div 256`, bit `k`
/// being `1 << k` of the word. 256 nonces share one storage slot, so a route's first delivery in a
/// word pays for a fresh slot and the next 255 only for a write of a used one.
///
/// The in-order path (SPEC §4, the EVM's replay state): a nonce one above the counter, with no
/// nonce above the counter received (`highest`, the highest nonce ever received, is at most the
/// counter), moves the counter alone and sets no bit, so it neither reads nor writes a bitmap word:
/// one write of the slot that holds the counter, the route's pause switch and `highest`, which the
/// delivery has read for the pause switch already. Bits below the counter are never read.
library ReplayBitmap {
    /// Most bitmap words one delivery reads, to check an ordered message's predecessors and to move
    /// the counter after marking a nonce: 64 words, 16,384 nonces.
    uint256 internal constant MAX_SCAN_WORDS = 64;
    /// Most bitmap words one permissionless advance reads: 1,024 words, 262,144 nonces.
    uint256 internal constant MAX_ADVANCE_WORDS = 1024;

    /// What a bounded scan found.
    uint8 internal constant ALL_RECEIVED = 0;
    uint8 internal constant MISSING = 1;
    uint8 internal constant STOPPED = 2;

    struct Bitmap {
        mapping(uint256 word => uint256 bits) words;
        uint64 contiguous;
        /// The endpoint's pause switch of the route ([STRAIT-PAUSE.1], scope `0x01 || route`),
        /// packed with the counter: a delivery reads both. Not used by this library.
        bool paused;
        /// The highest nonce received (0: none); never below the counter.
        uint64 highest;
    }

    /// Whether nonce `nonce` was received: at most the counter, or at most `highest` with its bit
    /// set (a nonce above `highest` reads no word).
    function isReceived(Bitmap storage b, uint64 nonce) internal view returns (bool) {
        // `contiguous` and `highest` from one read of their slot (the layout `markReceived` uses).
        uint256 meta;
        assembly ("memory-safe") {
            meta := sload(add(b.slot, 1))
        }
        if (nonce <= uint64(meta)) return nonce != 0;
        if (nonce > uint64(meta >> 72)) return false;
        return (b.words[nonce >> 8] >> (nonce & 0xff)) & 1 == 1;
    }

    /// Mark nonce `nonce` received ([STRAIT-RECV.9]): `ZeroNonce` for 0 (nonces start at 1),
    /// `AlreadyReceived` if it was; then move the counter through at most `MAX_SCAN_WORDS` words,
    /// from wherever it stands.
    function markReceived(Bitmap storage b, uint64 nonce) internal {
        markReceived(b, nonce, MAX_SCAN_WORDS);
    }

    /// `markReceived` with a scan bound of `maxWords` words.
    function markReceived(Bitmap storage b, uint64 nonce, uint256 maxWords) internal {
        if (nonce == 0) revert ZeroNonce();
        // The in-order path, in assembly over the layout of `Bitmap`: `words` at the struct's
        // slot; `contiguous` (bits 0 to 63), `paused` (64 to 71) and `highest` (72 to 135) in
        // the next.
        bool inOrder;
        assembly ("memory-safe") {
            let metaSlot := add(b.slot, 1)
            let meta := sload(metaSlot)
            let c := and(meta, 0xffffffffffffffff)
            if and(eq(nonce, add(c, 1)), iszero(gt(and(shr(72, meta), 0xffffffffffffffff), c))) {
                let keep := and(meta, not(or(0xffffffffffffffff, shl(72, 0xffffffffffffffff))))
                sstore(metaSlot, or(keep, or(nonce, shl(72, nonce))))
                inOrder := 1
            }
        }
        if (!inOrder && !markBit(b, nonce)) advance(b, maxWords);
    }

    /// Set the bit of `nonce` (`AlreadyReceived` if it is at most the counter or set) and raise
    /// `highest` to it; then what `advance` would find without its scan in the two usual cases:
    /// the nonce after the counter, `n`, is not received (the counter stays), or it is and the
    /// next nonce in its word is not (the counter moves to `n`); a counter at 2^64 - 1 cannot
    /// move. Whether that settled the counter (else `advance` must scan).
    function markBit(Bitmap storage b, uint64 nonce) private returns (bool done) {
        bool seen;
        assembly ("memory-safe") {
            let base := b.slot
            let metaSlot := add(base, 1)
            let meta := sload(metaSlot)
            let c := and(meta, 0xffffffffffffffff)
            seen := iszero(gt(nonce, c))
            if iszero(seen) {
                let word := shr(8, nonce)
                mstore(0, word)
                mstore(32, base)
                let wordSlot := keccak256(0, 64)
                let bits := sload(wordSlot)
                let bit := shl(and(nonce, 0xff), 1)
                seen := iszero(iszero(and(bits, bit)))
                if iszero(seen) {
                    bits := or(bits, bit)
                    sstore(wordSlot, bits)
                    let next := meta
                    if gt(nonce, and(shr(72, meta), 0xffffffffffffffff)) {
                        next := or(and(next, not(shl(72, 0xffffffffffffffff))), shl(72, nonce))
                    }
                    switch eq(c, 0xffffffffffffffff)
                    case 1 { done := 1 }
                    default {
                        let n := add(c, 1)
                        let w := bits
                        if iszero(eq(shr(8, n), word)) {
                            mstore(0, shr(8, n))
                            w := sload(keccak256(0, 64))
                        }
                        let k := and(n, 0xff)
                        switch and(shr(k, w), 1)
                        case 0 { done := 1 }
                        default {
                            if and(lt(k, 0xff), iszero(and(shr(add(k, 1), w), 1))) {
                                next := or(and(next, not(0xffffffffffffffff)), n)
                                done := 1
                            }
                        }
                    }
                    if iszero(eq(next, meta)) { sstore(metaSlot, next) }
                }
            }
        }
        if (seen) revert AlreadyReceived();
    }

    /// [STRAIT-RECV.7]: every nonce below `nonce` was received. A gap is `OutOfOrder(missing)`; a
    /// counter too far behind to check within `MAX_SCAN_WORDS` words is `OrderingBacklog`.
    function checkOrder(Bitmap storage b, uint64 nonce) internal view {
        checkOrder(b, nonce, MAX_SCAN_WORDS);
    }

    /// `checkOrder` with a scan bound of `maxWords` words.
    function checkOrder(Bitmap storage b, uint64 nonce, uint256 maxWords) internal view {
        (uint8 found, uint256 n) = orderStatus(b, nonce, maxWords);
        if (found == MISSING) revert OutOfOrder(uint64(n));
        if (found == STOPPED) revert OrderingBacklog(b.contiguous, uint64(n - 1));
    }

    /// `checkOrder`'s verdict without reverting (for a batch, which skips a message instead):
    /// `ALL_RECEIVED` (the rule holds), `MISSING` with the lowest nonce not received, or `STOPPED`
    /// with the first nonce not scanned.
    function orderStatus(Bitmap storage b, uint64 nonce, uint256 maxWords)
        internal
        view
        returns (uint8 found, uint256 n)
    {
        uint64 contiguous = b.contiguous;
        // Nonce 0 is refused before this; were it not, it has no predecessor.
        if (nonce == 0 || contiguous >= nonce - 1) return (ALL_RECEIVED, 0);
        return scan(b, uint256(contiguous) + 1, nonce, maxWords);
    }

    /// Move the counter up through received nonces, reading at most `maxWords` words
    /// ([STRAIT-RECV.11] with `MAX_ADVANCE_WORDS`); returns it before and after. Writes only if it
    /// moved.
    function advance(Bitmap storage b, uint256 maxWords) internal returns (uint64 before, uint64 after_) {
        before = b.contiguous;
        if (before == type(uint64).max) return (before, before);
        (uint8 found, uint256 n) = scan(b, uint256(before) + 1, type(uint64).max, maxWords);
        if (found == ALL_RECEIVED) {
            // Every nonce below 2^64 - 1 was received; 2^64 - 1 itself is checked on its own.
            after_ = isReceived(b, type(uint64).max) ? type(uint64).max : type(uint64).max - 1;
        } else {
            after_ = uint64(n - 1);
        }
        if (after_ != before) b.contiguous = after_;
    }

    /// Scan nonces `from..to` (exclusive), reading at most `maxWords` words: `ALL_RECEIVED`,
    /// `MISSING` with the lowest nonce not received, or `STOPPED` with the first nonce not looked
    /// at (every nonce below it was received).
    function scan(Bitmap storage b, uint256 from, uint256 to, uint256 maxWords)
        internal
        view
        returns (uint8 found, uint256 n)
    {
        n = from;
        uint256 words = 0;
        while (n < to) {
            if (words == maxWords) return (STOPPED, n);
            uint256 index = n >> 8;
            uint256 free = ~b.words[index] & (type(uint256).max << (n & 0xff));
            ++words;
            if (free != 0) {
                uint256 missing = (index << 8) + lowestBit(free);
                return missing < to ? (MISSING, missing) : (ALL_RECEIVED, 0);
            }
            // Every bit from `n` to the end of the word is set.
            n = (index + 1) << 8;
        }
        return (ALL_RECEIVED, 0);
    }

    /// The position of the lowest set bit of `x != 0`.
    function lowestBit(uint256 x) internal pure returns (uint256 r) {
        unchecked {
            x &= ~x + 1;
        }
        if (x >= 1 << 128) (x, r) = (x >> 128, r + 128);
        if (x >= 1 << 64) (x, r) = (x >> 64, r + 64);
        if (x >= 1 << 32) (x, r) = (x >> 32, r + 32);
        if (x >= 1 << 16) (x, r) = (x >> 16, r + 16);
        if (x >= 1 << 8) (x, r) = (x >> 8, r + 8);
        if (x >= 1 << 4) (x, r) = (x >> 4, r + 4);
        if (x >= 1 << 2) (x, r) = (x >> 2, r + 2);
        if (x >= 1 << 1) r += 1;
    }

    /// The word holding nonces `256 * word .. 256 * word + 255` (bit `k` for nonce `256 * word + k`).
    function wordAt(Bitmap storage b, uint256 word) internal view returns (uint256) {
        return b.words[word];
    }
}
