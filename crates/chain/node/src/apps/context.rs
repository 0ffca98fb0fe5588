//! What an application sees of the chain: its own storage, its own send queue, the block.

use strait_endpoint::{AppError, PauseScope, SecurityConfig, SendRequest};
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{
    Address32, ChainId, ClientId, Hash32, Height, MessageId, Nonce, Timestamp,
};

use crate::env::Env;
use crate::state::{keys, State};

/// Most messages one application call (a receive or a local call) may send.
pub const MAX_SENDS_PER_CALL: usize = 64;
/// Longest key an application may use in its storage.
pub const MAX_APP_KEY_LEN: usize = 256;

/// Error code of a call that sent more than [`MAX_SENDS_PER_CALL`] messages or used a key longer
/// than [`MAX_APP_KEY_LEN`].
pub const APP_LIMIT: u32 = 0xffff_fffd;

/// Error code of a call whose choice of client was refused ([`AppContext::choose_client`]).
pub const BAD_CLIENT_CHOICE: u32 = 0xffff_fffc;

/// Error code of a paid send its payer could not pay ([`AppContext::send_paid`]).
pub const FEE_UNPAID: u32 = 0xffff_fffb;

/// Gas of every application call (`[STRAIT-FEE.6]`).
pub const GAS_CALL: u64 = 5_000;
/// Gas of a storage read, plus [`GAS_PER_BYTE`] per key and value byte.
pub const GAS_READ: u64 = 100;
/// Gas of a storage write, plus 5 × [`GAS_PER_BYTE`] per key and value byte.
pub const GAS_WRITE: u64 = 500;
/// Gas of a storage delete, plus [`GAS_PER_BYTE`] per key byte.
pub const GAS_DELETE: u64 = 200;
/// Gas of a message sent, plus 5 × [`GAS_PER_BYTE`] per payload byte.
pub const GAS_SEND: u64 = 2_000;
/// Gas per byte read; five times as much per byte written or sent.
pub const GAS_PER_BYTE: u64 = 1;

/// An application's view of the chain during one call.
pub struct AppContext<'a> {
    address: Address32,
    caller: Option<Address32>,
    finalizations: Vec<Packet>,
    /// Security configs set by this call, for its `SecurityConfigSet` events.
    configs_set: Vec<(ChainId, SecurityConfig)>,
    env: &'a Env,
    state: &'a mut State,
    sends: &'a mut Vec<SendRequest>,
    queued_at_start: usize,
    /// Gas metered so far (`[STRAIT-FEE.6]`); a cell because reads take `&self`.
    gas: std::cell::Cell<u64>,
}

impl<'a> AppContext<'a> {
    /// The context of the application at `address`; sends are queued on `sends`.
    pub(crate) fn new(
        address: Address32,
        env: &'a Env,
        state: &'a mut State,
        sends: &'a mut Vec<SendRequest>,
    ) -> Self {
        let queued_at_start = sends.len();
        Self {
            address,
            caller: None,
            finalizations: Vec::new(),
            configs_set: Vec::new(),
            env,
            state,
            sends,
            queued_at_start,
            gas: std::cell::Cell::new(GAS_CALL),
        }
    }

    /// Gas this call used so far (`[STRAIT-FEE.6]`): [`GAS_CALL`], plus each storage read, write
    /// and delete and each message sent, by its bytes. A function of the application's work
    /// only, so every node meters the same figure.
    pub fn gas_used(&self) -> u64 {
        self.gas.get()
    }

    fn meter(&self, base: u64, bytes: usize, per_byte: u64) {
        let cost = base.saturating_add((bytes as u64).saturating_mul(per_byte));
        self.gas.set(self.gas.get().saturating_add(cost));
    }

    /// The application's own address.
    pub fn address(&self) -> Address32 {
        self.address
    }

    /// The context of a local call by `caller`, the transaction's signer.
    pub(crate) fn called_by(mut self, caller: Address32) -> Self {
        self.caller = Some(caller);
        self
    }

    /// Finalizes as failed, as its receiver, a message this application failed to execute
    /// (`[STRAIT-RETRY.4]`): done when a local call returns `Ok`, atomically with it (a refused
    /// finalization fails the call). Only a local call may finalize; in a receive or a callback
    /// this does nothing.
    pub fn finalize_failed(&mut self, packet: Packet) {
        self.finalizations.push(packet);
    }

    /// The finalizations the call asked for.
    pub(crate) fn take_finalizations(&mut self) -> Vec<Packet> {
        std::mem::take(&mut self.finalizations)
    }

    /// Who called the application: the signer of the transaction, for a local call; `None` for a
    /// receive or an outcome callback (the endpoint calls).
    pub fn caller(&self) -> Option<Address32> {
        self.caller
    }

