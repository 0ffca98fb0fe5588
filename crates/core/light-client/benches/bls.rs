//! `taskset -c 0 cargo bench -p strait-light-client --bench bls`: one 150-validator header verified
//! in BLS mode (`verify_bls`: key aggregation and one pairing) against the same header verified
//! through the ed25519 path (`verify`: one batch of 150 signatures), in the same run. The goal of
//! issue 9 is BLS at most 0.6x the ed25519 batch path. Also one single BLS verification (the
//! pairing floor) and the BLS path at 512 validators. `header_150/bls_kind_update` is the whole
//! update of a verifier-kind-5 client (`BlsHeaderVerifier::update`: decoding the update and the
//! trusted state, verifying, storing), which should cost what `bls_aggregate` does.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use strait_light_client::bls::kind::{encode_init, encode_update, BlsHeaderVerifier};
use strait_light_client::bls::{
    sign_bls_commit, verify_bls, BlsLightBlock, BlsSigner, BlsTrustedState, BlsValidatorSet,
};
use strait_light_client::bls::{BlsConsensusState, HeaderSummary};
use strait_light_client::{
    sign_commit, verify, Header, LightBlock, Options, SignedHeader, Signer, TrustThreshold,
    TrustedState, Validator, ValidatorSet,
};
use strait_primitives::{ChainId, Hash32, Height, Timestamp};
use strait_verifier::{MemStore, Updated, Verifier};

const CHAIN: ChainId = ChainId(1);
const NOW: Timestamp = Timestamp(3_000);

fn options() -> Options {
    Options {
        trust_threshold: TrustThreshold::ONE_THIRD,
        trusting_period_ms: 86_400_000,
        max_clock_drift_ms: 10_000,
    }
}

/// The same adjacent header at height 2, signed by all `n` validators with ed25519 and with BLS.
fn setup(n: usize) -> (LightBlock, BlsLightBlock) {
    let ed: Vec<Signer> = (1..=n)
        .map(|i| {
            let mut seed = [i as u8; 32];
            seed[1..3].copy_from_slice(&(i as u16).to_be_bytes());
            Signer::from_seed(seed)
        })
        .collect();
    let bls: Vec<BlsSigner> = (1..=n)
        .map(|i| {
            let mut ikm = [0x42; 32];
            ikm[..8].copy_from_slice(&(i as u64).to_be_bytes());
            BlsSigner::from_ikm(&ikm)
        })
        .collect();
    let mut validators: Vec<Validator> = ed
        .iter()
        .map(|s| Validator {
            pub_key: s.public_key(),
            power: 10,
        })
        .collect();
    validators.sort_by_key(|v| v.pub_key);
    let set = ValidatorSet::new(validators).unwrap();
    let mut bls_validators: Vec<_> = bls.iter().map(|s| s.validator(10)).collect();
    bls_validators.sort_by_key(|v| v.pub_key);
    let bls_set = BlsValidatorSet::new(bls_validators).unwrap();
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
    let commit = sign_commit(&header, &set, &ed.iter().collect::<Vec<_>>());
    let bls_commit = sign_bls_commit(&header, &bls_set, &bls_set, &bls.iter().collect::<Vec<_>>());
    (
        LightBlock {
            signed_header: SignedHeader { header, commit },
            validators: set.clone(),
            next_validators: set,
        },
        BlsLightBlock {
            header,
            commit: bls_commit,
            validators: bls_set.clone(),
            next_validators: bls_set,
        },
    )
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("header_150");
    let (ed, bls) = setup(150);
    let trusted_ed = TrustedState {
        chain_id: CHAIN,
        height: Height(1),
        timestamp: Timestamp(1_000),
        next_validators: &ed.validators,
    };
    let trusted_bls = BlsTrustedState {
        chain_id: CHAIN,
        height: Height(1),
        timestamp: Timestamp(1_000),
        next_validators: &bls.validators,
    };
    assert!(verify(&ed, &trusted_ed, &options(), NOW).is_success());
    assert!(verify_bls(&bls, &trusted_bls, &options(), NOW).is_success());
    group.bench_function("ed25519_batch", |b| {
        b.iter(|| verify(&ed, &trusted_ed, &options(), NOW))
    });
    group.bench_function("bls_aggregate", |b| {
        b.iter(|| verify_bls(&bls, &trusted_bls, &options(), NOW))
    });
    let mut store = MemStore::default();
    let trusted = BlsConsensusState {
        header: HeaderSummary {
            height: Height(1),
            timestamp: Timestamp(1_000),
            header_hash: Hash32([9; 32]),
            app_state_root: Hash32::ZERO,
            outbox_root: Hash32::ZERO,
        },
        next_validators: bls.validators.clone(),
    };
    BlsHeaderVerifier
        .create(&mut store, CHAIN, &encode_init(&options(), &trusted))
        .unwrap();
    let update = encode_update(Height(1), &bls);
    assert!(matches!(
        BlsHeaderVerifier.update(&mut store.clone(), &update, NOW),
        Ok(Updated::Verified { .. })
    ));
    group.bench_function("bls_kind_update", |b| {
        b.iter_batched(
            || store.clone(),
            |mut s| BlsHeaderVerifier.update(&mut s, &update, NOW),
            BatchSize::SmallInput,
        )
    });
    group.finish();

    let signer = BlsSigner::from_ikm(&[7; 32]);
    let key = blst::min_pk::PublicKey::deserialize(&signer.public_key()).unwrap();
    let signature = blst::min_pk::Signature::deserialize(&signer.sign(b"one message")).unwrap();
    c.bench_function("bls_single_verification", |b| {
        b.iter(|| {
            signature.verify(
                true,
                b"one message",
                strait_light_client::bls::SIGNATURE_DST,
                &[],
                &key,
                false,
            )
        })
    });

    let (_, bls) = setup(512);
    let trusted = BlsTrustedState {
        chain_id: CHAIN,
        height: Height(1),
        timestamp: Timestamp(1_000),
        next_validators: &bls.validators,
    };
    c.bench_function("header_512/bls_aggregate", |b| {
        b.iter(|| verify_bls(&bls, &trusted, &options(), NOW))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
