//! The client state machine, host-agnostic as in ibc-rs: `validate_*` reads through
//! [`ClientReader`], `execute_*` writes through [`ClientWriter`], and the combined calls do one
//! then the other (`[STRAIT-LC-CLIENT.1]` to `[STRAIT-LC-CLIENT.6]`).
//!
//! A client trusts the consensus states it has stored. It freezes forever when it sees proof that
//! the chain's validators signed two conflicting headers, and a frozen client answers nothing.

use serde::{Deserialize, Serialize};
use strait_primitives::{ChainId, Hash32, Height, Timestamp};

use crate::{
    verify, LightBlock, NotYetReason, Options, OptionsError, TrustedState, ValidatorSet, Verdict,
    VerificationError,
};

/// What a host stores for each verified height (`[STRAIT-LC-CLIENT.1]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsensusState {
    /// Height of the verified header.
    pub height: Height,
    /// Its time.
    pub timestamp: Timestamp,
    /// Its hash.
    pub header_hash: Hash32,
    /// Its application state root.
    pub app_state_root: Hash32,
    /// Its outbox root: the root messages from this chain are proven against.
    pub outbox_root: Hash32,
    /// The set that signs the next header, trusted for verifying later headers.
    pub next_validators: ValidatorSet,
}

impl ConsensusState {
    /// The consensus state of a block (verified or not: the caller decides).
    pub fn from_light_block(block: &LightBlock) -> Self {
        let header = block.header();
        Self {
            height: header.height,
            timestamp: header.timestamp,
            header_hash: header.hash(),
            app_state_root: header.app_state_root,
            outbox_root: header.outbox_root,
            next_validators: block.next_validators.clone(),
        }
    }

    /// The trusted state this consensus state gives on `chain_id`.
    pub fn trusted_state(&self, chain_id: ChainId) -> TrustedState<'_> {
        TrustedState {
            chain_id,
            height: self.height,
            timestamp: self.timestamp,
            next_validators: &self.next_validators,
        }
    }
}

/// Which rule two verified headers break together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MisbehaviourKind {
    /// Two different headers at one height (equivocation or a fork).
    ConflictingHeaders,
    /// A higher header whose time is not after a lower one's (BFT time must increase).
    NonMonotonicTime,
}

/// Proof, kept in a frozen client, that the chain's validators misbehaved: two verified headers'
/// data that cannot both be honest (`[STRAIT-LC-CLIENT.4]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The rule broken.
    pub kind: MisbehaviourKind,
    /// The lower (or, at equal heights, the already known) header.
    pub first: ConsensusState,
    /// The other header.
    pub second: ConsensusState,
}

/// Misbehaviour as submitted by anyone: two light blocks, each with the stored height to verify it
/// from (`[STRAIT-LC-CLIENT.5]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Misbehaviour {
    /// Stored height that verifies `block_1`.
    pub trusted_height_1: Height,
    /// The first header.
    pub block_1: LightBlock,
    /// Stored height that verifies `block_2`.
    pub trusted_height_2: Height,
    /// The second header.
    pub block_2: LightBlock,
}

/// The client's own state (`[STRAIT-LC-CLIENT.1]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientState {
    /// The chain this client follows.
    pub chain_id: ChainId,
    /// Verification parameters.
    pub options: Options,
    /// Highest verified height.
    pub latest_height: Height,
    /// The evidence that froze the client, if it is frozen.
    pub frozen: Option<Evidence>,
}

impl ClientState {
    /// Whether the client is frozen.
    pub fn is_frozen(&self) -> bool {
        self.frozen.is_some()
    }
}

/// What [`validate_update`] decided, for [`execute_update`] to apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// A new verified consensus state, to be stored.
    Verified(ConsensusState),
    /// The header is already stored: nothing to do.
    Duplicate,
    /// The header verified but conflicts with a stored one: freeze.
    Misbehaviour(Box<Evidence>),
}

