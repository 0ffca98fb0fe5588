//! Per-route security (`docs/SPEC.md` §12, `[STRAIT-ROUTE.*]`): which verifiers must vouch for a
//! source root before a message under it executes.
//!
//! A [`SecurityConfig`] lists **required** clients (every one must vouch), **optional** clients of
//! which at least `threshold` must vouch, and a **finality** depth: each client that counts must
//! have verified a source header at least that many blocks above the proof height. Vouching means
//! verifying exactly the root the proof leads to, at exactly the proof height, so one proof and one
//! root serve every verifier of the route (`[STRAIT-ROUTE.3]`).

use serde::{Deserialize, Serialize};
use strait_primitives::{ChainId, ClientId, DecodeError, Hash32, Height, Reader};

use crate::{mutation, EndpointReader, ReceiveError};

/// Most verifiers (required plus optional) of one config (`[STRAIT-ROUTE.1]`).
pub const MAX_ROUTE_VERIFIERS: usize = 8;
/// Largest finality depth, in source blocks (`[STRAIT-ROUTE.1]`).
pub const MAX_FINALITY_BLOCKS: u64 = 100_000;
/// Version byte of the config encoding (`[STRAIT-ROUTE.2]`).
pub const SECURITY_CONFIG_VERSION: u8 = 1;
/// Longest encoding of a valid config: version, two counts, eight ids, threshold, finality.
pub const MAX_SECURITY_CONFIG_LEN: usize = 1 + 1 + 1 + 8 * MAX_ROUTE_VERIFIERS + 1 + 8;

/// How a receiving application wants the source roots of one source chain verified
/// (`[STRAIT-ROUTE.1]`). Build one with [`SecurityConfig::single`] or fill the fields and call
/// [`SecurityConfig::validate`]; hosts store only valid configs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SecurityConfig {
    /// Clients that must all vouch, in strictly increasing id order.
    pub required: Vec<ClientId>,
    /// Clients of which at least `threshold` must vouch, in strictly increasing id order.
    pub optional: Vec<ClientId>,
    /// How many optional clients must vouch: `1..=optional.len()`, or 0 when `optional` is empty.
    pub threshold: u8,
    /// Source blocks each counting client must have verified above the proof height.
    pub finality_blocks: u64,
}

/// Why a security config is not acceptable (`[STRAIT-ROUTE.1]`, `[STRAIT-ROUTE.2]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecurityConfigError {
    /// The bytes do not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// More than [`MAX_ROUTE_VERIFIERS`] clients in all.
    #[error("{got} verifiers, at most {max}")]
    TooManyVerifiers {
        /// Required plus optional.
        got: usize,
        /// The bound.
        max: usize,
    },
    /// No client would have to vouch: no required client and a threshold of 0.
    #[error("no verifier counts: no required client and no optional threshold")]
    NoVerifier,
    /// The threshold is 0 with optional clients, or above their number.
    #[error("threshold {got} of {optional} optional verifiers")]
    ThresholdOutOfRange {
        /// The threshold.
        got: u8,
        /// Number of optional clients.
        optional: usize,
    },
    /// A list is not in strictly increasing order (unsorted, or a client twice).
    #[error("verifier lists must be strictly increasing")]
    NotCanonical,
    /// A client is both required and optional.
    #[error("client {0} is both required and optional")]
    DuplicateVerifier(ClientId),
    /// The finality depth is above [`MAX_FINALITY_BLOCKS`].
    #[error("finality of {got} blocks, at most {max}")]
    FinalityTooLarge {
        /// The depth.
        got: u64,
        /// The bound.
        max: u64,
    },
}

impl SecurityConfigError {
    /// The protocol-level name (`docs/SPEC.md` §0).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.name(),
            Self::TooManyVerifiers { .. } => "TooManyVerifiers",
            Self::NoVerifier => "NoVerifier",
            Self::ThresholdOutOfRange { .. } => "ThresholdOutOfRange",
            Self::NotCanonical => "NotCanonical",
            Self::DuplicateVerifier(_) => "DuplicateVerifier",
            Self::FinalityTooLarge { .. } => "FinalityTooLarge",
        }
    }
}

