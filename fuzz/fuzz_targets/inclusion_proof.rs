//! `InclusionProof::decode` on untrusted bytes: whatever decodes is canonical and gives a root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_fuzz::{assert_canonical, merkle::id_at};
use strait_merkle::InclusionProof;

fuzz_target!(|data: &[u8]| {
    let Ok(proof) = InclusionProof::decode(data) else {
        return;
    };
    assert_canonical(data, &proof.encode(), "inclusion proof");
    let id = id_at(proof.leaf_index);
    let root = proof
        .compute_root(&id)
        .expect("a decoded index is below 2^32");
    proof
        .verify(&id, &root)
        .expect("verifies against its own root");
});
