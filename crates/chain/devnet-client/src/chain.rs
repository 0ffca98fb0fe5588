//! The devnet adapter: a devnet node's JSON-RPC interface as a [`SourceChain`] and a
//! [`DestinationChain`]. Relays are signed devnet transactions with the relayer's account nonce,
//! shared by every path into the chain.

use core::time::Duration;
use std::sync::Arc;

use strait_chain_client::{
    ChainError, DestinationChain, MessagePayment, OutboxMessage, OutboxPage, RelayLimits,
    RelayReport, RelayWork, SourceChain, VerifierInfo, MAX_PAGE_ITEMS,
};
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{FeeStatus, MessageStatus, TxResult};
use strait_devnet_api::tx::{SignedTx, Tx, TxBody};
use strait_light_client::bls::BlsLightBlock;
use strait_light_client::LightBlock;
use strait_merkle::MultiProof;
use strait_packet::Packet;
use strait_primitives::{ChainId, Height, MessageId};
use strait_relayer::RelayerError;
use tokio::sync::Mutex;

use crate::convert::{relay_body, report_of, RELAY_LIMITS};
use crate::rpc::ChainRpc;
use crate::DevnetClientError;

mod watch;

/// The next nonce of the relayer's account on one chain, shared by every path into it.
#[derive(Debug, Default)]
struct NonceSlot(Mutex<Option<u64>>);

/// A devnet chain as agents see it.
#[derive(Clone, Debug)]
pub struct DevnetChain {
    rpc: ChainRpc,
    account: Arc<AccountKey>,
    nonce: Arc<NonceSlot>,
    tx_poll_interval: Duration,
    tx_timeout: Duration,
}

impl DevnetChain {
    /// The chain behind `rpc`, relaying with `account`; a relay polls every `tx_poll_interval` for
    /// its inclusion, at most `tx_timeout`.
    pub fn new(
        rpc: ChainRpc,
        account: Arc<AccountKey>,
        tx_poll_interval: Duration,
        tx_timeout: Duration,
    ) -> Self {
        Self {
            rpc,
            account,
            nonce: Arc::default(),
            tx_poll_interval,
            tx_timeout,
        }
    }

    /// The JSON-RPC client.
    pub fn rpc(&self) -> &ChainRpc {
        &self.rpc
    }

    fn bad(&self, what: &'static str, reason: String) -> ChainError {
        ChainError::BadData {
            chain: self.rpc.chain_id(),
            what,
            reason,
        }
    }

    pub(crate) async fn submit(&self, body: TxBody) -> Result<TxResult, DevnetClientError> {
        let key = &self.account;
        let chain = self.rpc.chain_id();
        let hash = {
            let mut slot = self.nonce.0.lock().await;
            let nonce = match *slot {
                Some(n) => n,
                None => self.rpc.account_nonce(key.address()).await?,
            };
            let tx: SignedTx = Tx {
                chain_id: chain,
                signer: key.address(),
                nonce,
                body,
            }
            .sign(key);
            match self.rpc.submit(&tx).await {
                Ok(hash) => {
                    // The nonce is the node's answer: `u64::MAX` has no successor.
                    *slot = nonce.checked_add(1);
                    if slot.is_none() {
                        return Err(DevnetClientError::BadData {
                            chain,
                            reason: format!("account nonce {nonce} has no successor"),
                        });
                    }
                    hash
                }
                Err(e) => {
                    // Re-read the nonce next time, whatever went wrong.
                    if e.is_nonce_error() {
                        tracing::debug!(%chain, nonce, error = %e, "account nonce moved, re-reading it");
                    }
                    *slot = None;
                    return Err(e);
                }
            }
        };
        match self
            .rpc
            .wait_tx(hash, self.tx_poll_interval, self.tx_timeout)
            .await
        {
            Ok(result) => Ok(result),
            Err(e) => {
                *self.nonce.0.lock().await = None;
                Err(e)
            }
        }
    }
}

