//! `ValidatorSet::decode` on untrusted bytes: whatever decodes is canonical, within its bounds, and
//! every validator is found at its own position.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_fuzz::assert_canonical;
use strait_light_client::{ValidatorSet, MAX_TOTAL_POWER, MAX_VALIDATORS};

fuzz_target!(|data: &[u8]| {
    let Ok(set) = ValidatorSet::decode(data) else {
        return;
    };
    assert_canonical(data, &set.encode(), "validator set");
    assert!(!set.is_empty() && set.len() <= MAX_VALIDATORS);
    let total: u64 = set.validators().iter().map(|v| v.power).sum();
    assert_eq!(total, set.total_power());
    assert!(total <= MAX_TOTAL_POWER);
    for (index, validator) in set.validators().iter().enumerate() {
        assert_eq!(set.find(&validator.pub_key).map(|(i, _)| i), Some(index));
    }
    assert_eq!(
        ValidatorSet::decode(&set.encode()).map(|s| s.hash()),
        Ok(set.hash())
    );
});
