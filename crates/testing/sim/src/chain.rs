//! A devnet chain in process.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use strait_chain_client::{OutboxMessage, OutboxPage, VerifierInfo, MAX_PAGE_ITEMS};
use strait_devnet_api::rpc::TxResult;
use strait_devnet_api::tx::SignedTx;
use strait_endpoint::Outcome;
use strait_light_client::{
    Commit, Header, LightBlock, PublicKey, SignedHeader, Signer, ValidatorSet,
};
use strait_merkle::{IncrementalTree, LeafIndex, MerkleError, MerkleTree, MultiProof};
use strait_node::builder::{build_block, genesis_state, BlockInput, BuildError};
use strait_node::clients;
use strait_node::consensus::{sign_approved, Committee, ProposalError};
use strait_node::events::BlockEvent;
use strait_node::extensions::Extensions;
use strait_node::fees::message::{FeeLock, FeePaid};
use strait_node::state::{keys, State, Writes};
use strait_node::{devnet_key_pool, genesis_header, ChainSpec};
use strait_packet::Packet;
use strait_primitives::{Address32, ChainId, ClientId, Hash32, Height, MessageId, Timestamp};

mod bls;

/// Most transactions waiting in an in-process chain.
pub const MAX_PENDING_TXS: usize = 100_000;

/// Why an in-process chain refused a transaction.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SubmitError {
    /// Signed for another chain.
    #[error("transaction for chain {got}, this is {expected}")]
    WrongChain {
        /// The transaction's chain.
        got: ChainId,
        /// This chain.
        expected: ChainId,
    },
    /// The signature does not verify.
    #[error("invalid signature")]
    BadSignature,
    /// Not the account's next nonce.
    #[error("nonce {got}, the account's next is {expected}")]
    Nonce {
        /// Given.
        got: u64,
        /// Expected.
        expected: u64,
    },
    /// Too many transactions wait.
    #[error("mempool full")]
    Full,
}

