//! A relay as one verified delivery or a sequence of transactions (see the module's
//! documentation).

use std::future::IntoFuture;

use alloy::primitives::{Address, Bytes, B256};
use alloy::sol_types::{SolCall, SolEvent};
use strait_chain_client::{
    ChainError, DeliveryReport, DeliveryStatus, DestinationChain, RelayFailure, RelayReport,
    RelayWork, VerifierKind,
};
use strait_endpoint::BatchDelivery;
use strait_light_client::bls::BlsLightBlock;
use strait_packet::Packet;
use strait_primitives::{Hash32, Height, MessageId};

use super::{kinds, report, EvmDestination};
use crate::abi::ecdsa_committee::EcdsaCommitteeVerifier;
use crate::abi::endpoint::StraitEndpoint;
use crate::abi::native_lc::NativeLightClient;
use crate::txm::{Landed, TxError};

/// The first byte of a committee's checkpoint update (`[STRAIT-ATTEST.8]`); `0x02` rotates.
const CHECKPOINT_UPDATE: u8 = 0x01;

impl EvmDestination {
    /// A relay of one committee checkpoint update and one batch proven at its height, in one
    /// transaction when its dry run passes: `verifyAndCallPacked` (`verifyAndCall(update, endpoint,
    /// receiveBatch(..))` packed, `[STRAIT-ATTEST.EVM]`),
    /// the root kept for that transaction only (no update transaction, no checkpoint storage).
    /// Any other relay, or one whose combined dry run reverts (which part refused is then told
    /// apart by the parts' own dry runs), goes as parts.
    pub(super) async fn relay_work(&self, work: RelayWork) -> Result<RelayReport, ChainError> {
        let one = match (&work.updates[..], &work.advances[..], &work.batches[..]) {
            ([update], [], [batch])
                if kinds::is_committee(update.kind)
                    && update.body.first() == Some(&CHECKPOINT_UPDATE)
                    && batch.proof_height == update.height =>
            {
                Some((update, batch))
            }
            _ => None,
        };
        let Some((update, batch)) = one else {
            return self.relay_parts(work).await;
        };
        let Some(address) = self.resolve(update).await? else {
            return self.relay_parts(work).await;
        };
        let ids: Vec<MessageId> = batch.packets.iter().map(Packet::id).collect();
        // Packed (`[STRAIT-ATTEST.EVM]`): about 1,000 gas less than the ABI form, which takes an
        // update too long for the packed form's u16 length.
        let delivery = delivery_call(batch);
        let data = crate::abi::packed::verify_and_call(&update.body, self.endpoint, &delivery)
            .unwrap_or_else(|| {
                EcdsaCommitteeVerifier::verifyAndCallCall {
                    u: Bytes::from(update.body.clone()),
                    target: self.endpoint,
                    data: Bytes::from(delivery),
                }
                .abi_encode()
            });
        let landed = match self.send("verified delivery", address, data).await {
            Ok(landed) => landed,
            Err(TxError::Reverted { reason, .. }) => {
                tracing::debug!(chain = %self.chain, client = %update.client, %reason, "verified delivery refused by its dry run; relaying in parts");
                return self.relay_parts(work).await;
            }
            Err(e) => return Err(self.tx_error("relay", e)),
        };
        if froze(&landed) {
            let reason = format!(
                "client {} froze: the update conflicts with a stored checkpoint",
                update.client
            );
            return self
                .report(
                    Some(&landed),
                    Err(RelayFailure::UpdateInvalid(reason)),
                    vec![],
                )
                .await;
        }
        let deliveries = self.deliveries(&ids, &landed);
        let mut report = self.report(Some(&landed), Ok(()), deliveries).await?;
        report.updates_kept = false;
        Ok(report)
    }

