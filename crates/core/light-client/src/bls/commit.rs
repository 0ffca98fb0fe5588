//! BLS commits, their sign-bytes and BLS light blocks (`[STRAIT-LC-BLS.2]`, `[STRAIT-LC-BLS.3]`).

use blst::min_pk::{AggregateSignature, Signature};
use strait_primitives::{ChainId, DecodeError, Hash32, Height, Reader};

use super::{BlsSigner, BlsValidatorSet, BlsValidatorSetError, SIGNATURE_LEN};
use crate::{Header, HEADER_ENCODED_LEN, MAX_VALIDATORS};

/// Domain tag of the message validators sign with BLS (`[STRAIT-LC-BLS.2]`).
pub const BLS_COMMIT_TAG: &[u8] = b"STRAIT/BFT/BLS-COMMIT/v1";
/// Length of [`bls_sign_bytes`]: tag, chain id, height and three hashes.
pub const BLS_SIGN_BYTES_LEN: usize = BLS_COMMIT_TAG.len() + 8 + 8 + 3 * 32;
/// Bytes of the largest signer bitmap: `ceil(MAX_VALIDATORS / 8)`.
pub const MAX_BLS_BITMAP_LEN: usize = MAX_VALIDATORS.div_ceil(8);

/// The message every validator of `validators_hash` signs with BLS to commit `header_hash`
/// (`[STRAIT-LC-BLS.2]`): `"STRAIT/BFT/BLS-COMMIT/v1" || u64 chain_id || u64 height ||
/// header_hash || bls_validators_hash || next_bls_validators_hash`.
///
/// The header names the ed25519 sets; the BLS sets are named here, so that a commit by more than
/// 2/3 of a BLS set is what makes its successor trusted, exactly as `next_validators_hash` does
/// for the ed25519 sets.
pub fn bls_sign_bytes(
    chain_id: ChainId,
    height: Height,
    header_hash: &Hash32,
    bls_validators_hash: &Hash32,
    next_bls_validators_hash: &Hash32,
) -> [u8; BLS_SIGN_BYTES_LEN] {
    let mut out = [0u8; BLS_SIGN_BYTES_LEN];
    let t = BLS_COMMIT_TAG.len();
    out[..t].copy_from_slice(BLS_COMMIT_TAG);
    out[t..t + 8].copy_from_slice(&chain_id.to_be_bytes());
    out[t + 8..t + 16].copy_from_slice(&height.to_be_bytes());
    out[t + 16..t + 48].copy_from_slice(header_hash.as_bytes());
    out[t + 48..t + 80].copy_from_slice(bls_validators_hash.as_bytes());
    out[t + 80..].copy_from_slice(next_bls_validators_hash.as_bytes());
    out
}

/// A BLS commit (`[STRAIT-LC-BLS.3]`): which validators signed and their aggregate signature.
/// Encoded `u8 bitmap_len || bitmap || signature [192]`; bit `i % 8` (least significant first) of
/// byte `i / 8` is validator `i` of the header's BLS set, as in the attester certificates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlsCommit {
    /// The signer bitmap, `ceil(n / 8)` bytes for a set of `n`.
    pub bitmap: Vec<u8>,
    /// The aggregate signature, uncompressed G2.
    pub signature: [u8; SIGNATURE_LEN],
}

impl BlsCommit {
    /// The validator indices whose bit is set, ascending.
    pub fn signers(&self) -> impl Iterator<Item = usize> + '_ {
        self.bitmap.iter().enumerate().flat_map(|(byte, bits)| {
            (0..8)
                .filter(move |bit| bits & (1 << bit) != 0)
                .map(move |bit| byte * 8 + bit)
        })
    }

    /// Length of the encoding.
    pub fn encoded_len(&self) -> usize {
        1 + self.bitmap.len() + SIGNATURE_LEN
    }

    /// Appends the encoding. A bitmap over [`MAX_BLS_BITMAP_LEN`] bytes built in memory is a bug.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        debug_assert!(self.bitmap.len() <= MAX_BLS_BITMAP_LEN, "bitmap too long");
        out.push(self.bitmap.len() as u8);
        out.extend_from_slice(&self.bitmap);
        out.extend_from_slice(&self.signature);
    }

    /// The encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out);
        out
    }

    /// Decodes untrusted bytes; never panics.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let commit = Self::read(&mut r)?;
        r.finish()?;
        Ok(commit)
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let len = r.len_u8("BLS signer bitmap", MAX_BLS_BITMAP_LEN)?;
        Ok(Self {
            bitmap: r.bytes(len)?.to_vec(),
            signature: r.array()?,
        })
    }
}

