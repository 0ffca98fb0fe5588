//! Integration tests against real anvil nodes (the tool chain `scripts/test` installs).

mod attester;
mod deploy;
mod faults;
mod source;
mod support;
mod destination;
mod txm;
