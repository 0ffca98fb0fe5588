//! An optimistic client and an operation decoder for the `optimistic` target.

use strait_optimistic::{Config, OptimisticVerifier, Proposal};
use strait_primitives::{Address32, ChainId, Height, Reader, Timestamp};
use strait_verifier::{MemStore, Verifier};

/// Where the operations start in the target's input (the bytes before are the decoders').
pub const OPS_OFFSET: usize = 1;

/// One of two proposers and one watcher.
fn party(b: u8) -> Address32 {
    Address32([b % 3; 32])
}

/// A client of chain 2 with a 100 ms window, bond 5, proposers 0 and 1, watcher 2.
pub fn client() -> MemStore {
    let config = Config {
        window_ms: 100,
        bond: 5,
        proposers: vec![party(0), party(1)],
        watchers: vec![party(2)],
    };
    let mut store = MemStore::default();
    OptimisticVerifier
        .create(&mut store, ChainId(2), &config.encode())
        .expect("a valid config");
    store
}

/// An operation on the client.
#[derive(Debug)]
pub enum Op {
    /// `who` proposes at `now`.
    Propose(Address32, Proposal, Timestamp),
    /// Settle the height at `now`.
    Settle(Height, Timestamp),
    /// Discard the height.
    Discard(Height),
    /// `who` pauses.
    Pause(Address32),
    /// Resume at `now`.
    Resume(Timestamp),
}

impl Op {
    /// Bytes per operation: `op u8 | who u8 | height u8 | now u16 | root byte u8`.
    pub const LEN: usize = 6;

    /// Reads one operation from a chunk (short chunks are zero-padded). Heights and times are
    /// small so that operations meet.
    pub fn read(chunk: &[u8]) -> Self {
        let mut bytes = [0u8; Self::LEN];
        bytes[..chunk.len()].copy_from_slice(chunk);
        let mut r = Reader::new(&bytes);
        let (op, who, height) = (
            r.u8().unwrap_or(0),
            r.u8().unwrap_or(0),
            r.u8().unwrap_or(0),
        );
        let now = Timestamp(u64::from(r.u16().unwrap_or(0)));
        let root = r.u8().unwrap_or(0);
        let height = Height(u64::from(height % 32));
        match op % 5 {
            0 => Self::Propose(
                party(who),
                Proposal {
                    height,
                    root: strait_primitives::Hash32([root; 32]),
                    leaf_count: u64::from(root),
                },
                now,
            ),
            1 => Self::Settle(height, now),
            2 => Self::Discard(height),
            3 => Self::Pause(party(who)),
            _ => Self::Resume(now),
        }
    }
}
