//! EVM chains over JSON-RPC (`README.md`): the Solidity endpoint (`contracts/`) as the chain-client
//! traits, through alloy. The ABI bindings come from the artifacts committed in
//! `contracts/artifacts/`, so building this crate needs neither node nor forge.

pub mod abi;
pub mod anvil;
pub mod deploy;
pub mod destination;
pub mod source;
pub mod status;
pub mod txm;

pub use source::{EvmSource, EvmSourceConfig};
pub use status::{
    EvmFee, EvmFeeSplit, EvmMessageStatus, EvmQueuedTransfer, EvmStatusConfig, EvmStatusReader,
    EvmTokenQueue, StatusError, MAX_QUEUE_PAGE,
};
