//! The optimistic kind (`[STRAIT-OPT.1]` to `[STRAIT-OPT.8]`): [`OptimisticVerifier`] for the
//! registry, and the host-mediated operations on one client's scoped store.

use strait_primitives::{Address32, ChainId, Hash32, Height, Timestamp};
use strait_verifier::{
    ClientRead, ClientStatus, ClientStore, StoreError, Updated, Verifier, VerifierError,
    VerifierKind,
};

use crate::config::Config;
use crate::error::OptimisticError;
use crate::proposal::Proposal;
pub use crate::state::Pending;
use crate::state::{
    at, encode_root, pending_record, stored_config, stored_pending, stored_root, stored_state,
    ClientState, CONFIG, MAX_ROOTS, PENDING, ROOT, STATE,
};

/// The most proposals one client holds pending (`[STRAIT-OPT.3]`).
pub const MAX_PENDING: usize = 64;

/// The optimistic verifier kind (`[STRAIT-OPT.8]`).
#[derive(Clone, Copy, Debug, Default)]
pub struct OptimisticVerifier;

fn error(what: &'static str, e: OptimisticError) -> VerifierError {
    match e {
        OptimisticError::Decode(e) => VerifierError::Malformed {
            kind: VerifierKind::OPTIMISTIC,
            what,
            reason: e.to_string(),
        },
        OptimisticError::Store(e) => VerifierError::Store(e),
        e => VerifierError::Refused {
            kind: VerifierKind::OPTIMISTIC,
            name: e.name(),
            reason: e.to_string(),
            transient: false,
        },
    }
}

/// `[STRAIT-OPT.1]` Creates a client of `source` from its configuration.
pub fn create_client(
    store: &mut dyn ClientStore,
    source: ChainId,
    init: &[u8],
) -> Result<Height, OptimisticError> {
    let config = Config::decode(init)?;
    let state = ClientState {
        source,
        latest_height: Height(0),
        last_proposed: Height(0),
        paused: false,
        frozen: false,
    };
    store.put(CONFIG, config.encode());
    store.put(STATE, state.encode());
    Ok(Height(0))
}

/// `[STRAIT-OPT.3]` Accepts `proposal` by `proposer` at destination time `now`, checking in order:
/// not frozen (`Frozen`), not paused (`ClientPaused`), the proposer may propose (`NotProposer`),
/// the height above every earlier proposal (`HeightNotIncreasing`), fewer than [`MAX_PENDING`]
/// pending (`TooManyPending`). Returns the pending proposal, whose bond the host must take from the
/// proposer in the same transaction.
pub fn propose(
    store: &mut dyn ClientStore,
    proposer: &Address32,
    proposal: &Proposal,
    now: Timestamp,
) -> Result<Pending, OptimisticError> {
    let mut state = stored_state(store)?;
    if state.frozen {
        return Err(OptimisticError::Frozen);
    }
    if state.paused {
        return Err(OptimisticError::Paused);
    }
    let config = stored_config(store)?;
    if !config.may_propose(proposer) {
        return Err(OptimisticError::NotProposer(*proposer));
    }
    if proposal.height <= state.last_proposed {
        return Err(OptimisticError::HeightNotIncreasing {
            got: proposal.height,
            last: state.last_proposed,
        });
    }
    let pending = store.count_prefix(&[PENDING]);
    if pending >= MAX_PENDING {
        return Err(OptimisticError::TooManyPending {
            pending,
            max: MAX_PENDING,
        });
    }
    let record = Pending {
        height: proposal.height,
        root: proposal.root,
        leaf_count: proposal.leaf_count,
        proposer: *proposer,
        bond: config.bond,
        matures_at: Timestamp(now.get().saturating_add(config.window_ms)),
    };
    store.put(&at(PENDING, proposal.height), record.encode());
    state.last_proposed = proposal.height;
    store.put(STATE, state.encode());
    Ok(record)
}

/// `[STRAIT-OPT.4]` Settles the pending proposal at `height` if its window has passed at `now`
/// and the client is not paused: its root becomes verified (the latest height rises to it) and
/// the host returns its bond to the proposer. `None`: nothing pending there, not mature yet, or
/// paused (a resume gives every pending proposal a new maturity).
pub fn settle(
    store: &mut dyn ClientStore,
    height: Height,
    now: Timestamp,
) -> Result<Option<Pending>, StoreError> {
    let mut state = stored_state(store)?;
    let Some(pending) = stored_pending(store, height)? else {
        return Ok(None);
    };
    if state.paused || pending.matures_at > now {
        return Ok(None);
    }
    store.delete(&at(PENDING, height));
    store.put(
        &at(ROOT, height),
        encode_root(&pending.root, pending.leaf_count),
    );
    state.latest_height = state.latest_height.max(height);
    store.put(STATE, state.encode());
    let excess = store.count_prefix(&[ROOT]).saturating_sub(MAX_ROOTS);
    for _ in 0..excess {
        let Some((key, _)) = store.first_with_prefix(&[ROOT]) else {
            break;
        };
        store.delete(&key);
    }
    Ok(Some(pending))
}

/// `[STRAIT-CONFLICT.3]` Discards the pending proposal at `height` (proven wrong); the host pays
/// its bond to whoever proved it. The next proposal must still be above the highest height ever
/// proposed.
pub fn discard(store: &mut dyn ClientStore, height: Height) -> Result<Pending, OptimisticError> {
    let pending =
        stored_pending(store, height)?.ok_or(OptimisticError::NoPendingProposal(height))?;
    store.delete(&at(PENDING, height));
    Ok(pending)
}

