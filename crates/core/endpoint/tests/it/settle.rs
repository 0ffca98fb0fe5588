//! The way back (`[STRAIT-SETTLE.*]`): each message's outcome, sent by the destination's endpoint
//! as an outcome message, proven back and handed to the sending application exactly once.

use strait_endpoint::settle::{decode_outcome_payload, SETTLE_REFUSED};
use strait_endpoint::*;
use strait_merkle::LeafIndex;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, Height, MessageId, Nonce};

use crate::*;

const CLIENT_OF_B_ON_A: strait_primitives::ClientId = strait_primitives::ClientId(1);

impl Net {
    /// B's outbox messages from leaf `from` on, as sent: the outcome messages.
    fn outcomes_from(&self, from: usize) -> Vec<(Packet, LeafIndex)> {
        self.b
            .events
            .iter()
            .filter_map(|e| match e {
                EndpointEvent::Sent {
                    packet, leaf_index, ..
                } => Some((Packet::decode(packet).unwrap(), *leaf_index)),
                _ => None,
            })
            .skip(from)
            .collect()
    }

    /// An honest relayer carries B's outcome message back to A.
    fn deliver_back(&mut self, packet: &Packet, leaf: LeafIndex) -> Result<Receipt, ReceiveError> {
        self.b.height = Height(self.b.height.get() + 1);
        let height = self.b.height;
        self.a
            .record_verified_root(CLIENT_OF_B_ON_A, height, self.b.outbox.root());
        receive(
            &mut self.a,
            &Delivery {
                packet: packet.clone(),
                proof: self.b.outbox.proof(leaf, self.b.outbox.count()).unwrap(),
                proof_height: height,
            },
        )
    }
}

#[test]
fn each_outcome_comes_back_and_is_handed_to_the_sender_exactly_once() {
    let mut n = net();
    let ok = n.send(COUNTER, DeliveryOptions::default(), b"hi");
    let bad = n.send(FAILING, DeliveryOptions::default(), b"no");
    let late = n.send(
        COUNTER,
        DeliveryOptions {
            timeout_height: Some(Height(1)),
            ..DeliveryOptions::default()
        },
        b"late",
    );
    // The sender's messages await their outcomes.
    for sent in [&ok, &bad, &late] {
        assert_eq!(
            n.a.awaited_outcome(&sent.id),
            Some(AwaitedOutcome {
                sender: SENDER,
                destination_chain: B
            })
        );
    }
    n.relay_root();
    n.b.height = Height(5);
    for sent in [&ok, &bad, &late] {
        n.deliver(sent).unwrap();
    }
    // A failed execution is final only once finalized ([STRAIT-RETRY.1]); its receiver does it.
    assert_eq!(n.outcomes_from(0).len(), 2);
    finalize_failed(&mut n.b, &bad.packet, &FAILING).unwrap();
    // One outcome message per delivery (each of these is its own), from the endpoint to the
    // sender, unordered, no timeout.
    let back = n.outcomes_from(0);
    assert_eq!(back.len(), 3);
    for ((packet, _), sent) in back.iter().zip([&ok, &late, &bad]) {
        assert_eq!(packet.sender, endpoint_address());
        assert_eq!(packet.receiver, SENDER);
        assert_eq!(packet.destination_chain, A);
        assert_eq!(packet.options, DeliveryOptions::default());
        let payload = decode_outcome_payload(&packet.payload).unwrap();
        assert_eq!(payload.entries.len(), 1);
        assert_eq!(payload.entries[0].id, sent.id);
        assert_eq!(payload.entries[0].outcome, n.b.receipts[&sent.id].outcome);
    }
    for (packet, leaf) in &back {
        let receipt = n.deliver_back(packet, *leaf).unwrap();
        assert_eq!(receipt.outcome, Outcome::Executed { ack: vec![] });
    }
    let outcomes: Vec<_> =
        n.a.settled
            .iter()
            .map(|(app, id, o)| (*app, *id, o.clone()))
            .collect();
    assert_eq!(
        outcomes,
        vec![
            (
                SENDER,
                ok.id,
                Outcome::Executed {
                    ack: b"ok 1".to_vec()
                }
            ),
            (SENDER, late.id, Outcome::TimedOut),
            (
                SENDER,
                bad.id,
                Outcome::Failed(AppError {
                    code: 3,
                    reason: "refused".into()
                })
            ),
        ]
    );
    assert!(n.a.awaited.is_empty());
    // A replayed outcome is refused by replay protection, and settles nothing again.
    let (packet, leaf) = &back[0];
    assert!(matches!(
        n.deliver_back(packet, *leaf),
        Err(ReceiveError::AlreadyReceived { .. })
    ));
    assert_eq!(n.a.settled.len(), 3);
    // Outcome messages have no outcome of their own: A sent nothing back.
    assert_eq!(n.a.outbox.count(), 3);
    assert!(
        n.a.events
            .iter()
            .filter(|e| matches!(e, EndpointEvent::Settled { .. }))
            .count()
            == 3
    );
}

