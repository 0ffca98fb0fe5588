//! The devnet adapter as a [`DisputeChain`] (`docs/SPEC.md` §13): proposals, conflicts and watcher
//! pauses are signed devnet transactions (tags 12 to 14) with the adapter's account, sharing its
//! nonce with its relays.

use strait_chain_client::{
    ChainError, Conflict, DisputeChain, PendingProposal, Proposal, SubmitReport,
};
use strait_devnet_api::rpc::TxResult;
use strait_devnet_api::tx::TxBody;
use strait_primitives::{ChainId, ClientId, Hash32, Height};

use crate::chain::{chain_error, DevnetChain};

/// The SPEC name a refusal carries in its words (`"... (Name): ..."`, as the node writes them),
/// else the failure kind.
fn refusal(result: &TxResult) -> (String, String) {
    let words = result.error.clone().unwrap_or_default();
    let name = words
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(name, _)| name)
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{:?}", result.failure));
    (name, words)
}

/// How an included transaction ended.
pub fn submit_report(result: &TxResult) -> SubmitReport {
    SubmitReport {
        hash: result.hash,
        height: result.height,
        applied: if result.success {
            Ok(())
        } else {
            Err(refusal(result))
        },
    }
}

impl DevnetChain {
    async fn dispute_tx(
        &self,
        what: &'static str,
        body: TxBody,
    ) -> Result<SubmitReport, ChainError> {
        let result = self
            .submit(body)
            .await
            .map_err(|e| chain_error(self.rpc().chain_id(), what, e))?;
        Ok(submit_report(&result))
    }
}

impl DisputeChain for DevnetChain {
    fn chain_id(&self) -> ChainId {
        self.rpc().chain_id()
    }

    async fn propose_root(
        &self,
        client: ClientId,
        proposal: Proposal,
    ) -> Result<SubmitReport, ChainError> {
        self.dispute_tx("propose_root", TxBody::ProposeRoot { client, proposal })
            .await
    }

    async fn submit_conflict(&self, conflict: Conflict) -> Result<SubmitReport, ChainError> {
        self.dispute_tx("submit_conflict", TxBody::SubmitConflict { conflict })
            .await
    }

    async fn watcher_pause(&self, client: ClientId) -> Result<SubmitReport, ChainError> {
        self.dispute_tx("watcher_pause", TxBody::WatcherPause { client })
            .await
    }

    async fn pending_proposals(
        &self,
        client: ClientId,
    ) -> Result<Vec<PendingProposal>, ChainError> {
        let chain = self.rpc().chain_id();
        let answer = self
            .rpc()
            .pending_proposals(client)
            .await
            .map_err(|e| chain_error(chain, "pending_proposals", e))?;
        answer
            .into_iter()
            .map(|p| {
                let bond = p.bond.parse().map_err(|_| ChainError::BadData {
                    chain,
                    what: "pending_proposals",
                    reason: format!("bond {:?} is not a u128", p.bond),
                })?;
                if p.leaf_count > strait_optimistic::MAX_LEAF_COUNT {
                    return Err(ChainError::BadData {
                        chain,
                        what: "pending_proposals",
                        reason: format!("leaf count {} above 2^32", p.leaf_count),
                    });
                }
                Ok(PendingProposal {
                    proposal: Proposal {
                        height: p.height,
                        root: p.root,
                        leaf_count: p.leaf_count,
                    },
                    proposer: p.proposer,
                    bond,
                    matures_at_ms: p.matures_at_ms,
                })
            })
            .collect()
    }

    async fn client_root(
        &self,
        client: ClientId,
        height: Height,
    ) -> Result<Option<Hash32>, ChainError> {
        self.rpc()
            .client_root(client, height)
            .await
            .map_err(|e| chain_error(self.rpc().chain_id(), "client_root", e))
    }
}

#[cfg(test)]
mod tests {
    use strait_devnet_api::rpc::TxFailure;
    use strait_devnet_api::tx::TxKind;

    use super::*;

    #[test]
    fn a_refusal_is_named_by_the_node_s_words() {
        let mut result = TxResult {
            hash: Hash32([1; 32]),
            kind: TxKind::SubmitConflict,
            height: Height(3),
            success: false,
            failure: Some(TxFailure::Rejected),
            error: Some("conflict refused (NotConflicting): conflict refused: both hold".into()),
            message_id: None,
            client_id: None,
            deliveries: vec![],
            fee: "0".into(),
        };
        assert_eq!(
            submit_report(&result).applied.unwrap_err().0,
            "NotConflicting"
        );
        result.error = Some("fee not paid: account (x y) holds 0".into());
        result.failure = Some(TxFailure::FeeUnpaid);
        assert_eq!(
            submit_report(&result).applied.unwrap_err().0,
            "Some(FeeUnpaid)"
        );
        result.success = true;
        assert_eq!(submit_report(&result).applied, Ok(()));
    }
}
