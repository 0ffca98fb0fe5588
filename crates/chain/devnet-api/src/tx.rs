//! Signed transactions of the devnet chain and their canonical encoding (`docs/SPEC.md` §6).
//!
//! ```text
//! signed tx = version u8 (=1) | chain_id u64 | signer [32] | nonce u64 | body | signature [64]
//! digest    = keccak256("STRAIT/DEVNET/TX/v1" || signed tx without its signature)
//! ```
//! The signature is ed25519 by `signer` (the account's public key, which is its address) over the
//! 32-byte digest. The chain id in the signed bytes stops replay on another chain; the account nonce
//! stops replay on the same chain. The digest is the transaction hash.

use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
pub use strait_attest::announce::Announcement;
use strait_endpoint::BatchDelivery;
pub use strait_endpoint::PauseScope;
use strait_light_client::{LightBlock, ValidatorSet};
use strait_merkle::MultiProof;
pub use strait_optimistic::{Conflict, Proposal};
use strait_packet::{DeliveryOptions, Packet, MAX_PAYLOAD_LEN};
use strait_primitives::{
    keccak256_concat, Address32, ChainId, ClientId, DecodeError, Hash32, Height, Reader, RouteId,
    Timestamp,
};
pub use strait_verifier::VerifierKind;

use crate::keys::AccountKey;

/// Domain of the transaction digest.
pub const TX_DOMAIN: &[u8] = b"STRAIT/DEVNET/TX/v1";
/// Transaction encoding version.
pub const TX_VERSION: u8 = 1;
/// Largest encoded transaction: 16 MiB. Relayers split batches to fit.
pub const MAX_TX_LEN: usize = 16 * 1024 * 1024;
/// Most client updates in one relay transaction.
pub const MAX_UPDATES_PER_TX: usize = 16;
/// Most delivery batches in one relay transaction.
pub const MAX_BATCHES_PER_TX: usize = 16;
/// Most route advances (`[STRAIT-RECV.11]`) in one relay transaction.
pub const MAX_ADVANCES_PER_TX: usize = 16;
/// Largest data of an application call.
pub const MAX_APP_CALL_LEN: usize = MAX_PAYLOAD_LEN;
/// Longest initial trust of a new client: a BFT consensus state with the largest validator set.
pub const MAX_CLIENT_INIT_LEN: usize =
    64 + strait_light_client::state_codec::MAX_CONSENSUS_STATE_LEN;

const TAG_SEND: u8 = 1;
const TAG_APP_CALL: u8 = 2;
const TAG_RELAY: u8 = 3;
const TAG_MISBEHAVIOUR: u8 = 4;
const TAG_SET_VALIDATORS: u8 = 5;
const TAG_CREATE_CLIENT: u8 = 6;
const TAG_RETRY: u8 = 7;
const TAG_FINALIZE_FAILED: u8 = 8;
const TAG_SET_PAUSE: u8 = 9;
const TAG_SET_FEE_ORACLE: u8 = 10;
const TAG_PROPOSE_ROOT: u8 = 12;
const TAG_SUBMIT_CONFLICT: u8 = 13;
const TAG_CLIENT_PAUSE: u8 = 14;
/// `ClientPause` action: a watcher pauses (`[STRAIT-OPT.5]`).
const CLIENT_PAUSE_WATCHER: u8 = 1;
/// `ClientPause` action: guardians resume (`[STRAIT-OPT.6]`).
const CLIENT_PAUSE_RESUME: u8 = 0;
const TAG_ANNOUNCE_ATTESTER: u8 = 15;

/// Most guardian approvals in one pause or unpause.
pub const MAX_GUARDIAN_APPROVALS: usize = 16;

/// Domain of the digest guardians sign to pause or unpause (`[STRAIT-PAUSE.3]`).
pub const PAUSE_DOMAIN: &[u8] = b"STRAIT/DEVNET/PAUSE/v1";

/// The digest guardians of `chain_id` sign to set `scope` paused (or not), as the `counter`-th
/// pause or unpause of the chain: `keccak256("STRAIT/DEVNET/PAUSE/v1" || u64 chain_id || scope ||
/// paused u8 || u64 counter)`. The counter makes every approval single-use.
pub fn pause_digest(chain_id: ChainId, scope: &PauseScope, paused: bool, counter: u64) -> Hash32 {
    keccak256_concat(&[
        PAUSE_DOMAIN,
        &chain_id.to_be_bytes(),
        &scope.encode(),
        &[u8::from(paused)],
        &counter.to_be_bytes(),
    ])
}

/// Domain of the digest guardians sign to resume a client a watcher paused (`[STRAIT-OPT.6]`).
pub const CLIENT_RESUME_DOMAIN: &[u8] = b"STRAIT/DEVNET/CLIENT-RESUME/v1";

/// The digest guardians of `chain_id` sign to resume the paused client `client`, as the
/// `counter`-th guardian decision of the chain (the pause counter, `[STRAIT-PAUSE.3]`):
/// `keccak256("STRAIT/DEVNET/CLIENT-RESUME/v1" || u64 chain_id || u64 client || u64 counter)`.
pub fn client_resume_digest(chain_id: ChainId, client: ClientId, counter: u64) -> Hash32 {
    keccak256_concat(&[
        CLIENT_RESUME_DOMAIN,
        &chain_id.to_be_bytes(),
        &client.to_be_bytes(),
        &counter.to_be_bytes(),
    ])
}

/// Domain of the digest guardians sign to change a fee oracle entry (`[STRAIT-FEE.5]`).
pub const FEE_ORACLE_DOMAIN: &[u8] = b"STRAIT/DEVNET/FEE-ORACLE/v1";

/// A fee oracle entry as a transaction carries it: `gas_price | base_delivery | per_byte |
/// ack_fee`, u128 each (`[STRAIT-FEE.5]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OracleEntry {
    /// Per unit of gas.
    pub gas_price: u128,
    /// To the deliverer whatever the gas.
    pub base_delivery: u128,
    /// Per payload byte, to the deliverer.
    pub per_byte: u128,
    /// To the relayer that proves the outcome back.
    pub ack_fee: u128,
}

impl OracleEntry {
    /// The four amounts, big-endian, in order.
    pub fn encode(&self) -> Vec<u8> {
        [
            self.gas_price,
            self.base_delivery,
            self.per_byte,
            self.ack_fee,
        ]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect()
    }
}

