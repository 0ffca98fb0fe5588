use super::*;

const RETRY: RetryPolicy = RetryPolicy::DEFAULT;

fn config(max_pending: usize, route_share: usize, max_routes: usize) -> SchedulerConfig {
    SchedulerConfig {
        max_pending,
        route_share,
        max_routes,
        retry: RETRY,
        fee_policy: FeePolicy::CarryAll,
    }
}

fn meta(height: u64) -> MessageMeta {
    MessageMeta {
        height: Height(height),
        encoded_len: 200,
        ordered: false,
        payment: MessagePayment::Unknown,
    }
}

fn ordered(height: u64) -> MessageMeta {
    MessageMeta {
        ordered: true,
        ..meta(height)
    }
}

const ROOMY: TxBudget = TxBudget {
    max_messages: usize::MAX,
    max_batch: 1024,
    budget_bytes: usize::MAX,
};

fn budget(max_messages: usize) -> TxBudget {
    TxBudget {
        max_messages,
        ..ROOMY
    }
}

type Sched = Scheduler<u8, ()>;

/// Offers leaves `from..to` of `route` to the main scan.
fn scan(s: &mut Sched, route: u8, leaves: core::ops::Range<u64>) -> Vec<Admission> {
    leaves
        .map(|l| s.offer_new(l, route, meta(1), ()).unwrap())
        .collect()
}

/// Runs a whole rescan over `outbox` (leaf -> route); returns the leaves admitted.
fn rescan(s: &mut Sched, outbox: &[(u64, u8)]) -> Vec<u64> {
    let mut admitted = Vec::new();
    while let Some(range) = s.rescan_range() {
        for &(leaf, route) in outbox.iter().filter(|(l, _)| range.contains(l)) {
            if s.offer_rescanned(leaf, route, meta(1), ()).unwrap() == Admission::Admitted {
                admitted.push(leaf);
            }
        }
        s.advance_rescan(range.end);
    }
    admitted
}

#[test]
fn a_full_route_is_skipped_and_the_scan_goes_on() {
    let mut s = Sched::new(config(100, 4, 8));
    let got = scan(&mut s, 1, 0..6);
    assert_eq!(got[..4], [Admission::Admitted; 4]);
    assert_eq!(got[4..], [Admission::Skipped; 2]);
    assert_eq!(s.route_skipped(&1), Some(4));
    // Another route behind it is read and kept.
    assert_eq!(scan(&mut s, 2, 6..9), vec![Admission::Admitted; 3]);
    assert_eq!((s.len(), s.route_len(&1), s.route_len(&2)), (7, 4, 3));
    assert_eq!(s.scan_position(), 9);
    // Nothing to rescan while the full route has no room.
    assert_eq!(s.rescan_range(), None);
}

#[test]
fn a_route_with_skipped_messages_takes_no_later_one_before_them() {
    let mut s = Sched::new(config(100, 2, 8));
    scan(&mut s, 1, 0..3);
    s.remove(0);
    // Room again, but leaf 2 was skipped: leaf 3 must not overtake it.
    assert_eq!(scan(&mut s, 1, 3..4), vec![Admission::Skipped]);
    assert_eq!(s.route_skipped(&1), Some(2));
    let outbox: Vec<(u64, u8)> = (0..4).map(|l| (l, 1)).collect();
    assert_eq!(rescan(&mut s, &outbox), vec![2]);
    assert_eq!(s.route_skipped(&1), Some(3));
    s.remove(1);
    s.remove(2);
    assert_eq!(rescan(&mut s, &outbox), vec![3]);
    assert_eq!(s.route_skipped(&1), None);
}

#[test]
fn a_rescan_finds_every_skipped_message_once_and_ignores_the_others() {
    // Route 1 overflows; routes 2 and 3 interleave and are delivered meanwhile.
    let outbox: Vec<(u64, u8)> = (0..60).map(|l| (l, (l % 3) as u8 + 1)).collect();
    let mut s = Sched::new(config(100, 5, 8));
    for &(leaf, route) in &outbox {
        s.offer_new(leaf, route, meta(1), ()).unwrap();
    }
    assert_eq!(s.route_len(&1), 5);
    for leaf in [1, 2, 4, 5, 7, 8] {
        s.remove(leaf);
    }
    let mut delivered: Vec<u64> = Vec::new();
    let mut rounds = 0;
    loop {
        let leaves: Vec<u64> = s.iter().map(|(l, _)| l).collect();
        if leaves.is_empty() && s.route_skipped(&1).is_none() {
            break;
        }
        for l in leaves {
            s.remove(l);
            delivered.push(l);
        }
        rescan(&mut s, &outbox);
        rounds += 1;
        assert!(rounds < 100);
    }
    delivered.extend([1, 2, 4, 5, 7, 8]);
    delivered.sort_unstable();
    assert_eq!(delivered, (0..60).collect::<Vec<_>>(), "each leaf once");
    assert_eq!(s.routes(), 0);
}

