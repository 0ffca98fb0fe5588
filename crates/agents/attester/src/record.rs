//! The durable signing record (`[STRAIT-ATTEST.11]`): for each (source, leaf count) the one
//! checkpoint this key ever signed, the last final outbox state it examined, and whether it halted.
//! Every write is committed with immediate durability (synced to disk) before the caller goes on,
//! so a signature never leaves before the record that forbids its conflicting twin.

use std::path::Path;

use redb::{Database, Durability, ReadableTable, TableDefinition};
use strait_attest::Checkpoint;
use strait_primitives::ChainId;

use crate::AttesterError;

/// `(source chain, leaf count)` -> the signed checkpoint's encoding.
const SIGNED: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("signed");
/// Source chain -> the encoding of the last final outbox state examined.
const TIP: TableDefinition<u64, &[u8]> = TableDefinition::new("tip");
/// Source chain -> why the attester halted.
const HALTED: TableDefinition<u64, &str> = TableDefinition::new("halted");

/// What [`SigningRecord::record`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// First time this leaf count is signed: recorded.
    New,
    /// This root was recorded for this leaf count before (signing it again is safe).
    Again(Checkpoint),
}

/// The signing record, a redb database.
pub struct SigningRecord {
    db: Database,
}

impl std::fmt::Debug for SigningRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningRecord")
    }
}

fn decode(raw: &[u8]) -> Result<Checkpoint, AttesterError> {
    Checkpoint::decode(raw).map_err(|e| AttesterError::Record(format!("stored checkpoint: {e}")))
}

impl SigningRecord {
    /// Opens (or creates) the record at `path`.
    pub fn open(path: &Path) -> Result<Self, AttesterError> {
        let db = Database::create(path)?;
        let mut txn = db.begin_write()?;
        txn.set_durability(Durability::Immediate);
        txn.open_table(SIGNED)?;
        txn.open_table(TIP)?;
        txn.open_table(HALTED)?;
        txn.commit()?;
        Ok(Self { db })
    }

    /// Records `checkpoint` as signed, durably, unless another root was signed for its leaf count
    /// (`WouldEquivocate`, nothing written).
    pub fn record(&self, checkpoint: &Checkpoint) -> Result<Recorded, AttesterError> {
        let key = (checkpoint.source_chain.get(), checkpoint.leaf_count);
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Immediate);
        {
            let mut table = txn.open_table(SIGNED)?;
            let before = table.get(key)?.map(|v| decode(v.value())).transpose()?;
            if let Some(before) = before {
                if before.outbox_root != checkpoint.outbox_root {
                    return Err(AttesterError::WouldEquivocate {
                        chain: checkpoint.source_chain,
                        leaf_count: checkpoint.leaf_count,
                        got: checkpoint.outbox_root,
                        expected: before.outbox_root,
                    });
                }
                return Ok(Recorded::Again(before));
            }
            table.insert(key, &checkpoint.encode()[..])?;
        }
        txn.commit()?;
        Ok(Recorded::New)
    }

    /// [`SigningRecord::record`] for each of `checkpoints`, and `tip` as the last final state
    /// examined, in one durable commit (one sync for a whole step of the attester): all or
    /// nothing, so a checkpoint that would equivocate (`WouldEquivocate`) writes none of them.
    pub fn record_all(
        &self,
        checkpoints: &[Checkpoint],
        tip: Option<&Checkpoint>,
    ) -> Result<Vec<Recorded>, AttesterError> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Immediate);
        let mut out = Vec::with_capacity(checkpoints.len());
        {
            let mut table = txn.open_table(SIGNED)?;
            for checkpoint in checkpoints {
                let key = (checkpoint.source_chain.get(), checkpoint.leaf_count);
                let before = table.get(key)?.map(|v| decode(v.value())).transpose()?;
                match before {
                    Some(before) if before.outbox_root != checkpoint.outbox_root => {
                        return Err(AttesterError::WouldEquivocate {
                            chain: checkpoint.source_chain,
                            leaf_count: checkpoint.leaf_count,
                            got: checkpoint.outbox_root,
                            expected: before.outbox_root,
                        });
                    }
                    Some(before) => out.push(Recorded::Again(before)),
                    None => {
                        table.insert(key, &checkpoint.encode()[..])?;
                        out.push(Recorded::New);
                    }
                }
            }
        }
        if let Some(tip) = tip {
            txn.open_table(TIP)?
                .insert(tip.source_chain.get(), &tip.encode()[..])?;
        }
        txn.commit()?;
        Ok(out)
    }

    /// The checkpoint signed for `(chain, leaf_count)`, if any.
    pub fn signed(
        &self,
        chain: ChainId,
        leaf_count: u64,
    ) -> Result<Option<Checkpoint>, AttesterError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(SIGNED)?;
        let value = table.get((chain.get(), leaf_count))?;
        value.map(|v| decode(v.value())).transpose()
    }

    /// The last `limit` checkpoints signed for `chain`, by ascending leaf count.
    pub fn last_signed(
        &self,
        chain: ChainId,
        limit: usize,
    ) -> Result<Vec<Checkpoint>, AttesterError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(SIGNED)?;
        let mut out = Vec::new();
        for entry in table
            .range((chain.get(), 0)..=(chain.get(), u64::MAX))?
            .rev()
            .take(limit)
        {
            out.push(decode(entry?.1.value())?);
        }
        out.reverse();
        Ok(out)
    }

    /// The last final outbox state examined on `chain`.
    pub fn tip(&self, chain: ChainId) -> Result<Option<Checkpoint>, AttesterError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(TIP)?;
        let value = table.get(chain.get())?;
        value.map(|v| decode(v.value())).transpose()
    }

    /// Records the last final outbox state examined, durably.
    pub fn set_tip(&self, tip: &Checkpoint) -> Result<(), AttesterError> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Immediate);
        txn.open_table(TIP)?
            .insert(tip.source_chain.get(), &tip.encode()[..])?;
        txn.commit()?;
        Ok(())
    }

    /// Records, durably, that the attester of `chain` halted and why.
    pub fn halt(&self, chain: ChainId, reason: &str) -> Result<(), AttesterError> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Immediate);
        txn.open_table(HALTED)?.insert(chain.get(), reason)?;
        txn.commit()?;
        Ok(())
    }

    /// Why the attester of `chain` halted, if it did.
    pub fn halted(&self, chain: ChainId) -> Result<Option<String>, AttesterError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(HALTED)?;
        let value = table.get(chain.get())?;
        Ok(value.map(|v| v.value().to_string()))
    }
}
