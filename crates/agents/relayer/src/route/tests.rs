use super::*;

const LC: ClientId = ClientId(1);
const C: [ClientId; 3] = [ClientId(2), ClientId(3), ClientId(4)];

fn info(client: ClientId, kind: VerifierKind, latest: u64) -> VerifierInfo {
    VerifierInfo {
        client,
        kind,
        source: ChainId(1),
        latest_height: Height(latest),
        frozen: false,
    }
}

fn config(finality_blocks: u64) -> SecurityConfig {
    SecurityConfig {
        required: vec![LC],
        optional: C.to_vec(),
        threshold: 2,
        finality_blocks,
    }
}

/// The light client at `lc_latest`, the committees at latest 0 with certificates at `certified`.
fn views(lc_latest: u64, certified: [&[u64]; 3]) -> BTreeMap<ClientId, ClientView> {
    let mut views = BTreeMap::new();
    views.insert(
        LC,
        ClientView {
            info: Some(info(LC, VerifierKind::BFT, lc_latest)),
            ..Default::default()
        },
    );
    for (c, heights) in C.iter().zip(certified) {
        views.insert(
            *c,
            ClientView {
                info: Some(info(*c, VerifierKind::ATTEST_ECDSA, 0)),
                certified: heights.iter().copied().map(Height).collect(),
                ..Default::default()
            },
        );
    }
    views
}

fn step(plan: &RoutePlan, client: ClientId) -> Option<(Step, Option<Height>)> {
    plan.clients
        .iter()
        .find(|c| c.client == client)
        .map(|c| (c.step, c.finalize))
}

#[test]
fn picks_the_highest_height_two_committees_certified_and_moves_the_light_client_there() {
    let plan = plan(
        &config(0),
        &views(10, [&[12, 15], &[12], &[15]]),
        Height(20),
    )
    .unwrap();
    assert_eq!(plan.height, Height(15));
    assert_eq!(
        step(&plan, LC),
        Some((
            Step::Light {
                trusted: Height(10)
            },
            None
        ))
    );
    assert_eq!(step(&plan, C[0]), Some((Step::Certificate, None)));
    assert_eq!(step(&plan, C[2]), Some((Step::Certificate, None)));
    assert_eq!(step(&plan, C[1]), None);
    assert_eq!(plan.updates(), 3);
}

#[test]
fn one_certified_committee_or_a_frozen_required_client_is_no_plan() {
    assert_eq!(
        plan(&config(0), &views(10, [&[15], &[], &[]]), Height(20)),
        None
    );
    let mut frozen = views(10, [&[15], &[15], &[]]);
    frozen.get_mut(&LC).unwrap().info.as_mut().unwrap().frozen = true;
    assert_eq!(plan(&config(0), &frozen, Height(20)), None);
    // A required client the destination did not report.
    let mut missing = views(10, [&[15], &[15], &[]]);
    missing.remove(&LC);
    assert_eq!(plan(&config(0), &missing, Height(20)), None);
}

#[test]
fn committees_that_already_vouch_are_preferred_to_new_certificates() {
    let mut v = views(10, [&[15], &[15], &[15]]);
    v.get_mut(&C[2])
        .unwrap()
        .info
        .as_mut()
        .unwrap()
        .latest_height = Height(15);
    let plan = plan(&config(0), &v, Height(20)).unwrap();
    assert_eq!(step(&plan, C[2]), Some((Step::Verified, None)));
    assert_eq!(step(&plan, C[0]), Some((Step::Certificate, None)));
    assert_eq!(plan.updates(), 2);
}

#[test]
fn a_light_client_ahead_of_the_committees_steps_from_an_earlier_height_it_verified() {
    let mut v = views(30, [&[15], &[15], &[]]);
    assert_eq!(plan(&config(0), &v, Height(40)), None);
    let lc = v.get_mut(&LC).unwrap();
    lc.seen = [Height(5), Height(16), Height(30)].into();
    let p = plan(&config(0), &v, Height(40)).unwrap();
    assert_eq!(p.height, Height(15));
    assert_eq!(
        step(&p, LC),
        Some((Step::Light { trusted: Height(5) }, None))
    );
    // A height it was seen at needs nothing.
    v.get_mut(&LC).unwrap().seen.insert(Height(15));
    let p = plan(&config(0), &v, Height(40)).unwrap();
    assert_eq!(step(&p, LC), Some((Step::Verified, None)));
}

