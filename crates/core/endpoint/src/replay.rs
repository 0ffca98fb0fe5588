//! Replay protection and ordering: one bit per received nonce (`[STRAIT-RECV.6]`), and a
//! contiguous counter that never stalls (`[STRAIT-RECV.7]`, `[STRAIT-RECV.9]`, `[STRAIT-RECV.11]`).
//!
//! Each inbound route has a bitmap of 256-bit words, laid out as an EVM `uint256` so that the
//! Solidity endpoint stores the same words: nonce `n` lives in word `n / 256` at bit `n % 256`,
//! where bit `k` is `1 << k` of the big-endian 32-byte word. One storage word covers 256 messages.
//!
//! The contiguous counter of a route is the highest `c` such that nonces `1..=c` were all received.
//! It only ever moves up, and only over received nonces, so the work of moving it is amortised one
//! word read per 256 messages over the route's life. Every single step is bounded: a delivery moves
//! it through at most [`MAX_SCAN_WORDS`] words, a permissionless [`advance`] call through at most
//! [`MAX_ADVANCE_WORDS`].

use strait_primitives::{Nonce, RouteId};

use crate::{EndpointReader, EndpointWriter, ReceiveError};

/// Nonces covered by one bitmap word.
pub const BITS_PER_WORD: u64 = 256;

/// Most bitmap words one delivery reads, both to check that an ordered message's predecessors were
/// received (`[STRAIT-RECV.7]`) and to move the contiguous counter after marking a nonce
/// (`[STRAIT-RECV.9]`). 64 words cover 16,384 nonces.
pub const MAX_SCAN_WORDS: u64 = 64;

/// Most bitmap words one permissionless advance call reads (`[STRAIT-RECV.11]`): 262,144 nonces.
pub const MAX_ADVANCE_WORDS: u64 = 1024;

/// Index of the word holding `nonce`, and the (byte, mask) of its bit.
#[inline]
pub fn locate(nonce: Nonce) -> (u64, usize, u8) {
    let n = nonce.get();
    let bit = (n % BITS_PER_WORD) as usize;
    (n / BITS_PER_WORD, 31 - bit / 8, 1u8 << (bit % 8))
}

/// Whether `nonce` is marked in `word`.
#[inline]
pub fn is_set(word: &[u8; 32], nonce: Nonce) -> bool {
    let (_, byte, mask) = locate(nonce);
    word[byte] & mask != 0
}

/// Marks `nonce` in `word`.
#[inline]
pub fn set(word: &mut [u8; 32], nonce: Nonce) {
    let (_, byte, mask) = locate(nonce);
    word[byte] |= mask;
}

/// The lowest bit position `>= from` (`0..256`) not set in `word`.
fn first_unset_bit(word: &[u8; 32], from: u64) -> Option<u64> {
    let mut bit = from;
    while bit < BITS_PER_WORD {
        let byte = word[31 - (bit / 8) as usize];
        if bit.is_multiple_of(8) && byte == 0xff {
            bit += 8;
            continue;
        }
        if byte & (1 << (bit % 8)) == 0 {
            return Some(bit);
        }
        bit += 1;
    }
    None
}

/// Whether `nonce` of `route` has been received.
pub fn is_received<C: EndpointReader + ?Sized>(ctx: &C, route: &RouteId, nonce: Nonce) -> bool {
    let (word_index, _, _) = locate(nonce);
    is_set(&ctx.received_word(route, word_index), nonce)
}

/// What a bounded scan of a route's bitmap found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scan {
    /// Every nonce of the range was received.
    AllReceived,
    /// The lowest nonce of the range not received.
    Missing(Nonce),
    /// The word budget ran out: every nonce below `next` was received, `next` and above were not
    /// looked at.
    Stopped {
        /// First nonce not scanned.
        next: Nonce,
    },
}

/// Scans nonces `from..to` of `route`, reading at most `max_words` bitmap words.
pub fn scan<C: EndpointReader + ?Sized>(
    ctx: &C,
    route: &RouteId,
    from: Nonce,
    to: Nonce,
    max_words: u64,
) -> Scan {
    let mut n = from.get();
    let mut words = 0u64;
    while n < to.get() {
        if words == max_words {
            return Scan::Stopped { next: Nonce(n) };
        }
        let word_index = n / BITS_PER_WORD;
        let word = ctx.received_word(route, word_index);
        words += 1;
        if let Some(bit) = first_unset_bit(&word, n % BITS_PER_WORD) {
            let missing = word_index * BITS_PER_WORD + bit;
            return if missing < to.get() {
                Scan::Missing(Nonce(missing))
            } else {
                Scan::AllReceived
            };
        }
        // Every bit from `n` to the end of the word is set.
        match (word_index + 1).checked_mul(BITS_PER_WORD) {
            Some(next) => n = next,
            None => return Scan::AllReceived,
        }
    }
    Scan::AllReceived
}

