//! Integration tests of `strait-light-client`, one binary (`cargo test -p strait-light-client`).
//!
//! All state is built with real ed25519 signatures from fixed public seeds (`[i; 32]`).

mod bls_kind;
mod bls_vectors;
mod cheap_first;
mod client;
mod codec;
mod ed25519;
mod kind;
mod support;
mod vector_cases;
mod vectors;
mod verifier;
