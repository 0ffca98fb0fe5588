//! Rate limits, queues, cancels, token pauses and the anomaly breaker, between two chains whose
//! token applications exchange the very packets they send (the endpoint's part is played by the
//! harness: nonces, the topic pause check, outcomes). Conservation is checked after every step:
//! escrow on the home chain = vouchers outstanding + in flight + queued outbound.

use std::collections::BTreeSet;

use strait_endpoint::{AppError, PauseScope, SendRequest};
use strait_packet::Packet;
use strait_primitives::{Address32, ChainId, Height, Nonce, Timestamp};

use super::limits::{self, denom_topic, AnomalyRule, Bucket, Direction, LimitConfig};
use super::queue::{self, MAX_QUEUE_STEPS_PER_BLOCK, MAX_RELEASES_PER_BLOCK};
use super::*;
use crate::apps::App;
use crate::env::Env;
use crate::state::{keys, State};

pub(super) const A: ChainId = ChainId(1);
pub(super) const B: ChainId = ChainId(2);
pub(super) const ALICE: Address32 = Address32([0xa1; 32]);
pub(super) const BOB: Address32 = Address32([0xb0; 32]);
pub(super) const MALLORY: Address32 = Address32([0x66; 32]);
const VOUCHER: &str = "1/sat";

/// An acknowledgement and the packets the receive sent.
type Acked = (Vec<u8>, Vec<Packet>);

pub(super) struct Chain {
    id: ChainId,
    pub(super) state: State,
    pub(super) time_ms: u64,
    pub(super) remotes: BTreeSet<ChainId>,
    pub(super) foreign_remotes: BTreeSet<ChainId>,
}

impl Chain {
    pub(super) fn new(id: ChainId) -> Self {
        let mut state = State::default();
        let token = strait_devnet_api::apps::token();
        state.put(
            keys::app(&token, &balance_key(&ALICE, NATIVE_DENOM)),
            1_000_000u128.to_be_bytes().to_vec(),
        );
        Self {
            id,
            state,
            time_ms: 1_000,
            remotes: BTreeSet::from([A, B]),
            foreign_remotes: BTreeSet::new(),
        }
    }

