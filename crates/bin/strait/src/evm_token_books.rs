//! The books of [`crate::evm_transfers`] after the run (`[STRAIT-TOKEN.6]` across kinds of
//! chains): every load account holds exactly what the transfers' outcomes make it; an EVM chain's
//! own token is all in its holder's hands or in escrow; every voucher's supply is held or
//! escrowed; and every escrow equals the vouchers of it outstanding on the other chains plus what
//! is in flight. Read over RPC (native chains) and `eth_call` (EVM chains).

use std::collections::{BTreeMap, BTreeSet};

use alloy::primitives::Address;
use anyhow::Context as _;
use strait_devnet_api::rpc::StraitApiClient;
use strait_evm_client::abi::dev_token::StraitDevToken;
use strait_evm_client::abi::token_app::StraitTokenApp;

use crate::evm_devnet::{EVM_DENOM, EVM_SUPPLY};
use crate::evm_transfers::{arriving_denom, End, Planned};
use crate::transfers::Conservation;

/// What one chain holds of one denomination.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Holding {
    /// Minted here (a voucher), or the token's total supply (an EVM chain's own token).
    supply: u128,
    /// Escrowed here.
    escrow: u128,
    /// The load account's balance.
    balance: u128,
    /// What the EVM token application holds of it (its escrow, on an EVM chain).
    app_held: Option<u128>,
}

/// What the books must show: per `(chain, denom)`, the load account's balance and what is in
/// flight towards that escrow.
#[derive(Debug, Default)]
struct Expected {
    balances: BTreeMap<(usize, String), u128>,
    in_flight: BTreeMap<(usize, String), u128>,
    /// What the plan itself gets wrong.
    violations: Vec<String>,
}

/// Checks the books of `plan` over `chains`; `outcome[i]` is transfer `i`'s outcome kind on its
/// destination (0 executed) and `settled[i]` whether its source settled it.
pub(crate) async fn check(
    chains: &[End],
    plan: &[Planned],
    outcome: &[Option<u8>],
    settled: &[bool],
) -> anyhow::Result<Conservation> {
    let expected = expect(chains, plan, outcome, settled);
    // Every (chain, denom) touched, and the vouchers that back each escrow.
    let mut wanted: BTreeSet<(usize, String)> = expected.balances.keys().cloned().collect();
    for (c, denom) in expected.balances.keys() {
        for x in (0..chains.len()).filter(|x| x != c) {
            wanted.insert((x, format!("{}/{denom}", chains[*c].id())));
        }
    }
    let mut held: BTreeMap<(usize, String), Holding> = BTreeMap::new();
    for (c, denom) in &wanted {
        held.insert((*c, denom.clone()), read(&chains[*c], denom).await?);
    }
    Ok(audit(chains, expected, &held))
}

/// What the outcomes of `plan` make the books (see [`check`]).
fn expect(chains: &[End], plan: &[Planned], outcome: &[Option<u8>], settled: &[bool]) -> Expected {
    // The load account's balances as the outcomes make them; what is in flight per (chain, denom).
    let mut expected: BTreeMap<(usize, String), u128> = BTreeMap::new();
    let mut in_flight: BTreeMap<(usize, String), u128> = BTreeMap::new();
    let mut violations = Vec::new();
    for (c, chain) in chains.iter().enumerate() {
        if chain.is_evm() {
            expected.insert((c, EVM_DENOM.to_owned()), EVM_SUPPLY);
        }
    }
    // Phase by phase, as they were sent: a phase spends what the earlier phases brought (the
    // plan's order within the run is the seed's, not the phases').
    let mut order: Vec<usize> = (0..plan.len()).collect();
    order.sort_by_key(|&i| plan[i].phase);
    for i in order {
        let p = &plan[i];
        let executed = outcome[i] == Some(0);
        let arriving = arriving_denom(chains, p);
        if executed || !settled[i] {
            let from = expected.entry((p.source, p.denom.clone())).or_default();
            match from.checked_sub(p.amount) {
                Some(left) => *from = left,
                None => violations.push(format!("the plan overdraws transfer {i}")),
            }
        }
        if executed {
            *expected.entry((p.destination, arriving)).or_default() += p.amount;
            continue;
        }
        expected.entry((p.destination, arriving)).or_default();
        if settled[i] {
            continue;
        }
        // In flight: escrowed on its source, or burned towards its destination's escrow.
        let home = format!("{}/", chains[p.destination].id());
        let key = match p.denom.strip_prefix(&home) {
            Some(rest) => (p.destination, rest.to_owned()),
            None => (p.source, p.denom.clone()),
        };
        *in_flight.entry(key).or_default() += p.amount;
    }
    Expected {
        balances: expected,
        in_flight,
        violations,
    }
}

