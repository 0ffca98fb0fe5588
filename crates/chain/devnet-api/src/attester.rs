//! The attester's JSON-RPC interface (namespace `strait`, `docs/rpc.md`, `[STRAIT-ATTEST.10]`):
//! where relayers find an attester's signatures over checkpoints.

use jsonrpsee::core::RpcResult;
use jsonrpsee::proc_macros::rpc;
use serde::{Deserialize, Serialize};
use strait_attest::checkpoint::MAX_LEAF_COUNT;
use strait_attest::Checkpoint;
use strait_chain_client::{Attestation, VerifierKind};
use strait_primitives::{ChainId, Hash32, Height};

use crate::HexBytes;

/// Longest signer in an attestation: an uncompressed BLS G1 key (an EVM address is 20 bytes, an
/// ed25519 key 32).
pub const MAX_SIGNER_BYTES: usize = 96;
/// Longest signature in an attestation: an uncompressed BLS G2 point (ECDSA `r | s | v` is 65
/// bytes, ed25519 64).
pub const MAX_SIGNATURE_BYTES: usize = 192;

/// One attester's signature over a checkpoint, in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationJson {
    /// The checkpoint's source chain.
    pub source_chain: ChainId,
    /// The outbox root.
    pub outbox_root: Hash32,
    /// The outbox size.
    pub leaf_count: u64,
    /// The source height.
    pub source_height: Height,
    /// The committee kind (2: ECDSA, 3: ed25519, 4: BLS).
    pub kind: u16,
    /// The committee id the signature is bound to.
    pub committee_id: Hash32,
    /// The committee epoch the signature is bound to.
    pub epoch: u64,
    /// The signer as the committee stores it (an EVM address, an ed25519 key or an uncompressed
    /// BLS key).
    pub signer: HexBytes,
    /// The signature over the checkpoint's sign bytes.
    pub signature: HexBytes,
}

impl From<&Attestation> for AttestationJson {
    fn from(a: &Attestation) -> Self {
        Self {
            source_chain: a.checkpoint.source_chain,
            outbox_root: a.checkpoint.outbox_root,
            leaf_count: a.checkpoint.leaf_count,
            source_height: a.checkpoint.source_height,
            kind: a.kind.get(),
            committee_id: a.committee_id,
            epoch: a.epoch,
            signer: a.signer.clone().into(),
            signature: a.signature.clone().into(),
        }
    }
}

impl AttestationJson {
    /// The attestation, if its lengths are within bounds (the signature itself is checked by
    /// whoever uses it).
    pub fn into_attestation(self) -> Option<Attestation> {
        if self.leaf_count > MAX_LEAF_COUNT
            || self.signer.0.len() > MAX_SIGNER_BYTES
            || self.signature.0.len() > MAX_SIGNATURE_BYTES
        {
            return None;
        }
        Some(Attestation {
            checkpoint: Checkpoint {
                source_chain: self.source_chain,
                outbox_root: self.outbox_root,
                leaf_count: self.leaf_count,
                source_height: self.source_height,
            },
            kind: VerifierKind(self.kind),
            committee_id: self.committee_id,
            epoch: self.epoch,
            signer: self.signer.0,
            signature: self.signature.0,
        })
    }
}

/// The attester's JSON-RPC interface.
#[rpc(server, client, namespace = "strait")]
pub trait AttesterApi {
    /// This attester's signature over its checkpoint of `chain` with `leaf_count` messages, if it
    /// signed one (and still holds it: the most recent 4,096).
    #[method(name = "attestation")]
    async fn attestation(
        &self,
        chain: ChainId,
        leaf_count: u64,
    ) -> RpcResult<Option<AttestationJson>>;

    /// This attester's signature over its checkpoint of `chain` with the most messages.
    #[method(name = "latestAttestation")]
    async fn latest_attestation(&self, chain: ChainId) -> RpcResult<Option<AttestationJson>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AttestationJson {
        AttestationJson {
            source_chain: ChainId(1),
            outbox_root: Hash32([1; 32]),
            leaf_count: 3,
            source_height: Height(9),
            kind: 2,
            committee_id: Hash32([2; 32]),
            epoch: 0,
            signer: vec![7; 20].into(),
            signature: vec![8; 65].into(),
        }
    }

    #[test]
    fn round_trips_and_bounds_at_and_past_their_limits() {
        let json = sample();
        let attestation = json.clone().into_attestation().unwrap();
        assert_eq!(AttestationJson::from(&attestation), json);
        let text = serde_json::to_string(&json).unwrap();
        assert!(text.contains("\"leafCount\":3"), "{text}");
        let mut at = sample();
        at.leaf_count = MAX_LEAF_COUNT;
        at.signer = vec![1; MAX_SIGNER_BYTES].into();
        assert!(at.into_attestation().is_some());
        let mut past = sample();
        past.leaf_count = MAX_LEAF_COUNT + 1;
        assert!(past.into_attestation().is_none());
        let mut past = sample();
        past.signer = vec![1; MAX_SIGNER_BYTES + 1].into();
        assert!(past.into_attestation().is_none());
        let mut past = sample();
        past.signature = vec![1; MAX_SIGNATURE_BYTES + 1].into();
        assert!(past.into_attestation().is_none());
    }

    #[test]
    fn a_bls_attestation_is_exactly_at_both_bounds() {
        use strait_attest::bls::{PUBLIC_KEY_LEN, SIGNATURE_LEN};
        assert_eq!(MAX_SIGNER_BYTES, PUBLIC_KEY_LEN);
        assert_eq!(MAX_SIGNATURE_BYTES, SIGNATURE_LEN);
        let mut bls = sample();
        bls.kind = 4;
        bls.signer = vec![1; PUBLIC_KEY_LEN].into();
        bls.signature = vec![2; SIGNATURE_LEN].into();
        let attestation = bls.clone().into_attestation().unwrap();
        assert_eq!(attestation.kind, VerifierKind::ATTEST_BLS);
        assert_eq!(attestation.signature.len(), SIGNATURE_LEN);
        // Through JSON and back, at the bounds.
        let text = serde_json::to_string(&bls).unwrap();
        let back: AttestationJson = serde_json::from_str(&text).unwrap();
        assert_eq!(back.into_attestation(), Some(attestation));
        let mut past = bls.clone();
        past.signer = vec![1; PUBLIC_KEY_LEN + 1].into();
        assert!(past.into_attestation().is_none());
        let mut past = bls;
        past.signature = vec![2; SIGNATURE_LEN + 1].into();
        assert!(past.into_attestation().is_none());
    }
}