/// Why the client refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The client is frozen and answers nothing.
    #[error("client is frozen")]
    Frozen,
    /// No consensus state is stored at this height.
    #[error("no consensus state at height {height}")]
    ConsensusStateNotFound {
        /// The height asked for.
        height: Height,
    },
    /// The header cannot be verified yet: retry later or through an intermediate header.
    #[error("not yet verifiable: {0}")]
    NotYet(NotYetReason),
    /// The header is invalid.
    #[error("invalid header: {0}")]
    Invalid(VerificationError),
    /// The two submitted headers verify but do not conflict.
    #[error("headers at {height_1} and {height_2} do not conflict")]
    NotMisbehaviour {
        /// Height of the first header.
        height_1: Height,
        /// Height of the second header.
        height_2: Height,
    },
    /// The options of a new client are unsafe.
    #[error("invalid options: {0}")]
    Options(#[from] OptionsError),
    /// The host could not read the client's stored state (corrupt or unreadable storage): no
    /// verdict on any header; the host must stop and repair.
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub use strait_verifier::StoreError;

impl ClientError {
    /// Whether the same request may succeed later (only [`ClientError::NotYet`]).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::NotYet(_))
    }

    /// The SPEC name of the innermost cause (the variant name; verdicts and options delegate).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Frozen => "Frozen",
            Self::ConsensusStateNotFound { .. } => "ConsensusStateNotFound",
            Self::NotYet(r) => r.name(),
            Self::Invalid(e) => e.name(),
            Self::NotMisbehaviour { .. } => "NotMisbehaviour",
            Self::Options(e) => e.name(),
            Self::Store(_) => "Store",
        }
    }
}

/// Read access to a client's stored state.
///
/// # Examples
///
/// ```
/// use strait_light_client::*;
/// use strait_primitives::{ChainId, Hash32, Height, Timestamp};
///
/// let signer = Signer::from_seed([1; 32]);
/// let set = ValidatorSet::new(vec![Validator { pub_key: signer.public_key(), power: 10 }]).unwrap();
/// let trusted = ConsensusState {
///     height: Height(1),
///     timestamp: Timestamp(1_000),
///     header_hash: Hash32::ZERO,
///     app_state_root: Hash32::ZERO,
///     outbox_root: Hash32::ZERO,
///     next_validators: set.clone(),
/// };
/// let options = Options {
///     trust_threshold: TrustThreshold::ONE_THIRD,
///     trusting_period_ms: 3_600_000,
///     max_clock_drift_ms: 5_000,
/// };
/// let mut client = InMemoryClient::new(ChainId(7), options, trusted).unwrap();
///
/// let header = Header {
///     chain_id: ChainId(7),
///     height: Height(2),
///     timestamp: Timestamp(2_000),
///     outbox_root: Hash32([9; 32]),
///     validators_hash: set.hash(),
///     next_validators_hash: set.hash(),
///     ..Header::default()
/// };
/// let commit = sign_commit(&header, &set, &[&signer]);
/// let block = LightBlock {
///     signed_header: SignedHeader { header, commit },
///     validators: set.clone(),
///     next_validators: set,
/// };
/// update(&mut client, Height(1), &block, Timestamp(3_000)).unwrap();
/// assert_eq!(client.state().latest_height, Height(2));
/// assert_eq!(verified_outbox_root(&client, Height(2)), Ok(Hash32([9; 32])));
/// ```
pub trait ClientReader {
    /// The client's state.
    fn client_state(&self) -> Result<ClientState, StoreError>;
    /// The consensus state stored at exactly `height`.
    fn consensus_state(&self, height: Height) -> Result<Option<ConsensusState>, StoreError>;
    /// The stored consensus state with the highest height below `height`.
    fn consensus_state_before(&self, height: Height) -> Result<Option<ConsensusState>, StoreError>;
    /// The stored consensus state with the lowest height above `height`.
    fn consensus_state_after(&self, height: Height) -> Result<Option<ConsensusState>, StoreError>;
}

