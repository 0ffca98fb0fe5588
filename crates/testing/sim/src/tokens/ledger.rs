//! The token world's checkers: what the chains' events say each transfer did, and the supply
//! invariants read from every chain's token store after every block.
//!
//! The ledger learns of a transfer from its source's `Sent` event (the packet's payload names the
//! denom, amount, sender and recipient), of its execution from its destination's `Received` or
//! `Finalized` event, and of its refund from its source's `Settled` event with a failure or a
//! timeout. It never reads what the generator meant to do. From that it keeps the value in flight
//! per token and the balance every account must hold, and checks after every block:
//!
//! * `native_supply`: each chain's native supply is its balances plus its escrow plus its queued
//!   inbound credits, as at genesis;
//! * `voucher_supply`: each voucher's supply is its balances plus its escrow plus its queued
//!   inbound credits (nothing negative: amounts are unsigned and an underflow shows as a
//!   mismatch);
//! * `escrow_backed`: each token's escrow on its home chain is the vouchers minted from it on the
//!   other chains plus the value in flight (sent and neither executed nor refunded yet) plus the
//!   value queued outbound (`[STRAIT-LIMIT.5]`: debited, escrowed or burned, not sent yet);
//! * `balances_match_events`: every account's balance, plus what it has queued (an outbound
//!   transfer not sent yet, an inbound credit not credited yet), is what the events make it;
//! * `transfer_fate_once`: a transfer is executed or refunded, never both, never twice;
//! * `fee_split_once`: a paid message's locked payment is split once, at its settlement, in
//!   parts summing to what was locked ([`fees`]).
//!
//! Balances count fees (`docs/SPEC.md` §11): each transaction's fee moves from its signer to the
//! fee collector, each paid message's quote from its payer to the fee escrow and, at its
//! settlement, from there to its deliverer, ack relayer and payer. Both accounts are balances
//! like any other, so the native supply counts them.

mod fees;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use strait_endpoint::Outcome;
use strait_node::apps::token::limits::Direction;
use strait_node::apps::token::queue::Queued;
use strait_node::apps::token::{Transfer, NATIVE_DENOM};
use strait_node::fees::message::FeeLock;
use strait_packet::Packet;
use strait_primitives::{Address32, ChainId, MessageId};

use crate::world::Checker;
use crate::Produced;

/// A chain's token store ([`crate::InProcessChain::token_store`]).
pub(crate) type Store = BTreeMap<Vec<u8>, Vec<u8>>;

/// How a transfer ended, as far as the chains have said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Sent; neither executed on its destination nor refunded on its source yet.
    InFlight,
    /// Executed on its destination (at once or by a retry).
    Executed,
    /// Its sender was refunded (its failure or timeout was proven back).
    Refunded,
}

/// A transfer as its source's `Sent` event told it.
pub(crate) struct Sent {
    pub(crate) packet: Arc<Packet>,
    transfer: Transfer,
    /// The chain whose escrow backs it, and the denom there.
    home: (ChainId, String),
    /// The denom it arrives as on its destination.
    arrives_as: String,
    pub(crate) fate: Fate,
}

/// Counts of what the chains did to transfers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fates {
    /// Transfers sent (a `Sent` event of the token application).
    pub sent: u64,
    /// Executed on their destination.
    pub executed: u64,
    /// Of those, executed by a retry.
    pub executed_by_retry: u64,
    /// Failed on their destination (at first).
    pub failed: u64,
    /// Timed out on their destination.
    pub timed_out: u64,
    /// Senders refunded after a failure made final.
    pub refunded_failed: u64,
    /// Senders refunded after a timeout.
    pub refunded_timed_out: u64,
    /// Messages sent paid (a payment locked with the send, `[STRAIT-FEE.7]`).
    pub paid: u64,
    /// Locked payments split at settlement (`[STRAIT-FEE.8]`).
    pub fees_split: u64,
    /// Transaction fees taken, in `sat` (`[STRAIT-FEE.2]`).
    pub tx_fees: u128,
    /// Payments held for a message sent later (`[STRAIT-FEE.10]`: paid transfers queued).
    pub held: u64,
    /// Of those, released whole to their payer (a cancel).
    pub holds_released: u64,
}

