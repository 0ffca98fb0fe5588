//! Integration tests of the relayer's pure parts.

mod sched_sim;
