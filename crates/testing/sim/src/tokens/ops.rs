//! The token world's operations: what a user, a guardian or anyone can do to the token
//! application, drawn at random.
//!
//! To add a kind: a variant of [`OpKind`], its weight in [`WEIGHTS`] and its name, and an arm in
//! [`Gen::apply`] that submits its transactions (returning `false` when the world offers nothing
//! to do it to, so that the step becomes a transfer). The checkers need nothing new as long as
//! the kind moves tokens only through the token application's events; a kind that moves value
//! another way (a queue, a fee) teaches the ledger (`super::ledger`) its event.

use std::sync::{Arc, Mutex};

use std::collections::BTreeSet;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::tx::{SignedTx, Tx, TxBody};
use strait_endpoint::{endpoint_address, PauseScope};

use strait_node::apps::token::limits::{denom_topic, Bucket, Direction, LimitConfig, DEVNET_LIMIT};
use strait_node::apps::token::queue::Queued;
use strait_node::apps::token::{
    limit_digest, SetLimitCall, TransferCall, CALL_CANCEL, CALL_FINALIZE, NATIVE_DENOM,
    SET_LIMIT_THRESHOLD,
};
use strait_node::guardians::{approve, guardian, GUARDIANS, PAUSE_THRESHOLD, UNPAUSE_THRESHOLD};
use strait_node::state::keys;
use strait_packet::{DeliveryOptions, Route};
use strait_primitives::{Address32, ChainId, Height, Timestamp};
use strait_runtime::deterministic::Runtime;
use strait_runtime::Entropy;

use super::TokenAudit;
use crate::world::Chains;
use crate::InProcessChain;

/// The kinds of operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OpKind {
    /// A transfer of a token its sender holds, to another chain: onward along a voucher's path
    /// or back the way it came, sometimes with a height or time timeout a late relay misses, now
    /// and then for more than the sender holds (refused at once, nothing moves).
    Transfer,
    /// A transfer to the zero address: it fails on its destination, waits for a retry or a
    /// finalize, and its sender is refunded.
    RefusedTransfer,
    /// A retry of a failed transfer (anyone may): it fails again, and the eighth failure ends it.
    Retry,
    /// Anyone asks the destination's token application to finalize a failed transfer.
    Finalize,
    /// Two guardians pause a chain's endpoint, or one of its inbound token or outcome routes.
    Pause,
    /// Three guardians unpause what is paused.
    Unpause,
    /// Three guardians set a bucket's rate limit (`[STRAIT-LIMIT.2]`): a tight one, so that
    /// transfers queue, or back to the devnet's default.
    SetLimit,
    /// A queued transfer's owner cancels it (`[STRAIT-LIMIT.5]`); now and then someone else
    /// tries, and is refused.
    Cancel,
    /// A paid message to another chain's counter (`[STRAIT-FEE.7]`): its quote is locked with
    /// the send and split on its settlement between the deliverer, the ack relayer and the payer
    /// (`[STRAIT-FEE.8]`); now and then for more gas than its sender can pay (refused, its
    /// transaction fee taken).
    PaidMessage,
}

/// How often each kind is drawn, out of the sum.
pub const WEIGHTS: &[(OpKind, u64)] = &[
    (OpKind::Transfer, 80),
    (OpKind::RefusedTransfer, 4),
    (OpKind::Retry, 5),
    (OpKind::Finalize, 5),
    (OpKind::Pause, 2),
    (OpKind::Unpause, 4),
    (OpKind::SetLimit, 2),
    (OpKind::Cancel, 4),
    (OpKind::PaidMessage, 4),
];

impl OpKind {
    /// Every kind, in order.
    pub const ALL: [OpKind; 9] = [
        Self::Transfer,
        Self::RefusedTransfer,
        Self::Retry,
        Self::Finalize,
        Self::Pause,
        Self::Unpause,
        Self::SetLimit,
        Self::Cancel,
        Self::PaidMessage,
    ];

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Transfer => "transfer",
            Self::RefusedTransfer => "refused_transfer",
            Self::Retry => "retry",
            Self::Finalize => "finalize",
            Self::Pause => "pause",
            Self::Unpause => "unpause",
            Self::SetLimit => "set_limit",
            Self::Cancel => "cancel",
            Self::PaidMessage => "paid_message",
        }
    }
}

/// Hops a voucher may travel onwards before it is sent back the way it came.
pub const MAX_HOPS: usize = 3;

/// Accounts that send and receive: the devnet's genesis accounts, and one that starts empty.
pub const ACCOUNTS: [&str; 4] = ["alice", "bob", "carol", "dave"];

