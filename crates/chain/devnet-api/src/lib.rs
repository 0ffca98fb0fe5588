//! The interface of a devnet chain node (`docs/rpc.md`, `docs/SPEC.md` §6).
//!
//! * [`tx`]: signed transactions and their canonical encoding, decoded with bounds.
//! * [`envelope`]: a signed transaction's fixed fields and signature, checked before its body.
//! * [`keys`]: devnet keys derived from public seeds. **Devnet only: anyone can derive them.**
//! * [`apps`]: addresses of the built-in applications.
//! * [`rpc`]: the `strait_*` JSON-RPC methods and subscriptions.
//! * [`results`]: transaction and delivery results, with machine-readable kinds.
//! * [`attester`]: the attester's `strait_attestation` JSON-RPC methods.
//! * [`announced`]: attesters announced on chain and the node's `strait_attesters` method.
//! * [`hex_bytes`]: byte strings as `0x`-hex in JSON.
//! * [`optimistic`]: JSON of optimistic clients' proposals and verifier events.

pub mod announced;
pub mod apps;
pub mod attester;
pub mod envelope;
pub mod hex_bytes;
pub mod keys;
pub mod optimistic;
pub mod results;
pub mod rpc;
pub mod tx;

pub use hex_bytes::HexBytes;