/// The digest guardians of `chain_id` sign to set the fee oracle entry of `destination` to
/// `entry`, as the `counter`-th oracle change of the chain: `keccak256("STRAIT/DEVNET/FEE-ORACLE/v1"
/// || u64 chain_id || u64 destination || entry || u64 counter)`. The counter makes every approval
/// single-use.
pub fn fee_oracle_digest(
    chain_id: ChainId,
    destination: ChainId,
    entry: &OracleEntry,
    counter: u64,
) -> Hash32 {
    keccak256_concat(&[
        FEE_ORACLE_DOMAIN,
        &chain_id.to_be_bytes(),
        &destination.to_be_bytes(),
        &entry.encode(),
        &counter.to_be_bytes(),
    ])
}

/// Domain of the digest the current validators sign to approve a validator-set change (v2: the
/// digest names the new BLS set too).
pub const VALSET_CHANGE_DOMAIN: &[u8] = b"STRAIT/DEVNET/VALSET-CHANGE/v2";

/// The digest validators of `chain_id` sign to approve replacing the set hashed `current` by the
/// set hashed `new`, whose BLS set ([`new_bls_set`]) hashes to `new_bls`, as the
/// `change_counter`-th change of the chain: `keccak256("STRAIT/DEVNET/VALSET-CHANGE/v2" || u64
/// chain_id || current || new || new_bls || u64 counter)`.
///
/// The counter makes every approval single-use: once a change executes, the counter moves on. The
/// BLS set's hash binds the BLS keys: whoever submits the change cannot swap them.
pub fn valset_change_digest(
    chain_id: ChainId,
    current: &Hash32,
    new: &Hash32,
    new_bls: &Hash32,
    change_counter: u64,
) -> Hash32 {
    keccak256_concat(&[
        VALSET_CHANGE_DOMAIN,
        &chain_id.to_be_bytes(),
        current.as_bytes(),
        new.as_bytes(),
        new_bls.as_bytes(),
        &change_counter.to_be_bytes(),
    ])
}

/// A validator's BLS key in a validator-set change (`[STRAIT-DEVNET.4]`): its key and proof of
/// possession, uncompressed (`[STRAIT-LC-BLS.1]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidatorBlsKey {
    /// The key, uncompressed G1.
    pub pub_key: [u8; 96],
    /// Its proof of possession, uncompressed G2.
    pub proof_of_possession: [u8; 192],
}

/// The BLS set of a change: validator `i` of `validators` with `bls_keys[i]` and its power, in BLS
/// key order. `prove` checks every key (in G1, not the identity) and proof of possession, one
/// pairing each; without it only that keys are curve points (enough for the set's hash).
pub fn new_bls_set(
    validators: &ValidatorSet,
    bls_keys: &[ValidatorBlsKey],
    prove: bool,
) -> Result<strait_light_client::bls::BlsValidatorSet, strait_light_client::bls::BlsValidatorSetError>
{
    use strait_light_client::bls::{BlsValidator, BlsValidatorSet};
    let mut set: Vec<BlsValidator> = validators
        .validators()
        .iter()
        .zip(bls_keys)
        .map(|(v, k)| BlsValidator {
            pub_key: k.pub_key,
            proof_of_possession: k.proof_of_possession,
            power: v.power,
        })
        .collect();
    set.sort_by_key(|v| v.pub_key);
    if prove {
        BlsValidatorSet::new(set)
    } else {
        BlsValidatorSet::new_unproven(set)
    }
}

/// Errors of transaction decoding and authentication.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TxError {
    /// The bytes are not a well-formed transaction.
    #[error("malformed transaction: {0}")]
    Decode(#[from] DecodeError),
    /// An embedded multiproof is malformed.
    #[error("malformed multiproof: {0}")]
    MultiProof(String),
    /// An embedded packet is malformed.
    #[error("malformed packet: {0}")]
    Packet(#[from] strait_packet::PacketError),
    /// The signer is not a valid ed25519 public key.
    #[error("signer is not a valid ed25519 public key")]
    BadSigner,
    /// The signature does not verify.
    #[error("invalid signature")]
    BadSignature,
    /// An embedded validator set is malformed or not canonical.
    #[error("malformed validator set: {0}")]
    ValidatorSet(String),
}

impl TxError {
    /// The protocol-level name of the error (`docs/SPEC.md` §0 and §6): the variant name, or the
    /// innermost cause's name for a decoding or packet failure. An embedded light block, multiproof
    /// or validator set that fails its own decoder is named `LightBlock`, `MultiProof` or
    /// `ValidatorSet` (the inner cause is kept only as text).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.name(),
            Self::MultiProof(_) => "MultiProof",
            Self::Packet(e) => e.name(),
            Self::BadSigner => "BadSigner",
            Self::BadSignature => "BadSignature",
            Self::ValidatorSet(_) => "ValidatorSet",
        }
    }
}

/// A client update (`[STRAIT-VERIFIER.2]`): the client `client`, of kind `kind`, verifies `body`,
/// the kind's encoding of an update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientUpdate {
    /// The client on this chain.
    pub client: ClientId,
    /// Its kind: an update naming another kind than the client's is refused before any work.
    pub kind: VerifierKind,
    /// The update, in the kind's encoding.
    pub body: Vec<u8>,
}

impl ClientUpdate {
    /// An update of the BFT light client `client`: verify `block` from the verified
    /// `trusted_height`.
    pub fn bft(client: ClientId, trusted_height: Height, block: &LightBlock) -> Self {
        Self {
            client,
            kind: VerifierKind::BFT,
            body: strait_light_client::kind::encode_update(trusted_height, block),
        }
    }

    /// An update of the BLS-mode light client `client` (kind 5): verify `block` from the
    /// verified `trusted_height`.
    pub fn bft_bls(
        client: ClientId,
        trusted_height: Height,
        block: &strait_light_client::bls::BlsLightBlock,
    ) -> Self {
        Self {
            client,
            kind: VerifierKind::BFT_BLS,
            body: strait_light_client::bls::kind::encode_update(trusted_height, block),
        }
    }
}

