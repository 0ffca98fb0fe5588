//! One ed25519 verification rule, the same for single and batch verification
//! (`[STRAIT-ED25519.1]`, `[STRAIT-ED25519.2]`): ZIP 215, as in the `ed25519-consensus` crate.
//!
//! A signature `(R_bytes, s_bytes)` by the key `A_bytes` on the message `M` is valid iff
//!
//! 1. `A_bytes` decompresses to a curve point `A` (non-canonical encodings are accepted and decoded
//!    as curve25519-dalek decodes them: y is reduced mod p, and the sign bit of x = 0 is ignored);
//! 2. `s_bytes`, little-endian, is an integer `s < l` (the group order);
//! 3. `R_bytes` decompresses to a curve point `R`, by the same rule as `A`;
//! 4. `[8][s]B == [8]R + [8][k]A` with `k = SHA-512(R_bytes || A_bytes || M) mod l`, hashed over
//!    the bytes as given (not re-encoded).
//!
//! The equation is cofactored: a small-order component in `R` or `A` is ignored. A batch checks
//! `[8]( -(Σ z_i s_i) B + Σ z_i R_i + Σ (z_i k_i) A_i ) == 0` with 128-bit coefficients `z_i`
//! derived by hashing every input, so it accepts exactly the batches whose every signature is valid
//! by the rule above (except with probability about 2^-128 over the coefficients, which an
//! adversary can only search by hashing). Single and batch verification therefore agree on every
//! input, and a failed batch can be bisected to find the invalid signature.
//!
//! Pure and deterministic: no randomness, no clock.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha512};

/// Domain tag of the hash that derives batch coefficients.
const BATCH_TAG: &[u8] = b"STRAIT/ED25519/BATCH/v1";

/// Why a signature is invalid, in the order the checks run (`[STRAIT-ED25519.1]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The public key bytes are not the encoding of a curve point.
    #[error("public key is not a curve point")]
    InvalidPublicKey,
    /// The scalar `s` is not below the group order `l`.
    #[error("signature scalar s is not below the group order")]
    NonCanonicalS,
    /// The `R` bytes are not the encoding of a curve point.
    #[error("signature R is not a curve point")]
    InvalidR,
    /// The cofactored verification equation does not hold.
    #[error("signature does not verify")]
    EquationFailed,
}

impl SignatureError {
    /// The SPEC name of the error.
    pub fn name(&self) -> &'static str {
        match self {
            Self::InvalidPublicKey => "InvalidPublicKey",
            Self::NonCanonicalS => "NonCanonicalS",
            Self::InvalidR => "InvalidR",
            Self::EquationFailed => "EquationFailed",
        }
    }
}

/// Decompresses a public key by the ZIP 215 rule: any encoding of a curve point, canonical or not,
/// of any order. (Validator sets add their own, stricter rule on keys.)
pub fn decode_key(key: &[u8; 32]) -> Result<VerifyingKey, SignatureError> {
    // `VerifyingKey::from_bytes` decompresses with curve25519-dalek and keeps the given bytes.
    VerifyingKey::from_bytes(key).map_err(|_| SignatureError::InvalidPublicKey)
}

/// Verifies one signature given as raw bytes (`[STRAIT-ED25519.1]`).
pub fn verify(key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> Result<(), SignatureError> {
    verify_with_key(&decode_key(key)?, message, signature)
}

/// Verifies one signature under an already decompressed key (`[STRAIT-ED25519.1]`).
pub fn verify_with_key(
    key: &VerifyingKey,
    message: &[u8],
    signature: &[u8; 64],
) -> Result<(), SignatureError> {
    let (r, s) = parse(signature)?;
    let k = challenge(signature, key, message);
    // [s]B - [k]A - R, then [8].
    let check = EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &-key.to_edwards(), &s) - r;
    if check.mul_by_cofactor().is_identity() {
        Ok(())
    } else {
        Err(SignatureError::EquationFailed)
    }
}

/// One signature of a batch.
#[derive(Clone, Copy, Debug)]
pub struct BatchItem<'a> {
    /// The signer's decompressed key.
    pub key: &'a VerifyingKey,
    /// The signed message.
    pub message: &'a [u8],
    /// The signature.
    pub signature: &'a [u8; 64],
}

