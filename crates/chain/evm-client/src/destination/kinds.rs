//! Which verifier kind a contract is, and its client id.
//!
//! The EVM endpoint names its verifiers by contract address; the chain-client traits by a `u64`
//! client id. A verifier's client id is the last eight bytes of its address, big-endian
//! ([`client_id_of`]); the destination remembers each address it reported, and refuses an id that
//! two addresses it knows would share (a collision is possible for an adversary who grinds
//! addresses, not by chance).
//!
//! A committee contract does not store its kind: the destination recognises the kind by its
//! runtime code, which equals the committed artifact's `deployedBytecode` except in the immutable
//! slots (zero in the artifact). Verifiers of other kinds are registered with theirs; of those,
//! the native chain's light client (kind 5) is updated like a committee ([`is_updated`]).

use std::sync::OnceLock;

use alloy::primitives::Address;
use strait_chain_client::VerifierKind;
use strait_primitives::ClientId;

/// The client id of the verifier contract at `address`: its last eight bytes, big-endian.
pub fn client_id_of(address: Address) -> ClientId {
    let mut last = [0u8; 8];
    last.copy_from_slice(&address.as_slice()[12..]);
    ClientId(u64::from_be_bytes(last))
}

/// The runtime code of an artifact, decoded once.
fn runtime(artifact: &'static str, cell: &'static OnceLock<Vec<u8>>) -> &'static [u8] {
    cell.get_or_init(|| {
        serde_json::from_str::<serde_json::Value>(artifact)
            .ok()
            .and_then(|v| v.get("deployedBytecode")?.as_str().map(str::to_owned))
            .and_then(|hex| alloy::hex::decode(hex).ok())
            .unwrap_or_default()
    })
}

fn ecdsa_runtime() -> &'static [u8] {
    static CODE: OnceLock<Vec<u8>> = OnceLock::new();
    runtime(
        include_str!("../../../../../contracts/artifacts/EcdsaCommitteeVerifier.json"),
        &CODE,
    )
}

fn bls_runtime() -> &'static [u8] {
    static CODE: OnceLock<Vec<u8>> = OnceLock::new();
    runtime(
        include_str!("../../../../../contracts/artifacts/BlsCommitteeVerifier.json"),
        &CODE,
    )
}

/// Whether `code` is `artifact` with its immutables filled in: the same length, the same bytes
/// wherever the artifact's byte is not zero.
fn matches_artifact(code: &[u8], artifact: &[u8]) -> bool {
    !artifact.is_empty()
        && code.len() == artifact.len()
        && code.iter().zip(artifact).all(|(c, a)| *a == 0 || c == a)
}

/// The kind of the committee contract whose runtime code is `code`, if it is one.
pub fn kind_of_code(code: &[u8]) -> Option<VerifierKind> {
    if matches_artifact(code, ecdsa_runtime()) {
        Some(VerifierKind::ATTEST_ECDSA)
    } else if matches_artifact(code, bls_runtime()) {
        Some(VerifierKind::ATTEST_BLS)
    } else {
        None
    }
}

/// Whether contracts of `kind` are committee verifiers (`update(bytes)`, `latestHeight()`,
/// `frozen()`, `sourceChain()`).
pub fn is_committee(kind: VerifierKind) -> bool {
    kind == VerifierKind::ATTEST_ECDSA || kind == VerifierKind::ATTEST_BLS
}

/// Whether contracts of `kind` are clients a relay updates with `update(bytes)` (the kind's
/// update bytes, `[STRAIT-VERIFIER.2]`) and that answer `latestHeight()`, `frozen()` and
/// `sourceChain()`: the committee kinds, and the native chain's light client in BLS mode (kind 5,
/// `NativeLightClient`, SPEC `[STRAIT-LC-BLS.EVM]`), registered by address.
pub fn is_updated(kind: VerifierKind) -> bool {
    is_committee(kind) || kind == VerifierKind::BFT_BLS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_the_address_tail() {
        let mut bytes = [0u8; 20];
        bytes[12..].copy_from_slice(&7u64.to_be_bytes());
        bytes[0] = 0xff;
        assert_eq!(client_id_of(Address::from(bytes)), ClientId(7));
    }

    #[test]
    fn kinds_are_recognised_by_code_up_to_immutables() {
        let ecdsa = ecdsa_runtime().to_vec();
        let bls = bls_runtime().to_vec();
        assert!(!ecdsa.is_empty() && !bls.is_empty());
        assert_eq!(kind_of_code(&ecdsa), Some(VerifierKind::ATTEST_ECDSA));
        assert_eq!(kind_of_code(&bls), Some(VerifierKind::ATTEST_BLS));
        // An immutable slot (a zero byte of the artifact) may hold anything.
        let mut filled = ecdsa.clone();
        let zero = ecdsa.iter().position(|b| *b == 0).unwrap();
        filled[zero] = 0x42;
        assert_eq!(kind_of_code(&filled), Some(VerifierKind::ATTEST_ECDSA));
        // Any other byte changed, or the length, is another contract.
        let mut other = ecdsa.clone();
        let nonzero = ecdsa.iter().position(|b| *b != 0).unwrap();
        other[nonzero] ^= 1;
        assert_eq!(kind_of_code(&other), None);
        assert_eq!(kind_of_code(&ecdsa[1..]), None);
        assert_eq!(kind_of_code(&[]), None);
    }
}
