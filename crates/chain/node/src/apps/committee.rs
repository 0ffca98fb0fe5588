//! Counters whose messages go under a security config their owner chose: the devnet's receivers
//! of traffic under attester committees and under a composite route (`strait devnet` sets their
//! configs).

use strait_endpoint::{AppError, SecurityConfig};
use strait_packet::Packet;
use strait_primitives::{ChainId, ClientId};

use super::{App, AppCallError, AppContext, Counter};

/// Error code of a choice by someone other than the owner.
pub const NOT_THE_OWNER: u32 = 403;

/// Counts every message it receives, per source chain, as [`Counter`] does. A call by the devnet
/// account [`strait_devnet_api::apps::COMMITTEE_OWNER`] sets its route's security config from a
/// source (`[STRAIT-ROUTE.6]`): data `source u64 | client u64` chooses one client
/// (`[STRAIT-VERIFIER.6]`), data `source u64 | config` (a [`SecurityConfig`] encoding, never 8
/// bytes long) sets the config.
pub struct CommitteeCounter(pub &'static str);

/// What an owner's call asks for.
fn parse(data: &[u8]) -> Result<(ChainId, SecurityConfig), AppCallError> {
    let (source, rest) = data.split_first_chunk::<8>().ok_or(AppCallError::BadData(
        "expected source u64 | client u64 or config",
    ))?;
    let source = ChainId(u64::from_be_bytes(*source));
    let config = match <[u8; 8]>::try_from(rest) {
        Ok(client) => SecurityConfig::single(ClientId(u64::from_be_bytes(client))),
        Err(_) => SecurityConfig::decode(rest)
            .map_err(|_| AppCallError::BadData("expected a security config after the source"))?,
    };
    Ok((source, config))
}

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
        let (source, config) = parse(data)?;
        ctx.set_security_config(source, config)
            .map_err(AppCallError::Refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_or_a_config_is_parsed_and_anything_else_refused() {
        let one = [2u64.to_be_bytes(), 7u64.to_be_bytes()].concat();
        assert_eq!(
            parse(&one).unwrap(),
            (ChainId(2), SecurityConfig::single(ClientId(7)))
        );
        let composite = SecurityConfig {
            required: vec![ClientId(1)],
            optional: vec![ClientId(3), ClientId(4), ClientId(5)],
            threshold: 2,
            finality_blocks: 0,
        };
        let data = [2u64.to_be_bytes().to_vec(), composite.encode()].concat();
        assert_eq!(parse(&data).unwrap(), (ChainId(2), composite.clone()));
        for bad in [
            vec![0u8; 7],
            vec![0u8; 15],
            vec![0u8; 17],
            [data.clone(), vec![0]].concat(),
            data[..data.len() - 1].to_vec(),
        ] {
            assert!(
                matches!(parse(&bad), Err(AppCallError::BadData(_))),
                "{bad:?}"
            );
        }
    }
}
