//! The BFT verifier kind's decoders on untrusted bytes (`[STRAIT-VERIFIER.BFT]`): costing an
//! update or evidence and decoding it never panic, and what decodes is canonical.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_fuzz::assert_canonical;
use strait_light_client::kind::{
    decode_misbehaviour, decode_update, encode_misbehaviour, encode_update, BftVerifier,
};
use strait_light_client::Evidence;
use strait_verifier::Verifier;

fuzz_target!(|data: &[u8]| {
    let cost = BftVerifier.update_cost(data);
    if let Ok((trusted, block)) = decode_update(data) {
        assert_canonical(data, &encode_update(trusted, &block), "bft update");
        assert_eq!(cost, Ok(block.signed_header.commit.signatures.len()));
    }
    let cost = BftVerifier.misbehaviour_cost(data);
    if let Ok(m) = decode_misbehaviour(data) {
        assert_canonical(data, &encode_misbehaviour(&m), "bft misbehaviour");
        let signatures = m.block_1.signed_header.commit.signatures.len()
            + m.block_2.signed_header.commit.signatures.len();
        assert_eq!(cost, Ok(signatures));
    }
    if let Ok(evidence) = Evidence::decode(data) {
        assert_canonical(data, &evidence.encode(), "bft evidence");
    }
});
