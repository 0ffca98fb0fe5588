//! `strait devnet`'s attester committees: for every source chain, a 3-of-4 ECDSA committee, a
//! 2-of-3 ed25519 committee and a 2-of-3 BLS committee (devnet keys from public seeds, labelled as
//! such) whose attesters run in this process, each with its own signing record under
//! `<data-dir>/attesters/` (a restart resumes without double-signing) and its own
//! `strait_attestation` server; their clients on every destination, with the counters' security
//! configs (`[STRAIT-ROUTE.6]`): `counter-ecdsa` and `counter-ed25519` each choose their
//! committee's client alone, and `counter-composite` requires the destination's BFT light client
//! of the source AND 2 of its own clients of the three committees (`[STRAIT-ROUTE.3]`); the
//! attesters' announcements of their URLs on chain (`[STRAIT-ATTEST.13]`); and the relayer's
//! `Attested` configuration (the composite one as a route, `[STRAIT-ROUTE.7]`), so that messages
//! to those counters execute under certified roots.
//!
//! The clients are created once and remembered in `<data-dir>/committees.json`; a restart reuses
//! them (and re-announces only an attester whose URL changed).
//!
//! [`start`] also sets up the routes under the other kinds (`crate::bls_route`, kind 5, and
//! `crate::opt_route`, kind 6) and what the devnet's watcher protects.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use jsonrpsee::core::ClientError;
use serde::{Deserialize, Serialize};
use strait_attest::Committee;
use strait_attester::{Attester, AttesterConfig, AttesterKey, Board, Boards, SigningRecord};
use strait_devnet_api::announced::AnnouncedApiClient;
use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{codes, StraitApiClient};
use strait_devnet_api::tx::TxBody;
use strait_devnet_client::{ChainEndpoint, ChainRpc, DevnetChain};
use strait_endpoint::SecurityConfig;
use strait_primitives::{Address32, ChainId, ClientId, Hash32};
use strait_relayer::route::SecuredRoute;
use strait_relayer::{Attested, AttestedClient};
use tokio::sync::watch;

use crate::attester::Scheme;
use crate::rpc_client::{http_client, HttpClient};
use crate::setup_tx::submit_everywhere;

/// Version of `committees.json`.
const FILE_VERSION: u32 = 1;
/// Where the committee clients are remembered.
pub(crate) const FILE: &str = "committees.json";
/// Where the attesters' signing records live.
pub(crate) const ATTESTERS_DIR: &str = "attesters";
/// Attester `k` of the devnet listens on `rpc_port_base + ATTESTER_PORT_OFFSET + k`.
const ATTESTER_PORT_OFFSET: u16 = 100;

/// One committee of the devnet, the same on every pair of chains.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CommitteeKind {
    pub(crate) scheme: Scheme,
    /// The devnet key index of its first member (members have consecutive indices).
    pub(crate) first: u8,
    pub(crate) members: u8,
    pub(crate) threshold: u16,
    /// What `--messages` reports its messages as, and its clients' role in `committees.json`.
    pub(crate) label: &'static str,
    /// The counter that chooses this committee's client alone, if any.
    pub(crate) receiver: Option<fn() -> Address32>,
}

impl CommitteeKind {
    /// Its members' devnet key indices.
    fn indices(self) -> std::ops::RangeInclusive<u8> {
        self.first..=self.first + (self.members - 1)
    }
}

/// The devnet's committees: 3-of-4 ECDSA (chosen alone by `counter-ecdsa`), 2-of-3 ed25519
/// (`counter-ed25519`) and a 2-of-3 BLS committee (kind 4, aggregated certificates) that only the
/// composite route counts.
pub(crate) const KINDS: [CommitteeKind; 3] = [
    CommitteeKind {
        scheme: Scheme::Ecdsa,
        first: 1,
        members: 4,
        threshold: 3,
        label: "attest_ecdsa",
        receiver: Some(apps::counter_ecdsa),
    },
    CommitteeKind {
        scheme: Scheme::Ed25519,
        first: 1,
        members: 3,
        threshold: 2,
        label: "attest_ed25519",
        receiver: Some(apps::counter_ed25519),
    },
    CommitteeKind {
        scheme: Scheme::Bls,
        first: 1,
        members: 3,
        threshold: 2,
        label: "attest_bls",
        receiver: None,
    },
];