/// `[STRAIT-OPT.5]` A watcher's pause: `watcher` is one of the client's watchers (`NotWatcher`),
/// the client is not paused already (`AlreadyPaused`). Its roots stop counting and nothing
/// settles until a resume.
pub fn pause(store: &mut dyn ClientStore, watcher: &Address32) -> Result<(), OptimisticError> {
    let mut state = stored_state(store)?;
    if !stored_config(store)?.may_pause(watcher) {
        return Err(OptimisticError::NotWatcher(*watcher));
    }
    if state.paused {
        return Err(OptimisticError::AlreadyPaused);
    }
    state.paused = true;
    store.put(STATE, state.encode());
    Ok(())
}

/// `[STRAIT-OPT.6]` Resumes a paused client (`NotPaused` otherwise; the host checks the
/// guardians' approvals first). Every pending proposal gets a whole new window from `now`, so
/// watchers have one after the resume. Returns the pending proposals, for the host's maturity
/// queue.
pub fn resume(
    store: &mut dyn ClientStore,
    now: Timestamp,
) -> Result<Vec<Pending>, OptimisticError> {
    let mut state = stored_state(store)?;
    if !state.paused {
        return Err(OptimisticError::NotPaused);
    }
    let window = stored_config(store)?.window_ms;
    state.paused = false;
    store.put(STATE, state.encode());
    let mut out = pending(store)?;
    for p in &mut out {
        p.matures_at = p
            .matures_at
            .max(Timestamp(now.get().saturating_add(window)));
        store.put(&at(PENDING, p.height), p.encode());
    }
    Ok(out)
}

/// The pending proposals, by height (at most [`MAX_PENDING`]).
pub fn pending(store: &(impl ClientRead + ?Sized)) -> Result<Vec<Pending>, StoreError> {
    let mut out = Vec::new();
    let Some((_, raw)) = store.first_with_prefix(&[PENDING]) else {
        return Ok(out);
    };
    let mut next = Some(pending_record(raw)?);
    while let Some(p) = next.take() {
        if out.len() >= MAX_PENDING {
            break;
        }
        let (_, above) = store.neighbours(&[PENDING], &at(PENDING, p.height));
        next = above.map(pending_record).transpose()?;
        out.push(p);
    }
    Ok(out)
}

/// What an optimistic client holds at a height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootAt {
    /// A proposal still in its window.
    Pending(Pending),
    /// A settled root.
    Settled(Hash32),
}

impl RootAt {
    /// The root.
    pub fn root(&self) -> Hash32 {
        match self {
            Self::Pending(p) => p.root,
            Self::Settled(r) => *r,
        }
    }
}

/// The root the client holds at `height`, pending or settled (what a conflict is about,
/// `[STRAIT-CONFLICT.2]`).
pub fn root_at(
    store: &(impl ClientRead + ?Sized),
    height: Height,
) -> Result<Option<RootAt>, StoreError> {
    if let Some(p) = stored_pending(store, height)? {
        return Ok(Some(RootAt::Pending(p)));
    }
    Ok(stored_root(store, height)?.map(|(root, _)| RootAt::Settled(root)))
}

impl Verifier for OptimisticVerifier {
    fn kind(&self) -> VerifierKind {
        VerifierKind::OPTIMISTIC
    }

    fn name(&self) -> &'static str {
        "optimistic"
    }

    fn create(
        &self,
        store: &mut dyn ClientStore,
        source: ChainId,
        init: &[u8],
    ) -> Result<Height, VerifierError> {
        create_client(store, source, init).map_err(|e| error("init config", e))
    }

    fn create_cost(&self, _init: &[u8]) -> Result<usize, VerifierError> {
        // A config verifies no signature: proposers and watchers are accounts, not keys.
        Ok(0)
    }

    fn update_cost(&self, _update: &[u8]) -> Result<usize, VerifierError> {
        Err(error("update", OptimisticError::NotSupported("updates")))
    }

    fn misbehaviour_cost(&self, _evidence: &[u8]) -> Result<usize, VerifierError> {
        Err(error("evidence", OptimisticError::NotSupported("evidence")))
    }

    fn update(
        &self,
        _store: &mut dyn ClientStore,
        _update: &[u8],
        _now: Timestamp,
    ) -> Result<Updated, VerifierError> {
        Err(error("update", OptimisticError::NotSupported("updates")))
    }

    fn submit_misbehaviour(
        &self,
        _store: &mut dyn ClientStore,
        _evidence: &[u8],
        _now: Timestamp,
    ) -> Result<(), VerifierError> {
        Err(error("evidence", OptimisticError::NotSupported("evidence")))
    }

    fn freeze(&self, store: &mut dyn ClientStore, _evidence: &[u8]) -> Result<(), VerifierError> {
        let mut state = stored_state(store)?;
        state.frozen = true;
        store.put(STATE, state.encode());
        Ok(())
    }

    fn status(&self, store: &dyn ClientRead) -> Result<ClientStatus, VerifierError> {
        Ok(if stored_state(store)?.frozen {
            ClientStatus::Frozen
        } else {
            ClientStatus::Active
        })
    }

    fn latest_height(&self, store: &dyn ClientRead) -> Result<Height, VerifierError> {
        Ok(stored_state(store)?.latest_height)
    }

    /// `[STRAIT-OPT.4]`, `[STRAIT-OPT.5]` Only settled roots count, and none while paused.
    fn verified_root(
        &self,
        store: &dyn ClientRead,
        height: Height,
    ) -> Result<Option<Hash32>, VerifierError> {
        if stored_state(store)?.paused {
            return Ok(None);
        }
        Ok(stored_root(store, height)?.map(|(root, _)| root))
    }
}
