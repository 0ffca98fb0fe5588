//! The ed25519 rule (`[STRAIT-ED25519.1]`, ZIP 215) on edge-case signatures:
//! `docs/vectors/ed25519.json`. Single and batch verification must both give each vector's verdict.
//!
//! Verdicts are set by construction here (which equation holds), not by the code under test.
//! Regenerate with `STRAIT_REGEN_VECTORS=1 cargo test -p strait-light-client ed25519`.

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT as B, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use serde_json::{json, Value};
use sha2::{Digest, Sha512};
use strait_light_client::ed25519::{self, BatchItem};

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../docs/vectors/ed25519.json"
);

/// The group order l, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// `p + y` for a small `y`, as 32 little-endian bytes with the sign bit `sign` (a non-canonical
/// encoding of the point with y coordinate `y`).
fn p_plus(y: u8, sign: bool) -> [u8; 32] {
    let mut b = [0xffu8; 32];
    b[0] = 0xed + y; // p = 2^255 - 19: low byte 0xed, then 0xff..., top byte 0x7f
    b[31] = 0x7f | if sign { 0x80 } else { 0 };
    b
}

fn scalar(tag: u8) -> Scalar {
    Scalar::from_bytes_mod_order_wide(&Sha512::digest([tag; 32]).into())
}

fn k(r: &[u8; 32], a: &[u8; 32], m: &[u8]) -> Scalar {
    let h: [u8; 64] = Sha512::new()
        .chain_update(r)
        .chain_update(a)
        .chain_update(m)
        .finalize()
        .into();
    Scalar::from_bytes_mod_order_wide(&h)
}

fn sig(r: [u8; 32], s: Scalar) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&r);
    out[32..].copy_from_slice(s.as_bytes());
    out
}

/// A signature with nonce point bytes `r_bytes` (whose point is `r B + T` for a torsion `T`) by
/// the secret `a` under key bytes `a_bytes`: `s = r + k a`.
fn sign(a: Scalar, a_bytes: [u8; 32], r: Scalar, r_bytes: [u8; 32], m: &[u8]) -> [u8; 64] {
    sig(r_bytes, r + k(&r_bytes, &a_bytes, m) * a)
}

fn point(p: EdwardsPoint) -> [u8; 32] {
    p.compress().to_bytes()
}

struct Case {
    name: String,
    key: [u8; 32],
    message: Vec<u8>,
    signature: [u8; 64],
    valid: bool,
    error: Option<&'static str>,
}

fn case(
    name: impl Into<String>,
    key: [u8; 32],
    message: &[u8],
    signature: [u8; 64],
    error: Option<&'static str>,
) -> Case {
    Case {
        name: name.into(),
        key,
        message: message.to_vec(),
        signature,
        valid: error.is_none(),
        error,
    }
}

