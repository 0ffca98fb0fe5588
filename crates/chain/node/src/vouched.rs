//! What a client vouches for, height by height, read from its scoped store for agents that check
//! it against its source (the watcher, `[STRAIT-AGENT.7]`). Kinds lay out their stores
//! differently: the BFT kind keeps a consensus state under `"c" || height`, the BLS-header kind a
//! BLS consensus state there, the committee kinds a checkpoint under `"r" || height` (`[STRAIT-VERIFIER.BFT]`, `[STRAIT-ATTEST.8]`); a kind not
//! listed here vouches for nothing this reader can list.

use strait_attest::Checkpoint;
use strait_light_client::bls::BlsConsensusState;
use strait_light_client::ConsensusState;
use strait_primitives::{Hash32, Height};
use strait_verifier::{ClientRead, StoreError, VerifierKind};

/// One height a client vouches for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VouchedEntry {
    /// The source height.
    pub height: Height,
    /// The outbox root the client verified there.
    pub root: Hash32,
    /// The verified header's hash (the BFT and BLS-header kinds).
    pub header_hash: Option<Hash32>,
    /// The certified checkpoint (committee kinds).
    pub checkpoint: Option<Checkpoint>,
}

fn key(prefix: u8, height: u64) -> [u8; 9] {
    let mut key = [prefix; 9];
    key[1..].copy_from_slice(&height.to_be_bytes());
    key
}

fn corrupt(what: &'static str, e: impl ToString) -> StoreError {
    StoreError {
        what,
        reason: e.to_string(),
    }
}

/// What a client of `kind` stored in `store` vouches for at heights from `from` on, by ascending
/// height, at most `limit`.
pub fn vouched(
    store: &dyn ClientRead,
    kind: VerifierKind,
    from: Height,
    limit: usize,
) -> Result<Vec<VouchedEntry>, StoreError> {
    let prefix = match kind {
        VerifierKind::BFT | VerifierKind::BFT_BLS => b'c',
        VerifierKind::ATTEST_ECDSA | VerifierKind::ATTEST_ED25519 | VerifierKind::ATTEST_BLS => {
            b'r'
        }
        _ => return Ok(Vec::new()),
    };
    let decode = |raw: &[u8]| -> Result<VouchedEntry, StoreError> {
        if kind == VerifierKind::BFT_BLS {
            let state = BlsConsensusState::decode_stored(raw)
                .map_err(|e| corrupt("BLS consensus state", e))?;
            Ok(VouchedEntry {
                height: state.header.height,
                root: state.header.outbox_root,
                header_hash: Some(state.header.header_hash),
                checkpoint: None,
            })
        } else if prefix == b'c' {
            let state = ConsensusState::decode(raw).map_err(|e| corrupt("consensus state", e))?;
            Ok(VouchedEntry {
                height: state.height,
                root: state.outbox_root,
                header_hash: Some(state.header_hash),
                checkpoint: None,
            })
        } else {
            let checkpoint = Checkpoint::decode(raw).map_err(|e| corrupt("checkpoint", e))?;
            Ok(VouchedEntry {
                height: checkpoint.source_height,
                root: checkpoint.outbox_root,
                header_hash: None,
                checkpoint: Some(checkpoint),
            })
        }
    };
    let mut out = Vec::new();
    let mut next = store
        .get(&key(prefix, from.get()))
        .map(decode)
        .transpose()?;
    let mut at = from.get();
    while out.len() < limit {
        let entry = match next.take() {
            Some(entry) => entry,
            None => match store.neighbours(&[prefix], &key(prefix, at)).1 {
                Some(raw) => decode(raw)?,
                None => break,
            },
        };
        at = entry.height.get();
        out.push(entry);
    }
    Ok(out)
}

