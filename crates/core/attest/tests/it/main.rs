//! Integration tests of `strait-attest`.

mod bounds;
mod client;
mod support;
mod vectors;
