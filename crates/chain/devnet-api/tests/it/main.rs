//! Conformance tests of the devnet formats against `docs/`: transaction vectors
//! (`docs/vectors/tx.json`) and the domain tag table of `docs/SPEC.md` §1.

mod tags;
mod tx_vectors;

use serde_json::Value;

/// Expands a vector encoding: a `0x` hex string, a list of parts, or `{"repeat": n, "hex": h}` /
/// `{"repeat": n, "parts": p}` (written `n` times).
pub fn expand(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => hex::decode(s.strip_prefix("0x").expect("0x prefix")).expect("hex"),
        Value::Array(parts) => parts.iter().flat_map(expand).collect(),
        Value::Object(o) => {
            let one = expand(
                o.get("hex")
                    .or_else(|| o.get("parts"))
                    .expect("hex or parts"),
            );
            one.repeat(o["repeat"].as_u64().expect("repeat count") as usize)
        }
        other => panic!("not an encoding: {other}"),
    }
}
