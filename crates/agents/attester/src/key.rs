//! An attester's signing key: secp256k1 ECDSA (EVM addresses), ed25519 or BLS12-381.

use strait_attest::announce::Announcement;
use strait_attest::bls::BlsSigner;
use strait_attest::ecdsa::EcdsaSigner;
use strait_attest::{AttestError, Committee};
use strait_chain_client::VerifierKind;
use strait_light_client::Signer;
use strait_primitives::{ChainId, ClientId, Hash32};

/// A committee member's key.
#[derive(Clone)]
pub enum AttesterKey {
    /// A member of an `ATTEST_ECDSA` committee.
    Ecdsa(EcdsaSigner),
    /// A member of an `ATTEST_ED25519` committee.
    Ed25519(Signer),
    /// A member of an `ATTEST_BLS` committee (`[STRAIT-ATTEST.BLS]`): its signatures are
    /// aggregated by the relayer into one certificate.
    Bls(BlsSigner),
}

impl AttesterKey {
    /// The committee kind the key signs for.
    pub fn kind(&self) -> VerifierKind {
        match self {
            Self::Ecdsa(_) => VerifierKind::ATTEST_ECDSA,
            Self::Ed25519(_) => VerifierKind::ATTEST_ED25519,
            Self::Bls(_) => VerifierKind::ATTEST_BLS,
        }
    }

    /// The member as a committee stores it: a 20-byte EVM address, a 32-byte ed25519 key or a
    /// 96-byte uncompressed BLS G1 key.
    pub fn member(&self) -> Vec<u8> {
        match self {
            Self::Ecdsa(k) => k.address().to_vec(),
            Self::Ed25519(k) => k.public_key().0.to_vec(),
            Self::Bls(k) => k.public_key().to_vec(),
        }
    }

    /// The member's wire form in a committee's initial trust or rotation (`[STRAIT-ATTEST.3]`):
    /// the stored member, then for BLS its proof of possession (192 bytes).
    pub fn member_wire(&self) -> Vec<u8> {
        match self {
            Self::Bls(k) => k.member_wire(),
            _ => self.member(),
        }
    }

    /// Signs `message` (checkpoint sign bytes); deterministic for every scheme (RFC 6979 ECDSA,
    /// ed25519, BLS): 65, 64 or 192 (uncompressed G2) bytes.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::Ecdsa(k) => k.sign(message).to_vec(),
            Self::Ed25519(k) => k.sign(message).to_vec(),
            Self::Bls(k) => k.sign(message).to_vec(),
        }
    }

    /// Its signed announcement (`[STRAIT-ATTEST.13]`) that it serves its signatures at `url`, for
    /// committee client `client` on `destination` whose committee id is `committee_id`.
    pub fn announcement(
        &self,
        destination: ChainId,
        client: ClientId,
        committee_id: &Hash32,
        sequence: u64,
        url: &str,
    ) -> Announcement {
        let mut announcement = Announcement {
            client,
            member: self.member(),
            sequence,
            url: url.to_owned(),
            signature: Vec::new(),
        };
        announcement.signature = self.sign(&announcement.sign_bytes(destination, committee_id));
        announcement
    }

    /// A devnet key from a public seed (`"STRAIT devnet attester" || kind || index`; for BLS the
    /// seed is the IETF `KeyGen` input key material): anyone can derive it, so it must never
    /// secure value. `None` for a kind that is not a committee's.
    pub fn devnet(kind: VerifierKind, index: u8) -> Option<Self> {
        let seed = devnet_seed(kind, index);
        match kind {
            VerifierKind::ATTEST_ECDSA => EcdsaSigner::from_secret(seed).map(Self::Ecdsa),
            VerifierKind::ATTEST_ED25519 => Some(Self::Ed25519(Signer::from_seed(seed))),
            VerifierKind::ATTEST_BLS => Some(Self::bls_devnet(index)),
            _ => None,
        }
    }

    /// The BLS devnet key `index` (as [`AttesterKey::devnet`] of `ATTEST_BLS`).
    pub fn bls_devnet(index: u8) -> Self {
        Self::Bls(BlsSigner::from_ikm(&devnet_seed(
            VerifierKind::ATTEST_BLS,
            index,
        )))
    }
}

