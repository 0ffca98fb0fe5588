//! The token ledger that the devnet demo's transfers are expected to leave, and the conservation
//! check of what the chains report against it.
//!
//! Pure bookkeeping: [`Ledger`] applies the token application's rules (`[STRAIT-TOKEN.2]` to
//! `[STRAIT-TOKEN.5]`) to planned transfers and their outcomes. The demo fills one ledger with the
//! balances, escrows and voucher supplies it reads before the run, applies every transfer, reads
//! the chains again after the last outcome was proven back, and [`check`]s the two.

use std::collections::{BTreeMap, BTreeSet};

use strait_node::apps::token::NATIVE_DENOM;
use strait_primitives::{Address32, ChainId};

/// One transfer of the demo: `amount` of `denom` (as named on `source`) from `sender` on `source`
/// to `recipient` on `destination`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The chain it leaves.
    pub source: ChainId,
    /// The chain it goes to.
    pub destination: ChainId,
    /// The account that sends it.
    pub sender: Address32,
    /// The account that receives it.
    pub recipient: Address32,
    /// The denomination on `source`.
    pub denom: String,
    /// How much.
    pub amount: u128,
}

impl Transfer {
    /// Whether it burns a voucher going back to the chain it came from (`[STRAIT-TOKEN.2]`),
    /// rather than escrowing it.
    fn burns(&self) -> bool {
        self.denom.starts_with(&format!("{}/", self.destination))
    }

    /// The denomination it arrives as on `destination` (`[STRAIT-TOKEN.3]`), and whether it is
    /// released from escrow there (a return home) rather than minted.
    fn arrives_as(&self) -> (String, bool) {
        match self.denom.strip_prefix(&format!("{}/", self.destination)) {
            Some(home) => (home.to_owned(), true),
            None => (format!("{}/{}", self.source, self.denom), false),
        }
    }
}

/// A ledger operation that cannot happen (a plan that spends what it does not have).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LedgerError {
    /// An amount would go below zero.
    #[error("{what} on chain {chain}: {needed} needed, {held} held")]
    Short {
        /// Which balance, escrow or supply.
        what: String,
        /// Where.
        chain: ChainId,
        /// What was needed.
        needed: u128,
        /// What was there.
        held: u128,
    },
    /// An amount would overflow.
    #[error("{what} on chain {chain} overflows")]
    Overflow {
        /// Which balance, escrow or supply.
        what: String,
        /// Where.
        chain: ChainId,
    },
}

/// `amount` of native `sat` moved from `from` to `to` on `chain` by a fee (`docs/SPEC.md` §11):
/// a transaction's fee to the fee collector, a message's payment locked in the fee escrow, its
/// split from there to the deliverer, the ack relayer and the payer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NativeMove {
    /// Where.
    pub chain: ChainId,
    /// Who pays.
    pub from: Address32,
    /// Who receives.
    pub to: Address32,
    /// How much.
    pub amount: u128,
}

/// Token balances, escrows and voucher supplies of several chains.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    /// `(chain, account, denom) -> balance` of the accounts checked one by one.
    pub balances: BTreeMap<(ChainId, Address32, String), u128>,
    /// `chain -> sat` held by every other native holder (relayers and other signers, the fee
    /// collector, the fee escrow): counted in the native supply, not checked one by one (they
    /// relay and pay fees the demo does not see).
    pub others: BTreeMap<ChainId, u128>,
    /// `chain -> sat` received and queued, not credited yet (`[STRAIT-LIMIT.5]`).
    pub queued_in: BTreeMap<ChainId, u128>,
    /// `(chain, denom) -> escrowed` (tokens that left the chain and may come back).
    pub escrow: BTreeMap<(ChainId, String), u128>,
    /// `(chain, voucher denom) -> minted and not burned`.
    pub supply: BTreeMap<(ChainId, String), u128>,
}

fn credit<K: Ord>(
    map: &mut BTreeMap<K, u128>,
    key: K,
    amount: u128,
    what: &str,
    chain: ChainId,
) -> Result<(), LedgerError> {
    let value = map.entry(key).or_default();
    *value = value.checked_add(amount).ok_or(LedgerError::Overflow {
        what: what.into(),
        chain,
    })?;
    Ok(())
}

fn debit<K: Ord>(
    map: &mut BTreeMap<K, u128>,
    key: K,
    amount: u128,
    what: &str,
    chain: ChainId,
) -> Result<(), LedgerError> {
    let value = map.entry(key).or_default();
    *value = value.checked_sub(amount).ok_or(LedgerError::Short {
        what: what.into(),
        chain,
        needed: amount,
        held: *value,
    })?;
    Ok(())
}

