//! Negative and bound vectors of every light-client format, and verdict vectors, for
//! `docs/vectors/light_client.json` (written and checked by `vectors.rs`).

use serde_json::{json, Value};
use strait_light_client::*;
use strait_primitives::{ChainId, Hash32, Height, Timestamp};

use crate::support::signer;

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// `n` distinct valid validators of power 1, from seeds `[hi, lo, 0x5a, ..]`, sorted.
pub fn many_validators(n: usize) -> Vec<Validator> {
    let mut v: Vec<Validator> = (0..n)
        .map(|i| {
            let mut seed = [0x5au8; 32];
            seed[..2].copy_from_slice(&(i as u16).to_be_bytes());
            Validator {
                pub_key: Signer::from_seed(seed).public_key(),
                power: 1,
            }
        })
        .collect();
    v.sort_by_key(|v| v.pub_key);
    v
}

/// Encodes a list of validators as a set would, without checking it.
fn encode_list(validators: &[Validator]) -> Vec<u8> {
    let mut out = (validators.len() as u32).to_be_bytes().to_vec();
    for v in validators {
        out.extend_from_slice(&v.pub_key.0);
        out.extend_from_slice(&v.power.to_be_bytes());
    }
    out
}

fn key(seed: u8) -> PublicKey {
    signer(seed).public_key()
}

fn sorted(members: &[(u8, u64)]) -> Vec<Validator> {
    let mut v: Vec<Validator> = members
        .iter()
        .map(|&(s, power)| Validator {
            pub_key: key(s),
            power,
        })
        .collect();
    v.sort_by_key(|v| v.pub_key);
    v
}

fn entry(name: &str, bytes: &[u8], error: Option<&str>) -> Value {
    json!({ "name": name, "encoding": hex0x(bytes), "error": error })
}

/// Validator-set encodings and the name of the error each decodes to (`null`: decodes).
pub fn validator_sets() -> Vec<Value> {
    let two = sorted(&[(1, 10), (2, 20)]);
    let mut swapped = two.clone();
    swapped.swap(0, 1);
    let mut dup = two.clone();
    dup[1].pub_key = dup[0].pub_key;
    let mut zero = two.clone();
    zero[1].power = 0;
    let mut at_max = two.clone();
    at_max[0].power = MAX_TOTAL_POWER - 1;
    at_max[1].power = 1;
    let mut past_max = at_max.clone();
    past_max[1].power = 2;
    let mut u64_wrap = two.clone();
    u64_wrap[0].power = u64::MAX;
    u64_wrap[1].power = 2;
    let with_key = |k: [u8; 32]| {
        let mut v = vec![Validator {
            pub_key: PublicKey(k),
            power: 1,
        }];
        v.sort_by_key(|v| v.pub_key);
        v
    };
    let mut identity = [0u8; 32];
    identity[0] = 1;
    // y = p + 3: a non-canonical encoding of a point of large order.
    let mut non_canonical = [0xffu8; 32];
    non_canonical[0] = 0xed + 3;
    non_canonical[31] = 0x7f;
    let mut off_curve = [0u8; 32];
    off_curve[0] = 2;
    let mut trailing = encode_list(&two);
    trailing.push(0);
    let mut count_513 = 513u32.to_be_bytes().to_vec();
    count_513.extend_from_slice(&[0; 40]);
    vec![
        entry("two_validators", &encode_list(&two), None),
        entry("empty_input", &[], Some("Truncated")),
        entry("count_truncated", &[0, 0, 1], Some("Truncated")),
        entry("count_zero", &[0, 0, 0, 0], Some("Empty")),
        entry("count_513", &count_513, Some("TooLarge")),
        entry(
            "validator_truncated",
            &encode_list(&two)[..4 + 40 + 20],
            Some("Truncated"),
        ),
        entry("not_sorted", &encode_list(&swapped), Some("NotSorted")),
        entry("duplicate_key", &encode_list(&dup), Some("NotSorted")),
        entry("zero_power", &encode_list(&zero), Some("ZeroPower")),
        entry("total_power_at_max", &encode_list(&at_max), None),
        entry(
            "total_power_past_max",
            &encode_list(&past_max),
            Some("TotalPowerTooLarge"),
        ),
        entry(
            "total_power_past_u64",
            &encode_list(&u64_wrap),
            Some("TotalPowerTooLarge"),
        ),
        entry(
            "weak_key_identity",
            &encode_list(&with_key(identity)),
            Some("InvalidKey"),
        ),
        entry(
            "non_canonical_key",
            &encode_list(&with_key(non_canonical)),
            Some("InvalidKey"),
        ),
        entry(
            "key_off_curve",
            &encode_list(&with_key(off_curve)),
            Some("InvalidKey"),
        ),
        entry("trailing_byte", &trailing, Some("TrailingBytes")),
        entry("validators_512", &encode_list(&many_validators(512)), None),
        entry(
            "validators_513",
            &encode_list(&many_validators(513)),
            Some("TooLarge"),
        ),
    ]
}