#[test]
fn finality_needs_a_later_certificate_and_a_later_light_client_height() {
    // Depth 3: at 12, committees need a certificate at 15 or above; C[1] has none.
    let v = views(10, [&[12, 15], &[12], &[12, 16]]);
    let p = plan(&config(3), &v, Height(20)).unwrap();
    assert_eq!(p.height, Height(12));
    assert_eq!(
        step(&p, LC),
        Some((
            Step::Light {
                trusted: Height(10)
            },
            Some(Height(20))
        ))
    );
    assert_eq!(step(&p, C[0]), Some((Step::Certificate, Some(Height(15)))));
    assert_eq!(step(&p, C[2]), Some((Step::Certificate, Some(Height(16)))));
    // The source not yet 3 blocks above any pair of certificates: no plan.
    assert_eq!(
        plan(&config(3), &views(10, [&[12], &[12], &[]]), Height(14)),
        None
    );
}

#[test]
fn remembered_heights_are_bounded() {
    let mut seen = BTreeMap::new();
    for h in 0..(MAX_SEEN_HEIGHTS as u64 + 5) {
        remember(&mut seen, LC, Height(h));
    }
    let heights = &seen[&LC];
    assert_eq!(heights.len(), MAX_SEEN_HEIGHTS);
    assert_eq!(heights.first(), Some(&Height(5)));
}

const OPT: ClientId = ClientId(9);

/// An optimistic client settled at `latest`, seen settled at `seen` before.
fn optimistic(latest: u64, seen: &[u64]) -> ClientView {
    ClientView {
        info: Some(info(OPT, VerifierKind::OPTIMISTIC, latest)),
        seen: seen.iter().copied().map(Height).collect(),
        ..Default::default()
    }
}

fn required(clients: &[ClientId], finality_blocks: u64) -> SecurityConfig {
    SecurityConfig {
        required: clients.to_vec(),
        optional: vec![],
        threshold: 0,
        finality_blocks,
    }
}

#[test]
fn a_bls_header_client_is_updated_like_a_bft_one() {
    let mut v = BTreeMap::new();
    v.insert(
        LC,
        ClientView {
            info: Some(info(LC, VerifierKind::BFT_BLS, 10)),
            ..Default::default()
        },
    );
    let p = plan(&required(&[LC], 0), &v, Height(20)).unwrap();
    assert_eq!(p.height, Height(20));
    assert_eq!(
        step(&p, LC),
        Some((
            Step::Light {
                trusted: Height(10)
            },
            None
        ))
    );
    // Depth 3: the source's height cannot be final yet; the client's own height is, once it is
    // moved to the source's.
    let p = plan(&required(&[LC], 3), &v, Height(20)).unwrap();
    assert_eq!(p.height, Height(10));
    assert_eq!(step(&p, LC), Some((Step::Verified, Some(Height(20)))));
}

#[test]
fn an_optimistic_client_vouches_only_where_it_settled_and_the_bft_client_follows_it() {
    let mut v = views(4, [&[], &[], &[]]);
    // Settled at 12 (latest) and 7; a proposal at 15 is pending, so its client's latest is 12.
    v.insert(OPT, optimistic(12, &[7]));
    let p = plan(&required(&[OPT, LC], 0), &v, Height(20)).unwrap();
    assert_eq!(
        p.height,
        Height(12),
        "the highest settled height, not the source's"
    );
    assert_eq!(step(&p, OPT), Some((Step::Verified, None)));
    assert_eq!(
        step(&p, LC),
        Some((Step::Light { trusted: Height(4) }, None))
    );
    // Nothing settled yet: no plan, whatever the light client can do.
    v.insert(OPT, optimistic(0, &[]));
    assert_eq!(plan(&required(&[OPT, LC], 0), &v, Height(20)), None);
}

