//! Golden and negative vectors of BLS mode (SPEC §5.7): `docs/vectors/bls_header.json`.
//!
//! Regenerate with `STRAIT_REGEN_VECTORS=1 cargo test -p strait-light-client bls_vectors`.

use serde_json::{json, Value};
use strait_light_client::bls::*;
use strait_light_client::{Header, Options, TrustThreshold};
use strait_primitives::{ChainId, Hash32, Height, Timestamp};

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../docs/vectors/bls_header.json"
);
const CHAIN: ChainId = ChainId(1);
const TRUSTED_HEIGHT: Height = Height(41);
const TRUSTED_TIME: Timestamp = Timestamp(1_700_000_041_000);
const NOW: Timestamp = Timestamp(1_700_000_050_000);

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn ikm(i: u8) -> [u8; 32] {
    [i; 32]
}

fn signer(i: u8) -> BlsSigner {
    BlsSigner::from_ikm(&ikm(i))
}

/// Validators with key material `[i; 32]` and power `10 * i`, in set order.
fn set(members: impl IntoIterator<Item = u8>) -> BlsValidatorSet {
    let mut v: Vec<BlsValidator> = members
        .into_iter()
        .map(|i| signer(i).validator(10 * u64::from(i)))
        .collect();
    v.sort_by_key(|v| v.pub_key);
    BlsValidatorSet::new(v).unwrap()
}

fn options() -> Options {
    Options {
        trust_threshold: TrustThreshold::ONE_THIRD,
        trusting_period_ms: 1_209_600_000,
        max_clock_drift_ms: 10_000,
    }
}

fn header(height: u64) -> Header {
    Header {
        chain_id: CHAIN,
        height: Height(height),
        timestamp: Timestamp(1_700_000_000_000 + height * 1_000),
        parent_hash: Hash32([0x11; 32]),
        app_state_root: Hash32([0x22; 32]),
        outbox_root: Hash32([0x33; 32]),
        validators_hash: Hash32([0x44; 32]),
        next_validators_hash: Hash32([0x44; 32]),
    }
}

fn block(height: u64, set: &BlsValidatorSet, next: &BlsValidatorSet, by: &[u8]) -> BlsLightBlock {
    let header = header(height);
    let signers: Vec<BlsSigner> = by.iter().map(|&i| signer(i)).collect();
    BlsLightBlock {
        commit: sign_bls_commit(&header, set, next, &signers.iter().collect::<Vec<_>>()),
        header,
        validators: set.clone(),
        next_validators: next.clone(),
    }
}

/// The verdict name of `bytes` against the trusted set: a decode error's name, or the verdict's.
fn verdict_of(bytes: &[u8], trusted: &BlsValidatorSet) -> (String, Option<String>) {
    match BlsLightBlock::decode(bytes) {
        Err(e) => ("DecodeError".into(), Some(e.name().into())),
        Ok(block) => {
            let t = BlsTrustedState {
                chain_id: CHAIN,
                height: TRUSTED_HEIGHT,
                timestamp: TRUSTED_TIME,
                next_validators: trusted,
            };
            let v = verify_bls(&block, &t, &options(), NOW);
            (v.kind().into(), v.reason().map(Into::into))
        }
    }
}

