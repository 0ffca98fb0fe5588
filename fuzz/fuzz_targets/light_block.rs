//! `LightBlock::decode` on untrusted bytes: whatever decodes is canonical, and its parts decode
//! alone to the same values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_fuzz::assert_canonical;
use strait_light_client::{LightBlock, SignedHeader, ValidatorSet};

fuzz_target!(|data: &[u8]| {
    let Ok(block) = LightBlock::decode(data) else {
        return;
    };
    assert_canonical(data, &block.encode(), "light block");
    let signed = block.signed_header.encode();
    assert_eq!(
        SignedHeader::decode(&signed).as_ref(),
        Ok(&block.signed_header)
    );
    let sets = &data[signed.len()..];
    let validators = block.validators.encode();
    assert_eq!(
        ValidatorSet::decode(&sets[..validators.len()]),
        Ok(block.validators.clone())
    );
    assert_eq!(
        ValidatorSet::decode(&sets[validators.len()..]),
        Ok(block.next_validators.clone())
    );
});
