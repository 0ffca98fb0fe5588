//! The built-in applications (`[STRAIT-DEVNET.3]`): counter, echo and ping-pong.
//!
//! An application receives through [`receive`] inside the endpoint's `call_app`, which reverts
//! every write of a failed call. Sends an application makes while receiving are queued in the
//! block effects and executed by the transaction after the delivery, so a failed call sends nothing.

use strait_chain_api::apps;
use strait_endpoint::{AppError, SendRequest};
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, MessageId};

use crate::host::Exec;
use crate::state::keys;

/// Payload of a ping.
pub const PING: &[u8] = b"ping";
/// Payload of a pong.
pub const PONG: &[u8] = b"pong";

/// Key of the counter's count of messages from `source`.
pub fn counter_key(source: ChainId) -> Vec<u8> {
    keys::app(
        &apps::counter(),
        &[b"count/".as_slice(), &source.to_be_bytes()].concat(),
    )
}

/// Key of ping-pong's count of pongs received from `source`.
pub fn pongs_key(source: ChainId) -> Vec<u8> {
    keys::app(
        &apps::ping_pong(),
        &[b"pongs/".as_slice(), &source.to_be_bytes()].concat(),
    )
}

/// Key of ping-pong's count of pings answered for `source`.
pub fn pings_key(source: ChainId) -> Vec<u8> {
    keys::app(
        &apps::ping_pong(),
        &[b"pings/".as_slice(), &source.to_be_bytes()].concat(),
    )
}

fn app_error(code: u32, reason: &str) -> AppError {
    AppError {
        code,
        reason: reason.to_owned(),
    }
}

/// Delivers `packet` to the application at its receiver address.
pub fn receive(exec: &mut Exec<'_>, packet: &Packet, _id: &MessageId) -> Result<Vec<u8>, AppError> {
    let receiver = packet.receiver;
    if receiver == apps::counter() {
        let key = counter_key(packet.source_chain);
        let count = exec.state.get_u64(&key) + 1;
        exec.state.put_u64(key, count);
        Ok(count.to_be_bytes().to_vec())
    } else if receiver == apps::echo() {
        Ok(packet.payload.clone())
    } else if receiver == apps::ping_pong() {
        ping_pong_receive(exec, packet)
    } else {
        Err(app_error(404, "no application at the receiver address"))
    }
}

fn ping_pong_receive(exec: &mut Exec<'_>, packet: &Packet) -> Result<Vec<u8>, AppError> {
    if packet.sender != apps::ping_pong() {
        return Err(app_error(403, "ping-pong only talks to ping-pong"));
    }
    match packet.payload.as_slice() {
        PING => {
            let key = pings_key(packet.source_chain);
            let pings = exec.state.get_u64(&key) + 1;
            exec.state.put_u64(key, pings);
            exec.fx.app_sends.push(SendRequest {
                sender: apps::ping_pong(),
                destination_chain: packet.source_chain,
                receiver: apps::ping_pong(),
                options: DeliveryOptions::default(),
                payload: PONG.to_vec(),
            });
            Ok(PONG.to_vec())
        }
        PONG => {
            let key = pongs_key(packet.source_chain);
            let pongs = exec.state.get_u64(&key) + 1;
            exec.state.put_u64(key, pongs);
            Ok(pongs.to_be_bytes().to_vec())
        }
        _ => Err(app_error(400, "ping-pong expects \"ping\" or \"pong\"")),
    }
}

/// Why a local application call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AppCallError {
    /// The application takes no local calls.
    #[error("application {0} takes no local calls")]
    NotCallable(Address32),
    /// The call data is malformed.
    #[error("invalid call data: {0}")]
    BadData(&'static str),
    /// The endpoint refused the send.
    #[error("send failed: {0}")]
    Send(#[from] strait_endpoint::SendError),
}

/// A local call of `app` by a transaction. Ping-pong: `data` = u64 destination chain, sends a ping
/// to the ping-pong application there. Returns the id of a message sent.
pub fn call(exec: &mut Exec<'_>, app: Address32, data: &[u8]) -> Result<MessageId, AppCallError> {
    if app != apps::ping_pong() {
        return Err(AppCallError::NotCallable(app));
    }
    let destination: [u8; 8] = data
        .try_into()
        .map_err(|_| AppCallError::BadData("ping expects an 8-byte big-endian chain id"))?;
    let sent = strait_endpoint::send(
        exec,
        SendRequest {
            sender: apps::ping_pong(),
            destination_chain: ChainId(u64::from_be_bytes(destination)),
            receiver: apps::ping_pong(),
            options: DeliveryOptions::default(),
            payload: PING.to_vec(),
        },
    )?;
    Ok(sent.id)
}
