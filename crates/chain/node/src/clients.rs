//! The host side of the verifier registry (`[STRAIT-VERIFIER.3]`): client records, each client's
//! scoped storage, and dispatch of every client request to the kind the client was created with.
//!
//! A client's **record** (`'c' || client`) is the host's: its kind, the source it follows, and a
//! summary refreshed after every change (latest height, frozen) that RPC answers without running
//! the kind. Everything else a client stores lies under `'k' || client` and is laid out by its
//! kind, through a [`Scope`] that cannot reach outside it.

use strait_endpoint::{SecurityConfig, SecurityConfigError};
use strait_primitives::{ChainId, ClientId, Hash32, Height, Reader, Timestamp};
use strait_verifier::{
    ClientRead, ClientStatus, ClientStore, StoreError, Updated, Verifier, VerifierError,
    VerifierKind,
};

use crate::state::{keys, State};

/// What the host keeps of a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientRecord {
    /// Its kind.
    pub kind: VerifierKind,
    /// The chain it follows.
    pub source: ChainId,
    /// The highest source height it verified, as of its last change.
    pub latest_height: Height,
    /// Frozen for proven misbehaviour.
    pub frozen: bool,
}

impl ClientRecord {
    /// `kind u16 | source u64 | latest_height u64 | frozen u8`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(19);
        out.extend_from_slice(&self.kind.to_be_bytes());
        out.extend_from_slice(&self.source.to_be_bytes());
        out.extend_from_slice(&self.latest_height.to_be_bytes());
        out.push(u8::from(self.frozen));
        out
    }

    /// Decodes a stored record.
    pub fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        let corrupt = |reason: String| StoreError {
            what: "client record",
            reason,
        };
        let mut r = Reader::new(bytes);
        let record = (|| {
            Ok::<_, strait_primitives::DecodeError>(Self {
                kind: VerifierKind(r.u16()?),
                source: ChainId(r.u64()?),
                latest_height: Height(r.u64()?),
                frozen: match r.u8()? {
                    0 => false,
                    1 => true,
                    other => {
                        return Err(strait_primitives::DecodeError::Invalid {
                            what: "frozen flag",
                            value: other.into(),
                        })
                    }
                },
            })
        })()
        .map_err(|e| corrupt(e.to_string()))?;
        r.finish().map_err(|e| corrupt(e.to_string()))?;
        Ok(record)
    }
}

/// The record of `client`, `None` if there is no such client.
pub fn record(state: &State, client: ClientId) -> Result<Option<ClientRecord>, StoreError> {
    state
        .get(&keys::client(client))
        .map(ClientRecord::decode)
        .transpose()
}

/// One client's storage inside the node state, read and written.
pub struct Scope<'a> {
    state: &'a mut State,
    prefix: Vec<u8>,
}

/// One client's storage inside the node state, read only.
pub struct View<'a> {
    state: &'a State,
    prefix: Vec<u8>,
}

impl<'a> Scope<'a> {
    /// The storage of `client`.
    pub fn new(state: &'a mut State, client: ClientId) -> Self {
        Self {
            state,
            prefix: keys::client_store(client),
        }
    }
}

impl<'a> View<'a> {
    /// The storage of `client`.
    pub fn new(state: &'a State, client: ClientId) -> Self {
        Self {
            state,
            prefix: keys::client_store(client),
        }
    }
}

fn scoped(prefix: &[u8], key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(prefix.len() + key.len());
    out.extend_from_slice(prefix);
    out.extend_from_slice(key);
    out
}

fn read_get<'s>(state: &'s State, prefix: &[u8], key: &[u8]) -> Option<&'s [u8]> {
    state.get(&scoped(prefix, key))
}

fn read_neighbours<'s>(
    state: &'s State,
    prefix: &[u8],
    sub: &[u8],
    key: &[u8],
) -> (Option<&'s [u8]>, Option<&'s [u8]>) {
    state.neighbours(&scoped(prefix, sub), &scoped(prefix, key))
}

fn read_first<'s>(state: &'s State, prefix: &[u8], sub: &[u8]) -> Option<(Vec<u8>, &'s [u8])> {
    state
        .first_with_prefix(&scoped(prefix, sub))
        .map(|(k, v)| (k[prefix.len()..].to_vec(), v))
}

