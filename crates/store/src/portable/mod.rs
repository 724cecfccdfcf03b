//! The repository methods whose SQL is the same on SQLite and PostgreSQL.
//!
//! Both dialects accept `$n` parameters, `ON CONFLICT`, `RETURNING` and `CAST(.. AS TEXT)`, so
//! the queries are written once and the macro below stamps them onto each backend's store,
//! which provides `read` and `write` pools. What differs (bulk loads, pragmas, migrations)
//! stays in `sqlite.rs` and `postgres.rs`.

macro_rules! township_select {
    () => {
        "SELECT t.id, t.division_code, t.name, t.kind, \
    (SELECT COUNT(*) FROM village v WHERE v.township_id = t.id) AS village_count, \
    z.id AS zone_id, z.name AS zone_name \
    FROM township t LEFT JOIN zone_member zm ON zm.member_id = t.id LEFT JOIN zone z ON z.id = zm.zone_id"
    };
}
pub(crate) use township_select;

macro_rules! village_select {
    () => {
        "SELECT v.id, v.township_id, t.name AS township_name, v.division_code, v.name, v.kind \
    FROM village v JOIN township t ON t.id = v.township_id"
    };
}
pub(crate) use village_select;

macro_rules! village_where {
    () => {
        " WHERE (CAST($1 AS TEXT) IS NULL OR v.township_id = $1) \
    AND (CAST($2 AS TEXT) IS NULL OR v.name LIKE $2 ESCAPE '\\' OR v.division_code LIKE $3 ESCAPE '\\')"
    };
}
pub(crate) use village_where;

macro_rules! department_select {
    () => {
        "SELECT d.id, d.code, d.name, d.stationed_group_id, g.name AS stationed_group_name \
    FROM department d LEFT JOIN stationed_group g ON g.id = d.stationed_group_id"
    };
}
pub(crate) use department_select;

macro_rules! zone_select {
    () => {
        "SELECT z.id, z.name, z.kind, z.leader_staff_id, s.name AS leader_name, \
    z.liaison_office_id, o.name AS liaison_office_name \
    FROM zone z JOIN staff s ON s.id = z.leader_staff_id JOIN supervision_office o ON o.id = z.liaison_office_id"
    };
}
pub(crate) use zone_select;

pub(crate) const ZONE_MEMBERS: &str = "SELECT zm.member_id AS id, COALESCE(t.division_code, g.code) AS code, COALESCE(t.name, g.name) AS name \
    FROM zone_member zm LEFT JOIN township t ON t.id = zm.member_id LEFT JOIN stationed_group g ON g.id = zm.member_id \
    WHERE zm.zone_id = $1 ORDER BY code";

macro_rules! staff_select {
    () => {
        "SELECT s.id, s.name, s.role, s.posting_kind, s.posting_unit_id, \
    COALESCE(t.name, d.name, g.name) AS posting_unit_name, s.home_township_id, h.name AS home_township_name \
    FROM staff s \
    LEFT JOIN township t ON s.posting_kind = 'township' AND t.id = s.posting_unit_id \
    LEFT JOIN department d ON s.posting_kind = 'department' AND d.id = s.posting_unit_id \
    LEFT JOIN stationed_group g ON s.posting_kind = 'stationed_group' AND g.id = s.posting_unit_id \
    LEFT JOIN township h ON h.id = s.home_township_id"
    };
}
pub(crate) use staff_select;

macro_rules! article_columns {
    () => {
        "SELECT id, column_code, title, source, author, body_html, status, \
    published_at, view_count, created_at, updated_at FROM article"
    };
}
pub(crate) use article_columns;

macro_rules! published_filter {
    () => {
        "WHERE status = 'published' AND (CAST($1 AS TEXT) IS NULL OR column_code = $1)"
    };
}
pub(crate) use published_filter;

/// Escapes LIKE wildcards in user input.
pub(crate) fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

