//! The HTTP and websocket transport of the JSON-RPC server: our own accept loop and hyper
//! connections around jsonrpsee's service, so that no client can hold the server.
//!
//! * A connection that does not send a whole request head within [`RpcLimits::header_timeout`],
//!   or a whole body within [`RpcLimits::body_timeout`], or stays silent between requests longer
//!   than [`RpcLimits::idle_timeout`], is closed. So slow or stalled clients free their slot.
//! * At most [`RpcLimits::max_connections`] connections are served, at most
//!   [`RpcLimits::max_connections_per_ip`] of them from one peer address; a connection past either
//!   bound is closed as soon as it is accepted, before any of its bytes is read. The newest
//!   connection is the one refused: those already served keep their slot (the timeouts above free
//!   the slots of stalled ones), so one address can hold at most its share, never the whole server.
//! * Stopping closes the listener, asks every connection to finish its request, and after
//!   [`RpcLimits::shutdown_grace`] drops those that have not: shutdown takes bounded time whatever
//!   clients do.
//! * Client mistakes get client errors (`docs/rpc.md`): a body shorter than its `Content-Length`
//!   or with broken chunked encoding gets `-32700` (HTTP 400), a body over the bound `-32600`
//!   (HTTP 413), a request with an `id` that is not a string, number or `null` gets `-32600`
//!   Invalid Request with `id: null`; per call, [`guard`] refuses subscriptions over HTTP and extra
//!   positional parameters.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use jsonrpsee::server::{HttpBody, HttpResponse, ServerHandle, StopHandle};
use serde::Deserialize;
use strait_devnet_api::rpc::codes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tower::Service;

pub mod guard;

/// Largest JSON-RPC request: a maximal transaction as hex, with room for the envelope.
pub const MAX_REQUEST_BYTES: u32 = (strait_devnet_api::tx::MAX_TX_LEN as u32) * 2 + (1 << 20);
/// Most calls in one JSON-RPC batch; each call is bounded on its own, so a batch's work is at
/// most this many calls' work.
pub const MAX_BATCH_LEN: u32 = 64;
/// Most subscriptions one websocket connection holds.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: u32 = 16;
/// Messages a websocket connection buffers for a client that reads slowly (at most 16 x 128 KiB).
pub const MESSAGE_BUFFER: u32 = 16;
/// Largest JSON-RPC response.
pub const MAX_RESPONSE_BYTES: u32 = 64 << 20;

/// Bounds of the RPC transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RpcLimits {
    /// Most time to receive a request's head (request line and headers).
    pub header_timeout: Duration,
    /// Most time to receive a request's body, once its head arrived.
    pub body_timeout: Duration,
    /// Most time a connection may stay silent with no request in flight.
    pub idle_timeout: Duration,
    /// Most connections served at once.
    pub max_connections: usize,
    /// Most connections served at once to one peer IP address (an IPv4-mapped IPv6 address counts
    /// as its IPv4 address). Loopback is not special: the devnet's own CLI and relayers connect
    /// from 127.0.0.1 and share this bound.
    pub max_connections_per_ip: usize,
    /// How long a stopping server waits for requests in flight before dropping them.
    pub shutdown_grace: Duration,
    /// Largest request body.
    pub max_request_bytes: usize,
}

impl Default for RpcLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            max_connections_per_ip: 64,
            shutdown_grace: Duration::from_secs(3),
            max_request_bytes: MAX_REQUEST_BYTES as usize,
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A running transport.
pub struct Transport {
    handle: ServerHandle,
    task: tokio::task::JoinHandle<()>,
}

impl Transport {
    /// Stops accepting, lets requests in flight finish for at most the shutdown grace, then drops
    /// every connection. Returns when all are gone.
    pub async fn stop(self) {
        let _ = self.handle.stop();
        let _ = self.task.await;
    }
}

