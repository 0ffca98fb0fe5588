//! Canonical binary encodings of what a host stores for a client (`[STRAIT-LC-CLIENT.7]`): the
//! client state and its consensus states. A host hashes what it stores (the devnet's app-state
//! root), so the layout is part of the protocol, not a serialization detail.
//!
//! ```text
//! options         = trust numerator u64 | trust denominator u64 | trusting_period_ms u64
//!                   | max_clock_drift_ms u64                                  (32 bytes)
//! consensus state = height u64 | timestamp u64 | header_hash [32] | app_state_root [32]
//!                   | outbox_root [32] | next_validators (validator set, §5.1)
//! evidence        = kind u8 (0 conflicting headers, 1 non-monotonic time)
//!                   | u32 len | first consensus state | u32 len | second consensus state
//! client state    = chain_id u64 | options | latest_height u64 | frozen u8 (0 | 1)
//!                   | evidence (only when frozen is 1)
//! ```

use strait_primitives::{ChainId, DecodeError, Hash32, Height, Reader, Timestamp};

use crate::{
    ClientState, ConsensusState, Evidence, MisbehaviourKind, Options, TrustThreshold, ValidatorSet,
    ValidatorSetError, MAX_VALIDATORS, VALIDATOR_ENCODED_LEN,
};

/// Largest encoded consensus state: the fixed part and the largest validator set.
pub const MAX_CONSENSUS_STATE_LEN: usize =
    8 + 8 + 3 * 32 + 4 + VALIDATOR_ENCODED_LEN * MAX_VALIDATORS;

/// Why stored client bytes do not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateDecodeError {
    /// Malformed bytes.
    #[error("malformed client state: {0}")]
    Decode(#[from] DecodeError),
    /// The stored next validator set is not canonical.
    #[error("stored validator set: {0}")]
    ValidatorSet(#[from] ValidatorSetError),
}

impl StateDecodeError {
    /// The SPEC name of the innermost cause.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.name(),
            Self::ValidatorSet(e) => e.name(),
        }
    }
}

pub(crate) fn put_options(options: &Options, out: &mut Vec<u8>) {
    out.extend_from_slice(&options.trust_threshold.numerator.to_be_bytes());
    out.extend_from_slice(&options.trust_threshold.denominator.to_be_bytes());
    out.extend_from_slice(&options.trusting_period_ms.to_be_bytes());
    out.extend_from_slice(&options.max_clock_drift_ms.to_be_bytes());
}

pub(crate) fn read_options(r: &mut Reader<'_>) -> Result<Options, DecodeError> {
    Ok(Options {
        trust_threshold: TrustThreshold {
            numerator: r.u64()?,
            denominator: r.u64()?,
        },
        trusting_period_ms: r.u64()?,
        max_clock_drift_ms: r.u64()?,
    })
}

impl ConsensusState {
    /// Appends the canonical encoding.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.height.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(self.header_hash.as_bytes());
        out.extend_from_slice(self.app_state_root.as_bytes());
        out.extend_from_slice(self.outbox_root.as_bytes());
        self.next_validators.encode_into(out);
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + 8 + 96 + self.next_validators.encoded_len());
        self.encode_into(&mut out);
        out
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, StateDecodeError> {
        Ok(Self {
            height: Height(r.u64()?),
            timestamp: Timestamp(r.u64()?),
            header_hash: Hash32(r.array()?),
            app_state_root: Hash32(r.array()?),
            outbox_root: Hash32(r.array()?),
            next_validators: ValidatorSet::read(r)?,
        })
    }

    /// Decodes stored bytes; never panics, rejects trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, StateDecodeError> {
        let mut r = Reader::new(bytes);
        let state = Self::read(&mut r)?;
        r.finish()?;
        Ok(state)
    }
}

