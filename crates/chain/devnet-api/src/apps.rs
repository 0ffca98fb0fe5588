//! Addresses of the devnet's built-in applications (`[STRAIT-DEVNET.3]`).

use strait_primitives::{keccak256_concat, Address32};

/// Domain of built-in application addresses.
pub const APP_ADDRESS: &[u8] = b"STRAIT/DEVNET/APP/v1";

/// The address of the built-in application called `name`.
pub fn app_address(name: &str) -> Address32 {
    Address32(keccak256_concat(&[APP_ADDRESS, name.as_bytes()]).0)
}

/// Counter: counts every message it receives, per source chain, and acknowledges with the count.
pub fn counter() -> Address32 {
    app_address("counter")
}

/// Ping-pong: a local call `ping` sends a ping to the ping-pong app of another chain, which answers
/// with a pong; the origin records the pong.
pub fn ping_pong() -> Address32 {
    app_address("ping-pong")
}

/// Echo: acknowledges every message with its own payload.
pub fn echo() -> Address32 {
    app_address("echo")
}

/// Token transfer: fungible tokens move between chains, escrowed where they leave and minted as
/// vouchers where they arrive, refunded on failure or timeout (SPEC `[STRAIT-TOKEN.*]`).
pub fn token() -> Address32 {
    app_address("token")
}

/// Devnet account label (`[STRAIT-DEVNET.1]`, a public seed) of the owner of the committee
/// counters: the only caller that may choose which client vouches for their messages.
pub const COMMITTEE_OWNER: &str = "governor";

/// Counter under an ECDSA attester committee: counts what it receives, under the client its owner
/// chose per source chain (`strait devnet` chooses its ECDSA committee's).
pub fn counter_ecdsa() -> Address32 {
    app_address("counter-ecdsa")
}

/// Counter under an ed25519 attester committee, as [`counter_ecdsa`].
pub fn counter_ed25519() -> Address32 {
    app_address("counter-ed25519")
}

/// Counter under the BLS-signed native headers (verifier kind 5), as [`counter_ecdsa`]:
/// `strait devnet` makes it choose a kind-5 client of each source.
pub fn counter_bls() -> Address32 {
    app_address("counter-bls")
}

/// Counter under optimistic verification (verifier kind 6), as [`counter_ecdsa`]: `strait devnet`
/// makes it choose an optimistic client of each source, which its relayer proposes to.
pub fn counter_optimistic() -> Address32 {
    app_address("counter-optimistic")
}

/// Counter under a composite route config, as [`counter_ecdsa`]: `strait devnet` makes it require
/// the BFT light client and 2 of 3 attester committees (`[STRAIT-ROUTE.3]`).
pub fn counter_composite() -> Address32 {
    app_address("counter-composite")
}
