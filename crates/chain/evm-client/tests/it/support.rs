//! An anvil chain with a deployed endpoint, messages sent through it, blocks mined and reorgs;
//! an application that executes anything, and a relayer's transaction manager.

use alloy::primitives::{Address, Bytes, FixedBytes, U256};
use alloy::providers::{DynProvider, Provider};
use strait_evm_client::abi::endpoint::StraitEndpoint::{self, DeliveryOptions};
use strait_evm_client::anvil::{Anvil, AnvilConfig, DEV_KEYS};
use strait_evm_client::{deploy, EvmSource, EvmSourceConfig};
use strait_primitives::MessageId;

/// The chain's id.
pub const CHAIN: u64 = 313_377;

/// An anvil node (a block per transaction) with an endpoint that may send to chains 7 and 8.
pub struct Chain {
    pub anvil: Anvil,
    pub provider: DynProvider,
    pub endpoint: Address,
}

impl Chain {
    pub async fn start() -> Self {
        let anvil = Anvil::spawn(&AnvilConfig {
            chain_id: CHAIN,
            block_time: None,
        })
        .expect("anvil");
        let provider = deploy::signing_provider(&anvil.url(), DEV_KEYS[0]).unwrap();
        let owner = deploy::signer_address(DEV_KEYS[0]).unwrap();
        let endpoint = deploy::deploy_endpoint(&provider, owner, owner)
            .await
            .unwrap();
        for remote in [7, 8] {
            deploy::trust_remote(&provider, endpoint, remote, Address::repeat_byte(0x11))
                .await
                .unwrap();
        }
        Self {
            anvil,
            provider,
            endpoint,
        }
    }

    /// A source over this chain's endpoint exposing blocks `confirmations` deep, reading logs
    /// `max_log_range` blocks at a time.
    pub async fn source(&self, confirmations: u64, max_log_range: u64) -> EvmSource {
        let mut config =
            EvmSourceConfig::new(self.anvil.url(), self.endpoint, CHAIN, confirmations);
        config.max_log_range = max_log_range;
        EvmSource::connect(config).await.unwrap()
    }

    /// Sends `payload` to chain `destination` (one block); its id and block.
    pub async fn send(&self, destination: u64, payload: &[u8]) -> (MessageId, u64) {
        // A fresh provider: alloy's nonce filler caches the account nonce, which a reorg rewinds.
        let provider = deploy::signing_provider(&self.anvil.url(), DEV_KEYS[0]).unwrap();
        let endpoint = StraitEndpoint::new(self.endpoint, provider);
        let options = DeliveryOptions {
            ordered: false,
            timeoutHeight: 0,
            timeoutTimestamp: 0,
        };
        let receipt = endpoint
            .send(
                destination,
                FixedBytes::repeat_byte(0x22),
                options,
                Bytes::copy_from_slice(payload),
            )
            .send()
            .await
            .unwrap();
        let hash = *receipt.tx_hash();
        let receipt = self.receipt(hash).await;
        assert!(receipt.status());
        let sent = receipt
            .decoded_log::<StraitEndpoint::Sent>()
            .expect("a Sent log");
        (MessageId(sent.data.id.0), receipt.block_number.unwrap())
    }

    /// The receipt of `hash` (anvil mines it at once; alloy's block watcher is not told of a
    /// reorg).
    async fn receipt(
        &self,
        hash: alloy::primitives::TxHash,
    ) -> alloy::rpc::types::TransactionReceipt {
        for _ in 0..200 {
            if let Some(receipt) = self.provider.get_transaction_receipt(hash).await.unwrap() {
                return receipt;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("no receipt of {hash}");
    }

    /// The head block.
    pub async fn head(&self) -> u64 {
        self.provider.get_block_number().await.unwrap()
    }

    /// Mines `blocks` empty blocks.
    pub async fn mine(&self, blocks: u64) {
        let _: serde_json::Value = self
            .provider
            .raw_request("anvil_mine".into(), (U256::from(blocks),))
            .await
            .unwrap();
    }

    /// Replaces the last `depth` blocks with as many empty ones (their transactions dropped).
    pub async fn reorg(&self, depth: u64) {
        let txs: Vec<serde_json::Value> = Vec::new();
        let _: serde_json::Value = self
            .provider
            .raw_request("anvil_reorg".into(), (depth, txs))
            .await
            .unwrap();
    }
}

/// An anvil node of `chain_id` (a block per transaction) with an endpoint owned by the first dev
/// key, and a provider signing as it.
pub async fn anvil_with_endpoint(chain_id: u64) -> (Anvil, DynProvider, Address) {
    deploy::anvil_with_endpoint(chain_id)
        .await
        .expect("anvil with an endpoint")
}

/// A contract whose every call returns ABI `bytes("")`: an application that executes anything.
const ACCEPT_ALL: &str = "600a600c600039600a6000f3602060005260406000f3";

/// Deploys an application that executes anything ([`ACCEPT_ALL`]); its address as a receiver.
pub async fn accept_all_app(provider: &DynProvider) -> strait_primitives::Address32 {
    use alloy::network::TransactionBuilder;
    let app = provider
        .send_transaction(
            alloy::rpc::types::TransactionRequest::default()
                .with_deploy_code(Bytes::from(alloy::hex::decode(ACCEPT_ALL).unwrap())),
        )
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap()
        .contract_address
        .unwrap();
    let mut receiver = [0u8; 32];
    receiver[12..].copy_from_slice(app.as_slice());
    strait_primitives::Address32(receiver)
}

/// A relayer's transaction manager at `url`: another dev key than the deployer's, so its nonces
/// start at 0; receipts polled every 20 ms.
pub async fn relayer_txm(url: &str) -> std::sync::Arc<strait_evm_client::txm::TxManager> {
    use strait_evm_client::txm::{TxConfig, TxManager};
    let txm = TxManager::connect(
        url,
        DEV_KEYS[1],
        TxConfig {
            poll_interval: std::time::Duration::from_millis(20),
            ..TxConfig::default()
        },
    )
    .await
    .unwrap();
    std::sync::Arc::new(txm)
}

/// The endpoint's fees contract, with chain 7's fee oracle entry (gas price 2, base 1,000, 3 per
/// byte, ack fee 7) set by the first dev key, made the endpoint's pauser: it stands for the
/// guardians, who alone set the oracle.
pub async fn fees_with_oracle(
    provider: &DynProvider,
    endpoint: Address,
) -> strait_evm_client::abi::fees::StraitFees::StraitFeesInstance<DynProvider> {
    use strait_evm_client::abi::endpoint::StraitEndpoint;
    use strait_evm_client::abi::fees::StraitFees::{self, FeeOracle};
    let owner = deploy::signer_address(DEV_KEYS[0]).unwrap();
    let endpoint = StraitEndpoint::new(endpoint, provider.clone());
    mined!(endpoint.setPauser(owner));
    let fees = StraitFees::new(endpoint.fees().call().await.unwrap(), provider.clone());
    let oracle = FeeOracle {
        gasPrice: 2,
        baseDelivery: 1_000,
        perByte: 3,
        ackFee: 7,
    };
    mined!(fees.setFeeOracle(7, oracle));
    fees
}

/// Sends a contract call, waits for its receipt and asserts that it succeeded.
macro_rules! mined {
    ($call:expr) => {{
        let receipt = $call.send().await.unwrap().get_receipt().await.unwrap();
        assert!(
            receipt.status(),
            "{} reverted: {receipt:?}",
            stringify!($call)
        );
        receipt
    }};
}
pub(crate) use mined;
