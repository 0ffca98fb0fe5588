//! Golden, negative and bound vectors of devnet transactions: `docs/vectors/tx.json`
//! (`docs/SPEC.md` §6). Regenerate (only on a deliberate format change) with
//! `STRAIT_REGEN_VECTORS=1 cargo test -p strait-devnet-api --test it tx_vectors`.

use serde_json::{json, Value};
use strait_devnet_api::keys::{devnet_validator, AccountKey};
use strait_devnet_api::tx::{
    ClientUpdate, Conflict, Proposal, SignedTx, Tx, TxBody, ValidatorBlsKey, VerifierKind,
    MAX_ADVANCES_PER_TX, MAX_BATCHES_PER_TX, MAX_TX_LEN, MAX_UPDATES_PER_TX,
};
use strait_endpoint::{BatchDelivery, MAX_BATCH_LEN};
use strait_light_client::bls::BlsSigner;
use strait_light_client::{
    sign_commit, Header, LightBlock, SignedHeader, Validator, ValidatorSet, MAX_VALIDATORS,
};
use strait_merkle::{LeafIndex, MerkleTree, MultiProof};
use strait_packet::{DeliveryOptions, Packet, HEADER_LEN, MAX_PAYLOAD_LEN};
use strait_primitives::{Address32, ChainId, ClientId, Hash32, Height, Nonce, RouteId, Timestamp};

use crate::expand;

const CHAIN: ChainId = ChainId(1);
/// Signature bytes of decode-only vectors (decoding does not check signatures).
const SIG: [u8; 64] = [0x5a; 64];

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../docs/vectors/tx.json")
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn u16b(n: usize) -> [u8; 2] {
    (n as u16).to_be_bytes()
}

fn u32b(n: usize) -> [u8; 4] {
    (n as u32).to_be_bytes()
}

fn alice() -> AccountKey {
    AccountKey::devnet("alice")
}

/// `version | chain_id | signer | nonce` of alice's transaction 0.
fn prefix() -> Vec<u8> {
    let mut out = vec![1];
    out.extend_from_slice(&CHAIN.to_be_bytes());
    out.extend_from_slice(alice().address().as_bytes());
    out.extend_from_slice(&0u64.to_be_bytes());
    out
}

fn packet(nonce: u64, payload: Vec<u8>) -> Packet {
    Packet {
        nonce: Nonce(nonce),
        source_chain: ChainId(2),
        sender: Address32([0x11; 32]),
        destination_chain: CHAIN,
        receiver: Address32([0x22; 32]),
        options: DeliveryOptions::default(),
        payload,
    }
}

/// A light block of chain 2 at `height`, signed by its one devnet validator.
fn light_block(height: u64) -> LightBlock {
    let signer = devnet_validator(ChainId(2), 0);
    let validators = ValidatorSet::new(vec![Validator {
        pub_key: signer.public_key(),
        power: 10,
    }])
    .unwrap();
    let header = Header {
        chain_id: ChainId(2),
        height: Height(height),
        timestamp: Timestamp(1_700_000_000_000 + height),
        validators_hash: validators.hash(),
        next_validators_hash: validators.hash(),
        ..Header::default()
    };
    let commit = sign_commit(&header, &validators, &[&signer]);
    LightBlock {
        signed_header: SignedHeader { header, commit },
        validators: validators.clone(),
        next_validators: validators,
    }
}

/// A multiproof of leaves `0..k` of a tree of `k` leaves (shape only matters to decoding).
fn multiproof(k: u64) -> MultiProof {
    let mut tree = MerkleTree::new();
    for i in 0..k {
        tree.append(&strait_primitives::keccak256(&i.to_be_bytes()).into())
            .unwrap();
    }
    let indices: Vec<LeafIndex> = (0..k).map(LeafIndex).collect();
    tree.multiproof(&indices, k).unwrap()
}

fn signed(body: TxBody) -> SignedTx {
    Tx {
        chain_id: CHAIN,
        signer: alice().address(),
        nonce: 0,
        body,
    }
    .sign(&alice())
}

