//! Deploying and configuring the contracts from the committed artifacts (`contracts/artifacts/`),
//! for the devnet and the tests. Transactions here go through alloy's own nonce and gas fillers:
//! a deployment is a short, single-writer sequence. Long-running agents submit through the
//! transaction manager instead.

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, Bytes};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;

use crate::abi::{bls_committee, ecdsa_committee, endpoint, fees, guardians};

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

/// An anvil node of `chain_id` (a block per transaction) with an endpoint owned by anvil's first
/// development key (public, for local nodes only), and a provider signing as it: a test's or a
/// demonstration's chain.
pub async fn anvil_with_endpoint(
    chain_id: u64,
) -> Result<(crate::anvil::Anvil, DynProvider, Address), DeployError> {
    use crate::anvil::{Anvil, AnvilConfig, DEV_KEYS};
    let anvil = Anvil::spawn(&AnvilConfig {
        chain_id,
        block_time: None,
    })
    .map_err(step("spawn anvil"))?;
    let provider = signing_provider(&anvil.url(), DEV_KEYS[0])?;
    let owner = signer_address(DEV_KEYS[0])?;
    let endpoint = deploy_endpoint(&provider, owner, owner).await?;
    Ok((anvil, provider, endpoint))
}

/// A provider at `url` that does not sign (reads only).
pub fn read_provider(url: &str) -> Result<DynProvider, DeployError> {
    let url = url.parse().map_err(|e| DeployError::Url {
        url: url.to_owned(),
        reason: format!("{e}"),
    })?;
    Ok(ProviderBuilder::new().connect_http(url).erased())
}

/// Deploys an endpoint owned by `owner` from `deployer` (the account `provider` signs for): first
/// its `StraitFees`, made for the address the endpoint is created at next (`CREATE`'s, from the
/// deployer's nonce), then the endpoint, whose constructor checks that pair (`ForeignFees`).
/// Another transaction of the deployer's in between fails the deployment, never pairs wrongly.
pub async fn deploy_endpoint(
    provider: &DynProvider,
    deployer: Address,
    owner: Address,
) -> Result<Address, DeployError> {
    let nonce = provider
        .get_transaction_count(deployer)
        .pending()
        .await
        .map_err(step("read the deployer's nonce"))?;
    let next = deployer.create(nonce + 1);
    let fees = fees::StraitFees::deploy(provider.clone(), next)
        .await
        .map_err(step("deploy StraitFees"))?;
    let instance = endpoint::StraitEndpoint::deploy(provider.clone(), owner, *fees.address())
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

/// The most proofs of possession one `admitSetChunk` takes (`NativeLightClient.MAX_CHUNK`).
pub const NATIVE_LC_CHUNK: usize = 40;

/// Kind 5's creation as the EVM light client takes it (SPEC `[STRAIT-LC-BLS.EVM]` rule 1): the
/// constructor's `init` (kind 5's `init` with the set as it is hashed, `n u32 | n × (key 96 |
/// power 8)`) and the set's proofs of possession, in its order, for `admitSetChunk`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NativeLcInit {
    /// The constructor's `init`.
    pub init: Vec<u8>,
    /// The proofs of possession of the trusted next set's validators, in order.
    pub proofs: Vec<[u8; strait_light_client::bls::SIGNATURE_LEN]>,
}

impl NativeLcInit {
    /// The EVM creation of a kind-5 client with `options` trusting `state`.
    pub fn new(
        options: &strait_light_client::Options,
        state: &strait_light_client::bls::BlsConsensusState,
    ) -> Self {
        let kind5 = strait_light_client::bls::kind::encode_init(options, state);
        // options | header summary | the set's count: what both encodings share.
        let validators = state.next_validators.validators();
        let prefix = kind5.len() - (state.next_validators.encoded_len() - 4);
        let mut init = kind5[..prefix].to_vec();
        for v in validators {
            init.extend_from_slice(&v.pub_key);
            init.extend_from_slice(&v.power.to_be_bytes());
        }
        Self {
            init,
            proofs: validators.iter().map(|v| v.proof_of_possession).collect(),
        }
    }

    /// `admitSetChunk`'s arguments: `first u32 | proofs`, [`NATIVE_LC_CHUNK`] proofs at most each.
    pub fn chunks(&self) -> Vec<Vec<u8>> {
        self.proofs
            .chunks(NATIVE_LC_CHUNK)
            .enumerate()
            .map(|(i, proofs)| {
                let first = u32::try_from(i * NATIVE_LC_CHUNK).unwrap_or(u32::MAX);
                let mut chunk = first.to_be_bytes().to_vec();
                for p in proofs {
                    chunk.extend_from_slice(p);
                }
                chunk
            })
            .collect()
    }
}

