//! The demo's zone governance and campaign figures: each zone's convener rotation from last
//! quarter (one quarter of history, its joint meeting and a submitted term report), and a
//! campaign whose records add up to the story's figures (107 problems found, 50 cases, 76,000
//! yuan seized and 152,000 handed in; for the year 468 problems found and rectified, 123 cases,
//! 186 person-times under the first form, 37 sanctions).
//!
//! It runs after everything else and works with whatever clues and cases already exist:
//! handlings are attached to existing cases (`record_case_outcomes`), and only the cases
//! missing from the story's counts are opened here.

use chrono::{Duration, NaiveDate};
use qinglian_domain::campaign::{CampaignInput, FindingInput, HandlingInput};
use qinglian_domain::case::{ClueInput, Disposition};
use qinglian_domain::inspection::{Text, parse_date};
use qinglian_domain::scope::Reach;
use qinglian_domain::zone_governance::{JointMeetingInput, Quarter, Rotation, draft_report};
use qinglian_store::Store;
use qinglian_store::model::{Actor, PageRequest};

use super::{DemoError, at};

/// The story's figures, as the demo's records must add up to them.
pub mod figures {
    pub const CAMPAIGN_PROBLEMS: i64 = 107;
    pub const CAMPAIGN_CASES: usize = 50;
    /// In fen, so the split below is integer arithmetic; stored as exact yuan.
    pub const CAMPAIGN_SEIZED_FEN: i64 = 7_600_000;
    pub const CAMPAIGN_HANDED_IN_FEN: i64 = 15_200_000;
    pub const YEAR_PROBLEMS: i64 = 468;
    pub const YEAR_CASES: usize = 123;
    pub const YEAR_FIRST_FORM: usize = 186;
    pub const YEAR_SANCTIONS: usize = 37;
}
use figures::*;

/// The main campaign and the one at the start of the same year.
pub const CAMPAIGN: &str = "群众身边不正之风和腐败问题集中整治";
const EARLIER: &str = "元旦春节期间纠治“四风”专项检查";
/// Sanctions in the main campaign; the rest of the year's come from the other cases.
const CAMPAIGN_SANCTIONS: usize = 20;
const CAMPAIGN_FIRST_FORM: usize = 80;
const EARLIER_FIRST_FORM: usize = 40;

fn day(s: &str) -> Result<NaiveDate, DemoError> {
    Ok(parse_date("date", s)?)
}

/// `n` amounts in fen summing exactly to `total`, uneven like real ones, as yuan strings.
fn split_fen(total: i64, n: usize) -> Vec<String> {
    let n = n.max(1);
    let weights: Vec<i64> = (0..n as i64).map(|i| 7 + (i * 5) % 11).collect();
    let sum: i64 = weights.iter().sum();
    let mut parts: Vec<i64> = weights.iter().map(|w| total * w / sum + (w % 3) * 17).collect();
    let used: i64 = parts[..n - 1].iter().sum();
    parts[n - 1] = total - used;
    parts
        .into_iter()
        .map(|f| format!("{}.{:02}", f / 100, f % 100))
        .collect()
}

