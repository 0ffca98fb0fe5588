//! Conflict evidence (`[STRAIT-CONFLICT.1]` to `[STRAIT-CONFLICT.4]`): the pure rule that decides
//! whether a client is contradicted by the source's light client on the same host.
//!
//! The evidence is not a proof carried in the transaction: it names two clients of the host and a
//! height, and the host reads what each holds there. The *reference* must be the host's default
//! client of the source (its light client, trusted by governance at genesis), because clients
//! are permissionless: a client of a made-up validator set could otherwise "contradict" an honest
//! one. Everything else is decided here, from [`Side`]s the host fills in, so the rule is tested
//! without a host and a forged conflict harms nobody.

use strait_primitives::{ChainId, ClientId, DecodeError, Hash32, Height, Reader};
use strait_verifier::VerifierKind;

/// Length of an encoded [`Conflict`] claim.
pub const CONFLICT_LEN: usize = 24;
/// Length of encoded [`ConflictEvidence`].
pub const EVIDENCE_LEN: usize = 32 + 64;

/// Kinds that are light clients of a source's consensus: the BFT light client (1) and the
/// BFT light client of BLS-signed headers (5, `docs/SPEC.md` §5.7).
pub const LIGHT_CLIENT_KINDS: [VerifierKind; 2] = [VerifierKind::BFT, VerifierKind(5)];

/// A claim that `accused` holds at `height` a root that `reference` contradicts
/// (`[STRAIT-CONFLICT.1]`): `accused u64 | reference u64 | height u64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The client accused of a wrong root.
    pub accused: ClientId,
    /// The source's light client on the host.
    pub reference: ClientId,
    /// The source height.
    pub height: Height,
}

impl Conflict {
    /// The encoding above.
    pub fn encode(&self) -> [u8; CONFLICT_LEN] {
        let mut out = [0u8; CONFLICT_LEN];
        out[..8].copy_from_slice(&self.accused.to_be_bytes());
        out[8..16].copy_from_slice(&self.reference.to_be_bytes());
        out[16..].copy_from_slice(&self.height.to_be_bytes());
        out
    }

    /// Reads a claim (each field present, `Truncated`).
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            accused: ClientId(r.u64()?),
            reference: ClientId(r.u64()?),
            height: Height(r.u64()?),
        })
    }
}

/// What the host knows of one side of a conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Side {
    /// The client's kind.
    pub kind: VerifierKind,
    /// The chain it follows.
    pub source: ChainId,
    /// Frozen on the host (by its kind or by earlier conflict evidence).
    pub frozen: bool,
    /// The root it holds at the height: verified, or for an optimistic client also pending.
    pub root: Option<Hash32>,
    /// The root is an optimistic proposal still in its window.
    pub pending: bool,
}

/// What a valid conflict does (`[STRAIT-CONFLICT.3]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The accused's root is a pending proposal: it is discarded and its bond paid to the
    /// submitter.
    DiscardProposal,
    /// The accused verified the root: it is frozen, with the evidence recorded.
    Freeze,
}

/// A checked conflict, as the host records it with a freeze (`[STRAIT-CONFLICT.4]`):
/// `claim (24) | source u64 | accused_root [32] | reference_root [32]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConflictEvidence {
    /// The claim.
    pub claim: Conflict,
    /// The source both clients follow.
    pub source: ChainId,
    /// What the accused held.
    pub accused_root: Hash32,
    /// What the reference verified.
    pub reference_root: Hash32,
}

impl ConflictEvidence {
    /// The encoding above.
    pub fn encode(&self) -> [u8; EVIDENCE_LEN] {
        let mut out = [0u8; EVIDENCE_LEN];
        out[..24].copy_from_slice(&self.claim.encode());
        out[24..32].copy_from_slice(&self.source.to_be_bytes());
        out[32..64].copy_from_slice(&self.accused_root.0);
        out[64..].copy_from_slice(&self.reference_root.0);
        out
    }

    /// Decodes exactly one record.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let evidence = Self {
            claim: Conflict::read(&mut r)?,
            source: ChainId(r.u64()?),
            accused_root: Hash32(r.array()?),
            reference_root: Hash32(r.array()?),
        };
        r.finish()?;
        Ok(evidence)
    }
}