/// Deploys a light client of the native chain `source` in BLS mode (kind 5,
/// `NativeLightClient`) from `creation`, and admits its set's proofs of possession: it takes
/// updates once this returns.
pub async fn deploy_native_light_client(
    provider: &DynProvider,
    source: u64,
    creation: &NativeLcInit,
) -> Result<Address, DeployError> {
    let instance = crate::abi::native_lc::NativeLightClient::deploy(
        provider.clone(),
        source,
        Bytes::from(creation.init.clone()),
    )
    .await
    .map_err(step("deploy NativeLightClient"))?;
    for chunk in creation.chunks() {
        let receipt = instance
            .admitSetChunk(Bytes::from(chunk))
            .send()
            .await
            .map_err(step("admitSetChunk"))?
            .get_receipt()
            .await
            .map_err(step("admitSetChunk receipt"))?;
        if !receipt.status() {
            return Err(DeployError::Step {
                step: "admitSetChunk",
                reason: format!("reverted in {}", receipt.transaction_hash),
            });
        }
    }
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

/// A rate-limited token route for tests: a token application on `endpoint`, owned by `owner`
/// (the account `provider` signs for), every bucket `limit`, chain `peer.0`'s application `peer.1`
/// its peer; and a dev token `denom` whose `supply` goes to `owner`, registered on the application
/// and approved to it whole. Returns the application and the token.
pub async fn deploy_limited_token_route(
    provider: &DynProvider,
    endpoint: Address,
    owner: Address,
    limit: crate::abi::token_app::TokenLimits::Limit,
    peer: (u64, alloy::primitives::B256),
    denom: &str,
    supply: alloy::primitives::U256,
) -> Result<(Address, Address), DeployError> {
    use crate::abi::token_app::StraitTokenApp;
    use crate::abi::voucher::StraitVoucher;
    let app = StraitTokenApp::deploy(provider.clone(), endpoint, owner, limit)
        .await
        .map_err(step("deploy StraitTokenApp"))?;
    app.setPeer(peer.0, peer.1)
        .send()
        .await
        .map_err(step("setPeer"))?
        .get_receipt()
        .await
        .map_err(step("setPeer receipt"))?;
    let token = deploy_dev_token(provider, denom, denom, owner, supply).await?;
    app.registerToken(token, denom.to_owned())
        .send()
        .await
        .map_err(step("registerToken"))?
        .get_receipt()
        .await
        .map_err(step("registerToken receipt"))?;
    StraitVoucher::new(token, provider.clone())
        .approve(*app.address(), supply)
        .send()
        .await
        .map_err(step("approve"))?
        .get_receipt()
        .await
        .map_err(step("approve receipt"))?;
    Ok((*app.address(), token))
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

#[cfg(test)]
mod tests {
    use strait_light_client::bls::{BlsConsensusState, BlsSigner, BlsValidatorSet, HeaderSummary};
    use strait_light_client::{Options, TrustThreshold};
    use strait_primitives::{Hash32, Height, Timestamp};

    use super::*;

    /// The constructor's `init` is kind 5's without the proofs (each entry `key | power`), and
    /// the proofs go in order, at most [`NATIVE_LC_CHUNK`] a chunk, each chunk naming its first.
    #[test]
    fn the_creation_splits_kind_5_init_into_the_set_as_hashed_and_chunks_of_proofs() {
        let n = 2 * NATIVE_LC_CHUNK + 5;
        let mut signers: Vec<BlsSigner> = (0..n)
            .map(|i| {
                let mut ikm = [7u8; 32];
                ikm[..8].copy_from_slice(&(i as u64).to_be_bytes());
                BlsSigner::from_ikm(&ikm)
            })
            .collect();
        signers.sort_by_key(BlsSigner::public_key);
        let set = BlsValidatorSet::new(
            signers
                .iter()
                .enumerate()
                .map(|(i, s)| s.validator(i as u64 + 1))
                .collect(),
        )
        .unwrap();
        let state = BlsConsensusState {
            header: HeaderSummary {
                height: Height(5),
                timestamp: Timestamp(6),
                header_hash: Hash32([1; 32]),
                app_state_root: Hash32([2; 32]),
                outbox_root: Hash32([3; 32]),
            },
            next_validators: set.clone(),
        };
        let options = Options {
            trust_threshold: TrustThreshold::ONE_THIRD,
            trusting_period_ms: 1_000,
            max_clock_drift_ms: 10,
        };
        let kind5 = strait_light_client::bls::kind::encode_init(&options, &state);
        let creation = NativeLcInit::new(&options, &state);
        let head = 32 + 112 + 4;
        assert_eq!(creation.init.len(), head + n * 104);
        assert_eq!(creation.init[..head], kind5[..head]);
        for (i, v) in set.validators().iter().enumerate() {
            let entry = &creation.init[head + i * 104..head + (i + 1) * 104];
            assert_eq!(entry[..96], v.pub_key);
            assert_eq!(entry[96..], v.power.to_be_bytes());
            assert_eq!(creation.proofs[i], v.proof_of_possession);
        }
        let chunks = creation.chunks();
        assert_eq!(chunks.len(), 3);
        for (c, (first, m)) in chunks.iter().zip([(0u32, 40), (40, 40), (80, 5)]) {
            assert_eq!(c[..4], first.to_be_bytes());
            assert_eq!(c.len(), 4 + m * 192);
            assert_eq!(c[4..196], creation.proofs[first as usize]);
        }
    }
}
