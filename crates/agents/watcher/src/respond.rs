//! What the watcher submits for each finding, each piece verified locally first: the chain's
//! checks are pure and refuse a forgery, but a watcher that submits garbage pays for it and proves
//! nothing.

use strait_attest::Checkpoint;
use strait_chain_client::{
    ChainError, DestinationChain, RelayWork, SourceChain, VerifierInfo, VerifierUpdate,
};
use strait_light_client::bls::{verify_bls, BlsConsensusState, BlsLightBlock};
use strait_light_client::{verify, ConsensusState, LightBlock, Verdict};
use strait_primitives::{ChainId, ClientId, Height, Timestamp};
use strait_runtime::Runtime;
use strait_verifier::VerifierKind;

use crate::agent::{WatchedChain, MAX_ATTEMPTS, MAX_REMEMBERED};
use crate::chain::MAX_READ_ITEMS;
use crate::{Finding, Report, Response, Watcher};

fn alert_only(reason: impl Into<String>) -> Response {
    Response::AlertOnly(reason.into())
}

impl<C: WatchedChain, R: Runtime> Watcher<C, R> {
    /// Counts an attempt at evidence about `(destination, client, height)`; false once
    /// [`MAX_ATTEMPTS`] were made.
    fn attempt(&mut self, key: (ChainId, ClientId, Height)) -> bool {
        let tries = self.attempts.entry(key).or_insert(0);
        if *tries >= MAX_ATTEMPTS {
            return false;
        }
        *tries += 1;
        while self.attempts.len() > MAX_REMEMBERED {
            self.attempts.pop_first();
        }
        true
    }

    /// Whether `block` verifies from the source's own block at `trusted` (what the destination's
    /// client stores there, since it agreed at that height).
    async fn verifies_from(
        &self,
        source: &C,
        trusted: Height,
        block: &LightBlock,
    ) -> Result<Verdict, ChainError> {
        let id = SourceChain::chain_id(source);
        let trusted_block = self
            .call(id, "light_block", source.light_block(trusted))
            .await?;
        let state = ConsensusState::from_light_block(&trusted_block);
        let now = Timestamp(self.rt.unix_time_ms());
        Ok(verify(
            block,
            &state.trusted_state(id),
            &self.config.bft_options,
            now,
        ))
    }

    /// The source's BLS light block at `height`, if it verifies from the source's own BLS block
    /// at `trusted` (what a BLS-header client stores there, since it agreed at that height).
    async fn bls_block_from(
        &self,
        source: &C,
        trusted: Height,
        height: Height,
    ) -> Result<(BlsLightBlock, Verdict), ChainError> {
        let id = SourceChain::chain_id(source);
        let trusted_block = self
            .call(id, "bls_light_block", source.bls_light_block(trusted))
            .await?;
        let block = self
            .call(id, "bls_light_block", source.bls_light_block(height))
            .await?;
        let state = BlsConsensusState::from_block(&trusted_block);
        let now = Timestamp(self.rt.unix_time_ms());
        let verdict = verify_bls(
            &block,
            &state.trusted_state(id),
            &self.config.bft_options,
            now,
        );
        Ok((block, verdict))
    }

    /// Submits `updates` alone on `destination`; `Ok` when applied.
    async fn submit_updates(
        &self,
        destination: &C,
        updates: Vec<VerifierUpdate>,
    ) -> Result<Result<(), String>, ChainError> {
        let id = DestinationChain::chain_id(destination);
        let work = RelayWork {
            updates,
            ..RelayWork::default()
        };
        let report = self.call(id, "relay", destination.relay(work)).await?;
        Ok(report.applied.map_err(|e| e.to_string()))
    }

    /// Whether `client` of `destination` is frozen now.
    async fn frozen(&self, destination: &C, client: ClientId) -> bool {
        let id = DestinationChain::chain_id(destination);
        self.call(id, "clients", destination.clients(client, 1))
            .await
            .ok()
            .and_then(|c| c.into_iter().find(|i| i.client == client))
            .is_some_and(|i| i.frozen)
    }

    /// The response once `evidence` was submitted for `client`: frozen, or why not.
    async fn outcome(
        &self,
        destination: &C,
        client: ClientId,
        evidence: &'static str,
        applied: Result<Result<(), String>, ChainError>,
    ) -> Response {
        let submitted = Response::Submitted {
            destination: DestinationChain::chain_id(destination),
            client,
            evidence,
        };
        match applied {
            // A conflict may discard a pending proposal (its bond paid to the watcher) rather
            // than freeze the client: applied is enough.
            Ok(Ok(())) if evidence == "conflict" => submitted,
            // A destination may report an update that froze its client as refused (an EVM
            // chain's does: the relay it was sent as stops there): the freeze is what counts.
            Ok(_) if self.frozen(destination, client).await => submitted,
            Ok(Ok(())) => alert_only(format!("{evidence} applied but the client is not frozen")),
            Ok(Err(why)) => alert_only(format!("{evidence} refused in its block: {why}")),
            Err(e) => alert_only(format!("{evidence} not submitted: {e}")),
        }
    }

