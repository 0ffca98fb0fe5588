//! Committee clients of each scheme, driven through the `Verifier` trait: create, certified
//! checkpoints, duplicates, refusals, rotation, conflicts in updates and standalone evidence.

use strait_attest::bls::{Bls, BlsCertificate};
use strait_attest::ecdsa::Ecdsa;
use strait_attest::ed25519::Ed25519;
use strait_attest::state::{stored_state, MAX_CHECKPOINTS};
use strait_attest::wire::{encode_checkpoint_update, encode_evidence, encode_rotation};
use strait_attest::{rotation_sign_bytes, Checkpoint, CommitteeVerifier, Scheme};
use strait_primitives::{ChainId, Hash32, Height, Timestamp};
use strait_verifier::{ClientStatus, Updated, Verifier, VerifierError};

use crate::support::{checkpoint, committee, signers, Store, TestScheme};

const NOW: Timestamp = Timestamp(0);

fn name(result: Result<impl std::fmt::Debug, VerifierError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(e) => e.name(),
    }
}

/// A client of a 3-of-4 committee of `S` following chain 1.
struct Client<S: TestScheme> {
    kind: CommitteeVerifier<S>,
    store: Store,
    members: Vec<S::Signer>,
    committee: strait_attest::Committee,
}

impl<S: TestScheme> Client<S> {
    fn new() -> Self {
        let members = signers::<S>(1, 4);
        let (committee, wire) = committee::<S>(3, &members);
        let kind = CommitteeVerifier::<S>::new();
        let mut store = Store::default();
        assert_eq!(
            kind.create(&mut store, ChainId(1), &wire).unwrap(),
            Height(0)
        );
        Self {
            kind,
            store,
            members,
            committee,
        }
    }

    fn id_and_epoch(&self) -> (Hash32, u64) {
        let state = stored_state(&self.store).unwrap();
        (state.committee_id, state.epoch)
    }

    fn certify(&self, signers: &[&S::Signer], c: &Checkpoint) -> S::Certificate {
        let (id, epoch) = self.id_and_epoch();
        S::certify(&self.committee, signers, &c.sign_bytes(&id, epoch))
    }

    fn quorum(&self) -> Vec<&S::Signer> {
        self.members.iter().take(3).collect()
    }

    fn update(&mut self, c: &Checkpoint) -> Result<Updated, VerifierError> {
        let cert = self.certify(&self.quorum(), c);
        let bytes = encode_checkpoint_update::<S>(c, &cert);
        self.kind.update(&mut self.store, &bytes, NOW)
    }
}

fn certified_checkpoints_become_roots_and_duplicates_change_nothing<S: TestScheme>() {
    let mut client = Client::<S>::new();
    let c = checkpoint(10, 5, 0xaa);
    assert_eq!(
        client.update(&c).unwrap(),
        Updated::Verified {
            height: Height(10),
            root: c.outbox_root
        }
    );
    assert_eq!(
        client
            .kind
            .verified_root(&client.store, Height(10))
            .unwrap(),
        Some(c.outbox_root)
    );
    assert_eq!(
        client
            .kind
            .verified_root(&client.store, Height(11))
            .unwrap(),
        None
    );
    assert_eq!(
        client.kind.latest_height(&client.store).unwrap(),
        Height(10)
    );
    let before = client.store.clone();
    assert_eq!(client.update(&c).unwrap(), Updated::Duplicate);
    assert_eq!(client.store.0, before.0);
    // A lower height later on is fine; the latest height stays.
    client.update(&checkpoint(8, 4, 0xbb)).unwrap();
    assert_eq!(
        client.kind.latest_height(&client.store).unwrap(),
        Height(10)
    );
    assert_eq!(
        client.kind.status(&client.store).unwrap(),
        ClientStatus::Active
    );
}

