//! `qinglian demo` builds the story's county on either backend, the same for the same seed, once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::NaiveDate;
use qinglian::demo::{DemoError, DemoEvidence, DemoProgress, DemoReport, create_demo};
use qinglian_domain::article::Column;
use qinglian_domain::division::DivisionCode;
use qinglian_domain::role::Role;
use qinglian_domain::scope::Reach;
use qinglian_store::evidence::{BlobStore, LocalBlobs};
use qinglian_store::model::{Concern, ConcernFilter, PageRequest, Staff, Village, VillageFilter};
use qinglian_testkit::{Store, TestDb};

fn quiet(_: DemoProgress) {}

/// The demo's receipt hashes are keyed; the tests use one fixed key.
fn secrets() -> qinglian_web::secrets::SecretKey {
    qinglian_web::secrets::SecretKey::from_master(&[7; 32])
}

/// A local evidence store in a temporary folder, for the demo's recording and signed copy.
struct Evidence {
    _dir: tempfile::TempDir,
    staging: std::path::PathBuf,
    blobs: LocalBlobs,
}

impl Evidence {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let staging = dir.path().join("incoming");
        std::fs::create_dir_all(&staging).unwrap();
        let blobs = LocalBlobs::new(dir.path());
        Self {
            _dir: dir,
            staging,
            blobs,
        }
    }

    fn demo(&self) -> DemoEvidence<'_> {
        DemoEvidence {
            blobs: &self.blobs,
            staging: &self.staging,
        }
    }
}

async fn demo(store: &Store, seed: u64) -> DemoReport {
    let evidence = Evidence::new();
    create_demo(store.as_ref(), &secrets(), evidence.demo(), seed, &quiet)
        .await
        .expect("the demo is created")
}

async fn all_villages(store: &Store) -> Vec<Village> {
    let mut out = Vec::new();
    for page in 1.. {
        let p = store
            .list_villages(&VillageFilter::default(), PageRequest::new(page, 200))
            .await
            .unwrap();
        out.extend(p.items);
        if out.len() as i64 >= p.total {
            return out;
        }
    }
    out
}

async fn all_concerns(store: &Store) -> Vec<Concern> {
    let mut out = Vec::new();
    for page in 1.. {
        let p = store
            .list_concerns(
                &Reach::everything(),
                &ConcernFilter::default(),
                PageRequest::new(page, 200),
            )
            .await
            .unwrap();
        out.extend(p.items);
        if out.len() as i64 >= p.total {
            return out;
        }
    }
    out
}

/// "Today" in the demo's story: the inspection round is in its eighth week.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

async fn all_staff(store: &Store) -> Vec<Staff> {
    let mut out = Vec::new();
    for page in 1.. {
        let p = store.list_staff(PageRequest::new(page, 200)).await.unwrap();
        out.extend(p.items);
        if out.len() as i64 >= p.total {
            return out;
        }
    }
    out
}

/// The county as a user would compare two of them: names and codes, sorted, no ids or times.
#[derive(Debug, PartialEq)]
struct Snapshot {
    county: Option<(String, String)>,
    townships: Vec<(String, String, String)>,
    villages: Vec<(String, String, String)>,
    departments: Vec<(String, String, Option<String>)>,
    offices: Vec<(String, String)>,
    groups: Vec<(String, String, Vec<String>)>,
    zones: Vec<(String, String, String, String, Vec<String>)>,
    staff: Vec<(String, String, Option<String>, Option<String>)>,
    articles: Vec<(String, String, String)>,
    /// Round, groups with their leader and members, targets by group.
    rounds: Vec<(i64, String, String, String)>,
    inspection_groups: Vec<(String, String, Vec<String>)>,
    targets: Vec<(String, String, String)>,
    meetings: Vec<(String, String, String, String, Vec<String>)>,
    concerns: Vec<ConcernLine>,
    rectification: Vec<OrderLine>,
}

/// A rectification order as its page shows it: number, township, village, state, problem,
/// sign-offs (post and name) and follow-up kinds.
type OrderLine = (
    String,
    String,
    String,
    String,
    String,
    Vec<(String, String)>,
    Vec<String>,
);

async fn all_orders(store: &Store) -> Vec<qinglian_store::model::RectificationOrder> {
    let actor = qinglian_store::model::Actor::system("test");
    let everything = Reach::everything();
    let list = store
        .list_rectification_orders(&everything, &Default::default(), today(), PageRequest::new(1, 200))
        .await
        .unwrap();
    let mut out = Vec::new();
    for o in list.items {
        out.push(
            store
                .get_rectification_order(&actor, &everything, &o.order.id, today())
                .await
                .unwrap(),
        );
    }
    out
}