#[test]
fn only_the_endpoint_sends_as_the_endpoint() {
    let mut n = net();
    let err = send(
        &mut n.a,
        SendRequest {
            sender: endpoint_address(),
            destination_chain: B,
            receiver: COUNTER,
            options: DeliveryOptions::default(),
            payload: vec![],
        },
    )
    .unwrap_err();
    assert_eq!(err, SendError::ReservedSender(endpoint_address()));
    assert_eq!(err.name(), "ReservedSender");
    assert_eq!(n.a.outbox.count(), 0);
}

/// An entry for a message that awaits no outcome (settled already) is skipped; one for a message
/// of another sender is refused, fails the outcome message and changes nothing else; a forged
/// payload never gets past its proof.
#[test]
fn an_outcome_for_no_awaited_message_or_from_the_wrong_party_settles_nothing() {
    let mut n = net();
    let sent = n.send(COUNTER, DeliveryOptions::default(), b"hi");
    n.relay_root();
    n.deliver(&sent).unwrap();
    let (packet, leaf) = n.outcomes_from(0).remove(0);
    // The sender's record is gone (as if already settled): the outcome message has nothing to
    // settle, so it is not received (ADR 0033): nothing runs, nothing is recorded.
    let awaited = n.a.awaited.remove(&sent.id).unwrap();
    let receipts = n.a.receipts.len();
    let err = n.deliver_back(&packet, leaf).unwrap_err();
    assert!(matches!(err, ReceiveError::AlreadyReceived { .. }), "{err}");
    assert_eq!(n.a.receipts.len(), receipts);
    assert!(n.a.settled.is_empty());
    assert!(n.a.fees_settled.is_empty());
    // A record naming another sender is not settled by an outcome addressed to this one.
    n.a.awaited.insert(
        sent.id,
        AwaitedOutcome {
            sender: Address32([0x99; 32]),
            ..awaited
        },
    );
    let other = n.send(COUNTER, DeliveryOptions::default(), b"again");
    n.relay_root();
    n.deliver(&other).unwrap();
    let (packet, leaf) = n.outcomes_from(1).remove(0);
    let payload = decode_outcome_payload(&packet.payload).unwrap();
    assert_eq!(payload.entries[0].id, other.id);
    let mut forged = packet.clone();
    forged.payload = OutcomePayload {
        deliverer: Address32::ZERO,
        entries: vec![OutcomeEntry {
            id: sent.id,
            gas_used: 0,
            outcome: Outcome::TimedOut,
        }],
    }
    .encode();
    // The forged payload is not in B's outbox: its proof fails before anything runs.
    let err = receive(
        &mut n.a,
        &Delivery {
            packet: forged,
            proof: n.b.outbox.proof(leaf, n.b.outbox.count()).unwrap(),
            proof_height: n.b.height,
        },
    )
    .unwrap_err();
    assert!(matches!(err, ReceiveError::Proof(_)), "{err}");
    assert!(n.a.settled.is_empty());
    assert_eq!(n.a.awaited[&sent.id].sender, Address32([0x99; 32]));
    // An outcome message from B that names it for this sender (as if B had received it from
    // this one): refused, the outcome message fails, the record stays.
    let wrong = Packet {
        payload: OutcomePayload {
            deliverer: Address32::ZERO,
            entries: vec![OutcomeEntry {
                id: sent.id,
                gas_used: 0,
                outcome: Outcome::TimedOut,
            }],
        }
        .encode(),
        ..packet
    };
    let err = strait_endpoint::settle::settle(&mut n.a, &wrong).unwrap_err();
    assert_eq!(err.code, SETTLE_REFUSED);
    assert!(err.reason.contains("was sent by"), "{}", err.reason);
    assert!(n.a.settled.is_empty());
    assert_eq!(n.a.awaited[&sent.id].sender, Address32([0x99; 32]));
}