macro_rules! client_read {
    ($ty:ty) => {
        impl ClientRead for $ty {
            fn get(&self, key: &[u8]) -> Option<&[u8]> {
                read_get(self.state, &self.prefix, key)
            }
            fn neighbours(&self, prefix: &[u8], key: &[u8]) -> (Option<&[u8]>, Option<&[u8]>) {
                read_neighbours(self.state, &self.prefix, prefix, key)
            }
            fn count_prefix(&self, prefix: &[u8]) -> usize {
                self.state.count_prefix(&scoped(&self.prefix, prefix))
            }
            fn first_with_prefix(&self, prefix: &[u8]) -> Option<(Vec<u8>, &[u8])> {
                read_first(self.state, &self.prefix, prefix)
            }
        }
    };
}

client_read!(Scope<'_>);
client_read!(View<'_>);

impl ClientStore for Scope<'_> {
    fn put(&mut self, key: &[u8], value: Vec<u8>) {
        self.state.put(scoped(&self.prefix, key), value);
    }
    fn delete(&mut self, key: &[u8]) {
        self.state.delete(&scoped(&self.prefix, key));
    }
}

/// Why a client request failed on this host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientOpError {
    /// No client has this id.
    #[error("unknown client {0}")]
    UnknownClient(ClientId),
    /// A client must follow another chain than this one.
    #[error("a client cannot follow its own chain {0}")]
    OwnChain(ChainId),
    /// A receiver chose a client that follows another chain than the source it chose it for.
    #[error("client {client} follows chain {follows}, not {wanted}")]
    WrongSource {
        /// The client.
        client: ClientId,
        /// The chain it follows.
        follows: ChainId,
        /// The source it was chosen for.
        wanted: ChainId,
    },
    /// A security config out of its bounds (`[STRAIT-ROUTE.1]`).
    #[error(transparent)]
    Config(#[from] SecurityConfigError),
    /// The kind refused, or the client's storage is corrupt.
    #[error(transparent)]
    Verifier(#[from] VerifierError),
}

impl ClientOpError {
    /// The SPEC name of the cause.
    pub fn name(&self) -> &'static str {
        match self {
            Self::UnknownClient(_) => "UnknownClient",
            Self::OwnChain(_) => "OwnChain",
            Self::WrongSource { .. } => "WrongSource",
            Self::Config(e) => e.name(),
            Self::Verifier(e) => e.name(),
        }
    }

    /// The corrupt read, if that is why it failed.
    pub fn corrupt(&self) -> Option<&StoreError> {
        match self {
            Self::Verifier(VerifierError::Store(e)) => Some(e),
            _ => None,
        }
    }
}

/// Re-reads the kind's summary of `client` into its record. A client frozen by conflict evidence
/// (`[STRAIT-CONFLICT.4]`, `'y' || client`) stays frozen whatever its kind says: the host's
/// evidence is never rolled back by a later change of the kind's state.
pub(crate) fn refresh(
    state: &mut State,
    client: ClientId,
    verifier: &dyn Verifier,
    source: ChainId,
) -> Result<ClientRecord, VerifierError> {
    let view = View::new(state, client);
    let record = ClientRecord {
        kind: verifier.kind(),
        source,
        latest_height: verifier.latest_height(&view)?,
        frozen: verifier.status(&view)? == ClientStatus::Frozen
            || state.get(&keys::conflict(client)).is_some(),
    };
    state.put(keys::client(client), record.encode());
    Ok(record)
}

/// Creates a client of `verifier`'s kind following `source`, from the kind's initial trust
/// `init`; returns its id, the next unused one (`[STRAIT-VERIFIER.3]`).
pub fn create(
    state: &mut State,
    verifier: &dyn Verifier,
    own_chain: ChainId,
    source: ChainId,
    init: &[u8],
) -> Result<ClientId, ClientOpError> {
    if source == own_chain {
        return Err(ClientOpError::OwnChain(source));
    }
    let client = ClientId(state.get_u64(keys::CLIENT_COUNT) + 1);
    verifier.create(&mut Scope::new(state, client), source, init)?;
    state.put_u64(keys::CLIENT_COUNT.to_vec(), client.get());
    refresh(state, client, verifier, source)?;
    Ok(client)
}

/// The record of `client` and its kind's verifier, checking that a request for `kind` may go to it.
pub(crate) fn resolve<'r>(
    state: &State,
    verifiers: &'r strait_verifier::Registry,
    client: ClientId,
    kind: Option<VerifierKind>,
) -> Result<(ClientRecord, &'r dyn Verifier), ClientOpError> {
    let record = record(state, client)
        .map_err(VerifierError::from)?
        .ok_or(ClientOpError::UnknownClient(client))?;
    if let Some(got) = kind.filter(|k| *k != record.kind) {
        return Err(VerifierError::KindMismatch {
            got,
            expected: record.kind,
        }
        .into());
    }
    Ok((record, verifiers.get(record.kind)?))
}