/// Why conflict evidence is refused (`[STRAIT-CONFLICT.2]`): nothing changes, nobody is harmed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConflictError {
    /// The accused and the reference are one client.
    #[error("client {0} cannot contradict itself")]
    SameClient(ClientId),
    /// The reference follows another chain than the accused.
    #[error("the reference follows chain {got}, the accused {expected}")]
    SourceMismatch {
        /// The reference's source.
        got: ChainId,
        /// The accused's source.
        expected: ChainId,
    },
    /// The reference is not the host's light client of the source.
    #[error("client {0} is not the host's light client of the source")]
    NotReference(ClientId),
    /// The reference is of a kind that is not a light client.
    #[error("the reference is of {0}, not a light client")]
    NotLightClient(VerifierKind),
    /// The reference is frozen: it vouches for nothing.
    #[error("the reference is frozen")]
    ReferenceFrozen,
    /// The accused is frozen already and has no pending proposal there: nothing left to do.
    #[error("the accused is frozen already")]
    AlreadyFrozen,
    /// The reference verified no root at the height.
    #[error("the reference verified no root at height {0}")]
    NoReferenceRoot(Height),
    /// The accused holds no root at the height.
    #[error("the accused holds no root at height {0}")]
    NoAccusedRoot(Height),
    /// Both hold the same root: no conflict.
    #[error("both clients hold the same root at height {0}")]
    NotConflicting(Height),
}

impl ConflictError {
    /// The SPEC name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SameClient(_) => "SameClient",
            Self::SourceMismatch { .. } => "SourceMismatch",
            Self::NotReference(_) => "NotReference",
            Self::NotLightClient(_) => "NotLightClient",
            Self::ReferenceFrozen => "ReferenceFrozen",
            Self::AlreadyFrozen => "AlreadyFrozen",
            Self::NoReferenceRoot(_) => "NoReferenceRoot",
            Self::NoAccusedRoot(_) => "NoAccusedRoot",
            Self::NotConflicting(_) => "NotConflicting",
        }
    }
}

/// `[STRAIT-CONFLICT.2]` Decides `claim`, given what the host holds for each side and its
/// default client of the accused's source (`default_of_source`). Checks, in order: two clients
/// (`SameClient`); one source (`SourceMismatch`); the reference is the host's default client of
/// it (`NotReference`), a light client (`NotLightClient`), not frozen (`ReferenceFrozen`); the
/// accused is not frozen unless its root there is pending (`AlreadyFrozen`); the reference has a
/// root at the height (`NoReferenceRoot`), the accused too (`NoAccusedRoot`); they differ
/// (`NotConflicting`).
pub fn check_conflict(
    claim: &Conflict,
    accused: &Side,
    reference: &Side,
    default_of_source: Option<ClientId>,
) -> Result<(Verdict, ConflictEvidence), ConflictError> {
    if claim.accused == claim.reference {
        return Err(ConflictError::SameClient(claim.accused));
    }
    if reference.source != accused.source {
        return Err(ConflictError::SourceMismatch {
            got: reference.source,
            expected: accused.source,
        });
    }
    if default_of_source != Some(claim.reference) {
        return Err(ConflictError::NotReference(claim.reference));
    }
    if !LIGHT_CLIENT_KINDS.contains(&reference.kind) {
        return Err(ConflictError::NotLightClient(reference.kind));
    }
    if reference.frozen {
        return Err(ConflictError::ReferenceFrozen);
    }
    if accused.frozen && !accused.pending {
        return Err(ConflictError::AlreadyFrozen);
    }
    let reference_root = reference
        .root
        .ok_or(ConflictError::NoReferenceRoot(claim.height))?;
    let accused_root = accused
        .root
        .ok_or(ConflictError::NoAccusedRoot(claim.height))?;
    if accused_root == reference_root {
        return Err(ConflictError::NotConflicting(claim.height));
    }
    let verdict = if accused.pending {
        Verdict::DiscardProposal
    } else {
        Verdict::Freeze
    };
    Ok((
        verdict,
        ConflictEvidence {
            claim: *claim,
            source: accused.source,
            accused_root,
            reference_root,
        },
    ))
}
