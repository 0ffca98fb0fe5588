//! A bounded big-endian reader for untrusted bytes (`[STRAIT-CODEC.1]`).
//!
//! Every read checks the remaining length first and returns [`DecodeError`] instead of panicking.
//! Lengths read from the input are checked against a caller-given maximum before anything is
//! allocated, so a hostile length prefix cannot make a decoder allocate more than its bound.

/// Why untrusted bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ended before the value did.
    #[error("input truncated: needed {needed} more bytes at offset {offset}")]
    Truncated {
        /// Offset of the read that failed.
        offset: usize,
        /// Bytes missing.
        needed: usize,
    },
    /// Bytes remain after the value.
    #[error("{extra} trailing bytes after the value")]
    TrailingBytes {
        /// Number of unread bytes.
        extra: usize,
    },
    /// A length or count exceeds its documented maximum.
    #[error("{what} is {got}, above the maximum {max}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The value found.
        got: u64,
        /// The maximum allowed.
        max: u64,
    },
    /// A field holds a value outside its domain.
    #[error("invalid {what}: {value}")]
    Invalid {
        /// The field.
        what: &'static str,
        /// The offending value.
        value: u64,
    },
    /// The version byte is not one this implementation understands.
    #[error("unsupported version {got}, expected {expected}")]
    UnsupportedVersion {
        /// Version found.
        got: u8,
        /// Version supported.
        expected: u8,
    },
}

impl DecodeError {
    /// The protocol-level name of the error (`docs/SPEC.md` §0): the variant name. Vectors and
    /// other implementations name errors by it, never by the `Display` text.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Truncated { .. } => "Truncated",
            Self::TrailingBytes { .. } => "TrailingBytes",
            Self::TooLarge { .. } => "TooLarge",
            Self::Invalid { .. } => "Invalid",
            Self::UnsupportedVersion { .. } => "UnsupportedVersion",
        }
    }
}

/// Reads big-endian values from a byte slice, never panicking.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, offset: 0 }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.offset
    }

    /// Current offset from the start of the input.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Reads every byte not yet read (possibly none).
    pub fn rest(&mut self) -> &'a [u8] {
        let out = &self.bytes[self.offset..];
        self.offset = self.bytes.len();
        out
    }

    /// Reads `n` raw bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < n {
            return Err(DecodeError::Truncated {
                offset: self.offset,
                needed: n - self.remaining(),
            });
        }
        let out = &self.bytes[self.offset..self.offset + n];
        self.offset += n;
        Ok(out)
    }

    /// Reads a fixed-size array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    /// Reads one byte.
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    /// Reads a big-endian u16.
    pub fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian u32.
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian u64.
    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian u32 length or count and checks it against `max` before returning it.
    pub fn len_u32(&mut self, what: &'static str, max: usize) -> Result<usize, DecodeError> {
        let n = self.u32()?;
        if n as u64 > max as u64 {
            return Err(DecodeError::TooLarge {
                what,
                got: n.into(),
                max: max as u64,
            });
        }
        Ok(n as usize)
    }

    /// Reads a one-byte length and checks it against `max`.
    pub fn len_u8(&mut self, what: &'static str, max: usize) -> Result<usize, DecodeError> {
        let n = self.u8()?;
        if n as usize > max {
            return Err(DecodeError::TooLarge {
                what,
                got: n.into(),
                max: max as u64,
            });
        }
        Ok(n as usize)
    }

    /// Reads a big-endian u16 count and checks it against `max`.
    pub fn len_u16(&mut self, what: &'static str, max: usize) -> Result<usize, DecodeError> {
        let n = self.u16()?;
        if n as usize > max {
            return Err(DecodeError::TooLarge {
                what,
                got: n.into(),
                max: max as u64,
            });
        }
        Ok(n as usize)
    }

    /// Fails unless every byte has been read.
    pub fn finish(self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            extra => Err(DecodeError::TrailingBytes { extra }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_big_endian_and_reports_truncation() {
        let mut r = Reader::new(&[0, 0, 1, 2, 9]);
        assert_eq!(r.u32().unwrap(), 0x0102);
        assert_eq!(
            r.u32(),
            Err(DecodeError::Truncated {
                offset: 4,
                needed: 3
            })
        );
        assert_eq!(r.u8().unwrap(), 9);
        r.finish().unwrap();
    }

    #[test]
    fn length_prefix_is_bounded_before_use() {
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff]);
        assert_eq!(
            r.len_u32("payload length", 10),
            Err(DecodeError::TooLarge {
                what: "payload length",
                got: u32::MAX as u64,
                max: 10
            })
        );
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let r = Reader::new(&[1]);
        assert_eq!(r.finish(), Err(DecodeError::TrailingBytes { extra: 1 }));
    }

    proptest! {
        #[test]
        fn arbitrary_reads_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64), ops in proptest::collection::vec(0u8..6, 0..32)) {
            let mut r = Reader::new(&bytes);
            for op in ops {
                let _ = match op {
                    0 => r.u8().map(|_| ()),
                    1 => r.u16().map(|_| ()),
                    2 => r.u64().map(|_| ()),
                    3 => r.len_u32("n", 7).and_then(|n| r.bytes(n).map(|_| ())),
                    4 => r.array::<32>().map(|_| ()),
                    _ => r.len_u16("n", 3).map(|_| ()),
                };
            }
        }
    }
}
