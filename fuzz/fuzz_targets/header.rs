//! `Header::decode` on untrusted bytes: whatever decodes is canonical and hashes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_fuzz::assert_canonical;
use strait_light_client::{vote_sign_bytes, Header};

fuzz_target!(|data: &[u8]| {
    let Ok(header) = Header::decode(data) else {
        return;
    };
    assert_canonical(data, &header.encode(), "header");
    vote_sign_bytes(header.chain_id, header.height, &header.hash());
});