#[test]
fn a_rescan_pass_ends_once_no_route_can_take_more() {
    let mut s = Sched::new(config(1000, 3, 8));
    scan(&mut s, 1, 0..1000);
    s.remove(0);
    let range = s.rescan_range().unwrap();
    assert_eq!(range, 3..1000);
    assert_eq!(
        s.offer_rescanned(3, 1, meta(1), ()).unwrap(),
        Admission::Admitted
    );
    assert_eq!(
        s.offer_rescanned(4, 1, meta(1), ()).unwrap(),
        Admission::Skipped
    );
    s.advance_rescan(5);
    // The pass ended early: nothing of route 1 can be taken before another delivery.
    assert_eq!(s.rescan_range(), None);
    assert_eq!(s.route_skipped(&1), Some(4));
}

#[test]
fn out_of_order_offers_are_errors() {
    let mut s = Sched::new(config(10, 10, 10));
    scan(&mut s, 1, 0..3);
    assert_eq!(
        s.offer_new(1, 1, meta(1), ()),
        Err(ScanError::OutOfOrder {
            got: 1,
            expected: 3
        })
    );
    assert_eq!(
        s.offer_new(u64::MAX, 1, meta(1), ()),
        Err(ScanError::LastLeaf { leaf: u64::MAX })
    );
    assert_eq!(s.scan_position(), 3);
    // No pass: a rescanned offer is ignored.
    assert_eq!(s.offer_rescanned(0, 1, meta(1), ()), Ok(Admission::Ignored));
}

#[test]
fn memory_bounds_hold_at_and_past_their_limits() {
    // Path bound: 10 messages; route bound: 4; route table: 3 routes.
    let mut s = Sched::new(config(10, 4, 3));
    let mut leaf = 0;
    for route in 0..6u8 {
        for _ in 0..6 {
            s.offer_new(leaf, route, meta(1), ()).unwrap();
            leaf += 1;
            assert!(s.len() <= 10 && s.routes() <= 3);
        }
    }
    assert_eq!(s.len(), 10);
    assert_eq!(
        (s.route_len(&0), s.route_len(&1), s.route_len(&2)),
        (4, 4, 2)
    );
    let outbox: Vec<(u64, u8)> = (0..36).map(|l| (l, (l / 6) as u8)).collect();
    // Route 0 has room again: its skipped messages come back; route 2 fills the path.
    for l in 0..4 {
        s.remove(l);
    }
    assert_eq!(rescan(&mut s, &outbox), vec![4, 5, 14, 15]);
    assert_eq!((s.len(), s.routes()), (10, 3));
    // Routes 3 on could not be tracked: found once the table has room (route 0 done).
    for l in 4..10 {
        s.remove(l);
    }
    assert_eq!(rescan(&mut s, &outbox), vec![10, 11, 18, 19, 20, 21]);
    assert_eq!((s.len(), s.routes()), (10, 3));
    assert_eq!(s.route_skipped(&2), Some(16));
    assert_eq!(s.route_skipped(&3), Some(22));
}

#[test]
fn select_is_round_robin_across_routes() {
    let mut s = Sched::new(config(100, 100, 8));
    scan(&mut s, 1, 0..50);
    scan(&mut s, 2, 50..52);
    scan(&mut s, 3, 52..60);
    let picked = s.select(0, Height(1), budget(9));
    let per_route = |r: u8| {
        picked
            .iter()
            .filter(|l| s.route_of(**l) == Some(&r))
            .count()
    };
    assert_eq!((per_route(1), per_route(2), per_route(3)), (4, 2, 3));
    // Leaf order within the selection; the earliest leaves of each route.
    assert_eq!(picked, vec![0, 1, 2, 3, 50, 51, 52, 53, 54]);
    assert_eq!(s.select(0, Height(1), budget(0)), Vec::<u64>::new());
}

