//! Integration tests against real anvil nodes (the tool chain `scripts/test` installs).

mod attester;
mod deploy;
mod faults;
mod payments;
mod source;
mod support;