/// A devnet client error as a chain error: transient ones stay transient.
pub fn chain_error(chain: ChainId, what: &'static str, e: DevnetClientError) -> ChainError {
    match e {
        DevnetClientError::BadData { reason, .. }
        | DevnetClientError::Relayer(RelayerError::BadData { reason, .. }) => ChainError::BadData {
            chain,
            what,
            reason,
        },
        DevnetClientError::Relayer(RelayerError::Chain(e)) => e,
        e if e.is_transient() => ChainError::Unavailable {
            chain,
            what,
            reason: e.to_string(),
        },
        e => ChainError::Refused {
            chain,
            what,
            reason: e.to_string(),
        },
    }
}

impl SourceChain for DevnetChain {
    fn chain_id(&self) -> ChainId {
        self.rpc.chain_id()
    }

    async fn latest_height(&self) -> Result<Height, ChainError> {
        self.rpc
            .latest_height()
            .await
            .map_err(|e| chain_error(self.rpc.chain_id(), "latest_height", e))
    }

    async fn outbox_page(
        &self,
        destination: ChainId,
        from_leaf: u64,
        limit: usize,
    ) -> Result<OutboxPage, ChainError> {
        let chain = self.rpc.chain_id();
        let limit = u32::try_from(limit.min(MAX_PAGE_ITEMS)).unwrap_or(u32::MAX);
        let page = self
            .rpc
            .messages(from_leaf, limit, destination)
            .await
            .map_err(|e| chain_error(chain, "outbox_page", e))?;
        let mut messages = Vec::with_capacity(page.messages.len());
        for m in page.messages {
            // Decoded and checked against its id here, where the node's bytes come in.
            let packet = Packet::decode(&m.packet.0)
                .map_err(|e| self.bad("outbox_page", format!("packet {}: {e}", m.id)))?;
            if packet.id() != m.id || packet.source_chain != chain {
                return Err(self.bad(
                    "outbox_page",
                    format!("message {} does not match its packet", m.id),
                ));
            }
            messages.push(OutboxMessage {
                leaf_index: m.leaf_index,
                id: m.id,
                height: m.height,
                encoded_len: m.packet.0.len(),
                packet: Arc::new(packet),
            });
        }
        Ok(OutboxPage {
            messages,
            next_leaf: page.next_leaf,
            outbox_count: page.outbox_count,
        })
    }

    async fn multiproof(&self, leaves: &[u64], height: Height) -> Result<MultiProof, ChainError> {
        self.rpc
            .proof(leaves, height)
            .await
            .map_err(|e| chain_error(self.rpc.chain_id(), "multiproof", e))
    }

    async fn light_block(&self, height: Height) -> Result<LightBlock, ChainError> {
        self.rpc
            .light_block(height)
            .await
            .map_err(|e| chain_error(self.rpc.chain_id(), "light_block", e))
    }

    async fn bls_light_block(&self, height: Height) -> Result<BlsLightBlock, ChainError> {
        self.rpc
            .bls_light_block(height)
            .await
            .map_err(|e| chain_error(self.rpc.chain_id(), "bls_light_block", e))
    }

    /// `[STRAIT-FEE.9]` From `strait_messageStatus`, one call per id (asked only by a relayer
    /// whose fee policy looks at payments): its fee locked, or split once settled; no fee is an
    /// unpaid message; a message this chain does not report as sent is [`MessagePayment::Unknown`].
    async fn payments(&self, ids: &[MessageId]) -> Result<Vec<MessagePayment>, ChainError> {
        let chain = self.rpc.chain_id();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let status = self
                .rpc
                .message_status(*id)
                .await
                .map_err(|e| chain_error(chain, "payments", e))?;
            out.push(payment_of(&status).map_err(|reason| self.bad("payments", reason))?);
        }
        Ok(out)
    }
}

/// What a sent message paid, from its status. Amounts are decimal u128 strings.
fn payment_of(status: &MessageStatus) -> Result<MessagePayment, String> {
    let amount = |s: &str| {
        s.parse::<u128>()
            .map_err(|_| format!("fee amount {s:?} is not a u128"))
    };
    Ok(match status {
        MessageStatus::Sent { fee: None, .. } => MessagePayment::Unpaid,
        MessageStatus::Sent {
            fee: Some(FeeStatus::Locked { amount: a, .. }),
            ..
        } => MessagePayment::Paid { amount: amount(a)? },
        MessageStatus::Sent {
            fee:
                Some(FeeStatus::Paid {
                    to_deliverer,
                    to_ack_relayer,
                    refunded,
                    ..
                }),
            ..
        } => {
            let total = [to_deliverer, to_ack_relayer, refunded]
                .into_iter()
                .try_fold(0u128, |sum, a| {
                    Ok::<_, String>(sum.saturating_add(amount(a)?))
                })?;
            MessagePayment::Paid { amount: total }
        }
        MessageStatus::Unknown | MessageStatus::Received { .. } => MessagePayment::Unknown,
    })
}

