//! Negative and bound vectors of `docs/vectors/merkle.json` (`"negative"`): every decoder and
//! verification rule of `[STRAIT-MERKLE.3]`-`[STRAIT-MERKLE.7]`, each case named by the error its
//! first failing check yields (`docs/SPEC.md` §0).

use serde_json::{json, Value};
use strait_merkle::{
    zero_hashes, InclusionProof, IncrementalTree, LeafIndex, MultiProof, MAX_LEAVES,
    MAX_MULTIPROOF_LEAVES,
};
use strait_primitives::MessageId;

use crate::{bytes, hash, hex, id, load, tree};

fn case(name: &str, encoding: impl Into<Value>, error: Option<&str>) -> Value {
    json!({ "name": name, "encoding": encoding.into(), "error": error })
}

/// The ids `id_i` of `indices`, written as the list of `i`.
fn ids_json(indices: &[u64]) -> Value {
    json!(indices)
}

/// An inclusion proof of leaf 0 with `mask` and the sibling bytes `siblings`.
fn proof_bytes(mask: u32, siblings: &[u8]) -> String {
    hex(&[&[0; 4][..], &mask.to_be_bytes(), siblings].concat())
}

fn multiproof_bytes(k: u16, indices: &[u32], m: u32, hashes: usize) -> String {
    let mut out = k.to_be_bytes().to_vec();
    for i in indices {
        out.extend_from_slice(&i.to_be_bytes());
    }
    out.extend_from_slice(&m.to_be_bytes());
    out.extend(vec![0x5a; 32 * hashes]);
    hex(&out)
}

/// A persisted state of `count` with `len` bytes in all (1,032 when well-formed).
fn state_bytes(count: u64, len: usize) -> String {
    let mut out = count.to_be_bytes().to_vec();
    out.extend(
        (0..)
            .map(|i: usize| (i / 32) as u8)
            .take(len.saturating_sub(8)),
    );
    out.truncate(len);
    hex(&out)
}

