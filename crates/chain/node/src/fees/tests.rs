//! Fees: each bound at and past its limit, conservation of `sat` throughout.

use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{TxFailure, TxResult};
use strait_devnet_api::tx::{SignedTx, Tx, TxBody};
use strait_light_client::PublicKey;
use strait_merkle::IncrementalTree;
use strait_primitives::{ChainId, Hash32, MessageId, Timestamp};

use super::message::{self, FeePaid, MessageFees, Quote};
use super::*;
use crate::builder::{build_block, genesis_state, BlockInput, GENESIS_BALANCE};
use crate::mempool::{check_fee, AdmitError};
use crate::spec::{devnet_key_pool, devnet_specs, genesis_header};

/// Genesis of chain 1 of a two-chain devnet.
fn genesis() -> State {
    let specs = devnet_specs(2, 4, Timestamp(1_000), 50);
    let mut state = genesis_state(&specs[0], &specs[1..]);
    state.take_writes();
    state
}

/// Executes `txs` as block 1 of chain 1 on `state`.
fn run(state: &mut State, txs: &[SignedTx]) -> Vec<TxResult> {
    let specs = devnet_specs(2, 4, Timestamp(1_000), 50);
    let genesis = genesis_header(&specs[0]);
    let keys: Vec<PublicKey> = devnet_key_pool(ChainId(1))
        .iter()
        .map(|s| s.public_key())
        .collect();
    let hashed: Vec<(&SignedTx, Hash32)> = txs.iter().map(|t| (t, t.hash())).collect();
    build_block(
        state,
        &mut IncrementalTree::new(),
        &BlockInput {
            chain_id: ChainId(1),
            parent: &genesis,
            timestamp: Timestamp(2_000),
            remotes: &specs[1..],
            foreign_remotes: &[],
            pool_keys: &keys,
            txs: &hashed,
            ext: crate::extensions::Extensions::builtin(),
        },
    )
    .unwrap()
    .results
}

fn tx(key: &AccountKey, nonce: u64, body: TxBody) -> SignedTx {
    Tx {
        chain_id: ChainId(1),
        signer: key.address(),
        nonce,
        body,
    }
    .sign(key)
}

/// A call to an address with no application: its body fails.
fn failing_call() -> TxBody {
    TxBody::AppCall {
        app: Address32([0xee; 32]),
        data: vec![1, 2, 3],
    }
}

fn fee_of(t: &SignedTx) -> u128 {
    FeeSchedule::DEVNET.tx_fee(TxCost {
        signatures: 0,
        bytes: t.encode().len(),
    })
}

/// The sum of every native balance: what no fee may change.
fn native_total(state: &State) -> u128 {
    native_holders()
        .iter()
        .map(|a| native_balance(state, a))
        .sum()
}

#[test]
fn the_schedule_is_written_at_genesis_and_every_signer_is_funded() {
    let state = genesis();
    assert_eq!(schedule(&state), FeeSchedule::DEVNET);
    assert_eq!(
        message::oracle(&state, ChainId(2)),
        Some(MessageFees::DEVNET)
    );
    assert_eq!(message::oracle(&state, ChainId(3)), None);
    for label in ["alice", "relayer", "relayer-15", "guardian-4", "user-load"] {
        let a = AccountKey::devnet(label).address();
        assert_eq!(native_balance(&state, &a), GENESIS_BALANCE, "{label}");
    }
    assert_eq!(native_balance(&state, &fee_collector()), 0);
    let holders = native_holders();
    let distinct: std::collections::BTreeSet<_> = holders.iter().collect();
    assert_eq!(distinct.len(), holders.len(), "no holder counted twice");
    // A state without a schedule charges nothing.
    assert_eq!(schedule(&State::default()), FeeSchedule::ZERO);
}

#[test]
fn a_transaction_pays_its_fee_to_the_collector_and_keeps_paying_when_its_body_fails() {
    let mut state = genesis();
    let total = native_total(&state);
    let alice = AccountKey::devnet("alice");
    let t = tx(&alice, 0, failing_call());
    let fee = fee_of(&t);
    assert_eq!(fee, 1_000 + t.encode().len() as u128);
    let results = run(&mut state, std::slice::from_ref(&t));
    assert!(!results[0].success);
    assert_eq!(results[0].failure, Some(TxFailure::Rejected));
    assert_eq!(results[0].fee, fee.to_string());
    // [STRAIT-FEE.2] kept although the body failed; the nonce is consumed.
    assert_eq!(
        native_balance(&state, &alice.address()),
        GENESIS_BALANCE - fee
    );
    assert_eq!(native_balance(&state, &fee_collector()), fee);
    assert_eq!(state.get_u64(&keys::account(&alice.address())), 1);
    assert_eq!(native_total(&state), total);
}