/// Why a block could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ProduceError {
    /// Building failed.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The validators refused to sign.
    #[error(transparent)]
    Sign(#[from] ProposalError),
    /// The prover tree refused an append.
    #[error(transparent)]
    Outbox(#[from] MerkleError),
}

/// What one block did.
#[derive(Clone, Debug)]
pub struct Produced {
    /// Its height.
    pub height: Height,
    /// Ids of the messages it sent, in outbox order.
    pub sent: Vec<MessageId>,
    /// Messages it received: id, source chain, outcome.
    pub received: Vec<(MessageId, ChainId, Outcome)>,
    /// Messages this chain sent whose outcome was proven back and handed to the sender.
    pub settled: Vec<(MessageId, Outcome)>,
    /// Received messages whose failed execution became final (retried or finalized as failed).
    pub finalized: Vec<(MessageId, Outcome)>,
    /// Transaction fees taken (`[STRAIT-FEE.2]`): the signer and the fee its result reports, in
    /// block order.
    pub tx_fees: Vec<(Address32, u128)>,
    /// Message payments locked by this block's sends (`[STRAIT-FEE.7]`), from its writes.
    pub fee_locks: Vec<(MessageId, FeeLock)>,
    /// Message payments split by this block's settlements (`[STRAIT-FEE.8]`), from its writes.
    pub fee_splits: Vec<(MessageId, FeePaid)>,
    /// Payments held for a message sent later (`[STRAIT-FEE.10]`), from its writes: the hold's
    /// key, and its lock when written (`None` when deleted: sent or released).
    pub fee_holds: Vec<(Vec<u8>, Option<FeeLock>)>,
    /// Optimistic proposals' bonds moved by this block (`[STRAIT-OPT.3]`, `[STRAIT-OPT.4]`,
    /// `[STRAIT-CONFLICT.3]`), from its verifier events: `(from, to, amount)` in `sat`.
    pub bond_moves: Vec<(Address32, Address32, u128)>,
}

/// The message payments a block's `writes` locked and split: a `'$' 'l'` record written is a
/// lock, a `'$' 'p'` record written a split (deleted locks are the splits' own doing).
fn fee_records(writes: &Writes, produced: &mut Produced) {
    let lock = keys::fee_lock(&MessageId::ZERO);
    let paid = keys::fee_paid(&MessageId::ZERO);
    let prefix_len = lock.len() - 32;
    let hold_len = keys::fee_hold(&Address32([0; 32]), 0).len();
    for (key, value) in writes {
        if key.len() == hold_len && key.starts_with(b"$h") {
            // A hold that does not decode is counted as a lock of everything: the ledger
            // cannot debit it.
            let lock = value.as_ref().map(|v| {
                FeeLock::decode(v).unwrap_or(FeeLock {
                    payer: Address32([0; 32]),
                    gas_limit: 0,
                    gas_price: 0,
                    quote: strait_node::fees::message::Quote {
                        total: u128::MAX,
                        ..Default::default()
                    },
                })
            });
            produced.fee_holds.push((key.clone(), lock));
            continue;
        }
        let (Some(value), true) = (value, key.len() == lock.len()) else {
            continue;
        };
        let mut id = [0u8; 32];
        id.copy_from_slice(&key[prefix_len..]);
        let id = MessageId(id);
        // A record that does not decode is still counted: as a split of nothing, which the
        // ledger refuses.
        if key[..prefix_len] == lock[..prefix_len] {
            if let Ok(lock) = FeeLock::decode(value) {
                produced.fee_locks.push((id, lock));
            }
        } else if key[..prefix_len] == paid[..prefix_len] {
            let split = FeePaid::decode(value).unwrap_or(FeePaid {
                deliverer: Address32([0; 32]),
                to_deliverer: u128::MAX,
                ack_relayer: Address32([0; 32]),
                to_ack_relayer: 0,
                payer: Address32([0; 32]),
                refunded: 0,
            });
            produced.fee_splits.push((id, split));
        }
    }
}

/// A committed block. Its validators checked and approved the header when it was produced; they
/// sign the commit when someone first reads the block (ed25519 is deterministic, so the commit is
/// the one signing at once would give): most headers of a simulation are never read.
struct StoredBlock {
    header: Header,
    validators: ValidatorSet,
    next_validators: ValidatorSet,
    /// The approving validators: validator index and position in the key pool, ascending index.
    signers: Vec<(u16, usize)>,
    commit: OnceLock<Commit>,
    outbox_count: u64,
}

impl StoredBlock {
    fn light_block(&self, pool: &[Signer]) -> LightBlock {
        let commit = self.commit.get_or_init(|| {
            let signers: Vec<(u16, &Signer)> =
                self.signers.iter().map(|&(i, p)| (i, &pool[p])).collect();
            sign_approved(&self.header, &signers)
        });
        LightBlock {
            signed_header: SignedHeader {
                header: self.header,
                commit: commit.clone(),
            },
            validators: self.validators.clone(),
            next_validators: self.next_validators.clone(),
        }
    }
}

/// The devnet key pool of `chain`, derived once per process (a pure function of the chain id).
pub(crate) fn key_pool(chain: ChainId) -> Arc<[Signer]> {
    static POOLS: Mutex<BTreeMap<ChainId, Arc<[Signer]>>> = Mutex::new(BTreeMap::new());
    POOLS
        .lock()
        .expect("key pool lock")
        .entry(chain)
        .or_insert_with(|| devnet_key_pool(chain).into())
        .clone()
}

/// Positions in `pool` of the `approved` signers (compared by public key).
fn pool_positions(pool: &[Signer], approved: &[(u16, &Signer)]) -> Vec<(u16, usize)> {
    approved
        .iter()
        .map(|(index, signer)| {
            let key = signer.public_key();
            let position = pool
                .iter()
                .position(|s| s.public_key() == key)
                .expect("the committee holds keys of the pool");
            (*index, position)
        })
        .collect()
}

struct SentRecord {
    height: Height,
    id: MessageId,
    /// Decoded once, when the block that sent it is built: pages share it.
    packet: Arc<Packet>,
    encoded_len: usize,
}

/// In-process chains of `specs` at genesis, each with light clients of all the others.
pub fn chains_of(specs: &[ChainSpec]) -> Vec<std::sync::Arc<std::sync::Mutex<InProcessChain>>> {
    specs
        .iter()
        .map(|spec| {
            let remotes = specs
                .iter()
                .filter(|s| s.chain_id != spec.chain_id)
                .copied()
                .collect();
            std::sync::Arc::new(std::sync::Mutex::new(InProcessChain::genesis(
                *spec, remotes,
            )))
        })
        .collect()
}

/// Applies the receipt keys among `writes` (a block's state diff) to `receipts`.
fn index_receipts(
    receipts: &mut HashSet<MessageId, BuildHasherDefault<IdHasher>>,
    writes: &Writes,
) {
    for (key, value) in writes {
        let Some(id) = key.strip_prefix(&[b'r'][..]) else {
            continue;
        };
        let Ok(id) = <[u8; 32]>::try_from(id) else {
            continue;
        };
        let id = MessageId(id);
        debug_assert_eq!(key[..], keys::receipt(&id)[..]);
        if value.is_some() {
            receipts.insert(id);
        } else {
            receipts.remove(&id);
        }
    }
}

/// Applies the token application's keys among `writes` to `store`, without their prefix.
fn mirror_token_store(store: &mut BTreeMap<Vec<u8>, Vec<u8>>, writes: &Writes) {
    let prefix = keys::app(&strait_devnet_api::apps::token(), b"");
    for (key, value) in writes {
        let Some(key) = key.strip_prefix(&prefix[..]) else {
            continue;
        };
        match value {
            Some(value) => store.insert(key.to_vec(), value.clone()),
            None => store.remove(key),
        };
    }
}

/// A devnet chain in process: the node's state machine and block builder, no I/O.
pub struct InProcessChain {
    spec: ChainSpec,
    remotes: Vec<ChainSpec>,
    state: State,
    outbox: IncrementalTree,
    prover: MerkleTree,
    committee: Committee,
    pool: Arc<[Signer]>,
    pool_keys: Vec<PublicKey>,
    blocks: Vec<StoredBlock>,
    sent: Vec<SentRecord>,
    /// Leaves of `sent` by destination, ascending: a page reads only its destination's messages.
    sent_to: BTreeMap<ChainId, Vec<u64>>,
    pending: Vec<(SignedTx, Hash32)>,
    pending_nonces: BTreeMap<Address32, u64>,
    results: BTreeMap<Hash32, TxResult>,
    /// The ids of the state's receipts (`keys::receipt`), mirrored from each block's writes: the
    /// relayers' `received` queries, every pending id on every round, read this small set instead
    /// of the whole state.
    receipts: HashSet<MessageId, BuildHasherDefault<IdHasher>>,
    /// The token application's storage (`keys::app(token, ..)`, its prefix removed), mirrored
    /// from each block's writes like `receipts`: the token world's checkers read every balance,
    /// escrow and supply after every block, which the state's point reads cannot list.
    token_store: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Every `SecurityConfigSet` event, with its block height (`[STRAIT-ROUTE.6]`).
    security_events: Vec<(Height, Address32, ChainId, strait_endpoint::SecurityConfig)>,
    ext: &'static Extensions,
}

/// Hashes a [`MessageId`] (already a uniform keccak digest, and only looked up, never iterated) by
/// folding its bytes, instead of running SipHash over them.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(23) ^ u64::from_le_bytes(word);
        }
    }
}

