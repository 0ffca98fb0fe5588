use alloy::primitives::Address;
use strait_evm_client::abi::endpoint::StraitEndpoint;
use strait_evm_client::anvil::{Anvil, AnvilConfig, DEV_KEYS};
use strait_evm_client::deploy;

#[tokio::test]
async fn deploys_and_configures_an_endpoint_on_anvil() {
    let anvil = Anvil::spawn(&AnvilConfig {
        chain_id: 313_377,
        block_time: None,
    })
    .expect("anvil");
    let provider = deploy::signing_provider(&anvil.url(), DEV_KEYS[0]).unwrap();
    assert_eq!(deploy::chain_id(&provider).await.unwrap(), 313_377);
    let owner = deploy::signer_address(DEV_KEYS[0]).unwrap();
    let endpoint = deploy::deploy_endpoint(&provider, owner, owner)
        .await
        .unwrap();
    assert_ne!(endpoint, Address::ZERO);
    let verifier = Address::repeat_byte(0x11);
    deploy::trust_remote(&provider, endpoint, 7, verifier)
        .await
        .unwrap();
    let contract = StraitEndpoint::new(endpoint, provider.clone());
    assert_eq!(
        contract.outboxCount().call().await.unwrap(),
        alloy::primitives::U256::ZERO
    );
    assert_eq!(contract.localChain().call().await.unwrap(), 313_377);
}