/// Write access to a client's stored state.
pub trait ClientWriter: ClientReader {
    /// Replaces the client's state.
    fn store_client_state(&mut self, state: ClientState);
    /// Stores the consensus state at `state.height`.
    fn store_consensus_state(&mut self, state: ConsensusState);
}

fn not_frozen(state: &ClientState) -> Result<(), ClientError> {
    match state.frozen {
        Some(_) => Err(ClientError::Frozen),
        None => Ok(()),
    }
}

fn trusted_consensus_state<C: ClientReader + ?Sized>(
    ctx: &C,
    height: Height,
) -> Result<ConsensusState, ClientError> {
    ctx.consensus_state(height)?
        .ok_or(ClientError::ConsensusStateNotFound { height })
}

/// Verifies `block` against the stored state at `trusted_height` (`[STRAIT-LC-CLIENT.2]`).
fn verify_from<C: ClientReader + ?Sized>(
    ctx: &C,
    state: &ClientState,
    trusted_height: Height,
    block: &LightBlock,
    now: Timestamp,
) -> Result<ConsensusState, ClientError> {
    let trusted = trusted_consensus_state(ctx, trusted_height)?;
    match verify(
        block,
        &trusted.trusted_state(state.chain_id),
        &state.options,
        now,
    ) {
        Verdict::Success => Ok(ConsensusState::from_light_block(block)),
        Verdict::NotYet(reason) => Err(ClientError::NotYet(reason)),
        Verdict::Invalid(error) => Err(ClientError::Invalid(error)),
    }
}

/// Decides what an update with `block`, verified from the stored state at `trusted_height`,
/// does (`[STRAIT-LC-CLIENT.2]`, `[STRAIT-LC-CLIENT.3]`). Reads only.
///
/// A frozen client refuses. A header already stored is a [`UpdateOutcome::Duplicate`], answered
/// before any signature is checked. Otherwise the header must verify; a verified header that
/// differs from the stored one at its height, or whose time is not strictly between the stored
/// neighbours' times, is [`UpdateOutcome::Misbehaviour`].
pub fn validate_update<C: ClientReader + ?Sized>(
    ctx: &C,
    trusted_height: Height,
    block: &LightBlock,
    now: Timestamp,
) -> Result<UpdateOutcome, ClientError> {
    let state = ctx.client_state()?;
    not_frozen(&state)?;
    let header = block.header();
    let existing = ctx.consensus_state(header.height)?;
    if existing
        .as_ref()
        .is_some_and(|e| e.header_hash == header.hash())
    {
        return Ok(UpdateOutcome::Duplicate);
    }
    let new = verify_from(ctx, &state, trusted_height, block, now)?;
    if let Some(existing) = existing {
        return Ok(UpdateOutcome::Misbehaviour(Box::new(Evidence {
            kind: MisbehaviourKind::ConflictingHeaders,
            first: existing,
            second: new,
        })));
    }
    if let Some(before) = ctx.consensus_state_before(new.height)? {
        if before.timestamp >= new.timestamp {
            return Ok(UpdateOutcome::Misbehaviour(Box::new(Evidence {
                kind: MisbehaviourKind::NonMonotonicTime,
                first: before,
                second: new,
            })));
        }
    }
    if let Some(after) = ctx.consensus_state_after(new.height)? {
        if after.timestamp <= new.timestamp {
            return Ok(UpdateOutcome::Misbehaviour(Box::new(Evidence {
                kind: MisbehaviourKind::NonMonotonicTime,
                first: new,
                second: after,
            })));
        }
    }
    Ok(UpdateOutcome::Verified(new))
}