/// Verifies and applies an update of `client` (of kind `kind`).
pub fn update(
    state: &mut State,
    verifiers: &strait_verifier::Registry,
    client: ClientId,
    kind: VerifierKind,
    body: &[u8],
    now: Timestamp,
) -> Result<Updated, ClientOpError> {
    let (record, verifier) = resolve(state, verifiers, client, Some(kind))?;
    let updated = verifier.update(&mut Scope::new(state, client), body, now)?;
    if updated != Updated::Duplicate {
        refresh(state, client, verifier, record.source)?;
    }
    Ok(updated)
}

/// Checks standalone misbehaviour evidence against `client` and freezes it when it holds.
pub fn submit_misbehaviour(
    state: &mut State,
    verifiers: &strait_verifier::Registry,
    client: ClientId,
    kind: VerifierKind,
    evidence: &[u8],
    now: Timestamp,
) -> Result<(), ClientOpError> {
    let (record, verifier) = resolve(state, verifiers, client, Some(kind))?;
    verifier.submit_misbehaviour(&mut Scope::new(state, client), evidence, now)?;
    refresh(state, client, verifier, record.source)?;
    Ok(())
}

/// Re-applies a freeze an update proved (`[STRAIT-VERIFIER.5]`).
pub fn freeze(
    state: &mut State,
    verifiers: &strait_verifier::Registry,
    client: ClientId,
    evidence: &[u8],
) -> Result<(), ClientOpError> {
    let (record, verifier) = resolve(state, verifiers, client, None)?;
    verifier.freeze(&mut Scope::new(state, client), evidence)?;
    refresh(state, client, verifier, record.source)?;
    Ok(())
}

/// The root `client` verified at `height`: `None` when it verified none there, or is frozen.
pub fn verified_root(
    state: &State,
    verifiers: &strait_verifier::Registry,
    client: ClientId,
    height: Height,
) -> Result<Option<Hash32>, ClientOpError> {
    let (record, verifier) = resolve(state, verifiers, client, None)?;
    if record.frozen {
        return Ok(None);
    }
    Ok(verifier.verified_root(&View::new(state, client), height)?)
}

/// The security config `receiver` applies to messages from `source`: its own choice, else the
/// host's default for `source`, a config of one required client (`[STRAIT-ROUTE.6]`).
pub fn security_config(
    state: &State,
    receiver: &strait_primitives::Address32,
    source: ChainId,
) -> Option<SecurityConfig> {
    match state.get(&keys::security(receiver, source)) {
        // A choice that does not read vouches for nothing: never fall back to the default.
        Some(raw) => decode_config(raw),
        None => default_config(state, source),
    }
}

/// A stored config: its canonical encoding, or (written before `[STRAIT-ROUTE.6]`) the 8-byte id
/// of one chosen client.
pub(crate) fn decode_config(raw: &[u8]) -> Option<SecurityConfig> {
    match raw.len() {
        8 => client_id(raw).map(SecurityConfig::single),
        _ => SecurityConfig::decode(raw).ok(),
    }
}

/// Whether `receiver` set a config of its own for `source` (else the default applies).
pub fn has_own_config(
    state: &State,
    receiver: &strait_primitives::Address32,
    source: ChainId,
) -> bool {
    state.get(&keys::security(receiver, source)).is_some()
}

fn client_id(raw: &[u8]) -> Option<ClientId> {
    raw.try_into()
        .ok()
        .map(|raw| ClientId(u64::from_be_bytes(raw)))
}

/// The host's default client of `source`, if it has one.
pub fn default_client(state: &State, source: ChainId) -> Option<ClientId> {
    state.get(&keys::default_client(source)).and_then(client_id)
}

/// The host's default config of `source`: its default client, required alone.
pub fn default_config(state: &State, source: ChainId) -> Option<SecurityConfig> {
    default_client(state, source).map(SecurityConfig::single)
}

/// Makes `client` the host's default client of `source`.
pub fn set_default_client(state: &mut State, source: ChainId, client: ClientId) {
    state.put_u64(keys::default_client(source), client.get());
}

