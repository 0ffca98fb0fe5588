//! The BLS certificate of a kind-4 committee client (`[STRAIT-ATTEST.BLS]`, `[STRAIT-ATTEST.10]`)
//! from attesters' individual signatures: their sum is checked first (one pairing); only when it
//! fails is each checked against its member, so one attester publishing garbage cannot spoil the
//! aggregate and costs the one-by-one checks only when present.

use std::collections::BTreeMap;

use strait_attest::bls::{aggregate_signatures, Bls, BlsCertificate, SIGNATURE_LEN};
use strait_attest::{Checkpoint, Committee, Scheme};
use strait_chain_client::Attestation;

use super::AttestedClient;

/// Whether `signature` is `member`'s valid BLS signature of `message`: a 1-of-1 committee of the
/// member verifies it (the point decodes, is in G2, is not the identity, and pairs).
fn verify_one(member: &[u8], message: &[u8], signature: [u8; SIGNATURE_LEN]) -> bool {
    let Ok(one) = Committee::from_members(1, vec![member.to_vec()], Bls::MEMBER_LEN) else {
        return false;
    };
    Bls::verify(&one, message, &BlsCertificate::new(1, &[0], signature)).is_ok()
}

/// The certificate of `threshold` members' signatures over `checkpoint`, if enough verify. The
/// lowest `threshold` distinct members' signatures are first summed and checked as one certificate
/// (one pairing, the usual case); only when that fails, some signature is bad, and each is then
/// checked alone (one pairing each) and the valid ones summed, so one attester publishing garbage
/// costs a round one pairing per signature and spoils nothing.
pub(super) fn collect(
    client: &AttestedClient,
    checkpoint: &Checkpoint,
    attestations: &[&Attestation],
) -> Option<BlsCertificate> {
    let message = checkpoint.sign_bytes(&client.committee_id, client.epoch);
    // Every member's published signatures of the right length, in attestation order.
    let mut candidates: BTreeMap<usize, Vec<[u8; SIGNATURE_LEN]>> = BTreeMap::new();
    for a in attestations {
        let Some(index) = client.committee.members().position(|m| m == a.signer) else {
            continue;
        };
        let Ok(signature) = <[u8; SIGNATURE_LEN]>::try_from(a.signature.as_slice()) else {
            continue;
        };
        candidates.entry(index).or_default().push(signature);
    }
    let threshold = usize::from(client.committee.threshold());
    if candidates.len() < threshold {
        return None;
    }
    let sum = |chosen: Vec<(usize, [u8; SIGNATURE_LEN])>| {
        let (signers, signatures): (Vec<usize>, Vec<[u8; SIGNATURE_LEN]>) =
            chosen.into_iter().take(threshold).unzip();
        let certificate = BlsCertificate::new(
            client.committee.len(),
            &signers,
            aggregate_signatures(&signatures)?,
        );
        Bls::verify(&client.committee, &message, &certificate)
            .is_ok()
            .then_some(certificate)
    };
    let first = candidates.iter().map(|(i, s)| (*i, s[0])).collect();
    if let Some(certificate) = sum(first) {
        return Some(certificate);
    }
    let members: Vec<Vec<u8>> = client.committee.members().map(<[u8]>::to_vec).collect();
    let valid: Vec<(usize, [u8; SIGNATURE_LEN])> = candidates
        .into_iter()
        .filter_map(|(index, signatures)| {
            signatures
                .into_iter()
                .find(|s| verify_one(&members[index], &message, *s))
                .map(|s| (index, s))
        })
        .collect();
    if valid.len() < threshold {
        return None;
    }
    let certificate = sum(valid);
    if certificate.is_none() {
        // Every part verified alone: a failing sum is a bug, not an attester's fault.
        tracing::error!(client = ?client.client, "a BLS aggregate of valid signatures does not verify");
    }
    certificate
}

#[cfg(test)]
mod tests {
    use strait_attest::bls::BlsSigner;
    use strait_attest::wire::{decode_update, Update};
    use strait_chain_client::VerifierKind;
    use strait_primitives::{ChainId, ClientId, Hash32, Height};

    use super::*;
    use crate::attested::certify;

    /// Four members of a 3-of-4 committee, by ascending member index, and its client.
    fn committee() -> (Vec<BlsSigner>, AttestedClient) {
        let mut signers: Vec<BlsSigner> =
            (1..=4u8).map(|i| BlsSigner::from_ikm(&[i; 32])).collect();
        signers.sort_by_key(BlsSigner::public_key);
        let members = signers.iter().map(|s| s.public_key().to_vec()).collect();
        let client = AttestedClient {
            source: ChainId(1),
            destination: ChainId(2),
            client: ClientId(5),
            kind: VerifierKind::ATTEST_BLS,
            committee: Committee::from_members(3, members, Bls::MEMBER_LEN).unwrap(),
            committee_id: Hash32([9; 32]),
            epoch: 4,
            receivers: Vec::new(),
        };
        (signers, client)
    }

