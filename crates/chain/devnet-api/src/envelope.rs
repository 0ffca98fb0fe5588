//! The envelope of a signed transaction, read without decoding its body (`docs/SPEC.md` §6).
//!
//! ```text
//! signed tx = version u8 | chain_id u64 | signer [32] | nonce u64 | body | signature [64]
//! digest    = keccak256("STRAIT/DEVNET/TX/v1" || signed tx without its last 64 bytes)
//! ```
//!
//! Everything a node must check before it spends work on a transaction sits at fixed offsets: the
//! version, the chain id, the signer, the nonce and the signature (the last 64 bytes), and the
//! digest covers every byte before the signature. So a node checks size, version, chain, signer,
//! signature and nonce on the [`Envelope`] first, and only then decodes the body (which may hold
//! validator sets whose keys are decompressed). A transaction whose envelope verifies and whose
//! body then decodes is exactly a [`SignedTx`](crate::tx::SignedTx) whose
//! [`verify_signature`](crate::tx::SignedTx::verify_signature) succeeds: the digest is the same
//! bytes, and [`verify_tx_signature`] is the rule both use.

use ed25519_dalek::VerifyingKey;
use strait_primitives::{keccak256_concat, Address32, ChainId, DecodeError, Hash32};

use crate::tx::{TxError, MAX_TX_LEN, TX_DOMAIN, TX_VERSION};

/// Bytes of the signature at the end of a signed transaction.
pub const SIGNATURE_LEN: usize = 64;
/// Bytes before the body: version, chain id, signer, nonce.
pub const PREFIX_LEN: usize = 1 + 8 + 32 + 8;
/// Shortest possible signed transaction: prefix, a body tag, signature.
pub const MIN_TX_LEN: usize = PREFIX_LEN + 1 + SIGNATURE_LEN;

/// The fixed-offset fields of a signed transaction; the body is left encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// Chain the transaction is for.
    pub chain_id: ChainId,
    /// The signing account.
    pub signer: Address32,
    /// The account nonce.
    pub nonce: u64,
    /// The signature (last 64 bytes).
    pub signature: [u8; SIGNATURE_LEN],
    /// The encoded body (between the nonce and the signature), not yet checked.
    pub body: &'a [u8],
    /// Every byte the signature covers.
    signed: &'a [u8],
}

impl<'a> Envelope<'a> {
    /// Reads the envelope of `bytes`: size (at most [`MAX_TX_LEN`], at least [`MIN_TX_LEN`]) and
    /// version first, then the fixed fields. O(1): the body is not looked at.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, TxError> {
        if bytes.len() > MAX_TX_LEN {
            return Err(DecodeError::TooLarge {
                what: "transaction",
                got: bytes.len() as u64,
                max: MAX_TX_LEN as u64,
            }
            .into());
        }
        let Some(&version) = bytes.first() else {
            return Err(DecodeError::Truncated {
                offset: 0,
                needed: MIN_TX_LEN,
            }
            .into());
        };
        if version != TX_VERSION {
            return Err(DecodeError::UnsupportedVersion {
                got: version,
                expected: TX_VERSION,
            }
            .into());
        }
        if bytes.len() < MIN_TX_LEN {
            return Err(DecodeError::Truncated {
                offset: bytes.len(),
                needed: MIN_TX_LEN - bytes.len(),
            }
            .into());
        }
        let (signed, signature) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
        let array = |range: std::ops::Range<usize>| -> [u8; 8] {
            signed[range].try_into().expect("8 bytes")
        };
        Ok(Self {
            chain_id: ChainId(u64::from_be_bytes(array(1..9))),
            signer: Address32(signed[9..41].try_into().expect("32 bytes")),
            nonce: u64::from_be_bytes(array(41..49)),
            signature: signature.try_into().expect("64 bytes"),
            body: &signed[PREFIX_LEN..],
            signed,
        })
    }

    /// The signed digest, which is also the transaction hash.
    pub fn digest(&self) -> Hash32 {
        keccak256_concat(&[TX_DOMAIN, self.signed])
    }

    /// Checks the signature over [`Envelope::digest`] by the signer ([`verify_tx_signature`]).
    pub fn verify_signature(&self) -> Result<Hash32, TxError> {
        let digest = self.digest();
        verify_tx_signature(&self.signer, &digest, &self.signature)?;
        Ok(digest)
    }
}

