//! Ordered delivery never stalls while every lower nonce was received (`[STRAIT-RECV.7]`,
//! `[STRAIT-RECV.9]`, `[STRAIT-RECV.11]`): the reproduction of the stall through the real handlers
//! with real proofs, and property tests of the counter over 100,000-nonce schedules.

use proptest::prelude::*;
use strait_endpoint::replay::{self, BITS_PER_WORD, MAX_ADVANCE_WORDS, MAX_SCAN_WORDS};
use strait_endpoint::testkit::InMemoryHost;
use strait_endpoint::*;
use strait_merkle::LeafIndex;
use strait_packet::DeliveryOptions;
use strait_primitives::{Nonce, RouteId};

use super::*;

const ORDERED: DeliveryOptions = DeliveryOptions {
    ordered: true,
    timeout_height: None,
    timeout_timestamp: None,
};

/// Delivers `sends` in batches of at most 1024 under one multiproof each.
fn deliver_batches(n: &mut Net, sends: &[&Sent]) {
    for chunk in sends.chunks(MAX_BATCH_LEN) {
        let indices: Vec<LeafIndex> = chunk.iter().map(|s| s.leaf_index).collect();
        let batch = BatchDelivery {
            packets: chunk.iter().map(|s| s.packet.clone()).collect(),
            proof: n.a.outbox.multiproof(&indices, n.a.outbox.count()).unwrap(),
            proof_height: n.proof_height,
        };
        for r in receive_batch(&mut n.b, &batch).unwrap() {
            r.unwrap();
        }
    }
}

/// The review's reproduction: nonces 2..=33,000 delivered unordered, then nonce 1, then an ordered
/// 33,001. Before the fix the counter stopped at 16,383 and 33,001 failed `OutOfOrder { missing:
/// 32,768 }` for ever. Now it is `OrderingBacklog` until one permissionless advance, and any later
/// delivery on the route also moves the counter on.
#[test]
fn ordered_message_after_a_held_back_nonce_never_stalls() {
    let mut n = net();
    let sends: Vec<Sent> = (1..=33_002u32)
        .map(|i| {
            let options = if i == 33_001 {
                ORDERED
            } else {
                DeliveryOptions::default()
            };
            n.send(COUNTER, options, &i.to_be_bytes())
        })
        .collect();
    n.relay_root();
    let route = sends[0].packet.route().id();
    let held_back = &sends[0];
    let rest: Vec<&Sent> = sends[1..33_000].iter().collect();
    deliver_batches(&mut n, &rest);
    assert_eq!(n.b.inbound_contiguous(&route), Nonce(0));
    n.deliver(held_back).unwrap();
    // One delivery moves the counter through at most MAX_SCAN_WORDS words.
    let after_one = n.b.inbound_contiguous(&route).get();
    assert!(
        after_one >= (MAX_SCAN_WORDS - 1) * BITS_PER_WORD,
        "{after_one}"
    );
    assert!(after_one < 33_000);
    let ordered = &sends[33_000];
    let err = n.deliver(ordered).unwrap_err();
    assert!(
        matches!(
            err,
            ReceiveError::OrderingBacklog {
                got: Nonce(33_001),
                ..
            }
        ) && err.is_transient(),
        "{err}"
    );
    // The permissionless advance finishes the job; the delivery then succeeds.
    let advanced = advance_inbound(&mut n.b, &route);
    assert_eq!(
        (advanced.from.get(), advanced.to.get()),
        (after_one, 33_000)
    );
    let receipt = n.deliver(ordered).unwrap();
    assert!(receipt.outcome.is_executed());
    assert_eq!(n.b.inbound_contiguous(&route), Nonce(33_001));
    // Advancing again is a harmless no-op.
    let again = advance_inbound(&mut n.b, &route);
    assert_eq!((again.from, again.to), (Nonce(33_001), Nonce(33_001)));
}

/// Without any advance call, deliveries on the route alone catch the counter up.
#[test]
fn later_deliveries_alone_catch_the_counter_up() {
    let mut n = net();
    let total = 40_000u32;
    let sends: Vec<Sent> = (1..=total)
        .map(|i| n.send(COUNTER, DeliveryOptions::default(), &i.to_be_bytes()))
        .collect();
    n.relay_root();
    let route = sends[0].packet.route().id();
    // Everything but nonce 1 and the last 10 messages, then nonce 1.
    let body: Vec<&Sent> = sends[1..total as usize - 10].iter().collect();
    deliver_batches(&mut n, &body);
    n.deliver(&sends[0]).unwrap();
    for s in &sends[total as usize - 10..] {
        n.deliver(s).unwrap();
    }
    assert_eq!(n.b.inbound_contiguous(&route), Nonce(u64::from(total)));
}

