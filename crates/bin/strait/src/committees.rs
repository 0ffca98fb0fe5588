//! `strait devnet`'s attester committees: for every ordered pair of chains, a 3-of-4 ECDSA
//! committee and a 2-of-3 ed25519 committee (devnet keys from public seeds) whose attesters run in
//! this process, each with its own signing record under `<data-dir>/attesters/` (a restart
//! resumes without double-signing) and its own `strait_attestation` server; their clients on every
//! destination, chosen by the counters `counter-ecdsa` and `counter-ed25519`; the attesters'
//! announcements of their URLs on chain (`[STRAIT-ATTEST.13]`); and the relayer's `Attested`
//! configuration, so that messages to those counters execute under certified roots.
//!
//! The clients are created once and remembered in `<data-dir>/committees.json`; a restart reuses
//! them (and re-announces only an attester whose URL changed).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use jsonrpsee::core::ClientError;
use jsonrpsee::http_client::HttpClient;
use serde::{Deserialize, Serialize};
use strait_attest::Committee;
use strait_attester::{Attester, AttesterConfig, AttesterKey, Board, Boards, SigningRecord};
use strait_devnet_api::announced::AnnouncedApiClient;
use strait_devnet_api::apps;
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{codes, StraitApiClient, TxResult};
use strait_devnet_api::tx::{Tx, TxBody};
use strait_devnet_client::{ChainEndpoint, ChainRpc, DevnetChain};
use strait_primitives::{Address32, ChainId, ClientId, Hash32};
use strait_relayer::{Attested, AttestedClient};
use tokio::sync::watch;

use crate::attester::{devnet_committee, Scheme};
use crate::send::{http_client, wait_tx};

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
    pub(crate) members: u8,
    pub(crate) threshold: u16,
    /// What `--messages` reports its messages as.
    pub(crate) label: &'static str,
}

impl CommitteeKind {
    /// The counter whose messages go under this committee.
    pub(crate) fn receiver(self) -> Address32 {
        match self.scheme {
            Scheme::Ecdsa => apps::counter_ecdsa(),
            Scheme::Ed25519 => apps::counter_ed25519(),
            Scheme::Bls => unreachable!("the devnet starts no BLS committee (KINDS)"),
        }
    }
}

/// The devnet's committees: 3-of-4 ECDSA, 2-of-3 ed25519.
pub(crate) const KINDS: [CommitteeKind; 2] = [
    CommitteeKind {
        scheme: Scheme::Ecdsa,
        members: 4,
        threshold: 3,
        label: "attest_ecdsa",
    },
    CommitteeKind {
        scheme: Scheme::Ed25519,
        members: 3,
        threshold: 2,
        label: "attest_ed25519",
    },
];

/// A committee client of the devnet, as remembered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ClientEntry {
    source: ChainId,
    destination: ChainId,
    kind: u16,
    client: ClientId,
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
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    servers: Vec<strait_node::server::Transport>,
    runtime: BackgroundRuntime,
}

/// A runtime shut down without waiting when dropped: dropping a runtime may not block inside
/// another one (the devnet's), which an error return or the end of [`Committees::stop`] does.
struct BackgroundRuntime(Option<tokio::runtime::Runtime>);

impl BackgroundRuntime {
    fn handle(&self) -> tokio::runtime::Handle {
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
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                tracing::warn!("an attester did not stop within 5 s");
            }
        }
        for server in self.servers {
            server.stop().await;
        }
        drop(self.runtime);
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

/// Signs `bodies` as the committee owner with consecutive nonces and submits them all; returns
/// their hashes.
async fn submit_only(
    client: &HttpClient,
    chain: ChainId,
    bodies: Vec<TxBody>,
) -> anyhow::Result<Vec<Hash32>> {
    let key = AccountKey::devnet(apps::COMMITTEE_OWNER);
    let mut nonce = client
        .account_nonce(key.address())
        .await
        .context("accountNonce")?;
    let mut hashes = Vec::with_capacity(bodies.len());
    for body in bodies {
        let tx = Tx {
            chain_id: chain,
            signer: key.address(),
            nonce,
            body,
        }
        .sign(&key);
        hashes.push(
            client
                .submit_transaction(tx.encode().into())
                .await
                .with_context(|| format!("submitting a committee setup transaction to {chain}"))?,
        );
        nonce += 1;
    }
    Ok(hashes)
}