/// Draws operations and submits their transactions.
pub(crate) struct Gen {
    pub(crate) rt: Runtime,
    pub(crate) chains: Chains,
    pub(crate) audit: Arc<Mutex<TokenAudit>>,
    pub(crate) accounts: Vec<AccountKey>,
}

impl Gen {
    fn pick(&self, n: usize) -> usize {
        (self.rt.next_u64() % n.max(1) as u64) as usize
    }

    /// A kind drawn by [`WEIGHTS`].
    pub(crate) fn draw(&self) -> OpKind {
        let total: u64 = WEIGHTS.iter().map(|(_, w)| w).sum();
        let mut roll = self.rt.next_u64() % total;
        for (kind, weight) in WEIGHTS {
            if roll < *weight {
                return *kind;
            }
            roll -= weight;
        }
        OpKind::Transfer
    }

    /// Does `kind`; what it did (a transfer when the world offers nothing to do `kind` to).
    pub(crate) fn apply(&self, kind: OpKind) -> OpKind {
        let done = match kind {
            OpKind::Transfer => self.transfer(false),
            OpKind::RefusedTransfer => self.transfer(true),
            OpKind::Retry => self.recover(false),
            OpKind::Finalize => self.recover(true),
            OpKind::Pause => self.pause(true),
            OpKind::Unpause => self.pause(false),
            OpKind::SetLimit => self.set_limit(),
            OpKind::Cancel => self.cancel(),
            OpKind::PaidMessage => self.paid_message(),
        };
        if done || kind == OpKind::Transfer {
            return kind;
        }
        self.transfer(false);
        OpKind::Transfer
    }

    fn note(&self, line: String) {
        let now = strait_runtime::Clock::now_ms(&self.rt);
        self.audit
            .lock()
            .expect("audit lock")
            .audit
            .note(format!("{now} ms {line}"));
    }

    fn transfer(&self, refused: bool) -> bool {
        let from = self.pick(self.chains.len());
        let who = &self.accounts[self.pick(self.accounts.len())];
        let held = held(
            &self.chains[from].lock().expect("chain lock"),
            &who.address(),
        );
        if held.is_empty() {
            return false;
        }
        let (denom, have) = &held[self.pick(held.len())];
        let source = ChainId(from as u64 + 1);
        let path: Vec<u64> = denom.split('/').filter_map(|p| p.parse().ok()).collect();
        let back = path.first().copied();
        let to = match back {
            Some(back) if path.len() >= MAX_HOPS || self.rt.next_u64().is_multiple_of(2) => {
                ChainId(back)
            }
            _ => {
                let hop = 1 + self.rt.next_u64() % (self.chains.len() as u64 - 1);
                ChainId((source.get() - 1 + hop) % self.chains.len() as u64 + 1)
            }
        };
        let amount = if self.rt.next_u64().is_multiple_of(50) {
            have + 1
        } else {
            1 + u128::from(self.rt.next_u64()) % (have / 3 + 1)
        };
        let recipient = if refused {
            Address32([0; 32])
        } else {
            self.accounts[self.pick(self.accounts.len())].address()
        };
        let (height, time) = {
            let dest = self.chains[to.get() as usize - 1]
                .lock()
                .expect("chain lock");
            (dest.latest_height().get(), dest.latest_time().get())
        };
        let roll = self.rt.next_u64() % 20;
        let call = TransferCall {
            destination: to,
            recipient,
            denom: denom.clone(),
            amount,
            timeout_height: (roll == 0).then(|| Height(height + self.rt.next_u64() % 12)),
            timeout_timestamp: (roll == 1).then(|| Timestamp(time + self.rt.next_u64() % 600)),
            // A quarter paid ([STRAIT-FEE.10]): the quote locked with the send (held while the
            // transfer is queued) and split on its settlement.
            gas_limit: if self.rt.next_u64().is_multiple_of(4) {
                1 + self.rt.next_u64() % 100_000
            } else {
                0
            },
        };
        self.note(format!(
            "transfer {amount} {denom} {source} -> {to} by {} (timeouts {:?} {:?}, gas {})",
            who.address(),
            call.timeout_height,
            call.timeout_timestamp,
            call.gas_limit
        ));
        let body = TxBody::AppCall {
            app: strait_devnet_api::apps::token(),
            data: call.encode(),
        };
        submit(&self.chains[from], who, body);
        true
    }

