//! Test doubles: a scripted source whose history can be rewritten (a reorging chain).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use strait_chain_client::{ChainError, OutboxHistory, OutboxState};
use strait_primitives::{ChainId, Hash32, Height};

/// A signing record's file, removed when dropped.
pub struct TempFile(PathBuf);

impl std::ops::Deref for TempFile {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A fresh path for a signing record.
pub fn temp_path(name: &str) -> TempFile {
    let path = std::env::temp_dir().join(format!("strait-attester-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    TempFile(path)
}

/// A source whose outbox size by height is scripted; a rewrite changes every root from a height
/// on, as a reorg would.
#[derive(Clone)]
pub struct ReorgingChain {
    chain: ChainId,
    states: Arc<Mutex<Vec<OutboxState>>>,
}

fn root(count: u64, salt: u8) -> Hash32 {
    let mut root = [salt; 32];
    root[..8].copy_from_slice(&count.to_be_bytes());
    Hash32(root)
}

impl ReorgingChain {
    /// Heights `0..counts.len()` with these outbox sizes.
    pub fn new(chain: ChainId, counts: &[u64]) -> Self {
        let this = Self {
            chain,
            states: Arc::default(),
        };
        this.extend(counts);
        this
    }

    /// Appends heights.
    pub fn extend(&self, counts: &[u64]) {
        let mut states = self.states.lock().unwrap();
        for count in counts {
            let height = Height(states.len() as u64);
            states.push(OutboxState {
                height,
                root: root(*count, 0xaa),
                count: *count,
            });
        }
    }

    /// Rewrites every root from `height` on with `salt`.
    pub fn rewrite_from(&self, height: usize, salt: u8) {
        for state in &mut self.states.lock().unwrap()[height..] {
            state.root = root(state.count, salt);
        }
    }

    /// The root at `height`.
    pub fn root_at(&self, height: usize) -> Hash32 {
        self.states.lock().unwrap()[height].root
    }
}

impl OutboxHistory for ReorgingChain {
    fn chain_id(&self) -> ChainId {
        self.chain
    }

    async fn latest_height(&self) -> Result<Height, ChainError> {
        Ok(Height(self.states.lock().unwrap().len() as u64 - 1))
    }

    async fn outbox_at(&self, height: Height) -> Result<OutboxState, ChainError> {
        self.states
            .lock()
            .unwrap()
            .get(height.get() as usize)
            .copied()
            .ok_or(ChainError::Refused {
                chain: self.chain,
                what: "outbox",
                reason: "beyond the latest height".into(),
            })
    }
}
