//! Every bound of §10 at and past its limit, and decoders that never panic.

use proptest::prelude::*;
use strait_attest::bls::{Bls, BlsCertificate, MAX_BITMAP_LEN};
use strait_attest::ecdsa::Ecdsa;
use strait_attest::ed25519::Ed25519;
use strait_attest::state::stored_state;
use strait_attest::wire::{decode_evidence, decode_update, encode_checkpoint_update};
use strait_attest::{CommitteeVerifier, Scheme, SignatureList, MAX_MEMBERS};
use strait_primitives::{ChainId, Reader, Timestamp};
use strait_verifier::{Updated, Verifier};

use crate::support::{checkpoint, committee, Sample, Store, TestScheme};

#[test]
fn signature_lists_hold_max_members_signatures_and_no_more() {
    for (count, ok) in [(MAX_MEMBERS, true), (MAX_MEMBERS + 1, false)] {
        let mut bytes = (count as u16).to_be_bytes().to_vec();
        for i in 0..count {
            bytes.extend_from_slice(&(i as u16).to_be_bytes());
            bytes.extend_from_slice(&[0; 64]);
        }
        let read = SignatureList::<64>::read(&mut Reader::new(&bytes));
        assert_eq!(read.is_ok(), ok, "{count}");
        if !ok {
            assert_eq!(read.unwrap_err().name(), "TooLarge");
        }
    }
    // Signers must strictly ascend.
    let mut bytes = 2u16.to_be_bytes().to_vec();
    for i in [1u16, 1] {
        bytes.extend_from_slice(&i.to_be_bytes());
        bytes.extend_from_slice(&[0; 64]);
    }
    let error = SignatureList::<64>::read(&mut Reader::new(&bytes)).unwrap_err();
    assert_eq!(error.name(), "Invalid");
}

#[test]
fn bls_bitmaps_hold_max_members_bits_and_no_more() {
    for (len, ok) in [(MAX_BITMAP_LEN, true), (MAX_BITMAP_LEN + 1, false)] {
        let mut bytes = vec![len as u8];
        bytes.extend(vec![0u8; len]);
        bytes.extend([0u8; 192]);
        let read = Bls::read_certificate(&mut Reader::new(&bytes));
        assert_eq!(read.is_ok(), ok, "{len}");
    }
}

/// A committee of `MAX_MEMBERS` members of `S` certifies with all of them; one more member is
/// refused before any key is read.
fn full_committee<S: TestScheme>() {
    let members: Vec<S::Signer> = (0..MAX_MEMBERS).map(|i| S::signer_wide(i as u16)).collect();
    let (full, wire) = committee::<S>(MAX_MEMBERS as u16, &members);
    let kind = CommitteeVerifier::<S>::new();
    let mut store = Store::default();
    kind.create(&mut store, ChainId(1), &wire).unwrap();
    let id = stored_state(&store).unwrap().committee_id;
    let c = checkpoint(5, 5, 5);
    let all: Vec<&S::Signer> = members.iter().collect();
    let cert = S::certify(&full, &all, &c.sign_bytes(&id, 0));
    let update = encode_checkpoint_update::<S>(&c, &cert);
    assert!(matches!(
        kind.update(&mut store, &update, Timestamp(0)).unwrap(),
        Updated::Verified { .. }
    ));
    let mut over = wire.clone();
    over[2..4].copy_from_slice(&(MAX_MEMBERS as u16 + 1).to_be_bytes());
    over.extend_from_slice(&wire[4..4 + S::MEMBER_WIRE_LEN]);
    let error = kind
        .create(&mut Store::default(), ChainId(1), &over)
        .unwrap_err();
    assert_eq!(error.name(), "Malformed");
}

#[test]
fn ecdsa_committee_of_max_members() {
    full_committee::<Ecdsa>();
}

#[test]
fn ed25519_committee_of_max_members() {
    full_committee::<Ed25519>();
}

#[test]
fn bls_committee_of_max_members() {
    full_committee::<Bls>();
    // The bitmap of a full committee is the largest one.
    assert_eq!(
        BlsCertificate::new(MAX_MEMBERS, &[0], [0; 192])
            .bitmap
            .len(),
        MAX_BITMAP_LEN
    );
}

/// Creating a BLS client costs one pairing per member, read from the committee's structure without
/// admitting anyone; a committee of `MAX_MEMBERS` is charged in full, one more is refused unread.
#[test]
fn bls_creation_costs_one_pairing_per_member_up_to_max_members() {
    let kind = CommitteeVerifier::<Bls>::new();
    for (count, cost) in [
        (1, Some(1)),
        (MAX_MEMBERS, Some(MAX_MEMBERS)),
        (MAX_MEMBERS + 1, None),
    ] {
        let mut wire = ((count / 2 + 1) as u16).to_be_bytes().to_vec();
        wire.extend_from_slice(&(count as u16).to_be_bytes());
        for i in 0..count {
            // Ascending garbage: costing admits no one.
            let mut member = [0u8; Bls::MEMBER_WIRE_LEN];
            member[..2].copy_from_slice(&(i as u16).to_be_bytes());
            wire.extend_from_slice(&member);
        }
        match cost {
            Some(cost) => assert_eq!(kind.create_cost(&wire), Ok(cost), "{count}"),
            None => {
                let error = kind.create_cost(&wire).unwrap_err();
                assert_eq!(error.name(), "Malformed");
                assert!(error.to_string().contains("members"), "{error}");
            }
        }
    }
    // The other schemes admit members without a signature check.
    assert_eq!(Ecdsa::ADMIT_COST, 0);
    assert_eq!(Ed25519::ADMIT_COST, 0);
}

fn never_panics<S: TestScheme>(bytes: &[u8]) {
    let kind = CommitteeVerifier::<S>::new();
    let _ = decode_update::<S>(bytes);
    let _ = decode_evidence::<S>(bytes);
    let _ = kind.update_cost(bytes);
    let _ = kind.misbehaviour_cost(bytes);
    let _ = kind.create_cost(bytes);
    let _ = kind.create(&mut Store::default(), ChainId(1), bytes);
    let (_, wire) = committee::<S>(1, &[S::signer(1)]);
    let mut store = Store::default();
    kind.create(&mut store, ChainId(1), &wire).unwrap();
    let _ = kind.update(&mut store.clone(), bytes, Timestamp(0));
    let _ = kind.submit_misbehaviour(&mut store.clone(), bytes, Timestamp(0));
    let _ = kind.freeze(&mut store, bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        never_panics::<Ecdsa>(&bytes);
        never_panics::<Ed25519>(&bytes);
        never_panics::<Bls>(&bytes);
    }

    #[test]
    fn a_mutated_update_never_panics(position in 0usize..400, byte in any::<u8>(), tag in 1u8..3) {
        for bytes in [Ecdsa::sample(tag), Ed25519::sample(tag), Bls::sample(tag)] {
            let mut bytes = bytes;
            let i = position % bytes.len();
            bytes[i] = byte;
            never_panics::<Ecdsa>(&bytes);
            never_panics::<Ed25519>(&bytes);
            never_panics::<Bls>(&bytes);
        }
    }
}
