//! Relaying under a route's security config (`[STRAIT-ROUTE.7]`): the choice of one proof height
//! that every required client and `threshold` optional ones can vouch for, and what each of them
//! needs for it. Pure: the path (`path/route.rs`) fetches the inputs and builds the updates.
//!
//! A light client, BFT (kind 1) or BLS-header (kind 5), can be updated to any height above a
//! height it verified (forwards from its latest, or from an earlier verified height the relayer
//! saw); a committee client only to a checkpoint height its attesters certified; an optimistic
//! client (kind 6) is never updated: it vouches only at heights where a proposal settled (its
//! latest height and the earlier latest heights the relayer saw, `[STRAIT-OPT.4]`), never at a
//! height whose proposal is still pending. Any other kind only vouches where it already has.

use std::collections::{BTreeMap, BTreeSet};

use strait_chain_client::{VerifierInfo, VerifierKind};
use strait_endpoint::SecurityConfig;
use strait_primitives::{Address32, ChainId, ClientId, Height};

use crate::attested::AttestedClient;

/// Most earlier verified heights remembered per light client (trusted heights of backward steps).
pub const MAX_SEEN_HEIGHTS: usize = 64;

/// Receivers on a destination that set a security config of their own for a source, and the
/// committee clients their config may name (with what the relayer needs to certify for them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecuredRoute {
    /// The source chain.
    pub source: ChainId,
    /// The destination chain.
    pub destination: ChainId,
    /// The receivers relayed under their config (the first one's is read each round; give one
    /// route per distinct config).
    pub receivers: Vec<Address32>,
    /// The committee clients of the config.
    pub committees: Vec<AttestedClient>,
}

/// What the planner knows of one client of the config.
#[derive(Clone, Debug, Default)]
pub struct ClientView {
    /// Its state on the destination; `None` when the destination did not report it.
    pub info: Option<VerifierInfo>,
    /// A committee client: source heights with a certificate the relayer can submit.
    pub certified: BTreeSet<Height>,
    /// A light client: heights it was seen verified at (its earlier latest heights). An
    /// optimistic client: heights it was seen settled at (likewise).
    pub seen: BTreeSet<Height>,
}

/// How one client comes to vouch at the chosen height and be final.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// It already verified the height: nothing to send.
    Verified,
    /// A light client (BFT or BLS-header): verify the height from `trusted`.
    Light {
        /// A height it verified, below the chosen one.
        trusted: Height,
    },
    /// A committee client: submit the certificate of the chosen height.
    Certificate,
}

/// What one client needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientPlan {
    /// The client.
    pub client: ClientId,
    /// How it vouches at the height.
    pub step: Step,
    /// Where it must be updated next to be final (`[STRAIT-ROUTE.5]`): a light client to this
    /// source height, a committee client with the certificate of this height. `None`: final.
    pub finalize: Option<Height>,
}

/// The proof height and what each counting client needs for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutePlan {
    /// The proof height.
    pub height: Height,
    /// The required clients, then the optional ones chosen, in that order.
    pub clients: Vec<ClientPlan>,
}

impl RoutePlan {
    /// Number of updates the plan sends.
    pub fn updates(&self) -> usize {
        self.clients
            .iter()
            .map(|c| usize::from(c.step != Step::Verified) + usize::from(c.finalize.is_some()))
            .sum()
    }
}

/// Whether clients of `kind` are light clients the relayer updates to any height of the source:
/// BFT (kind 1) and BLS-header (kind 5).
pub fn is_light(kind: VerifierKind) -> bool {
    kind == VerifierKind::BFT || kind == VerifierKind::BFT_BLS
}

/// Whether the relayer remembers the latest heights it sees of clients of `kind` (as verified
/// heights they keep): light clients and optimistic ones.
pub fn remembers(kind: VerifierKind) -> bool {
    is_light(kind) || kind == VerifierKind::OPTIMISTIC
}

