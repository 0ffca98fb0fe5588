//! Golden vectors: `docs/vectors/merkle.json` is checked value by value.
//!
//! Regenerate with `STRAIT_REGEN_VECTORS=1 cargo test -p strait-merkle --test it`.

mod negative;

use std::path::PathBuf;

use serde_json::{json, Value};
use strait_merkle::{
    empty_root, leaf_hash, node_hash, root_hash, tree_height, zero_hashes, InclusionProof,
    IncrementalTree, LeafIndex, MerkleTree, MultiProof, DEPTH,
};
use strait_primitives::{keccak256, Hash32, MessageId};

const ROOT_COUNTS: [u64; 9] = [0, 1, 2, 3, 4, 5, 8, 13, 32];
const ZERO_LEVELS: [usize; 5] = [0, 1, 2, 3, 32];
/// `(tree_size, leaf_index)` of the inclusion proof vectors.
const PROOFS: [(u64, u64); 2] = [(13, 5), (8, 7)];
const MULTIPROOF_SIZE: u64 = 13;
const MULTIPROOF_LEAVES: [u64; 4] = [0, 1, 6, 12];

fn vectors_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../docs/vectors/merkle.json")
}

/// `id_i = keccak256(u64_be(i))`.
fn id(i: u64) -> MessageId {
    keccak256(&i.to_be_bytes()).into()
}

fn tree(n: u64) -> MerkleTree {
    let mut t = MerkleTree::new();
    for i in 0..n {
        t.append(&id(i)).unwrap();
    }
    t
}

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn generate() -> Value {
    let zero = zero_hashes();
    let full = tree(32);
    let proofs: Vec<Value> = PROOFS
        .iter()
        .map(|&(size, index)| {
            let proof = full.proof(LeafIndex(index), size).unwrap();
            json!({
                "tree_size": size,
                "leaf_index": index,
                "id": id(index),
                "root": full.root_at(size).unwrap(),
                "encoding": hex(&proof.encode()),
            })
        })
        .collect();
    let indices: Vec<LeafIndex> = MULTIPROOF_LEAVES.iter().copied().map(LeafIndex).collect();
    let multi = full.multiproof(&indices, MULTIPROOF_SIZE).unwrap();
    let mut state = IncrementalTree::new();
    for i in 0..5 {
        state.append(&id(i)).unwrap();
    }
    json!({
        "description": "Golden vectors of the Strait message Merkle tree (docs/SPEC.md [STRAIT-MERKLE.*]). \
            Depth 32; leaf = keccak256(0x00 || id); node = keccak256(0x01 || left || right); \
            zero[0] = 32 zero bytes, zero[h+1] = node(zero[h], zero[h]). The tree of n leaves has \
            height k, the least k with 2^k >= n, and root keccak256(0x02 || u8(k) || top), top its \
            node at height k, position 0. The tree of n leaves holds the \
            ids id_i = keccak256(u64_be(i)) for i = 0..n-1, appended in order. Proofs are taken from the \
            tree of 32 leaves against the root of the earlier size tree_size. Hashes and encodings are \
            0x-prefixed lowercase hex.",
        "depth": DEPTH,
        "leaf_hash": { "id": id(0), "hash": leaf_hash(&id(0)) },
        "node_hash": {
            "left": leaf_hash(&id(0)),
            "right": leaf_hash(&id(1)),
            "hash": node_hash(&leaf_hash(&id(0)), &leaf_hash(&id(1))),
        },
        "root_hash": {
            "height": 1,
            "top": node_hash(&leaf_hash(&id(0)), &leaf_hash(&id(1))),
            "hash": root_hash(1, &node_hash(&leaf_hash(&id(0)), &leaf_hash(&id(1)))),
        },
        "zero_hashes": ZERO_LEVELS
            .iter()
            .map(|&h| json!({ "level": h, "hash": zero[h] }))
            .collect::<Vec<_>>(),
        "roots": ROOT_COUNTS
            .iter()
            .map(|&n| json!({ "leaf_count": n, "height": tree_height(n), "root": tree(n).root() }))
            .collect::<Vec<_>>(),
        "inclusion_proofs": proofs,
        "multiproof": {
            "tree_size": MULTIPROOF_SIZE,
            "leaf_indices": MULTIPROOF_LEAVES,
            "ids": MULTIPROOF_LEAVES.iter().map(|&i| id(i)).collect::<Vec<_>>(),
            "root": full.root_at(MULTIPROOF_SIZE).unwrap(),
            "encoding": hex(&multi.encode()),
        },
        "incremental_state": {
            "leaf_count": 5,
            "root": state.root(),
            "encoding": hex(&state.encode()),
        },
        "negative": negative::generate(),
    })
}

