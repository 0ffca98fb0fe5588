//! `SignedHeader::decode` on untrusted bytes: whatever decodes is canonical.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_fuzz::assert_canonical;
use strait_light_client::SignedHeader;

fuzz_target!(|data: &[u8]| {
    let Ok(signed) = SignedHeader::decode(data) else {
        return;
    };
    assert_canonical(data, &signed.encode(), "signed header");
});