fn cases() -> Vec<Case> {
    let m: &[u8] = b"STRAIT ed25519 vector";
    let (a, r) = (scalar(1), scalar(2));
    let a_pt = a * B;
    let a_bytes = point(a_pt);
    let r_bytes = point(r * B);
    let good = sign(a, a_bytes, r, r_bytes, m);
    let t8 = EIGHT_TORSION[1]; // order 8
    let t2 = EIGHT_TORSION[4]; // order 2: (0, -1)
    let mut out = vec![
        case("valid", a_bytes, m, good, None),
        case(
            "valid_rfc8032_signer",
            strait_light_client::Signer::from_seed([7; 32])
                .public_key()
                .0,
            m,
            strait_light_client::Signer::from_seed([7; 32]).sign(m),
            None,
        ),
        case(
            "wrong_message",
            a_bytes,
            b"another message",
            good,
            Some("EquationFailed"),
        ),
        case(
            "empty_message_valid",
            a_bytes,
            b"",
            sign(a, a_bytes, r, r_bytes, b""),
            None,
        ),
    ];
    // s >= l: s + l, and s with the top bit set.
    let mut s_plus_l = good;
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(s_plus_l[32 + i]) + u16::from(L[i]) + carry;
        s_plus_l[32 + i] = v as u8;
        carry = v >> 8;
    }
    out.push(case(
        "s_plus_l",
        a_bytes,
        m,
        s_plus_l,
        Some("NonCanonicalS"),
    ));
    let mut s_is_l = good;
    s_is_l[32..].copy_from_slice(&L);
    out.push(case(
        "s_equals_l",
        a_bytes,
        m,
        s_is_l,
        Some("NonCanonicalS"),
    ));
    let mut s_high = good;
    s_high[63] |= 0x80;
    out.push(case(
        "s_high_bit",
        a_bytes,
        m,
        s_high,
        Some("NonCanonicalS"),
    ));
    // R with a torsion component: valid (cofactored), rejected by a cofactorless check.
    for (name, t) in [("r_order2_component", t2), ("r_order8_component", t8)] {
        let rb = point(r * B + t);
        out.push(case(name, a_bytes, m, sign(a, a_bytes, r, rb, m), None));
    }
    // A with a torsion component (mixed order key), and both A and R mixed.
    let mixed_a = point(a_pt + t8);
    out.push(case(
        "a_mixed_order",
        mixed_a,
        m,
        sign(a, mixed_a, r, r_bytes, m),
        None,
    ));
    let mixed_r = point(r * B + EIGHT_TORSION[3]);
    out.push(case(
        "a_and_r_mixed_order",
        mixed_a,
        m,
        sign(a, mixed_a, r, mixed_r, m),
        None,
    ));
    // Small-order A: any message verifies with R = rB, s = r (ZIP 215 accepts; validator sets and
    // transaction signers refuse such keys separately).
    for (i, t) in EIGHT_TORSION.iter().enumerate() {
        let tb = point(*t);
        out.push(case(
            format!("a_small_order_{i}"),
            tb,
            m,
            sig(r_bytes, r),
            None,
        ));
    }
    out.push(case(
        "a_identity_r_identity_s_zero",
        point(EdwardsPoint::default()),
        m,
        sig(point(EdwardsPoint::default()), Scalar::ZERO),
        None,
    ));
    // Small-order R with s = k a: valid, canonical or not, with or without the x sign bit.
    for (i, t) in EIGHT_TORSION.iter().enumerate() {
        let rb = point(*t);
        out.push(case(
            format!("r_small_order_{i}"),
            a_bytes,
            m,
            sig(rb, k(&rb, &a_bytes, m) * a),
            None,
        ));
    }
    // Every non-canonical encoding (y >= p, or x = 0 with the sign bit set) as R with s = k a:
    // valid iff the point is of small order; as A (small order ones) with R = rB, s = r.
    let mut encodings: Vec<(String, [u8; 32])> = Vec::new();
    for y in 0u8..19 {
        for sign_bit in [false, true] {
            encodings.push((
                format!("p_plus_{y}_sign_{}", u8::from(sign_bit)),
                p_plus(y, sign_bit),
            ));
        }
    }
    let mut one_signed = [0u8; 32];
    one_signed[0] = 1;
    one_signed[31] = 0x80;
    encodings.push(("identity_sign_bit".into(), one_signed));
    let mut minus_one_signed = point(t2);
    minus_one_signed[31] |= 0x80;
    encodings.push(("order2_sign_bit".into(), minus_one_signed));
    for (label, bytes) in encodings {
        match CompressedEdwardsY(bytes).decompress() {
            None => out.push(case(
                format!("r_not_a_point_{label}"),
                a_bytes,
                m,
                sig(bytes, Scalar::ONE),
                Some("InvalidR"),
            )),
            Some(p) => {
                let small = p.mul_by_cofactor().is_identity();
                out.push(case(
                    format!("r_noncanonical_{label}"),
                    a_bytes,
                    m,
                    sig(bytes, k(&bytes, &a_bytes, m) * a),
                    (!small).then_some("EquationFailed"),
                ));
                if small {
                    out.push(case(
                        format!("a_noncanonical_{label}"),
                        bytes,
                        m,
                        sig(r_bytes, r),
                        None,
                    ));
                }
            }
        }
    }
    // A key that is not a point.
    let not_a_point = (2u8..)
        .map(|y| {
            let mut b = [0u8; 32];
            b[0] = y;
            b
        })
        .find(|b| CompressedEdwardsY(*b).decompress().is_none())
        .expect("some small y is not on the curve");
    out.push(case(
        "a_not_a_point",
        not_a_point,
        m,
        good,
        Some("InvalidPublicKey"),
    ));
    out
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn compute() -> Value {
    let vectors: Vec<Value> = cases()
        .into_iter()
        .map(|c| {
            json!({
                "name": c.name,
                "pub_key": hex0x(&c.key),
                "message": hex0x(&c.message),
                "signature": hex0x(&c.signature),
                "valid": c.valid,
                "error": c.error,
            })
        })
        .collect();
    json!({
        "description": "ed25519 signatures and their verdicts under the Strait rule ([STRAIT-ED25519.1], ZIP 215: cofactored equation [8][s]B = [8]R + [8][k]A, s < l, A and R any point encoding curve25519-dalek decompresses, k = SHA-512(R || A || M) over the bytes as given). Single and batch verification must both give the verdict; `error` names the first failing check (InvalidPublicKey, NonCanonicalS, InvalidR, EquationFailed). Regenerate with STRAIT_REGEN_VECTORS=1 cargo test -p strait-light-client ed25519.",
        "vectors": vectors,
    })
}