/// What a transaction does.
#[derive(Clone, Debug, PartialEq, Eq)]
// A transaction is decoded once and moved; it is never stored in bulk, so the size of the
// `Misbehaviour` variant (two light blocks inline) does not matter.
#[allow(clippy::large_enum_variant)]
pub enum TxBody {
    /// Send a message from the signer's account to an application on another chain.
    Send {
        /// Destination chain.
        destination_chain: ChainId,
        /// Receiving application.
        receiver: Address32,
        /// Ordering and timeouts.
        options: DeliveryOptions,
        /// Application data.
        payload: Vec<u8>,
        /// Gas bought on the destination (`[STRAIT-FEE.7]`): the quote is debited from the
        /// signer and locked with the send. 0 = unpaid (self-relay, or a relayer's goodwill).
        gas_limit: u64,
    },
    /// Call a built-in application of this chain (for example `ping` on the ping-pong app).
    AppCall {
        /// The application.
        app: Address32,
        /// Call data.
        data: Vec<u8>,
    },
    /// A relayer's work: client updates first, then route advances, then delivery batches.
    Relay {
        /// Light client updates, applied in order.
        updates: Vec<ClientUpdate>,
        /// Inbound routes whose contiguous counter to advance (`[STRAIT-RECV.11]`) before the
        /// deliveries, at most [`MAX_ADVANCES_PER_TX`].
        advances: Vec<RouteId>,
        /// Batches of messages with their multiproofs.
        batches: Vec<BatchDelivery>,
    },
    /// Evidence of misbehaviour, in the kind's encoding; freezes the client when it holds.
    Misbehaviour {
        /// The client to freeze.
        client: ClientId,
        /// Its kind.
        kind: VerifierKind,
        /// The evidence (for the BFT kind: two conflicting headers).
        evidence: Vec<u8>,
    },
    /// Pause or unpause the endpoint or an inbound route (`[STRAIT-PAUSE.3]`), approved by the
    /// chain's guardians over [`pause_digest`]: more of them to unpause than to pause.
    SetPause {
        /// What.
        scope: PauseScope,
        /// Pause (true) or unpause (false).
        paused: bool,
        /// `(guardian index, signature over the digest)`, indices strictly increasing.
        approvals: Vec<(u16, [u8; 64])>,
    },
    /// Set the fee oracle entry of a destination (`[STRAIT-FEE.5]`), approved by the chain's
    /// guardians over [`fee_oracle_digest`] (the unpause threshold): no single key sets prices.
    SetFeeOracle {
        /// The destination chain whose entry changes.
        destination: ChainId,
        /// The new entry.
        entry: OracleEntry,
        /// `(guardian index, signature over the digest)`, indices strictly increasing.
        approvals: Vec<(u16, [u8; 64])>,
    },
    /// Execute again a received message whose execution failed (`[STRAIT-RETRY.2]`); anyone may.
    RetryMessage {
        /// The message, as sent.
        packet: Packet,
    },
    /// Finalize as failed a received message whose execution failed (`[STRAIT-RETRY.4]`): its
    /// receiver at any time, anyone after the retry window. Its failure goes back to the sender.
    FinalizeFailed {
        /// The message, as sent.
        packet: Packet,
    },
    /// Create a client of `kind` following `source`, trusting `init` (the kind's encoding of an
    /// initial trust). Permissionless: a client vouches only for the receivers that choose it.
    CreateClient {
        /// The kind.
        kind: VerifierKind,
        /// The chain it follows.
        source: ChainId,
        /// The initial trust.
        init: Vec<u8>,
    },
    /// Propose a source outbox root to an optimistic client (`[STRAIT-OPT.3]`), bonding the
    /// client's bond from the signer.
    ProposeRoot {
        /// The optimistic client.
        client: ClientId,
        /// The source height, root and leaf count.
        proposal: Proposal,
    },
    /// Conflict evidence (`[STRAIT-CONFLICT.1]`): `accused` holds at `height` another root than
    /// the source's light client `reference` verified. Permissionless.
    SubmitConflict {
        /// The claim.
        conflict: Conflict,
    },
    /// A watcher of an optimistic client pauses it (`[STRAIT-OPT.5]`).
    WatcherPause {
        /// The optimistic client.
        client: ClientId,
    },
    /// Guardians resume an optimistic client a watcher paused (`[STRAIT-OPT.6]`), approved over
    /// [`client_resume_digest`] (the unpause threshold).
    ResumeClient {
        /// The optimistic client.
        client: ClientId,
        /// `(guardian index, signature over the digest)`, indices strictly increasing.
        approvals: Vec<(u16, [u8; 64])>,
    },
    /// Replace the validator set, approved by more than 2/3 of the current set's power over
    /// [`valset_change_digest`]. The new set becomes the next header's `next_validators` and signs
    /// from the block after that.
    SetValidators {
        /// The new set (canonical encoding on the wire).
        validators: ValidatorSet,
        /// The BLS key and proof of possession of each validator of `validators`, in its order.
        bls_keys: Vec<ValidatorBlsKey>,
        /// `(index in the current set, signature over the change digest)`, indices strictly
        /// increasing.
        approvals: Vec<(u16, [u8; 64])>,
    },
    /// An attester announces where relayers find its signatures (`[STRAIT-ATTEST.13]`), signed by
    /// its committee key; anyone may submit it.
    AnnounceAttester(Announcement),
}

/// An unsigned transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tx {
    /// Chain the transaction is for.
    pub chain_id: ChainId,
    /// The signing account (its ed25519 public key).
    pub signer: Address32,
    /// The account's nonce: 0 for its first transaction, then one more each time.
    pub nonce: u64,
    /// What it does.
    pub body: TxBody,
}

/// A transaction with its signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedTx {
    /// The transaction.
    pub tx: Tx,
    /// ed25519 signature of [`Tx::digest`] by `tx.signer`.
    pub signature: [u8; 64],
}

impl Tx {
    /// Canonical encoding without the signature.
    pub fn encode_unsigned(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        out.push(TX_VERSION);
        out.extend_from_slice(&self.chain_id.to_be_bytes());
        out.extend_from_slice(self.signer.as_bytes());
        out.extend_from_slice(&self.nonce.to_be_bytes());
        encode_body(&self.body, &mut out);
        out
    }

    /// The digest the signer signs; also the transaction hash.
    pub fn digest(&self) -> Hash32 {
        keccak256_concat(&[TX_DOMAIN, &self.encode_unsigned()])
    }

    /// Signs with `key`, whose address must be `self.signer`.
    pub fn sign(self, key: &AccountKey) -> SignedTx {
        debug_assert_eq!(
            key.address(),
            self.signer,
            "signing with another account's key"
        );
        let signature = key.sign_digest(&self.digest());
        SignedTx {
            tx: self,
            signature,
        }
    }
}