/// Sets every zone's rotation from last quarter, records a joint meeting per quarter so far,
/// and has last quarter's convener submit their term report.
pub(super) async fn rotations(store: &dyn Store, actor: &Actor) -> Result<(), DemoError> {
    let today = today();
    let now = Quarter::of(today);
    let last = now.prev();
    let staff = store.all_staff().await.map_err(at("rotations"))?;
    for zone in store.list_zones().await.map_err(at("rotations"))? {
        // Conveners in the members' order: each member unit's secretary or group head.
        let people: Vec<&qinglian_store::model::Staff> = zone
            .members
            .iter()
            .filter_map(|m| {
                staff.iter().find(|s| {
                    matches!(s.role.as_str(), "township_secretary" | "stationed_group_head")
                        && s.posting_unit_id.as_deref() == Some(m.id.as_str())
                })
            })
            .collect();
        if people.is_empty() {
            continue;
        }
        let order: Vec<String> = people.iter().map(|s| s.id.clone()).collect();
        let rotation = Rotation::parse(&last.to_string(), order.clone())?;
        store
            .set_rotation(actor, &zone.zone.id, &rotation)
            .await
            .map_err(at("rotations"))?;
        let held = [
            (
                last.first_day() + Duration::days(24),
                "第三季度联席会议：通报线索处置和交叉办案进展，研究协作事项",
            ),
            (
                now.first_day() + Duration::days(20),
                "第四季度联席会议：专项整治推进情况，部署年终交叉检查",
            ),
        ];
        for (on, agenda) in held {
            if on > today {
                continue;
            }
            let place = format!("{}会议室", people[0].posting_unit_name.clone().unwrap_or_default());
            let minutes = format!(
                "{}召集。会议听取了各成员单位线索处置和整改情况汇报，明确交叉审查人员安排，要求按期报送统计数据。",
                rotation
                    .convener(Quarter::of(on))
                    .and_then(|id| people.iter().find(|p| p.id == id))
                    .map(|p| p.name.as_str())
                    .unwrap_or("")
            );
            let input = JointMeetingInput::parse(&on.to_string(), &place, agenda, order.clone(), &minutes, today)?;
            store
                .record_joint_meeting(actor, &zone.zone.id, &input)
                .await
                .map_err(at("joint meetings"))?;
        }
        // Last quarter's convener writes their report from the figures and submits it.
        let convener = people[0];
        let figures = store
            .term_figures(&zone.zone.id, last)
            .await
            .map_err(at("term reports"))?;
        let body = format!(
            "{}\n（已据实补充：本季度协作区未发现召集人履职方面的问题。）",
            draft_report(&zone.zone.name, &convener.name, last, &figures)
        )
        .replace("（请填写）", "按期召开联席会议，交叉审查力量统筹到位。");
        let as_convener = Actor {
            staff_id: Some(convener.id.clone()),
            name: convener.name.clone(),
            role: convener.role.clone(),
            ..actor.clone()
        };
        store
            .save_term_report(
                &as_convener,
                &zone.zone.id,
                last,
                &Text::parse("body", &body)?,
                true,
                None,
                today,
            )
            .await
            .map_err(at("term reports"))?;
    }
    Ok(())
}

/// Records one handling per case: the form and sanction by position in a fixed pattern, funds
/// (in yuan strings) from `funds` in turn. Returns how many carried a sanction.
pub async fn record_case_outcomes(
    store: &dyn Store,
    actor: &Actor,
    campaign_id: Option<&str>,
    case_ids: &[String],
    sanctions: usize,
    funds: &[(String, String)],
    decided_on: NaiveDate,
) -> Result<usize, DemoError> {
    let mut sanctioned = 0;
    for (i, case_id) in case_ids.iter().enumerate() {
        let sanction = (i < sanctions).then_some(match i % 4 {
            0 => "party_warning",
            1 => "gov_demerit",
            2 => "party_serious_warning",
            _ => "party_expulsion",
        });
        let form = match sanction {
            Some("party_expulsion") => "4",
            Some("party_serious_warning") => "3",
            _ => "2",
        };
        let (seized, handed) = funds.get(i).cloned().unwrap_or_default();
        let input = HandlingInput::parse(
            case_id,
            "",
            campaign_id.unwrap_or(""),
            form,
            sanction.unwrap_or(""),
            &seized,
            &handed,
            &decided_on.to_string(),
            decided_on,
        )?;
        store
            .record_handling(actor, &Reach::everything(), &input)
            .await
            .map_err(at("handlings"))?;
        sanctioned += usize::from(sanction.is_some());
    }
    Ok(sanctioned)
}

