//! Rectification orders (督改单) in the demo county: each township's party secretary recorded,
//! and in one township an order issued under both signatures and followed up, beside a draft
//! that awaits the discipline secretary's signature.
//!
//! The role model has no party secretary (乡镇党委书记): the demo records, as each township's,
//! the first of the officials posted there (the village liaison cadres) by name. The orders go
//! to the township of the demo's `secretary` account (the first township secretary in the
//! staff list, as `accounts::ensure_demo_accounts` picks), so that a visitor signed in as
//! `secretary` can sign the draft and see it issued.

use chrono::NaiveDate;
use qinglian_domain::inspection::Text;
use qinglian_domain::rectification::order::{FollowUpKind, OrderInput};
use qinglian_domain::role::Role;
use qinglian_domain::scope::Reach;
use qinglian_store::model::{Actor, PageRequest, Staff, VillageFilter};
use qinglian_store::{Store, StoreError};

use super::acting;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Orders the demo writes: one issued, one draft.
pub const ORDERS: usize = 2;

/// A stream of its own, so the orders' draws never shift the rest of the demo county.
const STREAM: u64 = 0x6475_6761_6964_616e;

/// Problem, required actions and days to the deadline; `{village}` is the village's name.
const ISSUED: (&str, &str, i64) = (
    "{village}宅基地征收事项搁置近一年，涉及农户多次信访反映，至今未完成补偿。",
    "一、三十日内拟定征收补偿方案并张榜公示；\n二、逐户签订补偿协议，补偿款足额发放到户；\n三、整改结果书面报镇党委、镇纪委。",
    30,
);
const DRAFT: (&str, &str, i64) = (
    "{village}村务公开栏长期未更新，集体资金收支未按月公开。",
    "十五日内更新村务公开栏，补充公开近六个月集体资金收支明细，并建立按月公开台账。",
    15,
);
const PROGRESS: &str = "已召开村民代表会议通报征收补偿方案，方案公示中；已与十二户中的九户签订补偿协议。";

/// Records every township's party secretary and writes the demo's orders.
pub async fn write(store: &dyn Store, actor: &Actor, seed: u64, today: NaiveDate) -> Result<(), StoreError> {
    let staff = store.all_staff().await?;
    let mut by_name: Vec<&Staff> = staff.iter().collect();
    by_name.sort_by(|a, b| (a.name.as_str(), a.id.as_str()).cmp(&(b.name.as_str(), b.id.as_str())));
    let posted = |role: Role, township: &str| {
        by_name
            .iter()
            .copied()
            .find(|s| s.role == role.as_str() && s.posting_unit_id.as_deref() == Some(township))
    };
    for t in store.list_townships().await? {
        if let Some(official) = posted(Role::VillageLiaison, &t.id) {
            store.set_party_secretary(actor, &t.id, &official.id).await?;
        }
    }
    // The demo `secretary` account's township: the same pick as the accounts.
    let Some(township) = staff
        .iter()
        .find(|s| s.role == Role::TownshipSecretary.as_str())
        .and_then(|s| s.posting_unit_id.clone())
    else {
        return Ok(());
    };
    let (Some(party), Some(discipline)) = (
        posted(Role::VillageLiaison, &township),
        posted(Role::TownshipSecretary, &township),
    ) else {
        return Ok(());
    };
    let mut villages = store
        .list_villages(
            &VillageFilter {
                township_id: Some(township.clone()),
                q: None,
            },
            PageRequest::new(1, PageRequest::MAX_LIMIT as u32),
        )
        .await?
        .items;
    villages.sort_by(|a, b| a.division_code.cmp(&b.division_code));
    if villages.len() < ORDERS {
        return Ok(());
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ STREAM);
    let first = rng.random_range(0..villages.len());
    let second = (first + rng.random_range(1..villages.len())) % villages.len();
    let all = Reach::everything();
    let (party, discipline) = (acting(actor, party), acting(actor, discipline));
    let mut orders = Vec::with_capacity(ORDERS);
    for (village, (problem, actions, days)) in [(&villages[first], ISSUED), (&villages[second], DRAFT)] {
        let input = OrderInput::parse(
            &village.id,
            &problem.replace("{village}", &village.name),
            actions,
            &(today + chrono::Duration::days(days)).to_string(),
            today,
        )?;
        // The township's official drafts it and signs first as party secretary.
        let order = store.draft_rectification_order(&party, &all, &input, today).await?;
        store
            .sign_rectification_order(&party, &all, &order.order.id, None, today)
            .await?;
        orders.push(order.order.id);
    }
    // Only the first gets the discipline secretary's signature, which issues it.
    store
        .sign_rectification_order(&discipline, &all, &orders[0], None, today)
        .await?;
    store
        .follow_up_rectification_order(
            &discipline,
            &all,
            &orders[0],
            FollowUpKind::Progress,
            &Text::parse("text", PROGRESS)?,
            None,
            today,
        )
        .await?;
    Ok(())
}
