//! Golden vectors: `docs/vectors/packet.json` pins the encoding, the message id and the route id of
//! a dozen packets. The Solidity tests read the same file. Regenerate (only on a deliberate format
//! change) with `STRAIT_REGEN_VECTORS=1 cargo test -p strait-packet --test it`.

use serde_json::{json, Value};
use strait_packet::{DeliveryOptions, Packet, MAX_PAYLOAD_LEN};
use strait_primitives::{keccak256, Address32, ChainId, Height, Nonce, Timestamp};

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../docs/vectors/packet.json")
}

fn cases() -> Vec<(&'static str, Packet)> {
    let base = Packet {
        nonce: Nonce(1),
        source_chain: ChainId(1),
        sender: Address32([0x11; 32]),
        destination_chain: ChainId(2),
        receiver: Address32([0x22; 32]),
        options: DeliveryOptions::default(),
        payload: Vec::new(),
    };
    let with = |f: &dyn Fn(&mut Packet)| {
        let mut p = base.clone();
        f(&mut p);
        p
    };
    vec![
        ("empty payload", base.clone()),
        ("short payload", with(&|p| p.payload = b"hello".to_vec())),
        ("ordered", with(&|p| p.options.ordered = true)),
        (
            "timeout height",
            with(&|p| p.options.timeout_height = Some(Height(1_000))),
        ),
        (
            "timeout timestamp",
            with(&|p| p.options.timeout_timestamp = Some(Timestamp(1_700_000_000_000))),
        ),
        (
            "both timeouts, ordered",
            with(&|p| {
                p.options = DeliveryOptions {
                    ordered: true,
                    timeout_height: Some(Height(7)),
                    timeout_timestamp: Some(Timestamp(9)),
                }
            }),
        ),
        ("max nonce", with(&|p| p.nonce = Nonce(u64::MAX))),
        (
            "max chain ids",
            with(&|p| {
                p.source_chain = ChainId(u64::MAX);
                p.destination_chain = ChainId(u64::MAX - 1)
            }),
        ),
        (
            "evm addresses",
            with(&|p| {
                p.sender = Address32::from_evm([0xde; 20]);
                p.receiver = Address32::from_evm([0xad; 20]);
            }),
        ),
        (
            "1 KiB payload",
            with(&|p| p.payload = (0..1024u32).map(|i| (i % 251) as u8).collect()),
        ),
        (
            "payload of hashes",
            with(&|p| p.payload = keccak256(b"strait").0.repeat(3)),
        ),
        (
            "reverse direction",
            with(&|p| {
                p.source_chain = ChainId(2);
                p.destination_chain = ChainId(1);
                p.nonce = Nonce(42);
            }),
        ),
    ]
}

fn render() -> Value {
    let cases: Vec<Value> = cases()
        .into_iter()
        .map(|(name, p)| {
            json!({
                "name": name,
                "packet": {
                    "nonce": p.nonce.get(),
                    "source_chain": p.source_chain.get(),
                    "sender": p.sender.to_string(),
                    "destination_chain": p.destination_chain.get(),
                    "receiver": p.receiver.to_string(),
                    "ordered": p.options.ordered,
                    "timeout_height": p.options.timeout_height.map_or(0, Height::get),
                    "timeout_timestamp": p.options.timeout_timestamp.map_or(0, Timestamp::get),
                    "payload": format!("0x{}", hex::encode(&p.payload)),
                },
                "encoding": format!("0x{}", hex::encode(p.encode())),
                "message_id": p.id().to_string(),
                "route_id": p.route().id().to_string(),
            })
        })
        .collect();
    json!({
        "description": "Strait packet v1 golden vectors (docs/SPEC.md section 2): canonical encoding, message id = keccak256(\"STRAIT/MESSAGE/v1\" || encoding), route id = keccak256(\"STRAIT/ROUTE/v1\" || source_chain || sender || destination_chain || receiver).",
        "cases": cases,
        "encoding_format": ENCODING_FORMAT,
        "invalid": invalid(),
        "bounds": bounds(),
    })
}

/// How an `encoding` of `invalid` and `bounds` is written: a hex string, or a list of parts.
const ENCODING_FORMAT: &str = "An encoding is a 0x-prefixed hex string, or a list of parts \
    concatenated in order; a part is a hex string, or {\"repeat\": n, \"hex\": h} (h written n \
    times), or {\"repeat\": n, \"parts\": [...]} (the parts written n times). \"error\" is the \
    name (docs/SPEC.md section 0) of the first check that fails, or null if the bytes decode; then \
    they re-encode to the same bytes and have the given message id.";

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// The first case's header with `payload_length` = `len`, as a hex string (110 bytes).
fn header_with_len(len: u32) -> String {
    let mut e = cases_first_encoding();
    e[106..110].copy_from_slice(&len.to_be_bytes());
    hex0x(&e)
}

