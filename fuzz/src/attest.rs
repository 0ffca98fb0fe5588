//! Attester committee clients for the `attest_verifier` target: an in-memory store and a client of
//! a one-member committee of each kind.

use strait_attest::bls::{Bls, BlsSigner};
use strait_attest::ecdsa::{Ecdsa, EcdsaSigner};
use strait_attest::ed25519::Ed25519;
use strait_attest::{CommitteeVerifier, Scheme};
use strait_light_client::Signer;
use strait_primitives::ChainId;
pub use strait_verifier::MemStore;
use strait_verifier::Verifier;

/// The wire form of the one-member committee of kind `S` (member: secret `[1; 32]`).
pub fn one_member_committee<S: Scheme>() -> Vec<u8> {
    let member = match S::KIND.get() {
        2 => EcdsaSigner::from_secret([1; 32])
            .expect("a valid scalar")
            .address()
            .to_vec(),
        3 => Signer::from_seed([1; 32]).public_key().0.to_vec(),
        _ => BlsSigner::from_ikm(&[1; 32]).member_wire(),
    };
    let mut out = 1u16.to_be_bytes().to_vec();
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&member);
    out
}

/// A client of chain 1 following the one-member committee of kind `S`.
pub fn client_of<S: Scheme>() -> MemStore {
    let mut store = MemStore::default();
    CommitteeVerifier::<S>::new()
        .create(&mut store, ChainId(1), &one_member_committee::<S>())
        .expect("a valid committee");
    store
}

/// Every kind's one-member committee, for seeds.
pub fn committees() -> [(u8, Vec<u8>); 3] {
    [
        (0, one_member_committee::<Ecdsa>()),
        (1, one_member_committee::<Ed25519>()),
        (2, one_member_committee::<Bls>()),
    ]
}

/// Whether the attest target decodes `bytes` (first byte: the kind, 0 ECDSA, 1 ed25519, 2 BLS) as
/// an update, evidence or a committee.
pub fn accepts(bytes: &[u8]) -> bool {
    fn any<S: Scheme>(bytes: &[u8]) -> bool {
        strait_attest::wire::decode_update::<S>(bytes).is_ok()
            || strait_attest::wire::decode_any_evidence::<S>(bytes).is_ok()
            || strait_attest::Committee::read_admitted::<S>(&mut strait_primitives::Reader::new(
                bytes,
            ))
            .is_ok()
    }
    match bytes.split_first() {
        Some((kind, rest)) => match kind % 3 {
            0 => any::<Ecdsa>(rest),
            1 => any::<Ed25519>(rest),
            _ => any::<Bls>(rest),
        },
        None => false,
    }
}
