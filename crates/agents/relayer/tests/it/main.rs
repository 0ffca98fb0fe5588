//! Integration tests of the relayer's pure parts: the scheduler simulation and seeded random
//! schedules. The relayer against fake devnet nodes is tested in `strait-devnet-client`.

mod sched_prop;
mod sched_sim;
