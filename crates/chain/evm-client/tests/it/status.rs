//! The status reader against a real endpoint: a sent message found by its logs and its awaiting
//! record, an unknown one, and the bound on log requests at and past its limit.

use strait_evm_client::status::{EvmMessageStatus, EvmStatusConfig, EvmStatusReader, StatusError};
use strait_primitives::{ChainId, Height, MessageId};

use crate::support::{Chain, CHAIN};

fn config(chain: &Chain, from_block: u64, range: u64, requests: u64) -> EvmStatusConfig {
    let mut config = EvmStatusConfig::new(chain.anvil.url(), chain.endpoint);
    config.from_block = from_block;
    config.max_log_range = range;
    config.max_log_requests = requests;
    config
}

#[tokio::test]
async fn a_sent_message_is_found_within_the_log_bound() {
    let chain = Chain::start().await;
    let (id, block) = chain.send(7, b"hello").await;
    chain.mine(5).await;
    let head = chain.head().await;

    let reader = EvmStatusReader::connect(config(&chain, 0, 2, 1_000))
        .await
        .unwrap();
    assert_eq!(reader.chain_id(), ChainId(CHAIN));
    let EvmMessageStatus::Sent {
        height,
        leaf_index,
        packet,
        awaiting_outcome,
        fee,
    } = reader.message_status(id).await.unwrap()
    else {
        panic!("not sent");
    };
    assert_eq!((height, leaf_index), (Height(block), 0));
    assert_eq!((packet.id(), packet.destination_chain), (id, ChainId(7)));
    assert!(awaiting_outcome, "an account's message awaits its outcome");
    assert_eq!(fee, None, "sent unpaid");
    assert_eq!(
        reader.message_status(MessageId([5; 32])).await.unwrap(),
        EvmMessageStatus::Unknown
    );
    // Nothing delivers to chain 7 here: no verifier proves its messages, nothing is paused.
    assert!(!reader.paused(Some(packet.route().id())).await.unwrap());

    // One block per request: the blocks from the send to the head take exactly this many.
    let needed = head - block + 1;
    let at = EvmStatusReader::connect(config(&chain, block, 1, needed))
        .await
        .unwrap();
    assert!(matches!(
        at.message_status(id).await.unwrap(),
        EvmMessageStatus::Sent { .. }
    ));
    let past = EvmStatusReader::connect(config(&chain, block, 1, needed - 1))
        .await
        .unwrap();
    let err = past.message_status(id).await.unwrap_err();
    assert!(
        matches!(err, StatusError::TooManyBlocks { needed: n, max, .. } if n == needed && max == needed - 1),
        "{err}"
    );
    assert!(!err.is_transient());
    // A scan that starts after the send does not see it.
    let later = EvmStatusReader::connect(config(&chain, block + 1, 1_000, 1))
        .await
        .unwrap();
    assert_eq!(
        later.message_status(id).await.unwrap(),
        EvmMessageStatus::Unknown
    );
}

#[tokio::test]
async fn a_node_that_does_not_answer_is_transient() {
    // Nothing listens on port 9.
    let mut config = EvmStatusConfig::new("http://127.0.0.1:9", alloy::primitives::Address::ZERO);
    config.rpc_timeout = std::time::Duration::from_secs(2);
    let err = EvmStatusReader::connect(config).await.unwrap_err();
    assert!(err.is_transient(), "{err}");
}
