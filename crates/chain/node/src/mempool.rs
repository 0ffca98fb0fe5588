//! A bounded FIFO mempool of authenticated transactions.
//!
//! Transactions are admitted only with the account's next nonce (committed nonce, or one past the
//! last one admitted), so the queue order is always a valid execution order. The mempool is not
//! persisted: a restarted node starts empty and clients resubmit.
//!
//! # One view of an account's next nonce
//!
//! An account's next nonce is `next_nonce[account]` while the account has admitted transactions
//! that may not be committed yet, and its committed nonce otherwise. The producer forgets an entry
//! ([`Mempool::prune_nonces`]) only after the block that used it is stored, and the committed nonce
//! is read (through the `committed` callback) *inside* the mempool's lock, and only when the
//! account has no entry. So an admission sees either the entry or a committed nonce at least as new
//! as the prune that removed it; never a committed nonce read before a block and an entry pruned
//! after it (which once refused a correctly sequenced `n` as skipping ahead).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use strait_devnet_api::tx::{SignedTx, TxBody};
use strait_primitives::{Address32, Hash32};
use strait_verifier::{Registry, VerifierError};

/// Most transactions waiting.
pub const MAX_MEMPOOL_TXS: usize = 100_000;
/// Most memory held by waiting transactions ([`tx_memory`]), decoded and encoded.
pub const MAX_MEMPOOL_BYTES: usize = 1 << 30;
/// Most transactions in one block.
pub const MAX_BLOCK_TXS: usize = 20_000;
/// Most bytes of transactions in one block (at least one maximal transaction).
pub const MAX_BLOCK_BYTES: usize = 64 * 1024 * 1024;
/// Most signatures block execution verifies ([`TxCost::signatures`]): 8 commits of 512 signers.
pub const MAX_BLOCK_SIGNATURES: usize = 4096;

/// What executing a transaction may cost a block, known from its decoded body before execution.
/// The one place the per-transaction cost is defined; block building ([`Mempool::take_block`])
/// and admission ([`Budget::admits`]) both use it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TxCost {
    /// Signatures execution may verify: every signature of every commit of a relay's client
    /// updates, of both commits of misbehaviour evidence, of a new client's initial trust (a BLS
    /// committee's proofs of possession), and every approval of a validator-set change; a
    /// pairing check counts as one. (The transaction's own signature was verified at admission.)
    pub signatures: usize,
    /// Encoded length.
    pub bytes: usize,
}

impl TxCost {
    /// The cost of `tx`, whose encoding is `len` bytes. A client update or evidence is costed by
    /// its kind (`[STRAIT-VERIFIER.2]`); one for a kind this chain does not run, or too malformed
    /// to cost, is refused here, before it takes any room.
    pub fn of(tx: &SignedTx, len: usize, verifiers: &Registry) -> Result<Self, VerifierError> {
        let signatures = match &tx.tx.body {
            TxBody::Send { .. }
            | TxBody::AppCall { .. }
            | TxBody::RetryMessage { .. }
            | TxBody::FinalizeFailed { .. }
            | TxBody::ProposeRoot { .. }
            | TxBody::SubmitConflict { .. }
            | TxBody::WatcherPause { .. } => 0,
            TxBody::CreateClient { kind, init, .. } => verifiers.get(*kind)?.create_cost(init)?,
            TxBody::Relay { updates, .. } => {
                let mut total = 0usize;
                for u in updates {
                    total = total.saturating_add(verifiers.get(u.kind)?.update_cost(&u.body)?);
                }
                total
            }
            TxBody::Misbehaviour { kind, evidence, .. } => {
                verifiers.get(*kind)?.misbehaviour_cost(evidence)?
            }
            // Each approval, and each BLS key's proof of possession (a pairing).
            TxBody::SetValidators {
                approvals,
                bls_keys,
                ..
            } => approvals.len().saturating_add(bls_keys.len()),
            TxBody::SetPause { approvals, .. }
            | TxBody::SetFeeOracle { approvals, .. }
            | TxBody::ResumeClient { approvals, .. } => approvals.len(),
            // The member's signature ([STRAIT-ATTEST.13]).
            TxBody::AnnounceAttester(_) => 1,
        };
        Ok(Self {
            signatures,
            bytes: len,
        })
    }
}