/// Serves `http` (for plain HTTP requests) and `ws` (for websocket upgrades), built over
/// `stop`, whose `handle` is the matching server handle, on `listener`.
pub fn spawn<H, W>(
    listener: TcpListener,
    http: H,
    ws: W,
    (stop, handle): (StopHandle, ServerHandle),
    limits: RpcLimits,
) -> Transport
where
    H: Service<Request<HttpBody>, Response = HttpResponse, Error = BoxError>
        + Clone
        + Send
        + 'static,
    H::Future: Send + 'static,
    W: Service<Request<HttpBody>, Response = HttpResponse, Error = BoxError>
        + Clone
        + Send
        + 'static,
    W::Future: Send + 'static,
{
    let task = tokio::spawn(accept_loop(listener, http, ws, stop, limits));
    Transport { handle, task }
}

async fn accept_loop<H, W>(
    listener: TcpListener,
    http: H,
    ws: W,
    stop: StopHandle,
    limits: RpcLimits,
) where
    H: Service<Request<HttpBody>, Response = HttpResponse, Error = BoxError>
        + Clone
        + Send
        + 'static,
    H::Future: Send + 'static,
    W: Service<Request<HttpBody>, Response = HttpResponse, Error = BoxError>
        + Clone
        + Send
        + 'static,
    W::Future: Send + 'static,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let peers = Arc::new(Peers::default());
    let mut refusals = Refusals::default();
    let mut connections = JoinSet::new();
    let stopped = stop.clone().shutdown();
    tokio::pin!(stopped);
    loop {
        let accepted = tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => accepted,
        };
        while connections.try_join_next().is_some() {}
        let (socket, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::debug!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // Refused connections are dropped here, unread: the client sees the connection close.
        let ip = peer.ip();
        let Some(peer_slot) = peers.try_acquire(ip, limits.max_connections_per_ip) else {
            refusals.refuse(ip, Refused::PerIp);
            continue;
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            refusals.refuse(ip, Refused::Global);
            continue;
        };
        let _ = socket.set_nodelay(true);
        let (http, ws, stop) = (http.clone(), ws.clone(), stop.clone());
        connections.spawn(async move {
            serve_connection(socket, http, ws, stop, limits).await;
            drop((slot, peer_slot));
        });
    }
    drop(listener);
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::debug!(
            left = connections.len(),
            "dropping connections after the grace"
        );
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}

/// Connections served per peer address. An address leaves the map with its last connection, so
/// the map holds at most [`RpcLimits::max_connections`] entries (plus those being refused).
#[derive(Default)]
struct Peers(Mutex<HashMap<IpAddr, usize>>);