fn compute() -> Value {
    let trusted = set(1..=4);
    let good = block(42, &trusted, &trusted, &[1, 2, 3, 4]);
    let hash = good.header.hash();
    let mut cases: Vec<(&str, Vec<u8>)> = vec![("adjacent, all four sign", good.encode())];
    cases.push((
        "adjacent, 3 and 4 sign (70 of 100 power)",
        block(42, &trusted, &trusted, &[3, 4]).encode(),
    ));
    cases.push((
        "adjacent, 2 and 4 sign (60 of 100: not above 2/3)",
        block(42, &trusted, &trusted, &[2, 4]).encode(),
    ));
    let rotated = set(3..=6);
    cases.push((
        "skipping to a set sharing 3 and 4 (70 of 100 trusted power)",
        block(50, &rotated, &rotated, &[3, 4, 5, 6]).encode(),
    ));
    let far = set([3, 5, 6, 7]);
    cases.push((
        "skipping to a set sharing only 3 (30 of 100 trusted power: NotYet)",
        block(50, &far, &far, &[3, 5, 6, 7]).encode(),
    ));
    cases.push((
        "adjacent, signed by another set",
        block(42, &rotated, &rotated, &[3, 4, 5, 6]).encode(),
    ));
    cases.push((
        "adjacent, the set changes to 3..6 named in the sign bytes",
        block(42, &trusted, &rotated, &[1, 2, 3, 4]).encode(),
    ));
    let mut swapped = block(42, &trusted, &rotated, &[1, 2, 3, 4]);
    swapped.next_validators = far.clone();
    cases.push(("next set replaced after signing", swapped.encode()));
    let mut claims = block(42, &trusted, &trusted, &[2, 3, 4]);
    claims.commit.bitmap[0] = 0x0f;
    cases.push(("bit set for a validator that did not sign", claims.encode()));
    let mut tampered = good.clone();
    tampered.header.outbox_root = Hash32([0x34; 32]);
    cases.push(("header changed after signing", tampered.encode()));
    let mut infinity = good.clone();
    infinity.commit.signature = [0; SIGNATURE_LEN];
    infinity.commit.signature[0] = 0x40;
    cases.push(("aggregate is the point at infinity", infinity.encode()));
    let mut off_curve = good.clone();
    off_curve.commit.signature[191] ^= 1;
    cases.push(("aggregate not on the curve", off_curve.encode()));
    let mut empty = good.clone();
    empty.commit.bitmap = vec![0];
    cases.push(("empty bitmap", empty.encode()));
    let mut long = good.clone();
    long.commit.bitmap = vec![0x0f, 0];
    cases.push(("bitmap one byte too long", long.encode()));
    let mut past = good.clone();
    past.commit.bitmap = vec![0x1f];
    cases.push(("bit 4 set in a set of 4", past.encode()));
    let mut late = block(42, &trusted, &trusted, &[1, 2, 3, 4]);
    late.header.timestamp = Timestamp(NOW.get() + 10_000);
    let late = block_with(late.header, &trusted);
    cases.push((
        "header time at now + drift (from the future)",
        late.encode(),
    ));
    let mut wrong_chain = header(42);
    wrong_chain.chain_id = ChainId(2);
    cases.push(("another chain", block_with(wrong_chain, &trusted).encode()));
    // Decoding failures.
    let bytes = good.encode();
    cases.push(("truncated by one byte", bytes[..bytes.len() - 1].to_vec()));
    cases.push(("one trailing byte", [bytes.as_slice(), &[0]].concat()));
    let mut stolen = bytes.clone();
    // The first validator's proof of possession replaced by the second's.
    let set_at = 185 + good.commit.encoded_len() + 4;
    let (pop1, pop2) = (set_at + 96, set_at + 296 + 96);
    let second_pop = stolen[pop2..pop2 + 192].to_vec();
    stolen[pop1..pop1 + 192].copy_from_slice(&second_pop);
    cases.push(("a proof of possession of another key", stolen));
    let mut big = bytes[..185].to_vec();
    big.push(65);
    cases.push(("bitmap length 65", big));

    let vectors: Vec<Value> = cases
        .into_iter()
        .map(|(name, bytes)| {
            let (verdict, error) = verdict_of(&bytes, &trusted);
            json!({"name": name, "block": hex0x(&bytes), "verdict": verdict, "error": error})
        })
        .collect();
    let validators: Vec<Value> = trusted
        .validators()
        .iter()
        .map(|v| {
            let i = (1u8..=7)
                .find(|&i| signer(i).public_key() == v.pub_key)
                .unwrap();
            json!({"ikm": hex0x(&ikm(i)), "pub_key": hex0x(&v.pub_key),
                   "proof_of_possession": hex0x(&v.proof_of_possession), "power": v.power})
        })
        .collect();
    json!({
        "description": "BLS-signed headers, SPEC §5.7 ([STRAIT-LC-BLS.1] to [STRAIT-LC-BLS.5]). Validator i has the BLS key derived by the IETF KeyGen from ikm [i; 32] (empty key info) and power 10 * i; points are uncompressed (G1 96 bytes, G2 192). Every block is verified in BLS mode against the trusted state below (options: trust threshold 1/3, trusting period and drift in ms) at `now`; `verdict` is Success, NotYet, Invalid or DecodeError and `error` the SPEC name of the first failing check. Regenerate with STRAIT_REGEN_VECTORS=1 cargo test -p strait-light-client bls_vectors.",
        "signature_dst": String::from_utf8_lossy(SIGNATURE_DST),
        "pop_dst": String::from_utf8_lossy(POP_DST),
        "trusted_set": {
            "validators": validators,
            "encoding": hex0x(&trusted.encode()),
            "hash": trusted.hash().to_string(),
        },
        "sign_bytes": {
            "chain_id": CHAIN.get(), "height": 42, "header_hash": hash.to_string(),
            "bls_validators_hash": trusted.hash().to_string(),
            "next_bls_validators_hash": trusted.hash().to_string(),
            "bytes": hex0x(&good.sign_bytes(&hash)),
        },
        "trusted": {
            "chain_id": CHAIN.get(), "height": TRUSTED_HEIGHT.get(),
            "timestamp": TRUSTED_TIME.get(), "next_bls_validators_hash": trusted.hash().to_string(),
        },
        "options": {"trust_threshold": [1, 3], "trusting_period_ms": options().trusting_period_ms,
                    "max_clock_drift_ms": options().max_clock_drift_ms},
        "now": NOW.get(),
        "blocks": vectors,
        "kind": kind_cases(&trusted),
    })
}

