//! Shared checks of the fuzz targets (`fuzz_targets/*.rs`) and the devnet state the transaction
//! pipeline target executes against.
//!
//! Every target feeds untrusted bytes to one decoder and asserts what must hold of anything it
//! accepts: the encoding is canonical (re-encoding gives the input back, byte for byte) and the
//! derived values (hashes, roots) can be computed without a panic.

pub mod attest;
pub mod bls_header;
pub mod devnet;
pub mod merkle;
pub mod optimistic;
pub mod seeds;

/// Asserts that `decoded`, decoded from `input`, re-encodes to exactly `input`: a decoder accepts
/// only canonical encodings, so two distinct byte strings never decode to the same value.
pub fn assert_canonical(input: &[u8], reencoded: &[u8], what: &str) {
    assert!(
        input == reencoded,
        "{what}: accepted a non-canonical encoding\n input: {}\n again: {}",
        hex::encode(input),
        hex::encode(reencoded)
    );
}
