//! The node's key-value state, its checkpoints, and the application-state root.
//!
//! Execution mutates one in-memory map (with an ordered index of its keys) in place and keeps an
//! undo log, so a checkpoint is a log length and reverting pops the log back to it: a failed
//! transaction or a failed application costs only the writes it made. At the end of a block the keys left in the log are the block's
//! writes (a value, or `None` for a deleted key); they are persisted in the block's one database
//! transaction and hashed into the root:
//!
//! ```text
//! app_state_root(h) = keccak256("STRAIT/DEVNET/STATE/v1" || app_state_root(h-1) || u64 h
//!                               || for each written key, ascending:
//!                                    u32 len(key) || key || u32 len(value) || value
//!                                    (a deleted key: u32 len(key) || key || u32 0xffff_ffff))
//! ```
//!
//! The deletion marker is no valid length (values are far below 4 GiB), so a deletion never hashes
//! like a write, and blocks without deletions hash as before deletions existed.
//!
//! The root is a hash chain over every block's state diff: it commits to the whole history of the
//! state (two nodes with equal roots applied equal writes), costs O(writes of the block) per block,
//! and is reproduced after a restart from the stored header. It is **not** a Merkle root of the
//! state: it cannot prove a single key. Nothing of the protocol needs state proofs (messages are
//! proven against the outbox root).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use strait_endpoint::SendRequest;

use crate::events::BlockEvent;
use strait_light_client::StoreError;
use strait_primitives::{
    keccak256_concat, Address32, ChainId, ClientId, Hash32, Height, MessageId,
};

/// Domain of the application-state root chain.
pub const STATE_ROOT_DOMAIN: &[u8] = b"STRAIT/DEVNET/STATE/v1";

/// Length field of a deleted key in the state root's preimage.
pub const DELETED: u32 = u32::MAX;

/// A block's state diff: each written key, ascending, with its value or `None` if deleted.
pub type Writes = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// Key prefixes of the state (one byte each, see `README.md`).
pub mod keys {
    use strait_primitives::{Address32, ChainId, ClientId, MessageId, RouteId};

