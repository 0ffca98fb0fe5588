//! A lying node's logs of a message, fabricated: each is refused with its error, none panics,
//! and honest ones fold into the message's status.

use alloy::primitives::{Address, Bytes, LogData, B256, U256};
use alloy::providers::{Provider, ProviderBuilder};
use alloy::rpc::types::Log;
use alloy::sol_types::{SolCall, SolEvent};
use strait_endpoint::{AppError, Outcome, Receipt};
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, Height, MessageId, Nonce, RouteId};

use super::logs::{decode, decode_outcome, fold, IdEvent, LogError, MAX_LOGS_PER_MESSAGE};
use super::{source_in_calldata, EvmFee, EvmFeeSplit};
use crate::abi::endpoint::StraitEndpoint;
use crate::abi::fees::StraitFees;
use crate::source::rpc::SourceRpc;

const CHAIN: u64 = 31_337;
const ENDPOINT: Address = Address::repeat_byte(0xee);
const FEES: Address = Address::repeat_byte(0xfe);

fn rpc() -> SourceRpc {
    // No request is made: the URL is never dialled.
    SourceRpc {
        provider: ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_http("http://127.0.0.1:9".parse().unwrap())
            .erased(),
        chain: ChainId(CHAIN),
        endpoint: ENDPOINT,
        timeout: core::time::Duration::from_secs(1),
    }
}

fn packet(nonce: u64) -> Packet {
    Packet {
        nonce: Nonce(nonce),
        source_chain: ChainId(CHAIN),
        sender: Address32([1; 32]),
        destination_chain: ChainId(7),
        receiver: Address32([2; 32]),
        options: DeliveryOptions::default(),
        payload: vec![nonce as u8; 3],
    }
}

fn log(data: LogData, block: u64) -> Log {
    Log {
        inner: alloy::primitives::Log {
            address: ENDPOINT,
            data,
        },
        block_hash: Some(B256::repeat_byte(block as u8)),
        block_number: Some(block),
        transaction_hash: Some(B256::repeat_byte(0x77)),
        log_index: Some(0),
        ..Log::default()
    }
}

fn sent(p: &Packet, block: u64) -> Log {
    let event = StraitEndpoint::Sent {
        id: B256::from(p.id().0),
        destinationChain: p.destination_chain.get(),
        leafIndex: 3,
        packet: Bytes::from(p.encode()),
    };
    log(event.encode_log_data(), block)
}

fn receipt(id: MessageId, block: u64, outcome: Outcome) -> Receipt {
    Receipt {
        id,
        route: RouteId([9; 32]),
        nonce: Nonce(1),
        height: Height(block),
        outcome,
    }
}

fn received(id: MessageId, block: u64, bytes: Vec<u8>) -> Log {
    let event = StraitEndpoint::Received {
        id: B256::from(id.0),
        receipt: Bytes::from(bytes),
    };
    log(event.encode_log_data(), block)
}

fn failed() -> Outcome {
    Outcome::Failed(AppError {
        code: 5,
        reason: "no".into(),
    })
}

#[test]
fn honest_logs_fold_into_the_latest_outcome() {
    let rpc = rpc();
    let id = packet(1).id();
    let first = receipt(id, 10, failed());
    let retried = StraitEndpoint::RetryFailed {
        id: B256::from(id.0),
        attempts: 2,
        outcome: Bytes::from({
            let mut out = Vec::new();
            failed().encode_into(&mut out);
            out
        }),
    };
    let last = receipt(
        id,
        12,
        Outcome::Executed {
            ack: b"ok".to_vec(),
        },
    );
    let finalized = StraitEndpoint::Finalized {
        id: B256::from(id.0),
        receipt: Bytes::from(last.encode()),
    };
    let events: Vec<IdEvent> = [
        received(id, 10, first.encode()),
        log(retried.encode_log_data(), 11),
        log(finalized.encode_log_data(), 12),
    ]
    .iter()
    .map(|l| decode(&rpc, FEES, id, l, 0, 20).unwrap())
    .collect();
    let f = fold(id, events).unwrap();
    assert_eq!(f.received.unwrap().0, first);
    assert_eq!(f.outcome, Some(last.outcome));
    assert!(f.finalized);
    assert!(f.sent.is_none());

    let p = packet(2);
    let settled = StraitEndpoint::Settled {
        id: B256::from(p.id().0),
        outcome: Bytes::from(vec![0, 0, 0, 0, 0]),
    };
    let events = [sent(&p, 4), log(settled.encode_log_data(), 9)]
        .iter()
        .map(|l| decode(&rpc, FEES, p.id(), l, 0, 20).unwrap())
        .collect();
    let f = fold(p.id(), events).unwrap();
    assert_eq!(f.sent, Some((4, 3, p)));
    assert!(f.settled);
}