/// Opens cases in `townships` (round robin) on days spread over `[from, to]`, each from its
/// own clue, until `count` are open; returns their ids.
async fn open_cases(
    store: &dyn Store,
    actor: &Actor,
    townships: &[String],
    count: usize,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<String>, DemoError> {
    const SUBJECTS: [(&str, &str, &str); 5] = [
        ("王某某", "村党支部", "反映其在低保评定中优亲厚友"),
        ("李某某", "村民委员会", "反映其虚报冒领惠农补贴"),
        ("张某某", "镇农业综合服务中心", "反映其违规收受服务对象礼金"),
        ("刘某某", "村股份经济合作社", "反映其侵占集体资产租金"),
        ("陈某某", "镇财政所", "反映其违规报销差旅费"),
    ];
    let span = (to - from).num_days().max(1);
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let on = from + Duration::days(i as i64 * span / count.max(1) as i64);
        let (name, unit, summary) = SUBJECTS[i % SUBJECTS.len()];
        let township = &townships[(i * 7) % townships.len()];
        let clue = store
            .create_clue(
                actor,
                &ClueInput::parse("petition", name, unit, township, summary, &on.to_string(), on)?,
            )
            .await
            .map_err(at("clues"))?;
        store
            .dispose_clue(
                actor,
                &Reach::everything(),
                &clue.id,
                None,
                Disposition::CaseOpened,
                &Text::parse("note", "经初步核实，决定立案审查调查")?,
                on,
            )
            .await
            .map_err(at("cases"))?;
        let case = store
            .get_clue(actor, &Reach::everything(), &clue.id)
            .await
            .map_err(at("cases"))?
            .clue
            .case_id;
        ids.extend(case);
    }
    Ok(ids)
}

/// Every case in the register: (id, opened on).
async fn all_cases(store: &dyn Store, actor: &Actor) -> Result<Vec<(String, NaiveDate)>, DemoError> {
    let mut out = Vec::new();
    for page in 1.. {
        let p = store
            .list_cases(
                actor,
                &Reach::everything(),
                PageRequest::new(page, PageRequest::MAX_LIMIT as u32),
            )
            .await
            .map_err(at("cases"))?;
        let done = p.items.is_empty();
        out.extend(p.items.into_iter().map(|c| (c.id, c.opened_on)));
        if done || out.len() as i64 >= p.total {
            break;
        }
    }
    Ok(out)
}