impl SecurityConfig {
    /// One required client, no optional ones, no finality depth: the config of a receiver that
    /// trusts one client, and of every host default.
    pub fn single(client: ClientId) -> Self {
        Self {
            required: vec![client],
            optional: Vec::new(),
            threshold: 0,
            finality_blocks: 0,
        }
    }

    /// Every client of the config, required first.
    pub fn clients(&self) -> impl Iterator<Item = ClientId> + '_ {
        self.required.iter().chain(&self.optional).copied()
    }

    /// `[STRAIT-ROUTE.1]` The bounds, in this order: at most [`MAX_ROUTE_VERIFIERS`] clients
    /// (`TooManyVerifiers`); the threshold is 0 without optional clients and `1..=optional.len()`
    /// with them (`ThresholdOutOfRange`); some client counts (`NoVerifier`); each list strictly
    /// increasing (`NotCanonical`); no client in both (`DuplicateVerifier`); finality at most
    /// [`MAX_FINALITY_BLOCKS`] (`FinalityTooLarge`).
    pub fn validate(&self) -> Result<(), SecurityConfigError> {
        let total = self.required.len() + self.optional.len();
        if total > MAX_ROUTE_VERIFIERS {
            return Err(SecurityConfigError::TooManyVerifiers {
                got: total,
                max: MAX_ROUTE_VERIFIERS,
            });
        }
        let k = usize::from(self.threshold);
        if (self.optional.is_empty() && k != 0)
            || (!self.optional.is_empty() && (k == 0 || k > self.optional.len()))
        {
            return Err(SecurityConfigError::ThresholdOutOfRange {
                got: self.threshold,
                optional: self.optional.len(),
            });
        }
        if self.required.is_empty() && k == 0 {
            return Err(SecurityConfigError::NoVerifier);
        }
        let increasing = |l: &[ClientId]| l.windows(2).all(|w| w[0] < w[1]);
        if !increasing(&self.required) || !increasing(&self.optional) {
            return Err(SecurityConfigError::NotCanonical);
        }
        if let Some(both) = self
            .required
            .iter()
            .find(|c| self.optional.binary_search(c).is_ok())
        {
            return Err(SecurityConfigError::DuplicateVerifier(*both));
        }
        if self.finality_blocks > MAX_FINALITY_BLOCKS {
            return Err(SecurityConfigError::FinalityTooLarge {
                got: self.finality_blocks,
                max: MAX_FINALITY_BLOCKS,
            });
        }
        Ok(())
    }

    /// `[STRAIT-ROUTE.2]` `version u8 = 1 | n u8 | n × client u64 | m u8 | m × client u64 |
    /// threshold u8 | finality_blocks u64`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(MAX_SECURITY_CONFIG_LEN);
        out.push(SECURITY_CONFIG_VERSION);
        for list in [&self.required, &self.optional] {
            // A valid config has at most 8 clients per list; an invalid one is never stored.
            out.push(u8::try_from(list.len()).unwrap_or(u8::MAX));
            for client in list.iter().take(usize::from(u8::MAX)) {
                out.extend_from_slice(&client.to_be_bytes());
            }
        }
        out.push(self.threshold);
        out.extend_from_slice(&self.finality_blocks.to_be_bytes());
        out
    }

    /// `[STRAIT-ROUTE.2]` Decodes and validates untrusted bytes: the fields in order (a count above
    /// [`MAX_ROUTE_VERIFIERS`] is `TooLarge` before its ids are read), nothing after them, then
    /// [`Self::validate`]. Never panics.
    pub fn decode(bytes: &[u8]) -> Result<Self, SecurityConfigError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != SECURITY_CONFIG_VERSION {
            return Err(DecodeError::UnsupportedVersion {
                got: version,
                expected: SECURITY_CONFIG_VERSION,
            }
            .into());
        }
        let mut list = |what| -> Result<Vec<ClientId>, DecodeError> {
            let n = r.len_u8(what, MAX_ROUTE_VERIFIERS)?;
            (0..n).map(|_| r.u64().map(ClientId)).collect()
        };
        let required = list("required verifiers")?;
        let optional = list("optional verifiers")?;
        let config = Self {
            required,
            optional,
            threshold: r.u8()?,
            finality_blocks: r.u64()?,
        };
        r.finish()?;
        config.validate()?;
        Ok(config)
    }
}

