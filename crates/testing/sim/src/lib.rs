//! Strait chains in process, for simulation and scenario tests.
//!
//! * [`InProcessChain`]: a devnet chain without threads, sockets or files: it admits transactions,
//!   builds blocks with the node's pure block builder at the time it is given, signs them with its
//!   validators and keeps every block, outbox record and result in memory.
//! * [`SimChainClient`]: the chain-client adapter of an in-process chain, the second implementation
//!   of `strait_chain_client::{SourceChain, DestinationChain}` (the devnet JSON-RPC client is the
//!   first): agents written against the traits run on it unchanged, on the deterministic runtime.
//!   It is also the watcher's `VerifierReader` and `EvidenceSink`.
//! * [`run_byzantine`]: byzantine validators and attesters with a watcher, one fault per seed.

mod byzantine;
mod chain;
mod client;
mod dispute;
pub mod equivocation;
pub mod fixtures;
pub mod tokens;
pub mod world;

pub use byzantine::{run_byzantine, ByzantineReport, Conduct, Fault, SimBoard};
pub use chain::{chains_of, InProcessChain, ProduceError, Produced, SubmitError};
pub use client::{SimChainClient, Sources};
pub use tokens::{run_tokens, TokenConfig, TokenReport, TokenViolation};
pub use world::{run_world, Checker, Faults, Violation, WorldConfig, WorldReport};
