//! Golden and negative vectors of the security config encoding: `docs/vectors/route.json`
//! (`docs/SPEC.md` §12, `[STRAIT-ROUTE.1]`, `[STRAIT-ROUTE.2]`), read by the Solidity port too
//! (`contracts/test/RouteSecurity.t.sol`). Regenerate (only on a deliberate format change) with
//! `STRAIT_REGEN_VECTORS=1 cargo test -p strait-endpoint --test it route_vectors`.

use serde_json::{json, Value};
use strait_endpoint::security::{SecurityConfig, MAX_FINALITY_BLOCKS, SECURITY_CONFIG_VERSION};
use strait_primitives::ClientId;

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../docs/vectors/route.json")
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn config(required: &[u64], optional: &[u64], threshold: u8, finality: u64) -> SecurityConfig {
    SecurityConfig {
        required: required.iter().copied().map(ClientId).collect(),
        optional: optional.iter().copied().map(ClientId).collect(),
        threshold,
        finality_blocks: finality,
    }
}

fn case(name: &str, bytes: &[u8]) -> Value {
    match SecurityConfig::decode(bytes) {
        Ok(c) => json!({
            "name": name,
            "encoding": hex0x(bytes),
            "error": null,
            "config": {
                "required": c.required.iter().map(|c| c.0).collect::<Vec<_>>(),
                "optional": c.optional.iter().map(|c| c.0).collect::<Vec<_>>(),
                "threshold": c.threshold,
                "finality_blocks": c.finality_blocks,
            },
        }),
        Err(e) => json!({ "name": name, "encoding": hex0x(bytes), "error": e.name() }),
    }
}

fn render() -> Value {
    let full = config(&[1, 2, 3, 4], &[5, 6, 7, 8], 4, MAX_FINALITY_BLOCKS).encode();
    let v = SECURITY_CONFIG_VERSION;
    let configs = vec![
        case("one required client", &config(&[7], &[], 0, 0).encode()),
        case(
            "a light client AND 2 of 3 committees, 2 blocks final",
            &config(&[7], &[21, 22, 23], 2, 2).encode(),
        ),
        case(
            "4 required, 4 optional, threshold 4, finality at its bound (the longest encoding)",
            &full,
        ),
        case(
            "8 optional, threshold 1",
            &config(&[], &[1, 2, 3, 4, 5, 6, 7, 8], 1, 0).encode(),
        ),
        case(
            "8 required",
            &config(&[1, 2, 3, 4, 5, 6, 7, 8], &[], 0, 0).encode(),
        ),
        case("empty", &[]),
        case("version 2", &[v + 1]),
        case("9 required: refused before their ids", &[v, 9]),
        case("truncated in a required id", &[v, 1, 0, 0]),
        case("truncated in the finality", &full[..full.len() - 1]),
        case("a byte after the finality", &[&full[..], &[0]].concat()),
        case(
            "9 clients in all",
            &config(&[1, 2, 3, 4], &[5, 6, 7, 8, 9], 4, 0).encode(),
        ),
        case(
            "threshold above the optional clients",
            &config(&[1], &[5, 6], 3, 0).encode(),
        ),
        case(
            "threshold 0 with optional clients",
            &config(&[1], &[5, 6], 0, 0).encode(),
        ),
        case(
            "threshold without optional clients",
            &config(&[1], &[], 1, 0).encode(),
        ),
        case("no client counts", &config(&[], &[], 0, 0).encode()),
        case(
            "required not increasing",
            &config(&[2, 1], &[], 0, 0).encode(),
        ),
        case(
            "an optional client twice",
            &config(&[1], &[3, 3], 1, 0).encode(),
        ),
        case(
            "a client both required and optional",
            &config(&[3], &[1, 3], 1, 0).encode(),
        ),
        case(
            "finality one past its bound",
            &config(&[1], &[], 0, MAX_FINALITY_BLOCKS + 1).encode(),
        ),
    ];
    json!({
        "description": "Security configs (docs/SPEC.md section 12, [STRAIT-ROUTE.1], [STRAIT-ROUTE.2]): \"error\" is the name of the first failing check (decoding, then the bounds), or null if the bytes decode (and re-encode to themselves) into \"config\".",
        "configs": configs,
    })
}

#[test]
fn route_vectors() {
    let expected = render();
    if std::env::var_os("STRAIT_REGEN_VECTORS").is_some() {
        std::fs::write(
            path(),
            serde_json::to_string_pretty(&expected).unwrap() + "\n",
        )
        .unwrap();
    }
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path()).expect("vector file"))
        .expect("vector json");
    assert_eq!(file, expected, "docs/vectors/route.json is stale");
    for case in file["configs"].as_array().unwrap() {
        let bytes =
            hex::decode(case["encoding"].as_str().unwrap().trim_start_matches("0x")).expect("hex");
        match SecurityConfig::decode(&bytes) {
            Ok(c) => {
                assert!(case["error"].is_null(), "{}", case["name"]);
                assert_eq!(c.encode(), bytes, "{}", case["name"]);
            }
            Err(e) => assert_eq!(e.name(), case["error"], "{}", case["name"]),
        }
    }
}