fn golden() -> Vec<(&'static str, SignedTx)> {
    let batch_packets = vec![packet(1, b"one".to_vec()), packet(2, vec![])];
    vec![
        (
            "send",
            signed(TxBody::Send {
                gas_limit: 250_000,
                destination_chain: ChainId(2),
                receiver: Address32([0x22; 32]),
                options: DeliveryOptions {
                    ordered: true,
                    timeout_height: Some(Height(100)),
                    timeout_timestamp: Some(Timestamp(1_700_000_000_000)),
                },
                payload: b"hello".to_vec(),
            }),
        ),
        (
            "app call",
            signed(TxBody::AppCall {
                app: strait_devnet_api::apps::ping_pong(),
                data: b"ping".to_vec(),
            }),
        ),
        (
            "relay: one update, one advance, one batch of two packets",
            signed(TxBody::Relay {
                updates: vec![ClientUpdate::bft(ClientId(2), Height(0), &light_block(1))],
                advances: vec![RouteId([0x5a; 32])],
                batches: vec![BatchDelivery {
                    packets: batch_packets,
                    proof: multiproof(2),
                    proof_height: Height(1),
                }],
            }),
        ),
        (
            "relay: nothing",
            signed(TxBody::Relay {
                updates: vec![],
                advances: vec![],
                batches: vec![],
            }),
        ),
        (
            "misbehaviour",
            signed(TxBody::Misbehaviour {
                client: ClientId(2),
                kind: VerifierKind::BFT,
                evidence: strait_light_client::kind::encode_misbehaviour(
                    &strait_light_client::Misbehaviour {
                        trusted_height_1: Height(0),
                        block_1: light_block(1),
                        trusted_height_2: Height(0),
                        block_2: light_block(2),
                    },
                ),
            }),
        ),
        (
            "set validators",
            signed(TxBody::SetValidators {
                validators: light_block(1).validators,
                bls_keys: vec![bls_key(1, 1)],
                approvals: vec![(0, [9; 64])],
            }),
        ),
        (
            "set validators, a BLS key with another key's proof of possession (decodes; execution refuses it: InvalidProofOfPossession)",
            signed(TxBody::SetValidators {
                validators: light_block(1).validators,
                bls_keys: vec![bls_key(1, 2)],
                approvals: vec![(0, [9; 64])],
            }),
        ),
        (
            "pause a route, two guardian approvals",
            signed(TxBody::SetPause {
                scope: strait_endpoint::PauseScope::Route(RouteId([0x5a; 32])),
                paused: true,
                approvals: vec![(1, [1; 64]), (3, [3; 64])],
            }),
        ),
        (
            "unpause the endpoint",
            signed(TxBody::SetPause {
                scope: strait_endpoint::PauseScope::Endpoint,
                paused: false,
                approvals: vec![(0, [0; 64]), (2, [2; 64]), (4, [4; 64])],
            }),
        ),
        (
            "pause one token (an application topic), two guardian approvals",
            signed(TxBody::SetPause {
                scope: strait_endpoint::PauseScope::App {
                    app: Address32([0x7a; 32]),
                    topic: strait_primitives::Hash32([0x70; 32]),
                },
                paused: true,
                approvals: vec![(0, [0; 64]), (4, [4; 64])],
            }),
        ),
        (
            "set a fee oracle entry, three guardian approvals",
            signed(TxBody::SetFeeOracle {
                destination: ChainId(2),
                entry: strait_devnet_api::tx::OracleEntry {
                    gas_price: 3,
                    base_delivery: 2_000,
                    per_byte: 1,
                    ack_fee: u128::MAX,
                },
                approvals: vec![(0, [0; 64]), (2, [2; 64]), (4, [4; 64])],
            }),
        ),
        (
            "retry a failed message",
            signed(TxBody::RetryMessage {
                packet: packet(3, b"again".to_vec()),
            }),
        ),
        (
            "finalize a failed message",
            signed(TxBody::FinalizeFailed {
                packet: packet(3, b"again".to_vec()),
            }),
        ),
        (
            "create a BFT client of chain 2",
            signed(TxBody::CreateClient {
                kind: VerifierKind::BFT,
                source: ChainId(2),
                init: strait_light_client::kind::encode_init(
                    &strait_light_client::Options {
                        trust_threshold: strait_light_client::TrustThreshold::ONE_THIRD,
                        trusting_period_ms: 3_600_000,
                        max_clock_drift_ms: 5_000,
                    },
                    &strait_light_client::ConsensusState::from_light_block(&light_block(1)),
                ),
            }),
        ),
        (
            "propose a root to optimistic client 4",
            signed(TxBody::ProposeRoot {
                client: ClientId(4),
                proposal: Proposal {
                    height: Height(41),
                    root: Hash32([0x72; 32]),
                    leaf_count: 3,
                },
            }),
        ),
        (
            "conflict: client 4 against the light client 1 at height 41",
            signed(TxBody::SubmitConflict {
                conflict: Conflict {
                    accused: ClientId(4),
                    reference: ClientId(1),
                    height: Height(41),
                },
            }),
        ),
        (
            "a watcher pauses client 4",
            signed(TxBody::WatcherPause {
                client: ClientId(4),
            }),
        ),
        (
            "guardians resume client 4, three approvals",
            signed(TxBody::ResumeClient {
                client: ClientId(4),
                approvals: vec![(0, [1; 64]), (2, [2; 64]), (4, [3; 64])],
            }),
        ),
        (
            "announce an attester (ECDSA member)",
            signed(announcement()),
        ),
    ]
}