/// Verifies a batch (`[STRAIT-ED25519.2]`): `Ok` iff every item verifies under
/// [`verify_with_key`]. On failure, the error is the parse error of the first item that does not
/// parse, else [`SignatureError::EquationFailed`]. An empty batch is valid.
pub fn verify_batch(items: &[BatchItem<'_>]) -> Result<(), SignatureError> {
    let batch = Prepared::new(items);
    if let Some((_, e)) = batch.parse_error {
        return Err(e);
    }
    if batch.holds(0, items.len()) {
        Ok(())
    } else {
        Err(SignatureError::EquationFailed)
    }
}

/// The index of the first invalid item of a batch, `None` if every item is valid.
///
/// The whole batch is checked first (one multiscalar multiplication, as [`verify_batch`]); if it
/// fails, bisection finds the first invalid item: each step checks the lower half of a failing
/// range with the same coefficients and descends into the half that fails. Items are decoded and
/// hashed once. The work is at most about two batches of the whole, whatever the number and
/// position of invalid items. Exact up to the batch's error probability (about 2^-128).
pub fn first_invalid(items: &[BatchItem<'_>]) -> Option<usize> {
    let batch = Prepared::new(items);
    // Items from the first that does not parse on are never multiplied: that one is invalid.
    let (mut start, mut end) = match batch.parse_error {
        Some((j, _)) if batch.holds(0, j) => return Some(j),
        Some((j, _)) => (0, j),
        None if batch.holds(0, items.len()) => return None,
        None => (0, items.len()),
    };
    // Invariant: the items `start..end` do not hold together.
    while end - start > 1 {
        let mid = start + (end - start) / 2;
        if batch.holds(start, mid) {
            start = mid;
        } else {
            end = mid;
        }
    }
    Some(start)
}

/// A batch decoded and hashed once, for [`verify_batch`] and the bisection of [`first_invalid`].
struct Prepared {
    /// Per parsed item: `R`, `A`, `z`, `z k`, `z s`.
    terms: Vec<(EdwardsPoint, EdwardsPoint, Scalar, Scalar, Scalar)>,
    /// The first item that does not parse, with its error; `terms` stops before it.
    parse_error: Option<(usize, SignatureError)>,
}

impl Prepared {
    fn new(items: &[BatchItem<'_>]) -> Self {
        // The coefficients depend on every input, parsed or not.
        let hrams: Vec<[u8; 64]> = items
            .iter()
            .map(|item| hram(item.signature, item.key, item.message))
            .collect();
        let mut transcript = Sha512::new();
        transcript.update(BATCH_TAG);
        transcript.update((items.len() as u64).to_be_bytes());
        for (item, hram) in items.iter().zip(&hrams) {
            transcript.update(hram);
            transcript.update(&item.signature[32..]);
        }
        let seed = transcript.finalize();
        let mut terms = Vec::with_capacity(items.len());
        for (i, (item, hram)) in items.iter().zip(&hrams).enumerate() {
            let (r, s) = match parse(item.signature) {
                Ok(parsed) => parsed,
                Err(e) => {
                    return Self {
                        terms,
                        parse_error: Some((i, e)),
                    }
                }
            };
            let z = coefficient(&seed, i);
            let k = Scalar::from_bytes_mod_order_wide(hram);
            terms.push((r, item.key.to_edwards(), z, z * k, z * s));
        }
        Self {
            terms,
            parse_error: None,
        }
    }

    /// Whether the items `start..end` (all parsed) satisfy the batch equation together:
    /// `[8]( -(Σ z_i s_i) B + Σ z_i R_i + Σ (z_i k_i) A_i ) == 0`.
    fn holds(&self, start: usize, end: usize) -> bool {
        let terms = &self.terms[start..end];
        let mut scalars = Vec::with_capacity(2 * terms.len() + 1);
        let mut points = Vec::with_capacity(2 * terms.len() + 1);
        scalars.push(-terms.iter().map(|t| t.4).sum::<Scalar>());
        points.push(ED25519_BASEPOINT_POINT);
        for (r, a, z, zk, _) in terms {
            scalars.push(*z);
            points.push(*r);
            scalars.push(*zk);
            points.push(*a);
        }
        EdwardsPoint::vartime_multiscalar_mul(&scalars, &points)
            .mul_by_cofactor()
            .is_identity()
    }
}

/// Checks `s < l` then decompresses `R`.
fn parse(signature: &[u8; 64]) -> Result<(EdwardsPoint, Scalar), SignatureError> {
    let mut s_bytes = [0u8; 32];
    s_bytes.copy_from_slice(&signature[32..]);
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))
        .ok_or(SignatureError::NonCanonicalS)?;
    let mut r_bytes = [0u8; 32];
    r_bytes.copy_from_slice(&signature[..32]);
    let r = CompressedEdwardsY(r_bytes)
        .decompress()
        .ok_or(SignatureError::InvalidR)?;
    Ok((r, s))
}

/// `SHA-512(R_bytes || A_bytes || M)`.
fn hram(signature: &[u8; 64], key: &VerifyingKey, message: &[u8]) -> [u8; 64] {
    let mut h = Sha512::new();
    h.update(&signature[..32]);
    h.update(key.as_bytes());
    h.update(message);
    h.finalize().into()
}

/// `k = SHA-512(R_bytes || A_bytes || M) mod l`.
fn challenge(signature: &[u8; 64], key: &VerifyingKey, message: &[u8]) -> Scalar {
    Scalar::from_bytes_mod_order_wide(&hram(signature, key, message))
}

/// The coefficient of item `i`: the first 128 bits of `SHA-512(seed || u64 i)`.
fn coefficient(seed: &[u8], i: usize) -> Scalar {
    let digest = Sha512::new()
        .chain_update(seed)
        .chain_update((i as u64).to_be_bytes())
        .finalize();
    let mut z = [0u8; 16];
    z.copy_from_slice(&digest[..16]);
    Scalar::from(u128::from_le_bytes(z))
}