    /// A fork of a BFT or BLS-header client: the source's own header at the height (as a light
    /// block of the client's kind), as an update from the last height at which the client agreed
    /// with its source. The client stores another header there,
    /// so the update proves `ConflictingHeaders` and freezes it (`[STRAIT-LC-CLIENT.2]` rule 4).
    pub(crate) async fn submit_fork(
        &mut self,
        destination: &C,
        source: &C,
        info: &VerifierInfo,
        agreed: Option<Height>,
        honest: &LightBlock,
    ) -> Response {
        let height = honest.header().height;
        let key = (DestinationChain::chain_id(destination), info.client, height);
        let Some(trusted) = agreed else {
            return alert_only("no height at which the client agreed with its source is known");
        };
        if !self.attempt(key) {
            return alert_only(format!("gave up after {MAX_ATTEMPTS} attempts"));
        }
        if info.kind == VerifierKind::BFT_BLS {
            // A BLS-header client: the same header, as the source's BLS light block.
            let update = match self.bls_block_from(source, trusted, height).await {
                Ok((block, Verdict::Success)) => {
                    VerifierUpdate::bft_bls(info.client, trusted, &block)
                }
                Ok((_, other)) => {
                    return alert_only(format!(
                        "the source's BLS header at {height} does not verify from {trusted}: \
                         {other:?}"
                    ))
                }
                Err(e) => return alert_only(format!("cannot read the source's BLS blocks: {e}")),
            };
            let applied = self.submit_updates(destination, vec![update]).await;
            return self
                .outcome(destination, info.client, "update", applied)
                .await;
        }
        match self.verifies_from(source, trusted, honest).await {
            Ok(Verdict::Success) => {}
            Ok(other) => {
                return alert_only(format!(
                    "the source's header at {height} does not verify from {trusted}: {other:?}"
                ))
            }
            Err(e) => return alert_only(format!("cannot read the trusted block: {e}")),
        }
        let update = VerifierUpdate::bft(info.client, trusted, honest);
        let applied = self.submit_updates(destination, vec![update]).await;
        self.outcome(destination, info.client, "update", applied)
            .await
    }

    /// A client vouching for a root its source never committed. A committee client: the true
    /// checkpoint, if the committee's threshold also signed it, as an update that conflicts with
    /// the stored one (`[STRAIT-ATTEST.7]`). Otherwise: a conflict against the destination's BFT
    /// client of the same source, brought to the height first.
    pub(crate) async fn submit_contradiction(
        &mut self,
        destination: &C,
        source: &C,
        info: &VerifierInfo,
        clients: &[VerifierInfo],
        height: Height,
        stored: Option<Checkpoint>,
    ) -> Response {
        let dest = DestinationChain::chain_id(destination);
        if !self.attempt((dest, info.client, height)) {
            return alert_only(format!("gave up after {MAX_ATTEMPTS} attempts"));
        }
        if let Some(stored) = stored {
            if let Some(update) = self
                .true_certified(source, dest, info.client, &stored)
                .await
            {
                let update = VerifierUpdate {
                    client: info.client,
                    kind: info.kind,
                    height: stored.source_height,
                    body: update,
                };
                let applied = self.submit_updates(destination, vec![update]).await;
                return self
                    .outcome(destination, info.client, "update", applied)
                    .await;
            }
        }
        let Some(reference) = clients.iter().find(|c| {
            c.kind == VerifierKind::BFT
                && c.source == info.source
                && !c.frozen
                && c.client != info.client
        }) else {
            return alert_only("no BFT client of the source on the destination to refer to");
        };
        if let Err(why) = self.bring_to(destination, source, reference, height).await {
            return alert_only(format!("reference client {}: {why}", reference.client));
        }
        let applied = self
            .call(
                dest,
                "submit_conflict",
                destination.submit_conflict(info.client, reference.client, height),
            )
            .await
            .map(|s| s.applied);
        self.outcome(destination, info.client, "conflict", applied)
            .await
    }