/// What `client` vouches for from `from` on, at most `limit`, from the committed state in `reads`
/// (`strait_vouched`): `None` when there is no such client; empty when it is frozen.
pub fn committed(
    reads: &crate::store::Reads<'_>,
    client: strait_primitives::ClientId,
    from: Height,
    limit: usize,
) -> Result<Option<Vec<VouchedEntry>>, crate::store::StoreError> {
    use crate::state::keys;
    let Some(raw) = reads.state(&keys::client(client))? else {
        return Ok(None);
    };
    let record = crate::clients::ClientRecord::decode(&raw)
        .map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))?;
    if record.frozen {
        return Ok(Some(Vec::new()));
    }
    let prefix = match record.kind {
        VerifierKind::BFT | VerifierKind::BFT_BLS => b'c',
        VerifierKind::ATTEST_ECDSA | VerifierKind::ATTEST_ED25519 | VerifierKind::ATTEST_BLS => {
            b'r'
        }
        _ => return Ok(Some(Vec::new())),
    };
    // The client's entries from `from` on, loaded into a store of the client's own keys.
    let scope = keys::client_store(client);
    let mut start = scope.clone();
    start.extend_from_slice(&key(prefix, from.get()));
    let mut wanted = scope.clone();
    wanted.push(prefix);
    let mut store = strait_verifier::MemStore::default();
    for (k, v) in reads.state_scan(&start, &wanted, limit)? {
        store.0.insert(k[scope.len()..].to_vec(), v);
    }
    vouched(&store, record.kind, from, limit)
        .map(Some)
        .map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use strait_primitives::ChainId;
    use strait_verifier::{ClientStore, MemStore};

    use super::*;

    #[test]
    fn entries_come_by_ascending_height_from_the_first_asked_and_at_most_the_limit() {
        let mut store = MemStore::default();
        for h in [3u64, 5, 9] {
            let cp = Checkpoint {
                source_chain: ChainId(1),
                outbox_root: Hash32([h as u8; 32]),
                leaf_count: h,
                source_height: Height(h),
            };
            store.put(&key(b'r', h), cp.encode().to_vec());
        }
        store.put(b"s", vec![1]);
        let heights = |from, limit| {
            vouched(&store, VerifierKind::ATTEST_ECDSA, Height(from), limit)
                .unwrap()
                .iter()
                .map(|e| e.height.get())
                .collect::<Vec<_>>()
        };
        assert_eq!(heights(0, 10), vec![3, 5, 9]);
        assert_eq!(heights(5, 10), vec![5, 9]);
        assert_eq!(heights(6, 10), vec![9]);
        assert_eq!(heights(0, 2), vec![3, 5]);
        assert_eq!(heights(10, 10), Vec::<u64>::new());
        assert!(vouched(&store, VerifierKind(99), Height(0), 10)
            .unwrap()
            .is_empty());
        store.put(&key(b'r', 12), vec![0; 3]);
        assert!(vouched(&store, VerifierKind::ATTEST_ECDSA, Height(0), 10).is_err());
    }

    /// A BLS-header client's consensus states are listed with their header hashes, as a BFT
    /// client's, so the watcher compares them with the source's headers.
    #[test]
    fn a_bls_header_clients_states_are_listed_with_their_header_hashes() {
        use strait_light_client::bls::{BlsSigner, BlsValidatorSet, HeaderSummary};
        let set = BlsValidatorSet::new(vec![BlsSigner::from_ikm(&[1; 32]).validator(10)]).unwrap();
        let mut store = MemStore::default();
        for h in [4u64, 8] {
            let state = BlsConsensusState {
                header: HeaderSummary {
                    height: Height(h),
                    timestamp: strait_primitives::Timestamp(h * 1000),
                    header_hash: Hash32([h as u8; 32]),
                    app_state_root: Hash32([0; 32]),
                    outbox_root: Hash32([h as u8 + 1; 32]),
                },
                next_validators: set.clone(),
            };
            store.put(&key(b'c', h), state.encode());
        }
        let entries = vouched(&store, VerifierKind::BFT_BLS, Height(5), 10).unwrap();
        assert_eq!(
            entries,
            vec![VouchedEntry {
                height: Height(8),
                root: Hash32([9; 32]),
                header_hash: Some(Hash32([8; 32])),
                checkpoint: None,
            }]
        );
        assert_eq!(
            vouched(&store, VerifierKind::BFT_BLS, Height(0), 10)
                .unwrap()
                .len(),
            2
        );
        // A state that does not decode as a BLS one is corruption, not an empty answer.
        store.put(&key(b'c', 9), vec![1, 2, 3]);
        assert!(vouched(&store, VerifierKind::BFT_BLS, Height(0), 10).is_err());
    }
}
