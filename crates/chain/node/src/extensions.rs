//! What a chain is extended with: the verifier kinds it runs and the applications it hosts, each
//! behind a trait and a registry (`[STRAIT-VERIFIER.1]`, `[STRAIT-HOST.1]`).

use std::sync::OnceLock;

use strait_attest::{BlsCommittee, EcdsaCommittee, Ed25519Committee};
use strait_light_client::bls::BlsHeaderVerifier;
use strait_light_client::kind::BftVerifier;
use strait_optimistic::OptimisticVerifier;
use strait_verifier::{Registry, Verifier};

use crate::apps::Router;

/// The verifier kinds and applications of a chain.
pub struct Extensions {
    /// Verifier kinds, by number.
    pub verifiers: Registry,
    /// Applications, by address.
    pub apps: Router,
}

impl std::fmt::Debug for Extensions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extensions")
            .field("verifiers", &self.verifiers)
            .field("apps", &self.apps.addresses().collect::<Vec<_>>())
            .finish()
    }
}

impl Extensions {
    /// The devnet's own: the BFT light client kind, in ed25519 and in BLS mode, the ECDSA, ed25519
    /// and BLS attester committee kinds, the optimistic kind (SPEC §13) and the built-in
    /// applications. Integrators and tests start from this and register
    /// more. Every kind's creation, updates and evidence are charged to the block budget at
    /// admission (`create_cost`, `update_cost`, `misbehaviour_cost`): a BLS committee's creation
    /// pays one pairing per member.
    pub fn devnet() -> Self {
        let mut verifiers = Registry::new();
        let kinds: [Box<dyn Verifier>; 6] = [
            Box::new(BftVerifier),
            Box::new(BlsHeaderVerifier),
            Box::new(EcdsaCommittee::new()),
            Box::new(Ed25519Committee::new()),
            Box::new(OptimisticVerifier),
            Box::new(BlsCommittee::new()),
        ];
        for kind in kinds {
            verifiers
                .register(kind)
                .expect("the devnet's kinds have distinct numbers");
        }
        Self {
            verifiers,
            apps: Router::with_builtin_apps(),
        }
    }

    /// [`Extensions::devnet`], shared.
    pub fn builtin() -> &'static Self {
        static BUILTIN: OnceLock<Extensions> = OnceLock::new();
        BUILTIN.get_or_init(Self::devnet)
    }
}
