//! Routes: the (source chain, sender, destination chain, receiver) a message travels along.

use serde::{Deserialize, Serialize};
use strait_primitives::{domain, keccak256_concat, Address32, ChainId, RouteId};

/// The path of a message: who sends it from which chain, to whom on which chain (`[STRAIT-ROUTE.1]`).
///
/// Nonces, replay protection and ordering are all per route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Route {
    /// Chain the message is sent from.
    pub source_chain: ChainId,
    /// Application that sent it, on the source chain.
    pub sender: Address32,
    /// Chain the message is delivered to.
    pub destination_chain: ChainId,
    /// Application that receives it, on the destination chain.
    pub receiver: Address32,
}

impl Route {
    /// `keccak256("STRAIT/ROUTE/v1" || source_chain || sender || destination_chain || receiver)`,
    /// integers big-endian (`[STRAIT-ROUTE.2]`).
    pub fn id(&self) -> RouteId {
        RouteId(
            keccak256_concat(&[
                domain::ROUTE_ID,
                &self.source_chain.to_be_bytes(),
                self.sender.as_bytes(),
                &self.destination_chain.to_be_bytes(),
                self.receiver.as_bytes(),
            ])
            .0,
        )
    }
}
