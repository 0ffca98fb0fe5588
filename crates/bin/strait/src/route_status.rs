//! `strait status --route <receiver> --source <chain>`: the security config a destination applies
//! to a route (`docs/SPEC.md` §12), and the same view inside a message's status.

use anyhow::Context as _;
use strait_devnet_api::rpc::{RouteSecurity, StraitApiClient};
use strait_primitives::{Address32, ChainId, Height};

use crate::rpc_client::http_client;

/// Prints the config `url`'s chain applies to messages from `source` to `receiver`.
pub async fn route(
    url: &str,
    receiver: Address32,
    source: ChainId,
    json: bool,
) -> anyhow::Result<()> {
    let client = http_client(url)?;
    let route = client
        .security_config(receiver, source)
        .await
        .with_context(|| format!("securityConfig on {url}"))?;
    if json {
        out!("{}", serde_json::to_string(&route)?);
    } else {
        out!(
            "route        {} from chain {}",
            route.receiver,
            route.source
        );
        print(&route);
    }
    Ok(())
}

/// The config's lines of text: who must vouch, and each client's state.
pub fn print(route: &RouteSecurity) {
    let c = &route.config;
    let ids = |l: &[strait_primitives::ClientId]| {
        l.iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let whose = if route.is_default {
        "the chain's default"
    } else {
        "set by the receiver"
    };
    out!("security     {whose}: required [{}]", ids(&c.required));
    if !c.optional.is_empty() {
        out!(
            "             and {} of optional [{}]",
            c.threshold,
            ids(&c.optional)
        );
    }
    if c.finality_blocks > 0 {
        out!(
            "             each {} source blocks final",
            c.finality_blocks
        );
    }
    for info in &route.clients {
        let frozen = if info.frozen { ", FROZEN" } else { "" };
        out!(
            "  client {}   {} ({}), verified up to height {}{frozen}",
            info.client_id,
            info.kind,
            kind_name(info.kind),
            info.latest_height
        );
    }
}

/// Whether the route's clients have verified the source at `sent_at` or above, every required one
/// and `threshold` optional ones (unfrozen), `finality_blocks` deep: then a relayer can deliver a
/// message sent there (given certificates at one common height).
pub fn covers(route: &RouteSecurity, sent_at: Height) -> bool {
    let needed = Height(sent_at.get().saturating_add(route.config.finality_blocks));
    let ok = |id| {
        route
            .clients
            .iter()
            .find(|i| i.client_id == id)
            .is_some_and(|i| !i.frozen && i.latest_height >= needed)
    };
    route.config.required.iter().all(|c| ok(*c))
        && route.config.optional.iter().filter(|c| ok(**c)).count()
            >= usize::from(route.config.threshold)
}

/// The devnet's name of a verifier kind, for people (`[STRAIT-VERIFIER.1]`).
fn kind_name(kind: strait_chain_client::VerifierKind) -> &'static str {
    use strait_chain_client::VerifierKind as K;
    match kind {
        K::BFT => "BFT light client",
        K::ATTEST_ECDSA => "ECDSA committee",
        K::ATTEST_ED25519 => "ed25519 committee",
        K::ATTEST_BLS => "BLS committee",
        K::BFT_BLS => "BLS-signed headers",
        K::OPTIMISTIC => "optimistic",
        _ => "unknown kind",
    }
}