/// What a villager sees of a concern, and the department it is with.
type ConcernLine = (
    String,
    String,
    String,
    String,
    bool,
    Option<String>,
    Option<NaiveDate>,
    Option<String>,
    bool,
);

async fn snapshot(store: &Store) -> Snapshot {
    let county = store.county().await.unwrap().map(|c| (c.division_code, c.name));
    let mut townships: Vec<_> = store
        .list_townships()
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.division_code, t.name, t.kind))
        .collect();
    townships.sort();
    let mut villages: Vec<_> = all_villages(store)
        .await
        .into_iter()
        .map(|v| (v.division_code, v.name, v.township_name))
        .collect();
    villages.sort();
    let departments = store
        .list_departments()
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.code, d.name, d.stationed_group_name))
        .collect();
    let offices = store
        .list_offices()
        .await
        .unwrap()
        .into_iter()
        .map(|o| (o.code, o.name))
        .collect();
    let groups = store
        .list_stationed_groups()
        .await
        .unwrap()
        .into_iter()
        .map(|g| (g.code, g.name, g.departments.into_iter().map(|d| d.code).collect()))
        .collect();
    let mut zones: Vec<_> = store
        .list_zones()
        .await
        .unwrap()
        .into_iter()
        .map(|z| {
            let members = z.members.into_iter().map(|m| m.code).collect();
            (
                z.zone.name,
                z.zone.kind,
                z.zone.leader_name,
                z.zone.liaison_office_name,
                members,
            )
        })
        .collect();
    zones.sort();
    let mut staff: Vec<_> = all_staff(store)
        .await
        .into_iter()
        .map(|s| (s.role, s.name, s.posting_unit_name, s.home_township_name))
        .collect();
    staff.sort();
    let mut articles: Vec<_> = store
        .list_articles(PageRequest::new(1, 200))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|a| (a.column_code, a.title, a.status))
        .collect();
    articles.sort();
    let everything = Reach::everything();
    let rounds_found = store.list_rounds(&everything).await.unwrap();
    let mut rounds = Vec::new();
    let mut inspection_groups = Vec::new();
    let mut targets = Vec::new();
    for r in &rounds_found {
        rounds.push((r.number, r.name.clone(), r.starts_on.to_string(), r.ends_on.to_string()));
        for g in store.list_groups(&everything, &r.id).await.unwrap() {
            let mut members: Vec<String> = g.members.into_iter().map(|m| m.name).collect();
            members.sort();
            inspection_groups.push((g.group.name, g.group.leader_name, members));
        }
        for t in store.list_targets(&everything, &r.id).await.unwrap() {
            targets.push((t.group_name, t.township_name, t.village_name));
        }
    }
    inspection_groups.sort();
    targets.sort();
    let mut meetings: Vec<_> = store
        .list_meetings(&everything, None)
        .await
        .unwrap()
        .into_iter()
        .map(|m| {
            let mut departments: Vec<String> = m.departments.into_iter().map(|d| d.name).collect();
            departments.sort();
            (
                m.meeting.starts_at.to_rfc3339(),
                m.meeting.group_name,
                m.meeting.village_name,
                m.meeting.place,
                departments,
            )
        })
        .collect();
    meetings.sort();
    let mut concerns: Vec<ConcernLine> = all_concerns(store)
        .await
        .into_iter()
        .map(|c| {
            (
                c.village_name,
                c.category_name,
                c.text,
                c.state,
                c.on_spot,
                c.answer,
                c.answer_deadline,
                c.department_name,
                c.has_complainant,
            )
        })
        .collect();
    concerns.sort();
    let mut rectification: Vec<OrderLine> = all_orders(store)
        .await
        .into_iter()
        .map(|o| {
            (
                o.order.number,
                o.order.township_name,
                o.order.village_name,
                o.order.state,
                o.order.problem,
                o.sign_offs.into_iter().map(|s| (s.post, s.staff_name)).collect(),
                o.follow_ups.into_iter().map(|f| f.kind).collect(),
            )
        })
        .collect();
    rectification.sort();
    Snapshot {
        rectification,
        county,
        townships,
        villages,
        departments,
        offices,
        groups,
        zones,
        staff,
        articles,
        rounds,
        inspection_groups,
        targets,
        meetings,
        concerns,
    }
}