/// Moves the contiguous counter of `route` up through received nonces, reading at most `max_words`
/// words; returns `(before, after)`. Writes only if the counter moved.
pub fn advance<C: EndpointWriter + ?Sized>(
    ctx: &mut C,
    route: &RouteId,
    max_words: u64,
) -> (Nonce, Nonce) {
    let before = ctx.inbound_contiguous(route);
    let Some(from) = before.checked_next() else {
        return (before, before);
    };
    let after = match scan(ctx, route, from, Nonce(u64::MAX), max_words) {
        Scan::Missing(n) | Scan::Stopped { next: n } => Nonce(n.get() - 1),
        // Every nonce below u64::MAX was received; u64::MAX itself is checked on its own.
        Scan::AllReceived if is_received(ctx, route, Nonce(u64::MAX)) => Nonce(u64::MAX),
        Scan::AllReceived => Nonce(u64::MAX - 1),
    };
    if after != before {
        ctx.set_inbound_contiguous(route, after);
    }
    (before, after)
}

/// `[STRAIT-RECV.7]`: every nonce below `nonce` of `route` was received. A gap is `OutOfOrder`; a
/// counter too far behind to check within the scan bound is `OrderingBacklog` (both transient: the
/// first waits for a delivery, the second for an advance, `[STRAIT-RECV.11]`).
pub fn check_order<C: EndpointReader + ?Sized>(
    ctx: &C,
    route: &RouteId,
    nonce: Nonce,
) -> Result<(), ReceiveError> {
    let contiguous = ctx.inbound_contiguous(route);
    // Nonce 0 never reaches here (`[STRAIT-RECV.1]`); were it to, it has no predecessor.
    let Some(previous) = nonce.get().checked_sub(1) else {
        return Ok(());
    };
    if contiguous.get() >= previous {
        return Ok(());
    }
    let from = Nonce(contiguous.get() + 1);
    match scan(ctx, route, from, nonce, MAX_SCAN_WORDS) {
        Scan::AllReceived => Ok(()),
        Scan::Missing(missing) => Err(ReceiveError::OutOfOrder {
            route: *route,
            got: nonce,
            missing,
        }),
        Scan::Stopped { next } => Err(ReceiveError::OrderingBacklog {
            route: *route,
            got: nonce,
            contiguous,
            scanned_to: Nonce(next.get() - 1),
        }),
    }
}

/// Marks `nonce` received and moves the counter through at most [`MAX_SCAN_WORDS`] words
/// (`[STRAIT-RECV.9]`). Any delivery on the route resumes moving the counter from wherever it
/// stopped, so the counter never stalls while deliveries continue.
pub fn mark_received<C: EndpointWriter + ?Sized>(ctx: &mut C, route: &RouteId, nonce: Nonce) {
    let (word_index, _, _) = locate(nonce);
    let mut word = ctx.received_word(route, word_index);
    set(&mut word, nonce);
    ctx.set_received_word(route, word_index, word);
    advance(ctx, route, MAX_SCAN_WORDS);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_layout_matches_evm_uint256() {
        // nonce 0 -> lowest bit of the last byte; nonce 255 -> highest bit of the first byte.
        assert_eq!(locate(Nonce(0)), (0, 31, 0x01));
        assert_eq!(locate(Nonce(9)), (0, 30, 0x02));
        assert_eq!(locate(Nonce(255)), (0, 0, 0x80));
        assert_eq!(locate(Nonce(256)), (1, 31, 0x01));
        let mut w = [0u8; 32];
        set(&mut w, Nonce(300));
        assert!(is_set(&w, Nonce(300)));
        assert!(!is_set(&w, Nonce(301)));
    }

    #[test]
    fn first_unset_bit_skips_full_bytes_and_honours_the_start() {
        let mut w = [0xffu8; 32];
        assert_eq!(first_unset_bit(&w, 0), None);
        w[31 - 20] = 0xfe; // bit 160 clear
        assert_eq!(first_unset_bit(&w, 0), Some(160));
        assert_eq!(first_unset_bit(&w, 160), Some(160));
        assert_eq!(first_unset_bit(&w, 161), None);
        assert_eq!(first_unset_bit(&[0; 32], 255), Some(255));
    }
}
