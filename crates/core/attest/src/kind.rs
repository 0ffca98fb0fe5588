//! An attester committee as a verifier kind (`[STRAIT-ATTEST.5]` to `[STRAIT-ATTEST.8]`):
//! [`CommitteeVerifier`] runs a committee client of any [`Scheme`] over the store a host scopes to
//! one client.

use std::marker::PhantomData;

use strait_primitives::{ChainId, Hash32, Height, Reader, Timestamp};
use strait_verifier::{
    ClientRead, ClientStatus, ClientStore, StoreError, Updated, Verifier, VerifierError,
    VerifierKind,
};

use crate::checkpoint::{committee_id, rotation_sign_bytes, Checkpoint};
use crate::committee::Committee;
use crate::error::AttestError;
use crate::scheme::Scheme;
use crate::state::{
    at, checkpoint_record, stored_checkpoint, stored_committee, stored_previous_committee,
    stored_state, ClientState, Frozen, COMMITTEE, COUNT, MAX_CHECKPOINTS, PREVIOUS, ROOT, STATE,
};
use crate::wire::{
    decode_any_evidence, decode_freeze, decode_update, encode_freeze, Evidence, Update,
};

/// A committee client of scheme `S` (`[STRAIT-ATTEST.8]`).
pub struct CommitteeVerifier<S>(PhantomData<fn() -> S>);

impl<S> CommitteeVerifier<S> {
    /// The kind.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<S> Default for CommitteeVerifier<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> std::fmt::Debug for CommitteeVerifier<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CommitteeVerifier")
    }
}

/// The client state and committee of an active client; a frozen one is refused (`Frozen`).
fn active(
    store: &dyn ClientRead,
    member_len: usize,
) -> Result<(ClientState, Committee), AttestError> {
    let state = stored_state(store)?;
    if state.frozen.is_some() {
        return Err(AttestError::Frozen);
    }
    Ok((state, stored_committee(store, member_len)?))
}

/// A stored checkpoint that `checkpoint` conflicts with, if any (`[STRAIT-ATTEST.7]`): the one at
/// its height, the first one with its leaf count, then its neighbours by height.
pub fn stored_conflict(
    store: &dyn ClientRead,
    checkpoint: &Checkpoint,
) -> Result<Option<Checkpoint>, StoreError> {
    let key = at(ROOT, checkpoint.source_height.get());
    let (below, above) = store.neighbours(&[ROOT], &key);
    let candidates = [
        store.get(&key),
        store.get(&at(COUNT, checkpoint.leaf_count)),
        below,
        above,
    ];
    for raw in candidates.into_iter().flatten() {
        let stored = checkpoint_record(raw)?;
        if stored.conflicts_with(checkpoint) {
            return Ok(Some(stored));
        }
    }
    Ok(None)
}

/// Stores a verified checkpoint, indexes its leaf count, raises the latest height and keeps at
/// most [`MAX_CHECKPOINTS`] heights (the lowest go first).
fn store_checkpoint(store: &mut dyn ClientStore, state: &mut ClientState, checkpoint: &Checkpoint) {
    let encoded = checkpoint.encode().to_vec();
    store.put(&at(ROOT, checkpoint.source_height.get()), encoded.clone());
    let count_key = at(COUNT, checkpoint.leaf_count);
    let lower_first = store
        .get(&count_key)
        .and_then(|raw| Checkpoint::decode(raw).ok())
        .is_none_or(|first| first.source_height > checkpoint.source_height);
    if lower_first {
        store.put(&count_key, encoded);
    }
    state.latest_height = state.latest_height.max(checkpoint.source_height);
    let excess = store.count_prefix(&[ROOT]).saturating_sub(MAX_CHECKPOINTS);
    for _ in 0..excess {
        let Some((key, raw)) = store.first_with_prefix(&[ROOT]) else {
            break;
        };
        let pruned = Checkpoint::decode(raw).ok();
        store.delete(&key);
        let Some(pruned) = pruned else { continue };
        let count_key = at(COUNT, pruned.leaf_count);
        let indexed = store
            .get(&count_key)
            .and_then(|raw| Checkpoint::decode(raw).ok());
        if indexed.is_some_and(|c| c.source_height == pruned.source_height) {
            // Leaf counts grow with height, so the next stored height is the next with this count.
            let next = store
                .first_with_prefix(&[ROOT])
                .and_then(|(_, raw)| Checkpoint::decode(raw).ok())
                .filter(|next| next.leaf_count == pruned.leaf_count);
            match next {
                Some(next) => store.put(&count_key, next.encode().to_vec()),
                None => store.delete(&count_key),
            }
        }
    }
}