/// `prefix | tag | fields` of an optimistic transaction (SPEC §13), with `tail` after the fields.
fn optimistic_body(tag: u8, fields: &[u8], tail: Value) -> Value {
    let mut head = prefix();
    head.push(tag);
    head.extend_from_slice(fields);
    json!([hex0x(&head), tail])
}

/// A resume of client 4 with `n` approvals, then a signature.
fn resume(n: usize) -> Value {
    let mut fields = 4u64.to_be_bytes().to_vec();
    fields.push(0);
    optimistic_body(14, &fields, json!([approvals(n), hex0x(&SIG)]))
}

/// A proposal to client 4 at height 41 with `leaf_count`, then a signature.
fn proposal(leaf_count: u64) -> Value {
    let mut fields = 4u64.to_be_bytes().to_vec();
    fields.extend_from_slice(&41u64.to_be_bytes());
    fields.extend_from_slice(&[0x72; 32]);
    fields.extend_from_slice(&leaf_count.to_be_bytes());
    optimistic_body(12, &fields, json!(hex0x(&SIG)))
}

/// A member of the 1-of-1 ECDSA committee of secret key `[1; 32]` announces its URL for client 3
/// of chain 1, whose committee id is the committee's (`[STRAIT-ATTEST.13]`).
fn announcement() -> TxBody {
    let signer = strait_attest::ecdsa::EcdsaSigner::from_secret([1; 32]).unwrap();
    let committee =
        strait_attest::Committee::from_members(1, vec![signer.address().to_vec()], 20).unwrap();
    let id = strait_attest::committee_id(VerifierKind::ATTEST_ECDSA.get(), &committee.encode());
    let mut a = strait_devnet_api::tx::Announcement {
        client: ClientId(3),
        member: signer.address().to_vec(),
        sequence: 1,
        url: "http://127.0.0.1:9750".into(),
        signature: Vec::new(),
    };
    a.signature = signer.sign(&a.sign_bytes(CHAIN, &id)).to_vec();
    TxBody::AnnounceAttester(a)
}

/// An announcement with a member, URL and signature of these lengths (`url_byte` repeated).
fn announce_body(member: usize, url: usize, url_byte: u8, signature: usize) -> Value {
    let mut head = prefix();
    head.push(15);
    head.extend_from_slice(&3u64.to_be_bytes());
    json!([
        hex0x(&head),
        hex0x(&[member as u8]),
        { "repeat": member, "hex": "0x11" },
        hex0x(&[&7u64.to_be_bytes()[..], &u16b(url)].concat()),
        { "repeat": url, "hex": hex0x(&[url_byte]) },
        hex0x(&[signature as u8]),
        { "repeat": signature, "hex": "0x22" },
        hex0x(&SIG),
    ])
}

fn send_body(payload_len: usize, payload: Value) -> Value {
    let mut head = prefix();
    head.push(1);
    head.extend_from_slice(&2u64.to_be_bytes());
    head.extend_from_slice(&[0x22; 32]);
    head.push(0);
    // No timeouts, gas_limit 0 (unpaid).
    head.extend_from_slice(&[0; 24]);
    head.extend_from_slice(&u32b(payload_len));
    json!([hex0x(&head), payload, hex0x(&SIG)])
}

