//! Integration tests: real nodes over real JSON-RPC (HTTP and websocket), fast block mode.

mod support;

mod announce;
mod chain;
mod connections;
mod hostile;
mod kill;
mod limits;
mod misbehaviour;
mod pause;
mod relay;
mod restart;
mod retry;
mod valset;