/// `[STRAIT-ROUTE.3]`-`[STRAIT-ROUTE.5]`: the clients of `config` vouch for `root` of
/// `source_chain` at `height`. Required clients first, each in list order: it exists, follows the
/// source, is not frozen, verified a root at `height` (`RootNotVerified`, transient) and that root
/// is `root` (`RootMismatch`), and is final (`NotFinal`, transient). Then the optional clients: at
/// least `threshold` of them, not frozen and following the source, verified `root` at `height`
/// (`NotEnoughOptional`, transient), and at least `threshold` of those are final (`NotFinal`).
pub(crate) fn check_route<C: EndpointReader + ?Sized>(
    ctx: &C,
    config: &SecurityConfig,
    source_chain: ChainId,
    root: &Hash32,
    height: Height,
) -> Result<(), ReceiveError> {
    // [STRAIT-ROUTE.5] the source height every counting client must have verified.
    let needed = Height(height.get().saturating_add(config.finality_blocks));
    // Without a depth, a client that verified a root at `height` is final: skip the reads.
    let latest_of = |client| match config.finality_blocks {
        0 => height,
        _ => ctx.client_latest_height(client).unwrap_or_default(),
    };
    for &client in &config.required {
        check_required(ctx, client, source_chain, root, height)?;
        let latest = latest_of(client);
        if latest < needed {
            return Err(ReceiveError::NotFinal {
                height,
                needed,
                got: latest,
            });
        }
    }
    // [STRAIT-ROUTE.4] k of the optional clients, each vouching exactly as a required one would.
    let k = usize::from(config.threshold);
    if k == 0 {
        return Ok(());
    }
    let mut latest_of_vouching: Vec<Height> = config
        .optional
        .iter()
        .filter(|&&c| {
            ctx.client_chain(c) == Some(source_chain)
                && !ctx.client_frozen(c)
                && ctx.verified_root(c, height) == Some(*root)
        })
        .map(|&c| latest_of(c))
        .collect();
    if latest_of_vouching.len() < k {
        return Err(ReceiveError::NotEnoughOptional {
            got: latest_of_vouching.len(),
            needed: k,
            height,
        });
    }
    // The k-th highest latest height among them: k of them are final iff it is.
    latest_of_vouching.sort_unstable_by(|a, b| b.cmp(a));
    let kth = latest_of_vouching[k - 1];
    if kth < needed {
        return Err(ReceiveError::NotFinal {
            height,
            needed,
            got: kth,
        });
    }
    Ok(())
}

/// `[STRAIT-RECV.4]`, `[STRAIT-RECV.5]` for one required client: `root` is the outbox root that
/// `client` verified for `source_chain` at `height`.
fn check_required<C: EndpointReader + ?Sized>(
    ctx: &C,
    client: ClientId,
    source_chain: ChainId,
    root: &Hash32,
    height: Height,
) -> Result<(), ReceiveError> {
    let followed = ctx
        .client_chain(client)
        .ok_or(ReceiveError::UnknownClient(client))?;
    if followed != source_chain {
        return Err(ReceiveError::ClientChainMismatch {
            client,
            got: followed,
            expected: source_chain,
        });
    }
    if ctx.client_frozen(client) {
        return Err(ReceiveError::ClientFrozen(client));
    }
    let verified = ctx
        .verified_root(client, height)
        .ok_or(ReceiveError::RootNotVerified { client, height })?;
    if verified != *root && !mutation::is_planted(mutation::Mutation::NoProofCheck) {
        return Err(strait_merkle::MerkleError::RootMismatch {
            got: *root,
            expected: verified,
        }
        .into());
    }
    Ok(())
}