fn app_call(len: usize, data: Value) -> Value {
    let mut head = prefix();
    head.push(2);
    head.extend_from_slice(&[0x33; 32]);
    head.extend_from_slice(&u32b(len));
    json!([hex0x(&head), data, hex0x(&SIG)])
}

/// `client u64 | kind u16 | u32 len | body`, the body a BFT update `trusted_height | block`.
fn update_bytes() -> Vec<u8> {
    let body = [&0u64.to_be_bytes()[..], &light_block(1).encode()].concat();
    let mut out = 2u64.to_be_bytes().to_vec();
    out.extend_from_slice(&VerifierKind::BFT.to_be_bytes());
    out.extend_from_slice(&u32b(body.len()));
    out.extend(body);
    out
}

fn lp(bytes: &[u8]) -> Vec<u8> {
    [&u32b(bytes.len())[..], bytes].concat()
}

/// A relay body: `updates` as given, no route advance, then the batches' bytes (count included).
fn relay(updates: Value, batches: Value) -> Value {
    relay_advancing(updates, json!(hex0x(&u16b(0))), batches)
}

/// A relay body with `advances` (count included) between the updates and the batches.
fn relay_advancing(updates: Value, advances: Value, batches: Value) -> Value {
    let mut head = prefix();
    head.push(3);
    json!([hex0x(&head), updates, advances, batches, hex0x(&SIG)])
}

/// `n` route advances.
fn advances(n: usize) -> Value {
    json!([hex0x(&u16b(n)), { "repeat": n, "hex": hex0x(&[0x5a; 32]) }])
}

fn no_updates() -> Value {
    json!(hex0x(&u16b(0)))
}

fn no_batches() -> Value {
    json!(hex0x(&u16b(0)))
}

/// `n_batches` batches of one packet each, proven by a one-leaf multiproof.
fn batches(n: usize) -> Value {
    let one = [
        &1u64.to_be_bytes()[..],
        &u16b(1),
        &lp(&packet(1, vec![]).encode()),
        &lp(&multiproof(1).encode()),
    ]
    .concat();
    json!([hex0x(&u16b(n)), { "repeat": n, "hex": hex0x(&one) }])
}

/// One batch of `n` copies of a small packet and a multiproof of leaves `0..proof_k`.
fn batch_of(n: usize, proof_k: u64) -> Value {
    let head = [&u16b(1)[..], &1u64.to_be_bytes(), &u16b(n)].concat();
    json!([
        hex0x(&head),
        { "repeat": n, "hex": hex0x(&lp(&packet(1, vec![]).encode())) },
        hex0x(&lp(&multiproof(proof_k).encode())),
    ])
}

/// One batch of one packet given as `packet` (its length prefix included) and a one-leaf proof.
fn batch_with_packet(packet: Value) -> Value {
    let head = [&u16b(1)[..], &1u64.to_be_bytes(), &u16b(1)].concat();
    json!([hex0x(&head), packet, hex0x(&lp(&multiproof(1).encode()))])
}

fn packet_header(payload_len: usize) -> Vec<u8> {
    let mut p = packet(1, vec![]).encode();
    p[106..110].copy_from_slice(&u32b(payload_len));
    p
}

/// A relay transaction of exactly `total` bytes: one batch of 256 packets, 255 with the largest
/// payload and the last filling up to `total` (`MAX_TX_LEN - 1,928 - 255 * 65,650 <= total`).
fn relay_of_len(total: usize) -> Value {
    let proof = lp(&multiproof(256).encode());
    let full = 4 + HEADER_LEN + MAX_PAYLOAD_LEN;
    let fixed = prefix().len() + 1 + 2 + 2 + 2 + 8 + 2 + proof.len() + 64;
    let last = total - fixed - 255 * full - 4 - HEADER_LEN;
    let head = [
        &u16b(0)[..],
        &u16b(0),
        &u16b(1),
        &1u64.to_be_bytes(),
        &u16b(256),
    ]
    .concat();
    let big = json!([
        hex0x(&[&u32b(HEADER_LEN + MAX_PAYLOAD_LEN)[..], &packet_header(MAX_PAYLOAD_LEN)].concat()),
        { "repeat": MAX_PAYLOAD_LEN, "hex": "0xab" },
    ]);
    let mut tag = prefix();
    tag.push(3);
    json!([
        hex0x(&tag),
        hex0x(&head),
        { "repeat": 255, "parts": big },
        hex0x(&[&u32b(HEADER_LEN + last)[..], &packet_header(last)].concat()),
        { "repeat": last, "hex": "0xab" },
        hex0x(&proof),
        hex0x(&SIG),
    ])
}