pub fn generate() -> Value {
    let full = tree(32);
    let proof = full.proof(LeafIndex(5), 13).unwrap().encode();
    let root13 = full.root_at(13).unwrap();
    let zero = zero_hashes();
    // The proof of leaf 5 at size 13 has siblings at heights 0 to 3 and zero hashes above: its
    // mask 0xfffffff0. Clearing bit 4 and carrying zero[4] is the non-canonical form of it.
    let mask = u32::from_be_bytes(proof[4..8].try_into().unwrap());
    assert_eq!(mask, 0xffff_fff0);
    let explicit_zero = [
        &proof[..4],
        &(mask & !(1 << 4)).to_be_bytes(),
        &proof[8..],
        zero[4].as_bytes(),
    ]
    .concat();
    // Setting bit 3 drops the sibling at height 3 (leaves 8 to 12) for zero[3]: wrong root.
    let masked = [
        &proof[..4],
        &(mask | 1 << 3).to_be_bytes(),
        &proof[8..proof.len() - 32],
    ]
    .concat();
    let golden = full
        .multiproof(&[0, 1, 6, 12].map(LeafIndex), 13)
        .unwrap()
        .encode();
    let max_tree = tree(MAX_MULTIPROOF_LEAVES as u64);
    let all: Vec<LeafIndex> = (0..MAX_MULTIPROOF_LEAVES as u64).map(LeafIndex).collect();
    let max_proof = max_tree
        .multiproof(&all, MAX_MULTIPROOF_LEAVES as u64)
        .unwrap();
    let mut one_less = golden.clone();
    let m_at = 2 + 4 * 4;
    let m = u32::from_be_bytes(one_less[m_at..m_at + 4].try_into().unwrap());
    one_less[m_at..m_at + 4].copy_from_slice(&(m - 1).to_be_bytes());
    one_less.truncate(one_less.len() - 32);
    let mut one_more = golden.clone();
    one_more[m_at..m_at + 4].copy_from_slice(&(m + 1).to_be_bytes());
    one_more.extend_from_slice(&[0x5a; 32]);
    let full_state = state_bytes(MAX_LEAVES, 1032);
    json!({
        "description": "Each decode case is decoded by the named decoder; \"error\" is the name \
            (docs/SPEC.md section 0) of its first failing check, or null if it decodes, and then it \
            re-encodes to the same bytes. Each verify case decodes, then verifies its ids against the \
            root. Encodings are 0x-prefixed hex. A verify case lists its ids by i, for \
            id_i = keccak256(u64_be(i)) as above: a list [i, ...] or {\"range\": [from, to]} \
            (from <= i < to).",
        "inclusion_proof_decode": [
            case("empty", hex(&[]), Some("Truncated")),
            case("index only", hex(&proof[..4]), Some("Truncated")),
            case("7 bytes", hex(&proof[..7]), Some("Truncated")),
            case("one byte short of its mask's siblings", hex(&proof[..proof.len() - 1]),
                Some("Truncated")),
            case("trailing byte", hex(&[proof.as_slice(), &[0]].concat()), Some("TrailingBytes")),
            case("leaf index 2^32 - 1", hex(&[&[0xff; 4], &proof[4..]].concat()), None),
            case("every sibling a zero hash (8 bytes)", hex(&[0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]),
                None),
            case("every sibling a zero hash, then a hash",
                hex(&[&[0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff][..], &[0x5a; 32]].concat()),
                Some("TrailingBytes")),
            case("no zero sibling (1,032 bytes)", proof_bytes(0, &[0x5a; 32 * 32]), None),
            case("mask 0, 1,031 bytes", proof_bytes(0, &[0x5a; 32 * 32 - 1]), Some("Truncated")),
            case("mask 0, 1,033 bytes", proof_bytes(0, &[0x5a; 32 * 32 + 1]),
                Some("TrailingBytes")),
            case("zero[4] present at height 4", hex(&explicit_zero), Some("NonCanonicalProof")),
            case("zero[4] present at height 4, truncated", hex(&explicit_zero[..explicit_zero.len() - 1]),
                Some("Truncated")),
            case("zero[0] present at height 0", proof_bytes(0xffff_fffe, &[0; 32]),
                Some("NonCanonicalProof")),
            case("zero[3] at height 2 (not its zero hash)",
                proof_bytes(0xffff_fffb, zero[3].as_bytes()), None),
        ],
        "inclusion_proof_verify": [
            json!({ "name": "another leaf's id", "encoding": hex(&proof), "id": id(6),
                "root": root13, "error": "RootMismatch" }),
            json!({ "name": "a later root", "encoding": hex(&proof), "id": id(5),
                "root": full.root_at(14).unwrap(), "error": "RootMismatch" }),
            json!({ "name": "a present sibling marked zero in the mask", "encoding": hex(&masked),
                "id": id(5), "root": root13, "error": "RootMismatch" }),
            json!({ "name": "leaf index 21 (5 + 2^4, at the tree's height 4 and above)",
                "encoding": hex(&[&21u32.to_be_bytes()[..], &proof[4..]].concat()),
                "id": id(5), "root": root13, "error": "RootMismatch" }),
            json!({ "name": "a hash at height 4 (above the tree's height) for zero[4]",
                "encoding": hex(&[&proof[..4], &(mask & !(1 << 4)).to_be_bytes(), &proof[8..],
                    &[0x5a; 32]].concat()),
                "id": id(5), "root": root13, "error": "RootMismatch" }),
            json!({ "name": "valid", "encoding": hex(&proof), "id": id(5),
                "root": root13, "error": null }),
        ],
        "multiproof_decode": [
            case("empty", hex(&[]), Some("Truncated")),
            case("k = 0, m = 0", multiproof_bytes(0, &[], 0, 0), Some("EmptyMultiProof")),
            case("k = 0, m = 1 (m > 32k)", multiproof_bytes(0, &[], 1, 1), Some("TooLarge")),
            case("k = 4,097", hex(&4097u16.to_be_bytes()), Some("TooLarge")),
            case("k = 65,535", hex(&u16::MAX.to_be_bytes()), Some("TooLarge")),
            case("k = 1, m = 33 (m > 32k)", multiproof_bytes(1, &[0], 33, 0), Some("TooLarge")),
            case("k = 1, m = 32", multiproof_bytes(1, &[7], 32, 32), None),
            case("k = 1, m = 31", multiproof_bytes(1, &[7], 31, 31), Some("HashCountMismatch")),
            case("k = 2, m = 64 > 62 required", multiproof_bytes(2, &[0, 1 << 31], 64, 64),
                Some("HashCountMismatch")),
            case("k = 2, m = 62", multiproof_bytes(2, &[0, 1 << 31], 62, 62), None),
            case("indices unsorted", multiproof_bytes(2, &[5, 3], 62, 62),
                Some("IndicesNotIncreasing")),
            case("indices duplicated", multiproof_bytes(2, &[3, 3], 31, 31),
                Some("IndicesNotIncreasing")),
            case("indices unsorted and hash count wrong", multiproof_bytes(2, &[5, 3], 1, 1),
                Some("IndicesNotIncreasing")),
            case("one hash fewer than required", hex(&one_less), Some("HashCountMismatch")),
            case("one hash more than required", hex(&one_more), Some("HashCountMismatch")),
            case("truncated index", hex(&golden[..7]), Some("Truncated")),
            case("truncated hashes", hex(&golden[..golden.len() - 1]), Some("Truncated")),
            case("trailing byte", hex(&[golden.as_slice(), &[0]].concat()), Some("TrailingBytes")),
        ],
        "multiproof_verify": [
            json!({ "name": "valid", "encoding": hex(&golden), "ids": ids_json(&[0, 1, 6, 12]),
                "root": root13, "error": null }),
            json!({ "name": "k = 4,096 (the maximum): leaves 0..4096 of the tree of 4,096",
                "encoding": hex(&max_proof.encode()),
                "ids": { "range": [0, MAX_MULTIPROOF_LEAVES] },
                "root": max_tree.root(), "error": null }),
            json!({ "name": "one id too few", "encoding": hex(&golden), "ids": ids_json(&[0, 1, 6]),
                "root": root13, "error": "IdCountMismatch" }),
            json!({ "name": "one id too many", "encoding": hex(&golden),
                "ids": ids_json(&[0, 1, 6, 12, 13]), "root": root13, "error": "IdCountMismatch" }),
            json!({ "name": "ids swapped", "encoding": hex(&golden), "ids": ids_json(&[1, 0, 6, 12]),
                "root": root13, "error": "RootMismatch" }),
            json!({ "name": "a later root", "encoding": hex(&golden), "ids": ids_json(&[0, 1, 6, 12]),
                "root": full.root_at(14).unwrap(), "error": "RootMismatch" }),
            json!({ "name": "a hash at height 31 (above the tree's height) for zero[31]",
                "encoding": hex(&[&golden[..golden.len() - 32], &[0x5a; 32]].concat()),
                "ids": ids_json(&[0, 1, 6, 12]), "root": root13, "error": "RootMismatch" }),
        ],
        "incremental_state_decode": [
            case("empty", hex(&[]), Some("Truncated")),
            case("1,031 bytes", state_bytes(5, 1031), Some("Truncated")),
            case("1,033 bytes", state_bytes(5, 1033), Some("TrailingBytes")),
            case("count only", state_bytes(5, 8), Some("Truncated")),
            case("count 2^32 (full)", full_state.clone(), None),
            case("count 2^32 + 1", state_bytes(MAX_LEAVES + 1, 1032), Some("TooLarge")),
            case("count 2^64 - 1", state_bytes(u64::MAX, 1032), Some("TooLarge")),
            case("count 2^32 + 1, truncated", state_bytes(MAX_LEAVES + 1, 8), Some("TooLarge")),
        ],
        "incremental_append": [
            json!({ "name": "append to a full tree", "state": full_state, "id": id(0),
                "error": "TreeFull" }),
            json!({ "name": "append the 2^32-th leaf", "state": state_bytes(MAX_LEAVES - 1, 1032),
                "id": id(0), "error": null }),
        ],
    })
}

