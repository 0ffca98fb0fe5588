//! Golden vectors: `docs/vectors/packet.json` pins the encoding, the message id and the route id of
//! a dozen packets. The Solidity tests read the same file. Regenerate (only on a deliberate format
//! change) with `STRAIT_REGEN_VECTORS=1 cargo test -p strait-packet --test it`.

use serde_json::{json, Value};
use strait_packet::{DeliveryOptions, Packet};
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
        "invalid": [
            { "name": "version 2", "encoding": "0x02", "error": "unsupported version" },
            { "name": "truncated header", "encoding": format!("0x{}", hex::encode(&cases_first_encoding()[..109])), "error": "truncated" },
            { "name": "unknown flag bit", "encoding": format!("0x{}", hex::encode(with_byte(89, 0x80))), "error": "invalid flags" },
            { "name": "nonce zero", "encoding": format!("0x{}", hex::encode(with_nonce_zero())), "error": "invalid nonce" },
            { "name": "trailing byte", "encoding": format!("0x{}00", hex::encode(cases_first_encoding())), "error": "trailing bytes" },
        ],
    })
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
        let bytes =
            hex::decode(case["encoding"].as_str().unwrap().trim_start_matches("0x")).unwrap();
        let err = Packet::decode(&bytes)
            .expect_err(case["name"].as_str().unwrap())
            .to_string();
        assert!(err.contains(case["error"].as_str().unwrap()), "{err}");
    }
    assert_eq!(
        file, expected,
        "vector file differs from the implementation"
    );
}
