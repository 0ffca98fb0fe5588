//! The circuit breaker's effect on the endpoint (`[STRAIT-PAUSE.1]`, `[STRAIT-PAUSE.2]`): while
//! the endpoint, an inbound route or an application-defined topic is paused, nothing of it executes
//! and nothing is lost. Deliveries are refused with a transient error (relayers keep the messages
//! and deliver them after the unpause), retries wait, and a paused endpoint sends nothing. Who may
//! pause and unpause is the host's (a guardian set on the devnet, `[STRAIT-PAUSE.3]`).
//!
//! The core knows nothing of what an application's topics mean: the host asks the receiving
//! application for a message's topic ([`crate::EndpointReader::message_topic`]), e.g. the token a
//! transfer moves (`[STRAIT-PAUSE.4]`).

use serde::{Deserialize, Serialize};
use strait_packet::Packet;
use strait_primitives::{Address32, Hash32, RouteId};

/// What a pause covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PauseScope {
    /// Every receive, retry and send of this chain's endpoint.
    Endpoint,
    /// Receives and retries of one inbound route.
    Route(RouteId),
    /// Receives and retries of the messages to application `app` whose topic (as the application
    /// names it) is `topic`; what else stops (its own sends) is the application's rule.
    App {
        /// The receiving application.
        app: Address32,
        /// The application-defined topic, e.g. a hash of a token's denomination.
        topic: Hash32,
    },
}

impl PauseScope {
    /// `0x00` (endpoint), `0x01 || route id` or `0x02 || app || topic`.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Self::Endpoint => vec![0],
            Self::Route(route) => [&[1u8][..], route.as_bytes()].concat(),
            Self::App { app, topic } => [&[2u8][..], app.as_bytes(), topic.as_bytes()].concat(),
        }
    }
}

/// The pause that stops `packet`, if any: the endpoint's, else its route's, else its receiving
/// application's pause of the packet's topic.
pub fn pause_of<C: crate::EndpointReader + ?Sized>(ctx: &C, packet: &Packet) -> Option<PauseScope> {
    let route = packet.route().id();
    [PauseScope::Endpoint, PauseScope::Route(route)]
        .into_iter()
        .chain(ctx.message_topic(packet).map(|topic| PauseScope::App {
            app: packet.receiver,
            topic,
        }))
        .find(|scope| ctx.paused(scope))
}