#[test]
fn a_failing_callback_leaves_the_message_awaiting_its_outcome() {
    let mut n = net();
    n.a.failing_callbacks.insert(SENDER);
    let sent = n.send(COUNTER, DeliveryOptions::default(), b"hi");
    n.relay_root();
    n.deliver(&sent).unwrap();
    let (packet, leaf) = n.outcomes_from(0).remove(0);
    let receipt = n.deliver_back(&packet, leaf).unwrap();
    assert!(matches!(
        receipt.outcome,
        Outcome::Failed(AppError { code: 7, .. })
    ));
    assert!(n.a.awaited_outcome(&sent.id).is_some());
    assert!(!n
        .a
        .events
        .iter()
        .any(|e| matches!(e, EndpointEvent::Settled { .. })));
}

/// An ordered route survives a timeout: the timed-out message counts as received for ordering,
/// so the next one executes, and the sender learns of the timeout (no channel closes).
#[test]
fn a_timeout_on_an_ordered_route_does_not_block_it() {
    let mut n = net();
    let ordered = |timeout: Option<Height>| DeliveryOptions {
        ordered: true,
        timeout_height: timeout,
        ..DeliveryOptions::default()
    };
    let first = n.send(COUNTER, ordered(Some(Height(3))), b"1");
    let second = n.send(COUNTER, ordered(None), b"2");
    n.relay_root();
    n.b.height = Height(3);
    assert_eq!(n.deliver(&first).unwrap().outcome, Outcome::TimedOut);
    assert_eq!(n.deliver(&second).unwrap().nonce, Nonce(2));
    assert!(n.deliver(&second).is_err());
    assert_eq!(n.executed.borrow().as_slice(), &[b"2".to_vec()]);
    for (packet, leaf) in n.outcomes_from(0) {
        n.deliver_back(&packet, leaf).unwrap();
    }
    let outcomes: Vec<(MessageId, Outcome)> =
        n.a.settled
            .iter()
            .map(|(_, id, o)| (*id, o.clone()))
            .collect();
    assert_eq!(
        outcomes,
        vec![
            (first.id, Outcome::TimedOut),
            (
                second.id,
                Outcome::Executed {
                    ack: b"ok 2".to_vec()
                }
            )
        ]
    );
}

/// `[STRAIT-FEE.6]`, `[STRAIT-FEE.8]`: the outcome names the account whose transaction made it
/// final and the gas the destination metered (0 for a timeout or a finalization, which run
/// nothing); the source pays out once, only when the outcome settles.
#[test]
fn outcomes_carry_the_deliverer_and_the_gas_and_settle_the_fee_once() {
    let mut n = net();
    let (relayer_b, finalizer_b, relayer_a) = (
        Address32([0xb1; 32]),
        Address32([0xb2; 32]),
        Address32([0xa1; 32]),
    );
    n.b.deliverer = relayer_b;
    n.b.gas_per_call = 777;
    n.a.deliverer = relayer_a;
    let ok = n.send(COUNTER, DeliveryOptions::default(), b"hi");
    let bad = n.send(FAILING, DeliveryOptions::default(), b"no");
    let late = n.send(
        COUNTER,
        DeliveryOptions {
            timeout_height: Some(Height(1)),
            ..DeliveryOptions::default()
        },
        b"late",
    );
    n.relay_root();
    n.b.height = Height(5);
    for sent in [&ok, &bad, &late] {
        n.deliver(sent).unwrap();
    }
    n.b.deliverer = finalizer_b;
    finalize_failed(&mut n.b, &bad.packet, &FAILING).unwrap();
    let back = n.outcomes_from(0);
    let said: Vec<_> = back
        .iter()
        .map(|(p, _)| {
            let p = decode_outcome_payload(&p.payload).unwrap();
            assert_eq!(p.entries.len(), 1);
            (p.entries[0].id, p.deliverer, p.entries[0].gas_used)
        })
        .collect();
    assert_eq!(
        said,
        vec![
            (ok.id, relayer_b, 777),
            (late.id, relayer_b, 0),
            (bad.id, finalizer_b, 0)
        ]
    );
    // A failing callback settles nothing, so pays nothing; the retry that settles pays once.
    n.a.failing_callbacks.insert(SENDER);
    let receipt = n.deliver_back(&back[0].0, back[0].1).unwrap();
    assert!(matches!(receipt.outcome, Outcome::Failed(_)));
    assert!(n.a.fees_settled.is_empty());
    n.a.failing_callbacks.clear();
    retry(&mut n.a, &back[0].0).unwrap();
    for (packet, leaf) in &back[1..] {
        n.deliver_back(packet, *leaf).unwrap();
    }
    assert_eq!(
        n.a.fees_settled,
        vec![
            (ok.id, relayer_b, 777),
            (late.id, relayer_b, 0),
            (bad.id, finalizer_b, 0)
        ]
    );
    // Replays settle nothing again.
    assert!(n.deliver_back(&back[1].0, back[1].1).is_err());
    assert!(retry(&mut n.a, &back[0].0).is_err());
    assert_eq!(n.a.fees_settled.len(), 3);
}