/// Everything a commission member would check on a first look at the demo county.
async fn the_demo_county_has_the_story_shape(store: Store) {
    let calls = AtomicU64::new(0);
    let last = std::sync::Mutex::new(None::<DemoProgress>);
    let progress = |p: DemoProgress| {
        calls.fetch_add(1, Ordering::Relaxed);
        *last.lock().unwrap() = Some(p);
    };
    let started = Instant::now();
    let evidence = Evidence::new();
    let report = create_demo(store.as_ref(), &secrets(), evidence.demo(), 20240601, &progress)
        .await
        .unwrap();
    eprintln!("create_demo on {}: {:?}", store.backend(), started.elapsed());
    let last = last.lock().unwrap().unwrap();
    assert_eq!((last.done, calls.load(Ordering::Relaxed)), (last.total, last.total));

    // A remote interview taken to the end by two investigators, its recording and the
    // witness's signed copy in the evidence store, intact.
    let a = qinglian_store::model::Actor::system("test");
    let i = store
        .get_interview(&a, &Reach::everything(), &report.completed_interview)
        .await
        .unwrap();
    assert_eq!(i.interview.done_step.as_deref(), Some("recording_stopped"));
    assert!(
        i.interview.authorisation_id.is_some(),
        "held under the team's authorisation"
    );
    assert_eq!(i.investigators.len(), 2);
    assert!(i.investigators.iter().all(|v| v.checked_in_at.is_some()));
    let steps: Vec<&str> = i.events.iter().filter_map(|e| e.step.as_deref()).collect();
    assert_eq!(
        steps,
        [
            "investigators_present",
            "recording_started",
            "credentials_shown",
            "rights_read",
            "identity_verified",
            "questioning",
            "transcript_read_back",
            "transcript_confirmed",
            "recording_stopped"
        ]
    );
    assert!(i.transcript.as_ref().is_some_and(|t| t.body.contains("征地补偿款")));
    let mut kinds: Vec<&str> = i.files.iter().map(|f| f.kind.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["recording", "signed_transcript"]);
    let verified = qinglian_store::evidence::verify_all(store.as_ref(), &evidence.blobs, &a, &|_| {})
        .await
        .unwrap();
    assert_eq!((verified.files, verified.failures.len()), (2, 0));
    let all = Reach::everything();
    let viewer = qinglian_store::evidence::EvidenceViewer {
        account_id: "",
        reach: &all,
    };
    for f in &i.files {
        let file = store.get_evidence(&viewer, &f.evidence_file_id).await.unwrap();
        let key = file.key().unwrap();
        assert!(evidence.blobs.contains(&key).await.unwrap());
        if f.kind == "recording" {
            assert_eq!(file.media_type, "audio/wav");
            assert!(file.size > 60_000, "a few seconds of sound: {}", file.size);
        } else {
            assert_eq!(file.media_type, "application/pdf");
        }
    }

    let county = store.county().await.unwrap().unwrap();
    assert_eq!(
        (county.division_code.as_str(), county.name.as_str()),
        ("990101000000", "青岚县")
    );
    let county_code = DivisionCode::parse("county", &county.division_code).unwrap();

    let townships = store.list_townships().await.unwrap();
    assert_eq!((townships.len(), report.townships), (29, 29));
    let kinds: HashSet<&str> = townships.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(kinds, HashSet::from(["street", "town", "township"]));
    assert_eq!(townships.iter().map(|t| t.village_count).sum::<i64>(), 338);
    for t in &townships {
        assert!(
            DivisionCode::parse("t", &t.division_code)
                .unwrap()
                .is_within(&county_code),
            "{}",
            t.division_code
        );
        assert!(t.zone_id.is_some(), "{} is in no zone", t.name);
    }
    assert_eq!(
        townships.iter().map(|t| &t.name).collect::<HashSet<_>>().len(),
        29,
        "township names repeat"
    );

    let villages = all_villages(&store).await;
    assert_eq!((villages.len(), report.villages), (338, 338));
    let code_of: BTreeMap<&str, &str> = townships
        .iter()
        .map(|t| (t.id.as_str(), t.division_code.as_str()))
        .collect();
    let mut names_in: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
    for v in &villages {
        let code = DivisionCode::parse("v", &v.division_code).unwrap();
        let township = DivisionCode::parse("t", code_of[v.township_id.as_str()]).unwrap();
        assert!(
            code.is_within(&township),
            "{} lies outside {}",
            v.division_code,
            township
        );
        assert!(
            names_in.entry(&v.township_id).or_default().insert(&v.name),
            "{} repeats in {}",
            v.name,
            v.township_name
        );
    }
    let communities = villages.iter().filter(|v| v.kind == "community").count();
    assert!(communities > 0 && communities < 338 && communities == report.communities);

    let groups = store.list_stationed_groups().await.unwrap();
    assert_eq!(groups.len(), 14);
    assert!(
        groups.iter().all(|g| (1..=3).contains(&g.departments.len())),
        "{groups:#?}"
    );
    let departments = store.list_departments().await.unwrap();
    for code in ["zhujian", "ziranziyuan", "jiaotong", "huanbao", "nonglin", "minzheng"] {
        let d = departments
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("no {code}"));
        assert!(d.name.starts_with("青岚县") && d.stationed_group_id.is_some(), "{d:?}");
    }
    assert!(
        store
            .list_offices()
            .await
            .unwrap()
            .iter()
            .filter(|o| o.name.ends_with("纪检监察室"))
            .count()
            >= 5
    );

    let staff = all_staff(&store).await;
    assert_eq!(staff.len(), report.staff.len());
    for role in Role::ALL {
        assert!(staff.iter().any(|s| s.role == role.as_str()), "no {}", role.as_str());
    }
    let leaders: HashSet<&str> = staff
        .iter()
        .filter(|s| s.role == "commission_leader")
        .map(|s| s.id.as_str())
        .collect();
    assert!(leaders.len() >= 5);
    let secretaries: Vec<&Staff> = staff.iter().filter(|s| s.role == "township_secretary").collect();
    for t in &townships {
        assert!(
            secretaries
                .iter()
                .any(|s| s.posting_unit_id.as_deref() == Some(t.id.as_str())),
            "{} has no secretary",
            t.name
        );
    }
    assert!(
        secretaries.iter().any(|s| s.home_township_id != s.posting_unit_id),
        "every secretary serves at home"
    );
    assert!(
        staff
            .iter()
            .filter(|s| s.posting_kind == "township")
            .all(|s| s.home_township_id.is_some())
    );

    let zones = store.list_zones().await.unwrap();
    let (tz, gz): (Vec<_>, Vec<_>) = zones.iter().partition(|z| z.zone.kind == "townships");
    assert_eq!((tz.len(), gz.len()), (5, 2));
    let zone_leaders: HashSet<&str> = zones.iter().map(|z| z.zone.leader_staff_id.as_str()).collect();
    assert_eq!(zone_leaders.len(), 7, "a leader leads two zones");
    assert!(
        zone_leaders.is_subset(&leaders),
        "a zone is led by someone who is not a commission leader"
    );
    assert!(zones.iter().all(|z| z.zone.liaison_office_name.ends_with("纪检监察室")));
    let mut zoned: Vec<&str> = tz
        .iter()
        .flat_map(|z| z.members.iter().map(|m| m.id.as_str()))
        .collect();
    zoned.sort_unstable();
    let mut all: Vec<&str> = townships.iter().map(|t| t.id.as_str()).collect();
    all.sort_unstable();
    assert_eq!(zoned, all, "every township is in exactly one zone");
    let township_codes: Vec<&str> = townships.iter().map(|t| t.division_code.as_str()).collect();
    for z in &tz {
        assert!(
            (5..=7).contains(&z.members.len()),
            "{} has {} townships",
            z.zone.name,
            z.members.len()
        );
        // Neighbours by code: the members are one unbroken run of the county's townships.
        let first = township_codes.iter().position(|c| *c == z.members[0].code).unwrap();
        let run: Vec<&str> = z.members.iter().map(|m| m.code.as_str()).collect();
        assert_eq!(
            run,
            township_codes[first..first + run.len()],
            "{} is not contiguous",
            z.zone.name
        );
    }
    let mut grouped: Vec<&str> = gz
        .iter()
        .flat_map(|z| z.members.iter().map(|m| m.id.as_str()))
        .collect();
    grouped.sort_unstable();
    let mut all: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
    all.sort_unstable();
    assert_eq!(grouped, all, "every stationed group is in exactly one zone");
    assert!(gz.iter().all(|z| z.members.len() == 7));

    for column in Column::ALL {
        let n = store
            .list_published(Some(column), PageRequest::new(1, 50))
            .await
            .unwrap()
            .total;
        assert!((2..=3).contains(&n), "{} has {n} articles", column.as_str());
    }

    // The inspection round running now: 141 villages in 9 townships, 5 meetings, 36 concerns.
    let everything = Reach::everything();
    let categories = store.list_categories().await.unwrap();
    let codes: Vec<&str> = categories.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "multi_plot",
            "living_env",
            "eco_corridor",
            "road",
            "land_comp",
            "water",
            "collective",
            "other"
        ]
    );
    assert_eq!(categories[0].name, "一户多宅");
    let rounds = store.list_rounds(&everything).await.unwrap();
    assert_eq!(rounds.len(), 1);
    let round = &rounds[0];
    assert_eq!(
        (round.number, round.name.as_str(), round.starts_on.to_string()),
        (8, "十五届县委第八轮巡察", "2026-10-08".to_owned())
    );
    assert!(
        round.starts_on <= today() && today() <= round.ends_on,
        "the round is not running"
    );
    assert_eq!(
        (round.target_count, round.meeting_count, round.concern_count),
        (141, 5, 36)
    );
    let targets = store.list_targets(&everything, &round.id).await.unwrap();
    assert_eq!(targets.len(), 141);
    assert_eq!(
        targets
            .iter()
            .map(|t| t.township_id.as_str())
            .collect::<HashSet<_>>()
            .len(),
        9
    );
    let inspection_groups = store.list_groups(&everything, &round.id).await.unwrap();
    assert!(inspection_groups.len() >= 2);
    let inspectors: HashSet<&str> = staff
        .iter()
        .filter(|s| s.role == "inspection_group_member")
        .map(|s| s.id.as_str())
        .collect();
    let serving: HashSet<&str> = inspection_groups
        .iter()
        .flat_map(|g| g.members.iter().map(|m| m.staff_id.as_str()))
        .collect();
    assert_eq!(
        serving, inspectors,
        "every inspector, the demo account's too, serves in a group"
    );
    for g in &inspection_groups {
        assert!(g.group.target_count > 0, "{} inspects nothing", g.group.name);
        for t in targets.iter().filter(|t| t.group_id == g.group.id) {
            assert!(
                g.members
                    .iter()
                    .all(|m| m.home_township_id.as_deref() != Some(t.township_id.as_str())),
                "recusal: a member of {} comes from {}",
                g.group.name,
                t.township_name
            );
        }
    }
    let meetings = store.list_meetings(&everything, Some(&round.id)).await.unwrap();
    assert_eq!((meetings.len(), report.meetings), (5, 5));
    for m in &meetings {
        assert!(
            targets
                .iter()
                .any(|t| t.village_id == m.meeting.village_id && t.group_id == m.meeting.group_id)
        );
        assert!(
            m.meeting.place.starts_with(&m.meeting.village_name),
            "{}",
            m.meeting.place
        );
        assert!((2..=3).contains(&m.departments.len()), "{:?}", m.departments);
        let day = m.meeting.starts_at.date_naive();
        assert!(round.starts_on <= day && day < today(), "{day}");
    }
    let register = store.register(Some(&round.id), None, today()).await.unwrap();
    assert_eq!((register.total, register.on_spot, report.concerns), (36, 8, 36));
    assert_eq!(register.by_category.len(), 8);
    assert!(register.overdue > 0 && register.overdue < 10, "{register:?}");
    let states: HashSet<&str> = register.by_state.iter().map(|s| s.name.as_str()).collect();
    for state in [
        "registered",
        "assigned",
        "rectifying",
        "answered",
        "closed",
        "closed_not_fixed",
    ] {
        assert!(states.contains(state), "no concern is {state}: {register:?}");
    }
    let concerns = all_concerns(&store).await;
    assert_eq!(concerns.len(), 36);
    let named = concerns.iter().filter(|c| c.has_complainant).count();
    assert!((8..=16).contains(&named), "{named} concerns with a name");
    for c in concerns
        .iter()
        .filter(|c| c.state == "assigned" || c.state == "rectifying")
    {
        let m = meetings
            .iter()
            .find(|m| Some(&m.meeting.id) == c.meeting_id.as_ref())
            .unwrap();
        assert!(
            m.departments.iter().any(|d| Some(&d.id) == c.department_id.as_ref()),
            "{} is with a department the meeting did not invite",
            c.text
        );
        assert!(c.answer_deadline.is_some());
    }
    // The README's sample receipt opens an answered concern, as a villager would.
    let code = report.sample_receipt.as_deref().unwrap();
    assert_eq!(code.len(), 16);
    let hash = secrets().receipt_hash(&qinglian_domain::inspection::ReceiptCode::parse(code).unwrap());
    let (concern, events) = store.concern_by_receipt(&hash).await.unwrap();
    assert_eq!(concern.state, "answered");
    assert_eq!(events.first().map(|e| e.kind.as_str()), Some("create"));
    assert_eq!(events.last().map(|e| e.kind.as_str()), Some("answer"));

    // The clue register: a hundred clues, fifty cases, every team from other townships.
    let a = qinglian_store::model::Actor::system("test");
    let all = qinglian_domain::scope::Reach::everything();
    let clues = store
        .list_clues(
            &a,
            &all,
            &Default::default(),
            qinglian_store::model::PageRequest::new(1, 200),
        )
        .await
        .unwrap();
    assert_eq!((clues.total, report.clues), (100, 100));
    let cases = store
        .list_cases(&a, &all, qinglian_store::model::PageRequest::new(1, 200))
        .await
        .unwrap();
    assert_eq!((cases.total, report.cases), (50, 50));
    let by_id: std::collections::HashMap<String, Staff> = staff.iter().map(|s| (s.id.clone(), s.clone())).collect();
    let mut teams = 0;
    for c in &clues.items {
        let d = store.get_clue(&a, &all, &c.id).await.unwrap();
        if c.case_id.is_some() {
            assert_eq!(d.team.len(), 2, "{} has no full team", c.number);
            let kinds: Vec<&str> = d.events.iter().map(|e| e.disposition.as_str()).collect();
            assert_eq!(kinds, vec!["preliminary_verification", "case_opened"]);
        }
        for m in &d.team {
            let s = &by_id[&m.staff_id];
            assert_ne!(
                s.home_township_id.as_deref(),
                Some(c.township_id.as_str()),
                "{}",
                c.number
            );
            assert!(
                !(s.posting_kind == "township" && s.posting_unit_id.as_deref() == Some(c.township_id.as_str())),
                "{} is handled from its own township",
                c.number
            );
            teams += 1;
        }
    }
    assert!(teams >= 100, "{teams} team places");
    zones_and_campaign_figures(&store).await;
    rating_periods(&store).await;
    rectification_orders(&store).await;
}

