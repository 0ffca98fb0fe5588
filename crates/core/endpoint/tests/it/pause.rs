//! The circuit breaker (`[STRAIT-PAUSE.*]`): while paused, nothing executes and nothing is lost.

use strait_endpoint::*;
use strait_packet::DeliveryOptions;

use crate::*;

#[test]
fn a_paused_route_executes_nothing_and_its_messages_run_after_the_unpause() {
    let mut n = net();
    let sent = n.send(COUNTER, DeliveryOptions::default(), b"wait");
    n.relay_root();
    let route = sent.packet.route().id();
    n.b.paused.insert(PauseScope::Route(route));
    let err = n.deliver(&sent).unwrap_err();
    assert_eq!(err, ReceiveError::Paused(PauseScope::Route(route)));
    assert!(err.is_transient(), "relayers keep the message");
    assert_eq!(err.name(), "Paused");
    assert!(n.executed.borrow().is_empty());
    assert!(n.b.receipts.is_empty());
    // Another route is not paused.
    let other = n.send(FAILING, DeliveryOptions::default(), b"other");
    n.relay_root();
    assert!(n.deliver(&other).is_ok());
    // Unpaused: the message executes, once.
    n.b.paused.clear();
    assert!(n.deliver(&sent).unwrap().outcome.is_executed());
    assert!(matches!(
        n.deliver(&sent),
        Err(ReceiveError::AlreadyReceived { .. })
    ));
}

#[test]
fn a_paused_endpoint_sends_nothing_receives_nothing_and_retries_nothing() {
    let mut n = net();
    let failing = n.send(FAILING, DeliveryOptions::default(), b"x");
    n.relay_root();
    n.deliver(&failing).unwrap();
    n.b.paused.insert(PauseScope::Endpoint);
    assert_eq!(
        retry(&mut n.b, &failing.packet),
        Err(RetryError::Paused(PauseScope::Endpoint))
    );
    assert_eq!(n.b.failed[&failing.id].attempts, 1);
    let err = send(
        &mut n.b,
        SendRequest {
            sender: COUNTER,
            destination_chain: A,
            receiver: SENDER,
            options: DeliveryOptions::default(),
            payload: vec![],
        },
    )
    .unwrap_err();
    assert_eq!(err, SendError::Paused);
    let later = n.send(COUNTER, DeliveryOptions::default(), b"later");
    n.relay_root();
    assert_eq!(
        n.deliver(&later),
        Err(ReceiveError::Paused(PauseScope::Endpoint))
    );
    n.b.paused.clear();
    assert!(n.deliver(&later).is_ok());
}