/// What the token checkers know.
#[derive(Default)]
pub(crate) struct Ledger {
    /// Every transfer sent (only looked up).
    pub(crate) transfers: HashMap<MessageId, Sent>,
    /// Value in flight per home chain and denom there.
    in_flight: BTreeMap<(ChainId, String), u128>,
    /// The balance each account must hold: chain, account, denom.
    expected: BTreeMap<(ChainId, Address32, String), u128>,
    /// Each chain's native supply at genesis.
    native: BTreeMap<ChainId, u128>,
    /// Transfers whose execution failed on their destination and is not final yet, by id.
    pub(crate) failed: BTreeSet<MessageId>,
    /// Payments locked and not split yet: the chain that locked it, the lock.
    fee_locks: HashMap<MessageId, (ChainId, FeeLock)>,
    /// Messages whose payment was split.
    fees_split: HashSet<MessageId>,
    /// Payments held for a message not sent yet, by chain and hold key (`[STRAIT-FEE.10]`).
    fee_holds: BTreeMap<(ChainId, Vec<u8>), FeeLock>,
    /// This block's locks moved from a hold (no balance moves).
    moved_locks: HashSet<MessageId>,
    pub(crate) fates: Fates,
}

/// A token store's entries under `prefix`, with the prefix removed.
fn entries<'a>(
    store: &'a BTreeMap<Vec<u8>, Vec<u8>>,
    prefix: &'a [u8],
) -> impl Iterator<Item = (&'a [u8], u128)> + 'a {
    store
        .range(prefix.to_vec()..)
        .take_while(move |(k, _)| k.starts_with(prefix))
        .map(move |(k, v)| {
            let amount = <[u8; 16]>::try_from(v.as_slice()).map_or(u128::MAX, u128::from_be_bytes);
            (&k[prefix.len()..], amount)
        })
}

fn denom_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A balance entry's account and denom.
fn split_balance(key: &[u8]) -> (Address32, String) {
    let mut account = [0u8; 32];
    account.copy_from_slice(&key[..32]);
    (Address32(account), denom_of(&key[32..]))
}

/// What one chain's token store holds, summed.
#[derive(Default)]
struct Totals {
    /// Balances per denom.
    held: BTreeMap<String, u128>,
    escrow: BTreeMap<String, u128>,
    supply: BTreeMap<String, u128>,
    /// Inbound credits queued per denom (received, not credited yet).
    queued_in: BTreeMap<String, u128>,
    /// Outbound transfers queued (debited, not sent yet): the home they are backed by, amount.
    queued_out: Vec<((ChainId, String), u128)>,
    /// Every queued item: owner, denom, amount.
    queued_by: Vec<(Address32, String, u128)>,
}

impl Ledger {
    /// Starts from the chains' genesis token stores.
    pub(crate) fn genesis(stores: &[(ChainId, &Store)]) -> Self {
        let mut ledger = Self::default();
        for (chain, store) in stores {
            for (key, amount) in entries(store, b"bal/") {
                let (account, denom) = split_balance(key);
                ledger.expected.insert((*chain, account, denom), amount);
            }
            let totals = totals(*chain, store);
            let native = totals.held.get(NATIVE_DENOM).copied().unwrap_or(0)
                + totals.escrow.get(NATIVE_DENOM).copied().unwrap_or(0)
                + totals.queued_in.get(NATIVE_DENOM).copied().unwrap_or(0);
            ledger.native.insert(*chain, native);
        }
        ledger
    }

    fn credit(&mut self, chain: ChainId, account: Address32, denom: &str, amount: u128) {
        *self
            .expected
            .entry((chain, account, denom.to_owned()))
            .or_default() += amount;
    }

    /// Takes one block of `chain`: the packets it sent and what it did.
    pub(crate) fn apply(
        &mut self,
        chain: ChainId,
        sent: &[Arc<Packet>],
        produced: &Produced,
    ) -> Result<(), (Checker, String)> {
        // Credits first: a block's events come in kinds, not in order, and a send in it may
        // spend what a delivery earlier in it credited (never the other way round).
        for (id, _, outcome) in &produced.received {
            if !self.transfers.contains_key(id) {
                continue;
            }
            match outcome {
                Outcome::Executed { .. } => self.executed(chain, id, false)?,
                Outcome::Failed(_) => {
                    self.fates.failed += 1;
                    self.failed.insert(*id);
                }
                Outcome::TimedOut => self.fates.timed_out += 1,
            }
        }
        for (id, outcome) in &produced.finalized {
            if self.failed.remove(id) && outcome.is_executed() {
                self.executed(chain, id, true)?;
            }
        }
        for (id, outcome) in &produced.settled {
            self.settled(chain, id, outcome)?;
        }
        self.fee_credits(chain, produced)?;
        self.fee_debits(chain, produced)?;
        let token = strait_devnet_api::apps::token();
        for packet in sent {
            if packet.sender != token || packet.receiver != token {
                continue;
            }
            let Ok(transfer) = Transfer::decode(&packet.payload) else {
                continue;
            };
            let (source, destination) = (packet.source_chain, packet.destination_chain);
            let back = format!("{destination}/");
            let (home, arrives_as) = match transfer.denom.strip_prefix(&back) {
                Some(local) => ((destination, local.to_owned()), local.to_owned()),
                None => (
                    (source, transfer.denom.clone()),
                    format!("{source}/{}", transfer.denom),
                ),
            };
            let key = (source, transfer.sender, transfer.denom.clone());
            let have = self.expected.entry(key).or_default();
            *have = have.checked_sub(transfer.amount).ok_or_else(|| {
                let detail = format!(
                    "chain {source} sent {} {} of {} who held {have}",
                    transfer.amount, transfer.denom, transfer.sender
                );
                (Checker::BalancesMatchEvents, detail)
            })?;
            *self.in_flight.entry(home.clone()).or_default() += transfer.amount;
            self.fates.sent += 1;
            self.transfers.insert(
                packet.id(),
                Sent {
                    packet: packet.clone(),
                    transfer,
                    home,
                    arrives_as,
                    fate: Fate::InFlight,
                },
            );
        }
        Ok(())
    }

    fn executed(
        &mut self,
        chain: ChainId,
        id: &MessageId,
        retried: bool,
    ) -> Result<(), (Checker, String)> {
        let Some(sent) = self.transfers.get_mut(id) else {
            return Ok(());
        };
        if sent.fate != Fate::InFlight || sent.packet.destination_chain != chain {
            let detail = format!("{id} executed on chain {chain} after {:?}", sent.fate);
            return Err((Checker::TransferFateOnce, detail));
        }
        sent.fate = Fate::Executed;
        let (home, amount) = (sent.home.clone(), sent.transfer.amount);
        let (recipient, denom) = (sent.transfer.recipient, sent.arrives_as.clone());
        self.leave_flight(&home, amount)?;
        self.credit(chain, recipient, &denom, amount);
        self.fates.executed += 1;
        self.fates.executed_by_retry += u64::from(retried);
        Ok(())
    }

    fn settled(
        &mut self,
        chain: ChainId,
        id: &MessageId,
        outcome: &Outcome,
    ) -> Result<(), (Checker, String)> {
        let Some(sent) = self.transfers.get_mut(id) else {
            return Ok(());
        };
        let fate = sent.fate;
        let wrong = match outcome {
            Outcome::Executed { .. } => fate != Fate::Executed,
            Outcome::Failed(_) | Outcome::TimedOut => fate != Fate::InFlight,
        };
        if wrong || sent.packet.source_chain != chain {
            let detail = format!("{id} settled on chain {chain} as {outcome:?} after {fate:?}");
            return Err((Checker::TransferFateOnce, detail));
        }
        if outcome.is_executed() {
            return Ok(());
        }
        sent.fate = Fate::Refunded;
        let (home, amount) = (sent.home.clone(), sent.transfer.amount);
        let (sender, denom) = (sent.transfer.sender, sent.transfer.denom.clone());
        self.leave_flight(&home, amount)?;
        self.credit(chain, sender, &denom, amount);
        match outcome {
            Outcome::TimedOut => self.fates.refunded_timed_out += 1,
            _ => self.fates.refunded_failed += 1,
        }
        Ok(())
    }

    fn leave_flight(
        &mut self,
        home: &(ChainId, String),
        amount: u128,
    ) -> Result<(), (Checker, String)> {
        let flying = self.in_flight.entry(home.clone()).or_default();
        *flying = flying.checked_sub(amount).ok_or_else(|| {
            let detail = format!("{amount} of {home:?} landed, {flying} in flight");
            (Checker::TransferFateOnce, detail)
        })?;
        Ok(())
    }

    /// Transfers that have not ended, in id order.
    pub(crate) fn unended(&self) -> Vec<MessageId> {
        let mut ids: Vec<MessageId> = self
            .transfers
            .iter()
            .filter(|(_, s)| s.fate == Fate::InFlight)
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The invariants over every chain's token store (`stores`, one per chain).
    pub(crate) fn check(&self, stores: &[(ChainId, &Store)]) -> Result<(), (Checker, String)> {
        let totals: Vec<(ChainId, Totals)> =
            stores.iter().map(|(c, s)| (*c, totals(*c, s))).collect();
        let get = |m: &BTreeMap<String, u128>, d: &str| m.get(d).copied().unwrap_or(0);
        for (chain, t) in &totals {
            let native = get(&t.held, NATIVE_DENOM)
                .saturating_add(get(&t.escrow, NATIVE_DENOM))
                .saturating_add(get(&t.queued_in, NATIVE_DENOM));
            let genesis = self.native.get(chain).copied().unwrap_or(0);
            if native != genesis {
                let detail =
                    format!("chain {chain}: native balances + escrow + queued in {native}, genesis {genesis}");
                return Err((Checker::NativeSupply, detail));
            }
            let vouchers: BTreeSet<&String> = t
                .held
                .keys()
                .chain(t.escrow.keys())
                .chain(t.supply.keys())
                .chain(t.queued_in.keys())
                .filter(|d| d.as_str() != NATIVE_DENOM)
                .collect();
            for denom in vouchers {
                if !denom.contains('/') {
                    let detail = format!("chain {chain} holds {denom}, a token it never had");
                    return Err((Checker::NativeSupply, detail));
                }
                let (supply, local) = (
                    get(&t.supply, denom),
                    get(&t.held, denom)
                        .saturating_add(get(&t.escrow, denom))
                        .saturating_add(get(&t.queued_in, denom)),
                );
                if supply != local {
                    let detail = format!(
                        "chain {chain}: {denom} supply {supply}, balances + escrow + queued in {local}"
                    );
                    return Err((Checker::VoucherSupply, detail));
                }
            }
        }
        // Every token that left a chain: by its escrow there, by a voucher of it elsewhere, or in
        // flight.
        let mut backed: BTreeMap<(ChainId, String), (u128, u128)> = BTreeMap::new();
        for (chain, t) in &totals {
            for (denom, escrow) in &t.escrow {
                backed.entry((*chain, denom.clone())).or_default().0 = *escrow;
            }
            for (voucher, supply) in &t.supply {
                let Some((from, denom)) = voucher.split_once('/') else {
                    continue;
                };
                let from = ChainId(from.parse().unwrap_or(0));
                if from == *chain {
                    let detail =
                        format!("chain {chain} holds a voucher of its own token: {voucher}");
                    return Err((Checker::EscrowBacked, detail));
                }
                let sum = &mut backed.entry((from, denom.to_owned())).or_default().1;
                *sum = sum.saturating_add(*supply);
            }
        }
        for home in self.in_flight.keys() {
            backed.entry(home.clone()).or_default();
        }
        let mut queued_out: BTreeMap<(ChainId, String), u128> = BTreeMap::new();
        for (_, t) in &totals {
            for (home, amount) in &t.queued_out {
                let sum = queued_out.entry(home.clone()).or_default();
                *sum = sum.saturating_add(*amount);
                backed.entry(home.clone()).or_default();
            }
        }
        for ((chain, denom), (escrow, vouchers)) in &backed {
            let home = (*chain, denom.clone());
            let flying = self.in_flight.get(&home).copied().unwrap_or(0);
            let queued = queued_out.get(&home).copied().unwrap_or(0);
            if *escrow != vouchers.saturating_add(flying).saturating_add(queued) {
                let detail = format!(
                    "chain {chain}: escrow of {denom} {escrow}, vouchers elsewhere {vouchers} + in \
                     flight {flying} + queued out {queued}"
                );
                return Err((Checker::EscrowBacked, detail));
            }
        }
        // Every balance is what the events made it.
        let mut held: BTreeMap<(ChainId, Address32, String), u128> = BTreeMap::new();
        for (chain, store) in stores {
            for (key, amount) in entries(store, b"bal/") {
                let (account, denom) = split_balance(key);
                if amount != 0 {
                    held.insert((*chain, account, denom), amount);
                }
            }
        }
        // What an account queued is still its own, as the events see it.
        for (chain, t) in &totals {
            for (owner, denom, amount) in &t.queued_by {
                let sum = held.entry((*chain, *owner, denom.clone())).or_default();
                *sum = sum.saturating_add(*amount);
            }
        }
        let expected = self.expected.iter().filter(|(_, v)| **v != 0);
        let mut actual = held.iter();
        for (key, want) in expected {
            match actual.next() {
                Some((k, got)) if k == key && got == want => {}
                Some((k, got)) => {
                    let detail = if k == key {
                        format!(
                            "chain {} account {} holds {got} {}, events say {want}",
                            k.0, k.1, k.2
                        )
                    } else {
                        format!(
                            "chain {} account {} holds {got} {} (events: {key:?} holds {want})",
                            k.0, k.1, k.2
                        )
                    };
                    return Err((Checker::BalancesMatchEvents, detail));
                }
                None => {
                    let detail = format!(
                        "chain {} account {} holds no {}, events say {want}",
                        key.0, key.1, key.2
                    );
                    return Err((Checker::BalancesMatchEvents, detail));
                }
            }
        }
        if let Some((k, got)) = actual.next() {
            let detail = format!(
                "chain {} account {} holds {got} {}, events say none",
                k.0, k.1, k.2
            );
            return Err((Checker::BalancesMatchEvents, detail));
        }
        Ok(())
    }
}

/// One chain's token store, summed per denom.
fn totals(chain: ChainId, store: &Store) -> Totals {
    let mut t = Totals::default();
    for (_, raw) in store
        .range(b"q/".to_vec()..)
        .take_while(|(k, _)| k.starts_with(b"q/"))
    {
        // A corrupt item shows as a supply mismatch: its value is counted nowhere.
        let Ok(item) = Queued::decode(raw) else {
            continue;
        };
        t.queued_by
            .push((item.owner, item.denom.clone(), item.amount));
        match item.direction {
            Direction::In => {
                let sum = t.queued_in.entry(item.denom).or_default();
                *sum = sum.saturating_add(item.amount);
            }
            Direction::Out => {
                let back = format!("{}/", item.remote);
                let home = match item.denom.strip_prefix(&back) {
                    Some(local) => (item.remote, local.to_owned()),
                    None => (chain, item.denom),
                };
                t.queued_out.push((home, item.amount));
            }
        }
    }
    for (key, amount) in entries(store, b"bal/") {
        let (_, denom) = split_balance(key);
        let sum = t.held.entry(denom).or_default();
        *sum = sum.saturating_add(amount);
    }
    for (key, amount) in entries(store, b"esc/") {
        let sum = t.escrow.entry(denom_of(key)).or_default();
        *sum = sum.saturating_add(amount);
    }
    for (key, amount) in entries(store, b"sup/") {
        let sum = t.supply.entry(denom_of(key)).or_default();
        *sum = sum.saturating_add(amount);
    }
    t
}