const TOWNSHIP_EXISTS: &str = "SELECT COUNT(*) FROM township WHERE id = $1";
const DEPARTMENT_EXISTS: &str = "SELECT COUNT(*) FROM department WHERE id = $1";
const GROUP_EXISTS: &str = "SELECT COUNT(*) FROM stationed_group WHERE id = $1";

/// The query that finds a posting's unit, by the posting's kind.
pub(crate) fn posting_exists_sql(kind: qinglian_domain::role::PostingKind) -> Option<&'static str> {
    use qinglian_domain::role::PostingKind as P;
    match kind {
        P::Commission => None,
        P::Township => Some(TOWNSHIP_EXISTS),
        P::Department => Some(DEPARTMENT_EXISTS),
        P::StationedGroup => Some(GROUP_EXISTS),
    }
}

/// The query that finds a zone member, by the zone's kind.
pub(crate) fn zone_member_exists_sql(kind: qinglian_domain::org::ZoneKind) -> &'static str {
    match kind {
        qinglian_domain::org::ZoneKind::Townships => TOWNSHIP_EXISTS,
        qinglian_domain::org::ZoneKind::StationedGroups => GROUP_EXISTS,
    }
}

pub(crate) mod account;
mod article;
mod audit;
pub(crate) mod campaign;
pub(crate) mod case;
pub(crate) mod cross_handling;
mod division;
pub(crate) mod evidence;
pub(crate) mod inspection;
mod job;
pub(crate) mod ledger;
pub(crate) mod monthly_report;
mod org;
pub(crate) mod rating;
pub(crate) mod receipt;
pub(crate) mod rectification;
pub(crate) mod scope;
pub(crate) mod scope_read;
pub(crate) mod zone_governance;

pub(crate) use account::account_impl;
pub(crate) use article::article_impl;
pub(crate) use audit::{audit_impl, audit_where};
pub(crate) use campaign::campaign_impl;
pub(crate) use case::case_impl;
pub(crate) use cross_handling::cross_handling_impl;
pub(crate) use division::division_impl;
pub(crate) use evidence::evidence_impl;
pub(crate) use inspection::{concern_select, inspection_impl, meeting_select, round_select};
pub(crate) use job::job_impl;
pub(crate) use ledger::ledger_impl;
pub(crate) use monthly_report::monthly_report_impl;
pub(crate) use org::org_impl;
pub(crate) use rating::rating_impl;
pub(crate) use rectification::rectification_impl;
pub(crate) use scope::scope_impl;
pub(crate) use zone_governance::zone_governance_impl;

/// Stamps every shared repository onto a backend's store type.
macro_rules! portable_repos {
    ($store:ty) => {
        mod portable_impl {
            use super::*;
            use crate::error::{StoreError, constraint};
            use crate::model::*;
            use crate::portable::*;
            use chrono::{DateTime, Utc};
            use qinglian_domain::Invalid;
            use qinglian_domain::article::{ArticleInput, Column};
            use qinglian_domain::error::Name;
            use qinglian_domain::org::{CountyInput, StaffInput, TownshipInput, UnitInput, VillageInput, ZoneInput};
            use qinglian_domain::role::Role;

            type R<T> = Result<T, StoreError>;
            type Tx = <$store as crate::BackendDb>::WriteTx;
            use qinglian_domain::audit::{AuditAction, AuditResult};

            crate::portable::org_impl!($store);
            crate::portable::division_impl!($store);
            crate::portable::article_impl!($store);
            crate::portable::account_impl!($store);
            crate::portable::job_impl!($store);
            crate::portable::audit_impl!($store);
            crate::portable::ledger_impl!($store);
            crate::portable::scope_impl!($store);
            crate::portable::inspection_impl!($store);
            crate::portable::case_impl!($store);
            crate::portable::zone_governance_impl!($store);
            crate::portable::campaign_impl!($store);
            crate::portable::rating_impl!($store);
            crate::portable::evidence_impl!($store);
            crate::portable::cross_handling_impl!($store);
            crate::portable::rectification_impl!($store);
            crate::portable::monthly_report_impl!($store);
            use crate::portable::inspection::EVENT_SELECT;
        }
    };
}
pub(crate) use portable_repos;