fn set_validators(set: Value, bls: Value, approvals: Value) -> Value {
    let mut head = prefix();
    head.push(5);
    json!([hex0x(&head), set, bls, approvals, hex0x(&SIG)])
}

/// BLS key `key`'s public key with key `pop`'s proof of possession (valid when they are equal).
fn bls_key(key: u8, pop: u8) -> ValidatorBlsKey {
    ValidatorBlsKey {
        pub_key: BlsSigner::from_ikm(&[key; 32]).public_key(),
        proof_of_possession: BlsSigner::from_ikm(&[pop; 32]).proof_of_possession(),
    }
}

/// `n` BLS keys (each the same valid key and proof), with their count.
fn bls_keys(n: usize) -> Value {
    let key = bls_key(1, 1);
    json!([hex0x(&u16b(n)), { "repeat": n, "hex": hex0x(&[&key.pub_key[..], &key.proof_of_possession].concat()) }])
}

fn one_set() -> Value {
    json!(hex0x(&lp(&light_block(1).validators.encode())))
}

fn approvals(n: usize) -> Value {
    json!([hex0x(&u16b(n)), { "repeat": n, "hex": hex0x(&[&u16b(0)[..], &[9; 64]].concat()) }])
}

fn case(name: &str, encoding: Value, error: Option<&str>) -> Value {
    json!({ "name": name, "encoding": encoding, "error": error })
}

fn optimistic_bounds() -> Vec<Value> {
    vec![
        case("propose root: leaf count 2^32", proposal(1 << 32), None),
        case(
            "propose root: leaf count 2^32 + 1",
            proposal((1 << 32) + 1),
            Some("TooLarge"),
        ),
        case("resume: 16 approvals", resume(16), None),
        case("resume: 17 approvals", resume(17), Some("TooLarge")),
    ]
}