impl<S: Scheme> CommitteeVerifier<S> {
    fn error(what: &'static str, error: AttestError) -> VerifierError {
        match error {
            AttestError::Decode(e) => VerifierError::Malformed {
                kind: S::KIND,
                what,
                reason: e.to_string(),
            },
            AttestError::Store(e) => VerifierError::Store(e),
            e => VerifierError::Refused {
                kind: S::KIND,
                name: e.name(),
                reason: e.to_string(),
                transient: false,
            },
        }
    }

    /// `[STRAIT-ATTEST.4]` Creates a client of `source` from a committee in wire form.
    pub fn create_client(
        store: &mut dyn ClientStore,
        source: ChainId,
        init: &[u8],
    ) -> Result<Height, AttestError> {
        if source == ChainId(u64::MAX) {
            return Err(AttestError::ReservedSource);
        }
        let mut r = Reader::new(init);
        let committee = Committee::read_admitted::<S>(&mut r)?;
        r.finish()?;
        let encoded = committee.encode();
        let state = ClientState {
            source,
            committee_id: committee_id(S::KIND.get(), &encoded),
            epoch: 0,
            latest_height: Height(0),
            frozen: None,
        };
        store.put(COMMITTEE, encoded);
        store.put(STATE, state.encode());
        Ok(Height(0))
    }

    /// `[STRAIT-ATTEST.6]`, `[STRAIT-ATTEST.5]` Verifies and applies an update.
    fn apply(store: &mut dyn ClientStore, bytes: &[u8]) -> Result<Outcome, AttestError> {
        let update = decode_update::<S>(bytes)?;
        let (mut state, committee) = active(store, S::MEMBER_LEN)?;
        match update {
            Update::Checkpoint(checkpoint, certificate) => {
                if checkpoint.source_chain != state.source {
                    return Err(AttestError::SourceMismatch {
                        got: checkpoint.source_chain,
                        expected: state.source,
                    });
                }
                if stored_checkpoint(store, checkpoint.source_height)? == Some(checkpoint) {
                    return Ok(Outcome::Duplicate);
                }
                let message = checkpoint.sign_bytes(&state.committee_id, state.epoch);
                S::verify(&committee, &message, &certificate)?;
                if let Some(stored) = stored_conflict(store, &checkpoint)? {
                    return Ok(Outcome::Conflict(stored, checkpoint));
                }
                store_checkpoint(store, &mut state, &checkpoint);
                store.put(STATE, state.encode());
                Ok(Outcome::Verified(checkpoint))
            }
            Update::Rotation(next, certificate) => {
                let next_hash = next.committee.hash();
                let message = rotation_sign_bytes(&state.committee_id, state.epoch, &next_hash);
                S::verify(&committee, &message, &certificate)?;
                let next = next.admit::<S>()?;
                state.epoch = state
                    .epoch
                    .checked_add(1)
                    .ok_or(AttestError::EpochOverflow)?;
                // The handing-over committee is kept, so that two rotations it certified for
                // this epoch remain provable after one of them is applied ([STRAIT-ATTEST.12]).
                store.put(PREVIOUS, committee.encode());
                store.put(COMMITTEE, next.encode());
                store.put(STATE, state.encode());
                Ok(Outcome::Rotated(state.epoch))
            }
        }
    }