#[test]
fn select_respects_the_byte_budget_and_heights() {
    let mut s = Sched::new(config(100, 100, 8));
    for l in 0..20 {
        s.offer_new(l, (l % 2) as u8, meta(l), ()).unwrap();
    }
    let b = |bytes| TxBudget {
        budget_bytes: bytes,
        ..ROOMY
    };
    let each = crate::plan::packet_cost_bytes(200);
    let cost = |n: usize| deliveries_cost_bytes(n, n * each, 1024);
    assert_eq!(s.select(0, Height(100), b(cost(5))).len(), 5);
    assert_eq!(s.select(0, Height(100), b(cost(5) - 1)).len(), 4);
    assert_eq!(s.select(0, Height(100), b(0)).len(), 0);
    assert_eq!(s.select(0, Height(3), ROOMY), vec![0, 1, 2, 3]);
}

#[test]
fn retry_backs_off_then_quarantines() {
    let mut s = Sched::new(config(10, 10, 10));
    scan(&mut s, 1, 0..1);
    let mut now = 100;
    let mut waits = Vec::new();
    let mut sends = 0;
    while now < 2_000 {
        if s.select(now, Height(1), ROOMY) == [0] {
            sends += 1;
            match s.retry_later(0, now).unwrap() {
                RetryVerdict::Backoff { blocks, retries } => {
                    assert_eq!(retries, sends);
                    waits.push(blocks);
                }
                RetryVerdict::Quarantined { blocks, newly } => {
                    assert_eq!(newly, sends == RETRY.quarantine_after);
                    assert_eq!(blocks, RETRY.quarantine_blocks);
                }
            }
        }
        now += 1;
    }
    assert_eq!(waits, vec![1, 2, 4, 8, 16, 32, 32, 32, 32]);
    assert_eq!(s.quarantined(), 1);
    // 9 backoffs (159 blocks), then every 128 blocks.
    let expected = 9 + 1 + (2_000 - 100 - 159 - 1) / 128;
    assert_eq!(sends as u64, expected);
    // Delivered once it unsticks: removed.
    assert!(s.remove(0).is_some());
    assert_eq!((s.len(), s.quarantined(), s.routes()), (0, 0, 0));
}

#[test]
fn retry_policy_is_capped_for_any_count() {
    for retries in [1, 2, 5, 9, 10, 11, 63, 64, 65, u32::MAX] {
        let d = RETRY.delay_blocks(retries);
        assert!(d >= 1 && d <= RETRY.quarantine_blocks.max(RETRY.max_delay_blocks));
    }
    let wild = RetryPolicy {
        first_delay_blocks: u64::MAX,
        max_delay_blocks: u64::MAX,
        quarantine_after: u32::MAX,
        quarantine_blocks: 0,
    };
    assert_eq!(wild.delay_blocks(40), u64::MAX);
    let mut s = Scheduler::<u8, ()>::new(SchedulerConfig {
        retry: wild,
        ..config(1, 1, 1)
    });
    s.offer_new(0, 1, meta(1), ()).unwrap();
    s.retry_later(0, u64::MAX - 1).unwrap();
    assert!(s.select(u64::MAX - 1, Height(1), ROOMY).is_empty());
}

#[test]
fn a_waiting_ordered_message_holds_back_the_later_ordered_ones_only() {
    let mut s = Sched::new(config(10, 10, 10));
    s.offer_new(0, 1, ordered(1), ()).unwrap();
    s.offer_new(1, 1, ordered(1), ()).unwrap();
    s.offer_new(2, 1, meta(1), ()).unwrap();
    s.offer_new(3, 1, ordered(1), ()).unwrap();
    assert_eq!(s.select(5, Height(1), ROOMY), vec![0, 1, 2, 3]);
    s.retry_later(0, 5);
    assert_eq!(s.select(5, Height(1), ROOMY), vec![2]);
    // Answered `Retry` once: tried alone until it goes through.
    assert_eq!(s.select(6, Height(1), ROOMY), vec![0, 2]);
    // The whole route answered `Retry` (missing nonce), then the first goes through: the next
    // one's answers were only for the missing one, so the rest go together again.
    s.retry_later(0, 6);
    s.retry_later(1, 6);
    s.retry_later(3, 6);
    assert_eq!(s.select(100, Height(1), ROOMY), vec![0, 2]);
    s.remove(0);
    assert_eq!(s.select(7, Height(1), ROOMY), vec![1, 2, 3]);
    // An ordered message not provable yet holds back the later ones too.
    s.offer_new(4, 2, ordered(9), ()).unwrap();
    s.offer_new(5, 2, ordered(1), ()).unwrap();
    assert_eq!(s.select(7, Height(1), ROOMY), vec![1, 2, 3]);
}

