//! Attester announcements (`[STRAIT-ATTEST.13]`): a committee member publishes, on a destination
//! chain, where relayers find its signatures, signed by its own committee key.
//!
//! ```text
//! announcement = client u64 | member_len u8 (<= 96) | member | sequence u64 |
//!                url_len u16 (<= 256) | url | signature_len u8 (<= 192) | signature
//! sign bytes   = "STRAIT/ATTEST/ANNOUNCE/v1" || destination_chain u64 || client u64 ||
//!                committee_id [32] || member_len u8 || member || sequence u64 ||
//!                url_len u16 || url
//! ```
//!
//! The destination chain, the client and its committee id bind a signature to one client on one
//! chain; the sequence, strictly increasing per (client, member), keeps an old announcement from
//! being replayed over a newer one.

use strait_primitives::{ChainId, ClientId, DecodeError, Hash32, Reader};
use strait_verifier::VerifierKind;

use crate::bls::Bls;
use crate::committee::Committee;
use crate::ecdsa::Ecdsa;
use crate::ed25519::Ed25519;
use crate::scheme::Scheme;

/// Domain of an announcement's sign bytes.
pub const ANNOUNCE_DOMAIN: &[u8] = b"STRAIT/ATTEST/ANNOUNCE/v1";
/// Longest URL of an announcement, in bytes.
pub const MAX_URL_LEN: usize = 256;
/// Longest member in an announcement (a BLS key, uncompressed).
pub const MAX_ANNOUNCED_MEMBER_LEN: usize = 96;
/// Longest signature in an announcement (a BLS signature, uncompressed).
pub const MAX_ANNOUNCE_SIGNATURE_LEN: usize = 192;

/// Why an announcement is refused (`[STRAIT-ATTEST.13]`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnnounceError {
    /// The client is not a committee client (ECDSA, ed25519 or BLS).
    #[error("client {client} is of kind {kind}, not an attester committee")]
    NotACommittee {
        /// The client.
        client: ClientId,
        /// Its kind.
        kind: VerifierKind,
    },
    /// The URL is not `http://` or `https://` followed by a host, in printable ASCII.
    #[error("announced url is not http(s)://host... in printable ASCII")]
    InvalidUrl,
    /// The member is not in the client's current committee.
    #[error("the announcing key is not a member of the client's committee")]
    NotMember,
    /// The sequence is not above the one stored for the member: a replay or an old announcement.
    #[error("announcement sequence {got} is not above the stored {stored}")]
    StaleSequence {
        /// The announcement's sequence.
        got: u64,
        /// The one stored.
        stored: u64,
    },
    /// The signature does not verify under the member's key.
    #[error("the announcement's signature does not verify under the member's key")]
    InvalidSignature,
}

impl AnnounceError {
    /// The protocol name (`docs/SPEC.md` §10).
    pub fn name(&self) -> &'static str {
        match self {
            Self::NotACommittee { .. } => "NotACommittee",
            Self::InvalidUrl => "InvalidUrl",
            Self::NotMember => "NotMember",
            Self::StaleSequence { .. } => "StaleSequence",
            Self::InvalidSignature => "InvalidSignature",
        }
    }
}

/// An attester's announcement of where it publishes its signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announcement {
    /// The committee client on the destination.
    pub client: ClientId,
    /// The member, in its stored form (`[STRAIT-ATTEST.3]`).
    pub member: Vec<u8>,
    /// Strictly increasing per (client, member).
    pub sequence: u64,
    /// Where its signatures are served (JSON-RPC, `docs/rpc.md`).
    pub url: String,
    /// The member's signature over [`Announcement::sign_bytes`].
    pub signature: Vec<u8>,
}

