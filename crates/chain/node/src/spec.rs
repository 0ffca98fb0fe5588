//! Chain specs, deterministic genesis, and the devnet layout.
//!
//! Every node can compute every devnet chain's genesis header from its [`ChainSpec`] alone, so a
//! light client of a remote chain is bootstrapped by trusting that header, with no exchange.

use std::net::SocketAddr;
use std::path::PathBuf;

use strait_devnet_api::keys::devnet_validator;
use strait_light_client::{
    ConsensusState, Header, Options, Signer, TrustThreshold, Validator, ValidatorSet,
};
use strait_merkle::empty_root;
use strait_primitives::{keccak256_concat, ChainId, Hash32, Height, Timestamp};

/// Voting power of every genesis validator of a devnet chain.
pub const DEVNET_VALIDATOR_POWER: u64 = 10;
/// Devnet validator keys `0..DEVNET_KEY_POOL` of a chain are held by its node, so that a validator
/// set change may move to any of them and the node keeps producing blocks.
pub const DEVNET_KEY_POOL: u32 = 64;
/// Default block interval.
pub const DEFAULT_BLOCK_TIME_MS: u64 = 1000;
/// Fast block interval, for tests and benchmarks.
pub const FAST_BLOCK_TIME_MS: u64 = 50;
/// How long a light client of a devnet chain trusts a verified header: 365 days.
pub const DEVNET_TRUSTING_PERIOD_MS: u64 = 365 * 24 * 3600 * 1000;
/// How far a remote header's time may be ahead of the local block time.
pub const DEVNET_MAX_CLOCK_DRIFT_MS: u64 = 10_000;
/// Domain of the genesis application-state root.
pub const GENESIS_STATE_DOMAIN: &[u8] = b"STRAIT/DEVNET/GENESIS-STATE/v1";

/// What defines a devnet chain; equal specs give equal genesis headers on every machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainSpec {
    /// The chain id.
    pub chain_id: ChainId,
    /// Number of genesis validators (devnet keys `0..validators`), 1 to [`DEVNET_KEY_POOL`].
    pub validators: u32,
    /// Genesis block time.
    pub genesis_time: Timestamp,
    /// Target block interval.
    pub block_time_ms: u64,
    /// What transactions pay (`[STRAIT-FEE.1]`); none when a config leaves it out.
    #[serde(default)]
    pub fees: crate::fees::FeeSchedule,
    /// The genesis fee oracle entry of every remote chain (`[STRAIT-FEE.5]`).
    #[serde(default)]
    pub message_fees: crate::fees::message::MessageFees,
}

impl ChainSpec {
    /// A devnet chain spec.
    pub fn devnet(
        chain_id: ChainId,
        validators: u32,
        genesis_time: Timestamp,
        block_time_ms: u64,
    ) -> Self {
        Self {
            chain_id,
            validators,
            genesis_time,
            block_time_ms,
            fees: crate::fees::FeeSchedule::DEVNET,
            message_fees: crate::fees::message::MessageFees::DEVNET,
        }
    }

    /// This spec with the transaction fee schedule `fees`.
    pub fn with_fees(mut self, fees: crate::fees::FeeSchedule) -> Self {
        self.fees = fees;
        self
    }

    /// The genesis validator set.
    pub fn genesis_validators(&self) -> ValidatorSet {
        devnet_validator_set(self.chain_id, 0..self.validators, DEVNET_VALIDATOR_POWER)
    }

    /// Light-client options other chains use for this chain.
    pub fn client_options(&self) -> Options {
        Options {
            trust_threshold: TrustThreshold::ONE_THIRD,
            trusting_period_ms: DEVNET_TRUSTING_PERIOD_MS,
            max_clock_drift_ms: DEVNET_MAX_CLOCK_DRIFT_MS,
        }
    }

    /// The trusted consensus state a light client of this chain starts from.
    pub fn genesis_consensus_state(&self) -> ConsensusState {
        let header = genesis_header(self);
        ConsensusState {
            height: header.height,
            timestamp: header.timestamp,
            header_hash: header.hash(),
            app_state_root: header.app_state_root,
            outbox_root: header.outbox_root,
            next_validators: self.genesis_validators(),
        }
    }
}

