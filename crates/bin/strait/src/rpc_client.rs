//! The command line's JSON-RPC client of a native chain: jsonrpsee's HTTP client, with each read
//! sent again once when its connection failed under it.
//!
//! A node closes a keep-alive connection that has been idle for its idle timeout
//! (`RpcLimits::idle_timeout`, 60 s), and the client's connection pool keeps idle connections
//! longer. A request that the client writes on such a connection just as the node closes it ends
//! with a transport error ("connection closed before message completed") although the node never
//! read it. Every method of the node's API but `submitTransaction` only reads, so sending a read
//! again is safe; a submission is not sent again (its caller decides about nonces), as
//! `strait_devnet_client::rpc` does.

use std::future::Future;
use std::time::Duration;

use anyhow::Context as _;
use jsonrpsee::core::middleware::{Batch, Notification, Request, RpcServiceBuilder, RpcServiceT};
use jsonrpsee::core::ClientError;
use jsonrpsee::http_client::{HttpBackend, HttpClientBuilder, RpcLogger, RpcService};

/// The one method of the node's API that writes (`StraitApi::submit_transaction`, in the
/// `strait` namespace).
const SUBMIT: &str = "strait_submitTransaction";

/// How long a request may take, its one resend included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The command line's client of a native chain's JSON-RPC API.
pub type HttpClient =
    jsonrpsee::http_client::HttpClient<ResendRead<RpcLogger<RpcService<HttpBackend>>>>;

/// An HTTP JSON-RPC client of `url` (requests time out after 10 s; reads are sent again once after
/// a transport error).
pub fn http_client(url: &str) -> anyhow::Result<HttpClient> {
    HttpClientBuilder::default()
        .request_timeout(REQUEST_TIMEOUT)
        .set_rpc_middleware(
            RpcServiceBuilder::new()
                .layer_fn(ResendRead)
                .rpc_logger(1024),
        )
        .build(url)
        .with_context(|| format!("bad RPC URL {url}"))
}

/// Middleware: a call other than `submitTransaction` that fails with a transport error is sent
/// once more.
#[derive(Debug, Clone)]
pub struct ResendRead<S>(S);

impl<S, R> RpcServiceT for ResendRead<S>
where
    S: RpcServiceT<MethodResponse = Result<R, ClientError>> + Clone + Send + Sync + 'static,
    R: Send,
{
    type MethodResponse = S::MethodResponse;
    type NotificationResponse = S::NotificationResponse;
    type BatchResponse = S::BatchResponse;

    fn call<'a>(
        &self,
        request: Request<'a>,
    ) -> impl Future<Output = Self::MethodResponse> + Send + 'a {
        let inner = self.0.clone();
        async move {
            if request.method_name() == SUBMIT {
                return inner.call(request).await;
            }
            match inner.call(request.clone()).await {
                Err(ClientError::Transport(e)) => {
                    tracing::debug!(method = request.method_name(), error = %e, "rpc read failed in transport, sent again");
                    inner.call(request).await
                }
                other => other,
            }
        }
    }

    fn batch<'a>(
        &self,
        requests: Batch<'a>,
    ) -> impl Future<Output = Self::BatchResponse> + Send + 'a {
        self.0.batch(requests)
    }

    fn notification<'a>(
        &self,
        n: Notification<'a>,
    ) -> impl Future<Output = Self::NotificationResponse> + Send + 'a {
        self.0.notification(n)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use strait_devnet_api::rpc::StraitApiClient;
    use strait_primitives::Address32;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    /// A server whose first connection reads one request and closes without an answer (as a
    /// node's idle close racing the request), and whose later connections answer every request
    /// with `result`. Returns its URL and the count of connections accepted.
    async fn closes_first_connection(result: &'static str) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let first = count.fetch_add(1, Ordering::SeqCst) == 0;
                tokio::spawn(serve(stream, first, result));
            }
        });
        (url, accepted)
    }

    async fn serve(mut stream: TcpStream, close: bool, result: &'static str) {
        loop {
            let Some(body) = read_request(&mut stream).await else {
                return;
            };
            if close {
                return;
            }
            let request: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let answer = format!(
                r#"{{"jsonrpc":"2.0","id":{},"result":{result}}}"#,
                request["id"]
            );
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                answer.len()
            );
            if stream
                .write_all(format!("{head}{answer}").as_bytes())
                .await
                .is_err()
            {
                return;
            }
        }
    }

    /// One HTTP/1.1 request's body (by its content-length), or `None` once the client is gone.
    async fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while buf.len() < end + 4 + len {
                    let n = stream.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
                    buf.extend_from_slice(&chunk[..n]);
                }
                return Some(buf[end + 4..end + 4 + len].to_vec());
            }
            let n = stream.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    #[tokio::test]
    async fn a_read_whose_connection_closed_under_it_is_sent_again_once() {
        let (url, accepted) = closes_first_connection("7").await;
        let client = http_client(&url).unwrap();
        let nonce = client.account_nonce(Address32([1; 32])).await.unwrap();
        assert_eq!(nonce, 7);
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            2,
            "the read went out on a second connection"
        );
    }

    #[tokio::test]
    async fn a_submission_whose_connection_closed_under_it_is_not_sent_again() {
        let (url, accepted) = closes_first_connection(r#""0x00""#).await;
        let client = http_client(&url).unwrap();
        let err = client
            .submit_transaction(vec![1, 2, 3].into())
            .await
            .unwrap_err();
        assert!(matches!(err, ClientError::Transport(_)), "{err:?}");
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            1,
            "a submission is never sent twice"
        );
    }
}