/// The work one block may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Most transactions.
    pub txs: usize,
    /// Most encoded bytes.
    pub bytes: usize,
    /// Most signatures verified.
    pub signatures: usize,
}

impl Budget {
    /// The node's block budget.
    pub const BLOCK: Self = Self {
        txs: MAX_BLOCK_TXS,
        bytes: MAX_BLOCK_BYTES,
        signatures: MAX_BLOCK_SIGNATURES,
    };

    /// Whether a transaction costing `cost` fits a whole, empty block; if not, it never will and
    /// is refused at admission.
    pub fn admits(&self, cost: TxCost) -> Result<(), AdmitError> {
        if cost.signatures > self.signatures {
            return Err(AdmitError::OverBudget {
                what: "signatures",
                got: cost.signatures,
                max: self.signatures,
            });
        }
        if cost.bytes > self.bytes {
            return Err(AdmitError::OverBudget {
                what: "bytes",
                got: cost.bytes,
                max: self.bytes,
            });
        }
        Ok(())
    }
}

/// `[STRAIT-FEE.3]` The cheap admission check: the signer's committed balance `have` pays the
/// transaction's `fee`. Execution checks again (queued transactions may have spent it).
pub fn check_fee(fee: u128, have: u128) -> Result<(), AdmitError> {
    if have < fee {
        return Err(AdmitError::InsufficientFee { need: fee, have });
    }
    Ok(())
}

/// Memory a waiting transaction holds: its decoded form (validator sets with decompressed keys,
/// commits, packets, proofs) plus its encoding's length, which the mempool also counts so that
/// a flood of small transactions and a few large ones are bounded alike.
pub fn tx_memory(tx: &SignedTx, len: usize) -> usize {
    use std::mem::size_of;
    use strait_light_client::Validator;
    // A validator: its entry plus the decompressed key the set caches.
    const VALIDATOR: usize = size_of::<Validator>() + 160;
    let body = match &tx.tx.body {
        TxBody::Send { payload, .. } => payload.len(),
        TxBody::AppCall { data, .. } => data.len(),
        TxBody::Relay {
            updates,
            advances,
            batches,
        } => {
            updates.iter().map(|u| 64 + u.body.len()).sum::<usize>()
                + advances.len() * size_of::<strait_primitives::RouteId>()
                + batches
                    .iter()
                    .map(|b| {
                        size_of::<strait_endpoint::BatchDelivery>()
                            + b.packets
                                .iter()
                                .map(|p| size_of::<strait_packet::Packet>() + p.payload.len())
                                .sum::<usize>()
                            + b.proof.leaf_indices.len() * 8
                            + b.proof.hashes.len() * 32
                    })
                    .sum::<usize>()
        }
        TxBody::Misbehaviour { evidence, .. } => evidence.len(),
        TxBody::CreateClient { init, .. } => init.len(),
        TxBody::SetPause { approvals, .. }
        | TxBody::SetFeeOracle { approvals, .. }
        | TxBody::ResumeClient { approvals, .. } => approvals.len() * 66,
        TxBody::ProposeRoot { .. }
        | TxBody::SubmitConflict { .. }
        | TxBody::WatcherPause { .. } => 0,
        TxBody::AnnounceAttester(a) => a.member.len() + a.url.len() + a.signature.len(),
        TxBody::RetryMessage { packet } | TxBody::FinalizeFailed { packet } => {
            size_of::<strait_packet::Packet>() + packet.payload.len()
        }
        TxBody::SetValidators {
            validators,
            bls_keys,
            approvals,
        } => {
            validators.len() * VALIDATOR
                + bls_keys.len() * size_of::<strait_devnet_api::tx::ValidatorBlsKey>()
                + approvals.len() * 66
        }
    };
    size_of::<PendingTx>() + body + len
}

/// A transaction waiting for a block.
#[derive(Debug, Clone)]
pub struct PendingTx {
    /// The transaction, signature checked.
    pub tx: SignedTx,
    /// Its hash.
    pub hash: Hash32,
    /// Its encoded length.
    pub len: usize,
    /// Memory it holds ([`tx_memory`]).
    pub mem: usize,
    /// What it costs a block ([`TxCost::of`]).
    pub cost: TxCost,
}

