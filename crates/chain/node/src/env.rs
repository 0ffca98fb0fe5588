//! What is fixed for the whole block being executed.

use std::collections::BTreeSet;

use strait_primitives::{ChainId, ClientId, Height, Timestamp};

/// What is fixed for the whole block.
#[derive(Debug)]
pub struct Env {
    /// This chain.
    pub chain_id: ChainId,
    /// Height of the block being executed.
    pub height: Height,
    /// Its time.
    pub timestamp: Timestamp,
    /// Remote chains; the client of a remote chain has the remote's chain id as its id.
    pub remotes: BTreeSet<ChainId>,
    /// Remote chains of another kind (EVM chains): messages may be sent to them; they have no
    /// default client here.
    pub foreign_remotes: BTreeSet<ChainId>,
}

impl Env {
    /// The client following `chain`, if it is a remote chain.
    pub fn client_of(&self, chain: ChainId) -> Option<ClientId> {
        self.remotes
            .contains(&chain)
            .then_some(ClientId(chain.get()))
    }
}
