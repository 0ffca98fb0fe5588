//! Applications behind a trait and a router (`[STRAIT-DEVNET.3]`).
//!
//! An application implements [`App`]: it receives messages and, optionally, local calls, and (from
//! the value-transfer issue on) acknowledgements and timeouts of the messages it sent. It sees the
//! chain only through an [`AppContext`]: its own storage (every key is prefixed with its address),
//! its own send queue (sends leave with its address as sender), and the block's height and time.
//! It never reaches into the executor. The [`Router`] maps receiver addresses to applications;
//! [`Router::builtin`] holds the devnet's counter, echo and ping-pong.
//!
//! The host calls an application under a checkpoint: when it fails, every write of the call and
//! every message it queued are reverted; when it succeeds, its queued sends are executed before the
//! call returns, and a refused send fails the call (sends are atomic with the receive).

mod builtin;
pub mod committee;
mod context;
pub mod token;

use std::collections::BTreeMap;

pub use builtin::{Counter, Echo, PingPong, PING, PONG};
pub use context::{
    AppContext, FEE_UNPAID, GAS_CALL, GAS_DELETE, GAS_PER_BYTE, GAS_READ, GAS_SEND, GAS_WRITE,
};
use strait_endpoint::AppError;
use strait_packet::Packet;
use strait_primitives::{Address32, ChainId, Hash32, MessageId};

/// An application of the chain.
///
/// # Examples
///
/// ```
/// use strait_endpoint::AppError;
/// use strait_node::apps::{App, AppContext, Router};
/// use strait_packet::Packet;
/// use strait_primitives::{Address32, ChainId, Hash32, MessageId};
///
/// /// Acknowledges with the number of messages it has seen.
/// struct Tally;
///
/// impl App for Tally {
///     fn name(&self) -> &'static str {
///         "tally"
///     }
///     fn receive(&self, ctx: &mut AppContext<'_>, _packet: &Packet) -> Result<Vec<u8>, AppError> {
///         let seen = ctx.get_u64(b"seen") + 1;
///         ctx.put_u64(b"seen", seen);
///         Ok(seen.to_be_bytes().to_vec())
///     }
/// }
///
/// let mut router = Router::default();
/// router.register(Address32([7; 32]), Box::new(Tally)).unwrap();
/// assert!(router.get(&Address32([7; 32])).is_some());
/// assert!(router.register(Address32([7; 32]), Box::new(Tally)).is_err());
/// ```
pub trait App: Send + Sync + 'static {
    /// A short name for logs.
    fn name(&self) -> &'static str;

    /// Handles a message addressed to this application; the bytes returned are its
    /// acknowledgement (at most `strait_endpoint::MAX_ACK_LEN`). An error fails the message.
    fn receive(&self, ctx: &mut AppContext<'_>, packet: &Packet) -> Result<Vec<u8>, AppError>;

    /// Handles a local call by a transaction. By default an application takes none.
    fn call(&self, ctx: &mut AppContext<'_>, data: &[u8]) -> Result<(), AppCallError> {
        let _ = data;
        Err(AppCallError::NotCallable(ctx.address()))
    }

    /// A message this application sent was executed on its destination, with `ack`. Called once
    /// per message, when its outcome is proven back (`[STRAIT-SETTLE.4]`); by default nothing. An
    /// error reverts the callback's writes and the message keeps awaiting its outcome.
    fn on_ack(&self, ctx: &mut AppContext<'_>, id: &MessageId, ack: &[u8]) -> Result<(), AppError> {
        let _ = (ctx, id, ack);
        Ok(())
    }

    /// A message this application sent failed on its destination (the application there
    /// refused it): refund. Called once per message, as [`App::on_ack`]; by default nothing.
    fn on_failure(
        &self,
        ctx: &mut AppContext<'_>,
        id: &MessageId,
        error: &AppError,
    ) -> Result<(), AppError> {
        let _ = (ctx, id, error);
        Ok(())
    }

    /// A message this application sent timed out on its destination, which never executed it:
    /// refund. Called once per message, as [`App::on_ack`]; by default nothing.
    fn on_timeout(&self, ctx: &mut AppContext<'_>, id: &MessageId) -> Result<(), AppError> {
        let _ = (ctx, id);
        Ok(())
    }

    /// The topic of a message to this application on `chain`, for its pauses
    /// (`[STRAIT-PAUSE.4]`): while `PauseScope::App { app, topic }` is paused, the endpoint holds
    /// the message (a transient refusal) and its retries. By default none.
    fn topic(&self, chain: ChainId, packet: &Packet) -> Option<Hash32> {
        let _ = (chain, packet);
        None
    }

    /// Bounded work at the end of every block (`[STRAIT-LIMIT.4]`), after its transactions, e.g.
    /// releasing queued transfers. The node calls every application in address order, each under
    /// a checkpoint, atomically with the messages it sends: an error reverts the call's writes and
    /// sends, and the block goes on. The application bounds its own work. By default nothing.
    fn end_block(&self, ctx: &mut AppContext<'_>) -> Result<(), AppError> {
        let _ = ctx;
        Ok(())
    }
}