    /// Account nonce: `'a' || address`.
    pub fn account(address: &Address32) -> Vec<u8> {
        cat(b'a', &[address.as_bytes()])
    }
    /// Last outbound nonce: `'o' || route`.
    pub fn outbound(route: &RouteId) -> Vec<u8> {
        cat(b'o', &[route.as_bytes()])
    }
    /// Received bitmap word: `'w' || route || u64 word`.
    pub fn received_word(route: &RouteId, word: u64) -> Vec<u8> {
        cat(b'w', &[route.as_bytes(), &word.to_be_bytes()])
    }
    /// Contiguous received counter: `'n' || route`.
    pub fn contiguous(route: &RouteId) -> Vec<u8> {
        cat(b'n', &[route.as_bytes()])
    }
    /// A sent message awaiting its outcome: `'p' || id` -> `sender [32] | destination u64`
    /// (`[STRAIT-SETTLE.2]`).
    pub fn awaited(id: &MessageId) -> Vec<u8> {
        cat(b'p', &[id.as_bytes()])
    }
    /// A received message whose execution failed, not final yet: `'f' || id` -> the canonical
    /// `FailedMessage` encoding (`[STRAIT-RETRY.1]`).
    pub fn failed(id: &MessageId) -> Vec<u8> {
        cat(b'f', &[id.as_bytes()])
    }
    /// Receipt of a received message: `'r' || id`.
    pub fn receipt(id: &MessageId) -> Vec<u8> {
        receipt_inline(id).to_vec()
    }
    /// [`receipt`] without an allocation, for lookups.
    pub fn receipt_inline(id: &MessageId) -> [u8; 33] {
        let mut key = [b'r'; 33];
        key[1..].copy_from_slice(id.as_bytes());
        key
    }
    /// A client's record, kept by the host: `'c' || client` (`[STRAIT-VERIFIER.3]`).
    pub fn client(client: ClientId) -> Vec<u8> {
        cat(b'c', &[&client.to_be_bytes()])
    }
    /// Prefix of a client's own storage, which its verifier kind lays out: `'k' || client`.
    pub fn client_store(client: ClientId) -> Vec<u8> {
        cat(b'k', &[&client.to_be_bytes()])
    }
    /// The client a receiver chose for a source chain: `'x' || receiver || u64 source`.
    pub fn security(receiver: &Address32, source: ChainId) -> Vec<u8> {
        cat(b'x', &[receiver.as_bytes(), &source.to_be_bytes()])
    }
    /// The host's default client of a source chain: `'d' || u64 source`.
    pub fn default_client(source: ChainId) -> Vec<u8> {
        cat(b'd', &[&source.to_be_bytes()])
    }
    /// A paused scope (`[STRAIT-PAUSE.1]`): `'z' || scope` -> `[1]`.
    pub fn paused(scope: &strait_endpoint::PauseScope) -> Vec<u8> {
        cat(b'z', &[&scope.encode()])
    }
    /// Pauses and unpauses executed, the counter the next approvals sign: `"Zcounter"` (its own
    /// prefix byte, so no scope key collides with it).
    pub const PAUSE_COUNTER: &[u8] = b"Zcounter";
    /// An optimistic proposal's place in the maturity queue (`[STRAIT-OPT.4]`):
    /// `'q' || u64 matures_at || u64 client || u64 height` -> empty.
    pub fn maturity(matures_at: u64, client: ClientId, height: u64) -> Vec<u8> {
        cat(
            b'q',
            &[
                &matures_at.to_be_bytes(),
                &client.to_be_bytes(),
                &height.to_be_bytes(),
            ],
        )
    }
    /// Prefix of the maturity queue.
    pub const MATURITY: &[u8] = b"q";
    /// Conflict evidence that froze a client (`[STRAIT-CONFLICT.4]`): `'y' || client`.
    pub fn conflict(client: ClientId) -> Vec<u8> {
        cat(b'y', &[&client.to_be_bytes()])
    }
    /// The number of clients ever created (the last id given): `"iclients"`.
    pub const CLIENT_COUNT: &[u8] = b"iclients";
    /// Application storage: `'A' || app || key`.
    pub fn app(app: &Address32, key: &[u8]) -> Vec<u8> {
        cat(b'A', &[app.as_bytes(), key])
    }
    /// Fee oracle changes executed, the counter the next approvals sign (`[STRAIT-FEE.5]`):
    /// `"$counter"`.
    pub const FEE_ORACLE_COUNTER: &[u8] = b"$counter";
    /// The transaction fee schedule (`[STRAIT-FEE.1]`): `"$schedule"`.
    pub const FEE_SCHEDULE: &[u8] = b"$schedule";
    /// The fee oracle entry of a destination (`[STRAIT-FEE.5]`): `'$' 'o' || u64 destination`.
    pub fn fee_oracle(destination: ChainId) -> Vec<u8> {
        [b"$o".as_slice(), &destination.to_be_bytes()].concat()
    }
    /// The fee locked for a sent message (`[STRAIT-FEE.7]`): `'$' 'l' || id`.
    pub fn fee_lock(id: &MessageId) -> Vec<u8> {
        [b"$l".as_slice(), id.as_bytes()].concat()
    }
    /// A payment held for a message not sent yet (`[STRAIT-FEE.10]`), by the application that
    /// will send it: `'$' 'h' || holder [32] || u64 hold id`.
    pub fn fee_hold(holder: &Address32, hold: u64) -> Vec<u8> {
        [b"$h".as_slice(), holder.as_bytes(), &hold.to_be_bytes()].concat()
    }
    /// How a message's locked fee was split (`[STRAIT-FEE.8]`): `'$' 'p' || id`.
    pub fn fee_paid(id: &MessageId) -> Vec<u8> {
        [b"$p".as_slice(), id.as_bytes()].concat()
    }
    /// Validator set signing the next block: `'v' || "current"`.
    pub const VALSET_CURRENT: &[u8] = b"vcurrent";
    /// Validator set named as next by the next block: `'v' || "next"`.
    pub const VALSET_NEXT: &[u8] = b"vnext";
    /// A set approved in this block, becoming `next` at the next block: `'v' || "pending"`.
    pub const VALSET_PENDING: &[u8] = b"vpending";
    /// Number of executed validator-set changes: `'v' || "counter"`.
    pub const VALSET_COUNTER: &[u8] = b"vcounter";

    fn cat(prefix: u8, parts: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + parts.iter().map(|p| p.len()).sum::<usize>());
        out.push(prefix);
        for p in parts {
            out.extend_from_slice(p);
        }
        out
    }
}

/// Bytes of a key kept inside the map's own slots (every fixed-layout key fits).
const INLINE_KEY: usize = 46;

/// A state key, stored inline up to [`INLINE_KEY`] bytes: looking one up or comparing two reads
/// no other memory. Hashes, compares and borrows exactly as its bytes (`[u8]`).
#[derive(Clone)]
enum Key {
    Inline { len: u8, bytes: [u8; INLINE_KEY] },
    Heap(Box<[u8]>),
}

