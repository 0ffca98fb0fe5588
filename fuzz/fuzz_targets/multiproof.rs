//! `MultiProof::decode` on untrusted bytes: whatever decodes is canonical, has a valid shape, and
//! `compute_root` agrees with a naive reference and with each leaf's own inclusion proof.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_fuzz::{assert_canonical, merkle::check_multiproof};
use strait_merkle::MultiProof;

fuzz_target!(|data: &[u8]| {
    let Ok(proof) = MultiProof::decode(data) else {
        return;
    };
    assert_canonical(data, &proof.encode(), "multiproof");
    assert_eq!(proof.check_shape(), Ok(()));
    check_multiproof(&proof);
});
