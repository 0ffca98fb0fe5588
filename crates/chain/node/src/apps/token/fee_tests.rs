//! Paid token transfers (`[STRAIT-FEE.7]`, `[STRAIT-FEE.10]`): the quote taken from the caller's
//! `sat` with the transfer, locked under the message, or held under the queue id while the
//! transfer waits and moved to the message at its release; a cancel refunds both; a caller who
//! cannot pay moves nothing. After every step `sat` is conserved exactly: balances + fee escrow
//! + token escrow + queued (the harness takes no transaction fees).

use strait_packet::Packet;
use strait_primitives::Address32;

use super::limit_tests::{Chain, A, ALICE, B, BOB};
use super::limits::Direction;
use super::queue;
use super::*;
use crate::fees::message::{self, FeeLock, MessageFees};
use crate::fees::{fee_escrow, native_balance};

const GAS: u64 = 50_000;
const GENESIS: u128 = 1_000_000;

fn token() -> Address32 {
    strait_devnet_api::apps::token()
}

/// A chain whose oracle quotes its peer with the devnet's fees.
fn paying_chain() -> Chain {
    let mut a = Chain::new(A);
    message::set_oracle(&mut a.state, B, &MessageFees::DEVNET);
    a
}

/// The quote of one transfer of `sat` ([`Transfer::encode`] of a 3-byte denom: 85 bytes).
fn quote() -> message::Quote {
    MessageFees::DEVNET.quote(GAS, 2 + 3 + 16 + 64)
}

fn escrowed_fees(a: &Chain) -> u128 {
    native_balance(&a.state, &fee_escrow())
}

/// Every `sat` of chain A is somewhere: Alice's and Bob's balances, the fee escrow (locked and
/// held payments), the token escrow (which counts queued outbound transfers), the three relayers'
/// earnings.
fn conserved(a: &Chain, others: &[Address32]) {
    let held: u128 = [ALICE, BOB]
        .iter()
        .chain(others)
        .map(|x| a.balance(x, NATIVE_DENOM))
        .sum();
    assert_eq!(
        held + escrowed_fees(a) + a.get(&escrow_key(NATIVE_DENOM)),
        GENESIS,
        "no sat is created or lost"
    );
}

fn set_balance(a: &mut Chain, who: &Address32, amount: u128) {
    a.state.put(
        crate::state::keys::app(&token(), &balance_key(who, NATIVE_DENOM)),
        amount.to_be_bytes().to_vec(),
    );
}

/// What a refused call must leave as it was: balances, escrows, queued totals, the number of
/// keys, and the write log (a refused call's writes are all reverted).
fn snapshot(a: &Chain) -> [u128; 7] {
    [
        a.balance(&ALICE, NATIVE_DENOM),
        a.balance(&BOB, NATIVE_DENOM),
        escrowed_fees(a),
        a.get(&escrow_key(NATIVE_DENOM)),
        a.get(&queue::queued_out_key(NATIVE_DENOM)),
        a.state.count_prefix(b"") as u128,
        a.state.checkpoint() as u128,
    ]
}

fn one(packets: Vec<Packet>) -> Packet {
    assert_eq!(packets.len(), 1);
    packets.into_iter().next().unwrap()
}

#[test]
fn a_paid_transfer_locks_its_quote_and_is_split_exactly_on_each_outcome() {
    let q = quote();
    assert_eq!(q.total, 2_000 + 85 + 50_000 + 1_000);
    let (deliverer, relayer) = (Address32([0xd1; 32]), Address32([0xe1; 32]));
    let gas_used = 12_345;
    for outcome in ["ack", "failure", "timeout"] {
        let mut a = paying_chain();
        let p = one(a.transfer_paid(ALICE, BOB, NATIVE_DENOM, 700, GAS).unwrap());
        // [STRAIT-FEE.7] locked at send, under the message, from the caller.
        assert_eq!(a.balance(&ALICE, NATIVE_DENOM), GENESIS - 700 - q.total);
        assert_eq!(escrowed_fees(&a), q.total);
        let lock = message::locked(&a.state, &p.id()).expect("locked");
        assert_eq!((lock.payer, lock.gas_limit, lock.quote), (ALICE, GAS, q));
        conserved(&a, &[]);
        // The outcome: the token app's callback, then the endpoint's split (`[STRAIT-FEE.8]`).
        a.run(None, |ctx| match outcome {
            "ack" => TokenTransfer.on_ack(ctx, &p.id(), b"ok"),
            "failure" => TokenTransfer.on_failure(ctx, &p.id(), &err(BAD_RECIPIENT, "zero")),
            _ => TokenTransfer.on_timeout(ctx, &p.id()),
        })
        .unwrap();
        let used = if outcome == "timeout" { 0 } else { gas_used };
        let paid = message::settle(&mut a.state, &p.id(), &deliverer, used, &relayer).unwrap();
        let to_deliverer = q.delivery + u128::from(used);
        assert_eq!(paid.to_deliverer, to_deliverer);
        assert_eq!(paid.to_ack_relayer, q.ack);
        assert_eq!(paid.refunded, q.total - to_deliverer - q.ack);
        let transfer_back = if outcome == "ack" { 0 } else { 700 };
        assert_eq!(
            a.balance(&ALICE, NATIVE_DENOM),
            GENESIS - 700 + transfer_back - to_deliverer - q.ack,
            "{outcome}"
        );
        assert_eq!(a.balance(&deliverer, NATIVE_DENOM), to_deliverer);
        assert_eq!(a.balance(&relayer, NATIVE_DENOM), q.ack);
        assert_eq!(escrowed_fees(&a), 0);
        assert_eq!(message::locked(&a.state, &p.id()), None);
        conserved(&a, &[deliverer, relayer]);
        // Split once: a second settlement pays nothing.
        assert_eq!(
            message::settle(&mut a.state, &p.id(), &deliverer, used, &relayer),
            None
        );
    }
}