fn refusals_name_their_cause_and_change_nothing<S: TestScheme>() {
    let mut client = Client::<S>::new();
    let c = checkpoint(10, 5, 0xaa);
    let before = client.store.clone();
    let submit = |client: &mut Client<S>, cert: &S::Certificate, c: &Checkpoint| {
        let bytes = encode_checkpoint_update::<S>(c, cert);
        name(client.kind.update(&mut client.store, &bytes, NOW))
    };
    // Two of four: below the threshold.
    let two: Vec<&S::Signer> = client.members.iter().take(2).collect();
    let cert = client.certify(&two, &c);
    assert_eq!(submit(&mut client, &cert, &c), "InsufficientSigners");
    // Signed over another checkpoint (or another epoch, or committee): invalid.
    let cert = client.certify(&client.quorum(), &checkpoint(10, 5, 0xab));
    assert_eq!(submit(&mut client, &cert, &c), "InvalidSignature");
    let (id, epoch) = client.id_and_epoch();
    for (id, epoch) in [(id, epoch + 1), (Hash32([7; 32]), epoch)] {
        let cert = S::certify(
            &client.committee,
            &client.quorum(),
            &c.sign_bytes(&id, epoch),
        );
        assert_eq!(submit(&mut client, &cert, &c), "InvalidSignature");
    }
    // Another source chain.
    let mut other = c;
    other.source_chain = ChainId(2);
    let cert = client.certify(&client.quorum(), &other);
    assert_eq!(submit(&mut client, &cert, &other), "SourceMismatch");
    // Bytes that do not decode.
    assert_eq!(
        name(client.kind.update(&mut client.store, &[9], NOW)),
        "Malformed"
    );
    assert_eq!(
        name(client.kind.update(&mut client.store, &[], NOW)),
        "Malformed"
    );
    assert_eq!(client.store.0, before.0);
}

fn a_conflicting_update_freezes_and_the_freeze_replays<S: TestScheme>() {
    for conflicting in [
        checkpoint(12, 5, 0xbb), // same leaf count, another root
        checkpoint(10, 6, 0xcc), // same height, more leaves
        checkpoint(9, 7, 0xdd),  // more leaves at a lower height
        checkpoint(11, 4, 0xee), // fewer leaves at a higher height
    ] {
        let mut client = Client::<S>::new();
        client.update(&checkpoint(10, 5, 0xaa)).unwrap();
        let before = client.store.clone();
        let Updated::Misbehaviour { evidence } = client.update(&conflicting).unwrap() else {
            panic!("{conflicting:?} conflicts");
        };
        assert_eq!(
            client.kind.status(&client.store).unwrap(),
            ClientStatus::Frozen
        );
        assert_eq!(name(client.update(&checkpoint(20, 9, 1))), "Frozen");
        // The host reverts the transaction, then re-applies the freeze.
        let mut reverted = before;
        client.kind.freeze(&mut reverted, &evidence).unwrap();
        assert_eq!(client.kind.status(&reverted).unwrap(), ClientStatus::Frozen);
        assert_eq!(reverted.0, client.store.0);
    }
    // Same root and count at a later height: nothing happened in between, no conflict.
    let mut client = Client::<S>::new();
    client.update(&checkpoint(10, 5, 0xaa)).unwrap();
    assert!(matches!(
        client.update(&checkpoint(12, 5, 0xaa)).unwrap(),
        Updated::Verified { .. }
    ));
}

fn standalone_evidence_freezes_only_when_it_holds<S: TestScheme>() {
    let mut client = Client::<S>::new();
    let a = checkpoint(10, 5, 0xaa);
    let b = checkpoint(10, 5, 0xbb);
    let certified = |client: &Client<S>, c: &Checkpoint| (*c, client.certify(&client.quorum(), c));
    let submit = |client: &mut Client<S>, evidence: &[u8]| {
        name(
            client
                .kind
                .submit_misbehaviour(&mut client.store, evidence, NOW),
        )
    };
    // Not a conflict: refused before any signature.
    let same = encode_evidence::<S>(
        &certified(&client, &a),
        &certified(&client, &checkpoint(11, 6, 1)),
    );
    assert_eq!(submit(&mut client, &same), "NotMisbehaviour");
    // A forged certificate: refused, nothing frozen.
    let two: Vec<&S::Signer> = client.members.iter().take(2).collect();
    let forged = encode_evidence::<S>(&certified(&client, &a), &(b, client.certify(&two, &b)));
    assert_eq!(submit(&mut client, &forged), "InsufficientSigners");
    assert_eq!(
        client.kind.status(&client.store).unwrap(),
        ClientStatus::Active
    );
    // Another source.
    let mut other = b;
    other.source_chain = ChainId(3);
    let foreign = encode_evidence::<S>(&certified(&client, &a), &certified(&client, &other));
    assert_eq!(submit(&mut client, &foreign), "SourceMismatch");
    // The committee equivocated: frozen, and then evidence is refused as for a frozen client.
    let evidence = encode_evidence::<S>(&certified(&client, &a), &certified(&client, &b));
    assert_eq!(submit(&mut client, &evidence), "ok");
    assert_eq!(
        client.kind.status(&client.store).unwrap(),
        ClientStatus::Frozen
    );
    assert_eq!(submit(&mut client, &evidence), "Frozen");
    assert_eq!(
        client.kind.misbehaviour_cost(&evidence).unwrap(),
        2 * S::certificate_cost(&certified(&client, &a).1)
    );
}