impl Key {
    fn new(key: &[u8]) -> Self {
        if key.len() <= INLINE_KEY {
            let mut bytes = [0; INLINE_KEY];
            bytes[..key.len()].copy_from_slice(key);
            Self::Inline {
                len: key.len() as u8,
                bytes,
            }
        } else {
            Self::Heap(key.into())
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            Self::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Self::Heap(bytes) => bytes,
        }
    }
}

impl core::ops::Deref for Key {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl core::borrow::Borrow<[u8]> for Key {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl core::hash::Hash for Key {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl core::fmt::Debug for Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "0x{}", hex::encode(self.as_slice()))
    }
}

/// The state map with an undo log.
///
/// Values live in a hash map (point reads, the hot path, cost one hash instead of a walk of
/// comparisons over heap-allocated keys); an ordered index of the same keys serves the prefix and
/// neighbour queries. Nothing iterates the hash map, so its order never shows: every result is a
/// function of the logical key/value contents alone.
#[derive(Debug, Default)]
pub struct State {
    map: HashMap<Key, Vec<u8>>,
    ordered: BTreeSet<Key>,
    undo: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl State {
    /// A state holding `map` (restored from storage), with an empty log.
    pub fn from_map(map: BTreeMap<Vec<u8>, Vec<u8>>) -> Self {
        let mut state = Self::default();
        state.map.reserve(map.len());
        for (key, value) in map {
            let key = Key::new(&key);
            state.ordered.insert(key.clone());
            state.map.insert(key, value);
        }
        state
    }

    /// The value at `key`.
    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.map.get(key).map(Vec::as_slice)
    }

    /// A big-endian u64 at `key`, 0 if unset.
    pub fn get_u64(&self, key: &[u8]) -> u64 {
        self.get(key)
            .and_then(|v| v.try_into().ok())
            .map_or(0, u64::from_be_bytes)
    }

    /// Writes `value` at `key`.
    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        let old = self.insert(&key, value);
        self.undo.push((key, old));
    }

    /// Sets `key` to `value` in both the values and the index; the old value.
    fn insert(&mut self, key: &[u8], value: Vec<u8>) -> Option<Vec<u8>> {
        if let Some(slot) = self.map.get_mut(key) {
            return Some(core::mem::replace(slot, value));
        }
        let key = Key::new(key);
        self.ordered.insert(key.clone());
        self.map.insert(key, value);
        None
    }

    /// Removes `key` from both the values and the index; the old value.
    fn remove(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        let old = self.map.remove(key)?;
        self.ordered.remove(key);
        Some(old)
    }

    /// The value of a key of the index (always present in the values).
    fn value_of(&self, key: &[u8]) -> &[u8] {
        self.map.get(key).expect("every indexed key has a value")
    }

    /// Deletes `key` (a no-op if absent).
    pub fn delete(&mut self, key: &[u8]) {
        if let Some(old) = self.remove(key) {
            self.undo.push((key.to_vec(), Some(old)));
        }
    }

    /// Keys from `prefix` on, ascending.
    fn keys_from<'a>(&'a self, prefix: &[u8]) -> impl Iterator<Item = &'a Key> + 'a {
        self.ordered.range::<[u8], _>((
            core::ops::Bound::Included(prefix),
            core::ops::Bound::Unbounded,
        ))
    }

    /// Number of keys starting with `prefix`.
    pub fn count_prefix(&self, prefix: &[u8]) -> usize {
        self.keys_from(prefix)
            .take_while(|k| k.starts_with(prefix))
            .count()
    }

    /// The lowest entry whose key starts with `prefix`.
    pub fn first_with_prefix(&self, prefix: &[u8]) -> Option<(&[u8], &[u8])> {
        self.keys_from(prefix)
            .next()
            .filter(|k| k.starts_with(prefix))
            .map(|k| (&k[..], self.value_of(k)))
    }

    /// Writes a big-endian u64.
    pub fn put_u64(&mut self, key: Vec<u8>, value: u64) {
        self.put(key, value.to_be_bytes().to_vec());
    }

    /// The last entry with a key in `[prefix, key)` and the first in `(key, prefix-end)`.
    pub fn neighbours(&self, prefix: &[u8], key: &[u8]) -> (Option<&[u8]>, Option<&[u8]>) {
        use core::ops::Bound::{Excluded, Included, Unbounded};
        let before = self
            .ordered
            .range::<[u8], _>((Included(prefix), Excluded(key)))
            .next_back()
            .map(|k| self.value_of(k));
        let after = self
            .ordered
            .range::<[u8], _>((Excluded(key), Unbounded))
            .next()
            .filter(|k| k.starts_with(prefix))
            .map(|k| self.value_of(k));
        (before, after)
    }

    /// Length of the undo log: a checkpoint.
    pub fn checkpoint(&self) -> usize {
        self.undo.len()
    }

    /// Undoes every write after `checkpoint`.
    pub fn revert(&mut self, checkpoint: usize) {
        while self.undo.len() > checkpoint {
            let (key, old) = self.undo.pop().expect("log longer than the checkpoint");
            match old {
                Some(value) => self.insert(&key, value),
                None => self.remove(&key),
            };
        }
    }

    /// The keys written since the last call and their current values (`None`: deleted),
    /// ascending; clears the log.
    pub fn take_writes(&mut self) -> Writes {
        let mut keys: Vec<Vec<u8>> = self.undo.drain(..).map(|(k, _)| k).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter()
            .map(|k| {
                let v = self.map.get(&k[..]).cloned();
                (k, v)
            })
            .collect()
    }
}

