//! Scenario tests: two in-memory chains exchange messages through the real endpoint handlers, with
//! real Merkle proofs. The destination's client is the testkit's trusting double (roots are relayed
//! honestly unless a test says otherwise); the light client is tested in its own crate.

mod encoding;

use std::cell::RefCell;
use std::rc::Rc;

use proptest::prelude::*;
use strait_endpoint::testkit::InMemoryHost;
use strait_endpoint::*;
use strait_merkle::LeafIndex;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, ClientId, Hash32, Height, Nonce, Timestamp};

mod ordering;
mod pause;
mod retry;
mod route;
mod route_vectors;
mod settle;

const A: ChainId = ChainId(1);
const B: ChainId = ChainId(2);
const CLIENT_OF_A_ON_B: ClientId = ClientId(7);
const SENDER: Address32 = Address32([0xaa; 32]);
const COUNTER: Address32 = Address32([0xc0; 32]);
const FAILING: Address32 = Address32([0xfa; 32]);

/// Two chains; B runs a counter app that records every payload it executes, and an app that fails.
struct Net {
    a: InMemoryHost,
    b: InMemoryHost,
    executed: Rc<RefCell<Vec<Vec<u8>>>>,
    /// Source height at which B last verified A's outbox root.
    proof_height: Height,
}

fn net() -> Net {
    let mut a = InMemoryHost::new(A);
    let mut b = InMemoryHost::new(B);
    a.connect(B, ClientId(1));
    // B's outcome messages go back to A's sender (`[STRAIT-SETTLE.3]`).
    b.known_chains.insert(A);
    b.connect(A, CLIENT_OF_A_ON_B);
    let executed = Rc::new(RefCell::new(Vec::new()));
    let log = executed.clone();
    b.install_app(
        COUNTER,
        Box::new(move |p: &Packet| {
            log.borrow_mut().push(p.payload.clone());
            Ok(format!("ok {}", p.nonce).into_bytes())
        }),
    );
    b.install_app(
        FAILING,
        Box::new(|_| {
            Err(AppError {
                code: 3,
                reason: "refused".into(),
            })
        }),
    );
    Net {
        a,
        b,
        executed,
        proof_height: Height(0),
    }
}

impl Net {
    fn send(&mut self, receiver: Address32, options: DeliveryOptions, payload: &[u8]) -> Sent {
        send(
            &mut self.a,
            SendRequest {
                sender: SENDER,
                destination_chain: B,
                receiver,
                options,
                payload: payload.to_vec(),
            },
        )
        .expect("send")
    }

    /// An honest relayer: B's client verifies A's current outbox root at A's next height.
    fn relay_root(&mut self) {
        self.a.height = Height(self.a.height.get() + 1);
        self.proof_height = self.a.height;
        self.b
            .record_verified_root(CLIENT_OF_A_ON_B, self.proof_height, self.a.outbox.root());
    }

    fn deliver(&mut self, sent: &Sent) -> Result<Receipt, ReceiveError> {
        let d = self.delivery(sent);
        receive(&mut self.b, &d)
    }

    fn delivery(&self, sent: &Sent) -> Delivery {
        Delivery {
            packet: sent.packet.clone(),
            proof: self
                .a
                .outbox
                .proof(sent.leaf_index, self.a.outbox.count())
                .unwrap(),
            proof_height: self.proof_height,
        }
    }
}

