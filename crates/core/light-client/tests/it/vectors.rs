//! Golden vectors shared with the other implementations: `docs/vectors/light_client.json`.
//!
//! Regenerate with `STRAIT_REGEN_VECTORS=1 cargo test -p strait-light-client vectors`.

use serde_json::{json, Value};
use strait_light_client::*;
use strait_primitives::{ChainId, Hash32, Height, Timestamp};

use crate::support::signer;
use crate::vector_cases as cases;

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../docs/vectors/light_client.json"
);

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn set() -> ValidatorSet {
    let mut validators: Vec<Validator> = (1u8..=4)
        .map(|i| Validator {
            pub_key: signer(i).public_key(),
            power: 10 * u64::from(i),
        })
        .collect();
    validators.sort_by_key(|v| v.pub_key);
    ValidatorSet::new(validators).unwrap()
}

fn sample_header(set: &ValidatorSet) -> Header {
    Header {
        chain_id: ChainId(1),
        height: Height(42),
        timestamp: Timestamp(1_700_000_042_000),
        parent_hash: Hash32([0x11; 32]),
        app_state_root: Hash32([0x22; 32]),
        outbox_root: Hash32([0x33; 32]),
        validators_hash: set.hash(),
        next_validators_hash: set.hash(),
    }
}

fn compute() -> Value {
    let set = set();
    let header = sample_header(&set);
    let hash = header.hash();
    let signers: Vec<Signer> = (1u8..=4).map(signer).collect();
    let refs: Vec<&Signer> = signers.iter().collect();
    let commit = sign_commit(&header, &set, &refs);
    let signed = SignedHeader { header, commit };
    let validators: Vec<Value> = set
        .validators()
        .iter()
        .enumerate()
        .map(|(index, v)| {
            let seed = (1u8..=4)
                .find(|&i| signer(i).public_key() == v.pub_key)
                .unwrap();
            json!({
                "index": index,
                "seed": hex0x(&[seed; 32]),
                "pub_key": v.pub_key.to_string(),
                "power": v.power,
            })
        })
        .collect();
    let first = signed.commit.signatures[0];
    json!({
        "description": "Strait light client golden vectors (docs/SPEC.md, [STRAIT-LC-*]). Validator i (1..=4) has the ed25519 (RFC 8032) secret seed [i; 32] (32 bytes each equal to i) and power 10 * i. Validators are listed in set order (ascending public key). All integers are big-endian on the wire. Regenerate with STRAIT_REGEN_VECTORS=1 cargo test -p strait-light-client vectors.",
        "validators": validators,
        "validator_set_encoding": hex0x(&set.encode()),
        "validator_set_hash": set.hash().to_string(),
        "validator_set_total_power": set.total_power(),
        "header": serde_json::to_value(header).unwrap(),
        "header_encoding": hex0x(&header.encode()),
        "header_hash": hash.to_string(),
        "vote_sign_bytes": hex0x(&vote_sign_bytes(header.chain_id, header.height, &hash)),
        "signature": {
            "validator_index": first.validator_index,
            "signature": hex0x(&first.signature),
        },
        "signed_header_encoding": hex0x(&signed.encode()),
        "largest_light_block_len": LARGEST_LIGHT_BLOCK_LEN,
        "decoding": {
            "description": "Each encoding decodes (error null) or fails with the named error: the first failing check of [STRAIT-LC-VALSET.3], [STRAIT-LC-HEADER.1], [STRAIT-LC-BLOCK.1..3].",
            "validator_set": cases::validator_sets(),
            "header": cases::headers(),
            "commit": cases::commits(),
            "signed_header": cases::signed_headers(),
            "light_block": cases::light_blocks(),
        },
        "verdicts": {
            "description": "Each light block verified against `trusted` (chain id, height, timestamp, next validator set encoding) with its options at time `now` gives `verdict` (Success, NotYet, Invalid) with the named `reason` ([STRAIT-LC.0..7]). Validator i (1..=8) has seed [i; 32] and power 10 * i.",
            "trusted": cases::verdict_setup(),
            "cases": cases::verdicts(),
        },
    })
}

#[test]
fn golden_vectors_match() {
    let computed = compute();
    if std::env::var("STRAIT_REGEN_VECTORS").as_deref() == Ok("1") {
        let text = serde_json::to_string_pretty(&computed).unwrap() + "\n";
        std::fs::write(PATH, text).unwrap();
    }
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(PATH).expect("docs/vectors/light_client.json is missing"),
    )
    .unwrap();
    for (key, value) in computed.as_object().unwrap() {
        assert_eq!(&file[key], value, "vector {key} differs");
    }
    assert_eq!(file, computed);
}

#[test]
fn golden_vectors_decode_and_verify() {
    let file: Value = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    let bytes =
        |key: &str| hex::decode(file[key].as_str().unwrap().trim_start_matches("0x")).unwrap();
    let set = ValidatorSet::decode(&bytes("validator_set_encoding")).unwrap();
    assert_eq!(set.hash().to_string(), file["validator_set_hash"]);
    let header = Header::decode(&bytes("header_encoding")).unwrap();
    assert_eq!(serde_json::to_value(header).unwrap(), file["header"]);
    assert_eq!(header.hash().to_string(), file["header_hash"]);
    let signed = SignedHeader::decode(&bytes("signed_header_encoding")).unwrap();
    assert_eq!(signed.header, header);
    assert_eq!(
        hex0x(&signed.commit.signatures[0].signature),
        file["signature"]["signature"]
    );
    // The whole commit verifies against the set, from a trusted state one height below.
    let block = LightBlock {
        signed_header: signed,
        validators: set.clone(),
        next_validators: set.clone(),
    };
    let trusted = TrustedState {
        chain_id: ChainId(1),
        height: Height(41),
        timestamp: Timestamp(1_700_000_041_000),
        next_validators: &set,
    };
    let options = Options {
        trust_threshold: TrustThreshold::ONE_THIRD,
        trusting_period_ms: 86_400_000,
        max_clock_drift_ms: 10_000,
    };
    assert_eq!(
        verify(&block, &trusted, &options, Timestamp(1_700_000_043_000)),
        Verdict::Success
    );
}

