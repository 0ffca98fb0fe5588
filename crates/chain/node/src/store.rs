//! Durable storage in one redb file (layout in `README.md`).
//!
//! Each block is written in one redb write transaction with immediate durability (fsync): its
//! light block, its transactions' results, its state writes and its outbox appends become visible
//! together or not at all. On restart the state map and the outbox are read back whole.

use std::collections::BTreeMap;

use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};
use strait_devnet_api::rpc::{SentMessage, TxResult};
use strait_light_client::LightBlock;
use strait_primitives::{ChainId, DecodeError, Hash32, Height, MessageId, Reader};

/// `"latest_height"` -> the last committed height.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// height -> [`BlockRecord`] encoding.
pub const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
/// height -> concatenated 32-byte hashes of the block's transactions, in order.
pub const BLOCK_TXS: TableDefinition<u64, &[u8]> = TableDefinition::new("block_txs");
/// tx hash -> `TxResult` as JSON.
pub const TX_RESULTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tx_results");
/// state key -> value (the map execution runs on).
pub const STATE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state");
/// leaf index -> [`OutboxRecord`] encoding.
pub const OUTBOX: TableDefinition<u64, &[u8]> = TableDefinition::new("outbox");
/// message id -> leaf index, for messages this chain sent.
pub const SENT_IDS: TableDefinition<&[u8], u64> = TableDefinition::new("sent_ids");
/// height -> the block's BLS light block encoding (`[STRAIT-LC-BLS.3]`), when it was signed.
pub const BLS_BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("bls_blocks");
/// `"state"` -> the [`StateSum`] of the `state` table, written with every block.
pub const STATE_SUM: TableDefinition<&str, &[u8]> = TableDefinition::new("state_sum");

const STATE_SUM_KEY: &str = "state";

/// An order-independent checksum of a key-value map: the sum modulo 2^256 of
/// `keccak256("STRAIT/DEVNET/STATE-SUM/v1" || u32 len(key) || key || value)` over its entries.
/// A block updates it in O(writes) (subtract each old entry, add each new one); a restart
/// recomputes it over the whole `state` table and compares, so any lost, extra or altered entry
/// is found, not only those the outbox root covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StateSum(pub [u8; 32]);

impl StateSum {
    fn entry(key: &[u8], value: &[u8]) -> [u8; 32] {
        strait_primitives::keccak256_concat(&[
            b"STRAIT/DEVNET/STATE-SUM/v1",
            &(key.len() as u32).to_be_bytes(),
            key,
            value,
        ])
        .0
    }

    /// Adds an entry.
    pub fn add(&mut self, key: &[u8], value: &[u8]) {
        let e = Self::entry(key, value);
        let mut carry = 0u16;
        for i in (0..32).rev() {
            let t = u16::from(self.0[i]) + u16::from(e[i]) + carry;
            self.0[i] = t as u8;
            carry = t >> 8;
        }
    }

    /// Removes an entry that was added.
    pub fn remove(&mut self, key: &[u8], value: &[u8]) {
        let e = Self::entry(key, value);
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let mut t = i16::from(self.0[i]) - i16::from(e[i]) - borrow;
            borrow = i16::from(t < 0);
            if t < 0 {
                t += 256;
            }
            self.0[i] = t as u8;
        }
    }

    /// The sum of a whole map.
    pub fn of<'a>(entries: impl IntoIterator<Item = (&'a Vec<u8>, &'a Vec<u8>)>) -> Self {
        let mut sum = Self::default();
        for (k, v) in entries {
            sum.add(k, v);
        }
        sum
    }
}

const LATEST_HEIGHT: &str = "latest_height";

/// A committed block as stored: `u32 tx_count || u64 outbox_count || light block encoding`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockRecord {
    /// Number of transactions.
    pub tx_count: u32,
    /// Outbox size after the block.
    pub outbox_count: u64,
    /// Header, commit and validator sets.
    pub light_block: LightBlock,
}

impl BlockRecord {
    /// The stored encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512);
        out.extend_from_slice(&self.tx_count.to_be_bytes());
        out.extend_from_slice(&self.outbox_count.to_be_bytes());
        self.light_block.encode_into(&mut out);
        out
    }

    /// Decodes a stored record.
    pub fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        let mut r = Reader::new(bytes);
        let tx_count = r.u32()?;
        let outbox_count = r.u64()?;
        let light_block = LightBlock::decode(r.bytes(r.remaining())?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Self {
            tx_count,
            outbox_count,
            light_block,
        })
    }
}

