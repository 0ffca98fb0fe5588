//! Recovery of failed execution (`[STRAIT-RETRY.*]`): retried after a fix, finalized by the
//! receiver or by anyone after the window, a poison message ending; one final outcome, sent back
//! once.

use std::cell::Cell;
use std::rc::Rc;

use strait_endpoint::retry::{MAX_ATTEMPTS, RETRY_WINDOW_MS};
use strait_endpoint::settle::decode_outcome_payload;
use strait_endpoint::*;
use strait_packet::DeliveryOptions;
use strait_primitives::{Address32, Timestamp};

use crate::*;

const FLAKY: Address32 = Address32([0xf1; 32]);

/// A net whose FLAKY app fails while `broken` is set.
fn flaky_net() -> (Net, Rc<Cell<bool>>) {
    let mut n = net();
    let broken = Rc::new(Cell::new(true));
    let flag = broken.clone();
    n.b.install_app(
        FLAKY,
        Box::new(move |_| {
            if flag.get() {
                Err(AppError {
                    code: 9,
                    reason: "not yet".into(),
                })
            } else {
                Ok(b"fixed".to_vec())
            }
        }),
    );
    (n, broken)
}

fn outcomes_sent(n: &Net) -> Vec<(strait_primitives::MessageId, Outcome)> {
    n.b.events
        .iter()
        .filter_map(|e| match e {
            EndpointEvent::Sent { packet, .. } => Some(
                decode_outcome_payload(&strait_packet::Packet::decode(packet).unwrap().payload)
                    .unwrap()
                    .entries,
            ),
            _ => None,
        })
        .flatten()
        .map(|e| (e.id, e.outcome))
        .collect()
}

#[test]
fn a_failed_message_retried_after_a_fix_executes_once_and_its_outcome_goes_back_once() {
    let (mut n, broken) = flaky_net();
    let sent = n.send(FLAKY, DeliveryOptions::default(), b"x");
    n.relay_root();
    let first = n.deliver(&sent).unwrap();
    assert!(matches!(
        first.outcome,
        Outcome::Failed(AppError { code: 9, .. })
    ));
    assert_eq!(n.b.failed[&sent.id].attempts, 1);
    assert!(
        outcomes_sent(&n).is_empty(),
        "not final: nothing goes back yet"
    );
    // Still broken: one more attempt, nothing final.
    let again = retry(&mut n.b, &sent.packet).unwrap();
    assert!(matches!(again.outcome, Outcome::Failed(_)));
    assert_eq!(n.b.failed[&sent.id].attempts, 2);
    // Fixed: executes, final, the outcome goes back.
    broken.set(false);
    let fixed = retry(&mut n.b, &sent.packet).unwrap();
    assert_eq!(
        fixed.outcome,
        Outcome::Executed {
            ack: b"fixed".to_vec()
        }
    );
    assert_eq!(n.b.receipts[&sent.id], fixed);
    assert!(n.b.failed.is_empty());
    assert_eq!(outcomes_sent(&n), vec![(sent.id, fixed.outcome.clone())]);
    assert!(n
        .b
        .events
        .contains(&EndpointEvent::Finalized(fixed.clone())));
    // Final: no retry, no finalization, no second delivery.
    assert_eq!(
        retry(&mut n.b, &sent.packet),
        Err(RetryError::NotRetryable(sent.id))
    );
    assert_eq!(
        finalize_failed(&mut n.b, &sent.packet, &FLAKY),
        Err(RetryError::NotRetryable(sent.id))
    );
    assert!(matches!(
        n.deliver(&sent),
        Err(ReceiveError::AlreadyReceived { .. })
    ));
    assert_eq!(outcomes_sent(&n).len(), 1);
}

#[test]
fn anyone_finalizes_after_the_window_and_the_receiver_before_it() {
    let (mut n, _) = flaky_net();
    let sent = n.send(FLAKY, DeliveryOptions::default(), b"x");
    n.relay_root();
    n.b.timestamp = Timestamp(1_000);
    n.deliver(&sent).unwrap();
    let stranger = Address32([0x51; 32]);
    let until = Timestamp(1_000 + RETRY_WINDOW_MS);
    n.b.timestamp = Timestamp(until.get() - 1);
    assert_eq!(
        finalize_failed(&mut n.b, &sent.packet, &stranger),
        Err(RetryError::WindowOpen { id: sent.id, until })
    );
    assert!(outcomes_sent(&n).is_empty());
    n.b.timestamp = until;
    let last = finalize_failed(&mut n.b, &sent.packet, &stranger).unwrap();
    let failure = Outcome::Failed(AppError {
        code: 9,
        reason: "not yet".into(),
    });
    assert_eq!(last.outcome, failure);
    assert_eq!(outcomes_sent(&n), vec![(sent.id, failure)]);
    assert_eq!(
        finalize_failed(&mut n.b, &sent.packet, &FLAKY),
        Err(RetryError::NotRetryable(sent.id))
    );
}

#[test]
fn a_poison_message_ends_failed_after_the_last_attempt() {
    let (mut n, _) = flaky_net();
    let sent = n.send(FLAKY, DeliveryOptions::default(), b"x");
    n.relay_root();
    n.deliver(&sent).unwrap();
    for attempt in 2..MAX_ATTEMPTS {
        retry(&mut n.b, &sent.packet).unwrap();
        assert_eq!(n.b.failed[&sent.id].attempts, attempt);
        assert!(outcomes_sent(&n).is_empty());
    }
    let last = retry(&mut n.b, &sent.packet).unwrap();
    assert!(matches!(last.outcome, Outcome::Failed(_)));
    assert!(n.b.failed.is_empty());
    assert_eq!(outcomes_sent(&n), vec![(sent.id, last.outcome)]);
    assert_eq!(
        retry(&mut n.b, &sent.packet),
        Err(RetryError::NotRetryable(sent.id))
    );
}

#[test]
fn only_a_failed_message_itself_can_be_retried() {
    let (mut n, _) = flaky_net();
    let sent = n.send(FLAKY, DeliveryOptions::default(), b"x");
    let executed = n.send(COUNTER, DeliveryOptions::default(), b"y");
    n.relay_root();
    // Never received here: nothing to retry.
    assert_eq!(
        retry(&mut n.b, &sent.packet),
        Err(RetryError::NotRetryable(sent.id))
    );
    n.deliver(&sent).unwrap();
    n.deliver(&executed).unwrap();
    // An executed message, or a packet that is not the failed one, is not retryable.
    assert!(matches!(
        retry(&mut n.b, &executed.packet),
        Err(RetryError::NotRetryable(_))
    ));
    let mut other = sent.packet.clone();
    other.payload = b"z".to_vec();
    assert!(matches!(
        retry(&mut n.b, &other),
        Err(RetryError::NotRetryable(_))
    ));
    assert_eq!(n.b.failed[&sent.id].attempts, 1);
}