    /// A paid message from a random account to another chain's counter.
    fn paid_message(&self) -> bool {
        let from = self.pick(self.chains.len());
        let who = &self.accounts[self.pick(self.accounts.len())];
        let hop = 1 + self.rt.next_u64() % (self.chains.len() as u64 - 1);
        let to = ChainId((from as u64 + hop) % self.chains.len() as u64 + 1);
        // Rarely more gas than any account holds sat for.
        let gas_limit = if self.rt.next_u64().is_multiple_of(50) {
            u64::MAX
        } else {
            1 + self.rt.next_u64() % 200_000
        };
        self.note(format!(
            "paid message {} -> {to} by {} with gas {gas_limit}",
            from + 1,
            who.address()
        ));
        let body = TxBody::Send {
            destination_chain: to,
            receiver: strait_devnet_api::apps::counter(),
            options: DeliveryOptions::default(),
            payload: self.rt.next_u64().to_be_bytes().to_vec(),
            gas_limit,
        };
        submit(&self.chains[from], who, body);
        true
    }

    /// A retry, or a finalize, of a transfer that failed on its destination.
    fn recover(&self, finalize: bool) -> bool {
        let (id, packet) = {
            let audit = self.audit.lock().expect("audit lock");
            let failed = &audit.ledger.failed;
            let Some(id) = failed.iter().nth(self.pick(failed.len())).copied() else {
                return false;
            };
            let packet = audit.ledger.transfers[&id].packet.clone();
            (id, packet)
        };
        let dest = &self.chains[packet.destination_chain.get() as usize - 1];
        let who = &self.accounts[self.pick(self.accounts.len())];
        let body = if finalize {
            let mut data = vec![CALL_FINALIZE];
            data.extend_from_slice(&packet.encode());
            TxBody::AppCall {
                app: strait_devnet_api::apps::token(),
                data,
            }
        } else {
            TxBody::RetryMessage {
                packet: (*packet).clone(),
            }
        };
        let what = if finalize { "finalize" } else { "retry" };
        self.note(format!("{what} {id} on {}", packet.destination_chain));
        submit(dest, who, body);
        true
    }

    /// Pauses a scope that is not paused (a token, `[STRAIT-PAUSE.4]`, half of the time, else an
    /// endpoint or a route), or unpauses one that is.
    fn pause(&self, paused: bool) -> bool {
        let token = self.rt.next_u64().is_multiple_of(2);
        let n = self.chains.len() as u64;
        let mut candidates: Vec<(usize, PauseScope)> = Vec::new();
        for (index, chain) in self.chains.iter().enumerate() {
            let chain = chain.lock().expect("chain lock");
            candidates.extend(
                scopes(&chain, n)
                    .into_iter()
                    // A pause picks its kind; an unpause anything paused.
                    .filter(|s| !paused || matches!(s, PauseScope::App { .. }) == token)
                    .filter(|s| chain.state().get(&keys::paused(s)).is_some() != paused)
                    .map(|s| (index, s)),
            );
        }
        let Some((index, scope)) = candidates.get(self.pick(candidates.len())).copied() else {
            return false;
        };
        let chain = self.chains[index].lock().expect("chain lock");
        let needed = if paused {
            PAUSE_THRESHOLD
        } else {
            UNPAUSE_THRESHOLD
        };
        let first = self.pick(GUARDIANS - needed + 1);
        let signers: Vec<usize> = (first..first + needed).collect();
        let id = chain.chain_id();
        let approvals = approve(chain.state(), id, &scope, paused, &signers);
        let body = TxBody::SetPause {
            scope,
            paused,
            approvals,
        };
        drop(chain);
        let what = if paused { "pause" } else { "unpause" };
        self.note(format!("{what} {scope:?} of chain {id}"));
        submit(&self.chains[index], &self.accounts[0], body);
        true
    }

    /// Three guardians set the limit of a random bucket of a random chain: tight (capacity and
    /// refill around the transfers' amounts) three times in four, else the devnet's default.
    fn set_limit(&self) -> bool {
        let index = self.pick(self.chains.len());
        let chain = self.chains[index].lock().expect("chain lock");
        let denoms: Vec<String> = denoms(&chain).into_iter().collect();
        let me = chain.chain_id().get();
        let hop = 1 + self.rt.next_u64() % (self.chains.len() as u64 - 1);
        let bucket = Bucket {
            direction: if self.rt.next_u64().is_multiple_of(2) {
                Direction::Out
            } else {
                Direction::In
            },
            remote: ChainId((me - 1 + hop) % self.chains.len() as u64 + 1),
            denom: denoms[self.pick(denoms.len())].clone(),
        };
        let limit = if self.rt.next_u64().is_multiple_of(4) {
            DEVNET_LIMIT
        } else {
            LimitConfig {
                capacity: 1 + u128::from(self.rt.next_u64() % 1_000_000_000_000),
                refill_per_s: 1 + u128::from(self.rt.next_u64() % 500_000_000_000),
            }
        };
        let id = chain.chain_id();
        let digest = limit_digest(
            id,
            &bucket,
            &limit,
            chain.state().get_u64(keys::PAUSE_COUNTER),
        );
        let first = self.pick(GUARDIANS - SET_LIMIT_THRESHOLD + 1);
        let approvals = (first..first + SET_LIMIT_THRESHOLD)
            .map(|i| (i as u16, guardian(i).sign_digest(&digest)))
            .collect();
        drop(chain);
        self.note(format!("set limit {bucket:?} to {limit:?} on chain {id}"));
        let call = SetLimitCall {
            bucket,
            limit,
            approvals,
        };
        let body = TxBody::AppCall {
            app: strait_devnet_api::apps::token(),
            data: call.encode(),
        };
        submit(&self.chains[index], &self.accounts[0], body);
        true
    }