fn invalid() -> Value {
    let first = cases_first_encoding();
    let case = |name: &str, encoding: Value, error: &str| json!({ "name": name, "encoding": encoding, "error": error });
    let bytes = |b: &[u8]| Value::String(hex0x(b));
    let mut nonce_zero_short = with_nonce_zero();
    nonce_zero_short.truncate(9);
    Value::Array(vec![
        case("empty input", bytes(&[]), "Truncated"),
        case("version 0", bytes(&with_byte(0, 0)), "UnsupportedVersion"),
        case("version 2", bytes(&[2]), "UnsupportedVersion"),
        case(
            "version 2, full packet",
            bytes(&with_byte(0, 2)),
            "UnsupportedVersion",
        ),
        case(
            "version 255",
            bytes(&with_byte(0, 0xff)),
            "UnsupportedVersion",
        ),
        case("truncated nonce", bytes(&first[..5]), "Truncated"),
        case("nonce zero", bytes(&with_nonce_zero()), "ZeroNonce"),
        case(
            "nonce zero before truncation",
            bytes(&nonce_zero_short),
            "ZeroNonce",
        ),
        case(
            "unknown flag bit 7",
            bytes(&with_byte(89, 0x80)),
            "UnknownFlags",
        ),
        case(
            "unknown flag bit 1",
            bytes(&with_byte(89, 0x02)),
            "UnknownFlags",
        ),
        case(
            "ordered and unknown flag",
            bytes(&with_byte(89, 0x81)),
            "UnknownFlags",
        ),
        case(
            "unknown flags before truncation",
            bytes(&with_byte(89, 0x02)[..90]),
            "UnknownFlags",
        ),
        case("truncated header", bytes(&first[..109]), "Truncated"),
        case(
            "truncated payload length",
            bytes(&first[..108]),
            "Truncated",
        ),
        case(
            "payload length 65,537, no payload",
            json!(header_with_len(65_537)),
            "TooLarge",
        ),
        case(
            "payload length 2^32 - 1",
            json!(header_with_len(u32::MAX)),
            "TooLarge",
        ),
        case(
            "payload length 5, 4 bytes",
            json!([header_with_len(5), "0x68656c6c"]),
            "Truncated",
        ),
        case(
            "trailing byte",
            json!([hex0x(&first), "0x00"]),
            "TrailingBytes",
        ),
    ])
}

fn bounds() -> Value {
    let mut max = cases()[0].1.clone();
    max.payload = vec![0xab; MAX_PAYLOAD_LEN];
    json!([
        {
            "name": "payload of 65,536 bytes (the maximum)",
            "encoding": [header_with_len(65_536), { "repeat": 65_536, "hex": "0xab" }],
            "error": null,
            "message_id": max.id().to_string(),
        },
        {
            "name": "payload of 65,537 bytes",
            "encoding": [header_with_len(65_537), { "repeat": 65_537, "hex": "0xab" }],
            "error": "TooLarge",
        },
        {
            "name": "payload of 65,536 bytes and a trailing byte",
            "encoding": [header_with_len(65_536), { "repeat": 65_537, "hex": "0xab" }],
            "error": "TrailingBytes",
        },
    ])
}

/// Expands an `encoding` written as in [`ENCODING_FORMAT`].
fn expand(v: &Value) -> Vec<u8> {
    fn part(v: &Value, out: &mut Vec<u8>) {
        match v {
            Value::String(s) => {
                out.extend(hex::decode(s.strip_prefix("0x").expect("0x prefix")).expect("hex"))
            }
            Value::Array(parts) => parts.iter().for_each(|p| part(p, out)),
            Value::Object(o) => {
                let n = o["repeat"].as_u64().expect("repeat count");
                let inner = o
                    .get("hex")
                    .or_else(|| o.get("parts"))
                    .expect("hex or parts");
                let mut one = Vec::new();
                part(inner, &mut one);
                for _ in 0..n {
                    out.extend_from_slice(&one);
                }
            }
            other => panic!("not an encoding: {other}"),
        }
    }
    let mut out = Vec::new();
    part(v, &mut out);
    out
}

fn cases_first_encoding() -> Vec<u8> {
    cases()[0].1.encode()
}

fn with_byte(i: usize, b: u8) -> Vec<u8> {
    let mut e = cases_first_encoding();
    e[i] = b;
    e
}

fn with_nonce_zero() -> Vec<u8> {
    let mut e = cases_first_encoding();
    e[1..9].copy_from_slice(&[0; 8]);
    e
}

#[test]
fn golden_vectors() {
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
    // Check every case from the file independently of how it was generated.
    for case in file["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let bytes =
            hex::decode(case["encoding"].as_str().unwrap().trim_start_matches("0x")).unwrap();
        let p = Packet::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(p.encode(), bytes, "{name}");
        assert_eq!(
            p.id().to_string(),
            case["message_id"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            p.route().id().to_string(),
            case["route_id"].as_str().unwrap(),
            "{name}"
        );
        let fields = &case["packet"];
        assert_eq!(p.nonce.get(), fields["nonce"].as_u64().unwrap(), "{name}");
        assert_eq!(
            p.sender.to_string(),
            fields["sender"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            format!("0x{}", hex::encode(&p.payload)),
            fields["payload"].as_str().unwrap(),
            "{name}"
        );
    }
    for case in file["invalid"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let err = Packet::decode(&expand(&case["encoding"])).expect_err(name);
        assert_eq!(err.name(), case["error"].as_str().unwrap(), "{name}: {err}");
    }
    for case in file["bounds"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let bytes = expand(&case["encoding"]);
        match case["error"].as_str() {
            Some(error) => {
                let err = Packet::decode(&bytes).expect_err(name);
                assert_eq!(err.name(), error, "{name}: {err}");
            }
            None => {
                let p = Packet::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(p.encode(), bytes, "{name}");
                assert_eq!(
                    p.id().to_string(),
                    case["message_id"].as_str().unwrap(),
                    "{name}"
                );
            }
        }
    }
    assert_eq!(
        file, expected,
        "vector file differs from the implementation"
    );
}