/// Records that `receiver` applies `config` to messages from `source` (`[STRAIT-ROUTE.6]`): the
/// config is within its bounds (`[STRAIT-ROUTE.1]`) and each of its clients exists
/// (`UnknownClient`) and follows `source` (`WrongSource`).
pub fn set_security_config(
    state: &mut State,
    receiver: &strait_primitives::Address32,
    source: ChainId,
    config: &SecurityConfig,
) -> Result<(), ClientOpError> {
    config.validate()?;
    for client in config.clients() {
        let record = record(state, client)
            .map_err(VerifierError::from)?
            .ok_or(ClientOpError::UnknownClient(client))?;
        if record.source != source {
            return Err(ClientOpError::WrongSource {
                client,
                follows: record.source,
                wanted: source,
            });
        }
    }
    state.put(keys::security(receiver, source), config.encode());
    Ok(())
}

/// Records that `receiver` trusts `client` alone for messages from `source`
/// (`[STRAIT-VERIFIER.6]`): [`set_security_config`] of a one-required config.
pub fn choose_client(
    state: &mut State,
    receiver: &strait_primitives::Address32,
    source: ChainId,
    client: ClientId,
) -> Result<(), ClientOpError> {
    set_security_config(state, receiver, source, &SecurityConfig::single(client))
}

#[cfg(test)]
mod tests {
    use strait_light_client::kind::BftVerifier;
    use strait_primitives::Address32;

    use super::*;
    use crate::extensions::Extensions;

    #[test]
    fn a_client_store_reads_and_writes_only_its_own_keys() {
        let mut state = State::default();
        state.put(
            keys::client_store(ClientId(1))
                .into_iter()
                .chain(*b"c\x05")
                .collect(),
            vec![1],
        );
        state.put(
            keys::client_store(ClientId(3))
                .into_iter()
                .chain(*b"c\x00")
                .collect(),
            vec![3],
        );
        state.put(b"k".to_vec(), vec![9]);
        let mut scope = Scope::new(&mut state, ClientId(2));
        assert_eq!(scope.get(b"c\x05"), None);
        assert_eq!(scope.neighbours(b"c", b"c\x03"), (None, None));
        assert_eq!(scope.count_prefix(b""), 0);
        assert_eq!(scope.first_with_prefix(b""), None);
        scope.put(b"c\x04", vec![2]);
        assert_eq!(scope.neighbours(b"c", b"c\x03"), (None, Some(&[2u8][..])));
        assert_eq!(
            scope.first_with_prefix(b"c"),
            Some((b"c\x04".to_vec(), &[2u8][..]))
        );
        scope.delete(b"c\x05");
        let view = View::new(&state, ClientId(1));
        assert_eq!(view.get(b"c\x05"), Some(&[1u8][..]));
        assert_eq!(view.count_prefix(b"c"), 1);
    }

    #[test]
    fn records_round_trip_and_a_corrupt_one_is_a_store_error() {
        let record = ClientRecord {
            kind: VerifierKind(7),
            source: ChainId(3),
            latest_height: Height(9),
            frozen: true,
        };
        assert_eq!(ClientRecord::decode(&record.encode()), Ok(record));
        for bad in [
            &record.encode()[..18],
            &[&record.encode()[..], &[0]].concat()[..],
            &[&record.encode()[..18], &[2]].concat()[..],
        ] {
            assert_eq!(ClientRecord::decode(bad).unwrap_err().what, "client record");
        }
        let mut state = State::default();
        state.put(keys::client(ClientId(4)), vec![1, 2]);
        assert!(record_of_corrupt(&state));
    }

    fn record_of_corrupt(state: &State) -> bool {
        matches!(
            verified_root(
                state,
                &Extensions::builtin().verifiers,
                ClientId(4),
                Height(1)
            ),
            Err(ClientOpError::Verifier(VerifierError::Store(_)))
        )
    }

