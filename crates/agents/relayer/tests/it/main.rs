//! Integration tests of the relayer's pure parts.

mod hostile_node;
mod sched_sim;
