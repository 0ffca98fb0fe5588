//! Conservation of tokens under faults, seed by seed: random transfers in every direction (onward
//! hops, returns, refused transfers, timeouts) between three chains, relayed by two racing
//! relayers over a bad network (requests failed, delayed, relays duplicated, answers lost). After
//! every block: each chain's native supply is exactly balances plus escrow, each voucher's supply
//! exactly balances plus escrow, and no voucher exists that an escrow does not back. At the end,
//! when every transfer has settled: every escrow equals the vouchers it backs, exactly.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::net::{produce, Chains, TestRelayer};
use crate::BLOCK_MS;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{Tx, TxBody};
use strait_node::apps::storage_key;
use strait_node::apps::token::{
    balance_key, escrow_key, supply_key, TransferCall, CALL_FINALIZE, NATIVE_DENOM,
};
use strait_node::builder::GENESIS_ACCOUNTS;
use strait_node::devnet_specs;
use strait_node::state::keys;
use strait_primitives::{Address32, ChainId, Hash32, MessageId, Timestamp};
use strait_runtime::deterministic::{Executor, Runtime};
use strait_runtime::{Clock, Entropy};
use strait_sim::{chains_of, InProcessChain};

const CHAINS: u64 = 3;

fn accounts() -> Vec<AccountKey> {
    GENESIS_ACCOUNTS
        .iter()
        .map(|n| AccountKey::devnet(n))
        .collect()
}

fn u128_at(chain: &InProcessChain, key: &[u8]) -> u128 {
    chain
        .state()
        .get(&storage_key(&strait_devnet_api::apps::token(), key))
        .and_then(|v| <[u8; 16]>::try_from(v).ok())
        .map_or(0, u128::from_be_bytes)
}

/// Every denomination a chain can hold here: its native token, and vouchers of one or two hops.
fn denoms_on(chain: u64) -> Vec<String> {
    let mut out = vec![NATIVE_DENOM.to_owned()];
    for x in (1..=CHAINS).filter(|x| *x != chain) {
        out.push(format!("{x}/{NATIVE_DENOM}"));
        for z in (1..=CHAINS).filter(|z| *z != chain && *z != x) {
            out.push(format!("{z}/{x}/{NATIVE_DENOM}"));
        }
    }
    out
}

/// The invariants that hold after every block; `end`: also that every escrow equals exactly the
/// vouchers it backs (nothing in flight).
fn check(chains: &Chains, end: bool) -> Result<(), String> {
    let guards: Vec<_> = chains.iter().map(|c| c.lock().unwrap()).collect();
    // Every account that may hold `sat`: the token accounts, the funded signers (relayers pay
    // fees), the fee collector and the fee escrow ([STRAIT-FEE.2]).
    let holders: Vec<Address32> = strait_node::fees::native_holders();
    let held = |i: usize, denom: &str| -> u128 {
        holders
            .iter()
            .map(|a| u128_at(&guards[i], &balance_key(a, denom)))
            .sum()
    };
    for i in 0..CHAINS as usize {
        let me = i as u64 + 1;
        let native = held(i, NATIVE_DENOM) + u128_at(&guards[i], &escrow_key(NATIVE_DENOM));
        if native != strait_node::fees::genesis_native_supply() {
            return Err(format!("chain {me}: native balances + escrow = {native}"));
        }
        for denom in denoms_on(me).into_iter().skip(1) {
            let (supply, local) = (
                u128_at(&guards[i], &supply_key(&denom)),
                held(i, &denom) + u128_at(&guards[i], &escrow_key(&denom)),
            );
            if supply != local {
                return Err(format!("chain {me}: {denom} supply {supply}, held {local}"));
            }
        }
        // What left this chain (native, or a voucher going onwards) backs the vouchers elsewhere.
        for origin in denoms_on(me) {
            let escrow = u128_at(&guards[i], &escrow_key(&origin));
            let vouchers: u128 = (0..CHAINS as usize)
                .filter(|j| *j != i)
                .map(|j| u128_at(&guards[j], &supply_key(&format!("{me}/{origin}"))))
                .sum();
            if vouchers > escrow || (end && vouchers != escrow) {
                return Err(format!(
                    "chain {me}: {origin} escrow {escrow} backs {vouchers} vouchers elsewhere"
                ));
            }
        }
    }
    Ok(())
}

/// A refused transfer waiting for the destination's token app to finalize it.
struct Refused {
    source: usize,
    destination: usize,
    tx: Hash32,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    transfers: u64,
    refused: u64,
    timeouts: u64,
}

fn submit(chain: &Mutex<InProcessChain>, who: &AccountKey, data: Vec<u8>) -> Option<Hash32> {
    let mut c = chain.lock().unwrap();
    let tx = Tx {
        chain_id: c.chain_id(),
        signer: who.address(),
        nonce: c.account_nonce(&who.address()),
        body: TxBody::AppCall {
            app: strait_devnet_api::apps::token(),
            data,
        },
    }
    .sign(who);
    c.submit(tx).ok()
}

