//! `strait devnet`'s native-to-EVM route under the native chains' light clients (SPEC
//! `[STRAIT-LC-BLS.EVM]`): on every EVM chain, a `NativeLightClient` (kind 5) of every native
//! chain, created trusting the chain's latest BLS light block (its validators' proofs of
//! possession admitted in chunks), and a second counter, `counter_lc`, that trusts them alone
//! (`setSecurityConfig`, its owner's call). The relayer's route for it moves each client to the
//! proof height with the source's BLS light blocks (kind 5's update bytes, `update(bytes)` on
//! the EVM), as it does on the native chains (`crate::bls_route`). The endpoint's default
//! verifier of a native chain stays the ECDSA committee: the token application's transfers and
//! the first counter's messages go under it.

use alloy::primitives::Address;
use alloy::providers::DynProvider;
use anyhow::Context as _;
use strait_evm_client::abi::counter::StraitCounter;
use strait_evm_client::deploy::{self, NativeLcInit};
use strait_primitives::ChainId;
use strait_relayer::route::SecuredRoute;

use crate::evm_devnet::{address32, EvmDevnet};

/// What `--messages` reports the route's messages as (`native->evm/lc`).
pub(crate) const LABEL: &str = "lc";

/// The creation of a kind-5 client of each native chain (`(chain, its RPC URL)`), trusting its
/// latest BLS light block, with the options of the native chains' own (`crate::bls_route`).
pub(crate) async fn creations(
    native: &[(ChainId, String)],
) -> anyhow::Result<Vec<(ChainId, NativeLcInit)>> {
    let options = crate::bls_route::options();
    let mut out = Vec::with_capacity(native.len());
    for (chain, url) in native {
        let trusted = crate::bls_route::latest_state(*chain, url).await?;
        out.push((*chain, NativeLcInit::new(&options, &trusted)));
    }
    Ok(out)
}

/// On the EVM chain of `provider` (the deployer's), the light clients of `creations` and the
/// counter that trusts them: `(counter_lc, [(native chain, its client)])`.
pub(crate) async fn deploy(
    provider: &DynProvider,
    endpoint: Address,
    creations: &[(ChainId, NativeLcInit)],
) -> anyhow::Result<(Address, Vec<(ChainId, Address)>)> {
    let counter = deploy::deploy_counter(provider, endpoint).await?;
    let app = StraitCounter::new(counter, provider.clone());
    let mut clients = Vec::with_capacity(creations.len());
    for (source, creation) in creations {
        let client = deploy::deploy_native_light_client(provider, source.get(), creation)
            .await
            .with_context(|| format!("the light client of native chain {source}"))?;
        let receipt = app
            .setSecurityConfig(source.get(), client)
            .send()
            .await
            .context("setSecurityConfig")?
            .get_receipt()
            .await
            .context("setSecurityConfig receipt")?;
        anyhow::ensure!(
            receipt.status(),
            "counter_lc's setSecurityConfig({source}) reverted"
        );
        clients.push((*source, client));
    }
    Ok((counter, clients))
}

/// The relayer's routes: each EVM chain's `counter_lc` under its light client of each native
/// chain.
pub(crate) fn routes(evm: &EvmDevnet) -> Vec<SecuredRoute> {
    evm.chains
        .iter()
        .flat_map(|chain| {
            chain.light_clients.iter().map(|&(source, _)| SecuredRoute {
                source,
                destination: chain.chain_id,
                receivers: vec![address32(chain.counter_lc)],
                committees: Vec::new(),
            })
        })
        .collect()
}
