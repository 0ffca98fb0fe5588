//! A naive reference of multiproof verification (`[STRAIT-MERKLE.7]`), written from the spec's
//! prose with ordered maps, to check the optimised [`MultiProof::compute_root`] against.

use std::collections::BTreeMap;

use strait_merkle::{
    leaf_hash, node_hash, root_hash, zero_hashes, InclusionProof, LeafIndex, MultiProof, DEPTH,
};
use strait_primitives::{keccak256, Hash32, MessageId};

/// The message id the fuzz targets put at leaf `index`: any fixed function of the index will do.
pub fn id_at(index: LeafIndex) -> MessageId {
    MessageId(keccak256(&index.get().to_be_bytes()).0)
}

/// Every node the proof determines, by `(height, position)`, with the root at `(DEPTH, 0)`; `None`
/// if the proof carries too few or too many hashes.
///
/// Level by level from the leaves up, the proof supplies, left to right, the sibling of every known
/// node whose sibling is not known; then each pair of siblings gives their parent.
pub fn reference_nodes(
    proof: &MultiProof,
    ids: &[MessageId],
) -> Option<BTreeMap<(usize, u64), Hash32>> {
    let mut level: BTreeMap<u64, Hash32> = proof
        .leaf_indices
        .iter()
        .zip(ids)
        .map(|(index, id)| (index.get(), leaf_hash(id)))
        .collect();
    let mut supplied = proof.hashes.iter();
    let mut nodes = BTreeMap::new();
    for height in 0..DEPTH {
        let missing: Vec<u64> = level
            .keys()
            .filter(|p| !level.contains_key(&(**p ^ 1)))
            .map(|p| p ^ 1)
            .collect();
        for position in missing {
            level.insert(position, *supplied.next()?);
        }
        let mut parents = BTreeMap::new();
        for (&position, hash) in &level {
            nodes.insert((height, position), *hash);
            if position & 1 == 0 {
                parents.insert(position >> 1, node_hash(hash, &level[&(position + 1)]));
            }
        }
        level = parents;
    }
    if supplied.next().is_some() {
        return None;
    }
    nodes.insert((DEPTH, 0), level[&0]);
    Some(nodes)
}

/// The root of the reference nodes (`[STRAIT-MERKLE.7]` step 5): the top node at the least height
/// `k`, at least the highest index's bit length, above which every sibling of the joined path (the
/// node at position 1 of each height) is the zero hash of its height, hashed with `k`.
pub fn reference_root(proof: &MultiProof, nodes: &BTreeMap<(usize, u64), Hash32>) -> Hash32 {
    let zero = zero_hashes();
    let max = proof.leaf_indices.last().map_or(0, |i| i.get());
    let mut height = DEPTH;
    while height > 0 && max >> (height - 1) == 0 && nodes[&(height - 1, 1)] == zero[height - 1] {
        height -= 1;
    }
    root_hash(height, &nodes[&(height, 0)])
}

/// Checks a decoded multiproof against the reference: the same root, and each proven leaf's own
/// inclusion proof (its siblings read off the reference nodes) gives that root too.
pub fn check_multiproof(proof: &MultiProof) {
    let ids: Vec<MessageId> = proof.leaf_indices.iter().map(|i| id_at(*i)).collect();
    let root = proof
        .compute_root(&ids)
        .expect("a decoded multiproof has a valid shape");
    let nodes =
        reference_nodes(proof, &ids).expect("a decoded multiproof has the right hash count");
    assert_eq!(
        root,
        reference_root(proof, &nodes),
        "optimised and reference roots differ"
    );
    proof
        .verify(&ids, &root)
        .expect("verifies against its own root");
    for (index, id) in proof.leaf_indices.iter().zip(&ids) {
        let mut siblings = [Hash32::ZERO; DEPTH];
        for (height, sibling) in siblings.iter_mut().enumerate() {
            *sibling = nodes[&(height, (index.get() >> height) ^ 1)];
        }
        let single = InclusionProof {
            leaf_index: *index,
            siblings,
        };
        assert_eq!(
            single.compute_root(id),
            Ok(root),
            "leaf {index:?} disagrees"
        );
        assert_eq!(
            InclusionProof::decode(&single.encode()).as_ref(),
            Ok(&single),
            "leaf {index:?}'s compact encoding does not round-trip"
        );
    }
    if let Some(first) = ids.first() {
        let mut wrong = ids.clone();
        wrong[0] = MessageId(keccak256(first.as_bytes()).0);
        assert!(
            proof.verify(&wrong, &root).is_err(),
            "a changed leaf still verifies"
        );
    }
    assert!(
        proof.compute_root(&ids[1..]).is_err(),
        "too few ids accepted"
    );
}