/// `[STRAIT-FEE.3]` at execution: exactly the fee pays; one `sat` short, what is held is taken
/// and the body does not run.
#[test]
fn a_signer_that_cannot_pay_at_execution_loses_what_it_holds_and_runs_nothing() {
    let poor = AccountKey::devnet("alice");
    let ping = TxBody::AppCall {
        app: strait_devnet_api::apps::ping_pong(),
        data: vec![],
    };
    let t = tx(&poor, 0, ping.clone());
    let fee = fee_of(&t);
    for (held, pays) in [(fee, true), (fee - 1, false), (0, false)] {
        let mut state = genesis();
        fund(&mut state, &poor.address(), held);
        let total = native_total(&state);
        let results = run(&mut state, std::slice::from_ref(&t));
        assert_eq!(native_balance(&state, &poor.address()), 0, "held {held}");
        assert_eq!(native_balance(&state, &fee_collector()), held);
        assert_eq!(native_total(&state), total);
        assert_eq!(state.get_u64(&keys::account(&poor.address())), 1);
        if pays {
            assert_eq!(results[0].fee, fee.to_string());
            assert_ne!(results[0].failure, Some(TxFailure::FeeUnpaid));
        } else {
            assert_eq!(results[0].failure, Some(TxFailure::FeeUnpaid));
            assert_eq!(results[0].fee, held.to_string());
            assert!(
                results[0].error.as_deref().unwrap().contains("needed"),
                "{:?}",
                results[0].error
            );
            // Nothing of the body ran: no message sent.
            assert!(results[0].message_id.is_none());
        }
    }
}

/// `[STRAIT-FEE.3]` at admission: the committed balance pays the fee, exactly or not at all.
#[test]
fn admission_refuses_a_signer_that_cannot_pay_with_a_typed_error() {
    assert_eq!(check_fee(1_500, 1_500), Ok(()));
    assert_eq!(
        check_fee(1_500, 1_499),
        Err(AdmitError::InsufficientFee {
            need: 1_500,
            have: 1_499
        })
    );
    assert_eq!(check_fee(0, 0), Ok(()));
}

#[test]
fn fees_saturate_and_are_costed_by_bytes_and_signatures() {
    let s = FeeSchedule {
        base: 7,
        per_byte: 3,
        per_signature: 11,
    };
    assert_eq!(
        s.tx_fee(TxCost {
            signatures: 2,
            bytes: 5
        }),
        7 + 15 + 22
    );
    let huge = FeeSchedule {
        base: u128::MAX,
        per_byte: u128::MAX,
        per_signature: 1,
    };
    assert_eq!(
        huge.tx_fee(TxCost {
            signatures: 1,
            bytes: 1
        }),
        u128::MAX
    );
    assert_eq!(FeeSchedule::decode(&s.encode()), Ok(s));
    assert!(FeeSchedule::decode(&s.encode()[1..]).is_err());
}

/// `[STRAIT-FEE.5]` A quote is exact: each part by the formula, nothing for an unpaid message.
#[test]
fn quotes_are_exact_and_unpaid_messages_cost_nothing() {
    let f = MessageFees {
        gas_price: 3,
        base_delivery: 100,
        per_byte: 2,
        ack_fee: 50,
    };
    assert_eq!(
        f.quote(1_000, 10),
        Quote {
            delivery: 120,
            gas: 3_000,
            ack: 50,
            total: 3_170
        }
    );
    assert_eq!(f.quote(0, 10), Quote::default());
    assert_eq!(
        f.quote(u64::MAX, usize::MAX).total,
        u128::from(u64::MAX) * 3 + 100 + 2 * usize::MAX as u128 + 50
    );
    assert_eq!(MessageFees::decode(&f.encode()), Ok(f));
    let state = genesis();
    assert_eq!(
        message::quote(&state, ChainId(2), 10, 4),
        Ok(MessageFees::DEVNET.quote(10, 4))
    );
    assert_eq!(
        message::quote(&state, ChainId(9), 0, 4),
        Ok(Quote::default())
    );
    assert_eq!(
        message::quote(&state, ChainId(9), 1, 4),
        Err(FeeError::NoOracle(ChainId(9)))
    );
}

