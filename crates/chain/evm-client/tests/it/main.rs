//! Integration tests against real anvil nodes (the tool chain `scripts/test` installs).

mod attester;
mod deploy;
mod destination;
mod faults;
mod light_client;
mod payments;
mod proxy;
mod queues;
mod source;
mod status;
mod support;
mod txm;