#[test]
fn a_caller_who_cannot_pay_the_quote_fails_with_nothing_moved_at_and_past_the_bound() {
    let total = quote().total;
    // At the bound: the amount and the quote exactly.
    let mut a = paying_chain();
    set_balance(&mut a, &ALICE, GENESIS);
    let p = one(a
        .transfer_paid(ALICE, BOB, NATIVE_DENOM, GENESIS - total, GAS)
        .unwrap());
    assert_eq!(a.balance(&ALICE, NATIVE_DENOM), 0);
    assert_eq!(
        message::locked(&a.state, &p.id()).unwrap().quote.total,
        total
    );
    conserved(&a, &[]);
    // Past it by one: refused, nothing debited, escrowed, locked or sent.
    let mut a = paying_chain();
    let before = snapshot(&a);
    let error = a
        .transfer_paid(ALICE, BOB, NATIVE_DENOM, GENESIS - total + 1, GAS)
        .unwrap_err();
    match error {
        AppCallError::Refused(e) => assert_eq!(e.code, crate::apps::context::FEE_UNPAID),
        other => panic!("{other:?}"),
    }
    assert_eq!(snapshot(&a), before);
    // The same transfer unpaid goes.
    assert_eq!(
        a.transfer_paid(ALICE, BOB, NATIVE_DENOM, GENESIS - total + 1, 0)
            .unwrap()
            .len(),
        1
    );
    // A chain with no oracle entry for the destination refuses a paid transfer.
    let mut a = Chain::new(A);
    let before = snapshot(&a);
    assert!(a.transfer_paid(ALICE, BOB, NATIVE_DENOM, 1, GAS).is_err());
    assert_eq!(snapshot(&a), before);
}

fn queue_one(a: &mut Chain) -> (Packet, FeeLock) {
    a.set_limit(Direction::Out, B, NATIVE_DENOM, 100, 10);
    let first = one(a.transfer(ALICE, BOB, NATIVE_DENOM, 100).unwrap());
    // Over the limit: queued as 1, the transfer and its payment both taken now.
    assert!(a
        .transfer_paid(ALICE, BOB, NATIVE_DENOM, 30, GAS)
        .unwrap()
        .is_empty());
    let q = quote();
    assert_eq!(a.balance(&ALICE, NATIVE_DENOM), GENESIS - 130 - q.total);
    assert_eq!(escrowed_fees(a), q.total);
    let held = message::held(&a.state, &token(), 1).expect("held under the queue id");
    assert_eq!((held.payer, held.quote), (ALICE, q));
    conserved(a, &[]);
    (first, held)
}

