//! `cargo bench -p strait-light-client --bench verify`: verifying an adjacent header signed by
//! every validator (one ed25519 batch), against verifying its signatures one by one.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use strait_light_client::{
    sign_commit, verify, vote_sign_bytes, ConsensusState, Header, LightBlock, Options,
    SignedHeader, Signer, TrustThreshold, Validator, ValidatorSet, Verdict,
};
use strait_primitives::{ChainId, Hash32, Height, Timestamp};

const CHAIN: ChainId = ChainId(1);

fn options() -> Options {
    Options {
        trust_threshold: TrustThreshold::ONE_THIRD,
        trusting_period_ms: 86_400_000,
        max_clock_drift_ms: 10_000,
    }
}

/// An adjacent block at height 2 signed by all `n` validators, and the trusted state at height 1.
fn setup(n: usize) -> (LightBlock, ConsensusState) {
    let signers: Vec<Signer> = (1..=n).map(|i| Signer::from_seed([i as u8; 32])).collect();
    let mut validators: Vec<Validator> = signers
        .iter()
        .map(|s| Validator {
            pub_key: s.public_key(),
            power: 10,
        })
        .collect();
    validators.sort_by_key(|v| v.pub_key);
    let set = ValidatorSet::new(validators).unwrap();
    let header = Header {
        chain_id: CHAIN,
        height: Height(2),
        timestamp: Timestamp(2_000),
        parent_hash: Hash32([1; 32]),
        app_state_root: Hash32([2; 32]),
        outbox_root: Hash32([3; 32]),
        validators_hash: set.hash(),
        next_validators_hash: set.hash(),
    };
    let refs: Vec<&Signer> = signers.iter().collect();
    let commit = sign_commit(&header, &set, &refs);
    let trusted = ConsensusState {
        height: Height(1),
        timestamp: Timestamp(1_000),
        header_hash: Hash32::ZERO,
        app_state_root: Hash32::ZERO,
        outbox_root: Hash32::ZERO,
        next_validators: set.clone(),
    };
    let block = LightBlock {
        signed_header: SignedHeader { header, commit },
        validators: set.clone(),
        next_validators: set,
    };
    (block, trusted)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("light_client");
    let now = Timestamp(3_000);
    for n in [4usize, 100, 150] {
        let (block, trusted) = setup(n);
        let state = trusted.trusted_state(CHAIN);
        assert_eq!(verify(&block, &state, &options(), now), Verdict::Success);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(
            BenchmarkId::new("verify", format!("validators={n}")),
            &block,
            |b, block| b.iter(|| verify(block, &state, &options(), now)),
        );
        if n == 150 {
            // The same signatures checked one at a time, keys already decompressed as in a set.
            let keys: Vec<VerifyingKey> = block
                .validators
                .validators()
                .iter()
                .map(|v| VerifyingKey::from_bytes(v.pub_key.as_bytes()).unwrap())
                .collect();
            g.bench_with_input(
                BenchmarkId::new("verify_one_by_one", format!("validators={n}")),
                &block,
                |b, block| {
                    b.iter(|| {
                        let h = block.header();
                        let msg = vote_sign_bytes(h.chain_id, h.height, &h.hash());
                        block.signed_header.commit.signatures.iter().all(|s| {
                            keys[usize::from(s.validator_index)]
                                .verify(&msg, &Signature::from_bytes(&s.signature))
                                .is_ok()
                        })
                    })
                },
            );
            let bytes = block.encode();
            g.throughput(Throughput::Bytes(bytes.len() as u64));
            g.bench_with_input(
                BenchmarkId::new("decode_light_block", format!("validators={n}")),
                &bytes,
                |b, bytes| b.iter(|| LightBlock::decode(bytes).unwrap()),
            );
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