/// A sent message as stored: `u64 height || u64 destination || id || packet`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRecord {
    /// Sending block.
    pub height: Height,
    /// Destination chain.
    pub destination_chain: ChainId,
    /// Message id.
    pub id: MessageId,
    /// Canonical packet encoding.
    pub packet: Vec<u8>,
}

impl OutboxRecord {
    /// Offset of the packet in the stored encoding.
    pub const PACKET_OFFSET: usize = 8 + 8 + 32;

    /// The destination chain of a stored record, read at its fixed offset without decoding.
    pub fn destination_of(raw: &[u8]) -> Result<ChainId, StoreError> {
        let field: [u8; 8] = raw
            .get(8..16)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| StoreError::Corrupt("outbox record truncated".into()))?;
        Ok(ChainId(u64::from_be_bytes(field)))
    }

    /// The stored encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(48 + self.packet.len());
        out.extend_from_slice(&self.height.to_be_bytes());
        out.extend_from_slice(&self.destination_chain.to_be_bytes());
        out.extend_from_slice(self.id.as_bytes());
        out.extend_from_slice(&self.packet);
        out
    }

    /// Decodes a stored record.
    pub fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        let mut r = Reader::new(bytes);
        Ok(Self {
            height: Height(r.u64()?),
            destination_chain: ChainId(r.u64()?),
            id: MessageId(r.array()?),
            packet: r.bytes(r.remaining())?.to_vec(),
        })
    }

    /// As an RPC item.
    pub fn to_sent_message(&self, leaf_index: u64) -> SentMessage {
        SentMessage {
            leaf_index,
            id: self.id,
            height: self.height,
            destination_chain: self.destination_chain,
            packet: self.packet.clone().into(),
        }
    }
}

/// Storage failures. Every one is fatal for block production and transient for an RPC reader.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// redb failed (boxed: redb's error is large).
    #[error("storage: {0}")]
    Db(Box<redb::Error>),
    /// Stored bytes do not decode: the database is corrupt or from another version.
    #[error("corrupt database: {0}")]
    Corrupt(String),
}

impl From<DecodeError> for StoreError {
    fn from(e: DecodeError) -> Self {
        Self::Corrupt(e.to_string())
    }
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                Self::Db(Box::new(e.into()))
            }
        }
    )*};
}
from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// Everything one block writes.
pub struct BlockWrite<'a> {
    /// The block.
    pub record: &'a BlockRecord,
    /// Results of its transactions, in order.
    pub results: &'a [TxResult],
    /// State writes, ascending keys.
    pub writes: &'a [(Vec<u8>, Option<Vec<u8>>)],
    /// Outbox appends, ascending leaf indices.
    pub sent: &'a [(u64, OutboxRecord)],
    /// The state's checksum after the writes.
    pub state_sum: StateSum,
    /// The block's BLS light block encoding, if signed (SPEC §5.7).
    pub bls_light_block: Option<&'a [u8]>,
}

/// Writes one block in one durable transaction and makes it the latest.
pub fn write_block(db: &Database, block: &BlockWrite<'_>) -> Result<(), StoreError> {
    let height = block.record.light_block.header().height.get();
    let txn = db.begin_write()?;
    {
        let mut blocks = txn.open_table(BLOCKS)?;
        blocks.insert(height, block.record.encode().as_slice())?;
        let mut bls_blocks = txn.open_table(BLS_BLOCKS)?;
        if let Some(bls) = block.bls_light_block {
            bls_blocks.insert(height, bls)?;
        }
        let mut block_txs = txn.open_table(BLOCK_TXS)?;
        let hashes: Vec<u8> = block.results.iter().flat_map(|r| r.hash.0).collect();
        block_txs.insert(height, hashes.as_slice())?;
        let mut results = txn.open_table(TX_RESULTS)?;
        for result in block.results {
            let json = serde_json::to_vec(result).expect("tx result serializes");
            results.insert(result.hash.as_bytes().as_slice(), json.as_slice())?;
        }
        let mut state = txn.open_table(STATE)?;
        for (key, value) in block.writes {
            match value {
                Some(value) => {
                    state.insert(key.as_slice(), value.as_slice())?;
                }
                None => {
                    state.remove(key.as_slice())?;
                }
            }
        }
        let mut outbox = txn.open_table(OUTBOX)?;
        let mut sent_ids = txn.open_table(SENT_IDS)?;
        for (leaf, record) in block.sent {
            outbox.insert(*leaf, record.encode().as_slice())?;
            sent_ids.insert(record.id.as_bytes().as_slice(), *leaf)?;
        }
        let mut meta = txn.open_table(META)?;
        meta.insert(LATEST_HEIGHT, height)?;
        let mut sum = txn.open_table(STATE_SUM)?;
        sum.insert(STATE_SUM_KEY, block.state_sum.0.as_slice())?;
    }
    txn.commit()?;
    Ok(())
}

