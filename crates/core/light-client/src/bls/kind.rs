//! The BLS header mode as a verifier kind (`[STRAIT-VERIFIER.BFT-BLS]`): [`BlsHeaderVerifier`]
//! follows a chain by its BLS commits, one key aggregation and one pairing check per header, under
//! the trust rules of the BFT kind (§5.4, `[STRAIT-LC-BLS.4]`) and its client state machine
//! (§5.5: duplicates, conflicting headers and non-monotonic times freeze, evidence is kept).
//!
//! ```text
//! init      = options (32 bytes) | consensus state (state.rs; its set's proofs are checked)
//! update    = trusted_height u64 | BLS light block ([STRAIT-LC-BLS.3], the rest of the bytes)
//! evidence  = trusted_height_1 u64 | len u32 | BLS light block 1 | trusted_height_2 u64
//!             | BLS light block 2
//! freeze    = evidence as kept in the client state (state.rs)
//! store     = "s" -> client state | "c" || height u64 -> consensus state | "r" || height -> root
//! ```

use strait_primitives::{ChainId, DecodeError, Hash32, Height, Reader, Timestamp};
use strait_verifier::{
    ClientRead, ClientStatus, ClientStore, StoreError, Updated, Verifier, VerifierError,
    VerifierKind,
};

use super::state::{BlsClientState, BlsConsensusState, BlsEvidence};
use super::{check_bls_misbehaviour, verify_bls, BlsCommit, BlsLightBlock, BlsMisbehaviourError};
use crate::state_codec::{put_options, read_options};
use crate::{ClientError, Header, MisbehaviourKind, Options, Verdict, MAX_CONSENSUS_STATES};

const STATE: &[u8] = b"s";
const CONSENSUS: u8 = b'c';
const ROOT: u8 = b'r';
const KIND: VerifierKind = VerifierKind::BFT_BLS;

fn at(prefix: u8, height: Height) -> [u8; 9] {
    let mut key = [prefix; 9];
    key[1..].copy_from_slice(&height.to_be_bytes());
    key
}

/// The BLS header kind.
#[derive(Clone, Copy, Debug, Default)]
pub struct BlsHeaderVerifier;

/// Encodes a new client's initial trust: its options and a trusted consensus state.
pub fn encode_init(options: &Options, trusted: &BlsConsensusState) -> Vec<u8> {
    let mut out = Vec::new();
    put_options(options, &mut out);
    out.extend_from_slice(&trusted.encode());
    out
}

/// Encodes an update: verify `block` from the stored state at `trusted_height`.
pub fn encode_update(trusted_height: Height, block: &BlsLightBlock) -> Vec<u8> {
    [trusted_height.to_be_bytes().as_slice(), &block.encode()].concat()
}

/// Encodes standalone misbehaviour: two blocks, each with the stored height it verifies from.
pub fn encode_misbehaviour(
    first: (Height, &BlsLightBlock),
    second: (Height, &BlsLightBlock),
) -> Vec<u8> {
    let block_1 = first.1.encode();
    let mut out = first.0.to_be_bytes().to_vec();
    out.extend_from_slice(&(block_1.len() as u32).to_be_bytes());
    out.extend_from_slice(&block_1);
    out.extend_from_slice(&second.0.to_be_bytes());
    out.extend_from_slice(&second.1.encode());
    out
}

fn malformed(what: &'static str, error: impl std::fmt::Display) -> VerifierError {
    VerifierError::Malformed {
        kind: KIND,
        what,
        reason: error.to_string(),
    }
}

fn refused(error: ClientError) -> VerifierError {
    match error {
        ClientError::Store(e) => VerifierError::Store(e),
        e => VerifierError::Refused {
            kind: KIND,
            name: e.name(),
            transient: e.is_transient(),
            reason: e.to_string(),
        },
    }
}

fn from_verdict(verdict: Verdict) -> Result<(), ClientError> {
    match verdict {
        Verdict::Success => Ok(()),
        Verdict::NotYet(reason) => Err(ClientError::NotYet(reason)),
        Verdict::Invalid(error) => Err(ClientError::Invalid(error)),
    }
}

fn corrupt(what: &'static str, reason: impl ToString) -> StoreError {
    StoreError {
        what,
        reason: reason.to_string(),
    }
}

fn read_update(bytes: &[u8]) -> Result<(Height, BlsLightBlock), VerifierError> {
    let mut r = Reader::new(bytes);
    let trusted = Height(r.u64().map_err(|e| malformed("update", e))?);
    let block =
        BlsLightBlock::decode_unproven(r.rest()).map_err(|e| malformed("update BLS block", e))?;
    Ok((trusted, block))
}

