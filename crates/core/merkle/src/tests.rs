//! Property tests of the optimised trees and proofs against a naive reference.

use std::collections::BTreeSet;

use proptest::prelude::*;
use strait_primitives::{Hash32, MessageId};

use crate::*;

/// The root recomputed from its definition (`[STRAIT-MERKLE.2]`): the leaves padded with
/// `zero[0]` to `2^k` for the least `k` with `2^k >= n`, hashed pairwise `k` times, and the top node
/// hashed with `k`.
fn naive_root(ids: &[MessageId]) -> Hash32 {
    let mut level: Vec<Hash32> = ids.iter().map(leaf_hash).collect();
    let mut height = 0;
    while (1usize << height) < ids.len() {
        height += 1;
    }
    level.resize(1 << height, Hash32::ZERO);
    for _ in 0..height {
        level = level
            .chunks(2)
            .map(|pair| node_hash(&pair[0], &pair[1]))
            .collect();
    }
    assert_eq!(level.len(), 1);
    root_hash(height, &level[0])
}

fn arb_ids(max: usize) -> impl Strategy<Value = Vec<MessageId>> {
    proptest::collection::vec(any::<[u8; 32]>().prop_map(MessageId), 0..max)
}

fn trees(ids: &[MessageId]) -> (IncrementalTree, MerkleTree) {
    let mut incremental = IncrementalTree::new();
    let mut full = MerkleTree::new();
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(incremental.append(id), Ok(LeafIndex(i as u64)));
        assert_eq!(full.append(id), Ok(LeafIndex(i as u64)));
    }
    (incremental, full)
}

/// A non-empty tree, a past size `1..=count` and a seed to pick leaves and tampering with.
fn arb_tree_and_size(max: usize) -> impl Strategy<Value = (Vec<MessageId>, usize, u64)> {
    proptest::collection::vec(any::<[u8; 32]>().prop_map(MessageId), 1..max).prop_flat_map(|ids| {
        let n = ids.len();
        (Just(ids), 1..=n, any::<u64>())
    })
}

#[test]
fn empty_root_is_the_same_everywhere() {
    let (incremental, full) = trees(&[]);
    assert_eq!(incremental.root(), empty_root());
    assert_eq!(full.root(), empty_root());
    assert_eq!(naive_root(&[]), empty_root());
}

#[test]
fn tree_height_is_the_least_power_of_two_covering_the_size() {
    for (size, height) in [
        (0, 0),
        (1, 0),
        (2, 1),
        (3, 2),
        (4, 2),
        (5, 3),
        (8, 3),
        (9, 4),
    ] {
        assert_eq!(tree_height(size), height, "size {size}");
    }
    assert_eq!(tree_height(MAX_LEAVES - 1), DEPTH);
    assert_eq!(tree_height(MAX_LEAVES), DEPTH);
    assert_eq!(tree_height((1 << 31) + 1), DEPTH);
    assert_eq!(tree_height(1 << 31), DEPTH - 1);
}

#[test]
fn leaf_hash_is_not_a_node_hash() {
    // An id whose bytes are a node's children must not produce a leaf equal to that node, and a
    // leaf can never be mistaken for an inner node of a one-leaf tree.
    let (l, r) = (
        leaf_hash(&MessageId([1; 32])),
        leaf_hash(&MessageId([2; 32])),
    );
    assert_ne!(leaf_hash(&MessageId(l.0)), l);
    assert_ne!(
        leaf_hash(&MessageId(node_hash(&l, &r).0)),
        node_hash(&l, &r)
    );
    assert_ne!(leaf_hash(&MessageId(Hash32::ZERO.0)), zero_hashes()[1]);
}