#[test]
fn hostile_logs_are_refused_with_their_error() {
    let rpc = rpc();
    let p = packet(1);
    let id = p.id();
    let good = received(id, 10, receipt(id, 10, failed()).encode());
    let check = |l: &Log| decode(&rpc, FEES, id, l, 5, 15);

    let mut removed = good.clone();
    removed.removed = true;
    assert_eq!(check(&removed), Err(LogError::Removed));
    let mut other = good.clone();
    other.inner.address = Address::repeat_byte(1);
    assert!(matches!(check(&other), Err(LogError::WrongAddress { .. })));
    let mut no_block = good.clone();
    no_block.block_number = None;
    assert!(matches!(check(&no_block), Err(LogError::Incomplete { .. })));
    let mut no_tx = good.clone();
    no_tx.transaction_hash = None;
    assert!(matches!(check(&no_tx), Err(LogError::Incomplete { .. })));
    assert!(matches!(
        decode(&rpc, FEES, id, &good, 11, 15),
        Err(LogError::OutOfRange { block: 10, .. })
    ));
    // Another message's event, or a receipt of another message under this id's topic.
    assert!(matches!(
        decode(&rpc, FEES, MessageId([4; 32]), &good, 5, 15),
        Err(LogError::WrongId { .. })
    ));
    let foreign = received(id, 10, receipt(MessageId([4; 32]), 10, failed()).encode());
    assert!(matches!(check(&foreign), Err(LogError::WrongId { .. })));
    // A receipt from another block.
    let moved = received(id, 10, receipt(id, 11, failed()).encode());
    assert_eq!(
        check(&moved),
        Err(LogError::HeightMismatch {
            got: 11,
            expected: 10
        })
    );
    // Garbage receipts: empty, truncated, trailing bytes, unknown outcome, huge length.
    let whole = receipt(id, 10, failed()).encode();
    let mut trailing = whole.clone();
    trailing.push(0);
    let mut unknown = whole.clone();
    unknown[80] = 9;
    let mut huge = receipt(id, 10, Outcome::Executed { ack: vec![] }).encode();
    huge[81..85].copy_from_slice(&u32::MAX.to_be_bytes());
    for garbage in [
        vec![],
        whole[..50].to_vec(),
        trailing,
        unknown,
        huge,
        vec![0xff; 4096],
    ] {
        assert!(
            matches!(
                check(&received(id, 10, garbage)),
                Err(LogError::BadEncoding { .. })
            ),
            "garbage receipt accepted"
        );
    }
    // Undecodable event data, an unknown signature, no topics at all.
    let mut short = good.clone();
    short.inner.data = LogData::new_unchecked(short.inner.data.topics().to_vec(), vec![1].into());
    assert!(matches!(check(&short), Err(LogError::Undecodable { .. })));
    let mut unknown_event = good.clone();
    unknown_event.inner.data =
        LogData::new_unchecked(vec![B256::repeat_byte(3), B256::from(id.0)], Bytes::new());
    assert!(matches!(
        check(&unknown_event),
        Err(LogError::Undecodable { .. })
    ));
    let mut bare = good.clone();
    bare.inner.data = LogData::new_unchecked(vec![], Bytes::new());
    assert!(matches!(check(&bare), Err(LogError::Undecodable { .. })));
    // A Sent log whose packet is not the id's.
    let mut lying = sent(&p, 10);
    let mut event = StraitEndpoint::Sent::decode_log_data(&lying.inner.data).unwrap();
    event.packet = Bytes::from(packet(2).encode());
    lying.inner.data = event.encode_log_data();
    assert!(matches!(check(&lying), Err(LogError::BadSent { .. })));
    // Settled and RetryFailed outcomes that do not decode.
    for event in [
        StraitEndpoint::Settled {
            id: B256::from(id.0),
            outcome: Bytes::from(vec![7]),
        }
        .encode_log_data(),
        StraitEndpoint::RetryFailed {
            id: B256::from(id.0),
            attempts: 1,
            outcome: Bytes::from(vec![1, 0, 0]),
        }
        .encode_log_data(),
    ] {
        assert!(matches!(
            check(&log(event, 10)),
            Err(LogError::BadEncoding { .. })
        ));
    }
    assert!(decode_outcome(&[2, 0]).is_err());
}

