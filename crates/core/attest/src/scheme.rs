//! What a signature scheme gives a committee kind (`[STRAIT-ATTEST.4]`, `[STRAIT-ATTEST.6]`), and
//! the certificate shared by the schemes without aggregation: a list of indexed signatures.

use std::fmt;

use strait_primitives::{DecodeError, Reader};
use strait_verifier::VerifierKind;

use crate::committee::{Committee, MAX_MEMBERS};
use crate::error::AttestError;

/// A signature scheme of attester committees: how members are admitted and how a certificate is
/// read and verified. Implementations are pure and never panic on untrusted bytes.
///
/// # Examples
///
/// Two of a committee of three ed25519 members certify a checkpoint; one signature is not enough.
///
/// ```
/// use strait_attest::ed25519::Ed25519;
/// use strait_attest::{Checkpoint, Committee, Scheme, SignatureList};
/// use strait_light_client::Signer;
/// use strait_primitives::{ChainId, Hash32, Height};
///
/// let signers: Vec<Signer> = (1..=3u8).map(|i| Signer::from_seed([i; 32])).collect();
/// let keys = signers.iter().map(|s| s.public_key().0.to_vec()).collect();
/// let committee = Committee::from_members(2, keys, Ed25519::MEMBER_LEN).unwrap();
/// let checkpoint = Checkpoint {
///     source_chain: ChainId(1),
///     outbox_root: Hash32([7; 32]),
///     leaf_count: 3,
///     source_height: Height(10),
/// };
/// let message = checkpoint.sign_bytes(&Hash32([1; 32]), 0);
/// let index = |s: &Signer| {
///     committee.members().position(|m| m == s.public_key().0).unwrap() as u16
/// };
/// let mut signatures: Vec<(u16, [u8; 64])> =
///     signers[..2].iter().map(|s| (index(s), s.sign(&message))).collect();
/// signatures.sort_by_key(|(i, _)| *i);
/// let certificate = SignatureList { signatures };
/// assert!(Ed25519::verify(&committee, &message, &certificate).is_ok());
///
/// let one = SignatureList { signatures: certificate.signatures[..1].to_vec() };
/// let error = Ed25519::verify(&committee, &message, &one).unwrap_err();
/// assert_eq!(error.name(), "InsufficientSigners");
/// ```
pub trait Scheme: Send + Sync + 'static {
    /// The verifier kind of committees of this scheme.
    const KIND: VerifierKind;
    /// Its short name (`attest-ecdsa`, ...).
    const NAME: &'static str;
    /// Bytes of a member in its stored form.
    const MEMBER_LEN: usize;
    /// Bytes of a member on the wire: the stored form, then what admitting it needs.
    const MEMBER_WIRE_LEN: usize;
    /// Signatures checked to admit one member (a proof of possession: 1).
    const ADMIT_COST: usize;
    /// A certificate: the committee's signatures over one message.
    type Certificate: Clone + fmt::Debug + PartialEq + Eq;

    /// Checks member `index`'s wire bytes: its key, and its proof of possession if any.
    fn admit_member(index: usize, wire: &[u8]) -> Result<(), AttestError>;
    /// Reads a certificate, bounding every length; no signature is checked.
    fn read_certificate(r: &mut Reader<'_>) -> Result<Self::Certificate, DecodeError>;
    /// Appends a certificate's encoding.
    fn encode_certificate(certificate: &Self::Certificate, out: &mut Vec<u8>);
    /// The most signature checks verifying the certificate costs (the host's budget).
    fn certificate_cost(certificate: &Self::Certificate) -> usize;
    /// Verifies that at least the committee's threshold of members signed `message`.
    fn verify(
        committee: &Committee,
        message: &[u8],
        certificate: &Self::Certificate,
    ) -> Result<(), AttestError>;
}

/// A certificate of individual signatures: `count u16 | count x (signer u16 | signature [N])`,
/// signers strictly ascending, `count <= MAX_MEMBERS` (`[STRAIT-ATTEST.6]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureList<const N: usize> {
    /// `(signer's member index, signature)`, by ascending index.
    pub signatures: Vec<(u16, [u8; N])>,
}

impl<const N: usize> SignatureList<N> {
    /// Reads the list: `count <= MAX_MEMBERS` (`TooLarge`), then per entry its signer
    /// (`Truncated`), above the previous signer (`Invalid`), its signature (`Truncated`).
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let count = r.len_u16("certificate signatures", MAX_MEMBERS)?;
        let mut signatures: Vec<(u16, [u8; N])> = Vec::with_capacity(count);
        for _ in 0..count {
            let signer = r.u16()?;
            if signatures.last().is_some_and(|(prev, _)| signer <= *prev) {
                return Err(DecodeError::Invalid {
                    what: "certificate signer order",
                    value: signer.into(),
                });
            }
            signatures.push((signer, r.array()?));
        }
        Ok(Self { signatures })
    }

    /// Appends the encoding.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.signatures.len() as u16).to_be_bytes());
        for (signer, signature) in &self.signatures {
            out.extend_from_slice(&signer.to_be_bytes());
            out.extend_from_slice(signature);
        }
    }

    /// The cheap checks, before any signature (`[STRAIT-ATTEST.6]`): every signer is a member
    /// (`SignerIndexOutOfRange`), then at least the threshold signed (`InsufficientSigners`).
    pub fn check_signers(&self, committee: &Committee) -> Result<(), AttestError> {
        let size = committee.len();
        if let Some((index, _)) = self
            .signatures
            .iter()
            .find(|(i, _)| usize::from(*i) >= size)
        {
            return Err(AttestError::SignerIndexOutOfRange {
                index: (*index).into(),
                size,
            });
        }
        if self.signatures.len() < usize::from(committee.threshold()) {
            return Err(AttestError::InsufficientSigners {
                got: self.signatures.len(),
                threshold: committee.threshold(),
            });
        }
        Ok(())
    }
}

/// Whether `count` signers meet the threshold, named as [`SignatureList::check_signers`] does.
pub(crate) fn meets_threshold(count: usize, committee: &Committee) -> Result<(), AttestError> {
    if count < usize::from(committee.threshold()) {
        return Err(AttestError::InsufficientSigners {
            got: count,
            threshold: committee.threshold(),
        });
    }
    Ok(())
}
