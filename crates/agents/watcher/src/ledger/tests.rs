use strait_attest::Ed25519Committee;
use strait_light_client::Signer;
use strait_primitives::Height;
use strait_verifier::{ClientStatus, MemStore, Verifier};

use super::*;

fn signers() -> Vec<Signer> {
    (1..=4u8).map(|i| Signer::from_seed([i; 32])).collect()
}

fn watched(signers: &[Signer]) -> WatchedCommittee {
    let committee = Committee::from_members(
        3,
        signers.iter().map(|s| s.public_key().0.to_vec()).collect(),
        32,
    )
    .unwrap();
    WatchedCommittee {
        source: ChainId(1),
        kind: VerifierKind::ATTEST_ED25519,
        committee_id: strait_attest::committee_id(
            VerifierKind::ATTEST_ED25519.get(),
            &committee.encode(),
        ),
        committee,
        epoch: 0,
        clients: vec![(ChainId(2), ClientId(3))],
    }
}

fn checkpoint(count: u64, root: u8) -> Checkpoint {
    Checkpoint {
        source_chain: ChainId(1),
        outbox_root: Hash32([root; 32]),
        leaf_count: count,
        source_height: Height(count + 10),
    }
}

fn attest(w: &WatchedCommittee, s: &Signer, cp: Checkpoint) -> Attestation {
    Attestation {
        checkpoint: cp,
        kind: w.kind,
        committee_id: w.committee_id,
        epoch: w.epoch,
        signer: s.public_key().0.to_vec(),
        signature: s.sign(&cp.sign_bytes(&w.committee_id, w.epoch)).to_vec(),
    }
}

#[test]
fn an_equivocating_member_is_found_and_evidence_needs_the_threshold_on_both_sides() {
    let s = signers();
    let w = watched(&s);
    let mut ledger = Ledger::new(w.clone());
    let (honest, forged) = (checkpoint(5, 1), checkpoint(5, 2));
    for signer in &s[..3] {
        assert!(ledger.add(&attest(&w, signer, honest)).is_empty());
    }
    // Garbage is dropped: a corrupted signature, another epoch, a non-member.
    let mut bad = attest(&w, &s[0], forged);
    bad.signature[0] ^= 1;
    assert!(ledger.add(&bad).is_empty());
    let mut other_epoch = attest(&w, &s[0], forged);
    other_epoch.epoch = 1;
    assert!(ledger.add(&other_epoch).is_empty());
    assert!(ledger
        .add(&attest(&w, &Signer::from_seed([9; 32]), forged))
        .is_empty());
    assert_eq!(ledger.len(), 1);
    // One member signs the forged root: an equivocation, but no evidence yet.
    let found = ledger.add(&attest(&w, &s[0], forged));
    assert_eq!(
        found,
        vec![Equivocation {
            member: w
                .committee
                .members()
                .position(|m| m == s[0].public_key().0)
                .unwrap() as u16,
            first: honest,
            second: forged
        }]
    );
    assert_eq!(ledger.evidence(&honest, &forged), None);
    // The same signature again proves nothing new (it was reported).
    assert!(ledger.add(&attest(&w, &s[0], forged)).is_empty());
    // The fourth member signing only the forged root equivocates with nobody.
    assert!(ledger.add(&attest(&w, &s[3], forged)).is_empty());
    assert_eq!(ledger.add(&attest(&w, &s[1], forged)).len(), 1);
    // Threshold on both sides: evidence the committee kind accepts, and it freezes the client.
    let evidence = ledger.evidence(&honest, &forged).unwrap();
    let kind = Ed25519Committee::new();
    let mut store = MemStore::default();
    kind.create(&mut store, ChainId(1), &w.committee.encode())
        .unwrap();
    kind.submit_misbehaviour(&mut store, &evidence, strait_primitives::Timestamp(0))
        .unwrap();
    assert_eq!(kind.status(&store).unwrap(), ClientStatus::Frozen);
    // Two checkpoints that do not conflict make no evidence.
    assert_eq!(ledger.evidence(&honest, &honest), None);
    // The true checkpoint as an update.
    assert!(ledger.update(&honest).is_some());
    assert_eq!(ledger.update(&checkpoint(6, 1)), None);
}