#[test]
fn a_height_whose_optimistic_root_is_pending_is_not_chosen() {
    // A committee certified 15, where the optimistic client's proposal is still pending (it
    // settled 12 only): 15 is a candidate, and refused.
    let mut v = views(4, [&[15], &[], &[]]);
    v.insert(OPT, optimistic(12, &[]));
    let config = SecurityConfig {
        required: vec![OPT],
        optional: vec![LC, C[0]],
        threshold: 2,
        finality_blocks: 0,
    };
    assert_eq!(plan(&config, &v, Height(20)), None);
    // Once 15 settles, it is chosen, the light client moved there with the certificate.
    v.insert(OPT, optimistic(15, &[12]));
    let p = plan(&config, &v, Height(20)).unwrap();
    assert_eq!(p.height, Height(15));
    assert_eq!(step(&p, C[0]), Some((Step::Certificate, None)));
    // A settled height seen before stays usable after later settlements.
    v.insert(OPT, optimistic(18, &[12, 15]));
    assert_eq!(plan(&config, &v, Height(20)).unwrap().height, Height(15));
}

#[test]
fn an_optimistic_client_is_final_only_by_later_settlements() {
    let mut v = views(4, [&[], &[], &[]]);
    v.insert(OPT, optimistic(12, &[7, 9]));
    // Depth 3: 12 is not final for it, 9 is (12 >= 9 + 3); the light client needs a later height.
    let p = plan(&required(&[OPT, LC], 3), &v, Height(20)).unwrap();
    assert_eq!(p.height, Height(9));
    assert_eq!(
        step(&p, LC),
        Some((Step::Light { trusted: Height(4) }, Some(Height(20))))
    );
    // Depth 6: no settled height is 6 below its latest.
    assert_eq!(plan(&required(&[OPT, LC], 6), &v, Height(20)), None);
    // A frozen optimistic client vouches for nothing.
    let mut frozen = optimistic(12, &[7, 9]);
    frozen.info.as_mut().unwrap().frozen = true;
    v.insert(OPT, frozen);
    assert_eq!(plan(&required(&[OPT, LC], 0), &v, Height(20)), None);
}

#[test]
fn a_bft_client_ahead_of_the_settled_height_steps_from_an_earlier_height_it_verified() {
    let mut v = views(30, [&[], &[], &[]]);
    v.insert(OPT, optimistic(12, &[]));
    // Nothing below 12 seen for the light client: it cannot go back.
    assert_eq!(plan(&required(&[OPT, LC], 0), &v, Height(40)), None);
    v.get_mut(&LC).unwrap().seen = [Height(8), Height(30)].into();
    let p = plan(&required(&[OPT, LC], 0), &v, Height(40)).unwrap();
    assert_eq!(p.height, Height(12));
    assert_eq!(
        step(&p, LC),
        Some((Step::Light { trusted: Height(8) }, None))
    );
}

#[test]
fn optional_clients_take_turns_so_each_vouches_within_n_heights() {
    let mut chosen = BTreeSet::new();
    let mut pairs = BTreeSet::new();
    for h in 30..33u64 {
        let plan = plan(&config(0), &views(29, [&[h], &[h], &[h]]), Height(h)).unwrap();
        assert_eq!(plan.height, Height(h));
        assert_eq!(plan.updates(), 3, "the light client and two committees");
        let committees: Vec<ClientId> = C
            .iter()
            .copied()
            .filter(|c| step(&plan, *c).is_some())
            .collect();
        assert_eq!(committees.len(), 2);
        chosen.extend(committees.iter().copied());
        pairs.insert(committees);
    }
    assert_eq!(
        chosen,
        C.into_iter().collect(),
        "every committee took a turn"
    );
    assert_eq!(pairs.len(), 3, "three heights, three different pairs");
}
