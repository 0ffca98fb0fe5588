//! The optimistic kind on untrusted bytes (`[STRAIT-OPT.*]`, `[STRAIT-CONFLICT.4]`): its decoders
//! never panic and what decodes is canonical; a client driven by a sequence of proposals,
//! settlements, discards, pauses and resumes read from the bytes stays readable, and the bonds
//! it locked are exactly those of its pending proposals (none lost, none paid twice).
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_fuzz::assert_canonical;
use strait_fuzz::optimistic::{client, Op, OPS_OFFSET};
use strait_optimistic::{
    discard, pause, pending, propose, resume, settle, Config, ConflictEvidence, OptimisticVerifier,
    Proposal,
};
use strait_primitives::{ChainId, Timestamp};
use strait_verifier::{MemStore, Verifier};

fuzz_target!(|data: &[u8]| {
    if let Ok(config) = Config::decode(data) {
        assert_canonical(data, &config.encode(), "optimistic config");
        let mut store = MemStore::default();
        OptimisticVerifier
            .create(&mut store, ChainId(1), data)
            .expect("a config that decodes creates a client");
        OptimisticVerifier.status(&store).unwrap();
    }
    if let Ok(p) = Proposal::decode(data) {
        assert_canonical(data, &p.encode(), "proposal");
    }
    if let Ok(e) = ConflictEvidence::decode(data) {
        assert_canonical(data, &e.encode(), "conflict evidence");
    }
    let _ = OptimisticVerifier.update_cost(data);
    let _ = OptimisticVerifier.update(&mut client(), data, Timestamp(0));

    let mut store = client();
    let mut escrow: u128 = 0;
    for op in data
        .get(OPS_OFFSET..)
        .unwrap_or_default()
        .chunks(Op::LEN)
        .map(Op::read)
    {
        match op {
            Op::Propose(who, proposal, now) => {
                if let Ok(p) = propose(&mut store, &who, &proposal, now) {
                    escrow += p.bond;
                }
            }
            Op::Settle(height, now) => {
                if let Some(p) = settle(&mut store, height, now).unwrap() {
                    escrow -= p.bond;
                }
            }
            Op::Discard(height) => {
                if let Ok(p) = discard(&mut store, height) {
                    escrow -= p.bond;
                }
            }
            Op::Pause(who) => {
                let _ = pause(&mut store, &who);
            }
            Op::Resume(now) => {
                let _ = resume(&mut store, now);
            }
        }
        let held: u128 = pending(&store).unwrap().iter().map(|p| p.bond).sum();
        assert_eq!(
            held, escrow,
            "the bonds held are the pending proposals' bonds"
        );
        OptimisticVerifier.latest_height(&store).unwrap();
    }
});
