//! A devnet node as a watcher sees it (`strait_watcher::{VerifierReader, EvidenceSink}`): its
//! clients and what each vouches for (`strait_clients`, `strait_vouched`), and misbehaviour
//! submitted as a signed devnet transaction.

use strait_attest::Checkpoint;
use strait_chain_client::{ChainError, VerifierInfo};
use strait_devnet_api::tx::TxBody;
use strait_primitives::{ChainId, ClientId, Height};
use strait_verifier::VerifierKind;
use strait_watcher::{EvidenceSink, Submitted, VerifierReader, Vouched, MAX_READ_ITEMS};

use super::{chain_error, DevnetChain};

fn limit(limit: usize) -> u32 {
    u32::try_from(limit.min(MAX_READ_ITEMS)).unwrap_or(u32::MAX)
}

impl VerifierReader for DevnetChain {
    fn chain_id(&self) -> ChainId {
        self.rpc.chain_id()
    }

    async fn clients(&self, from: ClientId, n: usize) -> Result<Vec<VerifierInfo>, ChainError> {
        let chain = self.rpc.chain_id();
        let answer = self
            .rpc
            .clients(from, limit(n))
            .await
            .map_err(|e| chain_error(chain, "clients", e))?;
        Ok(answer
            .into_iter()
            .map(|c| VerifierInfo {
                client: c.client_id,
                kind: c.kind,
                source: c.chain_id,
                latest_height: c.latest_height,
                frozen: c.frozen,
            })
            .collect())
    }

    async fn vouched(
        &self,
        client: ClientId,
        from: Height,
        n: usize,
    ) -> Result<Vec<Vouched>, ChainError> {
        let chain = self.rpc.chain_id();
        let source = self
            .rpc
            .clients(client, 1)
            .await
            .map_err(|e| chain_error(chain, "clients", e))?
            .into_iter()
            .find(|c| c.client_id == client)
            .map(|c| c.chain_id)
            .ok_or_else(|| ChainError::Refused {
                chain,
                what: "vouched",
                reason: format!("no client {client}"),
            })?;
        let answer = self
            .rpc
            .vouched(client, from, limit(n))
            .await
            .map_err(|e| chain_error(chain, "vouched", e))?;
        Ok(answer
            .into_iter()
            .map(|e| match (e.header_hash, e.leaf_count) {
                (Some(header_hash), _) => Vouched::Header {
                    height: e.height,
                    header_hash,
                    outbox_root: e.root,
                },
                (None, Some(leaf_count)) => Vouched::Checkpoint(Checkpoint {
                    source_chain: source,
                    outbox_root: e.root,
                    leaf_count,
                    source_height: e.height,
                }),
                (None, None) => Vouched::Root {
                    height: e.height,
                    root: e.root,
                },
            })
            .collect())
    }
}

impl EvidenceSink for DevnetChain {
    fn chain_id(&self) -> ChainId {
        self.rpc.chain_id()
    }

    async fn submit_misbehaviour(
        &self,
        client: ClientId,
        kind: VerifierKind,
        evidence: Vec<u8>,
    ) -> Result<Submitted, ChainError> {
        let chain = self.rpc.chain_id();
        let result = self
            .submit(TxBody::Misbehaviour {
                client,
                kind,
                evidence,
            })
            .await
            .map_err(|e| chain_error(chain, "misbehaviour", e))?;
        Ok(Submitted {
            hash: result.hash,
            height: result.height,
            applied: if result.success {
                Ok(())
            } else {
                Err(result.error.unwrap_or_default())
            },
        })
    }

    /// The devnet has no conflict transaction yet (the optimistic kind's, SPEC §13): refused, so
    /// the watcher alerts.
    async fn submit_conflict(
        &self,
        accused: ClientId,
        reference: ClientId,
        height: Height,
    ) -> Result<Submitted, ChainError> {
        Err(ChainError::Refused {
            chain: self.rpc.chain_id(),
            what: "submit_conflict",
            reason: format!(
                "no conflict transaction on this chain: client {accused} against {reference} at \
                 {height} is alerted only"
            ),
        })
    }
}
