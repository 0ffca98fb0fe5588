//! Verifier kinds and their registry (`[STRAIT-VERIFIER.1]` to `[STRAIT-VERIFIER.6]`).
//!
//! A destination chain checks a message's inclusion proof against a *source outbox root* that one
//! of its **clients** verified. A client has an id of its own ([`ClientId`]), the source chain it
//! follows and a **kind** ([`VerifierKind`]): the BFT light client is the first kind; attester
//! committees and optimistic verification are further kinds. Several clients, of one kind or of
//! several, may follow the same source; each receiving application chooses which one it trusts.
//!
//! A kind is a [`Verifier`]: it creates a client from an initial trust, verifies updates, freezes on
//! proven misbehaviour, and answers the two questions the endpoint asks: is the client frozen, and
//! which root did it verify at a height. It keeps its state in a [`ClientStore`] the host scopes to
//! the one client, so a kind can neither read nor write another client's state or the host's.
//! Kinds are registered in a [`Registry`]; the host dispatches every client request to the kind
//! the client was created with, and refuses an update that names another kind.
//!
//! The crate is pure, like the rest of the core: no I/O, clock or randomness.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use strait_primitives::{ChainId, Hash32, Height, Timestamp};

mod mem;

pub use mem::MemStore;
pub use strait_primitives::ClientId;

/// A kind of verifier, by its registered number (`[STRAIT-VERIFIER.1]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct VerifierKind(pub u16);

impl VerifierKind {
    /// The BFT light client of a source chain's validator set (`strait-light-client`).
    pub const BFT: Self = Self(1);
    /// An attester committee of secp256k1 ECDSA signers with EVM addresses (`strait-attest`).
    pub const ATTEST_ECDSA: Self = Self(2);
    /// An attester committee of ed25519 signers (`strait-attest`).
    pub const ATTEST_ED25519: Self = Self(3);
    /// An attester committee of BLS12-381 signers, certificates aggregated (`strait-attest`).
    pub const ATTEST_BLS: Self = Self(4);
    /// The BFT light client in BLS mode: one aggregate signature per header
    /// (`strait-light-client::bls::kind`).
    pub const BFT_BLS: Self = Self(5);
    /// Optimistic verification: bonded proposals that count after a dispute window
    /// (`strait-optimistic`).
    pub const OPTIMISTIC: Self = Self(6);

    /// The number.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// Big-endian bytes, as encoded on the wire.
    pub const fn to_be_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }
}

impl fmt::Display for VerifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "kind {}", self.0)
    }
}

/// Whether a client vouches for roots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientStatus {
    /// It vouches for the roots it verified.
    Active,
    /// It was frozen for proven misbehaviour and vouches for nothing (`[STRAIT-VERIFIER.5]`).
    Frozen,
}

/// What a verified update did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Updated {
    /// The client now vouches for `root` at `height`.
    Verified {
        /// The source height.
        height: Height,
        /// The source outbox root at that height.
        root: Hash32,
    },
    /// The client already held this update: nothing changed.
    Duplicate,
    /// The client now trusts another set of signers (an attester committee's rotation to
    /// `epoch`): no new root.
    Rotated {
        /// The epoch the client is now at.
        epoch: u64,
    },
    /// The update proved misbehaviour and the client is now frozen. `evidence` is the kind's
    /// encoding of the proof, which [`Verifier::freeze`] re-applies: the host keeps the freeze
    /// even when the rest of the transaction is reverted (`[STRAIT-VERIFIER.5]`).
    Misbehaviour {
        /// The proof, in the kind's encoding.
        evidence: Vec<u8>,
    },
}

/// A client's storage could not be read: corrupt or unreadable. No verdict on any request; the
/// host must stop and repair.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("client store, {what}: {reason}")]
pub struct StoreError {
    /// What was being read.
    pub what: &'static str,
    /// Why it failed.
    pub reason: String,
}

