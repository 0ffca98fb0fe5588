//! The JSON-RPC requests of an EVM source, each bounded by a timeout, their errors as
//! [`ChainError`]s: transport failures, timeouts and "later" answers (rate limits) are
//! `Unavailable`, undecodable answers `BadData`, any other refusal `Refused`.

use core::future::IntoFuture;
use core::time::Duration;

use alloy::eips::BlockId;
use alloy::primitives::{Address, B256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::{Filter, Log};
use alloy::transports::{RpcError, TransportError};
use strait_chain_client::ChainError;
use strait_primitives::{ChainId, Hash32};

use crate::abi::endpoint::StraitEndpoint;

/// A node's JSON-RPC interface, for one chain and one endpoint.
#[derive(Clone, Debug)]
pub(crate) struct SourceRpc {
    pub provider: DynProvider,
    pub chain: ChainId,
    pub endpoint: Address,
    pub timeout: Duration,
}

impl SourceRpc {
    pub fn unavailable(&self, what: &'static str, reason: impl Into<String>) -> ChainError {
        ChainError::Unavailable {
            chain: self.chain,
            what,
            reason: reason.into(),
        }
    }

    pub fn bad(&self, what: &'static str, reason: impl Into<String>) -> ChainError {
        ChainError::BadData {
            chain: self.chain,
            what,
            reason: reason.into(),
        }
    }

    pub fn refused(&self, what: &'static str, reason: impl Into<String>) -> ChainError {
        ChainError::Refused {
            chain: self.chain,
            what,
            reason: reason.into(),
        }
    }

    /// A transport error as a chain error.
    pub fn error(&self, what: &'static str, e: &TransportError) -> ChainError {
        let reason = e.to_string();
        match e {
            RpcError::Transport(_) | RpcError::NullResp => self.unavailable(what, reason),
            RpcError::ErrorResp(payload) if payload.is_retry_err() => {
                self.unavailable(what, reason)
            }
            RpcError::DeserError { .. } => self.bad(what, reason),
            _ => self.refused(what, reason),
        }
    }

    /// `request`, bounded by the timeout.
    pub(crate) async fn bounded<T, E>(
        &self,
        what: &'static str,
        request: impl IntoFuture<Output = Result<T, E>>,
        map: impl FnOnce(E) -> ChainError,
    ) -> Result<T, ChainError> {
        match tokio::time::timeout(self.timeout, request.into_future()).await {
            Ok(result) => result.map_err(map),
            Err(_) => Err(self.unavailable(what, format!("no answer within {:?}", self.timeout))),
        }
    }

    /// The number of the chain's head block.
    pub async fn head(&self) -> Result<u64, ChainError> {
        let what = "eth_blockNumber";
        self.bounded(what, self.provider.get_block_number(), |e| {
            self.error(what, &e)
        })
        .await
    }

    /// The hash of block `number`, `None` when the chain has no such block.
    pub async fn block_hash(&self, number: u64) -> Result<Option<Hash32>, ChainError> {
        let what = "eth_getBlockByNumber";
        let block = self
            .bounded(
                what,
                self.provider.get_block_by_number(number.into()),
                |e| self.error(what, &e),
            )
            .await?;
        match block {
            None => Ok(None),
            Some(block) if block.header.number != number => Err(self.bad(
                what,
                format!("asked block {number}, got {}", block.header.number),
            )),
            Some(block) => Ok(Some(Hash32(block.header.hash.0))),
        }
    }

    /// The chain's id as the node reports it.
    pub async fn chain_id(&self) -> Result<u64, ChainError> {
        let what = "eth_chainId";
        self.bounded(what, self.provider.get_chain_id(), |e| self.error(what, &e))
            .await
    }

    /// The logs `filter` selects (the caller bounds its block range).
    pub async fn logs(&self, filter: &Filter) -> Result<Vec<Log>, ChainError> {
        let what = "eth_getLogs";
        self.bounded(what, self.provider.get_logs(filter), |e| {
            self.error(what, &e)
        })
        .await
    }

    /// `eth_call` of `data` on `to` at the head: the returned bytes.
    pub async fn call(&self, to: Address, data: Vec<u8>) -> Result<Vec<u8>, ChainError> {
        let what = "eth_call";
        let request = alloy::rpc::types::TransactionRequest::default()
            .to(to)
            .input(data.into());
        let out = self
            .bounded(what, self.provider.call(request), |e| self.error(what, &e))
            .await?;
        Ok(out.to_vec())
    }

    /// The input of transaction `hash`, `None` when the node does not know it.
    pub async fn transaction_input(&self, hash: B256) -> Result<Option<Vec<u8>>, ChainError> {
        let what = "eth_getTransactionByHash";
        let tx = self
            .bounded(what, self.provider.get_transaction_by_hash(hash), |e| {
                self.error(what, &e)
            })
            .await?;
        Ok(tx.map(|tx| {
            use alloy::consensus::Transaction as _;
            tx.input().to_vec()
        }))
    }

    /// The endpoint's `Sent` logs in blocks `from..=to`, for `destination` only when given.
    pub async fn sent_logs(
        &self,
        from: u64,
        to: u64,
        destination: Option<ChainId>,
    ) -> Result<Vec<Log>, ChainError> {
        let what = "eth_getLogs";
        let mut filter = Filter::new()
            .address(self.endpoint)
            .event_signature(<StraitEndpoint::Sent as alloy::sol_types::SolEvent>::SIGNATURE_HASH)
            .from_block(from)
            .to_block(to);
        if let Some(destination) = destination {
            filter = filter.topic2(B256::left_padding_from(&destination.to_be_bytes()));
        }
        self.bounded(what, self.provider.get_logs(&filter), |e| {
            self.error(what, &e)
        })
        .await
    }

    /// The endpoint's outbox root and size in the state of block `hash`; the empty outbox when
    /// the endpoint has no code there (before its deployment).
    pub async fn outbox_at(&self, hash: Hash32) -> Result<(Hash32, u64), ChainError> {
        let what = "eth_call";
        let endpoint = StraitEndpoint::new(self.endpoint, &self.provider);
        let block = BlockId::from(B256::from(hash.0));
        let call_error = |e: alloy::contract::Error| match e {
            alloy::contract::Error::TransportError(e) => self.error(what, &e),
            e => self.bad(what, e.to_string()),
        };
        let count = match tokio::time::timeout(
            self.timeout,
            endpoint.outboxCount().block(block).call().into_future(),
        )
        .await
        {
            Err(_) => {
                return Err(self.unavailable(what, format!("no answer within {:?}", self.timeout)))
            }
            Ok(Err(alloy::contract::Error::ZeroData(..))) => {
                return Ok((strait_merkle::empty_root(), 0))
            }
            Ok(Err(e)) => return Err(call_error(e)),
            Ok(Ok(count)) => count,
        };
        let count = u64::try_from(count)
            .map_err(|_| self.bad(what, format!("outbox count {count} is not a u64")))?;
        let root = self
            .bounded(what, endpoint.outboxRoot().block(block).call(), call_error)
            .await?;
        Ok((Hash32(root.0), count))
    }

    /// Whether the endpoint has code at the head.
    pub async fn endpoint_deployed(&self) -> Result<bool, ChainError> {
        let what = "eth_getCode";
        let code = self
            .bounded(what, self.provider.get_code_at(self.endpoint), |e| {
                self.error(what, &e)
            })
            .await?;
        Ok(!code.is_empty())
    }
}
