//! Following a source chain's latest height: `strait_subscribeBlocks` over a websocket when there is
//! one, polling `strait_chainInfo` whenever the socket is missing or fails.

use core::time::Duration;

use jsonrpsee::ws_client::WsClientBuilder;
use strait_devnet_api::rpc::{BlockSummary, StraitApiClient};
use strait_primitives::Height;
use strait_relayer::plan::Backoff;
use tokio::sync::watch;

use crate::rpc::ChainRpc;

/// Publishes `chain`'s latest height on `heights` until `stop` turns true.
///
/// With a websocket URL it subscribes to new blocks; when the socket cannot be opened or drops, it
/// polls every `poll_interval` and tries the socket again after a bounded backoff.
pub async fn follow(
    chain: ChainRpc,
    ws_url: Option<String>,
    poll_interval: Duration,
    heights: watch::Sender<Height>,
    mut stop: watch::Receiver<bool>,
) {
    let mut ws_backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    let mut next_ws_try = tokio::time::Instant::now();
    loop {
        if *stop.borrow() {
            return;
        }
        if let Some(url) = ws_url
            .as_deref()
            .filter(|_| tokio::time::Instant::now() >= next_ws_try)
        {
            match subscribe(url, &heights, &mut stop).await {
                Ok(()) => return,
                Err(reason) => {
                    let delay = ws_backoff.next_delay();
                    tracing::debug!(chain = %chain.chain_id(), %reason, retry_ms = delay.as_millis() as u64, "block subscription unavailable, polling");
                    next_ws_try = tokio::time::Instant::now() + delay;
                }
            }
        }
        match chain.latest_height().await {
            Ok(height) => publish(&heights, height),
            Err(e) => {
                tracing::debug!(chain = %chain.chain_id(), error = %e, "polling the latest height failed")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(poll_interval) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Follows new blocks over a websocket. `Ok` when told to stop, `Err` when the socket fails.
async fn subscribe(
    url: &str,
    heights: &watch::Sender<Height>,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), String> {
    let client = WsClientBuilder::default()
        .connection_timeout(Duration::from_secs(5))
        .build(url)
        .await
        .map_err(|e| e.to_string())?;
    let mut blocks = client.subscribe_blocks().await.map_err(|e| e.to_string())?;
    tracing::debug!(%url, "subscribed to blocks");
    loop {
        tokio::select! {
            next = blocks.next() => match next {
                Some(Ok(BlockSummary { height, .. })) => publish(heights, height),
                Some(Err(e)) => return Err(e.to_string()),
                None => return Err("subscription closed".into()),
            },
            _ = stop.changed() => return Ok(()),
        }
    }
}

fn publish(heights: &watch::Sender<Height>, height: Height) {
    heights.send_if_modified(|h| {
        let higher = height > *h;
        if higher {
            *h = height;
        }
        higher
    });
}