#[test]
fn impossible_histories_are_refused() {
    let id = packet(1).id();
    let r = IdEvent::Received {
        receipt: receipt(id, 10, failed()),
        tx: B256::ZERO,
    };
    let s = IdEvent::Sent {
        block: 1,
        leaf_index: 0,
        packet: packet(1),
    };
    let fin = IdEvent::Finalized {
        receipt: receipt(id, 11, failed()),
    };
    let retry = IdEvent::RetryFailed { outcome: failed() };
    assert!(matches!(
        fold(id, vec![r.clone(), r.clone()]),
        Err(LogError::Duplicate { .. })
    ));
    assert!(matches!(
        fold(id, vec![s.clone(), s.clone()]),
        Err(LogError::Duplicate { .. })
    ));
    assert!(matches!(
        fold(id, vec![r.clone(), fin.clone(), fin.clone()]),
        Err(LogError::Duplicate { .. })
    ));
    assert!(matches!(
        fold(id, vec![r.clone(), fin.clone(), retry.clone()]),
        Err(LogError::Duplicate { .. })
    ));
    assert!(matches!(
        fold(id, vec![s.clone(), r.clone()]),
        Err(LogError::BothEnds { .. })
    ));
    assert!(matches!(fold(id, vec![fin]), Err(LogError::Missing { .. })));
    assert!(matches!(
        fold(id, vec![retry.clone()]),
        Err(LogError::Missing { .. })
    ));
    assert!(matches!(
        fold(id, vec![IdEvent::Settled]),
        Err(LogError::Missing { .. })
    ));
    // The bound on logs per message, at and past it.
    let at: Vec<IdEvent> = std::iter::once(r.clone())
        .chain(std::iter::repeat_n(retry.clone(), MAX_LOGS_PER_MESSAGE - 1))
        .collect();
    assert!(fold(id, at).is_ok());
    let past: Vec<IdEvent> = std::iter::once(r)
        .chain(std::iter::repeat_n(retry, MAX_LOGS_PER_MESSAGE))
        .collect();
    assert_eq!(
        fold(id, past),
        Err(LogError::TooMany {
            id,
            max: MAX_LOGS_PER_MESSAGE
        })
    );
}

fn fee_log(data: LogData, block: u64) -> Log {
    let mut l = log(data, block);
    l.inner.address = FEES;
    l
}

fn locked(id: MessageId, block: u64) -> Log {
    let event = StraitFees::FeeLocked {
        id: B256::from(id.0),
        payer: Address::repeat_byte(0xaa),
        gasLimit: 50_000,
        amount: U256::from(53_002),
    };
    fee_log(event.encode_log_data(), block)
}

fn split(id: MessageId, block: u64) -> Log {
    let event = StraitFees::FeeSplit {
        id: B256::from(id.0),
        deliverer: Address::repeat_byte(0xd1),
        delivererFee: U256::from(12_000),
        relayer: Address::repeat_byte(0xd2),
        ackFee: U256::from(1_000),
        refund: U256::from(40_002),
    };
    fee_log(event.encode_log_data(), block)
}

fn settled(id: MessageId, block: u64) -> Log {
    let event = StraitEndpoint::Settled {
        id: B256::from(id.0),
        outcome: Bytes::from(vec![0, 0, 0, 0, 0]),
    };
    log(event.encode_log_data(), block)
}