impl Peers {
    /// A slot for one more connection of `ip`, if it holds fewer than `max`. An IPv4-mapped IPv6
    /// address counts as its IPv4 address.
    fn try_acquire(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<PeerSlot> {
        let ip = ip.to_canonical();
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let held = map.entry(ip).or_insert(0);
        if *held >= max {
            if *held == 0 {
                map.remove(&ip);
            }
            return None;
        }
        *held += 1;
        Some(PeerSlot {
            peers: self.clone(),
            ip,
        })
    }
}

/// One connection's place in its address's count, given back when dropped.
struct PeerSlot {
    peers: Arc<Peers>,
    ip: IpAddr,
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let mut map = self.peers.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(held) = map.get_mut(&self.ip) {
            *held -= 1;
            if *held == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Which bound refused a connection.
#[derive(Clone, Copy, Debug)]
enum Refused {
    /// [`RpcLimits::max_connections_per_ip`].
    PerIp,
    /// [`RpcLimits::max_connections`].
    Global,
}

/// Most often refusals are logged at `warn`: a flood of connections must not flood the log.
const REFUSAL_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Refused connections, counted; each is logged at `debug`, and a summary at `warn` at most once
/// per [`REFUSAL_LOG_INTERVAL`].
#[derive(Default)]
struct Refusals {
    per_ip: u64,
    global: u64,
    last_warned: Option<Instant>,
}

impl Refusals {
    fn refuse(&mut self, ip: IpAddr, why: Refused) {
        match why {
            Refused::PerIp => self.per_ip += 1,
            Refused::Global => self.global += 1,
        }
        tracing::debug!(peer = %ip, bound = ?why, "connection refused");
        if self
            .last_warned
            .is_none_or(|at| at.elapsed() >= REFUSAL_LOG_INTERVAL)
        {
            self.last_warned = Some(Instant::now());
            tracing::warn!(
                peer = %ip,
                bound = ?why,
                refused_per_ip = self.per_ip,
                refused_global = self.global,
                "rpc connections refused at a connection bound (totals since start)"
            );
        }
    }
}

/// The socket, counting when it last read anything.
struct Watched {
    inner: TcpStream,
    last_read: Arc<AtomicU64>,
    epoch: Instant,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            let now = self.epoch.elapsed().as_millis() as u64;
            self.last_read.store(now, Ordering::Relaxed);
        }
        poll
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

async fn serve_connection<H, W>(
    socket: TcpStream,
    http: H,
    ws: W,
    stop: StopHandle,
    limits: RpcLimits,
) where
    H: Service<Request<HttpBody>, Response = HttpResponse, Error = BoxError>
        + Clone
        + Send
        + 'static,
    H::Future: Send + 'static,
    W: Service<Request<HttpBody>, Response = HttpResponse, Error = BoxError>
        + Clone
        + Send
        + 'static,
    W::Future: Send + 'static,
{
    let epoch = Instant::now();
    let last_read = Arc::new(AtomicU64::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let io = Watched {
        inner: socket,
        last_read: last_read.clone(),
        epoch,
    };
    let service = {
        let in_flight = in_flight.clone();
        hyper::service::service_fn(move |request: Request<Incoming>| {
            let (http, ws, in_flight) = (http.clone(), ws.clone(), in_flight.clone());
            in_flight.fetch_add(1, Ordering::Relaxed);
            async move {
                let response = handle(request, http, ws, limits).await.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "rpc service failed");
                    json_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        codes::INTERNAL,
                        "internal error",
                    )
                });
                in_flight.fetch_sub(1, Ordering::Relaxed);
                Ok::<_, std::convert::Infallible>(response)
            }
        })
    };
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.idle_timeout));
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
    tokio::pin!(connection);
    let stopped = stop.shutdown();
    tokio::pin!(stopped);
    let idle = idle_watch(&last_read, &in_flight, epoch, limits.idle_timeout);
    tokio::pin!(idle);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended");
            }
            return;
        }
        _ = &mut idle => tracing::debug!("idle connection closed"),
        _ = &mut stopped => {}
    }
    connection.as_mut().graceful_shutdown();
    // The accept loop drops this task after the shutdown grace if the client never finishes.
    let _ = connection.await;
}

/// Resolves once the connection has read nothing for `idle` while no request is in flight.
async fn idle_watch(
    last_read: &AtomicU64,
    in_flight: &AtomicUsize,
    epoch: Instant,
    idle: Duration,
) {
    let tick = (idle / 4).max(Duration::from_millis(50));
    loop {
        tokio::time::sleep(tick).await;
        let since = epoch.elapsed().as_millis() as u64 - last_read.load(Ordering::Relaxed);
        if in_flight.load(Ordering::Relaxed) == 0 && since >= idle.as_millis() as u64 {
            return;
        }
    }
}

fn json_error(status: StatusCode, code: i32, message: &str) -> HttpResponse {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": code, "message": message},
    });
    Response::builder()
        .status(status)
        .header(
            hyper::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(HttpBody::from(body.to_string()))
        .expect("a valid response")
}

/// Whether a JSON object has an `id` member that is not `null` (a notification has none).
fn has_id(body: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(default)]
        id: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_slice::<Probe>(body).is_ok_and(|p| p.id.is_some())
}