fn load() -> Value {
    let text =
        std::fs::read_to_string(vectors_path()).expect("docs/vectors/merkle.json is readable");
    serde_json::from_str(&text).expect("docs/vectors/merkle.json is JSON")
}

fn hash(v: &Value) -> Hash32 {
    v.as_str()
        .expect("a hex string")
        .parse()
        .expect("a 32-byte hash")
}

fn bytes(v: &Value) -> Vec<u8> {
    let s = v.as_str().expect("a hex string");
    hex::decode(s.strip_prefix("0x").expect("0x prefix")).expect("hex")
}

#[test]
fn golden_vectors_match() {
    let generated = generate();
    if std::env::var("STRAIT_REGEN_VECTORS").as_deref() == Ok("1") {
        let mut text = serde_json::to_string_pretty(&generated).unwrap();
        text.push('\n');
        std::fs::write(vectors_path(), text).unwrap();
        return;
    }
    let file = load();
    assert_eq!(
        file, generated,
        "docs/vectors/merkle.json is stale; regenerate with STRAIT_REGEN_VECTORS=1"
    );
}

#[test]
fn every_vector_value_checks_out() {
    // While regenerating, the file may be mid-write: check the values about to be written.
    let regen = std::env::var("STRAIT_REGEN_VECTORS").as_deref() == Ok("1");
    let v = if regen { generate() } else { load() };
    assert_eq!(v["depth"], json!(DEPTH));

    let zero = zero_hashes();
    for z in v["zero_hashes"].as_array().unwrap() {
        let level = z["level"].as_u64().unwrap() as usize;
        assert_eq!(hash(&z["hash"]), zero[level], "zero[{level}]");
    }

    assert_eq!(hash(&v["leaf_hash"]["id"]), Hash32::from(id(0)));
    assert_eq!(hash(&v["leaf_hash"]["hash"]), leaf_hash(&id(0)));
    let (l, r) = (
        hash(&v["node_hash"]["left"]),
        hash(&v["node_hash"]["right"]),
    );
    assert_eq!(hash(&v["node_hash"]["hash"]), node_hash(&l, &r));

    let r = &v["root_hash"];
    let height = r["height"].as_u64().unwrap() as usize;
    assert_eq!(hash(&r["hash"]), root_hash(height, &hash(&r["top"])));
    assert_eq!(
        tree(2).root(),
        hash(&r["hash"]),
        "the root of the tree of 2 leaves"
    );

    let roots = v["roots"].as_array().unwrap();
    assert_eq!(roots.len(), ROOT_COUNTS.len());
    for entry in roots {
        let n = entry["leaf_count"].as_u64().unwrap();
        assert_eq!(
            entry["height"].as_u64().unwrap() as usize,
            tree_height(n),
            "height of {n}"
        );
        let expected = hash(&entry["root"]);
        let mut incremental = IncrementalTree::new();
        for i in 0..n {
            incremental.append(&id(i)).unwrap();
        }
        assert_eq!(incremental.root(), expected, "incremental root of {n}");
        assert_eq!(tree(n).root(), expected, "full root of {n}");
        assert_eq!(tree(32).root_at(n).unwrap(), expected, "past root of {n}");
    }
    assert_eq!(hash(&roots[0]["root"]), empty_root());

    for p in v["inclusion_proofs"].as_array().unwrap() {
        let proof = InclusionProof::decode(&bytes(&p["encoding"])).unwrap();
        let index = p["leaf_index"].as_u64().unwrap();
        assert_eq!(proof.leaf_index, LeafIndex(index));
        assert_eq!(hash(&p["id"]), Hash32::from(id(index)));
        let root = hash(&p["root"]);
        proof.verify(&id(index), &root).unwrap();
        assert_eq!(
            tree(p["tree_size"].as_u64().unwrap()).root(),
            root,
            "root of the proof's tree size"
        );
        assert!(proof.verify(&id(index + 1), &root).is_err());
    }

    let m = &v["multiproof"];
    let proof = MultiProof::decode(&bytes(&m["encoding"])).unwrap();
    let indices: Vec<u64> = proof.leaf_indices.iter().map(|i| i.get()).collect();
    assert_eq!(m["leaf_indices"], json!(indices));
    let ids: Vec<MessageId> = m["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| hash(x).into())
        .collect();
    assert_eq!(ids, indices.iter().map(|&i| id(i)).collect::<Vec<_>>());
    let root = hash(&m["root"]);
    assert_eq!(tree(m["tree_size"].as_u64().unwrap()).root(), root);
    proof.verify(&ids, &root).unwrap();

    let s = &v["incremental_state"];
    let state = IncrementalTree::decode(&bytes(&s["encoding"])).unwrap();
    assert_eq!(state.count(), s["leaf_count"].as_u64().unwrap());
    assert_eq!(state.root(), hash(&s["root"]));
}