fn rotation_hands_over_and_old_signatures_die<S: TestScheme>() {
    let mut client = Client::<S>::new();
    let next_members = signers::<S>(11, 5);
    let (next, next_wire) = committee::<S>(3, &next_members);
    let (id, epoch) = client.id_and_epoch();
    let message = rotation_sign_bytes(&id, epoch, &next.hash());
    // Below the threshold: refused.
    let two: Vec<&S::Signer> = client.members.iter().take(2).collect();
    let weak = encode_rotation::<S>(&next_wire, &S::certify(&client.committee, &two, &message));
    assert_eq!(
        name(client.kind.update(&mut client.store, &weak, NOW)),
        "InsufficientSigners"
    );
    // Signed for another committee: refused.
    let (_, other_wire) = committee::<S>(3, &signers::<S>(21, 4));
    let rotation = encode_rotation::<S>(
        &other_wire,
        &S::certify(&client.committee, &client.quorum(), &message),
    );
    assert_eq!(
        name(client.kind.update(&mut client.store, &rotation, NOW)),
        "InvalidSignature"
    );
    let rotation = encode_rotation::<S>(
        &next_wire,
        &S::certify(&client.committee, &client.quorum(), &message),
    );
    let update_cost = client.kind.update_cost(&rotation).unwrap();
    assert_eq!(
        client
            .kind
            .update(&mut client.store, &rotation, NOW)
            .unwrap(),
        Updated::Rotated { epoch: 1 }
    );
    assert_eq!(client.id_and_epoch(), (id, 1));
    // The same rotation again is refused: the old committee no longer signs.
    assert_eq!(
        name(client.kind.update(&mut client.store, &rotation, NOW)),
        "InvalidSignature"
    );
    // The old committee's certificate of a new checkpoint dies, even over the new epoch.
    let c = checkpoint(10, 5, 0xaa);
    let old = S::certify(&client.committee, &client.quorum(), &c.sign_bytes(&id, 1));
    let bytes = encode_checkpoint_update::<S>(&c, &old);
    assert_ne!(
        name(client.kind.update(&mut client.store, &bytes, NOW)),
        "ok"
    );
    // The new committee's signature at epoch 0 dies too; at epoch 1 it verifies.
    let quorum: Vec<&S::Signer> = next_members.iter().take(3).collect();
    let stale = S::certify(&next, &quorum, &c.sign_bytes(&id, 0));
    let bytes = encode_checkpoint_update::<S>(&c, &stale);
    assert_eq!(
        name(client.kind.update(&mut client.store, &bytes, NOW)),
        "InvalidSignature"
    );
    let fresh = S::certify(&next, &quorum, &c.sign_bytes(&id, 1));
    let bytes = encode_checkpoint_update::<S>(&c, &fresh);
    assert!(matches!(
        client.kind.update(&mut client.store, &bytes, NOW).unwrap(),
        Updated::Verified { .. }
    ));
    assert_eq!(
        update_cost,
        S::certificate_cost(&S::certify(&client.committee, &client.quorum(), &message))
            + S::ADMIT_COST * 5
    );
}