/// Two published periods over every village: about 20 in C in the first, fewer in the second,
/// villages leaving C, and the open concerns of the tour counted by the system.
async fn rating_periods(store: &Store) {
    use qinglian_domain::rating::Grade;
    let periods = store.list_periods().await.unwrap();
    let labels: Vec<&str> = periods.iter().rev().map(|p| p.label.as_str()).collect();
    assert_eq!(labels, qinglian::demo::rating::PERIODS.to_vec());
    assert!(periods.iter().all(|p| p.state == "published"));
    let all = Reach::everything();
    let first = store.period_results(&all, &periods[1].id).await.unwrap();
    let second = store.period_results(&all, &periods[0].id).await.unwrap();
    assert_eq!((first.len(), second.len()), (338, 338), "every village graded");
    let c = |rs: &[qinglian_store::model::RatingResult]| rs.iter().filter(|r| r.grade() == Grade::C).count();
    let (c1, c2) = (c(&first), c(&second));
    eprintln!("demo rating: C villages {c1} then {c2}");
    assert!((15..=25).contains(&c1), "{c1} C villages in the first period");
    assert!(c2 < c1 && c2 > 0, "{c2} C villages in the second");
    let left = first
        .iter()
        .filter(|r| r.grade() == Grade::C)
        .filter(|r| {
            second
                .iter()
                .any(|s| s.village_id == r.village_id && s.grade() != Grade::C)
        })
        .count();
    assert_eq!(left, c1 - c2, "the second period shows villages leaving C");
    // One village, one plan: every C village of each period has one for it. Of the first
    // period's, those the second lifts above C have every item closed out and so left C (整转);
    // the others are C again with work still open. The second period's plans await the next.
    use qinglian_domain::rectification::standing::Standing;
    let plans = store.list_village_plans(&all, today()).await.unwrap();
    let c_of = |rs: &[qinglian_store::model::RatingResult]| -> Vec<String> {
        rs.iter()
            .filter(|r| r.grade() == Grade::C)
            .map(|r| r.village_id.clone())
            .collect()
    };
    let (c_first, c_second) = (c_of(&first), c_of(&second));
    assert_eq!(plans.len(), c_first.len() + c_second.len());
    let mut left_c = 0;
    for p in &plans {
        let plan = store.get_village_plan(&all, &p.plan.id, today()).await.unwrap();
        let states: Vec<&str> = plan.items.iter().map(|i| i.item.state.as_str()).collect();
        assert_eq!(states.len(), 3);
        assert_eq!(plan.standing, p.standing);
        if p.plan.period_id.as_deref() == Some(periods[0].id.as_str()) {
            assert!(c_second.contains(&p.plan.village_id));
            assert_eq!(p.plan.period_label.as_deref(), Some(periods[0].label.as_str()));
            assert_eq!(p.standing, Standing::Awaiting);
            continue;
        }
        assert_eq!(p.plan.period_id.as_deref(), Some(periods[1].id.as_str()));
        assert!(c_first.contains(&p.plan.village_id));
        assert_eq!(p.plan.next_period_label.as_deref(), Some(periods[0].label.as_str()));
        if c_second.contains(&p.plan.village_id) {
            assert_eq!(p.standing, Standing::StillC);
            assert!(states.contains(&"open") && states.contains(&"closed"), "{states:?}");
        } else {
            assert_eq!(p.standing, Standing::LeftC);
            assert!(states.iter().all(|s| *s == "closed"), "{states:?}");
            left_c += 1;
        }
    }
    assert_eq!(
        left_c,
        c1 - c2,
        "every village lifted above C left C with its plan closed"
    );
    // Monthly reports: months of them behind every plan, most heard, one awaiting its hearing,
    // and missing months showing overdue (in the plan's schedule and in the overdue list).
    let now = chrono::Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for p in &plans {
        let s = store.monthly_report_schedule(&all, &p.plan.id, now).await.unwrap();
        // The first period's plans were opened three to five months back, the second's one to two.
        let least = if p.plan.period_id.as_deref() == Some(periods[1].id.as_str()) {
            3
        } else {
            1
        };
        assert!(s.months.len() >= least, "{:?}", s.months);
        for m in s.months {
            *statuses.entry(m.status).or_default() += 1;
        }
    }
    eprintln!("demo monthly reports: {statuses:?}");
    let count = |k: &str| statuses.get(k).copied().unwrap_or(0);
    assert_eq!(count("filed"), 1, "{statuses:?}");
    assert!(count("overdue") >= 1, "{statuses:?}");
    assert!(
        count("heard") > count("overdue") + count("filed") + count("due"),
        "{statuses:?}"
    );
    let overdue = store.overdue_monthly_reports(&all, now).await.unwrap();
    assert_eq!(overdue.len(), count("overdue"));
    let values = store.period_values(&all, &periods[1].id).await.unwrap();
    let open: f64 = values
        .iter()
        .filter(|v| v.indicator_code == "open_concerns")
        .map(|v| v.value)
        .sum();
    assert!(open > 0.0, "the tour's open concerns are counted");
}

