//! The devnet's built-in applications: counter, echo and ping-pong.

use strait_endpoint::AppError;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::ChainId;

use super::{App, AppCallError, AppContext};

/// Payload of a ping.
pub const PING: &[u8] = b"ping";
/// Payload of a pong.
pub const PONG: &[u8] = b"pong";

fn per_chain(prefix: &[u8], chain: ChainId) -> Vec<u8> {
    [prefix, &chain.to_be_bytes()].concat()
}

fn app_error(code: u32, reason: &str) -> AppError {
    AppError {
        code,
        reason: reason.to_owned(),
    }
}

/// Counts every message it receives, per source chain, and acknowledges with the count.
pub struct Counter;

impl Counter {
    /// Storage key of the count of messages from `source`.
    pub fn count_key(source: ChainId) -> Vec<u8> {
        per_chain(b"count/", source)
    }
}

impl App for Counter {
    fn name(&self) -> &'static str {
        "counter"
    }

    fn receive(&self, ctx: &mut AppContext<'_>, packet: &Packet) -> Result<Vec<u8>, AppError> {
        let key = Self::count_key(packet.source_chain);
        let count = ctx.get_u64(&key) + 1;
        ctx.put_u64(&key, count);
        Ok(count.to_be_bytes().to_vec())
    }
}

/// Acknowledges every message with its own payload.
pub struct Echo;

impl App for Echo {
    fn name(&self) -> &'static str {
        "echo"
    }

    fn receive(&self, _ctx: &mut AppContext<'_>, packet: &Packet) -> Result<Vec<u8>, AppError> {
        Ok(packet.payload.clone())
    }
}

/// A local call `ping` (data: u64 destination chain) sends a ping to the ping-pong application of
/// another chain, which answers with a pong from inside its receive; the origin counts the pongs.
pub struct PingPong;

impl PingPong {
    /// Storage key of the count of pongs received from `source`.
    pub fn pongs_key(source: ChainId) -> Vec<u8> {
        per_chain(b"pongs/", source)
    }

    /// Storage key of the count of pings answered for `source`.
    pub fn pings_key(source: ChainId) -> Vec<u8> {
        per_chain(b"pings/", source)
    }
}

impl App for PingPong {
    fn name(&self) -> &'static str {
        "ping-pong"
    }

    fn receive(&self, ctx: &mut AppContext<'_>, packet: &Packet) -> Result<Vec<u8>, AppError> {
        if packet.sender != ctx.address() {
            return Err(app_error(403, "ping-pong only talks to ping-pong"));
        }
        match packet.payload.as_slice() {
            PING => {
                let key = Self::pings_key(packet.source_chain);
                let pings = ctx.get_u64(&key) + 1;
                ctx.put_u64(&key, pings);
                let me = ctx.address();
                ctx.send(
                    packet.source_chain,
                    me,
                    DeliveryOptions::default(),
                    PONG.to_vec(),
                )?;
                Ok(PONG.to_vec())
            }
            PONG => {
                let key = Self::pongs_key(packet.source_chain);
                let pongs = ctx.get_u64(&key) + 1;
                ctx.put_u64(&key, pongs);
                Ok(pongs.to_be_bytes().to_vec())
            }
            _ => Err(app_error(400, "ping-pong expects \"ping\" or \"pong\"")),
        }
    }

    fn call(&self, ctx: &mut AppContext<'_>, data: &[u8]) -> Result<(), AppCallError> {
        let destination: [u8; 8] = data
            .try_into()
            .map_err(|_| AppCallError::BadData("ping expects an 8-byte big-endian chain id"))?;
        let me = ctx.address();
        ctx.send(
            ChainId(u64::from_be_bytes(destination)),
            me,
            DeliveryOptions::default(),
            PING.to_vec(),
        )
        .map(|_| ())
        .map_err(AppCallError::Refused)
    }
}
