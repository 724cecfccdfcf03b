//! The demo's clue register: about a hundred clues over the year, half of them opened as cases,
//! each handled by a cross-township team from its own zone (never from the clue's township).

use chrono::{Duration, NaiveDate, Utc};
use qinglian_domain::case::{ClueInput, ClueSource, Disposition};
use qinglian_domain::inspection::{CHINA, Text};
use qinglian_domain::role::Role;
use qinglian_domain::scope::Reach;
use qinglian_store::Store;
use qinglian_store::model::{Actor, Staff};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::names::Namer;
use super::{DemoError, at};

pub(super) const CLUES: usize = 100;
pub(super) const CASES: usize = 50;

const TOPICS: [&str; 12] = [
    "反映其虚报冒领农机购置补贴",
    "反映其在低保评定中优亲厚友",
    "反映其截留挪用征地补偿款",
    "反映其违规收受工程承包方礼金",
    "反映其插手干预村级工程项目发包",
    "反映其以村集体名义违规出租土地、收益去向不明",
    "反映其公款吃喝、违规报销招待费",
    "反映其在危房改造补助审核中弄虚作假",
    "反映其违规发放生态廊道补偿款",
    "反映其长期不在岗、作风漂浮",
    "反映其在宅基地审批中吃拿卡要",
    "反映其利用职务便利为亲属承揽工程",
];

const POSTS: [&str; 6] = [
    "财政所所长",
    "农业服务中心主任",
    "国土资源所副所长",
    "村党支部书记",
    "村委会主任",
    "村报账员",
];

const NOTES: [(Disposition, &str); 5] = [
    (Disposition::TalkInquiry, "问题较轻微，拟由乡镇纪委书记谈话提醒"),
    (
        Disposition::PreliminaryVerification,
        "线索具体、可查性强，由协作区交叉初核",
    ),
    (Disposition::Shelved, "反映内容笼统，暂存待查"),
    (Disposition::Closed, "经核实，反映问题不属实，予以了结"),
    (Disposition::CaseOpened, "经初步核实，涉嫌违纪违法，报批立案审查调查"),
];

/// What the register holds after `write`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CasesWritten {
    pub clues: usize,
    pub cases: usize,
}

