//! A lying node's `Sent` logs, fabricated: each is refused as bad data before it reaches the
//! index.

use alloy::primitives::{Address, Bytes, B256};
use alloy::rpc::types::Log;
use alloy::sol_types::SolEvent;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, Hash32, Nonce};

use super::index::OutboxIndex;
use super::scan::decode_sent;
use super::{EvmSource, EvmSourceConfig};
use crate::abi::endpoint::StraitEndpoint;

const CHAIN: u64 = 31_337;
const ENDPOINT: Address = Address::repeat_byte(0xee);

fn source() -> EvmSource {
    // No request is made: the URL is never dialled.
    EvmSource::new(EvmSourceConfig::new(
        "http://127.0.0.1:9",
        ENDPOINT,
        CHAIN,
        0,
    ))
    .unwrap()
}

fn packet(nonce: u64, destination: u64) -> Packet {
    Packet {
        nonce: Nonce(nonce),
        source_chain: ChainId(CHAIN),
        sender: Address32([1; 32]),
        destination_chain: ChainId(destination),
        receiver: Address32([2; 32]),
        options: DeliveryOptions::default(),
        payload: vec![nonce as u8; 3],
    }
}

/// The `Sent` log of `packet` at `leaf` in `block`, as the endpoint emits it.
fn sent_log(packet: &Packet, leaf: u32, block: u64) -> Log {
    let event = StraitEndpoint::Sent {
        id: B256::from(packet.id().0),
        destinationChain: packet.destination_chain.get(),
        leafIndex: leaf,
        packet: Bytes::from(packet.encode()),
    };
    Log {
        inner: alloy::primitives::Log {
            address: ENDPOINT,
            data: event.encode_log_data(),
        },
        block_hash: Some(B256::repeat_byte(block as u8)),
        block_number: Some(block),
        log_index: Some(u64::from(leaf)),
        ..Log::default()
    }
}

/// Rewrites one field of a `Sent` log.
fn tampered(log: &Log, edit: impl FnOnce(&mut StraitEndpoint::Sent)) -> Log {
    let mut event = StraitEndpoint::Sent::decode_log_data(&log.inner.data).unwrap();
    edit(&mut event);
    let mut out = log.clone();
    out.inner.data = event.encode_log_data();
    out
}

#[test]
fn a_sent_log_decodes_to_its_checked_packet() {
    let source = source();
    let p = packet(1, 7);
    let sent = decode_sent(&source.inner.rpc, &sent_log(&p, 0, 5)).unwrap();
    assert_eq!(sent.id, p.id());
    assert_eq!((sent.leaf_index, sent.block), (0, 5));
    assert_eq!(sent.packet, p);
    assert_eq!(sent.encoded_len, p.encode().len());
}

#[test]
fn a_log_that_does_not_match_its_packet_is_refused() {
    let source = source();
    let rpc = &source.inner.rpc;
    let p = packet(1, 7);
    let log = sent_log(&p, 0, 5);
    let other_chain = Packet {
        source_chain: ChainId(CHAIN + 1),
        ..p.clone()
    };
    let cases = [
        tampered(&log, |e| e.id = B256::repeat_byte(9)),
        tampered(&log, |e| e.destinationChain = 8),
        tampered(&log, |e| e.packet = Bytes::from_static(b"garbage")),
        // A packet of another source chain, consistent with itself.
        sent_log(&other_chain, 0, 5),
        // Another contract's log, a removed log, a log without a block.
        {
            let mut l = log.clone();
            l.inner.address = Address::repeat_byte(1);
            l
        },
        Log {
            removed: true,
            ..log.clone()
        },
        Log {
            block_number: None,
            ..log.clone()
        },
    ];
    for (i, bad) in cases.iter().enumerate() {
        assert!(decode_sent(rpc, bad).is_err(), "case {i}");
    }
}

#[test]
fn logs_must_continue_the_index_leaf_after_leaf_within_their_range() {
    let source = source();
    let hash = Hash32([0xab; 32]);
    let logs = |leaves: &[(u32, u64)]| -> Vec<alloy::rpc::types::Log> {
        leaves
            .iter()
            .map(|&(leaf, block)| sent_log(&packet(u64::from(leaf) + 1, 7), leaf, block))
            .collect()
    };
    // In order (whatever order the node answers in): appended.
    let mut index = OutboxIndex::new(0, 4);
    source
        .append_logs(&mut index, logs(&[(1, 11), (0, 10)]), 10, 12, hash)
        .unwrap();
    assert_eq!(index.count(), 2);
    // A gap, a repeat, a block outside the range, the range's end block from another fork.
    for bad in [
        logs(&[(3, 11)]),
        logs(&[(1, 11)]),
        logs(&[(2, 13)]),
        logs(&[(2, 9)]),
        logs(&[(2, 12)]),
    ] {
        let mut index = OutboxIndex::new(0, 4);
        source
            .append_logs(&mut index, logs(&[(0, 10), (1, 11)]), 10, 12, hash)
            .unwrap();
        assert!(source.append_logs(&mut index, bad, 10, 12, hash).is_err());
    }
}
