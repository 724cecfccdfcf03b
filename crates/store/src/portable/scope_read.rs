//! A user's reach read in one statement on both backends.
//!
//! Resolving a reach took up to six queries (the staff record, grants, each department or
//! zone expansion, group rounds, team clues), each a hand-off to a reader thread on SQLite,
//! on every scoped page: a department's list paid more for them than for its rows (issue 6).
//! The statement returns every expansion the user's posting and grants could need, as tagged
//! rows; `assemble` applies the domain's rules to them as the queries did one by one. On
//! SQLite the result is kept until the next change to a table it reads (`reach_cache`): a
//! revoked grant or a changed posting still counts from the next request on.

use std::collections::BTreeMap;

use qinglian_domain::Invalid;
use qinglian_domain::role::{PostingKind, Role};
use qinglian_domain::scope::{Reach, Scope, ScopeKind};

use crate::error::StoreError;

/// Binds `$1` the account id. `part` says what `a` (the unit expanded) and `b` (what it
/// reaches) are; the staff row carries role, posting kind, posting unit, staff id and home
/// township in `a`..`e`. Expansions are made for the posting unit and every grant target,
/// whatever their kind: ids are unique across tables, and `assemble` takes only those of
/// the scopes the rules give.
pub(crate) const REACH_SQL: &str = "\
WITH me AS (SELECT s.id AS staff_id, s.posting_unit_id AS unit FROM account a JOIN staff s ON s.id = a.staff_id WHERE a.id = $1), \
units AS (SELECT unit FROM me WHERE unit IS NOT NULL UNION SELECT target_id FROM account_scope WHERE account_id = $1) \
SELECT 'staff' AS part, s.role AS a, s.posting_kind AS b, s.posting_unit_id AS c, s.id AS d, s.home_township_id AS e \
  FROM account a JOIN staff s ON s.id = a.staff_id WHERE a.id = $1 \
UNION ALL \
SELECT 'grant', g.kind, g.target_id, NULL, NULL, NULL FROM account_scope g WHERE g.account_id = $1 \
UNION ALL \
SELECT 'department', u.unit, d.id, NULL, NULL, NULL FROM units u JOIN department d ON d.id = u.unit OR d.stationed_group_id = u.unit \
UNION ALL \
SELECT 'zone_township', u.unit, t.id, NULL, NULL, NULL \
  FROM units u JOIN zone_member zm ON zm.zone_id = u.unit JOIN township t ON t.id = zm.member_id \
UNION ALL \
SELECT 'zone_department', u.unit, d.id, NULL, NULL, NULL \
  FROM units u JOIN zone_member zm ON zm.zone_id = u.unit JOIN department d ON d.stationed_group_id = zm.member_id \
UNION ALL \
SELECT 'round', g.round_id, NULL, NULL, NULL, NULL FROM me JOIN inspection_group g ON g.leader_staff_id = me.staff_id \
  OR EXISTS (SELECT 1 FROM inspection_group_member m WHERE m.group_id = g.id AND m.staff_id = me.staff_id) \
UNION ALL \
SELECT 'clue', tm.clue_id, NULL, NULL, NULL, NULL FROM me JOIN case_team_member tm ON tm.staff_id = me.staff_id";

pub(crate) type ReachRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl crate::hot_read::HotRow for ReachRow {
    fn from_sqlite(c: &mut crate::hot_read::Columns<'_, '_>) -> rusqlite::Result<Self> {
        Ok((c.take()?, c.take()?, c.take()?, c.take()?, c.take()?, c.take()?))
    }
}

/// The reach from `REACH_SQL`'s rows: the posting's scopes and (for roles that may hold
/// them) the grants, expanded; then group rounds and team clues; then one's own townships.
pub(crate) fn assemble(rows: Vec<ReachRow>) -> Result<Reach, StoreError> {
    let Some((_, role, posting_kind, posting_unit, _, home_township)) = rows.iter().find(|r| r.0 == "staff").cloned()
    else {
        return Ok(Reach::default());
    };
    let role = Role::parse("role", role.as_deref().unwrap_or_default())?;
    let posting_kind = posting_kind.unwrap_or_default();
    let posting = PostingKind::parse(&posting_kind)
        .ok_or_else(|| Invalid::field("posting_kind", "staff.posting_kind", Some(&posting_kind)))?;
    let may_hold_grants = qinglian_domain::scope::may_hold_grants(role);
    let mut scopes = qinglian_domain::scope::posting_scopes(role, posting, posting_unit.as_deref());
    // (part, unit) -> what the unit reaches.
    let mut expanded: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    let mut reach = Reach::default();
    for (part, a, b, ..) in &rows {
        let (Some(a), part) = (a.as_deref(), part.as_str()) else {
            continue;
        };
        match part {
            "grant" if may_hold_grants => {
                let kind = ScopeKind::parse("kind", a)?;
                let target = b.clone().unwrap_or_default();
                scopes.push(if kind.needs_target() {
                    Scope::of(kind, target)
                } else {
                    Scope::county()
                });
            }
            // Inspection staff reach the rounds whose groups they serve in; cross-handling
            // teams reach their clues (and the cases opened from them).
            "round" if may_hold_grants => {
                reach.rounds.insert(a.to_owned());
            }
            "clue" if may_hold_grants => {
                reach.cases.insert(a.to_owned());
            }
            "department" | "zone_township" | "zone_department" => {
                if let Some(b) = b {
                    expanded.entry((part, a)).or_default().push(b.clone());
                }
            }
            _ => {}
        }
    }
    let take = |part: &'static str, unit: &str| expanded.get(&(part, unit)).cloned().unwrap_or_default();
    for scope in scopes {
        let id = scope.target_id.unwrap_or_default();
        match scope.kind {
            ScopeKind::County => reach.county = true,
            ScopeKind::Township => {
                reach.townships.insert(id);
            }
            // A stationed group's posting reaches the departments it supervises.
            ScopeKind::Department => reach.departments.extend(take("department", &id)),
            ScopeKind::Zone => {
                reach.townships.extend(take("zone_township", &id));
                reach.departments.extend(take("zone_department", &id));
            }
            ScopeKind::InspectionRound => {
                reach.rounds.insert(id);
            }
            ScopeKind::Case => {
                reach.cases.insert(id);
            }
        }
    }
    // One's own townships are never reached for clues and cases (cross-handling).
    reach.own_townships.extend(home_township);
    if posting == PostingKind::Township {
        reach.own_townships.extend(posting_unit);
    }
    Ok(reach)
}
