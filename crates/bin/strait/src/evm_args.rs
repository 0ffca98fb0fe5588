//! The EVM chains an operator's agent follows (`strait relayer`, `strait watcher`): `--evm`
//! per chain, a confirmation depth, the environment variable holding the agent's EVM secret key
//! (never the command line, where other users of the machine could read it), and the verifier
//! contracts to register with their kinds.

use clap::Args;

use crate::hetero_relayer::{evm_adapters, parse_evm_verifier};
use crate::status_chains::EvmChainArg;

/// An EVM chain's adapters, as the relayer and the watcher use them.
pub(crate) type EvmChain = crate::hetero_chain::Duplex<
    strait_evm_client::EvmSource,
    strait_evm_client::destination::EvmDestination,
>;

/// The EVM chains of an agent.
#[derive(Debug, Args)]
pub(crate) struct EvmChainsArgs {
    /// An EVM chain: `URL,ENDPOINT` (its JSON-RPC URL and the Strait endpoint's address;
    /// `,TOKEN_APP,FROM_BLOCK` may follow, as for `strait status`: logs are read from
    /// FROM_BLOCK; a relayer given TOKEN_APP releases its rate-limit queues when idle). Its
    /// transactions are signed with the key in --evm-key-env.
    #[arg(long = "evm")]
    pub(crate) evm: Vec<EvmChainArg>,
    /// Blocks below an EVM chain's head its outbox is read at, and at which a message it
    /// received counts as received (its confirmation depth).
    #[arg(long, default_value_t = 12)]
    pub(crate) evm_confirmations: u64,
    /// The environment variable holding the agent's EVM secret key (32 bytes, hex).
    #[arg(long, default_value = "STRAIT_EVM_KEY")]
    pub(crate) evm_key_env: String,
    /// A verifier contract on an EVM chain to register with its kind: `CHAIN:ADDRESS:KIND` (a
    /// relayer recognises committees by their code; a watcher follows only the contracts named
    /// here, or found as an endpoint's verifiers).
    #[arg(long = "evm-verifier")]
    pub(crate) evm_verifiers: Vec<String>,
}

impl EvmChainsArgs {
    /// Each `--evm` chain's adapters, signing with the key in `--evm-key-env` (read only when
    /// there is a chain).
    pub(crate) async fn adapters(&self) -> anyhow::Result<Vec<EvmChain>> {
        let verifiers = self
            .evm_verifiers
            .iter()
            .map(|v| parse_evm_verifier(v))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if self.evm.is_empty() {
            anyhow::ensure!(
                verifiers.is_empty(),
                "--evm-verifier names a contract on an EVM chain: give the chain with --evm"
            );
            return Ok(Vec::new());
        }
        let key = std::env::var(&self.evm_key_env).map_err(|_| {
            anyhow::anyhow!(
                "--evm needs the agent's EVM secret key (hex) in the environment variable {}",
                self.evm_key_env
            )
        })?;
        let mut out = Vec::with_capacity(self.evm.len());
        for chain in &self.evm {
            out.push(
                evm_adapters(chain, self.evm_confirmations, &key, &verifiers)
                    .await
                    .map_err(|e| e.context(format!("the EVM chain at {}", chain.url)))?,
            );
        }
        Ok(out)
    }
}
