//! The outcome message payload (`[STRAIT-SETTLE.3]`) on untrusted bytes: decoding never panics,
//! and whatever decodes re-encodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_endpoint::settle::decode_outcome_payload;
use strait_fuzz::assert_canonical;

fuzz_target!(|data: &[u8]| {
    if let Ok(payload) = decode_outcome_payload(data) {
        assert_canonical(data, &payload.encode(), "outcome payload");
    }
});
