//! Canonical encodings: round trips, bounded decoding of arbitrary bytes, validator-set rules.

use proptest::prelude::*;
use strait_light_client::*;
use strait_primitives::DecodeError;

use crate::support::*;

fn key(seed: u8) -> PublicKey {
    signer(seed).public_key()
}

fn sorted_keys(seeds: &[u8]) -> Vec<PublicKey> {
    let mut keys: Vec<PublicKey> = seeds.iter().map(|&s| key(s)).collect();
    keys.sort();
    keys
}

#[test]
fn validator_set_rejects_non_canonical_lists() {
    let k = sorted_keys(&[1, 2, 3]);
    let v = |pub_key: PublicKey, power: u64| Validator { pub_key, power };
    assert_eq!(ValidatorSet::new(vec![]), Err(ValidatorSetError::Empty));
    assert_eq!(
        ValidatorSet::new(vec![v(k[1], 1), v(k[0], 1)]),
        Err(ValidatorSetError::NotSorted { index: 1 })
    );
    assert_eq!(
        ValidatorSet::new(vec![v(k[0], 1), v(k[0], 1)]),
        Err(ValidatorSetError::NotSorted { index: 1 })
    );
    assert_eq!(
        ValidatorSet::new(vec![v(k[0], 1), v(k[1], 0)]),
        Err(ValidatorSetError::ZeroPower { index: 1 })
    );
    assert_eq!(
        ValidatorSet::new(vec![v(k[0], MAX_TOTAL_POWER), v(k[1], 1)]),
        Err(ValidatorSetError::TotalPowerTooLarge {
            max: MAX_TOTAL_POWER
        })
    );
    assert_eq!(
        ValidatorSet::new(vec![v(k[0], u64::MAX), v(k[1], u64::MAX)]),
        Err(ValidatorSetError::TotalPowerTooLarge {
            max: MAX_TOTAL_POWER
        })
    );
    assert!(ValidatorSet::new(vec![v(k[0], MAX_TOTAL_POWER - 1), v(k[1], 1)]).is_ok());
    let too_many: Vec<Validator> = (0..=MAX_VALIDATORS)
        .map(|i| v(PublicKey([i as u8; 32]), 1))
        .collect();
    assert!(matches!(
        ValidatorSet::new(too_many),
        Err(ValidatorSetError::TooManyValidators { got: 513, max: 512 })
    ));
}

#[test]
fn validator_set_rejects_weak_and_invalid_keys() {
    // The identity point (y = 1) has order 1; it would "sign" anything.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    // y = -1 has order 2.
    let mut order_two = [0xffu8; 32];
    order_two[0] = 0xec;
    order_two[31] = 0x7f;
    // y = p + 1 is a non-canonical encoding of the identity.
    let mut non_canonical = [0xffu8; 32];
    non_canonical[0] = 0xee;
    non_canonical[31] = 0x7f;
    // y = 2 is not on the curve.
    let mut off_curve = [0u8; 32];
    off_curve[0] = 2;
    for bad in [identity, order_two, non_canonical, off_curve] {
        let key = PublicKey(bad);
        assert_eq!(
            ValidatorSet::new(vec![Validator {
                pub_key: key,
                power: 1
            }]),
            Err(ValidatorSetError::InvalidKey { index: 0, key }),
            "{key}"
        );
    }
}

#[test]
fn validator_set_hash_and_lookup() {
    let set = set_of(&[(1, 10), (2, 20), (3, 30)]);
    assert_eq!(set.total_power(), 60);
    let (i, v) = set.find(&key(2)).unwrap();
    assert_eq!(v.power, 20);
    assert_eq!(set.get(i), Some(v));
    assert!(set.find(&key(9)).is_none());
    let mut preimage = b"STRAIT/VALSET/v1".to_vec();
    preimage.extend_from_slice(&3u32.to_be_bytes());
    for v in set.validators() {
        preimage.extend_from_slice(v.pub_key.as_bytes());
        preimage.extend_from_slice(&v.power.to_be_bytes());
    }
    assert_eq!(set.hash(), strait_primitives::keccak256(&preimage));
    assert_eq!(set.encode(), preimage[16..].to_vec());
    assert_eq!(ValidatorSet::decode(&set.encode()), Ok(set.clone()));
    // Serde goes through the same checks.
    let json = serde_json::to_string(&set).unwrap();
    assert_eq!(serde_json::from_str::<ValidatorSet>(&json).unwrap(), set);
    let mut zero_power: serde_json::Value = serde_json::from_str(&json).unwrap();
    zero_power[0]["power"] = 0.into();
    assert!(serde_json::from_value::<ValidatorSet>(zero_power).is_err());
}

