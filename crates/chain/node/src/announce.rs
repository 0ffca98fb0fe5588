//! Attester announcements on the devnet chain (`[STRAIT-ATTEST.13]`): a committee member's
//! signed statement of where relayers find its signatures, checked against the committee client it
//! names and stored per (client, member).
//!
//! ```text
//! "@a" || client u64 || member  ->  sequence u64 | height u64 | url
//! ```

use strait_attest::announce::{verify_announcement, AnnounceError, Announcement};
use strait_attest::bls::Bls;
use strait_attest::ecdsa::Ecdsa;
use strait_attest::ed25519::Ed25519;
use strait_attest::state::{stored_committee, stored_state};
use strait_attest::{Committee, Scheme};
use strait_primitives::{ClientId, Height};
use strait_verifier::{StoreError, VerifierKind};

use crate::clients::{self, View};
use crate::events::BlockEvent;
use crate::host::Exec;
use crate::state::State;

/// The key of `member`'s announcement for `client`.
pub fn key(client: ClientId, member: &[u8]) -> Vec<u8> {
    [b"@a".as_slice(), &client.to_be_bytes(), member].concat()
}

/// A stored announcement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAnnouncement {
    /// Its sequence.
    pub sequence: u64,
    /// The block that executed it.
    pub height: Height,
    /// The URL.
    pub url: String,
}

impl StoredAnnouncement {
    /// `sequence u64 | height u64 | url`.
    pub fn encode(&self) -> Vec<u8> {
        [
            self.sequence.to_be_bytes().as_slice(),
            &self.height.to_be_bytes(),
            self.url.as_bytes(),
        ]
        .concat()
    }

    /// Decodes a stored announcement.
    pub fn decode(raw: &[u8]) -> Result<Self, StoreError> {
        let corrupt = || StoreError {
            what: "attester announcement",
            reason: format!("{} bytes", raw.len()),
        };
        let (sequence, rest) = raw.split_first_chunk::<8>().ok_or_else(corrupt)?;
        let (height, url) = rest.split_first_chunk::<8>().ok_or_else(corrupt)?;
        Ok(Self {
            sequence: u64::from_be_bytes(*sequence),
            height: Height(u64::from_be_bytes(*height)),
            url: String::from_utf8(url.to_vec()).map_err(|_| corrupt())?,
        })
    }
}

/// Why an announcement was not executed.
#[derive(Debug, thiserror::Error)]
pub enum AnnounceOpError {
    /// No such client.
    #[error("unknown client {0}")]
    UnknownClient(ClientId),
    /// The announcement itself was refused.
    #[error("{}: {}", .0.name(), .0)]
    Refused(#[from] AnnounceError),
    /// The node's state is corrupt.
    #[error(transparent)]
    Corrupt(#[from] StoreError),
}

/// The member length of a committee kind, `None` for another kind.
pub fn member_len(kind: VerifierKind) -> Option<usize> {
    match kind {
        VerifierKind::ATTEST_ECDSA => Some(Ecdsa::MEMBER_LEN),
        VerifierKind::ATTEST_ED25519 => Some(Ed25519::MEMBER_LEN),
        VerifierKind::ATTEST_BLS => Some(Bls::MEMBER_LEN),
        _ => None,
    }
}

/// The current committee of committee client `client` of `kind`, read from `state`.
pub fn committee(
    state: &State,
    client: ClientId,
    kind: VerifierKind,
) -> Result<Committee, AnnounceOpError> {
    let len = member_len(kind).ok_or(AnnounceError::NotACommittee { client, kind })?;
    Ok(stored_committee(&View::new(state, client), len)?)
}

/// Checks and stores `announcement` (`[STRAIT-ATTEST.13]`); emits `AttesterAnnounced`.
pub fn execute(exec: &mut Exec<'_>, announcement: &Announcement) -> Result<(), AnnounceOpError> {
    let client = announcement.client;
    let record =
        clients::record(exec.state, client)?.ok_or(AnnounceOpError::UnknownClient(client))?;
    let committee = committee(exec.state, client, record.kind)?;
    let committee_id = stored_state(&View::new(exec.state, client))?.committee_id;
    let key = key(client, &announcement.member);
    let stored = exec
        .state
        .get(&key)
        .map(StoredAnnouncement::decode)
        .transpose()?
        .map(|s| s.sequence);
    verify_announcement(
        record.kind,
        &committee,
        &committee_id,
        exec.env.chain_id,
        announcement,
        stored,
    )?;
    let value = StoredAnnouncement {
        sequence: announcement.sequence,
        height: exec.env.height,
        url: announcement.url.clone(),
    };
    exec.state.put(key, value.encode());
    exec.fx.events.push(BlockEvent::AttesterAnnounced {
        client,
        member: announcement.member.clone(),
        sequence: announcement.sequence,
        url: announcement.url.clone(),
    });
    Ok(())
}
