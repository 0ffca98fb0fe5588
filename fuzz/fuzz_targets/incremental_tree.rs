//! `IncrementalTree::decode` on untrusted (persisted) bytes: whatever decodes is canonical, has a
//! root, and appends (or reports a full tree) without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_fuzz::{assert_canonical, merkle::id_at};
use strait_merkle::{IncrementalTree, LeafIndex, MerkleError, MAX_LEAVES};

fuzz_target!(|data: &[u8]| {
    let Ok(mut tree) = IncrementalTree::decode(data) else {
        return;
    };
    assert_canonical(data, &tree.encode(), "incremental tree state");
    let before = tree.root();
    let count = tree.count();
    match tree.append(&id_at(LeafIndex(count))) {
        Ok(index) => {
            assert_eq!(index, LeafIndex(count));
            assert_eq!(tree.count(), count + 1);
            assert_ne!(tree.root(), before, "an append left the root unchanged");
        }
        Err(e) => {
            assert_eq!(count, MAX_LEAVES);
            assert_eq!(e, MerkleError::TreeFull { max: MAX_LEAVES });
        }
    }
});
