//! Updates of a light client in BLS mode (kind 5, SPEC `[STRAIT-LC-BLS.8]`): the BFT path's
//! walk from the client's height towards the target, over BLS light blocks, bisecting where a
//! skip lacks trust.

use strait_chain_client::{DestinationChain, SourceChain, VerifierInfo, VerifierUpdate};
use strait_light_client::bls::{verify::bls_has_sufficient_trust, BlsLightBlock};
use strait_light_client::TrustThreshold;
use strait_primitives::Height;

use super::{Path, MAX_LIGHT_BLOCKS_PER_ROUND};
use crate::plan::bisect;
use crate::RelayerError;

/// Whether `untrusted` may verify from `trusted` without an intermediate block: adjacent, signed
/// by the set the trusted block named, or by more than a third of it (the client's trust
/// threshold is at least a third, `[STRAIT-LC-OPTIONS.1]`).
pub(super) fn can_skip_bls(trusted: &BlsLightBlock, untrusted: &BlsLightBlock) -> bool {
    trusted.header.height.checked_next() == Some(untrusted.header.height)
        || trusted.next_validators.hash() == untrusted.validators.hash()
        || bls_has_sufficient_trust(
            &untrusted.commit,
            &untrusted.validators,
            &trusted.next_validators,
            TrustThreshold::ONE_THIRD,
        )
        .is_ok()
}

impl<S: SourceChain, D: DestinationChain> Path<S, D> {
    /// BLS-mode updates of `client` from its latest height towards `target`: at most
    /// `max_updates` updates and [`MAX_LIGHT_BLOCKS_PER_ROUND`] blocks fetched; returns the updates
    /// and the last height.
    pub(super) async fn bls_updates(
        &mut self,
        client: &VerifierInfo,
        target: Height,
    ) -> Result<(Vec<VerifierUpdate>, Height), RelayerError> {
        let max_skip = self.guard.max_skip(client.latest_height);
        let mut trusted_height = client.latest_height;
        let mut trusted = self.src.bls_light_block(trusted_height).await?;
        let mut fetched = 1;
        let mut updates = Vec::new();
        'updates: while trusted_height < target
            && updates.len() < self.limits.max_updates
            && fetched < MAX_LIGHT_BLOCKS_PER_ROUND
        {
            let mut candidate = match max_skip {
                Some(skip) => Height(
                    target
                        .get()
                        .min(trusted_height.get().saturating_add(skip.max(1))),
                ),
                None => target,
            };
            let mut block = self.src.bls_light_block(candidate).await?;
            fetched += 1;
            while !can_skip_bls(&trusted, &block) {
                let Some(mid) = bisect(trusted_height, candidate) else {
                    break;
                };
                if fetched >= MAX_LIGHT_BLOCKS_PER_ROUND {
                    break 'updates;
                }
                candidate = mid;
                block = self.src.bls_light_block(candidate).await?;
                fetched += 1;
            }
            updates.push(VerifierUpdate::bft_bls(
                client.client,
                trusted_height,
                &block,
            ));
            trusted_height = candidate;
            trusted = block;
        }
        Ok((updates, trusted_height))
    }
}

#[cfg(test)]
mod tests {
    use strait_light_client::bls::{sign_bls_commit, BlsSigner, BlsValidatorSet};
    use strait_light_client::Header;
    use strait_primitives::ChainId;

    use super::*;

    fn block(height: u64, members: &[u8], signers: &[u8]) -> BlsLightBlock {
        let set = |m: &[u8]| {
            let mut v: Vec<_> = m
                .iter()
                .map(|&i| BlsSigner::from_ikm(&[i; 32]).validator(10))
                .collect();
            v.sort_by_key(|v| v.pub_key);
            BlsValidatorSet::new_unproven(v).unwrap()
        };
        let header = Header {
            chain_id: ChainId(1),
            height: Height(height),
            ..Header::default()
        };
        let validators = set(members);
        let keys: Vec<BlsSigner> = signers
            .iter()
            .map(|&i| BlsSigner::from_ikm(&[i; 32]))
            .collect();
        let refs: Vec<&BlsSigner> = keys.iter().collect();
        BlsLightBlock {
            commit: sign_bls_commit(&header, &validators, &validators, &refs),
            header,
            next_validators: validators.clone(),
            validators,
        }
    }

    #[test]
    fn a_skip_needs_adjacency_the_same_set_or_a_third_of_the_trusted_set() {
        let trusted = block(1, &[1, 2, 3], &[1, 2, 3]);
        assert!(can_skip_bls(&trusted, &block(2, &[7, 8, 9], &[7, 8, 9])));
        assert!(can_skip_bls(&trusted, &block(9, &[1, 2, 3], &[1, 2, 3])));
        // Two of three trusted members among the signers: more than a third.
        assert!(can_skip_bls(&trusted, &block(9, &[2, 3, 4, 5], &[2, 3, 4])));
        // One of three: exactly a third is not more.
        assert!(!can_skip_bls(&trusted, &block(9, &[3, 4, 5], &[3, 4, 5])));
        assert!(!can_skip_bls(&trusted, &block(9, &[7, 8, 9], &[7, 8, 9])));
    }
}