async fn run(rt: Runtime, ops: u64) -> Result<Tally, String> {
    let specs = devnet_specs(CHAINS, 4, Timestamp(rt.unix_time_ms()), BLOCK_MS);
    let chains: Chains = chains_of(&specs);
    let violation: Arc<Mutex<Option<String>>> = Arc::default();
    let (all, found) = (chains.clone(), violation.clone());
    produce(&rt, &chains, move || {
        if let Err(e) = check(&all, false) {
            found.lock().unwrap().get_or_insert(e);
        }
    });
    let relayers =
        ["relayer-a", "relayer-b"].map(|name| TestRelayer::start(&rt, &chains, name, true));

    let keys = accounts();
    let mut tally = Tally::default();
    let mut refused = Vec::new();
    for _ in 0..ops {
        rt.sleep(Duration::from_millis(5 + rt.next_u64() % 20))
            .await;
        let from = (rt.next_u64() % CHAINS) as usize;
        let to = {
            let k = 1 + rt.next_u64() % (CHAINS - 1);
            ((from as u64 + k) % CHAINS) as usize
        };
        let who = &keys[(rt.next_u64() % keys.len() as u64) as usize];
        // A denomination the sender holds whose voucher stays within two hops.
        let (dest_id, from_id) = (to as u64 + 1, from as u64 + 1);
        let candidates: Vec<(String, u128)> = denoms_on(from_id)
            .into_iter()
            .filter(|d| d.starts_with(&format!("{dest_id}/")) || d.split('/').count() < 3)
            .map(|d| {
                let have = u128_at(
                    &chains[from].lock().unwrap(),
                    &balance_key(&who.address(), &d),
                );
                (d, have)
            })
            .filter(|(_, have)| *have > 0)
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let (denom, have) = &candidates[(rt.next_u64() % candidates.len() as u64) as usize];
        let amount = 1 + u128::from(rt.next_u64()) % (*have / 4 + 1);
        let roll = rt.next_u64() % 100;
        let recipient = if roll < 5 {
            Address32([0; 32])
        } else {
            keys[(rt.next_u64() % keys.len() as u64) as usize].address()
        };
        let timeout_timestamp = (5..15)
            .contains(&roll)
            .then(|| Timestamp(rt.unix_time_ms() + rt.next_u64() % 150));
        let call = TransferCall {
            destination: ChainId(dest_id),
            recipient,
            denom: denom.clone(),
            amount,
            timeout_height: None,
            timeout_timestamp,
            gas_limit: 0,
        };
        let Some(tx) = submit(&chains[from], who, call.encode()) else {
            continue;
        };
        tally.transfers += 1;
        tally.timeouts += u64::from(timeout_timestamp.is_some());
        if roll < 5 {
            tally.refused += 1;
            refused.push(Refused {
                source: from,
                destination: to,
                tx,
            });
        }
    }

    // Faults and traffic stop; refused transfers are finalized by the destination's token app
    // (anyone asks), and everything settles.
    let finalizer = AccountKey::devnet("finalizer");
    let mut pending: BTreeMap<usize, Refused> = refused.into_iter().enumerate().collect();
    for _ in 0..3_000 {
        if let Some(v) = violation.lock().unwrap().clone() {
            return Err(v);
        }
        pending.retain(|_, r| {
            let id = chains[r.source]
                .lock()
                .unwrap()
                .tx_result(&r.tx)
                .and_then(|res| res.message_id);
            let Some(id) = id else {
                // The call itself failed (a race with another transfer of the same funds).
                return chains[r.source].lock().unwrap().tx_result(&r.tx).is_none();
            };
            let dest = &chains[r.destination];
            let failed = dest
                .lock()
                .unwrap()
                .state()
                .get(&keys::failed(&id))
                .is_some();
            if !failed {
                // Not delivered yet, or already final.
                return dest
                    .lock()
                    .unwrap()
                    .state()
                    .get(&keys::receipt(&id))
                    .is_none();
            }
            let packet = find_packet(
                &chains[r.source].lock().unwrap(),
                r.destination as u64 + 1,
                &id,
            );
            let mut data = vec![CALL_FINALIZE];
            data.extend_from_slice(&packet.encode());
            submit(dest, &finalizer, data);
            false
        });
        let settled = pending.is_empty()
            && chains.iter().all(|c| {
                let c = c.lock().unwrap();
                c.state().count_prefix(b"p") == 0 && c.state().count_prefix(b"f") == 0
            });
        if settled {
            break;
        }
        rt.sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    for relayer in relayers {
        relayer.stop().await;
    }
    if let Some(v) = violation.lock().unwrap().clone() {
        return Err(v);
    }
    let open: Vec<usize> = chains
        .iter()
        .map(|c| c.lock().unwrap().state().count_prefix(b"p"))
        .collect();
    if open.iter().any(|n| *n > 0) {
        return Err(format!("transfers never settled: {open:?} per chain"));
    }
    check(&chains, true)?;
    Ok(tally)
}

fn find_packet(chain: &InProcessChain, destination: u64, id: &MessageId) -> strait_packet::Packet {
    let mut from = 0;
    loop {
        let page = chain.outbox_page(ChainId(destination), from, 4096);
        if let Some(m) = page.messages.iter().find(|m| m.id == *id) {
            return strait_packet::Packet::clone(&m.packet);
        }
        assert!(page.next_leaf > from, "message {id} not in the outbox");
        from = page.next_leaf;
    }
}

#[test]
fn tokens_are_conserved_under_faults_for_a_sweep_of_seeds() {
    let mut total = Tally::default();
    for seed in 0..6 {
        let tally = Executor::seeded(seed)
            .run(|rt| run(rt, 300))
            .unwrap()
            .unwrap_or_else(|e| {
                panic!("seed {seed}: {e} (replay: cargo test -p strait-sim --test it token_sweep)")
            });
        total.transfers += tally.transfers;
        total.refused += tally.refused;
        total.timeouts += tally.timeouts;
    }
    eprintln!("{total:?}");
    assert!(total.transfers > 1_000, "{total:?}");
    assert!(total.refused > 10 && total.timeouts > 50, "{total:?}");
}