/// The rules of [`check`] over what the chains hold (`held`, every `(chain, denom)` read),
/// against what the outcomes make it (`expected`).
fn audit(
    chains: &[End],
    expected: Expected,
    held: &BTreeMap<(usize, String), Holding>,
) -> Conservation {
    let Expected {
        balances: expected,
        in_flight,
        mut violations,
    } = expected;
    let name = |c: usize, denom: &str| format!("{denom} on chain {}", chains[c].id());
    for ((c, denom), want) in &expected {
        let h = held.get(&(*c, denom.clone())).copied().unwrap_or_default();
        if h.balance != *want {
            violations.push(format!(
                "the load account holds {} {}, its transfers make it {want}",
                h.balance,
                name(*c, denom)
            ));
        }
    }
    for ((c, denom), h) in held {
        if let Some(app) = h.app_held {
            if app != h.escrow {
                violations.push(format!(
                    "the token application holds {app} {}, its escrow says {}",
                    name(*c, denom),
                    h.escrow
                ));
            }
        }
        let home = chains[*c].is_evm() && denom == EVM_DENOM;
        let total = if home { EVM_SUPPLY } else { h.supply };
        if h.supply != total || h.balance.checked_add(h.escrow) != Some(total) {
            violations.push(format!(
                "{}: supply {}, held {} + escrowed {}",
                name(*c, denom),
                h.supply,
                h.balance,
                h.escrow
            ));
        }
        let prefix = chains[*c].id();
        let backing: u128 = (0..chains.len())
            .filter(|x| x != c)
            .filter_map(|x| held.get(&(x, format!("{prefix}/{denom}"))))
            .map(|v| v.supply)
            .sum();
        let flying = in_flight.get(&(*c, denom.clone())).copied().unwrap_or(0);
        if h.escrow != backing + flying {
            violations.push(format!(
                "escrow of {} is {}, vouchers of it elsewhere {backing} + in flight {flying}",
                name(*c, denom),
                h.escrow
            ));
        }
    }
    Conservation {
        ok: violations.is_empty(),
        holdings_checked: held.len() as u64,
        balances_checked: expected.len() as u64,
        violations,
    }
}

