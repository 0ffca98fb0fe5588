//! `strait devnet`'s EVM chains (ADR 0020): [`EVM_CHAINS`] anvil nodes from the EVM tool chain
//! (`contracts/node_modules/.bin/anvil`), each with the contracts deployed from the committed
//! artifacts (the endpoint, its guardians as pauser, three of anvil's public dev keys, who set a
//! fee oracle entry for every other chain so that messages from it can be paid, the devnet's
//! counter `StraitCounter`, the
//! token application `StraitTokenApp` with the chain's own ERC-20 `StraitDevToken` registered as
//! [`EVM_DENOM`]) and, for every other chain of the devnet (native or EVM), an ECDSA committee
//! verifier (kind 2) holding the devnet's 3-of-4 ECDSA committee of that source, the endpoint's
//! default verifier for it. On every native chain, a committee client (kind 2) of each EVM chain's
//! ECDSA committee, chosen by `counter-ecdsa` for messages from it (an EVM chain has no light
//! client on the native side). A second counter on each EVM chain, `counter_lc`, trusts a light
//! client of each native chain instead (`crate::evm_lc_route`).
//!
//! The token applications are peers of each other (ADR 0022): each EVM chain's trusts the native
//! `token` application on every native chain and the other EVM chain's (`setPeer`), and every
//! native chain's `token` application has each EVM chain's as its peer there, set with the
//! guardians' approval (`[STRAIT-TOKEN.7]`).
//!
//! anvil keeps its chain in memory: the EVM chains live as long as the devnet process. So that a
//! restart of a devnet never mixes two runs' EVM histories under one chain id (a native client
//! would see conflicting checkpoints, a route's nonces would start again), every run takes new
//! chain ids, counted in `<data-dir>/evm.json` from [`FIRST_CHAIN_ID`].

use std::path::Path;
use std::time::Duration;

use alloy::primitives::{Address, FixedBytes};
use alloy::providers::{DynProvider, Provider};
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use strait_chain_client::VerifierKind;
use strait_devnet_api::apps;
use strait_devnet_api::rpc::StraitApiClient;
use strait_devnet_api::tx::TxBody;
use strait_evm_client::abi::endpoint::StraitEndpoint;
use strait_evm_client::abi::guardians;
use strait_evm_client::abi::token_app::StraitTokenApp;
use strait_evm_client::anvil::{Anvil, AnvilConfig, DEV_KEYS};
use strait_evm_client::deploy;
use strait_evm_client::destination::{client_id_of, EvmDestination};
use strait_evm_client::EvmSource;
use strait_node::apps::token;
use strait_primitives::{Address32, ChainId, ClientId};

use crate::committees::{devnet_committee_init, CommitteeKind, KINDS};
use crate::hetero_chain::Duplex;
use crate::rpc_client::HttpClient;
use crate::setup_tx::submit_everywhere;

