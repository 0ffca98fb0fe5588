//! Golden vectors shared with the other implementations: `docs/vectors/light_client.json`.
//!
//! Regenerate with `STRAIT_REGEN_VECTORS=1 cargo test -p strait-light-client vectors`.

use serde_json::{json, Value};
use strait_light_client::*;
use strait_primitives::{ChainId, Hash32, Height, Timestamp};

use crate::support::signer;

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