/// What `chain` holds of `denom`.
async fn read(chain: &End, denom: &str) -> anyhow::Result<Holding> {
    let account = chain.account()?;
    let parse = |s: &str| {
        s.parse::<u128>()
            .with_context(|| format!("{denom} on chain {}: {s:?}", chain.id()))
    };
    match chain {
        End::Native { client, .. } => {
            let state = client
                .token_state(denom.to_owned())
                .await
                .context("tokenState")?;
            let balance = client
                .balance(account, denom.to_owned())
                .await
                .context("balance")?;
            Ok(Holding {
                supply: parse(&state.supply)?,
                escrow: parse(&state.escrow)?,
                balance: parse(&balance)?,
                app_held: None,
            })
        }
        End::Evm {
            provider,
            app,
            token,
            ..
        } => {
            let app_contract = StraitTokenApp::new(*app, provider.clone());
            let address = if denom == EVM_DENOM {
                *token
            } else {
                app_contract
                    .tokenOf(denom.to_owned())
                    .call()
                    .await
                    .context("tokenOf")?
            };
            if address == Address::ZERO {
                return Ok(Holding {
                    app_held: Some(0),
                    ..Holding::default()
                });
            }
            let erc20 = StraitDevToken::new(address, provider.clone());
            let holder = Address::from_slice(&account.0[12..]);
            let narrow = |v: alloy::primitives::U256, what: &str| {
                u128::try_from(v).with_context(|| format!("{what} of {denom} over u128"))
            };
            Ok(Holding {
                supply: narrow(erc20.totalSupply().call().await?, "supply")?,
                escrow: narrow(app_contract.escrowOf(address).call().await?, "escrow")?,
                balance: narrow(erc20.balanceOf(holder).call().await?, "balance")?,
                app_held: Some(narrow(erc20.balanceOf(*app).call().await?, "app")?),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evm_transfers::{unreachable_chains, Expect};

    /// The books of one transfer of `amount` `usd` from EVM chain 31337 (index 2) to native chain
    /// 1 (index 0), executed and settled: escrowed on 31337, minted as `31337/usd` on 1.
    fn one_transfer(amount: u128) -> (Vec<Planned>, BTreeMap<(usize, String), Holding>) {
        let plan = vec![Planned {
            phase: 1,
            source: 2,
            destination: 0,
            denom: EVM_DENOM.to_owned(),
            amount,
            expect: Expect::Executed,
        }];
        let mut held = BTreeMap::new();
        held.insert(
            (2, EVM_DENOM.to_owned()),
            Holding {
                supply: EVM_SUPPLY,
                escrow: amount,
                balance: EVM_SUPPLY - amount,
                app_held: Some(amount),
            },
        );
        // The other EVM chain's token, untouched.
        held.insert(
            (3, EVM_DENOM.to_owned()),
            Holding {
                supply: EVM_SUPPLY,
                escrow: 0,
                balance: EVM_SUPPLY,
                app_held: Some(0),
            },
        );
        held.insert(
            (0, "31337/usd".to_owned()),
            Holding {
                supply: amount,
                escrow: 0,
                balance: amount,
                app_held: None,
            },
        );
        (plan, held)
    }

    fn audit_of(plan: &[Planned], held: &BTreeMap<(usize, String), Holding>) -> Conservation {
        let chains = unreachable_chains();
        audit(&chains, expect(&chains, plan, &[Some(0)], &[true]), held)
    }

    #[test]
    fn balanced_books_pass() {
        let (plan, held) = one_transfer(1_000);
        let c = audit_of(&plan, &held);
        assert!(c.ok, "{:?}", c.violations);
        assert_eq!(c.holdings_checked, 3);
    }

    /// The plan's order is the seed's: a transfer home listed before the transfer out that
    /// brought what it spends is still counted after it (phase by phase).
    #[test]
    fn books_are_counted_phase_by_phase_whatever_the_plans_order() {
        let (mut plan, mut held) = one_transfer(1_000);
        plan.insert(
            0,
            Planned {
                phase: 2,
                source: 0,
                destination: 2,
                denom: "31337/usd".to_owned(),
                amount: 400,
                expect: Expect::Executed,
            },
        );
        let home = held.get_mut(&(2, EVM_DENOM.to_owned())).unwrap();
        home.escrow = 600;
        home.app_held = Some(600);
        home.balance = EVM_SUPPLY - 600;
        let voucher = held.get_mut(&(0, "31337/usd".to_owned())).unwrap();
        voucher.supply = 600;
        voucher.balance = 600;
        let chains = unreachable_chains();
        let expected = expect(&chains, &plan, &[Some(0), Some(0)], &[true, true]);
        let c = audit(&chains, expected, &held);
        assert!(c.ok, "{:?}", c.violations);
    }

    /// The checker can fail: a voucher minted beyond its escrow, value created from nothing; an
    /// escrow released twice (a refund after an execution); a payer short of what it sent back.
    #[test]
    fn books_that_do_not_balance_are_caught() {
        let (plan, mut held) = one_transfer(1_000);
        let voucher = held.get_mut(&(0, "31337/usd".to_owned())).unwrap();
        voucher.supply += 1;
        voucher.balance += 1;
        let c = audit_of(&plan, &held);
        assert!(!c.ok);
        assert!(
            c.violations
                .iter()
                .any(|v| v.contains("escrow of usd on chain 31337")),
            "{:?}",
            c.violations
        );

        // Executed AND refunded: the escrow is empty while the voucher is out.
        let (plan, mut held) = one_transfer(1_000);
        let home = held.get_mut(&(2, EVM_DENOM.to_owned())).unwrap();
        home.escrow = 0;
        home.app_held = Some(0);
        home.balance = EVM_SUPPLY;
        let c = audit_of(&plan, &held);
        assert!(!c.ok);
        assert!(
            c.violations.iter().any(|v| v.contains("holds")),
            "{:?}",
            c.violations
        );

        // The token application holds other than its escrow says.
        let (plan, mut held) = one_transfer(1_000);
        held.get_mut(&(2, EVM_DENOM.to_owned())).unwrap().app_held = Some(999);
        assert!(!audit_of(&plan, &held).ok);

        // A transfer that overdraws the plan's payer.
        let (mut plan, held) = one_transfer(1_000);
        plan[0].denom = "31338/usd".to_owned();
        let c = audit_of(&plan, &held);
        assert!(
            c.violations.iter().any(|v| v.contains("overdraws")),
            "{:?}",
            c.violations
        );
    }
}