/// The transaction signature rule: `signature` is a valid signature of `digest` by the key
/// `signer` (a valid public key, not of small order) under the protocol's one ed25519 rule
/// (`[STRAIT-ED25519.1]`, ZIP 215, `strait_light_client::ed25519`). It is the rule of
/// [`SignedTx::verify_signature`](crate::tx::SignedTx::verify_signature), step for step; a change
/// is made in both (`tests::the_envelope_and_the_decoded_tx_agree` and the edge-case vectors).
pub fn verify_tx_signature(
    signer: &Address32,
    digest: &Hash32,
    signature: &[u8; SIGNATURE_LEN],
) -> Result<(), TxError> {
    let key = VerifyingKey::from_bytes(signer.as_bytes()).map_err(|_| TxError::BadSigner)?;
    if key.is_weak() {
        return Err(TxError::BadSigner);
    }
    strait_light_client::ed25519::verify_with_key(&key, digest.as_bytes(), signature)
        .map_err(|_| TxError::BadSignature)
}

#[cfg(test)]
mod tests {
    use strait_packet::DeliveryOptions;

    use super::*;
    use crate::keys::AccountKey;
    use crate::tx::{SignedTx, Tx, TxBody};

    fn tx() -> SignedTx {
        let key = AccountKey::devnet("alice");
        Tx {
            chain_id: ChainId(7),
            signer: key.address(),
            nonce: 42,
            body: TxBody::Send {
                gas_limit: 0,
                destination_chain: ChainId(2),
                receiver: Address32([5; 32]),
                options: DeliveryOptions::default(),
                payload: b"hello".to_vec(),
            },
        }
        .sign(&key)
    }

    #[test]
    fn the_envelope_holds_the_fixed_fields_and_the_hash() {
        let tx = tx();
        let bytes = tx.encode();
        let envelope = Envelope::parse(&bytes).unwrap();
        assert_eq!(envelope.chain_id, ChainId(7));
        assert_eq!(envelope.signer, tx.tx.signer);
        assert_eq!(envelope.nonce, 42);
        assert_eq!(envelope.signature, tx.signature);
        assert_eq!(envelope.digest(), tx.hash());
        assert_eq!(envelope.verify_signature(), Ok(tx.hash()));
        assert_eq!(envelope.body[0], 1, "the body starts with its tag");
    }

    /// Every single-byte change gets the same signature verdict from the envelope as from the
    /// decoded transaction, whenever the transaction still decodes.
    #[test]
    fn the_envelope_and_the_decoded_tx_agree() {
        let bytes = tx().encode();
        for i in 0..bytes.len() {
            for flip in [0x01, 0x80] {
                let mut t = bytes.clone();
                t[i] ^= flip;
                let Ok(decoded) = SignedTx::decode(&t) else {
                    continue;
                };
                let envelope = Envelope::parse(&t).unwrap();
                assert_eq!(
                    envelope.verify_signature().map(|_| ()),
                    decoded.verify_signature(),
                    "byte {i}"
                );
            }
        }
    }

    #[test]
    fn size_bounds_at_and_past_the_limit() {
        assert!(matches!(
            Envelope::parse(&[]),
            Err(TxError::Decode(DecodeError::Truncated { .. }))
        ));
        let mut short = vec![TX_VERSION; MIN_TX_LEN - 1];
        assert!(matches!(
            Envelope::parse(&short),
            Err(TxError::Decode(DecodeError::Truncated { needed: 1, .. }))
        ));
        short.push(0);
        assert!(Envelope::parse(&short).is_ok());
        let mut max = vec![TX_VERSION; MAX_TX_LEN];
        assert!(Envelope::parse(&max).is_ok());
        max.push(0);
        assert!(matches!(
            Envelope::parse(&max),
            Err(TxError::Decode(DecodeError::TooLarge { .. }))
        ));
        assert!(matches!(
            Envelope::parse(&[2; MIN_TX_LEN]),
            Err(TxError::Decode(DecodeError::UnsupportedVersion {
                got: 2,
                ..
            }))
        ));
    }

    #[test]
    fn a_bad_signature_or_signer_is_found_without_the_body() {
        let mut bytes = tx().encode();
        let n = bytes.len();
        bytes[n - 1] ^= 1;
        assert_eq!(
            Envelope::parse(&bytes).unwrap().verify_signature(),
            Err(TxError::BadSignature)
        );
        // A body that would not decode: the signature check still runs first and fails.
        let mut garbage = vec![0xff; MIN_TX_LEN + 10];
        garbage[0] = TX_VERSION;
        assert!(Envelope::parse(&garbage)
            .unwrap()
            .verify_signature()
            .is_err());
    }
}
