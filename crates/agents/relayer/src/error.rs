//! Relayer errors, split into transient (retry later) and permanent (log and move on).

use strait_primitives::ChainId;

/// Why a relayer step failed.
#[derive(Debug, thiserror::Error)]
pub enum RelayerError {
    /// A chain answered with data the relayer cannot use (undecodable, inconsistent).
    #[error("chain {chain} sent bad data: {reason}")]
    BadData {
        /// The chain.
        chain: ChainId,
        /// What was wrong.
        reason: String,
    },
    /// A chain request failed (through the chain-client traits).
    #[error(transparent)]
    Chain(#[from] strait_chain_client::ChainError),
    /// The relayer's configuration is unusable.
    #[error("invalid relayer configuration: {0}")]
    Config(String),
    /// The destination's light client of the source is frozen: nothing can be relayed any more.
    #[error("client of chain {source_chain} on chain {destination} is frozen")]
    ClientFrozen {
        /// Chain the client follows.
        source_chain: ChainId,
        /// Chain that holds it.
        destination: ChainId,
    },
    /// The destination's default verifier of the source is of a kind this relayer cannot update:
    /// it builds BFT light-client updates, and committee certificates only for the committee
    /// clients it was given (`relay_attested`).
    #[error("chain {destination}'s verifier is of {kind}, which this relayer cannot update")]
    UnsupportedVerifier {
        /// Chain that holds it.
        destination: ChainId,
        /// Its kind.
        kind: strait_chain_client::VerifierKind,
    },
}

impl RelayerError {
    /// Whether the same step may succeed later: only a chain request that failed transiently
    /// (a node unreachable or overloaded, a relay not yet included).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Chain(e) => e.is_transient(),
            Self::BadData { .. }
            | Self::Config(_)
            | Self::ClientFrozen { .. }
            | Self::UnsupportedVerifier { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_and_permanent_errors() {
        let chain = ChainId(1);
        let unavailable = strait_chain_client::ChainError::Unavailable {
            chain,
            what: "relay",
            reason: "node down".into(),
        };
        assert!(RelayerError::from(unavailable).is_transient());
        let refused = strait_chain_client::ChainError::Refused {
            chain,
            what: "relay",
            reason: "bad signature".into(),
        };
        assert!(!RelayerError::from(refused).is_transient());
        assert!(!RelayerError::Config("x".into()).is_transient());
        assert!(!RelayerError::BadData {
            chain,
            reason: "x".into()
        }
        .is_transient());
        assert!(!RelayerError::ClientFrozen {
            source_chain: chain,
            destination: ChainId(2),
        }
        .is_transient());
    }
}
