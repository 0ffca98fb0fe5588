//! Per-call checks before a method runs: subscriptions need a websocket, and a call may not carry
//! more positional parameters than its method takes (jsonrpsee would ignore the extra ones).

use jsonrpsee::core::middleware::{Batch, BatchEntry, BatchEntryErr, Notification, RpcServiceT};
use jsonrpsee::types::{ErrorObjectOwned, Request};
use jsonrpsee::MethodResponse;
use serde_json::value::RawValue;
use strait_devnet_api::rpc::codes;

/// Every method with the number of parameters it takes (optional ones included).
pub const ARITY: &[(&str, usize)] = &[
    ("strait_chainInfo", 0),
    ("strait_health", 0),
    ("strait_submitTransaction", 1),
    ("strait_transactionResult", 1),
    ("strait_accountNonce", 1),
    ("strait_lightBlock", 1),
    ("strait_block", 1),
    ("strait_outbox", 1),
    ("strait_messages", 3),
    ("strait_proof", 2),
    ("strait_messageStatus", 1),
    ("strait_received", 1),
    ("strait_client", 1),
    ("strait_subscribeBlocks", 0),
    ("strait_subscribeEvents", 0),
    ("strait_unsubscribeBlocks", 1),
    ("strait_unsubscribeEvents", 1),
    // The attester's server (`strait attester`) shares this guard.
    ("strait_attestation", 2),
    ("strait_latestAttestation", 1),
];

/// Wraps the RPC service of one transport.
#[derive(Clone, Copy, Debug)]
pub struct GuardLayer {
    /// Plain HTTP (no subscriptions).
    pub http: bool,
}

impl<S> tower::Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            http: self.http,
        }
    }
}

/// The checking service.
#[derive(Clone, Debug)]
pub struct Guard<S> {
    inner: S,
    http: bool,
}

/// Why `method` with `params` is refused before it runs, if it is.
pub fn check(method: &str, params: Option<&str>, http: bool) -> Option<ErrorObjectOwned> {
    if http && (method.starts_with("strait_subscribe") || method.starts_with("strait_unsubscribe"))
    {
        return Some(ErrorObjectOwned::owned(
            codes::INVALID_JSON_RPC,
            format!("{method} needs a websocket connection"),
            None::<()>,
        ));
    }
    let arity = ARITY.iter().find(|(m, _)| *m == method)?.1;
    let params = params?.trim_start();
    if !params.starts_with('[') {
        return None;
    }
    let given = serde_json::from_str::<Vec<&RawValue>>(params).ok()?.len();
    (given > arity).then(|| {
        ErrorObjectOwned::owned(
            codes::INVALID_REQUEST,
            format!("{method} takes at most {arity} parameters, got {given}"),
            None::<()>,
        )
    })
}

impl<S> RpcServiceT for Guard<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Send
        + Sync
        + Clone
        + 'static,
{
    type MethodResponse = MethodResponse;
    type NotificationResponse = MethodResponse;
    type BatchResponse = MethodResponse;

    fn call<'a>(
        &self,
        request: Request<'a>,
    ) -> impl std::future::Future<Output = MethodResponse> + Send + 'a {
        let refused = check(
            request.method_name(),
            request.params.as_ref().map(|p| p.get()),
            self.http,
        );
        let inner = self.inner.clone();
        async move {
            match refused {
                Some(e) => MethodResponse::error(request.id, e),
                None => inner.call(request).await,
            }
        }
    }

    fn batch<'a>(
        &self,
        mut batch: Batch<'a>,
    ) -> impl std::future::Future<Output = MethodResponse> + Send + 'a {
        for entry in batch.iter_mut() {
            let refused = match entry {
                Ok(BatchEntry::Call(request)) => check(
                    request.method_name(),
                    request.params.as_ref().map(|p| p.get()),
                    self.http,
                )
                .map(|e| (request.id.clone(), e)),
                _ => None,
            };
            if let Some((id, e)) = refused {
                *entry = Err(BatchEntryErr::new(id, e));
            }
        }
        self.inner.batch(batch)
    }

    fn notification<'a>(
        &self,
        n: Notification<'a>,
    ) -> impl std::future::Future<Output = MethodResponse> + Send + 'a {
        self.inner.notification(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_positional_parameters_are_refused_at_and_past_the_arity() {
        assert!(check("strait_proof", Some("[[1], 2]"), true).is_none());
        let e = check("strait_proof", Some("[[1], 2, 3]"), true).unwrap();
        assert_eq!(e.code(), codes::INVALID_REQUEST);
        assert!(e.message().contains("at most 2 parameters, got 3"));
        assert!(check("strait_chainInfo", Some("[]"), true).is_none());
        assert!(check("strait_chainInfo", None, true).is_none());
        assert!(check("strait_chainInfo", Some("[1]"), true).is_some());
        assert!(check("strait_messages", Some("[0, 10, null]"), true).is_none());
        assert!(check("strait_messages", Some("[0, 10, null, 1]"), true).is_some());
        // Named parameters and unknown methods are jsonrpsee's to judge.
        assert!(check("strait_block", Some(r#"{"height": 1}"#), true).is_none());
        assert!(check("nope", Some("[1, 2]"), true).is_none());
    }

    #[test]
    fn subscriptions_need_a_websocket() {
        let e = check("strait_subscribeBlocks", None, true).unwrap();
        assert_eq!(e.code(), codes::INVALID_JSON_RPC);
        assert!(check("strait_subscribeBlocks", None, false).is_none());
        assert!(check("strait_unsubscribeEvents", Some(r#"["x"]"#), true).is_some());
    }
}