fn bounds() -> Value {
    let ab = |n: usize| json!({ "repeat": n, "hex": "0xab" });
    let update = hex0x(&update_bytes());
    let updates = |n: usize| json!([hex0x(&u16b(n)), { "repeat": n, "hex": update }]);
    let max_packet = HEADER_LEN + MAX_PAYLOAD_LEN;
    let set_bound = 4 + 40 * MAX_VALIDATORS;
    json!([
        case(
            "send payload of 65,536 bytes",
            send_body(65_536, ab(65_536)),
            None
        ),
        case(
            "send payload of 65,537 bytes",
            send_body(65_537, ab(65_537)),
            Some("TooLarge")
        ),
        case(
            "app call data of 65,536 bytes",
            app_call(65_536, ab(65_536)),
            None
        ),
        case(
            "app call data of 65,537 bytes",
            app_call(65_537, ab(65_537)),
            Some("TooLarge")
        ),
        case(
            "16 client updates",
            relay(updates(MAX_UPDATES_PER_TX), no_batches()),
            None
        ),
        case(
            "17 client updates",
            relay(updates(MAX_UPDATES_PER_TX + 1), no_batches()),
            Some("TooLarge")
        ),
        case(
            "16 route advances",
            relay_advancing(no_updates(), advances(MAX_ADVANCES_PER_TX), no_batches()),
            None
        ),
        case(
            "17 route advances",
            relay_advancing(
                no_updates(),
                advances(MAX_ADVANCES_PER_TX + 1),
                no_batches()
            ),
            Some("TooLarge")
        ),
        case(
            "16 batches",
            relay(no_updates(), batches(MAX_BATCHES_PER_TX)),
            None
        ),
        case(
            "17 batches",
            relay(no_updates(), batches(MAX_BATCHES_PER_TX + 1)),
            Some("TooLarge")
        ),
        case(
            "1,024 packets in a batch",
            relay(no_updates(), batch_of(MAX_BATCH_LEN, 1024)),
            None
        ),
        case(
            "1,025 packets in a batch",
            relay(no_updates(), batch_of(MAX_BATCH_LEN + 1, 1024)),
            Some("TooLarge")
        ),
        case(
            "packet of 65,646 bytes (the largest)",
            relay(
                no_updates(),
                batch_with_packet(json!([
                    hex0x(&[&u32b(max_packet)[..], &packet_header(MAX_PAYLOAD_LEN)].concat()),
                    ab(MAX_PAYLOAD_LEN),
                ]))
            ),
            None
        ),
        case(
            "packet length 65,647",
            relay(
                no_updates(),
                batch_with_packet(json!([
                    hex0x(&[&u32b(max_packet + 1)[..], &packet_header(MAX_PAYLOAD_LEN)].concat()),
                    ab(MAX_PAYLOAD_LEN + 1),
                ]))
            ),
            Some("TooLarge")
        ),
        case(
            "512 approvals",
            set_validators(one_set(), bls_keys(1), approvals(MAX_VALIDATORS)),
            None
        ),
        case(
            "513 approvals",
            set_validators(one_set(), bls_keys(1), approvals(MAX_VALIDATORS + 1)),
            Some("TooLarge")
        ),
        case(
            "validator set length 20,485",
            set_validators(
                json!([hex0x(&u32b(set_bound + 1)), ab(set_bound + 1)]),
                bls_keys(1),
                approvals(0)
            ),
            Some("TooLarge")
        ),
        case(
            "announcement: member 96, url 256, signature 192 bytes (the largest)",
            announce_body(96, 256, b'a', 192),
            None
        ),
        case(
            "announcement: member of 97 bytes",
            announce_body(97, 8, b'a', 65),
            Some("TooLarge")
        ),
        case(
            "announcement: url of 257 bytes",
            announce_body(20, 257, b'a', 65),
            Some("TooLarge")
        ),
        case(
            "announcement: signature of 193 bytes",
            announce_body(20, 8, b'a', 193),
            Some("TooLarge")
        ),
        case(
            "transaction of 16 MiB (the largest)",
            relay_of_len(MAX_TX_LEN),
            None
        ),
        case(
            "transaction of 16 MiB + 1 byte",
            relay_of_len(MAX_TX_LEN + 1),
            Some("TooLarge")
        ),
    ])
}