impl DestinationChain for DevnetChain {
    fn chain_id(&self) -> ChainId {
        self.rpc.chain_id()
    }

    async fn latest_height(&self) -> Result<Height, ChainError> {
        SourceChain::latest_height(self).await
    }

    async fn received(&self, ids: &[MessageId]) -> Result<Vec<bool>, ChainError> {
        self.rpc
            .received(ids)
            .await
            .map_err(|e| chain_error(self.rpc.chain_id(), "received", e))
    }

    async fn verifier_of(&self, source: ChainId) -> Result<VerifierInfo, ChainError> {
        let info = self
            .rpc
            .client_of(source)
            .await
            .map_err(|e| chain_error(self.rpc.chain_id(), "verifier_of", e))?;
        Ok(VerifierInfo {
            client: info.client_id,
            kind: info.kind,
            source: info.chain_id,
            latest_height: info.latest_height,
            frozen: info.frozen,
        })
    }

    async fn route_verifiers(
        &self,
        receiver: strait_primitives::Address32,
        source: ChainId,
    ) -> Result<strait_chain_client::RouteVerifiers, ChainError> {
        let route = self
            .rpc
            .security_config(receiver, source)
            .await
            .map_err(|e| chain_error(self.rpc.chain_id(), "route_verifiers", e))?;
        Ok(strait_chain_client::RouteVerifiers {
            config: route.config,
            is_default: route.is_default,
            clients: route
                .clients
                .into_iter()
                .map(|info| VerifierInfo {
                    client: info.client_id,
                    kind: info.kind,
                    source: info.chain_id,
                    latest_height: info.latest_height,
                    frozen: info.frozen,
                })
                .collect(),
        })
    }

    fn relay_limits(&self) -> RelayLimits {
        RELAY_LIMITS
    }

    async fn relay(&self, work: RelayWork) -> Result<RelayReport, ChainError> {
        let result = self
            .submit(relay_body(work))
            .await
            .map_err(|e| chain_error(self.rpc.chain_id(), "relay", e))?;
        Ok(report_of(&result))
    }
}

#[cfg(test)]
mod tests {
    use strait_primitives::{Address32, Nonce};

    use super::*;

    fn sent(fee: Option<FeeStatus>) -> MessageStatus {
        MessageStatus::Sent {
            height: Height(1),
            leaf_index: 0,
            destination_chain: ChainId(2),
            nonce: Nonce(1),
            awaiting_outcome: true,
            fee,
        }
    }

    #[test]
    fn a_payment_is_read_from_the_message_status() {
        let who = Address32([1; 32]);
        assert_eq!(payment_of(&sent(None)), Ok(MessagePayment::Unpaid));
        let locked = FeeStatus::Locked {
            payer: who,
            gas_limit: 5,
            amount: u128::MAX.to_string(),
        };
        assert_eq!(
            payment_of(&sent(Some(locked))),
            Ok(MessagePayment::Paid { amount: u128::MAX })
        );
        let split = FeeStatus::Paid {
            deliverer: who,
            to_deliverer: "7".into(),
            ack_relayer: who,
            to_ack_relayer: "2".into(),
            payer: who,
            refunded: "1".into(),
        };
        assert_eq!(
            payment_of(&sent(Some(split))),
            Ok(MessagePayment::Paid { amount: 10 })
        );
        assert_eq!(
            payment_of(&MessageStatus::Unknown),
            Ok(MessagePayment::Unknown)
        );
        let bad = FeeStatus::Locked {
            payer: who,
            gas_limit: 5,
            amount: "-1".into(),
        };
        assert!(payment_of(&sent(Some(bad))).is_err());
    }
}