/// Every township has its party secretary on record; in the demo `secretary`'s township one
/// order is issued under both posts' signatures with a follow-up, and one draft awaits the
/// discipline secretary, whom that account can sign as.
async fn rectification_orders(store: &Store) {
    let staff = all_staff(store).await;
    for t in store.list_townships().await.unwrap() {
        let p = store.party_secretary(&t.id).await.unwrap().expect("a party secretary");
        let s = staff.iter().find(|s| s.id == p.staff_id).unwrap();
        assert_eq!(s.posting_unit_id.as_deref(), Some(t.id.as_str()), "{}", t.name);
        assert_ne!(s.role, "township_secretary");
    }
    let secretary = staff.iter().find(|s| s.role == "township_secretary").unwrap();
    let orders = all_orders(store).await;
    assert_eq!(orders.len(), qinglian::demo::rectification::ORDERS);
    for o in &orders {
        assert_eq!(o.order.township_id, secretary.posting_unit_id.clone().unwrap());
        assert!(!o.overdue);
    }
    let issued = orders
        .iter()
        .find(|o| o.order.state == "issued")
        .expect("an issued order");
    let posts: Vec<&str> = issued.sign_offs.iter().map(|s| s.post.as_str()).collect();
    assert_eq!(posts, vec!["party_secretary", "discipline_secretary"]);
    assert_ne!(issued.sign_offs[0].staff_id, issued.sign_offs[1].staff_id);
    assert_eq!(issued.sign_offs[1].staff_id, secretary.id);
    assert_eq!(issued.follow_ups.len(), 1);
    let draft = orders.iter().find(|o| o.order.state == "draft").expect("a draft");
    assert_eq!(draft.sign_offs.len(), 1);
    assert_eq!(draft.sign_offs[0].post, "party_secretary");
    assert_ne!(draft.order.village_id, issued.order.village_id);
}

