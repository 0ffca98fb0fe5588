//! Deliveries past the proof check: decode a relay transaction, then let the harness make its
//! packets provable (a remote header signed by the remote devnet validators, committing to an
//! outbox of exactly those packets, and a multiproof per batch), and execute it twice in one block
//! with the node's `execute_tx`. The fuzzer chooses the packets (routes, nonces, ordering,
//! timeouts, duplicates, payloads, applications) and how they are batched; `Devnet::execute_twice`
//! checks that no message is received twice.
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
    let devnet = DEVNET.get_or_init(Devnet::new);
    if let Some(body) = devnet.provable_relay(&tx.tx.body) {
        devnet.execute_twice(&body);
    }
});