impl PendingTx {
    /// A waiting transaction, its memory and cost computed; refused when its cost cannot be
    /// known ([`TxCost::of`]).
    pub fn new(
        tx: SignedTx,
        hash: Hash32,
        len: usize,
        verifiers: &Registry,
    ) -> Result<Self, VerifierError> {
        let mem = tx_memory(&tx, len);
        let cost = TxCost::of(&tx, len, verifiers)?;
        Ok(Self {
            tx,
            hash,
            len,
            mem,
            cost,
        })
    }
}

/// Which bound of the mempool was hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FullBound {
    /// [`MAX_MEMPOOL_TXS`] transactions wait.
    Count,
    /// The waiting transactions hold [`MAX_MEMPOOL_BYTES`] of memory.
    Memory,
}

/// Why the mempool refused a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmitError {
    /// The nonce was already used or is already waiting.
    #[error("nonce {got} too low: the account's next nonce is {expected}")]
    NonceTooLow {
        /// Given.
        got: u64,
        /// The account's next nonce.
        expected: u64,
    },
    /// A nonce was skipped.
    #[error("nonce {got} skips ahead: the account's next nonce is {expected}")]
    NonceGap {
        /// Given.
        got: u64,
        /// The account's next nonce.
        expected: u64,
    },
    /// No room.
    #[error("mempool full: {}; retry later", match bound {
        FullBound::Count => format!("{max} transactions are waiting"),
        FullBound::Memory => format!("waiting transactions hold {max} bytes of memory"),
    })]
    Full {
        /// The bound that was hit.
        bound: FullBound,
        /// Its value.
        max: usize,
    },
    /// The signer's committed `sat` balance cannot pay the transaction's fee (`[STRAIT-FEE.3]`).
    #[error("insufficient balance for the fee: {need} sat needed, {have} held")]
    InsufficientFee {
        /// The transaction's fee.
        need: u128,
        /// The signer's committed balance.
        have: u128,
    },
    /// The transaction costs more than a whole block may spend: it can never be included.
    #[error("transaction needs {got} {what}, more than a whole block's budget of {max}")]
    OverBudget {
        /// The budget exceeded (`signatures` or `bytes`).
        what: &'static str,
        /// The transaction's cost.
        got: usize,
        /// The block's budget.
        max: usize,
    },
}

/// Bounds of the mempool and of the blocks taken from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most transactions waiting.
    pub txs: usize,
    /// Most memory held by waiting transactions.
    pub memory: usize,
    /// What one block may take.
    pub block: Budget,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            txs: MAX_MEMPOOL_TXS,
            memory: MAX_MEMPOOL_BYTES,
            block: Budget::BLOCK,
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    queue: VecDeque<PendingTx>,
    mem: usize,
    /// Next nonce of accounts with recently admitted transactions (never below the committed one).
    next_nonce: BTreeMap<Address32, u64>,
}

impl Inner {
    /// The account's next nonce: its tracked entry, else its committed nonce. An entry is never
    /// below the committed nonce: only admitted transactions move the committed nonce, and the
    /// entry is one past the last admitted one until [`Mempool::prune_nonces`] drops it.
    fn expected<E>(
        &self,
        account: &Address32,
        committed: impl FnOnce() -> Result<u64, E>,
    ) -> Result<u64, E> {
        match self.next_nonce.get(account) {
            Some(&next) => Ok(next),
            None => committed(),
        }
    }

    fn check_nonce(got: u64, expected: u64) -> Result<(), AdmitError> {
        if got < expected {
            return Err(AdmitError::NonceTooLow { got, expected });
        }
        if got > expected {
            return Err(AdmitError::NonceGap { got, expected });
        }
        Ok(())
    }

    fn push(
        &mut self,
        pending: PendingTx,
        expected: u64,
        limits: &Limits,
    ) -> Result<(), AdmitError> {
        let got = pending.tx.tx.nonce;
        Self::check_nonce(got, expected)?;
        limits.block.admits(pending.cost)?;
        if self.queue.len() >= limits.txs {
            return Err(AdmitError::Full {
                bound: FullBound::Count,
                max: limits.txs,
            });
        }
        if self.mem + pending.mem > limits.memory {
            return Err(AdmitError::Full {
                bound: FullBound::Memory,
                max: limits.memory,
            });
        }
        self.mem += pending.mem;
        self.next_nonce.insert(pending.tx.tx.signer, got + 1);
        self.queue.push_back(pending);
        Ok(())
    }
}

