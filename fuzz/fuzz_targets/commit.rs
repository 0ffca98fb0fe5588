//! `Commit::decode` on untrusted bytes: whatever decodes is canonical, with strictly increasing
//! validator indices.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_fuzz::assert_canonical;
use strait_light_client::Commit;

fuzz_target!(|data: &[u8]| {
    let Ok(commit) = Commit::decode(data) else {
        return;
    };
    assert_canonical(data, &commit.encode(), "commit");
    assert_eq!(commit.encoded_len(), data.len());
    assert!(commit
        .signatures
        .windows(2)
        .all(|w| w[0].validator_index < w[1].validator_index));
});
