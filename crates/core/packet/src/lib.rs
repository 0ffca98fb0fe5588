//! The Strait message packet (`docs/SPEC.md` §2, `[STRAIT-PACKET.*]`).
//!
//! A packet carries one application message along a [`Route`]. Its canonical encoding is a packed,
//! fixed-layout, big-endian header of [`HEADER_LEN`] bytes followed by the payload, so that an EVM
//! contract reads every field with one `calldataload` and a shift. The [`MessageId`] is a
//! domain-separated keccak256 of that encoding, so it commits to the whole route and the payload.

mod packet;
mod route;

pub use packet::{
    DeliveryOptions, Packet, PacketError, FLAG_ORDERED, HEADER_LEN, MAX_PAYLOAD_LEN, VERSION,
};
pub use route::Route;
pub use strait_primitives::MessageId;