    /// For a committee client left vouching for a contradicted checkpoint: a certificate of the
    /// truth that conflicts with it, once the committee signed one, submitted as an update.
    pub(crate) async fn settle_open(
        &mut self,
        destination: &C,
        info: &VerifierInfo,
    ) -> Option<Report> {
        let dest = DestinationChain::chain_id(destination);
        let stored = *self.open.get(&(dest, info.client))?;
        if self.frozen(destination, info.client).await {
            self.open.remove(&(dest, info.client));
            return None;
        }
        let source = self.chain(info.source)?.clone();
        let update = self
            .true_certified(&source, dest, info.client, &stored)
            .await?;
        let update = VerifierUpdate {
            client: info.client,
            kind: info.kind,
            height: stored.source_height,
            body: update,
        };
        let applied = self.submit_updates(destination, vec![update]).await;
        let response = self
            .outcome(destination, info.client, "update", applied)
            .await;
        if matches!(response, Response::Submitted { .. }) {
            self.open.remove(&(dest, info.client));
        }
        Some(Report {
            finding: Finding::Contradicted {
                destination: dest,
                client: info.client,
                source: info.source,
                height: stored.source_height,
                got: stored.outbox_root,
                expected: source
                    .outbox_at(stored.source_height)
                    .await
                    .map_or(stored.outbox_root, |t| t.root),
            },
            response,
        })
    }

    /// A certified checkpoint update of the truth that conflicts with `stored`, from the ledger of
    /// the committee behind `(destination, client)`.
    async fn true_certified(
        &self,
        source: &C,
        destination: ChainId,
        client: ClientId,
        stored: &Checkpoint,
    ) -> Option<Vec<u8>> {
        let ledger = self
            .ledgers
            .iter()
            .find(|l| l.watched.clients.contains(&(destination, client)))?;
        for candidate in ledger.conflicting(stored) {
            let truth = self
                .call(
                    candidate.source_chain,
                    "outbox",
                    source.outbox_at(candidate.source_height),
                )
                .await
                .ok()?;
            if truth.root == candidate.outbox_root && truth.count == candidate.leaf_count {
                if let Some(update) = ledger.update(&candidate) {
                    return Some(update);
                }
            }
        }
        None
    }

    /// Makes `reference` verify the source's header at `height`, unless it already agrees there.
    async fn bring_to(
        &self,
        destination: &C,
        source: &C,
        reference: &VerifierInfo,
        height: Height,
    ) -> Result<(), String> {
        let dest = DestinationChain::chain_id(destination);
        // The trusted height must be among the entries of one read.
        let from = Height(height.get().saturating_sub(MAX_READ_ITEMS as u64 - 1));
        let stored = self
            .call(
                dest,
                "vouched",
                destination.vouched(reference.client, from, MAX_READ_ITEMS),
            )
            .await
            .map_err(|e| e.to_string())?;
        let honest = self
            .call(reference.source, "light_block", source.light_block(height))
            .await
            .map_err(|e| e.to_string())?;
        let mut trusted = None;
        for entry in stored.iter().filter(|e| e.height() <= height) {
            let crate::Vouched::Header { header_hash, .. } = entry else {
                continue;
            };
            if entry.height() == height {
                return if *header_hash == honest.header().hash() {
                    Ok(())
                } else {
                    Err("it stores another header at the height: it is forked itself".into())
                };
            }
            trusted = Some(entry.height());
        }
        let trusted = trusted.ok_or("no stored height below the one to prove")?;
        match self.verifies_from(source, trusted, &honest).await {
            Ok(Verdict::Success) => {}
            other => return Err(format!("the source's header does not verify: {other:?}")),
        }
        let update = VerifierUpdate::bft(reference.client, trusted, &honest);
        match self.submit_updates(destination, vec![update]).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => Err(why),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Standalone evidence of two certified conflicting checkpoints to every client of the
    /// committee `ledger`; one response per client.
    pub(crate) async fn submit_equivocation(
        &mut self,
        ledger: usize,
        first: &Checkpoint,
        second: &Checkpoint,
    ) -> Vec<Response> {
        let Some(evidence) = self.ledgers[ledger].evidence(first, second) else {
            return vec![alert_only(
                "the committee's threshold did not sign both checkpoints: one member's \
                 equivocation is not evidence a committee client takes ([STRAIT-ATTEST.7])",
            )];
        };
        let watched = self.ledgers[ledger].watched.clone();
        let mut responses = Vec::new();
        for (dest, client) in watched.clients {
            let Some(destination) = self.chain(dest).cloned() else {
                continue;
            };
            if self.frozen(&destination, client).await
                || !self.attempt((dest, client, first.source_height))
            {
                continue;
            }
            let applied = self
                .call(
                    dest,
                    "submit_misbehaviour",
                    destination.submit_misbehaviour(client, watched.kind, evidence.clone()),
                )
                .await
                .map(|s| s.applied);
            responses.push(
                self.outcome(&destination, client, "misbehaviour", applied)
                    .await,
            );
        }
        responses
    }
}
