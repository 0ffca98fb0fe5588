//! The transaction manager: one signer's transactions on one EVM chain, for long-running agents
//! (SPEC `[STRAIT-AGENT.EVM-TX]`).
//!
//! A transaction is first run as a call (`eth_call`): a revert is reported with its decoded
//! error ([`RevertReason`], e.g. `RootMismatch: got: 0x.., expected: 0x..`), costs nothing and takes no
//! nonce. It then gets an EIP-2930 access list from the node (`eth_createAccessList`, less the
//! entries that cannot save gas: [`worthwhile`]), so that the storage and accounts it touches are
//! paid for at the list's lower price. Its gas is then estimated (`eth_estimateGas`, with the
//! list) and given a margin. Its nonce comes from
//! a local counter started from the chain's pending count (so a new manager, after a restart,
//! continues where the chain is), handed out under a lock (concurrent sends get consecutive
//! nonces), re-read when the node says "nonce too low". Fees are EIP-1559, from the node's base
//! fee and suggested tip, never above the configured cap. A transaction whose receipt has not
//! come after [`TxConfig::bump_after`] is sent again with the same nonce and fees up
//! [`TxConfig::bump_percent`]%, until one lands or the next bump would pass the cap; a send the
//! node refuses as an underpriced replacement (another transaction of the account holds the nonce
//! in its pool) is bumped the same way. Every RPC call has a timeout.
//!
//! A reorganisation may drop transactions that had landed (a node that does not put them back in
//! its pool, as anvil's `anvil_reorg` does not): the account's count falls below the manager's
//! next nonce, and every later transaction of the account waits in the pool behind the gap. The
//! manager keeps the signed bytes of its last [`KEPT_SIGNED`] transactions by nonce and, before
//! each send and while it waits for a receipt, compares the account's pending count with its next
//! nonce: below it, it sends the kept transactions of the missing nonces again, as they were
//! signed ([`TxManager::reconcile`]). A nonce it kept nothing for (an earlier run sent it) is
//! filled with a transfer of nothing to itself when kept ones follow; past the last kept one, it
//! becomes the next nonce, so the next transaction fills the gap.

mod access;
mod error;
mod fees;
mod revert;

use core::time::Duration;
use std::collections::BTreeMap;
use std::future::IntoFuture;

