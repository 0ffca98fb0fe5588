//! The ledger's fee accounting (`docs/SPEC.md` §11): what the chains' blocks say every
//! transaction paid and every paid message locked and split.
//!
//! * A transaction's fee (`[STRAIT-FEE.2]`, its result's `fee`) moves from its signer to the fee
//!   collector.
//! * An optimistic proposal's bond (`[STRAIT-OPT.3]`) moves from its proposer to the bond escrow,
//!   and back at its settlement or to whoever proved it wrong (`[STRAIT-CONFLICT.3]`), as the
//!   block's verifier events say.
//! * A paid message's quote (`[STRAIT-FEE.7]`) moves from its payer to the fee escrow with its
//!   send, on its source; or earlier, held for a message sent later (`[STRAIT-FEE.10]`, a queued
//!   transfer), in which case the send moves the lock unchanged, and a release returns it whole.
//! * At its settlement, on its source, the escrow pays the deliverer, the ack relayer and the
//!   payer (`[STRAIT-FEE.8]`): exactly once, in the block that settles the message, in parts that
//!   sum to what was locked, the ack relayer's the quote's ack fee, the rest to the payer that
//!   locked it. A settlement that leaves the payment locked is a violation too.

use strait_node::apps::token::NATIVE_DENOM;
use strait_node::fees::{fee_collector, fee_escrow};
use strait_primitives::{ChainId, MessageId};

use super::Ledger;
use crate::world::Checker;
use crate::Produced;

fn broken(detail: String) -> (Checker, String) {
    (Checker::FeeSplitOnce, detail)
}

