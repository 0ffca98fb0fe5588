//! BLS light blocks of the in-process chain (SPEC §5.7, `[STRAIT-LC-BLS.3]`): the header's
//! approving validators sign it again with their devnet BLS keys (`devnet_bls_signer`), as a node
//! does, built only when a relayer asks (most headers of a simulation are never read).

use strait_light_client::bls::{sign_bls_commit, BlsLightBlock, BlsSigner, BlsValidatorSet};
use strait_light_client::ValidatorSet;
use strait_node::consensus::devnet_bls_signer;
use strait_primitives::Height;

use super::InProcessChain;

impl InProcessChain {
    /// The BLS light block at `height`: the BLS sets of its current and next validators (keys in
    /// BLS key order, with their proofs of possession) and the aggregate commit of the validators
    /// that approved it.
    pub fn bls_light_block(&self, height: Height) -> Option<BlsLightBlock> {
        let index = usize::try_from(height.get()).ok()?;
        let block = self.blocks.get(index)?;
        let validators = self.bls_set(&block.validators)?;
        let next_validators = match block.next_validators.hash() == block.validators.hash() {
            true => validators.clone(),
            false => self.bls_set(&block.next_validators)?,
        };
        let signers: Vec<BlsSigner> = block
            .signers
            .iter()
            .map(|&(_, p)| devnet_bls_signer(&self.pool[p]))
            .collect();
        let signers: Vec<&BlsSigner> = signers.iter().collect();
        Some(BlsLightBlock {
            commit: sign_bls_commit(&block.header, &validators, &next_validators, &signers),
            header: block.header,
            validators,
            next_validators,
        })
    }

    /// The BLS set of `set` (`[STRAIT-LC-BLS.1]`); `None` if a member is not of the key pool.
    fn bls_set(&self, set: &ValidatorSet) -> Option<BlsValidatorSet> {
        let mut members = Vec::with_capacity(set.len());
        for v in set.validators() {
            let signer = self.pool.iter().find(|s| s.public_key() == v.pub_key)?;
            members.push(devnet_bls_signer(signer).validator(v.power));
        }
        members.sort_by_key(|v| v.pub_key);
        BlsValidatorSet::new(members).ok()
    }
}