impl SignedTx {
    /// Canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.tx.encode_unsigned();
        out.extend_from_slice(&self.signature);
        out
    }

    /// Transaction hash (the signed digest).
    pub fn hash(&self) -> Hash32 {
        self.tx.digest()
    }

    /// Decodes untrusted bytes, with every length bounded. Does not check the signature.
    pub fn decode(bytes: &[u8]) -> Result<Self, TxError> {
        if bytes.len() > MAX_TX_LEN {
            return Err(DecodeError::TooLarge {
                what: "transaction",
                got: bytes.len() as u64,
                max: MAX_TX_LEN as u64,
            }
            .into());
        }
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != TX_VERSION {
            return Err(DecodeError::UnsupportedVersion {
                got: version,
                expected: TX_VERSION,
            }
            .into());
        }
        let chain_id = ChainId(r.u64()?);
        let signer = Address32(r.array()?);
        let nonce = r.u64()?;
        let body = decode_body(&mut r)?;
        let signature = r.array()?;
        r.finish()?;
        Ok(Self {
            tx: Tx {
                chain_id,
                signer,
                nonce,
                body,
            },
            signature,
        })
    }

    /// Checks the signature against the signer by the one ed25519 rule of the protocol
    /// (`[STRAIT-ED25519.1]`, ZIP 215, as for commit votes); a signer of small order is refused.
    pub fn verify_signature(&self) -> Result<(), TxError> {
        let key =
            VerifyingKey::from_bytes(self.tx.signer.as_bytes()).map_err(|_| TxError::BadSigner)?;
        if key.is_weak() {
            return Err(TxError::BadSigner);
        }
        strait_light_client::ed25519::verify_with_key(&key, self.hash().as_bytes(), &self.signature)
            .map_err(|_| TxError::BadSignature)
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn encode_body(body: &TxBody, out: &mut Vec<u8>) {
    match body {
        TxBody::Send {
            destination_chain,
            receiver,
            options,
            payload,
            gas_limit,
        } => {
            out.push(TAG_SEND);
            out.extend_from_slice(&destination_chain.to_be_bytes());
            out.extend_from_slice(receiver.as_bytes());
            out.push(u8::from(options.ordered));
            out.extend_from_slice(&options.timeout_height.map_or(0, Height::get).to_be_bytes());
            out.extend_from_slice(
                &options
                    .timeout_timestamp
                    .map_or(0, Timestamp::get)
                    .to_be_bytes(),
            );
            out.extend_from_slice(&gas_limit.to_be_bytes());
            put_bytes(out, payload);
        }
        TxBody::AppCall { app, data } => {
            out.push(TAG_APP_CALL);
            out.extend_from_slice(app.as_bytes());
            put_bytes(out, data);
        }
        TxBody::Relay {
            updates,
            advances,
            batches,
        } => {
            out.push(TAG_RELAY);
            out.extend_from_slice(&(updates.len() as u16).to_be_bytes());
            for u in updates {
                out.extend_from_slice(&u.client.to_be_bytes());
                out.extend_from_slice(&u.kind.to_be_bytes());
                put_bytes(out, &u.body);
            }
            out.extend_from_slice(&(advances.len() as u16).to_be_bytes());
            for route in advances {
                out.extend_from_slice(route.as_bytes());
            }
            out.extend_from_slice(&(batches.len() as u16).to_be_bytes());
            for b in batches {
                out.extend_from_slice(&b.proof_height.to_be_bytes());
                out.extend_from_slice(&(b.packets.len() as u16).to_be_bytes());
                for p in &b.packets {
                    put_bytes(out, &p.encode());
                }
                put_bytes(out, &b.proof.encode());
            }
        }
        TxBody::Misbehaviour {
            client,
            kind,
            evidence,
        } => {
            out.push(TAG_MISBEHAVIOUR);
            out.extend_from_slice(&client.to_be_bytes());
            out.extend_from_slice(&kind.to_be_bytes());
            put_bytes(out, evidence);
        }
        TxBody::SetPause {
            scope,
            paused,
            approvals,
        } => {
            out.push(TAG_SET_PAUSE);
            out.extend_from_slice(&scope.encode());
            out.push(u8::from(*paused));
            out.extend_from_slice(&(approvals.len() as u16).to_be_bytes());
            for (index, signature) in approvals {
                out.extend_from_slice(&index.to_be_bytes());
                out.extend_from_slice(signature);
            }
        }
        TxBody::SetFeeOracle {
            destination,
            entry,
            approvals,
        } => {
            out.push(TAG_SET_FEE_ORACLE);
            out.extend_from_slice(&destination.to_be_bytes());
            out.extend_from_slice(&entry.encode());
            out.extend_from_slice(&(approvals.len() as u16).to_be_bytes());
            for (index, signature) in approvals {
                out.extend_from_slice(&index.to_be_bytes());
                out.extend_from_slice(signature);
            }
        }
        TxBody::RetryMessage { packet } => {
            out.push(TAG_RETRY);
            put_bytes(out, &packet.encode());
        }
        TxBody::FinalizeFailed { packet } => {
            out.push(TAG_FINALIZE_FAILED);
            put_bytes(out, &packet.encode());
        }
        TxBody::CreateClient { kind, source, init } => {
            out.push(TAG_CREATE_CLIENT);
            out.extend_from_slice(&kind.to_be_bytes());
            out.extend_from_slice(&source.to_be_bytes());
            put_bytes(out, init);
        }
        TxBody::ProposeRoot { client, proposal } => {
            out.push(TAG_PROPOSE_ROOT);
            out.extend_from_slice(&client.to_be_bytes());
            out.extend_from_slice(&proposal.encode());
        }
        TxBody::SubmitConflict { conflict } => {
            out.push(TAG_SUBMIT_CONFLICT);
            out.extend_from_slice(&conflict.encode());
        }
        TxBody::WatcherPause { client } => {
            out.push(TAG_CLIENT_PAUSE);
            out.extend_from_slice(&client.to_be_bytes());
            out.push(CLIENT_PAUSE_WATCHER);
        }
        TxBody::ResumeClient { client, approvals } => {
            out.push(TAG_CLIENT_PAUSE);
            out.extend_from_slice(&client.to_be_bytes());
            out.push(CLIENT_PAUSE_RESUME);
            out.extend_from_slice(&(approvals.len() as u16).to_be_bytes());
            for (index, signature) in approvals {
                out.extend_from_slice(&index.to_be_bytes());
                out.extend_from_slice(signature);
            }
        }
        TxBody::SetValidators {
            validators,
            bls_keys,
            approvals,
        } => {
            out.push(TAG_SET_VALIDATORS);
            put_bytes(out, &validators.encode());
            out.extend_from_slice(&(bls_keys.len() as u16).to_be_bytes());
            for key in bls_keys {
                out.extend_from_slice(&key.pub_key);
                out.extend_from_slice(&key.proof_of_possession);
            }
            out.extend_from_slice(&(approvals.len() as u16).to_be_bytes());
            for (index, signature) in approvals {
                out.extend_from_slice(&index.to_be_bytes());
                out.extend_from_slice(signature);
            }
        }
        TxBody::AnnounceAttester(announcement) => {
            out.push(TAG_ANNOUNCE_ATTESTER);
            announcement.encode_into(out);
        }
    }
}

fn decode_body(r: &mut Reader<'_>) -> Result<TxBody, TxError> {
    let tag = r.u8()?;
    Ok(match tag {
        TAG_SEND => {
            let destination_chain = ChainId(r.u64()?);
            let receiver = Address32(r.array()?);
            let ordered = match r.u8()? {
                0 => false,
                1 => true,
                v => {
                    return Err(DecodeError::Invalid {
                        what: "ordered flag",
                        value: v.into(),
                    }
                    .into())
                }
            };
            let timeout_height = Some(Height(r.u64()?)).filter(|h| h.get() != 0);
            let timeout_timestamp = Some(Timestamp(r.u64()?)).filter(|t| t.get() != 0);
            let gas_limit = r.u64()?;
            let len = r.len_u32("payload length", MAX_PAYLOAD_LEN)?;
            let payload = r.bytes(len)?.to_vec();
            TxBody::Send {
                gas_limit,
                destination_chain,
                receiver,
                options: DeliveryOptions {
                    ordered,
                    timeout_height,
                    timeout_timestamp,
                },
                payload,
            }
        }
        TAG_APP_CALL => {
            let app = Address32(r.array()?);
            let len = r.len_u32("call data length", MAX_APP_CALL_LEN)?;
            TxBody::AppCall {
                app,
                data: r.bytes(len)?.to_vec(),
            }
        }
        TAG_RELAY => {
            let n = r.len_u16("client updates", MAX_UPDATES_PER_TX)?;
            let mut updates = Vec::with_capacity(n);
            for _ in 0..n {
                let client = ClientId(r.u64()?);
                let kind = VerifierKind(r.u16()?);
                let len = r.len_u32("client update length", MAX_TX_LEN)?;
                updates.push(ClientUpdate {
                    client,
                    kind,
                    body: r.bytes(len)?.to_vec(),
                });
            }
            let n = r.len_u16("route advances", MAX_ADVANCES_PER_TX)?;
            let mut advances = Vec::with_capacity(n);
            for _ in 0..n {
                advances.push(RouteId(r.array()?));
            }
            let n = r.len_u16("delivery batches", MAX_BATCHES_PER_TX)?;
            let mut batches = Vec::with_capacity(n);
            for _ in 0..n {
                let proof_height = Height(r.u64()?);
                let count = r.len_u16("batch packets", strait_endpoint::MAX_BATCH_LEN)?;
                let mut packets = Vec::with_capacity(count);
                for _ in 0..count {
                    let len =
                        r.len_u32("packet length", strait_packet::HEADER_LEN + MAX_PAYLOAD_LEN)?;
                    packets.push(Packet::decode(r.bytes(len)?)?);
                }
                let len = r.len_u32("multiproof length", MAX_TX_LEN)?;
                let proof = MultiProof::decode(r.bytes(len)?)
                    .map_err(|e| TxError::MultiProof(e.to_string()))?;
                batches.push(BatchDelivery {
                    packets,
                    proof,
                    proof_height,
                });
            }
            TxBody::Relay {
                updates,
                advances,
                batches,
            }
        }
        TAG_MISBEHAVIOUR => {
            let client = ClientId(r.u64()?);
            let kind = VerifierKind(r.u16()?);
            let len = r.len_u32("evidence length", MAX_TX_LEN)?;
            TxBody::Misbehaviour {
                client,
                kind,
                evidence: r.bytes(len)?.to_vec(),
            }
        }
        TAG_SET_PAUSE => {
            let scope = match r.u8()? {
                0 => PauseScope::Endpoint,
                1 => PauseScope::Route(RouteId(r.array()?)),
                2 => PauseScope::App {
                    app: Address32(r.array()?),
                    topic: Hash32(r.array()?),
                },
                v => {
                    return Err(DecodeError::Invalid {
                        what: "pause scope",
                        value: v.into(),
                    }
                    .into())
                }
            };
            let paused = match r.u8()? {
                0 => false,
                1 => true,
                v => {
                    return Err(DecodeError::Invalid {
                        what: "paused flag",
                        value: v.into(),
                    }
                    .into())
                }
            };
            let n = r.len_u16("guardian approvals", MAX_GUARDIAN_APPROVALS)?;
            let mut approvals = Vec::with_capacity(n);
            for _ in 0..n {
                approvals.push((r.u16()?, r.array()?));
            }
            TxBody::SetPause {
                scope,
                paused,
                approvals,
            }
        }
        TAG_SET_FEE_ORACLE => {
            let destination = ChainId(r.u64()?);
            let mut amount = || r.array().map(u128::from_be_bytes);
            let entry = OracleEntry {
                gas_price: amount()?,
                base_delivery: amount()?,
                per_byte: amount()?,
                ack_fee: amount()?,
            };
            let n = r.len_u16("guardian approvals", MAX_GUARDIAN_APPROVALS)?;
            let mut approvals = Vec::with_capacity(n);
            for _ in 0..n {
                approvals.push((r.u16()?, r.array()?));
            }
            TxBody::SetFeeOracle {
                destination,
                entry,
                approvals,
            }
        }
        TAG_RETRY | TAG_FINALIZE_FAILED => {
            let len = r.len_u32("packet length", strait_packet::HEADER_LEN + MAX_PAYLOAD_LEN)?;
            let packet = Packet::decode(r.bytes(len)?)?;
            if tag == TAG_RETRY {
                TxBody::RetryMessage { packet }
            } else {
                TxBody::FinalizeFailed { packet }
            }
        }
        TAG_CREATE_CLIENT => {
            let kind = VerifierKind(r.u16()?);
            let source = ChainId(r.u64()?);
            let len = r.len_u32("client init length", MAX_CLIENT_INIT_LEN)?;
            TxBody::CreateClient {
                kind,
                source,
                init: r.bytes(len)?.to_vec(),
            }
        }
        TAG_SET_VALIDATORS => {
            let len = r.len_u32(
                "validator set length",
                4 + strait_light_client::VALIDATOR_ENCODED_LEN
                    * strait_light_client::MAX_VALIDATORS,
            )?;
            let validators = ValidatorSet::decode(r.bytes(len)?)
                .map_err(|e| TxError::ValidatorSet(e.to_string()))?;
            let keys = r.len_u16("BLS keys", strait_light_client::MAX_VALIDATORS)?;
            if keys != validators.len() {
                return Err(DecodeError::Invalid {
                    what: "BLS key count (one per validator)",
                    value: keys as u64,
                }
                .into());
            }
            let mut bls_keys = Vec::with_capacity(keys);
            for _ in 0..keys {
                bls_keys.push(ValidatorBlsKey {
                    pub_key: r.array()?,
                    proof_of_possession: r.array()?,
                });
            }
            let n = r.len_u16("approvals", strait_light_client::MAX_VALIDATORS)?;
            let mut approvals = Vec::with_capacity(n);
            for _ in 0..n {
                let index = r.u16()?;
                approvals.push((index, r.array()?));
            }
            TxBody::SetValidators {
                validators,
                bls_keys,
                approvals,
            }
        }
        TAG_PROPOSE_ROOT => TxBody::ProposeRoot {
            client: ClientId(r.u64()?),
            proposal: Proposal::read(r)?,
        },
        TAG_SUBMIT_CONFLICT => TxBody::SubmitConflict {
            conflict: Conflict::read(r)?,
        },
        TAG_CLIENT_PAUSE => {
            let client = ClientId(r.u64()?);
            match r.u8()? {
                CLIENT_PAUSE_WATCHER => TxBody::WatcherPause { client },
                CLIENT_PAUSE_RESUME => {
                    let n = r.len_u16("guardian approvals", MAX_GUARDIAN_APPROVALS)?;
                    let mut approvals = Vec::with_capacity(n);
                    for _ in 0..n {
                        approvals.push((r.u16()?, r.array()?));
                    }
                    TxBody::ResumeClient { client, approvals }
                }
                v => {
                    return Err(DecodeError::Invalid {
                        what: "client pause action",
                        value: v.into(),
                    }
                    .into())
                }
            }
        }
        TAG_ANNOUNCE_ATTESTER => TxBody::AnnounceAttester(Announcement::read(r)?),
        other => {
            return Err(DecodeError::Invalid {
                what: "transaction kind",
                value: other.into(),
            }
            .into())
        }
    })
}

/// JSON-friendly summary of a transaction body kind, for logs and RPC answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxKind {
    /// [`TxBody::Send`].
    Send,
    /// [`TxBody::AppCall`].
    AppCall,
    /// [`TxBody::Relay`].
    Relay,
    /// [`TxBody::Misbehaviour`].
    Misbehaviour,
    /// [`TxBody::SetValidators`].
    SetValidators,
    /// [`TxBody::CreateClient`].
    CreateClient,
    /// [`TxBody::RetryMessage`].
    RetryMessage,
    /// [`TxBody::FinalizeFailed`].
    FinalizeFailed,
    /// [`TxBody::SetPause`].
    SetPause,
    /// [`TxBody::SetFeeOracle`].
    SetFeeOracle,
    /// [`TxBody::ProposeRoot`].
    ProposeRoot,
    /// [`TxBody::SubmitConflict`].
    SubmitConflict,
    /// [`TxBody::WatcherPause`].
    WatcherPause,
    /// [`TxBody::ResumeClient`].
    ResumeClient,
    /// [`TxBody::AnnounceAttester`].
    AnnounceAttester,
}