fn bytes<const N: usize>(v: &Value) -> [u8; N] {
    let mut out = [0u8; N];
    hex::decode_to_slice(v.as_str().unwrap().trim_start_matches("0x"), &mut out).unwrap();
    out
}

fn read_file() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(PATH).expect("docs/vectors/ed25519.json is missing"),
    )
    .unwrap()
}

#[test]
fn ed25519_vectors_match() {
    let computed = compute();
    if std::env::var("STRAIT_REGEN_VECTORS").as_deref() == Ok("1") {
        let text = serde_json::to_string_pretty(&computed).unwrap() + "\n";
        std::fs::write(PATH, text).unwrap();
    }
    assert_eq!(read_file(), computed);
}

#[test]
fn ed25519_single_and_batch_agree_with_every_vector() {
    let file = read_file();
    let vectors = file["vectors"].as_array().unwrap();
    let good = &vectors[0];
    assert_eq!(good["name"], "valid");
    let good_key = ed25519::decode_key(&bytes(&good["pub_key"])).unwrap();
    let good_msg = hex::decode(good["message"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    let good_sig: [u8; 64] = bytes(&good["signature"]);
    let good_item = BatchItem {
        key: &good_key,
        message: &good_msg,
        signature: &good_sig,
    };
    let (mut valid, mut invalid) = (0, 0);
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let key: [u8; 32] = bytes(&v["pub_key"]);
        let message = hex::decode(v["message"].as_str().unwrap().trim_start_matches("0x")).unwrap();
        let signature: [u8; 64] = bytes(&v["signature"]);
        let expected = v["valid"].as_bool().unwrap();
        let single = ed25519::verify(&key, &message, &signature);
        assert_eq!(single.is_ok(), expected, "single, {name}");
        if let Err(e) = single {
            assert_eq!(v["error"], e.name(), "single error, {name}");
            invalid += 1;
        } else {
            valid += 1;
        }
        let Ok(decoded) = ed25519::decode_key(&key) else {
            assert_eq!(v["error"], "InvalidPublicKey", "{name}");
            continue;
        };
        let item = BatchItem {
            key: &decoded,
            message: &message,
            signature: &signature,
        };
        assert_eq!(
            ed25519::verify_batch(&[item]).is_ok(),
            expected,
            "batch of one, {name}"
        );
        for batch in [[good_item, item, good_item], [item, good_item, good_item]] {
            assert_eq!(
                ed25519::verify_batch(&batch).is_ok(),
                expected,
                "batch, {name}"
            );
            let culprit = ed25519::first_invalid(&batch);
            assert_eq!(culprit.is_none(), expected, "bisection, {name}");
        }
    }
    assert!(
        valid >= 20 && invalid >= 8,
        "{valid} valid, {invalid} invalid"
    );
}

#[test]
fn ed25519_batch_of_every_vector_bisects_to_the_first_invalid() {
    let file = read_file();
    let parsed: Vec<_> = file["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| {
            let key = ed25519::decode_key(&bytes(&v["pub_key"])).ok()?;
            let message =
                hex::decode(v["message"].as_str().unwrap().trim_start_matches("0x")).unwrap();
            let signature: [u8; 64] = bytes(&v["signature"]);
            Some((key, message, signature, v["valid"].as_bool().unwrap()))
        })
        .collect();
    let items: Vec<BatchItem<'_>> = parsed
        .iter()
        .map(|(key, message, signature, _)| BatchItem {
            key,
            message,
            signature,
        })
        .collect();
    let valid: Vec<BatchItem<'_>> = items
        .iter()
        .zip(&parsed)
        .filter(|(_, p)| p.3)
        .map(|(i, _)| *i)
        .collect();
    assert!(ed25519::verify_batch(&valid).is_ok());
    assert_eq!(ed25519::first_invalid(&valid), None);
    // Each invalid vector alone among all the valid ones is found by bisection.
    for (i, p) in parsed.iter().enumerate() {
        if p.3 {
            continue;
        }
        let mut batch = valid.clone();
        let at = i % (batch.len() + 1);
        batch.insert(at, items[i]);
        assert!(ed25519::verify_batch(&batch).is_err());
        assert_eq!(ed25519::first_invalid(&batch), Some(at));
    }
}