/// The outcome payload of version 3 round-trips; version 2, a count out of range, truncations and
/// trailing bytes are refused.
#[test]
fn the_outcome_payload_is_versioned_and_strict() {
    let entry = OutcomeEntry {
        id: MessageId([7; 32]),
        gas_used: u64::MAX,
        outcome: Outcome::Executed { ack: vec![1] },
    };
    let p = OutcomePayload {
        deliverer: Address32([8; 32]),
        entries: vec![entry.clone()],
    };
    let bytes = p.encode();
    assert_eq!(bytes[0], 3);
    assert_eq!(bytes.len(), 1 + 32 + 2 + 32 + 8 + 1 + 4 + 1);
    assert_eq!(OutcomePayload::decode(&bytes), Ok(p));
    let mut v2 = bytes.clone();
    v2[0] = 2;
    assert_eq!(
        OutcomePayload::decode(&v2).unwrap_err().name(),
        "UnsupportedVersion"
    );
    for cut in [0, 1, 33, 34, 35, 67, 75, bytes.len() - 1] {
        assert_eq!(
            OutcomePayload::decode(&bytes[..cut]).unwrap_err().name(),
            "Truncated",
            "{cut}"
        );
    }
    let long = [&bytes[..], &[0]].concat();
    assert_eq!(
        OutcomePayload::decode(&long).unwrap_err().name(),
        "TrailingBytes"
    );
    // The count's bound: 1,024 entries decode, 1,025 are refused before any entry is read.
    let most = OutcomePayload {
        deliverer: Address32([8; 32]),
        entries: vec![entry; strait_endpoint::settle::MAX_OUTCOME_ENTRIES],
    };
    assert_eq!(OutcomePayload::decode(&most.encode()), Ok(most.clone()));
    let mut over = most.encode()[..35].to_vec();
    over[33..35].copy_from_slice(&1025u16.to_be_bytes());
    assert_eq!(
        OutcomePayload::decode(&over).unwrap_err().name(),
        "TooLarge"
    );
    let mut zero = bytes.clone();
    zero[33..35].copy_from_slice(&0u16.to_be_bytes());
    assert_eq!(OutcomePayload::decode(&zero).unwrap_err().name(), "Invalid");
}

const OTHER: Address32 = Address32([0xbb; 32]);
const BIG_ACK: Address32 = Address32([0xb9; 32]);

impl Net {
    fn send_as(&mut self, sender: Address32, receiver: Address32) -> Sent {
        send(
            &mut self.a,
            SendRequest {
                sender,
                destination_chain: B,
                receiver,
                options: DeliveryOptions::default(),
                payload: b"x".to_vec(),
            },
        )
        .expect("send")
    }

    /// Delivers `sent` to B in one batch under one multiproof.
    fn deliver_batch(&mut self, sent: &[Sent]) -> Vec<Result<Receipt, ReceiveError>> {
        self.relay_root();
        let indices: Vec<LeafIndex> = sent.iter().map(|s| s.leaf_index).collect();
        let batch = BatchDelivery {
            packets: sent.iter().map(|s| s.packet.clone()).collect(),
            proof: self
                .a
                .outbox
                .multiproof(&indices, self.a.outbox.count())
                .unwrap(),
            proof_height: self.proof_height,
        };
        receive_batch(&mut self.b, &batch).unwrap()
    }
}

fn entries_of(packet: &Packet) -> Vec<MessageId> {
    decode_outcome_payload(&packet.payload)
        .unwrap()
        .entries
        .iter()
        .map(|e| e.id)
        .collect()
}