    /// Runs `f` in the token application's context, reverting on `Err`; returns the packets sent.
    pub(super) fn run<T, E>(
        &mut self,
        caller: Option<Address32>,
        f: impl FnOnce(&mut AppContext<'_>) -> Result<T, E>,
    ) -> Result<(T, Vec<Packet>), E> {
        let env = Env {
            chain_id: self.id,
            height: Height(self.time_ms),
            timestamp: Timestamp(self.time_ms),
            remotes: self.remotes.clone(),
            foreign_remotes: self.foreign_remotes.clone(),
        };
        let token = strait_devnet_api::apps::token();
        let cp = self.state.checkpoint();
        let mut sends: Vec<SendRequest> = Vec::new();
        let result = {
            let mut ctx = AppContext::new(token, &env, &mut self.state, &mut sends);
            if let Some(caller) = caller {
                ctx = ctx.called_by(caller);
            }
            f(&mut ctx)
        };
        let value = match result {
            Ok(v) => v,
            Err(e) => {
                self.state.revert(cp);
                return Err(e);
            }
        };
        let mut packets = Vec::new();
        for s in sends {
            let mut packet = Packet {
                nonce: Nonce(0),
                source_chain: self.id,
                sender: s.sender,
                destination_chain: s.destination_chain,
                receiver: s.receiver,
                options: s.options,
                payload: s.payload,
            };
            let route = keys::outbound(&packet.route().id());
            let nonce = self.state.get_u64(&route) + 1;
            self.state.put_u64(route, nonce);
            packet.nonce = Nonce(nonce);
            packets.push(packet);
        }
        Ok((value, packets))
    }

    pub(super) fn get(&self, key: &[u8]) -> u128 {
        self.state
            .get(&keys::app(&strait_devnet_api::apps::token(), key))
            .map_or(0, |v| u128::from_be_bytes(v.try_into().unwrap()))
    }

    pub(super) fn balance(&self, who: &Address32, denom: &str) -> u128 {
        self.get(&balance_key(who, denom))
    }

    pub(super) fn set_limit(
        &mut self,
        direction: Direction,
        remote: ChainId,
        denom: &str,
        cap: u128,
        refill: u128,
    ) {
        let bucket = Bucket {
            direction,
            remote,
            denom: denom.into(),
        };
        let key = keys::app(
            &strait_devnet_api::apps::token(),
            &limits::limit_key(&bucket),
        );
        self.state.put(
            key,
            LimitConfig {
                capacity: cap,
                refill_per_s: refill,
            }
            .encode(),
        );
    }

    pub(super) fn transfer(
        &mut self,
        from: Address32,
        to: Address32,
        denom: &str,
        amount: u128,
    ) -> Result<Vec<Packet>, AppCallError> {
        self.transfer_paid(from, to, denom, amount, 0)
    }

    /// A transfer paid with `gas_limit` (`[STRAIT-FEE.7]`; 0 unpaid).
    pub(super) fn transfer_paid(
        &mut self,
        from: Address32,
        to: Address32,
        denom: &str,
        amount: u128,
        gas_limit: u64,
    ) -> Result<Vec<Packet>, AppCallError> {
        let destination = if self.id == A { B } else { A };
        let call = TransferCall {
            destination,
            recipient: to,
            denom: denom.into(),
            amount,
            timeout_height: None,
            timeout_timestamp: None,
            gas_limit,
        };
        self.run(Some(from), |ctx| TokenTransfer.call(ctx, &call.encode()))
            .map(|((), p)| p)
    }

    pub(super) fn cancel(&mut self, who: Address32, qid: u64) -> Result<Vec<Packet>, AppCallError> {
        let data = [&[CALL_CANCEL][..], &qid.to_be_bytes()].concat();
        self.run(Some(who), |ctx| TokenTransfer.call(ctx, &data))
            .map(|((), p)| p)
    }

    /// Delivers `packet` as the endpoint would: held (`None`) while its topic is paused.
    pub(super) fn deliver(&mut self, packet: &Packet) -> Option<Result<Acked, AppError>> {
        let topic = TokenTransfer.topic(self.id, packet)?;
        let scope = PauseScope::App {
            app: strait_devnet_api::apps::token(),
            topic,
        };
        if self.state.get(&keys::paused(&scope)).is_some() {
            return None;
        }
        Some(self.run(None, |ctx| TokenTransfer.receive(ctx, packet)))
    }

    pub(super) fn ack(&mut self, packet: &Packet) {
        self.run(None, |ctx| TokenTransfer.on_ack(ctx, &packet.id(), b"ok"))
            .unwrap();
    }

    pub(super) fn end_block(&mut self) -> Vec<Packet> {
        self.run(None, |ctx| TokenTransfer.end_block(ctx))
            .unwrap()
            .1
    }

    fn unpause(&mut self, denom: &str) {
        let scope = PauseScope::App {
            app: strait_devnet_api::apps::token(),
            topic: denom_topic(denom),
        };
        self.state.delete(&keys::paused(&scope));
    }

    fn paused(&self, denom: &str) -> bool {
        let scope = PauseScope::App {
            app: strait_devnet_api::apps::token(),
            topic: denom_topic(denom),
        };
        self.state.get(&keys::paused(&scope)).is_some()
    }
}

fn amount_of(packet: &Packet) -> u128 {
    Transfer::decode(&packet.payload).unwrap().amount
}

/// `[STRAIT-LIMIT.5]` escrow of `sat` on A = `1/sat` outstanding on B (its supply, queued inbound
/// credits included) + in flight + queued outbound on either chain; B's supply = its balances +
/// its queued credits; A's tokens are all somewhere.
fn check(a: &Chain, b: &Chain, in_flight: &[Packet], accounts: &[Address32]) {
    let flying: u128 = in_flight.iter().map(amount_of).sum();
    let escrow = a.get(&escrow_key(NATIVE_DENOM));
    let supply = b.get(&supply_key(VOUCHER));
    let queued_out =
        a.get(&queue::queued_out_key(NATIVE_DENOM)) + b.get(&queue::queued_out_key(VOUCHER));
    assert_eq!(
        escrow,
        supply + flying + queued_out,
        "escrow = vouchers + in flight + queued"
    );
    let held: u128 = accounts.iter().map(|x| b.balance(x, VOUCHER)).sum();
    assert_eq!(
        supply,
        held + b.get(&queue::queued_in_key(VOUCHER)),
        "vouchers are held or queued"
    );
    let native: u128 = accounts.iter().map(|x| a.balance(x, NATIVE_DENOM)).sum();
    assert_eq!(
        native + escrow + a.get(&queue::queued_in_key(NATIVE_DENOM)),
        1_000_000,
        "no sat is created or lost"
    );
}

#[test]
fn over_limit_transfers_queue_and_complete_when_capacity_returns() {
    let (mut a, mut b) = (Chain::new(A), Chain::new(B));
    a.set_limit(Direction::Out, B, NATIVE_DENOM, 100, 10);
    let who = [ALICE, BOB];
    // At the capacity: sent.
    let first = a.transfer(ALICE, BOB, NATIVE_DENOM, 100).unwrap();
    assert_eq!(first.len(), 1);
    check(&a, &b, &first, &who);
    // Past it: debited and queued, nothing sent.
    assert!(a.transfer(ALICE, BOB, NATIVE_DENOM, 30).unwrap().is_empty());
    assert_eq!(a.balance(&ALICE, NATIVE_DENOM), 1_000_000 - 130);
    assert_eq!(a.get(&queue::queued_out_key(NATIVE_DENOM)), 30);
    check(&a, &b, &first, &who);
    // FIFO: a small one waits behind it even if it would fit.
    a.time_ms += 1_000;
    assert!(a.transfer(ALICE, BOB, NATIVE_DENOM, 5).unwrap().is_empty());
    assert!(a.end_block().is_empty(), "10 refilled, 30 needed");
    a.time_ms += 2_000;
    let released = a.end_block();
    assert_eq!(released.iter().map(amount_of).collect::<Vec<_>>(), [30]);
    // How it ended: released, as the very message sent.
    let end = a
        .state
        .get(&keys::app(
            &strait_devnet_api::apps::token(),
            &queue::end_key(1),
        ))
        .unwrap()
        .to_vec();
    assert_eq!(end[0], queue::END_RELEASED);
    assert_eq!(&end[1..], released[0].id().as_bytes());
    a.time_ms += 500;
    let released2 = a.end_block();
    assert_eq!(released2.iter().map(amount_of).collect::<Vec<_>>(), [5]);
    let mut flying = [first, released, released2].concat();
    check(&a, &b, &flying, &who);
    // Delivered and acknowledged: Bob holds the vouchers.
    while let Some(p) = flying.pop() {
        assert_eq!(b.deliver(&p).unwrap().unwrap().0, b"ok");
        a.ack(&p);
        check(&a, &b, &flying, &who);
    }
    assert_eq!(b.balance(&BOB, VOUCHER), 135);
    assert!(queue_probe::active_is_empty(&a));
    // A transfer larger than the capacity passes once the bucket is full, and never waits forever.
    a.time_ms += 100_000;
    assert_eq!(a.transfer(ALICE, BOB, NATIVE_DENOM, 101).unwrap().len(), 1);
    assert!(a.transfer(ALICE, BOB, NATIVE_DENOM, 1).unwrap().is_empty());
}

#[test]
fn cancel_refunds_exactly_once_and_only_its_owner_cancels() {
    let (mut a, b) = (Chain::new(A), Chain::new(B));
    a.set_limit(Direction::Out, B, NATIVE_DENOM, 10, 1);
    let sent = a.transfer(ALICE, BOB, NATIVE_DENOM, 10).unwrap();
    assert!(a.transfer(ALICE, BOB, NATIVE_DENOM, 20).unwrap().is_empty());
    let qid = a.get_u64(queue::NEXT_KEY);
    check(&a, &b, &sent, &[ALICE, BOB]);
    let refused = a.cancel(MALLORY, qid).unwrap_err();
    assert!(matches!(
        refused,
        AppCallError::Refused(AppError {
            code: queue::NOT_OWNER,
            ..
        })
    ));
    a.cancel(ALICE, qid).unwrap();
    assert_eq!(a.balance(&ALICE, NATIVE_DENOM), 1_000_000 - 10);
    assert_eq!(a.get(&escrow_key(NATIVE_DENOM)), 10);
    check(&a, &b, &sent, &[ALICE, BOB]);
    // Not twice, and the queue does not release it afterwards.
    let again = a.cancel(ALICE, qid).unwrap_err();
    assert!(matches!(
        again,
        AppCallError::Refused(AppError {
            code: queue::NOT_QUEUED,
            ..
        })
    ));
    a.time_ms += 1_000_000;
    assert!(a.end_block().is_empty());
    assert_eq!(a.balance(&ALICE, NATIVE_DENOM), 1_000_000 - 10);
    // A released item cannot be cancelled (drained once).
    assert!(a.transfer(ALICE, BOB, NATIVE_DENOM, 10).unwrap().len() == 1);
    assert!(a.transfer(ALICE, BOB, NATIVE_DENOM, 10).unwrap().is_empty());
    let qid = a.get_u64(queue::NEXT_KEY);
    a.time_ms += 10_000;
    assert_eq!(a.end_block().len(), 1);
    assert!(a.end_block().is_empty());
    assert!(a.cancel(ALICE, qid).is_err());
}

#[test]
fn inbound_credits_queue_and_their_recipient_may_send_them_back() {
    let (mut a, mut b) = (Chain::new(A), Chain::new(B));
    b.set_limit(Direction::In, A, VOUCHER, 50, 10);
    let who = [ALICE, BOB];
    let mut flying = a.transfer(ALICE, BOB, NATIVE_DENOM, 50).unwrap();
    flying.extend(a.transfer(ALICE, BOB, NATIVE_DENOM, 40).unwrap());
    flying.extend(a.transfer(ALICE, BOB, NATIVE_DENOM, 30).unwrap());
    check(&a, &b, &flying, &who);
    let p = flying.remove(0);
    assert_eq!(b.deliver(&p).unwrap().unwrap().0, b"ok");
    a.ack(&p);
    // Over the inbound limit: received and acknowledged, the credit queued.
    let p = flying.remove(0);
    let (ack, _) = b.deliver(&p).unwrap().unwrap();
    assert!(ack.starts_with(b"queued"));
    a.ack(&p);
    let queued_40 = u64::from_be_bytes(ack[6..].try_into().unwrap());
    let p = flying.remove(0);
    let (ack, _) = b.deliver(&p).unwrap().unwrap();
    let queued_30 = u64::from_be_bytes(ack[6..].try_into().unwrap());
    a.ack(&p);
    assert_eq!(b.balance(&BOB, VOUCHER), 50);
    check(&a, &b, &flying, &who);
    // Bob refuses the 30: it goes back to Alice as a return transfer.
    assert!(
        b.cancel(ALICE, queued_30).is_err(),
        "only the recipient refuses a credit"
    );
    let back = b.cancel(BOB, queued_30).unwrap();
    assert_eq!(back.len(), 1);
    check(&a, &b, &back, &who);
    assert_eq!(a.deliver(&back[0]).unwrap().unwrap().0, b"ok");
    b.ack(&back[0]);
    check(&a, &b, &[], &who);
    assert_eq!(a.balance(&ALICE, NATIVE_DENOM), 1_000_000 - 90);
    // The 40 is credited when capacity returns.
    b.time_ms += 3_000;
    assert!(b.end_block().is_empty());
    assert_eq!(b.balance(&BOB, VOUCHER), 50);
    b.time_ms += 1_000;
    assert!(b.end_block().is_empty());
    assert_eq!(b.balance(&BOB, VOUCHER), 90);
    assert!(b.cancel(BOB, queued_40).is_err(), "credited once");
    check(&a, &b, &[], &who);
}

#[test]
fn end_block_work_is_bounded() {
    let (mut a, b) = (Chain::new(A), Chain::new(B));
    a.set_limit(Direction::Out, B, NATIVE_DENOM, 1, 1_000);
    assert_eq!(a.transfer(ALICE, BOB, NATIVE_DENOM, 1).unwrap().len(), 1);
    let n = MAX_RELEASES_PER_BLOCK + 8;
    for _ in 0..n {
        assert!(a.transfer(ALICE, BOB, NATIVE_DENOM, 1).unwrap().is_empty());
    }
    a.set_limit(Direction::Out, B, NATIVE_DENOM, 1_000, 1_000);
    a.time_ms += 1_000;
    assert_eq!(a.end_block().len(), MAX_RELEASES_PER_BLOCK);
    assert_eq!(a.end_block().len(), 8);
    assert!(a.end_block().is_empty());
    // Cancelled items cost a step each: past the step bound, the rest waits a block.
    a.set_limit(Direction::Out, B, NATIVE_DENOM, 1, 0);
    assert_eq!(a.transfer(ALICE, BOB, NATIVE_DENOM, 1).unwrap().len(), 1);
    let first = a.get_u64(queue::NEXT_KEY) + 1;
    for _ in 0..=MAX_QUEUE_STEPS_PER_BLOCK {
        assert!(a.transfer(ALICE, BOB, NATIVE_DENOM, 1).unwrap().is_empty());
    }
    for qid in first..first + MAX_QUEUE_STEPS_PER_BLOCK as u64 {
        a.cancel(ALICE, qid).unwrap();
    }
    a.set_limit(Direction::Out, B, NATIVE_DENOM, 1_000, 1_000);
    a.time_ms += 1_000;
    assert!(
        a.end_block().is_empty(),
        "{MAX_QUEUE_STEPS_PER_BLOCK} steps spent on cancelled items"
    );
    assert_eq!(a.end_block().len(), 1);
    let _ = b;
}

#[test]
fn a_paused_token_neither_leaves_nor_arrives_and_nothing_is_lost() {
    let (mut a, mut b) = (Chain::new(A), Chain::new(B));
    let who = [ALICE, BOB];
    let flying = a.transfer(ALICE, BOB, NATIVE_DENOM, 70).unwrap();
    // The guardians pause 1/sat on B: its deliveries wait.
    let scope = PauseScope::App {
        app: strait_devnet_api::apps::token(),
        topic: denom_topic(VOUCHER),
    };
    b.state.put(keys::paused(&scope), vec![1]);
    assert!(b.deliver(&flying[0]).is_none());
    check(&a, &b, &flying, &who);
    // And on A, sat neither leaves nor is released from its queue.
    a.set_limit(Direction::Out, B, NATIVE_DENOM, 100, 100);
    let flying = [flying, a.transfer(ALICE, BOB, NATIVE_DENOM, 100).unwrap()].concat();
    assert!(a.transfer(ALICE, BOB, NATIVE_DENOM, 80).unwrap().is_empty());
    let scope_a = PauseScope::App {
        app: strait_devnet_api::apps::token(),
        topic: denom_topic(NATIVE_DENOM),
    };
    a.state.put(keys::paused(&scope_a), vec![1]);
    let refused = a.transfer(ALICE, BOB, NATIVE_DENOM, 1).unwrap_err();
    assert!(matches!(
        refused,
        AppCallError::Refused(AppError {
            code: TOKEN_PAUSED,
            ..
        })
    ));
    a.time_ms += 10_000;
    assert!(a.end_block().is_empty());
    check(&a, &b, &flying, &who);
    // Unpaused: all completes.
    a.unpause(NATIVE_DENOM);
    b.unpause(VOUCHER);
    let mut flying = [flying, a.end_block()].concat();
    assert_eq!(flying.len(), 3);
    while let Some(p) = flying.pop() {
        b.deliver(&p).unwrap().unwrap();
        a.ack(&p);
        check(&a, &b, &flying, &who);
    }
    assert_eq!(b.balance(&BOB, VOUCHER), 250);
}

#[test]
fn the_anomaly_breaker_trips_on_outflow_and_nothing_is_lost() {
    let (mut a, mut b) = (Chain::new(A), Chain::new(B));
    let who = [ALICE, BOB];
    let rule = AnomalyRule {
        window_ms: 60_000,
        max_outflow_bps: 5_000,
    };
    a.state.put(
        keys::app(&strait_devnet_api::apps::token(), limits::ANOMALY_RULE_KEY),
        rule.encode(),
    );
    let flying = a.transfer(ALICE, BOB, NATIVE_DENOM, 1_000).unwrap();
    b.deliver(&flying[0]).unwrap().unwrap();
    a.ack(&flying[0]);
    // A new window starts with 1,000 in escrow; Bob returns 500 (at the bound), then 1 more.
    a.time_ms += 60_000;
    let back = b.transfer(BOB, ALICE, VOUCHER, 500).unwrap();
    assert_eq!(a.deliver(&back[0]).unwrap().unwrap().0, b"ok");
    b.ack(&back[0]);
    assert!(!a.paused(NATIVE_DENOM));
    check(&a, &b, &[], &who);
    let mut back = b.transfer(BOB, ALICE, VOUCHER, 1).unwrap();
    back.extend(b.transfer(BOB, ALICE, VOUCHER, 2).unwrap());
    check(&a, &b, &back, &who);
    // The trip: the 501st leaves the escrow, its credit is held, sat is paused.
    let (ack, _) = a.deliver(&back[0]).unwrap().unwrap();
    assert!(ack.starts_with(b"queued"));
    b.ack(&back[0]);
    assert!(a.paused(NATIVE_DENOM));
    assert!(a
        .state
        .get(&keys::app(
            &strait_devnet_api::apps::token(),
            &limits::trip_key(NATIVE_DENOM)
        ))
        .is_some());
    let rest = back.split_off(1);
    check(&a, &b, &rest, &who);
    // Nothing more of it moves: the next return waits, the held credit stays, sends refused.
    assert!(a.deliver(&rest[0]).is_none());
    a.time_ms += 1_000;
    assert!(a.end_block().is_empty());
    assert!(a.transfer(ALICE, BOB, NATIVE_DENOM, 1).is_err());
    check(&a, &b, &rest, &who);
    // The guardians unpause: all completes.
    a.unpause(NATIVE_DENOM);
    assert!(a.end_block().is_empty());
    assert_eq!(a.balance(&ALICE, NATIVE_DENOM), 1_000_000 - 1_000 + 501);
    a.deliver(&rest[0]).unwrap().unwrap();
    b.ack(&rest[0]);
    check(&a, &b, &[], &who);
    assert_eq!(a.balance(&ALICE, NATIVE_DENOM), 1_000_000 - 1_000 + 503);
}

#[test]
fn limits_change_only_with_guardian_approvals() {
    let mut a = Chain::new(A);
    let bucket = Bucket {
        direction: Direction::Out,
        remote: B,
        denom: NATIVE_DENOM.into(),
    };
    let limit = LimitConfig {
        capacity: 5,
        refill_per_s: 1,
    };
    let call = |counter: u64, signers: &[usize]| {
        let digest = limit_digest(A, &bucket, &limit, counter);
        SetLimitCall {
            bucket: bucket.clone(),
            limit,
            approvals: crate::guardians::guardian_approvals(signers, &digest),
        }
        .encode()
    };
    let two = call(0, &[0, 1]);
    assert!(a
        .run(Some(ALICE), |ctx| TokenTransfer.call(ctx, &two))
        .is_err());
    let three = call(0, &[0, 2, 4]);
    assert_eq!(SetLimitCall::decode(&three).unwrap().approvals.len(), 3);
    a.run(Some(ALICE), |ctx| TokenTransfer.call(ctx, &three))
        .unwrap();
    // Single-use: replaying the approvals fails (the counter moved).
    assert!(a
        .run(Some(ALICE), |ctx| TokenTransfer.call(ctx, &three))
        .is_err());
    assert_eq!(a.transfer(ALICE, BOB, NATIVE_DENOM, 5).unwrap().len(), 1);
    assert!(a.transfer(ALICE, BOB, NATIVE_DENOM, 1).unwrap().is_empty());
    // The anomaly rule too: three approvals over the next counter.
    let rule = limits::SUGGESTED_ANOMALY;
    let anomaly = |counter: u64, signers: &[usize]| {
        let digest = anomaly_digest(A, &rule, counter);
        SetAnomalyCall {
            rule,
            approvals: crate::guardians::guardian_approvals(signers, &digest),
        }
        .encode()
    };
    let two = anomaly(1, &[1, 3]);
    assert!(a
        .run(Some(ALICE), |ctx| TokenTransfer.call(ctx, &two))
        .is_err());
    let stale = anomaly(0, &[1, 2, 3]);
    assert!(a
        .run(Some(ALICE), |ctx| TokenTransfer.call(ctx, &stale))
        .is_err());
    let three = anomaly(1, &[1, 2, 3]);
    assert_eq!(SetAnomalyCall::decode(&three).unwrap().rule, rule);
    a.run(Some(ALICE), |ctx| TokenTransfer.call(ctx, &three))
        .unwrap();
    assert_eq!(
        a.state
            .get(&keys::app(
                &strait_devnet_api::apps::token(),
                limits::ANOMALY_RULE_KEY
            ))
            .and_then(AnomalyRule::decode),
        Some(rule)
    );
}

#[test]
fn the_devnet_anomaly_rule_never_trips_and_a_refunded_lock_nets_to_nothing() {
    let (mut a, b) = (Chain::new(A), Chain::new(B));
    // Genesis' rule is off: even the whole escrow leaving does not trip it.
    let sent = a.transfer(ALICE, BOB, NATIVE_DENOM, 1_000).unwrap();
    a.time_ms += 3_600_000;
    a.run(None, |ctx| TokenTransfer.on_timeout(ctx, &sent[0].id()))
        .unwrap();
    assert!(!a.paused(NATIVE_DENOM));
    check(&a, &b, &[], &[ALICE, BOB]);
    // With a rule, a lock and its refund in one window net to nothing: no trip.
    a.state.put(
        keys::app(&strait_devnet_api::apps::token(), limits::ANOMALY_RULE_KEY),
        AnomalyRule {
            window_ms: 60_000,
            max_outflow_bps: 1,
        }
        .encode(),
    );
    a.time_ms += 60_000;
    let sent = a.transfer(ALICE, BOB, NATIVE_DENOM, 500).unwrap();
    a.run(None, |ctx| TokenTransfer.on_timeout(ctx, &sent[0].id()))
        .unwrap();
    assert!(!a.paused(NATIVE_DENOM));
    assert_eq!(a.balance(&ALICE, NATIVE_DENOM), 1_000_000);
}

impl Chain {
    fn get_u64(&self, key: &[u8]) -> u64 {
        self.state
            .get_u64(&keys::app(&strait_devnet_api::apps::token(), key))
    }
}

mod queue_probe {
    use super::*;
    pub fn active_is_empty(c: &Chain) -> bool {
        c.state
            .get(&keys::app(
                &strait_devnet_api::apps::token(),
                queue::ACTIVE_KEY,
            ))
            .is_none()
    }
}

/// A transfer of a token paused after the endpoint checked it (a batch checked before its
/// execution tripped the breaker) still executes, but its credit is held until the unpause.
#[test]
fn a_transfer_executed_while_its_token_is_paused_has_its_credit_held() {
    let (mut a, mut b) = (Chain::new(A), Chain::new(B));
    let flying = a.transfer(ALICE, BOB, NATIVE_DENOM, 40).unwrap();
    let scope = PauseScope::App {
        app: strait_devnet_api::apps::token(),
        topic: denom_topic(VOUCHER),
    };
    b.state.put(keys::paused(&scope), vec![1]);
    let (ack, _) = b
        .run(None, |ctx| TokenTransfer.receive(ctx, &flying[0]))
        .unwrap();
    assert!(ack.starts_with(b"queued"));
    assert_eq!(b.balance(&BOB, VOUCHER), 0);
    check(&a, &b, &[], &[ALICE, BOB]);
    b.time_ms += 1_000;
    assert!(b.end_block().is_empty());
    assert_eq!(b.balance(&BOB, VOUCHER), 0, "held while paused");
    b.unpause(VOUCHER);
    b.end_block();
    assert_eq!(b.balance(&BOB, VOUCHER), 40);
    check(&a, &b, &[], &[ALICE, BOB]);
}

/// A queued transfer whose destination stopped being a remote chain is refunded at release
/// instead of failing every end of block (and with it every other queue).
#[test]
fn a_queued_transfer_to_a_chain_no_longer_remote_is_refunded_not_stuck() {
    let (mut a, b) = (Chain::new(A), Chain::new(B));
    a.set_limit(Direction::Out, B, NATIVE_DENOM, 10, 10);
    assert_eq!(a.transfer(ALICE, BOB, NATIVE_DENOM, 10).unwrap().len(), 1);
    assert!(a.transfer(ALICE, BOB, NATIVE_DENOM, 7).unwrap().is_empty());
    let qid = a.get_u64(queue::NEXT_KEY);
    a.remotes = BTreeSet::from([A]);
    // Refused before it can queue.
    assert!(a.transfer(ALICE, BOB, NATIVE_DENOM, 1).is_err());
    a.time_ms += 10_000;
    assert!(a.end_block().is_empty());
    assert_eq!(a.balance(&ALICE, NATIVE_DENOM), 1_000_000 - 10);
    assert_eq!(
        a.state.get(&keys::app(
            &strait_devnet_api::apps::token(),
            &queue::end_key(qid)
        )),
        Some(&[queue::END_REFUNDED][..])
    );
    let _ = b;
}
