//! Golden and negative vectors of receipts and endpoint events: `docs/vectors/endpoint.json`
//! (`docs/SPEC.md` §4.4). Regenerate (only on a deliberate format change) with
//! `STRAIT_REGEN_VECTORS=1 cargo test -p strait-endpoint --test it vectors`.

use serde_json::{json, Value};
use strait_endpoint::encoding::MAX_REASON_LEN;
use strait_endpoint::{AppError, EndpointEvent, Outcome, Receipt, MAX_ACK_LEN};
use strait_merkle::LeafIndex;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, Height, Nonce};

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../docs/vectors/endpoint.json")
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn packet() -> Packet {
    Packet {
        nonce: Nonce(3),
        source_chain: ChainId(1),
        sender: Address32([0x11; 32]),
        destination_chain: ChainId(2),
        receiver: Address32([0x22; 32]),
        options: DeliveryOptions {
            ordered: true,
            ..DeliveryOptions::default()
        },
        payload: b"hello".to_vec(),
    }
}

fn receipt(outcome: Outcome) -> Receipt {
    let p = packet();
    Receipt {
        id: p.id(),
        route: p.route().id(),
        nonce: p.nonce,
        height: Height(77),
        outcome,
    }
}

fn failed(code: u32, reason: &str) -> Outcome {
    Outcome::Failed(AppError {
        code,
        reason: reason.to_owned(),
    })
}

fn receipts() -> Vec<(&'static str, Receipt)> {
    vec![
        (
            "executed",
            receipt(Outcome::Executed {
                ack: b"ok".to_vec(),
            }),
        ),
        (
            "executed, empty ack",
            receipt(Outcome::Executed { ack: vec![] }),
        ),
        (
            "executed, ack of 4,096 bytes (the maximum)",
            receipt(Outcome::Executed {
                ack: vec![0xac; MAX_ACK_LEN],
            }),
        ),
        ("failed", receipt(failed(7, "insufficient funds"))),
        (
            "failed, reason of 256 bytes (the maximum)",
            receipt(failed(u32::MAX, &"r".repeat(MAX_REASON_LEN))),
        ),
        ("timed out", receipt(Outcome::TimedOut)),
    ]
}

fn events() -> Vec<(&'static str, EndpointEvent)> {
    let p = packet();
    let encoded = p.encode();
    vec![
        (
            "sent",
            EndpointEvent::Sent {
                id: p.id(),
                destination_chain: p.destination_chain,
                nonce: p.nonce,
                leaf_index: LeafIndex(41),
                packet: encoded,
            },
        ),
        (
            "received",
            EndpointEvent::Received(receipt(Outcome::Executed {
                ack: b"ok".to_vec(),
            })),
        ),
        (
            "finalized, executed by a retry",
            EndpointEvent::Finalized(receipt(Outcome::Executed {
                ack: b"fixed".to_vec(),
            })),
        ),
        (
            "settled, timed out",
            EndpointEvent::Settled {
                id: p.id(),
                outcome: Outcome::TimedOut,
            },
        ),
    ]
}

fn outcome_json(outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Executed { ack } => json!({ "kind": "executed", "ack": hex0x(ack) }),
        Outcome::Failed(e) => json!({ "kind": "failed", "code": e.code, "reason": e.reason }),
        Outcome::TimedOut => json!({ "kind": "timed_out" }),
    }
}

fn receipt_json(r: &Receipt) -> Value {
    let outcome = outcome_json(&r.outcome);
    json!({
        "id": r.id.to_string(),
        "route": r.route.to_string(),
        "nonce": r.nonce.get(),
        "height": r.height.get(),
        "outcome": outcome,
    })
}

fn invalid_receipts() -> Value {
    let ok = receipt(Outcome::Executed {
        ack: b"ok".to_vec(),
    })
    .encode();
    let head = &ok[..80]; // id, route, nonce, height
    let with = |tail: &[u8]| hex0x(&[head, tail].concat());
    let mut zero_nonce = ok.clone();
    zero_nonce[64..72].copy_from_slice(&[0; 8]);
    let len = |n: u32| n.to_be_bytes();
    let case = |name: &str, encoding: Value, error: &str| json!({ "name": name, "encoding": encoding, "error": error });
    json!([
        case("empty", json!("0x"), "Truncated"),
        case(
            "truncated before the outcome",
            json!(hex0x(head)),
            "Truncated"
        ),
        case("nonce 0", json!(hex0x(&zero_nonce)), "ZeroNonce"),
        case("outcome kind 3", json!(with(&[3])), "UnknownOutcome"),
        case("outcome kind 255", json!(with(&[0xff])), "UnknownOutcome"),
        case(
            "ack length 4,097, no ack",
            json!(with(&[&[0][..], &len(4097)].concat())),
            "TooLarge"
        ),
        case(
            "ack of 4,097 bytes",
            json!([with(&[&[0][..], &len(4097)].concat()), { "repeat": 4097, "hex": "0xac" }]),
            "TooLarge"
        ),
        case(
            "ack length 3, 2 bytes",
            json!(with(&[&[0][..], &len(3), b"ok"].concat())),
            "Truncated"
        ),
        case(
            "reason length 257",
            json!([with(&[&[1][..], &len(7), &len(257)].concat()), { "repeat": 257, "hex": "0x72" }]),
            "TooLarge"
        ),
        case(
            "reason not UTF-8",
            json!(with(&[&[1][..], &len(7), &len(2), &[0xc3, 0x28]].concat())),
            "ReasonNotUtf8"
        ),
        case(
            "timed out, trailing byte",
            json!(with(&[2, 0])),
            "TrailingBytes"
        ),
        case(
            "trailing byte",
            json!([hex0x(&ok), "0x00"]),
            "TrailingBytes"
        ),
    ])
}