type Evidence = ((Height, BlsLightBlock), (Height, BlsLightBlock));

fn read_misbehaviour(bytes: &[u8]) -> Result<Evidence, VerifierError> {
    let bad = |e: DecodeError| malformed("misbehaviour", e);
    let mut r = Reader::new(bytes);
    let height_1 = Height(r.u64().map_err(bad)?);
    let len = r
        .len_u32("BLS light block length", bytes.len())
        .map_err(bad)?;
    let block_1 = BlsLightBlock::decode_unproven(r.bytes(len).map_err(bad)?)
        .map_err(|e| malformed("misbehaviour", e))?;
    let height_2 = Height(r.u64().map_err(bad)?);
    let block_2 =
        BlsLightBlock::decode_unproven(r.rest()).map_err(|e| malformed("misbehaviour", e))?;
    Ok(((height_1, block_1), (height_2, block_2)))
}

/// `[STRAIT-VERIFIER.BFT-BLS]` cost of verifying the BLS block at the front of `r` from
/// `trusted`: one pairing for the aggregate, and for a skipping block one more per signer (its
/// proof of possession, in the worst case that the trusted set vouches for none of them,
/// `[STRAIT-LC-BLS.7]`). Reads the header and the commit only.
fn block_cost(trusted: Height, r: &mut Reader<'_>) -> Result<usize, DecodeError> {
    let header = Header::read(r)?;
    let commit = BlsCommit::read(r)?;
    let proofs = if trusted.checked_next() == Some(header.height) {
        0
    } else {
        commit.signers().count()
    };
    Ok(1 + proofs)
}

/// Reads and writes a client's records in its scoped store.
struct Kv<'s, T: ?Sized>(&'s T);

impl<T: ClientRead + ?Sized> Kv<'_, T> {
    fn state(&self) -> Result<BlsClientState, StoreError> {
        let raw = self
            .0
            .get(STATE)
            .ok_or_else(|| corrupt("bls client state", "the client has no stored state"))?;
        BlsClientState::decode(raw).map_err(|e| corrupt("bls client state", e))
    }

    fn consensus(&self, raw: Option<&[u8]>) -> Result<Option<BlsConsensusState>, StoreError> {
        raw.map(|raw| {
            BlsConsensusState::decode_stored(raw).map_err(|e| corrupt("bls consensus state", e))
        })
        .transpose()
    }

    fn consensus_at(&self, height: Height) -> Result<Option<BlsConsensusState>, StoreError> {
        self.consensus(self.0.get(&at(CONSENSUS, height)))
    }

    fn neighbours(
        &self,
        height: Height,
    ) -> Result<(Option<BlsConsensusState>, Option<BlsConsensusState>), StoreError> {
        let (below, above) = self.0.neighbours(&[CONSENSUS], &at(CONSENSUS, height));
        Ok((self.consensus(below)?, self.consensus(above)?))
    }

    /// The active client's state; a frozen client refuses (`Frozen`).
    fn active(&self) -> Result<BlsClientState, ClientError> {
        let state = self.state()?;
        if state.frozen.is_some() {
            return Err(ClientError::Frozen);
        }
        Ok(state)
    }

    /// Verifies `block` from the consensus state stored at `trusted`.
    fn verify_from(
        &self,
        state: &BlsClientState,
        trusted: Height,
        block: &BlsLightBlock,
        now: Timestamp,
    ) -> Result<BlsConsensusState, ClientError> {
        let trusted_state = self
            .consensus_at(trusted)?
            .ok_or(ClientError::ConsensusStateNotFound { height: trusted })?;
        from_verdict(verify_bls(
            block,
            &trusted_state.trusted_state(state.chain_id),
            &state.options,
            now,
        ))?;
        Ok(BlsConsensusState::from_block(block))
    }
}

fn store_consensus(store: &mut dyn ClientStore, consensus: &BlsConsensusState) {
    let height = consensus.header.height;
    store.put(&at(ROOT, height), consensus.header.outbox_root.0.to_vec());
    store.put(&at(CONSENSUS, height), consensus.encode());
    let excess = store
        .count_prefix(&[CONSENSUS])
        .saturating_sub(MAX_CONSENSUS_STATES);
    for _ in 0..excess {
        let Some((key, _)) = store.first_with_prefix(&[CONSENSUS]) else {
            break;
        };
        let mut root = key.clone();
        root[0] = ROOT;
        store.delete(&key);
        store.delete(&root);
    }
}

