//! Golden and negative vectors of the token transfer payload, denominations, their topics and
//! limit buckets (`docs/vectors/token.json`, `[STRAIT-TOKEN.1]`, `[STRAIT-LIMIT.1]`,
//! `[STRAIT-PAUSE.4]`), read by the Solidity token application's tests so the two cannot drift.
//! Regenerate (only on a deliberate format change) with
//! `STRAIT_REGEN_VECTORS=1 cargo test -p strait-node --lib token::vectors`.

use serde_json::{json, Value};
use strait_primitives::{Address32, ChainId};

use super::limits::{denom_topic, Bucket, Direction};
use super::{local_denom, valid_denom, Transfer, BAD_TRANSFER, MAX_DENOM_LEN};

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../docs/vectors/token.json")
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn evm(byte: u8) -> Address32 {
    let mut a = [0; 32];
    a[12..].fill(byte);
    Address32(a)
}

fn transfers() -> Vec<Transfer> {
    let max_denom = format!("{}sat", "1/".repeat(62));
    [
        ("sat", 1, evm(0x11), evm(0x22)),
        ("1/sat", 1_000_000_000_000, Address32([0xab; 32]), evm(0x33)),
        ("2/1/sat", u128::MAX, evm(0x44), Address32([0xcd; 32])),
        ("31337/usdc", 5, evm(0x55), evm(0x66)),
        (
            "18446744073709551615/x9",
            0,
            Address32([0; 32]),
            Address32([0; 32]),
        ),
        (max_denom.as_str(), 7, evm(0x77), evm(0x88)),
    ]
    .into_iter()
    .map(|(denom, amount, sender, recipient)| Transfer {
        denom: denom.into(),
        amount,
        sender,
        recipient,
    })
    .collect()
}

/// Invalid payloads, each refused with `BAD_TRANSFER` by the decoder.
fn invalid() -> Vec<(&'static str, Vec<u8>)> {
    let good = transfers()[1].encode();
    let with_denom = |denom: &[u8]| {
        let mut out = vec![1, denom.len() as u8];
        out.extend_from_slice(denom);
        out.extend_from_slice(&good[2 + 5..]);
        out
    };
    let mut long = good.clone();
    long[1] = (MAX_DENOM_LEN + 1) as u8;
    vec![
        ("empty", vec![]),
        ("version 0", [&[0u8][..], &good[1..]].concat()),
        ("version 2", [&[2u8][..], &good[1..]].concat()),
        ("denom length over 128", long),
        ("truncated denom", good[..4].to_vec()),
        ("truncated amount", good[..2 + 5 + 15].to_vec()),
        ("truncated recipient", good[..good.len() - 1].to_vec()),
        ("trailing byte", [&good[..], &[0]].concat()),
        ("empty denom", with_denom(b"")),
        ("uppercase denom", with_denom(b"1/SAT")),
        ("denom not UTF-8", with_denom(b"1/s\xffa")),
        ("leading zero chain", with_denom(b"01/sat")),
        ("chain over u64", with_denom(b"18446744073709551616/sat")),
        ("empty path part", with_denom(b"1//sat")),
        ("trailing slash", with_denom(b"1/sat/")),
        ("base over 16", with_denom(b"1/abcdefghijklmnopq")),
    ]
}

fn render() -> Value {
    let long_path = format!("{}sat", "1/".repeat(64));
    let denoms: Vec<Value> = [
        "sat",
        "1/sat",
        "2/1/sat",
        "abcdefghijklmnop",
        "18446744073709551615/x9",
        "",
        "/sat",
        "sat/",
        "01/sat",
        "x/sat",
        "1//sat",
        "SAT",
        "s at",
        "18446744073709551616/sat",
        "abcdefghijklmnopq",
        long_path.as_str(),
    ]
    .into_iter()
    .map(
        |d| json!({"denom": d, "valid": valid_denom(d), "topic": hex0x(denom_topic(d).as_bytes())}),
    )
    .collect();
    let paths: Vec<Value> = [
        (1u64, 2u64, "sat"),
        (1, 2, "1/sat"),
        (3, 2, "1/sat"),
        (2, 3, "2/1/sat"),
        (1, 31337, "1/2/sat"),
        (31337, 1, "usdc"),
        (31337, 1, "31337/usdc"),
        (1, 11, "11/sat"),
    ]
    .into_iter()
    .map(|(chain, source, denom)| {
        let (local, home) = local_denom(ChainId(chain), ChainId(source), denom);
        json!({"chain": chain, "source": source, "denom": denom, "local": local, "home": home})
    })
    .collect();
    let buckets: Vec<Value> = [
        (Direction::Out, 2u64, "sat"),
        (Direction::In, 31337, "1/usdc"),
    ]
    .into_iter()
    .map(|(direction, remote, denom)| {
        let b = Bucket {
            direction,
            remote: ChainId(remote),
            denom: denom.into(),
        };
        json!({"direction": direction as u8, "remote": remote, "denom": denom, "encoding": hex0x(&b.encode())})
    })
    .collect();
    json!({
        "description": "Token transfer payloads ([STRAIT-TOKEN.1]: version u8 = 1 | denom_len u8 (<= 128) | denom | amount u128 | sender [32] | recipient [32]), denominations with their validity and pause topics (keccak256(\"STRAIT/TOKEN/TOPIC/v1\" || denom), [STRAIT-PAUSE.4]), the local denomination of a received transfer (home: released from escrow; otherwise the voucher <source>/<denom>, [STRAIT-TOKEN.3]) and limit bucket encodings ([STRAIT-LIMIT.1]). Every invalid payload is refused with code BAD_TRANSFER (1000). Regenerate with STRAIT_REGEN_VECTORS=1 cargo test -p strait-node --lib token::vectors.",
        "bad_transfer_code": BAD_TRANSFER,
        "transfers": transfers().iter().map(|t| json!({
            "denom": t.denom,
            "amount": t.amount.to_string(),
            "sender": hex0x(t.sender.as_bytes()),
            "recipient": hex0x(t.recipient.as_bytes()),
            "encoding": hex0x(&t.encode()),
        })).collect::<Vec<_>>(),
        "invalid_transfers": invalid().into_iter().map(|(name, bytes)| json!({
            "name": name,
            "encoding": hex0x(&bytes),
            "code": Transfer::decode(&bytes).err().map(|e| e.code),
        })).collect::<Vec<_>>(),
        "denoms": denoms,
        "local_denoms": paths,
        "buckets": buckets,
    })
}

#[test]
fn token_vectors() {
    let expected = render();
    for case in expected["invalid_transfers"].as_array().unwrap() {
        assert_eq!(case["code"], json!(BAD_TRANSFER), "{}", case["name"]);
    }
    for (t, case) in transfers()
        .iter()
        .zip(expected["transfers"].as_array().unwrap())
    {
        let bytes = hex::decode(&case["encoding"].as_str().unwrap()[2..]).unwrap();
        assert_eq!(Transfer::decode(&bytes).as_ref(), Ok(t));
    }
    if std::env::var_os("STRAIT_REGEN_VECTORS").is_some() {
        std::fs::write(
            path(),
            serde_json::to_string_pretty(&expected).unwrap() + "\n",
        )
        .unwrap();
    }
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path()).expect("vector file"))
        .expect("vector json");
    assert_eq!(
        file, expected,
        "docs/vectors/token.json is stale: regenerate it"
    );
}
