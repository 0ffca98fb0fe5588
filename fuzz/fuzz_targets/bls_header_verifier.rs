//! The BLS header kind on untrusted bytes (`[STRAIT-VERIFIER.BFT-BLS]`): costing, creating,
//! updating, submitting evidence and freezing never panic, a client only ever moves to a state it
//! can read back, what decodes is canonical, and an update's cost is what the SPEC says.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_fuzz::assert_canonical;
use strait_fuzz::attest::MemStore;
use strait_light_client::bls::kind::{encode_update, BlsHeaderVerifier};
use strait_light_client::bls::{BlsConsensusState, BlsEvidence, BlsLightBlock};
use strait_primitives::{ChainId, Height, Timestamp};
use strait_verifier::Verifier;

fuzz_target!(|data: &[u8]| {
    let kind = BlsHeaderVerifier;
    let cost = kind.update_cost(data);
    if data.len() >= 8 {
        if let Ok(block) = BlsLightBlock::decode_unproven(&data[8..]) {
            let trusted = Height(u64::from_be_bytes(data[..8].try_into().unwrap()));
            assert_canonical(data, &encode_update(trusted, &block), "bls update");
            let proofs = if trusted.checked_next() == Some(block.header.height) {
                0
            } else {
                block.commit.signers().count()
            };
            assert_eq!(cost, Ok(1 + proofs));
        }
    }
    let _ = kind.misbehaviour_cost(data);
    if let Ok(evidence) = BlsEvidence::decode(data) {
        assert_canonical(data, &evidence.encode(), "bls evidence");
    }
    if let Ok(state) = BlsConsensusState::decode_stored(data) {
        assert_canonical(data, &state.encode(), "bls consensus state");
    }
    let created = kind.create(&mut MemStore::default(), ChainId(1), data);
    if created.is_ok() {
        assert!(kind.create_cost(data).is_ok());
    }
    let mut store = strait_fuzz::bls_header::client();
    let _ = kind.update(&mut store, data, Timestamp(u64::MAX / 2));
    let _ = kind.submit_misbehaviour(&mut store, data, Timestamp(u64::MAX / 2));
    let _ = kind.freeze(&mut store, data);
    kind.status(&store).unwrap();
    kind.latest_height(&store).unwrap();
});