fn invalid_events() -> Value {
    let p = packet().encode();
    let mut zero_nonce = p.clone();
    zero_nonce[1..9].copy_from_slice(&[0; 8]);
    let sent = |leaf: &[u8], packet: &[u8]| hex0x(&[&[1][..], leaf, packet].concat());
    let received = receipt(Outcome::TimedOut).encode();
    let case = |name: &str, encoding: String, error: &str| json!({ "name": name, "encoding": encoding, "error": error });
    json!([
        case("empty", "0x".into(), "Truncated"),
        case("event kind 0", hex0x(&[0]), "UnknownEvent"),
        case("event kind 5", hex0x(&[5]), "UnknownEvent"),
        case("settled, truncated id", hex0x(&[3, 1, 2]), "Truncated"),
        case("sent, truncated leaf index", hex0x(&[1, 0, 0]), "Truncated"),
        case("sent, no packet", sent(&[0; 4], &[]), "Truncated"),
        case(
            "sent, packet nonce 0",
            sent(&[0; 4], &zero_nonce),
            "ZeroNonce"
        ),
        case(
            "sent, packet and a trailing byte",
            sent(&[0; 4], &[&p[..], &[0]].concat()),
            "TrailingBytes"
        ),
        case(
            "received, trailing byte",
            hex0x(&[&[2][..], &received, &[0]].concat()),
            "TrailingBytes"
        ),
        case(
            "received, truncated receipt",
            hex0x(&[&[2][..], &received[..40]].concat()),
            "Truncated"
        ),
    ])
}

/// Outcome message payloads (`[STRAIT-SETTLE.3]`, `[STRAIT-FEE.6]`).
fn outcome_payloads() -> Vec<(&'static str, strait_endpoint::OutcomePayload)> {
    let entry = |id: u8, gas_used: u64, outcome: Outcome| strait_endpoint::OutcomeEntry {
        id: strait_primitives::MessageId([id; 32]),
        gas_used,
        outcome,
    };
    let with = |deliverer: u8, entries: Vec<strait_endpoint::OutcomeEntry>| {
        strait_endpoint::OutcomePayload {
            deliverer: strait_primitives::Address32([deliverer; 32]),
            entries,
        }
    };
    let ok = |ack: &[u8]| Outcome::Executed { ack: ack.to_vec() };
    vec![
        (
            "one entry, executed, gas used",
            with(0xde, vec![entry(0x1d, 12_345, ok(b"ok"))]),
        ),
        (
            "one entry, failed, finalized (no gas)",
            with(0xf1, vec![entry(0x1d, 0, failed(7, "no"))]),
        ),
        (
            "one entry, timed out",
            with(0xde, vec![entry(0x1d, 0, Outcome::TimedOut)]),
        ),
        (
            "one entry, gas used u64::MAX",
            with(0, vec![entry(0x1d, u64::MAX, ok(b""))]),
        ),
        (
            "three entries of a batch: executed, timed out, executed",
            with(
                0xde,
                vec![
                    entry(0x01, 21_000, ok(b"")),
                    entry(0x02, 0, Outcome::TimedOut),
                    entry(0x03, 7, ok(b"ack")),
                ],
            ),
        ),
    ]
}