pub fn header_bytes() -> [u8; HEADER_ENCODED_LEN] {
    Header {
        chain_id: ChainId(1),
        height: Height(42),
        timestamp: Timestamp(1_700_000_042_000),
        ..Default::default()
    }
    .encode()
}

/// Header encodings and their decode errors.
pub fn headers() -> Vec<Value> {
    let h = header_bytes();
    let mut v2 = h;
    v2[0] = 2;
    let mut long = h.to_vec();
    long.push(0);
    vec![
        entry("header", &h, None),
        entry("empty_input", &[], Some("Truncated")),
        entry("version_2", &v2, Some("UnsupportedVersion")),
        entry("version_2_truncated", &v2[..10], Some("UnsupportedVersion")),
        entry("truncated_184", &h[..184], Some("Truncated")),
        entry("trailing_byte", &long, Some("TrailingBytes")),
    ]
}

fn commit_bytes(indices: impl IntoIterator<Item = u16>) -> Vec<u8> {
    let indices: Vec<u16> = indices.into_iter().collect();
    let mut out = (indices.len() as u32).to_be_bytes().to_vec();
    for i in indices {
        out.extend_from_slice(&i.to_be_bytes());
        out.extend_from_slice(&[0x5a; 64]);
    }
    out
}

/// Commit encodings and their decode errors (signatures are not checked by decoding).
pub fn commits() -> Vec<Value> {
    let mut trailing = commit_bytes([0, 1]);
    trailing.push(0);
    let two = commit_bytes([0, 1]);
    vec![
        entry("two_signatures", &two, None),
        entry("no_signature", &commit_bytes([]), None),
        entry("empty_input", &[], Some("Truncated")),
        entry(
            "count_513_header_only",
            &513u32.to_be_bytes(),
            Some("TooLarge"),
        ),
        entry("index_truncated", &two[..4 + 66 + 1], Some("Truncated")),
        entry(
            "signature_truncated",
            &two[..4 + 66 + 2 + 63],
            Some("Truncated"),
        ),
        entry("repeated_index", &commit_bytes([3, 3]), Some("Invalid")),
        entry("decreasing_index", &commit_bytes([3, 2]), Some("Invalid")),
        entry("count_above_signatures", &two[..4 + 66], Some("Truncated")),
        entry("trailing_byte", &trailing, Some("TrailingBytes")),
        entry("signatures_512", &commit_bytes(0..512), None),
        entry("signatures_513", &commit_bytes(0..513), Some("TooLarge")),
    ]
}

/// Signed-header encodings and their decode errors.
pub fn signed_headers() -> Vec<Value> {
    let h = header_bytes();
    let ok = [&h[..], &commit_bytes([0, 1])].concat();
    let mut bad_version = ok.clone();
    bad_version[0] = 0;
    let mut trailing = ok.clone();
    trailing.push(0);
    vec![
        entry("signed_header", &ok, None),
        entry("header_only", &h, Some("Truncated")),
        entry("bad_version", &bad_version, Some("UnsupportedVersion")),
        entry(
            "commit_out_of_order",
            &[&h[..], &commit_bytes([1, 0])].concat(),
            Some("Invalid"),
        ),
        entry("trailing_byte", &trailing, Some("TrailingBytes")),
    ]
}