impl Ledger {
    /// Applies the sending of `t` on its source: the sender pays; the tokens are escrowed, or
    /// burned when they are a voucher going home.
    pub fn send(&mut self, t: &Transfer) -> Result<(), LedgerError> {
        let key = (t.source, t.sender, t.denom.clone());
        debit(&mut self.balances, key, t.amount, "balance", t.source)?;
        let key = (t.source, t.denom.clone());
        if t.burns() {
            debit(&mut self.supply, key, t.amount, "voucher supply", t.source)
        } else {
            credit(&mut self.escrow, key, t.amount, "escrow", t.source)
        }
    }

    /// Applies the execution of `t` on its destination: the recipient receives released or
    /// minted tokens.
    pub fn execute(&mut self, t: &Transfer) -> Result<(), LedgerError> {
        let (denom, released) = t.arrives_as();
        let key = (t.destination, denom.clone());
        if released {
            debit(&mut self.escrow, key, t.amount, "escrow", t.destination)?;
        } else {
            credit(
                &mut self.supply,
                key,
                t.amount,
                "voucher supply",
                t.destination,
            )?;
        }
        let key = (t.destination, t.recipient, denom);
        credit(&mut self.balances, key, t.amount, "balance", t.destination)
    }

    /// Applies the refund of `t` on its source (a failure or timeout outcome proven back): the
    /// send is undone.
    pub fn refund(&mut self, t: &Transfer) -> Result<(), LedgerError> {
        let key = (t.source, t.denom.clone());
        if t.burns() {
            credit(&mut self.supply, key, t.amount, "voucher supply", t.source)?;
        } else {
            debit(&mut self.escrow, key, t.amount, "escrow", t.source)?;
        }
        let key = (t.source, t.sender, t.denom.clone());
        credit(&mut self.balances, key, t.amount, "balance", t.source)
    }

    /// Applies a fee's move of native `sat`: to or from the account's checked balance when it
    /// has one, else to or from the other holders' sum.
    pub fn move_native(&mut self, m: &NativeMove) -> Result<(), LedgerError> {
        let chain = m.chain;
        let from = (chain, m.from, NATIVE_DENOM.to_owned());
        if self.balances.contains_key(&from) {
            debit(&mut self.balances, from, m.amount, "balance", chain)?;
        } else {
            debit(
                &mut self.others,
                chain,
                m.amount,
                "other holders' sat",
                chain,
            )?;
        }
        let to = (chain, m.to, NATIVE_DENOM.to_owned());
        if self.balances.contains_key(&to) {
            credit(&mut self.balances, to, m.amount, "balance", chain)
        } else {
            credit(
                &mut self.others,
                chain,
                m.amount,
                "other holders' sat",
                chain,
            )
        }
    }

    /// Every `(chain, denom)` that `transfers` touch, on either side: what must be read to check
    /// them.
    pub fn denoms_touched(transfers: &[Transfer]) -> BTreeSet<(ChainId, String)> {
        let mut out = BTreeSet::new();
        for t in transfers {
            out.insert((t.source, t.denom.clone()));
            out.insert((t.destination, t.arrives_as().0));
        }
        out
    }

    /// The native token on `chain`: held by every holder (the accounts checked one by one and
    /// the others), in escrow, and queued inbound.
    pub fn native_total(&self, chain: ChainId) -> u128 {
        let held = self
            .balances
            .iter()
            .filter(|((c, _, d), _)| *c == chain && d == NATIVE_DENOM)
            .fold(0u128, |sum, (_, v)| sum.saturating_add(*v));
        let escrowed = self
            .escrow
            .get(&(chain, NATIVE_DENOM.to_owned()))
            .copied()
            .unwrap_or(0);
        let others = self.others.get(&chain).copied().unwrap_or(0);
        let queued = self.queued_in.get(&chain).copied().unwrap_or(0);
        held.saturating_add(escrowed)
            .saturating_add(others)
            .saturating_add(queued)
    }
}