    /// Updates, then advances, then batches, one transaction each.
    async fn relay_parts(&self, work: RelayWork) -> Result<RelayReport, ChainError> {
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
            if !kinds::is_updated(update.kind) {
                let reason = format!("no EVM update for verifier kind {}", update.kind);
                return self
                    .report(
                        last.as_ref(),
                        Err(RelayFailure::UpdateInvalid(reason)),
                        vec![],
                    )
                    .await;
            }
            let compact = match update.kind {
                VerifierKind::BFT_BLS => self.compact_update(address, &update.body).await?,
                _ => None,
            };
            let data = match compact {
                Some(u) => NativeLightClient::updateCompactCall { u: Bytes::from(u) }.abi_encode(),
                None => EcdsaCommitteeVerifier::updateCall {
                    u: Bytes::from(update.body),
                }
                .abi_encode(),
            };
            match self.send("verifier update", address, data).await {
                Ok(landed) => {
                    let froze = froze(&landed);
                    let ok = landed.receipt.status();
                    last = Some(landed);
                    if froze {
                        let reason = format!(
                            "client {} froze: the update conflicts with what it stored",
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
            match self
                .send("delivery batch", self.endpoint, delivery_call(&batch))
                .await
            {
                Ok(landed) => {
                    deliveries.extend(self.deliveries(&ids, &landed));
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

    /// Kind 5's update `body` (`trusted_height u64 | BLS light block`) as the light client's
    /// compact update (`updateCompact`, SPEC `[STRAIT-LC-BLS.EVM]`: `trusted_height | header |
    /// bitmap_len | bitmap | signature | next set hash`) when the client at `address` can take it:
    /// the header's BLS set is the next set it keeps at the trusted height, and that set is
    /// registered there. The client decides it as it decides the full update, with its sets read
    /// from the registered code instead of about 600 calldata bytes a validator. `None` (the full
    /// update goes) otherwise, and for bytes that do not decode: the client refuses those itself.
    pub(super) async fn compact_update(
        &self,
        address: Address,
        body: &[u8],
    ) -> Result<Option<Vec<u8>>, ChainError> {
        let Some((trusted, block)) = body.split_first_chunk::<8>() else {
            return Ok(None);
        };
        let Ok(block) = BlsLightBlock::decode_unproven(block) else {
            return Ok(None);
        };
        let client = NativeLightClient::new(address, self.txm.provider().clone());
        let state = self
            .read(
                "consensusAt",
                client
                    .consensusAt(u64::from_be_bytes(*trusted))
                    .call()
                    .into_future(),
            )
            .await?;
        let set = block.validators.hash();
        if state.nextSetHash.0 != set.0 {
            return Ok(None);
        }
        let registered = self
            .read(
                "setData",
                client.setData(B256::from(set.0)).call().into_future(),
            )
            .await?;
        if registered == Address::ZERO {
            return Ok(None);
        }
        let mut out = trusted.to_vec();
        block.header.encode_into(&mut out);
        block.commit.encode_into(&mut out);
        out.extend_from_slice(&block.next_validators.hash().0);
        Ok(Some(out))
    }

    /// What a landed delivery transaction did with each of `ids`: from its receipt's events, or
    /// `Retry` for each when it reverted on chain (after its dry run passed).
    fn deliveries(&self, ids: &[MessageId], landed: &Landed) -> Vec<DeliveryReport> {
        if !landed.receipt.status() {
            let reason = format!("delivery transaction {} reverted on chain", landed.hash);
            return ids
                .iter()
                .map(|id| DeliveryReport {
                    id: *id,
                    status: DeliveryStatus::Retry,
                    reason: Some(reason.clone()),
                })
                .collect();
        }
        let events = report::Events::read(self.endpoint, landed.receipt.inner.logs());
        ids.iter().map(|id| events.report(*id)).collect()
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
            updates_kept: true,
        })
    }
}

/// The endpoint call that delivers `batch`: for a batch of one, `receiveMessage(packet, proof,
/// proofHeight)` with the inclusion proof its multiproof holds (`MultiProof::single`: the same 32
/// siblings, the zero hashes omitted, about 12,000 gas of calldata less than the multiproof of a
/// tree of a few hundred leaves); else `receiveBatch`. The one message's refusal then reverts the
/// call (the batch's would be a `Skipped` event): its dry run reports it, with the same status.
fn delivery_call(batch: &BatchDelivery) -> Vec<u8> {
    if let ([packet], Some(proof)) = (&batch.packets[..], batch.proof.single()) {
        return StraitEndpoint::receiveMessageCall {
            packet: Bytes::from(packet.encode()),
            proof: Bytes::from(proof.encode()),
            proofHeight: batch.proof_height.get(),
        }
        .abi_encode();
    }
    receive_batch_call(batch)
}

/// `receiveBatch(packets, multiproof, proofHeight)`'s calldata for `batch`.
fn receive_batch_call(batch: &BatchDelivery) -> Vec<u8> {
    StraitEndpoint::receiveBatchCall {
        packets: batch
            .packets
            .iter()
            .map(|p| Bytes::from(p.encode()))
            .collect(),
        proof: Bytes::from(batch.proof.encode()),
        proofHeight: batch.proof_height.get(),
    }
    .abi_encode()
}

/// Whether a verifier froze in `landed` (a committee's or the light client's `FrozenBy` event).
fn froze(landed: &Landed) -> bool {
    landed.receipt.inner.logs().iter().any(|l| {
        l.topic0() == Some(&EcdsaCommitteeVerifier::FrozenBy::SIGNATURE_HASH)
            || l.topic0() == Some(&NativeLightClient::FrozenBy::SIGNATURE_HASH)
    })
}