/// Why a verifier request failed (`[STRAIT-VERIFIER.4]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifierError {
    /// No verifier of this kind is registered here.
    #[error("unknown verifier {0}")]
    UnknownKind(VerifierKind),
    /// The request names a kind other than the client's.
    #[error("client is of {expected}, the request is for {got}")]
    KindMismatch {
        /// The kind the request names.
        got: VerifierKind,
        /// The client's kind.
        expected: VerifierKind,
    },
    /// The request's bytes are not a valid encoding for the kind.
    #[error("{kind}: malformed {what}: {reason}")]
    Malformed {
        /// The kind.
        kind: VerifierKind,
        /// What was being decoded.
        what: &'static str,
        /// Why it is malformed.
        reason: String,
    },
    /// The kind refused the request. `name` is the SPEC name of the cause.
    #[error("{kind}: {reason}")]
    Refused {
        /// The kind.
        kind: VerifierKind,
        /// The SPEC name of the cause.
        name: &'static str,
        /// What went wrong, in words.
        reason: String,
        /// Whether the same request may succeed later (for example, a header from the future).
        transient: bool,
    },
    /// The client's storage is corrupt.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl VerifierError {
    /// Whether the same request may succeed later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Refused {
                transient: true,
                ..
            }
        )
    }

    /// The SPEC name of the cause.
    pub fn name(&self) -> &'static str {
        match self {
            Self::UnknownKind(_) => "UnknownKind",
            Self::KindMismatch { .. } => "KindMismatch",
            Self::Malformed { .. } => "Malformed",
            Self::Refused { name, .. } => name,
            Self::Store(_) => "Store",
        }
    }
}

/// Read access to one client's storage, scoped by the host (`[STRAIT-VERIFIER.3]`): keys are the
/// kind's own, the host prefixes them with the client's id.
pub trait ClientRead {
    /// The value under `key`.
    fn get(&self, key: &[u8]) -> Option<&[u8]>;
    /// The values of the nearest keys below and above `key` among keys starting with `prefix`.
    fn neighbours(&self, prefix: &[u8], key: &[u8]) -> (Option<&[u8]>, Option<&[u8]>);
    /// How many keys start with `prefix`.
    fn count_prefix(&self, prefix: &[u8]) -> usize;
    /// The lowest key starting with `prefix` (without the host's scope), with its value.
    fn first_with_prefix(&self, prefix: &[u8]) -> Option<(Vec<u8>, &[u8])>;
}

/// Write access to one client's storage. Writes revert with the transaction that made them.
pub trait ClientStore: ClientRead {
    /// Sets `key` to `value`.
    fn put(&mut self, key: &[u8], value: Vec<u8>);
    /// Deletes `key`.
    fn delete(&mut self, key: &[u8]);
}

/// A kind of verifier: what a host needs to run clients of it (`[STRAIT-VERIFIER.2]`).
///
/// Implementations are pure and deterministic, bound every length they decode and do the cheap
/// checks before the expensive ones. Every method gets the one client's store.
pub trait Verifier: Send + Sync + 'static {
    /// The kind's number.
    fn kind(&self) -> VerifierKind;
    /// A short name for logs and RPC answers (`bft`, ...).
    fn name(&self) -> &'static str;

    /// Creates a client of `source` from `init`, the kind's encoding of the initial trust (for
    /// the BFT kind: options and a trusted consensus state). Returns the height it trusts.
    fn create(
        &self,
        store: &mut dyn ClientStore,
        source: ChainId,
        init: &[u8],
    ) -> Result<Height, VerifierError>;

    /// The most signatures creating a client from `init` may check (a BLS committee: one proof of
    /// possession, a pairing, per member), read without checking any: creation is
    /// permissionless, so the host's block budget charges it at admission, before any work, as it
    /// charges updates. A pairing check counts as one signature (`[STRAIT-VERIFIER.2]`).
    fn create_cost(&self, init: &[u8]) -> Result<usize, VerifierError>;

    /// The most signatures verifying `update` may check: the host's block budget charges it
    /// before any work. Decodes only what it must.
    fn update_cost(&self, update: &[u8]) -> Result<usize, VerifierError>;
    /// The most signatures checking `evidence` may check.
    fn misbehaviour_cost(&self, evidence: &[u8]) -> Result<usize, VerifierError>;

    /// Verifies `update` (the kind's encoding) at time `now` and applies it.
    fn update(
        &self,
        store: &mut dyn ClientStore,
        update: &[u8],
        now: Timestamp,
    ) -> Result<Updated, VerifierError>;

    /// Checks standalone `evidence` of misbehaviour and freezes the client when it holds.
    fn submit_misbehaviour(
        &self,
        store: &mut dyn ClientStore,
        evidence: &[u8],
        now: Timestamp,
    ) -> Result<(), VerifierError>;

    /// Re-applies a freeze that [`Updated::Misbehaviour`] proved, without re-verifying: the host
    /// calls it after reverting the rest of the transaction.
    fn freeze(&self, store: &mut dyn ClientStore, evidence: &[u8]) -> Result<(), VerifierError>;

    /// Whether the client vouches for anything.
    fn status(&self, store: &dyn ClientRead) -> Result<ClientStatus, VerifierError>;
    /// The highest source height the client verified.
    fn latest_height(&self, store: &dyn ClientRead) -> Result<Height, VerifierError>;
    /// The source outbox root the client verified at `height`, if any. A frozen client's roots
    /// are answered too; the host asks [`Verifier::status`] first.
    fn verified_root(
        &self,
        store: &dyn ClientRead,
        height: Height,
    ) -> Result<Option<Hash32>, VerifierError>;
}

