//! `InclusionProof::decode` on untrusted bytes: whatever decodes is canonical (zero siblings
//! omitted, as the mask says) and gives a root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_fuzz::{assert_canonical, merkle::id_at};
use strait_merkle::InclusionProof;

fuzz_target!(|data: &[u8]| {
    let Ok(proof) = InclusionProof::decode(data) else {
        return;
    };
    assert_canonical(data, &proof.encode(), "inclusion proof");
    // [STRAIT-MERKLE.4]: the mask names exactly the zero siblings, each omitted.
    let present = 32 - proof.zero_mask().count_ones() as usize;
    assert_eq!(
        data.len(),
        8 + 32 * present,
        "length disagrees with the zero mask"
    );
    let id = id_at(proof.leaf_index);
    let root = proof
        .compute_root(&id)
        .expect("a decoded index is below 2^32");
    proof
        .verify(&id, &root)
        .expect("verifies against its own root");
});
