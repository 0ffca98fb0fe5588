//! The transaction pipeline: decode untrusted bytes, check the signature, then execute what they
//! ask for on a devnet chain's state with the node's own execution code. The fuzzer cannot sign,
//! so a body that decodes is re-signed by a funded account (as if its owner had sent it) and run
//! twice in one block; `Devnet::execute_twice` checks the block invariants (exactly-once receipt,
//! failed transactions send nothing, results are consistent).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use strait_devnet_api::tx::SignedTx;
use strait_fuzz::{assert_canonical, devnet::Devnet};

fuzz_target!(|data: &[u8]| {
    static DEVNET: OnceLock<Devnet> = OnceLock::new();
    let Ok(tx) = SignedTx::decode(data) else {
        return;
    };
    assert_canonical(data, &tx.encode(), "transaction");
    let _ = tx.verify_signature();
    DEVNET.get_or_init(Devnet::new).execute_twice(&tx.tx.body);
});
