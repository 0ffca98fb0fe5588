//! `[STRAIT-ATTEST.12]` Two different rotations certified by a committee for one epoch freeze its
//! clients, at that epoch or after one of them was applied; forged evidence changes nothing.

use strait_attest::bls::Bls;
use strait_attest::ecdsa::Ecdsa;
use strait_attest::ed25519::Ed25519;
use strait_attest::state::{stored_state, Frozen};
use strait_attest::wire::{encode_rotation, encode_rotation_evidence};
use strait_attest::{rotation_sign_bytes, Committee, CommitteeVerifier};
use strait_primitives::{ChainId, Hash32, Height, Timestamp};
use strait_verifier::{ClientStatus, Updated, Verifier, VerifierError};

use crate::support::{committee, signers, Store, TestScheme};

const NOW: Timestamp = Timestamp(0);

fn name(result: Result<impl std::fmt::Debug, VerifierError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(e) => e.name(),
    }
}

/// A 3-of-4 committee client of chain 1, and two candidate next committees.
struct Setup<S: TestScheme> {
    kind: CommitteeVerifier<S>,
    store: Store,
    members: Vec<S::Signer>,
    committee: Committee,
    id: Hash32,
    next_a: (Committee, Vec<u8>),
    next_b: (Committee, Vec<u8>),
}

impl<S: TestScheme> Setup<S> {
    fn new() -> Self {
        let members = signers::<S>(1, 4);
        let (current, wire) = committee::<S>(3, &members);
        let kind = CommitteeVerifier::<S>::new();
        let mut store = Store::default();
        kind.create(&mut store, ChainId(1), &wire).unwrap();
        let id = stored_state(&store).unwrap().committee_id;
        Self {
            kind,
            store,
            members,
            committee: current,
            id,
            next_a: committee::<S>(2, &signers::<S>(11, 3)),
            next_b: committee::<S>(2, &signers::<S>(21, 3)),
        }
    }

    /// The certificate of `signers` (indices into the members) over the rotation of `epoch` to
    /// `next`.
    fn certify(&self, epoch: u64, next: &Committee, signers: &[usize]) -> S::Certificate {
        let message = rotation_sign_bytes(&self.id, epoch, &next.hash());
        let signers: Vec<&S::Signer> = signers.iter().map(|&i| &self.members[i]).collect();
        S::certify(&self.committee, &signers, &message)
    }

    fn evidence(&self, epoch: u64, quorum_b: &[usize]) -> Vec<u8> {
        let cert_a = self.certify(epoch, &self.next_a.0, &[0, 1, 2]);
        let cert_b = self.certify(epoch, &self.next_b.0, quorum_b);
        encode_rotation_evidence::<S>(epoch, (&self.next_a.1, &cert_a), (&self.next_b.1, &cert_b))
    }
}

fn equivocated_rotations_freeze_at_the_epoch<S: TestScheme>() {
    let mut s = Setup::<S>::new();
    let evidence = s.evidence(0, &[1, 2, 3]);
    assert_eq!(
        s.kind.misbehaviour_cost(&evidence),
        Ok(2 * S::certificate_cost(&s.certify(0, &s.next_a.0, &[0, 1, 2])))
    );
    s.kind
        .submit_misbehaviour(&mut s.store, &evidence, NOW)
        .unwrap();
    assert_eq!(s.kind.status(&s.store), Ok(ClientStatus::Frozen));
    let (ha, hb) = (s.next_a.0.hash(), s.next_b.0.hash());
    assert_eq!(
        stored_state(&s.store).unwrap().frozen,
        Some(Frozen::Rotations {
            epoch: 0,
            first: ha.min(hb),
            second: ha.max(hb),
        })
    );
    // Frozen for good: the rotation itself and more evidence are refused.
    let rotation = encode_rotation::<S>(&s.next_a.1, &s.certify(0, &s.next_a.0, &[0, 1, 2]));
    assert_eq!(name(s.kind.update(&mut s.store, &rotation, NOW)), "Frozen");
    assert_eq!(
        name(s.kind.submit_misbehaviour(&mut s.store, &evidence, NOW)),
        "Frozen"
    );
}

