//! `strait_attesters` (`docs/rpc.md`, `[STRAIT-ATTEST.13]`): the announced attesters of a
//! committee client, read from committed state: the client's current committee, then at most one
//! announcement per member (at most 256).

use std::sync::Arc;

use jsonrpsee::core::async_trait;
use jsonrpsee::types::ErrorObjectOwned;
use strait_attest::Committee;
use strait_devnet_api::announced::{
    AnnouncedApiServer, AnnouncedAttester, AnnouncedAttesters, NOT_A_COMMITTEE,
};
use strait_devnet_api::rpc::{codes, RpcResult};
use strait_devnet_api::HexBytes;
use strait_primitives::ClientId;

use crate::announce::{key, member_len, StoredAnnouncement};
use crate::clients::ClientRecord;
use crate::shared::Shared;
use crate::state::keys;
use crate::store::Reads;

/// The server of `strait_attesters`, merged into the node's RPC module.
pub struct AttestersRpc {
    shared: Arc<Shared>,
}

impl AttestersRpc {
    /// A server over `shared`.
    pub fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }
}

fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

fn internal(e: impl std::fmt::Display) -> ErrorObjectOwned {
    tracing::warn!(error = %e, "rpc storage error");
    error(codes::INTERNAL, e.to_string())
}

#[async_trait]
impl AnnouncedApiServer for AttestersRpc {
    async fn attesters(&self, client: ClientId) -> RpcResult<AnnouncedAttesters> {
        let db = self
            .shared
            .db()
            .ok_or_else(|| error(codes::INTERNAL, "node is shutting down"))?;
        let reads = Reads(&db);
        let raw = reads
            .state(&keys::client(client))
            .map_err(internal)?
            .ok_or_else(|| error(codes::NOT_FOUND, format!("no client {client}")))?;
        let record = ClientRecord::decode(&raw).map_err(internal)?;
        let len = member_len(record.kind).ok_or_else(|| {
            error(
                NOT_A_COMMITTEE,
                format!(
                    "client {client} is of kind {}, not an attester committee",
                    record.kind
                ),
            )
        })?;
        let committee_key = [keys::client_store(client).as_slice(), b"m"].concat();
        let raw = reads
            .state(&committee_key)
            .map_err(internal)?
            .ok_or_else(|| internal(format!("client {client} has no committee")))?;
        let committee = Committee::decode_stored(&raw, len).map_err(internal)?;
        let members: Vec<&[u8]> = committee.members().collect();
        let keys: Vec<Vec<u8>> = members.iter().map(|m| key(client, m)).collect();
        let mut attesters = Vec::new();
        for (member, raw) in members.iter().zip(reads.states(&keys).map_err(internal)?) {
            if let Some(raw) = raw {
                let stored = StoredAnnouncement::decode(&raw).map_err(internal)?;
                attesters.push(AnnouncedAttester {
                    member: HexBytes(member.to_vec()),
                    sequence: stored.sequence,
                    url: stored.url,
                    height: stored.height,
                });
            }
        }
        Ok(AnnouncedAttesters {
            client_id: client,
            kind: record.kind.get(),
            attesters,
        })
    }
}