fn name<T>(r: Result<T, strait_merkle::MerkleError>) -> Option<&'static str> {
    r.err().map(|e| e.name())
}

fn expected(c: &Value) -> Option<&str> {
    c["error"].as_str()
}

/// `[i, ...]` or `{"range": [from, to]}`: the ids `id_i` of those `i`.
fn ids(v: &Value) -> Vec<MessageId> {
    match v.get("range") {
        Some(r) => (r[0].as_u64().unwrap()..r[1].as_u64().unwrap())
            .map(id)
            .collect(),
        None => v
            .as_array()
            .unwrap()
            .iter()
            .map(|i| id(i.as_u64().unwrap()))
            .collect(),
    }
}

#[test]
fn negative_vectors_check_out() {
    let regen = std::env::var("STRAIT_REGEN_VECTORS").as_deref() == Ok("1");
    let v = if regen {
        generate()
    } else {
        load()["negative"].clone()
    };
    for c in v["inclusion_proof_decode"].as_array().unwrap() {
        let b = bytes(&c["encoding"]);
        let got = InclusionProof::decode(&b);
        if let Ok(p) = &got {
            assert_eq!(p.encode(), b, "{}", c["name"]);
        }
        assert_eq!(name(got), expected(c), "{}", c["name"]);
    }
    for c in v["inclusion_proof_verify"].as_array().unwrap() {
        let p = InclusionProof::decode(&bytes(&c["encoding"])).unwrap();
        let got = p.verify(&hash(&c["id"]).into(), &hash(&c["root"]));
        assert_eq!(name(got), expected(c), "{}", c["name"]);
    }
    for c in v["multiproof_decode"].as_array().unwrap() {
        let b = bytes(&c["encoding"]);
        let got = MultiProof::decode(&b);
        if let Ok(p) = &got {
            assert_eq!(p.encode(), b, "{}", c["name"]);
        }
        assert_eq!(name(got), expected(c), "{}", c["name"]);
    }
    for c in v["multiproof_verify"].as_array().unwrap() {
        let p = MultiProof::decode(&bytes(&c["encoding"])).unwrap();
        let got = p.verify(&ids(&c["ids"]), &hash(&c["root"]));
        assert_eq!(name(got), expected(c), "{}", c["name"]);
    }
    for c in v["incremental_state_decode"].as_array().unwrap() {
        let b = bytes(&c["encoding"]);
        let got = IncrementalTree::decode(&b);
        if let Ok(t) = &got {
            assert_eq!(t.encode(), b, "{}", c["name"]);
        }
        assert_eq!(name(got), expected(c), "{}", c["name"]);
    }
    for c in v["incremental_append"].as_array().unwrap() {
        let mut t = IncrementalTree::decode(&bytes(&c["state"])).unwrap();
        let got = t.append(&hash(&c["id"]).into());
        assert_eq!(name(got), expected(c), "{}", c["name"]);
    }
}