#[test]
fn hostile_counts_are_rejected_before_allocation() {
    let mut bytes = vec![0xff, 0xff, 0xff, 0xff];
    bytes.extend_from_slice(&[0; 40]);
    assert_eq!(
        ValidatorSet::decode(&bytes),
        Err(ValidatorSetError::Decode(DecodeError::TooLarge {
            what: "validator count",
            got: u32::MAX as u64,
            max: MAX_VALIDATORS as u64
        }))
    );
    assert!(matches!(
        Commit::decode(&bytes),
        Err(BlockError::Decode(DecodeError::TooLarge {
            what: "commit signature count",
            ..
        }))
    ));
}

#[test]
fn light_block_round_trips_and_json_too() {
    let chain = static_chain(3);
    let block = chain.block(2);
    let bytes = block.encode();
    assert_eq!(LightBlock::decode(&bytes), Ok(block.clone()));
    let signed = block.signed_header.encode();
    assert_eq!(
        SignedHeader::decode(&signed),
        Ok(block.signed_header.clone())
    );
    assert_eq!(
        signed.len(),
        HEADER_ENCODED_LEN + 4 + 4 * COMMIT_SIG_ENCODED_LEN
    );
    for len in 0..bytes.len() {
        assert!(LightBlock::decode(&bytes[..len]).is_err(), "{len}");
    }
    let json = serde_json::to_string(&block).unwrap();
    assert_eq!(serde_json::from_str::<LightBlock>(&json).unwrap(), block);
}

fn arb_block() -> impl Strategy<Value = LightBlock> {
    (
        proptest::collection::btree_set(1u8..=12, 1..6),
        proptest::collection::btree_set(1u8..=12, 1..6),
        any::<u8>(),
        2u64..1000,
        any::<proptest::sample::Index>(),
    )
        .prop_map(|(vals, next, salt, height, signers)| {
            let vals_set = equal_set(vals.iter().copied());
            let next_set = equal_set(next.iter().copied());
            let seeds: Vec<u8> = vals.iter().copied().collect();
            let n = 1 + signers.index(seeds.len());
            signed_by(
                header(height, &vals_set, &next_set, salt),
                &vals_set,
                &next_set,
                &seeds[..n],
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn light_block_round_trip(block in arb_block()) {
        let bytes = block.encode();
        prop_assert_eq!(LightBlock::decode(&bytes), Ok(block.clone()));
        prop_assert_eq!(SignedHeader::decode(&block.signed_header.encode()), Ok(block.signed_header));
    }

    /// Fuzz target: a mutated light block never panics the decoder, and what decodes is canonical.
    #[test]
    fn decode_mutated_light_block(block in arb_block(), idx in any::<proptest::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = block.encode();
        let i = idx.index(bytes.len());
        bytes[i] = byte;
        if let Ok(b) = LightBlock::decode(&bytes) {
            prop_assert_eq!(b.encode(), bytes);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Fuzz target: arbitrary bytes never panic any decoder; what decodes re-encodes identically.
    #[test]
    fn decoders_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(b) = LightBlock::decode(&bytes) {
            prop_assert_eq!(b.encode(), bytes.clone());
        }
        if let Ok(s) = SignedHeader::decode(&bytes) {
            prop_assert_eq!(s.encode(), bytes.clone());
        }
        if let Ok(c) = Commit::decode(&bytes) {
            prop_assert_eq!(c.encode(), bytes.clone());
        }
        if let Ok(v) = ValidatorSet::decode(&bytes) {
            prop_assert_eq!(v.encode(), bytes.clone());
        }
        if let Ok(h) = Header::decode(&bytes) {
            prop_assert_eq!(h.encode().to_vec(), bytes.clone());
        }
    }

    /// Arbitrary bytes behind valid prefixes reach the inner decoders.
    #[test]
    fn decoders_never_panic_on_structured_noise(count in 0u32..4, tail in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut bytes = count.to_be_bytes().to_vec();
        bytes.extend_from_slice(&tail);
        let _ = ValidatorSet::decode(&bytes);
        let _ = Commit::decode(&bytes);
        let mut with_header = Header::default().encode().to_vec();
        with_header[0] = HEADER_VERSION;
        with_header.extend_from_slice(&bytes);
        let _ = SignedHeader::decode(&with_header);
        let _ = LightBlock::decode(&with_header);
    }
}
