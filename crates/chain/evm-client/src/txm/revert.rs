//! Revert data decoded by name: the custom errors of every contract the crate binds (the
//! protocol's names of SPEC §0, `contracts/src/Errors.sol`), `Error(string)` and `Panic(uint256)`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use alloy::dyn_abi::{DynSolValue, JsonAbiExt};
use alloy::json_abi::{Error, JsonAbi};
use alloy::primitives::Bytes;
use alloy::sol_types::{Panic, Revert, SolError};

/// A revert, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevertReason {
    /// The error's name (`RootMismatch`, `Error` for `Error(string)`, `Panic`), or `unknown` when
    /// no bound ABI declares its selector (or there is no data).
    pub name: String,
    /// The decoded error with its arguments (`RootMismatch { got: .., expected: .. }`), the
    /// message of an `Error(string)`, or the data in hex.
    pub detail: String,
    /// The raw revert data.
    pub data: Bytes,
}

impl core::fmt::Display for RevertReason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.detail.is_empty() {
            f.write_str(&self.name)
        } else {
            write!(f, "{}: {}", self.name, self.detail)
        }
    }
}

/// The committed artifacts whose errors are known by name.
const ARTIFACTS: [&str; 5] = [
    include_str!("../../../../../contracts/artifacts/StraitEndpoint.json"),
    include_str!("../../../../../contracts/artifacts/EcdsaCommitteeVerifier.json"),
    include_str!("../../../../../contracts/artifacts/BlsCommitteeVerifier.json"),
    include_str!("../../../../../contracts/artifacts/StraitGuardians.json"),
    include_str!("../../../../../contracts/artifacts/StraitFees.json"),
];

/// The protocol's errors as custom errors (the endpoint raises most of them from encoded revert
/// data, so its ABI does not list them).
const ERRORS_SOL: &str = include_str!("../../../../../contracts/src/Errors.sol");

/// Every custom error of `Errors.sol` and the artifacts, by selector (the first declaration of a
/// selector).
fn known_errors() -> &'static BTreeMap<[u8; 4], Error> {
    static ERRORS: OnceLock<BTreeMap<[u8; 4], Error>> = OnceLock::new();
    ERRORS.get_or_init(|| {
        let mut map = BTreeMap::new();
        for line in ERRORS_SOL.lines() {
            let Some(decl) = line.trim().strip_suffix(';') else {
                continue;
            };
            if decl.starts_with("error ") {
                if let Ok(error) = Error::parse(decl) {
                    map.entry(error.selector().0).or_insert(error);
                }
            }
        }
        for artifact in ARTIFACTS {
            let Ok(value) = serde_json::from_str::<serde_json::Value>(artifact) else {
                continue;
            };
            let Some(abi) = value.get("abi") else {
                continue;
            };
            let Ok(abi) = serde_json::from_value::<JsonAbi>(abi.clone()) else {
                continue;
            };
            for error in abi.errors() {
                map.entry(error.selector().0)
                    .or_insert_with(|| error.clone());
            }
        }
        map
    })
}

fn show(value: &DynSolValue) -> String {
    match value {
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::FixedBytes(w, size) => format!("0x{}", alloy::hex::encode(&w[..*size])),
        DynSolValue::Address(a) => a.to_string(),
        DynSolValue::Bytes(b) => format!("0x{}", alloy::hex::encode(b)),
        DynSolValue::String(s) => format!("{s:?}"),
        other => format!("{other:?}"),
    }
}

/// Decodes revert `data` with the bound ABIs.
pub fn decode_revert(data: &[u8]) -> RevertReason {
    let raw = Bytes::copy_from_slice(data);
    let named = |name: &str, detail: String| RevertReason {
        name: name.to_owned(),
        detail,
        data: raw.clone(),
    };
    if data.is_empty() {
        return named("unknown", "no revert data".into());
    }
    if let Ok(e) = Revert::abi_decode(data) {
        return named("Error", e.reason);
    }
    if let Ok(e) = Panic::abi_decode(data) {
        return named("Panic", format!("code {}", e.code));
    }
    if let Some(selector) = data.get(..4).and_then(|s| <[u8; 4]>::try_from(s).ok()) {
        if let Some(error) = known_errors().get(&selector) {
            if let Ok(values) = error.abi_decode_input(&data[4..]) {
                let args: Vec<String> = error
                    .inputs
                    .iter()
                    .zip(&values)
                    .map(|(param, value)| {
                        if param.name.is_empty() {
                            show(value)
                        } else {
                            format!("{}: {}", param.name, show(value))
                        }
                    })
                    .collect();
                return named(&error.name, args.join(", "));
            }
        }
    }
    named("unknown", format!("revert data {raw}"))
}

#[cfg(test)]
mod tests {
    use alloy::primitives::B256;

    use super::*;
    use crate::abi::endpoint;

    #[test]
    fn names_the_protocol_errors() {
        let mut data = alloy::primitives::keccak256("RootMismatch(bytes32,bytes32)")[..4].to_vec();
        data.extend_from_slice(B256::repeat_byte(1).as_slice());
        data.extend_from_slice(B256::repeat_byte(2).as_slice());
        let r = decode_revert(&data);
        assert_eq!(r.name, "RootMismatch");
        assert_eq!(
            r.to_string(),
            format!(
                "RootMismatch: got: {}, expected: {}",
                B256::repeat_byte(1),
                B256::repeat_byte(2)
            )
        );
        assert_eq!(
            decode_revert(&endpoint::StraitEndpoint::AlreadyReceived {}.abi_encode()).name,
            "AlreadyReceived"
        );
        // Every error of Errors.sol is known.
        assert_eq!(known_errors().len(), ERRORS_SOL.matches("\nerror ").count());
        let plain = Revert::from("no").abi_encode();
        assert_eq!(decode_revert(&plain).to_string(), "Error: no");
        assert_eq!(decode_revert(&[]).name, "unknown");
        assert_eq!(decode_revert(&[1, 2, 3, 4, 5]).name, "unknown");
    }
}