fn hex_of(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

/// The name of the error `decode` gives, or `None` if it decodes and re-encodes to the input.
fn decoded<T, E>(
    bytes: &[u8],
    decode: impl Fn(&[u8]) -> Result<T, E>,
    encode: impl Fn(&T) -> Vec<u8>,
    name: impl Fn(&E) -> &'static str,
) -> Option<&'static str> {
    match decode(bytes) {
        Ok(value) => {
            assert_eq!(encode(&value), bytes, "decoded value does not re-encode");
            None
        }
        Err(e) => Some(name(&e)),
    }
}

#[test]
fn decoding_vectors_name_their_errors() {
    let file: Value = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    let d = &file["decoding"];
    let check = |format: &str, f: &dyn Fn(&[u8]) -> Option<&'static str>| {
        let list = d[format].as_array().unwrap();
        assert!(list.len() >= 5, "{format}");
        for v in list {
            let got = f(&hex_of(&v["encoding"]));
            assert_eq!(got, v["error"].as_str(), "{format} {}", v["name"]);
        }
    };
    check("validator_set", &|b| {
        decoded(
            b,
            ValidatorSet::decode,
            ValidatorSet::encode,
            ValidatorSetError::name,
        )
    });
    check("header", &|b| {
        decoded(
            b,
            Header::decode,
            |h| h.encode().to_vec(),
            strait_primitives::DecodeError::name,
        )
    });
    check("commit", &|b| {
        decoded(b, Commit::decode, Commit::encode, BlockError::name)
    });
    check("signed_header", &|b| {
        decoded(
            b,
            SignedHeader::decode,
            SignedHeader::encode,
            BlockError::name,
        )
    });
    check("light_block", &|b| {
        decoded(b, LightBlock::decode, LightBlock::encode, BlockError::name)
    });
}

#[test]
fn verdict_vectors_hold() {
    let file: Value = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    let v = &file["verdicts"];
    let t = &v["trusted"];
    let next = ValidatorSet::decode(&hex_of(&t["next_validators"])).unwrap();
    let trusted = TrustedState {
        chain_id: ChainId(t["chain_id"].as_u64().unwrap()),
        height: Height(t["height"].as_u64().unwrap()),
        timestamp: Timestamp(t["timestamp"].as_u64().unwrap()),
        next_validators: &next,
    };
    let options = Options {
        trust_threshold: TrustThreshold::new(
            t["trust_threshold"]["numerator"].as_u64().unwrap(),
            t["trust_threshold"]["denominator"].as_u64().unwrap(),
        )
        .unwrap(),
        trusting_period_ms: t["trusting_period_ms"].as_u64().unwrap(),
        max_clock_drift_ms: t["max_clock_drift_ms"].as_u64().unwrap(),
    };
    let cases = v["cases"].as_array().unwrap();
    let kinds: Vec<&str> = cases
        .iter()
        .map(|c| c["verdict"].as_str().unwrap())
        .collect();
    for kind in ["Success", "NotYet", "Invalid"] {
        assert!(kinds.contains(&kind), "no {kind} vector");
    }
    for c in cases {
        let block = LightBlock::decode(&hex_of(&c["light_block"])).unwrap();
        let now = Timestamp(c["now"].as_u64().unwrap());
        let verdict = verify(&block, &trusted, &options, now);
        assert_eq!(verdict.kind(), c["verdict"], "{}", c["name"]);
        assert_eq!(verdict.reason(), c["reason"].as_str(), "{}", c["name"]);
    }
}

#[test]
fn largest_light_block_is_exactly_the_stated_size() {
    let validators = cases::many_validators(MAX_VALIDATORS);
    let set = ValidatorSet::new(validators).unwrap();
    let mut next_validators = cases::many_validators(MAX_VALIDATORS + 1);
    next_validators.remove(0);
    let next = ValidatorSet::new(next_validators).unwrap();
    let commit = Commit {
        signatures: (0..MAX_VALIDATORS as u16)
            .map(|validator_index| CommitSig {
                validator_index,
                signature: [7; 64],
            })
            .collect(),
    };
    let block = LightBlock {
        signed_header: SignedHeader {
            header: sample_header(&set),
            commit,
        },
        validators: set,
        next_validators: next,
    };
    let bytes = block.encode();
    assert_eq!(bytes.len(), LARGEST_LIGHT_BLOCK_LEN);
    assert_eq!(LARGEST_LIGHT_BLOCK_LEN, 74_949);
    assert_eq!(LightBlock::decode(&bytes), Ok(block));
    // Nothing longer decodes: one more byte is trailing.
    let mut longer = bytes;
    longer.push(0);
    assert_eq!(
        LightBlock::decode(&longer).map_err(|e| e.name()),
        Err("TrailingBytes")
    );
}
