//! The in-memory index of an EVM endpoint's outbox, built from its `Sent` logs up to the confirmed
//! head: every leaf's id, block and destination, the prover-side tree of the ids, and the hashes
//! of recently scanned range ends (to notice a reorg beneath the index).
//!
//! Memory: per leaf, its id (32 bytes), its block (8), its position in its destination's list (8)
//! and about two tree hashes (64): roughly 112 bytes a message, for as long as the source runs (a
//! multiproof against any confirmed root may need any leaf). Packets are not kept: a page reads
//! them again from the logs of the blocks it covers. At most `window` range ends are remembered.

use std::collections::{BTreeMap, VecDeque};

use strait_merkle::{LeafIndex, MerkleError, MerkleTree};
use strait_primitives::{ChainId, Hash32, MessageId};

/// The end of a scanned block range: its hash, and the outbox size after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RangeEnd {
    /// The block number.
    pub block: u64,
    /// Its hash when it was scanned.
    pub hash: Hash32,
    /// Leaves sent up to and including it.
    pub count: u64,
}

/// One leaf as a `Sent` log reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Leaf {
    pub id: MessageId,
    pub block: u64,
    pub destination: ChainId,
}

/// The leaves of an outbox, in order, from the endpoint's first block on.
#[derive(Debug)]
pub(crate) struct OutboxIndex {
    start_block: u64,
    /// The first block not scanned yet.
    next_block: u64,
    leaves: Vec<Leaf>,
    by_destination: BTreeMap<ChainId, Vec<u64>>,
    tree: MerkleTree,
    ends: VecDeque<RangeEnd>,
    window: usize,
}

impl OutboxIndex {
    /// An empty index whose scan starts at `start_block`, remembering the last `window` (at least
    /// 1) range ends.
    pub fn new(start_block: u64, window: usize) -> Self {
        Self {
            start_block,
            next_block: start_block,
            leaves: Vec::new(),
            by_destination: BTreeMap::new(),
            tree: MerkleTree::new(),
            ends: VecDeque::new(),
            window: window.max(1),
        }
    }

    /// The first block not scanned yet.
    pub fn next_block(&self) -> u64 {
        self.next_block
    }

    /// Leaves indexed.
    pub fn count(&self) -> u64 {
        self.leaves.len() as u64
    }

    /// The leaf at `index`.
    pub fn leaf(&self, index: u64) -> Option<&Leaf> {
        usize::try_from(index).ok().and_then(|i| self.leaves.get(i))
    }

    /// The most recent range end.
    pub fn last_end(&self) -> Option<RangeEnd> {
        self.ends.back().copied()
    }

    /// Appends the next leaf.
    pub fn push(&mut self, leaf: Leaf) -> Result<(), MerkleError> {
        let index = self.tree.append(&leaf.id)?.get();
        self.by_destination
            .entry(leaf.destination)
            .or_default()
            .push(index);
        self.leaves.push(leaf);
        Ok(())
    }

    /// Marks every block up to `end.block` scanned, `end.count` leaves indexed.
    pub fn end_range(&mut self, end: RangeEnd) {
        debug_assert_eq!(end.count, self.count());
        self.next_block = end.block.saturating_add(1);
        if self.ends.len() == self.window {
            self.ends.pop_front();
        }
        self.ends.push_back(end);
    }

