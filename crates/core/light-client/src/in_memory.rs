//! A bounded in-memory client host, used by tests, the devnet and simulations.

use std::collections::BTreeMap;

use strait_primitives::{ChainId, Height};

use crate::{
    ClientError, ClientReader, ClientState, ClientWriter, ConsensusState, Options, StoreError,
};

/// Most consensus states an [`InMemoryClient`] keeps. Storing one more prunes the lowest height, so
/// the store is bounded; a pruned height can no longer be a trusted height nor catch a conflicting
/// header at its height.
pub const MAX_CONSENSUS_STATES: usize = 8192;

/// A client whose state lives in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InMemoryClient {
    state: ClientState,
    consensus: BTreeMap<Height, ConsensusState>,
}

impl InMemoryClient {
    /// A client of `chain_id` trusting `trusted` (obtained out of band, e.g. at genesis).
    pub fn new(
        chain_id: ChainId,
        options: Options,
        trusted: ConsensusState,
    ) -> Result<Self, ClientError> {
        options.validate()?;
        let state = ClientState {
            chain_id,
            options,
            latest_height: trusted.height,
            frozen: None,
        };
        Ok(Self {
            state,
            consensus: BTreeMap::from([(trusted.height, trusted)]),
        })
    }

    /// The client's state.
    pub fn state(&self) -> &ClientState {
        &self.state
    }

    /// Heights stored, ascending.
    pub fn heights(&self) -> impl Iterator<Item = Height> + '_ {
        self.consensus.keys().copied()
    }
}

impl ClientReader for InMemoryClient {
    fn client_state(&self) -> Result<ClientState, StoreError> {
        Ok(self.state.clone())
    }

    fn consensus_state(&self, height: Height) -> Result<Option<ConsensusState>, StoreError> {
        Ok(self.consensus.get(&height).cloned())
    }

    fn consensus_state_before(&self, height: Height) -> Result<Option<ConsensusState>, StoreError> {
        Ok(self
            .consensus
            .range(..height)
            .next_back()
            .map(|(_, c)| c.clone()))
    }

    fn consensus_state_after(&self, height: Height) -> Result<Option<ConsensusState>, StoreError> {
        use core::ops::Bound::{Excluded, Unbounded};
        Ok(self
            .consensus
            .range((Excluded(height), Unbounded))
            .next()
            .map(|(_, c)| c.clone()))
    }
}

impl ClientWriter for InMemoryClient {
    fn store_client_state(&mut self, state: ClientState) {
        self.state = state;
    }

    fn store_consensus_state(&mut self, state: ConsensusState) {
        self.consensus.insert(state.height, state);
        while self.consensus.len() > MAX_CONSENSUS_STATES {
            self.consensus.pop_first();
        }
    }
}