#[test]
fn message_is_executed_exactly_once() {
    let mut n = net();
    let sent = n.send(COUNTER, DeliveryOptions::default(), b"hello");
    assert_eq!(sent.packet.nonce, Nonce(1));
    n.relay_root();
    let d = n.delivery(&sent);
    let receipt = receive(&mut n.b, &d).unwrap();
    assert_eq!(
        receipt.outcome,
        Outcome::Executed {
            ack: b"ok 1".to_vec()
        }
    );
    assert_eq!(n.b.receipts[&sent.id], receipt);
    // Replay of the same delivery: rejected, nothing executed again.
    let err = receive(&mut n.b, &d).unwrap_err();
    assert!(
        matches!(
            err,
            ReceiveError::AlreadyReceived {
                nonce: Nonce(1),
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.is_transient());
    assert_eq!(n.executed.borrow().len(), 1);
}

#[test]
fn nonces_are_per_route_and_sequential() {
    let mut n = net();
    let s1 = n.send(COUNTER, DeliveryOptions::default(), b"1");
    let s2 = n.send(COUNTER, DeliveryOptions::default(), b"2");
    let other = n.send(FAILING, DeliveryOptions::default(), b"x");
    assert_eq!(
        (s1.packet.nonce, s2.packet.nonce, other.packet.nonce),
        (Nonce(1), Nonce(2), Nonce(1))
    );
    assert_eq!(
        (s1.leaf_index, s2.leaf_index, other.leaf_index),
        (LeafIndex(0), LeafIndex(1), LeafIndex(2))
    );
    assert!(matches!(
        n.a.events.last(),
        Some(EndpointEvent::Sent { .. })
    ));
}

#[test]
fn send_rejects_bad_requests_and_writes_nothing() {
    let mut n = net();
    let req = |dest, len| SendRequest {
        sender: SENDER,
        destination_chain: dest,
        receiver: COUNTER,
        options: DeliveryOptions::default(),
        payload: vec![0; len],
    };
    assert_eq!(
        send(&mut n.a, req(A, 1)).unwrap_err(),
        SendError::DestinationIsLocal(A)
    );
    assert_eq!(
        send(&mut n.a, req(ChainId(99), 1)).unwrap_err(),
        SendError::UnknownChain(ChainId(99))
    );
    assert!(matches!(
        send(&mut n.a, req(B, strait_packet::MAX_PAYLOAD_LEN + 1)).unwrap_err(),
        SendError::Packet(_)
    ));
    assert_eq!(n.a.outbox.count(), 0);
    assert!(n.a.events.is_empty());
}

#[test]
fn tampered_payload_is_rejected() {
    let mut n = net();
    let sent = n.send(COUNTER, DeliveryOptions::default(), b"pay me 1");
    n.relay_root();
    let mut d = n.delivery(&sent);
    d.packet.payload = b"pay me 9".to_vec();
    let err = receive(&mut n.b, &d).unwrap_err();
    assert!(matches!(err, ReceiveError::Proof(_)), "{err}");
    assert!(n.executed.borrow().is_empty());
    assert!(n.b.receipts.is_empty());
}

#[test]
fn wrong_proof_is_rejected() {
    let mut n = net();
    let s1 = n.send(COUNTER, DeliveryOptions::default(), b"1");
    let s2 = n.send(COUNTER, DeliveryOptions::default(), b"2");
    n.relay_root();
    // Proof of another leaf.
    let mut d = n.delivery(&s1);
    d.proof = n.delivery(&s2).proof;
    assert!(matches!(receive(&mut n.b, &d), Err(ReceiveError::Proof(_))));
    // Every sibling bit matters.
    for level in [0usize, 5, 31] {
        let mut d = n.delivery(&s1);
        d.proof.siblings[level].0[0] ^= 1;
        assert!(
            matches!(receive(&mut n.b, &d), Err(ReceiveError::Proof(_))),
            "level {level}"
        );
    }
    assert!(n.executed.borrow().is_empty());
}

#[test]
fn root_must_be_verified_by_the_receivers_client() {
    let mut n = net();
    let sent = n.send(COUNTER, DeliveryOptions::default(), b"1");
    // No header relayed yet: not verified, transient.
    n.proof_height = Height(5);
    let d = n.delivery(&sent);
    let err = receive(&mut n.b, &d).unwrap_err();
    assert!(
        matches!(err, ReceiveError::RootNotVerified { .. }) && err.is_transient(),
        "{err}"
    );
    // A root recorded by a relayer that lies about the outbox does not help.
    n.b.record_verified_root(CLIENT_OF_A_ON_B, Height(5), Hash32([9; 32]));
    assert!(matches!(receive(&mut n.b, &d), Err(ReceiveError::Proof(_))));
    // Frozen client: nothing accepted even with the right root.
    n.relay_root();
    let d = n.delivery(&sent);
    n.b.clients.get_mut(&CLIENT_OF_A_ON_B).unwrap().frozen = true;
    assert_eq!(
        receive(&mut n.b, &d).unwrap_err(),
        ReceiveError::ClientFrozen(CLIENT_OF_A_ON_B)
    );
    n.b.clients.get_mut(&CLIENT_OF_A_ON_B).unwrap().frozen = false;
    receive(&mut n.b, &d).unwrap();
}

#[test]
fn unknown_route_and_wrong_destination_are_rejected() {
    let mut n = net();
    let sent = n.send(COUNTER, DeliveryOptions::default(), b"1");
    n.relay_root();
    let d = n.delivery(&sent);
    // C has no verifier for A.
    let mut c = InMemoryHost::new(ChainId(3));
    let err = receive(&mut c, &d).unwrap_err();
    assert_eq!(
        err,
        ReceiveError::WrongDestination {
            got: B,
            expected: ChainId(3)
        }
    );
    // B with its config removed: unknown route.
    n.b.default_configs.clear();
    assert_eq!(
        receive(&mut n.b, &d).unwrap_err(),
        ReceiveError::UnknownRoute { source_chain: A }
    );
    // A per-app config naming a client of another chain.
    n.b.clients.insert(
        ClientId(9),
        testkit::TrustedRoots {
            chain: ChainId(3),
            ..Default::default()
        },
    );
    n.b.app_configs
        .insert((COUNTER, A), SecurityConfig::single(ClientId(9)));
    assert!(matches!(
        receive(&mut n.b, &d),
        Err(ReceiveError::ClientChainMismatch { .. })
    ));
}

#[test]
fn ordered_route_waits_for_earlier_nonces() {
    let mut n = net();
    let ordered = DeliveryOptions {
        ordered: true,
        ..Default::default()
    };
    let sends: Vec<Sent> = (0..3).map(|i| n.send(COUNTER, ordered, &[i])).collect();
    n.relay_root();
    let err = n.deliver(&sends[2]).unwrap_err();
    assert!(
        matches!(
            err,
            ReceiveError::OutOfOrder {
                got: Nonce(3),
                missing: Nonce(1),
                ..
            }
        ) && err.is_transient(),
        "{err}"
    );
    n.deliver(&sends[0]).unwrap();
    let err = n.deliver(&sends[2]).unwrap_err();
    assert!(
        matches!(
            err,
            ReceiveError::OutOfOrder {
                missing: Nonce(2),
                ..
            }
        ),
        "{err}"
    );
    n.deliver(&sends[1]).unwrap();
    n.deliver(&sends[2]).unwrap();
    assert_eq!(*n.executed.borrow(), vec![vec![0], vec![1], vec![2]]);
}

#[test]
fn unordered_messages_may_arrive_in_any_order() {
    let mut n = net();
    let sends: Vec<Sent> = (0..3)
        .map(|i| n.send(COUNTER, DeliveryOptions::default(), &[i]))
        .collect();
    n.relay_root();
    for s in sends.iter().rev() {
        n.deliver(s).unwrap();
    }
    assert_eq!(*n.executed.borrow(), vec![vec![2], vec![1], vec![0]]);
}

#[test]
fn timed_out_message_is_recorded_and_not_executed() {
    let mut n = net();
    let opts = DeliveryOptions {
        timeout_height: Some(Height(10)),
        ..Default::default()
    };
    let sent = n.send(COUNTER, opts, b"late");
    n.relay_root();
    n.b.height = Height(10);
    let receipt = n.deliver(&sent).unwrap();
    assert_eq!(receipt.outcome, Outcome::TimedOut);
    assert!(n.executed.borrow().is_empty());
    // Recorded once: it cannot be delivered again.
    assert!(matches!(
        n.deliver(&sent),
        Err(ReceiveError::AlreadyReceived { .. })
    ));
    let t = DeliveryOptions {
        timeout_timestamp: Some(Timestamp(50)),
        ..Default::default()
    };
    let sent = n.send(COUNTER, t, b"late too");
    n.relay_root();
    n.b.timestamp = Timestamp(50);
    assert_eq!(n.deliver(&sent).unwrap().outcome, Outcome::TimedOut);
}

#[test]
fn app_failure_and_missing_app_are_recorded_as_failed() {
    let mut n = net();
    let s1 = n.send(FAILING, DeliveryOptions::default(), b"x");
    let s2 = n.send(Address32([0x55; 32]), DeliveryOptions::default(), b"y");
    n.relay_root();
    let r1 = n.deliver(&s1).unwrap();
    assert_eq!(
        r1.outcome,
        Outcome::Failed(AppError {
            code: 3,
            reason: "refused".into()
        })
    );
    let r2 = n.deliver(&s2).unwrap();
    assert!(matches!(
        r2.outcome,
        Outcome::Failed(AppError { code: 404, .. })
    ));
}

#[test]
fn batch_delivery_with_one_multiproof() {
    let mut n = net();
    let ordered = DeliveryOptions {
        ordered: true,
        ..Default::default()
    };
    let sends: Vec<Sent> = (0..20).map(|i| n.send(COUNTER, ordered, &[i])).collect();
    n.relay_root();
    // Another relayer delivered message 3 first.
    n.deliver(&sends[0]).unwrap();
    let indices: Vec<LeafIndex> = sends.iter().map(|s| s.leaf_index).collect();
    let batch = BatchDelivery {
        packets: sends.iter().map(|s| s.packet.clone()).collect(),
        proof: n.a.outbox.multiproof(&indices, n.a.outbox.count()).unwrap(),
        proof_height: n.proof_height,
    };
    let results = receive_batch(&mut n.b, &batch).unwrap();
    assert!(matches!(
        results[0],
        Err(ReceiveError::AlreadyReceived { .. })
    ));
    assert!(results[1..]
        .iter()
        .all(|r| r.as_ref().is_ok_and(|r| r.outcome.is_executed())));
    assert_eq!(
        *n.executed.borrow(),
        (0..20u8).map(|i| vec![i]).collect::<Vec<_>>()
    );
    // A tampered packet breaks the whole batch.
    let mut bad = batch.clone();
    bad.packets[7].payload.push(0);
    assert!(matches!(
        receive_batch(&mut n.b, &bad),
        Err(ReceiveError::Proof(_))
    ));
    // Duplicates inside one batch are rejected.
    let mut dup = batch.clone();
    dup.packets[1] = dup.packets[2].clone();
    assert!(matches!(
        receive_batch(&mut n.b, &dup),
        Err(ReceiveError::DuplicateInBatch { .. })
    ));
    let empty = BatchDelivery {
        packets: vec![],
        ..batch
    };
    assert!(matches!(
        receive_batch(&mut n.b, &empty),
        Err(ReceiveError::BatchSize { .. })
    ));
}

proptest! {
    /// Any schedule of deliveries (shuffled, duplicated, ordered or not) executes every message
    /// exactly once, and ordered messages in nonce order.
    #[test]
    fn any_delivery_schedule_is_exactly_once(
        flags in proptest::collection::vec(any::<bool>(), 1..40),
        schedule in proptest::collection::vec(any::<prop::sample::Index>(), 0..200),
    ) {
        let mut n = net();
        let sends: Vec<Sent> = flags
            .iter()
            .enumerate()
            .map(|(i, &ordered)| n.send(COUNTER, DeliveryOptions { ordered, ..Default::default() }, &(i as u32).to_be_bytes()))
            .collect();
        n.relay_root();
        let mut done = vec![false; sends.len()];
        let attempts = schedule.iter().map(|i| i.index(sends.len())).chain(0..sends.len()).chain(0..sends.len());
        for i in attempts {
            match n.deliver(&sends[i]) {
                Ok(_) => { prop_assert!(!done[i]); done[i] = true; }
                Err(ReceiveError::AlreadyReceived { .. }) => prop_assert!(done[i]),
                Err(ReceiveError::OutOfOrder { .. }) => prop_assert!(flags[i] && !done[i]),
                Err(e) => prop_assert!(false, "unexpected {e}"),
            }
        }
        prop_assert!(done.iter().all(|d| *d));
        let executed = n.executed.borrow();
        prop_assert_eq!(executed.len(), sends.len());
        // Each ordered message executed after all lower nonces.
        for (pos, payload) in executed.iter().enumerate() {
            let i = u32::from_be_bytes(payload[..4].try_into().unwrap()) as usize;
            if flags[i] {
                let earlier: Vec<usize> = executed[..pos].iter().map(|p| u32::from_be_bytes(p[..4].try_into().unwrap()) as usize).collect();
                for j in 0..i { prop_assert!(earlier.contains(&j), "ordered {i} ran before {j}"); }
            }
        }
        let route = sends[0].packet.route().id();
        prop_assert_eq!(n.b.inbound_contiguous(&route), Nonce(sends.len() as u64));
    }
}