/// EVM chains a devnet runs (two, so that EVM to EVM is relayed too).
pub(crate) const EVM_CHAINS: u64 = 2;
/// The first run's first EVM chain id (anvil's default).
pub(crate) const FIRST_CHAIN_ID: u64 = 31337;
/// Where the next run's EVM chain ids are counted.
pub(crate) const FILE: &str = "evm.json";
/// Where the EVM chains' attesters keep their signing records.
pub(crate) const ATTESTERS_DIR: &str = "evm-attesters";
/// Version of `evm.json`.
const FILE_VERSION: u32 = 1;
/// Seconds between EVM blocks once deployed (anvil mines on demand while deploying).
pub(crate) const BLOCK_TIME_S: u64 = 1;
/// The anvil development key (PUBLIC, anvil's default mnemonic: never for a chain with value)
/// that deploys and owns the contracts.
pub(crate) const DEPLOYER_KEY: &str = DEV_KEYS[0];
/// The anvil development key (PUBLIC) the in-process relayer signs with on EVM chains.
pub(crate) const RELAYER_KEY: &str = DEV_KEYS[1];
/// The anvil development key (PUBLIC) the in-process watcher submits evidence with on EVM chains.
pub(crate) const WATCHER_KEY: &str = DEV_KEYS[7];
/// The anvil development key (PUBLIC) the guide gives a relayer of your own on EVM chains (not
/// the in-process relayer's, whose nonces it would race).
pub(crate) const GUIDE_RELAYER_KEY: &str = DEV_KEYS[8];
/// The anvil development key (PUBLIC) `--messages` sends from on EVM chains.
pub(crate) const LOAD_KEY: &str = DEV_KEYS[2];
/// The anvil development key (PUBLIC) `--messages`' token transfers send from on EVM chains (not
/// [`LOAD_KEY`]: the two loads run at once, each with its own nonces); it holds each chain's
/// [`EVM_DENOM`].
pub(crate) const TOKEN_LOAD_KEY: &str = DEV_KEYS[3];
/// The anvil development keys (PUBLIC) of each EVM chain's guardians, the endpoint's pauser: a
/// pause takes [`GUARDIAN_PAUSE`] of them, an unpause or a fee oracle entry [`GUARDIAN_UNPAUSE`].
pub(crate) const GUARDIAN_KEYS: [&str; 3] = [DEV_KEYS[4], DEV_KEYS[5], DEV_KEYS[6]];
/// Guardian approvals a pause takes.
const GUARDIAN_PAUSE: u8 = 1;
/// Guardian approvals an unpause or a fee oracle entry takes.
const GUARDIAN_UNPAUSE: u8 = 2;
/// The fee oracle entry (wei) each EVM chain's guardians set for every other chain of the devnet
/// (`[STRAIT-FEE.5]`), so that `--messages` sends paid messages from EVM chains: devnet prices.
pub(crate) fn fee_oracle() -> guardians::StraitGuardians::FeeOracle {
    guardians::StraitGuardians::FeeOracle {
        gasPrice: 1_000_000_000,
        baseDelivery: 1_000_000_000_000,
        perByte: 1_000_000,
        ackFee: 500_000_000_000,
    }
}
/// The base denomination of each EVM chain's own token (`StraitDevToken`, registered with its
/// token application).
pub(crate) const EVM_DENOM: &str = "usd";
/// Its supply, all of it [`TOKEN_LOAD_KEY`]'s (raw units).
pub(crate) const EVM_SUPPLY: u128 = 1_000_000_000_000_000_000_000_000_000_000;
/// The gas the endpoint gives the token application's calls (a voucher's creation, on a token's
/// first arrival, takes about 200,000).
const TOKEN_APP_GAS: u64 = 1_000_000;
/// The guardians that approve the native token applications' EVM peers (3 of the 5, the unpause
/// threshold, `[STRAIT-TOKEN.7]`).
const PEER_APPROVERS: [usize; 3] = [0, 1, 2];

/// Blocks below an EVM chain's head its source adapter answers for (`[STRAIT-EVM-SRC.1]`): the
/// devnet's anvil does not reorganise, two blocks show the depth at work.
pub(crate) const CONFIRMATIONS: u64 = 2;

/// An EVM chain as the relayer sees it: its source and destination adapters.
pub(crate) type RelayChain = Duplex<EvmSource, EvmDestination>;

/// The committee both ways: the devnet's 3-of-4 ECDSA committee (kind 2), whose members are EVM
/// addresses an EVM verifier checks with `ecrecover`.
pub(crate) fn committee_kind() -> CommitteeKind {
    KINDS[0]
}

/// How long installing the EVM tool chain may take (`npm ci`, about a minute here).
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);