/// `[STRAIT-VERIFIER.BFT-BLS]`: a kind-5 client created from the trusted state above (its header
/// hash zero, its roots zero), given updates and evidence; each case against a fresh client.
fn kind_cases(trusted: &BlsValidatorSet) -> Value {
    use strait_light_client::bls::kind::{encode_init, encode_misbehaviour, encode_update};
    use strait_verifier::{ClientRead, MemStore, Updated, Verifier};

    let init = encode_init(
        &options(),
        &BlsConsensusState {
            header: HeaderSummary {
                height: TRUSTED_HEIGHT,
                timestamp: TRUSTED_TIME,
                header_hash: Hash32::ZERO,
                app_state_root: Hash32::ZERO,
                outbox_root: Hash32::ZERO,
            },
            next_validators: trusted.clone(),
        },
    );
    let kind = BlsHeaderVerifier;
    let mut fresh = MemStore::default();
    kind.create(&mut fresh, CHAIN, &init).unwrap();
    let result = |r: Result<Updated, strait_verifier::VerifierError>| match r {
        Ok(Updated::Verified { height, root }) => {
            json!({"verified": {"height": height.get(), "root": root.to_string()}})
        }
        Ok(Updated::Misbehaviour { evidence }) => json!({"frozen": hex0x(&evidence)}),
        Ok(other) => json!(format!("{other:?}")),
        Err(e) => json!({"error": e.name()}),
    };
    let good = block(42, trusted, trusted, &[1, 2, 3, 4]);
    let rotated = set(3..=6);
    let skip = block(50, &rotated, &rotated, &[3, 4, 5, 6]);
    // Validator 6's proof replaced by 5's: 6 is new to the trusted set, so its proof is checked.
    let mut rogue = skip.clone();
    let mut validators = rogue.validators.validators().to_vec();
    let six = validators
        .iter()
        .position(|v| v.pub_key == signer(6).public_key())
        .unwrap();
    validators[six].proof_of_possession = signer(5).proof_of_possession();
    rogue.validators = BlsValidatorSet::new_unproven(validators).unwrap();
    rogue.next_validators = rogue.validators.clone();
    let message = rogue.sign_bytes(&rogue.header.hash());
    let signatures: Vec<_> = [3u8, 4, 5, 6]
        .iter()
        .map(|&i| signer(i).sign(&message))
        .collect();
    rogue.commit.signature = aggregate_signatures(&signatures).unwrap();
    let mut updates = Vec::new();
    for (name, update) in [
        (
            "adjacent, all four sign",
            encode_update(TRUSTED_HEIGHT, &good),
        ),
        (
            "skipping to the set 3..6",
            encode_update(TRUSTED_HEIGHT, &skip),
        ),
        (
            "skipping, new signer 6 with 5's proof of possession",
            encode_update(TRUSTED_HEIGHT, &rogue),
        ),
        (
            "trusted height 40 not stored",
            encode_update(Height(40), &good),
        ),
    ] {
        let cost = kind.update_cost(&update).unwrap();
        let outcome = result(kind.update(&mut fresh.clone(), &update, NOW));
        updates
            .push(json!({"name": name, "update": hex0x(&update), "cost": cost, "result": outcome}));
    }
    let mut forged = good.clone();
    forged.header.app_state_root = Hash32([0xee; 32]);
    forged = block_with(forged.header, trusted);
    let mut evidence = Vec::new();
    for (name, bytes) in [
        (
            "two headers at height 42",
            encode_misbehaviour((TRUSTED_HEIGHT, &good), (TRUSTED_HEIGHT, &forged)),
        ),
        (
            "the same header twice",
            encode_misbehaviour((TRUSTED_HEIGHT, &good), (TRUSTED_HEIGHT, &good)),
        ),
    ] {
        let mut store = fresh.clone();
        let outcome = match kind.submit_misbehaviour(&mut store, &bytes, NOW) {
            Ok(()) => json!({"frozen": hex0x(store.get(b"s").unwrap())}),
            Err(e) => json!({"error": e.name()}),
        };
        evidence.push(json!({"name": name, "evidence": hex0x(&bytes),
            "cost": kind.misbehaviour_cost(&bytes).unwrap(), "result": outcome}));
    }
    json!({
        "description": "Kind 5 (bft-bls, [STRAIT-VERIFIER.BFT-BLS]): a client created from `init` (the options above and the trusted state at height 41 with header hash and roots zero) on chain 1, each case against a fresh client at `now`. An update's result is the verified height and root, the freeze evidence, or the error name; a frozen result of evidence is the client state kept under \"s\".",
        "init": hex0x(&init),
        "create_cost": kind.create_cost(&init).unwrap(),
        "updates": updates,
        "evidence": evidence,
    })
}