/// The role prefix of the composite route's own clients of each committee.
const COMPOSITE: &str = "composite:";
/// What `--messages` reports the composite route's messages as.
pub(crate) const COMPOSITE_LABEL: &str = "composite";
/// Optional committees of the composite route that must vouch (of [`KINDS`]' three).
pub(crate) const COMPOSITE_THRESHOLD: u8 = 2;

/// The composite route's config: the destination's BFT light client of the source required, and
/// [`COMPOSITE_THRESHOLD`] of `committees` (`[STRAIT-ROUTE.3]`).
pub(crate) fn composite_config(bft: ClientId, mut committees: Vec<ClientId>) -> SecurityConfig {
    committees.sort_unstable();
    SecurityConfig {
        required: vec![bft],
        optional: committees,
        threshold: COMPOSITE_THRESHOLD,
        finality_blocks: 0,
    }
}

/// A committee client of the devnet, as remembered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ClientEntry {
    source: ChainId,
    destination: ChainId,
    kind: u16,
    client: ClientId,
    /// The committee's label, prefixed with [`COMPOSITE`] for the composite route's clients; empty
    /// in files written before the composite route: the first committee of `kind`.
    #[serde(default)]
    role: String,
}

impl ClientEntry {
    /// The role, filled in for old entries.
    fn role(&self) -> String {
        if !self.role.is_empty() {
            return self.role.clone();
        }
        KINDS
            .iter()
            .find(|k| k.scheme.kind().get() == self.kind)
            .map_or_else(String::new, |k| k.label.to_owned())
    }

    /// Its committee, and whether it is a composite route's client.
    fn committee(&self) -> Option<(CommitteeKind, bool)> {
        let role = self.role();
        let (label, composite) = match role.strip_prefix(COMPOSITE) {
            Some(label) => (label.to_owned(), true),
            None => (role, false),
        };
        let kind = KINDS.into_iter().find(|k| k.label == label)?;
        (kind.scheme.kind().get() == self.kind).then_some((kind, composite))
    }
}

/// The roles of the clients of every ordered pair: each committee with a receiver of its own,
/// then the composite route's client of every committee.
fn roles() -> Vec<(CommitteeKind, String)> {
    let mut out: Vec<(CommitteeKind, String)> = KINDS
        .into_iter()
        .filter(|k| k.receiver.is_some())
        .map(|k| (k, k.label.to_owned()))
        .collect();
    out.extend(KINDS.map(|k| (k, format!("{COMPOSITE}{}", k.label))));
    out
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CommitteesFile {
    version: u32,
    clients: Vec<ClientEntry>,
}

/// One in-process attester: where it serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AttesterInfo {
    pub(crate) source: ChainId,
    pub(crate) kind: CommitteeKindLabel,
    pub(crate) index: u8,
    pub(crate) url: String,
}

/// A committee kind's label.
pub(crate) type CommitteeKindLabel = &'static str;

/// The running committees of a devnet.
pub(crate) struct Committees {
    /// What the relayer needs to relay under them.
    pub(crate) attested: Attested,
    /// The receivers `--messages` sends to, with what they go under.
    pub(crate) receivers: Vec<(Address32, &'static str)>,
    /// The attesters.
    pub(crate) attesters: Vec<AttesterInfo>,
    /// What a watcher protects: every committee of every source, with all its clients.
    pub(crate) watched: Vec<strait_watcher::WatchedCommittee>,
    /// Where the attesters publish.
    pub(crate) boards: Arc<Boards>,
    /// The optimistic clients the relayer proposes to.
    pub(crate) propose: Vec<crate::opt_route::Target>,
    running: Vec<Running>,
    servers: Vec<strait_node::server::Transport>,
    runtime: BackgroundRuntime,
}

/// An in-process attester and how to start it again.
struct Running {
    source: ChainId,
    kind: CommitteeKind,
    index: u8,
    rpc_url: String,
    record_path: PathBuf,
    board: Board,
    poll: Duration,
    task: Option<(watch::Sender<bool>, tokio::task::JoinHandle<()>)>,
}

impl Running {
    /// Starts it on `runtime` (it must not be running).
    async fn spawn(&mut self, runtime: &tokio::runtime::Handle) -> anyhow::Result<()> {
        let (source, label, index) = (self.source, self.kind.label, self.index);
        let record = Arc::new(
            SigningRecord::open(&self.record_path)
                .with_context(|| format!("opening {}", self.record_path.display()))?,
        );
        let rpc = ChainRpc::connect(&self.rpc_url, Duration::from_secs(10))
            .await
            .with_context(|| format!("connecting to {}", self.rpc_url))?;
        // The attester never submits: the account only satisfies the adapter.
        let chain = DevnetChain::new(
            rpc,
            Arc::new(AccountKey::devnet("attester")),
            Duration::from_millis(50),
            Duration::from_secs(30),
        );
        let (_, id) = devnet_committee(self.kind)?;
        let config = AttesterConfig {
            poll_interval: self.poll,
            ..AttesterConfig::new(id, 0)
        };
        let attester = Attester::start(
            chain,
            member_key(self.kind, index)?,
            record,
            self.board.clone(),
            config,
        )
        .with_context(|| format!("starting attester {label}-{source}-{index}"))?;
        self.task = Some(spawn_attester(
            runtime,
            attester,
            "an in-process attester halted",
        ));
        Ok(())
    }