/// The mempool.
#[derive(Debug, Default)]
pub struct Mempool {
    inner: Mutex<Inner>,
    limits: Limits,
}

impl Mempool {
    /// An empty mempool with `limits`.
    pub fn new(limits: Limits) -> Self {
        Self {
            inner: Mutex::default(),
            limits,
        }
    }

    /// Its limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The next nonce of `account`; `committed` reads its committed nonce and is called under
    /// the mempool's lock, only if the account has no admitted transaction still tracked.
    pub fn next_nonce<E>(
        &self,
        account: &Address32,
        committed: impl FnOnce() -> Result<u64, E>,
    ) -> Result<u64, E> {
        let inner = self.inner.lock().expect("mempool lock");
        inner.expected(account, committed)
    }

    /// Whether `nonce` is `account`'s next nonce now: the cheap pre-check of admission, run before
    /// the transaction's body is decoded. [`Mempool::admit`] checks again under its lock.
    pub fn check_nonce<E>(
        &self,
        account: &Address32,
        nonce: u64,
        committed: impl FnOnce() -> Result<u64, E>,
    ) -> Result<Result<(), AdmitError>, E> {
        let expected = self.next_nonce(account, committed)?;
        Ok(Inner::check_nonce(nonce, expected))
    }

    /// Admits `pending` if its nonce is the account's next one, it fits a whole block's budget,
    /// and there is room. `committed` reads the signer's committed nonce and is called under the
    /// mempool's lock, only if the signer has no admitted transaction still tracked. The outer
    /// error is `committed`'s.
    pub fn admit<E>(
        &self,
        pending: PendingTx,
        committed: impl FnOnce() -> Result<u64, E>,
    ) -> Result<Result<(), AdmitError>, E> {
        let mut inner = self.inner.lock().expect("mempool lock");
        let signer = pending.tx.tx.signer;
        let expected = inner.expected(&signer, committed)?;
        Ok(inner.push(pending, expected, &self.limits))
    }

    /// Takes the transactions of the next block, oldest first, within the block budget: the
    /// first transaction that would exceed what remains of it waits for the next block (every
    /// admitted transaction fits an empty block, so each block takes at least one).
    pub fn take_block(&self) -> Vec<PendingTx> {
        let budget = self.limits.block;
        let mut inner = self.inner.lock().expect("mempool lock");
        let mut out = Vec::new();
        let (mut bytes, mut signatures) = (0usize, 0usize);
        while let Some(front) = inner.queue.front() {
            let cost = front.cost;
            if out.len() == budget.txs
                || (!out.is_empty()
                    && (bytes + cost.bytes > budget.bytes
                        || signatures + cost.signatures > budget.signatures))
            {
                break;
            }
            let tx = inner.queue.pop_front().expect("front exists");
            bytes += cost.bytes;
            signatures += cost.signatures;
            inner.mem -= tx.mem;
            out.push(tx);
        }
        out
    }

    /// Forgets the nonce of accounts whose transactions all committed: `committed(account)` gives
    /// the account's committed nonce. Call it only once the block is stored, so that a committed
    /// nonce read afterwards (by [`Mempool::admit`]) is at least the forgotten entry.
    pub fn prune_nonces(&self, mut committed: impl FnMut(&Address32) -> u64) {
        let mut inner = self.inner.lock().expect("mempool lock");
        inner
            .next_nonce
            .retain(|account, next| *next > committed(account));
    }

    /// Transactions waiting.
    pub fn len(&self) -> usize {
        self.inner.lock().expect("mempool lock").queue.len()
    }

