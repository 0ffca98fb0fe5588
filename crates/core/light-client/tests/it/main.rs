//! Integration tests of `strait-light-client`, one binary (`cargo test -p strait-light-client`).
//!
//! All state is built with real ed25519 signatures from fixed public seeds (`[i; 32]`).

mod client;
mod codec;
mod support;
mod vectors;
mod verifier;
