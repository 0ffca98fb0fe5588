//! `strait attester`: sign final checkpoints of one source chain for an attester committee and
//! serve them over JSON-RPC (`strait_attestation`, `strait_latestAttestation`, `docs/rpc.md`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use jsonrpsee::core::{async_trait, RpcResult};
use strait_attest::{committee_id, Committee};
use strait_attester::{Attester, AttesterConfig, AttesterKey, Board, SigningRecord};
use strait_chain_client::VerifierKind;
use strait_devnet_api::attester::{AttestationJson, AttesterApiServer};
use strait_devnet_api::keys::AccountKey;
use strait_devnet_client::{ChainRpc, DevnetChain};
use strait_node::server::{serve_methods, RpcLimits};
use strait_primitives::{ChainId, Hash32};

use crate::Shutdown;

/// A committee's signature scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Scheme {
    /// secp256k1 ECDSA, members are EVM addresses (verifier kind 2).
    Ecdsa,
    /// ed25519 (verifier kind 3).
    Ed25519,
    /// BLS12-381, members are uncompressed G1 keys admitted with proofs of possession; the relayer
    /// aggregates the members' signatures into one (verifier kind 4).
    Bls,
}

impl Scheme {
    pub(crate) fn kind(self) -> VerifierKind {
        match self {
            Self::Ecdsa => VerifierKind::ATTEST_ECDSA,
            Self::Ed25519 => VerifierKind::ATTEST_ED25519,
            Self::Bls => VerifierKind::ATTEST_BLS,
        }
    }
}

/// Arguments of `strait attester`.
#[derive(Debug, Args)]
pub(crate) struct AttesterArgs {
    /// JSON-RPC URL of the source chain's node (a native chain).
    #[arg(long, required_unless_present = "evm", conflicts_with = "evm")]
    rpc: Option<String>,
    /// Or an EVM source chain: `URL,ENDPOINT` (its JSON-RPC URL and the Strait endpoint's
    /// address; `,TOKEN_APP,FROM_BLOCK` may follow: logs are read from FROM_BLOCK). The attester
    /// reads only: it needs no EVM key.
    #[arg(long)]
    evm: Option<crate::status_chains::EvmChainArg>,
    /// Blocks below the EVM chain's head its outbox is read at, before --finality.
    #[arg(long, default_value_t = 12)]
    evm_confirmations: u64,
    /// The committee's signature scheme.
    #[arg(long, value_enum, default_value = "ecdsa")]
    scheme: Scheme,
    /// This attester's devnet key, by index (1-based): derived from a PUBLIC seed, devnet only.
    #[arg(long)]
    index: u8,
    /// Members of the devnet committee (keys 1..=members): gives its committee id.
    #[arg(long, default_value_t = 4)]
    members: u8,
    /// Its threshold.
    #[arg(long, default_value_t = 3)]
    threshold: u16,
    /// The committee's epoch on the destination.
    #[arg(long, default_value_t = 0)]
    epoch: u64,
    /// Blocks below the source's latest height a height must be to be signed.
    #[arg(long, default_value_t = 2)]
    finality: u64,
    /// Where to serve the attestations.
    #[arg(long, default_value = "127.0.0.1:9700")]
    listen: SocketAddr,
    /// The signing record (redb); never delete it while the key is in use.
    #[arg(long)]
    record: PathBuf,
    /// Polling interval in milliseconds.
    #[arg(long, default_value_t = 500)]
    poll_ms: u64,
}

/// The devnet committee of `members` devnet keys of `scheme`, with its id.
pub(crate) fn devnet_committee(
    scheme: Scheme,
    members: u8,
    threshold: u16,
) -> anyhow::Result<(Committee, Hash32)> {
    let kind = scheme.kind();
    let keys = (1..=members)
        .map(|i| AttesterKey::devnet(kind, i).map(|k| k.member()))
        .collect::<Option<Vec<_>>>()
        .context("devnet attester key")?;
    let len = keys.first().map_or(20, Vec::len);
    let committee = Committee::from_members(threshold, keys, len)
        .map_err(|e| anyhow::anyhow!("devnet committee: {e}"))?;
    let id = committee_id(kind.get(), &committee.encode());
    Ok((committee, id))
}