pub use access::{worthwhile, MAX_ACCESS_LIST_ENTRIES, MAX_ACCESS_LIST_KEYS};
use alloy::eips::eip2930::AccessList;
use alloy::network::{EthereumWallet, TransactionBuilder};
use alloy::primitives::{Address, Bytes, TxHash, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::{BlockNumberOrTag, TransactionReceipt, TransactionRequest};
use alloy::signers::local::PrivateKeySigner;
use alloy::transports::{RpcError, TransportErrorKind};
pub use error::{TxError, TxEvent};
pub use fees::{bumped, initial, with_margin, Fees, OverCap};
pub use revert::{decode_revert, RevertReason};
use tokio::sync::{broadcast, Mutex};
use tokio::time::Instant;

/// Every how many receipt polls a wait checks for a gap a reorganisation left
/// ([`TxManager::reconcile`]).
const RECONCILE_EVERY: u32 = 4;

/// How many of its latest transactions (by nonce, the version that landed or the last sent) a
/// [`TxManager`] keeps signed, to send again if a reorganisation drops them.
pub const KEPT_SIGNED: usize = 256;

/// Settings of a [`TxManager`].
#[derive(Clone, Debug)]
pub struct TxConfig {
    /// Most `maxFeePerGas` (wei) any transaction may offer, bumps included.
    pub max_fee_per_gas: u128,
    /// Extra gas over the estimate, in percent.
    pub gas_margin_percent: u32,
    /// How much each bump raises both fees, in percent (nodes want at least 10).
    pub bump_percent: u32,
    /// How long without a receipt before a bump.
    pub bump_after: Duration,
    /// How often to ask for the receipt.
    pub poll_interval: Duration,
    /// How long to wait for a receipt in all.
    pub receipt_timeout: Duration,
    /// Timeout of each RPC call.
    pub rpc_timeout: Duration,
    /// Whether transactions carry an EIP-2930 access list (`eth_createAccessList`, less what
    /// cannot save gas: [`worthwhile`]). A node that cannot make one gets transactions without.
    pub access_lists: bool,
}

impl Default for TxConfig {
    fn default() -> Self {
        Self {
            max_fee_per_gas: 500_000_000_000, // 500 gwei
            gas_margin_percent: 25,
            bump_percent: 15,
            bump_after: Duration::from_secs(24),
            poll_interval: Duration::from_millis(500),
            receipt_timeout: Duration::from_secs(300),
            rpc_timeout: Duration::from_secs(10),
            access_lists: true,
        }
    }
}

/// A transaction that landed.
#[derive(Clone, Debug)]
pub struct Landed {
    /// Its nonce.
    pub nonce: u64,
    /// The hash that was included (the last bump, or an earlier one).
    pub hash: TxHash,
    /// Its receipt (`status()` false: it reverted on chain, after a dry run that passed).
    pub receipt: TransactionReceipt,
    /// How many times its fees were bumped.
    pub bumps: u32,
    /// The gas limit it was sent with (a reverted one that used all of it ran out of gas).
    pub gas_limit: u64,
}

/// A transaction to send ([`TxManager::send_call`]).
#[derive(Clone, Debug)]
pub struct Call {
    /// The account called.
    pub to: Address,
    /// The call data.
    pub data: Bytes,
    /// What it pays (wei).
    pub value: U256,
    /// Its gas limit; `None`: the estimate with the configured margin.
    pub gas_limit: Option<u64>,
}

impl Call {
    /// `data` to `to`, paying nothing, its gas estimated.
    pub fn new(to: Address, data: Bytes) -> Self {
        Self {
            to,
            data,
            value: U256::ZERO,
            gas_limit: None,
        }
    }

    /// Paying `value` wei.
    #[must_use]
    pub fn with_value(mut self, value: U256) -> Self {
        self.value = value;
        self
    }

    /// With gas limit `gas`, not estimated.
    #[must_use]
    pub fn with_gas_limit(mut self, gas: u64) -> Self {
        self.gas_limit = Some(gas);
        self
    }
}

/// How the node answered a send.
enum SendOutcome {
    Accepted,
    NonceTooLow,
    Underpriced,
}

/// One signer's transactions on one chain. Cheap to share behind an `Arc`; every send takes
/// `&self`.
#[derive(Debug)]
pub struct TxManager {
    provider: DynProvider,
    wallet: EthereumWallet,
    address: Address,
    chain_id: u64,
    config: TxConfig,
    nonce: Mutex<Option<u64>>,
    /// The signed bytes of the latest transactions sent, by nonce (at most [`KEPT_SIGNED`]).
    signed: std::sync::Mutex<BTreeMap<u64, Bytes>>,
    /// Kept transactions sent again, in all.
    resent: std::sync::atomic::AtomicU64,
    events: broadcast::Sender<TxEvent>,
}

impl TxManager {
    /// A manager of the account `key` (32-byte secret key in hex) on the node at `url`; asks the
    /// node its chain id.
    pub async fn connect(url: &str, key: &str, config: TxConfig) -> Result<Self, TxError> {
        let signer: PrivateKeySigner = key.parse().map_err(|e| TxError::Key(format!("{e}")))?;
        let parsed = url.parse().map_err(|e| TxError::Url {
            url: url.to_owned(),
            reason: format!("{e}"),
        })?;
        // No fillers: the manager chooses nonces, gas and fees itself.
        let provider = ProviderBuilder::default().connect_http(parsed).erased();
        let chain_id = timed(config.rpc_timeout, "eth_chainId", provider.get_chain_id()).await?;
        let address = signer.address();
        let (events, _) = broadcast::channel(256);
        Ok(Self {
            provider,
            wallet: EthereumWallet::from(signer),
            address,
            chain_id,
            config,
            nonce: Mutex::new(None),
            signed: std::sync::Mutex::new(BTreeMap::new()),
            resent: std::sync::atomic::AtomicU64::new(0),
            events,
        })
    }

    /// The signer's address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The provider (no signer, no fillers): for reads.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The settings.
    pub fn config(&self) -> &TxConfig {
        &self.config
    }

    /// How many kept transactions it sent again, in all, since it started (each a transaction a
    /// reorganisation dropped after it landed; [`TxManager::reconcile`]).
    pub fn resent(&self) -> u64 {
        self.resent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<TxEvent> {
        self.events.subscribe()
    }

    fn emit(&self, event: TxEvent) {
        tracing::debug!(chain = self.chain_id, ?event, "evm transaction");
        let _ = self.events.send(event);
    }

    /// Runs `data` to `to` as a call from the signer on the latest state: its return data, or
    /// the decoded revert.
    pub async fn dry_run(
        &self,
        what: &'static str,
        to: Address,
        data: &Bytes,
    ) -> Result<Bytes, TxError> {
        self.call(what, self.request(to, data.clone(), U256::ZERO))
            .await
    }

    /// `eth_call` of `request`: its return data, or the decoded revert.
    async fn call(
        &self,
        what: &'static str,
        request: TransactionRequest,
    ) -> Result<Bytes, TxError> {
        let call = self.provider.call(request);
        match tokio::time::timeout(self.config.rpc_timeout, call.into_future()).await {
            Ok(Ok(out)) => Ok(out),
            Ok(Err(e)) => Err(revert_or_rpc(what, "eth_call", e)),
            Err(_) => Err(rpc_timeout("eth_call", self.config.rpc_timeout)),
        }
    }

    /// The access list of `request` ([`TxConfig::access_lists`]): the node's, less what cannot
    /// save gas ([`worthwhile`]); `None` when the node makes none (an error, a timeout, a
    /// revert: the transaction goes without) or nothing is left of it.
    async fn access_list(
        &self,
        what: &'static str,
        request: &TransactionRequest,
    ) -> Option<AccessList> {
        let made = tokio::time::timeout(
            self.config.rpc_timeout,
            self.provider.create_access_list(request).into_future(),
        )
        .await;
        let list = match made {
            Ok(Ok(result)) => match result.ensure_ok() {
                Ok(made) => made.access_list,
                Err(reason) => {
                    tracing::debug!(what, reason, "eth_createAccessList: no access list");
                    return None;
                }
            },
            Ok(Err(e)) => {
                tracing::debug!(what, error = %e, "eth_createAccessList: no access list");
                return None;
            }
            Err(_) => {
                tracing::debug!(what, "eth_createAccessList timed out: no access list");
                return None;
            }
        };
        let to = request.to.and_then(|kind| kind.to().copied());
        let Some(list) = worthwhile(list, self.address, to) else {
            tracing::debug!(
                what,
                "eth_createAccessList: a list past its bounds, not used"
            );
            return None;
        };
        (!list.0.is_empty()).then_some(list)
    }

    fn request(&self, to: Address, data: Bytes, value: U256) -> TransactionRequest {
        TransactionRequest::default()
            .with_from(self.address)
            .with_to(to)
            .with_input(data)
            .with_value(value)
    }

    /// Sends again what a reorganisation dropped: when the account's pending count is below the
    /// next nonce, the kept signed transactions of the nonces in between, in order (a node that
    /// already has one answers "already known"; one mined meanwhile, "nonce too low": both
    /// fine). A nonce with nothing kept (sent by an earlier run of the agent, before this
    /// manager) is filled with a transfer of nothing to the signer itself when kept ones follow
    /// it, so that they land; with none after it, it becomes the next nonce. Returns how many were
    /// sent again (fillers not counted).
    pub async fn reconcile(&self) -> Result<u64, TxError> {
        let mut slot = self.nonce.lock().await;
        let Some(next) = *slot else {
            // The next send reads the count anyway.
            return Ok(0);
        };
        let count = self.pending_count().await?;
        if count >= next {
            return Ok(0);
        }
        let kept: Vec<(u64, Option<Bytes>)> = {
            let signed = self
                .signed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            (count..next)
                .map(|n| (n, signed.get(&n).cloned()))
                .collect()
        };
        // The highest nonce kept in the gap: past it, nothing needs the gap filled.
        let last_kept = kept
            .iter()
            .rev()
            .find(|(_, raw)| raw.is_some())
            .map(|k| k.0);
        let mut resent = 0;
        let mut filler_fees = None;
        for (nonce, raw) in kept {
            let (raw, filled) = match raw {
                Some(raw) => (raw, false),
                None if last_kept.is_some_and(|last| nonce < last) => {
                    let fees = match filler_fees {
                        Some(fees) => fees,
                        None => *filler_fees.insert(self.initial_fees("gap filler").await?),
                    };
                    (self.filler(nonce, fees).await?, true)
                }
                None => {
                    // Nothing kept from here on: the next transaction fills the gap.
                    *slot = Some(nonce);
                    self.emit(TxEvent::NonceResynced {
                        had: Some(next),
                        now: nonce,
                    });
                    break;
                }
            };
            let sent = tokio::time::timeout(
                self.config.rpc_timeout,
                self.provider.send_raw_transaction(&raw),
            )
            .await
            .map_err(|_| rpc_timeout("eth_sendRawTransaction", self.config.rpc_timeout))?;
            // Any answer the node gives a send is fine here: the nonce is in the pool already
            // (this version, or a bump of it), or was mined meanwhile.
            if let Err(e) = sent {
                if refusal(&e.to_string()).is_none() {
                    return Err(TxError::Rpc {
                        call: "eth_sendRawTransaction",
                        reason: e.to_string(),
                    });
                }
            }
            if filled {
                self.emit(TxEvent::GapFilled { nonce });
            } else {
                resent += 1;
                self.resent
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.emit(TxEvent::Resent { nonce });
            }
        }
        Ok(resent)
    }

    /// A transfer of nothing from the signer to itself with `nonce` and `fees`, signed: fills a
    /// nonce ([`TxManager::reconcile`]).
    async fn filler(&self, nonce: u64, fees: Fees) -> Result<Bytes, TxError> {
        let tx = self
            .request(self.address, Bytes::new(), U256::ZERO)
            .with_gas_limit(21_000);
        Ok(self.sign(&tx, nonce, fees).await?.1)
    }

    /// `tx` with `nonce` and `fees`, signed: its hash and its bytes.
    async fn sign(
        &self,
        tx: &TransactionRequest,
        nonce: u64,
        fees: Fees,
    ) -> Result<(TxHash, Bytes), TxError> {
        let envelope = tx
            .clone()
            .with_nonce(nonce)
            .with_chain_id(self.chain_id)
            .with_max_fee_per_gas(fees.max_fee_per_gas)
            .with_max_priority_fee_per_gas(fees.max_priority_fee_per_gas)
            .build(&self.wallet)
            .await
            .map_err(|e| TxError::Key(format!("signing: {e}")))?;
        let hash = *envelope.tx_hash();
        let raw = Bytes::from(alloy::eips::eip2718::Encodable2718::encoded_2718(&envelope));
        Ok((hash, raw))
    }

    /// Sends `data` to `to` and waits for its receipt: what a reorganisation dropped sent again
    /// first ([`TxManager::reconcile`]), then a dry run, gas estimate with the margin, nonce,
    /// fees under the cap, bumps while it is not included. `what` names it in errors.
    pub async fn send(
        &self,
        what: &'static str,
        to: Address,
        data: Bytes,
    ) -> Result<Landed, TxError> {
        self.send_call(what, Call::new(to, data)).await
    }

    /// [`TxManager::send`] of `call`: its value carried by the dry run and the estimate too; its
    /// gas limit, when it gives one, instead of the estimate (for transactions sent before the
    /// ones ahead of them land, whose cost may grow with them).
    pub async fn send_call(&self, what: &'static str, call: Call) -> Result<Landed, TxError> {
        self.reconcile().await?;
        let mut request = self.request(call.to, call.data, call.value);
        self.call(what, request.clone()).await?;
        if self.config.access_lists {
            if let Some(list) = self.access_list(what, &request).await {
                request = request.with_access_list(list);
            }
        }
        let gas = match call.gas_limit {
            Some(gas) => gas,
            None => {
                let estimate = match tokio::time::timeout(
                    self.config.rpc_timeout,
                    self.provider.estimate_gas(request.clone()).into_future(),
                )
                .await
                {
                    Ok(Ok(gas)) => gas,
                    Ok(Err(e)) => return Err(revert_or_rpc(what, "eth_estimateGas", e)),
                    Err(_) => return Err(rpc_timeout("eth_estimateGas", self.config.rpc_timeout)),
                };
                with_margin(estimate, self.config.gas_margin_percent)
            }
        };
        let mut fees = self.initial_fees(what).await?;
        let tx = request.with_gas_limit(gas);

        // The nonce: taken and broadcast under the lock, so that concurrent sends get
        // consecutive nonces and a refused send gives its nonce back.
        let (nonce, first, bumps) = {
            let mut slot = self.nonce.lock().await;
            let mut resyncs = 0;
            let mut bumps = 0u32;
            loop {
                let nonce = match *slot {
                    Some(n) => n,
                    None => {
                        let n = self.pending_count().await?;
                        self.emit(TxEvent::NonceResynced { had: None, now: n });
                        n
                    }
                };
                let (hash, outcome) = match self.broadcast(&tx, nonce, fees).await {
                    Ok(sent) => sent,
                    Err(e) => {
                        // The node may have taken it before failing to answer: re-read the
                        // count (it includes the pool) rather than reuse the nonce.
                        *slot = None;
                        return Err(e);
                    }
                };
                match outcome {
                    SendOutcome::Accepted => {
                        // The count is the node's answer: `u64::MAX` has no successor (EIP-2681
                        // refuses it anyway); the next send then re-reads it.
                        *slot = nonce.checked_add(1);
                        self.emit(TxEvent::Sent {
                            nonce,
                            hash,
                            fees,
                            bump: bumps,
                        });
                        break (nonce, hash, bumps);
                    }
                    SendOutcome::NonceTooLow if resyncs < 3 => {
                        resyncs += 1;
                        let now = self.pending_count().await?;
                        self.emit(TxEvent::NonceResynced {
                            had: Some(nonce),
                            now,
                        });
                        *slot = Some(now);
                    }
                    SendOutcome::Underpriced => {
                        match bumped(fees, self.config.bump_percent, self.config.max_fee_per_gas) {
                            Some(next) => {
                                bumps += 1;
                                fees = next;
                            }
                            None => {
                                // Another transaction of the account holds the nonce at fees we
                                // may not outbid: take the next free nonce instead.
                                let now = self.pending_count().await?;
                                self.emit(TxEvent::Capped { nonce, fees });
                                if now <= nonce || resyncs >= 3 {
                                    *slot = None;
                                    return Err(TxError::ReplacementAboveCap {
                                        what,
                                        nonce,
                                        max_fee_per_gas: fees.max_fee_per_gas,
                                        cap: self.config.max_fee_per_gas,
                                    });
                                }
                                resyncs += 1;
                                *slot = Some(now);
                            }
                        }
                    }
                    SendOutcome::NonceTooLow => {
                        *slot = None;
                        return Err(TxError::Rpc {
                            call: "eth_sendRawTransaction",
                            reason: format!("nonce too low after {resyncs} re-reads"),
                        });
                    }
                }
            }
        };
        self.wait(what, tx, nonce, fees, vec![first], bumps).await
    }

    /// Waits for a receipt of any of `hashes` (all of nonce `nonce`), bumping while none comes.
    async fn wait(
        &self,
        what: &'static str,
        tx: TransactionRequest,
        nonce: u64,
        mut fees: Fees,
        mut hashes: Vec<TxHash>,
        mut bumps: u32,
    ) -> Result<Landed, TxError> {
        let start = Instant::now();
        let mut last_send = start;
        let mut capped = false;
        let mut rounds = 0u32;
        loop {
            rounds = rounds.wrapping_add(1);
            if rounds.is_multiple_of(RECONCILE_EVERY) {
                // A reorganisation may have dropped a transaction before this one: this one
                // then waits behind the gap until it is filled.
                if let Err(e) = self.reconcile().await {
                    tracing::debug!(chain = self.chain_id, nonce, error = %e, "reconcile failed");
                }
            }
            for hash in hashes.iter().rev() {
                // A failed poll is asked again next round: the transaction is in flight.
                let receipt = match self.receipt(*hash).await {
                    Ok(receipt) => receipt,
                    Err(e) => {
                        tracing::debug!(chain = self.chain_id, nonce, error = %e, "receipt poll failed");
                        None
                    }
                };
                if let Some(receipt) = receipt {
                    let success = receipt.status();
                    self.emit(TxEvent::Landed {
                        nonce,
                        hash: *hash,
                        success,
                    });
                    return Ok(Landed {
                        nonce,
                        hash: *hash,
                        receipt,
                        bumps,
                        gas_limit: tx.gas.unwrap_or_default(),
                    });
                }
            }
            let now = Instant::now();
            if now.duration_since(start) >= self.config.receipt_timeout {
                // Whatever happens to it, the next send re-reads the chain's count.
                *self.nonce.lock().await = None;
                return Err(TxError::NotIncluded {
                    what,
                    nonce,
                    hashes,
                    max_fee_per_gas: fees.max_fee_per_gas,
                    capped,
                    waited: now.duration_since(start),
                });
            }
            if !capped && now.duration_since(last_send) >= self.config.bump_after {
                last_send = now;
                match bumped(fees, self.config.bump_percent, self.config.max_fee_per_gas) {
                    None => {
                        capped = true;
                        tracing::warn!(
                            chain = self.chain_id,
                            nonce,
                            max_fee = fees.max_fee_per_gas,
                            cap = self.config.max_fee_per_gas,
                            "{what}: not included and fee bumps reached the cap"
                        );
                        self.emit(TxEvent::Capped { nonce, fees });
                    }
                    Some(next) => match self.broadcast(&tx, nonce, next).await {
                        // The earlier sends stand; the next bump is tried after `bump_after`.
                        Err(e) => {
                            tracing::warn!(chain = self.chain_id, nonce, error = %e, "{what}: fee bump not sent");
                        }
                        Ok(sent) => match sent {
                            (hash, SendOutcome::Accepted) => {
                                fees = next;
                                bumps += 1;
                                hashes.push(hash);
                                self.emit(TxEvent::Sent {
                                    nonce,
                                    hash,
                                    fees,
                                    bump: bumps,
                                });
                            }
                            // Still underpriced against the pooled one: bump again next time.
                            (_, SendOutcome::Underpriced) => fees = next,
                            (_, SendOutcome::NonceTooLow) => {
                                // The nonce was used: by one of ours (its receipt comes next
                                // round) or by another transaction.
                                let mut ours = false;
                                for hash in &hashes {
                                    ours |= matches!(self.receipt(*hash).await, Ok(Some(_)));
                                }
                                if !ours {
                                    *self.nonce.lock().await = None;
                                    return Err(TxError::NonceTaken { what, nonce });
                                }
                            }
                        },
                    },
                }
            }
            tokio::time::sleep(self.config.poll_interval).await;
        }
    }

    /// Signs `tx` with `nonce` and `fees` and hands it to the node.
    async fn broadcast(
        &self,
        tx: &TransactionRequest,
        nonce: u64,
        fees: Fees,
    ) -> Result<(TxHash, SendOutcome), TxError> {
        let (hash, raw) = self.sign(tx, nonce, fees).await?;
        let sent = tokio::time::timeout(
            self.config.rpc_timeout,
            self.provider.send_raw_transaction(&raw),
        )
        .await
        .map_err(|_| rpc_timeout("eth_sendRawTransaction", self.config.rpc_timeout))?;
        match sent {
            Ok(_) => {
                self.keep(nonce, raw);
                Ok((hash, SendOutcome::Accepted))
            }
            Err(e) => match refusal(&e.to_string()) {
                Some(SendOutcome::Accepted) => {
                    self.keep(nonce, raw);
                    Ok((hash, SendOutcome::Accepted))
                }
                Some(outcome) => Ok((hash, outcome)),
                None => Err(TxError::Rpc {
                    call: "eth_sendRawTransaction",
                    reason: e.to_string(),
                }),
            },
        }
    }

    /// Keeps `raw`, the last transaction sent with `nonce`, forgetting the lowest nonces past
    /// [`KEPT_SIGNED`].
    fn keep(&self, nonce: u64, raw: Bytes) {
        let mut signed = self
            .signed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        signed.insert(nonce, raw);
        while signed.len() > KEPT_SIGNED {
            signed.pop_first();
        }
    }

    /// The first fees: the latest block's base fee and the node's suggested tip, under the cap.
    async fn initial_fees(&self, what: &'static str) -> Result<Fees, TxError> {
        let block = timed(
            self.config.rpc_timeout,
            "eth_getBlockByNumber",
            self.provider
                .get_block_by_number(BlockNumberOrTag::Latest)
                .into_future(),
        )
        .await?
        .ok_or_else(|| TxError::Rpc {
            call: "eth_getBlockByNumber",
            reason: "no latest block".into(),
        })?;
        let base = u128::from(block.header.base_fee_per_gas.unwrap_or(0));
        let tip = timed(
            self.config.rpc_timeout,
            "eth_maxPriorityFeePerGas",
            self.provider.get_max_priority_fee_per_gas().into_future(),
        )
        .await?;
        initial(base, tip, self.config.max_fee_per_gas).map_err(|e| TxError::FeeAboveCap {
            what,
            needed: e.needed,
            cap: e.cap,
        })
    }

    /// The account's transaction count including the node's pool: the next free nonce.
    pub async fn pending_count(&self) -> Result<u64, TxError> {
        timed(
            self.config.rpc_timeout,
            "eth_getTransactionCount",
            self.provider
                .get_transaction_count(self.address)
                .pending()
                .into_future(),
        )
        .await
    }

    async fn receipt(&self, hash: TxHash) -> Result<Option<TransactionReceipt>, TxError> {
        timed(
            self.config.rpc_timeout,
            "eth_getTransactionReceipt",
            self.provider.get_transaction_receipt(hash).into_future(),
        )
        .await
    }
}

/// What a node's refusal of a sent transaction (its error's text) says about the nonce: the very
/// same transaction is in the pool already (`Accepted`), the nonce was used, or another
/// transaction holds it at higher fees; `None` for any other error.
fn refusal(error: &str) -> Option<SendOutcome> {
    let message = error.to_ascii_lowercase();
    if message.contains("already known") || message.contains("already imported") {
        Some(SendOutcome::Accepted)
    } else if message.contains("nonce too low") || message.contains("nonce has already been used") {
        Some(SendOutcome::NonceTooLow)
    } else if message.contains("underpriced") {
        Some(SendOutcome::Underpriced)
    } else {
        None
    }
}

fn rpc_timeout(call: &'static str, after: Duration) -> TxError {
    TxError::Rpc {
        call,
        reason: format!("timed out after {after:?}"),
    }
}

/// An RPC call with a timeout, its error as [`TxError::Rpc`].
async fn timed<T, E: core::fmt::Display>(
    after: Duration,
    call: &'static str,
    fut: impl core::future::Future<Output = Result<T, E>>,
) -> Result<T, TxError> {
    match tokio::time::timeout(after, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(TxError::Rpc {
            call,
            reason: e.to_string(),
        }),
        Err(_) => Err(rpc_timeout(call, after)),
    }
}

/// A call's error: the decoded revert if the node sent revert data, else an RPC failure.
fn revert_or_rpc(
    what: &'static str,
    call: &'static str,
    e: RpcError<TransportErrorKind>,
) -> TxError {
    if let Some(data) = e.as_error_resp().and_then(|p| p.as_revert_data()) {
        return TxError::Reverted {
            what,
            reason: decode_revert(&data),
        };
    }
    if let Some(payload) = e.as_error_resp() {
        // A revert without data (`revert()`, or out of gas): still a revert, not a transport
        // failure.
        if payload.message.contains("revert") {
            return TxError::Reverted {
                what,
                reason: decode_revert(&[]),
            };
        }
    }
    TxError::Rpc {
        call,
        reason: e.to_string(),
    }
}
