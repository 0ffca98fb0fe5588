//! The seed corpus (`fuzz/seeds/<target>/`): every hex string of the golden vectors
//! (`docs/vectors/*.json`) that a target's decoder accepts, the negative vectors meant for it, and
//! a valid transaction of every kind built on the pipeline target's devnet.
//!
//! `cargo run --example seed_corpus` (in `fuzz/`) rewrites the seed folders from this.

use std::collections::BTreeMap;

use serde_json::Value;
use strait_devnet_api::apps;
use strait_devnet_api::tx::{ClientUpdate, SignedTx, TxBody, VerifierKind};
use strait_endpoint::BatchDelivery;
use strait_light_client::{Commit, Header, LightBlock, Misbehaviour, SignedHeader, ValidatorSet};
use strait_merkle::{InclusionProof, IncrementalTree, LeafIndex, MultiProof};
use strait_node::spec::{devnet_key_pool, devnet_validator_set, genesis_header};
use strait_node::valset::approve;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{keccak256, Address32, ClientId, Height, Nonce, Timestamp};

use crate::devnet::{remote_block, specs, Devnet, GENESIS_TIME, LOCAL, REMOTE};

/// Every fuzz target, by the name of its file in `fuzz_targets/`.
pub const TARGETS: [&str; 17] = [
    "packet",
    "inclusion_proof",
    "multiproof",
    "incremental_tree",
    "validator_set",
    "header",
    "commit",
    "signed_header",
    "light_block",
    "tx",
    "tx_pipeline",
    "tx_delivery",
    "bft_verifier",
    "outcome_payload",
    "attest_verifier",
    "bls_header_verifier",
    "optimistic",
];

/// Seeds larger than this stay out of the corpus (the fuzzer's inputs are short).
pub const MAX_SEED_LEN: usize = 8 * 1024;

/// Seeds by target, each by file name.
pub type Corpus = BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>;

/// Whether `target`'s decoder accepts `bytes`.
pub fn accepts(target: &str, bytes: &[u8]) -> bool {
    match target {
        "packet" => Packet::decode(bytes).is_ok(),
        "inclusion_proof" => InclusionProof::decode(bytes).is_ok(),
        "multiproof" => MultiProof::decode(bytes).is_ok(),
        "incremental_tree" => IncrementalTree::decode(bytes).is_ok(),
        "validator_set" => ValidatorSet::decode(bytes).is_ok(),
        "header" => Header::decode(bytes).is_ok(),
        "commit" => Commit::decode(bytes).is_ok(),
        "signed_header" => SignedHeader::decode(bytes).is_ok(),
        "light_block" => LightBlock::decode(bytes).is_ok(),
        "tx" | "tx_pipeline" | "tx_delivery" => SignedTx::decode(bytes).is_ok(),
        "outcome_payload" => strait_endpoint::settle::decode_outcome_payload(bytes).is_ok(),
        "attest_verifier" => crate::attest::accepts(bytes),
        "bls_header_verifier" => {
            bytes.len() > 8
                && strait_light_client::bls::BlsLightBlock::decode_unproven(&bytes[8..]).is_ok()
        }
        "optimistic" => {
            strait_optimistic::Config::decode(bytes).is_ok()
                || strait_optimistic::Proposal::decode(bytes).is_ok()
        }
        "bft_verifier" => {
            strait_light_client::kind::decode_update(bytes).is_ok()
                || strait_light_client::kind::decode_misbehaviour(bytes).is_ok()
        }
        _ => false,
    }
}

/// The target a negative vector at `path` (file stem first) is about, by the words in its path;
/// the most specific word wins.
fn negative_target(path: &str) -> Option<&'static str> {
    const WORDS: [(&str, &str); 15] = [
        ("attest", "attest_verifier"),
        ("multiproof", "multiproof"),
        ("inclusion", "inclusion_proof"),
        ("incremental", "incremental_tree"),
        ("tree_state", "incremental_tree"),
        ("light_block", "light_block"),
        ("signed_header", "signed_header"),
        ("validator_set", "validator_set"),
        ("valset", "validator_set"),
        ("commit", "commit"),
        ("header", "header"),
        ("transaction", "tx"),
        ("tx", "tx"),
        ("packet", "packet"),
        ("proof", "inclusion_proof"),
    ];
    let path = path.to_ascii_lowercase();
    WORDS
        .iter()
        .find(|(word, _)| path.contains(word))
        .map(|(_, target)| *target)
}

fn hex_of(value: &Value) -> Option<Vec<u8>> {
    let s = value.as_str()?.strip_prefix("0x")?;
    hex::decode(s).ok()
}