/// `[STRAIT-FEE.7]`, `[STRAIT-FEE.8]`: locked at send, split exactly once on settlement, for gas
/// used under, at and over the limit.
#[test]
fn a_locked_fee_is_split_exactly_once_between_deliverer_ack_relayer_and_payer() {
    let fees = MessageFees::DEVNET;
    let (payer, deliverer, relayer) = (
        AccountKey::devnet("alice").address(),
        AccountKey::devnet("relayer-1").address(),
        AccountKey::devnet("relayer-2").address(),
    );
    let limit = 10_000u64;
    for (i, used) in [0u64, 4_000, limit, limit + 1, u64::MAX]
        .into_iter()
        .enumerate()
    {
        let mut state = genesis();
        let total = native_total(&state);
        let id = MessageId([i as u8; 32]);
        let lock = message::lock(&mut state, &id, &payer, ChainId(2), limit, 40)
            .unwrap()
            .unwrap();
        let quote = fees.quote(limit, 40);
        assert_eq!(lock.quote, quote);
        assert_eq!(
            native_balance(&state, &payer),
            GENESIS_BALANCE - quote.total
        );
        assert_eq!(native_balance(&state, &fee_escrow()), quote.total);
        assert_eq!(native_total(&state), total);
        let paid = message::settle(&mut state, &id, &deliverer, used, &relayer).unwrap();
        let gas = u128::from(used.min(limit)) * fees.gas_price;
        assert_eq!(
            paid,
            FeePaid {
                deliverer,
                to_deliverer: quote.delivery + gas,
                ack_relayer: relayer,
                to_ack_relayer: fees.ack_fee,
                payer,
                refunded: quote.gas - gas,
            }
        );
        assert_eq!(native_balance(&state, &fee_escrow()), 0);
        assert_eq!(
            native_balance(&state, &relayer),
            GENESIS_BALANCE + fees.ack_fee
        );
        assert_eq!(
            native_balance(&state, &deliverer),
            GENESIS_BALANCE + quote.delivery + gas
        );
        assert_eq!(native_total(&state), total);
        assert_eq!(message::paid(&state, &id), Some(paid));
        assert_eq!(message::locked(&state, &id), None);
        // A second settlement pays nothing.
        assert_eq!(
            message::settle(&mut state, &id, &deliverer, used, &relayer),
            None
        );
        assert_eq!(native_total(&state), total);
    }
}

#[test]
fn an_unpaid_message_locks_nothing_and_a_payer_short_by_one_locks_nothing() {
    let mut state = genesis();
    let payer = AccountKey::devnet("alice").address();
    let id = MessageId([1; 32]);
    assert_eq!(
        message::lock(&mut state, &id, &payer, ChainId(2), 0, 10),
        Ok(None)
    );
    assert_eq!(message::locked(&state, &id), None);
    let quote = MessageFees::DEVNET.quote(5, 10);
    fund(&mut state, &payer, quote.total - 1);
    assert_eq!(
        message::lock(&mut state, &id, &payer, ChainId(2), 5, 10),
        Err(FeeError::InsufficientBalance {
            account: payer,
            need: quote.total,
            have: quote.total - 1
        })
    );
    assert_eq!(native_balance(&state, &payer), quote.total - 1);
    fund(&mut state, &payer, quote.total);
    assert!(message::lock(&mut state, &id, &payer, ChainId(2), 5, 10)
        .unwrap()
        .is_some());
    assert_eq!(native_balance(&state, &payer), 0);
}

/// `[STRAIT-FEE.5]` The oracle changes only with three guardian approvals, through a transaction
/// any funded key may sign; a refused change keeps the signer's fee and changes nothing.
#[test]
fn the_oracle_changes_only_with_guardian_approvals() {
    use strait_devnet_api::tx::OracleEntry;
    let mut state = genesis();
    let entry = OracleEntry {
        gas_price: 9,
        base_delivery: 1,
        per_byte: 0,
        ack_fee: 2,
    };
    let relayer = AccountKey::devnet("relayer");
    let body = |signers: &[usize], state: &State| TxBody::SetFeeOracle {
        destination: ChainId(2),
        entry,
        approvals: super::oracle::approve(state, ChainId(1), ChainId(2), &entry, signers),
    };
    let two = tx(&relayer, 0, body(&[1, 3], &state));
    let three = tx(&relayer, 1, body(&[0, 1, 3], &state));
    let results = run(&mut state, &[two, three]);
    assert_eq!(results[0].failure, Some(TxFailure::Rejected));
    assert!(results[0].fee.parse::<u128>().unwrap() > 0);
    assert!(results[1].success, "{:?}", results[1].error);
    assert_eq!(
        message::oracle(&state, ChainId(2)),
        Some(super::oracle::fees_of(&entry))
    );
}