/// Light-block encodings and their decode errors.
pub fn light_blocks() -> Vec<Value> {
    let signed = [&header_bytes()[..], &commit_bytes([0, 1])].concat();
    let set = encode_list(&sorted(&[(1, 10), (2, 20)]));
    let zero = {
        let mut v = sorted(&[(1, 10), (2, 20)]);
        v[0].power = 0;
        encode_list(&v)
    };
    let swapped = {
        let mut v = sorted(&[(1, 10), (2, 20)]);
        v.swap(0, 1);
        encode_list(&v)
    };
    let other = encode_list(&sorted(&[(3, 5)]));
    let ok = [&signed[..], &set, &set].concat();
    let mut trailing = ok.clone();
    trailing.push(0);
    vec![
        entry("light_block", &ok, None),
        entry(
            "next_set_differs",
            &[&signed[..], &set, &other].concat(),
            None,
        ),
        entry(
            "next_set_missing",
            &[&signed[..], &set].concat(),
            Some("Truncated"),
        ),
        entry(
            "validators_zero_power",
            &[&signed[..], &zero, &set].concat(),
            Some("ZeroPower"),
        ),
        entry(
            "next_validators_not_sorted",
            &[&signed[..], &set, &swapped].concat(),
            Some("NotSorted"),
        ),
        entry(
            "bad_header_version",
            &[&[9u8][..], &ok[1..]].concat(),
            Some("UnsupportedVersion"),
        ),
        entry("trailing_byte", &trailing, Some("TrailingBytes")),
    ]
}

fn set_of(seeds: &[u8]) -> ValidatorSet {
    ValidatorSet::new(sorted(
        &seeds
            .iter()
            .map(|&s| (s, 10 * u64::from(s)))
            .collect::<Vec<_>>(),
    ))
    .unwrap()
}

fn block(height: u64, time: u64, vals: &ValidatorSet, seeds: &[u8], chain: u64) -> LightBlock {
    let header = Header {
        chain_id: ChainId(chain),
        height: Height(height),
        timestamp: Timestamp(time),
        parent_hash: Hash32([0x11; 32]),
        app_state_root: Hash32([0x22; 32]),
        outbox_root: Hash32([0x33; 32]),
        validators_hash: vals.hash(),
        next_validators_hash: vals.hash(),
    };
    let signers: Vec<Signer> = seeds.iter().map(|&s| signer(s)).collect();
    let refs: Vec<&Signer> = signers.iter().collect();
    LightBlock {
        signed_header: SignedHeader {
            commit: sign_commit(&header, vals, &refs),
            header,
        },
        validators: vals.clone(),
        next_validators: vals.clone(),
    }
}

/// The trusted state of every verdict vector: chain 1, height 41, the set of seeds 1..=4.
pub const TRUSTED_HEIGHT: u64 = 41;
/// Its time.
pub const TRUSTED_TIME: u64 = 1_700_000_041_000;

/// The trusted state and options of the verdict vectors.
pub fn verdict_setup() -> Value {
    json!({
        "chain_id": 1,
        "height": TRUSTED_HEIGHT,
        "timestamp": TRUSTED_TIME,
        "next_validators": hex0x(&set_of(&[1, 2, 3, 4]).encode()),
        "trust_threshold": { "numerator": 1, "denominator": 3 },
        "trusting_period_ms": 86_400_000,
        "max_clock_drift_ms": 10_000,
    })
}

