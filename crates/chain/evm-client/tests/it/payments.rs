//! What messages sent from an EVM chain paid, from the fee contract's `FeeLocked` logs.

use alloy::primitives::{Bytes, FixedBytes, U256};
use strait_chain_client::{ChainError, MessagePayment, SourceChain, MAX_PAGE_ITEMS};
use strait_evm_client::abi::endpoint::StraitEndpoint::{self, DeliveryOptions};
use strait_evm_client::anvil::DEV_KEYS;
use strait_evm_client::{deploy, EvmFee, EvmMessageStatus};
use strait_primitives::{ChainId, MessageId};

use crate::support::{fees_with_oracle, Chain};

#[tokio::test]
async fn payments_are_the_amounts_locked_when_the_messages_were_sent() {
    let chain = Chain::start().await;
    let provider = deploy::signing_provider(&chain.anvil.url(), DEV_KEYS[0]).unwrap();
    let owner = deploy::signer_address(DEV_KEYS[0]).unwrap();
    let endpoint = StraitEndpoint::new(chain.endpoint, provider.clone());
    let fees = fees_with_oracle(&provider, chain.endpoint).await;
    let quote = fees.quote(7, 50_000, U256::from(4)).call().await.unwrap();
    let paid_amount = quote + U256::from(5); // the excess is locked too
    let receipt = endpoint
        .sendPaid(
            7,
            FixedBytes::repeat_byte(0x22),
            DeliveryOptions {
                ordered: false,
                timeoutHeight: 0,
                timeoutTimestamp: 0,
            },
            Bytes::from_static(b"paid"),
            50_000,
        )
        .value(paid_amount)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
    let paid = MessageId(
        receipt
            .decoded_log::<StraitEndpoint::Sent>()
            .unwrap()
            .data
            .id
            .0,
    );
    let (unpaid, _) = chain.send(7, b"unpaid").await;
    let source = chain.source(0, 1_000).await;
    let never_paged = MessageId([9; 32]);
    // Nothing paged yet: nothing known.
    assert_eq!(
        source.payments(&[paid, unpaid]).await.unwrap(),
        [MessagePayment::Unknown; 2]
    );
    let page = source.outbox_page(ChainId(7), 0, 10).await.unwrap();
    assert_eq!(page.messages.len(), 2);
    let expected = u128::try_from(paid_amount).unwrap();
    assert_eq!(
        source.payments(&[unpaid, paid, never_paged]).await.unwrap(),
        [
            MessagePayment::Unpaid,
            MessagePayment::Paid { amount: expected },
            MessagePayment::Unknown
        ]
    );
    // The status reader finds the same payment in the fee contract's logs, and no payment for
    // the unpaid message.
    let reader = strait_evm_client::EvmStatusReader::connect(
        strait_evm_client::EvmStatusConfig::new(chain.anvil.url(), chain.endpoint),
    )
    .await
    .unwrap();
    let fee_of = |status| match status {
        EvmMessageStatus::Sent { fee, .. } => fee,
        other => panic!("not sent: {other:?}"),
    };
    assert_eq!(
        fee_of(reader.message_status(paid).await.unwrap()),
        Some(Box::new(EvmFee {
            payer: owner,
            gas_limit: 50_000,
            amount: paid_amount,
            split: None,
        }))
    );
    assert_eq!(fee_of(reader.message_status(unpaid).await.unwrap()), None);
    // At the bound and past it.
    let many = vec![never_paged; MAX_PAGE_ITEMS];
    assert_eq!(source.payments(&many).await.unwrap().len(), MAX_PAGE_ITEMS);
    let too_many = vec![never_paged; MAX_PAGE_ITEMS + 1];
    assert!(matches!(
        source.payments(&too_many).await,
        Err(ChainError::Refused { .. })
    ));
}