/// The last committed height, `None` for a new database.
pub fn latest_height(db: &Database) -> Result<Option<Height>, StoreError> {
    latest_height_in(&db.begin_read()?)
}

/// The last committed height as `txn` sees it, `None` for a new database.
fn latest_height_in(txn: &redb::ReadTransaction) -> Result<Option<Height>, StoreError> {
    let meta = match txn.open_table(META) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(meta.get(LATEST_HEIGHT)?.map(|v| Height(v.value())))
}

/// The state values of `keys` as `txn` sees them.
fn states_in(txn: &redb::ReadTransaction, keys: &[Vec<u8>]) -> Result<Vec<StateValue>, StoreError> {
    let table = txn.open_table(STATE)?;
    keys.iter()
        .map(|k| Ok(table.get(k.as_slice())?.map(|v| v.value().to_vec())))
        .collect()
}

/// The stored state checksum; `None` for a database written before it existed.
pub fn state_sum(db: &Database) -> Result<Option<StateSum>, StoreError> {
    let txn = db.begin_read()?;
    let table = match txn.open_table(STATE_SUM) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let Some(raw) = table.get(STATE_SUM_KEY)? else {
        return Ok(None);
    };
    let bytes: [u8; 32] = raw
        .value()
        .try_into()
        .map_err(|_| StoreError::Corrupt("state checksum is not 32 bytes".into()))?;
    Ok(Some(StateSum(bytes)))
}

/// The whole state map.
pub fn load_state(db: &Database) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, StoreError> {
    let txn = db.begin_read()?;
    let table = txn.open_table(STATE)?;
    let mut map = BTreeMap::new();
    for entry in table.iter()? {
        let (k, v) = entry?;
        map.insert(k.value().to_vec(), v.value().to_vec());
    }
    Ok(map)
}

/// Every outbox id, in leaf order.
pub fn load_outbox_ids(db: &Database) -> Result<Vec<MessageId>, StoreError> {
    let txn = db.begin_read()?;
    let table = txn.open_table(OUTBOX)?;
    let mut ids = Vec::with_capacity(table.len()? as usize);
    for (expected, entry) in table.iter()?.enumerate() {
        let (k, v) = entry?;
        if k.value() != expected as u64 {
            return Err(StoreError::Corrupt(format!(
                "outbox leaf {expected} missing"
            )));
        }
        ids.push(OutboxRecord::decode(v.value())?.id);
    }
    Ok(ids)
}

/// Bounds of one page of outbox records.
#[derive(Clone, Copy, Debug)]
pub struct PageBounds {
    /// Most records returned.
    pub limit: usize,
    /// Most records looked at.
    pub scan: usize,
    /// Most packet bytes returned (at least one record is).
    pub max_bytes: usize,
    /// Most stored bytes looked at (at least one record is).
    pub scan_bytes: usize,
}

/// A state key and its value.
pub type StateEntry = (Vec<u8>, Vec<u8>);
/// A committed state value, `None` when the key is unset.
pub type StateValue = Option<Vec<u8>>;

/// Read access for the RPC server (each call one read transaction).
pub struct Reads<'a>(pub &'a Database);

