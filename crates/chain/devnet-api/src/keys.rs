//! Devnet keys, derived from public seeds (`[STRAIT-DEVNET.1]`).
//!
//! **These keys are public. They exist so that a devnet starts with nothing but the repository.
//! Never use them for anything of value.** Every derivation is labelled `DEVNET`.

use ed25519_dalek::{Signer as _, SigningKey};
use strait_light_client::Signer;
use strait_primitives::{keccak256_concat, Address32, ChainId, Hash32};

/// Domain of devnet validator seeds.
pub const DEVNET_VALIDATOR_SEED: &[u8] = b"STRAIT/DEVNET/PUBLIC-SEED/VALIDATOR/v1";
/// Domain of devnet account seeds.
pub const DEVNET_ACCOUNT_SEED: &[u8] = b"STRAIT/DEVNET/PUBLIC-SEED/ACCOUNT/v1";

/// Seed of validator `index` of devnet chain `chain`. Public.
pub fn devnet_validator_seed(chain: ChainId, index: u32) -> [u8; 32] {
    keccak256_concat(&[
        DEVNET_VALIDATOR_SEED,
        &chain.to_be_bytes(),
        &index.to_be_bytes(),
    ])
    .0
}

/// The signer of validator `index` of devnet chain `chain`. Public key material: devnet only.
pub fn devnet_validator(chain: ChainId, index: u32) -> Signer {
    Signer::from_seed(devnet_validator_seed(chain, index))
}

/// An account key. Its address is its ed25519 public key.
pub struct AccountKey(SigningKey);

impl AccountKey {
    /// A devnet account derived from a public label, e.g. `"relayer-0"`. Devnet only.
    pub fn devnet(label: &str) -> Self {
        Self::from_seed(keccak256_concat(&[DEVNET_ACCOUNT_SEED, label.as_bytes()]).0)
    }

    /// An account from a secret 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(SigningKey::from_bytes(&seed))
    }

    /// The account address: the ed25519 public key.
    pub fn address(&self) -> Address32 {
        Address32(self.0.verifying_key().to_bytes())
    }

    /// Signs a 32-byte digest.
    pub fn sign_digest(&self, digest: &Hash32) -> [u8; 64] {
        self.0.sign(digest.as_bytes()).to_bytes()
    }
}

impl core::fmt::Debug for AccountKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never print key material.
        write!(f, "AccountKey({})", self.address())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devnet_keys_are_deterministic_and_distinct() {
        assert_eq!(
            devnet_validator_seed(ChainId(1), 0),
            devnet_validator_seed(ChainId(1), 0)
        );
        assert_ne!(
            devnet_validator_seed(ChainId(1), 0),
            devnet_validator_seed(ChainId(2), 0)
        );
        assert_ne!(
            devnet_validator_seed(ChainId(1), 0),
            devnet_validator_seed(ChainId(1), 1)
        );
        assert_eq!(
            AccountKey::devnet("a").address(),
            AccountKey::devnet("a").address()
        );
        assert_ne!(
            AccountKey::devnet("a").address(),
            AccountKey::devnet("b").address()
        );
        assert!(!format!("{:?}", AccountKey::devnet("a")).contains("SigningKey"));
    }
}
