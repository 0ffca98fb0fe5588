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

use strait_chain_api::tx::SignedTx;
use strait_primitives::{Address32, Hash32};

/// Most transactions waiting.
pub const MAX_MEMPOOL_TXS: usize = 100_000;
/// Most bytes of transactions waiting.
pub const MAX_MEMPOOL_BYTES: usize = 1 << 30;
/// Most transactions in one block.
pub const MAX_BLOCK_TXS: usize = 20_000;
/// Most bytes of transactions in one block (at least one maximal transaction).
pub const MAX_BLOCK_BYTES: usize = 64 * 1024 * 1024;

/// A transaction waiting for a block.
#[derive(Debug, Clone)]
pub struct PendingTx {
    /// The transaction, signature checked.
    pub tx: SignedTx,
    /// Its hash.
    pub hash: Hash32,
    /// Its encoded length.
    pub len: usize,
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
    #[error("mempool full ({max} transactions); retry later")]
    Full {
        /// The bound that was hit.
        max: usize,
    },
}

#[derive(Debug, Default)]
struct Inner {
    queue: VecDeque<PendingTx>,
    bytes: usize,
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

    fn push(&mut self, pending: PendingTx, expected: u64) -> Result<(), AdmitError> {
        let got = pending.tx.tx.nonce;
        if got < expected {
            return Err(AdmitError::NonceTooLow { got, expected });
        }
        if got > expected {
            return Err(AdmitError::NonceGap { got, expected });
        }
        if self.queue.len() >= MAX_MEMPOOL_TXS {
            return Err(AdmitError::Full {
                max: MAX_MEMPOOL_TXS,
            });
        }
        if self.bytes + pending.len > MAX_MEMPOOL_BYTES {
            return Err(AdmitError::Full {
                max: MAX_MEMPOOL_TXS,
            });
        }
        self.bytes += pending.len;
        self.next_nonce.insert(pending.tx.tx.signer, got + 1);
        self.queue.push_back(pending);
        Ok(())
    }
}

/// The mempool.
#[derive(Debug, Default)]
pub struct Mempool {
    inner: Mutex<Inner>,
}

impl Mempool {
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

    /// Admits `pending` if its nonce is the account's next one and there is room. `committed`
    /// reads the signer's committed nonce and is called under the mempool's lock, only if the
    /// signer has no admitted transaction still tracked. The outer error is `committed`'s.
    pub fn admit<E>(
        &self,
        pending: PendingTx,
        committed: impl FnOnce() -> Result<u64, E>,
    ) -> Result<Result<(), AdmitError>, E> {
        let mut inner = self.inner.lock().expect("mempool lock");
        let signer = pending.tx.tx.signer;
        let expected = inner.expected(&signer, committed)?;
        Ok(inner.push(pending, expected))
    }

    /// Takes the transactions of the next block, oldest first, within the block limits.
    pub fn take_block(&self) -> Vec<PendingTx> {
        let mut inner = self.inner.lock().expect("mempool lock");
        let mut out = Vec::new();
        let mut bytes = 0;
        while let Some(front) = inner.queue.front() {
            if out.len() == MAX_BLOCK_TXS
                || (bytes + front.len > MAX_BLOCK_BYTES && !out.is_empty())
            {
                break;
            }
            let tx = inner.queue.pop_front().expect("front exists");
            bytes += tx.len;
            inner.bytes -= tx.len;
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

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::convert::Infallible;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    use strait_chain_api::keys::AccountKey;
    use strait_chain_api::tx::{Tx, TxBody};
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
        PendingTx {
            hash: Hash32([0; 32]),
            len: 100,
            tx,
        }
    }

    fn ok(n: u64) -> impl FnOnce() -> Result<u64, Infallible> {
        move || Ok(n)
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
