//! Announced attesters (`[STRAIT-ATTEST.13]`): where the members of a committee client publish
//! their signatures, as announced on chain, and the `strait_attesters` JSON-RPC method
//! (`docs/rpc.md`) that lists them.

use jsonrpsee::core::RpcResult;
use jsonrpsee::proc_macros::rpc;
use serde::{Deserialize, Serialize};
use strait_primitives::{ClientId, Height};

use crate::HexBytes;

/// One member's announcement, as the chain stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnnouncedAttester {
    /// The member in its stored form (an EVM address, an ed25519 or BLS key).
    pub member: HexBytes,
    /// The announcement's sequence.
    pub sequence: u64,
    /// Where the member serves its signatures (`strait_attestation`, `strait_latestAttestation`).
    pub url: String,
    /// The block that executed the announcement.
    pub height: Height,
}

/// The announced attesters of a committee client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnnouncedAttesters {
    /// The client.
    pub client_id: ClientId,
    /// Its kind (2 ECDSA, 3 ed25519, 4 BLS).
    pub kind: u16,
    /// Members of its current committee that announced, by ascending member; members rotated out
    /// are not listed.
    pub attesters: Vec<AnnouncedAttester>,
}

/// The node's `strait_attesters` method.
#[rpc(server, client, namespace = "strait")]
pub trait AnnouncedApi {
    /// The announced attesters of committee client `client` (error 4130 if it is not one).
    #[method(name = "attesters")]
    async fn attesters(&self, client: ClientId) -> RpcResult<AnnouncedAttesters>;
}

/// Error code of `strait_attesters` for a client that is not an attester committee.
pub const NOT_A_COMMITTEE: i32 = 4130;