/// Each zone's rotation with a quarter of history and a submitted term report, and the
/// campaign's and the year's figures as the story tells them, summed exactly.
async fn zones_and_campaign_figures(store: &Store) {
    use qinglian::demo::governance::{CAMPAIGN, figures};
    use qinglian_domain::campaign::{CampaignStats, Period, ZoneUnits};
    use qinglian_domain::zone_governance::Quarter;
    let zones = store.list_zones().await.unwrap();
    let today = chrono::Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive();
    let last = Quarter::of(today).prev();
    for z in &zones {
        let cal = store.convener_calendar(&z.zone.id, last, 4).await.unwrap();
        assert!(
            cal.iter().all(|s| s.staff_id.is_some()),
            "{} has a gap in its calendar",
            z.zone.name
        );
        assert_eq!(cal[0].report_state.as_deref(), Some("submitted"), "{}", z.zone.name);
        assert!(!store.list_joint_meetings(&z.zone.id).await.unwrap().is_empty());
    }
    let units: Vec<ZoneUnits> = zones
        .iter()
        .map(|z| ZoneUnits {
            id: z.zone.id.clone(),
            name: z.zone.name.clone(),
            members: z.members.iter().map(|m| m.id.clone()).collect(),
        })
        .collect();
    let campaign = store
        .list_campaigns()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == CAMPAIGN)
        .unwrap();
    let year = chrono::Datelike::year(&campaign.ends_on);
    let period = Period::Campaign {
        id: campaign.id,
        name: campaign.name,
        starts_on: campaign.starts_on,
        ends_on: campaign.ends_on,
    };
    let s = CampaignStats::compute(&units, &store.stat_facts(&period).await.unwrap()).unwrap();
    assert_eq!(s.county.problems_found, figures::CAMPAIGN_PROBLEMS);
    assert_eq!(s.county.cases_opened, figures::CAMPAIGN_CASES as i64);
    assert_eq!(s.county.funds_seized.canonical(), "76000.00");
    assert_eq!(s.county.funds_handed_in.canonical(), "152000.00");
    assert_eq!(s.league.len(), 7);
    let y = CampaignStats::compute(&units, &store.stat_facts(&Period::Year { year }).await.unwrap()).unwrap();
    assert_eq!((y.county.problems_found, y.county.problems_rectified), (468, 468));
    // The year's cases are the register's: 123 when the demo opens them itself, else those of
    // the clue register that fall in the campaign's year.
    assert!(y.county.cases_opened > 0 && y.county.cases_opened <= figures::YEAR_CASES as i64);
    assert_eq!(y.county.forms[0], figures::YEAR_FIRST_FORM as i64);
    assert_eq!(y.county.sanctions, figures::YEAR_SANCTIONS as i64);
}