fn invalid() -> Value {
    let send = golden()[0].1.encode();
    let with = |i: usize, b: u8| {
        let mut t = send.clone();
        t[i] = b;
        json!(hex0x(&t))
    };
    let body = prefix().len();
    let mut zero_nonce = packet(1, vec![]).encode();
    zero_nonce[1..9].copy_from_slice(&[0; 8]);
    let mut flags = packet(1, vec![]).encode();
    flags[89] = 0x02;
    let mut misbehaviour = golden()[4].1.encode();
    misbehaviour.truncate(misbehaviour.len() - 70);
    let empty_set = json!(hex0x(&lp(&[0, 0, 0, 0])));
    json!([
        case("empty", json!("0x"), Some("Truncated")),
        case("version 0", with(0, 0), Some("UnsupportedVersion")),
        case("version 2", json!("0x02"), Some("UnsupportedVersion")),
        case(
            "truncated signer",
            json!(hex0x(&send[..20])),
            Some("Truncated")
        ),
        case("body kind 0", with(body, 0), Some("Invalid")),
        case("body kind 11", with(body, 11), Some("Invalid")),
        case(
            "announcement: a URL byte that is not ASCII",
            announce_body(20, 8, 0x80, 65),
            Some("Invalid")
        ),
        case(
            "announcement: truncated in its signature",
            json!(hex0x(&{
                let t = golden().last().unwrap().1.encode();
                t[..t.len() - 64 - 1].to_vec()
            })),
            Some("Truncated")
        ),
        case(
            "send: ordered byte 2",
            with(body + 1 + 8 + 32, 2),
            Some("Invalid")
        ),
        case(
            "send: truncated in gas_limit",
            json!(hex0x(&send[..body + 1 + 8 + 32 + 1 + 16 + 4])),
            Some("Truncated")
        ),
        case(
            "send: no signature",
            json!(hex0x(&send[..send.len() - 64])),
            Some("Truncated")
        ),
        case(
            "send: trailing byte",
            json!([hex0x(&send), "0x00"]),
            Some("TrailingBytes")
        ),
        case(
            "relay: packet nonce 0",
            relay(
                no_updates(),
                batch_with_packet(json!(hex0x(&lp(&zero_nonce))))
            ),
            Some("ZeroNonce")
        ),
        case(
            "relay: packet unknown flags",
            relay(no_updates(), batch_with_packet(json!(hex0x(&lp(&flags))))),
            Some("UnknownFlags")
        ),
        case(
            "relay: packet with a trailing byte inside its length",
            relay(
                no_updates(),
                batch_with_packet(json!(hex0x(&lp(
                    &[&packet(1, vec![]).encode()[..], &[0]].concat()
                ))))
            ),
            Some("TrailingBytes")
        ),
        case(
            "relay: multiproof of 0 leaves",
            relay(
                no_updates(),
                json!(hex0x(
                    &[
                        &u16b(1)[..],
                        &1u64.to_be_bytes(),
                        &u16b(1),
                        &lp(&packet(1, vec![]).encode()),
                        &lp(&[0, 0, 0, 0, 0, 0])
                    ]
                    .concat()
                ))
            ),
            Some("MultiProof")
        ),
        case(
            "relay: update body length 16 MiB + 1",
            relay(
                json!(hex0x(
                    &[
                        &u16b(1)[..],
                        &2u64.to_be_bytes(),
                        &VerifierKind::BFT.to_be_bytes(),
                        &u32b(MAX_TX_LEN + 1)
                    ]
                    .concat()
                )),
                no_batches()
            ),
            Some("TooLarge")
        ),
        case(
            "misbehaviour: evidence shorter than its length",
            json!(hex0x(&misbehaviour)),
            Some("Truncated")
        ),
        case(
            "set validators: empty set",
            set_validators(empty_set, bls_keys(0), approvals(0)),
            Some("ValidatorSet")
        ),
        case(
            "set validators: no BLS key for its one validator (a missing proof of possession)",
            set_validators(one_set(), bls_keys(0), approvals(0)),
            Some("Invalid")
        ),
        case(
            "set validators: two BLS keys for one validator",
            set_validators(one_set(), bls_keys(2), approvals(0)),
            Some("Invalid")
        ),
        case(
            "set validators: 513 BLS keys",
            set_validators(one_set(), bls_keys(MAX_VALIDATORS + 1), approvals(0)),
            Some("TooLarge")
        ),
        case(
            "set validators: the proof of possession cut short",
            {
                let mut head = prefix();
                head.push(5);
                let key = bls_key(1, 1);
                json!([
                    hex0x(&head),
                    one_set(),
                    hex0x(&u16b(1)),
                    hex0x(&key.pub_key),
                    hex0x(&key.proof_of_possession[..100])
                ])
            },
            Some("Truncated")
        ),
        case("body kind 16", with(body, 16), Some("Invalid")),
        case(
            "propose root: truncated in the root",
            optimistic_body(
                12,
                &[&4u64.to_be_bytes()[..], &41u64.to_be_bytes(), &[0x72; 5]].concat(),
                json!("0x")
            ),
            Some("Truncated")
        ),
        case(
            "submit conflict: truncated in the height",
            optimistic_body(
                13,
                &[&4u64.to_be_bytes()[..], &1u64.to_be_bytes(), &[0; 7]].concat(),
                json!("0x")
            ),
            Some("Truncated")
        ),
        case(
            "client pause: action 2",
            optimistic_body(
                14,
                &[&4u64.to_be_bytes()[..], &[2]].concat(),
                json!(hex0x(&SIG))
            ),
            Some("Invalid")
        ),
        case(
            "watcher pause: a byte after the signature",
            optimistic_body(
                14,
                &[&4u64.to_be_bytes()[..], &[1]].concat(),
                json!([hex0x(&SIG), "0x00"])
            ),
            Some("TrailingBytes")
        ),
    ])
}

