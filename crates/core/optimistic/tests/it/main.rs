//! Golden and negative vectors of the optimistic kind's formats: `docs/vectors/optimistic.json`
//! (`docs/SPEC.md` §13). Regenerate (only on a deliberate format change) with
//! `STRAIT_REGEN_VECTORS=1 cargo test -p strait-optimistic --test it`.

use serde_json::{json, Value};
use strait_optimistic::{
    Config, Conflict, ConflictEvidence, OptimisticError, Proposal, MAX_PROPOSERS, MAX_WATCHERS,
    MAX_WINDOW_MS,
};
use strait_primitives::{Address32, ChainId, ClientId, Hash32, Height};

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../docs/vectors/optimistic.json")
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn addrs(n: usize, from: u8) -> Vec<Address32> {
    (0..n).map(|i| Address32([from + i as u8; 32])).collect()
}

fn config(
    window_ms: u64,
    bond: u128,
    proposers: Vec<Address32>,
    watchers: Vec<Address32>,
) -> Config {
    Config {
        window_ms,
        bond,
        proposers,
        watchers,
    }
}

fn configs() -> Value {
    let case = |name: &str, bytes: Vec<u8>| {
        let error = Config::decode(&bytes)
            .err()
            .map(|e: OptimisticError| e.name());
        json!({ "name": name, "encoding": hex0x(&bytes), "error": error })
    };
    let good = config(600_000, 1_000_000, addrs(2, 1), addrs(1, 9));
    let mut trailing = good.encode();
    trailing.push(0);
    let mut too_many = config(1, 1, vec![], vec![]).encode();
    too_many[24..26].copy_from_slice(&(MAX_PROPOSERS as u16 + 1).to_be_bytes());
    json!([
        case(
            "window 10 min, bond 10^6, two proposers, one watcher",
            good.encode()
        ),
        case(
            "anyone proposes, nobody pauses",
            config(1, 1, vec![], vec![]).encode()
        ),
        case(
            "16 proposers and 16 watchers, window 30 days",
            config(
                MAX_WINDOW_MS,
                u128::MAX,
                addrs(MAX_PROPOSERS, 1),
                addrs(MAX_WATCHERS, 100)
            )
            .encode()
        ),
        case("17 proposers", too_many),
        case("truncated in the bond", good.encode()[..20].to_vec()),
        case("a byte after the watchers", trailing),
        case("window 0", config(0, 1, vec![], vec![]).encode()),
        case(
            "window 30 days + 1 ms",
            config(MAX_WINDOW_MS + 1, 1, vec![], vec![]).encode()
        ),
        case("bond 0", config(1, 0, vec![], vec![]).encode()),
        case(
            "proposers not ascending",
            config(1, 1, vec![Address32([2; 32]), Address32([1; 32])], vec![]).encode()
        ),
        case(
            "a watcher twice",
            config(1, 1, vec![], vec![Address32([3; 32]); 2]).encode()
        ),
    ])
}

fn proposals() -> Value {
    let case = |name: &str, bytes: Vec<u8>| {
        let error = Proposal::decode(&bytes).err().map(|e| e.name());
        json!({ "name": name, "encoding": hex0x(&bytes), "error": error })
    };
    let p = |leaf_count| Proposal {
        height: Height(41),
        root: Hash32([0x72; 32]),
        leaf_count,
    };
    json!([
        case("height 41, 3 leaves", p(3).encode().to_vec()),
        case("leaf count 2^32", p(1 << 32).encode().to_vec()),
        case("leaf count 2^32 + 1", p((1 << 32) + 1).encode().to_vec()),
        case("truncated", p(3).encode()[..47].to_vec()),
    ])
}

fn evidence() -> Value {
    let e = ConflictEvidence {
        claim: Conflict {
            accused: ClientId(5),
            reference: ClientId(1),
            height: Height(41),
        },
        source: ChainId(1),
        accused_root: Hash32([0xf0; 32]),
        reference_root: Hash32([0x72; 32]),
    };
    json!([{ "name": "client 5 against the light client 1 at height 41", "encoding": hex0x(&e.encode()), "error": null }])
}

fn render() -> Value {
    json!({
        "description": "The optimistic kind (docs/SPEC.md section 13): \"configs\" ([STRAIT-OPT.1], a client's init), \"proposals\" ([STRAIT-OPT.2]) and \"evidence\" ([STRAIT-CONFLICT.4]). \"error\" is the name of the first failing check, or null if the bytes decode (and re-encode to themselves).",
        "configs": configs(),
        "proposals": proposals(),
        "evidence": evidence(),
    })
}

#[test]
fn optimistic_vectors() {
    let expected = render();
    if std::env::var_os("STRAIT_REGEN_VECTORS").is_some() {
        std::fs::write(
            path(),
            serde_json::to_string_pretty(&expected).unwrap() + "\n",
        )
        .unwrap();
    }
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(path()).unwrap()).unwrap();
    assert_eq!(stored, expected, "docs/vectors/optimistic.json is stale");
    // Every valid encoding re-encodes to itself.
    for case in stored["configs"].as_array().unwrap() {
        let bytes =
            hex::decode(case["encoding"].as_str().unwrap().trim_start_matches("0x")).unwrap();
        if case["error"].is_null() {
            assert_eq!(Config::decode(&bytes).unwrap().encode(), bytes);
        }
    }
    for case in stored["proposals"].as_array().unwrap() {
        let bytes =
            hex::decode(case["encoding"].as_str().unwrap().trim_start_matches("0x")).unwrap();
        if case["error"].is_null() {
            assert_eq!(Proposal::decode(&bytes).unwrap().encode().to_vec(), bytes);
        }
    }
    let expected_names = [
        ("17 proposers", "TooLarge"),
        ("truncated in the bond", "Truncated"),
        ("a byte after the watchers", "TrailingBytes"),
        ("window 0", "ZeroWindow"),
        ("window 30 days + 1 ms", "WindowTooLong"),
        ("bond 0", "ZeroBond"),
        ("proposers not ascending", "NotAscending"),
        ("a watcher twice", "NotAscending"),
    ];
    for (name, error) in expected_names {
        let case = stored["configs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap();
        assert_eq!(case["error"], error, "{name}");
    }
}
