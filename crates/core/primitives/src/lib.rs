//! Shared primitives of the Strait protocol core.
//!
//! * [`ids`]: newtypes for every value that could be confused with another
//!   ([`ChainId`], [`Nonce`], [`Height`], [`Timestamp`], [`Address32`], [`Hash32`], ...).
//! * [`hash`]: keccak256 helpers, the one hash function of the protocol (`[STRAIT-HASH.1]`).
//! * [`domain`]: the domain-separation tags; changing one is a breaking change.
//! * [`codec`]: a bounded big-endian reader for untrusted bytes that never panics.
//!
//! This crate is pure: no I/O, no clock, no randomness.

pub mod codec;
pub mod domain;
pub mod hash;
pub mod ids;

pub use codec::{DecodeError, Reader};
pub use hash::{keccak256, keccak256_concat};
pub use ids::{Address32, ChainId, ClientId, Hash32, Height, MessageId, Nonce, RouteId, Timestamp};