impl Announcement {
    /// Appends the encoding (module docs).
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.client.to_be_bytes());
        out.push(self.member.len() as u8);
        out.extend_from_slice(&self.member);
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&(self.url.len() as u16).to_be_bytes());
        out.extend_from_slice(self.url.as_bytes());
        out.push(self.signature.len() as u8);
        out.extend_from_slice(&self.signature);
    }

    /// Reads an announcement: each field present (`Truncated`), each length within its bound as
    /// soon as it is read (`TooLarge`), every URL byte ASCII (`Invalid`). No signature is checked.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let client = ClientId(r.u64()?);
        let len = r.len_u8("announced member", MAX_ANNOUNCED_MEMBER_LEN)?;
        let member = r.bytes(len)?.to_vec();
        let sequence = r.u64()?;
        let len = r.len_u16("announced url", MAX_URL_LEN)?;
        let url = r.bytes(len)?;
        if let Some(b) = url.iter().find(|b| !b.is_ascii()) {
            return Err(DecodeError::Invalid {
                what: "announced url byte",
                value: (*b).into(),
            });
        }
        let url = String::from_utf8_lossy(url).into_owned();
        let len = r.len_u8("announcement signature", MAX_ANNOUNCE_SIGNATURE_LEN)?;
        let signature = r.bytes(len)?.to_vec();
        Ok(Self {
            client,
            member,
            sequence,
            url,
            signature,
        })
    }

    /// The bytes the member signs (module docs), for `destination`'s client whose committee id is
    /// `committee_id`.
    pub fn sign_bytes(&self, destination: ChainId, committee_id: &Hash32) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(ANNOUNCE_DOMAIN.len() + 59 + self.member.len() + self.url.len());
        out.extend_from_slice(ANNOUNCE_DOMAIN);
        out.extend_from_slice(&destination.to_be_bytes());
        out.extend_from_slice(&self.client.to_be_bytes());
        out.extend_from_slice(&committee_id.0);
        out.push(self.member.len() as u8);
        out.extend_from_slice(&self.member);
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&(self.url.len() as u16).to_be_bytes());
        out.extend_from_slice(self.url.as_bytes());
        out
    }
}

/// `[STRAIT-ATTEST.13]` The URL rule: `http://` or `https://`, then a non-empty host, every byte
/// printable ASCII (`0x21..=0x7e`: no space or control character), at most [`MAX_URL_LEN`] bytes.
pub fn check_url(url: &str) -> Result<(), AnnounceError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or(AnnounceError::InvalidUrl)?;
    let host_ends = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if url.len() > MAX_URL_LEN || host_ends == 0 || !url.bytes().all(|b| (0x21..=0x7e).contains(&b))
    {
        return Err(AnnounceError::InvalidUrl);
    }
    Ok(())
}

/// Whether `signature` by the committee member `member` over `message` verifies by the rule of
/// the committee's kind: a certificate of one signature by a committee of that one member.
fn member_signed<S: Scheme>(member: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(one) = Committee::from_members(1, vec![member.to_vec()], S::MEMBER_LEN) else {
        return false;
    };
    // List schemes: `count 1 | signer 0 | signature`; BLS: `bitmap_len 1 | bitmap 0x01 | signature`.
    let mut certificate = if S::KIND == VerifierKind::ATTEST_BLS {
        vec![1, 1]
    } else {
        vec![0, 1, 0, 0]
    };
    certificate.extend_from_slice(signature);
    let mut r = Reader::new(&certificate);
    let Ok(certificate) = S::read_certificate(&mut r) else {
        return false;
    };
    r.finish().is_ok() && S::verify(&one, message, &certificate).is_ok()
}

/// `[STRAIT-ATTEST.13]` Checks `announcement` for the client of `kind` on `destination`, whose
/// committee is `committee` with id `committee_id`, where `stored` is the sequence of the member's
/// last announcement. Cheap checks first: the kind (`NotACommittee`), the URL (`InvalidUrl`), the
/// member (`NotMember`), the sequence (`StaleSequence`), then the signature (`InvalidSignature`).
pub fn verify_announcement(
    kind: VerifierKind,
    committee: &Committee,
    committee_id: &Hash32,
    destination: ChainId,
    announcement: &Announcement,
    stored: Option<u64>,
) -> Result<(), AnnounceError> {
    let verify: fn(&[u8], &[u8], &[u8]) -> bool = match kind {
        VerifierKind::ATTEST_ECDSA => member_signed::<Ecdsa>,
        VerifierKind::ATTEST_ED25519 => member_signed::<Ed25519>,
        VerifierKind::ATTEST_BLS => member_signed::<Bls>,
        kind => {
            return Err(AnnounceError::NotACommittee {
                client: announcement.client,
                kind,
            })
        }
    };
    check_url(&announcement.url)?;
    if !committee.members().any(|m| m == announcement.member) {
        return Err(AnnounceError::NotMember);
    }
    if let Some(stored) = stored.filter(|s| announcement.sequence <= *s) {
        return Err(AnnounceError::StaleSequence {
            got: announcement.sequence,
            stored,
        });
    }
    let message = announcement.sign_bytes(destination, committee_id);
    if !verify(&announcement.member, &message, &announcement.signature) {
        return Err(AnnounceError::InvalidSignature);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
