//! An EVM chain's verifiers as a watcher sees them (`strait_watcher::{VerifierReader,
//! EvidenceSink}`, SPEC `[STRAIT-AGENT.EVM-WATCH]`): the verifier contracts this destination knows
//! (registered or reported), what each vouches for from its logs, and misbehaviour evidence sent
//! to the accused contract's `submitMisbehaviour(bytes)` through the transaction manager (dry run
//! first, so a forgery costs nothing).

use alloy::primitives::{Address, Bytes, B256};
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use alloy::sol_types::{SolCall, SolEvent};
use strait_attest::Checkpoint;
use strait_chain_client::{ChainError, DestinationChain, VerifierInfo, VerifierKind};
use strait_primitives::{ChainId, ClientId, Hash32, Height};
use strait_watcher::{EvidenceSink, Submitted, VerifierReader, Vouched, MAX_READ_ITEMS};

use super::{kinds, EvmDestination};
use crate::abi::ecdsa_committee::EcdsaCommitteeVerifier;
use crate::abi::native_lc::NativeLightClient;
use crate::txm::TxError;

impl EvmDestination {
    /// The contract and kind of a client this destination knows.
    fn known_client(&self, client: ClientId) -> Option<(Address, VerifierKind)> {
        let known = self.known.lock().ok()?;
        let address = *known.clients.get(&client)?;
        Some((address, *known.kinds.get(&address)?))
    }

    /// The logs of `event` emitted by `address` from [`EvmDestination::with_logs_from`] on.
    async fn verifier_logs(
        &self,
        address: Address,
        event: B256,
    ) -> Result<Vec<alloy::rpc::types::Log>, ChainError> {
        let latest = DestinationChain::latest_height(self).await?.get();
        let filter = Filter::new()
            .address(address)
            .event_signature(event)
            .from_block(self.logs_from_block)
            .to_block(latest);
        self.read("eth_getLogs", self.txm.provider().get_logs(&filter))
            .await
    }
}

impl VerifierReader for EvmDestination {
    fn chain_id(&self) -> ChainId {
        self.chain
    }

    /// The verifiers this destination knows (registered with
    /// [`EvmDestination::with_verifier`] or reported by `verifier_of` and `route_verifiers`), in
    /// id order from `from`, each described now. The endpoint keeps no list of every verifier:
    /// one nobody registered or asked about is not watched.
    async fn clients(&self, from: ClientId, n: usize) -> Result<Vec<VerifierInfo>, ChainError> {
        let addresses: Vec<Address> = {
            let known = self
                .known
                .lock()
                .map_err(|_| self.unavailable("clients", "poisoned lock".into()))?;
            known
                .clients
                .range(from..)
                .take(n.min(MAX_READ_ITEMS))
                .map(|(_, a)| *a)
                .collect()
        };
        let mut out = Vec::with_capacity(addresses.len());
        for address in addresses {
            out.push(self.describe(address).await?);
        }
        Ok(out)
    }

    /// From the contract's logs: a committee's `CheckpointVerified` (checkpoints it stored), the
    /// native light client's `HeaderVerified` (as roots: the light client is updated with BLS
    /// light blocks, which the watcher's fork response does not build), by ascending height from
    /// `from`, at most `n`; nothing for a frozen client or another kind.
    async fn vouched(
        &self,
        client: ClientId,
        from: Height,
        n: usize,
    ) -> Result<Vec<Vouched>, ChainError> {
        let Some((address, kind)) = self.known_client(client) else {
            return Err(ChainError::Refused {
                chain: self.chain,
                what: "vouched",
                reason: format!("no client {client} known on this chain"),
            });
        };
        let info = self.describe(address).await?;
        if info.frozen {
            return Ok(Vec::new());
        }
        let mut out: Vec<Vouched> = Vec::new();
        if kinds::is_committee(kind) {
            let logs = self
                .verifier_logs(
                    address,
                    EcdsaCommitteeVerifier::CheckpointVerified::SIGNATURE_HASH,
                )
                .await?;
            for log in logs {
                let Ok(e) = EcdsaCommitteeVerifier::CheckpointVerified::decode_log(&log.inner)
                else {
                    return Err(self.bad("CheckpointVerified", "undecodable log".into()));
                };
                out.push(Vouched::Checkpoint(Checkpoint {
                    source_chain: info.source,
                    outbox_root: Hash32(e.root.0),
                    leaf_count: e.leafCount,
                    source_height: Height(e.height),
                }));
            }
        } else if kind == VerifierKind::BFT_BLS {
            let logs = self
                .verifier_logs(address, NativeLightClient::HeaderVerified::SIGNATURE_HASH)
                .await?;
            for log in logs {
                let Ok(e) = NativeLightClient::HeaderVerified::decode_log(&log.inner) else {
                    return Err(self.bad("HeaderVerified", "undecodable log".into()));
                };
                out.push(Vouched::Root {
                    height: Height(e.height),
                    root: Hash32(e.outboxRoot.0),
                });
            }
        }
        out.retain(|v| v.height() >= from);
        out.sort_by_key(Vouched::height);
        out.dedup_by_key(|v| v.height());
        out.truncate(n.min(MAX_READ_ITEMS));
        Ok(out)
    }
}

impl EvidenceSink for EvmDestination {
    fn chain_id(&self) -> ChainId {
        self.chain
    }

    /// `submitMisbehaviour(evidence)` to the accused contract (a committee, or the native light
    /// client), the kind's evidence bytes as the Rust kind encodes them. A dry run that reverts
    /// sends nothing: the report has a zero hash and the revert's name.
    async fn submit_misbehaviour(
        &self,
        client: ClientId,
        kind: VerifierKind,
        evidence: Vec<u8>,
    ) -> Result<Submitted, ChainError> {
        let address = match self.known_client(client) {
            Some((address, known)) if known == kind && kinds::is_updated(kind) => address,
            found => {
                return Err(ChainError::Refused {
                    chain: self.chain,
                    what: "submit_misbehaviour",
                    reason: format!(
                        "client {client} of kind {kind}: {}",
                        match found {
                            None => "not known on this chain".to_owned(),
                            Some((_, k)) => format!(
                                "its contract is of kind {k}, with no evidence entry point here"
                            ),
                        }
                    ),
                })
            }
        };
        let data = EcdsaCommitteeVerifier::submitMisbehaviourCall {
            e: Bytes::from(evidence),
        }
        .abi_encode();
        match self
            .txm
            .send("misbehaviour", address, Bytes::from(data))
            .await
        {
            Ok(landed) => Ok(Submitted {
                hash: Hash32(landed.hash.0),
                height: Height(landed.receipt.block_number.unwrap_or_default()),
                applied: if landed.receipt.status() {
                    Ok(())
                } else {
                    Err("reverted on chain".into())
                },
            }),
            Err(TxError::Reverted { reason, .. }) => Ok(Submitted {
                hash: Hash32([0; 32]),
                height: DestinationChain::latest_height(self).await?,
                applied: Err(reason.to_string()),
            }),
            Err(e) => Err(self.tx_error("submit_misbehaviour", e)),
        }
    }

    /// EVM verifiers take no conflict against a reference client (`[STRAIT-CONFLICT.*]` is the
    /// native host's rule): refused, so the watcher alerts.
    async fn submit_conflict(
        &self,
        accused: ClientId,
        _reference: ClientId,
        _height: Height,
    ) -> Result<Submitted, ChainError> {
        Err(ChainError::Refused {
            chain: self.chain,
            what: "submit_conflict",
            reason: format!("client {accused}: no conflict evidence on an EVM chain"),
        })
    }
}