/// Applies `outcome` (`[STRAIT-LC-CLIENT.3]`): stores a verified consensus state and raises the
/// latest height, freezes on misbehaviour (storing nothing else), ignores a duplicate. Fails only
/// when the host cannot read the client's state.
pub fn execute_update<C: ClientWriter + ?Sized>(
    ctx: &mut C,
    outcome: &UpdateOutcome,
) -> Result<(), ClientError> {
    match outcome {
        UpdateOutcome::Verified(consensus) => {
            let mut state = ctx.client_state()?;
            if consensus.height > state.latest_height {
                state.latest_height = consensus.height;
                ctx.store_client_state(state);
            }
            ctx.store_consensus_state(consensus.clone());
        }
        UpdateOutcome::Duplicate => {}
        UpdateOutcome::Misbehaviour(evidence) => freeze(ctx, (**evidence).clone())?,
    }
    Ok(())
}

/// [`validate_update`] then [`execute_update`]; returns the outcome applied.
pub fn update<C: ClientWriter + ?Sized>(
    ctx: &mut C,
    trusted_height: Height,
    block: &LightBlock,
    now: Timestamp,
) -> Result<UpdateOutcome, ClientError> {
    let outcome = validate_update(ctx, trusted_height, block, now)?;
    execute_update(ctx, &outcome)?;
    Ok(outcome)
}

/// Checks submitted misbehaviour (`[STRAIT-LC-CLIENT.5]`): both blocks must verify from stored
/// states (so both are for this client's chain) and conflict, either as two different headers at
/// one height or as a higher header whose time is not after the lower one's. Reads only.
pub fn validate_misbehaviour<C: ClientReader + ?Sized>(
    ctx: &C,
    misbehaviour: &Misbehaviour,
    now: Timestamp,
) -> Result<Evidence, ClientError> {
    let state = ctx.client_state()?;
    not_frozen(&state)?;
    let a = verify_from(
        ctx,
        &state,
        misbehaviour.trusted_height_1,
        &misbehaviour.block_1,
        now,
    )?;
    let b = verify_from(
        ctx,
        &state,
        misbehaviour.trusted_height_2,
        &misbehaviour.block_2,
        now,
    )?;
    let (height_1, height_2) = (a.height, b.height);
    let (first, second) = if a.height <= b.height { (a, b) } else { (b, a) };
    let kind = if first.height == second.height {
        (first.header_hash != second.header_hash).then_some(MisbehaviourKind::ConflictingHeaders)
    } else {
        (first.timestamp >= second.timestamp).then_some(MisbehaviourKind::NonMonotonicTime)
    };
    match kind {
        Some(kind) => Ok(Evidence {
            kind,
            first,
            second,
        }),
        None => Err(ClientError::NotMisbehaviour { height_1, height_2 }),
    }
}

/// Freezes the client with `evidence` (`[STRAIT-LC-CLIENT.4]`).
pub fn execute_misbehaviour<C: ClientWriter + ?Sized>(
    ctx: &mut C,
    evidence: Evidence,
) -> Result<(), ClientError> {
    freeze(ctx, evidence)
}

/// [`validate_misbehaviour`] then [`execute_misbehaviour`]; returns the evidence stored.
pub fn submit_misbehaviour<C: ClientWriter + ?Sized>(
    ctx: &mut C,
    misbehaviour: &Misbehaviour,
    now: Timestamp,
) -> Result<Evidence, ClientError> {
    let evidence = validate_misbehaviour(ctx, misbehaviour, now)?;
    execute_misbehaviour(ctx, evidence.clone())?;
    Ok(evidence)
}

fn freeze<C: ClientWriter + ?Sized>(ctx: &mut C, evidence: Evidence) -> Result<(), ClientError> {
    let mut state = ctx.client_state()?;
    state.frozen = Some(evidence);
    ctx.store_client_state(state);
    Ok(())
}

/// The outbox root verified at `height` (`[STRAIT-LC-CLIENT.6]`): what message proofs from this
/// chain are checked against. Fails if the client is frozen or nothing is stored at `height`.
pub fn verified_outbox_root<C: ClientReader + ?Sized>(
    ctx: &C,
    height: Height,
) -> Result<Hash32, ClientError> {
    not_frozen(&ctx.client_state()?)?;
    Ok(trusted_consensus_state(ctx, height)?.outbox_root)
}
