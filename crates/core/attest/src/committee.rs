//! Committees: members, threshold and their encodings (`[STRAIT-ATTEST.3]`, `[STRAIT-ATTEST.4]`).

use strait_primitives::{keccak256, DecodeError, Hash32, Reader};

use crate::error::AttestError;
use crate::scheme::Scheme;

/// The most members a committee has (`[STRAIT-ATTEST.3]`).
pub const MAX_MEMBERS: usize = 256;

/// A committee: `n` members in strictly ascending byte order and a threshold `m` with
/// `0 < m <= n` and `2 m > n` (`[STRAIT-ATTEST.3]`). Members are kept in their stored form (an
/// EVM address, an ed25519 key, an uncompressed BLS key), checked when the committee was admitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Committee {
    threshold: u16,
    member_len: usize,
    members: Vec<u8>,
}

/// A committee as it arrives in an initial trust or a rotation: its stored form, and each member's
/// wire bytes (the stored member, then what admitting it needs: a BLS proof of possession).
#[derive(Debug)]
pub struct WireCommittee<'a> {
    /// The committee.
    pub committee: Committee,
    /// Each member's wire bytes, in order.
    pub wire: Vec<&'a [u8]>,
}

impl Committee {
    /// The threshold `m`.
    pub fn threshold(&self) -> u16 {
        self.threshold
    }

    /// The number of members `n`.
    pub fn len(&self) -> usize {
        self.members.len() / self.member_len
    }

    /// Never true: a committee has at least one member.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Member `index` in its stored form.
    pub fn member(&self, index: usize) -> Option<&[u8]> {
        let start = index.checked_mul(self.member_len)?;
        self.members.get(start..start + self.member_len)
    }

    /// The members, in order.
    pub fn members(&self) -> impl Iterator<Item = &[u8]> {
        self.members.chunks_exact(self.member_len)
    }

    /// The stored encoding: `threshold u16 | count u16 | count x member`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.members.len());
        out.extend_from_slice(&self.threshold.to_be_bytes());
        out.extend_from_slice(&(self.len() as u16).to_be_bytes());
        out.extend_from_slice(&self.members);
        out
    }

    /// `keccak256` of the stored encoding: what a rotation signs (`[STRAIT-ATTEST.5]`).
    pub fn hash(&self) -> Hash32 {
        keccak256(&self.encode())
    }

    /// Reads a committee's structure: `threshold u16 | count u16 | count x member`, each member
    /// `wire_len` bytes of which the first `member_len` are its stored form. Checks, in order:
    /// `count <= MAX_MEMBERS` (`TooLarge`), the members present (`Truncated`), `count >= 1`
    /// (`EmptyCommittee`), `threshold >= 1` (`ZeroThreshold`), `threshold <= count`
    /// (`ThresholdAboveSize`), `2 threshold > count` (`ThresholdNotMajority`), then each member above
    /// the previous one (`MembersNotAscending`). No key is checked.
    pub fn read_structure<'a>(
        r: &mut Reader<'a>,
        wire_len: usize,
        member_len: usize,
    ) -> Result<WireCommittee<'a>, AttestError> {
        let threshold = r.u16()?;
        let count = r.len_u16("committee members", MAX_MEMBERS)?;
        let bytes = r.bytes(count * wire_len)?;
        if count == 0 {
            return Err(AttestError::EmptyCommittee);
        }
        if threshold == 0 {
            return Err(AttestError::ZeroThreshold);
        }
        // `count <= MAX_MEMBERS < u16::MAX`.
        let size = count as u16;
        if threshold > size {
            return Err(AttestError::ThresholdAboveSize { threshold, size });
        }
        if 2 * u32::from(threshold) <= u32::from(size) {
            return Err(AttestError::ThresholdNotMajority { threshold, size });
        }
        let wire: Vec<&[u8]> = bytes.chunks_exact(wire_len).collect();
        let mut members = Vec::with_capacity(count * member_len);
        for (index, member) in wire.iter().enumerate() {
            let stored = &member[..member_len];
            if index > 0 && stored <= &members[(index - 1) * member_len..] {
                return Err(AttestError::MembersNotAscending { index });
            }
            members.extend_from_slice(stored);
        }
        Ok(WireCommittee {
            committee: Self {
                threshold,
                member_len,
                members,
            },
            wire,
        })
    }

    /// Reads a committee in the wire form of scheme `S` and admits every member
    /// (`[STRAIT-ATTEST.4]`): the structure's checks, then each member's key and proof.
    pub fn read_admitted<S: Scheme>(r: &mut Reader<'_>) -> Result<Self, AttestError> {
        let wire = Self::read_structure(r, S::MEMBER_WIRE_LEN, S::MEMBER_LEN)?;
        wire.admit::<S>()
    }

    /// Decodes a committee kept in a client's store (stored form, already admitted).
    pub fn decode_stored(bytes: &[u8], member_len: usize) -> Result<Self, AttestError> {
        let mut r = Reader::new(bytes);
        let committee = Self::read_structure(&mut r, member_len, member_len)?.committee;
        r.finish()?;
        Ok(committee)
    }

    /// The committee's wire form for scheme `S`, given each member's extra wire bytes (BLS: the
    /// proof of possession; none for the other schemes).
    pub fn encode_wire(&self, extras: &[&[u8]]) -> Vec<u8> {
        let mut out = self.encode();
        out.truncate(4);
        for (i, member) in self.members().enumerate() {
            out.extend_from_slice(member);
            if let Some(extra) = extras.get(i) {
                out.extend_from_slice(extra);
            }
        }
        out
    }

    /// A committee from members in any order (sorted here) and a threshold, checked by the rules
    /// of [`Committee::read_structure`] but without admitting keys: for signers and tests.
    pub fn from_members(
        threshold: u16,
        mut members: Vec<Vec<u8>>,
        member_len: usize,
    ) -> Result<Self, AttestError> {
        members.sort();
        if members.len() > MAX_MEMBERS {
            return Err(DecodeError::TooLarge {
                what: "committee members",
                got: members.len() as u64,
                max: MAX_MEMBERS as u64,
            }
            .into());
        }
        if members.iter().any(|m| m.len() != member_len) {
            return Err(DecodeError::Invalid {
                what: "committee member length",
                value: member_len as u64,
            }
            .into());
        }
        let mut bytes = threshold.to_be_bytes().to_vec();
        bytes.extend_from_slice(&(members.len() as u16).to_be_bytes());
        bytes.extend(members.concat());
        Self::decode_stored(&bytes, member_len)
    }
}