/// How `view` reaches `height` and finality `needed`, with the source at `src_height`; `None`
/// when it cannot this round.
fn reach(
    view: &ClientView,
    height: Height,
    needed: Height,
    src_height: Height,
) -> Option<ClientPlan> {
    let info = view.info.as_ref()?;
    if info.frozen || height > src_height {
        return None;
    }
    let (step, finalize) = if is_light(info.kind) {
        let step = if height == info.latest_height || view.seen.contains(&height) {
            Step::Verified
        } else if height > info.latest_height {
            Step::Light {
                trusted: info.latest_height,
            }
        } else {
            Step::Light {
                trusted: *view.seen.range(..height).next_back()?,
            }
        };
        let top = info.latest_height.max(height);
        let finalize = match top >= needed {
            true => None,
            false if src_height >= needed => Some(src_height),
            false => return None,
        };
        (step, finalize)
    } else if info.kind == VerifierKind::OPTIMISTIC {
        // Only settled roots count; nothing the relayer sends makes a root settle sooner.
        if height != info.latest_height && !view.seen.contains(&height) {
            return None;
        }
        if info.latest_height < needed {
            return None;
        }
        (Step::Verified, None)
    } else {
        let step = if height == info.latest_height {
            Step::Verified
        } else if view.certified.contains(&height) {
            Step::Certificate
        } else {
            return None;
        };
        let top = info.latest_height.max(height);
        let finalize = match top >= needed {
            true => None,
            false => Some(*view.certified.range(needed..).next_back()?),
        };
        (step, finalize)
    };
    Some(ClientPlan {
        client: info.client,
        step,
        finalize,
    })
}

/// `[STRAIT-ROUTE.7]` The highest proof height at most `src_height` at which every required
/// client of `config` and `threshold` optional ones can vouch and be final, and what each needs
/// (among optional clients, those needing the fewest updates, then in the config's order turned by
/// the height: at height `h` the `(h mod n)`-th of the `n` optional clients comes first, so every
/// optional verifier takes its turn at vouching and one that fell silent shows). Candidate
/// heights: the source's height, each client's latest, each certified checkpoint height and each
/// height an optimistic client was seen settled at.
pub fn plan(
    config: &SecurityConfig,
    views: &BTreeMap<ClientId, ClientView>,
    src_height: Height,
) -> Option<RoutePlan> {
    let mut candidates: BTreeSet<Height> = BTreeSet::from([src_height]);
    for view in views.values() {
        candidates.extend(view.certified.iter().copied());
        candidates.extend(view.info.iter().map(|i| i.latest_height));
        if view
            .info
            .is_some_and(|i| i.kind == VerifierKind::OPTIMISTIC)
        {
            candidates.extend(view.seen.iter().copied());
        }
    }
    let empty = ClientView::default();
    let view = |c: &ClientId| views.get(c).unwrap_or(&empty);
    candidates
        .range(Height(1)..=src_height)
        .rev()
        .find_map(|&height| {
            let needed = Height(height.get().saturating_add(config.finality_blocks));
            let mut clients = config
                .required
                .iter()
                .map(|c| reach(view(c), height, needed, src_height))
                .collect::<Option<Vec<_>>>()?;
            let mut optional: Vec<ClientPlan> = config
                .optional
                .iter()
                .filter_map(|c| reach(view(c), height, needed, src_height))
                .collect();
            let k = usize::from(config.threshold);
            if optional.len() < k {
                return None;
            }
            let n = config.optional.len().max(1) as u64;
            let turn = |client: ClientId| {
                let index = config
                    .optional
                    .iter()
                    .position(|c| *c == client)
                    .unwrap_or(0) as u64;
                (index + n - height.get() % n) % n
            };
            optional.sort_by_key(|p| {
                let plan = RoutePlan {
                    height,
                    clients: vec![*p],
                };
                (plan.updates(), turn(p.client))
            });
            clients.extend(optional.into_iter().take(k));
            Some(RoutePlan { height, clients })
        })
}

/// Remembers that light or optimistic client `client` verified `height` (its latest seen this round), keeping
/// the [`MAX_SEEN_HEIGHTS`] highest.
pub fn remember(seen: &mut BTreeMap<ClientId, BTreeSet<Height>>, client: ClientId, height: Height) {
    let heights = seen.entry(client).or_default();
    heights.insert(height);
    while heights.len() > MAX_SEEN_HEIGHTS {
        heights.pop_first();
    }
}

#[cfg(test)]
mod tests;