/// A conservation rule the chains' state broke.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum Violation {
    /// An account holds another amount than its transfers' outcomes leave it.
    #[error("balance of {account} in {denom} on chain {chain}: got {got}, expected {expected}")]
    Balance {
        /// Where.
        chain: ChainId,
        /// Whose.
        account: Address32,
        /// Of what.
        denom: String,
        /// Read from the chain.
        got: u128,
        /// From the ledger.
        expected: u128,
    },
    /// An escrow or a voucher supply differs from the ledger.
    #[error("{what} of {denom} on chain {chain}: got {got}, expected {expected}")]
    Holding {
        /// `escrow` or `voucher supply`.
        what: &'static str,
        /// Where.
        chain: ChainId,
        /// Of what.
        denom: String,
        /// Read from the chain.
        got: u128,
        /// From the ledger.
        expected: u128,
    },
    /// Tokens escrowed on their home chain are not matched by the vouchers outstanding elsewhere.
    #[error(
        "escrow of {denom} on chain {chain} is {escrow}, vouchers outstanding elsewhere {vouchers}"
    )]
    Unbacked {
        /// The chain the tokens left.
        chain: ChainId,
        /// Their denomination there.
        denom: String,
        /// Escrowed there.
        escrow: u128,
        /// `<chain>/<denom>` supplies on every other chain.
        vouchers: u128,
    },
    /// The native token on a chain (the accounts' balances plus escrow) changed.
    #[error("native {NATIVE_DENOM} on chain {chain}: got {got}, expected {expected}")]
    NativeSupply {
        /// Where.
        chain: ChainId,
        /// Now.
        got: u128,
        /// Before the run.
        expected: u128,
    },
}

/// Checks the state read from the chains after the run (`after`) against the one read before it
/// (`before`) with every transfer applied (`expected`):
/// - every balance, escrow and voucher supply is the one the transfers' outcomes leave;
/// - for every token, escrow on the chain it left equals the vouchers outstanding elsewhere;
/// - the native token held on each chain (balances plus escrow) is unchanged.
///
/// `after` must hold every voucher supply of the chains read, and the same keys as `expected`.
pub fn check(before: &Ledger, expected: &Ledger, after: &Ledger) -> Vec<Violation> {
    let mut out = Vec::new();
    for ((chain, account, denom), want) in &expected.balances {
        let got = after
            .balances
            .get(&(*chain, *account, denom.clone()))
            .copied()
            .unwrap_or(0);
        if got != *want {
            out.push(Violation::Balance {
                chain: *chain,
                account: *account,
                denom: denom.clone(),
                got,
                expected: *want,
            });
        }
    }
    for (what, want_map, got_map) in [
        ("escrow", &expected.escrow, &after.escrow),
        ("voucher supply", &expected.supply, &after.supply),
    ] {
        let keys: BTreeSet<_> = want_map.keys().chain(got_map.keys()).collect();
        for key in keys {
            let want = want_map.get(key).copied().unwrap_or(0);
            let got = got_map.get(key).copied().unwrap_or(0);
            if got != want {
                out.push(Violation::Holding {
                    what,
                    chain: key.0,
                    denom: key.1.clone(),
                    got,
                    expected: want,
                });
            }
        }
    }
    out.extend(unbacked(after));
    let chains: BTreeSet<ChainId> = before.balances.keys().map(|(c, _, _)| *c).collect();
    for chain in chains {
        let (got, expected) = (after.native_total(chain), before.native_total(chain));
        if got != expected {
            out.push(Violation::NativeSupply {
                chain,
                got,
                expected,
            });
        }
    }
    out
}