#[test]
fn single_leaf_multiproof_is_the_inclusion_proof() {
    let ids: Vec<MessageId> = (0u8..11).map(|i| MessageId([i; 32])).collect();
    let (_, full) = trees(&ids);
    for i in 0..11 {
        let proof = full.proof(LeafIndex(i), 11).unwrap();
        let multi = full.multiproof(&[LeafIndex(i)], 11).unwrap();
        assert_eq!(multi.hashes, proof.siblings.to_vec());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn roots_agree_with_naive_at_every_size(ids in arb_ids(300)) {
        let mut incremental = IncrementalTree::new();
        let (_, full) = trees(&ids);
        prop_assert_eq!(full.root_at(0).unwrap(), empty_root());
        for (i, id) in ids.iter().enumerate() {
            incremental.append(id).unwrap();
            prop_assert_eq!(incremental.root(), full.root_at(i as u64 + 1).unwrap());
        }
        let naive = naive_root(&ids);
        prop_assert_eq!(incremental.root(), naive);
        prop_assert_eq!(full.root(), naive);
        prop_assert_eq!(incremental.count(), ids.len() as u64);
        prop_assert_eq!(full.count(), ids.len() as u64);
    }

    #[test]
    fn incremental_state_round_trips_and_resumes(ids in arb_ids(100), more in arb_ids(20)) {
        let (incremental, _) = trees(&ids);
        let bytes = incremental.encode();
        prop_assert_eq!(bytes.len(), STATE_LEN);
        let mut resumed = IncrementalTree::decode(&bytes).unwrap();
        prop_assert_eq!(&resumed, &incremental);
        for id in &more {
            resumed.append(id).unwrap();
        }
        let all: Vec<MessageId> = ids.iter().chain(&more).copied().collect();
        prop_assert_eq!(resumed.root(), naive_root(&all));
    }

    #[test]
    fn proofs_of_every_leaf_verify_now_and_at_a_past_size(
        (ids, size, _) in arb_tree_and_size(150)
    ) {
        let (_, full) = trees(&ids);
        let now = ids.len() as u64;
        let past_root = naive_root(&ids[..size]);
        prop_assert_eq!(full.root_at(size as u64).unwrap(), past_root);
        for (i, id) in ids.iter().enumerate() {
            let index = LeafIndex(i as u64);
            let proof = full.proof(index, now).unwrap();
            prop_assert_eq!(proof.verify(id, &full.root()), Ok(()));
            prop_assert_eq!(proof.height(), tree_height(now));
            prop_assert_eq!(InclusionProof::decode(&proof.encode()).unwrap(), proof.clone());
            // Siblings above the bit length of `now - 1` are zero hashes, omitted by the encoding.
            let bits = (u64::BITS - (now - 1).leading_zeros()) as usize;
            prop_assert!(proof.encode().len() <= MIN_PROOF_LEN + 32 * bits);
            if i < size {
                let old = full.proof(index, size as u64).unwrap();
                prop_assert_eq!(old.verify(id, &past_root), Ok(()));
            }
        }
    }

    #[test]
    fn tampered_proofs_are_rejected((ids, size, seed) in arb_tree_and_size(80)) {
        let (_, full) = trees(&ids);
        let root = full.root_at(size as u64).unwrap();
        let i = (seed % size as u64) as usize;
        let proof = full.proof(LeafIndex(i as u64), size as u64).unwrap();
        prop_assert_eq!(proof.verify(&ids[i], &root), Ok(()));

        for h in 0..DEPTH {
            let mut bad = proof.clone();
            let bit = (seed >> 8) as usize % 256;
            bad.siblings[h].0[bit / 8] ^= 1 << (bit % 8);
            let result = bad.verify(&ids[i], &root);
            prop_assert!(matches!(result, Err(MerkleError::RootMismatch { .. })), "{:?}", result);

            let mut moved = proof.clone();
            moved.leaf_index = LeafIndex(i as u64 ^ (1 << h));
            prop_assert!(moved.verify(&ids[i], &root).is_err());
        }
        // A proof cannot stop short of the tree's height: its top sibling replaced by the zero
        // hash of its height gives another root (and a lower height unless the leaf sets it).
        let height = proof.height();
        if height > 0 {
            let mut short = proof.clone();
            short.siblings[height - 1] = zero_hashes()[height - 1];
            prop_assert!(short.height() <= height);
            let result = short.verify(&ids[i], &root);
            prop_assert!(matches!(result, Err(MerkleError::RootMismatch { .. })), "{:?}", result);
        }
        let mut other = ids[i];
        other.0[(seed >> 16) as usize % 32] ^= 1;
        prop_assert!(proof.verify(&other, &root).is_err());
        let mut wrong_root = root;
        wrong_root.0[0] ^= 0x80;
        prop_assert_eq!(
            proof.verify(&ids[i], &wrong_root),
            Err(MerkleError::RootMismatch { got: root, expected: wrong_root })
        );
    }

    #[test]
    fn multiproofs_verify_and_are_minimal(
        (ids, size, _) in arb_tree_and_size(200),
        mask in proptest::collection::vec(any::<bool>(), 200),
    ) {
        let (_, full) = trees(&ids);
        let mut indices: Vec<LeafIndex> =
            (0..size as u64).filter(|&i| mask[i as usize]).map(LeafIndex).collect();
        if indices.is_empty() {
            indices.push(LeafIndex(size as u64 - 1));
        }
        let proven: Vec<MessageId> = indices.iter().map(|i| ids[i.get() as usize]).collect();
        let root = naive_root(&ids[..size]);
        let proof = full.multiproof(&indices, size as u64).unwrap();
        prop_assert_eq!(proof.verify(&proven, &root), Ok(()));
        prop_assert_eq!(proof.height(), tree_height(size as u64));
        prop_assert_eq!(MultiProof::decode(&proof.encode()).unwrap(), proof.clone());

        // Exactly the siblings of the union of the paths that are not on it.
        let mut level: BTreeSet<u64> = indices.iter().map(|i| i.get()).collect();
        let mut expected = 0;
        for _ in 0..DEPTH {
            let parents: BTreeSet<u64> = level.iter().map(|p| p >> 1).collect();
            expected += 2 * parents.len() - level.len();
            level = parents;
        }
        prop_assert_eq!(proof.hashes.len(), expected);
        prop_assert!(proof.hashes.len() <= indices.len() * DEPTH);
    }

    #[test]
    fn tampered_multiproofs_are_rejected(
        (ids, size, seed) in arb_tree_and_size(120),
        mask in proptest::collection::vec(any::<bool>(), 120),
    ) {
        let (_, full) = trees(&ids);
        let mut indices: Vec<LeafIndex> =
            (0..size as u64).filter(|&i| mask[i as usize]).map(LeafIndex).collect();
        if indices.is_empty() {
            indices.push(LeafIndex(seed % size as u64));
        }
        let proven: Vec<MessageId> = indices.iter().map(|i| ids[i.get() as usize]).collect();
        let root = full.root_at(size as u64).unwrap();
        let proof = full.multiproof(&indices, size as u64).unwrap();

        let k = seed as usize % proof.hashes.len();
        let mut flipped = proof.clone();
        flipped.hashes[k].0[(seed >> 8) as usize % 32] ^= 1 << ((seed >> 16) % 8);
        let result = flipped.verify(&proven, &root);
        prop_assert!(matches!(result, Err(MerkleError::RootMismatch { .. })), "{:?}", result);

        let mut short = proof.clone();
        short.hashes.pop();
        let result = short.verify(&proven, &root);
        prop_assert!(matches!(result, Err(MerkleError::HashCountMismatch { .. })), "{:?}", result);
        let mut long = proof.clone();
        long.hashes.push(Hash32::ZERO);
        let result = long.verify(&proven, &root);
        prop_assert!(matches!(result, Err(MerkleError::HashCountMismatch { .. })), "{:?}", result);

        let j = (seed >> 24) as usize % proven.len();
        let mut wrong = proven.clone();
        wrong[j].0[0] ^= 1;
        let result = proof.verify(&wrong, &root);
        prop_assert!(matches!(result, Err(MerkleError::RootMismatch { .. })), "{:?}", result);
        let result = proof.verify(&proven[1..], &root);
        prop_assert!(matches!(result, Err(MerkleError::IdCountMismatch { .. })), "{:?}", result);

        let mut wrong_root = root;
        wrong_root.0[31] ^= 1;
        let result = proof.verify(&proven, &wrong_root);
        prop_assert!(matches!(result, Err(MerkleError::RootMismatch { .. })), "{:?}", result);

        // Moving one index to a position not proven changes the root or the shape.
        let mut moved = proof.clone();
        let shifted = LeafIndex(indices[j].get() ^ 1);
        if !indices.contains(&shifted) {
            moved.leaf_indices[j] = shifted;
            moved.leaf_indices.sort();
            prop_assert!(moved.verify(&proven, &root).is_err());
        }
        if proof.leaf_indices.len() > 1 {
            let mut swapped = proof.clone();
            swapped.leaf_indices.swap(0, 1);
            prop_assert_eq!(
                swapped.verify(&proven, &root),
                Err(MerkleError::IndicesNotIncreasing { position: 1 })
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decoders_never_panic_and_accept_only_canonical_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..1200)
    ) {
        if let Ok(proof) = InclusionProof::decode(&bytes) {
            prop_assert_eq!(proof.encode(), bytes.clone());
        }
        if let Ok(proof) = MultiProof::decode(&bytes) {
            prop_assert_eq!(proof.encode(), bytes.clone());
        }
        if let Ok(state) = IncrementalTree::decode(&bytes) {
            prop_assert_eq!(state.encode(), bytes.clone());
        }
    }

    #[test]
    fn fixed_length_decoders_round_trip(
        index in any::<u32>(),
        mask in any::<u32>(),
        siblings in proptest::collection::vec(any::<u8>(), DEPTH * 32),
        state in proptest::collection::vec(any::<u8>(), STATE_LEN),
    ) {
        // Random siblings are zero hashes with negligible probability: every mask decodes.
        let present = DEPTH - mask.count_ones() as usize;
        let proof = [&index.to_be_bytes()[..], &mask.to_be_bytes(), &siblings[..32 * present]].concat();
        prop_assert_eq!(InclusionProof::decode(&proof).unwrap().encode(), proof);
        match IncrementalTree::decode(&state) {
            Ok(tree) => prop_assert_eq!(tree.encode(), state),
            Err(err) => prop_assert!(u64::from_be_bytes(state[..8].try_into().unwrap()) > MAX_LEAVES, "{}", err),
        }
    }

    #[test]
    fn mutated_multiproof_bytes_never_panic(
        leaves in proptest::collection::btree_set(0u64..64, 1..8),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        cut in any::<usize>(),
    ) {
        let ids: Vec<MessageId> = (0u8..64).map(|i| MessageId([i; 32])).collect();
        let (_, full) = trees(&ids);
        let indices: Vec<LeafIndex> = leaves.into_iter().map(LeafIndex).collect();
        let mut bytes = full.multiproof(&indices, 64).unwrap().encode();
        for (at, value) in edits {
            let at = at % bytes.len();
            bytes[at] = value;
        }
        bytes.truncate(bytes.len() - cut % 3);
        if let Ok(proof) = MultiProof::decode(&bytes) {
            prop_assert_eq!(proof.encode(), bytes);
        }
    }
}
