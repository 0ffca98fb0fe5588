//! The BFT light client as a verifier kind (`[STRAIT-VERIFIER.BFT]`): [`BftVerifier`] runs the
//! client state machine of [`crate::client`] over the client store a host scopes to one client.
//!
//! ```text
//! init        = options (32 bytes, [STRAIT-LC-CLIENT.7]) | trusted consensus state
//! update      = trusted_height u64 | light block (§5.1)
//! evidence    = trusted_height_1 u64 | u32 len | light block 1 | trusted_height_2 u64 | light block 2
//! store keys  = "s" -> client state | "c" || height u64 -> consensus state
//!               | "r" || height u64 -> outbox root (32 bytes)
//! ```
//!
//! The root of each consensus state is stored on its own as well, so the endpoint's question
//! "which root did this client verify at height h" reads 32 bytes instead of decoding a validator
//! set. At most [`MAX_CONSENSUS_STATES`] heights are kept; storing one more deletes the lowest.

use strait_primitives::{ChainId, DecodeError, Hash32, Height, Reader, Timestamp};
use strait_verifier::{
    ClientRead, ClientStatus, ClientStore, StoreError, Updated, Verifier, VerifierError,
    VerifierKind,
};

use crate::block::SignedHeader;
use crate::client::{
    execute_misbehaviour, execute_update, submit_misbehaviour, validate_update, ClientError,
    ClientReader, ClientState, ClientWriter, ConsensusState, Evidence, Misbehaviour, UpdateOutcome,
};
use crate::state_codec::{put_options, read_options, StateDecodeError};
use crate::{LightBlock, Options, MAX_CONSENSUS_STATES};

const STATE: &[u8] = b"s";
const CONSENSUS: &[u8] = b"c";
const ROOT: &[u8] = b"r";
const KIND: VerifierKind = VerifierKind::BFT;

fn at(prefix: &[u8], height: Height) -> [u8; 9] {
    let mut key = [0; 9];
    key[0] = prefix[0];
    key[1..].copy_from_slice(&height.to_be_bytes());
    key
}

/// The BFT light client kind.
#[derive(Clone, Copy, Debug, Default)]
pub struct BftVerifier;

/// Encodes the initial trust of a new client: its options and a trusted consensus state.
pub fn encode_init(options: &Options, trusted: &ConsensusState) -> Vec<u8> {
    let mut out = Vec::new();
    put_options(options, &mut out);
    trusted.encode_into(&mut out);
    out
}

/// The BFT client kept in `store`, as the client state machine's storage: what
/// [`crate::client`]'s functions read and write. Its writes follow the kind's layout (roots stored
/// apart, at most [`MAX_CONSENSUS_STATES`] heights); they verify nothing.
pub fn client_store(store: &mut dyn ClientStore) -> impl ClientWriter + '_ {
    KvMut(store)
}

/// The client state a BFT client keeps in `store` (for hosts and tools that inspect it).
pub fn stored_client_state(store: &dyn ClientRead) -> Result<ClientState, StoreError> {
    Kv(store).client_state()
}

/// The consensus state a BFT client keeps in `store` at `height`, if any.
pub fn stored_consensus_state(
    store: &dyn ClientRead,
    height: Height,
) -> Result<Option<ConsensusState>, StoreError> {
    Kv(store).consensus_state(height)
}

/// Encodes an update: verify `block` from the stored state at `trusted_height`.
pub fn encode_update(trusted_height: Height, block: &LightBlock) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + block.encode().len());
    out.extend_from_slice(&trusted_height.to_be_bytes());
    block.encode_into(&mut out);
    out
}

/// Decodes an update's bytes.
pub fn decode_update(bytes: &[u8]) -> Result<(Height, LightBlock), VerifierError> {
    let mut r = Reader::new(bytes);
    let trusted = Height(r.u64().map_err(|e| malformed("update", e))?);
    let block = LightBlock::decode(r.rest()).map_err(|e| malformed("update light block", e))?;
    Ok((trusted, block))
}

/// Encodes standalone misbehaviour evidence: two headers, each with the height it verifies from.
pub fn encode_misbehaviour(m: &Misbehaviour) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&m.trusted_height_1.to_be_bytes());
    let first = m.block_1.encode();
    out.extend_from_slice(&(first.len() as u32).to_be_bytes());
    out.extend_from_slice(&first);
    out.extend_from_slice(&m.trusted_height_2.to_be_bytes());
    m.block_2.encode_into(&mut out);
    out
}

