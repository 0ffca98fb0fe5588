//! `SecurityConfig::decode` on untrusted bytes (`[STRAIT-ROUTE.2]`): whatever decodes is valid
//! and canonical.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_endpoint::SecurityConfig;
use strait_fuzz::assert_canonical;

fuzz_target!(|data: &[u8]| {
    let Ok(config) = SecurityConfig::decode(data) else {
        return;
    };
    assert_eq!(config.validate(), Ok(()));
    assert_canonical(data, &config.encode(), "security config");
});
