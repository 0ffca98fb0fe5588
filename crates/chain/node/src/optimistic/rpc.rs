//! Reading optimistic clients from committed storage for JSON-RPC (`strait_pendingProposals`,
//! `strait_clientRoot`), and the JSON of verifier events.

use strait_devnet_api::optimistic::{PendingProposalJson, VerifierEventJson};
use strait_devnet_api::rpc::codes;
use strait_optimistic::{Pending, RootAt, MAX_PENDING};
use strait_primitives::{ClientId, Hash32, Height};
use strait_verifier::{MemStore, VerifierKind};

use crate::clients::ClientRecord;
use crate::events::VerifierEvent;
use crate::extensions::Extensions;
use crate::state::keys;
use crate::store::{Reads, StoreError};

/// RPC code: the client is not of the optimistic kind (`docs/rpc.md`).
pub const NOT_OPTIMISTIC: i32 = 4110;

/// Why a read failed.
#[derive(Debug)]
pub enum ReadError {
    /// Storage failed (transient).
    Store(StoreError),
    /// The request is refused: an RPC code and the words.
    Refused(i32, String),
}

impl From<StoreError> for ReadError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

fn corrupt(e: impl ToString) -> ReadError {
    ReadError::Store(StoreError::Corrupt(e.to_string()))
}

fn record(reads: &Reads<'_>, client: ClientId) -> Result<ClientRecord, ReadError> {
    let raw = reads
        .state(&keys::client(client))?
        .ok_or_else(|| ReadError::Refused(codes::NOT_FOUND, format!("no client {client}")))?;
    ClientRecord::decode(&raw).map_err(corrupt)
}

fn scoped(client: ClientId, key: &[u8]) -> Vec<u8> {
    [keys::client_store(client).as_slice(), key].concat()
}

/// The pending proposals of the optimistic `client`, by height.
pub fn pending_proposals(
    reads: &Reads<'_>,
    client: ClientId,
) -> Result<Vec<PendingProposalJson>, ReadError> {
    let record = record(reads, client)?;
    if record.kind != VerifierKind::OPTIMISTIC {
        return Err(ReadError::Refused(
            NOT_OPTIMISTIC,
            format!("client {client} is of {}, not optimistic", record.kind),
        ));
    }
    reads
        .state_prefix(&scoped(client, b"p"), MAX_PENDING)?
        .iter()
        .map(|(_, raw)| {
            Pending::decode(raw)
                .map(|p| PendingProposalJson::from(&p))
                .map_err(corrupt)
        })
        .collect()
}

/// The root `client` holds at `height`: verified, or for an optimistic client also pending. The
/// kind answers from a copy of the keys a root lookup reads (its state `s`, and `r` and `p` at the
/// height), so no kind's layout is known here beyond that.
pub fn client_root(
    reads: &Reads<'_>,
    client: ClientId,
    height: Height,
) -> Result<Option<Hash32>, ReadError> {
    let record = record(reads, client)?;
    let at = |prefix: u8| [&[prefix][..], &height.to_be_bytes()].concat();
    let wanted = [b"s".to_vec(), at(b'r'), at(b'p')];
    let scoped_keys: Vec<Vec<u8>> = wanted.iter().map(|k| scoped(client, k)).collect();
    let mut store = MemStore::default();
    for (key, value) in wanted.into_iter().zip(reads.states(&scoped_keys)?) {
        if let Some(value) = value {
            store.0.insert(key, value);
        }
    }
    if record.kind == VerifierKind::OPTIMISTIC {
        return Ok(strait_optimistic::root_at(&store, height)
            .map_err(corrupt)?
            .map(|r: RootAt| r.root()));
    }
    let verifier = Extensions::builtin()
        .verifiers
        .get(record.kind)
        .map_err(|e| ReadError::Refused(codes::NOT_FOUND, e.to_string()))?;
    verifier.verified_root(&store, height).map_err(corrupt)
}

/// The JSON of a verifier event.
pub fn event_json(event: &VerifierEvent) -> VerifierEventJson {
    match event {
        VerifierEvent::RootProposed { client, pending } => VerifierEventJson::RootProposed {
            client: *client,
            proposal: pending.into(),
        },
        VerifierEvent::RootSettled { client, pending } => VerifierEventJson::RootSettled {
            client: *client,
            proposal: pending.into(),
        },
        VerifierEvent::ProposalDiscarded {
            client,
            pending,
            reference_root,
            paid_to,
        } => VerifierEventJson::ProposalDiscarded {
            client: *client,
            proposal: pending.into(),
            reference_root: *reference_root,
            paid_to: *paid_to,
        },
        VerifierEvent::ClientFrozen { client, reason } => VerifierEventJson::ClientFrozen {
            client: *client,
            reason: reason.clone(),
        },
        VerifierEvent::ClientPaused { client, watcher } => VerifierEventJson::ClientPaused {
            client: *client,
            watcher: *watcher,
        },
        VerifierEvent::ClientResumed { client } => {
            VerifierEventJson::ClientResumed { client: *client }
        }
    }
}