#[test]
fn a_queued_paid_transfer_holds_its_payment_and_pays_with_it_at_release() {
    let mut a = paying_chain();
    let (_, held) = queue_one(&mut a);
    // An oracle change while it waits does not touch the held payment.
    message::set_oracle(
        &mut a.state,
        B,
        &MessageFees {
            gas_price: 7,
            ..MessageFees::DEVNET
        },
    );
    a.time_ms += 3_000;
    let released = one(a.end_block());
    assert_eq!(Transfer::decode(&released.payload).unwrap().amount, 30);
    // Moved to the message, nothing debited again.
    assert_eq!(message::held(&a.state, &token(), 1), None);
    assert_eq!(message::locked(&a.state, &released.id()), Some(held));
    assert_eq!(
        a.balance(&ALICE, NATIVE_DENOM),
        GENESIS - 130 - held.quote.total
    );
    assert_eq!(escrowed_fees(&a), held.quote.total);
    conserved(&a, &[]);
    // And it is split on the outcome as if locked at the send.
    let relayer = Address32([0xe1; 32]);
    a.run(None, |ctx| TokenTransfer.on_ack(ctx, &released.id(), b"ok"))
        .unwrap();
    let paid = message::settle(&mut a.state, &released.id(), &relayer, 0, &relayer).unwrap();
    assert_eq!(paid.refunded, held.quote.gas);
    assert_eq!(escrowed_fees(&a), 0);
    conserved(&a, &[relayer]);
}

#[test]
fn a_cancelled_paid_transfer_refunds_the_transfer_and_its_payment_exactly_once() {
    let mut a = paying_chain();
    queue_one(&mut a);
    // Only its owner cancels; a refused cancel moves nothing.
    let before = snapshot(&a);
    assert!(a.cancel(BOB, 1).is_err());
    assert_eq!(snapshot(&a), before);
    assert!(a.cancel(ALICE, 1).unwrap().is_empty());
    assert_eq!(a.balance(&ALICE, NATIVE_DENOM), GENESIS - 100);
    assert_eq!(escrowed_fees(&a), 0);
    assert_eq!(message::held(&a.state, &token(), 1), None);
    conserved(&a, &[]);
    // Exactly once.
    let before = snapshot(&a);
    assert!(a.cancel(ALICE, 1).is_err());
    assert_eq!(snapshot(&a), before);
    // Nothing is released later for it.
    a.time_ms += 100_000;
    assert!(a.end_block().is_empty());
    assert_eq!(a.get(&queue::queued_out_key(NATIVE_DENOM)), 0);
}

#[test]
fn a_queued_transfer_that_cannot_be_paid_is_not_queued() {
    let mut a = paying_chain();
    a.set_limit(Direction::Out, B, NATIVE_DENOM, 100, 10);
    one(a.transfer(ALICE, BOB, NATIVE_DENOM, 100).unwrap());
    let left = a.balance(&ALICE, NATIVE_DENOM);
    let total = quote().total;
    let before = snapshot(&a);
    // One short of the amount plus the quote: refused, nothing queued, nothing taken.
    assert!(a
        .transfer_paid(ALICE, BOB, NATIVE_DENOM, left - total + 1, GAS)
        .is_err());
    assert_eq!(snapshot(&a), before);
    // At the bound: queued, Alice left with nothing.
    assert!(a
        .transfer_paid(ALICE, BOB, NATIVE_DENOM, left - total, GAS)
        .unwrap()
        .is_empty());
    assert_eq!(a.balance(&ALICE, NATIVE_DENOM), 0);
    conserved(&a, &[]);
}

#[test]
fn a_queued_paid_transfer_to_a_chain_no_longer_remote_is_refunded_with_its_payment() {
    let mut a = paying_chain();
    queue_one(&mut a);
    a.remotes.remove(&B);
    a.time_ms += 3_000;
    assert!(a.end_block().is_empty());
    assert_eq!(a.balance(&ALICE, NATIVE_DENOM), GENESIS - 100);
    assert_eq!(escrowed_fees(&a), 0);
    assert_eq!(message::held(&a.state, &token(), 1), None);
    conserved(&a, &[]);
}

#[test]
fn a_hold_is_never_overwritten_and_attaches_once() {
    let mut state = crate::state::State::default();
    message::set_oracle(&mut state, B, &MessageFees::DEVNET);
    crate::fees::fund(&mut state, &ALICE, 1_000_000);
    let t = token();
    let lock = message::hold(&mut state, &t, 9, &ALICE, B, GAS, 85)
        .unwrap()
        .unwrap();
    let before = (state.checkpoint(), native_balance(&state, &ALICE));
    assert_eq!(
        message::hold(&mut state, &t, 9, &ALICE, B, GAS, 85),
        Err(crate::fees::FeeError::HoldInUse(9))
    );
    assert_eq!((state.checkpoint(), native_balance(&state, &ALICE)), before);
    let id = strait_primitives::MessageId([7; 32]);
    assert_eq!(message::attach(&mut state, &t, 9, &id), Ok(Some(lock)));
    assert_eq!(message::attach(&mut state, &t, 9, &id), Ok(None));
    assert_eq!(message::release_hold(&mut state, &t, 9), Ok(0));
    assert_eq!(message::locked(&state, &id), Some(lock));
}
