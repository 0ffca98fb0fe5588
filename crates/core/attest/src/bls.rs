//! BLS12-381 committees with aggregated signatures (`[STRAIT-ATTEST.BLS]`), "minimal public key
//! size" variant: keys in G1, signatures in G2, hashed to G2 with the proof-of-possession
//! ciphersuite of the IETF BLS draft.
//!
//! A member is admitted with a proof of possession (its signature, under [`POP_DST`], of its own
//! compressed key), which defeats rogue-key attacks: aggregating keys is then safe. A certificate is
//! a signer bitmap and one aggregate signature; it is verified by adding the signers' keys and one
//! pairing check, whatever the committee size. Points travel uncompressed (ZCash serialization:
//! big-endian `x | y`, flag bits clear) so that an EVM verifier (EIP-2537) needs no square root.

use blst::min_pk::{AggregatePublicKey, PublicKey, SecretKey, Signature};
use blst::BLST_ERROR;
use strait_primitives::{DecodeError, Reader};
use strait_verifier::VerifierKind;

use crate::committee::{Committee, MAX_MEMBERS};
use crate::error::AttestError;
use crate::scheme::{meets_threshold, Scheme};

// One ciphersuite and one point encoding for every BLS signature of the protocol (SPEC §5.7, §10):
// the hash-to-G2 tags of signatures and proofs of possession, uncompressed key and signature
// lengths, and signature aggregation are the light client's (`strait_light_client::bls`).
pub use strait_light_client::bls::{
    aggregate_signatures, POP_DST, PUBLIC_KEY_LEN, SIGNATURE_DST, SIGNATURE_LEN,
};
/// Bytes of the largest signer bitmap: `ceil(MAX_MEMBERS / 8)`.
pub const MAX_BITMAP_LEN: usize = MAX_MEMBERS.div_ceil(8);

/// The BLS committee scheme.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bls;

/// A BLS certificate: which members signed, and their aggregate signature (`[STRAIT-ATTEST.BLS]`):
/// `bitmap_len u8 | bitmap | signature [192]`. Bit `i % 8` (least significant first) of byte
/// `i / 8` is member `i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlsCertificate {
    /// The signer bitmap.
    pub bitmap: Vec<u8>,
    /// The aggregate signature, uncompressed.
    pub signature: [u8; SIGNATURE_LEN],
}

impl BlsCertificate {
    /// The certificate of `signers` (member indices) in a committee of `size`, with their
    /// aggregate `signature`.
    pub fn new(size: usize, signers: &[usize], signature: [u8; SIGNATURE_LEN]) -> Self {
        let mut bitmap = vec![0u8; size.div_ceil(8)];
        for &i in signers {
            if let Some(byte) = bitmap.get_mut(i / 8) {
                *byte |= 1 << (i % 8);
            }
        }
        Self { bitmap, signature }
    }

    /// The member indices whose bit is set, ascending.
    pub fn signers(&self) -> impl Iterator<Item = usize> + '_ {
        self.bitmap.iter().enumerate().flat_map(|(byte, bits)| {
            (0..8)
                .filter(move |bit| bits & (1 << bit) != 0)
                .map(move |bit| byte * 8 + bit)
        })
    }
}

/// A key admitted to a committee, read back from its stored (uncompressed) form: only the cheap
/// on-curve check, the subgroup check was made at admission.
fn stored_key(bytes: &[u8], index: usize) -> Result<PublicKey, AttestError> {
    PublicKey::deserialize(bytes).map_err(|_| AttestError::InvalidMemberKey { index })
}

impl Scheme for Bls {
    const KIND: VerifierKind = VerifierKind::ATTEST_BLS;
    const NAME: &'static str = "attest-bls";
    const MEMBER_LEN: usize = PUBLIC_KEY_LEN;
    const MEMBER_WIRE_LEN: usize = PUBLIC_KEY_LEN + SIGNATURE_LEN;
    const ADMIT_COST: usize = 1;
    type Certificate = BlsCertificate;