fn freeze(store: &mut dyn ClientStore, evidence: BlsEvidence) -> Result<(), StoreError> {
    let mut state = Kv(&*store).state()?;
    if state.frozen.is_none() {
        state.frozen = Some(evidence);
        store.put(STATE, state.encode());
    }
    Ok(())
}

/// What an update decided (`[STRAIT-LC-CLIENT.2]`, in BLS mode).
enum Outcome {
    Verified(BlsConsensusState),
    Duplicate,
    Misbehaviour(BlsEvidence),
}

fn validate_update(
    store: &dyn ClientRead,
    trusted: Height,
    block: &BlsLightBlock,
    now: Timestamp,
) -> Result<Outcome, ClientError> {
    let kv = Kv(store);
    let state = kv.active()?;
    let existing = kv.consensus_at(block.header.height)?;
    if existing
        .as_ref()
        .is_some_and(|e| e.header.header_hash == block.header.hash())
    {
        return Ok(Outcome::Duplicate);
    }
    let new = kv.verify_from(&state, trusted, block, now)?;
    let evidence = |kind, first: &BlsConsensusState, second: &BlsConsensusState| {
        Outcome::Misbehaviour(BlsEvidence {
            kind,
            first: first.header,
            second: second.header,
        })
    };
    if let Some(existing) = existing {
        return Ok(evidence(
            MisbehaviourKind::ConflictingHeaders,
            &existing,
            &new,
        ));
    }
    let (before, after) = kv.neighbours(new.header.height)?;
    if let Some(before) = before.filter(|b| b.header.timestamp >= new.header.timestamp) {
        return Ok(evidence(MisbehaviourKind::NonMonotonicTime, &before, &new));
    }
    if let Some(after) = after.filter(|a| a.header.timestamp <= new.header.timestamp) {
        return Ok(evidence(MisbehaviourKind::NonMonotonicTime, &new, &after));
    }
    Ok(Outcome::Verified(new))
}

impl Verifier for BlsHeaderVerifier {
    fn kind(&self) -> VerifierKind {
        KIND
    }