/// A small memo of values decoded from the node's own state, by their bytes: for a per-thread
/// `thread_local!`, so that a record read again and again (the signing set every block, a light
/// client's trusted consensus state every update) is decoded (its keys decompressed) once.
/// Decoding is a pure function of the bytes, so a memoized value is the value decoding gives.
/// Holds at most [`Memo::ENTRIES`] values, the oldest leaving first; failures are not kept.
pub(crate) struct Memo<T> {
    entries: core::cell::RefCell<Vec<(Vec<u8>, T)>>,
}

impl<T: Clone> Memo<T> {
    /// Most values kept.
    pub(crate) const ENTRIES: usize = 8;

    /// An empty memo.
    pub(crate) const fn new() -> Self {
        Self {
            entries: core::cell::RefCell::new(Vec::new()),
        }
    }

    /// The value `raw` decodes to, from the memo or by `decode`.
    pub(crate) fn decode<E>(
        &self,
        raw: &[u8],
        decode: impl FnOnce(&[u8]) -> Result<T, E>,
    ) -> Result<T, E> {
        if let Some((_, value)) = self.entries.borrow().iter().find(|(bytes, _)| bytes == raw) {
            return Ok(value.clone());
        }
        let value = decode(raw)?;
        let mut entries = self.entries.borrow_mut();
        if entries.len() == Self::ENTRIES {
            entries.remove(0);
        }
        entries.push((raw.to_vec(), value.clone()));
        Ok(value)
    }
}

/// The next application-state root (see the module docs).
pub fn next_state_root(
    previous: &Hash32,
    height: Height,
    writes: &[(Vec<u8>, Option<Vec<u8>>)],
) -> Hash32 {
    let mut buf = Vec::with_capacity(
        writes
            .iter()
            .map(|(k, v)| 8 + k.len() + v.as_ref().map_or(0, Vec::len))
            .sum::<usize>(),
    );
    for (k, v) in writes {
        buf.extend_from_slice(&(k.len() as u32).to_be_bytes());
        buf.extend_from_slice(k);
        match v {
            Some(v) => {
                assert!(v.len() < DELETED as usize, "state value too long");
                buf.extend_from_slice(&(v.len() as u32).to_be_bytes());
                buf.extend_from_slice(v);
            }
            None => buf.extend_from_slice(&DELETED.to_be_bytes()),
        }
    }
    keccak256_concat(&[
        STATE_ROOT_DOMAIN,
        previous.as_bytes(),
        &height.to_be_bytes(),
        &buf,
    ])
}

/// What a block produces besides state writes, checkpointed with the state.
#[derive(Debug, Default)]
pub struct Effects {
    /// Ids appended to the outbox in this block, in order.
    pub outbox_ids: Vec<MessageId>,
    /// Endpoint events, in order.
    pub events: Vec<BlockEvent>,
    /// Sends queued by the application being called, executed when it returns, atomically with
    /// its receive (`[STRAIT-RECV.9]`).
    pub app_sends: Vec<SendRequest>,
    /// Misbehaviour proven by the transaction being executed: re-applied if the transaction fails,
    /// because evidence of a fork is never rolled back. Not part of a [`Checkpoint`].
    pub proven: Vec<(ClientId, Vec<u8>)>,
    /// Set when a read found the node's own state corrupt: the block must not be committed (the
    /// builder fails, the producer halts and says why). Not part of a [`Checkpoint`].
    pub fatal: Option<StoreError>,
}

