//! A bounded FIFO mempool of authenticated transactions.
//!
//! Transactions are admitted only with the account's next nonce (committed nonce, or one past the
//! last one admitted), so the queue order is always a valid execution order. The mempool is not
//! persisted: a restarted node starts empty and clients resubmit.

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

/// The mempool.
#[derive(Debug, Default)]
pub struct Mempool {
    inner: Mutex<Inner>,
}

impl Mempool {
    /// The next nonce of `account` given its `committed` nonce.
    pub fn next_nonce(&self, account: &Address32, committed: u64) -> u64 {
        let inner = self.inner.lock().expect("mempool lock");
        inner
            .next_nonce
            .get(account)
            .map_or(committed, |&n| n.max(committed))
    }

    /// Admits `tx` if its nonce is the account's next one and there is room.
    pub fn admit(&self, pending: PendingTx, committed: u64) -> Result<(), AdmitError> {
        let mut inner = self.inner.lock().expect("mempool lock");
        let signer = pending.tx.tx.signer;
        let expected = inner
            .next_nonce
            .get(&signer)
            .map_or(committed, |&n| n.max(committed));
        let got = pending.tx.tx.nonce;
        if got < expected {
            return Err(AdmitError::NonceTooLow { got, expected });
        }
        if got > expected {
            return Err(AdmitError::NonceGap { got, expected });
        }
        if inner.queue.len() >= MAX_MEMPOOL_TXS {
            return Err(AdmitError::Full {
                max: MAX_MEMPOOL_TXS,
            });
        }
        if inner.bytes + pending.len > MAX_MEMPOOL_BYTES {
            return Err(AdmitError::Full {
                max: MAX_MEMPOOL_TXS,
            });
        }
        inner.bytes += pending.len;
        inner.next_nonce.insert(signer, got + 1);
        inner.queue.push_back(pending);
        Ok(())
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
    /// the account's committed nonce.
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
