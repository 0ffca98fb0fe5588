//! An attester's signing key: secp256k1 ECDSA (EVM addresses) or ed25519.

use strait_attest::announce::Announcement;
use strait_attest::ecdsa::EcdsaSigner;
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
}

impl AttesterKey {
    /// The committee kind the key signs for.
    pub fn kind(&self) -> VerifierKind {
        match self {
            Self::Ecdsa(_) => VerifierKind::ATTEST_ECDSA,
            Self::Ed25519(_) => VerifierKind::ATTEST_ED25519,
        }
    }

    /// The member as a committee stores it: an EVM address, or the ed25519 key.
    pub fn member(&self) -> Vec<u8> {
        match self {
            Self::Ecdsa(k) => k.address().to_vec(),
            Self::Ed25519(k) => k.public_key().0.to_vec(),
        }
    }

    /// Signs `message` (checkpoint sign bytes); deterministic for both schemes.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::Ecdsa(k) => k.sign(message).to_vec(),
            Self::Ed25519(k) => k.sign(message).to_vec(),
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

    /// A devnet key from a public seed (`"STRAIT devnet attester" || kind || index`): anyone can
    /// derive it, so it must never secure value.
    pub fn devnet(kind: VerifierKind, index: u8) -> Option<Self> {
        let mut seed = [0u8; 32];
        let label = b"STRAIT devnet attester";
        seed[..label.len()].copy_from_slice(label);
        seed[29..31].copy_from_slice(&kind.get().to_be_bytes());
        seed[31] = index;
        match kind {
            VerifierKind::ATTEST_ECDSA => EcdsaSigner::from_secret(seed).map(Self::Ecdsa),
            VerifierKind::ATTEST_ED25519 => Some(Self::Ed25519(Signer::from_seed(seed))),
            _ => None,
        }
    }
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
        for kind in [VerifierKind::ATTEST_ECDSA, VerifierKind::ATTEST_ED25519] {
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
}
