//! Integration tests against real anvil nodes (the tool chain `scripts/test` installs).

mod deploy;
mod destination;
mod txm;