/// Runs [`App::end_block`] of every application, in address order (`[STRAIT-LIMIT.4]`).
pub(crate) fn end_block(exec: &mut crate::host::Exec<'_>) {
    let ext = exec.ext;
    for (address, app) in &ext.apps.apps {
        if let Err(e) = exec.run_app(*address, "ending the block", |ctx| app.end_block(ctx)) {
            tracing::warn!(app = app.name(), %e, "end-of-block work reverted");
        }
    }
}

/// Why a local application call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AppCallError {
    /// No application at that address.
    #[error("no application at {0}")]
    UnknownApp(Address32),
    /// The application takes no local calls.
    #[error("application {0} takes no local calls")]
    NotCallable(Address32),
    /// The call data is malformed.
    #[error("invalid call data: {0}")]
    BadData(&'static str),
    /// The application refused the call.
    #[error("application refused the call: {0}")]
    Refused(AppError),
    /// The endpoint refused a message the call sent.
    #[error("send failed: {0}")]
    Send(#[from] strait_endpoint::SendError),
}

/// An application's address is already taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an application is already registered at {0}")]
pub struct AddressTaken(pub Address32);

/// Receiver addresses to applications.
#[derive(Default)]
pub struct Router {
    apps: BTreeMap<Address32, Box<dyn App>>,
}

impl Router {
    /// The devnet's built-in applications at their `[STRAIT-DEVNET.3]` addresses.
    pub fn builtin() -> &'static Router {
        &crate::extensions::Extensions::builtin().apps
    }

    /// A router holding the devnet's built-in applications, to which more may be added.
    pub fn with_builtin_apps() -> Router {
        {
            let mut router = Router::default();
            for (address, app) in [
                (
                    strait_devnet_api::apps::counter(),
                    Box::new(Counter) as Box<dyn App>,
                ),
                (strait_devnet_api::apps::echo(), Box::new(Echo)),
                (strait_devnet_api::apps::ping_pong(), Box::new(PingPong)),
                (
                    strait_devnet_api::apps::token(),
                    Box::new(token::TokenTransfer),
                ),
                (
                    strait_devnet_api::apps::counter_ecdsa(),
                    Box::new(committee::CommitteeCounter("counter-ecdsa")),
                ),
                (
                    strait_devnet_api::apps::counter_ed25519(),
                    Box::new(committee::CommitteeCounter("counter-ed25519")),
                ),
                (
                    strait_devnet_api::apps::counter_bls(),
                    Box::new(committee::CommitteeCounter("counter-bls")),
                ),
                (
                    strait_devnet_api::apps::counter_optimistic(),
                    Box::new(committee::CommitteeCounter("counter-optimistic")),
                ),
                (
                    strait_devnet_api::apps::counter_composite(),
                    Box::new(committee::CommitteeCounter("counter-composite")),
                ),
            ] {
                router
                    .register(address, app)
                    .expect("built-in addresses are distinct");
            }
            router
        }
    }

    /// Adds `app` at `address`.
    pub fn register(&mut self, address: Address32, app: Box<dyn App>) -> Result<(), AddressTaken> {
        if self.apps.contains_key(&address) {
            return Err(AddressTaken(address));
        }
        self.apps.insert(address, app);
        Ok(())
    }

    /// The application at `address`.
    pub fn get(&self, address: &Address32) -> Option<&dyn App> {
        self.apps.get(address).map(|app| &**app)
    }

    /// Addresses with an application, ascending.
    pub fn addresses(&self) -> impl Iterator<Item = &Address32> {
        self.apps.keys()
    }
}

/// Error code of a message whose receiver has no application.
pub const NO_APP: u32 = 404;

/// The key of the application at `app`'s storage key `key` in the node state: `'A' || app || key`.
pub fn storage_key(app: &Address32, key: &[u8]) -> Vec<u8> {
    crate::state::keys::app(app, key)
}