impl InProcessChain {
    /// The chain of `spec` at genesis, with light clients of `remotes`.
    pub fn genesis(spec: ChainSpec, remotes: Vec<ChainSpec>) -> Self {
        Self::genesis_with(spec, remotes, Extensions::builtin())
    }

    /// [`Self::genesis`] with the verifier kinds and applications of `ext` instead of the
    /// devnet's own.
    pub fn genesis_with(
        spec: ChainSpec,
        remotes: Vec<ChainSpec>,
        ext: &'static Extensions,
    ) -> Self {
        let header = genesis_header(&spec);
        let set = spec.genesis_validators();
        let pool = key_pool(spec.chain_id);
        let pool_keys: Vec<PublicKey> = pool.iter().map(|s| s.public_key()).collect();
        // The genesis commit: validators `0..spec.validators` of the pool, as `sign_commit`
        // orders them.
        let mut signers: Vec<(u16, usize)> = (0..(spec.validators as usize).min(pool.len()))
            .map(|p| {
                let (index, _) = set
                    .find(&pool_keys[p])
                    .expect("genesis validators are in the pool");
                (index as u16, p)
            })
            .collect();
        signers.sort_by_key(|(index, _)| *index);
        let mut state = genesis_state(&spec, &remotes);
        let mut receipts = HashSet::default();
        let mut token_store = BTreeMap::new();
        let writes = state.take_writes();
        index_receipts(&mut receipts, &writes);
        mirror_token_store(&mut token_store, &writes);
        Self {
            spec,
            remotes,
            state,
            outbox: IncrementalTree::new(),
            prover: MerkleTree::new(),
            committee: Committee::new(pool.to_vec(), header),
            pool,
            pool_keys,
            blocks: vec![StoredBlock {
                header,
                validators: set.clone(),
                next_validators: set,
                signers,
                commit: OnceLock::new(),
                outbox_count: 0,
            }],
            sent: Vec::new(),
            sent_to: BTreeMap::new(),
            pending: Vec::new(),
            pending_nonces: BTreeMap::new(),
            results: BTreeMap::new(),
            receipts,
            token_store,
            security_events: Vec::new(),
            ext,
        }
    }

