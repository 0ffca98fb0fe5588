//! Setup shared by the scenario tests: two devnet chains driven block by block by the test.

use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::TxResult;
use strait_devnet_api::tx::{SignedTx, Tx, TxBody};
use strait_endpoint::BatchDelivery;
use strait_node::devnet_specs;
use strait_node::extensions::Extensions;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, Timestamp};
use strait_sim::InProcessChain;

/// Chains 1 (the source) and 2 (the destination) of the devnet, started at `now` = 1,000,000 ms;
/// each call produces the next block of the chain it writes to.
pub(super) struct TwoChains {
    pub(super) source: InProcessChain,
    pub(super) dest: InProcessChain,
    pub(super) now: u64,
}

impl TwoChains {
    /// The destination runs `ext` (its verifier kinds and apps); the source the devnet's own.
    pub(super) fn new(ext: Extensions) -> Self {
        let specs = devnet_specs(2, 4, Timestamp(1_000_000), 50);
        Self {
            source: InProcessChain::genesis(specs[0], vec![specs[1]]),
            dest: InProcessChain::genesis_with(specs[1], vec![specs[0]], Box::leak(Box::new(ext))),
            now: 1_000_000,
        }
    }

    /// `body` signed by `who` on the destination, in the next block 50 ms later.
    pub(super) fn on_dest(&mut self, who: &AccountKey, body: TxBody) -> TxResult {
        let tx: SignedTx = Tx {
            chain_id: self.dest.chain_id(),
            signer: who.address(),
            nonce: self.dest.account_nonce(&who.address()),
            body,
        }
        .sign(who);
        let hash = self.dest.submit(tx).unwrap();
        self.now += 50;
        self.dest.produce(Timestamp(self.now)).unwrap();
        self.dest.tx_result(&hash).unwrap().clone()
    }

    /// An empty destination block `step_ms` later.
    pub(super) fn tick(&mut self, step_ms: u64) {
        self.now += step_ms;
        self.dest.produce(Timestamp(self.now)).unwrap();
    }

    /// Alice sends `payload` to `receiver` on the destination, in the next source block.
    pub(super) fn send(&mut self, receiver: Address32, payload: &[u8]) {
        let alice = AccountKey::devnet("alice");
        let tx = Tx {
            chain_id: self.source.chain_id(),
            signer: alice.address(),
            nonce: self.source.account_nonce(&alice.address()),
            body: TxBody::Send {
                gas_limit: 0,
                destination_chain: self.dest.chain_id(),
                receiver,
                options: DeliveryOptions::default(),
                payload: payload.to_vec(),
            },
        }
        .sign(&alice);
        self.source.submit(tx).unwrap();
        self.now += 50;
        self.source.produce(Timestamp(self.now)).unwrap();
    }

    /// Every message sent so far, proven at the source's latest height.
    pub(super) fn batch(&self) -> BatchDelivery {
        let height = self.source.latest_height();
        let page = self.source.outbox_page(self.dest.chain_id(), 0, 100);
        let leaves: Vec<u64> = page.messages.iter().map(|m| m.leaf_index).collect();
        BatchDelivery {
            packets: page
                .messages
                .iter()
                .map(|m| Packet::clone(&m.packet))
                .collect(),
            proof: self.source.multiproof(&leaves, height).unwrap(),
            proof_height: height,
        }
    }
}