struct Server(Board);

#[async_trait]
impl AttesterApiServer for Server {
    async fn attestation(
        &self,
        chain: ChainId,
        leaf_count: u64,
    ) -> RpcResult<Option<AttestationJson>> {
        Ok(self
            .0
            .get(chain, leaf_count)
            .as_ref()
            .map(AttestationJson::from))
    }

    async fn latest_attestation(&self, chain: ChainId) -> RpcResult<Option<AttestationJson>> {
        Ok(self.0.latest(chain).as_ref().map(AttestationJson::from))
    }
}

/// Serves `board` (`strait_attestation`, `strait_latestAttestation`) on `listener` with the node's
/// transport bounds.
pub(crate) fn serve_board(
    listener: tokio::net::TcpListener,
    board: Board,
) -> strait_node::server::Transport {
    serve_methods(
        listener,
        Server(board).into_rpc().into(),
        RpcLimits::default(),
    )
}

pub(crate) async fn run(args: AttesterArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        (1..=args.members).contains(&args.index),
        "--index must be a member: 1..={}",
        args.members
    );
    let kind = args.scheme.kind();
    let key = AttesterKey::devnet(kind, args.index).context("devnet attester key")?;
    let (_, id) = devnet_committee(args.scheme, args.members, args.threshold)?;
    tracing::warn!(
        index = args.index,
        "DEVNET KEY from a public seed: anyone can sign as this attester"
    );
    let record = Arc::new(SigningRecord::open(&args.record).context("opening the signing record")?);
    let config = AttesterConfig {
        finality_depth: args.finality,
        poll_interval: Duration::from_millis(args.poll_ms.max(1)),
        ..AttesterConfig::new(id, args.epoch)
    };
    match (&args.rpc, &args.evm) {
        (Some(url), _) => {
            let rpc = ChainRpc::connect(url, Duration::from_secs(10))
                .await
                .with_context(|| format!("connecting to {url}"))?;
            // The attester never submits: the account only satisfies the adapter.
            let source = DevnetChain::new(
                rpc,
                Arc::new(AccountKey::devnet("attester")),
                Duration::from_millis(50),
                Duration::from_secs(30),
            );
            attest(source, key, record, config, &args).await
        }
        (None, Some(chain)) => {
            let provider = strait_evm_client::deploy::read_provider(&chain.url)?;
            let chain_id = tokio::time::timeout(
                Duration::from_secs(10),
                strait_evm_client::deploy::chain_id(&provider),
            )
            .await
            .map_err(|_| anyhow::anyhow!("{} did not answer within 10 s", chain.url))?
            .with_context(|| format!("the chain id of {}", chain.url))?;
            let mut evm = strait_evm_client::EvmSourceConfig::new(
                chain.url.clone(),
                chain.endpoint,
                chain_id,
                args.evm_confirmations,
            );
            evm.start_block = chain.from_block;
            let source = strait_evm_client::EvmSource::connect(evm)
                .await
                .with_context(|| format!("the EVM chain at {}", chain.url))?;
            attest(source, key, record, config, &args).await
        }
        (None, None) => anyhow::bail!("give --rpc or --evm"),
    }
}

/// Signs `source`'s final checkpoints and serves them until Ctrl-C.
async fn attest<S: strait_chain_client::OutboxHistory>(
    source: S,
    key: AttesterKey,
    record: Arc<SigningRecord>,
    config: AttesterConfig,
    args: &AttesterArgs,
) -> anyhow::Result<()> {
    let id = config.committee_id;
    let board = Board::default();
    let attester = Attester::start(source, key, record, board.clone(), config)
        .context("starting the attester")?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    let transport = serve_board(listener, board);
    out!(
        "attester {} of committee {id} serving on http://{addr}",
        args.index
    );
    let mut shutdown = Shutdown::listen();
    let result = attester
        .run(strait_runtime::tokio::TokioRuntime::new(), async move {
            shutdown.wait().await
        })
        .await;
    transport.stop().await;
    result.context("attester halted")
}