/// Why a kind could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// A verifier of this kind is already registered.
    #[error("{0} is already registered")]
    Duplicate(VerifierKind),
}

/// The verifier kinds a host runs, by number (`[STRAIT-VERIFIER.1]`).
#[derive(Default)]
pub struct Registry {
    kinds: BTreeMap<VerifierKind, Box<dyn Verifier>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.kinds.values().map(|v| (v.kind(), v.name())))
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `verifier` under its kind; a kind is registered once.
    pub fn register(&mut self, verifier: Box<dyn Verifier>) -> Result<(), RegistryError> {
        let kind = verifier.kind();
        if self.kinds.contains_key(&kind) {
            return Err(RegistryError::Duplicate(kind));
        }
        self.kinds.insert(kind, verifier);
        Ok(())
    }

    /// The verifier of `kind`.
    pub fn get(&self, kind: VerifierKind) -> Result<&dyn Verifier, VerifierError> {
        self.kinds
            .get(&kind)
            .map(|v| &**v)
            .ok_or(VerifierError::UnknownKind(kind))
    }

    /// The registered kinds, in order.
    pub fn kinds(&self) -> impl Iterator<Item = VerifierKind> + '_ {
        self.kinds.keys().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nothing(VerifierKind);

    impl Verifier for Nothing {
        fn kind(&self) -> VerifierKind {
            self.0
        }
        fn name(&self) -> &'static str {
            "nothing"
        }
        fn create(
            &self,
            _: &mut dyn ClientStore,
            _: ChainId,
            _: &[u8],
        ) -> Result<Height, VerifierError> {
            Ok(Height(0))
        }
        fn create_cost(&self, _: &[u8]) -> Result<usize, VerifierError> {
            Ok(0)
        }
        fn update_cost(&self, _: &[u8]) -> Result<usize, VerifierError> {
            Ok(0)
        }
        fn misbehaviour_cost(&self, _: &[u8]) -> Result<usize, VerifierError> {
            Ok(0)
        }
        fn update(
            &self,
            _: &mut dyn ClientStore,
            _: &[u8],
            _: Timestamp,
        ) -> Result<Updated, VerifierError> {
            Ok(Updated::Duplicate)
        }
        fn submit_misbehaviour(
            &self,
            _: &mut dyn ClientStore,
            _: &[u8],
            _: Timestamp,
        ) -> Result<(), VerifierError> {
            Ok(())
        }
        fn freeze(&self, _: &mut dyn ClientStore, _: &[u8]) -> Result<(), VerifierError> {
            Ok(())
        }
        fn status(&self, _: &dyn ClientRead) -> Result<ClientStatus, VerifierError> {
            Ok(ClientStatus::Active)
        }
        fn latest_height(&self, _: &dyn ClientRead) -> Result<Height, VerifierError> {
            Ok(Height(0))
        }
        fn verified_root(
            &self,
            _: &dyn ClientRead,
            _: Height,
        ) -> Result<Option<Hash32>, VerifierError> {
            Ok(None)
        }
    }

    #[test]
    fn a_kind_registers_once_and_unknown_kinds_are_named() {
        let mut registry = Registry::new();
        registry
            .register(Box::new(Nothing(VerifierKind(7))))
            .unwrap();
        assert_eq!(
            registry.register(Box::new(Nothing(VerifierKind(7)))),
            Err(RegistryError::Duplicate(VerifierKind(7)))
        );
        assert_eq!(registry.get(VerifierKind(7)).unwrap().name(), "nothing");
        assert_eq!(
            registry.get(VerifierKind(8)).err(),
            Some(VerifierError::UnknownKind(VerifierKind(8)))
        );
        assert_eq!(registry.kinds().collect::<Vec<_>>(), vec![VerifierKind(7)]);
    }

    #[test]
    fn only_refusals_marked_transient_are_transient() {
        let refused = |transient| VerifierError::Refused {
            kind: VerifierKind::BFT,
            name: "HeaderFromFuture",
            reason: String::new(),
            transient,
        };
        assert!(refused(true).is_transient());
        assert!(!refused(false).is_transient());
        assert_eq!(refused(false).name(), "HeaderFromFuture");
        assert!(!VerifierError::UnknownKind(VerifierKind(9)).is_transient());
    }
}