mod agreement {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Signatures with any torsion in R and A, optionally with one byte flipped: single and
        /// batch verification (alone, or among valid signatures) give the same verdict, and
        /// untouched ones are valid.
        #[test]
        fn single_and_batch_agree(
            a_tag in any::<u8>(),
            r_tag in any::<u8>(),
            t_a in 0usize..8,
            t_r in 0usize..8,
            message in proptest::collection::vec(any::<u8>(), 0..40),
            flip in proptest::option::of((0usize..96, 0u8..8)),
        ) {
            let (a, r) = (scalar(a_tag), scalar(r_tag));
            let mut key = point(a * B + EIGHT_TORSION[t_a]);
            let r_bytes = point(r * B + EIGHT_TORSION[t_r]);
            let mut signature = sign(a, key, r, r_bytes, &message);
            if let Some((byte, bit)) = flip {
                if byte < 64 {
                    signature[byte] ^= 1 << bit;
                } else {
                    key[byte - 64] ^= 1 << bit;
                }
            }
            let single = ed25519::verify(&key, &message, &signature);
            if flip.is_none() {
                prop_assert!(single.is_ok());
            }
            if let Ok(decoded) = ed25519::decode_key(&key) {
                let item = BatchItem { key: &decoded, message: &message, signature: &signature };
                let good_key = ed25519::decode_key(&point(a * B)).unwrap();
                let good_sig = sign(a, point(a * B), r, point(r * B), b"other");
                let good = BatchItem { key: &good_key, message: b"other", signature: &good_sig };
                prop_assert_eq!(ed25519::verify_batch(&[item]).is_ok(), single.is_ok());
                prop_assert_eq!(ed25519::verify_batch(&[good, item, good]).is_ok(), single.is_ok());
                prop_assert_eq!(ed25519::first_invalid(&[good, item, good]), single.is_err().then_some(1));
            } else {
                prop_assert_eq!(single, Err(ed25519::SignatureError::InvalidPublicKey));
            }
        }
    }
}
