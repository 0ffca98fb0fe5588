//! What agents ask of a source's outbox history and of attesters: [`OutboxHistory`] (the outbox
//! root and size a source committed at each height) and [`AttestationSource`] (attesters'
//! signatures over checkpoints of it, `docs/SPEC.md` `[STRAIT-ATTEST.10]`).

use core::future::Future;
use core::pin::Pin;

use strait_attest::Checkpoint;
use strait_primitives::{ChainId, Hash32, Height};
pub use strait_verifier::VerifierKind;

use crate::ChainError;

/// A source's outbox as its header at `height` committed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutboxState {
    /// The height.
    pub height: Height,
    /// The outbox root in the header at that height.
    pub root: Hash32,
    /// How many messages the outbox held at that height.
    pub count: u64,
}

/// A chain whose outbox history an attester follows.
pub trait OutboxHistory: Send + Sync + 'static {
    /// The chain's id.
    fn chain_id(&self) -> ChainId;

    /// Its latest committed height.
    fn latest_height(&self) -> impl Future<Output = Result<Height, ChainError>> + Send;

    /// The outbox root and size committed at `height` (at most the latest height).
    fn outbox_at(
        &self,
        height: Height,
    ) -> impl Future<Output = Result<OutboxState, ChainError>> + Send;
}

/// One attester's signature over a checkpoint, as it publishes it (`[STRAIT-ATTEST.10]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attestation {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The committee kind the signature is for (`ATTEST_ECDSA`, `ATTEST_ED25519` or `ATTEST_BLS`).
    pub kind: VerifierKind,
    /// The committee id the sign bytes are bound to.
    pub committee_id: Hash32,
    /// The committee epoch the sign bytes are bound to.
    pub epoch: u64,
    /// The signer as a committee stores it: a 20-byte EVM address, a 32-byte ed25519 key or a
    /// 96-byte uncompressed BLS key.
    pub signer: Vec<u8>,
    /// The signature over `checkpoint.sign_bytes(committee_id, epoch)`.
    pub signature: Vec<u8>,
}

/// A boxed future, for the object-safe [`AttestationSource`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a relayer finds attesters' signatures. An attester that cannot be reached or answers
/// garbage contributes nothing: the relayer checks every signature before using it.
pub trait AttestationSource: Send + Sync + 'static {
    /// Every reachable attester's signature over its checkpoint of `(chain, leaf_count)`.
    fn attestations(&self, chain: ChainId, leaf_count: u64) -> BoxFuture<'_, Vec<Attestation>>;

    /// Every reachable attester's latest signed checkpoint of `chain`.
    fn latest(&self, chain: ChainId) -> BoxFuture<'_, Vec<Attestation>>;
}
