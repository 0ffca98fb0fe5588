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
