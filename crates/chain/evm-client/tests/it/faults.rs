//! An EVM source facing unreachable, silent or misconfigured nodes, and reorgs deeper than every
//! remembered range end.

use core::time::Duration;

use alloy::primitives::Address;
use strait_chain_client::{ChainError, OutboxHistory, SourceChain, MAX_PAGE_ITEMS};
use strait_evm_client::{EvmSource, EvmSourceConfig};
use strait_primitives::{ChainId, Height, MessageId};

use crate::proxy::Proxy;
use crate::support::{Chain, CHAIN};

fn config(url: String) -> EvmSourceConfig {
    EvmSourceConfig {
        rpc_timeout: Duration::from_millis(300),
        ..EvmSourceConfig::new(url, Address::repeat_byte(0xee), CHAIN, 2)
    }
}

#[tokio::test]
async fn an_unreachable_or_silent_node_is_unavailable() {
    // Nothing listens on the port of a dropped listener.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    // This one accepts connections (the kernel's backlog) and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    for port in [port, silent_port] {
        let source = EvmSource::new(config(format!("http://127.0.0.1:{port}"))).unwrap();
        let e = SourceChain::latest_height(&source).await.unwrap_err();
        assert!(e.is_transient(), "{e}");
        let e = source.outbox_page(ChainId(7), 0, 10).await.unwrap_err();
        assert!(e.is_transient(), "{e}");
        let e = source.outbox_at(Height(0)).await.unwrap_err();
        assert!(e.is_transient(), "{e}");
    }
    drop(silent);
    assert!(matches!(
        EvmSource::new(config("not a url".into())),
        Err(ChainError::Refused { .. })
    ));
}

#[tokio::test]
async fn connect_refuses_another_chain_or_an_address_without_code() {
    let chain = Chain::start().await;
    let mut wrong_chain = EvmSourceConfig::new(chain.anvil.url(), chain.endpoint, CHAIN + 1, 0);
    let e = EvmSource::connect(wrong_chain.clone()).await.unwrap_err();
    assert!(matches!(e, ChainError::Refused { .. }), "{e}");
    wrong_chain.chain_id = ChainId(CHAIN);
    wrong_chain.endpoint = Address::repeat_byte(0x42);
    let e = EvmSource::connect(wrong_chain).await.unwrap_err();
    assert!(matches!(e, ChainError::Refused { .. }), "{e}");
}

#[tokio::test]
async fn a_reorg_deeper_than_every_remembered_range_end_re_indexes_from_the_start() {
    let chain = Chain::start().await;
    let config = EvmSourceConfig {
        reorg_window: 1,
        max_log_range: 1,
        ..EvmSourceConfig::new(chain.anvil.url(), chain.endpoint, CHAIN, 0)
    };
    let source = EvmSource::connect(config).await.unwrap();
    let (kept, _) = chain.send(7, b"kept").await;
    chain.send(7, b"dropped 1").await;
    chain.send(7, b"dropped 2").await;
    assert_eq!(
        source
            .outbox_page(ChainId(7), 0, 10)
            .await
            .unwrap()
            .messages
            .len(),
        3
    );
    // Two blocks replaced: the one remembered range end (the last block) is gone.
    chain.reorg(2).await;
    let (replacement, _) = chain.send(7, b"replacement").await;
    let page = source.outbox_page(ChainId(7), 0, 10).await.unwrap();
    let ids: Vec<MessageId> = page.messages.iter().map(|m| m.id).collect();
    assert_eq!(ids, [kept, replacement]);
    assert_eq!(source.indexed_leaves().await, 2);
}

#[tokio::test]
async fn requests_are_bounded_by_the_page_size() {
    let chain = Chain::start().await;
    let source = chain.source(0, 1_000).await;
    for i in 0..3u8 {
        chain.send(7, &[i]).await;
    }
    // A limit past the bound is capped at it; a zero limit looks at nothing.
    let page = source.outbox_page(ChainId(7), 0, usize::MAX).await.unwrap();
    assert_eq!(page.messages.len(), 3);
    let page = source.outbox_page(ChainId(7), 1, 0).await.unwrap();
    assert_eq!((page.messages.len(), page.next_leaf), (0, 1));
    let latest = SourceChain::latest_height(&source).await.unwrap();
    // MAX_PAGE_ITEMS leaves pass the bound (and are refused as past the outbox); one more is
    // refused by the bound.
    for n in [MAX_PAGE_ITEMS, MAX_PAGE_ITEMS + 1] {
        let leaves: Vec<u64> = (0..n as u64).collect();
        let e = source.multiproof(&leaves, latest).await.unwrap_err();
        let ChainError::Refused { reason, .. } = e else {
            panic!("{e}")
        };
        assert_eq!(
            reason.contains("leaves (1 to"),
            n > MAX_PAGE_ITEMS,
            "{reason}"
        );
    }
    assert_eq!(OutboxHistory::latest_height(&source).await.unwrap(), latest);
}