impl TxBody {
    /// The kind of this body.
    pub fn kind(&self) -> TxKind {
        match self {
            Self::Send { .. } => TxKind::Send,
            Self::AppCall { .. } => TxKind::AppCall,
            Self::Relay { .. } => TxKind::Relay,
            Self::Misbehaviour { .. } => TxKind::Misbehaviour,
            Self::SetValidators { .. } => TxKind::SetValidators,
            Self::CreateClient { .. } => TxKind::CreateClient,
            Self::RetryMessage { .. } => TxKind::RetryMessage,
            Self::FinalizeFailed { .. } => TxKind::FinalizeFailed,
            Self::SetPause { .. } => TxKind::SetPause,
            Self::SetFeeOracle { .. } => TxKind::SetFeeOracle,
            Self::ProposeRoot { .. } => TxKind::ProposeRoot,
            Self::SubmitConflict { .. } => TxKind::SubmitConflict,
            Self::WatcherPause { .. } => TxKind::WatcherPause,
            Self::ResumeClient { .. } => TxKind::ResumeClient,
            Self::AnnounceAttester(_) => TxKind::AnnounceAttester,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn send_tx(key: &AccountKey, payload: Vec<u8>) -> SignedTx {
        Tx {
            chain_id: ChainId(1),
            signer: key.address(),
            nonce: 3,
            body: TxBody::Send {
                gas_limit: 0,
                destination_chain: ChainId(2),
                receiver: Address32([7; 32]),
                options: DeliveryOptions {
                    ordered: true,
                    timeout_height: Some(Height(9)),
                    timeout_timestamp: None,
                },
                payload,
            },
        }
        .sign(key)
    }

    #[test]
    fn round_trip_and_signature() {
        let key = AccountKey::devnet("alice");
        let tx = send_tx(&key, b"hi".to_vec());
        let bytes = tx.encode();
        let back = SignedTx::decode(&bytes).unwrap();
        assert_eq!(back, tx);
        back.verify_signature().unwrap();
    }

    #[test]
    fn app_topic_pauses_round_trip() {
        let key = AccountKey::devnet("alice");
        let tx = Tx {
            chain_id: ChainId(1),
            signer: key.address(),
            nonce: 0,
            body: TxBody::SetPause {
                scope: PauseScope::App {
                    app: Address32([4; 32]),
                    topic: Hash32([5; 32]),
                },
                paused: false,
                approvals: vec![(1, [1; 64]), (3, [2; 64]), (4, [3; 64])],
            },
        }
        .sign(&key);
        assert_eq!(SignedTx::decode(&tx.encode()), Ok(tx));
    }

    #[test]
    fn any_flipped_byte_breaks_decoding_or_the_signature() {
        let key = AccountKey::devnet("alice");
        let bytes = send_tx(&key, b"hi".to_vec()).encode();
        for i in 0..bytes.len() {
            let mut t = bytes.clone();
            t[i] ^= 0x01;
            if let Ok(tx) = SignedTx::decode(&t) {
                assert!(
                    tx.verify_signature().is_err(),
                    "byte {i} flipped and still valid"
                );
            }
        }
    }

    #[test]
    fn signature_is_bound_to_the_chain() {
        let key = AccountKey::devnet("alice");
        let mut tx = send_tx(&key, vec![]);
        tx.tx.chain_id = ChainId(2);
        assert_eq!(tx.verify_signature(), Err(TxError::BadSignature));
    }

    #[test]
    fn set_validators_round_trip() {
        let key = AccountKey::devnet("gov");
        let signer = strait_light_client::Signer::from_seed([3; 32]);
        let validators = ValidatorSet::new(vec![strait_light_client::Validator {
            pub_key: signer.public_key(),
            power: 5,
        }])
        .unwrap();
        let tx = Tx {
            chain_id: ChainId(1),
            signer: key.address(),
            nonce: 0,
            body: TxBody::SetValidators {
                validators,
                bls_keys: vec![bls_key(1)],
                approvals: vec![(0, [9; 64]), (2, [8; 64])],
            },
        }
        .sign(&key);
        let bytes = tx.encode();
        let back = SignedTx::decode(&bytes).unwrap();
        assert_eq!(back, tx);
        assert_eq!(back.tx.body.kind(), TxKind::SetValidators);
        back.verify_signature().unwrap();
        let z = Hash32::ZERO;
        assert_ne!(
            valset_change_digest(ChainId(1), &z, &z, &z, 0),
            valset_change_digest(ChainId(1), &z, &z, &z, 1)
        );
        assert_ne!(
            valset_change_digest(ChainId(1), &z, &z, &z, 0),
            valset_change_digest(ChainId(1), &z, &z, &Hash32([1; 32]), 0)
        );
        // One BLS key per validator: one short (a missing proof of possession) is refused.
        let TxBody::SetValidators { validators, .. } = &tx.tx.body else {
            unreachable!()
        };
        let short = Tx {
            body: TxBody::SetValidators {
                validators: validators.clone(),
                bls_keys: vec![],
                approvals: vec![],
            },
            ..tx.tx.clone()
        }
        .sign(&key);
        assert_eq!(
            SignedTx::decode(&short.encode()).unwrap_err().name(),
            "Invalid"
        );
    }

    fn bls_key(i: u8) -> ValidatorBlsKey {
        let signer = strait_light_client::bls::BlsSigner::from_ikm(&[i; 32]);
        ValidatorBlsKey {
            pub_key: signer.public_key(),
            proof_of_possession: signer.proof_of_possession(),
        }
    }

    #[test]
    fn relay_advances_round_trip_and_are_bounded() {
        let key = AccountKey::devnet("relayer");
        let relay = |n: usize| {
            Tx {
                chain_id: ChainId(2),
                signer: key.address(),
                nonce: 0,
                body: TxBody::Relay {
                    updates: vec![],
                    advances: (0..n as u8).map(|i| RouteId([i; 32])).collect(),
                    batches: vec![],
                },
            }
            .sign(&key)
        };
        let at_bound = relay(MAX_ADVANCES_PER_TX);
        assert_eq!(SignedTx::decode(&at_bound.encode()), Ok(at_bound));
        assert_eq!(
            SignedTx::decode(&relay(MAX_ADVANCES_PER_TX + 1).encode()),
            Err(TxError::Decode(DecodeError::TooLarge {
                what: "route advances",
                got: MAX_ADVANCES_PER_TX as u64 + 1,
                max: MAX_ADVANCES_PER_TX as u64,
            }))
        );
    }

    /// A light block of chain 2 at height 5, signed by its two validators.
    fn light_block(salt: u8) -> LightBlock {
        use strait_light_client::{sign_commit, Header, SignedHeader, Signer, Validator};
        let signers = [Signer::from_seed([1; 32]), Signer::from_seed([2; 32])];
        let mut validators: Vec<Validator> = signers
            .iter()
            .map(|s| Validator {
                pub_key: s.public_key(),
                power: 10,
            })
            .collect();
        validators.sort_by_key(|v| v.pub_key);
        let set = ValidatorSet::new(validators).unwrap();
        let header = Header {
            chain_id: ChainId(2),
            height: Height(5),
            timestamp: Timestamp(1_700_000_000_000),
            parent_hash: Hash32([salt; 32]),
            app_state_root: Hash32([3; 32]),
            outbox_root: Hash32([4; 32]),
            validators_hash: set.hash(),
            next_validators_hash: set.hash(),
        };
        let commit = sign_commit(&header, &set, &signers.iter().collect::<Vec<_>>());
        LightBlock {
            signed_header: SignedHeader { header, commit },
            validators: set.clone(),
            next_validators: set,
        }
    }

    /// One signed transaction of every body kind, each with non-trivial contents.
    fn every_kind(key: &AccountKey, payload: Vec<u8>) -> Vec<SignedTx> {
        let packet = Packet {
            nonce: strait_primitives::Nonce(1),
            source_chain: ChainId(2),
            sender: Address32([5; 32]),
            destination_chain: ChainId(1),
            receiver: Address32([6; 32]),
            options: DeliveryOptions {
                ordered: true,
                timeout_height: None,
                timeout_timestamp: Some(Timestamp(77)),
            },
            payload: payload.clone(),
        };
        let mut tree = strait_merkle::MerkleTree::new();
        tree.append(&packet.id()).unwrap();
        tree.append(&strait_primitives::MessageId([8; 32])).unwrap();
        let proof = tree
            .multiproof(&[strait_merkle::LeafIndex(0)], tree.count())
            .unwrap();
        let validators = light_block(0).validators;
        let bodies = vec![
            TxBody::Send {
                gas_limit: 0,
                destination_chain: ChainId(2),
                receiver: Address32([7; 32]),
                options: DeliveryOptions {
                    ordered: true,
                    timeout_height: Some(Height(9)),
                    timeout_timestamp: None,
                },
                payload: payload.clone(),
            },
            TxBody::AppCall {
                app: Address32([9; 32]),
                data: payload,
            },
            TxBody::Relay {
                updates: vec![ClientUpdate::bft(ClientId(2), Height(4), &light_block(0))],
                advances: vec![RouteId([7; 32])],
                batches: vec![BatchDelivery {
                    packets: vec![packet.clone()],
                    proof,
                    proof_height: Height(5),
                }],
            },
            TxBody::Misbehaviour {
                client: ClientId(2),
                kind: VerifierKind::BFT,
                evidence: strait_light_client::kind::encode_misbehaviour(
                    &strait_light_client::Misbehaviour {
                        trusted_height_1: Height(4),
                        block_1: light_block(0),
                        trusted_height_2: Height(4),
                        block_2: light_block(1),
                    },
                ),
            },
            TxBody::SetValidators {
                bls_keys: (0..validators.len() as u8).map(bls_key).collect(),
                validators,
                approvals: vec![(0, [9; 64]), (1, [8; 64])],
            },
            TxBody::CreateClient {
                kind: VerifierKind(7),
                source: ChainId(3),
                init: vec![1, 2, 3],
            },
            TxBody::RetryMessage {
                packet: packet.clone(),
            },
            TxBody::FinalizeFailed {
                packet: packet.clone(),
            },
            TxBody::SetPause {
                scope: PauseScope::Route(RouteId([3; 32])),
                paused: true,
                approvals: vec![(0, [1; 64]), (2, [2; 64])],
            },
            TxBody::ProposeRoot {
                client: ClientId(4),
                proposal: Proposal {
                    height: Height(9),
                    root: Hash32([6; 32]),
                    leaf_count: 3,
                },
            },
            TxBody::SubmitConflict {
                conflict: Conflict {
                    accused: ClientId(4),
                    reference: ClientId(1),
                    height: Height(9),
                },
            },
            TxBody::WatcherPause {
                client: ClientId(4),
            },
            TxBody::ResumeClient {
                client: ClientId(4),
                approvals: vec![(0, [1; 64]), (2, [2; 64]), (4, [3; 64])],
            },
            TxBody::AnnounceAttester(Announcement {
                client: ClientId(4),
                member: vec![3; 20],
                sequence: 7,
                url: "http://127.0.0.1:9750".into(),
                signature: vec![4; 65],
            }),
        ];
        let kinds: Vec<TxKind> = bodies.iter().map(TxBody::kind).collect();
        assert_eq!(
            kinds,
            [
                TxKind::Send,
                TxKind::AppCall,
                TxKind::Relay,
                TxKind::Misbehaviour,
                TxKind::SetValidators,
                TxKind::CreateClient,
                TxKind::RetryMessage,
                TxKind::FinalizeFailed,
                TxKind::SetPause,
                TxKind::ProposeRoot,
                TxKind::SubmitConflict,
                TxKind::WatcherPause,
                TxKind::ResumeClient,
                TxKind::AnnounceAttester
            ],
            "one of every kind"
        );
        bodies
            .into_iter()
            .enumerate()
            .map(|(nonce, body)| {
                Tx {
                    chain_id: ChainId(1),
                    signer: key.address(),
                    nonce: nonce as u64,
                    body,
                }
                .sign(key)
            })
            .collect()
    }

    /// A change to an encoded transaction, at positions past the version byte.
    #[derive(Clone, Debug)]
    enum Mutation {
        /// Overwrite the byte at this position.
        Set(prop::sample::Index, u8),
        /// Flip one bit of the byte at this position.
        Flip(prop::sample::Index, u8),
        /// Insert a byte before this position.
        Insert(prop::sample::Index, u8),
        /// Remove up to this many bytes from this position.
        Remove(prop::sample::Index, usize),
        /// Cut the encoding at this position.
        Truncate(prop::sample::Index),
        /// Replace a big-endian length or count (u16 or u32) at this position by another value.
        Length(prop::sample::Index, bool, u32),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        let index = any::<prop::sample::Index>;
        prop_oneof![
            (index(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
            (index(), 0u8..8).prop_map(|(i, bit)| Mutation::Flip(i, bit)),
            (index(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
            (index(), 1usize..80).prop_map(|(i, n)| Mutation::Remove(i, n)),
            index().prop_map(Mutation::Truncate),
            (index(), any::<bool>(), prop_oneof![0u32..300, any::<u32>()])
                .prop_map(|(i, wide, v)| Mutation::Length(i, wide, v)),
        ]
    }

    /// Applies `m` to `bytes`, never touching the version byte (mutating it only tests the version
    /// check, which the other cases already do).
    fn mutate(bytes: &mut Vec<u8>, m: &Mutation) {
        if bytes.len() < 2 {
            bytes.push(0);
        }
        let past_version = |i: &prop::sample::Index, len: usize| 1 + i.index(len.max(2) - 1);
        match m {
            Mutation::Set(i, b) => {
                let i = past_version(i, bytes.len());
                bytes[i] = *b;
            }
            Mutation::Flip(i, bit) => {
                let i = past_version(i, bytes.len());
                bytes[i] ^= 1 << bit;
            }
            Mutation::Insert(i, b) => {
                let i = past_version(i, bytes.len() + 1);
                bytes.insert(i, *b);
            }
            Mutation::Remove(i, n) => {
                let i = past_version(i, bytes.len());
                let end = (i + n).min(bytes.len());
                bytes.drain(i..end);
            }
            Mutation::Truncate(i) => {
                let i = past_version(i, bytes.len());
                bytes.truncate(i);
            }
            Mutation::Length(i, wide, v) => {
                let width = if *wide { 4 } else { 2 };
                if bytes.len() > width {
                    let i = past_version(i, bytes.len() - width + 1);
                    let value = v.to_be_bytes();
                    bytes[i..i + width].copy_from_slice(&value[4 - width..]);
                }
            }
        }
    }

    #[test]
    fn every_kind_round_trips_and_any_flipped_bit_breaks_it() {
        let key = AccountKey::devnet("carol");
        for tx in every_kind(&key, b"hello".to_vec()) {
            let bytes = tx.encode();
            assert_eq!(SignedTx::decode(&bytes), Ok(tx.clone()));
            tx.verify_signature().unwrap();
            let mut decoded = 0;
            for i in 1..bytes.len() {
                for bit in 0..8 {
                    let mut t = bytes.clone();
                    t[i] ^= 1 << bit;
                    if let Ok(back) = SignedTx::decode(&t) {
                        decoded += 1;
                        assert_eq!(back.encode(), t, "byte {i} bit {bit}: not canonical");
                        assert!(back.verify_signature().is_err(), "byte {i} bit {bit}");
                    }
                }
            }
            // Most single-bit changes leave a well-formed transaction: the flips reach the body.
            assert!(
                decoded > bytes.len() * 4,
                "{:?}: only {decoded} of {} flips decode",
                tx.tx.body.kind(),
                bytes.len() * 8
            );
        }
    }

    proptest! {
        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = SignedTx::decode(&bytes);
        }

        /// Arbitrary bytes after a well-formed prefix and a real body tag, so that every body
        /// decoder sees them (not only the version check).
        #[test]
        fn decoding_arbitrary_bodies_never_panics(
            prefix in proptest::collection::vec(any::<u8>(), 48),
            tag in 0u8..=16,
            body in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let mut bytes = vec![TX_VERSION];
            bytes.extend_from_slice(&prefix);
            bytes.push(tag);
            bytes.extend_from_slice(&body);
            if let Ok(tx) = SignedTx::decode(&bytes) {
                prop_assert_eq!(tx.encode(), bytes);
            }
        }

        /// Transactions of every kind, mutated past the version byte: whatever still decodes is
        /// canonical and no longer carries a valid signature.
        #[test]
        fn decoding_mutated_tx_never_panics(
            payload in proptest::collection::vec(any::<u8>(), 0..64),
            kind in 0usize..5,
            mutations in proptest::collection::vec(mutation(), 1..4),
        ) {
            let key = AccountKey::devnet("bob");
            let original = every_kind(&key, payload).swap_remove(kind).encode();
            let mut bytes = original.clone();
            for m in &mutations {
                mutate(&mut bytes, m);
            }
            prop_assert_eq!(bytes[0], TX_VERSION);
            if let Ok(tx) = SignedTx::decode(&bytes) {
                prop_assert_eq!(tx.encode(), bytes.clone());
                if bytes != original {
                    prop_assert!(tx.verify_signature().is_err());
                }
            }
        }
    }
}