impl Ledger {
    /// Credits what `produced`'s settlements split (run with the other credits, before any
    /// debit of the block).
    pub(super) fn fee_credits(
        &mut self,
        chain: ChainId,
        produced: &Produced,
    ) -> Result<(), (Checker, String)> {
        for (id, split) in &produced.fee_splits {
            let Some((source, lock)) = self.fee_locks.remove(id) else {
                let again = self.fees_split.contains(id);
                return Err(broken(format!(
                    "chain {chain} split the payment of {id}, {}",
                    if again {
                        "split before"
                    } else {
                        "never locked"
                    }
                )));
            };
            if source != chain || !produced.settled.iter().any(|(s, _)| s == id) {
                return Err(broken(format!(
                    "chain {chain} split the payment of {id} (locked on chain {source}) \
                     without settling it"
                )));
            }
            let sum = split
                .to_deliverer
                .checked_add(split.to_ack_relayer)
                .and_then(|s| s.checked_add(split.refunded));
            let earnable = lock.quote.delivery.saturating_add(lock.quote.gas);
            if sum != Some(lock.quote.total)
                || split.payer != lock.payer
                || split.to_ack_relayer != lock.quote.ack
                || split.to_deliverer < lock.quote.delivery
                || split.to_deliverer > earnable
            {
                return Err(broken(format!(
                    "chain {chain} split the payment of {id} as {split:?}, locked {lock:?}"
                )));
            }
            self.fees_split.insert(*id);
            self.fates.fees_split += 1;
            self.debit(chain, fee_escrow(), lock.quote.total, Checker::FeeSplitOnce)?;
            self.credit(chain, split.deliverer, NATIVE_DENOM, split.to_deliverer);
            self.credit(chain, split.ack_relayer, NATIVE_DENOM, split.to_ack_relayer);
            self.credit(chain, split.payer, NATIVE_DENOM, split.refunded);
        }
        // Holds deleted ([STRAIT-FEE.10]): moved unchanged to a message sent in this block, or
        // released, the payment returned whole to its payer.
        let mut unheld = Vec::new();
        for (key, lock) in &produced.fee_holds {
            if lock.is_none() {
                // A hold written and deleted within the block never showed: its payer paid
                // nothing, or its lock shows as one written fresh.
                if let Some(held) = self.fee_holds.remove(&(chain, key.clone())) {
                    unheld.push(held);
                }
            }
        }
        self.moved_locks.clear();
        for (id, lock) in &produced.fee_locks {
            if let Some(at) = unheld.iter().position(|held| held == lock) {
                unheld.swap_remove(at);
                self.moved_locks.insert(*id);
            }
        }
        for held in unheld {
            self.debit(chain, fee_escrow(), held.quote.total, Checker::FeeSplitOnce)?;
            self.credit(chain, held.payer, NATIVE_DENOM, held.quote.total);
            self.fates.holds_released += 1;
        }
        // A message settled with its payment still locked: nobody was paid.
        for (id, _) in &produced.settled {
            if let Some((source, _)) = self.fee_locks.get(id) {
                if *source == chain {
                    return Err(broken(format!(
                        "chain {chain} settled {id} and kept its payment locked"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Debits the block's transaction fees and the payments its sends locked (before its sends).
    pub(super) fn fee_debits(
        &mut self,
        chain: ChainId,
        produced: &Produced,
    ) -> Result<(), (Checker, String)> {
        for (signer, fee) in &produced.tx_fees {
            self.debit(chain, *signer, *fee, Checker::BalancesMatchEvents)?;
            self.credit(chain, fee_collector(), NATIVE_DENOM, *fee);
            self.fates.tx_fees = self.fates.tx_fees.saturating_add(*fee);
        }
        // [STRAIT-OPT.3] bonds move between native balances, never out of the supply.
        for (from, to, amount) in &produced.bond_moves {
            self.debit(chain, *from, *amount, Checker::BalancesMatchEvents)?;
            self.credit(chain, *to, NATIVE_DENOM, *amount);
        }
        for (key, lock) in &produced.fee_holds {
            let Some(lock) = lock else {
                continue;
            };
            if self.fee_holds.insert((chain, key.clone()), *lock).is_some() {
                return Err(broken(format!(
                    "chain {chain} held a payment twice under {key:?}"
                )));
            }
            self.debit(
                chain,
                lock.payer,
                lock.quote.total,
                Checker::BalancesMatchEvents,
            )?;
            self.credit(chain, fee_escrow(), NATIVE_DENOM, lock.quote.total);
            self.fates.held += 1;
        }
        for (id, lock) in &produced.fee_locks {
            if !produced.sent.contains(id) {
                return Err(broken(format!(
                    "chain {chain} locked a payment for {id} it did not send in that block"
                )));
            }
            if self.fee_locks.contains_key(id) || self.fees_split.contains(id) {
                return Err(broken(format!(
                    "chain {chain} locked a payment for {id} twice"
                )));
            }
            // A held payment moved to its message: paid when it was held.
            if !self.moved_locks.contains(id) {
                self.debit(
                    chain,
                    lock.payer,
                    lock.quote.total,
                    Checker::BalancesMatchEvents,
                )?;
                self.credit(chain, fee_escrow(), NATIVE_DENOM, lock.quote.total);
            }
            self.fee_locks.insert(*id, (chain, *lock));
            self.fates.paid += 1;
        }
        Ok(())
    }

    /// Takes `amount` of `sat` from `account`'s expected balance.
    fn debit(
        &mut self,
        chain: ChainId,
        account: strait_primitives::Address32,
        amount: u128,
        checker: Checker,
    ) -> Result<(), (Checker, String)> {
        let have = self
            .expected
            .entry((chain, account, NATIVE_DENOM.to_owned()))
            .or_default();
        *have = have.checked_sub(amount).ok_or_else(|| {
            let detail = format!("chain {chain} took {amount} sat from {account} who held {have}");
            (checker, detail)
        })?;
        Ok(())
    }

    /// Paid messages whose payment is still locked, in id order, and how many payments are
    /// still held for a message not sent.
    pub(crate) fn fees_locked(&self) -> (Vec<MessageId>, usize) {
        let mut ids: Vec<MessageId> = self.fee_locks.keys().copied().collect();
        ids.sort_unstable();
        (ids, self.fee_holds.len())
    }
}