#[tokio::test]
async fn logs_that_do_not_add_up_to_the_endpoints_outbox_are_bad_data() {
    let chain = Chain::start().await;
    chain.send(7, b"first").await;
    let (_, second) = chain.send(7, b"second").await;
    chain.mine(1).await;
    // Scanning from past the first message: its leaf is missing from the logs seen.
    let config = EvmSourceConfig {
        start_block: second,
        ..EvmSourceConfig::new(chain.anvil.url(), chain.endpoint, CHAIN, 0)
    };
    let source = EvmSource::connect(config).await.unwrap();
    let e = source.outbox_page(ChainId(7), 0, 10).await.unwrap_err();
    assert!(matches!(e, ChainError::BadData { .. }), "{e}");
    assert_eq!(source.indexed_leaves().await, 0);
    // From past every message: no log at all, while the endpoint holds two.
    let config = EvmSourceConfig {
        start_block: second + 1,
        ..EvmSourceConfig::new(chain.anvil.url(), chain.endpoint, CHAIN, 0)
    };
    let source = EvmSource::connect(config).await.unwrap();
    let e = source.outbox_page(ChainId(7), 0, 10).await.unwrap_err();
    let ChainError::BadData { reason, .. } = e else {
        panic!("{e}")
    };
    assert!(reason.contains("the endpoint holds 2"), "{reason}");
    let latest = SourceChain::latest_height(&source).await.unwrap();
    assert!(matches!(
        source.multiproof(&[0], latest).await,
        Err(ChainError::BadData { .. })
    ));
}

#[tokio::test]
async fn the_index_catches_up_a_bounded_number_of_log_requests_per_call() {
    let chain = Chain::start().await;
    let mut ids = Vec::new();
    for i in 0..3u8 {
        ids.push(chain.send(7, &[i]).await.0);
    }
    chain.mine(20).await;
    // One block per request, four requests per call: about 30 blocks take several calls.
    let config = EvmSourceConfig {
        max_log_range: 1,
        max_ranges_per_sync: 4,
        ..EvmSourceConfig::new(chain.anvil.url(), chain.endpoint, CHAIN, 0)
    };
    let source = EvmSource::connect(config).await.unwrap();
    let latest = SourceChain::latest_height(&source).await.unwrap();
    // The first call covers blocks 0 to 3, before the endpoint existed.
    let first = source.outbox_page(ChainId(7), 0, 10).await.unwrap();
    assert_eq!((first.messages.len(), first.outbox_count), (0, 0));
    assert_eq!(source.indexed_leaves().await, 0);
    // Not indexed up to `latest` yet: transient.
    let e = source.multiproof(&[0], latest).await.unwrap_err();
    assert!(e.is_transient(), "{e}");
    let mut counts = Vec::new();
    let proof = loop {
        let page = source.outbox_page(ChainId(7), 0, 10).await.unwrap();
        let seen: Vec<MessageId> = page.messages.iter().map(|m| m.id).collect();
        assert_eq!(seen, ids[..page.outbox_count as usize]);
        counts.push(page.outbox_count);
        assert!(counts.len() < 20);
        if let Ok(proof) = source.multiproof(&[0, 2], latest).await {
            break proof;
        }
    };
    counts.push(
        source
            .outbox_page(ChainId(7), 0, 10)
            .await
            .unwrap()
            .outbox_count,
    );
    assert_eq!(counts.last(), Some(&3));
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
    let state = source.outbox_at(latest).await.unwrap();
    proof.verify(&[ids[0], ids[2]], &state.root).unwrap();
}

#[tokio::test]
async fn a_request_failing_while_looking_for_the_fork_resumes_from_the_end_being_checked() {
    let chain = Chain::start().await;
    let proxy = Proxy::start(format!("127.0.0.1:{}", chain.anvil.port()));
    let config = EvmSourceConfig::new(proxy.url.clone(), chain.endpoint, CHAIN, 0);
    let source = EvmSource::connect(config).await.unwrap();
    // Three syncs: the blocks of `first`, `second` and `third` are remembered range ends.
    let (first, _) = chain.send(7, b"first").await;
    source.outbox_page(ChainId(7), 0, 10).await.unwrap();
    chain.send(7, b"second").await;
    source.outbox_page(ChainId(7), 0, 10).await.unwrap();
    chain.send(7, b"third").await;
    assert_eq!(
        source
            .outbox_page(ChainId(7), 0, 10)
            .await
            .unwrap()
            .messages
            .len(),
        3
    );
    chain.reorg(2).await;
    // The newest end is found changed, the one before it too; the check of the next fails.
    proxy.fail("eth_getBlockByNumber", 2, 1);
    let e = source.outbox_page(ChainId(7), 0, 10).await.unwrap_err();
    assert!(e.is_transient(), "{e}");
    // The next call checks that end first, finds it on the chain and resumes past `first`.
    let (replacement, _) = chain.send(7, b"replacement").await;
    let page = source.outbox_page(ChainId(7), 0, 10).await.unwrap();
    let ids: Vec<MessageId> = page.messages.iter().map(|m| m.id).collect();
    assert_eq!(ids, [first, replacement]);
}
