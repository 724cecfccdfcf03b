//! Monthly reports (月度汇报) of the demo's village plans: for every ended month since a plan
//! was opened, a village liaison of the township (not its party secretary) files the report a
//! few days into the next month and the party secretary hears it with remarks. One report is
//! left filed and awaiting its hearing, and one plan misses its first month, so the schedule
//! shows every status; a township with no liaison besides its party secretary has no one to
//! file, and its months stay overdue.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use qinglian_domain::inspection::{CHINA, Text};
use qinglian_domain::rectification::report::{ReportMonth, Sections, schedule};
use qinglian_domain::role::Role;
use qinglian_domain::scope::Reach;
use qinglian_store::Store;
use qinglian_store::model::Actor;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::plans::Written;
use super::{DemoError, acting, at};

const CONDUCT: [&str; 3] = [
    "本月村“两委”干部按时参加集中学习，未发现违反中央八项规定精神问题。",
    "本月开展作风纪律自查一次，对一名干部值班迟到问题进行了提醒谈话。",
    "本月组织警示教育一次，村干部签订廉洁承诺书，未收到作风方面反映。",
];
const FUNDS: [&str; 3] = [
    "本月集体资金收支已按月公开，大额支出均经村民代表会议决议。",
    "本月完成集体资产清查台账更新，两处闲置厂房出租合同已重新公示。",
    "本月报账票据已全部交乡镇代理中心审核，无白条入账。",
];
const PROJECTS: [&str; 3] = [
    "村道硬化工程已完工，验收单、结算单已归档，待乡镇审计。",
    "本月无新开工程项目，在建水渠修缮工程进度约六成，合同资料齐全。",
    "小型工程比选过程已全程留痕，比选结果在村务公开栏公示七天。",
];
const AFFAIRS: [&str; 3] = [
    "本月召开村民代表会议一次，落实“四议两公开”，会议记录完整。",
    "村务公开栏已按月更新，党务、村务、财务三项公开到位。",
    "本月完成村务监督委员会例会，监督意见已逐条回复。",
];
const COMPLAINTS: [&str; 3] = [
    "本月收到群众反映两件，均已当面答复，无越级信访。",
    "本月无新增信访，上月反映的宅基地问题已协调解决并回访。",
    "本月收到一件关于低保评定的反映，已按程序复核并公示结果。",
];
const REMARKS: [&str; 3] = [
    "听取汇报，整改推进总体有序；三资公开要保持按月，不得拖延。",
    "听取汇报，工程资料要及时归档；群众反映的问题要件件有回音。",
    "听取汇报，同意所报情况；下月重点抓村务监督委员会作用发挥。",
];

/// A moment on `day` at `hour` o'clock Beijing time, no later than `cap`.
fn on(day: NaiveDate, hour: u32, cap: DateTime<Utc>) -> DateTime<Utc> {
    day.and_hms_opt(hour, 0, 0)
        .and_then(|t| t.and_local_timezone(CHINA).single())
        .map_or(cap, |t| t.with_timezone(&Utc).min(cap))
}

/// Writes the reports of the plans; returns how many were filed.
pub(super) async fn write(store: &dyn Store, actor: &Actor, seed: u64, plans: &[Written]) -> Result<usize, DemoError> {
    let all = Reach::everything();
    let now = Utc::now();
    let today = now.with_timezone(&CHINA).date_naive();
    let staff = store.all_staff().await.map_err(at("monthly reports"))?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x004d_4f4e_5448_4c59);
    let (mut awaiting_left, mut missing_left) = (1, 1);
    let mut filed = 0;
    for plan in plans {
        let party = store
            .party_secretary(&plan.township_id)
            .await
            .map_err(at("monthly reports"))?;
        let Some(party) = party.and_then(|p| staff.iter().find(|s| s.id == p.staff_id)) else {
            continue;
        };
        let Some(liaison) = staff.iter().find(|s| {
            s.role == Role::VillageLiaison.as_str()
                && s.posting_unit_id.as_deref() == Some(plan.township_id.as_str())
                && s.id != party.id
        }) else {
            continue;
        };
        let (liaison, party) = (acting(actor, liaison), acting(actor, party));
        let months: Vec<ReportMonth> = schedule(plan.opened_on, None, today)
            .into_iter()
            .filter(|m| m.has_ended(today))
            .collect();
        for (i, month) in months.iter().enumerate() {
            // The first plan with someone to file misses its first month: it shows overdue.
            if i == 0 && missing_left > 0 {
                missing_left -= 1;
                continue;
            }
            let pick = |rng: &mut ChaCha8Rng| rng.random_range(0..3);
            let sections = Sections::parse(
                CONDUCT[pick(&mut rng)],
                FUNDS[pick(&mut rng)],
                PROJECTS[pick(&mut rng)],
                AFFAIRS[pick(&mut rng)],
                COMPLAINTS[pick(&mut rng)],
            )?;
            let filed_on = month.next().first_day() + Duration::days(rng.random_range(0..4));
            let filed_at = on(filed_on, 10, now);
            let report = store
                .file_monthly_report(&liaison, &all, &plan.plan_id, *month, &sections, filed_at)
                .await
                .map_err(at("monthly reports"))?;
            filed += 1;
            // The latest month of one plan waits for its hearing.
            if i + 1 == months.len() && awaiting_left > 0 {
                awaiting_left -= 1;
                continue;
            }
            let heard_at = on(filed_on + Duration::days(rng.random_range(1..4)), 15, now).max(filed_at);
            let remarks = Text::parse("remarks", REMARKS[pick(&mut rng)])?;
            store
                .hear_monthly_report(&party, &all, &report.id, &remarks, heard_at)
                .await
                .map_err(at("monthly reports"))?;
        }
    }
    Ok(filed)
}