/// Verdict vectors: a light block, `now`, and the expected verdict and reason name, verified
/// against the trusted state and options the file lists.
pub fn verdicts() -> Vec<Value> {
    let trusted = set_of(&[1, 2, 3, 4]);
    let strangers = set_of(&[5, 6, 7, 8]);
    let t = |h: u64| TRUSTED_TIME + (h - TRUSTED_HEIGHT) * 1_000;
    let now = t(60) + 500;
    let day = 86_400_000;
    let mut forged = block(42, t(42), &trusted, &[1, 2, 3, 4], 1);
    forged.signed_header.commit.signatures[1].signature[0] ^= 1;
    let mut empty = block(42, t(42), &trusted, &[1, 2, 3, 4], 1);
    empty.signed_header.commit.signatures.clear();
    let mut wrong_set = block(42, t(42), &trusted, &[1, 2, 3, 4], 1);
    wrong_set.validators = strangers.clone();
    let cases: Vec<(&str, LightBlock, u64, &str, Option<&str>)> = vec![
        (
            "adjacent",
            block(42, t(42), &trusted, &[1, 2, 3, 4], 1),
            now,
            "Success",
            None,
        ),
        (
            "skipping",
            block(60, t(60), &trusted, &[2, 3, 4], 1),
            now,
            "Success",
            None,
        ),
        (
            "adjacent_from_future",
            block(42, t(42), &trusted, &[1, 2, 3, 4], 1),
            t(42) - 10_000,
            "NotYet",
            Some("HeaderFromFuture"),
        ),
        (
            "skipping_strangers",
            block(60, t(60), &strangers, &[5, 6, 7, 8], 1),
            now,
            "NotYet",
            Some("NotEnoughTrust"),
        ),
        (
            "skipping_below_one_third",
            block(60, t(60), &trusted, &[1, 2, 3, 4], 1).with_signers(&[1, 2]),
            now,
            "NotYet",
            Some("NotEnoughTrust"),
        ),
        (
            "adjacent_strangers",
            block(42, t(42), &strangers, &[5, 6, 7, 8], 1),
            now,
            "Invalid",
            Some("AdjacentValidatorsMismatch"),
        ),
        (
            "adjacent_forged_signature",
            forged,
            now,
            "Invalid",
            Some("InvalidSignature"),
        ),
        (
            "adjacent_below_two_thirds",
            block(42, t(42), &trusted, &[1, 2, 3, 4], 1).with_signers(&[2, 4]),
            now,
            "Invalid",
            Some("InsufficientSigningPower"),
        ),
        (
            "adjacent_empty_commit",
            empty,
            now,
            "Invalid",
            Some("EmptyCommit"),
        ),
        (
            "adjacent_wrong_validator_set",
            wrong_set,
            now,
            "Invalid",
            Some("ValidatorsHashMismatch"),
        ),
        (
            "other_chain",
            block(42, t(42), &trusted, &[1, 2, 3, 4], 2),
            now,
            "Invalid",
            Some("ChainIdMismatch"),
        ),
        (
            "trusted_state_expired",
            block(42, t(42), &trusted, &[1, 2, 3, 4], 1),
            TRUSTED_TIME + day,
            "Invalid",
            Some("TrustingPeriodExpired"),
        ),
        (
            "time_unreachable",
            block(42, TRUSTED_TIME + day + 10_000, &trusted, &[1, 2, 3, 4], 1),
            now,
            "Invalid",
            Some("HeaderTimeUnreachable"),
        ),
        (
            "height_not_above",
            block(41, t(42), &trusted, &[1, 2, 3, 4], 1),
            now,
            "Invalid",
            Some("NonIncreasingHeight"),
        ),
        (
            "time_not_after",
            block(42, TRUSTED_TIME, &trusted, &[1, 2, 3, 4], 1),
            now,
            "Invalid",
            Some("NonIncreasingTime"),
        ),
    ];
    cases
        .into_iter()
        .map(|(name, b, now, verdict, reason)| {
            json!({
                "name": name,
                "light_block": hex0x(&b.encode()),
                "now": now,
                "verdict": verdict,
                "reason": reason,
            })
        })
        .collect()
}

trait WithSigners {
    fn with_signers(self, seeds: &[u8]) -> Self;
}

impl WithSigners for LightBlock {
    /// The same header signed by `seeds` only.
    fn with_signers(mut self, seeds: &[u8]) -> Self {
        let signers: Vec<Signer> = seeds.iter().map(|&s| signer(s)).collect();
        let refs: Vec<&Signer> = signers.iter().collect();
        self.signed_header.commit = sign_commit(self.header(), &self.validators, &refs);
        self
    }
}