/// Same seed, same county, on two fresh databases; another seed, other names.
async fn the_seed_decides_the_county(a: Store, b: Store, c: Store) {
    demo(&a, 7).await;
    demo(&b, 7).await;
    demo(&c, 8).await;
    let (a, b, c) = (snapshot(&a).await, snapshot(&b).await, snapshot(&c).await);
    assert_eq!(a, b);
    let names = |s: &Snapshot| s.townships.iter().map(|t| t.1.clone()).collect::<Vec<_>>();
    assert_ne!(names(&a), names(&c));
    let names = |s: &Snapshot| s.villages.iter().map(|v| v.1.clone()).collect::<Vec<_>>();
    assert_ne!(names(&a), names(&c));
    let names = |s: &Snapshot| s.staff.iter().map(|p| p.1.clone()).collect::<Vec<_>>();
    assert_ne!(names(&a), names(&c));
    assert_eq!(
        (a.county, a.departments, a.groups.len()),
        (c.county, c.departments, c.groups.len())
    );
}

/// A deployment that has its county is never touched by the demo.
async fn a_second_run_is_refused_and_changes_nothing(store: Store) {
    let report = demo(&store, 1).await;
    let before = snapshot(&store).await;
    let calls = AtomicU64::new(0);
    let count = |_: DemoProgress| {
        calls.fetch_add(1, Ordering::Relaxed);
    };
    for seed in [1, 2] {
        let evidence = Evidence::new();
        let e = create_demo(store.as_ref(), &secrets(), evidence.demo(), seed, &count)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, DemoError::AlreadySetUp { division_code, name } if division_code == "990101000000" && name == "青岚县"),
            "{e:?}"
        );
    }
    assert_eq!(calls.load(Ordering::Relaxed), 0);
    assert_eq!(snapshot(&store).await, before);
    assert_eq!(all_staff(&store).await.len(), report.staff.len());
}