    /// `[STRAIT-ATTEST.7]`, `[STRAIT-ATTEST.12]` Checks standalone evidence and freezes the client
    /// when it holds.
    fn misbehaviour(store: &mut dyn ClientStore, bytes: &[u8]) -> Result<(), AttestError> {
        let ((a, cert_a), (b, cert_b)) = match decode_any_evidence::<S>(bytes)? {
            Evidence::Checkpoints(a, b) => (a, b),
            Evidence::Rotations {
                epoch,
                first,
                second,
            } => return Self::rotations(store, epoch, first, second),
        };
        let (state, committee) = active(store, S::MEMBER_LEN)?;
        for checkpoint in [&a, &b] {
            if checkpoint.source_chain != state.source {
                return Err(AttestError::SourceMismatch {
                    got: checkpoint.source_chain,
                    expected: state.source,
                });
            }
        }
        if !a.conflicts_with(&b) {
            return Err(AttestError::NotMisbehaviour);
        }
        for (checkpoint, certificate) in [(&a, &cert_a), (&b, &cert_b)] {
            let message = checkpoint.sign_bytes(&state.committee_id, state.epoch);
            S::verify(&committee, &message, certificate)?;
        }
        freeze_with(store, state, Frozen::Conflict(a, b));
        Ok(())
    }