    /// The owner of a random queued transfer of a random chain cancels it (one time in ten,
    /// someone else tries).
    fn cancel(&self) -> bool {
        let index = self.pick(self.chains.len());
        let items: Vec<(u64, Address32)> = {
            let chain = self.chains[index].lock().expect("chain lock");
            chain
                .token_store()
                .range(b"q/".to_vec()..)
                .take_while(|(k, _)| k.starts_with(b"q/"))
                .filter_map(|(k, v)| {
                    let id = u64::from_be_bytes(k[2..].try_into().ok()?);
                    Some((id, Queued::decode(v).ok()?.owner))
                })
                .collect()
        };
        let Some((id, owner)) = items.get(self.pick(items.len())).copied() else {
            return false;
        };
        let who = if self.rt.next_u64().is_multiple_of(10) {
            &self.accounts[self.pick(self.accounts.len())]
        } else {
            match self.accounts.iter().find(|a| a.address() == owner) {
                Some(who) => who,
                None => return false,
            }
        };
        self.note(format!(
            "cancel queued {id} on chain {} by {}",
            index + 1,
            who.address()
        ));
        let mut data = vec![CALL_CANCEL];
        data.extend_from_slice(&id.to_be_bytes());
        let body = TxBody::AppCall {
            app: strait_devnet_api::apps::token(),
            data,
        };
        submit(&self.chains[index], who, body);
        true
    }
}

/// The denominations `chain`'s token store knows (balances, escrows, supplies), and its native one.
pub(crate) fn denoms(chain: &InProcessChain) -> BTreeSet<String> {
    let mut out = BTreeSet::from([NATIVE_DENOM.to_owned()]);
    for prefix in [&b"esc/"[..], b"sup/"] {
        let found = chain
            .token_store()
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter_map(|(k, _)| String::from_utf8(k[prefix.len()..].to_vec()).ok());
        out.extend(found);
    }
    out
}

/// What a world may pause on `chain`: its endpoint, its inbound token and outcome routes, and
/// its tokens.
pub(crate) fn scopes(chain: &InProcessChain, chains: u64) -> Vec<PauseScope> {
    let me = chain.chain_id();
    let token = strait_devnet_api::apps::token();
    let mut out = vec![PauseScope::Endpoint];
    for other in (1..=chains).map(ChainId).filter(|c| *c != me) {
        for sender in [token, endpoint_address()] {
            let route = Route {
                source_chain: other,
                sender,
                destination_chain: me,
                receiver: token,
            };
            out.push(PauseScope::Route(route.id()));
        }
    }
    for denom in denoms(chain) {
        out.push(PauseScope::App {
            app: token,
            topic: denom_topic(&denom),
        });
    }
    out
}

/// What `account` holds on `chain`, by denom, in denom order, without zero balances.
pub(crate) fn held(chain: &InProcessChain, account: &Address32) -> Vec<(String, u128)> {
    let prefix = [b"bal/".as_slice(), account.as_bytes()].concat();
    chain
        .token_store()
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .filter_map(|(k, v)| {
            let amount = u128::from_be_bytes(<[u8; 16]>::try_from(v.as_slice()).ok()?);
            let denom = String::from_utf8(k[prefix.len()..].to_vec()).ok()?;
            (amount > 0).then_some((denom, amount))
        })
        .collect()
}

/// Submits `body` signed by `who` (admitted as the generator's own: no signature work). A refusal
/// (a full mempool) means it was not done; the ledger reads what the chains did.
pub(crate) fn submit(chain: &Mutex<InProcessChain>, who: &AccountKey, body: TxBody) -> bool {
    let mut chain = chain.lock().expect("chain lock");
    let tx = SignedTx {
        tx: Tx {
            chain_id: chain.chain_id(),
            signer: who.address(),
            nonce: chain.account_nonce(&who.address()),
            body,
        },
        signature: [0; 64],
    };
    chain.submit_authenticated(tx).is_ok()
}