/// Why the EVM chains cannot run, if they cannot: the tool chain is missing and could not be
/// installed. A missing tool chain is installed first, as `scripts/test` does: `npm ci` in
/// `contracts/`, the versions `contracts/package-lock.json` pins (not when `STRAIT_ANVIL` names
/// the anvil to use).
pub(crate) async fn missing_toolchain() -> Option<String> {
    if Anvil::installed() {
        return None;
    }
    let why = if std::env::var_os(strait_evm_client::anvil::ANVIL_ENV).is_some() {
        format!("no anvil at {}", Anvil::binary().display())
    } else {
        let contracts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../contracts");
        eprintln!(
            "strait devnet: installing the EVM tool chain: npm ci in {} (once, about a minute; \
             --no-evm skips the EVM chains)",
            contracts.display()
        );
        let npm = Path::new("npm").to_path_buf();
        let install =
            tokio::task::spawn_blocking(move || install(&npm, &contracts, INSTALL_TIMEOUT));
        match install.await {
            Ok(Ok(())) if Anvil::installed() => return None,
            Ok(Ok(())) => format!("npm ci left no anvil at {}", Anvil::binary().display()),
            Ok(Err(why)) => why,
            Err(e) => format!("the install task failed: {e}"),
        }
    };
    Some(format!(
        "the EVM tool chain is not installed ({why}): running the native chains only. Install it \
         with `npm ci` in contracts/ (node >= 20), or run scripts/test, which does; --no-evm \
         silences this"
    ))
}

/// Runs `npm ci --no-audit --no-fund` (`npm` the program to run) in `dir`, npm's messages on
/// stderr, for at most `timeout` (then it is killed). Blocking: a `spawn_blocking` task's work.
fn install(npm: &Path, dir: &Path, timeout: Duration) -> Result<(), String> {
    let mut child = std::process::Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| {
            format!(
                "{} could not run: {e}; the tool chain needs node >= 20 and npm",
                npm.display()
            )
        })?;
    let deadline = std::time::Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                return Err(format!("npm ci failed ({status}; its output is above)"))
            }
            Ok(None) if std::time::Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "npm ci did not finish within {} s",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("waiting for npm ci: {e}")),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct EvmFile {
    version: u32,
    next_chain_id: u64,
}

/// Takes this run's EVM chain ids (see the module docs).
pub(crate) fn reserve_ids(data_dir: &Path) -> anyhow::Result<Vec<ChainId>> {
    let path = data_dir.join(FILE);
    let first = if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let file: EvmFile =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        anyhow::ensure!(
            file.version == FILE_VERSION,
            "{} has version {}, expected {FILE_VERSION}; use --fresh",
            path.display(),
            file.version
        );
        file.next_chain_id
    } else {
        FIRST_CHAIN_ID
    };
    let next = first
        .checked_add(EVM_CHAINS)
        .context("EVM chain ids exhausted; use --fresh")?;
    let file = EvmFile {
        version: FILE_VERSION,
        next_chain_id: next,
    };
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&file)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok((first..next).map(ChainId).collect())
}

/// One EVM chain of the devnet, deployed and configured.
pub(crate) struct EvmChain {
    /// Its chain id.
    pub(crate) chain_id: ChainId,
    /// Its JSON-RPC URL.
    pub(crate) url: String,
    /// The endpoint.
    pub(crate) endpoint: Address,
    /// Its guardians (the endpoint's pauser).
    pub(crate) guardians: Address,
    /// The devnet's counter.
    pub(crate) counter: Address,
    /// The counter that trusts the light clients of the native chains
    /// ([`crate::evm_lc_route`]).
    pub(crate) counter_lc: Address,
    /// The light client (kind 5) of each native chain.
    pub(crate) light_clients: Vec<(ChainId, Address)>,
    /// The token application.
    pub(crate) token_app: Address,
    /// The chain's own token, registered as [`EVM_DENOM`].
    pub(crate) token: Address,
    /// The ECDSA committee verifier of each other chain, the endpoint's default for it.
    pub(crate) verifiers: Vec<(ChainId, Address)>,
    /// The node; dropping it stops the chain.
    _anvil: Anvil,
}

impl EvmChain {
    /// How `strait status --evm` follows this chain: its URL and endpoint, scanned from genesis
    /// (a devnet's anvil chain is new each run).
    pub(crate) fn status_arg(&self) -> crate::status_chains::EvmChainArg {
        crate::status_chains::EvmChainArg {
            url: self.url.clone(),
            endpoint: self.endpoint,
            token_app: None,
            from_block: 0,
        }
    }
}

/// An EVM address as an `Address32` (12 zero bytes, then the address, `[STRAIT-PACKET.1]`).
pub(crate) fn address32(address: Address) -> Address32 {
    let mut out = [0u8; 32];
    out[12..].copy_from_slice(address.as_slice());
    Address32(out)
}

