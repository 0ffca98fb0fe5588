//! Counters whose messages go under a client their owner chose: the devnet's receivers of traffic
//! under attester committees (`strait devnet` makes them choose its committees' clients).

use strait_endpoint::AppError;
use strait_packet::Packet;
use strait_primitives::{ChainId, ClientId};

use super::{App, AppCallError, AppContext, Counter};

/// Error code of a choice by someone other than the owner.
pub const NOT_THE_OWNER: u32 = 403;

/// Counts every message it receives, per source chain, as [`Counter`] does; a call by the devnet
/// account [`strait_devnet_api::apps::COMMITTEE_OWNER`] with data `source u64 | client u64`
/// chooses the client that vouches for its messages from `source` (`[STRAIT-VERIFIER.6]`).
pub struct CommitteeCounter(pub &'static str);

impl App for CommitteeCounter {
    fn name(&self) -> &'static str {
        self.0
    }

    fn receive(&self, ctx: &mut AppContext<'_>, packet: &Packet) -> Result<Vec<u8>, AppError> {
        Counter.receive(ctx, packet)
    }

    fn call(&self, ctx: &mut AppContext<'_>, data: &[u8]) -> Result<(), AppCallError> {
        let owner =
            strait_devnet_api::keys::AccountKey::devnet(strait_devnet_api::apps::COMMITTEE_OWNER)
                .address();
        if ctx.caller() != Some(owner) {
            return Err(AppCallError::Refused(AppError {
                code: NOT_THE_OWNER,
                reason: "only the owner chooses this counter's clients".into(),
            }));
        }
        let (source, client) = data
            .split_first_chunk::<8>()
            .and_then(|(s, rest)| Some((s, <[u8; 8]>::try_from(rest).ok()?)))
            .ok_or(AppCallError::BadData("expected source u64 | client u64"))?;
        ctx.choose_client(
            ChainId(u64::from_be_bytes(*source)),
            ClientId(u64::from_be_bytes(client)),
        )
        .map_err(AppCallError::Refused)
    }
}