/// What the test knows the route has received, to check the counter against.
struct Model {
    received: Vec<bool>,
    contiguous: u64,
}

impl Model {
    fn new(n: usize) -> Self {
        Self {
            received: vec![false; n + 2],
            contiguous: 0,
        }
    }
    fn mark(&mut self, nonce: u64) {
        self.received[nonce as usize] = true;
        while self.received[(self.contiguous + 1) as usize] {
            self.contiguous += 1;
        }
    }
    fn lowest_missing_below(&self, nonce: u64) -> Option<u64> {
        (self.contiguous + 1..nonce).find(|&m| !self.received[m as usize])
    }
}

/// Nonces reached by one bounded scan starting anywhere in a word: at least this many.
const SCAN_REACH: u64 = (MAX_SCAN_WORDS - 1) * BITS_PER_WORD;
const ADVANCE_REACH: u64 = (MAX_ADVANCE_WORDS - 1) * BITS_PER_WORD;

/// Runs one schedule of `order` (a permutation of 1..=n) on the replay layer, with `ordered[i]`
/// saying whether nonce i is ordered and `advance_every` inserting permissionless advances, and
/// checks the invariants after every step.
fn run_schedule(order: &[u64], ordered: &[bool], advance_every: u64) -> Result<(), TestCaseError> {
    let n = order.len();
    let route = RouteId([7; 32]);
    let mut host = InMemoryHost::new(ChainId(2));
    let mut model = Model::new(n);
    let mut waiting: Vec<u64> = Vec::new();
    let deliver = |host: &mut InMemoryHost, model: &mut Model, nonce: u64| {
        let before = host.inbound_contiguous(&route).get();
        replay::mark_received(host, &route, Nonce(nonce));
        model.mark(nonce);
        let after = host.inbound_contiguous(&route).get();
        // Safety: the counter never claims a nonce that was not received.
        prop_assert!(after <= model.contiguous);
        // Progress: each delivery reaches the truth or moves at least one scan's reach.
        prop_assert!(
            after == model.contiguous || after - before >= SCAN_REACH,
            "counter {before} -> {after}, truth {}",
            model.contiguous
        );
        Ok(())
    };
    for (step, &nonce) in order.iter().enumerate() {
        if advance_every > 0 && (step as u64).is_multiple_of(advance_every) {
            let (from, to) = replay::advance(&mut host, &route, MAX_ADVANCE_WORDS);
            prop_assert!(to.get() <= model.contiguous);
            prop_assert!(to.get() == model.contiguous || to.get() - from.get() >= ADVANCE_REACH);
        }
        if ordered[nonce as usize] {
            match replay::check_order(&host, &route, Nonce(nonce)) {
                Ok(()) => {
                    prop_assert_eq!(
                        model.lowest_missing_below(nonce),
                        None,
                        "ordered {} accepted early",
                        nonce
                    );
                    deliver(&mut host, &mut model, nonce)?;
                }
                Err(ReceiveError::OutOfOrder { missing, .. }) => {
                    prop_assert_eq!(Some(missing.get()), model.lowest_missing_below(nonce));
                    waiting.push(nonce);
                }
                Err(ReceiveError::OrderingBacklog {
                    contiguous,
                    scanned_to,
                    ..
                }) => {
                    prop_assert!(scanned_to.get() - contiguous.get() >= SCAN_REACH);
                    waiting.push(nonce);
                }
                Err(e) => prop_assert!(false, "unexpected {e}"),
            }
        } else {
            deliver(&mut host, &mut model, nonce)?;
        }
    }
    // Every unordered message is in: each waiting ordered message, lowest first, is accepted after
    // at most the advances that a backlog of its size needs, and never refused for a gap.
    waiting.sort_unstable();
    for nonce in waiting {
        let mut advances = 0u64;
        loop {
            match replay::check_order(&host, &route, Nonce(nonce)) {
                Ok(()) => break,
                Err(ReceiveError::OrderingBacklog { .. }) => {
                    advances += 1;
                    prop_assert!(
                        advances <= (nonce / ADVANCE_REACH) + 1,
                        "advance loop at {}",
                        nonce
                    );
                    replay::advance(&mut host, &route, MAX_ADVANCE_WORDS);
                }
                Err(e) => prop_assert!(
                    false,
                    "ordered {nonce} refused with every predecessor in: {e}"
                ),
            }
        }
        deliver(&mut host, &mut model, nonce)?;
    }
    // Catch the counter up, boundedly, and it equals the truth.
    for _ in 0..=(n as u64 / ADVANCE_REACH) + 1 {
        replay::advance(&mut host, &route, MAX_ADVANCE_WORDS);
    }
    prop_assert_eq!(host.inbound_contiguous(&route).get(), n as u64);
    Ok(())
}

