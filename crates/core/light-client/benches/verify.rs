//! `cargo bench -p strait-light-client --bench verify`: verifying an adjacent header signed by
//! every validator (one ed25519 batch), against verifying its signatures one by one; rejecting a
//! 512-signer commit that holds no trusted power, or carries one bad signature; and the ZIP 215
//! batch against `ed25519_dalek::verify_batch` on the same 150-signature commit.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use strait_light_client::ed25519::{self, BatchItem};
use strait_light_client::{
    sign_commit, verify, vote_sign_bytes, ConsensusState, Header, LightBlock, NotYetReason,
    Options, SignedHeader, Signer, TrustThreshold, Validator, ValidatorSet, Verdict,
    VerificationError,
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
    setup_with(n, 0, 2)
}

/// A block at `height` signed by all `n` validators of seeds `[salt, i_hi, i_lo, ..]`, and a
/// trusted state at height 1 that trusts the same set.
fn setup_with(n: usize, salt: u8, height: u64) -> (LightBlock, ConsensusState) {
    let signers: Vec<Signer> = (1..=n)
        .map(|i| {
            let mut seed = [i as u8; 32];
            seed[0] = salt;
            seed[1..3].copy_from_slice(&(i as u16).to_be_bytes());
            Signer::from_seed(seed)
        })
        .collect();
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
        height: Height(height),
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

/// Rejections at 512 signers: a skipping commit whose signers hold no trusted power (no signature
/// is verified), and an adjacent commit with one bad signature (a batch, then bisection).
fn bench_reject(c: &mut Criterion) {
    let mut g = c.benchmark_group("light_client");
    let now = Timestamp(3_000);
    let n = 512;
    let (_, trusted) = setup_with(n, 1, 2);
    let (strangers, _) = setup_with(n, 2, 5);
    let state = trusted.trusted_state(CHAIN);
    assert!(matches!(
        verify(&strangers, &state, &options(), now),
        Verdict::NotYet(NotYetReason::NotEnoughTrust { .. })
    ));
    g.bench_with_input(
        BenchmarkId::new("reject_no_trust", format!("signers={n}")),
        &strangers,
        |b, block| b.iter(|| verify(block, &state, &options(), now)),
    );
    // The bad signature in the middle, and (at 246) last: the worst case of a one-by-one search.
    for (n, bad, label) in [(246usize, 123, ""), (246, 245, "_last"), (512, 256, "")] {
        let (mut block, trusted) = setup_with(n, 1, 2);
        // Flip a bit of s (still below l): the equation fails, the costliest case.
        block.signed_header.commit.signatures[bad].signature[40] ^= 1;
        let state = trusted.trusted_state(CHAIN);
        assert!(matches!(
            verify(&block, &state, &options(), now),
            Verdict::Invalid(VerificationError::InvalidSignature { .. })
        ));
        g.bench_with_input(
            BenchmarkId::new(
                format!("reject_bad_signature{label}"),
                format!("signers={n}"),
            ),
            &block,
            |b, block| b.iter(|| verify(block, &state, &options(), now)),
        );
        // The previous search, for comparison: ed25519-dalek's batch, then single checks one by
        // one until the culprit.
        let h = block.header();
        let msg = vote_sign_bytes(h.chain_id, h.height, &h.hash());
        let keys: Vec<VerifyingKey> = block
            .signed_header
            .commit
            .signatures
            .iter()
            .map(|s| {
                let v = block.validators.validators()[usize::from(s.validator_index)];
                VerifyingKey::from_bytes(v.pub_key.as_bytes()).unwrap()
            })
            .collect();
        let sigs: Vec<Signature> = block
            .signed_header
            .commit
            .signatures
            .iter()
            .map(|s| Signature::from_bytes(&s.signature))
            .collect();
        let messages = vec![&msg[..]; n];
        g.bench_function(
            BenchmarkId::new(
                format!("reject_bad_signature{label}_one_by_one"),
                format!("signers={n}"),
            ),
            |b| {
                b.iter(|| {
                    assert!(ed25519_dalek::verify_batch(&messages, &sigs, &keys).is_err());
                    (0..n).find(|&i| keys[i].verify(&msg, &sigs[i]).is_err())
                })
            },
        );
    }
    g.finish();
}

/// Today's batch (`ed25519_dalek::verify_batch`, cofactorless) against the ZIP 215 batch on the
/// same 150-signature commit, keys already decompressed as in a set.
fn bench_batch_rule(c: &mut Criterion) {
    let mut g = c.benchmark_group("ed25519_batch");
    let n = 150;
    let (block, _) = setup(n);
    let h = block.header();
    let msg = vote_sign_bytes(h.chain_id, h.height, &h.hash());
    let keys: Vec<VerifyingKey> = block
        .validators
        .validators()
        .iter()
        .map(|v| VerifyingKey::from_bytes(v.pub_key.as_bytes()).unwrap())
        .collect();
    let sigs = &block.signed_header.commit.signatures;
    let signer_keys: Vec<VerifyingKey> = sigs
        .iter()
        .map(|s| keys[usize::from(s.validator_index)])
        .collect();
    let signatures: Vec<Signature> = sigs
        .iter()
        .map(|s| Signature::from_bytes(&s.signature))
        .collect();
    let messages = vec![&msg[..]; n];
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(
        BenchmarkId::new("dalek_cofactorless", format!("signatures={n}")),
        |b| b.iter(|| ed25519_dalek::verify_batch(&messages, &signatures, &signer_keys).unwrap()),
    );
    let items: Vec<BatchItem<'_>> = sigs
        .iter()
        .zip(&signer_keys)
        .map(|(s, key)| BatchItem {
            key,
            message: &msg,
            signature: &s.signature,
        })
        .collect();
    g.bench_function(BenchmarkId::new("zip215", format!("signatures={n}")), |b| {
        b.iter(|| ed25519::verify_batch(&items).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench, bench_reject, bench_batch_rule);
criterion_main!(benches);
