//! Attesters in the simulation: members of one ECDSA committee that sign each new leaf count of
//! a source at the lowest final height it appears (`[STRAIT-ATTEST.10]`) and publish on a shared
//! board, some of them byzantine.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use strait_attest::ecdsa::EcdsaSigner;
use strait_attest::Checkpoint;
use strait_chain_client::{Attestation, AttestationSource, BoxFuture, VerifierKind};
use strait_primitives::{ChainId, Hash32, Height};

use crate::InProcessChain;

/// Most attestations the board keeps per (chain, leaf count).
const MAX_PER_COUNT: usize = 16;

/// Attestations by (chain, leaf count).
type Entries = BTreeMap<(ChainId, u64), Vec<Attestation>>;

/// Every attestation published, by (chain, leaf count): what a watcher and a relayer read.
#[derive(Clone, Debug, Default)]
pub struct SimBoard(Arc<Mutex<Entries>>);

impl SimBoard {
    /// Publishes `attestation`.
    pub fn publish(&self, attestation: Attestation) {
        let key = (
            attestation.checkpoint.source_chain,
            attestation.checkpoint.leaf_count,
        );
        let mut board = self.0.lock().expect("board lock");
        let entry = board.entry(key).or_default();
        if entry.len() < MAX_PER_COUNT && !entry.contains(&attestation) {
            entry.push(attestation);
        }
    }
}

impl AttestationSource for SimBoard {
    fn attestations(&self, chain: ChainId, leaf_count: u64) -> BoxFuture<'_, Vec<Attestation>> {
        let found = self
            .0
            .lock()
            .expect("board lock")
            .get(&(chain, leaf_count))
            .cloned()
            .unwrap_or_default();
        Box::pin(async move { found })
    }

    fn latest(&self, chain: ChainId) -> BoxFuture<'_, Vec<Attestation>> {
        let found = self
            .0
            .lock()
            .expect("board lock")
            .range((chain, 0)..=(chain, u64::MAX))
            .next_back()
            .map(|(_, a)| a.clone())
            .unwrap_or_default();
        Box::pin(async move { found })
    }
}

/// How a member behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conduct {
    /// Signs what the source committed.
    Honest,
    /// Signs nothing.
    Silent,
    /// Publishes garbage signatures.
    Garbage,
    /// Signs honestly until told to stop (after a forgery), then nothing.
    HonestUntilForged,
}

/// One member.
pub struct Member {
    /// Its key.
    pub key: EcdsaSigner,
    /// How it behaves.
    pub conduct: Conduct,
}

/// Signs `checkpoint` for the committee `(id, epoch 0)` with `key`.
pub fn attest(key: &EcdsaSigner, id: Hash32, checkpoint: Checkpoint) -> Attestation {
    Attestation {
        checkpoint,
        kind: VerifierKind::ATTEST_ECDSA,
        committee_id: id,
        epoch: 0,
        signer: key.address().to_vec(),
        signature: key.sign(&checkpoint.sign_bytes(&id, 0)).to_vec(),
    }
}

/// The members' step: every new leaf count of `source` up to `latest - 2` (final), signed by
/// each member at the lowest height it appears; `next` is the next height to examine and the
/// leaf count reached; `forged` says whether the forgery happened.
pub fn step(
    source: &InProcessChain,
    members: &[Member],
    id: Hash32,
    board: &SimBoard,
    next: &mut (u64, u64),
    forged: bool,
) {
    let final_height = source.latest_height().get().saturating_sub(2);
    while next.0 <= final_height {
        let height = Height(next.0);
        let (Some(block), Some(count)) =
            (source.light_block(height), source.outbox_count_at(height))
        else {
            return;
        };
        if count > next.1 {
            let checkpoint = Checkpoint {
                source_chain: source.chain_id(),
                outbox_root: block.header().outbox_root,
                leaf_count: count,
                source_height: height,
            };
            for m in members {
                match m.conduct {
                    Conduct::Honest => board.publish(attest(&m.key, id, checkpoint)),
                    Conduct::HonestUntilForged if !forged => {
                        board.publish(attest(&m.key, id, checkpoint))
                    }
                    Conduct::Garbage => {
                        let mut a = attest(&m.key, id, checkpoint);
                        a.signature[5] ^= 0x40;
                        board.publish(a);
                    }
                    _ => {}
                }
            }
            next.1 = count;
        }
        next.0 += 1;
    }
}
