//! Transaction execution.
//!
//! A transaction whose nonce matches consumes it, then runs under a checkpoint: if it fails, every
//! write after the nonce is reverted and its result says why, except proven misbehaviour: a client
//! frozen by an update of the transaction stays frozen whatever follows (evidence of a fork is never
//! rolled back). A relay transaction fails only when a client update fails; deliveries are reported
//! one by one.

use strait_devnet_api::rpc::{DeliveryResult, DeliveryStatus, TxFailure, TxResult};
use strait_devnet_api::tx::{SignedTx, TxBody};
use strait_endpoint::mutation::{is_planted, Mutation};
use strait_endpoint::{advance_inbound, receive_batch, send, BatchDelivery, SendRequest};
use strait_light_client::PublicKey;
use strait_primitives::{Address32, ChainId, ClientId, Hash32, MessageId};
use strait_verifier::Updated;

use crate::apps::{AppCallError, AppContext};
use crate::clients::{self, ClientOpError};
use crate::host::Exec;
use crate::mempool::TxCost;
use crate::optimistic;
use crate::state::keys;
use crate::valset;

/// What a successful body produced.
#[derive(Default)]
struct Applied {
    message_id: Option<MessageId>,
    client_id: Option<ClientId>,
    deliveries: Vec<DeliveryResult>,
}

/// Executes `tx` (authenticated by the mempool) in `exec`; `pool` are the validator keys the node
/// holds.
pub fn execute_tx(
    exec: &mut Exec<'_>,
    tx: &SignedTx,
    hash: Hash32,
    pool: &[PublicKey],
) -> TxResult {
    let mut result = TxResult {
        hash,
        kind: tx.tx.body.kind(),
        height: exec.env.height,
        success: false,
        failure: None,
        error: None,
        message_id: None,
        client_id: None,
        deliveries: Vec::new(),
        fee: "0".into(),
    };
    let account_key = keys::account(&tx.tx.signer);
    let expected = exec.state.get_u64(&account_key);
    if tx.tx.nonce != expected {
        result.failure = Some(TxFailure::Nonce);
        result.error = Some(format!(
            "nonce mismatch: got {}, expected {expected}",
            tx.tx.nonce
        ));
        return result;
    }
    exec.state.put_u64(account_key, expected + 1);
    // [STRAIT-FEE.2] the fee is taken before the body runs and kept whatever the body does;
    // [STRAIT-FEE.3] a signer that cannot pay loses what it holds and its body does not run.
    let fee = tx_fee(exec, tx);
    let have = crate::fees::native_balance(exec.state, &tx.tx.signer);
    if let Err(e) = crate::fees::charge_tx(exec.state, &tx.tx.signer, fee) {
        result.failure = Some(TxFailure::FeeUnpaid);
        result.error = Some(format!("fee not paid: {e}"));
        result.fee = have.min(fee).to_string();
        return result;
    }
    result.fee = fee.to_string();
    // [STRAIT-FEE.6] the signer is credited with the deliveries, retries and finalizations.
    exec.deliverer = tx.tx.signer;
    let cp = exec.fx.checkpoint(exec.state);
    match apply(exec, tx, pool) {
        Ok(applied) => {
            result.success = true;
            result.message_id = applied.message_id;
            result.client_id = applied.client_id;
            result.deliveries = applied.deliveries;
        }
        Err((failure, mut error)) => {
            let mut proven = std::mem::take(&mut exec.fx.proven);
            if is_planted(Mutation::EvidenceRolledBack) {
                proven.clear(); // A planted bug (feature `mutations`, simulator self-test only).
            }
            exec.fx.revert(exec.state, cp);
            // Evidence is never rolled back: re-apply every freeze the body proved
            // ([STRAIT-VERIFIER.5]).
            for (client, evidence) in proven {
                match clients::freeze(exec.state, &exec.ext.verifiers, client, &evidence) {
                    Ok(()) => error.push_str(&format!(
                        "; client {client} stays frozen: this transaction proved misbehaviour"
                    )),
                    Err(e) => {
                        if let Some(corrupt) = e.corrupt() {
                            exec.fx.corrupt(corrupt.clone());
                        }
                    }
                }
            }
            result.failure = Some(failure);
            result.error = Some(error);
        }
    }
    exec.fx.proven.clear();
    result
}

