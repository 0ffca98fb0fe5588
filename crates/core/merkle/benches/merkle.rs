//! `cargo bench -p strait-merkle`: append, root, proof generation and verification.

// `criterion_main!` generates an undocumented `main`.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use strait_merkle::{IncrementalTree, LeafIndex, MerkleTree, DEPTH};
use strait_primitives::{keccak256, MessageId};

const TREE_SIZE: u64 = 1 << 16;

fn id(i: u64) -> MessageId {
    keccak256(&i.to_be_bytes()).into()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("merkle");

    let mut incremental = IncrementalTree::new();
    let mut full = MerkleTree::new();
    for i in 0..TREE_SIZE {
        incremental.append(&id(i)).unwrap();
        full.append(&id(i)).unwrap();
    }

    g.bench_function("append", |b| {
        let mut t = IncrementalTree::new();
        b.iter(|| {
            if t.count() == TREE_SIZE {
                t = IncrementalTree::new();
            }
            t.append(&id(7)).unwrap()
        })
    });
    g.bench_function("append_full", |b| {
        let mut t = MerkleTree::new();
        b.iter(|| {
            if t.count() == TREE_SIZE {
                t = MerkleTree::new();
            }
            t.append(&id(7)).unwrap()
        })
    });
    g.bench_function("root", |b| b.iter(|| incremental.root()));
    // A past size with a partly filled node at most heights, as a destination's trusted root.
    let size = TREE_SIZE - 12_345;
    g.bench_function(BenchmarkId::new("root_at", format!("size={size}")), |b| {
        b.iter(|| full.root_at(size).unwrap())
    });

    let root = full.root_at(size).unwrap();
    g.bench_function("proof_generate", |b| {
        b.iter(|| full.proof(LeafIndex(4_321), size).unwrap())
    });
    let proof = full.proof(LeafIndex(4_321), size).unwrap();
    let leaf = id(4_321);
    g.bench_function(
        BenchmarkId::new("verify_proof", format!("depth={DEPTH}")),
        |b| b.iter(|| proof.verify(&leaf, &root).unwrap()),
    );
    let bytes = proof.encode();
    g.bench_function("decode_and_verify_proof", |b| {
        b.iter(|| {
            strait_merkle::InclusionProof::decode(&bytes)
                .unwrap()
                .verify(&leaf, &root)
                .unwrap()
        })
    });

    for leaves in [8u64, 64, 512] {
        // Spread over the tree: the paths share only their upper levels.
        let stride = size / leaves;
        let indices: Vec<LeafIndex> = (0..leaves).map(|i| LeafIndex(i * stride + 3)).collect();
        let ids: Vec<MessageId> = indices.iter().map(|i| id(i.get())).collect();
        let multi = full.multiproof(&indices, size).unwrap();
        g.throughput(Throughput::Elements(leaves));
        g.bench_with_input(
            BenchmarkId::new("multiproof_generate", format!("leaves={leaves}")),
            &indices,
            |b, indices| b.iter(|| full.multiproof(indices, size).unwrap()),
        );
        g.bench_with_input(
            BenchmarkId::new("multiproof_verify", format!("leaves={leaves}")),
            &ids,
            |b, ids| b.iter(|| multi.verify(ids, &root).unwrap()),
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