/// Decodes standalone misbehaviour evidence.
pub fn decode_misbehaviour(bytes: &[u8]) -> Result<Misbehaviour, VerifierError> {
    let mut r = Reader::new(bytes);
    let trusted_height_1 = Height(r.u64().map_err(|e| malformed("misbehaviour", e))?);
    let len = r
        .len_u32("light block length", bytes.len())
        .map_err(|e| malformed("misbehaviour", e))?;
    let block_1 = LightBlock::decode(r.bytes(len).map_err(|e| malformed("misbehaviour", e))?)
        .map_err(|e| malformed("misbehaviour", e))?;
    let trusted_height_2 = Height(r.u64().map_err(|e| malformed("misbehaviour", e))?);
    let block_2 = LightBlock::decode(r.rest()).map_err(|e| malformed("misbehaviour", e))?;
    Ok(Misbehaviour {
        trusted_height_1,
        block_1,
        trusted_height_2,
        block_2,
    })
}

/// The number of signatures of the commit at the front of `r`, read without decoding keys.
fn commit_signatures(r: &mut Reader<'_>) -> Result<usize, DecodeError> {
    Ok(SignedHeader::read(r)?.commit.signatures.len())
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

fn stored<T>(
    what: &'static str,
    raw: &[u8],
    decode: impl FnOnce(&[u8]) -> Result<T, StateDecodeError>,
) -> Result<T, StoreError> {
    decode(raw).map_err(|e| StoreError {
        what,
        reason: e.to_string(),
    })
}

/// The client-state machine's view of a host store: reads.
struct Kv<'s, T: ?Sized>(&'s T);

/// The client-state machine's view of a host store: reads and writes.
struct KvMut<'s>(&'s mut dyn ClientStore);

impl<T: ClientRead + ?Sized> Kv<'_, T> {
    fn state(&self) -> Result<ClientState, StoreError> {
        let raw = self.0.get(STATE).ok_or_else(|| StoreError {
            what: "client state",
            reason: "the client has no stored state".into(),
        })?;
        stored("client state", raw, ClientState::decode)
    }

    fn consensus(&self, raw: Option<&[u8]>) -> Result<Option<ConsensusState>, StoreError> {
        raw.map(|raw| stored("consensus state", raw, ConsensusState::decode))
            .transpose()
    }
}

impl<T: ClientRead + ?Sized> ClientReader for Kv<'_, T> {
    fn client_state(&self) -> Result<ClientState, StoreError> {
        self.state()
    }
    fn consensus_state(&self, height: Height) -> Result<Option<ConsensusState>, StoreError> {
        self.consensus(self.0.get(&at(CONSENSUS, height)))
    }
    fn consensus_state_before(&self, height: Height) -> Result<Option<ConsensusState>, StoreError> {
        self.consensus(self.0.neighbours(CONSENSUS, &at(CONSENSUS, height)).0)
    }
    fn consensus_state_after(&self, height: Height) -> Result<Option<ConsensusState>, StoreError> {
        self.consensus(self.0.neighbours(CONSENSUS, &at(CONSENSUS, height)).1)
    }
}

impl ClientReader for KvMut<'_> {
    fn client_state(&self) -> Result<ClientState, StoreError> {
        Kv(&*self.0).client_state()
    }
    fn consensus_state(&self, height: Height) -> Result<Option<ConsensusState>, StoreError> {
        Kv(&*self.0).consensus_state(height)
    }
    fn consensus_state_before(&self, height: Height) -> Result<Option<ConsensusState>, StoreError> {
        Kv(&*self.0).consensus_state_before(height)
    }
    fn consensus_state_after(&self, height: Height) -> Result<Option<ConsensusState>, StoreError> {
        Kv(&*self.0).consensus_state_after(height)
    }
}

impl ClientWriter for KvMut<'_> {
    fn store_client_state(&mut self, state: ClientState) {
        self.0.put(STATE, state.encode());
    }
    fn store_consensus_state(&mut self, state: ConsensusState) {
        self.0
            .put(&at(ROOT, state.height), state.outbox_root.0.to_vec());
        self.0.put(&at(CONSENSUS, state.height), state.encode());
        let excess = self
            .0
            .count_prefix(CONSENSUS)
            .saturating_sub(MAX_CONSENSUS_STATES);
        for _ in 0..excess {
            let Some((key, _)) = self.0.first_with_prefix(CONSENSUS) else {
                break;
            };
            let mut root = key.clone();
            root[0] = ROOT[0];
            self.0.delete(&key);
            self.0.delete(&root);
        }
    }
}