    /// Stops it and waits (at most 5 s) for it to release its signing record.
    async fn stop(&mut self) {
        if let Some((stop, task)) = self.task.take() {
            let _ = stop.send(true);
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                tracing::warn!("an attester did not stop within 5 s");
            }
        }
    }
}

/// A runtime shut down without waiting when dropped: dropping a runtime may not block inside
/// another one (the devnet's), which an error return or the end of [`Committees::stop`] does.
pub(crate) struct BackgroundRuntime(pub(crate) Option<tokio::runtime::Runtime>);

impl BackgroundRuntime {
    pub(crate) fn handle(&self) -> tokio::runtime::Handle {
        match &self.0 {
            Some(runtime) => runtime.handle().clone(),
            None => tokio::runtime::Handle::current(),
        }
    }
}

impl Drop for BackgroundRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl Committees {
    /// Stops the attesters and their servers.
    pub(crate) async fn stop(mut self) {
        for attester in &mut self.running {
            if let Some((stop, _)) = &attester.task {
                let _ = stop.send(true);
            }
        }
        for attester in &mut self.running {
            attester.stop().await;
        }
        for server in self.servers {
            server.stop().await;
        }
        drop(self.runtime);
    }

    /// Stops the attesters of committee `label` for `source` (their boards keep what they
    /// signed).
    #[cfg(test)]
    pub(crate) async fn stop_committee(&mut self, source: ChainId, label: &str) {
        for attester in &mut self.running {
            if attester.source == source && attester.kind.label == label {
                attester.stop().await;
            }
        }
    }

    /// Starts again the stopped attesters of committee `label` for `source`.
    #[cfg(test)]
    pub(crate) async fn restart_committee(
        &mut self,
        source: ChainId,
        label: &str,
    ) -> anyhow::Result<()> {
        let handle = self.runtime.handle();
        for attester in &mut self.running {
            if attester.source == source && attester.kind.label == label && attester.task.is_none()
            {
                attester.spawn(&handle).await?;
            }
        }
        Ok(())
    }
}

