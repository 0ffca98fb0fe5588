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

#[test]
fn an_app_topic_pause_holds_only_that_topics_messages_and_its_retries() {
    let mut n = net();
    let topic = strait_primitives::Hash32([7; 32]);
    n.b.topics.insert(b"token-x".to_vec(), topic);
    let held = n.send(COUNTER, DeliveryOptions::default(), b"token-x");
    let other = n.send(COUNTER, DeliveryOptions::default(), b"token-y");
    n.relay_root();
    let scope = PauseScope::App {
        app: COUNTER,
        topic,
    };
    // The same topic under another application is not paused.
    n.b.paused.insert(PauseScope::App {
        app: FAILING,
        topic,
    });
    n.b.paused.insert(scope);
    let err = n.deliver(&held).unwrap_err();
    assert_eq!(err, ReceiveError::Paused(scope));
    assert!(err.is_transient(), "relayers keep the message");
    assert!(n.b.receipts.is_empty());
    assert!(n.deliver(&other).unwrap().outcome.is_executed());
    n.b.paused.remove(&scope);
    assert!(n.deliver(&held).unwrap().outcome.is_executed());
    assert_eq!(n.executed.borrow().len(), 2);
    // A failed message of a paused topic is not retried while paused.
    let scope = PauseScope::App {
        app: FAILING,
        topic,
    };
    n.b.paused.remove(&scope);
    n.b.topics.insert(b"fail-x".to_vec(), topic);
    let failing = n.send(FAILING, DeliveryOptions::default(), b"fail-x");
    n.relay_root();
    n.deliver(&failing).unwrap();
    n.b.paused.insert(scope);
    assert_eq!(
        retry(&mut n.b, &failing.packet),
        Err(RetryError::Paused(scope))
    );
    assert_eq!(
        PauseScope::App {
            app: FAILING,
            topic
        }
        .encode()
        .len(),
        65
    );
}
