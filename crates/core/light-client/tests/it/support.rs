//! A deterministic chain that produces light blocks by running valid protocol steps.

use strait_light_client::*;
use strait_primitives::{keccak256, ChainId, Hash32, Height, Timestamp};

/// The chain under test.
pub const CHAIN: ChainId = ChainId(1);
/// Time of height 0; block `h` is at `T0 + h * BLOCK_MS`.
pub const T0: u64 = 1_700_000_000_000;
/// Block interval.
pub const BLOCK_MS: u64 = 1_000;
/// One day.
pub const TRUSTING_PERIOD_MS: u64 = 86_400_000;
/// Ten seconds.
pub const MAX_CLOCK_DRIFT_MS: u64 = 10_000;

/// The signer with seed `[seed; 32]`.
pub fn signer(seed: u8) -> Signer {
    Signer::from_seed([seed; 32])
}

/// The set of `(seed, power)` members, sorted into canonical order.
pub fn set_of(members: &[(u8, u64)]) -> ValidatorSet {
    let mut validators: Vec<Validator> = members
        .iter()
        .map(|&(seed, power)| Validator {
            pub_key: signer(seed).public_key(),
            power,
        })
        .collect();
    validators.sort_by_key(|v| v.pub_key);
    ValidatorSet::new(validators).unwrap()
}

/// Equal-power set of the given seeds.
pub fn equal_set(seeds: impl IntoIterator<Item = u8>) -> ValidatorSet {
    let members: Vec<(u8, u64)> = seeds.into_iter().map(|s| (s, 10)).collect();
    set_of(&members)
}

/// Default options: trust 1/3, one day, ten seconds of drift.
pub fn options() -> Options {
    Options {
        trust_threshold: TrustThreshold::ONE_THIRD,
        trusting_period_ms: TRUSTING_PERIOD_MS,
        max_clock_drift_ms: MAX_CLOCK_DRIFT_MS,
    }
}

/// Time of block `height`.
pub fn time_of(height: u64) -> Timestamp {
    Timestamp(T0 + height * BLOCK_MS)
}

/// A header of `CHAIN` at `height` with the given sets; `salt` varies the roots.
pub fn header(height: u64, validators: &ValidatorSet, next: &ValidatorSet, salt: u8) -> Header {
    Header {
        chain_id: CHAIN,
        height: Height(height),
        timestamp: time_of(height),
        parent_hash: keccak256(&height.to_be_bytes()),
        app_state_root: Hash32([salt; 32]),
        outbox_root: keccak256(&[salt, height as u8]),
        validators_hash: validators.hash(),
        next_validators_hash: next.hash(),
    }
}

/// A light block with `header`, signed by the listed seeds.
pub fn signed_by(
    header: Header,
    validators: &ValidatorSet,
    next: &ValidatorSet,
    seeds: &[u8],
) -> LightBlock {
    let signers: Vec<Signer> = seeds.iter().map(|&s| signer(s)).collect();
    let refs: Vec<&Signer> = signers.iter().collect();
    LightBlock {
        signed_header: SignedHeader {
            commit: sign_commit(&header, validators, &refs),
            header,
        },
        validators: validators.clone(),
        next_validators: next.clone(),
    }
}

/// A chain whose block `h` is signed by every member of `schedule(h)`.
pub struct TestChain {
    /// Seeds of the members at each height; index = height.
    pub members: Vec<Vec<u8>>,
}

impl TestChain {
    /// A chain with heights `0..=max_height` and the members `members(h)` at height `h`.
    pub fn new(max_height: u64, members: impl Fn(u64) -> Vec<u8>) -> Self {
        Self {
            members: (0..=max_height + 1).map(members).collect(),
        }
    }

    /// The validator set at `height`.
    pub fn set(&self, height: u64) -> ValidatorSet {
        equal_set(self.members[height as usize].iter().copied())
    }

    /// The block at `height`, signed by all its validators.
    pub fn block(&self, height: u64) -> LightBlock {
        let (vals, next) = (self.set(height), self.set(height + 1));
        signed_by(
            header(height, &vals, &next, 0),
            &vals,
            &next,
            &self.members[height as usize],
        )
    }

    /// The consensus state of the block at `height`.
    pub fn consensus(&self, height: u64) -> ConsensusState {
        ConsensusState::from_light_block(&self.block(height))
    }

    /// A client trusting `height`.
    pub fn client_at(&self, height: u64) -> InMemoryClient {
        InMemoryClient::new(CHAIN, options(), self.consensus(height)).unwrap()
    }
}

/// Four equal validators, seeds 1 to 4, that never change.
pub fn static_chain(max_height: u64) -> TestChain {
    TestChain::new(max_height, |_| vec![1, 2, 3, 4])
}

/// `now` shortly after block `height`.
pub fn now_after(height: u64) -> Timestamp {
    Timestamp(time_of(height).get() + 500)
}
