//! Cross-handling teams in the demo county: clues in every township, teams formed from the
//! engine's proposals through the store, and no formed team breaks a recusal rule (each
//! member is checked again on the clue's team form, with its own facts).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::num::NonZeroU32;

use chrono::Utc;
use qinglian::demo::cross_handling::{TEAM_SIZE, form_teams};
use qinglian::demo::{DemoProgress, create_demo};
use qinglian_domain::case::ClueInput;
use qinglian_domain::inspection::CHINA;
use qinglian_domain::scope::Reach;
use qinglian_store::model::Actor;

fn quiet(_: DemoProgress) {}

#[tokio::test]
async fn every_demo_team_passes_recusal() {
    let db = qinglian_testkit::sqlite().await;
    let store = db.store().await;
    let dir = tempfile::tempdir().unwrap();
    let blobs = qinglian_store::evidence::LocalBlobs::new(dir.path());
    create_demo(
        store.as_ref(),
        &qinglian_web::secrets::SecretKey::from_master(&[7; 32]),
        qinglian::demo::DemoEvidence {
            blobs: &blobs,
            staging: dir.path(),
        },
        7,
        &quiet,
    )
    .await
    .unwrap();
    let a = Actor::system("test");
    let all = Reach::everything();
    let today = Utc::now().with_timezone(&CHINA).date_naive();
    let townships = store.list_townships().await.unwrap();
    let ties = store.all_ties(&a).await.unwrap();
    assert!(ties.len() >= 3, "the demo declares ties: {}", ties.len());
    // Sixty clues over the townships, some about the same person (earlier involvement), some
    // about a village committee (same-village ties).
    let mut state = 0x9e37_79b9_u64;
    let mut clues = Vec::new();
    for i in 0..60 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let t = &townships[(state >> 33) as usize % townships.len()];
        let villages = store
            .list_villages(
                &qinglian_store::model::VillageFilter {
                    township_id: Some(t.id.clone()),
                    q: None,
                },
                qinglian_store::model::PageRequest::new(1, 1),
            )
            .await
            .unwrap();
        let unit = match villages.items.first() {
            Some(v) if i % 3 == 0 => format!("{}村委会", v.name),
            _ => format!("{}财政所", t.name),
        };
        let person = format!("测试对象{}", i % 40);
        let input = ClueInput::parse("petition", &person, &unit, &t.id, "反映问题", "2026-11-02", today).unwrap();
        clues.push(store.create_clue(&a, &input).await.unwrap().id);
    }
    let formed = form_teams(store.as_ref(), &a, TEAM_SIZE, today).await.unwrap();
    // The demo's own open clues without a team are proposed too.
    assert!(formed.teams + formed.unstaffed >= 60, "{formed:?}");
    assert!(formed.teams >= 55, "{formed:?}");
    assert_eq!(formed.authorisations, formed.teams);
    for id in &clues {
        let board = store.team_board(&a, &all, id).await.unwrap();
        for m in &board.team {
            let c = board.candidates.iter().find(|c| c.staff_id == m.staff_id).unwrap();
            assert!(
                c.exclusions.is_empty(),
                "{} on {} breaks {:?}",
                c.name,
                board.clue.number,
                c.exclusions
            );
            assert_ne!(c.home_township_name.as_deref(), Some(board.clue.township_name.as_str()));
        }
    }
    // A second run has nothing left to form.
    let again = form_teams(store.as_ref(), &a, NonZeroU32::new(2).unwrap(), today)
        .await
        .unwrap();
    assert_eq!(again.teams, 0);
}