    fn checkpoint(count: u64) -> Checkpoint {
        Checkpoint {
            source_chain: ChainId(1),
            outbox_root: Hash32([1; 32]),
            leaf_count: count,
            source_height: Height(count + 10),
        }
    }

    fn attest(signer: &BlsSigner, client: &AttestedClient, cp: Checkpoint) -> Attestation {
        Attestation {
            checkpoint: cp,
            kind: VerifierKind::ATTEST_BLS,
            committee_id: client.committee_id,
            epoch: client.epoch,
            signer: signer.public_key().to_vec(),
            signature: signer
                .sign(&cp.sign_bytes(&client.committee_id, client.epoch))
                .to_vec(),
        }
    }

    /// Member 0's garbage: a valid G2 signature of other bytes, bytes that are no point, and a
    /// signature of the wrong length.
    fn garbage(signer: &BlsSigner, client: &AttestedClient, cp: Checkpoint) -> Vec<Attestation> {
        let mut other = attest(signer, client, cp);
        other.signature = signer.sign(b"not the checkpoint").to_vec();
        let mut no_point = attest(signer, client, cp);
        no_point.signature = vec![0x11; SIGNATURE_LEN];
        let mut short = attest(signer, client, cp);
        short.signature.pop();
        vec![other, no_point, short]
    }

    #[test]
    fn garbage_from_one_member_is_left_out_and_the_rest_certify_with_one_aggregate() {
        let (signers, c) = committee();
        let cp = checkpoint(3);
        // The lowest member signs garbage, two honest members sign: below the threshold.
        let mut atts = garbage(&signers[0], &c, cp);
        atts.extend(signers[1..3].iter().map(|s| attest(s, &c, cp)));
        assert_eq!(certify(&c, &atts), None);
        // A third honest member: certified by members 1, 2 and 3, member 0 left out.
        atts.push(attest(&signers[3], &c, cp));
        let (got, body) = certify(&c, &atts).unwrap();
        assert_eq!(got, cp);
        let Update::Checkpoint(decoded, cert) = decode_update::<Bls>(&body).unwrap() else {
            panic!("not a checkpoint update");
        };
        assert_eq!(decoded, cp);
        assert_eq!(cert.signers().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(cert.bitmap, vec![0b1110]);
        let message = cp.sign_bytes(&c.committee_id, c.epoch);
        Bls::verify(&c.committee, &message, &cert).unwrap();
        // Aggregated without the one-by-one check, the garbage would have spoiled it.
        let spoiled: Vec<[u8; SIGNATURE_LEN]> = [&atts[0], &atts[3], &atts[4]]
            .iter()
            .map(|a| a.signature.as_slice().try_into().unwrap())
            .collect();
        let spoiled = BlsCertificate::new(4, &[0, 1, 2], aggregate_signatures(&spoiled).unwrap());
        assert!(Bls::verify(&c.committee, &message, &spoiled).is_err());
    }

    #[test]
    fn exactly_the_threshold_of_the_lowest_members_is_aggregated() {
        let (signers, c) = committee();
        let cp = checkpoint(7);
        let mut atts: Vec<Attestation> = signers.iter().rev().map(|s| attest(s, &c, cp)).collect();
        // A duplicate and a non-member count for nothing.
        atts.push(atts[0].clone());
        atts.push(attest(&BlsSigner::from_ikm(&[9; 32]), &c, cp));
        let (_, body) = certify(&c, &atts).unwrap();
        let Update::Checkpoint(_, cert) = decode_update::<Bls>(&body).unwrap() else {
            panic!("not a checkpoint update");
        };
        assert_eq!(cert.signers().collect::<Vec<_>>(), vec![0, 1, 2]);
        Bls::verify(&c.committee, &cp.sign_bytes(&c.committee_id, 4), &cert).unwrap();
        // Two distinct members only (a duplicate of one, another epoch's signature): none.
        let mut two: Vec<Attestation> = signers[..2].iter().map(|s| attest(s, &c, cp)).collect();
        two.push(two[1].clone());
        let mut old = attest(&signers[2], &c, cp);
        old.epoch = 3;
        old.signature = signers[2].sign(&cp.sign_bytes(&c.committee_id, 3)).to_vec();
        two.push(old);
        assert_eq!(certify(&c, &two), None);
    }
}
