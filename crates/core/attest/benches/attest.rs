//! Committee certificates against their baselines, measured in the same run (issue 9's goals are
//! ratios): a 100-member BLS certificate against one single BLS signature verification, and a
//! 6-of-10 ECDSA checkpoint against one libsecp256k1 public-key recovery.
//!
//! `cargo bench -p strait-attest --bench attest` (pin to one core with `taskset -c 0`).

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use blst::min_pk::{PublicKey, Signature};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use secp256k1::ecdsa::RecoverableSignature;
use secp256k1::Message;
use strait_attest::bls::{aggregate_signatures, Bls, BlsCertificate, BlsSigner, SIGNATURE_DST};
use strait_attest::ecdsa::{Ecdsa, EcdsaSigner};
use strait_attest::ed25519::Ed25519;
use strait_attest::state::stored_state;
use strait_attest::wire::encode_checkpoint_update;
use strait_attest::{Checkpoint, CommitteeVerifier, SignatureList};
use strait_light_client::Signer;
use strait_primitives::{keccak256, ChainId, Hash32, Height, Timestamp};
use strait_verifier::{MemStore as Store, Updated, Verifier};

fn checkpoint() -> Checkpoint {
    Checkpoint {
        source_chain: ChainId(1),
        outbox_root: Hash32([0xaa; 32]),
        leaf_count: 1_000,
        source_height: Height(500),
    }
}

fn wire(threshold: u16, members: &[Vec<u8>]) -> Vec<u8> {
    let mut out = threshold.to_be_bytes().to_vec();
    out.extend_from_slice(&(members.len() as u16).to_be_bytes());
    out.extend(members.concat());
    out
}

/// Measures one update of a fresh client (the store is cloned outside the timing).
fn bench_update<V: Verifier>(
    c: &mut Criterion,
    name: &str,
    kind: &V,
    store: &Store,
    update: &[u8],
) {
    assert!(matches!(
        kind.update(&mut store.clone(), update, Timestamp(0))
            .unwrap(),
        Updated::Verified { .. }
    ));
    c.bench_function(name, |b| {
        b.iter_batched_ref(
            || store.clone(),
            |s| kind.update(s, update, Timestamp(0)).unwrap(),
            BatchSize::SmallInput,
        )
    });
}

fn bls(c: &mut Criterion) {
    let n = 100;
    let mut signers: Vec<BlsSigner> = (0..n)
        .map(|i| BlsSigner::from_ikm(&[i as u8 + 1; 32]))
        .collect();
    signers.sort_by_key(|s| s.public_key());
    let kind = CommitteeVerifier::<Bls>::new();
    let mut store = Store::default();
    let members: Vec<Vec<u8>> = signers.iter().map(|s| s.member_wire()).collect();
    let threshold = 67;
    kind.create(&mut store, ChainId(1), &wire(threshold, &members))
        .unwrap();
    let state = stored_state(&store).unwrap();
    let message = checkpoint().sign_bytes(&state.committee_id, 0);
    let signing: Vec<usize> = (0..usize::from(threshold)).collect();
    let signatures: Vec<[u8; 192]> = signing.iter().map(|&i| signers[i].sign(&message)).collect();
    let certificate = BlsCertificate::new(n, &signing, aggregate_signatures(&signatures).unwrap());
    let update = encode_checkpoint_update::<Bls>(&checkpoint(), &certificate);

    // Baseline: one signature by one key, checked as blst checks it (key and signature validated).
    let key = signers[0].public_key();
    let single = signatures[0];
    c.bench_function("bls::single_signature_verify", |b| {
        b.iter(|| {
            let key = PublicKey::deserialize(&key).unwrap();
            let sig = Signature::deserialize(&single).unwrap();
            assert_eq!(
                sig.verify(true, &message, SIGNATURE_DST, &[], &key, true),
                blst::BLST_ERROR::BLST_SUCCESS
            );
        })
    });
    bench_update(
        c,
        "bls::certificate_update/members=100,signers=67",
        &kind,
        &store,
        &update,
    );
}

fn ecdsa(c: &mut Criterion) {
    let signers: Vec<EcdsaSigner> = (1..=10)
        .map(|i| EcdsaSigner::from_secret([i; 32]).unwrap())
        .collect();
    let mut sorted = signers.clone();
    sorted.sort_by_key(|s| s.address());
    let kind = CommitteeVerifier::<Ecdsa>::new();
    let mut store = Store::default();
    let members: Vec<Vec<u8>> = sorted.iter().map(|s| s.address().to_vec()).collect();
    kind.create(&mut store, ChainId(1), &wire(6, &members))
        .unwrap();
    let state = stored_state(&store).unwrap();
    let message = checkpoint().sign_bytes(&state.committee_id, 0);
    let certificate = SignatureList {
        signatures: (0..6u16)
            .map(|i| (i, sorted[usize::from(i)].sign(&message)))
            .collect(),
    };
    let update = encode_checkpoint_update::<Ecdsa>(&checkpoint(), &certificate);

    // Baseline: one libsecp256k1 public-key recovery.
    let digest = Message::from_digest(keccak256(&message).0);
    let signature = certificate.signatures[0].1;
    let recid = secp256k1::ecdsa::RecoveryId::from_u8_masked(signature[64] - 27);
    let recoverable = RecoverableSignature::from_compact(&signature[..64], recid).unwrap();
    c.bench_function("ecdsa::recover", |b| {
        b.iter(|| recoverable.recover_ecdsa(digest).unwrap())
    });
    bench_update(
        c,
        "ecdsa::certificate_update/members=10,signers=6",
        &kind,
        &store,
        &update,
    );
}

fn ed25519(c: &mut Criterion) {
    let mut signers: Vec<Signer> = (1..=10).map(|i| Signer::from_seed([i; 32])).collect();
    signers.sort_by_key(|s| s.public_key().0);
    let kind = CommitteeVerifier::<Ed25519>::new();
    let mut store = Store::default();
    let members: Vec<Vec<u8>> = signers.iter().map(|s| s.public_key().0.to_vec()).collect();
    kind.create(&mut store, ChainId(1), &wire(6, &members))
        .unwrap();
    let state = stored_state(&store).unwrap();
    let message = checkpoint().sign_bytes(&state.committee_id, 0);
    let certificate = SignatureList {
        signatures: (0..6u16)
            .map(|i| (i, signers[usize::from(i)].sign(&message)))
            .collect(),
    };
    let update = encode_checkpoint_update::<Ed25519>(&checkpoint(), &certificate);
    bench_update(
        c,
        "ed25519::certificate_update/members=10,signers=6",
        &kind,
        &store,
        &update,
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bls, ecdsa, ed25519
}
criterion_main!(benches);
