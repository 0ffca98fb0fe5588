//! keccak256, the one hash function of the protocol (`[STRAIT-HASH.1]`).
//!
//! keccak256 (the pre-standard Keccak used by Ethereum, not NIST SHA3-256) is chosen because an EVM
//! computes it natively for 30 gas + 6 gas per word, so every commitment made by the Rust core can be
//! checked by the Solidity contracts at the lowest possible cost.

use sha3::{Digest, Keccak256};

use crate::Hash32;

/// keccak256 of `data`.
#[inline]
pub fn keccak256(data: &[u8]) -> Hash32 {
    Hash32(Keccak256::digest(data).into())
}

/// keccak256 of the concatenation of `parts`, without allocating the concatenation.
///
/// Equal to `abi.encodePacked(parts...)` hashed on an EVM.
#[inline]
pub fn keccak256_concat(parts: &[&[u8]]) -> Hash32 {
    let mut hasher = Keccak256::new();
    for part in parts {
        hasher.update(part);
    }
    Hash32(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keccak_of_empty_is_the_ethereum_constant() {
        assert_eq!(
            keccak256(b"").to_string(),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
    }

    #[test]
    fn concat_equals_hash_of_concatenation() {
        assert_eq!(keccak256_concat(&[b"ab", b"", b"cd"]), keccak256(b"abcd"));
    }
}
