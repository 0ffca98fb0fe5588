//! Byzantine validators and attesters, with a watcher (`strait sim --byzantine`).
//!
//! Two chains; on the destination the counter application trusts the default BFT client of the
//! source and a vault application a 3-of-4 ECDSA committee client. Messages flow to both, relayed
//! by the relayer (`relay_attested`) from the committee's board. A watcher follows both chains and
//! the board. One fault per seed ([`Fault`]):
//!
//! * below the thresholds (`ValidatorsWeak`: at most 2/3 of the validators sign a forged header;
//!   `AttesterBelow`: one member is silent, signs garbage or equivocates): nothing forged verifies
//!   or executes, nothing freezes, every honest message executes;
//! * at the thresholds (`ValidatorsStrong`: more than 2/3 sign a forged header with a forged
//!   message; `CommitteeEquivocating`: three members sign a forged checkpoint carrying a forged
//!   message and keep signing the truth; `CommitteeSilent`: they sign the forgery and then fall
//!   silent): the forged root reaches its client and its message may execute (the trust
//!   assumption is broken on purpose), then the watcher finds it. It freezes the client with
//!   on-chain evidence (a fork-proving BFT update; a certified true checkpoint that conflicts, or
//!   standalone equivocation evidence), after which nothing more executes under that client,
//!   while the other route keeps flowing. `CommitteeSilent` has no certificate of the truth: the
//!   remedy is a conflict against the BFT client (the optimistic issue's transaction), which this
//!   chain does not have yet: the watcher alerts, the checker requires the alert.
//!
//! A failing run names its seed.

mod attesters;
mod run;

pub use attesters::{Conduct, SimBoard};
pub use run::{run_byzantine, ByzantineReport, Fault};
