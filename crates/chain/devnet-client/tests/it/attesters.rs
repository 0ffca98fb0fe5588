//! Attesters over JSON-RPC as a relayer's attestation source: what an honest attester serves
//! arrives as it was signed; an attester that answers out of bounds, or not at all, contributes
//! nothing and stops no one.

use core::time::Duration;

use jsonrpsee::core::{async_trait, RpcResult};
use jsonrpsee::server::Server;
use strait_chain_client::AttestationSource;
use strait_devnet_api::attester::{AttestationJson, AttesterApiServer, MAX_SIGNATURE_BYTES};
use strait_devnet_client::RpcAttesters;
use strait_primitives::{ChainId, Hash32, Height};

/// An attester that signed leaf counts 1 and 2 of chain 1; `oversized` makes its signatures one
/// byte past the bound.
struct ScriptedAttester {
    oversized: bool,
}

impl ScriptedAttester {
    fn answer(&self, chain: ChainId, leaf_count: u64) -> Option<AttestationJson> {
        (chain == ChainId(1) && (1..=2).contains(&leaf_count)).then(|| AttestationJson {
            source_chain: chain,
            outbox_root: Hash32([leaf_count as u8; 32]),
            leaf_count,
            source_height: Height(10 + leaf_count),
            kind: 2,
            committee_id: Hash32([7; 32]),
            epoch: 0,
            signer: vec![1; 20].into(),
            signature: vec![2; MAX_SIGNATURE_BYTES + usize::from(self.oversized)].into(),
        })
    }
}

#[async_trait]
impl AttesterApiServer for ScriptedAttester {
    async fn attestation(
        &self,
        chain: ChainId,
        leaf_count: u64,
    ) -> RpcResult<Option<AttestationJson>> {
        Ok(self.answer(chain, leaf_count))
    }
    async fn latest_attestation(&self, chain: ChainId) -> RpcResult<Option<AttestationJson>> {
        Ok(self.answer(chain, 2))
    }
}

async fn serve(attester: ScriptedAttester) -> (String, jsonrpsee::server::ServerHandle) {
    let server = Server::builder().build("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", server.local_addr().unwrap());
    (url, server.start(attester.into_rpc()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn honest_attesters_arrive_and_hostile_or_absent_ones_contribute_nothing() {
    let (honest, _h) = serve(ScriptedAttester { oversized: false }).await;
    let (oversized, _o) = serve(ScriptedAttester { oversized: true }).await;
    // Nothing listens here.
    let absent = "http://127.0.0.1:1".to_string();
    let source = RpcAttesters::new(&[honest, oversized, absent], Duration::from_secs(2)).unwrap();
    let one = source.attestations(ChainId(1), 1).await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].checkpoint.outbox_root, Hash32([1; 32]));
    assert_eq!(one[0].signature.len(), MAX_SIGNATURE_BYTES);
    let latest = source.latest(ChainId(1)).await;
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].checkpoint.leaf_count, 2);
    assert!(source.attestations(ChainId(1), 3).await.is_empty());
    assert!(source.latest(ChainId(9)).await.is_empty());
    assert!(RpcAttesters::new(&["not a url".to_string()], Duration::from_secs(1)).is_err());
}