    /// Sets the security config of this application's route from `source` (`[STRAIT-ROUTE.6]`):
    /// from the next delivery on, a message from `source` to this application executes only when
    /// the config's clients vouch for its root (`[STRAIT-ROUTE.3]`). The config must be within its
    /// bounds and name existing clients that follow `source`; the block then carries a
    /// `SecurityConfigSet` event. Whom the application lets make this choice is its own rule.
    pub fn set_security_config(
        &mut self,
        source: ChainId,
        config: SecurityConfig,
    ) -> Result<(), AppError> {
        crate::clients::set_security_config(self.state, &self.address, source, &config).map_err(
            |e| AppError {
                code: BAD_CLIENT_CHOICE,
                reason: e.to_string(),
            },
        )?;
        self.configs_set.push((source, config));
        Ok(())
    }

    /// Chooses the one client this application trusts for messages from `source`
    /// (`[STRAIT-VERIFIER.6]`): [`Self::set_security_config`] of
    /// [`SecurityConfig::single`]`(client)`.
    pub fn choose_client(&mut self, source: ChainId, client: ClientId) -> Result<(), AppError> {
        self.set_security_config(source, SecurityConfig::single(client))
    }

    /// The security config this application applies to messages from `source`: its own, else
    /// the chain's default of `source`.
    pub fn security_config(&self, source: ChainId) -> Option<SecurityConfig> {
        crate::clients::security_config(self.state, &self.address, source)
    }

    /// The configs this call set, in order, for their events.
    pub(crate) fn take_configs_set(&mut self) -> Vec<(ChainId, SecurityConfig)> {
        std::mem::take(&mut self.configs_set)
    }

    /// Whether this application's `topic` is paused (`[STRAIT-PAUSE.4]`), or the whole endpoint.
    pub fn topic_paused(&self, topic: Hash32) -> bool {
        [
            PauseScope::Endpoint,
            PauseScope::App {
                app: self.address,
                topic,
            },
        ]
        .iter()
        .any(|scope| self.state.get(&keys::paused(scope)).is_some())
    }

    /// Pauses this application's `topic` by itself, as its automatic breaker does
    /// (`[STRAIT-LIMIT.6]`); only the guardians unpause it (`[STRAIT-PAUSE.3]`).
    pub fn pause_topic(&mut self, topic: Hash32) {
        let scope = PauseScope::App {
            app: self.address,
            topic,
        };
        self.state.put(keys::paused(&scope), vec![1]);
    }

    /// The chain's guardian counter: what the next guardian approvals sign with.
    pub fn guardian_counter(&self) -> u64 {
        self.state.get_u64(keys::PAUSE_COUNTER)
    }

    /// Checks that at least `needed` of the chain's guardians approved `digest_of(counter)`
    /// ([`Self::guardian_counter`]) and advances the counter, so each approval is single-use.
    pub fn guardians_approve(
        &mut self,
        approvals: &[(u16, [u8; 64])],
        needed: usize,
        what: &'static str,
        digest_of: impl FnOnce(u64) -> Hash32,
    ) -> Result<(), crate::guardians::PauseError> {
        crate::guardians::approve_with(self.state, approvals, needed, what, digest_of)
    }

    /// Whether this chain can send to `chain` (a configured remote chain).
    pub fn knows_chain(&self, chain: ChainId) -> bool {
        self.env.remotes.contains(&chain) || self.env.foreign_remotes.contains(&chain)
    }

    /// Whether `chain` is a remote of another kind (an EVM chain, `NodeConfig::foreign_remotes`):
    /// its applications have their own addresses, not this chain's.
    pub fn is_foreign_remote(&self, chain: ChainId) -> bool {
        self.env.foreign_remotes.contains(&chain)
    }

    /// This chain.
    pub fn chain_id(&self) -> ChainId {
        self.env.chain_id
    }

    /// Height of the block being executed.
    pub fn height(&self) -> Height {
        self.env.height
    }

    /// Time of the block being executed.
    pub fn timestamp(&self) -> Timestamp {
        self.env.timestamp
    }

    fn key(&self, key: &[u8]) -> Result<Vec<u8>, AppError> {
        if key.len() > MAX_APP_KEY_LEN {
            return Err(AppError {
                code: APP_LIMIT,
                reason: format!(
                    "storage key of {} bytes exceeds {MAX_APP_KEY_LEN}",
                    key.len()
                ),
            });
        }
        Ok(keys::app(&self.address, key))
    }

