//! secp256k1 ECDSA committees with EVM-compatible recovery (`[STRAIT-ATTEST.ECDSA]`).
//!
//! A member is a 20-byte EVM address (the last 20 bytes of `keccak256` of the uncompressed public
//! key without its `0x04` prefix). A signature is `r (32) | s (32) | v (1)` over
//! `digest = keccak256(sign bytes)`, as Solidity's `ecrecover(digest, v, r, s)` takes it: `v` is 27
//! or 28, `s <= n / 2` (the low-s form, so a signature has one encoding), and the address the key
//! recovers to must be the signer's. Recovery is libsecp256k1's.

use core::fmt;

use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::{Message, PublicKey, SecretKey};
use strait_primitives::{keccak256, DecodeError, Reader};
use strait_verifier::VerifierKind;

use crate::committee::Committee;
use crate::error::AttestError;
use crate::scheme::{Scheme, SignatureList};

/// Bytes of an ECDSA signature: `r | s | v`.
pub const ECDSA_SIGNATURE_LEN: usize = 65;

/// `n / 2` for secp256k1's group order `n`, big-endian: the largest `s` accepted.
pub const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// The ECDSA committee scheme.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ecdsa;

/// The EVM address of an uncompressed secp256k1 public key.
pub fn evm_address(key: &PublicKey) -> [u8; 20] {
    let uncompressed = key.serialize_uncompressed();
    let hash = keccak256(&uncompressed[1..]);
    let mut out = [0u8; 20];
    out.copy_from_slice(&hash.0[12..]);
    out
}

/// The address that signed `digest` with `signature`, by the rules of this scheme, for member
/// `signer` (named in errors): `v` in {27, 28}, low `s`, recovery succeeds.
pub fn recover(
    digest: &[u8; 32],
    signature: &[u8; ECDSA_SIGNATURE_LEN],
    signer: usize,
) -> Result<[u8; 20], AttestError> {
    let recovery = match signature[64] {
        27 => RecoveryId::Zero,
        28 => RecoveryId::One,
        _ => return Err(AttestError::InvalidRecoveryId { signer }),
    };
    if signature[32..64] > HALF_ORDER[..] {
        return Err(AttestError::HighS { signer });
    }
    let invalid = AttestError::InvalidSignature {
        signer: Some(signer),
    };
    let parsed = RecoverableSignature::from_compact(&signature[..64], recovery)
        .map_err(|_| invalid.clone())?;
    let key = parsed
        .recover_ecdsa(Message::from_digest(*digest))
        .map_err(|_| invalid)?;
    Ok(evm_address(&key))
}

impl Scheme for Ecdsa {
    const KIND: VerifierKind = VerifierKind::ATTEST_ECDSA;
    const NAME: &'static str = "attest-ecdsa";
    const MEMBER_LEN: usize = 20;
    const MEMBER_WIRE_LEN: usize = 20;
    const ADMIT_COST: usize = 0;
    type Certificate = SignatureList<ECDSA_SIGNATURE_LEN>;

    fn admit_member(index: usize, wire: &[u8]) -> Result<(), AttestError> {
        // Solidity's ecrecover answers the zero address for an invalid signature: it is never a
        // member.
        if wire.iter().all(|b| *b == 0) {
            return Err(AttestError::InvalidMemberKey { index });
        }
        Ok(())
    }

    fn read_certificate(r: &mut Reader<'_>) -> Result<Self::Certificate, DecodeError> {
        SignatureList::read(r)
    }

    fn encode_certificate(certificate: &Self::Certificate, out: &mut Vec<u8>) {
        certificate.encode_into(out);
    }

    fn certificate_cost(certificate: &Self::Certificate) -> usize {
        certificate.signatures.len()
    }

    fn verify(
        committee: &Committee,
        message: &[u8],
        certificate: &Self::Certificate,
    ) -> Result<(), AttestError> {
        certificate.check_signers(committee)?;
        let digest = keccak256(message).0;
        for (signer, signature) in &certificate.signatures {
            let signer = usize::from(*signer);
            let address = recover(&digest, signature, signer)?;
            if committee.member(signer) != Some(&address[..]) {
                return Err(AttestError::InvalidSignature {
                    signer: Some(signer),
                });
            }
        }
        Ok(())
    }
}

/// A member's deterministic ECDSA signer (RFC 6979 nonces), for attesters and tests.
#[derive(Clone)]
pub struct EcdsaSigner(SecretKey);

impl EcdsaSigner {
    /// The signer whose secret key is `secret`, if it is a valid scalar.
    pub fn from_secret(secret: [u8; 32]) -> Option<Self> {
        SecretKey::from_secret_bytes(secret).ok().map(Self)
    }

    /// The member's address.
    pub fn address(&self) -> [u8; 20] {
        evm_address(&PublicKey::from_secret_key(&self.0))
    }

    /// Signs `keccak256(message)`: `r | s | v` with `v` in {27, 28} and low `s`.
    pub fn sign(&self, message: &[u8]) -> [u8; ECDSA_SIGNATURE_LEN] {
        let digest = Message::from_digest(keccak256(message).0);
        let (recovery, compact) =
            RecoverableSignature::sign_ecdsa_recoverable(digest, &self.0).serialize_compact();
        let mut out = [0u8; ECDSA_SIGNATURE_LEN];
        out[..64].copy_from_slice(&compact);
        out[64] = 27 + recovery.to_u8();
        out
    }
}

impl fmt::Debug for EcdsaSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EcdsaSigner(0x{})", hex_lower(&self.address()))
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_recover_to_the_signer_and_high_s_or_bad_v_is_refused() {
        let signer = EcdsaSigner::from_secret([7; 32]).unwrap();
        let sig = signer.sign(b"hello");
        let digest = keccak256(b"hello").0;
        assert_eq!(recover(&digest, &sig, 0).unwrap(), signer.address());
        // The high-s twin (n - s, v flipped) is the same signature mathematically: refused.
        let n: [u8; 32] = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c,
            0xd0, 0x36, 0x41, 0x41,
        ];
        let mut twin = sig;
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let d = i16::from(n[i]) - i16::from(sig[32 + i]) - borrow;
            twin[32 + i] = d.rem_euclid(256) as u8;
            borrow = i16::from(d < 0);
        }
        twin[64] = if sig[64] == 27 { 28 } else { 27 };
        assert_eq!(
            recover(&digest, &twin, 3).unwrap_err(),
            AttestError::HighS { signer: 3 }
        );
        for v in [0u8, 1, 26, 29] {
            let mut bad = sig;
            bad[64] = v;
            assert_eq!(
                recover(&digest, &bad, 0).unwrap_err().name(),
                "InvalidRecoveryId"
            );
        }
        // s exactly n / 2 is accepted by the bound (and then fails or recovers some key).
        let mut half = sig;
        half[32..64].copy_from_slice(&HALF_ORDER);
        assert_ne!(
            recover(&digest, &half, 0).err().map(|e| e.name()),
            Some("HighS")
        );
        let mut zero = sig;
        zero[..32].fill(0);
        assert_eq!(
            recover(&digest, &zero, 0).unwrap_err().name(),
            "InvalidSignature"
        );
    }
}