/// The devnet's EVM chains and the native side's clients of them.
pub(crate) struct EvmDevnet {
    /// The chains.
    pub(crate) chains: Vec<EvmChain>,
    /// On each native chain, its committee client of each EVM chain:
    /// `(source, destination, client)`.
    pub(crate) native_clients: Vec<(ChainId, ChainId, ClientId)>,
}

/// Starts the EVM chains `ids` of a devnet whose native chains are `native` (their clients
/// `clients`, at `rpc_urls`), deploys and configures them, and creates the native side's clients
/// (see the module docs).
pub(crate) async fn start(
    ids: &[ChainId],
    native: &[ChainId],
    clients: &[HttpClient],
    rpc_urls: &[String],
) -> anyhow::Result<EvmDevnet> {
    let sources: Vec<(ChainId, String)> = native
        .iter()
        .copied()
        .zip(rpc_urls.iter().cloned())
        .collect();
    let creations = crate::evm_lc_route::creations(&sources).await?;
    let mut chains = Vec::with_capacity(ids.len());
    for &id in ids {
        let anvil = tokio::task::spawn_blocking(move || {
            Anvil::spawn(&AnvilConfig {
                chain_id: id.get(),
                block_time: None,
            })
        })
        .await
        .context("starting anvil")?
        .with_context(|| format!("starting anvil for EVM chain {id}"))?;
        let remotes: Vec<ChainId> = native
            .iter()
            .chain(ids)
            .copied()
            .filter(|c| *c != id)
            .collect();
        let chain = deploy_chain(anvil, id, &remotes, &creations)
            .await
            .with_context(|| format!("deploying the contracts on EVM chain {id}"))?;
        chains.push(chain);
    }
    set_evm_peers(&chains, native).await?;
    for chain in &chains {
        let provider = deploy::signing_provider(&chain.url, DEPLOYER_KEY)?;
        set_interval_mining(&provider, BLOCK_TIME_S).await?;
    }
    let native_clients = ensure_native_clients(clients, native, ids).await?;
    set_native_peers(clients, native, &chains).await?;
    Ok(EvmDevnet {
        chains,
        native_clients,
    })
}

/// Deploys and configures the contracts of one EVM chain (anvil still mining on demand).
async fn deploy_chain(
    anvil: Anvil,
    id: ChainId,
    remotes: &[ChainId],
    creations: &[(ChainId, strait_evm_client::deploy::NativeLcInit)],
) -> anyhow::Result<EvmChain> {
    let url = anvil.url();
    let provider = deploy::signing_provider(&url, DEPLOYER_KEY)?;
    let owner = deploy::signer_address(DEPLOYER_KEY)?;
    let endpoint = deploy::deploy_endpoint(&provider, owner, owner).await?;
    let guardians = deploy::deploy_guardians(&provider, endpoint, owner).await?;
    StraitEndpoint::new(endpoint, provider.clone())
        .setPauser(guardians)
        .send()
        .await
        .context("setPauser")?
        .get_receipt()
        .await
        .context("setPauser receipt")?;
    set_guardians_and_fees(&url, &provider, guardians, remotes).await?;
    let counter = deploy::deploy_counter(&provider, endpoint).await?;
    let token_app = deploy::deploy_token_app(&provider, endpoint, owner, TOKEN_APP_GAS).await?;
    let token = deploy::deploy_dev_token(
        &provider,
        "Strait devnet dollar",
        "USD",
        deploy::signer_address(TOKEN_LOAD_KEY)?,
        alloy::primitives::U256::from(EVM_SUPPLY),
    )
    .await?;
    StraitTokenApp::new(token_app, provider.clone())
        .registerToken(token, EVM_DENOM.to_owned())
        .send()
        .await
        .context("registerToken")?
        .get_receipt()
        .await
        .context("registerToken receipt")?;
    let wire = devnet_committee_init(committee_kind())?;
    let mut verifiers = Vec::with_capacity(remotes.len());
    for &source in remotes {
        let verifier =
            deploy::deploy_ecdsa_committee(&provider, source.get(), wire.clone()).await?;
        deploy::trust_remote(&provider, endpoint, source.get(), verifier).await?;
        verifiers.push((source, verifier));
    }
    let (counter_lc, light_clients) =
        crate::evm_lc_route::deploy(&provider, endpoint, creations).await?;
    Ok(EvmChain {
        chain_id: id,
        url,
        endpoint,
        guardians,
        counter,
        counter_lc,
        light_clients,
        token_app,
        token,
        verifiers,
        _anvil: anvil,
    })
}