/// The fee of `tx` under the chain's schedule (`[STRAIT-FEE.1]`): its encoded length and the
/// signatures [`TxCost`] says its execution may verify.
pub fn tx_fee(exec: &Exec<'_>, tx: &SignedTx) -> u128 {
    let schedule = crate::fees::schedule(exec.state);
    if schedule == crate::fees::FeeSchedule::ZERO {
        return 0;
    }
    let len = if schedule.per_byte == 0 {
        0
    } else {
        tx.encode().len()
    };
    // The mempool refused what cannot be costed; a block from elsewhere is costed alike.
    let cost = TxCost::of(tx, len, &exec.ext.verifiers).unwrap_or(TxCost {
        signatures: 0,
        bytes: len,
    });
    schedule.tx_fee(cost)
}

/// Why a body failed: its kind and the words.
type Failure = (TxFailure, String);

fn rejected(error: impl std::fmt::Display) -> Failure {
    (TxFailure::Rejected, error.to_string())
}

fn apply(exec: &mut Exec<'_>, tx: &SignedTx, pool: &[PublicKey]) -> Result<Applied, Failure> {
    match &tx.tx.body {
        TxBody::Send {
            destination_chain,
            receiver,
            options,
            payload,
            gas_limit,
        } => {
            let sent = send(
                exec,
                SendRequest {
                    sender: tx.tx.signer,
                    destination_chain: *destination_chain,
                    receiver: *receiver,
                    options: *options,
                    payload: payload.clone(),
                },
            )
            .map_err(|e| rejected(format_args!("send failed: {e}")))?;
            // [STRAIT-FEE.7] the quote is locked with the send (the body's checkpoint reverts
            // the send when the signer cannot pay it).
            crate::fees::message::lock(
                exec.state,
                &sent.id,
                &tx.tx.signer,
                *destination_chain,
                *gas_limit,
                payload.len(),
            )
            .map_err(|e| rejected(format_args!("message fee not paid: {e}")))?;
            Ok(Applied {
                message_id: Some(sent.id),
                ..Applied::default()
            })
        }
        TxBody::AppCall { app, data } => {
            let target = exec
                .ext
                .apps
                .get(app)
                .ok_or(AppCallError::UnknownApp(*app))
                .map_err(rejected)?;
            let from = exec.fx.app_sends.len();
            let (finalizations, configs_set) = {
                let mut ctx = AppContext::new(*app, exec.env, exec.state, &mut exec.fx.app_sends)
                    .called_by(tx.tx.signer);
                target.call(&mut ctx, data).map_err(rejected)?;
                (ctx.take_finalizations(), ctx.take_configs_set())
            };
            // [STRAIT-ROUTE.6] every config change is an event.
            exec.fx.config_events(*app, configs_set);
            // [STRAIT-RETRY.4] the application finalizes, as the receiver, what it failed.
            for packet in finalizations {
                exec.batch_source = packet.source_chain;
                strait_endpoint::finalize_failed(exec, &packet, app)
                    .map_err(|e| rejected(format_args!("finalization refused: {e}")))?;
            }
            // The call's sends are atomic with it: a refused one fails the transaction.
            let ids = exec
                .send_queued(from)
                .map_err(|(_, e)| rejected(AppCallError::Send(e)))?;
            Ok(Applied {
                message_id: ids.first().copied(),
                ..Applied::default()
            })
        }
        TxBody::Relay {
            updates,
            advances,
            batches,
        } => {
            let now = exec.env.timestamp;
            for (i, update) in updates.iter().enumerate() {
                let applied = clients::update(
                    exec.state,
                    &exec.ext.verifiers,
                    update.client,
                    update.kind,
                    &update.body,
                    now,
                );
                match applied {
                    Ok(Updated::Misbehaviour { evidence }) => {
                        exec.fx.proven.push((update.client, evidence));
                    }
                    Ok(_) => {}
                    Err(e) => {
                        if let Some(corrupt) = e.corrupt() {
                            let words = format!("update {i}: the node's state is corrupt: {e}");
                            exec.fx.corrupt(corrupt.clone());
                            return Err((TxFailure::Rejected, words));
                        }
                        let failure = match &e {
                            ClientOpError::Verifier(v) => TxFailure::of_update(v),
                            _ => TxFailure::UpdateInvalid,
                        };
                        let words = format!(
                            "update {i} (client {}, {}): {e}",
                            update.client, update.kind
                        );
                        return Err((failure, words));
                    }
                }
            }
            // [STRAIT-RECV.11] permissionless, bounded, never fails.
            for route in advances {
                advance_inbound(exec, route);
            }
            let mut deliveries = Vec::new();
            for batch in batches {
                deliver(exec, batch, &mut deliveries);
            }
            Ok(Applied {
                deliveries,
                ..Applied::default()
            })
        }
        TxBody::Misbehaviour {
            client,
            kind,
            evidence,
        } => {
            let now = exec.env.timestamp;
            clients::submit_misbehaviour(
                exec.state,
                &exec.ext.verifiers,
                *client,
                *kind,
                evidence,
                now,
            )
            .map_err(|e| client_failure(exec, "misbehaviour rejected", e))?;
            Ok(Applied::default())
        }
        TxBody::SetPause {
            scope,
            paused,
            approvals,
        } => {
            let chain = exec.env.chain_id;
            crate::guardians::execute(exec.state, chain, scope, *paused, approvals)
                .map_err(|e| rejected(format_args!("pause refused: {e}")))?;
            Ok(Applied::default())
        }
        TxBody::SetFeeOracle {
            destination,
            entry,
            approvals,
        } => {
            let chain = exec.env.chain_id;
            crate::fees::oracle::change(exec.state, chain, *destination, entry, approvals)
                .map_err(|e| rejected(format_args!("fee oracle change refused: {e}")))?;
            Ok(Applied::default())
        }
        TxBody::RetryMessage { packet } => {
            exec.batch_source = packet.source_chain;
            let receipt = strait_endpoint::retry(exec, packet)
                .map_err(|e| rejected(format_args!("retry refused: {e}")))?;
            Ok(Applied {
                deliveries: vec![DeliveryResult {
                    id: receipt.id,
                    status: DeliveryStatus::of_outcome(&receipt.outcome),
                    error: None,
                }],
                ..Applied::default()
            })
        }
        TxBody::FinalizeFailed { packet } => {
            exec.batch_source = packet.source_chain;
            let receipt = strait_endpoint::finalize_failed(exec, packet, &tx.tx.signer)
                .map_err(|e| rejected(format_args!("finalization refused: {e}")))?;
            Ok(Applied {
                deliveries: vec![DeliveryResult {
                    id: receipt.id,
                    status: DeliveryStatus::of_outcome(&receipt.outcome),
                    error: None,
                }],
                ..Applied::default()
            })
        }
        TxBody::CreateClient { kind, source, init } => {
            let verifier = exec
                .ext
                .verifiers
                .get(*kind)
                .map_err(|e| rejected(format_args!("client not created: {e}")))?;
            let client = clients::create(exec.state, verifier, exec.env.chain_id, *source, init)
                .map_err(|e| client_failure(exec, "client not created", e))?;
            // A foreign remote (an EVM chain) has no genesis client: the first client the
            // devnet's governor creates of it becomes the host's default (which the endpoint's
            // outcome messages from it go under); nobody else's creation can take that place.
            if exec.env.foreign_remotes.contains(source)
                && clients::default_client(exec.state, *source).is_none()
                && tx.tx.signer == governor()
            {
                clients::set_default_client(exec.state, *source, client);
            }
            Ok(Applied {
                client_id: Some(client),
                ..Applied::default()
            })
        }
        TxBody::ProposeRoot { client, proposal } => {
            let now = exec.env.timestamp;
            optimistic::propose(
                exec.state,
                &exec.ext.verifiers,
                &tx.tx.signer,
                *client,
                proposal,
                now,
                &mut exec.fx.events,
            )
            .map_err(|e| optimistic_failure(exec, "proposal refused", e))?;
            Ok(Applied::default())
        }
        TxBody::SubmitConflict { conflict } => {
            // [STRAIT-CONFLICT.3] the effect is the body's last write: nothing after it can fail
            // and revert it, and a freeze is kept under 'y' where no later update reaches it.
            optimistic::submit_conflict(
                exec.state,
                &exec.ext.verifiers,
                &tx.tx.signer,
                conflict,
                &mut exec.fx.events,
            )
            .map_err(|e| optimistic_failure(exec, "conflict refused", e))?;
            Ok(Applied::default())
        }
        TxBody::WatcherPause { client } => {
            optimistic::watcher_pause(
                exec.state,
                &exec.ext.verifiers,
                &tx.tx.signer,
                *client,
                &mut exec.fx.events,
            )
            .map_err(|e| optimistic_failure(exec, "pause refused", e))?;
            Ok(Applied::default())
        }
        TxBody::ResumeClient { client, approvals } => {
            let (chain, now) = (exec.env.chain_id, exec.env.timestamp);
            optimistic::resume(
                exec.state,
                &exec.ext.verifiers,
                chain,
                *client,
                approvals,
                now,
                &mut exec.fx.events,
            )
            .map_err(|e| optimistic_failure(exec, "resume refused", e))?;
            Ok(Applied::default())
        }
        TxBody::AnnounceAttester(announcement) => {
            crate::announce::execute(exec, announcement).map_err(|e| {
                if let crate::announce::AnnounceOpError::Corrupt(corrupt) = &e {
                    exec.fx.corrupt(corrupt.clone());
                }
                rejected(format_args!("announcement refused: {e}"))
            })?;
            Ok(Applied::default())
        }
        TxBody::SetValidators {
            validators,
            bls_keys,
            approvals,
        } => {
            let chain = exec.env.chain_id;
            valset::execute(exec.state, chain, validators, bls_keys, approvals, pool)
                .map_err(|e| rejected(format_args!("validator set change rejected: {e}")))?;
            Ok(Applied::default())
        }
    }
}

