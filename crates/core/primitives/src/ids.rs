//! Newtypes for every value that could be confused with another (`[STRAIT-TYPES.1]`).
//!
//! Integers are encoded big-endian on the wire; 32-byte values are raw bytes on the wire and
//! `0x`-prefixed lowercase hex in text (JSON, logs, the CLI).

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! u64_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            /// The value as a plain integer.
            #[inline]
            pub const fn get(self) -> u64 {
                self.0
            }

            /// The big-endian wire encoding.
            #[inline]
            pub const fn to_be_bytes(self) -> [u8; 8] {
                self.0.to_be_bytes()
            }

            /// `self + 1`, or `None` on overflow.
            #[inline]
            pub fn checked_next(self) -> Option<Self> {
                self.0.checked_add(1).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl From<u64> for $name {
            fn from(value: u64) -> Self {
                Self(value)
            }
        }
    };
}

u64_newtype!(
    /// Identifies a chain. Unique across every chain Strait connects; EVM chains use their EIP-155 id.
    ChainId
);
u64_newtype!(
    /// Sequence number of a message on its route. The first message of a route has nonce 1.
    Nonce
);
u64_newtype!(
    /// Height of a block.
    Height
);
u64_newtype!(
    /// Unix time in milliseconds. The core never reads a clock: time is always an argument.
    Timestamp
);
u64_newtype!(
    /// Identifies a verifier instance (for example a light client of one source chain) on a host.
    ClientId
);

impl Timestamp {
    /// Milliseconds since the Unix epoch.
    #[inline]
    pub const fn as_millis(self) -> u64 {
        self.0
    }
}

/// Error parsing a hex string into a fixed-size value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseHexError {
    /// The string is not valid hex.
    #[error("invalid hex: {0}")]
    Hex(#[from] hex::FromHexError),
    /// The string has the wrong number of bytes.
    #[error("expected {expected} bytes, got {got}")]
    Length {
        /// Bytes found.
        got: usize,
        /// Bytes required.
        expected: usize,
    },
}

macro_rules! bytes32_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub [u8; 32]);

        impl $name {
            /// All zero bytes.
            pub const ZERO: Self = Self([0u8; 32]);

            /// The raw bytes.
            #[inline]
            pub const fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }

            /// Whether every byte is zero.
            #[inline]
            pub fn is_zero(&self) -> bool {
                self.0 == [0u8; 32]
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl From<[u8; 32]> for $name {
            fn from(value: [u8; 32]) -> Self {
                Self(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "0x{}", hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self)
            }
        }

        impl FromStr for $name {
            type Err = ParseHexError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let s = s.strip_prefix("0x").unwrap_or(s);
                let bytes = hex::decode(s)?;
                let got = bytes.len();
                let array: [u8; 32] =
                    bytes.try_into().map_err(|_| ParseHexError::Length { got, expected: 32 })?;
                Ok(Self(array))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

bytes32_newtype!(
    /// A 32-byte hash (keccak256 output).
    Hash32
);
bytes32_newtype!(
    /// A 32-byte account or application address. A 20-byte EVM address is left-padded with zeros.
    Address32
);
bytes32_newtype!(
    /// The id of a message: `keccak256("STRAIT/MESSAGE/v1" || packet_encoding)` (`[STRAIT-ID.1]`).
    MessageId
);
bytes32_newtype!(
    /// The id of a route: `keccak256("STRAIT/ROUTE/v1" || src_chain || sender || dst_chain || receiver)`.
    RouteId
);

impl Address32 {
    /// Left-pads a 20-byte EVM address.
    pub fn from_evm(address: [u8; 20]) -> Self {
        let mut out = [0u8; 32];
        out[12..].copy_from_slice(&address);
        Self(out)
    }
}

impl From<Hash32> for MessageId {
    fn from(value: Hash32) -> Self {
        Self(value.0)
    }
}

impl From<MessageId> for Hash32 {
    fn from(value: MessageId) -> Self {
        Self(value.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_errors() {
        let h = Hash32([0xab; 32]);
        let s = h.to_string();
        assert_eq!(s.len(), 66);
        assert_eq!(s.parse::<Hash32>().unwrap(), h);
        assert_eq!(s[2..].parse::<Hash32>().unwrap(), h);
        assert_eq!(
            "0xabcd".parse::<Hash32>(),
            Err(ParseHexError::Length {
                got: 2,
                expected: 32
            })
        );
        assert!(matches!(
            "0xzz".parse::<Hash32>(),
            Err(ParseHexError::Hex(_))
        ));
    }

    #[test]
    fn evm_address_is_left_padded() {
        let a = Address32::from_evm([0x11; 20]);
        assert_eq!(&a.0[..12], &[0u8; 12]);
        assert_eq!(&a.0[12..], &[0x11u8; 20]);
    }

    #[test]
    fn checked_next_overflows_to_none() {
        assert_eq!(Nonce(1).checked_next(), Some(Nonce(2)));
        assert_eq!(Nonce(u64::MAX).checked_next(), None);
    }
}
