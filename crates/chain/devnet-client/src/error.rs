//! Devnet client errors: a JSON-RPC failure, bad data from a node, a transaction not included in
//! time, or the relayer's own; split into transient (retry later) and permanent.

use jsonrpsee::core::ClientError;
use jsonrpsee::types::ErrorObjectOwned;
use strait_devnet_api::rpc::codes;
use strait_primitives::{ChainId, Hash32};
use strait_relayer::RelayerError;

/// Why a request to a devnet node, or the devnet relayer, failed.
#[derive(Debug, thiserror::Error)]
pub enum DevnetClientError {
    /// A JSON-RPC call failed (transport, timeout or an error answer).
    #[error("rpc {method} on {url}: {source}")]
    Rpc {
        /// The node's URL.
        url: String,
        /// The method called.
        method: &'static str,
        /// What the client reported.
        #[source]
        source: ClientError,
    },
    /// A node answered with data the client cannot use (undecodable, inconsistent).
    #[error("chain {chain} sent bad data: {reason}")]
    BadData {
        /// The chain.
        chain: ChainId,
        /// What was wrong.
        reason: String,
    },
    /// A submitted transaction was not included in time.
    #[error("transaction {hash} not included on chain {chain} within {waited_ms} ms")]
    TxTimeout {
        /// The chain.
        chain: ChainId,
        /// The transaction.
        hash: Hash32,
        /// How long the client waited.
        waited_ms: u64,
    },
    /// The relayer failed (its configuration, or a round).
    #[error(transparent)]
    Relayer(#[from] RelayerError),
}

impl DevnetClientError {
    /// Whether the same step may succeed later: transport failures, timeouts, an overloaded or
    /// internally failing node, a nonce that moved, a transaction not yet included.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Rpc { source, .. } => is_transient_client_error(source),
            Self::TxTimeout { .. } => true,
            Self::Relayer(e) => e.is_transient(),
            Self::BadData { .. } => false,
        }
    }

    /// Whether the node refused a transaction for its account nonce (the client must re-read it).
    pub fn is_nonce_error(&self) -> bool {
        matches!(self, Self::Rpc { source: ClientError::Call(e), .. } if is_nonce_call_error(e))
    }
}

/// Transient JSON-RPC failures: the connection, a timeout, a restarting client, an internal node
/// error, a full mempool, a stale nonce, an item that does not exist yet (a node just started).
pub fn is_transient_client_error(error: &ClientError) -> bool {
    match error {
        ClientError::Call(e) => {
            matches!(
                e.code(),
                codes::INTERNAL | codes::MEMPOOL_FULL | codes::NOT_FOUND
            ) || is_nonce_call_error(e)
        }
        ClientError::Transport(_) | ClientError::RestartNeeded(_) | ClientError::RequestTimeout => {
            true
        }
        _ => false,
    }
}

/// A nonce below the account's next one, or one that skips ahead of it (the client's cached nonce
/// is stale, e.g. the node restarted with an empty mempool): re-read the nonce and try again.
fn is_nonce_call_error(e: &ErrorObjectOwned) -> bool {
    e.code() == codes::NONCE_TOO_LOW || e.code() == codes::NONCE_GAP
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(code: i32) -> DevnetClientError {
        DevnetClientError::Rpc {
            url: "http://x".into(),
            method: "m",
            source: ClientError::Call(ErrorObjectOwned::owned(code, "e", None::<()>)),
        }
    }

    #[test]
    fn transient_and_permanent_errors() {
        assert!(call(codes::INTERNAL).is_transient());
        assert!(call(codes::MEMPOOL_FULL).is_transient());
        assert!(call(codes::NONCE_TOO_LOW).is_transient());
        assert!(call(codes::NONCE_TOO_LOW).is_nonce_error());
        assert!(!call(codes::BAD_SIGNATURE).is_transient());
        assert!(!call(codes::INVALID_REQUEST).is_transient());
        let gap = DevnetClientError::Rpc {
            url: "u".into(),
            method: "submitTransaction",
            source: ClientError::Call(ErrorObjectOwned::owned(
                codes::NONCE_GAP,
                "nonce 9 skips ahead: the account's next nonce is 7",
                None::<()>,
            )),
        };
        assert!(gap.is_transient() && gap.is_nonce_error());
        assert!(!call(codes::WRONG_CHAIN).is_transient());
        let timeout = DevnetClientError::Rpc {
            url: "u".into(),
            method: "m",
            source: ClientError::RequestTimeout,
        };
        assert!(timeout.is_transient());
        assert!(!DevnetClientError::from(RelayerError::Config("x".into())).is_transient());
    }
}