impl Evidence {
    /// Appends the canonical encoding.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(match self.kind {
            MisbehaviourKind::ConflictingHeaders => 0,
            MisbehaviourKind::NonMonotonicTime => 1,
        });
        for state in [&self.first, &self.second] {
            let bytes = state.encode();
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(&bytes);
        }
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// Decodes untrusted bytes; never panics, every length bounded, rejects trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, StateDecodeError> {
        let mut r = Reader::new(bytes);
        let evidence = Self::read(&mut r)?;
        r.finish()?;
        Ok(evidence)
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, StateDecodeError> {
        let kind = match r.u8()? {
            0 => MisbehaviourKind::ConflictingHeaders,
            1 => MisbehaviourKind::NonMonotonicTime,
            other => {
                return Err(DecodeError::Invalid {
                    what: "misbehaviour kind",
                    value: other.into(),
                }
                .into())
            }
        };
        let mut read_state = || -> Result<_, StateDecodeError> {
            let len = r.len_u32("consensus state length", MAX_CONSENSUS_STATE_LEN)?;
            ConsensusState::decode(r.bytes(len)?)
        };
        let first = read_state()?;
        let second = read_state()?;
        Ok(Self {
            kind,
            first,
            second,
        })
    }
}

impl ClientState {
    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(57);
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

    /// Decodes stored bytes; never panics, every length bounded, rejects trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, StateDecodeError> {
        let mut r = Reader::new(bytes);
        let chain_id = ChainId(r.u64()?);
        let options = read_options(&mut r)?;
        let latest_height = Height(r.u64()?);
        let frozen = match r.u8()? {
            0 => None,
            1 => Some(Evidence::read(&mut r)?),
            other => {
                return Err(DecodeError::Invalid {
                    what: "frozen flag",
                    value: other.into(),
                }
                .into())
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{Signer, Validator};

    fn consensus(h: u64) -> ConsensusState {
        let set = ValidatorSet::new(vec![Validator {
            pub_key: Signer::from_seed([h as u8; 32]).public_key(),
            power: 7,
        }])
        .unwrap();
        ConsensusState {
            height: Height(h),
            timestamp: Timestamp(h * 10),
            header_hash: Hash32([1; 32]),
            app_state_root: Hash32([2; 32]),
            outbox_root: Hash32([3; 32]),
            next_validators: set,
        }
    }

    fn client(frozen: bool) -> ClientState {
        ClientState {
            chain_id: ChainId(9),
            options: Options {
                trust_threshold: TrustThreshold::ONE_THIRD,
                trusting_period_ms: 1_000,
                max_clock_drift_ms: 5,
            },
            latest_height: Height(4),
            frozen: frozen.then(|| Evidence {
                kind: MisbehaviourKind::NonMonotonicTime,
                first: consensus(3),
                second: consensus(4),
            }),
        }
    }

    #[test]
    fn states_round_trip_and_the_layout_is_fixed() {
        for frozen in [false, true] {
            let state = client(frozen);
            let bytes = state.encode();
            assert_eq!(ClientState::decode(&bytes), Ok(state));
        }
        let bytes = client(false).encode();
        assert_eq!(bytes.len(), 8 + 32 + 8 + 1);
        assert_eq!(&bytes[..8], &9u64.to_be_bytes());
        let c = consensus(5);
        let encoded = c.encode();
        assert_eq!(encoded.len(), 16 + 96 + 4 + 40);
        assert_eq!(ConsensusState::decode(&encoded), Ok(c));
    }

    #[test]
    fn corrupt_bytes_are_typed_errors() {
        let mut bytes = client(false).encode();
        *bytes.last_mut().unwrap() = 2;
        assert_eq!(ClientState::decode(&bytes).unwrap_err().name(), "Invalid");
        let mut long = client(true).encode();
        long.push(0);
        assert_eq!(
            ClientState::decode(&long).unwrap_err().name(),
            "TrailingBytes"
        );
        let short = consensus(1).encode();
        assert_eq!(
            ConsensusState::decode(&short[..short.len() - 1])
                .unwrap_err()
                .name(),
            "Truncated"
        );
    }

    proptest! {
        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = ClientState::decode(&bytes);
            let _ = ConsensusState::decode(&bytes);
        }
    }
}