/// Everything a BLS-mode light client needs to verify one header (`[STRAIT-LC-BLS.3]`):
/// `header (185) || bls_commit || bls_validators || next_bls_validators`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlsLightBlock {
    /// The header (the same header the ed25519 commit signs).
    pub header: Header,
    /// The BLS commit of the header's BLS set.
    pub commit: BlsCommit,
    /// The BLS set that signs this header.
    pub validators: BlsValidatorSet,
    /// The BLS set that signs the next header.
    pub next_validators: BlsValidatorSet,
}

impl BlsLightBlock {
    /// The message this block's signers signed.
    pub fn sign_bytes(&self, header_hash: &Hash32) -> [u8; BLS_SIGN_BYTES_LEN] {
        bls_sign_bytes(
            self.header.chain_id,
            self.header.height,
            header_hash,
            &self.validators.hash(),
            &self.next_validators.hash(),
        )
    }

    /// The encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            HEADER_ENCODED_LEN
                + self.commit.encoded_len()
                + self.validators.encoded_len()
                + self.next_validators.encoded_len(),
        );
        self.header.encode_into(&mut out);
        self.commit.encode_into(&mut out);
        self.validators.encode_into(&mut out);
        self.next_validators.encode_into(&mut out);
        out
    }

    /// Decodes untrusted bytes; never panics. A next set byte for byte equal to the current one
    /// is cloned, not checked twice (its proofs of possession cost one pairing each).
    pub fn decode(bytes: &[u8]) -> Result<Self, BlsValidatorSetError> {
        Self::decode_with(bytes, true)
    }

    /// Decodes untrusted bytes without checking any proof of possession (both sets
    /// [`BlsValidatorSet::new_unproven`]): what the BLS header kind reads, checking a signer's
    /// proof only when the trusted set does not vouch for its key (`[STRAIT-LC-BLS.7]`).
    pub fn decode_unproven(bytes: &[u8]) -> Result<Self, BlsValidatorSetError> {
        Self::decode_with(bytes, false)
    }

    fn decode_with(bytes: &[u8], prove: bool) -> Result<Self, BlsValidatorSetError> {
        let mut r = Reader::new(bytes);
        let header = Header::read(&mut r)?;
        let commit = BlsCommit::read(&mut r)?;
        let start = r.offset();
        let validators = BlsValidatorSet::read_with(&mut r, prove)?;
        let current = &bytes[start..r.offset()];
        let next_validators = if bytes[r.offset()..].starts_with(current) {
            r.bytes(current.len())?;
            validators.clone()
        } else {
            BlsValidatorSet::read_with(&mut r, prove)?
        };
        r.finish()?;
        Ok(Self {
            header,
            commit,
            validators,
            next_validators,
        })
    }
}

/// The BLS commit of `header` by `signers` (each in `validators`, the header's BLS set), naming
/// `next_validators` as the set of the next header. A signer given twice signs once.
///
/// # Panics
///
/// If a signer is not in `validators`, or `signers` is empty.
pub fn sign_bls_commit(
    header: &Header,
    validators: &BlsValidatorSet,
    next_validators: &BlsValidatorSet,
    signers: &[&BlsSigner],
) -> BlsCommit {
    let message = bls_sign_bytes(
        header.chain_id,
        header.height,
        &header.hash(),
        &validators.hash(),
        &next_validators.hash(),
    );
    let mut bitmap = vec![0u8; validators.len().div_ceil(8)];
    let mut signatures = Vec::with_capacity(signers.len());
    for signer in signers {
        let (i, _) = validators
            .find(&signer.public_key())
            .expect("signer is not a member of the BLS validator set");
        if bitmap[i / 8] & (1 << (i % 8)) == 0 {
            bitmap[i / 8] |= 1 << (i % 8);
            signatures.push(signer.sign(&message));
        }
    }
    let signature = aggregate_signatures(&signatures).expect("at least one signer");
    BlsCommit { bitmap, signature }
}

/// Adds uncompressed G2 signatures into one (what the proposer of a block does with the votes);
/// `None` for none, or for bytes that are not a G2 point.
pub fn aggregate_signatures(signatures: &[[u8; SIGNATURE_LEN]]) -> Option<[u8; SIGNATURE_LEN]> {
    let parsed = signatures
        .iter()
        .map(|s| Signature::deserialize(s).ok())
        .collect::<Option<Vec<_>>>()?;
    let refs: Vec<&Signature> = parsed.iter().collect();
    let aggregate = AggregateSignature::aggregate(&refs, true).ok()?;
    Some(aggregate.to_signature().serialize())
}
