//! A devnet node as a watcher sees it (`strait_watcher::{VerifierReader, EvidenceSink}`): its
//! clients and what each vouches for (`strait_clients`, `strait_vouched`), and misbehaviour
//! submitted as a signed devnet transaction.

use strait_attest::Checkpoint;
use strait_chain_client::{ChainError, Conflict, DisputeChain, VerifierInfo};
use strait_devnet_api::tx::TxBody;
use strait_primitives::{ChainId, ClientId, Height};
use strait_verifier::VerifierKind;
use strait_watcher::{
    pending_roots, EvidenceSink, Submitted, VerifierReader, Vouched, MAX_READ_ITEMS,
};

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
        let info = self
            .rpc
            .clients(client, 1)
            .await
            .map_err(|e| chain_error(chain, "clients", e))?
            .into_iter()
            .find(|c| c.client_id == client)
            .ok_or_else(|| ChainError::Refused {
                chain,
                what: "vouched",
                reason: format!("no client {client}"),
            })?;
        let source = info.chain_id;
        if info.kind == VerifierKind::OPTIMISTIC && !info.frozen {
            // Its pending proposals: what a conflict discards, paying the bond to the watcher.
            let pending = DisputeChain::pending_proposals(self, client).await?;
            return Ok(pending_roots(pending, from, n));
        }
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

    /// The conflict transaction (tag 13, SPEC §13), through [`DisputeChain`].
    async fn submit_conflict(
        &self,
        accused: ClientId,
        reference: ClientId,
        height: Height,
    ) -> Result<Submitted, ChainError> {
        let conflict = Conflict {
            accused,
            reference,
            height,
        };
        Ok(DisputeChain::submit_conflict(self, conflict).await?.into())
    }
}