/// The guardians of [`GUARDIAN_KEYS`] (the owner's call), then, with their approval, the fee
/// oracle entry [`fee_oracle`] for each of `remotes`.
async fn set_guardians_and_fees(
    url: &str,
    owner: &DynProvider,
    address: Address,
    remotes: &[ChainId],
) -> anyhow::Result<()> {
    let set = GUARDIAN_KEYS
        .iter()
        .map(|k| deploy::signer_address(k))
        .collect::<Result<Vec<_>, _>>()?;
    guardians::StraitGuardians::new(address, owner.clone())
        .setGuardians(set, GUARDIAN_PAUSE, GUARDIAN_UNPAUSE)
        .send()
        .await
        .context("setGuardians")?
        .get_receipt()
        .await
        .context("setGuardians receipt")?;
    for &remote in remotes {
        let counter = guardians::StraitGuardians::new(address, owner.clone())
            .counter()
            .call()
            .await
            .context("guardians' counter")?;
        for key in &GUARDIAN_KEYS[..usize::from(GUARDIAN_UNPAUSE)] {
            let signer = deploy::signing_provider(url, key)?;
            guardians::StraitGuardians::new(address, signer)
                .approveFeeOracle(remote.get(), fee_oracle(), counter)
                .send()
                .await
                .context("approveFeeOracle")?
                .get_receipt()
                .await
                .with_context(|| format!("approveFeeOracle({remote})"))?;
        }
    }
    Ok(())
}

/// Each EVM chain's token application trusts the native `token` application on every native
/// chain and the other EVM chains' token applications (`setPeer`, the owner's call).
async fn set_evm_peers(chains: &[EvmChain], native: &[ChainId]) -> anyhow::Result<()> {
    for chain in chains {
        let provider = deploy::signing_provider(&chain.url, DEPLOYER_KEY)?;
        let app = StraitTokenApp::new(chain.token_app, provider);
        let peers = native.iter().map(|&n| (n, apps::token())).chain(
            chains
                .iter()
                .filter(|o| o.chain_id != chain.chain_id)
                .map(|o| (o.chain_id, address32(o.token_app))),
        );
        for (remote, peer) in peers {
            app.setPeer(remote.get(), FixedBytes(peer.0))
                .send()
                .await
                .context("setPeer")?
                .get_receipt()
                .await
                .with_context(|| format!("setPeer({remote}) on EVM chain {}", chain.chain_id))?;
        }
    }
    Ok(())
}