/// Adds `bytes` to `target`'s seeds under a name made of `label` and a hash of the bytes
/// (identical seeds keep one name).
pub fn add(corpus: &mut Corpus, target: &'static str, label: &str, bytes: &[u8]) {
    if bytes.len() > MAX_SEED_LEN {
        return;
    }
    let seeds = corpus.entry(target).or_default();
    if seeds.values().any(|s| s == bytes) {
        return;
    }
    let label: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(60)
        .collect();
    let digest = hex::encode(&keccak256(bytes).0[..4]);
    seeds.insert(format!("{label}-{digest}"), bytes.to_vec());
}

fn walk(corpus: &mut Corpus, path: &str, value: &Value) {
    match value {
        Value::Object(map) => {
            let negative = map.contains_key("error");
            for (key, inner) in map {
                let inner_path = format!("{path}.{key}");
                if let (true, Some(bytes)) = (negative, hex_of(inner)) {
                    if let Some(target) = negative_target(path) {
                        add(corpus, target, &inner_path, &bytes);
                        continue;
                    }
                }
                walk(corpus, &inner_path, inner);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(corpus, &format!("{path}.{i}"), item);
            }
        }
        value => {
            if let Some(bytes) = hex_of(value) {
                for target in TARGETS {
                    if accepts(target, &bytes) {
                        add(corpus, target, path, &bytes);
                    }
                }
                // The attest target's first byte chooses the kind.
                for kind in 0u8..3 {
                    let chosen = [&[kind][..], &bytes].concat();
                    if accepts("attest_verifier", &chosen) {
                        add(corpus, "attest_verifier", path, &chosen);
                    }
                }
            }
        }
    }
}

/// Seeds from the golden vector files, given as `(file stem, parsed JSON)`.
pub fn from_vectors(files: &[(String, Value)]) -> Corpus {
    let mut corpus = Corpus::new();
    for (stem, json) in files {
        walk(&mut corpus, stem, json);
    }
    corpus
}

/// A valid body of every transaction kind for the pipeline's devnet, by name.
pub fn bodies() -> Vec<(&'static str, TxBody)> {
    let [local, _] = specs();
    let packet = Packet {
        nonce: Nonce(1),
        source_chain: REMOTE,
        sender: apps::ping_pong(),
        destination_chain: LOCAL,
        receiver: apps::ping_pong(),
        options: DeliveryOptions::default(),
        payload: b"ping".to_vec(),
    };
    let ordered = Packet {
        nonce: Nonce(1),
        sender: Address32([5; 32]),
        receiver: apps::echo(),
        options: DeliveryOptions {
            ordered: true,
            timeout_height: Some(Height(100)),
            timeout_timestamp: None,
        },
        ..packet.clone()
    };
    let ids = [packet.id(), ordered.id()];
    let (block, tree) = remote_block(&ids, 7);
    let (conflicting, _) = remote_block(&ids, 8);
    let trusted = genesis_header(&specs()[1]).height;
    let proof = tree
        .multiproof(&[LeafIndex(0), LeafIndex(1)], tree.count())
        .expect("both leaves are in the tree");
    let current = local.genesis_validators();
    let new = devnet_validator_set(LOCAL, 0..5, 10);
    let bls_keys = strait_node::devnet_bls_keys(LOCAL, &new).expect("devnet keys");
    let pool = devnet_key_pool(LOCAL);
    let approvers: Vec<_> = pool.iter().take(4).collect();
    // The one client of the fuzzed chain, created at genesis: the BFT light client of REMOTE.
    let client = ClientId(1);
    vec![
        (
            "send",
            TxBody::Send {
                destination_chain: REMOTE,
                receiver: apps::ping_pong(),
                options: DeliveryOptions {
                    ordered: true,
                    timeout_height: Some(Height(50)),
                    timeout_timestamp: Some(Timestamp(GENESIS_TIME.get() + 3_600_000)),
                },
                payload: b"hello".to_vec(),
                gas_limit: 50_000,
            },
        ),
        (
            "app-call",
            TxBody::AppCall {
                app: apps::ping_pong(),
                data: REMOTE.to_be_bytes().to_vec(),
            },
        ),
        (
            "relay",
            TxBody::Relay {
                updates: vec![ClientUpdate::bft(client, trusted, &block.clone())],
                advances: vec![ordered.route().id()],
                batches: vec![BatchDelivery {
                    packets: vec![packet, ordered],
                    proof,
                    proof_height: block.header().height,
                }],
            },
        ),
        (
            "misbehaviour",
            TxBody::Misbehaviour {
                client,
                kind: VerifierKind::BFT,
                evidence: strait_light_client::kind::encode_misbehaviour(&Misbehaviour {
                    trusted_height_1: trusted,
                    block_1: block,
                    trusted_height_2: trusted,
                    block_2: conflicting,
                }),
            },
        ),
        (
            "set-validators",
            TxBody::SetValidators {
                approvals: approve(LOCAL, &current, &new, &bls_keys, 0, &approvers),
                bls_keys,
                validators: new,
            },
        ),
    ]
}

