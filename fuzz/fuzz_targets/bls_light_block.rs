//! `BlsLightBlock::decode` on untrusted bytes (SPEC §5.7): whatever decodes is canonical, its sets
//! decode alone to the same values, and verifying it in BLS mode against its own set never panics
//! and answers the same verdict twice.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_fuzz::assert_canonical;
use strait_light_client::bls::{verify_bls, BlsLightBlock, BlsTrustedState, BlsValidatorSet};
use strait_light_client::{Options, TrustThreshold};
use strait_primitives::{Height, Timestamp};

fuzz_target!(|data: &[u8]| {
    let Ok(block) = BlsLightBlock::decode(data) else {
        return;
    };
    assert_canonical(data, &block.encode(), "BLS light block");
    let sets_at = 185 + block.commit.encoded_len();
    let validators = block.validators.encode();
    assert_eq!(
        BlsValidatorSet::decode(&data[sets_at..sets_at + validators.len()]),
        Ok(block.validators.clone())
    );
    let options = Options {
        trust_threshold: TrustThreshold::ONE_THIRD,
        trusting_period_ms: u64::MAX / 4,
        max_clock_drift_ms: 10_000,
    };
    let trusted = BlsTrustedState {
        chain_id: block.header.chain_id,
        height: Height(block.header.height.get().saturating_sub(1)),
        timestamp: Timestamp(block.header.timestamp.get().saturating_sub(1)),
        next_validators: &block.validators,
    };
    let now = Timestamp(block.header.timestamp.get().saturating_add(1));
    let first = verify_bls(&block, &trusted, &options, now);
    assert_eq!(first, verify_bls(&block, &trusted, &options, now));
});