/// Writes the register: every clue, its disposition, and for verified clues and cases a team
/// of two from the clue's zone whose home and posting are elsewhere.
pub(super) async fn write(
    store: &dyn Store,
    actor: &Actor,
    seed: u64,
    tick: &mut (dyn FnMut() + Send),
) -> Result<CasesWritten, DemoError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x636c_7565);
    let townships = store.list_townships().await.map_err(at("clues"))?;
    let staff = store.all_staff().await.map_err(at("clues"))?;
    let villages = |t: &str| {
        let t = t.to_owned();
        async move {
            store
                .list_villages(
                    &qinglian_store::model::VillageFilter {
                        township_id: Some(t),
                        ..Default::default()
                    },
                    qinglian_store::model::PageRequest::new(1, 50),
                )
                .await
                .map(|p| p.items)
        }
    };
    let today = Utc::now().with_timezone(&CHINA).date_naive();
    let all = Reach::everything();
    // The dispositions, shuffled: 50 cases, then the rest; ten left pending.
    let mut plan: Vec<Option<Disposition>> = Vec::with_capacity(CLUES);
    plan.extend(std::iter::repeat_n(Some(Disposition::CaseOpened), CASES));
    plan.extend(std::iter::repeat_n(Some(Disposition::TalkInquiry), 18));
    plan.extend(std::iter::repeat_n(Some(Disposition::PreliminaryVerification), 10));
    plan.extend(std::iter::repeat_n(Some(Disposition::Closed), 8));
    plan.extend(std::iter::repeat_n(Some(Disposition::Shelved), 4));
    plan.resize(CLUES, None);
    plan.shuffle(&mut rng);
    // Received over the past year, oldest first, so the register's numbers follow the dates.
    let mut days: Vec<i64> = (0..CLUES).map(|_| rng.random_range(3..330)).collect();
    days.sort_unstable_by(|a, b| b.cmp(a));
    let mut namer_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7375_626a);
    let mut namer = Namer::new(&mut namer_rng);
    let mut written = CasesWritten { clues: 0, cases: 0 };
    for (i, disposition) in plan.into_iter().enumerate() {
        let Some(township) = townships.choose(&mut rng) else {
            break;
        };
        let received: NaiveDate = today - Duration::days(days[i]);
        let post = POSTS.choose(&mut rng).copied().unwrap_or("村委会主任");
        let unit = if post.starts_with('村') {
            let vs = villages(&township.id).await.map_err(at("clues"))?;
            let v = vs.choose(&mut rng).map_or(township.name.as_str(), |v| v.name.as_str());
            format!("{}{v}{post}", township.name)
        } else {
            format!("{}{post}", township.name)
        };
        let source = *ClueSource::ALL.choose(&mut rng).unwrap_or(&ClueSource::Petition);
        let input = ClueInput::parse(
            source.as_str(),
            &namer.person(),
            &unit,
            &township.id,
            TOPICS.choose(&mut rng).copied().unwrap_or(TOPICS[0]),
            &received.to_string(),
            today,
        )?;
        let clue = store.create_clue(actor, &input).await.map_err(at("clues"))?;
        written.clues += 1;
        if let Some(d) = disposition {
            if matches!(d, Disposition::CaseOpened | Disposition::PreliminaryVerification) {
                for member in team(&mut rng, &staff, &township.id, township.zone_id.as_deref(), &townships) {
                    store
                        .add_team_member(actor, &all, &clue.id, &member)
                        .await
                        .map_err(at("cross-handling teams"))?;
                }
            }
            if d == Disposition::CaseOpened {
                // Cases are opened after a preliminary verification, as the rules require.
                let note = Text::parse("note", NOTES[1].1)?;
                store
                    .dispose_clue(
                        actor,
                        &all,
                        &clue.id,
                        None,
                        Disposition::PreliminaryVerification,
                        &note,
                        received,
                    )
                    .await
                    .map_err(at("clue dispositions"))?;
                written.cases += 1;
            }
            let note = NOTES.iter().find(|(k, _)| *k == d).map_or("", |(_, n)| n);
            let opened = (received + Duration::days(rng.random_range(5..40))).min(today);
            store
                .dispose_clue(actor, &all, &clue.id, None, d, &Text::parse("note", note)?, opened)
                .await
                .map_err(at("clue dispositions"))?;
        }
        tick();
    }
    Ok(written)
}

/// Two people for a clue in `township`: secretaries of the zone's other townships and
/// supervision-office staff, none born in or posted to the township, preferring the zone.
fn team(
    rng: &mut ChaCha8Rng,
    staff: &[Staff],
    township: &str,
    zone: Option<&str>,
    townships: &[qinglian_store::model::Township],
) -> Vec<String> {
    let zone_of = |t: &str| townships.iter().find(|x| x.id == t).and_then(|x| x.zone_id.as_deref());
    let clear = |s: &&Staff| {
        s.home_township_id.as_deref() != Some(township)
            && !(s.posting_kind == "township" && s.posting_unit_id.as_deref() == Some(township))
    };
    let secretaries: Vec<&Staff> = staff
        .iter()
        .filter(|s| s.role == Role::TownshipSecretary.as_str())
        .filter(clear)
        .filter(|s| s.posting_unit_id.as_deref().and_then(zone_of) == zone)
        .collect();
    let offices: Vec<&Staff> = staff
        .iter()
        .filter(|s| s.role == Role::SupervisionOffice.as_str())
        .filter(clear)
        .collect();
    let mut out: Vec<String> = Vec::new();
    if let Some(s) = secretaries.choose(rng) {
        out.push(s.id.clone());
    }
    if let Some(s) = offices.choose(rng) {
        out.push(s.id.clone());
    }
    out
}
