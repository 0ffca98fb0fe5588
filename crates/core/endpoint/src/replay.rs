//! Replay protection: one bit per received nonce (`[STRAIT-RECV.6]`).
//!
//! Each inbound route has a bitmap of 256-bit words, laid out as an EVM `uint256` so that the
//! Solidity endpoint stores the same words: nonce `n` lives in word `n / 256` at bit `n % 256`,
//! where bit `k` is `1 << k` of the big-endian 32-byte word. One storage word covers 256 messages.

use strait_primitives::{Nonce, RouteId};

use crate::EndpointReader;

/// Nonces covered by one bitmap word.
pub const BITS_PER_WORD: u64 = 256;

/// Most bitmap words one ordered-delivery check or one counter advance scans. Bounds the work of a
/// single delivery; deliveries beyond it wait until the contiguous counter has caught up.
pub const MAX_SCAN_WORDS: u64 = 64;

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

/// Whether `nonce` of `route` has been received.
pub fn is_received<C: EndpointReader + ?Sized>(ctx: &C, route: &RouteId, nonce: Nonce) -> bool {
    let (word_index, _, _) = locate(nonce);
    is_set(&ctx.received_word(route, word_index), nonce)
}

/// The lowest nonce in `from..to` not yet received, scanning at most [`MAX_SCAN_WORDS`] words.
/// `Ok(None)` when all are received; `Err(n)` when the scan limit stopped at `n` (treat as missing).
pub fn first_missing<C: EndpointReader + ?Sized>(
    ctx: &C,
    route: &RouteId,
    from: Nonce,
    to: Nonce,
) -> Result<Option<Nonce>, Nonce> {
    let mut n = from.get();
    let mut words = 0u64;
    while n < to.get() {
        if words == MAX_SCAN_WORDS {
            return Err(Nonce(n));
        }
        let word_index = n / BITS_PER_WORD;
        let word = ctx.received_word(route, word_index);
        words += 1;
        let word_end = (word_index + 1).saturating_mul(BITS_PER_WORD).min(to.get());
        while n < word_end {
            if !is_set(&word, Nonce(n)) {
                return Ok(Some(Nonce(n)));
            }
            n += 1;
        }
    }
    Ok(None)
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
}
