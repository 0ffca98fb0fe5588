//! Integration tests: real nodes over real JSON-RPC (HTTP and websocket), fast block mode.

mod support;

mod announce;
mod bls_client;
mod chain;
mod connections;
mod hostile;
mod kill;
mod limits;
mod misbehaviour;
mod optimistic;
mod pause;
mod relay;
mod restart;
mod retry;
mod valset;
mod watcher;
