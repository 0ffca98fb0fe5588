//! `SignedTx::decode` on untrusted bytes (what `strait_submitTransaction` receives): whatever
//! decodes is canonical, its hash and kind compute, and its signature check answers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_devnet_api::tx::SignedTx;
use strait_fuzz::assert_canonical;

fuzz_target!(|data: &[u8]| {
    let Ok(tx) = SignedTx::decode(data) else {
        return;
    };
    assert_canonical(data, &tx.encode(), "transaction");
    tx.hash();
    tx.tx.body.kind();
    let _ = tx.verify_signature();
});