/// The two campaigns of the year with their findings and handlings. With cases already in the
/// register, the main campaign spans them (its 50 cases are theirs) and no case is added; on a
/// register without cases, the story's 50 (campaign) and 123 (year) are opened here.
pub(super) async fn campaigns(store: &dyn Store, actor: &Actor) -> Result<(), DemoError> {
    use chrono::Datelike;
    let today = today();
    let existing = all_cases(store, actor).await?;
    let (a_from, a_to) = match (existing.iter().map(|c| c.1).min(), existing.iter().map(|c| c.1).max()) {
        (Some(first), Some(last)) => (first, last),
        _ => {
            let to = today - Duration::days(30);
            let from = (to - Duration::days(240)).max(day(&format!("{}-01-01", to.year()))?);
            (from, to)
        }
    };
    let year = a_to.year();
    let year_from = day(&format!("{year}-01-01"))?;
    let b_to = day(&format!("{year}-02-28"))?.min(a_to);
    let main = store
        .create_campaign(
            actor,
            &CampaignInput::parse(CAMPAIGN, &a_from.to_string(), &a_to.to_string())?,
        )
        .await
        .map_err(at("campaigns"))?;
    let earlier = store
        .create_campaign(
            actor,
            &CampaignInput::parse(EARLIER, &year_from.to_string(), &b_to.to_string())?,
        )
        .await
        .map_err(at("campaigns"))?;
    let townships: Vec<String> = store
        .list_townships()
        .await
        .map_err(at("campaigns"))?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let groups: Vec<String> = store
        .list_stationed_groups()
        .await
        .map_err(at("campaigns"))?
        .into_iter()
        .map(|g| g.id)
        .collect();
    if townships.is_empty() {
        return Ok(());
    }
    let units: Vec<&String> = townships.iter().chain(&groups).collect();

    // Findings: 107 in the campaign (all rectified), 361 in the earlier one: 468 for the year.
    for (campaign, total, on) in [
        (&main.id, CAMPAIGN_PROBLEMS, a_to),
        (&earlier.id, YEAR_PROBLEMS - CAMPAIGN_PROBLEMS, b_to),
    ] {
        let n = units.len() as i64;
        for (i, unit) in units.iter().enumerate() {
            let i = i as i64;
            let found = total / n + i64::from(i < total % n);
            if found == 0 {
                continue;
            }
            let input = FindingInput::parse(
                campaign,
                unit,
                &found.to_string(),
                &found.to_string(),
                &on.to_string(),
                today,
            )?;
            store.record_finding(actor, &input).await.map_err(at("findings"))?;
        }
    }

    // Cases: the register's, or the story's opened here when it has none.
    let (campaign_cases, other_cases) = if existing.is_empty() {
        let a = open_cases(store, actor, &townships, CAMPAIGN_CASES, a_from, a_to).await?;
        // The year's other cases come before the campaign, when the year leaves room for them.
        let b = if a_from > year_from {
            let before = a_from - Duration::days(1);
            open_cases(store, actor, &townships, YEAR_CASES - CAMPAIGN_CASES, year_from, before).await?
        } else {
            Vec::new()
        };
        (a, b)
    } else {
        let a: Vec<String> = existing.iter().map(|c| c.0.clone()).take(CAMPAIGN_CASES).collect();
        let b = existing
            .iter()
            .filter(|c| c.1.year() == year && !a.contains(&c.0))
            .map(|c| c.0.clone())
            .collect();
        (a, b)
    };

    // The campaign's case handlings carry its funds and most of the year's sanctions; the other
    // cases of the year carry the rest.
    let seized = split_fen(CAMPAIGN_SEIZED_FEN, 12);
    let handed = split_fen(CAMPAIGN_HANDED_IN_FEN, 12);
    let funds: Vec<(String, String)> = seized.into_iter().zip(handed).collect();
    let other_sanctions = other_cases.len().min(YEAR_SANCTIONS - CAMPAIGN_SANCTIONS);
    let campaign_sanctions = (YEAR_SANCTIONS - other_sanctions).min(campaign_cases.len());
    record_case_outcomes(
        store,
        actor,
        Some(&main.id),
        &campaign_cases,
        campaign_sanctions,
        &funds,
        a_to,
    )
    .await?;
    record_case_outcomes(store, actor, None, &other_cases, other_sanctions, &[], a_to).await?;

    // The first form: talks and criticism, no case; most in the campaign, the rest around it.
    let first = [
        (Some(main.id.as_str()), CAMPAIGN_FIRST_FORM, a_to),
        (Some(earlier.id.as_str()), EARLIER_FIRST_FORM, b_to),
        (None, YEAR_FIRST_FORM - CAMPAIGN_FIRST_FORM - EARLIER_FIRST_FORM, a_to),
    ];
    for (campaign, n, on) in first {
        for i in 0..n {
            let unit = units[(i * 5) % units.len()];
            let input = HandlingInput::parse(
                "",
                unit,
                campaign.unwrap_or(""),
                "1",
                "",
                "",
                "",
                &on.to_string(),
                today,
            )?;
            store
                .record_handling(actor, &Reach::everything(), &input)
                .await
                .map_err(at("handlings"))?;
        }
    }
    Ok(())
}

/// Today in Beijing, as the pages' calendars and the clue register see it.
fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&qinglian_domain::inspection::CHINA)
        .date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funds_split_exactly() {
        for (total, n) in [
            (CAMPAIGN_SEIZED_FEN, 12),
            (CAMPAIGN_HANDED_IN_FEN, 12),
            (101, 3),
            (5, 1),
        ] {
            let parts = split_fen(total, n);
            assert_eq!(parts.len(), n);
            let fen: i64 = parts
                .iter()
                .map(|p| {
                    let (y, f) = p.split_once('.').unwrap();
                    y.parse::<i64>().unwrap() * 100 + f.parse::<i64>().unwrap()
                })
                .sum();
            assert_eq!(fen, total);
            assert!(parts.iter().all(|p| !p.starts_with('-')), "{parts:?}");
        }
    }
}
