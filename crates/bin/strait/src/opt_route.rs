//! `strait devnet`'s route under optimistic verification (verifier kind 6, SPEC §13): on every
//! destination an optimistic client of every source (found among the destination's clients, else
//! created: anyone who bonds may propose, a window of four blocks), chosen alone by the built-in
//! `counter-optimistic` (`[STRAIT-ROUTE.6]`); the in-process relayer proposes every source's roots
//! to them (`[STRAIT-OPT.3]`) and relays the route once a proposal holding its messages settled
//! (`[STRAIT-ROUTE.7]`). Only when the relayer may propose to every pair
//! ([`strait_relayer::propose::MAX_PROPOSE_TO`]): otherwise the route is left out.

use strait_chain_client::VerifierKind;
use strait_devnet_api::apps;
use strait_optimistic::Config;
use strait_primitives::{ChainId, ClientId};
use strait_relayer::route::SecuredRoute;

use crate::rpc_client::HttpClient;
use crate::setup_tx::{clients_of, ensure_pair_clients};

/// What `--messages` reports the route's messages as.
pub(crate) const LABEL: &str = "optimistic";
/// What each proposal bonds, in `sat`.
const BOND_SAT: u128 = 1;

/// An optimistic client the relayer proposes to: (source, destination, client).
pub(crate) type Target = (ChainId, ChainId, ClientId);

/// The dispute window for `block_time_ms` blocks: four blocks, at least 200 ms.
fn window_ms(block_time_ms: u64) -> u64 {
    block_time_ms.saturating_mul(4).max(200)
}

/// Whether one relayer may propose to a client on every ordered pair of `chains` chains.
fn fits(chains: usize) -> bool {
    chains.saturating_mul(chains.saturating_sub(1)) <= strait_relayer::propose::MAX_PROPOSE_TO
}

/// Ensures the optimistic clients of every ordered pair, sets `counter-optimistic`'s config to
/// them, and returns the relayer's routes and proposal targets; nothing when the pairs outnumber
/// what one relayer proposes to.
pub(crate) async fn ensure(
    clients: &[HttpClient],
    ids: &[ChainId],
    block_time_ms: u64,
) -> anyhow::Result<(Vec<SecuredRoute>, Vec<Target>)> {
    if !fits(ids.len()) {
        tracing::warn!(
            chains = ids.len(),
            max = strait_relayer::propose::MAX_PROPOSE_TO,
            "more ordered pairs than one relayer proposes to: no optimistic route"
        );
        return Ok((Vec::new(), Vec::new()));
    }
    let init = Config {
        window_ms: window_ms(block_time_ms),
        bond: BOND_SAT,
        proposers: Vec::new(),
        watchers: Vec::new(),
    }
    .encode();
    let found = clients_of(clients).await?;
    let inits = ids.iter().map(|&source| (source, init.clone())).collect();
    let targets = ensure_pair_clients(
        clients,
        ids,
        &found,
        VerifierKind::OPTIMISTIC,
        &inits,
        apps::counter_optimistic(),
    )
    .await?;
    let routes = targets
        .iter()
        .map(|&(source, destination, _)| SecuredRoute {
            source,
            destination,
            receivers: vec![apps::counter_optimistic()],
            committees: Vec::new(),
        })
        .collect();
    Ok((routes, targets))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_route_fits_while_the_pairs_are_within_the_proposers_bound() {
        // 4 chains: 12 ordered pairs, within 16; 5 chains: 20, past it.
        assert!(fits(1) && fits(2) && fits(4));
        assert!(!fits(5));
        assert!(!fits(usize::MAX));
        let at_bound = (1..)
            .take_while(|n| n * (n - 1) <= strait_relayer::propose::MAX_PROPOSE_TO)
            .last()
            .unwrap();
        assert!(fits(at_bound) && !fits(at_bound + 1));
    }

    #[test]
    fn the_window_is_four_blocks_and_at_least_200_ms() {
        assert_eq!(window_ms(50), 200);
        assert_eq!(window_ms(1000), 4000);
        assert_eq!(window_ms(u64::MAX), u64::MAX);
    }
}
