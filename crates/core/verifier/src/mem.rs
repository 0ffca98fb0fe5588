//! A client store in memory: the reference for what [`ClientRead`] and [`ClientStore`] answer, and
//! the store of tests, benchmarks and fuzz targets that run a verifier kind without a host.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::{ClientRead, ClientStore};

/// One client's storage as an ordered map (a host scopes its own store to the client; this one is
/// the client's alone).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemStore(pub BTreeMap<Vec<u8>, Vec<u8>>);

impl MemStore {
    fn with_prefix<'s, 'p>(
        &'s self,
        prefix: &'p [u8],
    ) -> impl Iterator<Item = (&'s Vec<u8>, &'s Vec<u8>)> + use<'s, 'p> {
        self.0
            .range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(move |(k, _)| k.starts_with(prefix))
    }
}

impl ClientRead for MemStore {
    fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.0.get(key).map(Vec::as_slice)
    }
    fn neighbours(&self, prefix: &[u8], key: &[u8]) -> (Option<&[u8]>, Option<&[u8]>) {
        let before = self
            .0
            .range::<[u8], _>((Bound::Unbounded, Bound::Excluded(key)))
            .next_back()
            .filter(|(k, _)| k.starts_with(prefix));
        let after = self
            .0
            .range::<[u8], _>((Bound::Excluded(key), Bound::Unbounded))
            .next()
            .filter(|(k, _)| k.starts_with(prefix));
        (
            before.map(|(_, v)| v.as_slice()),
            after.map(|(_, v)| v.as_slice()),
        )
    }
    fn count_prefix(&self, prefix: &[u8]) -> usize {
        self.with_prefix(prefix).count()
    }
    fn first_with_prefix(&self, prefix: &[u8]) -> Option<(Vec<u8>, &[u8])> {
        self.with_prefix(prefix)
            .next()
            .map(|(k, v)| (k.clone(), v.as_slice()))
    }
}

impl ClientStore for MemStore {
    fn put(&mut self, key: &[u8], value: Vec<u8>) {
        self.0.insert(key.to_vec(), value);
    }
    fn delete(&mut self, key: &[u8]) {
        self.0.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_queries_stay_within_their_prefix() {
        let mut store = MemStore::default();
        for key in [&b"a9"[..], b"b1", b"b3", b"b5", b"c0"] {
            store.put(key, key.to_vec());
        }
        assert_eq!(store.count_prefix(b"b"), 3);
        assert_eq!(store.count_prefix(b"d"), 0);
        assert_eq!(
            store.first_with_prefix(b"b"),
            Some((b"b1".to_vec(), &b"b1"[..]))
        );
        assert_eq!(store.first_with_prefix(b"d"), None);
        assert_eq!(
            store.neighbours(b"b", b"b3"),
            (Some(&b"b1"[..]), Some(&b"b5"[..]))
        );
        // The neighbours of the prefix's ends are not taken from outside it.
        assert_eq!(store.neighbours(b"b", b"b1"), (None, Some(&b"b3"[..])));
        assert_eq!(store.neighbours(b"b", b"b5"), (Some(&b"b3"[..]), None));
        store.delete(b"b3");
        assert_eq!(store.get(b"b3"), None);
        assert_eq!(store.count_prefix(b"b"), 2);
    }
}