async fn fresh(backend: &str) -> TestDb {
    match backend {
        "sqlite" => qinglian_testkit::sqlite().await,
        _ => qinglian_testkit::postgres().await,
    }
}

#[tokio::test]
async fn sqlite_the_demo_county_has_the_story_shape() {
    let db = fresh("sqlite").await;
    the_demo_county_has_the_story_shape(db.store().await).await;
}

#[tokio::test]
async fn postgres_the_demo_county_has_the_story_shape() {
    let db = fresh("postgres").await;
    the_demo_county_has_the_story_shape(db.store().await).await;
}

#[tokio::test]
async fn sqlite_the_seed_decides_the_county() {
    let (a, b, c) = (fresh("sqlite").await, fresh("sqlite").await, fresh("sqlite").await);
    the_seed_decides_the_county(a.store().await, b.store().await, c.store().await).await;
}

#[tokio::test]
async fn postgres_the_seed_decides_the_county() {
    let (a, b, c) = (
        fresh("postgres").await,
        fresh("postgres").await,
        fresh("postgres").await,
    );
    the_seed_decides_the_county(a.store().await, b.store().await, c.store().await).await;
}

#[tokio::test]
async fn sqlite_a_second_run_is_refused_and_changes_nothing() {
    let db = fresh("sqlite").await;
    a_second_run_is_refused_and_changes_nothing(db.store().await).await;
}

#[tokio::test]
async fn postgres_a_second_run_is_refused_and_changes_nothing() {
    let db = fresh("postgres").await;
    a_second_run_is_refused_and_changes_nothing(db.store().await).await;
}

/// The backend does not change the county: a demo on SQLite matches one on PostgreSQL.
#[tokio::test]
async fn the_same_seed_gives_the_same_county_on_both_backends() {
    let [s, p] = qinglian_testkit::each_backend().await;
    let (s, p) = (s.store().await, p.store().await);
    demo(&s, 42).await;
    demo(&p, 42).await;
    assert_eq!(snapshot(&s).await, snapshot(&p).await);
}