fn invalid_outcome_payloads() -> Value {
    let ok = outcome_payloads()[2].1.encode();
    let three = outcome_payloads()[4].1.encode();
    let mut v2 = ok.clone();
    v2[0] = 2;
    let with_count = |count: u16| {
        let mut b = ok.clone();
        b[33..35].copy_from_slice(&count.to_be_bytes());
        b
    };
    let case = |name: &str, encoding: Value, error: &str| json!({ "name": name, "encoding": encoding, "error": error });
    json!([
        case("empty", json!("0x"), "Truncated"),
        case("version 2", json!(hex0x(&v2)), "UnsupportedVersion"),
        case(
            "truncated in the deliverer",
            json!(hex0x(&ok[..20])),
            "Truncated"
        ),
        case("no count", json!(hex0x(&ok[..33])), "Truncated"),
        case("count 0", json!(hex0x(&with_count(0)[..35])), "Invalid"),
        case(
            "count 0 with an entry after it",
            json!(hex0x(&with_count(0))),
            "Invalid"
        ),
        case(
            "count 1,025, checked before the entries",
            json!(hex0x(&with_count(1025)[..35])),
            "TooLarge"
        ),
        case(
            "count 65,535",
            json!(hex0x(&with_count(u16::MAX))),
            "TooLarge"
        ),
        case(
            "truncated in an entry's id",
            json!(hex0x(&ok[..50])),
            "Truncated"
        ),
        case(
            "truncated in gas_used",
            json!(hex0x(&ok[..70])),
            "Truncated"
        ),
        case("no outcome", json!(hex0x(&ok[..75])), "Truncated"),
        case(
            "count 2, one entry",
            json!(hex0x(&with_count(2))),
            "Truncated"
        ),
        case(
            "count 3, the third entry truncated",
            json!(hex0x(&three[..three.len() - 1])),
            "Truncated"
        ),
        case(
            "unknown outcome kind in the second entry",
            json!(hex0x(&{
                let mut b = three.clone();
                // Entry 0: id, gas, kind 0, ack_len 0 (45 bytes); entry 1's kind byte follows its
                // id and gas.
                b[35 + 45 + 40] = 3;
                b
            })),
            "UnknownOutcome"
        ),
        case(
            "trailing byte",
            json!([hex0x(&ok), "0x00"]),
            "TrailingBytes"
        ),
    ])
}

fn render() -> Value {
    json!({
        "description": "Canonical encodings of receipts and endpoint events (docs/SPEC.md section \
            4.4) and of outcome message payloads (sections 4.5 and 11, version 3). Each receipt and event decodes from its encoding and re-encodes to the same bytes. \
            An invalid case's \"error\" is the name (docs/SPEC.md section 0) of the first failing \
            check. An encoding is a 0x-prefixed hex string or a list of parts concatenated; a part \
            is a hex string or {\"repeat\": n, \"hex\": h} (h written n times).",
        "receipts": receipts().iter().map(|(name, r)| json!({
            "name": name,
            "receipt": receipt_json(r),
            "encoding": hex0x(&r.encode()),
        })).collect::<Vec<_>>(),
        "events": events().iter().map(|(name, e)| {
            let fields = match e {
                EndpointEvent::Sent { id, destination_chain, nonce, leaf_index, packet } => json!({
                    "kind": "sent",
                    "id": id.to_string(),
                    "destination_chain": destination_chain.get(),
                    "nonce": nonce.get(),
                    "leaf_index": leaf_index.get(),
                    "packet": hex0x(packet),
                }),
                EndpointEvent::Received(r) => json!({ "kind": "received", "receipt": receipt_json(r) }),
                EndpointEvent::Finalized(r) => json!({ "kind": "finalized", "receipt": receipt_json(r) }),
                EndpointEvent::Settled { id, outcome } => json!({
                    "kind": "settled",
                    "id": id.to_string(),
                    "outcome": outcome_json(outcome),
                }),
            };
            json!({ "name": name, "event": fields, "encoding": hex0x(&e.encode()) })
        }).collect::<Vec<_>>(),
        "invalid_receipts": invalid_receipts(),
        "invalid_events": invalid_events(),
        "outcome_payloads": outcome_payloads().iter().map(|(name, p)| json!({
            "name": name,
            "deliverer": p.deliverer.to_string(),
            "entries": p.entries.iter().map(|e| json!({
                "id": e.id.to_string(),
                "gas_used": e.gas_used,
                "outcome": outcome_json(&e.outcome),
            })).collect::<Vec<_>>(),
            "encoding": hex0x(&p.encode()),
        })).collect::<Vec<_>>(),
        "invalid_outcome_payloads": invalid_outcome_payloads(),
    })
}

fn expand(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => hex::decode(s.strip_prefix("0x").expect("0x prefix")).expect("hex"),
        Value::Array(parts) => parts.iter().flat_map(expand).collect(),
        Value::Object(o) => expand(&o["hex"]).repeat(o["repeat"].as_u64().unwrap() as usize),
        other => panic!("not an encoding: {other}"),
    }
}

