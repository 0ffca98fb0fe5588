//! Optimistic clients and conflict evidence on the devnet host (`docs/SPEC.md` §13,
//! `[STRAIT-OPT.*]`, `[STRAIT-CONFLICT.*]`).
//!
//! The optimistic kind (`strait-optimistic`) decides; the host authenticates the signer, moves the
//! bonds and keeps what spans clients:
//!
//! * a proposal's bond moves from the proposer to the bond escrow [`bond_escrow`] with the
//!   proposal, and leaves it exactly once: back to the proposer when the proposal settles, or to
//!   whoever proved it wrong. Native supply stays the sum of the balances (the escrow is one).
//! * the maturity queue (`'q' || matures_at || client || height`) settles proposals at the end of
//!   the first block whose time is at least their maturity, at most [`MAX_SETTLE_PER_BLOCK`] per
//!   block (the rest in the next blocks: a root is never usable early, at worst a block late).
//! * conflict evidence that freezes a client is kept under `'y' || client` and keeps the client's
//!   record frozen whatever its kind does later (never rolled back).

pub mod rpc;

use strait_devnet_api::tx::client_resume_digest;
use strait_optimistic::{
    check_conflict, Conflict, ConflictError, OptimisticError, Pending, Proposal, RootAt, Side,
    Verdict,
};
use strait_primitives::{keccak256, Address32, ChainId, ClientId, Height, Timestamp};
use strait_verifier::{Registry, StoreError, VerifierError, VerifierKind};

use crate::clients::{self, ClientOpError, ClientRecord, Scope, View};
use crate::events::{BlockEvent, VerifierEvent};
use crate::fees::FeeError;
use crate::guardians::{self, PauseError};
use crate::state::{keys, State};

/// Most proposals settled at the end of one block.
pub const MAX_SETTLE_PER_BLOCK: usize = 256;

/// Where proposal bonds wait (`[STRAIT-OPT.3]`): `H("STRAIT/DEVNET/BOND-ESCROW/v1")`, an account no
/// key holds.
pub fn bond_escrow() -> Address32 {
    Address32(keccak256(b"STRAIT/DEVNET/BOND-ESCROW/v1").0)
}