fn signatures() -> Value {
    let good = golden()[0].1.clone();
    let mut flipped = good.clone();
    flipped.signature[0] ^= 1;
    let mut high_s = good.clone();
    high_s.signature[63] |= 0xf0;
    let mut other_chain = good.clone();
    other_chain.tx.chain_id = ChainId(2);
    let mut weak = good.clone();
    weak.tx.signer = Address32({
        let mut identity = [0; 32];
        identity[0] = 1;
        identity
    });
    let mut off_curve = good.clone();
    off_curve.tx.signer = Address32(not_a_point());
    let case = |name: &str, tx: &SignedTx, error: Option<&str>| json!({ "name": name, "encoding": hex0x(&tx.encode()), "error": error });
    json!([
        case("valid", &good, None),
        case("one signature bit flipped", &flipped, Some("BadSignature")),
        case(
            "signature s not below the group order",
            &high_s,
            Some("BadSignature")
        ),
        case(
            "signed for another chain",
            &other_chain,
            Some("BadSignature")
        ),
        case(
            "signer is the identity point (small order)",
            &weak,
            Some("BadSigner")
        ),
        case("signer is not a curve point", &off_curve, Some("BadSigner")),
    ])
}

/// The first `y = 2, 3, ...` (as a compressed point) that does not decompress.
fn not_a_point() -> [u8; 32] {
    (2u8..)
        .map(|y| {
            let mut b = [0; 32];
            b[0] = y;
            b
        })
        .find(|b| ed25519_dalek::VerifyingKey::from_bytes(b).is_err())
        .unwrap()
}

fn render() -> Value {
    json!({
        "description": "Devnet transactions (docs/SPEC.md section 6). \"valid\": signed by the \
            devnet account \"alice\"; each decodes, re-encodes to the same bytes, has the given \
            hash (its signed digest) and a valid signature. \"invalid\" and \"bounds\": \"error\" \
            is the name (docs/SPEC.md section 0) of the first failing check of the decoder, or \
            null if the bytes decode (and re-encode to themselves); signatures are not checked \
            there. \"signatures\": each decodes; \"error\" is the signature check's verdict.",
        "encoding_format": "An encoding is a 0x-prefixed hex string, or a list of parts \
            concatenated in order; a part is a hex string, a list of parts, or {\"repeat\": n, \
            \"hex\": h} (h written n times), or {\"repeat\": n, \"parts\": p} (p written n times).",
        "valid": golden().iter().map(|(name, tx)| json!({
            "name": name,
            "kind": tx.tx.body.kind(),
            "encoding": hex0x(&tx.encode()),
            "hash": tx.hash(),
        })).collect::<Vec<_>>(),
        "invalid": invalid(),
        "bounds": bounds()
            .as_array()
            .unwrap()
            .iter()
            .cloned()
            .chain(optimistic_bounds())
            .collect::<Vec<_>>(),
        "signatures": signatures(),
    })
}

fn name_of(bytes: &[u8]) -> Option<&'static str> {
    match SignedTx::decode(bytes) {
        Ok(tx) => {
            assert_eq!(
                tx.encode(),
                bytes,
                "decodes but does not re-encode to itself"
            );
            None
        }
        Err(e) => Some(e.name()),
    }
}

#[test]
fn tx_vectors() {
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
    for case in file["valid"].as_array().unwrap() {
        let bytes = expand(&case["encoding"]);
        let tx = SignedTx::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
        assert_eq!(tx.encode(), bytes, "{}", case["name"]);
        assert_eq!(json!(tx.hash()), case["hash"], "{}", case["name"]);
        assert_eq!(json!(tx.tx.body.kind()), case["kind"], "{}", case["name"]);
        tx.verify_signature().unwrap();
    }
    for case in file["invalid"]
        .as_array()
        .unwrap()
        .iter()
        .chain(file["bounds"].as_array().unwrap())
    {
        let bytes = expand(&case["encoding"]);
        assert_eq!(name_of(&bytes), case["error"].as_str(), "{}", case["name"]);
    }
    for case in file["signatures"].as_array().unwrap() {
        let tx = SignedTx::decode(&expand(&case["encoding"])).unwrap();
        let got = tx.verify_signature().err().map(|e| e.name());
        assert_eq!(got, case["error"].as_str(), "{}", case["name"]);
    }
    assert_eq!(
        file, expected,
        "vector file differs from the implementation"
    );
}

#[test]
fn the_largest_transaction_is_exactly_the_bound() {
    assert_eq!(expand(&relay_of_len(MAX_TX_LEN)).len(), MAX_TX_LEN);
    assert_eq!(expand(&relay_of_len(MAX_TX_LEN + 1)).len(), MAX_TX_LEN + 1);
}
