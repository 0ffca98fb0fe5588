use strait_light_client::Signer;

use super::*;
use crate::bls::BlsSigner;
use crate::ecdsa::EcdsaSigner;

const DEST: ChainId = ChainId(2);
const ID: Hash32 = Hash32([7; 32]);

fn announcement(member: Vec<u8>, sequence: u64, url: &str) -> Announcement {
    Announcement {
        client: ClientId(3),
        member,
        sequence,
        url: url.to_owned(),
        signature: Vec::new(),
    }
}

fn ecdsa_case() -> (Committee, Vec<EcdsaSigner>) {
    let signers: Vec<EcdsaSigner> = (1..=3u8)
        .map(|i| EcdsaSigner::from_secret([i; 32]).unwrap())
        .collect();
    let members = signers.iter().map(|s| s.address().to_vec()).collect();
    (Committee::from_members(2, members, 20).unwrap(), signers)
}

fn signed_ecdsa(signer: &EcdsaSigner, sequence: u64, url: &str) -> Announcement {
    let mut a = announcement(signer.address().to_vec(), sequence, url);
    a.signature = signer.sign(&a.sign_bytes(DEST, &ID)).to_vec();
    a
}

fn check(
    kind: VerifierKind,
    c: &Committee,
    a: &Announcement,
    stored: Option<u64>,
) -> Result<(), AnnounceError> {
    verify_announcement(kind, c, &ID, DEST, a, stored)
}

#[test]
fn an_ecdsa_member_announces_and_replays_and_forgeries_are_refused() {
    let (committee, signers) = ecdsa_case();
    let a = signed_ecdsa(&signers[0], 5, "http://127.0.0.1:9750");
    assert_eq!(
        check(VerifierKind::ATTEST_ECDSA, &committee, &a, None),
        Ok(())
    );
    assert_eq!(
        check(VerifierKind::ATTEST_ECDSA, &committee, &a, Some(4)),
        Ok(())
    );
    // The same sequence again, or an older one: a replay.
    for stored in [5, 6] {
        assert_eq!(
            check(VerifierKind::ATTEST_ECDSA, &committee, &a, Some(stored)),
            Err(AnnounceError::StaleSequence { got: 5, stored })
        );
    }
    // Bound to the destination, the committee and every field.
    assert_eq!(
        verify_announcement(
            VerifierKind::ATTEST_ECDSA,
            &committee,
            &ID,
            ChainId(9),
            &a,
            None
        ),
        Err(AnnounceError::InvalidSignature)
    );
    assert_eq!(
        verify_announcement(
            VerifierKind::ATTEST_ECDSA,
            &committee,
            &Hash32([8; 32]),
            DEST,
            &a,
            None
        ),
        Err(AnnounceError::InvalidSignature)
    );
    let mut moved = a.clone();
    moved.url = "http://evil.example".into();
    assert_eq!(
        check(VerifierKind::ATTEST_ECDSA, &committee, &moved, None),
        Err(AnnounceError::InvalidSignature)
    );
    // Signed by another member for this member.
    let mut forged = a.clone();
    forged.signature = signers[1].sign(&a.sign_bytes(DEST, &ID)).to_vec();
    assert_eq!(
        check(VerifierKind::ATTEST_ECDSA, &committee, &forged, None),
        Err(AnnounceError::InvalidSignature)
    );
    // A signature of the wrong length never verifies.
    let mut short = a.clone();
    short.signature.pop();
    assert_eq!(
        check(VerifierKind::ATTEST_ECDSA, &committee, &short, None),
        Err(AnnounceError::InvalidSignature)
    );
    // A non-member, even signing for itself.
    let outsider = EcdsaSigner::from_secret([9; 32]).unwrap();
    let b = signed_ecdsa(&outsider, 1, "http://127.0.0.1:1");
    assert_eq!(
        check(VerifierKind::ATTEST_ECDSA, &committee, &b, None),
        Err(AnnounceError::NotMember)
    );
    // Not a committee kind.
    assert_eq!(
        check(VerifierKind::BFT, &committee, &a, None)
            .unwrap_err()
            .name(),
        "NotACommittee"
    );
}