/// Why a proposal, conflict, pause or resume was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptimisticOpError {
    /// The client does not exist, or its store is corrupt.
    #[error(transparent)]
    Client(#[from] ClientOpError),
    /// The client is not of the optimistic kind.
    #[error("client {client} is of {kind}, not optimistic")]
    NotOptimistic {
        /// The client.
        client: ClientId,
        /// Its kind.
        kind: VerifierKind,
    },
    /// The client is frozen.
    #[error("client {0} is frozen")]
    Frozen(ClientId),
    /// The kind refused.
    #[error(transparent)]
    Kind(#[from] OptimisticError),
    /// The conflict is unfounded.
    #[error("conflict refused: {0}")]
    Conflict(#[from] ConflictError),
    /// The proposer cannot pay the bond.
    #[error("bond not paid: {0}")]
    Bond(#[from] FeeError),
    /// The guardians' approvals do not hold.
    #[error("resume refused: {0}")]
    Guardians(#[from] PauseError),
}

impl OptimisticOpError {
    /// The SPEC name of the cause.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Client(e) => e.name(),
            Self::NotOptimistic { .. } => "NotOptimistic",
            Self::Frozen(_) => "Frozen",
            Self::Kind(e) => e.name(),
            Self::Conflict(e) => e.name(),
            Self::Bond(e) => e.name(),
            Self::Guardians(PauseError::BadIndex { .. }) => "BadIndex",
            Self::Guardians(PauseError::BadSignature(_)) => "BadSignature",
            Self::Guardians(PauseError::Threshold { .. }) => "Threshold",
        }
    }

    /// The corrupt read, if that is why it failed.
    pub fn corrupt(&self) -> Option<&StoreError> {
        match self {
            Self::Client(e) => e.corrupt(),
            Self::Kind(OptimisticError::Store(e)) => Some(e),
            _ => None,
        }
    }
}

impl From<StoreError> for OptimisticOpError {
    fn from(e: StoreError) -> Self {
        Self::Client(ClientOpError::Verifier(VerifierError::Store(e)))
    }
}

fn escrow_broken(e: FeeError) -> StoreError {
    StoreError {
        what: "bond escrow",
        reason: e.to_string(),
    }
}

/// The record of `client`, which must be optimistic.
fn optimistic(
    state: &State,
    verifiers: &Registry,
    client: ClientId,
) -> Result<ClientRecord, OptimisticOpError> {
    let (record, _) = clients::resolve(state, verifiers, client, None)?;
    if record.kind != VerifierKind::OPTIMISTIC {
        return Err(OptimisticOpError::NotOptimistic {
            client,
            kind: record.kind,
        });
    }
    Ok(record)
}

/// `[STRAIT-OPT.3]` `proposer` proposes `proposal` to `client` at time `now`: the kind's checks,
/// then the bond moves from the proposer to [`bond_escrow`] (`InsufficientBalance`: the whole
/// transaction fails, nothing is kept), then the proposal joins the maturity queue.
pub fn propose(
    state: &mut State,
    verifiers: &Registry,
    proposer: &Address32,
    client: ClientId,
    proposal: &Proposal,
    now: Timestamp,
    events: &mut Vec<BlockEvent>,
) -> Result<Pending, OptimisticOpError> {
    let record = optimistic(state, verifiers, client)?;
    if record.frozen {
        return Err(OptimisticOpError::Frozen(client));
    }
    let pending =
        strait_optimistic::propose(&mut Scope::new(state, client), proposer, proposal, now)?;
    crate::fees::transfer(state, proposer, &bond_escrow(), pending.bond)?;
    state.put(
        keys::maturity(pending.matures_at.get(), client, pending.height.get()),
        Vec::new(),
    );
    events.push(BlockEvent::Verifier(VerifierEvent::RootProposed {
        client,
        pending,
    }));
    Ok(pending)
}

fn parse_maturity(key: &[u8]) -> Option<(u64, ClientId, Height)> {
    let word = |i: usize| -> Option<u64> {
        Some(u64::from_be_bytes(
            key.get(1 + 8 * i..9 + 8 * i)?.try_into().ok()?,
        ))
    };
    (key.len() == 25).then_some(())?;
    Some((word(0)?, ClientId(word(1)?), Height(word(2)?)))
}

/// `[STRAIT-OPT.4]` End of block at time `now`: settles the due proposals, in maturity order, at
/// most [`MAX_SETTLE_PER_BLOCK`]; each settled one's bond goes back to its proposer. A due entry
/// of a paused client leaves the queue (a resume queues its proposals again).
pub fn end_block(
    state: &mut State,
    verifiers: &Registry,
    now: Timestamp,
    events: &mut Vec<BlockEvent>,
) -> Result<(), StoreError> {
    for _ in 0..MAX_SETTLE_PER_BLOCK {
        let Some((key, _)) = state.first_with_prefix(keys::MATURITY) else {
            break;
        };
        let key = key.to_vec();
        let (matures_at, client, height) = parse_maturity(&key).ok_or_else(|| StoreError {
            what: "maturity queue",
            reason: format!("a key of {} bytes", key.len()),
        })?;
        if matures_at > now.get() {
            break;
        }
        state.delete(&key);
        let (record, verifier) = match clients::resolve(state, verifiers, client, None) {
            Ok(found) => found,
            Err(e) => {
                return Err(e.corrupt().cloned().unwrap_or(StoreError {
                    what: "maturity queue",
                    reason: format!("queued client {client}: {e}"),
                }))
            }
        };
        let Some(settled) = strait_optimistic::settle(&mut Scope::new(state, client), height, now)?
        else {
            continue;
        };
        crate::fees::transfer(state, &bond_escrow(), &settled.proposer, settled.bond)
            .map_err(escrow_broken)?;
        clients::refresh(state, client, verifier, record.source).map_err(|e| match e {
            VerifierError::Store(e) => e,
            e => StoreError {
                what: "optimistic client",
                reason: e.to_string(),
            },
        })?;
        events.push(BlockEvent::Verifier(VerifierEvent::RootSettled {
            client,
            pending: settled,
        }));
    }
    Ok(())
}

/// `[STRAIT-CONFLICT.2]`, `[STRAIT-CONFLICT.3]` Checks `claim`, submitted by `submitter`, and
/// applies its effect: a pending proposal is discarded and its bond paid to the submitter; any
/// other contradicted client is frozen with the evidence kept. A refused claim changes nothing.
pub fn submit_conflict(
    state: &mut State,
    verifiers: &Registry,
    submitter: &Address32,
    claim: &Conflict,
    events: &mut Vec<BlockEvent>,
) -> Result<Verdict, OptimisticOpError> {
    let (accused, accused_kind) = clients::resolve(state, verifiers, claim.accused, None)?;
    let (reference, reference_kind) = clients::resolve(state, verifiers, claim.reference, None)?;
    let held = if accused.kind == VerifierKind::OPTIMISTIC {
        strait_optimistic::root_at(&View::new(state, claim.accused), claim.height)?
    } else {
        accused_kind
            .verified_root(&View::new(state, claim.accused), claim.height)
            .map_err(ClientOpError::from)?
            .map(RootAt::Settled)
    };
    let reference_root = reference_kind
        .verified_root(&View::new(state, claim.reference), claim.height)
        .map_err(ClientOpError::from)?;
    let side = |record: &ClientRecord, root, pending| Side {
        kind: record.kind,
        source: record.source,
        frozen: record.frozen,
        root,
        pending,
    };
    let accused_side = side(
        &accused,
        held.map(|h| h.root()),
        matches!(held, Some(RootAt::Pending(_))),
    );
    let reference_side = side(&reference, reference_root, false);
    let default = clients::default_client(state, accused.source);
    let (verdict, evidence) = check_conflict(claim, &accused_side, &reference_side, default)?;
    match verdict {
        Verdict::DiscardProposal => {
            let gone =
                strait_optimistic::discard(&mut Scope::new(state, claim.accused), claim.height)?;
            state.delete(&keys::maturity(
                gone.matures_at.get(),
                claim.accused,
                claim.height.get(),
            ));
            crate::fees::transfer(state, &bond_escrow(), submitter, gone.bond)
                .map_err(escrow_broken)?;
            events.push(BlockEvent::Verifier(VerifierEvent::ProposalDiscarded {
                client: claim.accused,
                pending: gone,
                reference_root: evidence.reference_root,
                paid_to: *submitter,
            }));
        }
        Verdict::Freeze => {
            state.put(keys::conflict(claim.accused), evidence.encode().to_vec());
            clients::refresh(state, claim.accused, accused_kind, accused.source)
                .map_err(ClientOpError::from)?;
            events.push(BlockEvent::Verifier(VerifierEvent::ClientFrozen {
                client: claim.accused,
                reason: format!(
                    "conflict: at source height {} it holds {}, the light client {} verified {}",
                    claim.height, evidence.accused_root, claim.reference, evidence.reference_root
                ),
            }));
        }
    }
    Ok(verdict)
}

/// The conflict evidence that froze `client`, if any.
pub fn conflict_evidence(
    state: &State,
    client: ClientId,
) -> Option<strait_optimistic::ConflictEvidence> {
    state
        .get(&keys::conflict(client))
        .and_then(|raw| strait_optimistic::ConflictEvidence::decode(raw).ok())
}

/// `[STRAIT-OPT.5]` A watcher of `client` pauses it.
pub fn watcher_pause(
    state: &mut State,
    verifiers: &Registry,
    watcher: &Address32,
    client: ClientId,
    events: &mut Vec<BlockEvent>,
) -> Result<(), OptimisticOpError> {
    optimistic(state, verifiers, client)?;
    strait_optimistic::pause(&mut Scope::new(state, client), watcher)?;
    events.push(BlockEvent::Verifier(VerifierEvent::ClientPaused {
        client,
        watcher: *watcher,
    }));
    Ok(())
}

/// `[STRAIT-OPT.6]` Guardians resume `client` at time `now`: it is paused (`NotPaused`, before any
/// signature), then at least [`guardians::UNPAUSE_THRESHOLD`] approvals over
/// [`client_resume_digest`] (the pause counter, so each approval is single-use), then every pending
/// proposal gets a new window from `now` and joins the maturity queue again.
pub fn resume(
    state: &mut State,
    verifiers: &Registry,
    chain: ChainId,
    client: ClientId,
    approvals: &[(u16, [u8; 64])],
    now: Timestamp,
    events: &mut Vec<BlockEvent>,
) -> Result<(), OptimisticOpError> {
    optimistic(state, verifiers, client)?;
    if !strait_optimistic::state::stored_state(&View::new(state, client))?.paused {
        return Err(OptimisticError::NotPaused.into());
    }
    guardians::approve_with(
        state,
        approvals,
        guardians::UNPAUSE_THRESHOLD,
        "resume a client",
        |counter| client_resume_digest(chain, client, counter),
    )?;
    for p in strait_optimistic::resume(&mut Scope::new(state, client), now)? {
        state.put(
            keys::maturity(p.matures_at.get(), client, p.height.get()),
            Vec::new(),
        );
    }
    events.push(BlockEvent::Verifier(VerifierEvent::ClientResumed {
        client,
    }));
    Ok(())
}

/// The pending proposals of the optimistic `client`.
pub fn pending_proposals(
    state: &State,
    verifiers: &Registry,
    client: ClientId,
) -> Result<Vec<Pending>, OptimisticOpError> {
    optimistic(state, verifiers, client)?;
    Ok(strait_optimistic::pending(&View::new(state, client))?)
}

/// The root `client` holds at `height`: what it verified, or for an optimistic client also a
/// pending proposal (what conflict evidence compares, `[STRAIT-CONFLICT.2]`).
pub fn client_root(
    state: &State,
    verifiers: &Registry,
    client: ClientId,
    height: Height,
) -> Result<Option<strait_primitives::Hash32>, OptimisticOpError> {
    let (record, verifier) = clients::resolve(state, verifiers, client, None)?;
    if record.kind == VerifierKind::OPTIMISTIC {
        return Ok(
            strait_optimistic::root_at(&View::new(state, client), height)?.map(|r| r.root()),
        );
    }
    Ok(verifier
        .verified_root(&View::new(state, client), height)
        .map_err(ClientOpError::from)?)
}

#[cfg(test)]
mod tests;
