//! What a chain is extended with: the verifier kinds it runs and the applications it hosts, each
//! behind a trait and a registry (`[STRAIT-VERIFIER.1]`, `[STRAIT-HOST.1]`).

use std::sync::OnceLock;

use strait_light_client::kind::BftVerifier;
use strait_verifier::Registry;

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
    /// The devnet's own: the BFT light client kind and the built-in applications. Integrators and
    /// tests start from this and register more.
    pub fn devnet() -> Self {
        let mut verifiers = Registry::new();
        verifiers
            .register(Box::new(BftVerifier))
            .expect("an empty registry takes any kind");
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
