//! Integration tests of `strait-attest`.

mod bounds;
mod client;
mod rotations;
mod support;
mod vectors;
