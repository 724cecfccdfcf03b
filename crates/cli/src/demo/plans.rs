//! One village, one plan (一村一方案) in the demo county: a plan for every village an assessment
//! period graded C, with three rectification items each. The villages the second period lifts
//! out of C have every item of their first plan closed out (submitted by its owner, verified by
//! the township's discipline secretary), so they left C (整转); the others show an item closed,
//! one awaiting verification and one still open. The second period's C villages have a plan for
//! it with one item handed in, so the public list and the staff pages have every state to show.
//! Each plan was opened some months back (the first period's three to five, the second's one
//! to two), so that its monthly reports (`reports`) have a history.

use chrono::{Datelike, Duration, Months, NaiveDate};
use qinglian_domain::inspection::{CHINA, Text};
use qinglian_domain::rating::Grade;
use qinglian_domain::rectification::item::{Evidence, ItemAct, ItemInput, PlanInput};
use qinglian_domain::role::Role;
use qinglian_domain::scope::Reach;
use qinglian_store::Store;
use qinglian_store::model::Actor;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{DemoError, acting, at};

/// Title, expected result and days to the deadline of each plan's items.
const ITEMS: [(&str, &str, i64); 3] = [
    (
        "规范村务公开，按月公开集体资金收支明细",
        "村务公开栏按月更新，近六个月收支明细全部上墙并留存影像",
        30,
    ),
    (
        "清理村级工程项目合同，补齐验收和结算手续",
        "在建及已完工项目合同、验收单、结算单逐项归档，问题项目形成台账",
        60,
    ),
    (
        "落实“四议两公开”，重大事项决策全程留痕",
        "近一年重大事项会议记录完整，村民代表会议决议公示到位",
        90,
    ),
];

const SUBMITTED: &str = "已按要求整改，附整改前后照片及会议记录，请予核验。";
const VERIFIED: &str = "经现场核查，整改到位，予以销号。";

/// A plan as written, for the monthly reports that follow it.
pub(super) struct Written {
    pub plan_id: String,
    pub township_id: String,
    pub opened_on: NaiveDate,
}

/// Writes the plans, each opened some months before `today` (drawn from the seed) so that it
/// has months of reports behind it; returns them.
pub(super) async fn write(
    store: &dyn Store,
    actor: &Actor,
    seed: u64,
    today: NaiveDate,
) -> Result<Vec<Written>, DemoError> {
    let all = Reach::everything();
    let periods = store.list_periods().await.map_err(at("village plans"))?;
    // Newest first: the second period, then the first.
    let (Some(second), Some(first)) = (periods.first(), periods.get(1)) else {
        return Ok(Vec::new());
    };
    let before = store
        .period_results(&all, &first.id)
        .await
        .map_err(at("village plans"))?;
    let after = store
        .period_results(&all, &second.id)
        .await
        .map_err(at("village plans"))?;
    let staff = store.all_staff().await.map_err(at("village plans"))?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0050_4c41_4e53);
    let mut written = Vec::new();
    for r in before.iter().filter(|r| r.grade() == Grade::C) {
        let left_c = after
            .iter()
            .any(|s| s.village_id == r.village_id && s.grade() != Grade::C);
        // Every item closed where the village left C; otherwise one closed, one submitted.
        let progress = if left_c { (3, 3) } else { (2, 1) };
        let opened = opened_on(today, rng.random_range(3..=5), rng.random_range(1..=28));
        written.extend(plan_for(store, actor, &staff, r, &first.id, opened, progress, today).await?);
    }
    // The second period's C villages get their plan for it: one item already handed in.
    for r in after.iter().filter(|r| r.grade() == Grade::C) {
        let opened = opened_on(today, rng.random_range(1..=2), rng.random_range(1..=28));
        written.extend(plan_for(store, actor, &staff, r, &second.id, opened, (1, 0), today).await?);
    }
    Ok(written)
}

/// The day `months` months before `today`, on day `day` of that month.
fn opened_on(today: NaiveDate, months: u32, day: u32) -> NaiveDate {
    today
        .checked_sub_months(Months::new(months))
        .unwrap_or(today)
        .with_day(day)
        .unwrap_or(today)
}

/// Opens the village's plan for the period on `opened` with the three items, and takes the
/// first `submit` items to submitted and the first `verify` of them to closed. `None` when
/// the township lacks one of the two officials.
#[allow(clippy::too_many_arguments)]
async fn plan_for(
    store: &dyn Store,
    actor: &Actor,
    staff: &[qinglian_store::model::Staff],
    r: &qinglian_store::model::RatingResult,
    period_id: &str,
    opened: NaiveDate,
    (submit, verify): (usize, usize),
    today: NaiveDate,
) -> Result<Option<Written>, DemoError> {
    let party = store
        .party_secretary(&r.township_id)
        .await
        .map_err(at("village plans"))?
        .and_then(|p| staff.iter().find(|s| s.id == p.staff_id));
    let discipline = staff.iter().find(|s| {
        s.role == Role::TownshipSecretary.as_str() && s.posting_unit_id.as_deref() == Some(r.township_id.as_str())
    });
    // The party secretary owns the items; the discipline secretary verifies them.
    let (Some(owner), Some(verifier)) = (party, discipline) else {
        return Ok(None);
    };
    let (owner, verifier) = (acting(actor, owner), acting(actor, verifier));
    let all = Reach::everything();
    // On a working morning.
    let opened_at = opened
        .and_hms_opt(9, 30, 0)
        .and_then(|t| t.and_local_timezone(CHINA).single())
        .map_or_else(chrono::Utc::now, |t| t.with_timezone(&chrono::Utc));
    let plan = store
        .create_village_plan(actor, &all, &PlanInput::parse(&r.village_id, period_id)?, opened_at)
        .await
        .map_err(at("village plans"))?;
    let written = Written {
        plan_id: plan.plan.id.clone(),
        township_id: r.township_id.clone(),
        opened_on: opened,
    };
    let mut latest = plan;
    for (title, expected, days) in ITEMS {
        let input = ItemInput::parse(
            title,
            owner.staff_id.as_deref().unwrap_or_default(),
            &(today + Duration::days(days)).to_string(),
            expected,
            today,
        )?;
        latest = store
            .add_rectification_item(actor, &all, &latest.plan.id, &input, today)
            .await
            .map_err(at("village plans"))?;
    }
    // In the order of ITEMS: their deadlines increase.
    let mut items: Vec<(NaiveDate, String)> = latest
        .items
        .iter()
        .map(|i| (i.item.deadline, i.item.id.clone()))
        .collect();
    items.sort();
    for (i, (_, item)) in items.into_iter().enumerate() {
        if i < submit {
            let evidence = Evidence::parse(SUBMITTED, Vec::new())?;
            act(store, &owner, &item, &ItemAct::Submit(evidence), today).await?;
        }
        if i < verify {
            let note = Text::parse("note", VERIFIED)?;
            act(store, &verifier, &item, &ItemAct::Verify { note }, today).await?;
        }
    }
    Ok(Some(written))
}

async fn act(store: &dyn Store, who: &Actor, item: &str, a: &ItemAct, today: NaiveDate) -> Result<(), DemoError> {
    store
        .act_on_rectification_item(who, &Reach::everything(), item, a, None, today)
        .await
        .map(|_| ())
        .map_err(at("rectification items"))
}