    #[test]
    fn clients_get_the_next_id_and_receivers_choose_among_them() {
        let mut state = State::default();
        let spec = crate::spec::devnet_specs(2, 4, strait_primitives::Timestamp(1_000), 50)[1];
        let init = strait_light_client::kind::encode_init(
            &spec.client_options(),
            &spec.genesis_consensus_state(),
        );
        let first = create(&mut state, &BftVerifier, ChainId(1), ChainId(2), &init).unwrap();
        let second = create(&mut state, &BftVerifier, ChainId(1), ChainId(2), &init).unwrap();
        assert_eq!((first, second), (ClientId(1), ClientId(2)));
        assert_eq!(
            create(&mut state, &BftVerifier, ChainId(1), ChainId(1), &init),
            Err(ClientOpError::OwnChain(ChainId(1)))
        );
        // A failed creation takes no id.
        assert!(create(&mut state, &BftVerifier, ChainId(1), ChainId(2), &[1]).is_err());
        assert_eq!(state.get_u64(keys::CLIENT_COUNT), 2);

        let app = Address32([5; 32]);
        assert_eq!(security_config(&state, &app, ChainId(2)), None);
        set_default_client(&mut state, ChainId(2), first);
        assert_eq!(
            security_config(&state, &app, ChainId(2)),
            Some(SecurityConfig::single(first))
        );
        choose_client(&mut state, &app, ChainId(2), second).unwrap();
        assert_eq!(
            security_config(&state, &app, ChainId(2)),
            Some(SecurityConfig::single(second))
        );
        assert_eq!(
            security_config(&state, &Address32([6; 32]), ChainId(2)),
            Some(SecurityConfig::single(first))
        );
        assert_eq!(
            choose_client(&mut state, &app, ChainId(3), second),
            Err(ClientOpError::WrongSource {
                client: second,
                follows: ChainId(2),
                wanted: ChainId(3)
            })
        );
        assert_eq!(
            choose_client(&mut state, &app, ChainId(2), ClientId(3)),
            Err(ClientOpError::UnknownClient(ClientId(3)))
        );
        // A request naming another kind is refused before the kind runs.
        assert_eq!(
            update(
                &mut state,
                &Extensions::builtin().verifiers,
                first,
                VerifierKind(9),
                &[],
                strait_primitives::Timestamp(2_000)
            ),
            Err(ClientOpError::Verifier(VerifierError::KindMismatch {
                got: VerifierKind(9),
                expected: VerifierKind::BFT
            }))
        );
    }

    #[test]
    fn a_route_config_is_checked_against_the_registry_and_old_choices_still_read() {
        let mut state = State::default();
        let spec = crate::spec::devnet_specs(3, 4, strait_primitives::Timestamp(1_000), 50)[1];
        let init = strait_light_client::kind::encode_init(
            &spec.client_options(),
            &spec.genesis_consensus_state(),
        );
        let of_2: Vec<ClientId> = (0..3)
            .map(|_| create(&mut state, &BftVerifier, ChainId(1), ChainId(2), &init).unwrap())
            .collect();
        let of_3 = create(&mut state, &BftVerifier, ChainId(1), ChainId(3), &init).unwrap();
        let app = Address32([5; 32]);
        let config = SecurityConfig {
            required: vec![of_2[0]],
            optional: vec![of_2[1], of_2[2]],
            threshold: 2,
            finality_blocks: 3,
        };
        set_security_config(&mut state, &app, ChainId(2), &config).unwrap();
        assert_eq!(
            security_config(&state, &app, ChainId(2)),
            Some(config.clone())
        );
        assert!(has_own_config(&state, &app, ChainId(2)));
        // Each client must exist and follow the source; the bounds hold first.
        let mut wrong = config.clone();
        wrong.optional = vec![of_2[1], of_3];
        assert_eq!(
            set_security_config(&mut state, &app, ChainId(2), &wrong),
            Err(ClientOpError::WrongSource {
                client: of_3,
                follows: ChainId(3),
                wanted: ChainId(2)
            })
        );
        wrong.optional = vec![of_2[1], ClientId(99)];
        assert_eq!(
            set_security_config(&mut state, &app, ChainId(2), &wrong)
                .unwrap_err()
                .name(),
            "UnknownClient"
        );
        wrong.threshold = 3;
        assert_eq!(
            set_security_config(&mut state, &app, ChainId(2), &wrong)
                .unwrap_err()
                .name(),
            "ThresholdOutOfRange"
        );
        // Refusals wrote nothing.
        assert_eq!(security_config(&state, &app, ChainId(2)), Some(config));
        // A choice stored before configs (8 bytes, one client) reads as one required client; a
        // corrupt one vouches for nothing and does not fall back to the default.
        set_default_client(&mut state, ChainId(2), of_2[0]);
        state.put(
            keys::security(&app, ChainId(2)),
            of_2[1].to_be_bytes().to_vec(),
        );
        assert_eq!(
            security_config(&state, &app, ChainId(2)),
            Some(SecurityConfig::single(of_2[1]))
        );
        state.put(keys::security(&app, ChainId(2)), vec![1, 2, 3]);
        assert_eq!(security_config(&state, &app, ChainId(2)), None);
    }
}