/// `[STRAIT-SETTLE.3]`: a batch sends one outcome message per run of one sender, its entries in
/// the order the messages executed; a failed execution (not final) has no entry.
#[test]
fn a_batch_sends_one_outcome_message_per_run_of_a_sender() {
    let mut n = net();
    let sent = [
        n.send_as(SENDER, COUNTER),
        n.send_as(SENDER, COUNTER),
        n.send_as(SENDER, FAILING),
        n.send_as(SENDER, COUNTER),
        n.send_as(OTHER, COUNTER),
        n.send_as(SENDER, COUNTER),
    ];
    for r in n.deliver_batch(&sent) {
        r.unwrap();
    }
    let back = n.outcomes_from(0);
    let runs: Vec<(Address32, Vec<MessageId>)> = back
        .iter()
        .map(|(p, _)| (p.receiver, entries_of(p)))
        .collect();
    assert_eq!(
        runs,
        vec![
            (SENDER, vec![sent[0].id, sent[1].id, sent[3].id]),
            (OTHER, vec![sent[4].id]),
            (SENDER, vec![sent[5].id]),
        ]
    );
    // Each settles its entries on A, once.
    for (packet, leaf) in &back {
        let receipt = n.deliver_back(packet, *leaf).unwrap();
        assert_eq!(receipt.outcome, Outcome::Executed { ack: vec![] });
    }
    let settled: Vec<MessageId> = n.a.settled.iter().map(|(_, id, _)| *id).collect();
    assert_eq!(
        settled,
        vec![sent[0].id, sent[1].id, sent[3].id, sent[4].id, sent[5].id]
    );
    assert_eq!(n.a.fees_settled.len(), 5);
    assert_eq!(
        n.a.awaited.len(),
        1,
        "the failed message awaits its final outcome"
    );
}

/// `[STRAIT-SETTLE.3]`: an outcome message stays within the payload bound. Acknowledgements of
/// 4,096 bytes make entries of 4,141 bytes: 15 fit in 65,536 bytes with the header, 16 do not.
#[test]
fn an_outcome_message_stays_within_the_payload_bound() {
    let mut n = net();
    n.b.install_app(BIG_ACK, Box::new(|_: &Packet| Ok(vec![0xac; MAX_ACK_LEN])));
    let sent: Vec<Sent> = (0..31).map(|_| n.send_as(SENDER, BIG_ACK)).collect();
    for r in n.deliver_batch(&sent) {
        r.unwrap();
    }
    let back = n.outcomes_from(0);
    let sizes: Vec<usize> = back.iter().map(|(p, _)| entries_of(p).len()).collect();
    assert_eq!(sizes, vec![15, 15, 1]);
    let largest = back[0].0.payload.len();
    assert_eq!(largest, 1 + 32 + 2 + 15 * (32 + 8 + 1 + 4 + MAX_ACK_LEN));
    assert!(largest <= strait_packet::MAX_PAYLOAD_LEN);
    assert!(largest + 32 + 8 + 1 + 4 + MAX_ACK_LEN > strait_packet::MAX_PAYLOAD_LEN);
    let ids: Vec<MessageId> = back.iter().flat_map(|(p, _)| entries_of(p)).collect();
    assert_eq!(ids, sent.iter().map(|s| s.id).collect::<Vec<_>>());
}

/// `[STRAIT-SETTLE.4]`: entries settle independently. One failing callback fails the outcome
/// message with its error while the others settle (and are paid); the retry settles the one
/// left and skips the settled ones, so nothing settles or pays twice.
#[test]
fn entries_settle_independently_and_a_retry_settles_what_is_left_once() {
    let mut n = net();
    let sent: Vec<Sent> = (0..3).map(|_| n.send_as(SENDER, COUNTER)).collect();
    for r in n.deliver_batch(&sent) {
        r.unwrap();
    }
    let back = n.outcomes_from(0);
    assert_eq!(back.len(), 1);
    let (packet, leaf) = &back[0];
    n.a.failing_outcomes.insert(sent[1].id);
    let receipt = n.deliver_back(packet, *leaf).unwrap();
    assert_eq!(
        receipt.outcome,
        Outcome::Failed(AppError {
            code: 7,
            reason: "callback refused".into()
        })
    );
    let settled =
        |n: &Net| -> Vec<MessageId> { n.a.settled.iter().map(|(_, id, _)| *id).collect() };
    assert_eq!(settled(&n), vec![sent[0].id, sent[2].id]);
    assert_eq!(n.a.fees_settled.len(), 2);
    assert_eq!(n.a.awaited.keys().collect::<Vec<_>>(), vec![&sent[1].id]);
    // Fixed, the outcome message is retried: only the entry left settles.
    n.a.failing_outcomes.clear();
    let receipt = retry(&mut n.a, packet).unwrap();
    assert_eq!(receipt.outcome, Outcome::Executed { ack: vec![] });
    assert_eq!(settled(&n), vec![sent[0].id, sent[2].id, sent[1].id]);
    assert_eq!(n.a.fees_settled.len(), 3);
    assert!(n.a.awaited.is_empty());
    let settled_events =
        n.a.events
            .iter()
            .filter(|e| matches!(e, EndpointEvent::Settled { .. }))
            .count();
    assert_eq!(settled_events, 3);
    assert!(retry(&mut n.a, packet).is_err(), "final: nothing to retry");
}