fn read_file(path: &Path) -> anyhow::Result<CommitteesFile> {
    if !path.exists() {
        return Ok(CommitteesFile {
            version: FILE_VERSION,
            clients: Vec::new(),
        });
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: CommitteesFile =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    anyhow::ensure!(
        file.version == FILE_VERSION,
        "{} has version {}, expected {FILE_VERSION}; use --fresh",
        path.display(),
        file.version
    );
    Ok(file)
}

fn write_file(path: &Path, file: &CommitteesFile) -> anyhow::Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(file)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

pub(crate) fn member_key(kind: CommitteeKind, index: u8) -> anyhow::Result<AttesterKey> {
    AttesterKey::devnet(kind.scheme.kind(), index).context("devnet attester key")
}

/// The committee of `kind` (devnet keys from public seeds) and its id.
pub(crate) fn devnet_committee(kind: CommitteeKind) -> anyhow::Result<(Committee, Hash32)> {
    let keys = kind
        .indices()
        .map(|i| member_key(kind, i).map(|k| k.member()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let len = keys.first().map_or(20, Vec::len);
    let committee = Committee::from_members(kind.threshold, keys, len)
        .map_err(|e| anyhow::anyhow!("devnet committee {}: {e}", kind.label))?;
    let id = strait_attest::committee_id(kind.scheme.kind().get(), &committee.encode());
    Ok((committee, id))
}

/// The initial trust of a client of `kind`'s committee: its wire form, which for BLS carries each
/// member's proof of possession (`[STRAIT-ATTEST.3]`).
pub(crate) fn devnet_committee_init(kind: CommitteeKind) -> anyhow::Result<Vec<u8>> {
    let keys = kind
        .indices()
        .map(|i| member_key(kind, i))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (_, wire) = strait_attester::committee_of(kind.threshold, &keys)
        .map_err(|e| anyhow::anyhow!("devnet committee {}: {e}", kind.label))?;
    Ok(wire)
}

/// The committee clients of every ordered pair and role: the remembered ones that still exist on
/// their destination, and new ones created for the others; then every counter's config is set
/// (each committee counter chooses its client, the composite counter requires the destination's
/// BFT light client of the source and [`COMPOSITE_THRESHOLD`] of its three committee clients).
async fn ensure_clients(
    data_dir: &Path,
    clients: &[HttpClient],
    ids: &[ChainId],
) -> anyhow::Result<Vec<ClientEntry>> {
    let path = data_dir.join(FILE);
    let mut file = read_file(&path)?;
    let mut kept = Vec::new();
    for entry in &file.clients {
        let Some(d) = ids.iter().position(|c| *c == entry.destination) else {
            continue;
        };
        if entry.committee().is_none() {
            continue;
        }
        match clients[d].attesters(entry.client).await {
            Ok(found) if found.kind == entry.kind => kept.push(ClientEntry {
                role: entry.role(),
                ..entry.clone()
            }),
            Ok(_) => {}
            Err(ClientError::Call(e)) if e.code() == codes::NOT_FOUND => {}
            Err(e) => return Err(e).context("strait_attesters"),
        }
    }
    file.clients = kept;
    let mut wanted: Vec<Vec<(ChainId, CommitteeKind, String)>> = vec![Vec::new(); ids.len()];
    for (d, &destination) in ids.iter().enumerate() {
        for &source in ids.iter().filter(|s| **s != destination) {
            for (kind, role) in roles() {
                let known = file
                    .clients
                    .iter()
                    .any(|e| (e.source, e.destination, &e.role) == (source, destination, &role));
                if !known {
                    wanted[d].push((source, kind, role));
                }
            }
        }
    }
    let creates = wanted
        .iter()
        .map(|w| {
            w.iter()
                .map(|(source, kind, _)| {
                    Ok(TxBody::CreateClient {
                        kind: kind.scheme.kind(),
                        source: *source,
                        init: devnet_committee_init(*kind)?,
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let created = submit_everywhere(clients, ids, creates).await?;
    for (d, (wanted, created)) in wanted.into_iter().zip(created).enumerate() {
        let destination = ids[d];
        for ((source, kind, role), result) in wanted.into_iter().zip(created) {
            let id = result.client_id.with_context(|| {
                format!(
                    "creating the {role} client of {source} on {destination}: {}",
                    result.error.unwrap_or_default()
                )
            })?;
            file.clients.push(ClientEntry {
                source,
                destination,
                kind: kind.scheme.kind().get(),
                client: id,
                role,
            });
        }
    }
    write_file(&path, &file)?;
    // Every start sets the configs again: one call per counter and pair.
    let mut calls = vec![Vec::new(); ids.len()];
    for (d, &destination) in ids.iter().enumerate() {
        for &source in ids.iter().filter(|s| **s != destination) {
            let pair: Vec<&ClientEntry> = file
                .clients
                .iter()
                .filter(|e| (e.source, e.destination) == (source, destination))
                .collect();
            let mut composite = Vec::new();
            for entry in pair {
                match entry.committee() {
                    Some((_, true)) => composite.push(entry.client),
                    Some((kind, false)) => {
                        if let Some(receiver) = kind.receiver {
                            calls[d].push(TxBody::AppCall {
                                app: receiver(),
                                data: [source.to_be_bytes(), entry.client.to_be_bytes()].concat(),
                            });
                        }
                    }
                    None => {}
                }
            }
            let bft = clients[d]
                .client(source)
                .await
                .with_context(|| format!("the light client of {source} on {destination}"))?
                .client_id;
            calls[d].push(TxBody::AppCall {
                app: apps::counter_composite(),
                data: [
                    source.to_be_bytes().to_vec(),
                    composite_config(bft, composite).encode(),
                ]
                .concat(),
            });
        }
    }
    for result in submit_everywhere(clients, ids, calls)
        .await?
        .into_iter()
        .flatten()
    {
        anyhow::ensure!(
            result.success,
            "a counter did not take its security config: {}",
            result.error.unwrap_or_default()
        );
    }
    Ok(file.clients)
}

/// Announces, on each client's destination, every member whose announced URL is not its own.
async fn announce(
    clients: &[HttpClient],
    ids: &[ChainId],
    entries: &[ClientEntry],
    urls: &BTreeMap<(ChainId, &'static str, u8), String>,
) -> anyhow::Result<()> {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let mut per_chain: Vec<Vec<TxBody>> = vec![Vec::new(); ids.len()];
    for entry in entries {
        let d = ids
            .iter()
            .position(|c| *c == entry.destination)
            .context("a client of an unknown chain")?;
        let (kind, _) = entry.committee().context("a client of an unknown role")?;
        let announced = clients[d]
            .attesters(entry.client)
            .await
            .context("strait_attesters")?
            .attesters;
        let id = devnet_committee(kind)?.1;
        for index in kind.indices() {
            let key = member_key(kind, index)?;
            let url = &urls[&(entry.source, kind.label, index)];
            let stored = announced.iter().find(|a| a.member.0 == key.member());
            if stored.is_some_and(|a| &a.url == url) {
                continue;
            }
            let sequence = now_ms.max(stored.map_or(0, |a| a.sequence.saturating_add(1)));
            per_chain[d].push(TxBody::AnnounceAttester(key.announcement(
                entry.destination,
                entry.client,
                &id,
                sequence,
                url,
            )));
        }
    }
    for result in submit_everywhere(clients, ids, per_chain)
        .await?
        .into_iter()
        .flatten()
    {
        anyhow::ensure!(
            result.success,
            "an attester announcement was refused: {}",
            result.error.unwrap_or_default()
        );
    }
    Ok(())
}

/// The relayer's view of the client of `entry`.
fn attested_client(entry: &ClientEntry) -> anyhow::Result<(AttestedClient, bool)> {
    let (kind, composite) = entry.committee().context("a client of an unknown role")?;
    let (committee, committee_id) = devnet_committee(kind)?;
    let receivers = match (composite, kind.receiver) {
        (true, _) => vec![apps::counter_composite()],
        (false, Some(receiver)) => vec![receiver()],
        (false, None) => anyhow::bail!("{} has no counter of its own", kind.label),
    };
    let client = AttestedClient {
        source: entry.source,
        destination: entry.destination,
        client: entry.client,
        kind: kind.scheme.kind(),
        committee,
        committee_id,
        epoch: 0,
        receivers,
    };
    Ok((client, composite))
}

/// Starts the committees of the devnet of `endpoints` (see the module docs). Attesters listen on
/// `port_base + 100 + k` (any free port if `port_base` is 0).
pub(crate) async fn start(
    data_dir: &Path,
    endpoints: &[ChainEndpoint],
    port_base: u16,
    block_time_ms: u64,
) -> anyhow::Result<Committees> {
    let clients: Vec<HttpClient> = endpoints
        .iter()
        .map(|e| http_client(&e.rpc_url))
        .collect::<anyhow::Result<_>>()?;
    let mut ids = Vec::with_capacity(clients.len());
    for client in &clients {
        ids.push(client.chain_info().await.context("chainInfo")?.chain_id);
    }
    let records_dir: PathBuf = data_dir.join(ATTESTERS_DIR);
    std::fs::create_dir_all(&records_dir)
        .with_context(|| format!("creating {}", records_dir.display()))?;

    // The attesters, each serving its board. They run on a runtime of their own: each signature
    // waits for its record to be synced to disk, which must not hold up the chains' RPC and the
    // relayer on the main runtime's few worker threads.
    let runtime = BackgroundRuntime(Some(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("attesters")
            .enable_all()
            .build()
            .context("starting the attesters' runtime")?,
    ));
    let mut running = Vec::new();
    let mut servers = Vec::new();
    let mut boards = Vec::new();
    let mut urls = BTreeMap::new();
    let mut attesters = Vec::new();
    let poll = Duration::from_millis((2 * block_time_ms).clamp(50, 1000));
    let mut k: u16 = 0;
    for (s, endpoint) in endpoints.iter().enumerate() {
        let source = ids[s];
        for kind in KINDS {
            for index in kind.indices() {
                let port = if port_base == 0 {
                    0
                } else {
                    port_base
                        .checked_add(ATTESTER_PORT_OFFSET + k)
                        .context("attester port past 65535")?
                };
                k += 1;
                let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
                let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
                    format!("binding attester {}-{source}-{index} to {addr}", kind.label)
                })?;
                let url = format!("http://{}", listener.local_addr()?);
                let board = Board::default();
                servers.push(crate::attester::serve_board(listener, board.clone()));
                let mut attester = Running {
                    source,
                    kind,
                    index,
                    rpc_url: endpoint.rpc_url.clone(),
                    record_path: records_dir.join(format!("{}-{source}-{index}.redb", kind.label)),
                    board: board.clone(),
                    poll,
                    task: None,
                };
                attester.spawn(&runtime.handle()).await?;
                running.push(attester);
                boards.push(board);
                urls.insert((source, kind.label, index), url.clone());
                attesters.push(AttesterInfo {
                    source,
                    kind: kind.label,
                    index,
                    url,
                });
            }
        }
    }

    let entries = ensure_clients(data_dir, &clients, &ids).await?;
    let rpc_urls: Vec<String> = endpoints.iter().map(|e| e.rpc_url.clone()).collect();
    let bls_routes = crate::bls_route::ensure(&rpc_urls, &clients, &ids).await?;
    let (opt_routes, propose) = crate::opt_route::ensure(&clients, &ids, block_time_ms).await?;
    announce(&clients, &ids, &entries, &urls).await?;
    let boards = Arc::new(Boards(boards));
    let mut attested = Attested {
        source: Some(boards.clone()),
        clients: Vec::new(),
        routes: Vec::new(),
    };
    let mut watched: Vec<strait_watcher::WatchedCommittee> = Vec::new();
    for entry in &entries {
        let (client, composite) = attested_client(entry)?;
        match watched
            .iter_mut()
            .find(|w| w.source == client.source && w.committee_id == client.committee_id)
        {
            Some(w) => w.clients.push((client.destination, client.client)),
            None => watched.push(strait_watcher::WatchedCommittee {
                source: client.source,
                kind: client.kind,
                committee: client.committee.clone(),
                committee_id: client.committee_id,
                epoch: client.epoch,
                clients: vec![(client.destination, client.client)],
            }),
        }
        if !composite {
            attested.clients.push(client);
            continue;
        }
        // [STRAIT-ROUTE.7] the composite route of the pair, relayed under its own config.
        match attested
            .routes
            .iter_mut()
            .find(|r| (r.source, r.destination) == (client.source, client.destination))
        {
            Some(route) => route.committees.push(client),
            None => attested.routes.push(SecuredRoute {
                source: client.source,
                destination: client.destination,
                receivers: vec![apps::counter_composite()],
                committees: vec![client],
            }),
        }
    }
    attested.routes.extend(bls_routes);
    let mut receivers = vec![
        (apps::counter(), "bft"),
        (apps::counter_bls(), crate::bls_route::LABEL),
    ];
    if !opt_routes.is_empty() {
        attested.routes.extend(opt_routes);
        receivers.push((apps::counter_optimistic(), crate::opt_route::LABEL));
    }
    for kind in KINDS {
        if let Some(receiver) = kind.receiver {
            receivers.push((receiver(), kind.label));
        }
    }
    receivers.push((apps::counter_composite(), COMPOSITE_LABEL));
    Ok(Committees {
        attested,
        receivers,
        attesters,
        watched,
        boards,
        propose,
        running,
        servers,
        runtime,
    })
}

/// Runs `attester` on `runtime` until the returned sender sends `true`; logs `halted` with the
/// error if it halts.
pub(crate) fn spawn_attester<S, P>(
    runtime: &tokio::runtime::Handle,
    attester: Attester<S, P>,
    halted: &'static str,
) -> (watch::Sender<bool>, tokio::task::JoinHandle<()>)
where
    S: strait_chain_client::OutboxHistory + Send + Sync + 'static,
    P: strait_attester::Publish + Send + Sync + 'static,
{
    let (stop, mut stopped) = watch::channel(false);
    let task = runtime.spawn(async move {
        let shutdown = async move {
            let _ = stopped.wait_for(|s| *s).await;
        };
        if let Err(e) = attester
            .run(strait_runtime::tokio::TokioRuntime::new(), shutdown)
            .await
        {
            tracing::error!(error = %e, "{halted}");
        }
    });
    (stop, task)
}

#[cfg(test)]
mod tests;