/// Outcome payloads of every outcome kind.
fn outcome_payloads(corpus: &mut Corpus) {
    use strait_endpoint::{AppError, Outcome, OutcomeEntry, OutcomePayload};
    let id = strait_primitives::MessageId([7; 32]);
    let mut all = Vec::new();
    for (name, outcome) in [
        (
            "executed",
            Outcome::Executed {
                ack: b"ok".to_vec(),
            },
        ),
        (
            "failed",
            Outcome::Failed(AppError {
                code: 3,
                reason: "refused".into(),
            }),
        ),
        ("timed-out", Outcome::TimedOut),
    ] {
        let entry = OutcomeEntry {
            id,
            gas_used: 12_345,
            outcome,
        };
        all.push(entry.clone());
        add(
            corpus,
            "outcome_payload",
            name,
            &OutcomePayload {
                deliverer: strait_primitives::Address32([8; 32]),
                entries: vec![entry],
            }
            .encode(),
        );
    }
    add(
        corpus,
        "outcome_payload",
        "three-entries",
        &OutcomePayload {
            deliverer: strait_primitives::Address32([8; 32]),
            entries: all,
        }
        .encode(),
    );
}

/// Seeds built in Rust: every transaction kind (signed, as the pipeline would), and the blocks,
/// headers, commits, sets and proofs inside them.
pub fn synthesized(corpus: &mut Corpus) {
    outcome_payloads(corpus);
    for (name, seed) in crate::bls_header::seeds() {
        add(corpus, "bls_header_verifier", name, &seed);
    }
    let config = strait_optimistic::Config {
        window_ms: 100,
        bond: 5,
        proposers: vec![Address32([1; 32])],
        watchers: vec![Address32([2; 32])],
    };
    add(corpus, "optimistic", "config", &config.encode());
    // One byte for the decoders, then: propose (proposer 0, height 1), settle too early, propose
    // (height 2), pause (watcher 2), resume, settle after the window, discard height 2.
    let ops = [
        0u8, 0, 0, 1, 0, 10, 7, 1, 0, 1, 0, 20, 0, 0, 0, 2, 0, 30, 8, 3, 2, 0, 0, 0, 0, 4, 0, 0, 0,
        40, 0, 1, 0, 1, 1, 0, 0, 2, 0, 2, 0, 0, 0,
    ];
    add(corpus, "optimistic", "propose-settle-pause-discard", &ops);
    for (kind, committee) in crate::attest::committees() {
        let seed = [&[kind][..], &committee].concat();
        add(corpus, "attest_verifier", "one-member-committee", &seed);
    }
    let devnet = Devnet::new();
    // An announcement refused at execution (no committee client on the fuzz devnet's genesis)
    // still takes the pipeline through its decoding and its checks up to the client's kind.
    let announce = devnet
        .sign(
            TxBody::AnnounceAttester(strait_devnet_api::tx::Announcement {
                client: strait_primitives::ClientId(1),
                member: vec![0x11; 20],
                sequence: 1,
                url: "http://127.0.0.1:9750".into(),
                signature: vec![0x22; 65],
            }),
            0,
        )
        .encode();
    add(corpus, "tx", "announce-attester", &announce);
    add(corpus, "tx_pipeline", "announce-attester", &announce);
    for (name, body) in bodies() {
        let tx = devnet.sign(body.clone(), 0).encode();
        add(corpus, "tx", name, &tx);
        add(corpus, "tx_pipeline", name, &tx);
        if let TxBody::Misbehaviour { evidence, .. } = &body {
            add(corpus, "bft_verifier", name, evidence);
        }
        if let TxBody::Relay {
            updates, batches, ..
        } = &body
        {
            add(corpus, "tx_delivery", name, &tx);
            for update in updates {
                add(corpus, "bft_verifier", name, &update.body);
                let (_, block) = strait_light_client::kind::decode_update(&update.body)
                    .expect("the seeds' updates are BFT updates");
                let block = &block;
                add(corpus, "light_block", name, &block.encode());
                add(corpus, "signed_header", name, &block.signed_header.encode());
                add(corpus, "header", name, &block.header().encode());
                add(corpus, "commit", name, &block.signed_header.commit.encode());
                add(corpus, "validator_set", name, &block.validators.encode());
            }
            for batch in batches {
                add(corpus, "multiproof", name, &batch.proof.encode());
                for packet in &batch.packets {
                    add(corpus, "packet", name, &packet.encode());
                }
            }
        }
    }
}