/// The URLs the members of each committee client in `clients` announced on its destination
/// (`strait_attesters`, `[STRAIT-ATTEST.13]`), deduplicated, in order; `rpc_urls` reach the chains.
/// A relayer trusts nothing they answer: it verifies every signature it fetches.
pub(crate) async fn discover_attesters(
    rpc_urls: &[String],
    clients: &[strait_relayer::AttestedClient],
) -> anyhow::Result<Vec<String>> {
    use strait_devnet_api::announced::AnnouncedApiClient;
    use strait_devnet_api::rpc::StraitApiClient;
    let mut chains = Vec::with_capacity(rpc_urls.len());
    for url in rpc_urls {
        let client = crate::rpc_client::http_client(url)?;
        let id = client
            .chain_info()
            .await
            .with_context(|| format!("cannot reach {url}"))?
            .chain_id;
        chains.push((id, client));
    }
    let mut urls = Vec::new();
    for wanted in clients {
        let (_, rpc) = chains
            .iter()
            .find(|(id, _)| *id == wanted.destination)
            .with_context(|| format!("no --rpc reaches chain {}", wanted.destination))?;
        let announced = rpc.attesters(wanted.client).await.with_context(|| {
            format!(
                "strait_attesters({}) on chain {}",
                wanted.client, wanted.destination
            )
        })?;
        for attester in announced.attesters {
            if !urls.contains(&attester.url) {
                urls.push(attester.url);
            }
        }
    }
    Ok(urls)
}

/// A committee client of the devnet committee from `SOURCE:DESTINATION:CLIENT[:RECEIVER_HEX]`.
pub(crate) fn committee_client(
    spec: &str,
    scheme: Scheme,
    committee: &Committee,
    committee_id: Hash32,
) -> anyhow::Result<strait_relayer::AttestedClient> {
    let parts: Vec<&str> = spec.split(':').collect();
    anyhow::ensure!(
        (3..=4).contains(&parts.len()),
        "--committee-client {spec}: want SOURCE:DESTINATION:CLIENT[:RECEIVER_HEX]"
    );
    let number = |s: &str| -> anyhow::Result<u64> {
        s.parse()
            .with_context(|| format!("--committee-client {spec}: {s} is not a number"))
    };
    let receivers = match parts.get(3) {
        // A built-in app by name (`counter-ecdsa`, ...).
        Some(name) if name.contains('-') || name.chars().all(|c| c.is_ascii_alphabetic()) => {
            vec![crate::send::parse_receiver(name)
                .with_context(|| format!("--committee-client {spec}: receiver"))?]
        }
        Some(hex) => {
            let bytes = hex::decode(hex.trim_start_matches("0x"))
                .with_context(|| format!("--committee-client {spec}: receiver"))?;
            let receiver: [u8; 32] = bytes
                .try_into()
                .map_err(|_| anyhow::anyhow!("--committee-client {spec}: a 32-byte receiver"))?;
            vec![strait_primitives::Address32(receiver)]
        }
        None => Vec::new(),
    };
    Ok(strait_relayer::AttestedClient {
        source: ChainId(number(parts[0])?),
        destination: ChainId(number(parts[1])?),
        client: strait_primitives::ClientId(number(parts[2])?),
        kind: scheme.kind(),
        committee: committee.clone(),
        committee_id,
        epoch: 0,
        receivers,
    })
}