#[test]
fn ed25519_and_bls_members_announce() {
    let signer = Signer::from_seed([4; 32]);
    let other = Signer::from_seed([5; 32]);
    let members = vec![
        signer.public_key().0.to_vec(),
        other.public_key().0.to_vec(),
    ];
    let committee = Committee::from_members(2, members, 32).unwrap();
    let mut a = announcement(
        signer.public_key().0.to_vec(),
        1,
        "https://attester.example/rpc",
    );
    a.signature = signer.sign(&a.sign_bytes(DEST, &ID)).to_vec();
    assert_eq!(
        check(VerifierKind::ATTEST_ED25519, &committee, &a, None),
        Ok(())
    );
    a.signature[0] ^= 1;
    assert_eq!(
        check(VerifierKind::ATTEST_ED25519, &committee, &a, None),
        Err(AnnounceError::InvalidSignature)
    );

    let bls = BlsSigner::from_ikm(&[6; 32]);
    let committee = Committee::from_members(1, vec![bls.public_key().to_vec()], 96).unwrap();
    let mut a = announcement(bls.public_key().to_vec(), 1, "http://10.0.0.1:80");
    a.signature = bls.sign(&a.sign_bytes(DEST, &ID)).to_vec();
    assert_eq!(
        check(VerifierKind::ATTEST_BLS, &committee, &a, None),
        Ok(())
    );
    a.sequence = 2;
    assert_eq!(
        check(VerifierKind::ATTEST_BLS, &committee, &a, None),
        Err(AnnounceError::InvalidSignature)
    );
}

#[test]
fn urls_are_http_with_a_host_in_printable_ascii_within_the_bound() {
    for good in ["http://a", "https://127.0.0.1:9750", "http://h/path?q=1#f"] {
        assert_eq!(check_url(good), Ok(()), "{good}");
    }
    for bad in [
        "",
        "ftp://a",
        "http://",
        "https:///x",
        "http://a b",
        "http://a\n",
        "HTTP://a",
        "//a",
    ] {
        assert_eq!(check_url(bad), Err(AnnounceError::InvalidUrl), "{bad:?}");
    }
    let at = format!("http://{}", "a".repeat(MAX_URL_LEN - 7));
    assert_eq!(at.len(), MAX_URL_LEN);
    assert_eq!(check_url(&at), Ok(()));
    assert_eq!(check_url(&format!("{at}a")), Err(AnnounceError::InvalidUrl));
}

#[test]
fn decoding_bounds_every_length_at_and_past_its_limit() {
    let url = format!("http://{}", "a".repeat(MAX_URL_LEN - 7));
    let a = Announcement {
        client: ClientId(1),
        member: vec![1; MAX_ANNOUNCED_MEMBER_LEN],
        sequence: 9,
        url: url.clone(),
        signature: vec![2; MAX_ANNOUNCE_SIGNATURE_LEN],
    };
    let mut bytes = Vec::new();
    a.encode_into(&mut bytes);
    let mut r = Reader::new(&bytes);
    assert_eq!(Announcement::read(&mut r).unwrap(), a);
    assert!(r.finish().is_ok());
    let name = |a: &Announcement| {
        let mut bytes = Vec::new();
        a.encode_into(&mut bytes);
        Announcement::read(&mut Reader::new(&bytes))
            .unwrap_err()
            .name()
    };
    let mut past = a.clone();
    past.url.push('a');
    assert_eq!(name(&past), "TooLarge");
    let mut past = a.clone();
    past.member.push(1);
    assert_eq!(name(&past), "TooLarge");
    let mut past = a.clone();
    past.signature.push(1);
    assert_eq!(name(&past), "TooLarge");
    let mut non_ascii = a.clone();
    non_ascii.url = "http://é".into();
    assert_eq!(name(&non_ascii), "Invalid");
    for cut in 0..bytes.len() {
        assert_eq!(
            Announcement::read(&mut Reader::new(&bytes[..cut]))
                .unwrap_err()
                .name(),
            "Truncated",
            "cut at {cut}"
        );
    }
}