#[test]
fn vectors() {
    let expected = render();
    if std::env::var_os("STRAIT_REGEN_VECTORS").is_some() {
        std::fs::write(
            path(),
            serde_json::to_string_pretty(&expected).unwrap() + "\n",
        )
        .unwrap();
    }
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path()).expect("vector file"))
        .expect("vector json");
    for case in file["receipts"].as_array().unwrap() {
        let bytes = expand(&case["encoding"]);
        let r = Receipt::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
        assert_eq!(r.encode(), bytes, "{}", case["name"]);
        assert_eq!(receipt_json(&r), case["receipt"], "{}", case["name"]);
    }
    for case in file["events"].as_array().unwrap() {
        let bytes = expand(&case["encoding"]);
        let e = EndpointEvent::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
        assert_eq!(e.encode(), bytes, "{}", case["name"]);
        if let EndpointEvent::Sent { id, packet, .. } = &e {
            assert_eq!(*id, Packet::id_of_encoding(packet));
            assert_eq!(id.to_string(), case["event"]["id"].as_str().unwrap());
        }
    }
    for case in file["invalid_receipts"].as_array().unwrap() {
        let err = Receipt::decode(&expand(&case["encoding"])).expect_err("invalid");
        assert_eq!(err.name(), case["error"], "{}: {err}", case["name"]);
    }
    for case in file["invalid_events"].as_array().unwrap() {
        let err = EndpointEvent::decode(&expand(&case["encoding"])).expect_err("invalid");
        assert_eq!(err.name(), case["error"], "{}: {err}", case["name"]);
    }
    for case in file["outcome_payloads"].as_array().unwrap() {
        let bytes = expand(&case["encoding"]);
        let p = strait_endpoint::OutcomePayload::decode(&bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
        assert_eq!(p.encode(), bytes, "{}", case["name"]);
        assert_eq!(
            p.deliverer.to_string(),
            case["deliverer"],
            "{}",
            case["name"]
        );
        let entries = case["entries"].as_array().unwrap();
        assert_eq!(p.entries.len(), entries.len(), "{}", case["name"]);
        for (e, want) in p.entries.iter().zip(entries) {
            assert_eq!(e.id.to_string(), want["id"], "{}", case["name"]);
            assert_eq!(
                e.gas_used,
                want["gas_used"].as_u64().unwrap(),
                "{}",
                case["name"]
            );
            assert_eq!(
                outcome_json(&e.outcome),
                want["outcome"],
                "{}",
                case["name"]
            );
        }
    }
    for case in file["invalid_outcome_payloads"].as_array().unwrap() {
        let err = strait_endpoint::OutcomePayload::decode(&expand(&case["encoding"]))
            .expect_err("invalid");
        assert_eq!(err.name(), case["error"], "{}: {err}", case["name"]);
    }
    assert_eq!(
        file, expected,
        "vector file differs from the implementation"
    );
}

#[test]
fn a_reason_over_the_bound_is_cut_at_a_character_boundary() {
    // 255 ASCII bytes then a 2-byte character: keeping 256 bytes would split it.
    let reason = format!("{}é", "r".repeat(MAX_REASON_LEN - 1));
    let r = receipt(failed(1, &reason));
    let back = Receipt::decode(&r.encode()).unwrap();
    assert_eq!(back.outcome, failed(1, &"r".repeat(MAX_REASON_LEN - 1)));
    let long = receipt(failed(1, &"x".repeat(10 * MAX_REASON_LEN)));
    let back = Receipt::decode(&long.encode()).unwrap();
    assert_eq!(back.outcome, failed(1, &"x".repeat(MAX_REASON_LEN)));
}

proptest::proptest! {
    /// Decoding never panics, and whatever decodes is canonical: it re-encodes to the same bytes.
    #[test]
    fn decoding_arbitrary_bytes_never_panics_and_is_canonical(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        kind in 0u8..4,
    ) {
        if let Ok(r) = Receipt::decode(&bytes) {
            proptest::prop_assert_eq!(r.encode(), bytes.clone());
        }
        let mut event = vec![kind];
        event.extend_from_slice(&bytes);
        if let Ok(e) = EndpointEvent::decode(&event) {
            proptest::prop_assert_eq!(e.encode(), event);
        }
    }

    /// Every outcome kind, with any bytes after a valid receipt head, decodes canonically or fails.
    #[test]
    fn mutated_receipts_decode_canonically_or_fail(
        index in proptest::prelude::any::<proptest::sample::Index>(),
        byte in proptest::prelude::any::<u8>(),
        which in 0usize..6,
    ) {
        let mut bytes = receipts()[which].1.encode();
        let i = index.index(bytes.len());
        bytes[i] = byte;
        if let Ok(r) = Receipt::decode(&bytes) {
            proptest::prop_assert_eq!(r.encode(), bytes);
        }
    }
}