    fn admit_member(index: usize, wire: &[u8]) -> Result<(), AttestError> {
        let (key, pop) = wire.split_at(PUBLIC_KEY_LEN.min(wire.len()));
        // On the curve, in G1, not the identity.
        let key =
            PublicKey::key_validate(key).map_err(|_| AttestError::InvalidMemberKey { index })?;
        let bad_pop = AttestError::InvalidProofOfPossession { index };
        let pop = Signature::deserialize(pop).map_err(|_| bad_pop.clone())?;
        match pop.verify(true, &key.compress(), POP_DST, &[], &key, false) {
            BLST_ERROR::BLST_SUCCESS => Ok(()),
            _ => Err(bad_pop),
        }
    }

    fn read_certificate(r: &mut Reader<'_>) -> Result<Self::Certificate, DecodeError> {
        let len = r.len_u8("signer bitmap", MAX_BITMAP_LEN)?;
        let bitmap = r.bytes(len)?.to_vec();
        let signature = r.array()?;
        Ok(BlsCertificate { bitmap, signature })
    }

    fn encode_certificate(certificate: &Self::Certificate, out: &mut Vec<u8>) {
        // `bitmap.len() <= MAX_BITMAP_LEN < 256` for a decoded or well-built certificate.
        out.push(certificate.bitmap.len() as u8);
        out.extend_from_slice(&certificate.bitmap);
        out.extend_from_slice(&certificate.signature);
    }

    fn certificate_cost(_: &Self::Certificate) -> usize {
        1
    }

    fn verify(
        committee: &Committee,
        message: &[u8],
        certificate: &Self::Certificate,
    ) -> Result<(), AttestError> {
        let size = committee.len();
        let expected = size.div_ceil(8);
        if certificate.bitmap.len() != expected {
            return Err(AttestError::BitmapLengthMismatch {
                got: certificate.bitmap.len(),
                expected,
            });
        }
        if let Some(index) = certificate.signers().find(|i| *i >= size) {
            return Err(AttestError::SignerIndexOutOfRange { index, size });
        }
        let signers: Vec<usize> = certificate.signers().collect();
        meets_threshold(signers.len(), committee)?;
        let keys = signers
            .iter()
            .map(|&i| stored_key(committee.member(i).unwrap_or_default(), i))
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&PublicKey> = keys.iter().collect();
        let invalid = AttestError::InvalidSignature { signer: None };
        let aggregate = AggregatePublicKey::aggregate(&refs, false)
            .map_err(|_| invalid.clone())?
            .to_public_key();
        let signature =
            Signature::deserialize(&certificate.signature).map_err(|_| invalid.clone())?;
        // In G2 and not the identity, then one pairing check.
        signature.validate(true).map_err(|_| invalid.clone())?;
        match signature.verify(false, message, SIGNATURE_DST, &[], &aggregate, false) {
            BLST_ERROR::BLST_SUCCESS => Ok(()),
            _ => Err(invalid),
        }
    }
}

/// A member's deterministic BLS signer, for attesters and tests.
#[derive(Clone)]
pub struct BlsSigner(SecretKey);

impl BlsSigner {
    /// The key derived from `ikm` by the IETF `KeyGen` (at least 32 bytes of key material).
    pub fn from_ikm(ikm: &[u8; 32]) -> Self {
        // `key_gen` fails only for fewer than 32 bytes.
        Self(SecretKey::key_gen(ikm, &[]).expect("32 bytes of key material"))
    }

    /// The public key, uncompressed: the member's stored form.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.0.sk_to_pk().serialize()
    }

    /// The proof of possession: the key's signature of its own compressed form under [`POP_DST`].
    pub fn proof_of_possession(&self) -> [u8; SIGNATURE_LEN] {
        let key = self.0.sk_to_pk().compress();
        self.0.sign(&key, POP_DST, &[]).serialize()
    }

    /// The member's wire form: key, then proof of possession.
    pub fn member_wire(&self) -> Vec<u8> {
        [
            self.public_key().as_slice(),
            self.proof_of_possession().as_slice(),
        ]
        .concat()
    }

    /// Signs `message` under [`SIGNATURE_DST`].
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.0.sign(message, SIGNATURE_DST, &[]).serialize()
    }
}

impl std::fmt::Debug for BlsSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.write_str("BlsSigner(..)")
    }
}
