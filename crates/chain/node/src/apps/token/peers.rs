//! The token application's peers (`[STRAIT-TOKEN.7]`): the one account on each remote chain it
//! sends transfers to and accepts them from. On a native remote that is this application's own
//! address (every native chain runs the same application at the same address); on a foreign remote
//! (an EVM chain, `NodeConfig::foreign_remotes`) it is whatever the guardians set with call kind 6
//! ([`SetPeerCall`]), and until they do, the application neither sends there nor accepts anything
//! from there.

use strait_endpoint::AppError;
use strait_primitives::{Address32, ChainId, Hash32, Reader};

use super::calls::{encode_approvals, read_approvals};
use super::{err, AppCallError, AppContext, BAD_TRANSFER, NOT_APPROVED, SET_LIMIT_THRESHOLD};

/// Call data kind: set the token application's peer on a foreign remote with guardian approvals
/// ([`SetPeerCall`]).
pub const CALL_SET_PEER: u8 = 6;
/// Error code of a transfer from, or to, a chain where the application has no peer, or from an
/// account that is not the peer.
pub const UNKNOWN_PEER: u32 = 1011;
/// Domain of the digest guardians sign to set a peer.
pub const PEER_DOMAIN: &[u8] = b"STRAIT/DEVNET/TOKEN-PEER/v1";

/// Storage key of the peer on the foreign remote `chain`.
pub fn peer_key(chain: ChainId) -> Vec<u8> {
    [b"peer/".as_slice(), &chain.to_be_bytes()].concat()
}

/// The application's peer on `chain`: itself on a native remote, the set peer on a foreign one,
/// none elsewhere.
pub fn peer_of(ctx: &AppContext<'_>, chain: ChainId) -> Option<Address32> {
    if ctx.is_foreign_remote(chain) {
        ctx.get(&peer_key(chain))
            .and_then(|v| <[u8; 32]>::try_from(v.as_slice()).ok())
            .map(Address32)
    } else {
        ctx.knows_chain(chain).then(|| ctx.address())
    }
}

/// The peer on `chain`, or the refusal of a transfer to or from there.
pub(super) fn require_peer(ctx: &AppContext<'_>, chain: ChainId) -> Result<Address32, AppError> {
    peer_of(ctx, chain).ok_or_else(|| {
        err(
            UNKNOWN_PEER,
            format!("the token application has no peer on chain {chain}"),
        )
    })
}

/// What the guardians of `chain` sign to make `peer` the token application's peer on `remote`, as
/// the `counter`-th guardian decision: `keccak256("STRAIT/DEVNET/TOKEN-PEER/v1" || chain u64 ||
/// remote u64 || peer [32] || counter u64)`.
pub fn peer_digest(chain: ChainId, remote: ChainId, peer: &Address32, counter: u64) -> Hash32 {
    strait_primitives::keccak256_concat(&[
        PEER_DOMAIN,
        &chain.to_be_bytes(),
        &remote.to_be_bytes(),
        peer.as_bytes(),
        &counter.to_be_bytes(),
    ])
}

/// A peer change approved by the guardians (`[STRAIT-TOKEN.7]`): `kind u8 (6) | remote u64 |
/// peer [32] | approvals u8 | (index u16 | signature [64])*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetPeerCall {
    /// The foreign remote.
    pub remote: ChainId,
    /// The token application's address there (an EVM address left-padded).
    pub peer: Address32,
    /// Guardian approvals of [`peer_digest`].
    pub approvals: Vec<(u16, [u8; 64])>,
}

impl SetPeerCall {
    /// The call data.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![CALL_SET_PEER];
        out.extend_from_slice(&self.remote.to_be_bytes());
        out.extend_from_slice(self.peer.as_bytes());
        encode_approvals(&mut out, &self.approvals);
        out
    }

    /// Decodes call data, at most `MAX_GUARDIAN_APPROVALS` approvals.
    pub fn decode(bytes: &[u8]) -> Result<Self, AppError> {
        let bad = |_| err(BAD_TRANSFER, "malformed peer call");
        let mut r = Reader::new(bytes);
        if r.u8().map_err(bad)? != CALL_SET_PEER {
            return Err(err(BAD_TRANSFER, "not a peer call"));
        }
        let remote = ChainId(r.u64().map_err(bad)?);
        let peer = Address32(r.array().map_err(bad)?);
        let approvals = read_approvals(&mut r)?;
        r.finish().map_err(bad)?;
        Ok(Self {
            remote,
            peer,
            approvals,
        })
    }
}

/// Sets a foreign remote's peer: a native remote's is fixed (this application's address), the zero
/// address is no peer.
pub(super) fn set_peer(ctx: &mut AppContext<'_>, data: &[u8]) -> Result<(), AppCallError> {
    let call = SetPeerCall::decode(data).map_err(AppCallError::Refused)?;
    if !ctx.is_foreign_remote(call.remote) {
        return Err(AppCallError::Refused(err(
            UNKNOWN_PEER,
            format!(
                "chain {} is not a foreign remote: a native chain's token application is this one",
                call.remote
            ),
        )));
    }
    if call.peer == Address32::ZERO {
        return Err(AppCallError::Refused(err(
            UNKNOWN_PEER,
            "the zero address is no peer",
        )));
    }
    let chain = ctx.chain_id();
    ctx.guardians_approve(
        &call.approvals,
        SET_LIMIT_THRESHOLD,
        "set a token peer",
        |counter| peer_digest(chain, call.remote, &call.peer, counter),
    )
    .map_err(|e| AppCallError::Refused(err(NOT_APPROVED, e.to_string())))?;
    ctx.put(&peer_key(call.remote), call.peer.as_bytes().to_vec())
        .map_err(AppCallError::Refused)
}
