//! Encodings of a committee client's requests (`[STRAIT-ATTEST.8]`):
//!
//! ```text
//! init      = committee, wire form ([STRAIT-ATTEST.3])
//! update    = 0x01 | checkpoint (56) | certificate             a certified checkpoint
//!           | 0x02 | committee, wire form | certificate        a rotation to the next epoch
//! evidence  = checkpoint | certificate | checkpoint | certificate     two conflicting checkpoints
//!           | 0xff x 8 | epoch u64 | committee, wire form | certificate
//!             | committee, wire form | certificate                  two rotations of one epoch
//! freeze    = checkpoint | checkpoint                          (what an update proved)
//! ```
//!
//! A checkpoint's first field is its source chain; `2^64 - 1` (eight `0xff` bytes), which no
//! client follows, marks rotation evidence instead (`[STRAIT-ATTEST.12]`).

use strait_primitives::{DecodeError, Reader};

use crate::checkpoint::Checkpoint;
use crate::committee::{Committee, WireCommittee};
use crate::error::AttestError;
use crate::scheme::Scheme;

/// The tag of a checkpoint update.
pub const UPDATE_CHECKPOINT: u8 = 1;
/// The tag of a rotation update.
pub const UPDATE_ROTATION: u8 = 2;

/// A decoded update.
#[derive(Debug)]
pub enum Update<'a, S: Scheme> {
    /// A checkpoint and its certificate.
    Checkpoint(Checkpoint, S::Certificate),
    /// The next committee (its members not yet admitted) and the current one's certificate.
    Rotation(WireCommittee<'a>, S::Certificate),
}

/// A certified checkpoint.
pub type Certified<S> = (Checkpoint, <S as Scheme>::Certificate);

/// Encodes a checkpoint update.
pub fn encode_checkpoint_update<S: Scheme>(
    checkpoint: &Checkpoint,
    certificate: &S::Certificate,
) -> Vec<u8> {
    let mut out = vec![UPDATE_CHECKPOINT];
    out.extend_from_slice(&checkpoint.encode());
    S::encode_certificate(certificate, &mut out);
    out
}

/// Encodes a rotation: `next_wire` is the next committee's wire form.
pub fn encode_rotation<S: Scheme>(next_wire: &[u8], certificate: &S::Certificate) -> Vec<u8> {
    let mut out = vec![UPDATE_ROTATION];
    out.extend_from_slice(next_wire);
    S::encode_certificate(certificate, &mut out);
    out
}

/// The eight bytes that open rotation evidence, where checkpoint evidence has its source chain.
pub const ROTATION_EVIDENCE: [u8; 8] = [0xff; 8];

/// Standalone evidence, decoded.
#[derive(Debug)]
pub enum Evidence<'a, S: Scheme> {
    /// Two certified checkpoints (`[STRAIT-ATTEST.7]`).
    Checkpoints(Certified<S>, Certified<S>),
    /// Two rotations certified for `epoch` (`[STRAIT-ATTEST.12]`): each next committee (its
    /// structure checked, members not admitted) and its certificate.
    Rotations {
        /// The epoch both hand over from.
        epoch: u64,
        /// The first rotation.
        first: (WireCommittee<'a>, S::Certificate),
        /// The second rotation.
        second: (WireCommittee<'a>, S::Certificate),
    },
}

/// Encodes rotation evidence: two rotations of `epoch`, each a next committee's wire form and
/// the certificate of the committee of `epoch` over it.
pub fn encode_rotation_evidence<S: Scheme>(
    epoch: u64,
    first: (&[u8], &S::Certificate),
    second: (&[u8], &S::Certificate),
) -> Vec<u8> {
    let mut out = ROTATION_EVIDENCE.to_vec();
    out.extend_from_slice(&epoch.to_be_bytes());
    for (wire, certificate) in [first, second] {
        out.extend_from_slice(wire);
        S::encode_certificate(certificate, &mut out);
    }
    out
}

/// Decodes standalone evidence of either form: eight `0xff` bytes open rotation evidence, anything
/// else is checkpoint evidence.
pub fn decode_any_evidence<S: Scheme>(bytes: &[u8]) -> Result<Evidence<'_, S>, AttestError> {
    if !bytes.starts_with(&ROTATION_EVIDENCE) {
        let (a, b) = decode_evidence::<S>(bytes)?;
        return Ok(Evidence::Checkpoints(a, b));
    }
    let mut r = Reader::new(bytes);
    r.bytes(ROTATION_EVIDENCE.len())?;
    let epoch = r.u64()?;
    let mut rotation = || -> Result<_, AttestError> {
        let next = Committee::read_structure(&mut r, S::MEMBER_WIRE_LEN, S::MEMBER_LEN)?;
        Ok((next, S::read_certificate(&mut r)?))
    };
    let first = rotation()?;
    let second = rotation()?;
    r.finish()?;
    Ok(Evidence::Rotations {
        epoch,
        first,
        second,
    })
}

/// Encodes standalone evidence: two certified checkpoints.
pub fn encode_evidence<S: Scheme>(a: &Certified<S>, b: &Certified<S>) -> Vec<u8> {
    let mut out = Vec::new();
    for (checkpoint, certificate) in [a, b] {
        out.extend_from_slice(&checkpoint.encode());
        S::encode_certificate(certificate, &mut out);
    }
    out
}

/// Decodes an update. The tag is `1` or `2` (`Invalid`); a rotation's committee is checked for its
/// structure (`[STRAIT-ATTEST.3]`), not yet admitted.
pub fn decode_update<S: Scheme>(bytes: &[u8]) -> Result<Update<'_, S>, AttestError> {
    let mut r = Reader::new(bytes);
    let update = match r.u8()? {
        UPDATE_CHECKPOINT => {
            let checkpoint = Checkpoint::read(&mut r)?;
            Update::Checkpoint(checkpoint, S::read_certificate(&mut r)?)
        }
        UPDATE_ROTATION => {
            let next = Committee::read_structure(&mut r, S::MEMBER_WIRE_LEN, S::MEMBER_LEN)?;
            Update::Rotation(next, S::read_certificate(&mut r)?)
        }
        tag => {
            return Err(DecodeError::Invalid {
                what: "attest update tag",
                value: tag.into(),
            }
            .into())
        }
    };
    r.finish()?;
    Ok(update)
}

/// Decodes standalone evidence.
pub fn decode_evidence<S: Scheme>(
    bytes: &[u8],
) -> Result<(Certified<S>, Certified<S>), AttestError> {
    let mut r = Reader::new(bytes);
    let a = (Checkpoint::read(&mut r)?, S::read_certificate(&mut r)?);
    let b = (Checkpoint::read(&mut r)?, S::read_certificate(&mut r)?);
    r.finish()?;
    Ok((a, b))
}

/// Encodes what a client keeps of a proven conflict.
pub fn encode_freeze(a: &Checkpoint, b: &Checkpoint) -> Vec<u8> {
    [a.encode(), b.encode()].concat()
}

/// Decodes what [`encode_freeze`] wrote.
pub fn decode_freeze(bytes: &[u8]) -> Result<(Checkpoint, Checkpoint), DecodeError> {
    let mut r = Reader::new(bytes);
    let a = Checkpoint::read(&mut r)?;
    let b = Checkpoint::read(&mut r)?;
    r.finish()?;
    Ok((a, b))
}