/// On every native chain, each EVM chain's token application becomes the native `token`
/// application's peer there (`[STRAIT-TOKEN.7]`): a guardian-approved call per EVM chain, one
/// after the other (each approval signs the chain's guardian counter, which each call advances).
async fn set_native_peers(
    clients: &[HttpClient],
    native: &[ChainId],
    evm: &[EvmChain],
) -> anyhow::Result<()> {
    for chain in evm {
        let peer = address32(chain.token_app);
        let mut calls = Vec::with_capacity(native.len());
        for (client, &id) in clients.iter().zip(native) {
            let counter = client.pause_state().await.context("pauseState")?.counter;
            let digest = token::peer_digest(id, chain.chain_id, &peer, counter);
            let call = token::SetPeerCall {
                remote: chain.chain_id,
                peer,
                approvals: strait_node::guardians::guardian_approvals(&PEER_APPROVERS, &digest),
            };
            calls.push(vec![TxBody::AppCall {
                app: apps::token(),
                data: call.encode(),
            }]);
        }
        for result in submit_everywhere(clients, native, calls)
            .await?
            .into_iter()
            .flatten()
        {
            anyhow::ensure!(
                result.success,
                "the native token application did not take EVM chain {}'s as its peer: {}",
                chain.chain_id,
                result.error.unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// anvil mines a block every `seconds` from now on (instead of one per transaction).
pub(crate) async fn set_interval_mining(
    provider: &DynProvider,
    seconds: u64,
) -> anyhow::Result<()> {
    let _: serde_json::Value = provider
        .raw_request("evm_setIntervalMining".into(), (seconds,))
        .await
        .context("evm_setIntervalMining")?;
    Ok(())
}

/// On each native chain, a committee client (kind 2) of each EVM chain, chosen by `counter-ecdsa`
/// for messages from it.
async fn ensure_native_clients(
    clients: &[HttpClient],
    native: &[ChainId],
    evm: &[ChainId],
) -> anyhow::Result<Vec<(ChainId, ChainId, ClientId)>> {
    let kind = committee_kind();
    let init = devnet_committee_init(kind)?;
    let creates: Vec<Vec<TxBody>> = native
        .iter()
        .map(|_| {
            evm.iter()
                .map(|&source| TxBody::CreateClient {
                    kind: kind.scheme.kind(),
                    source,
                    init: init.clone(),
                })
                .collect()
        })
        .collect();
    let created = submit_everywhere(clients, native, creates).await?;
    let mut out = Vec::new();
    let mut configs = vec![Vec::new(); native.len()];
    for (d, results) in created.into_iter().enumerate() {
        for (&source, result) in evm.iter().zip(results) {
            let client = result.client_id.with_context(|| {
                format!(
                    "creating the ECDSA committee client of EVM chain {source} on {}: {}",
                    native[d],
                    result.error.unwrap_or_default()
                )
            })?;
            configs[d].push(TxBody::AppCall {
                app: apps::counter_ecdsa(),
                data: [source.to_be_bytes(), client.to_be_bytes()].concat(),
            });
            out.push((source, native[d], client));
        }
    }
    for result in submit_everywhere(clients, native, configs)
        .await?
        .into_iter()
        .flatten()
    {
        anyhow::ensure!(
            result.success,
            "counter-ecdsa did not take its client of an EVM chain: {}",
            result.error.unwrap_or_default()
        );
    }
    Ok(out)
}

/// The relayer's committee clients of the EVM routes, each its destination's default verifier of
/// its source, so the pair's path: each EVM destination's verifier of each other chain
/// (`evm_verifiers`: `(source, destination, client)` as the destination adapter names it), and
/// each native chain's client of each EVM chain.
pub(crate) fn attested_clients(
    evm: &EvmDevnet,
    evm_verifiers: &[(ChainId, ChainId, ClientId)],
) -> anyhow::Result<Vec<strait_relayer::AttestedClient>> {
    let kind = committee_kind();
    let (committee, committee_id) = crate::committees::devnet_committee(kind)?;
    let client = |source, destination, client, receivers| strait_relayer::AttestedClient {
        source,
        destination,
        client,
        kind: kind.scheme.kind(),
        committee: committee.clone(),
        committee_id,
        epoch: 0,
        receivers,
    };
    let mut out: Vec<_> = evm_verifiers
        .iter()
        .map(|&(source, destination, id)| client(source, destination, id, Vec::new()))
        .collect();
    // The governor's first client of a foreign remote is the native host's default for it (the
    // endpoint's outcome messages go under it), so the pair's path too.
    out.extend(
        evm.native_clients
            .iter()
            .map(|&(source, destination, id)| client(source, destination, id, Vec::new())),
    );
    Ok(out)
}

/// Adds to `watched` the EVM chains' part of the committees the watcher follows: each EVM chain's
/// committee (the devnet's, certifying it) with its clients on the native chains, and every EVM
/// chain's committee verifier of each other chain (native or EVM) among its source's committee's
/// clients, so that an equivocation of the committee freezes it on the EVM chains too (their
/// `submitMisbehaviour`, `[STRAIT-ATTEST.7]`).
pub(crate) fn add_watched(
    watched: &mut Vec<strait_watcher::WatchedCommittee>,
    evm: &EvmDevnet,
) -> anyhow::Result<()> {
    let kind = committee_kind();
    let (committee, committee_id) = crate::committees::devnet_committee(kind)?;
    let template = strait_watcher::WatchedCommittee {
        source: ChainId(0),
        kind: kind.scheme.kind(),
        committee,
        committee_id,
        epoch: 0,
        clients: Vec::new(),
    };
    let hosted = evm.chains.iter().flat_map(|c| {
        c.verifiers
            .iter()
            .map(|&(source, address)| (source, c.chain_id, client_id_of(address)))
    });
    add_clients(
        watched,
        &template,
        evm.native_clients.iter().copied().chain(hosted),
    );
    Ok(())
}

/// Adds each `(source, destination, client)` of `template`'s committee (its kind, members, id
/// and epoch) to the entry of `watched` for that committee of that source, a new entry if none.
fn add_clients(
    watched: &mut Vec<strait_watcher::WatchedCommittee>,
    template: &strait_watcher::WatchedCommittee,
    clients: impl Iterator<Item = (ChainId, ChainId, ClientId)>,
) {
    for (source, destination, client) in clients {
        let same = |w: &strait_watcher::WatchedCommittee| {
            w.source == source
                && w.kind == template.kind
                && w.committee_id == template.committee_id
                && w.epoch == template.epoch
        };
        match watched.iter_mut().find(|w| same(w)) {
            Some(w) => w.clients.push((destination, client)),
            None => watched.push(strait_watcher::WatchedCommittee {
                source,
                clients: vec![(destination, client)],
                ..template.clone()
            }),
        }
    }
}

/// The adapters of each EVM chain of `evm` for the relayer: its source (at [`CONFIRMATIONS`]) and
/// its destination (the relayer's key, [`RELAYER_KEY`], through a transaction manager).
pub(crate) async fn relay_chains(evm: &EvmDevnet) -> anyhow::Result<Vec<RelayChain>> {
    adapters(evm, RELAYER_KEY).await
}

/// The adapters of each EVM chain of `evm` for the watcher, which submits evidence with
/// [`WATCHER_KEY`].
pub(crate) async fn watcher_chains(evm: &EvmDevnet) -> anyhow::Result<Vec<RelayChain>> {
    adapters(evm, WATCHER_KEY).await
}

/// Each EVM chain's source adapter (at [`CONFIRMATIONS`]) and destination adapter (signing with
/// `key`), every verifier contract of the chain registered with its kind.
async fn adapters(evm: &EvmDevnet, key: &str) -> anyhow::Result<Vec<RelayChain>> {
    let mut out = Vec::with_capacity(evm.chains.len());
    for chain in &evm.chains {
        let id = chain.chain_id.get();
        let verifiers: Vec<_> = chain
            .verifiers
            .iter()
            .map(|&(_, v)| (id, v, committee_kind().scheme.kind()))
            .chain(
                chain
                    .light_clients
                    .iter()
                    .map(|&(_, c)| (id, c, VerifierKind::BFT_BLS)),
            )
            .collect();
        let Duplex {
            source,
            destination,
        } = crate::hetero_relayer::evm_adapters(
            // The relayer releases the token application's queues when idle.
            &crate::status_chains::EvmChainArg {
                token_app: Some(chain.token_app),
                ..chain.status_arg()
            },
            CONFIRMATIONS,
            key,
            &verifiers,
        )
        .await
        .with_context(|| format!("the adapters of EVM chain {}", chain.chain_id))?;
        // Each source's verifier is in place (the endpoint's default) before the relayer starts.
        for &(source, _) in &chain.verifiers {
            strait_chain_client::DestinationChain::verifier_of(&destination, source)
                .await
                .with_context(|| {
                    format!("the verifier of {source} on EVM chain {}", chain.chain_id)
                })?;
        }
        out.push(Duplex {
            source,
            destination,
        });
    }
    Ok(out)
}

/// Each EVM chain's verifier of each other chain: `(source, destination, client)`, the client id
/// the destination adapter gives the verifier contract.
pub(crate) fn verifier_ids(evm: &EvmDevnet) -> Vec<(ChainId, ChainId, ClientId)> {
    evm.chains
        .iter()
        .flat_map(|c| {
            c.verifiers
                .iter()
                .map(|&(source, address)| (source, c.chain_id, client_id_of(address)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Installing the tool chain: a finished install is `Ok`; an npm that cannot run, that fails
    /// or that outlives the timeout (killed) is a reason, said at once.
    #[test]
    fn an_install_succeeds_fails_or_times_out() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = std::env::temp_dir().join(format!("strait-npm-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let script = |name: &str, body: &str| {
            let path = dir.join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            path
        };
        let long = Duration::from_secs(30);
        assert_eq!(install(&script("ok", "exit 0"), &dir, long), Ok(()));
        let failed = install(&script("fails", "exit 3"), &dir, long).unwrap_err();
        assert!(failed.contains("npm ci failed"), "{failed}");
        let missing = install(&dir.join("no-such-npm"), &dir, long).unwrap_err();
        assert!(missing.contains("could not run"), "{missing}");
        let started = std::time::Instant::now();
        let slow = install(
            &script("slow", "sleep 20"),
            &dir,
            Duration::from_millis(300),
        )
        .unwrap_err();
        assert!(slow.contains("did not finish within"), "{slow}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "killed at the timeout"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Every run takes new EVM chain ids, counted from anvil's default; a file of another version
    /// is refused.
    #[test]
    fn each_run_takes_new_evm_chain_ids() {
        let dir = std::env::temp_dir().join(format!("strait-evm-ids-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(
            reserve_ids(&dir).unwrap(),
            vec![ChainId(FIRST_CHAIN_ID), ChainId(FIRST_CHAIN_ID + 1)]
        );
        assert_eq!(
            reserve_ids(&dir).unwrap(),
            vec![ChainId(FIRST_CHAIN_ID + 2), ChainId(FIRST_CHAIN_ID + 3)]
        );
        std::fs::write(dir.join(FILE), r#"{"version":9,"next_chain_id":5}"#).unwrap();
        assert!(reserve_ids(&dir)
            .unwrap_err()
            .to_string()
            .contains("version 9"));
        // At the end of the id space: refused, not wrapped.
        std::fs::write(
            dir.join(FILE),
            format!(r#"{{"version":1,"next_chain_id":{}}}"#, u64::MAX - 1),
        )
        .unwrap();
        assert!(reserve_ids(&dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// An EVM-hosted client joins its committee's entry for its source (the one the native
    /// clients are in); another source, or another committee, is an entry of its own.
    #[test]
    fn evm_hosted_clients_join_their_committees_entry() {
        let (committee, committee_id) =
            crate::committees::devnet_committee(committee_kind()).unwrap();
        let template = strait_watcher::WatchedCommittee {
            source: ChainId(0),
            kind: committee_kind().scheme.kind(),
            committee,
            committee_id,
            epoch: 0,
            clients: Vec::new(),
        };
        let native = strait_watcher::WatchedCommittee {
            source: ChainId(1),
            clients: vec![(ChainId(2), ClientId(4))],
            ..template.clone()
        };
        let other = strait_watcher::WatchedCommittee {
            source: ChainId(1),
            committee_id: strait_primitives::Hash32([9; 32]),
            clients: vec![(ChainId(2), ClientId(5))],
            ..template.clone()
        };
        let mut watched = vec![other.clone(), native.clone()];
        add_clients(
            &mut watched,
            &template,
            [
                (ChainId(1), ChainId(31337), ClientId(7)),
                (ChainId(31338), ChainId(31337), ClientId(8)),
            ]
            .into_iter(),
        );
        assert_eq!(watched.len(), 3);
        assert_eq!(watched[0], other);
        assert_eq!(
            watched[1].clients,
            vec![(ChainId(2), ClientId(4)), (ChainId(31337), ClientId(7))]
        );
        assert_eq!(watched[2].source, ChainId(31338));
        assert_eq!(watched[2].clients, vec![(ChainId(31337), ClientId(8))]);
        assert_eq!(watched[2].committee_id, committee_id);
    }

    #[test]
    fn an_evm_address_is_left_padded() {
        let a = Address::repeat_byte(0xab);
        let wide = address32(a);
        assert_eq!(&wide.0[..12], &[0u8; 12]);
        assert_eq!(&wide.0[12..], a.as_slice());
    }
}