#[test]
fn the_ledger_keeps_at_most_its_bounds() {
    let s = signers();
    let w = watched(&s);
    let mut ledger = Ledger::new(w.clone());
    for count in 1..=MAX_LEDGER_COUNTS as u64 {
        ledger.add(&attest(&w, &s[0], checkpoint(count, 1)));
    }
    assert_eq!(ledger.len(), MAX_LEDGER_COUNTS);
    // One count past the bound: the lowest goes; one below the lowest is not kept.
    ledger.add(&attest(
        &w,
        &s[0],
        checkpoint(MAX_LEDGER_COUNTS as u64 + 1, 1),
    ));
    assert_eq!(ledger.len(), MAX_LEDGER_COUNTS);
    assert!(ledger.checkpoints(1).is_empty());
    ledger.add(&attest(&w, &s[0], checkpoint(1, 1)));
    assert!(ledger.checkpoints(1).is_empty());
    assert_eq!(ledger.highest_count(), Some(MAX_LEDGER_COUNTS as u64 + 1));
    // Per leaf count, at most MAX_CHECKPOINTS_PER_COUNT distinct checkpoints.
    let count = 500;
    for root in 2..=(MAX_CHECKPOINTS_PER_COUNT as u8 + 2) {
        ledger.add(&attest(&w, &s[1], checkpoint(count, root)));
    }
    assert_eq!(ledger.checkpoints(count).len(), MAX_CHECKPOINTS_PER_COUNT);
}

#[test]
fn an_equivocating_bls_committee_is_proven_with_two_aggregates() {
    use strait_attest::bls::BlsSigner;
    use strait_attest::BlsCommittee;

    let mut s: Vec<BlsSigner> = (1..=4u8).map(|i| BlsSigner::from_ikm(&[i; 32])).collect();
    // In member order, as the proofs of possession go on the wire.
    s.sort_by_key(BlsSigner::public_key);
    let committee =
        Committee::from_members(3, s.iter().map(|k| k.public_key().to_vec()).collect(), 96)
            .unwrap();
    let w = WatchedCommittee {
        source: ChainId(1),
        kind: VerifierKind::ATTEST_BLS,
        committee_id: strait_attest::committee_id(
            VerifierKind::ATTEST_BLS.get(),
            &committee.encode(),
        ),
        committee,
        epoch: 0,
        clients: vec![(ChainId(2), ClientId(3))],
    };
    let attest = |k: &BlsSigner, cp: Checkpoint| Attestation {
        checkpoint: cp,
        kind: w.kind,
        committee_id: w.committee_id,
        epoch: w.epoch,
        signer: k.public_key().to_vec(),
        signature: k.sign(&cp.sign_bytes(&w.committee_id, w.epoch)).to_vec(),
    };
    let mut ledger = Ledger::new(w.clone());
    let (honest, forged) = (checkpoint(5, 1), checkpoint(5, 2));
    for k in &s[..3] {
        assert!(ledger.add(&attest(k, honest)).is_empty());
    }
    // Garbage is dropped: a valid G2 signature of other bytes.
    let mut bad = attest(&s[3], forged);
    bad.signature = s[3].sign(b"garbage").to_vec();
    assert!(ledger.add(&bad).is_empty());
    assert_eq!(ledger.evidence(&honest, &forged), None);
    // Three members sign the forged root too: two of them equivocate, both sides certified.
    assert!(ledger.add(&attest(&s[3], forged)).is_empty());
    assert_eq!(ledger.add(&attest(&s[0], forged)).len(), 1);
    assert_eq!(ledger.evidence(&honest, &forged), None);
    assert_eq!(ledger.add(&attest(&s[1], forged)).len(), 1);
    let evidence = ledger.evidence(&honest, &forged).unwrap();
    let wire = w.committee.encode_wire(
        &s.iter()
            .map(|k| k.proof_of_possession())
            .collect::<Vec<_>>()
            .iter()
            .map(|p| p.as_slice())
            .collect::<Vec<_>>(),
    );
    let kind = BlsCommittee::new();
    let mut store = MemStore::default();
    kind.create(&mut store, ChainId(1), &wire).unwrap();
    kind.submit_misbehaviour(&mut store, &evidence, strait_primitives::Timestamp(0))
        .unwrap();
    assert_eq!(kind.status(&store).unwrap(), ClientStatus::Frozen);
    assert!(ledger.update(&honest).is_some());
}