fn equivocated_rotations_freeze_after_one_was_applied<S: TestScheme>() {
    let mut s = Setup::<S>::new();
    let rotation = encode_rotation::<S>(&s.next_a.1, &s.certify(0, &s.next_a.0, &[0, 1, 2]));
    assert_eq!(
        s.kind.update(&mut s.store, &rotation, NOW),
        Ok(Updated::Rotated { epoch: 1 })
    );
    // The client is at epoch 1 under committee A; the evidence of epoch 0 is checked against the
    // previous committee, which it keeps.
    let evidence = s.evidence(0, &[0, 2, 3]);
    s.kind
        .submit_misbehaviour(&mut s.store, &evidence, NOW)
        .unwrap();
    assert_eq!(s.kind.status(&s.store), Ok(ClientStatus::Frozen));
}

fn forged_rotation_evidence_changes_nothing<S: TestScheme>() {
    let s = Setup::<S>::new();
    let cert_a = s.certify(0, &s.next_a.0, &[0, 1, 2]);
    let same = encode_rotation_evidence::<S>(0, (&s.next_a.1, &cert_a), (&s.next_a.1, &cert_a));
    // Below the threshold on one side.
    let below = s.evidence(0, &[1, 2]);
    // A certificate of the other committee's rotation presented for this one.
    let crossed = encode_rotation_evidence::<S>(0, (&s.next_a.1, &cert_a), (&s.next_b.1, &cert_a));
    // Another epoch, signed for it: the client knows no committee of epoch 1 (nor of 5).
    let later = s.evidence(1, &[1, 2, 3]);
    let far = s.evidence(5, &[1, 2, 3]);
    // Another committee (same members, another id): its signatures are not this one's.
    let other_id = Setup::<S> {
        id: Hash32([0x77; 32]),
        ..Setup::<S>::new()
    };
    let other = other_id.evidence(0, &[1, 2, 3]);
    let mut truncated = s.evidence(0, &[1, 2, 3]);
    truncated.pop();
    for (bytes, expected) in [
        (same, "NotMisbehaviour"),
        (below, "InsufficientSigners"),
        (crossed, "InvalidSignature"),
        (later, "EpochMismatch"),
        (far, "EpochMismatch"),
        (other, "InvalidSignature"),
        (truncated, "Malformed"),
    ] {
        let mut store = s.store.clone();
        assert_eq!(
            name(s.kind.submit_misbehaviour(&mut store, &bytes, NOW)),
            expected
        );
        assert_eq!(store.0, s.store.0, "{expected}");
    }
}

macro_rules! for_each_scheme {
    ($($test:ident),*) => {
        mod ecdsa { use super::*; $(#[test] fn $test() { super::$test::<Ecdsa>() })* }
        mod ed25519 { use super::*; $(#[test] fn $test() { super::$test::<Ed25519>() })* }
        mod bls { use super::*; $(#[test] fn $test() { super::$test::<Bls>() })* }
    };
}

for_each_scheme!(
    equivocated_rotations_freeze_at_the_epoch,
    equivocated_rotations_freeze_after_one_was_applied,
    forged_rotation_evidence_changes_nothing
);

#[test]
fn a_client_may_not_follow_the_chain_id_that_marks_rotation_evidence() {
    let (_, wire) = committee::<Ed25519>(3, &signers::<Ed25519>(1, 4));
    let kind = CommitteeVerifier::<Ed25519>::new();
    assert_eq!(
        name(kind.create(&mut Store::default(), ChainId(u64::MAX), &wire)),
        "ReservedSource"
    );
    assert_eq!(
        kind.create(&mut Store::default(), ChainId(u64::MAX - 1), &wire),
        Ok(Height(0))
    );
}