/// splitmix64: a schedule generator driven by a proptest-chosen seed.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A permutation of 1..=n in one of several shapes that cross bitmap words and scan bounds.
fn schedule(n: u64, shape: u8, seed: u64) -> Vec<u64> {
    let mut s = seed;
    let mut order: Vec<u64> = (1..=n).collect();
    match shape % 4 {
        // Uniformly shuffled.
        0 => {
            for i in (1..order.len()).rev() {
                order.swap(i, (next(&mut s) % (i as u64 + 1)) as usize);
            }
        }
        // In order, but a few nonces (always nonce 1) held back to the very end.
        1 => {
            let mut held: Vec<u64> = (0..1 + next(&mut s) % 8)
                .map(|_| 1 + next(&mut s) % n)
                .collect();
            held.push(1);
            held.sort_unstable();
            held.dedup();
            order.retain(|x| held.binary_search(x).is_err());
            order.extend(held);
        }
        // Reversed.
        2 => order.reverse(),
        // Shuffled within windows of a random size up to a few scan reaches.
        _ => {
            let window = 1 + (next(&mut s) % (3 * SCAN_REACH)) as usize;
            for chunk in order.chunks_mut(window) {
                for i in (1..chunk.len()).rev() {
                    chunk.swap(i, (next(&mut s) % (i as u64 + 1)) as usize);
                }
            }
        }
    }
    order
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// 100,000 nonces, ordered and unordered mixed, in schedules that cross words and scan bounds.
    #[test]
    fn counter_is_safe_and_never_stalls_over_100k_nonces(
        shape in 0u8..4,
        seed in any::<u64>(),
        ordered_per_mille in prop_oneof![Just(0u64), Just(1), Just(100), Just(1000), 0u64..1000],
        advance_every in prop_oneof![Just(0u64), Just(997), 1u64..50_000],
    ) {
        const N: u64 = 100_000;
        let order = schedule(N, shape, seed);
        let mut s = seed ^ 0x5eed;
        let ordered: Vec<bool> = (0..=N + 1).map(|_| next(&mut s) % 1000 < ordered_per_mille).collect();
        run_schedule(&order, &ordered, advance_every)?;
    }
}

/// A packet built with nonce 0 (which decoding refuses) is refused by the endpoint too, before
/// anything computes `nonce - 1`.
#[test]
fn an_ordered_nonce_zero_packet_is_refused_not_a_panic() {
    let mut n = net();
    let sent = n.send(COUNTER, ORDERED, b"x");
    n.relay_root();
    let mut delivery = n.delivery(&sent);
    delivery.packet.nonce = Nonce(0);
    assert!(matches!(
        receive(&mut n.b, &delivery),
        Err(ReceiveError::Packet(_))
    ));
}

/// A failure reason is recorded bounded, as it is encoded (`[STRAIT-EVENT.1]`): the receipt the
/// endpoint returns is the receipt a host stores and proves.
#[test]
fn a_long_failure_reason_is_recorded_cut_at_the_encoding_bound() {
    let mut n = net();
    let verbose = Address32([0x7e; 32]);
    n.b.install_app(
        verbose,
        Box::new(|_| {
            Err(AppError {
                code: 9,
                reason: "é".repeat(400),
            })
        }),
    );
    let sent = n.send(verbose, DeliveryOptions::default(), b"x");
    n.relay_root();
    let receipt = n.deliver(&sent).unwrap();
    let Outcome::Failed(e) = &receipt.outcome else {
        panic!("{receipt:?}");
    };
    assert_eq!(e.code, 9);
    assert_eq!(e.reason.len(), strait_endpoint::encoding::MAX_REASON_LEN);
    assert_eq!(n.b.receipts[&sent.id], receipt);
}