#[test]
fn stalled_ordered_routes_are_those_whose_first_ordered_message_waits() {
    let mut s = Sched::new(config(10, 10, 10));
    s.offer_new(0, 1, ordered(1), ()).unwrap();
    s.offer_new(1, 2, meta(1), ()).unwrap();
    s.offer_new(2, 3, ordered(1), ()).unwrap();
    s.offer_new(3, 3, ordered(1), ()).unwrap();
    s.offer_new(4, 4, ordered(1), ()).unwrap();
    assert!(s.stalled_ordered_routes(10).is_empty());
    s.retry_later(0, 1);
    s.retry_later(1, 1);
    s.retry_later(3, 1);
    s.retry_later(4, 1);
    // Route 2 is unordered; route 3's first ordered message did not wait.
    assert_eq!(s.stalled_ordered_routes(10), vec![1, 4]);
    assert_eq!(s.stalled_ordered_routes(1), vec![1]);
    assert!(s.stalled_ordered_routes(0).is_empty());
}

/// `[STRAIT-FEE.9]` A paid-only relayer declines, for good, what did not pay (or paid too
/// little), in the main scan and in a rescan; it carries what paid enough and what the source
/// does not report; a default relayer carries everything.
#[test]
fn a_fee_policy_declines_what_did_not_pay_and_carries_the_rest() {
    let paying = |payment| MessageMeta { payment, ..meta(1) };
    let offers = [
        MessagePayment::Unpaid,
        MessagePayment::Paid { amount: 99 },
        MessagePayment::Paid { amount: 100 },
        MessagePayment::Unknown,
    ];
    let mut strict = Scheduler::<u8, ()>::new(SchedulerConfig {
        fee_policy: FeePolicy::MinFee(100),
        ..config(16, 16, 4)
    });
    let got: Vec<_> = offers
        .iter()
        .enumerate()
        .map(|(leaf, p)| strict.offer_new(leaf as u64, 1, paying(*p), ()).unwrap())
        .collect();
    assert_eq!(
        got,
        [
            Admission::Declined,
            Admission::Declined,
            Admission::Admitted,
            Admission::Admitted
        ]
    );
    // Declined messages are handled: the scan moved past them, nothing is left to rescan.
    assert_eq!(strict.scan_position(), 4);
    assert_eq!(strict.len(), 2);
    assert_eq!(strict.rescan_range(), None);
    let mut carry_all = Scheduler::<u8, ()>::new(config(16, 16, 4));
    for (leaf, p) in offers.iter().enumerate() {
        assert_eq!(
            carry_all.offer_new(leaf as u64, 1, paying(*p), ()),
            Ok(Admission::Admitted)
        );
    }
    // In a rescan too: a route full when an unpaid message came is not given it later.
    let mut s = Scheduler::<u8, ()>::new(SchedulerConfig {
        fee_policy: FeePolicy::MinFee(1),
        ..config(16, 1, 4)
    });
    let paid = paying(MessagePayment::Paid { amount: 1 });
    assert_eq!(s.offer_new(0, 1, paid, ()), Ok(Admission::Admitted));
    assert_eq!(s.offer_new(1, 1, paid, ()), Ok(Admission::Skipped));
    assert_eq!(
        s.offer_new(2, 1, paying(MessagePayment::Unpaid), ()),
        Ok(Admission::Declined)
    );
    s.remove(0);
    assert_eq!(s.rescan_range(), Some(1..3));
    assert_eq!(s.offer_rescanned(1, 1, paid, ()), Ok(Admission::Admitted));
    assert_eq!(
        s.offer_rescanned(2, 1, paying(MessagePayment::Unpaid), ()),
        Ok(Admission::Declined)
    );
    // The policy's rule, at and past its bound.
    let p = FeePolicy::MinFee(100);
    assert!(p.carries(MessagePayment::Paid { amount: 100 }));
    assert!(!p.carries(MessagePayment::Paid { amount: 99 }));
    assert!(p.needs_payments() && !FeePolicy::CarryAll.needs_payments());
}
