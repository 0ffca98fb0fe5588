//! The attester committee kinds on untrusted bytes (`[STRAIT-ATTEST.8]`): decoding, costing and
//! applying an update, evidence or initial committee never panic, what decodes is canonical, and a
//! client only ever moves to a state it can read back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_attest::bls::Bls;
use strait_attest::ecdsa::Ecdsa;
use strait_attest::ed25519::Ed25519;
use strait_attest::wire::{decode_any_evidence, decode_update, encode_checkpoint_update, Update};
use strait_attest::{CommitteeVerifier, Scheme};
use strait_fuzz::assert_canonical;
use strait_fuzz::attest::{client_of, MemStore};
use strait_primitives::{ChainId, Timestamp};
use strait_verifier::Verifier;

/// The member count of a committee's wire form (its bytes 2..4).
fn committee_size(data: &[u8]) -> usize {
    usize::from(u16::from_be_bytes([data[2], data[3]]))
}

fn run<S: Scheme>(data: &[u8]) {
    let kind = CommitteeVerifier::<S>::new();
    let cost = kind.update_cost(data);
    match decode_update::<S>(data) {
        Ok(Update::Checkpoint(checkpoint, certificate)) => {
            let again = encode_checkpoint_update::<S>(&checkpoint, &certificate);
            assert_canonical(data, &again, S::NAME);
            assert_eq!(cost, Ok(S::certificate_cost(&certificate)));
        }
        Ok(Update::Rotation(..)) => assert!(cost.is_ok()),
        Err(_) => assert!(cost.is_err()),
    }
    let evidence = decode_any_evidence::<S>(data);
    assert_eq!(kind.misbehaviour_cost(data).is_ok(), evidence.is_ok());
    if kind
        .create(&mut MemStore::default(), ChainId(1), data)
        .is_ok()
    {
        assert_eq!(
            kind.create_cost(data),
            Ok(S::ADMIT_COST * committee_size(data))
        );
    }
    let mut store = client_of::<S>();
    let _ = kind.update(&mut store, data, Timestamp(0));
    let _ = kind.submit_misbehaviour(&mut store, data, Timestamp(0));
    let _ = kind.freeze(&mut store, data);
    // Whatever happened, the client can still be read.
    kind.status(&store).unwrap();
    kind.latest_height(&store).unwrap();
}

fuzz_target!(|data: &[u8]| {
    match data.first().map(|b| b % 3) {
        Some(0) => run::<Ecdsa>(&data[1..]),
        Some(1) => run::<Ed25519>(&data[1..]),
        Some(_) => run::<Bls>(&data[1..]),
        None => {}
    }
});