/// Submits `bodies[d]` to chain `d` for every chain, then waits for every result: one or two
/// blocks for the lot, whatever the number of chains.
async fn submit_everywhere(
    clients: &[HttpClient],
    ids: &[ChainId],
    bodies: Vec<Vec<TxBody>>,
) -> anyhow::Result<Vec<Vec<TxResult>>> {
    let mut hashes = Vec::with_capacity(bodies.len());
    for (d, bodies) in bodies.into_iter().enumerate() {
        hashes.push(if bodies.is_empty() {
            Vec::new()
        } else {
            submit_only(&clients[d], ids[d], bodies).await?
        });
    }
    let mut results = Vec::with_capacity(hashes.len());
    for (d, hashes) in hashes.into_iter().enumerate() {
        let mut chain = Vec::with_capacity(hashes.len());
        for hash in hashes {
            chain.push(wait_tx(&clients[d], hash, Duration::from_secs(60)).await?);
        }
        results.push(chain);
    }
    Ok(results)
}

fn member_key(kind: CommitteeKind, index: u8) -> anyhow::Result<AttesterKey> {
    AttesterKey::devnet(kind.scheme.kind(), index).context("devnet attester key")
}

/// The committee clients of every ordered pair and kind: the remembered ones that still exist on
/// their destination, and new ones created (and chosen by the kind's counter) for the others.
async fn ensure_clients(
    data_dir: &Path,
    clients: &[HttpClient],
    ids: &[ChainId],
    committees: &BTreeMap<&'static str, (Committee, Hash32)>,
) -> anyhow::Result<Vec<ClientEntry>> {
    let path = data_dir.join(FILE);
    let mut file = read_file(&path)?;
    let mut kept = Vec::new();
    for entry in &file.clients {
        let Some(d) = ids.iter().position(|c| *c == entry.destination) else {
            continue;
        };
        match clients[d].attesters(entry.client).await {
            Ok(found) if found.kind == entry.kind => kept.push(*entry),
            Ok(_) => {}
            Err(ClientError::Call(e)) if e.code() == codes::NOT_FOUND => {}
            Err(e) => return Err(e).context("strait_attesters"),
        }
    }
    file.clients = kept;
    let mut wanted: Vec<Vec<(ChainId, CommitteeKind)>> = vec![Vec::new(); ids.len()];
    for (d, &destination) in ids.iter().enumerate() {
        for &source in ids.iter().filter(|s| **s != destination) {
            for kind in KINDS {
                let k = kind.scheme.kind().get();
                let known = file
                    .clients
                    .iter()
                    .any(|e| (e.source, e.destination, e.kind) == (source, destination, k));
                if !known {
                    wanted[d].push((source, kind));
                }
            }
        }
    }
    let creates = wanted
        .iter()
        .map(|w| {
            w.iter()
                .map(|(source, kind)| TxBody::CreateClient {
                    kind: kind.scheme.kind(),
                    source: *source,
                    init: committees[kind.label].0.encode(),
                })
                .collect()
        })
        .collect();
    let created = submit_everywhere(clients, ids, creates).await?;
    let mut choices = vec![Vec::new(); ids.len()];
    for (d, (wanted, created)) in wanted.iter().zip(created).enumerate() {
        let destination = ids[d];
        for ((source, kind), result) in wanted.iter().zip(created) {
            let id = result.client_id.with_context(|| {
                format!(
                    "creating the {} client of {source} on {destination}: {}",
                    kind.label,
                    result.error.unwrap_or_default()
                )
            })?;
            file.clients.push(ClientEntry {
                source: *source,
                destination,
                kind: kind.scheme.kind().get(),
                client: id,
            });
            choices[d].push(TxBody::AppCall {
                app: kind.receiver(),
                data: [source.to_be_bytes(), id.to_be_bytes()].concat(),
            });
        }
    }
    for result in submit_everywhere(clients, ids, choices)
        .await?
        .into_iter()
        .flatten()
    {
        anyhow::ensure!(
            result.success,
            "a counter did not choose its committee client: {}",
            result.error.unwrap_or_default()
        );
    }
    write_file(&path, &file)?;
    Ok(file.clients)
}