/// ADR 0033: an outcome message takes no route nonce (its nonce is its outbox position plus one)
/// and is received while it has something to settle: once settled, a second delivery is
/// `AlreadyReceived` and settles nothing again.
#[test]
fn an_outcome_message_has_no_route_nonce_and_is_received_while_it_settles_something() {
    let mut n = net();
    let first = n.send(COUNTER, DeliveryOptions::default(), b"one");
    let second = n.send(COUNTER, DeliveryOptions::default(), b"two");
    n.relay_root();
    n.deliver(&first).unwrap();
    n.deliver(&second).unwrap();
    let outcomes = n.outcomes_from(0);
    assert_eq!(outcomes.len(), 2);
    for (packet, leaf) in &outcomes {
        assert_eq!(packet.nonce, Nonce(leaf.0 + 1), "position plus one");
        // The outcome route has no nonce on B.
        assert!(!n.b.outbound_nonces.contains_key(&packet.route().id()));
    }
    let (packet, leaf) = outcomes[1].clone();
    n.deliver_back(&packet, leaf).unwrap();
    assert_eq!(n.a.settled.len(), 1);
    let err = n.deliver_back(&packet, leaf).unwrap_err();
    assert!(matches!(err, ReceiveError::AlreadyReceived { .. }), "{err}");
    assert_eq!(n.a.settled.len(), 1, "settled once");
    // Nothing of A's replay bitmap is used for it.
    assert!(!n
        .a
        .received
        .keys()
        .any(|(route, _)| *route == packet.route().id()));
    // The other one still settles.
    let (packet, leaf) = outcomes[0].clone();
    n.deliver_back(&packet, leaf).unwrap();
    assert_eq!(n.a.settled.len(), 2);
}

/// A failed outcome message (the sender's callback failed) is retried, not delivered again
/// (`AlreadyReceived` while its failure record stands); once finalized it is received again while
/// its entry still awaits, and the entry settles once.
#[test]
fn a_failed_outcome_message_is_retried_and_after_finalization_delivered_again() {
    let mut n = net();
    n.a.failing_callbacks.insert(SENDER);
    let sent = n.send(COUNTER, DeliveryOptions::default(), b"hi");
    n.relay_root();
    n.deliver(&sent).unwrap();
    let (packet, leaf) = n.outcomes_from(0).remove(0);
    let receipt = n.deliver_back(&packet, leaf).unwrap();
    assert!(matches!(receipt.outcome, Outcome::Failed(_)));
    let err = n.deliver_back(&packet, leaf).unwrap_err();
    assert!(matches!(err, ReceiveError::AlreadyReceived { .. }), "{err}");
    // Finalized by anyone once the window has passed: the record goes, the entry still awaits.
    n.a.timestamp = strait_primitives::Timestamp(1 + strait_endpoint::retry::RETRY_WINDOW_MS);
    finalize_failed(&mut n.a, &packet, &Address32([0x42; 32])).unwrap();
    assert!(n.a.awaited_outcome(&sent.id).is_some());
    // Its callback now accepts: the outcome message is delivered again and settles the entry.
    n.a.failing_callbacks.clear();
    let receipt = n.deliver_back(&packet, leaf).unwrap();
    assert_eq!(receipt.outcome, Outcome::Executed { ack: vec![] });
    assert!(n.a.awaited_outcome(&sent.id).is_none());
    assert_eq!(n.a.settled.len(), 1);
    let err = n.deliver_back(&packet, leaf).unwrap_err();
    assert!(matches!(err, ReceiveError::AlreadyReceived { .. }), "{err}");
}