    /// The value at `key` of the application's storage (`None` for a key over the bound).
    pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let key = self.key(key).ok()?;
        let value = self.state.get(&key).map(<[u8]>::to_vec);
        self.meter(
            GAS_READ,
            key.len() + value.as_ref().map_or(0, Vec::len),
            GAS_PER_BYTE,
        );
        value
    }

    /// A big-endian u64 at `key`, 0 if unset.
    pub fn get_u64(&self, key: &[u8]) -> u64 {
        self.get(key)
            .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
            .map_or(0, u64::from_be_bytes)
    }

    /// Writes `value` at `key` of the application's storage.
    pub fn put(&mut self, key: &[u8], value: Vec<u8>) -> Result<(), AppError> {
        let key = self.key(key)?;
        self.meter(GAS_WRITE, key.len() + value.len(), 5 * GAS_PER_BYTE);
        self.state.put(key, value);
        Ok(())
    }

    /// Deletes `key` of the application's storage.
    pub fn delete(&mut self, key: &[u8]) -> Result<(), AppError> {
        let key = self.key(key)?;
        self.meter(GAS_DELETE, key.len(), GAS_PER_BYTE);
        self.state.delete(&key);
        Ok(())
    }

    /// Writes a big-endian u64 at `key`. Keys of the built-in applications are short.
    pub fn put_u64(&mut self, key: &[u8], value: u64) {
        if let Ok(key) = self.key(key) {
            self.meter(GAS_WRITE, key.len() + 8, 5 * GAS_PER_BYTE);
            self.state.put_u64(key, value);
        }
    }

    /// Sends a message from this application, with the receive (or the call): executed when the
    /// call returns `Ok`, reverted with it otherwise. Returns the message's id (the id it will have
    /// once executed: its nonce is the route's next one after the messages queued before it), so
    /// that the application can keep a record of it for its outcome.
    pub fn send(
        &mut self,
        destination_chain: ChainId,
        receiver: Address32,
        options: DeliveryOptions,
        payload: Vec<u8>,
    ) -> Result<MessageId, AppError> {
        if self.sends.len() - self.queued_at_start >= MAX_SENDS_PER_CALL {
            return Err(AppError {
                code: APP_LIMIT,
                reason: format!("more than {MAX_SENDS_PER_CALL} messages sent in one call"),
            });
        }
        self.meter(GAS_SEND, payload.len(), 5 * GAS_PER_BYTE);
        let mut packet = Packet {
            nonce: Nonce(0),
            source_chain: self.env.chain_id,
            sender: self.address,
            destination_chain,
            receiver,
            options,
            payload,
        };
        let route = packet.route().id();
        let queued = self
            .sends
            .iter()
            .filter(|r| {
                r.sender == self.address
                    && r.destination_chain == destination_chain
                    && r.receiver == receiver
            })
            .count() as u64;
        packet.nonce = Nonce(
            self.state
                .get_u64(&keys::outbound(&route))
                .saturating_add(queued)
                .saturating_add(1),
        );
        let id = packet.id();
        self.sends.push(SendRequest {
            sender: self.address,
            destination_chain,
            receiver,
            options: packet.options,
            payload: packet.payload,
        });
        Ok(id)
    }

    /// Sends as [`AppContext::send`], paid (`[STRAIT-FEE.7]`): `gas_limit` of gas bought on the
    /// destination, the quote ([`crate::fees::message::quote`]) debited from the caller's `sat`
    /// balance and locked under the message's id, atomically with the send (a failed call
    /// reverts both). `gas_limit` 0 sends unpaid. Only a local call has a caller to pay; in a
    /// receive or a callback a paid send fails with [`FEE_UNPAID`].
    pub fn send_paid(
        &mut self,
        destination_chain: ChainId,
        receiver: Address32,
        options: DeliveryOptions,
        payload: Vec<u8>,
        gas_limit: u64,
    ) -> Result<MessageId, AppError> {
        let unpaid = |reason: String| AppError {
            code: FEE_UNPAID,
            reason,
        };
        let payer = match (gas_limit, self.caller) {
            (0, _) => return self.send(destination_chain, receiver, options, payload),
            (_, Some(caller)) => caller,
            (_, None) => return Err(unpaid("a paid send needs a caller to pay".into())),
        };
        let len = payload.len();
        let id = self.send(destination_chain, receiver, options, payload)?;
        crate::fees::message::lock(self.state, &id, &payer, destination_chain, gas_limit, len)
            .map_err(|e| unpaid(format!("message fee not paid: {e}")))?;
        Ok(id)
    }

    /// `[STRAIT-FEE.10]` Holds, under this application's `hold` id, the payment of a message it
    /// will send later with [`AppContext::send_held`] (for one that must wait, e.g. a queued
    /// transfer): the quote of `gas_limit` and `payload_len` bytes to `destination_chain` is
    /// debited from the caller's `sat` balance into the fee escrow. `gas_limit` 0 holds nothing.
    /// A local call only ([`FEE_UNPAID`] otherwise, or when the caller cannot pay).
    pub fn hold_fee(
        &mut self,
        hold: u64,
        destination_chain: ChainId,
        gas_limit: u64,
        payload_len: usize,
    ) -> Result<(), AppError> {
        if gas_limit == 0 {
            return Ok(());
        }
        let payer = self.caller.ok_or_else(|| AppError {
            code: FEE_UNPAID,
            reason: "a held payment needs a caller to pay".into(),
        })?;
        let address = self.address;
        crate::fees::message::hold(
            self.state,
            &address,
            hold,
            &payer,
            destination_chain,
            gas_limit,
            payload_len,
        )
        .map(|_| ())
        .map_err(|e| AppError {
            code: FEE_UNPAID,
            reason: format!("message fee not paid: {e}"),
        })
    }

    /// `[STRAIT-FEE.10]` Sends as [`AppContext::send`], paid with what this application holds
    /// under `hold` ([`AppContext::hold_fee`]): the held payment becomes the message's lock, as
    /// if paid at this send. Nothing held: sent unpaid. Needs no caller (e.g. in `end_block`).
    pub fn send_held(
        &mut self,
        destination_chain: ChainId,
        receiver: Address32,
        options: DeliveryOptions,
        payload: Vec<u8>,
        hold: u64,
    ) -> Result<MessageId, AppError> {
        let id = self.send(destination_chain, receiver, options, payload)?;
        let address = self.address;
        crate::fees::message::attach(self.state, &address, hold, &id).map_err(|e| AppError {
            code: FEE_UNPAID,
            reason: format!("held fee not attached: {e}"),
        })?;
        Ok(id)
    }

    /// `[STRAIT-FEE.10]` Refunds to its payer, whole, what this application holds under `hold`;
    /// returns the amount (0 when nothing is held).
    pub fn release_held_fee(&mut self, hold: u64) -> Result<u128, AppError> {
        let address = self.address;
        crate::fees::message::release_hold(self.state, &address, hold).map_err(|e| AppError {
            code: FEE_UNPAID,
            reason: format!("held fee not refunded: {e}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn env() -> Env {
        Env {
            chain_id: ChainId(1),
            height: Height(3),
            timestamp: Timestamp(4),
            remotes: BTreeSet::from([ChainId(2)]),
            foreign_remotes: BTreeSet::new(),
        }
    }

    #[test]
    fn storage_is_scoped_by_address_and_keys_are_bounded() {
        let env = env();
        let mut state = State::default();
        let mut sends = Vec::new();
        let (a, b) = (Address32([1; 32]), Address32([2; 32]));
        AppContext::new(a, &env, &mut state, &mut sends).put_u64(b"k", 1);
        AppContext::new(b, &env, &mut state, &mut sends).put_u64(b"k", 2);
        assert_eq!(
            AppContext::new(a, &env, &mut state, &mut sends).get_u64(b"k"),
            1
        );
        assert_eq!(state.get_u64(&keys::app(&b, b"k")), 2);
        let mut ctx = AppContext::new(a, &env, &mut state, &mut sends);
        assert!(ctx.put(&[0; MAX_APP_KEY_LEN], vec![1]).is_ok());
        let err = ctx.put(&[0; MAX_APP_KEY_LEN + 1], vec![1]).unwrap_err();
        assert_eq!(err.code, APP_LIMIT);
        assert_eq!(ctx.get(&[0; MAX_APP_KEY_LEN + 1]), None);
        assert_eq!(
            (ctx.chain_id(), ctx.height(), ctx.timestamp()),
            (ChainId(1), Height(3), Timestamp(4))
        );
    }

    #[test]
    fn sends_carry_the_app_as_sender_and_are_bounded_per_call() {
        let env = env();
        let mut state = State::default();
        let mut sends = vec![SendRequest {
            sender: Address32::ZERO,
            destination_chain: ChainId(2),
            receiver: Address32::ZERO,
            options: DeliveryOptions::default(),
            payload: vec![],
        }];
        let app = Address32([9; 32]);
        let mut ctx = AppContext::new(app, &env, &mut state, &mut sends);
        for _ in 0..MAX_SENDS_PER_CALL {
            ctx.send(ChainId(2), app, DeliveryOptions::default(), vec![1])
                .unwrap();
        }
        let err = ctx
            .send(ChainId(2), app, DeliveryOptions::default(), vec![1])
            .unwrap_err();
        assert_eq!(err.code, APP_LIMIT);
        assert_eq!(sends.len(), MAX_SENDS_PER_CALL + 1);
        assert!(sends[1..].iter().all(|s| s.sender == app));
    }
}