/// A route relayed under its own security config (`[STRAIT-ROUTE.7]`), from
/// `SOURCE:DESTINATION:RECEIVER_HEX[:CLIENT,CLIENT...]`: the listed clients are committee clients
/// of the devnet committee that the receiver's config names (the relayer certifies for them).
pub(crate) fn secured_route(
    spec: &str,
    devnet: Option<(Scheme, &Committee, Hash32)>,
) -> anyhow::Result<strait_relayer::route::SecuredRoute> {
    let parts: Vec<&str> = spec.split(':').collect();
    anyhow::ensure!(
        (3..=4).contains(&parts.len()),
        "--route {spec}: want SOURCE:DESTINATION:RECEIVER_HEX[:CLIENT,CLIENT...]"
    );
    let number = |s: &str| -> anyhow::Result<u64> {
        s.parse()
            .with_context(|| format!("--route {spec}: {s} is not a number"))
    };
    let (source, destination) = (number(parts[0])?, number(parts[1])?);
    let receiver = crate::send::parse_receiver(parts[2])
        .with_context(|| format!("--route {spec}: receiver"))?;
    let mut committees = Vec::new();
    if let Some(list) = parts.get(3).filter(|l| !l.is_empty()) {
        let Some((scheme, committee, id)) = devnet else {
            anyhow::bail!("--route {spec}: committee clients need --attester URLs");
        };
        for client in list.split(',') {
            committees.push(committee_client(
                &format!("{source}:{destination}:{client}"),
                scheme,
                committee,
                id,
            )?);
        }
    }
    Ok(strait_relayer::route::SecuredRoute {
        source: ChainId(source),
        destination: ChainId(destination),
        receivers: vec![receiver],
        committees,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_specs_parse_and_bad_ones_are_refused() {
        let (committee, id) = devnet_committee(Scheme::Ecdsa, 4, 3).unwrap();
        let devnet = Some((Scheme::Ecdsa, &committee, id));
        let receiver = "11".repeat(32);
        let route = secured_route(&format!("1:2:{receiver}:4,5"), devnet).unwrap();
        assert_eq!((route.source, route.destination), (ChainId(1), ChainId(2)));
        assert_eq!(
            route.receivers,
            vec![strait_primitives::Address32([0x11; 32])]
        );
        let clients: Vec<u64> = route.committees.iter().map(|c| c.client.get()).collect();
        assert_eq!(clients, vec![4, 5]);
        // No committee: only light clients, no attesters needed.
        assert!(secured_route("1:2:counter", None)
            .unwrap()
            .committees
            .is_empty());
        for bad in ["1:2", "1:x:counter", "1:2:nope", "1:2:counter:4:5"] {
            assert!(secured_route(bad, devnet).is_err(), "{bad}");
        }
        assert!(secured_route("1:2:counter:4", None).is_err());
    }

    #[test]
    fn committee_client_specs_parse_and_bad_ones_are_refused() {
        let (committee, id) = devnet_committee(Scheme::Ecdsa, 4, 3).unwrap();
        let default = committee_client("1:2:7", Scheme::Ecdsa, &committee, id).unwrap();
        assert_eq!(default.client, strait_primitives::ClientId(7));
        assert!(default.receivers.is_empty());
        let chosen = committee_client(
            &format!("1:2:7:{}", "ab".repeat(32)),
            Scheme::Ecdsa,
            &committee,
            id,
        )
        .unwrap();
        assert_eq!(chosen.receivers.len(), 1);
        let named = committee_client("1:2:7:counter-ecdsa", Scheme::Ecdsa, &committee, id).unwrap();
        assert_eq!(
            named.receivers,
            vec![strait_devnet_api::apps::counter_ecdsa()]
        );
        for bad in [
            "1:2",
            "1:2:x",
            "1:2:7:abcd",
            "1:2:7:8:9",
            "1:2:7:no-such-app",
        ] {
            assert!(
                committee_client(bad, Scheme::Ecdsa, &committee, id).is_err(),
                "{bad}"
            );
        }
        let (ed, _) = devnet_committee(Scheme::Ed25519, 3, 2).unwrap();
        assert_eq!(ed.len(), 3);
    }

    #[test]
    fn a_bls_devnet_committee_is_the_attesters_keys_and_its_clients_are_kind_4() {
        let (committee, id) = devnet_committee(Scheme::Bls, 4, 3).unwrap();
        assert_eq!(committee.len(), 4);
        assert_eq!(committee.threshold(), 3);
        assert!(committee.members().all(|m| m.len() == 96));
        let keys: Vec<AttesterKey> = (1..=4).map(AttesterKey::bls_devnet).collect();
        let (same, _) = strait_attester::committee_of(3, &keys).unwrap();
        assert_eq!(same, committee);
        assert_eq!(id, committee_id(4, &committee.encode()));
        let client = committee_client("1:2:7", Scheme::Bls, &committee, id).unwrap();
        assert_eq!(client.kind, VerifierKind::ATTEST_BLS);
    }
}
