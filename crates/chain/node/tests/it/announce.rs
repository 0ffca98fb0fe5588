//! Attester announcements over RPC (`[STRAIT-ATTEST.13]`): a committee member announces its URL,
//! `strait_attesters` lists it; a forged signature, a replayed or older sequence, a non-member and
//! an URL past its bound are refused; a newer announcement replaces the older one.

use jsonrpsee::core::ClientError;
use strait_attest::announce::{Announcement, MAX_URL_LEN};
use strait_attest::ecdsa::EcdsaSigner;
use strait_attest::Committee;
use strait_devnet_api::announced::{AnnouncedApiClient, NOT_A_COMMITTEE};
use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{EventNotification, StraitApiClient};
use strait_devnet_api::tx::{TxBody, VerifierKind};
use strait_devnet_api::HexBytes;
use strait_light_client::Signer;
use strait_primitives::{ChainId, ClientId};

use crate::support::*;

fn announce(
    signer: &EcdsaSigner,
    client: ClientId,
    id: &strait_primitives::Hash32,
    sequence: u64,
    url: &str,
) -> TxBody {
    let mut a = Announcement {
        client,
        member: signer.address().to_vec(),
        sequence,
        url: url.to_owned(),
        signature: Vec::new(),
    };
    a.signature = signer.sign(&a.sign_bytes(ChainId(2), id)).to_vec();
    TxBody::AnnounceAttester(a)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_announce_their_urls_and_bad_announcements_are_refused() {
    let (_specs, _dir, _a, b) = two_nodes("announce").await;
    let cb = http(&b);
    let bob = AccountKey::devnet("bob");
    let signers: Vec<EcdsaSigner> = (1..=3u8)
        .map(|i| EcdsaSigner::from_secret([i; 32]).unwrap())
        .collect();
    let committee = Committee::from_members(
        2,
        signers.iter().map(|s| s.address().to_vec()).collect(),
        20,
    )
    .unwrap();
    let id = strait_attest::committee_id(VerifierKind::ATTEST_ECDSA.get(), &committee.encode());
    let created = submit(
        &cb,
        &sign(
            &cb,
            ChainId(2),
            &bob,
            TxBody::CreateClient {
                kind: VerifierKind::ATTEST_ECDSA,
                source: ChainId(1),
                init: committee.encode(),
            },
        )
        .await,
    )
    .await;
    let client = created.client_id.expect("client created");
    let run = |body: TxBody| {
        let cb = cb.clone();
        let bob = AccountKey::devnet("bob");
        async move { submit(&cb, &sign(&cb, ChainId(2), &bob, body).await).await }
    };

    let ws = jsonrpsee::ws_client::WsClientBuilder::default()
        .build(b.ws_url())
        .await
        .unwrap();
    let mut events = ws.subscribe_events().await.unwrap();

    // Nobody announced yet.
    let listed = cb.attesters(client).await.unwrap();
    assert_eq!(listed.kind, VerifierKind::ATTEST_ECDSA.get());
    assert!(listed.attesters.is_empty());

    // A member announces, at the URL bound exactly.
    let at_bound = format!("http://{}", "a".repeat(MAX_URL_LEN - 7));
    let ok = run(announce(&signers[0], client, &id, 1, &at_bound)).await;
    assert!(ok.success, "{:?}", ok.error);
    let listed = cb.attesters(client).await.unwrap().attesters;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].url, at_bound);
    assert_eq!(listed[0].member, HexBytes(signers[0].address().to_vec()));
    assert_eq!(listed[0].height, ok.height);

    // The same announcement again, or an older one: refused as stale.
    for sequence in [1, 0] {
        let replay = run(announce(&signers[0], client, &id, sequence, "http://old")).await;
        assert!(!replay.success);
        assert!(replay.error.unwrap().contains("StaleSequence"));
    }
    // Signed by another member on its behalf: refused.
    let TxBody::AnnounceAttester(mut forged) = announce(&signers[1], client, &id, 2, "http://x")
    else {
        unreachable!()
    };
    forged.member = signers[0].address().to_vec();
    let r = run(TxBody::AnnounceAttester(forged)).await;
    assert!(r.error.unwrap().contains("InvalidSignature"));
    // A key outside the committee.
    let outsider = EcdsaSigner::from_secret([9; 32]).unwrap();
    let r = run(announce(&outsider, client, &id, 1, "http://x")).await;
    assert!(r.error.unwrap().contains("NotMember"));
    // Not http(s).
    let r = run(announce(&signers[1], client, &id, 1, "ftp://x")).await;
    assert!(r.error.unwrap().contains("InvalidUrl"));
    // One byte past the URL bound: the transaction does not even decode.
    let past = sign(
        &cb,
        ChainId(2),
        &bob,
        announce(&signers[1], client, &id, 1, &format!("{at_bound}a")),
    )
    .await;
    let refused = cb.submit_transaction(HexBytes(past.encode())).await;
    assert!(
        matches!(&refused, Err(ClientError::Call(e)) if e.message().contains("announced url")),
        "{refused:?}"
    );
    // The BFT client is no committee.
    let r = run(announce(&signers[1], client, &id, 1, "http://x")).await;
    assert!(r.success);
    let bft = cb.attesters(ClientId(1)).await.unwrap_err();
    assert!(matches!(bft, ClientError::Call(e) if e.code() == NOT_A_COMMITTEE));

    // A newer announcement replaces the older one; members listed in ascending order.
    let newer = run(announce(
        &signers[0],
        client,
        &id,
        5,
        "https://moved.example",
    ))
    .await;
    assert!(newer.success);
    let listed = cb.attesters(client).await.unwrap().attesters;
    assert_eq!(listed.len(), 2);
    assert!(listed[0].member.0 < listed[1].member.0);
    let first = listed
        .iter()
        .find(|a| a.member.0 == signers[0].address())
        .unwrap();
    assert_eq!(
        (first.sequence, first.url.as_str()),
        (5, "https://moved.example")
    );

    // An ed25519 key cannot announce for an ECDSA committee.
    let ed = Signer::from_seed([1; 32]);
    let mut a = Announcement {
        client,
        member: ed.public_key().0.to_vec(),
        sequence: 1,
        url: "http://x".into(),
        signature: Vec::new(),
    };
    a.signature = ed.sign(&a.sign_bytes(ChainId(2), &id)).to_vec();
    let r = run(TxBody::AnnounceAttester(a)).await;
    assert!(r.error.unwrap().contains("NotMember"));
    // Every executed announcement was an event, in order.
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let event = tokio::time::timeout(std::time::Duration::from_secs(10), events.next())
            .await
            .expect("an event")
            .expect("stream open")
            .unwrap();
        if let EventNotification::AttesterAnnounced {
            client_id,
            sequence,
            url,
            ..
        } = event
        {
            assert_eq!(client_id, client);
            seen.push((sequence, url));
        }
    }
    assert_eq!(seen[0], (1, at_bound));
    assert_eq!(seen[2], (5, "https://moved.example".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_owner_chooses_the_committee_counters_clients() {
    let (_specs, _dir, _a, b) = two_nodes("committee-counter").await;
    let cb = http(&b);
    let choose = |client: u64| TxBody::AppCall {
        app: strait_devnet_api::apps::counter_ecdsa(),
        data: [1u64.to_be_bytes(), client.to_be_bytes()].concat(),
    };
    let bob = AccountKey::devnet("bob");
    let refused = submit(&cb, &sign(&cb, ChainId(2), &bob, choose(1)).await).await;
    assert!(!refused.success);
    assert!(refused.error.unwrap().contains("only the owner"));
    let owner = AccountKey::devnet(strait_devnet_api::apps::COMMITTEE_OWNER);
    // A client of another source (none has id 9) is refused even to the owner.
    let unknown = submit(&cb, &sign(&cb, ChainId(2), &owner, choose(9)).await).await;
    assert!(!unknown.success);
    let chose = submit(&cb, &sign(&cb, ChainId(2), &owner, choose(1)).await).await;
    assert!(chose.success, "{:?}", chose.error);
    let malformed = TxBody::AppCall {
        app: strait_devnet_api::apps::counter_ed25519(),
        data: vec![0; 15],
    };
    let r = submit(&cb, &sign(&cb, ChainId(2), &owner, malformed).await).await;
    assert!(!r.success);
}