async fn handle<H, W>(
    request: Request<Incoming>,
    mut http: H,
    mut ws: W,
    limits: RpcLimits,
) -> Result<HttpResponse, BoxError>
where
    H: Service<Request<HttpBody>, Response = HttpResponse, Error = BoxError>,
    W: Service<Request<HttpBody>, Response = HttpResponse, Error = BoxError>,
{
    if request.headers().contains_key(hyper::header::UPGRADE) {
        return ws.call(request.map(HttpBody::new)).await;
    }
    let announced = request
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::INVALID_JSON_RPC,
            &format!("request body exceeds {} bytes", limits.max_request_bytes),
        )
    };
    if announced.is_some_and(|n| n > limits.max_request_bytes as u64) {
        return Ok(too_large());
    }
    let (parts, body) = request.into_parts();
    let collected = tokio::time::timeout(
        limits.body_timeout,
        Limited::new(body, limits.max_request_bytes).collect(),
    )
    .await;
    let bytes = match collected {
        Err(_) => {
            return Ok(json_error(
                StatusCode::REQUEST_TIMEOUT,
                codes::INVALID_JSON_RPC,
                &format!(
                    "request body not received within {} ms",
                    limits.body_timeout.as_millis()
                ),
            ))
        }
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => return Ok(too_large()),
        Ok(Err(e)) => {
            return Ok(json_error(
                StatusCode::BAD_REQUEST,
                codes::PARSE_ERROR,
                &format!("request body incomplete or malformed: {e}"),
            ))
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    let request = Request::from_parts(parts, HttpBody::new(Full::new(bytes.clone())));
    let response = http.call(request).await?;
    // jsonrpsee answers a single object it cannot read as a request but can as a notification
    // with nothing (or `null`): that is a request whose id is not a string, a number or null.
    let small = hyper::body::Body::size_hint(response.body())
        .exact()
        .is_some_and(|n| n <= 4);
    if response.status() == StatusCode::OK
        && small
        && bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
    {
        let (parts, body) = response.into_parts();
        let answer = body.collect().await?.to_bytes();
        if (answer.is_empty() || &answer[..] == b"null") && has_id(&bytes) {
            return Ok(json_error(
                StatusCode::BAD_REQUEST,
                codes::INVALID_JSON_RPC,
                "invalid request: id must be a string, a number or null",
            ));
        }
        return Ok(Response::from_parts(parts, HttpBody::from(answer.to_vec())));
    }
    Ok(response)
}

/// Serves `methods` on `listener` with the node's whole hardening: its request, response, batch
/// and subscription bounds, the per-call [`guard`] and this transport's connection limits and
/// timeouts. Other servers of the project (the attester's) use it.
pub fn serve_methods(
    listener: TcpListener,
    methods: jsonrpsee::server::Methods,
    limits: RpcLimits,
) -> Transport {
    use jsonrpsee::server::middleware::rpc::RpcServiceBuilder;
    use jsonrpsee::server::{BatchRequestConfig, Server, ServerConfig};
    let config = ServerConfig::builder()
        .max_request_body_size(MAX_REQUEST_BYTES)
        .max_response_body_size(MAX_RESPONSE_BYTES)
        .set_batch_request_config(BatchRequestConfig::Limit(MAX_BATCH_LEN))
        .max_connections(limits.max_connections as u32)
        .max_subscriptions_per_connection(MAX_SUBSCRIPTIONS_PER_CONNECTION)
        .set_message_buffer_capacity(MESSAGE_BUFFER)
        .build();
    let (stop, handle) = jsonrpsee::server::stop_channel();
    let service = |http: bool| {
        Server::builder()
            .set_config(config.clone())
            .set_rpc_middleware(RpcServiceBuilder::new().layer(guard::GuardLayer { http }))
            .to_service_builder()
            .build(methods.clone(), stop.clone())
    };
    spawn(
        listener,
        service(true),
        service(false),
        (stop.clone(), handle),
        limits,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(peers: &Peers) -> Vec<(IpAddr, usize)> {
        let mut held: Vec<_> = peers.0.lock().unwrap().clone().into_iter().collect();
        held.sort();
        held
    }

    #[test]
    fn peer_slots_are_bounded_per_address_and_given_back() {
        let peers = Arc::new(Peers::default());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        let b: IpAddr = "2001:db8::1".parse().unwrap();
        // At the bound, counting the mapped form as the same address; past it, refused.
        let first = peers.try_acquire(a, 2).expect("first");
        let second = peers.try_acquire(mapped, 2).expect("second");
        assert!(peers.try_acquire(a, 2).is_none());
        assert!(peers.try_acquire(mapped, 2).is_none());
        // Another address has its own count.
        let other = peers.try_acquire(b, 2).expect("another address");
        assert_eq!(held(&peers), vec![(a, 2), (b, 1)]);
        // A closed connection gives its slot back; an address leaves with its last one.
        drop(first);
        let third = peers.try_acquire(a, 2).expect("a slot given back");
        drop((second, third, other));
        assert!(held(&peers).is_empty());
        // A bound of zero refuses everything and keeps nothing.
        assert!(peers.try_acquire(a, 0).is_none());
        assert!(held(&peers).is_empty());
    }
}