    fn name(&self) -> &'static str {
        "bft-bls"
    }

    fn create(
        &self,
        store: &mut dyn ClientStore,
        source: ChainId,
        init: &[u8],
    ) -> Result<Height, VerifierError> {
        let mut r = Reader::new(init);
        let options = read_options(&mut r).map_err(|e| malformed("init options", e))?;
        let trusted = BlsConsensusState::decode(r.rest())
            .map_err(|e| malformed("init consensus state", e))?;
        options
            .validate()
            .map_err(|e| refused(ClientError::Options(e)))?;
        let height = trusted.header.height;
        let state = BlsClientState {
            chain_id: source,
            options,
            latest_height: height,
            frozen: None,
        };
        store.put(STATE, state.encode());
        store_consensus(store, &trusted);
        Ok(height)
    }

    /// One pairing per validator of the trusted set: its proofs of possession are checked.
    fn create_cost(&self, init: &[u8]) -> Result<usize, VerifierError> {
        let mut r = Reader::new(init);
        let bad = |e: DecodeError| malformed("init", e);
        read_options(&mut r).map_err(bad)?;
        r.bytes(super::state::SUMMARY_LEN).map_err(bad)?;
        r.len_u32("BLS validator count", crate::MAX_VALIDATORS)
            .map_err(bad)
    }

    fn update_cost(&self, update: &[u8]) -> Result<usize, VerifierError> {
        let mut r = Reader::new(update);
        let trusted = Height(r.u64().map_err(|e| malformed("update", e))?);
        block_cost(trusted, &mut r).map_err(|e| malformed("update BLS block", e))
    }

    fn misbehaviour_cost(&self, evidence: &[u8]) -> Result<usize, VerifierError> {
        let bad = |e: DecodeError| malformed("misbehaviour", e);
        let mut r = Reader::new(evidence);
        let height_1 = Height(r.u64().map_err(bad)?);
        let len = r
            .len_u32("BLS light block length", evidence.len())
            .map_err(bad)?;
        let first =
            block_cost(height_1, &mut Reader::new(r.bytes(len).map_err(bad)?)).map_err(bad)?;
        let height_2 = Height(r.u64().map_err(bad)?);
        let second = block_cost(height_2, &mut r).map_err(bad)?;
        Ok(first + second)
    }

    fn update(
        &self,
        store: &mut dyn ClientStore,
        update: &[u8],
        now: Timestamp,
    ) -> Result<Updated, VerifierError> {
        let (trusted, block) = read_update(update)?;
        match validate_update(&*store, trusted, &block, now).map_err(refused)? {
            Outcome::Duplicate => Ok(Updated::Duplicate),
            Outcome::Misbehaviour(evidence) => {
                freeze(store, evidence)?;
                Ok(Updated::Misbehaviour {
                    evidence: evidence.encode(),
                })
            }
            Outcome::Verified(consensus) => {
                let mut state = Kv(&*store).state()?;
                if consensus.header.height > state.latest_height {
                    state.latest_height = consensus.header.height;
                    store.put(STATE, state.encode());
                }
                store_consensus(store, &consensus);
                Ok(Updated::Verified {
                    height: consensus.header.height,
                    root: consensus.header.outbox_root,
                })
            }
        }
    }

    /// `[STRAIT-LC-BLS.6]` Both blocks must verify from stored states and conflict; forged
    /// evidence (a block that does not verify, two that agree) changes nothing.
    fn submit_misbehaviour(
        &self,
        store: &mut dyn ClientStore,
        evidence: &[u8],
        now: Timestamp,
    ) -> Result<(), VerifierError> {
        let ((height_1, block_1), (height_2, block_2)) = read_misbehaviour(evidence)?;
        let kv = Kv(&*store);
        let state = kv.active().map_err(refused)?;
        let trusted = |height| {
            kv.consensus_at(height)?
                .ok_or(ClientError::ConsensusStateNotFound { height })
                .map_err(refused)
        };
        let (trusted_1, trusted_2) = (trusted(height_1)?, trusted(height_2)?);
        let kind = check_bls_misbehaviour(
            (&block_1, &trusted_1.trusted_state(state.chain_id)),
            (&block_2, &trusted_2.trusted_state(state.chain_id)),
            &state.options,
            now,
        )
        .map_err(|e| match e {
            BlsMisbehaviourError::Unverified { verdict, .. } => refused(match verdict {
                Verdict::NotYet(reason) => ClientError::NotYet(reason),
                Verdict::Invalid(error) => ClientError::Invalid(error),
                // Only a block that did not verify is `Unverified`.
                Verdict::Success => ClientError::NotMisbehaviour {
                    height_1: block_1.header.height,
                    height_2: block_2.header.height,
                },
            }),
            BlsMisbehaviourError::NotMisbehaviour { height_1, height_2 } => {
                refused(ClientError::NotMisbehaviour { height_1, height_2 })
            }
        })?;
        let (a, b) = (
            BlsConsensusState::from_block(&block_1).header,
            BlsConsensusState::from_block(&block_2).header,
        );
        let (first, second) = if a.height <= b.height { (a, b) } else { (b, a) };
        freeze(
            store,
            BlsEvidence {
                kind,
                first,
                second,
            },
        )?;
        Ok(())
    }

    fn freeze(&self, store: &mut dyn ClientStore, evidence: &[u8]) -> Result<(), VerifierError> {
        let evidence = BlsEvidence::decode(evidence).map_err(|e| malformed("evidence", e))?;
        Ok(freeze(store, evidence)?)
    }

    fn status(&self, store: &dyn ClientRead) -> Result<ClientStatus, VerifierError> {
        Ok(if Kv(store).state()?.frozen.is_some() {
            ClientStatus::Frozen
        } else {
            ClientStatus::Active
        })
    }

    fn latest_height(&self, store: &dyn ClientRead) -> Result<Height, VerifierError> {
        Ok(Kv(store).state()?.latest_height)
    }

    fn verified_root(
        &self,
        store: &dyn ClientRead,
        height: Height,
    ) -> Result<Option<Hash32>, VerifierError> {
        store
            .get(&at(ROOT, height))
            .map(|raw| {
                raw.try_into()
                    .map(Hash32)
                    .map_err(|_| VerifierError::Store(corrupt("verified root", "not 32 bytes")))
            })
            .transpose()
    }
}

/// The client state a BLS-mode client keeps in `store` (for hosts and tools that inspect it).
pub fn stored_client_state(store: &dyn ClientRead) -> Result<BlsClientState, StoreError> {
    Kv(store).state()
}

/// The consensus state a BLS-mode client keeps in `store` at `height`, if any.
pub fn stored_consensus_state(
    store: &dyn ClientRead,
    height: Height,
) -> Result<Option<BlsConsensusState>, StoreError> {
    Kv(store).consensus_at(height)
}