    /// `[STRAIT-ATTEST.12]` Two different rotations certified by the committee of `epoch` (the
    /// current one, or the previous one the client keeps): the committee equivocated about its
    /// successor. Cheap checks first: the epoch is known, the two next committees differ; then both
    /// certificates. The next committees' members are not admitted: what they are does not matter,
    /// only that the committee signed both.
    fn rotations(
        store: &mut dyn ClientStore,
        epoch: u64,
        first: (crate::committee::WireCommittee<'_>, S::Certificate),
        second: (crate::committee::WireCommittee<'_>, S::Certificate),
    ) -> Result<(), AttestError> {
        let (state, current) = active(store, S::MEMBER_LEN)?;
        let signers = if epoch == state.epoch {
            Some(current)
        } else if epoch.checked_add(1) == Some(state.epoch) {
            stored_previous_committee(store, S::MEMBER_LEN)?
        } else {
            None
        };
        let signers = signers.ok_or(AttestError::EpochMismatch {
            got: epoch,
            current: state.epoch,
        })?;
        let (hash_1, hash_2) = (first.0.committee.hash(), second.0.committee.hash());
        if hash_1 == hash_2 {
            return Err(AttestError::NotMisbehaviour);
        }
        for (hash, certificate) in [(&hash_1, &first.1), (&hash_2, &second.1)] {
            let message = rotation_sign_bytes(&state.committee_id, epoch, hash);
            S::verify(&signers, &message, certificate)?;
        }
        let (first, second) = (hash_1.min(hash_2), hash_1.max(hash_2));
        freeze_with(
            store,
            state,
            Frozen::Rotations {
                epoch,
                first,
                second,
            },
        );
        Ok(())
    }
}

fn freeze_with(store: &mut dyn ClientStore, mut state: ClientState, frozen: Frozen) {
    state.frozen = Some(frozen);
    store.put(STATE, state.encode());
}

/// What an update did.
enum Outcome {
    Verified(Checkpoint),
    Duplicate,
    Conflict(Checkpoint, Checkpoint),
    Rotated(u64),
}

impl<S: Scheme> Verifier for CommitteeVerifier<S> {
    fn kind(&self) -> VerifierKind {
        S::KIND
    }

    fn name(&self) -> &'static str {
        S::NAME
    }

    fn create(
        &self,
        store: &mut dyn ClientStore,
        source: ChainId,
        init: &[u8],
    ) -> Result<Height, VerifierError> {
        Self::create_client(store, source, init).map_err(|e| Self::error("init committee", e))
    }

    /// `[STRAIT-ATTEST.4]` One admission per member (BLS: a proof of possession, one pairing),
    /// read from the committee's structure without admitting anyone.
    fn create_cost(&self, init: &[u8]) -> Result<usize, VerifierError> {
        let mut r = Reader::new(init);
        let committee = Committee::read_structure(&mut r, S::MEMBER_WIRE_LEN, S::MEMBER_LEN)
            .map_err(|e| Self::error("init committee", e))?;
        Ok(S::ADMIT_COST.saturating_mul(committee.committee.len()))
    }

    fn update_cost(&self, update: &[u8]) -> Result<usize, VerifierError> {
        let update = decode_update::<S>(update).map_err(|e| Self::error("update", e))?;
        Ok(match update {
            Update::Checkpoint(_, certificate) => S::certificate_cost(&certificate),
            Update::Rotation(next, certificate) => S::certificate_cost(&certificate)
                .saturating_add(S::ADMIT_COST.saturating_mul(next.committee.len())),
        })
    }

    /// Both certificates, of checkpoints or of rotations (whose next members are not admitted).
    fn misbehaviour_cost(&self, evidence: &[u8]) -> Result<usize, VerifierError> {
        let (a, b) =
            match decode_any_evidence::<S>(evidence).map_err(|e| Self::error("evidence", e))? {
                Evidence::Checkpoints((_, a), (_, b)) => (a, b),
                Evidence::Rotations { first, second, .. } => (first.1, second.1),
            };
        Ok(S::certificate_cost(&a).saturating_add(S::certificate_cost(&b)))
    }

    fn update(
        &self,
        store: &mut dyn ClientStore,
        update: &[u8],
        _now: Timestamp,
    ) -> Result<Updated, VerifierError> {
        Ok(
            match Self::apply(store, update).map_err(|e| Self::error("update", e))? {
                Outcome::Verified(c) => Updated::Verified {
                    height: c.source_height,
                    root: c.outbox_root,
                },
                Outcome::Duplicate => Updated::Duplicate,
                Outcome::Rotated(epoch) => Updated::Rotated { epoch },
                Outcome::Conflict(a, b) => {
                    let state = stored_state(store)?;
                    freeze_with(store, state, Frozen::Conflict(a, b));
                    Updated::Misbehaviour {
                        evidence: encode_freeze(&a, &b),
                    }
                }
            },
        )
    }

    fn submit_misbehaviour(
        &self,
        store: &mut dyn ClientStore,
        evidence: &[u8],
        _now: Timestamp,
    ) -> Result<(), VerifierError> {
        Self::misbehaviour(store, evidence).map_err(|e| Self::error("evidence", e))
    }

    fn freeze(&self, store: &mut dyn ClientStore, evidence: &[u8]) -> Result<(), VerifierError> {
        let (a, b) = decode_freeze(evidence).map_err(|e| Self::error("freeze", e.into()))?;
        let state = stored_state(store)?;
        if state.frozen.is_none() {
            freeze_with(store, state, Frozen::Conflict(a, b));
        }
        Ok(())
    }

    fn status(&self, store: &dyn ClientRead) -> Result<ClientStatus, VerifierError> {
        Ok(if stored_state(store)?.frozen.is_some() {
            ClientStatus::Frozen
        } else {
            ClientStatus::Active
        })
    }

    fn latest_height(&self, store: &dyn ClientRead) -> Result<Height, VerifierError> {
        Ok(stored_state(store)?.latest_height)
    }

    fn verified_root(
        &self,
        store: &dyn ClientRead,
        height: Height,
    ) -> Result<Option<Hash32>, VerifierError> {
        Ok(stored_checkpoint(store, height)?.map(|c| c.outbox_root))
    }
}
