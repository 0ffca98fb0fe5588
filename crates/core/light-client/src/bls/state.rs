//! What a BLS-mode client keeps (`[STRAIT-VERIFIER.BFT-BLS]`): its state and, per verified height,
//! a consensus state holding the next BLS set. Canonical encodings, as the devnet hashes them.
//!
//! ```text
//! consensus state = height u64 | timestamp u64 | header_hash [32] | app_state_root [32]
//!                   | outbox_root [32] | next_bls_validators (BLS set, [STRAIT-LC-BLS.1])
//! evidence        = kind u8 (0 ConflictingHeaders, 1 NonMonotonicTime) | summary | summary
//! summary         = the first 112 bytes of a consensus state (no set)
//! client state    = chain_id u64 | options (32) | latest_height u64 | frozen u8 (0 or 1)
//!                   | evidence (only when frozen is 1)
//! ```

use strait_primitives::{ChainId, DecodeError, Hash32, Height, Reader, Timestamp};

use super::{BlsLightBlock, BlsTrustedState, BlsValidatorSet, BlsValidatorSetError};
use crate::state_codec::{put_options, read_options};
use crate::{MisbehaviourKind, Options};

/// Bytes of a consensus state's summary: height, time and three hashes.
pub const SUMMARY_LEN: usize = 8 + 8 + 3 * 32;
/// Bytes of frozen evidence: the rule and two summaries.
pub const EVIDENCE_LEN: usize = 1 + 2 * SUMMARY_LEN;

/// A verified header, without its next set: what evidence keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderSummary {
    /// Its height.
    pub height: Height,
    /// Its time.
    pub timestamp: Timestamp,
    /// Its hash.
    pub header_hash: Hash32,
    /// Its application state root.
    pub app_state_root: Hash32,
    /// Its outbox root.
    pub outbox_root: Hash32,
}

impl HeaderSummary {
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.height.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(self.header_hash.as_bytes());
        out.extend_from_slice(self.app_state_root.as_bytes());
        out.extend_from_slice(self.outbox_root.as_bytes());
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            height: Height(r.u64()?),
            timestamp: Timestamp(r.u64()?),
            header_hash: Hash32(r.array()?),
            app_state_root: Hash32(r.array()?),
            outbox_root: Hash32(r.array()?),
        })
    }
}

/// What a BLS-mode client stores for each verified height.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlsConsensusState {
    /// The verified header.
    pub header: HeaderSummary,
    /// The BLS set its commit named to sign the next header.
    pub next_validators: BlsValidatorSet,
}

impl BlsConsensusState {
    /// The consensus state of a block (verified or not: the caller decides).
    pub fn from_block(block: &BlsLightBlock) -> Self {
        let h = &block.header;
        Self {
            header: HeaderSummary {
                height: h.height,
                timestamp: h.timestamp,
                header_hash: h.hash(),
                app_state_root: h.app_state_root,
                outbox_root: h.outbox_root,
            },
            next_validators: block.next_validators.clone(),
        }
    }

    /// The trusted state it gives on `chain_id`.
    pub fn trusted_state(&self, chain_id: ChainId) -> BlsTrustedState<'_> {
        BlsTrustedState {
            chain_id,
            height: self.header.height,
            timestamp: self.header.timestamp,
            next_validators: &self.next_validators,
        }
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(SUMMARY_LEN + self.next_validators.encoded_len());
        self.header.encode_into(&mut out);
        self.next_validators.encode_into(&mut out);
        out
    }

    /// Decodes bytes, checking every proof of possession of the set ([`BlsValidatorSet::new`]):
    /// a new client's initial trust.
    pub fn decode(bytes: &[u8]) -> Result<Self, BlsValidatorSetError> {
        let mut r = Reader::new(bytes);
        let header = HeaderSummary::read(&mut r)?;
        let next_validators = BlsValidatorSet::decode(r.rest())?;
        Ok(Self {
            header,
            next_validators,
        })
    }

    /// Decodes bytes a client stored (its proofs were checked when it was trusted): keys are
    /// checked, proofs are not.
    pub fn decode_stored(bytes: &[u8]) -> Result<Self, BlsValidatorSetError> {
        let mut r = Reader::new(bytes);
        let header = HeaderSummary::read(&mut r)?;
        let next_validators = BlsValidatorSet::decode_unproven(r.rest())?;
        Ok(Self {
            header,
            next_validators,
        })
    }
}

/// Two verified headers that cannot both be honest (`[STRAIT-LC-BLS.6]`), lower height first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlsEvidence {
    /// The rule broken.
    pub kind: MisbehaviourKind,
    /// The lower (or, at one height, the already known) header.
    pub first: HeaderSummary,
    /// The other header.
    pub second: HeaderSummary,
}

impl BlsEvidence {
    /// The canonical encoding ([`EVIDENCE_LEN`] bytes).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(EVIDENCE_LEN);
        self.encode_into(&mut out);
        out
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(match self.kind {
            MisbehaviourKind::ConflictingHeaders => 0,
            MisbehaviourKind::NonMonotonicTime => 1,
        });
        self.first.encode_into(out);
        self.second.encode_into(out);
    }

    /// Decodes untrusted bytes; rejects a rule byte above 1 (`Invalid`) and trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let evidence = Self::read(&mut r)?;
        r.finish()?;
        Ok(evidence)
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let kind = match r.u8()? {
            0 => MisbehaviourKind::ConflictingHeaders,
            1 => MisbehaviourKind::NonMonotonicTime,
            other => {
                return Err(DecodeError::Invalid {
                    what: "misbehaviour kind",
                    value: other.into(),
                })
            }
        };
        Ok(Self {
            kind,
            first: HeaderSummary::read(r)?,
            second: HeaderSummary::read(r)?,
        })
    }
}

/// A BLS-mode client's own state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlsClientState {
    /// The chain it follows.
    pub chain_id: ChainId,
    /// Verification parameters.
    pub options: Options,
    /// Highest verified height.
    pub latest_height: Height,
    /// The evidence that froze it, if it is frozen.
    pub frozen: Option<BlsEvidence>,
}

impl BlsClientState {
    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(49 + EVIDENCE_LEN);
        out.extend_from_slice(&self.chain_id.to_be_bytes());
        put_options(&self.options, &mut out);
        out.extend_from_slice(&self.latest_height.to_be_bytes());
        match &self.frozen {
            None => out.push(0),
            Some(evidence) => {
                out.push(1);
                evidence.encode_into(&mut out);
            }
        }
        out
    }

    /// Decodes stored bytes; never panics, rejects a flag outside 0 and 1 and trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let chain_id = ChainId(r.u64()?);
        let options = read_options(&mut r)?;
        let latest_height = Height(r.u64()?);
        let frozen = match r.u8()? {
            0 => None,
            1 => Some(BlsEvidence::read(&mut r)?),
            other => {
                return Err(DecodeError::Invalid {
                    what: "frozen flag",
                    value: other.into(),
                })
            }
        };
        r.finish()?;
        Ok(Self {
            chain_id,
            options,
            latest_height,
            frozen,
        })
    }
}