/// Escrows not matched by vouchers: for every `(chain, denom)` with an escrow or a voucher
/// `<chain>/<denom>` anywhere, the escrow equals the sum of those vouchers' supplies.
fn unbacked(state: &Ledger) -> Vec<Violation> {
    let mut pairs: BTreeMap<(ChainId, String), (u128, u128)> = BTreeMap::new();
    for ((chain, denom), amount) in &state.escrow {
        pairs.entry((*chain, denom.clone())).or_default().0 = *amount;
    }
    for ((_, voucher), amount) in &state.supply {
        let Some((home, denom)) = voucher.split_once('/') else {
            continue;
        };
        let Ok(home) = home.parse::<u64>() else {
            continue;
        };
        let entry = pairs.entry((ChainId(home), denom.to_owned())).or_default();
        entry.1 = entry.1.saturating_add(*amount);
    }
    pairs
        .into_iter()
        .filter(|(_, (escrow, vouchers))| escrow != vouchers)
        .map(|((chain, denom), (escrow, vouchers))| Violation::Unbacked {
            chain,
            denom,
            escrow,
            vouchers,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: Address32 = Address32([1; 32]);
    const BOB: Address32 = Address32([2; 32]);
    const CAROL: Address32 = Address32([3; 32]);
    const START: u128 = 1_000;

    fn genesis() -> Ledger {
        let mut l = Ledger::default();
        for chain in 1..=3 {
            for who in [ALICE, BOB, CAROL] {
                l.balances
                    .insert((ChainId(chain), who, NATIVE_DENOM.into()), START);
            }
        }
        l
    }

    fn t(
        src: u64,
        dst: u64,
        from: Address32,
        to: Address32,
        denom: &str,
        amount: u128,
    ) -> Transfer {
        Transfer {
            source: ChainId(src),
            destination: ChainId(dst),
            sender: from,
            recipient: to,
            denom: denom.into(),
            amount,
        }
    }

    /// Out, onward to a third chain, back one hop, home; a refund: the books balance.
    fn round_trip() -> (Ledger, Ledger) {
        let before = genesis();
        let mut l = before.clone();
        let out = t(1, 2, ALICE, BOB, "sat", 100);
        let onward = t(2, 3, BOB, CAROL, "1/sat", 40);
        let back = t(3, 2, CAROL, BOB, "2/1/sat", 15);
        let home = t(2, 1, BOB, ALICE, "1/sat", 30);
        let refunded = t(1, 2, ALICE, Address32([0; 32]), "sat", 7);
        for x in [&out, &refunded] {
            l.send(x).unwrap();
        }
        l.execute(&out).unwrap();
        l.refund(&refunded).unwrap();
        for x in [&onward, &home] {
            l.send(x).unwrap();
            l.execute(x).unwrap();
        }
        l.send(&back).unwrap();
        l.execute(&back).unwrap();
        (before, l)
    }

    #[test]
    fn transfers_in_every_direction_conserve_every_token() {
        let (before, after) = round_trip();
        let bal = |c, who, d: &str| after.balances[&(ChainId(c), who, d.to_string())];
        assert_eq!(bal(1, ALICE, "sat"), START - 100 + 30);
        assert_eq!(bal(2, BOB, "1/sat"), 100 - 40 + 15 - 30);
        assert_eq!(bal(3, CAROL, "2/1/sat"), 40 - 15);
        assert_eq!(after.escrow[&(ChainId(1), "sat".into())], 70);
        assert_eq!(after.escrow[&(ChainId(2), "1/sat".into())], 25);
        assert_eq!(after.supply[&(ChainId(2), "1/sat".into())], 70);
        assert_eq!(after.supply[&(ChainId(3), "2/1/sat".into())], 25);
        assert_eq!(check(&before, &after, &after), vec![]);
    }

    #[test]
    fn a_chain_that_mints_or_loses_tokens_fails_the_check() {
        let (before, expected) = round_trip();
        // A voucher minted twice (a message executed twice): supply and balance too high, the
        // escrow no longer backs it.
        let mut doubled = expected.clone();
        *doubled
            .supply
            .get_mut(&(ChainId(2), "1/sat".into()))
            .unwrap() += 100;
        *doubled
            .balances
            .get_mut(&(ChainId(2), BOB, "1/sat".into()))
            .unwrap() += 100;
        let v = check(&before, &expected, &doubled);
        assert!(
            v.iter().any(|v| matches!(
                v,
                Violation::Balance {
                    got: 145,
                    expected: 45,
                    ..
                }
            )),
            "{v:?}"
        );
        assert!(
            v.iter().any(|v| matches!(
                v,
                Violation::Unbacked {
                    escrow: 70,
                    vouchers: 170,
                    ..
                }
            )),
            "{v:?}"
        );
        assert!(
            v.iter().any(|v| matches!(
                v,
                Violation::Holding {
                    what: "voucher supply",
                    ..
                }
            )),
            "{v:?}"
        );

        // A refund paid twice: native tokens appear from nowhere on chain 1.
        let mut refunded_twice = expected.clone();
        *refunded_twice
            .balances
            .get_mut(&(ChainId(1), ALICE, "sat".into()))
            .unwrap() += 7;
        let v = check(&before, &expected, &refunded_twice);
        assert!(
            v.contains(&Violation::NativeSupply {
                chain: ChainId(1),
                got: 3 * START + 7,
                expected: 3 * START,
            }),
            "{v:?}"
        );

        // An escrow released without a voucher burned.
        let mut leaked = expected.clone();
        leaked.escrow.insert((ChainId(1), "sat".into()), 60);
        let v = check(&before, &expected, &leaked);
        assert!(
            v.iter().any(|v| matches!(
                v,
                Violation::Unbacked {
                    escrow: 60,
                    vouchers: 70,
                    ..
                }
            )),
            "{v:?}"
        );
        assert!(
            v.iter()
                .any(|v| matches!(v, Violation::NativeSupply { .. })),
            "{v:?}"
        );
    }

    #[test]
    fn a_plan_that_spends_what_it_does_not_have_is_refused() {
        let mut l = genesis();
        let too_much = t(1, 2, ALICE, BOB, "sat", START + 1);
        assert_eq!(
            l.send(&too_much),
            Err(LedgerError::Short {
                what: "balance".into(),
                chain: ChainId(1),
                needed: START + 1,
                held: START
            })
        );
        // A voucher that was never minted cannot go home.
        let mut l = genesis();
        l.balances.insert((ChainId(2), BOB, "1/sat".into()), 5);
        assert!(matches!(
            l.send(&t(2, 1, BOB, ALICE, "1/sat", 5)),
            Err(LedgerError::Short { .. })
        ));
        // At the bound: a balance at u128::MAX cannot receive more.
        let mut l = Ledger::default();
        l.balances
            .insert((ChainId(2), BOB, "1/sat".into()), u128::MAX);
        l.escrow.insert((ChainId(2), "1/sat".into()), 0);
        let x = t(1, 2, ALICE, BOB, "sat", 1);
        assert!(matches!(l.execute(&x), Err(LedgerError::Overflow { .. })));
    }

    #[test]
    fn fees_move_sat_between_holders_and_the_books_see_every_one() {
        const RELAYER: Address32 = Address32([9; 32]);
        const COLLECTOR: Address32 = Address32([10; 32]);
        const ESCROW: Address32 = Address32([11; 32]);
        let mut before = genesis();
        before.others.insert(ChainId(1), 5 * START);
        let mv = |from, to, amount| NativeMove {
            chain: ChainId(1),
            from,
            to,
            amount,
        };
        // Alice's transfer pays a fee and a payment split to a relayer, her and the rest.
        let moves = [
            mv(ALICE, COLLECTOR, 15),
            mv(ALICE, ESCROW, 40),
            mv(RELAYER, COLLECTOR, 12),
            mv(ESCROW, RELAYER, 25),
            mv(ESCROW, ALICE, 15),
        ];
        let mut expected = before.clone();
        for m in &moves {
            expected.move_native(m).unwrap();
        }
        let bal = |l: &Ledger| l.balances[&(ChainId(1), ALICE, "sat".to_string())];
        assert_eq!(bal(&expected), START - 15 - 40 + 15);
        assert_eq!(expected.others[&ChainId(1)], 5 * START + 15 + 40 - 15);
        assert_eq!(
            expected.native_total(ChainId(1)),
            before.native_total(ChainId(1))
        );
        assert_eq!(check(&before, &expected, &expected), vec![]);
        // A fee the books did not see: Alice's balance is off.
        let mut unseen = expected.clone();
        unseen.move_native(&mv(ALICE, COLLECTOR, 1)).unwrap();
        let v = check(&before, &expected, &unseen);
        assert!(
            v.iter().any(
                |v| matches!(v, Violation::Balance { got, expected, .. } if *got + 1 == *expected)
            ),
            "{v:?}"
        );
        assert!(
            !v.iter()
                .any(|v| matches!(v, Violation::NativeSupply { .. })),
            "{v:?}"
        );
        // A fee burned, not collected: the native supply shrinks.
        let mut burned = expected.clone();
        *burned.others.get_mut(&ChainId(1)).unwrap() -= 12;
        let v = check(&before, &expected, &burned);
        assert!(
            v.contains(&Violation::NativeSupply {
                chain: ChainId(1),
                got: 8 * START - 12,
                expected: 8 * START,
            }),
            "{v:?}"
        );
        // The other holders cannot pay what they do not hold.
        let mut l = Ledger::default();
        assert!(matches!(
            l.move_native(&mv(RELAYER, COLLECTOR, 1)),
            Err(LedgerError::Short { .. })
        ));
    }

    #[test]
    fn denoms_touched_name_both_sides() {
        let touched = Ledger::denoms_touched(&[
            t(1, 2, ALICE, BOB, "sat", 1),
            t(3, 2, CAROL, BOB, "2/1/sat", 1),
        ]);
        let want: BTreeSet<_> = [
            (ChainId(1), "sat".to_string()),
            (ChainId(2), "1/sat".to_string()),
            (ChainId(3), "2/1/sat".to_string()),
        ]
        .into();
        assert_eq!(touched, want);
    }
}