    /// Memory held by waiting transactions.
    pub fn memory(&self) -> usize {
        self.inner.lock().expect("mempool lock").mem
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod creation;

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::convert::Infallible;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    use strait_devnet_api::keys::AccountKey;
    use strait_devnet_api::tx::{Tx, TxBody};
    use strait_primitives::{ChainId, Hash32};

    use super::*;

    fn pending(key: &AccountKey, nonce: u64) -> PendingTx {
        let tx = Tx {
            chain_id: ChainId(1),
            signer: key.address(),
            nonce,
            body: TxBody::AppCall {
                app: Address32([0; 32]),
                data: Vec::new(),
            },
        }
        .sign(key);
        PendingTx::new(
            tx,
            Hash32([0; 32]),
            100,
            &crate::extensions::Extensions::builtin().verifiers,
        )
        .unwrap()
    }

    /// Client updates and evidence are costed by their kind at admission: a kind the chain does
    /// not run, or bytes the kind cannot cost, are refused before they take any room.
    #[test]
    fn updates_are_costed_by_their_kind_and_unknown_kinds_refused() {
        use strait_devnet_api::tx::{ClientUpdate, VerifierKind};
        let key = AccountKey::devnet("relayer");
        let verifiers = &crate::extensions::Extensions::builtin().verifiers;
        let relay = |updates: Vec<ClientUpdate>| {
            let tx = Tx {
                chain_id: ChainId(1),
                signer: key.address(),
                nonce: 0,
                body: TxBody::Relay {
                    updates,
                    advances: vec![],
                    batches: vec![],
                },
            }
            .sign(&key);
            PendingTx::new(tx, Hash32([0; 32]), 100, verifiers)
        };
        let spec = crate::spec::devnet_specs(2, 4, strait_primitives::Timestamp(1_000), 50)[1];
        let set = spec.genesis_validators();
        let header = crate::spec::genesis_header(&spec);
        let pool = crate::spec::devnet_key_pool(spec.chain_id);
        let signers: Vec<_> = pool.iter().take(3).collect();
        let block = strait_light_client::LightBlock {
            signed_header: strait_light_client::SignedHeader {
                header,
                commit: strait_light_client::sign_commit(&header, &set, &signers),
            },
            validators: set.clone(),
            next_validators: set,
        };
        let bft = ClientUpdate::bft(
            strait_primitives::ClientId(1),
            strait_primitives::Height(0),
            &block,
        );
        let two = relay(vec![bft.clone(), bft.clone()]).unwrap();
        assert_eq!(two.cost.signatures, 6);
        let unknown = ClientUpdate {
            kind: VerifierKind(42),
            ..bft.clone()
        };
        assert_eq!(
            relay(vec![bft.clone(), unknown]).err(),
            Some(VerifierError::UnknownKind(VerifierKind(42)))
        );
        let truncated = ClientUpdate {
            body: bft.body[..20].to_vec(),
            ..bft
        };
        assert!(matches!(
            relay(vec![truncated]),
            Err(VerifierError::Malformed { .. })
        ));
    }

    fn ok(n: u64) -> impl FnOnce() -> Result<u64, Infallible> {
        move || Ok(n)
    }

    /// A validator-set change with `approvals` approvals and no BLS key (built in memory, it
    /// would not decode): its cost is `approvals` signatures.
    fn approvals(key: &AccountKey, nonce: u64, approvals: usize) -> PendingTx {
        with_bls_keys(key, nonce, approvals, 0)
    }

    fn with_bls_keys(key: &AccountKey, nonce: u64, approvals: usize, keys: usize) -> PendingTx {
        let validators = crate::spec::devnet_validator_set(ChainId(1), 0..1, 10);
        let bls = crate::valset::devnet_bls_keys(ChainId(1), &validators).unwrap()[0];
        let tx = Tx {
            chain_id: ChainId(1),
            signer: key.address(),
            nonce,
            body: TxBody::SetValidators {
                validators,
                bls_keys: vec![bls; keys],
                approvals: (0..approvals).map(|i| (i as u16, [0; 64])).collect(),
            },
        }
        .sign(key);
        PendingTx::new(
            tx,
            Hash32([0; 32]),
            100,
            &crate::extensions::Extensions::builtin().verifiers,
        )
        .unwrap()
    }

    fn limits(txs: usize, memory: usize, signatures: usize) -> Limits {
        Limits {
            txs,
            memory,
            block: Budget {
                txs: 3,
                bytes: 1000,
                signatures,
            },
        }
    }

    #[test]
    fn the_count_bound_is_named_at_and_past_its_limit() {
        let mempool = Mempool::new(limits(2, usize::MAX, 10));
        let key = AccountKey::devnet("alice");
        mempool.admit(pending(&key, 0), ok(0)).unwrap().unwrap();
        mempool.admit(pending(&key, 1), ok(0)).unwrap().unwrap();
        let err = mempool.admit(pending(&key, 2), ok(0)).unwrap().unwrap_err();
        assert_eq!(
            err,
            AdmitError::Full {
                bound: FullBound::Count,
                max: 2
            }
        );
        assert!(
            err.to_string().contains("2 transactions are waiting"),
            "{err}"
        );
    }

    /// The old mempool counted encoded bytes and named the count bound when the byte bound was
    /// hit; it now counts memory (decoded validator sets are much larger than their encoding) and
    /// names the bound that was hit.
    #[test]
    fn the_memory_bound_counts_decoded_memory_and_is_named() {
        let key = AccountKey::devnet("alice");
        let one = pending(&key, 0).mem;
        assert!(one > 100, "memory counts more than the encoding");
        let big = approvals(&key, 0, 1).mem;
        assert!(big > one, "a decoded validator set is counted");
        let mempool = Mempool::new(limits(100, 2 * one, 10));
        mempool.admit(pending(&key, 0), ok(0)).unwrap().unwrap();
        mempool.admit(pending(&key, 1), ok(0)).unwrap().unwrap();
        assert_eq!(mempool.memory(), 2 * one);
        let err = mempool.admit(pending(&key, 2), ok(0)).unwrap().unwrap_err();
        assert_eq!(
            err,
            AdmitError::Full {
                bound: FullBound::Memory,
                max: 2 * one
            }
        );
        assert!(err.to_string().contains("bytes of memory"), "{err}");
        mempool.take_block();
        assert_eq!(mempool.memory(), 0);
    }

    #[test]
    fn a_transaction_over_a_whole_block_budget_is_refused_at_admission() {
        let key = AccountKey::devnet("alice");
        let mempool = Mempool::new(limits(100, usize::MAX, 5));
        mempool
            .admit(approvals(&key, 0, 5), ok(0))
            .unwrap()
            .unwrap();
        let err = mempool
            .admit(approvals(&key, 1, 6), ok(0))
            .unwrap()
            .unwrap_err();
        assert_eq!(
            err,
            AdmitError::OverBudget {
                what: "signatures",
                got: 6,
                max: 5
            }
        );
        let mut fat = pending(&key, 1);
        fat.cost.bytes = 1001;
        assert!(matches!(
            mempool.admit(fat, ok(0)).unwrap(),
            Err(AdmitError::OverBudget {
                what: "bytes",
                got: 1001,
                max: 1000
            })
        ));
        let mut exact = pending(&key, 1);
        exact.cost.bytes = 1000;
        mempool.admit(exact, ok(0)).unwrap().unwrap();
    }

    #[test]
    fn what_exceeds_the_remaining_block_budget_waits_for_the_next_block() {
        let key = AccountKey::devnet("alice");
        let mempool = Mempool::new(limits(100, usize::MAX, 5));
        for (nonce, n) in [
            (0, 2),
            (1, 3),
            (2, 1),
            (3, 5),
            (4, 0),
            (5, 0),
            (6, 0),
            (7, 0),
        ] {
            mempool
                .admit(approvals(&key, nonce, n), ok(0))
                .unwrap()
                .unwrap();
        }
        let nonces = |txs: Vec<PendingTx>| txs.iter().map(|p| p.tx.tx.nonce).collect::<Vec<_>>();
        // 2 + 3 = 5 signatures: at the budget; the next one (1 more) waits.
        assert_eq!(nonces(mempool.take_block()), [0, 1]);
        // 1 + 5 = 6 > 5: the second waits.
        assert_eq!(nonces(mempool.take_block()), [2]);
        assert_eq!(nonces(mempool.take_block()), [3, 4, 5]);
        // The transaction budget (3) is reached.
        assert_eq!(nonces(mempool.take_block()), [6, 7]);
        assert!(mempool.is_empty());
    }

    #[test]
    fn the_cost_of_each_kind_counts_the_signatures_it_verifies() {
        let key = AccountKey::devnet("alice");
        assert_eq!(
            pending(&key, 0).cost,
            TxCost {
                signatures: 0,
                bytes: 100
            }
        );
        assert_eq!(approvals(&key, 0, 7).cost.signatures, 7);
        // Each BLS key of a validator-set change costs its proof of possession: a pairing.
        assert_eq!(with_bls_keys(&key, 0, 7, 3).cost.signatures, 10);
        assert_eq!(
            Budget::BLOCK.admits(TxCost {
                signatures: MAX_BLOCK_SIGNATURES,
                bytes: MAX_BLOCK_BYTES
            }),
            Ok(())
        );
        assert!(Budget::BLOCK
            .admits(TxCost {
                signatures: MAX_BLOCK_SIGNATURES + 1,
                bytes: 0
            })
            .is_err());
        assert!(Budget::BLOCK
            .admits(TxCost {
                signatures: 0,
                bytes: MAX_BLOCK_BYTES + 1
            })
            .is_err());
    }

    #[test]
    fn the_committed_nonce_is_read_only_for_accounts_without_a_tracked_entry() {
        let mempool = Mempool::default();
        let key = AccountKey::devnet("alice");
        mempool.admit(pending(&key, 5), ok(5)).unwrap().unwrap();
        // Tracked: a stale committed nonce (or any) is not consulted.
        let not_read = || -> Result<u64, Infallible> { panic!("committed nonce read") };
        mempool.admit(pending(&key, 6), not_read).unwrap().unwrap();
        assert_eq!(mempool.take_block().len(), 2);
        // The block with 5 and 6 is stored: the entry goes, the committed nonce is now 7.
        mempool.prune_nonces(|_| 7);
        assert_eq!(mempool.next_nonce(&key.address(), ok(7)), Ok(7));
        mempool.admit(pending(&key, 7), ok(7)).unwrap().unwrap();
        assert_eq!(
            mempool.admit(pending(&key, 9), not_read).unwrap(),
            Err(AdmitError::NonceGap {
                got: 9,
                expected: 8
            })
        );
        assert_eq!(
            mempool.admit(pending(&key, 7), not_read).unwrap(),
            Err(AdmitError::NonceTooLow {
                got: 7,
                expected: 8
            })
        );
    }

    /// The load generator's report: a sender submitting `n` right after `n - 1` was accepted got
    /// "nonce n skips ahead" because the committed nonce was read before a block was stored and
    /// the mempool entry pruned after it. Here a producer thread takes blocks, "stores" them and
    /// prunes, as fast as it can, while correctly sequenced senders admit; none may be refused.
    #[test]
    fn sequential_admissions_are_never_refused_while_blocks_commit() {
        const SENDERS: usize = 2;
        const TXS: u64 = 3_000;
        let mempool = Arc::new(Mempool::default());
        let store: Arc<Mutex<BTreeMap<Address32, u64>>> = Arc::default();
        let done = Arc::new(AtomicBool::new(false));
        let producer = {
            let (mempool, store, done) = (mempool.clone(), store.clone(), done.clone());
            std::thread::spawn(move || {
                let mut blocks = 0u64;
                while !done.load(Ordering::Relaxed) || !mempool.is_empty() {
                    let txs = mempool.take_block();
                    let mut stored = store.lock().unwrap();
                    for p in &txs {
                        let next = stored.entry(p.tx.tx.signer).or_default();
                        assert_eq!(*next, p.tx.tx.nonce, "block order is execution order");
                        *next += 1;
                    }
                    drop(stored);
                    mempool.prune_nonces(|a| store.lock().unwrap().get(a).copied().unwrap_or(0));
                    blocks += 1;
                    std::thread::yield_now();
                }
                blocks
            })
        };
        let senders: Vec<_> = (0..SENDERS)
            .map(|i| {
                let (mempool, store) = (mempool.clone(), store.clone());
                let key = AccountKey::devnet(&format!("sender-{i}"));
                let txs: Vec<PendingTx> = (0..TXS).map(|n| pending(&key, n)).collect();
                std::thread::spawn(move || {
                    let account = key.address();
                    for p in txs {
                        let committed = || -> Result<u64, Infallible> {
                            Ok(store.lock().unwrap().get(&account).copied().unwrap_or(0))
                        };
                        let nonce = p.tx.tx.nonce;
                        if let Err(e) = mempool.admit(p, committed).unwrap() {
                            panic!("nonce {nonce} refused: {e}");
                        }
                    }
                })
            })
            .collect();
        for s in senders {
            s.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        assert!(producer.join().unwrap() > 1);
        let store = store.lock().unwrap();
        assert_eq!(store.values().copied().collect::<Vec<_>>(), [TXS; SENDERS]);
    }
}