    /// The signing keys its validators may hold (the devnet key pool of its chain).
    pub fn key_pool(&self) -> Arc<[Signer]> {
        self.pool.clone()
    }

    /// The chain's id.
    pub fn chain_id(&self) -> ChainId {
        self.spec.chain_id
    }

    /// The latest height.
    pub fn latest_height(&self) -> Height {
        Height(self.blocks.len() as u64 - 1)
    }

    /// The latest block's time.
    pub fn latest_time(&self) -> Timestamp {
        self.latest().header.timestamp
    }

    fn latest(&self) -> &StoredBlock {
        self.blocks.last().expect("genesis is always there")
    }

    /// The verifier kinds and applications the chain runs.
    pub fn extensions(&self) -> &'static Extensions {
        self.ext
    }

    /// The state, for invariant checkers.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The token application's storage as of the last block (balances `bal/`, escrows `esc/`,
    /// voucher supplies `sup/`, transfers awaiting their outcome `pend/`; `strait_node::apps::token`
    /// names the keys), in key order.
    pub fn token_store(&self) -> &BTreeMap<Vec<u8>, Vec<u8>> {
        &self.token_store
    }

    /// The next nonce of `account`, counting admitted transactions.
    pub fn account_nonce(&self, account: &Address32) -> u64 {
        self.pending_nonces
            .get(account)
            .copied()
            .unwrap_or_else(|| self.state.get_u64(&keys::account(account)))
    }

    /// Admits `tx` for the next block.
    pub fn submit(&mut self, tx: SignedTx) -> Result<Hash32, SubmitError> {
        tx.verify_signature()
            .map_err(|_| SubmitError::BadSignature)?;
        self.admit(tx)
    }

    /// Admits `tx` without checking its signature: for a simulation's own traffic generator, whose
    /// transactions it made itself (what a simulation tests is the protocol between chains, not
    /// transaction authentication, which the node's tests cover). Relayers' transactions go
    /// through [`Self::submit`].
    pub fn submit_authenticated(&mut self, tx: SignedTx) -> Result<Hash32, SubmitError> {
        self.admit(tx)
    }

    fn admit(&mut self, tx: SignedTx) -> Result<Hash32, SubmitError> {
        if tx.tx.chain_id != self.spec.chain_id {
            return Err(SubmitError::WrongChain {
                got: tx.tx.chain_id,
                expected: self.spec.chain_id,
            });
        }
        let expected = self.account_nonce(&tx.tx.signer);
        if tx.tx.nonce != expected {
            return Err(SubmitError::Nonce {
                got: tx.tx.nonce,
                expected,
            });
        }
        if self.pending.len() >= MAX_PENDING_TXS {
            return Err(SubmitError::Full);
        }
        self.pending_nonces.insert(tx.tx.signer, expected + 1);
        let hash = tx.hash();
        self.pending.push((tx, hash));
        Ok(hash)
    }

    /// A restart, as after a crash of the node: what was committed stays, the mempool is lost
    /// (clients resubmit) and the validators' view restarts from the last committed header.
    pub fn restart(&mut self) {
        self.pending.clear();
        self.pending_nonces.clear();
        let last = self.latest().header;
        self.committee = Committee::new(self.pool.to_vec(), last);
    }

    /// Transactions waiting for a block.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// The validator set that signs the next block, and the number of changes so far.
    pub fn validators(&self) -> (strait_light_client::ValidatorSet, u64) {
        let set = strait_node::valset::load(&self.state, keys::VALSET_CURRENT)
            .expect("the state always holds the current set");
        (set, strait_node::valset::counter(&self.state))
    }

    /// Builds, signs and keeps the next block at `timestamp` (at least one past the last block's
    /// time) with every waiting transaction; returns what it did.
    pub fn produce(&mut self, timestamp: Timestamp) -> Result<Height, ProduceError> {
        self.produce_block(timestamp).map(|b| b.height)
    }

    /// [`Self::produce`], returning the block's messages sent and received.
    pub fn produce_block(&mut self, timestamp: Timestamp) -> Result<Produced, ProduceError> {
        let parent = self.latest().header;
        let timestamp = Timestamp(timestamp.get().max(parent.timestamp.get() + 1));
        let pending = std::mem::take(&mut self.pending);
        let txs: Vec<(&SignedTx, Hash32)> = pending.iter().map(|(tx, hash)| (tx, *hash)).collect();
        let built = build_block(
            &mut self.state,
            &mut self.outbox,
            &BlockInput {
                chain_id: self.spec.chain_id,
                parent: &parent,
                timestamp,
                remotes: &self.remotes,
                foreign_remotes: &[],
                pool_keys: &self.pool_keys,
                txs: &txs,
                ext: self.ext,
            },
        )?;
        let approved =
            self.committee
                .approve(&built.header, &built.validators, &built.next_validators)?;
        let signers = pool_positions(&self.pool, &approved);
        self.committee.committed(&built.header);
        for id in &built.outbox_ids {
            self.prover.append(id)?;
        }
        index_receipts(&mut self.receipts, &built.writes);
        mirror_token_store(&mut self.token_store, &built.writes);
        let mut produced = Produced {
            height: built.header.height,
            sent: Vec::new(),
            received: Vec::new(),
            settled: Vec::new(),
            finalized: Vec::new(),
            tx_fees: Vec::new(),
            fee_locks: Vec::new(),
            fee_splits: Vec::new(),
            fee_holds: Vec::new(),
            bond_moves: Vec::new(),
        };
        fee_records(&built.writes, &mut produced);
        for event in &built.events {
            match event {
                BlockEvent::Sent {
                    id,
                    destination_chain,
                    packet,
                    ..
                } => {
                    let decoded =
                        Packet::decode(packet).expect("the endpoint's own packets decode");
                    self.sent_to
                        .entry(*destination_chain)
                        .or_default()
                        .push(self.sent.len() as u64);
                    self.sent.push(SentRecord {
                        height: built.header.height,
                        id: *id,
                        packet: Arc::new(decoded),
                        encoded_len: packet.len(),
                    });
                    produced.sent.push(*id);
                }
                BlockEvent::Received {
                    id,
                    source_chain,
                    outcome,
                } => produced
                    .received
                    .push((*id, *source_chain, outcome.clone())),
                BlockEvent::Settled { id, outcome } => {
                    produced.settled.push((*id, outcome.clone()))
                }
                BlockEvent::Finalized { id, outcome, .. } => {
                    produced.finalized.push((*id, outcome.clone()))
                }
                BlockEvent::SecurityConfigSet {
                    receiver,
                    source,
                    config,
                } => self.security_events.push((
                    built.header.height,
                    *receiver,
                    *source,
                    config.clone(),
                )),
                // Verifier events change no message; bonds move with some of them.
                BlockEvent::Verifier(event) => {
                    use strait_node::events::VerifierEvent;
                    let escrow = strait_node::optimistic::bond_escrow();
                    match event {
                        VerifierEvent::RootProposed { pending, .. } => {
                            produced
                                .bond_moves
                                .push((pending.proposer, escrow, pending.bond))
                        }
                        VerifierEvent::RootSettled { pending, .. } => {
                            produced
                                .bond_moves
                                .push((escrow, pending.proposer, pending.bond))
                        }
                        VerifierEvent::ProposalDiscarded {
                            pending, paid_to, ..
                        } => produced.bond_moves.push((escrow, *paid_to, pending.bond)),
                        _ => {}
                    }
                }
                BlockEvent::AttesterAnnounced { .. } => {}
            }
        }
        debug_assert_eq!(self.sent.len() as u64, self.outbox.count());
        let tx_signers: HashMap<Hash32, Address32> = pending
            .iter()
            .map(|(tx, hash)| (*hash, tx.tx.signer))
            .collect();
        for result in built.results {
            if let Some(signer) = tx_signers.get(&result.hash) {
                // An unreadable fee shows as a balance mismatch: it is counted as all there is.
                let fee = result.fee.parse().unwrap_or(u128::MAX);
                produced.tx_fees.push((*signer, fee));
            }
            self.results.insert(result.hash, result);
        }
        self.blocks.push(StoredBlock {
            header: built.header,
            validators: built.validators,
            next_validators: built.next_validators,
            signers,
            commit: OnceLock::new(),
            outbox_count: self.outbox.count(),
        });
        let state = &self.state;
        self.pending_nonces
            .retain(|account, next| *next > state.get_u64(&keys::account(account)));
        Ok(produced)
    }

    /// The packet at leaf `leaf` of this chain's outbox.
    pub fn sent_packet(&self, leaf: u64) -> Option<Packet> {
        let record = self.sent.get(usize::try_from(leaf).ok()?)?;
        Some(Packet::clone(&record.packet))
    }

    /// Messages in the outbox.
    pub fn outbox_count(&self) -> u64 {
        self.sent.len() as u64
    }

    /// Messages in the outbox at `height`, if the chain has that block.
    pub fn outbox_count_at(&self, height: Height) -> Option<u64> {
        let index = usize::try_from(height.get()).ok()?;
        self.blocks.get(index).map(|b| b.outbox_count)
    }

    /// The result of an included transaction.
    pub fn tx_result(&self, hash: &Hash32) -> Option<&TxResult> {
        self.results.get(hash)
    }

    /// The outbox root and size the header at `height` committed.
    pub fn outbox_at(&self, height: Height) -> Option<(Hash32, u64)> {
        let index = usize::try_from(height.get()).ok()?;
        self.blocks
            .get(index)
            .map(|b| (b.header.outbox_root, b.outbox_count))
    }

    /// The light block at `height`.
    pub fn light_block(&self, height: Height) -> Option<LightBlock> {
        let index = usize::try_from(height.get()).ok()?;
        self.blocks.get(index).map(|b| b.light_block(&self.pool))
    }

    /// Outbox messages for `destination` from `from_leaf` on, at most `limit`.
    pub fn outbox_page(&self, destination: ChainId, from_leaf: u64, limit: usize) -> OutboxPage {
        let limit = limit.min(MAX_PAGE_ITEMS);
        let count = self.sent.len() as u64;
        let from = from_leaf.min(count);
        let leaves = self
            .sent_to
            .get(&destination)
            .map_or(&[][..], Vec::as_slice);
        let start = leaves.partition_point(|&leaf| leaf < from);
        let page = &leaves[start..leaves.len().min(start + limit)];
        let messages: Vec<OutboxMessage> = page
            .iter()
            .map(|&leaf| {
                let record = &self.sent[leaf as usize];
                OutboxMessage {
                    leaf_index: leaf,
                    id: record.id,
                    height: record.height,
                    packet: Arc::clone(&record.packet),
                    encoded_len: record.encoded_len,
                }
            })
            .collect();
        // A full page ends after its last message; a short one reads the outbox to its end.
        let next = match page.last() {
            Some(last) if page.len() == limit => last + 1,
            _ if limit == 0 => from,
            _ => count,
        };
        OutboxPage {
            messages,
            next_leaf: next,
            outbox_count: count,
        }
    }

    /// A multiproof of `leaves` against the outbox root at `height`.
    pub fn multiproof(&self, leaves: &[u64], height: Height) -> Result<MultiProof, MerkleError> {
        let size = usize::try_from(height.get())
            .ok()
            .and_then(|h| self.blocks.get(h))
            .map_or(0, |b| b.outbox_count);
        let indices: Vec<LeafIndex> = leaves.iter().copied().map(LeafIndex).collect();
        self.prover.multiproof(&indices, size)
    }

    /// For each id, whether this chain has received it.
    pub fn received(&self, ids: &[MessageId]) -> Vec<bool> {
        ids.iter()
            .map(|id| {
                let received = self.receipts.contains(id);
                debug_assert_eq!(
                    received,
                    self.state.get(&keys::receipt_inline(id)).is_some()
                );
                received
            })
            .collect()
    }

    /// This chain's default verifier of `source`.
    pub fn verifier_of(&self, source: ChainId) -> Option<VerifierInfo> {
        let client = clients::default_client(&self.state, source)?;
        self.verifier(client)
    }

    /// The security config this chain applies to messages from `source` to `receiver`, with its
    /// clients' state (`[STRAIT-ROUTE.6]`).
    pub fn route_verifiers(
        &self,
        receiver: &Address32,
        source: ChainId,
    ) -> Option<strait_chain_client::RouteVerifiers> {
        let config = clients::security_config(&self.state, receiver, source)?;
        let clients = config
            .clients()
            .map(|c| self.verifier(c))
            .collect::<Option<Vec<_>>>()?;
        Some(strait_chain_client::RouteVerifiers {
            is_default: !clients::has_own_config(&self.state, receiver, source),
            config,
            clients,
        })
    }

    /// Every `SecurityConfigSet` event so far: block height, receiver, source, config.
    pub fn security_events(
        &self,
    ) -> &[(Height, Address32, ChainId, strait_endpoint::SecurityConfig)] {
        &self.security_events
    }

    /// The verifier `client` of this chain.
    pub fn verifier(&self, client: ClientId) -> Option<VerifierInfo> {
        let record = clients::record(&self.state, client).ok()??;
        Some(VerifierInfo {
            client,
            kind: record.kind,
            source: record.source,
            latest_height: record.latest_height,
            frozen: record.frozen,
        })
    }
}
