//! The circuit breaker's effect on the endpoint (`[STRAIT-PAUSE.1]`, `[STRAIT-PAUSE.2]`): while
//! the endpoint or an inbound route is paused, nothing of it executes and nothing is lost.
//! Deliveries are refused with a transient error (relayers keep the messages and deliver them after
//! the unpause), retries wait, and a paused endpoint sends nothing. Who may pause and unpause is
//! the host's (a guardian set on the devnet, `[STRAIT-PAUSE.3]`).

use serde::{Deserialize, Serialize};
use strait_primitives::RouteId;

/// What a pause covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PauseScope {
    /// Every receive, retry and send of this chain's endpoint.
    Endpoint,
    /// Receives and retries of one inbound route.
    Route(RouteId),
}

impl PauseScope {
    /// `0x00` (endpoint) or `0x01 || route id`.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Self::Endpoint => vec![0],
            Self::Route(route) => [&[1u8][..], route.as_bytes()].concat(),
        }
    }
}

/// The pause that stops a message of `route`, if any: the endpoint's, else the route's.
pub fn pause_of<C: crate::EndpointReader + ?Sized>(ctx: &C, route: &RouteId) -> Option<PauseScope> {
    [PauseScope::Endpoint, PauseScope::Route(*route)]
        .into_iter()
        .find(|scope| ctx.paused(scope))
}