/// A point to revert state and effects to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    state: usize,
    outbox: usize,
    events: usize,
    app_sends: usize,
}

impl Checkpoint {
    /// Number of application sends queued at the checkpoint.
    pub fn app_sends(&self) -> usize {
        self.app_sends
    }
}

impl Effects {
    /// Emits a `SecurityConfigSet` event for each config `receiver` set (`[STRAIT-ROUTE.6]`).
    pub fn config_events(
        &mut self,
        receiver: Address32,
        configs: Vec<(ChainId, strait_endpoint::SecurityConfig)>,
    ) {
        self.events
            .extend(
                configs
                    .into_iter()
                    .map(|(source, config)| BlockEvent::SecurityConfigSet {
                        receiver,
                        source,
                        config,
                    }),
            );
    }

    /// Records that the node's state is corrupt (the first report is kept).
    pub fn corrupt(&mut self, error: StoreError) {
        self.fatal.get_or_insert(error);
    }

    /// A checkpoint of `state` and `self`.
    pub fn checkpoint(&self, state: &State) -> Checkpoint {
        Checkpoint {
            state: state.checkpoint(),
            outbox: self.outbox_ids.len(),
            events: self.events.len(),
            app_sends: self.app_sends.len(),
        }
    }

    /// Reverts `state` and `self` to `cp`.
    pub fn revert(&mut self, state: &mut State, cp: Checkpoint) {
        state.revert(cp.state);
        self.outbox_ids.truncate(cp.outbox);
        self.events.truncate(cp.events);
        self.app_sends.truncate(cp.app_sends);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revert_restores_and_writes_are_the_surviving_keys() {
        let mut s = State::default();
        s.put(b"a".to_vec(), b"1".to_vec());
        let cp = s.checkpoint();
        s.put(b"a".to_vec(), b"2".to_vec());
        s.put(b"b".to_vec(), b"3".to_vec());
        s.revert(cp);
        assert_eq!(s.get(b"a"), Some(&b"1"[..]));
        assert_eq!(s.get(b"b"), None);
        assert_eq!(s.take_writes(), vec![(b"a".to_vec(), Some(b"1".to_vec()))]);
        assert!(s.take_writes().is_empty());
    }

    #[test]
    fn deletes_revert_and_are_reported_as_none() {
        let mut s = State::default();
        for k in [&b"Sa1"[..], b"Sa2", b"Sb0"] {
            s.put(k.to_vec(), k.to_vec());
        }
        s.take_writes();
        assert_eq!(s.count_prefix(b"Sa"), 2);
        assert_eq!(s.first_with_prefix(b"Sa"), Some((&b"Sa1"[..], &b"Sa1"[..])));
        let cp = s.checkpoint();
        s.delete(b"Sa1");
        s.delete(b"absent");
        assert_eq!(s.first_with_prefix(b"Sa").unwrap().0, b"Sa2");
        s.revert(cp);
        assert_eq!(s.get(b"Sa1"), Some(&b"Sa1"[..]));
        s.delete(b"Sa1");
        assert_eq!(s.count_prefix(b"Sa"), 1);
        assert_eq!(s.take_writes(), vec![(b"Sa1".to_vec(), None)]);
    }

    #[test]
    fn neighbours_stay_within_the_prefix() {
        let mut s = State::default();
        for k in [&b"Sa1"[..], b"Sa3", b"Sb0"] {
            s.put(k.to_vec(), k.to_vec());
        }
        assert_eq!(
            s.neighbours(b"Sa", b"Sa2"),
            (Some(&b"Sa1"[..]), Some(&b"Sa3"[..]))
        );
        assert_eq!(s.neighbours(b"Sa", b"Sa3"), (Some(&b"Sa1"[..]), None));
        assert_eq!(s.neighbours(b"Sb", b"Sb0"), (None, None));
    }

    /// The hash map with its ordered index answers like one ordered map (the reference model),
    /// through writes, deletions, reverts and block boundaries.
    #[test]
    fn state_answers_like_an_ordered_map() {
        let mut s = State::default();
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        let mut model_log: Vec<BTreeMap<Vec<u8>, Vec<u8>>> = Vec::new();
        let mut written: BTreeSet<Vec<u8>> = BTreeSet::new();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let key_of = |n: u64| {
            let prefix = [b'S', b'T', b'r'][(n % 3) as usize];
            let mut k = vec![prefix];
            k.extend_from_slice(&(n % 37).to_be_bytes()[6..]);
            // Keys at and past the inline size too.
            k.resize(
                [3, INLINE_KEY, INLINE_KEY + 1, 80][(n / 37 % 4) as usize],
                b'k',
            );
            k
        };
        for step in 0..4_000u64 {
            let k = key_of(next());
            match next() % 10 {
                0..=4 => {
                    let v = next().to_be_bytes()[..(step % 9) as usize].to_vec();
                    s.put(k.clone(), v.clone());
                    model.insert(k.clone(), v);
                    written.insert(k.clone());
                }
                5 | 6 => {
                    s.delete(&k);
                    if model.remove(&k).is_some() {
                        written.insert(k.clone());
                    }
                }
                7 => {
                    model_log.push(model.clone());
                    let cp = s.checkpoint();
                    s.put(k.clone(), b"tmp".to_vec());
                    s.delete(&key_of(next()));
                    s.revert(cp);
                    model = model_log.pop().unwrap();
                }
                8 => {
                    let expected: Writes = written
                        .iter()
                        .map(|k| (k.clone(), model.get(k).cloned()))
                        .collect();
                    assert_eq!(s.take_writes(), expected);
                    written.clear();
                }
                _ => {}
            }
            assert_eq!(s.get(&k), model.get(&k).map(Vec::as_slice));
            let prefix = &k[..2];
            let in_prefix = || {
                model
                    .range(prefix.to_vec()..)
                    .take_while(|(m, _)| m.starts_with(prefix))
            };
            assert_eq!(s.count_prefix(prefix), in_prefix().count());
            assert_eq!(
                s.first_with_prefix(prefix),
                in_prefix()
                    .next()
                    .map(|(m, v)| (m.as_slice(), v.as_slice()))
            );
            let before = model
                .range(prefix.to_vec()..k.clone())
                .next_back()
                .map(|(_, v)| v.as_slice());
            let after = model
                .range::<Vec<u8>, _>((
                    core::ops::Bound::Excluded(k.clone()),
                    core::ops::Bound::Unbounded,
                ))
                .next()
                .filter(|(m, _)| m.starts_with(prefix))
                .map(|(_, v)| v.as_slice());
            assert_eq!(s.neighbours(prefix, &k), (before, after));
        }
        let restored = State::from_map(model.clone());
        for (k, v) in &model {
            assert_eq!(restored.get(k), Some(v.as_slice()));
        }
        assert_eq!(restored.count_prefix(b""), model.len());
    }

    #[test]
    fn a_memo_answers_as_decoding_and_keeps_no_failure() {
        let memo: Memo<u64> = Memo::new();
        let decode = |raw: &[u8]| -> Result<u64, ()> {
            raw.try_into().map(u64::from_be_bytes).map_err(|_| ())
        };
        for round in 0..2 {
            for n in 0..(Memo::<u64>::ENTRIES as u64 + 3) {
                let raw = (n * 1_000 + 1).to_be_bytes();
                assert_eq!(
                    memo.decode(&raw, decode),
                    Ok(n * 1_000 + 1),
                    "round {round}"
                );
            }
        }
        assert_eq!(memo.decode(b"short", decode), Err(()));
        assert_eq!(memo.decode(b"short", decode), Err(()));
        // A value decoded under other bytes is never answered for these.
        assert_eq!(memo.decode(&7u64.to_be_bytes(), |_| Ok::<_, ()>(9)), Ok(9));
        assert_eq!(memo.decode(&7u64.to_be_bytes(), decode), Ok(9));
    }

    #[test]
    fn root_depends_on_every_write() {
        let w = vec![(b"k".to_vec(), Some(b"v".to_vec()))];
        let r = next_state_root(&Hash32::ZERO, Height(1), &w);
        assert_ne!(r, next_state_root(&Hash32::ZERO, Height(2), &w));
        assert_ne!(r, next_state_root(&Hash32::ZERO, Height(1), &[]));
        // Length prefixes keep ("k","v") and ("kv","") apart.
        assert_ne!(
            r,
            next_state_root(&Hash32::ZERO, Height(1), &[(b"kv".to_vec(), Some(vec![]))])
        );
        // A deletion is not an empty value.
        assert_ne!(
            next_state_root(&Hash32::ZERO, Height(1), &[(b"k".to_vec(), None)]),
            next_state_root(&Hash32::ZERO, Height(1), &[(b"k".to_vec(), Some(vec![]))])
        );
    }
}
