//! Where an attester publishes its signatures: a bounded in-memory board, served over RPC by the
//! `strait attester` command (`strait_attestation`, `strait_latestAttestation`) and read in
//! process by tests and simulations ([`Boards`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use strait_chain_client::{Attestation, AttestationSource, BoxFuture};
use strait_primitives::ChainId;

/// Most attestations a board keeps; the lowest leaf counts go first. Relayers want recent ones.
pub const MAX_BOARD_ENTRIES: usize = 4096;

/// Where a signature leaves the attester.
pub trait Publish: Send + Sync + 'static {
    /// Makes `attestation` available to relayers.
    fn publish(&self, attestation: Attestation);
}

/// A board of one attester's signatures, by (source chain, leaf count).
#[derive(Clone, Debug, Default)]
pub struct Board(Arc<Mutex<BTreeMap<(ChainId, u64), Attestation>>>);

impl Board {
    fn entries(&self) -> std::sync::MutexGuard<'_, BTreeMap<(ChainId, u64), Attestation>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The signature over the checkpoint of `(chain, leaf_count)`, if published.
    pub fn get(&self, chain: ChainId, leaf_count: u64) -> Option<Attestation> {
        self.entries().get(&(chain, leaf_count)).cloned()
    }

    /// The signature with the highest leaf count of `chain`.
    pub fn latest(&self, chain: ChainId) -> Option<Attestation> {
        self.entries()
            .range((chain, 0)..=(chain, u64::MAX))
            .next_back()
            .map(|(_, a)| a.clone())
    }

    /// How many signatures the board holds.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Publish for Board {
    fn publish(&self, attestation: Attestation) {
        let mut entries = self.entries();
        let key = (
            attestation.checkpoint.source_chain,
            attestation.checkpoint.leaf_count,
        );
        entries.insert(key, attestation);
        while entries.len() > MAX_BOARD_ENTRIES {
            entries.pop_first();
        }
    }
}

/// Several attesters' boards read in process, as a relayer's [`AttestationSource`].
#[derive(Clone, Debug, Default)]
pub struct Boards(pub Vec<Board>);

impl AttestationSource for Boards {
    fn attestations(&self, chain: ChainId, leaf_count: u64) -> BoxFuture<'_, Vec<Attestation>> {
        let found = self
            .0
            .iter()
            .filter_map(|b| b.get(chain, leaf_count))
            .collect();
        Box::pin(async move { found })
    }

    fn latest(&self, chain: ChainId) -> BoxFuture<'_, Vec<Attestation>> {
        let found = self.0.iter().filter_map(|b| b.latest(chain)).collect();
        Box::pin(async move { found })
    }
}

#[cfg(test)]
mod tests {
    use strait_attest::Checkpoint;
    use strait_chain_client::VerifierKind;
    use strait_primitives::{Hash32, Height};

    use super::*;

    fn attestation(chain: u64, count: u64) -> Attestation {
        Attestation {
            checkpoint: Checkpoint {
                source_chain: ChainId(chain),
                outbox_root: Hash32([1; 32]),
                leaf_count: count,
                source_height: Height(count),
            },
            kind: VerifierKind::ATTEST_ECDSA,
            committee_id: Hash32([2; 32]),
            epoch: 0,
            signer: vec![3; 20],
            signature: vec![4; 65],
        }
    }

    #[test]
    fn the_board_keeps_at_most_its_bound_dropping_the_lowest_leaf_counts() {
        let board = Board::default();
        board.publish(attestation(2, 1));
        for count in 1..MAX_BOARD_ENTRIES as u64 {
            board.publish(attestation(1, count));
        }
        assert_eq!(board.len(), MAX_BOARD_ENTRIES);
        assert!(board.get(ChainId(1), 1).is_some());
        // One past the bound: the lowest (chain, leaf count) goes.
        board.publish(attestation(1, MAX_BOARD_ENTRIES as u64));
        assert_eq!(board.len(), MAX_BOARD_ENTRIES);
        assert!(board.get(ChainId(1), 1).is_none());
        assert_eq!(
            board.latest(ChainId(1)).unwrap().checkpoint.leaf_count,
            MAX_BOARD_ENTRIES as u64
        );
        assert_eq!(board.latest(ChainId(2)).unwrap().checkpoint.leaf_count, 1);
        assert!(board.latest(ChainId(3)).is_none());
    }
}
