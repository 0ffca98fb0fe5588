//! A round under a route's security config (`[STRAIT-ROUTE.7]`): read the config and its clients,
//! the certificates the attesters make possible, plan one proof height ([`crate::route::plan`]),
//! then send every update the plan needs and the route's messages at that height in one relay.

use std::collections::BTreeMap;
use std::sync::Arc;

use strait_chain_client::{
    AttestationSource, DestinationChain, SourceChain, VerifierKind, VerifierUpdate,
};
use strait_primitives::{ClientId, Height};

use super::{certify_candidates, Path, RoundOutcome, MAX_CERTIFY_CANDIDATES};
use crate::attested::certify;
use crate::route::{plan, remember, remembers, ClientView, SecuredRoute, Step};
use crate::RelayerError;

impl<S: SourceChain, D: DestinationChain> Path<S, D> {
    /// One round of a path relaying under `route`'s config, with the source at `src_height` and
    /// the destination at `now`.
    pub(super) async fn route_round(
        &mut self,
        attestations: Option<Arc<dyn AttestationSource>>,
        route: SecuredRoute,
        src_height: Height,
        now: u64,
    ) -> Result<RoundOutcome, RelayerError> {
        let Some(receiver) = route.receivers.first() else {
            return Ok(RoundOutcome::Waiting);
        };
        let verifiers = self
            .dst
            .route_verifiers(*receiver, self.src.chain_id())
            .await?;
        let mut views: BTreeMap<ClientId, ClientView> = BTreeMap::new();
        for info in &verifiers.clients {
            let view = views.entry(info.client).or_default();
            if remembers(info.kind) {
                remember(&mut self.route_seen, info.client, info.latest_height);
                view.seen = self.route_seen[&info.client].clone();
            }
            view.info = Some(*info);
        }
        // Certificates of the committee clients the config names, at the attesters' latest
        // leaf counts.
        let mut certificates: BTreeMap<(ClientId, Height), VerifierUpdate> = BTreeMap::new();
        let committees: Vec<_> = route
            .committees
            .iter()
            .filter(|c| views.contains_key(&c.client))
            .collect();
        if let (Some(source), false) = (attestations, committees.is_empty()) {
            let chain = self.src.chain_id();
            for count in certify_candidates(source.as_ref(), chain).await {
                let signed = source.attestations(chain, count).await;
                // One leaf count may be signed at several heights (a later height for finality):
                // each of the highest is certified on its own.
                let mut heights: Vec<Height> =
                    signed.iter().map(|a| a.checkpoint.source_height).collect();
                heights.sort_unstable_by(|a, b| b.cmp(a));
                heights.dedup();
                for (committee, height) in committees.iter().flat_map(|c| {
                    heights
                        .iter()
                        .take(MAX_CERTIFY_CANDIDATES)
                        .map(move |h| (c, *h))
                }) {
                    let at: Vec<_> = signed
                        .iter()
                        .filter(|a| a.checkpoint.source_height == height)
                        .cloned()
                        .collect();
                    let Some((checkpoint, body)) = certify(committee, &at) else {
                        continue;
                    };
                    let height = checkpoint.source_height;
                    if let Some(view) = views.get_mut(&committee.client) {
                        view.certified.insert(height);
                    }
                    certificates.insert(
                        (committee.client, height),
                        VerifierUpdate {
                            client: committee.client,
                            kind: committee.kind,
                            height,
                            body,
                        },
                    );
                }
            }
        }
        let Some(plan) = plan(&verifiers.config, &views, src_height) else {
            tracing::debug!(src = %self.src.chain_id(), dst = %self.dst.chain_id(), receiver = %receiver, "no height every verifier of the route can vouch for yet");
            return Ok(RoundOutcome::Waiting);
        };
        // Nothing to send unless some message of the route is provable at that height.
        if self
            .queue
            .select(now, plan.height, self.budget(0))
            .is_empty()
        {
            return Ok(RoundOutcome::Waiting);
        }
        let mut updates = Vec::with_capacity(plan.updates());
        let mut trusted_used = Vec::new();
        for client in &plan.clients {
            let info = views.get(&client.client).and_then(|v| v.info);
            let latest = info.map_or(Height(0), |i| i.latest_height);
            let bls = info.is_some_and(|i| i.kind == VerifierKind::BFT_BLS);
            match client.step {
                Step::Verified => {}
                Step::Certificate => {
                    updates.extend(certificates.get(&(client.client, plan.height)).cloned())
                }
                Step::Light { trusted } => {
                    updates.push(
                        self.light_update(client.client, bls, trusted, plan.height)
                            .await?,
                    );
                    trusted_used.push((client.client, trusted));
                }
            }
            let Some(target) = client.finalize else {
                continue;
            };
            match certificates.get(&(client.client, target)) {
                Some(update) => updates.push(update.clone()),
                None => {
                    // A light client: on to `target` from the higher of the height it just
                    // verified and its latest.
                    let trusted = latest.max(plan.height);
                    updates.push(
                        self.light_update(client.client, bls, trusted, target)
                            .await?,
                    );
                }
            }
        }
        if updates.len() > self.limits.max_updates {
            return Err(RelayerError::Config(format!(
                "route of {receiver} needs {} updates, the destination takes {}",
                updates.len(),
                self.limits.max_updates
            )));
        }
        let outcome = self.send(updates, plan.height, now, None).await?;
        if outcome == RoundOutcome::Waiting {
            // The relay was refused: a trusted height may be pruned; do not step from it again.
            for (client, trusted) in trusted_used {
                if let Some(seen) = self.route_seen.get_mut(&client) {
                    seen.remove(&trusted);
                }
            }
        }
        Ok(outcome)
    }

    /// An update of light client `client` from `trusted` to `target`: over a BLS light block for
    /// a BLS-header client (kind 5, `[STRAIT-LC-BLS.8]`), a light block for a BFT one.
    async fn light_update(
        &self,
        client: ClientId,
        bls: bool,
        trusted: Height,
        target: Height,
    ) -> Result<VerifierUpdate, RelayerError> {
        Ok(match bls {
            true => {
                let block = self.src.bls_light_block(target).await?;
                VerifierUpdate::bft_bls(client, trusted, &block)
            }
            false => {
                let block = self.src.light_block(target).await?;
                VerifierUpdate::bft(client, trusted, &block)
            }
        })
    }
}