fn block_with(header: Header, set: &BlsValidatorSet) -> BlsLightBlock {
    let signers: Vec<BlsSigner> = (1..=4).map(signer).collect();
    BlsLightBlock {
        commit: sign_bls_commit(&header, set, set, &signers.iter().collect::<Vec<_>>()),
        header,
        validators: set.clone(),
        next_validators: set.clone(),
    }
}

#[test]
fn bls_vectors_match() {
    let computed = compute();
    if std::env::var("STRAIT_REGEN_VECTORS").as_deref() == Ok("1") {
        let text = serde_json::to_string_pretty(&computed).unwrap() + "\n";
        std::fs::write(PATH, text).unwrap();
    }
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(PATH).expect("docs/vectors/bls_header.json is missing"),
    )
    .unwrap();
    assert_eq!(file, computed);
}

#[test]
fn bls_vectors_cover_every_verdict_and_named_error() {
    let file = compute();
    let names: Vec<(String, Option<String>)> = file["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["verdict"].as_str().unwrap().to_string(),
                v["error"].as_str().map(String::from),
            )
        })
        .collect();
    let has = |verdict: &str, error: Option<&str>| {
        names
            .iter()
            .any(|(v, e)| v == verdict && e.as_deref() == error)
    };
    assert!(has("Success", None));
    assert!(has("NotYet", Some("NotEnoughTrust")));
    assert!(has("NotYet", Some("HeaderFromFuture")));
    for e in [
        "InsufficientSigningPower",
        "AdjacentValidatorsMismatch",
        "InvalidAggregateSignature",
        "EmptyCommit",
        "BitmapLengthMismatch",
        "SignerIndexOutOfRange",
        "ChainIdMismatch",
    ] {
        assert!(has("Invalid", Some(e)), "{e}");
    }
    for e in [
        "Truncated",
        "TrailingBytes",
        "InvalidProofOfPossession",
        "TooLarge",
    ] {
        assert!(has("DecodeError", Some(e)), "{e}");
    }
    // Every valid block re-encodes to its bytes.
    for v in file["blocks"].as_array().unwrap() {
        if v["verdict"] != "DecodeError" {
            let bytes = hex::decode(&v["block"].as_str().unwrap()[2..]).unwrap();
            assert_eq!(BlsLightBlock::decode(&bytes).unwrap().encode(), bytes);
        }
    }
}