/// `"STRAIT devnet attester" || 0.. || kind u16 || index u8`, 32 bytes: public.
fn devnet_seed(kind: VerifierKind, index: u8) -> [u8; 32] {
    let mut seed = [0u8; 32];
    let label = b"STRAIT devnet attester";
    seed[..label.len()].copy_from_slice(label);
    seed[29..31].copy_from_slice(&kind.get().to_be_bytes());
    seed[31] = index;
    seed
}

/// The committee of `keys` (all of one kind) with `threshold`, and its wire form: the `init` of a
/// `CreateClient` for it (`[STRAIT-ATTEST.8]`), with each BLS member's proof of possession.
pub fn committee_of(
    threshold: u16,
    keys: &[AttesterKey],
) -> Result<(Committee, Vec<u8>), AttestError> {
    let len = keys.first().map_or(0, |k| k.member().len());
    let committee =
        Committee::from_members(threshold, keys.iter().map(|k| k.member()).collect(), len)?;
    // Extras in the committee's (sorted) member order.
    let extras: Vec<Vec<u8>> = committee
        .members()
        .map(|m| {
            keys.iter()
                .map(AttesterKey::member_wire)
                .find(|w| w.starts_with(m))
                .map(|w| w[m.len()..].to_vec())
                .unwrap_or_default()
        })
        .collect();
    let refs: Vec<&[u8]> = extras.iter().map(Vec::as_slice).collect();
    let wire = committee.encode_wire(&refs);
    Ok((committee, wire))
}

impl core::fmt::Debug for AttesterKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "AttesterKey({}, member {:02x?})",
            self.kind(),
            self.member()
        )
    }
}

#[cfg(test)]
mod tests {
    use strait_attest::announce::verify_announcement;
    use strait_attest::Committee;

    use super::*;

    #[test]
    fn devnet_keys_sign_announcements_their_committee_accepts() {
        for kind in [
            VerifierKind::ATTEST_ECDSA,
            VerifierKind::ATTEST_ED25519,
            VerifierKind::ATTEST_BLS,
        ] {
            let keys: Vec<AttesterKey> = (1..=3)
                .map(|i| AttesterKey::devnet(kind, i).unwrap())
                .collect();
            let len = keys[0].member().len();
            let committee =
                Committee::from_members(2, keys.iter().map(AttesterKey::member).collect(), len)
                    .unwrap();
            let id = Hash32([5; 32]);
            let a = keys[1].announcement(ChainId(2), ClientId(3), &id, 9, "http://127.0.0.1:1");
            verify_announcement(kind, &committee, &id, ChainId(2), &a, Some(8)).unwrap();
        }
    }

    #[test]
    fn bls_devnet_keys_are_distinct_and_their_committee_is_admitted_with_proofs() {
        use strait_attest::bls::{Bls, PUBLIC_KEY_LEN, SIGNATURE_LEN};
        use strait_primitives::Reader;

        let keys: Vec<AttesterKey> = (1..=4).map(AttesterKey::bls_devnet).collect();
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(key.kind(), VerifierKind::ATTEST_BLS);
            assert_eq!(key.member().len(), PUBLIC_KEY_LEN);
            assert_eq!(key.member_wire().len(), PUBLIC_KEY_LEN + SIGNATURE_LEN);
            assert_eq!(key.sign(b"m").len(), SIGNATURE_LEN);
            let again = AttesterKey::devnet(VerifierKind::ATTEST_BLS, i as u8 + 1).unwrap();
            assert_eq!(again.member(), key.member());
        }
        let (committee, wire) = committee_of(3, &keys).unwrap();
        assert_eq!(committee.len(), 4);
        let admitted = Committee::read_admitted::<Bls>(&mut Reader::new(&wire)).unwrap();
        assert_eq!(admitted, committee);
        // The other kinds' wire form is their stored form.
        let ecdsa: Vec<AttesterKey> = (1..=3)
            .map(|i| AttesterKey::devnet(VerifierKind::ATTEST_ECDSA, i).unwrap())
            .collect();
        let (committee, wire) = committee_of(2, &ecdsa).unwrap();
        assert_eq!(wire, committee.encode());
        assert!(AttesterKey::devnet(VerifierKind(1), 1).is_none());
    }
}