macro_rules! for_each_scheme {
    ($($test:ident),*) => {
        mod ecdsa { use super::*; $(#[test] fn $test() { super::$test::<Ecdsa>() })* }
        mod ed25519 { use super::*; $(#[test] fn $test() { super::$test::<Ed25519>() })* }
        mod bls { use super::*; $(#[test] fn $test() { super::$test::<Bls>() })* }
    };
}

for_each_scheme!(
    certified_checkpoints_become_roots_and_duplicates_change_nothing,
    refusals_name_their_cause_and_change_nothing,
    a_conflicting_update_freezes_and_the_freeze_replays,
    standalone_evidence_freezes_only_when_it_holds,
    rotation_hands_over_and_old_signatures_die
);

#[test]
fn bls_certificates_cost_one_pairing_and_check_the_bitmap_first() {
    let client = Client::<Bls>::new();
    let c = checkpoint(10, 5, 0xaa);
    let cert = client.certify(&client.quorum(), &c);
    let bytes = encode_checkpoint_update::<Bls>(&c, &cert);
    assert_eq!(client.kind.update_cost(&bytes).unwrap(), 1);
    let mut client = client;
    let mut submit = |cert: &BlsCertificate| {
        let bytes = encode_checkpoint_update::<Bls>(&c, cert);
        name(client.kind.update(&mut client.store, &bytes, NOW))
    };
    let mut long = cert.clone();
    long.bitmap.push(0);
    assert_eq!(submit(&long), "BitmapLengthMismatch");
    let mut past = cert.clone();
    past.bitmap[0] |= 1 << 4; // member 4 of 4
    assert_eq!(submit(&past), "SignerIndexOutOfRange");
    let mut fewer = cert.clone();
    fewer.bitmap[0] = 0b0011;
    assert_eq!(submit(&fewer), "InsufficientSigners");
    // A bit set for a member who did not sign.
    let mut extra = cert.clone();
    extra.bitmap[0] = 0b1111;
    assert_eq!(submit(&extra), "InvalidSignature");
    // Not a curve point; the identity.
    let mut garbage = cert.clone();
    garbage.signature = [0x11; 192];
    assert_eq!(submit(&garbage), "InvalidSignature");
    let mut identity = cert.clone();
    identity.signature = [0; 192];
    identity.signature[0] = 0x40;
    assert_eq!(submit(&identity), "InvalidSignature");
    assert_eq!(submit(&cert), "ok");
}

#[test]
fn bls_members_need_a_proof_of_possession_of_their_own_key() {
    let members = signers::<Bls>(1, 3);
    let (_, wire) = committee::<Bls>(2, &members);
    let kind = CommitteeVerifier::<Bls>::new();
    assert_eq!(
        name(kind.create(&mut Store::default(), ChainId(1), &wire)),
        "ok"
    );
    // Member 1's proof replaced by member 0's: a rogue key would need exactly this.
    let member = 96 + 192;
    let mut swapped = wire.clone();
    let pop0 = wire[4 + 96..4 + member].to_vec();
    swapped[4 + member + 96..4 + 2 * member].copy_from_slice(&pop0);
    let error = kind
        .create(&mut Store::default(), ChainId(1), &swapped)
        .unwrap_err();
    assert_eq!(error.name(), "InvalidProofOfPossession");
    // A key that is not a point.
    let mut bad_key = wire.clone();
    bad_key[4 + 2 * member + 40] ^= 1;
    assert_eq!(
        kind.create(&mut Store::default(), ChainId(1), &bad_key)
            .unwrap_err()
            .name(),
        "InvalidMemberKey"
    );
    // Creation costs one pairing per member (`create_cost`), rotation adds one per next member.
    assert_eq!(Bls::ADMIT_COST, 1);
    assert_eq!(kind.create_cost(&bad_key), Ok(Bls::ADMIT_COST * 3));
}

#[test]
fn ecdsa_refuses_the_zero_address_and_high_s() {
    let kind = CommitteeVerifier::<Ecdsa>::new();
    let mut wire = 1u16.to_be_bytes().to_vec();
    wire.extend_from_slice(&1u16.to_be_bytes());
    wire.extend_from_slice(&[0; 20]);
    assert_eq!(
        kind.create(&mut Store::default(), ChainId(1), &wire)
            .unwrap_err()
            .name(),
        "InvalidMemberKey"
    );
    let mut client = Client::<Ecdsa>::new();
    let c = checkpoint(10, 5, 0xaa);
    let mut cert = client.certify(&client.quorum(), &c);
    cert.signatures[1].1[64] = 29;
    let bytes = encode_checkpoint_update::<Ecdsa>(&c, &cert);
    assert_eq!(
        name(client.kind.update(&mut client.store, &bytes, NOW)),
        "InvalidRecoveryId"
    );
    let mut cert = client.certify(&client.quorum(), &c);
    cert.signatures[0].1[32] = 0xff;
    let bytes = encode_checkpoint_update::<Ecdsa>(&c, &cert);
    assert_eq!(
        name(client.kind.update(&mut client.store, &bytes, NOW)),
        "HighS"
    );
    assert_eq!(client.kind.update_cost(&bytes).unwrap(), 3);
}

#[test]
fn a_client_keeps_at_most_max_checkpoints_and_still_sees_conflicts_at_the_edge() {
    // A 1-of-1 ed25519 committee keeps the test fast.
    let members = signers::<Ed25519>(1, 1);
    let (committee, wire) = committee::<Ed25519>(1, &members);
    let kind = CommitteeVerifier::<Ed25519>::new();
    let mut store = Store::default();
    kind.create(&mut store, ChainId(1), &wire).unwrap();
    let id = stored_state(&store).unwrap().committee_id;
    let update = |store: &mut Store, c: &Checkpoint| {
        let cert = Ed25519::certify(&committee, &[&members[0]], &c.sign_bytes(&id, 0));
        kind.update(store, &encode_checkpoint_update::<Ed25519>(c, &cert), NOW)
    };
    // Two heights per leaf count, so the count index must move to the next height when pruned.
    let total = MAX_CHECKPOINTS as u64 + 1;
    for h in 1..=total {
        update(&mut store, &checkpoint(h, h / 2, (h / 2) as u8)).unwrap();
    }
    assert_eq!(kind.verified_root(&store, Height(1)).unwrap(), None);
    assert!(kind.verified_root(&store, Height(2)).unwrap().is_some());
    assert_eq!(kind.latest_height(&store).unwrap(), Height(total));
    // Height 1 had count 0 (alone); height 2 and 3 have count 1: the index now names height 2.
    // A conflicting root for count 1 is still caught.
    let frozen = update(&mut store.clone(), &checkpoint(total + 5, 1, 0x99)).unwrap();
    assert!(matches!(frozen, Updated::Misbehaviour { .. }));
    // Count 0 was forgotten with height 1: a root for it at a new height is only an ordering
    // conflict with its neighbour (more leaves below it), still caught.
    let frozen = update(&mut store, &checkpoint(total + 5, 0, 0x98)).unwrap();
    assert!(matches!(frozen, Updated::Misbehaviour { .. }));
}

#[test]
fn the_epoch_rises_to_its_maximum_and_no_further() {
    fn rotate(client: &mut Client<Ed25519>, epoch: u64) -> Result<Updated, VerifierError> {
        let id = stored_state(&client.store).unwrap().committee_id;
        let (next, next_wire) = committee::<Ed25519>(3, &client.members);
        let message = rotation_sign_bytes(&id, epoch, &next.hash());
        let cert = Ed25519::certify(&client.committee, &client.quorum(), &message);
        let bytes = encode_rotation::<Ed25519>(&next_wire, &cert);
        client.kind.update(&mut client.store, &bytes, NOW)
    }
    let mut client = Client::<Ed25519>::new();
    let mut state = stored_state(&client.store).unwrap();
    state.epoch = u64::MAX - 1;
    client.store.0.insert(b"s".to_vec(), state.encode());
    assert_eq!(
        rotate(&mut client, u64::MAX - 1).unwrap(),
        Updated::Rotated { epoch: u64::MAX }
    );
    assert_eq!(name(rotate(&mut client, u64::MAX)), "EpochOverflow");
}
