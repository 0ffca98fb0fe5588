//! Integration tests of the devnet adapter: the relayer against scripted fake nodes over JSON-RPC.

mod advance;
mod bad_header;
mod fake;
mod hostile_node;
mod short_pages;
mod stuck_route;