    /// The remembered range ends, newest first.
    pub fn ends_newest_first(&self) -> impl Iterator<Item = RangeEnd> + '_ {
        self.ends.iter().rev().copied()
    }

    /// Drops everything past `end` (a range end still on the chain), or everything when `None`.
    pub fn rewind(&mut self, end: Option<RangeEnd>) {
        let (count, next_block) = match end {
            Some(end) => (end.count, end.block.saturating_add(1)),
            None => (0, self.start_block),
        };
        self.truncate(count);
        self.next_block = next_block;
        self.ends.retain(|e| e.block < next_block);
        if let Some(end) = end {
            if self.ends.back() != Some(&end) {
                self.ends.push_back(end);
            }
        }
    }

    /// Keeps the first `count` leaves (rebuilds the tree: only after a reorg or a bad answer).
    pub fn truncate(&mut self, count: u64) {
        if count >= self.count() {
            return;
        }
        self.leaves.truncate(count as usize);
        for list in self.by_destination.values_mut() {
            let keep = list.partition_point(|&leaf| leaf < count);
            list.truncate(keep);
        }
        self.by_destination.retain(|_, list| !list.is_empty());
        let mut tree = MerkleTree::new();
        for leaf in &self.leaves {
            // The same ids fitted before.
            let _ = tree.append(&leaf.id);
        }
        self.tree = tree;
    }

    /// The leaves for `destination` from `from_leaf` on, at most `limit`, and where the next page
    /// starts: past the last one taken when the page is full, else past every indexed leaf.
    pub fn page(&self, destination: ChainId, from_leaf: u64, limit: usize) -> (Vec<u64>, u64) {
        if limit == 0 {
            return (Vec::new(), from_leaf);
        }
        let Some(list) = self.by_destination.get(&destination) else {
            return (Vec::new(), self.count().max(from_leaf));
        };
        let first = list.partition_point(|&leaf| leaf < from_leaf);
        let taken: Vec<u64> = list[first..].iter().copied().take(limit).collect();
        let next = match taken.last() {
            Some(&last) if taken.len() == limit => last + 1,
            _ => self.count().max(from_leaf),
        };
        (taken, next)
    }

    /// The root of the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash32, MerkleError> {
        self.tree.root_at(size)
    }

    /// A multiproof of `leaves` against the root of the first `size` leaves.
    pub fn multiproof(
        &self,
        leaves: &[u64],
        size: u64,
    ) -> Result<strait_merkle::MultiProof, MerkleError> {
        let indices: Vec<LeafIndex> = leaves.iter().map(|&l| LeafIndex(l)).collect();
        self.tree.multiproof(&indices, size)
    }
}

#[cfg(test)]
mod tests {
    use strait_merkle::IncrementalTree;

    use super::*;

    fn leaf(i: u8, block: u64, destination: u64) -> Leaf {
        Leaf {
            id: MessageId([i; 32]),
            block,
            destination: ChainId(destination),
        }
    }

    fn end(index: &OutboxIndex, block: u64) -> RangeEnd {
        RangeEnd {
            block,
            hash: Hash32([block as u8; 32]),
            count: index.count(),
        }
    }

    #[test]
    fn pages_by_destination() {
        let mut index = OutboxIndex::new(5, 4);
        for i in 0..6 {
            index
                .push(leaf(i, 10 + u64::from(i), 1 + u64::from(i % 2)))
                .unwrap();
        }
        assert_eq!(index.page(ChainId(1), 0, 2), (vec![0, 2], 3));
        assert_eq!(index.page(ChainId(1), 3, 2), (vec![4], 6));
        assert_eq!(index.page(ChainId(1), 9, 2), (vec![], 9));
        assert_eq!(index.page(ChainId(2), 1, 3), (vec![1, 3, 5], 6));
        assert_eq!(index.page(ChainId(7), 0, 3), (vec![], 6));
        assert_eq!(index.page(ChainId(2), 1, 0), (vec![], 1));
    }

    #[test]
    fn rewinds_past_a_fork_and_rebuilds_the_tree() {
        let mut index = OutboxIndex::new(5, 2);
        let mut reference = IncrementalTree::new();
        index.push(leaf(1, 6, 1)).unwrap();
        reference.append(&MessageId([1; 32])).unwrap();
        let first = end(&index, 6);
        index.end_range(first);
        index.push(leaf(2, 8, 2)).unwrap();
        index.end_range(end(&index, 9));
        assert_eq!(index.next_block(), 10);
        index.rewind(Some(first));
        assert_eq!(index.count(), 1);
        assert_eq!(index.next_block(), 7);
        assert_eq!(index.last_end(), Some(first));
        assert_eq!(index.root_at(1).unwrap(), reference.root());
        assert_eq!(index.page(ChainId(2), 0, 5), (vec![], 1));
        index.rewind(None);
        assert_eq!(
            (index.count(), index.next_block(), index.last_end()),
            (0, 5, None)
        );
    }

    #[test]
    fn remembers_at_most_its_window_of_range_ends() {
        let mut index = OutboxIndex::new(0, 2);
        for block in 1..=3 {
            let e = end(&index, block);
            index.end_range(e);
        }
        let blocks: Vec<u64> = index.ends_newest_first().map(|e| e.block).collect();
        assert_eq!(blocks, [3, 2]);
        // A window of 0 keeps one.
        let mut index = OutboxIndex::new(0, 0);
        let e = end(&index, 1);
        index.end_range(e);
        assert_eq!(index.last_end(), Some(e));
    }
}