/// The set of devnet validators `indices` of `chain`, each with `power`.
///
/// # Panics
///
/// If `indices` is empty or larger than the light client allows: a devnet configuration bug.
pub fn devnet_validator_set(
    chain: ChainId,
    indices: impl IntoIterator<Item = u32>,
    power: u64,
) -> ValidatorSet {
    let mut validators: Vec<Validator> = indices
        .into_iter()
        .map(|i| Validator {
            pub_key: devnet_validator(chain, i).public_key(),
            power,
        })
        .collect();
    validators.sort_by_key(|v| v.pub_key);
    ValidatorSet::new(validators).expect("devnet validator set is canonical")
}

/// The signers of devnet validators `0..DEVNET_KEY_POOL` of `chain`. Public keys: devnet only.
pub fn devnet_key_pool(chain: ChainId) -> Vec<Signer> {
    (0..DEVNET_KEY_POOL)
        .map(|i| devnet_validator(chain, i))
        .collect()
}

/// The genesis application-state root: `keccak256("STRAIT/DEVNET/GENESIS-STATE/v1" || chain_id)`.
pub fn genesis_state_root(chain_id: ChainId) -> Hash32 {
    keccak256_concat(&[GENESIS_STATE_DOMAIN, &chain_id.to_be_bytes()])
}

/// The genesis header of `spec`: height 0, zero parent, the genesis state root, the empty outbox
/// root, the genesis validator set as both current and next set.
pub fn genesis_header(spec: &ChainSpec) -> Header {
    let validators = spec.genesis_validators().hash();
    Header {
        chain_id: spec.chain_id,
        height: Height(0),
        timestamp: spec.genesis_time,
        parent_hash: Hash32::ZERO,
        app_state_root: genesis_state_root(spec.chain_id),
        outbox_root: empty_root(),
        validators_hash: validators,
        next_validators_hash: validators,
    }
}

/// How to run one node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// This chain.
    pub spec: ChainSpec,
    /// The chains this chain keeps light clients of (client id = remote chain id).
    pub remotes: Vec<ChainSpec>,
    /// Remote chains of another kind (EVM chains) this chain may send to: no default client (their
    /// verifiers are created by `CreateClient`), no fee oracle.
    pub foreign_remotes: Vec<ChainId>,
    /// Where the database lives (created if missing).
    pub data_dir: PathBuf,
    /// JSON-RPC address, HTTP and websocket on one port; port 0 picks a free port.
    pub rpc_addr: SocketAddr,
}

/// The specs of a devnet of `chains` chains with ids `1..=chains`, all with `validators`
/// validators, one genesis time and one block time.
pub fn devnet_specs(
    chains: u64,
    validators: u32,
    genesis_time: Timestamp,
    block_time_ms: u64,
) -> Vec<ChainSpec> {
    (1..=chains)
        .map(|id| ChainSpec::devnet(ChainId(id), validators, genesis_time, block_time_ms))
        .collect()
}

/// The config of the node of `specs[index]` in a devnet of `specs`: every other chain is a remote,
/// data in `base_dir/chain-<id>`.
pub fn devnet_node_config(
    specs: &[ChainSpec],
    index: usize,
    base_dir: &std::path::Path,
    rpc_addr: SocketAddr,
) -> NodeConfig {
    let spec = specs[index];
    NodeConfig {
        spec,
        remotes: specs
            .iter()
            .filter(|s| s.chain_id != spec.chain_id)
            .copied()
            .collect(),
        foreign_remotes: Vec::new(),
        data_dir: base_dir.join(format!("chain-{}", spec.chain_id)),
        rpc_addr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genesis_is_deterministic_and_per_chain() {
        let a = ChainSpec::devnet(ChainId(1), 4, Timestamp(1_000), 50);
        assert_eq!(genesis_header(&a), genesis_header(&a));
        let b = ChainSpec::devnet(ChainId(2), 4, Timestamp(1_000), 50);
        assert_ne!(genesis_header(&a).hash(), genesis_header(&b).hash());
        assert_eq!(a.genesis_validators().len(), 4);
        assert_eq!(
            a.genesis_consensus_state().header_hash,
            genesis_header(&a).hash()
        );
    }
}
