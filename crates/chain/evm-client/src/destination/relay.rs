//! A relay as a sequence of transactions (see the module's documentation).

use alloy::primitives::{Address, Bytes, B256};
use alloy::sol_types::{SolCall, SolEvent};
use strait_chain_client::{
    ChainError, DeliveryReport, DeliveryStatus, DestinationChain, RelayFailure, RelayReport,
    RelayWork,
};
use strait_packet::Packet;
use strait_primitives::{Hash32, Height, MessageId};

use super::{kinds, report, EvmDestination};
use crate::abi::ecdsa_committee::EcdsaCommitteeVerifier;
use crate::abi::endpoint::StraitEndpoint;
use crate::txm::{Landed, TxError};

impl EvmDestination {
    /// Updates, then advances, then batches, one transaction each.
    pub(super) async fn relay_parts(&self, work: RelayWork) -> Result<RelayReport, ChainError> {
        let mut last: Option<Landed> = None;
        for update in work.updates {
            let Some(address) = self.resolve(&update).await? else {
                let reason = format!("unknown client {}", update.client);
                return self
                    .report(
                        last.as_ref(),
                        Err(RelayFailure::UpdateInvalid(reason)),
                        vec![],
                    )
                    .await;
            };
            if !kinds::is_committee(update.kind) {
                let reason = format!("no EVM update for verifier kind {}", update.kind);
                return self
                    .report(
                        last.as_ref(),
                        Err(RelayFailure::UpdateInvalid(reason)),
                        vec![],
                    )
                    .await;
            }
            let data = EcdsaCommitteeVerifier::updateCall {
                u: Bytes::from(update.body),
            }
            .abi_encode();
            match self.send("verifier update", address, data).await {
                Ok(landed) => {
                    let froze = landed.receipt.inner.logs().iter().any(|l| {
                        l.topic0() == Some(&EcdsaCommitteeVerifier::FrozenBy::SIGNATURE_HASH)
                    });
                    let ok = landed.receipt.status();
                    last = Some(landed);
                    if froze {
                        let reason = format!(
                            "client {} froze: the update conflicts with a stored checkpoint",
                            update.client
                        );
                        return self
                            .report(
                                last.as_ref(),
                                Err(RelayFailure::UpdateInvalid(reason)),
                                vec![],
                            )
                            .await;
                    }
                    if !ok {
                        let reason = "the update reverted on chain".to_owned();
                        return self
                            .report(last.as_ref(), Err(RelayFailure::Rejected(reason)), vec![])
                            .await;
                    }
                }
                Err(TxError::Reverted { reason, .. }) => {
                    let reason = format!("client {}: {reason}", update.client);
                    return self
                        .report(
                            last.as_ref(),
                            Err(RelayFailure::UpdateInvalid(reason)),
                            vec![],
                        )
                        .await;
                }
                Err(e) => return Err(self.tx_error("relay", e)),
            }
        }
        for route in work.advances {
            let data = StraitEndpoint::advanceInboundCall {
                route: B256::from(route.0),
            }
            .abi_encode();
            match self.send("route advance", self.endpoint, data).await {
                Ok(landed) => last = Some(landed),
                Err(TxError::Reverted { reason, .. }) => {
                    tracing::warn!(chain = %self.chain, %reason, "route advance refused");
                }
                Err(e) => return Err(self.tx_error("relay", e)),
            }
        }
        let mut deliveries = Vec::new();
        for batch in work.batches {
            let ids: Vec<MessageId> = batch.packets.iter().map(Packet::id).collect();
            let data = StraitEndpoint::receiveBatchCall {
                packets: batch
                    .packets
                    .iter()
                    .map(|p| Bytes::from(p.encode()))
                    .collect(),
                proof: Bytes::from(batch.proof.encode()),
                proofHeight: batch.proof_height.get(),
            }
            .abi_encode();
            match self.send("delivery batch", self.endpoint, data).await {
                Ok(landed) if landed.receipt.status() => {
                    let events = report::Events::read(self.endpoint, landed.receipt.inner.logs());
                    deliveries.extend(ids.iter().map(|id| events.report(*id)));
                    last = Some(landed);
                }
                Ok(landed) => {
                    deliveries.extend(ids.iter().map(|id| DeliveryReport {
                        id: *id,
                        status: DeliveryStatus::Retry,
                        reason: Some(format!(
                            "delivery transaction {} reverted on chain",
                            landed.hash
                        )),
                    }));
                    last = Some(landed);
                }
                Err(TxError::Reverted { reason, .. }) => {
                    deliveries.extend(report::refused(&ids, &reason));
                }
                Err(e) => return Err(self.tx_error("relay", e)),
            }
        }
        self.report(last.as_ref(), Ok(()), deliveries).await
    }

    /// Sends one part of a relay.
    async fn send(
        &self,
        what: &'static str,
        to: Address,
        data: Vec<u8>,
    ) -> Result<Landed, TxError> {
        self.txm.send(what, to, Bytes::from(data)).await
    }

    async fn report(
        &self,
        last: Option<&Landed>,
        applied: Result<(), RelayFailure>,
        deliveries: Vec<DeliveryReport>,
    ) -> Result<RelayReport, ChainError> {
        let (hash, height) = match last {
            Some(l) => (
                Hash32(l.hash.0),
                Height(l.receipt.block_number.unwrap_or_default()),
            ),
            None => (
                Hash32([0; 32]),
                DestinationChain::latest_height(self).await?,
            ),
        };
        Ok(RelayReport {
            hash,
            height,
            applied,
            deliveries,
        })
    }
}
