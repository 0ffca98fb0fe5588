//! Deploying and configuring the contracts from the committed artifacts (`contracts/artifacts/`),
//! for the devnet and the tests. Transactions here go through alloy's own nonce and gas fillers:
//! a deployment is a short, single-writer sequence. Long-running agents submit through the
//! transaction manager instead.

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, Bytes};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;

use crate::abi::{bls_committee, ecdsa_committee, endpoint, guardians};

/// A deployment or configuration step failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The signing key is not a secp256k1 secret key.
    #[error("bad signing key: {0}")]
    Key(String),
    /// The RPC URL does not parse.
    #[error("bad RPC URL {url}: {reason}")]
    Url {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A call or transaction failed.
    #[error("{step}: {reason}")]
    Step {
        /// What was being done.
        step: &'static str,
        /// Why it failed (the node's error or the revert).
        reason: String,
    },
}

fn step<E: core::fmt::Display>(step: &'static str) -> impl FnOnce(E) -> DeployError {
    move |e| DeployError::Step {
        step,
        reason: e.to_string(),
    }
}

/// The address of the account `key` signs for.
pub fn signer_address(key: &str) -> Result<Address, DeployError> {
    let signer: PrivateKeySigner = key.parse().map_err(|e| DeployError::Key(format!("{e}")))?;
    Ok(signer.address())
}

/// A provider at `url` that signs with `key` (32-byte secret key in hex, with or without `0x`).
pub fn signing_provider(url: &str, key: &str) -> Result<DynProvider, DeployError> {
    let signer: PrivateKeySigner = key.parse().map_err(|e| DeployError::Key(format!("{e}")))?;
    let url = url.parse().map_err(|e| DeployError::Url {
        url: url.to_owned(),
        reason: format!("{e}"),
    })?;
    Ok(ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url)
        .erased())
}

/// Deploys an endpoint owned by `owner`; its constructor creates its `StraitFees`.
pub async fn deploy_endpoint(
    provider: &DynProvider,
    owner: Address,
) -> Result<Address, DeployError> {
    let instance = endpoint::StraitEndpoint::deploy(provider.clone(), owner)
        .await
        .map_err(step("deploy StraitEndpoint"))?;
    Ok(*instance.address())
}

/// Deploys the m-of-n guardians of `endpoint`, owned by `owner`.
pub async fn deploy_guardians(
    provider: &DynProvider,
    endpoint: Address,
    owner: Address,
) -> Result<Address, DeployError> {
    let instance = guardians::StraitGuardians::deploy(provider.clone(), endpoint, owner)
        .await
        .map_err(step("deploy StraitGuardians"))?;
    Ok(*instance.address())
}

/// Deploys an ECDSA committee verifier (kind 2) of `source` with the committee's wire encoding
/// (SPEC §10, `strait_attest::wire`).
pub async fn deploy_ecdsa_committee(
    provider: &DynProvider,
    source: u64,
    committee_wire: Vec<u8>,
) -> Result<Address, DeployError> {
    let instance = ecdsa_committee::EcdsaCommitteeVerifier::deploy(
        provider.clone(),
        source,
        Bytes::from(committee_wire),
    )
    .await
    .map_err(step("deploy EcdsaCommitteeVerifier"))?;
    Ok(*instance.address())
}

/// Deploys a BLS committee verifier (kind 4) of `source` with the committee's wire encoding,
/// proofs of possession included.
pub async fn deploy_bls_committee(
    provider: &DynProvider,
    source: u64,
    committee_wire: Vec<u8>,
) -> Result<Address, DeployError> {
    let instance = bls_committee::BlsCommitteeVerifier::deploy(
        provider.clone(),
        source,
        Bytes::from(committee_wire),
    )
    .await
    .map_err(step("deploy BlsCommitteeVerifier"))?;
    Ok(*instance.address())
}

/// Enables `remote` on `endpoint` and makes `verifier` its default verifier for messages from
/// it (the owner's calls).
pub async fn trust_remote(
    provider: &DynProvider,
    endpoint: Address,
    remote: u64,
    verifier: Address,
) -> Result<(), DeployError> {
    let contract = endpoint::StraitEndpoint::new(endpoint, provider.clone());
    contract
        .setRemoteChain(remote, true)
        .send()
        .await
        .map_err(step("setRemoteChain"))?
        .get_receipt()
        .await
        .map_err(step("setRemoteChain receipt"))?;
    contract
        .setDefaultVerifier(remote, verifier)
        .send()
        .await
        .map_err(step("setDefaultVerifier"))?
        .get_receipt()
        .await
        .map_err(step("setDefaultVerifier receipt"))?;
    Ok(())
}

/// The chain id the node at the provider reports.
pub async fn chain_id(provider: &DynProvider) -> Result<u64, DeployError> {
    provider.get_chain_id().await.map_err(step("eth_chainId"))
}

/// Deploys the devnet's counter application on `endpoint`.
pub async fn deploy_counter(
    provider: &DynProvider,
    endpoint: Address,
) -> Result<Address, DeployError> {
    let instance = crate::abi::counter::StraitCounter::deploy(provider.clone(), endpoint)
        .await
        .map_err(step("deploy StraitCounter"))?;
    Ok(*instance.address())
}

/// Deploys a token application (`StraitTokenApp`, SPEC `[STRAIT-TOKEN.EVM]`) on `endpoint`, owned
/// by `owner`, with no rate limit (every bucket's default: capacity `u128::MAX / 1000`, refilled
/// at `u128::MAX` per second), and gives its calls `app_gas` gas (the endpoint's per-application
/// gas limit; a voucher's creation takes about 200,000).
pub async fn deploy_token_app(
    provider: &DynProvider,
    endpoint: Address,
    owner: Address,
    app_gas: u64,
) -> Result<Address, DeployError> {
    use crate::abi::token_app::{StraitTokenApp, TokenLimits};
    let open = TokenLimits::Limit {
        capacity: u128::MAX / 1000,
        refillPerS: u128::MAX,
    };
    let instance = StraitTokenApp::deploy(provider.clone(), endpoint, owner, open)
        .await
        .map_err(step("deploy StraitTokenApp"))?;
    instance
        .setGasLimit(alloy::primitives::U256::from(app_gas))
        .send()
        .await
        .map_err(step("setGasLimit"))?
        .get_receipt()
        .await
        .map_err(step("setGasLimit receipt"))?;
    Ok(*instance.address())
}

/// Deploys a fixed-supply ERC-20 (`StraitDevToken`) whose whole `supply` goes to `holder`.
pub async fn deploy_dev_token(
    provider: &DynProvider,
    name: &str,
    symbol: &str,
    holder: Address,
    supply: alloy::primitives::U256,
) -> Result<Address, DeployError> {
    let instance = crate::abi::dev_token::StraitDevToken::deploy(
        provider.clone(),
        name.to_owned(),
        symbol.to_owned(),
        holder,
        supply,
    )
    .await
    .map_err(step("deploy StraitDevToken"))?;
    Ok(*instance.address())
}
