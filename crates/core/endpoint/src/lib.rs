//! The Strait endpoint state machine (`docs/SPEC.md` §4, `[STRAIT-SEND.*]`, `[STRAIT-RECV.*]`).
//!
//! Handlers come in pairs, as in ibc-rs: `validate_*` reads through [`EndpointReader`] and changes
//! nothing; `execute_*` writes through [`EndpointWriter`]; the plain function (`send`, `receive`,
//! `receive_batch`) calls one then the other. A host (the devnet chain, the EVM model, the tests)
//! implements the two traits over its own storage; the core never touches I/O or a clock.
//!
//! Replay protection costs one bit per message: a bitmap of 256-bit words per inbound route
//! ([`replay`]), plus one counter per route for ordered delivery.

pub mod context;
pub mod encoding;
mod error;
pub mod event;
pub mod mutation;
pub mod pause;
pub mod receive;
pub mod replay;
pub mod retry;
pub mod security;
pub mod send;
pub mod settle;
pub mod testkit;

pub use context::{AppError, EndpointReader, EndpointWriter, MAX_ACK_LEN};
pub use error::{ReceiveError, SendError};
pub use event::{EndpointEvent, Outcome, Receipt};
pub use pause::PauseScope;
pub use receive::{
    advance_inbound, execute_receive, receive, receive_batch, validate_batch, validate_receive,
    Advanced, BatchDelivery, Delivery, ValidatedReceive, MAX_BATCH_LEN,
};
pub use retry::{finalize_failed, retry, FailedMessage, RetryError};
pub use security::{
    SecurityConfig, SecurityConfigError, MAX_FINALITY_BLOCKS, MAX_ROUTE_VERIFIERS,
    MAX_SECURITY_CONFIG_LEN,
};
pub use send::{execute_send, send, validate_send, SendRequest, Sent};
pub use settle::{endpoint_address, AwaitedOutcome, OutcomeEntry, OutcomePayload, PendingOutcomes};
