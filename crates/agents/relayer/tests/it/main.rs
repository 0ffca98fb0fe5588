//! Integration tests of the relayer: its pure parts, and the relayer against fake nodes.

mod advance;
mod bad_header;
mod fake;
mod hostile_node;
mod sched_prop;
mod sched_sim;
mod short_pages;
mod stuck_route;