impl Reads<'_> {
    /// The block at `height`.
    pub fn block(&self, height: Height) -> Result<Option<BlockRecord>, StoreError> {
        let txn = self.0.begin_read()?;
        let table = txn.open_table(BLOCKS)?;
        let Some(raw) = table.get(height.get())? else {
            return Ok(None);
        };
        BlockRecord::decode(raw.value()).map(Some)
    }

    /// The BLS light block encoding at `height`; `None` if the block has none (or the database
    /// predates BLS-signed headers).
    pub fn bls_light_block(&self, height: Height) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.0.begin_read()?;
        let table = match txn.open_table(BLS_BLOCKS) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Ok(table.get(height.get())?.map(|raw| raw.value().to_vec()))
    }

    /// A transaction's result.
    pub fn tx_result(&self, hash: &Hash32) -> Result<Option<TxResult>, StoreError> {
        let txn = self.0.begin_read()?;
        let table = txn.open_table(TX_RESULTS)?;
        let Some(raw) = table.get(hash.as_bytes().as_slice())? else {
            return Ok(None);
        };
        serde_json::from_slice(raw.value())
            .map(Some)
            .map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// A committed state value.
    pub fn state(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.0.begin_read()?;
        let table = txn.open_table(STATE)?;
        Ok(table.get(key)?.map(|v| v.value().to_vec()))
    }

    /// Committed state entries with `prefix` from key `start` on, in key order, at most `limit`.
    pub fn state_scan(
        &self,
        start: &[u8],
        prefix: &[u8],
        limit: usize,
    ) -> Result<Vec<StateEntry>, StoreError> {
        let txn = self.0.begin_read()?;
        let table = txn.open_table(STATE)?;
        let mut out = Vec::new();
        for entry in table.range(start..)?.take(limit) {
            let (k, v) = entry?;
            if !k.value().starts_with(prefix) {
                break;
            }
            out.push((k.value().to_vec(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// At most `limit` committed state entries whose keys start with `prefix`, in key order.
    pub fn state_prefix(&self, prefix: &[u8], limit: usize) -> Result<Vec<StateEntry>, StoreError> {
        let txn = self.0.begin_read()?;
        let table = txn.open_table(STATE)?;
        let mut out = Vec::new();
        for entry in table.range(prefix..)? {
            let (k, v) = entry?;
            if !k.value().starts_with(prefix) || out.len() >= limit {
                break;
            }
            out.push((k.value().to_vec(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// Committed state values of `keys`, in one read transaction.
    pub fn states(&self, keys: &[Vec<u8>]) -> Result<Vec<StateValue>, StoreError> {
        states_in(&self.0.begin_read()?, keys)
    }

    /// Committed state values of `keys` and the height they are the state after (0 before the
    /// first block), in one read transaction: a snapshot no block commit splits.
    pub fn states_at(&self, keys: &[Vec<u8>]) -> Result<(Height, Vec<StateValue>), StoreError> {
        let txn = self.0.begin_read()?;
        let height = latest_height_in(&txn)?.unwrap_or(Height(0));
        Ok((height, states_in(&txn, keys)?))
    }

    /// Outbox records in `from..end`, only those for `destination` when given: at most
    /// `limit` of them, scanning at most `scan` records and `scan_bytes` stored bytes, returning at
    /// most `max_bytes` of packets (always at least one). The destination is read at its fixed
    /// offset in the stored record, so records for other chains are skipped without being decoded
    /// or copied. Returns the records and the leaf the next page starts at.
    pub fn outbox(
        &self,
        from: u64,
        end: u64,
        page: PageBounds,
        destination: Option<ChainId>,
    ) -> Result<(Vec<(u64, OutboxRecord)>, u64), StoreError> {
        if from >= end {
            return Ok((Vec::new(), from));
        }
        let txn = self.0.begin_read()?;
        let table = txn.open_table(OUTBOX)?;
        let mut out = Vec::new();
        let mut bytes = 0usize;
        let mut scanned_bytes = 0usize;
        let mut next = from;
        for entry in table.range(from..end)?.take(page.scan) {
            let (k, v) = entry?;
            let raw = v.value();
            if scanned_bytes > 0 && scanned_bytes + raw.len() > page.scan_bytes {
                break;
            }
            scanned_bytes += raw.len();
            let wanted = match destination {
                None => true,
                Some(d) => OutboxRecord::destination_of(raw)? == d,
            };
            if wanted {
                let packet_len = raw.len().saturating_sub(OutboxRecord::PACKET_OFFSET);
                if out.len() == page.limit
                    || (!out.is_empty() && bytes + packet_len > page.max_bytes)
                {
                    break;
                }
                bytes += packet_len;
                out.push((k.value(), OutboxRecord::decode(raw)?));
            }
            next = k.value() + 1;
        }
        Ok((out, next))
    }

    /// The leaf index and record of a message this chain sent.
    pub fn sent(&self, id: &MessageId) -> Result<Option<(u64, OutboxRecord)>, StoreError> {
        let txn = self.0.begin_read()?;
        let ids = txn.open_table(SENT_IDS)?;
        let Some(leaf) = ids.get(id.as_bytes().as_slice())?.map(|v| v.value()) else {
            return Ok(None);
        };
        let outbox = txn.open_table(OUTBOX)?;
        let Some(raw) = outbox.get(leaf)? else {
            return Err(StoreError::Corrupt(format!("outbox leaf {leaf} missing")));
        };
        Ok(Some((leaf, OutboxRecord::decode(raw.value())?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_sum_is_order_independent_and_incremental() {
        let entries: Vec<(Vec<u8>, Vec<u8>)> = (0u8..50).map(|i| (vec![i], vec![i; 3])).collect();
        let map: BTreeMap<Vec<u8>, Vec<u8>> = entries.iter().cloned().collect();
        let whole = StateSum::of(&map);
        let mut reversed = StateSum::default();
        for (k, v) in entries.iter().rev() {
            reversed.add(k, v);
        }
        assert_eq!(whole, reversed);
        // Change one value and delete another: the incremental sum equals the recomputed one.
        let mut sum = whole;
        sum.remove(&[7], &[7; 3]);
        sum.add(&[7], b"new");
        sum.remove(&[9], &[9; 3]);
        let mut changed = map.clone();
        changed.insert(vec![7], b"new".to_vec());
        changed.remove(&vec![9]);
        assert_eq!(sum, StateSum::of(&changed));
        assert_ne!(sum, whole);
        // Removing everything gives zero.
        for (k, v) in &changed {
            sum.remove(k, v);
        }
        assert_eq!(sum, StateSum::default());
    }

    fn db(name: &str) -> (Database, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!(
            "strait-store-{name}-{}-{:?}.redb",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        (Database::create(&path).unwrap(), path)
    }

    fn record(destination: u64, packet_len: usize) -> Vec<u8> {
        OutboxRecord {
            height: Height(1),
            destination_chain: ChainId(destination),
            id: MessageId([destination as u8; 32]),
            packet: vec![7; packet_len],
        }
        .encode()
    }

    fn bounds(limit: usize, scan: usize, scan_bytes: usize) -> PageBounds {
        PageBounds {
            limit,
            scan,
            max_bytes: usize::MAX,
            scan_bytes,
        }
    }

    /// Records for other destinations are skipped by their destination field alone: one that
    /// would not even decode (it ends after its destination) does not fail the page.
    #[test]
    fn outbox_pages_filter_by_destination_before_decoding_and_bound_their_scan() {
        let (db, path) = db("outbox");
        let txn = db.begin_write().unwrap();
        {
            let mut outbox = txn.open_table(OUTBOX).unwrap();
            let truncated = &record(3, 0)[..16];
            outbox.insert(0, record(2, 10).as_slice()).unwrap();
            outbox.insert(1, truncated).unwrap();
            outbox.insert(2, record(2, 10).as_slice()).unwrap();
            outbox.insert(3, record(3, 10).as_slice()).unwrap();
        }
        txn.commit().unwrap();
        let reads = Reads(&db);
        let (page, next) = reads
            .outbox(0, 4, bounds(10, 10, usize::MAX), Some(ChainId(2)))
            .unwrap();
        assert_eq!(page.iter().map(|p| p.0).collect::<Vec<_>>(), [0, 2]);
        assert_eq!(next, 4);
        // Without the filter the truncated record must be decoded, and is corrupt.
        assert!(reads
            .outbox(0, 4, bounds(10, 10, usize::MAX), None)
            .is_err());
        // Scan bound in records: at and past.
        let (page, next) = reads
            .outbox(0, 4, bounds(10, 3, usize::MAX), Some(ChainId(2)))
            .unwrap();
        assert_eq!((page.len(), next), (2, 3));
        let (page, next) = reads
            .outbox(0, 4, bounds(10, 2, usize::MAX), Some(ChainId(2)))
            .unwrap();
        assert_eq!((page.len(), next), (1, 2));
        // Scan bound in bytes: exactly the first two records' bytes, then one byte fewer.
        let two = record(2, 10).len() + 16;
        let (page, next) = reads
            .outbox(0, 4, bounds(10, 10, two), Some(ChainId(2)))
            .unwrap();
        assert_eq!((page.len(), next), (1, 2));
        let (page, next) = reads
            .outbox(0, 4, bounds(10, 10, two - 1), Some(ChainId(2)))
            .unwrap();
        assert_eq!((page.len(), next), (1, 1));
        // At least one record is always looked at.
        let (page, next) = reads
            .outbox(0, 4, bounds(10, 10, 1), Some(ChainId(2)))
            .unwrap();
        assert_eq!((page.len(), next), (1, 1));
        drop(db);
        let _ = std::fs::remove_file(path);
    }
}
