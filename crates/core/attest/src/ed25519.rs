//! ed25519 committees (`[STRAIT-ATTEST.ED25519]`): members are ed25519 keys, admitted only if
//! canonical and not of small order (as validator keys, `[STRAIT-LC-VALSET.1]`); signatures are
//! checked by the protocol's one ed25519 rule (`[STRAIT-ED25519.1]`), in one batch
//! (`[STRAIT-ED25519.2]`), shared with the light client.

use ed25519_dalek::VerifyingKey;
use strait_light_client::ed25519::{first_invalid, verify_batch, BatchItem};
use strait_light_client::PublicKey;
use strait_primitives::{DecodeError, Reader};
use strait_verifier::VerifierKind;

use crate::committee::Committee;
use crate::error::AttestError;
use crate::scheme::{Scheme, SignatureList};

/// The ed25519 committee scheme.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ed25519;

/// Decompresses an admitted member's key.
fn key(bytes: &[u8], index: usize) -> Result<VerifyingKey, AttestError> {
    let array: [u8; 32] = bytes
        .try_into()
        .map_err(|_| AttestError::InvalidMemberKey { index })?;
    PublicKey(array)
        .to_verifying_key()
        .ok_or(AttestError::InvalidMemberKey { index })
}

impl Scheme for Ed25519 {
    const KIND: VerifierKind = VerifierKind::ATTEST_ED25519;
    const NAME: &'static str = "attest-ed25519";
    const MEMBER_LEN: usize = 32;
    const MEMBER_WIRE_LEN: usize = 32;
    const ADMIT_COST: usize = 0;
    type Certificate = SignatureList<64>;

    fn admit_member(index: usize, wire: &[u8]) -> Result<(), AttestError> {
        key(wire, index).map(|_| ())
    }

    fn read_certificate(r: &mut Reader<'_>) -> Result<Self::Certificate, DecodeError> {
        SignatureList::read(r)
    }

    fn encode_certificate(certificate: &Self::Certificate, out: &mut Vec<u8>) {
        certificate.encode_into(out);
    }

    fn certificate_cost(certificate: &Self::Certificate) -> usize {
        certificate.signatures.len()
    }

    fn verify(
        committee: &Committee,
        message: &[u8],
        certificate: &Self::Certificate,
    ) -> Result<(), AttestError> {
        certificate.check_signers(committee)?;
        let keys = certificate
            .signatures
            .iter()
            .map(|(signer, _)| {
                let index = usize::from(*signer);
                // In range: checked above.
                key(committee.member(index).unwrap_or_default(), index)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let items: Vec<BatchItem<'_>> = keys
            .iter()
            .zip(&certificate.signatures)
            .map(|(key, (_, signature))| BatchItem {
                key,
                message,
                signature,
            })
            .collect();
        if verify_batch(&items).is_ok() {
            return Ok(());
        }
        let position = first_invalid(&items).unwrap_or(0);
        Err(AttestError::InvalidSignature {
            signer: certificate
                .signatures
                .get(position)
                .map(|(signer, _)| usize::from(*signer)),
        })
    }
}
