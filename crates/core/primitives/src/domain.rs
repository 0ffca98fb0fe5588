//! Domain-separation tags (`[STRAIT-DOMAIN.1]`).
//!
//! Every hash that commits to protocol data and every signed message starts with one of these ASCII
//! tags, so that bytes valid in one context can never be replayed in another. A tag names the
//! protocol, the object and the version. Changing a tag is a breaking change of the wire protocol.

/// Prefix of the preimage of a message id: `keccak256(MESSAGE_ID || packet_encoding)`.
pub const MESSAGE_ID: &[u8] = b"STRAIT/MESSAGE/v1";
/// Prefix of the preimage of a route id.
pub const ROUTE_ID: &[u8] = b"STRAIT/ROUTE/v1";
/// One-byte prefix of a Merkle leaf preimage: `keccak256(0x00 || message_id)`.
pub const MERKLE_LEAF: u8 = 0x00;
/// One-byte prefix of a Merkle inner node preimage: `keccak256(0x01 || left || right)`.
pub const MERKLE_NODE: u8 = 0x01;
/// One-byte prefix of a Merkle root preimage: `keccak256(0x02 || height || top)`.
pub const MERKLE_ROOT: u8 = 0x02;
/// Prefix of the preimage of a header hash: `keccak256(HEADER || header_encoding)`.
pub const HEADER: &[u8] = b"STRAIT/HEADER/v1";
/// Prefix of the message a validator signs to commit a header.
pub const COMMIT_VOTE: &[u8] = b"STRAIT/BFT/COMMIT/v1";
/// Prefix of the preimage of a validator-set hash.
pub const VALIDATOR_SET: &[u8] = b"STRAIT/VALSET/v1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_distinct_and_none_is_a_prefix_of_another() {
        let tags = [MESSAGE_ID, ROUTE_ID, HEADER, COMMIT_VOTE, VALIDATOR_SET];
        for (i, a) in tags.iter().enumerate() {
            for (j, b) in tags.iter().enumerate() {
                if i != j {
                    assert!(!b.starts_with(a), "{:?} is a prefix of {:?}", a, b);
                }
            }
        }
        assert_ne!(MERKLE_LEAF, MERKLE_NODE);
        assert_ne!(MERKLE_ROOT, MERKLE_LEAF);
        assert_ne!(MERKLE_ROOT, MERKLE_NODE);
    }
}
