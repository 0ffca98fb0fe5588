//! Integration tests of the devnet adapter: the relayer against scripted fake nodes over JSON-RPC,
//! and attesters over JSON-RPC as an attestation source.

mod advance;
mod attesters;
mod bad_header;
mod fake;
mod hostile_node;
mod short_pages;
mod stuck_route;