/// The failure of an optimistic request (SPEC §13), named by its cause: a corrupt store halts the
/// block.
fn optimistic_failure(
    exec: &mut Exec<'_>,
    what: &str,
    e: optimistic::OptimisticOpError,
) -> Failure {
    if let Some(corrupt) = e.corrupt() {
        exec.fx.corrupt(corrupt.clone());
        return rejected(format_args!("{what}: the node's state is corrupt: {e}"));
    }
    rejected(format_args!("{what} ({}): {e}", e.name()))
}

/// The failure of a client request: a corrupt store halts the block.
fn client_failure(exec: &mut Exec<'_>, what: &str, e: ClientOpError) -> Failure {
    if let Some(corrupt) = e.corrupt() {
        exec.fx.corrupt(corrupt.clone());
        return rejected(format_args!("{what}: the node's state is corrupt: {e}"));
    }
    rejected(format_args!("{what}: {e}"))
}

/// Delivers one batch and reports each message's result.
fn deliver(exec: &mut Exec<'_>, batch: &BatchDelivery, out: &mut Vec<DeliveryResult>) {
    exec.batch_source = batch.packets.first().map_or(ChainId(0), |p| p.source_chain);
    match receive_batch(exec, batch) {
        Ok(results) => {
            for (packet, result) in batch.packets.iter().zip(results) {
                out.push(match result {
                    Ok(receipt) => DeliveryResult {
                        id: receipt.id,
                        status: DeliveryStatus::of_outcome(&receipt.outcome),
                        error: None,
                    },
                    Err(e) => DeliveryResult {
                        id: packet.id(),
                        status: DeliveryStatus::of_rejection(&e),
                        error: Some(e.to_string()),
                    },
                });
            }
        }
        Err(e) => {
            let status = DeliveryStatus::of_rejection(&e);
            let error = format!("batch rejected: {e}");
            out.extend(batch.packets.iter().map(|p| DeliveryResult {
                id: p.id(),
                status,
                error: Some(error.clone()),
            }));
        }
    }
}

/// The devnet's governor (`strait_devnet_api::apps::COMMITTEE_OWNER`), who sets up routes to
/// foreign remotes.
fn governor() -> Address32 {
    strait_devnet_api::keys::AccountKey::devnet(strait_devnet_api::apps::COMMITTEE_OWNER).address()
}