/// Announces, on each client's destination, every member whose announced URL is not its own.
async fn announce(
    clients: &[HttpClient],
    ids: &[ChainId],
    entries: &[ClientEntry],
    committees: &BTreeMap<&'static str, (Committee, Hash32)>,
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
        let kind = KINDS
            .into_iter()
            .find(|k| k.scheme.kind().get() == entry.kind)
            .context("a client of an unknown kind")?;
        let announced = clients[d]
            .attesters(entry.client)
            .await
            .context("strait_attesters")?
            .attesters;
        for index in 1..=kind.members {
            let key = member_key(kind, index)?;
            let url = &urls[&(entry.source, kind.label, index)];
            let stored = announced.iter().find(|a| a.member.0 == key.member());
            if stored.is_some_and(|a| &a.url == url) {
                continue;
            }
            let sequence = now_ms.max(stored.map_or(0, |a| a.sequence.saturating_add(1)));
            let id = &committees[kind.label].1;
            per_chain[d].push(TxBody::AnnounceAttester(key.announcement(
                entry.destination,
                entry.client,
                id,
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
    let mut committees = BTreeMap::new();
    for kind in KINDS {
        committees.insert(
            kind.label,
            devnet_committee(kind.scheme, kind.members, kind.threshold)?,
        );
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
    let (stop, stopped) = watch::channel(false);
    let mut tasks = Vec::new();
    let mut servers = Vec::new();
    let mut boards = Vec::new();
    let mut urls = BTreeMap::new();
    let mut attesters = Vec::new();
    let poll = Duration::from_millis((2 * block_time_ms).clamp(50, 1000));
    let mut k: u16 = 0;
    for (s, endpoint) in endpoints.iter().enumerate() {
        let source = ids[s];
        for kind in KINDS {
            let id = committees[kind.label].1;
            for index in 1..=kind.members {
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
                let record_path = records_dir.join(format!("{}-{source}-{index}.redb", kind.label));
                let record = Arc::new(
                    SigningRecord::open(&record_path)
                        .with_context(|| format!("opening {}", record_path.display()))?,
                );
                let rpc = ChainRpc::connect(&endpoint.rpc_url, Duration::from_secs(10))
                    .await
                    .with_context(|| format!("connecting to {}", endpoint.rpc_url))?;
                // The attester never submits: the account only satisfies the adapter.
                let chain = DevnetChain::new(
                    rpc,
                    Arc::new(AccountKey::devnet("attester")),
                    Duration::from_millis(50),
                    Duration::from_secs(30),
                );
                let config = AttesterConfig {
                    poll_interval: poll,
                    ..AttesterConfig::new(id, 0)
                };
                let attester = Attester::start(
                    chain,
                    member_key(kind, index)?,
                    record,
                    board.clone(),
                    config,
                )
                .with_context(|| format!("starting attester {}-{source}-{index}", kind.label))?;
                let mut stopped = stopped.clone();
                tasks.push(runtime.handle().spawn(async move {
                    let shutdown = async move {
                        let _ = stopped.wait_for(|s| *s).await;
                    };
                    if let Err(e) = attester
                        .run(strait_runtime::tokio::TokioRuntime::new(), shutdown)
                        .await
                    {
                        tracing::error!(error = %e, "an in-process attester halted");
                    }
                }));
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

    let entries = ensure_clients(data_dir, &clients, &ids, &committees).await?;
    announce(&clients, &ids, &entries, &committees, &urls).await?;
    let attested = Attested {
        source: Some(Arc::new(Boards(boards))),
        clients: entries
            .iter()
            .filter_map(|e| {
                let kind = KINDS
                    .into_iter()
                    .find(|k| k.scheme.kind().get() == e.kind)?;
                let (committee, committee_id) = committees[kind.label].clone();
                Some(AttestedClient {
                    source: e.source,
                    destination: e.destination,
                    client: e.client,
                    kind: kind.scheme.kind(),
                    committee,
                    committee_id,
                    epoch: 0,
                    receivers: vec![kind.receiver()],
                })
            })
            .collect(),
        routes: Vec::new(),
    };
    let mut receivers = vec![(apps::counter(), "bft")];
    receivers.extend(KINDS.iter().map(|k| (k.receiver(), k.label)));
    Ok(Committees {
        attested,
        receivers,
        attesters,
        stop,
        tasks,
        servers,
        runtime,
    })
}

#[cfg(test)]
mod tests;