impl WireCommittee<'_> {
    /// Admits every member by `S`'s rule, in order (`InvalidMemberKey`,
    /// `InvalidProofOfPossession`).
    pub fn admit<S: Scheme>(self) -> Result<Committee, AttestError> {
        for (index, wire) in self.wire.iter().enumerate() {
            S::admit_member(index, wire)?;
        }
        Ok(self.committee)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(threshold: u16, members: &[u8]) -> Vec<u8> {
        let mut out = threshold.to_be_bytes().to_vec();
        out.extend_from_slice(&(members.len() as u16).to_be_bytes());
        out.extend_from_slice(members);
        out
    }

    fn name(bytes: &[u8]) -> &'static str {
        match Committee::decode_stored(bytes, 1) {
            Ok(_) => "ok",
            Err(e) => e.name(),
        }
    }

    #[test]
    fn threshold_rules_at_and_past_their_limits() {
        assert_eq!(name(&encoded(1, &[1])), "ok");
        assert_eq!(name(&encoded(0, &[1])), "ZeroThreshold");
        assert_eq!(name(&encoded(2, &[1])), "ThresholdAboveSize");
        assert_eq!(name(&encoded(2, &[1, 2])), "ok");
        assert_eq!(name(&encoded(1, &[1, 2])), "ThresholdNotMajority");
        assert_eq!(name(&encoded(3, &[1, 2, 3, 4])), "ok");
        assert_eq!(name(&encoded(2, &[1, 2, 3, 4])), "ThresholdNotMajority");
        assert_eq!(name(&encoded(1, &[])), "EmptyCommittee");
        assert_eq!(name(&encoded(2, &[1, 1, 2])), "MembersNotAscending");
        assert_eq!(name(&encoded(2, &[2, 1, 3])), "MembersNotAscending");
    }

    #[test]
    fn size_is_bounded_at_and_past_max_members() {
        let at: Vec<u8> = (0..MAX_MEMBERS)
            .flat_map(|i| (i as u16).to_be_bytes())
            .collect();
        let mut bytes = 129u16.to_be_bytes().to_vec();
        bytes.extend_from_slice(&(MAX_MEMBERS as u16).to_be_bytes());
        bytes.extend_from_slice(&at);
        let committee = Committee::decode_stored(&bytes, 2).unwrap();
        assert_eq!(committee.len(), MAX_MEMBERS);
        assert_eq!(committee.encode(), bytes);
        bytes[2..4].copy_from_slice(&(MAX_MEMBERS as u16 + 1).to_be_bytes());
        assert_eq!(
            Committee::decode_stored(&bytes, 2).unwrap_err().name(),
            "TooLarge"
        );
    }

    #[test]
    fn truncation_and_trailing_bytes() {
        assert_eq!(name(&[0]), "Truncated");
        assert_eq!(name(&encoded(1, &[1])[..4]), "Truncated");
        let mut long = encoded(1, &[1]);
        long.push(0);
        assert_eq!(name(&long), "TrailingBytes");
    }
}
