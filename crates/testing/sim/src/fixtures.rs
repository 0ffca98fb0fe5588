//! Pieces of test setup shared by the simulator's scenarios and the agents' end-to-end tests.

use strait_endpoint::AppError;
use strait_node::apps::{App, AppCallError, AppContext};
use strait_packet::Packet;
use strait_primitives::{ChainId, ClientId};

/// A receiver that acks every message and trusts, for `source`, whichever client a call names
/// (the call's data: the client id, 8 bytes big-endian).
#[derive(Clone, Copy, Debug)]
pub struct ChoosingVault {
    /// The app's name, as the chain reports it.
    pub name: &'static str,
    /// The chain whose client a call chooses.
    pub source: ChainId,
}

impl ChoosingVault {
    /// The vault called `name`, choosing clients of `source`.
    pub const fn new(name: &'static str, source: ChainId) -> Self {
        Self { name, source }
    }
}

impl App for ChoosingVault {
    fn name(&self) -> &'static str {
        self.name
    }
    fn receive(&self, _: &mut AppContext<'_>, _: &Packet) -> Result<Vec<u8>, AppError> {
        Ok(b"ok".to_vec())
    }
    fn call(&self, ctx: &mut AppContext<'_>, data: &[u8]) -> Result<(), AppCallError> {
        let client: [u8; 8] = data
            .try_into()
            .map_err(|_| AppCallError::BadData("client id"))?;
        ctx.choose_client(self.source, ClientId(u64::from_be_bytes(client)))
            .map_err(AppCallError::Refused)
    }
}