impl Verifier for BftVerifier {
    fn kind(&self) -> VerifierKind {
        KIND
    }

    fn name(&self) -> &'static str {
        "bft"
    }

    fn create(
        &self,
        store: &mut dyn ClientStore,
        source: ChainId,
        init: &[u8],
    ) -> Result<Height, VerifierError> {
        let mut r = Reader::new(init);
        let options = read_options(&mut r).map_err(|e| malformed("init options", e))?;
        let trusted =
            ConsensusState::decode(r.rest()).map_err(|e| malformed("init consensus state", e))?;
        options
            .validate()
            .map_err(|e| refused(ClientError::Options(e)))?;
        let height = trusted.height;
        let mut kv = KvMut(store);
        kv.store_client_state(ClientState {
            chain_id: source,
            options,
            latest_height: height,
            frozen: None,
        });
        kv.store_consensus_state(trusted);
        Ok(height)
    }

    /// Creation checks no signature: the trusted consensus state is the creator's word.
    fn create_cost(&self, _init: &[u8]) -> Result<usize, VerifierError> {
        Ok(0)
    }

    fn update_cost(&self, update: &[u8]) -> Result<usize, VerifierError> {
        let mut r = Reader::new(update);
        r.u64().map_err(|e| malformed("update", e))?;
        commit_signatures(&mut r).map_err(|e| malformed("update light block", e))
    }

    fn misbehaviour_cost(&self, evidence: &[u8]) -> Result<usize, VerifierError> {
        let mut r = Reader::new(evidence);
        r.u64().map_err(|e| malformed("misbehaviour", e))?;
        let len = r
            .len_u32("light block length", evidence.len())
            .map_err(|e| malformed("misbehaviour", e))?;
        let first = commit_signatures(&mut Reader::new(
            r.bytes(len).map_err(|e| malformed("misbehaviour", e))?,
        ))
        .map_err(|e| malformed("misbehaviour", e))?;
        r.u64().map_err(|e| malformed("misbehaviour", e))?;
        let second = commit_signatures(&mut r).map_err(|e| malformed("misbehaviour", e))?;
        Ok(first + second)
    }

    fn update(
        &self,
        store: &mut dyn ClientStore,
        update: &[u8],
        now: Timestamp,
    ) -> Result<Updated, VerifierError> {
        let (trusted, block) = decode_update(update)?;
        let mut kv = KvMut(store);
        let outcome = validate_update(&kv, trusted, &block, now).map_err(refused)?;
        execute_update(&mut kv, &outcome).map_err(refused)?;
        Ok(match outcome {
            UpdateOutcome::Verified(consensus) => Updated::Verified {
                height: consensus.height,
                root: consensus.outbox_root,
            },
            UpdateOutcome::Duplicate => Updated::Duplicate,
            UpdateOutcome::Misbehaviour(evidence) => Updated::Misbehaviour {
                evidence: evidence.encode(),
            },
        })
    }

    fn submit_misbehaviour(
        &self,
        store: &mut dyn ClientStore,
        evidence: &[u8],
        now: Timestamp,
    ) -> Result<(), VerifierError> {
        let misbehaviour = decode_misbehaviour(evidence)?;
        submit_misbehaviour(&mut KvMut(store), &misbehaviour, now).map_err(refused)?;
        Ok(())
    }

    fn freeze(&self, store: &mut dyn ClientStore, evidence: &[u8]) -> Result<(), VerifierError> {
        let evidence = Evidence::decode(evidence).map_err(|e| malformed("evidence", e))?;
        execute_misbehaviour(&mut KvMut(store), evidence).map_err(refused)
    }

    fn status(&self, store: &dyn ClientRead) -> Result<ClientStatus, VerifierError> {
        Ok(if Kv(store).state()?.is_frozen() {
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
                raw.try_into().map(Hash32).map_err(|_| {
                    VerifierError::Store(StoreError {
                        what: "verified root",
                        reason: format!("{} bytes, expected 32", raw.len()),
                    })
                })
            })
            .transpose()
    }
}