/// `[STRAIT-EVM-SRC.4]` A paid message's `FeeLocked` (in the block that sent it, before or after
/// the `Sent` log) and, once settled, its `FeeSplit` fold into what it paid; fee logs from another
/// contract, of another message, in another block or split without a settlement are refused.
#[test]
fn payments_fold_from_the_fee_contract_logs() {
    let rpc = rpc();
    let p = packet(3);
    let id = p.id();
    let events = |logs: &[Log]| -> Vec<IdEvent> {
        logs.iter()
            .map(|l| decode(&rpc, FEES, id, l, 0, 20).unwrap())
            .collect()
    };
    let lock = EvmFee {
        payer: Address::repeat_byte(0xaa),
        gas_limit: 50_000,
        amount: U256::from(53_002),
        split: None,
    };
    for order in [
        vec![locked(id, 4), sent(&p, 4)],
        vec![sent(&p, 4), locked(id, 4)],
    ] {
        assert_eq!(fold(id, events(&order)).unwrap().fee, Some(lock.clone()));
    }
    let f = fold(
        id,
        events(&[sent(&p, 4), locked(id, 4), split(id, 9), settled(id, 9)]),
    )
    .unwrap();
    assert!(f.settled);
    let paid = EvmFee {
        split: Some(EvmFeeSplit {
            deliverer: Address::repeat_byte(0xd1),
            to_deliverer: U256::from(12_000),
            relayer: Address::repeat_byte(0xd2),
            ack_fee: U256::from(1_000),
            refund: U256::from(40_002),
        }),
        ..lock
    };
    assert_eq!(f.fee, Some(paid));
    assert_eq!(fold(id, events(&[sent(&p, 4)])).unwrap().fee, None);

    // From the endpoint instead of its fee contract, and an endpoint event from the fee contract.
    let mut wrong = locked(id, 4);
    wrong.inner.address = ENDPOINT;
    assert_eq!(
        decode(&rpc, FEES, id, &wrong, 0, 20),
        Err(LogError::WrongAddress {
            got: ENDPOINT,
            expected: FEES
        })
    );
    let mut wrong = sent(&p, 4);
    wrong.inner.address = FEES;
    assert!(matches!(
        decode(&rpc, FEES, id, &wrong, 0, 20),
        Err(LogError::WrongAddress { .. })
    ));
    // Another message's payment under this id's topic, and data that does not decode.
    assert!(matches!(
        decode(&rpc, FEES, id, &locked(MessageId([4; 32]), 4), 0, 20),
        Err(LogError::WrongId { .. })
    ));
    let mut short = split(id, 9);
    short.inner.data = LogData::new_unchecked(short.inner.data.topics().to_vec(), vec![1].into());
    assert!(matches!(
        decode(&rpc, FEES, id, &short, 0, 20),
        Err(LogError::Undecodable { .. })
    ));
    // Impossible histories.
    let bad = |logs: &[Log]| fold(id, events(logs));
    assert!(matches!(
        bad(&[sent(&p, 4), locked(id, 5)]),
        Err(LogError::BadFee { .. })
    ));
    assert!(matches!(
        bad(&[locked(id, 4)]),
        Err(LogError::Missing { .. })
    ));
    assert!(matches!(
        bad(&[sent(&p, 4), locked(id, 4), split(id, 9)]),
        Err(LogError::BadFee { .. })
    ));
    assert!(matches!(
        bad(&[sent(&p, 4), split(id, 9), settled(id, 9)]),
        Err(LogError::BadFee { .. })
    ));
    assert!(matches!(
        bad(&[sent(&p, 4), locked(id, 4), locked(id, 4)]),
        Err(LogError::Duplicate { .. })
    ));
    assert!(matches!(
        bad(&[
            sent(&p, 4),
            locked(id, 4),
            split(id, 9),
            split(id, 9),
            settled(id, 9)
        ]),
        Err(LogError::Duplicate { .. })
    ));
}

#[test]
fn the_source_is_read_from_the_delivering_call() {
    let p = packet(1);
    let other = packet(2);
    let batch = StraitEndpoint::receiveBatchCall {
        packets: vec![Bytes::from(other.encode()), Bytes::from(p.encode())],
        proof: Bytes::new(),
        proofHeight: 3,
    }
    .abi_encode();
    assert_eq!(source_in_calldata(&batch, p.id()), Some(ChainId(CHAIN)));
    assert_eq!(source_in_calldata(&batch, MessageId([1; 32])), None);
    let single = StraitEndpoint::receiveMessageCall {
        packet: Bytes::from(p.encode()),
        proof: Bytes::new(),
        proofHeight: 3,
    }
    .abi_encode();
    assert_eq!(source_in_calldata(&single, p.id()), Some(ChainId(CHAIN)));
    // Through a verifier's verify-and-deliver call, nested up to the bound.
    let wrap = |data: Vec<u8>, form: usize| -> Vec<u8> {
        let (u, target, data) = (Bytes::from(vec![1; 9]), Address::ZERO, Bytes::from(data));
        match form {
            0 => crate::abi::ecdsa_committee::EcdsaCommitteeVerifier::verifyAndCallCall {
                u,
                target,
                data,
            }
            .abi_encode(),
            1 => crate::abi::packed::verify_and_call(&u, target, &data).unwrap(),
            _ => super::verifyAndCallCompactCall { u, target, data }.abi_encode(),
        }
    };
    let mut wrapped = batch.clone();
    for depth in 1..=super::MAX_WRAPPED_CALLS {
        wrapped = wrap(wrapped, depth % 3);
        assert_eq!(
            source_in_calldata(&wrapped, p.id()),
            Some(ChainId(CHAIN)),
            "{depth}"
        );
    }
    assert_eq!(source_in_calldata(&wrap(wrapped, 0), p.id()), None);
    assert_eq!(
        source_in_calldata(&wrap(single, 2), p.id()),
        Some(ChainId(CHAIN))
    );
    for garbage in [
        vec![],
        vec![0xff; 3],
        batch[..40].to_vec(),
        vec![0; 4096],
        wrap(vec![0xff; 3], 0),
        wrap(vec![0xff; 3], 1),
        // Packed, its update length past the end.
        crate::abi::packed::verify_and_call(&[1; 9], Address::ZERO, &batch).unwrap()[..30].to_vec(),
    ] {
        assert_eq!(source_in_calldata(&garbage, p.id()), None);
    }
}
