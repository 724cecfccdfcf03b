//! The county's organisation: townships, villages, departments, stationed groups, zones, staff.
//!
//! These are the parsed inputs the store accepts; a value of these types is known good.

use serde::Serialize;

use crate::division::{DivisionCode, DivisionLevel};
use crate::error::{Invalid, Name};
use crate::role::{PostingKind, Role};

/// 乡 / 镇 / 街道: the registry does not say, the name does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TownshipKind {
    Township,
    Town,
    Street,
}

impl TownshipKind {
    pub fn from_name(name: &str) -> Self {
        if name.ends_with("街道") || name.ends_with("街道办事处") {
            Self::Street
        } else if name.ends_with('镇') {
            Self::Town
        } else {
            Self::Township
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Township => "township",
            Self::Town => "town",
            Self::Street => "street",
        }
    }
}

/// 村 / 社区.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VillageKind {
    Village,
    Community,
}

impl VillageKind {
    pub fn from_name(name: &str) -> Self {
        if name.ends_with("社区") || name.ends_with("居委会") || name.ends_with("居民委员会") {
            Self::Community
        } else {
            Self::Village
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Village => "village",
            Self::Community => "community",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CountyInput {
    pub code: DivisionCode,
    pub name: Name,
}

impl CountyInput {
    pub fn parse(code: &str, name: &str) -> Result<Self, Invalid> {
        let c = DivisionCode::parse_at("division_code", code, DivisionLevel::County);
        let n = Name::parse("name", name);
        match (c, n) {
            (Ok(code), Ok(name)) => Ok(Self { code, name }),
            (c, n) => Err(merge(c.err(), n.err())),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TownshipInput {
    pub code: DivisionCode,
    pub name: Name,
    pub kind: TownshipKind,
}

impl TownshipInput {
    pub fn parse(code: &str, name: &str) -> Result<Self, Invalid> {
        let c = DivisionCode::parse_at("division_code", code, DivisionLevel::Township);
        let n = Name::parse("name", name);
        match (c, n) {
            (Ok(code), Ok(name)) => {
                let kind = TownshipKind::from_name(name.as_str());
                Ok(Self { code, name, kind })
            }
            (c, n) => Err(merge(c.err(), n.err())),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct VillageInput {
    pub code: DivisionCode,
    pub name: Name,
    pub kind: VillageKind,
}

impl VillageInput {
    pub fn parse(code: &str, name: &str) -> Result<Self, Invalid> {
        let c = DivisionCode::parse_at("division_code", code, DivisionLevel::Village);
        let n = Name::parse("name", name);
        match (c, n) {
            (Ok(code), Ok(name)) => {
                let kind = VillageKind::from_name(name.as_str());
                Ok(Self { code, name, kind })
            }
            (c, n) => Err(merge(c.err(), n.err())),
        }
    }

    /// The township this village must belong to, by its code.
    pub fn township_code(&self) -> DivisionCode {
        self.code.ancestor(DivisionLevel::Township)
    }
}

/// A short unit code (`zhujian`, `pz01`): lowercase ASCII, digits, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct UnitCode(String);

impl UnitCode {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let t = raw.trim();
        let ok = !t.is_empty()
            && t.len() <= 32
            && t.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(t.to_owned()))
        } else {
            Err(Invalid::field(field, "unit_code.format", Some(t)))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A county department, a stationed group or a supervision office: a code and a name.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitInput {
    pub code: UnitCode,
    pub name: Name,
}

impl UnitInput {
    pub fn parse(code: &str, name: &str) -> Result<Self, Invalid> {
        let c = UnitCode::parse("code", code);
        let n = Name::parse("name", name);
        match (c, n) {
            (Ok(code), Ok(name)) => Ok(Self { code, name }),
            (c, n) => Err(merge(c.err(), n.err())),
        }
    }
}

/// A zone groups townships, or stationed groups, never both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    Townships,
    StationedGroups,
}

impl ZoneKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Townships => "townships",
            Self::StationedGroups => "stationed_groups",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "townships" => Ok(Self::Townships),
            "stationed_groups" => Ok(Self::StationedGroups),
            other => Err(Invalid::field(field, "zone.kind", Some(other))),
        }
    }
}

/// A collaboration zone as submitted: members are ids of townships or stationed groups.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneInput {
    pub name: Name,
    pub kind: ZoneKind,
    pub leader_staff_id: String,
    pub liaison_office_id: String,
    pub member_ids: Vec<String>,
}

impl ZoneInput {
    pub fn parse(
        name: &str,
        kind: &str,
        leader_staff_id: &str,
        liaison_office_id: &str,
        member_ids: Vec<String>,
    ) -> Result<Self, Invalid> {
        let n = Name::parse("name", name);
        let k = ZoneKind::parse("kind", kind);
        let mut members = member_ids;
        members.sort();
        let before = members.len();
        members.dedup();
        let dup = (members.len() != before).then(|| Invalid::field("member_ids", "zone.duplicate_member", None));
        let empty = members
            .is_empty()
            .then(|| Invalid::field("member_ids", "zone.no_members", None));
        let leader = leader_staff_id
            .trim()
            .is_empty()
            .then(|| Invalid::field("leader_staff_id", "field.required", None));
        let office = liaison_office_id
            .trim()
            .is_empty()
            .then(|| Invalid::field("liaison_office_id", "field.required", None));
        Invalid::collect([
            n.as_ref().err().cloned(),
            k.as_ref().err().cloned(),
            dup,
            empty,
            leader,
            office,
        ])?;
        match (n, k) {
            (Ok(name), Ok(kind)) => Ok(Self {
                name,
                kind,
                leader_staff_id: leader_staff_id.trim().to_owned(),
                liaison_office_id: liaison_office_id.trim().to_owned(),
                member_ids: members,
            }),
            (n, k) => Err(merge(n.err(), k.err())),
        }
    }
}

/// A member of staff: role, current posting, and home township (the basis for recusal).
#[derive(Debug, Clone, PartialEq)]
pub struct StaffInput {
    pub name: Name,
    pub role: Role,
    pub posting: PostingKind,
    /// The township, department or stationed group of the posting; `None` for the commission.
    pub posting_unit_id: Option<String>,
    pub home_township_id: Option<String>,
}

impl StaffInput {
    pub fn parse(
        name: &str,
        role: &str,
        posting_unit_id: Option<&str>,
        home_township_id: Option<&str>,
    ) -> Result<Self, Invalid> {
        let n = Name::parse("name", name);
        let r = Role::parse("role", role);
        let unit = posting_unit_id
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let home = home_township_id
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let unit_err = match &r {
            Ok(role) if role.posting_kind().needs_unit() && unit.is_none() => {
                Some(Invalid::field("posting_unit_id", "staff.posting_required", None))
            }
            Ok(role) if !role.posting_kind().needs_unit() && unit.is_some() => {
                Some(Invalid::field("posting_unit_id", "staff.posting_not_allowed", None))
            }
            _ => None,
        };
        Invalid::collect([n.as_ref().err().cloned(), r.as_ref().err().cloned(), unit_err])?;
        match (n, r) {
            (Ok(name), Ok(role)) => Ok(Self {
                name,
                role,
                posting: role.posting_kind(),
                posting_unit_id: unit,
                home_township_id: home,
            }),
            (n, r) => Err(merge(n.err(), r.err())),
        }
    }
}

fn merge(a: Option<Invalid>, b: Option<Invalid>) -> Invalid {
    let fields = a.into_iter().chain(b).flat_map(|e| e.fields).collect();
    Invalid { fields }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn township_and_village_kinds_follow_the_name() {
        assert_eq!(
            TownshipInput::parse("990101001", "云溪街道").unwrap().kind,
            TownshipKind::Street
        );
        assert_eq!(
            TownshipInput::parse("990101002", "石门镇").unwrap().kind,
            TownshipKind::Town
        );
        assert_eq!(
            TownshipInput::parse("990101003", "梅岭乡").unwrap().kind,
            TownshipKind::Township
        );
        assert_eq!(
            VillageInput::parse("990101001201", "桥头社区").unwrap().kind,
            VillageKind::Community
        );
        assert_eq!(
            VillageInput::parse("990101001202", "下湾村").unwrap().kind,
            VillageKind::Village
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let e = TownshipInput::parse("99010100", " ").unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| (f.field.as_str(), f.key)).collect();
        assert_eq!(
            fields,
            vec![("division_code", "division_code.length"), ("name", "name.empty")]
        );
        let e = VillageInput::parse("990101001", "下湾村").unwrap_err();
        assert_eq!(e.fields[0].key, "division_code.not_village");
    }

    #[test]
    fn village_knows_its_township() {
        let v = VillageInput::parse("990101001202", "下湾村").unwrap();
        assert_eq!(v.township_code().as_str(), "990101001000");
    }

    #[test]
    fn staff_posting_must_match_role() {
        assert!(StaffInput::parse("林晓", "township_secretary", None, None).is_err());
        assert!(StaffInput::parse("林晓", "case_manager", Some("t1"), None).is_err());
        let s = StaffInput::parse("林晓", "township_secretary", Some("t1"), Some("t2")).unwrap();
        assert_eq!(s.posting, PostingKind::Township);
        assert_eq!(s.home_township_id.as_deref(), Some("t2"));
    }

    #[test]
    fn zones_need_distinct_members() {
        let e = ZoneInput::parse("第一协作区", "townships", "s", "o", vec!["a".into(), "a".into()]).unwrap_err();
        assert_eq!(e.fields[0].key, "zone.duplicate_member");
        let e = ZoneInput::parse("第一协作区", "bogus", "s", "o", vec![]).unwrap_err();
        let keys: Vec<_> = e.fields.iter().map(|f| f.key).collect();
        assert_eq!(keys, vec!["zone.kind", "zone.no_members"]);
    }

    #[test]
    fn unit_codes_are_plain() {
        assert!(UnitInput::parse("zhujian", "县住房和城乡建设局").is_ok());
        assert_eq!(
            UnitInput::parse("住建", "x").unwrap_err().fields[0].key,
            "unit_code.format"
        );
    }
}

/// A township belongs to the deployment's county only if its code lies inside the county's.
pub fn check_within_county(county_code: &str, code: &DivisionCode) -> Result<(), Invalid> {
    let county = DivisionCode::parse_at("county", county_code, DivisionLevel::County)?;
    if code.is_within(&county) {
        Ok(())
    } else {
        Err(Invalid::field(
            "division_code",
            "division_code.outside_county",
            Some(code.as_str()),
        ))
    }
}

impl ZoneInput {
    /// Each zone is led by a commission leader.
    pub fn check_leader(&self, leader_role: Role) -> Result<(), Invalid> {
        if leader_role == Role::CommissionLeader {
            Ok(())
        } else {
            Err(Invalid::field(
                "leader_staff_id",
                "zone.leader_not_commission_leader",
                None,
            ))
        }
    }
}

#[cfg(test)]
mod county_tests {
    use super::*;

    #[test]
    fn townships_must_lie_in_the_county() {
        let inside = DivisionCode::parse("c", "990101001").unwrap();
        let outside = DivisionCode::parse("c", "990102001").unwrap();
        assert!(check_within_county("990101000000", &inside).is_ok());
        let e = check_within_county("990101000000", &outside).unwrap_err();
        assert_eq!(e.fields[0].key, "division_code.outside_county");
    }

    #[test]
    fn only_a_commission_leader_leads_a_zone() {
        let z = ZoneInput::parse("第一协作区", "townships", "s", "o", vec!["a".into()]).unwrap();
        assert!(z.check_leader(Role::CommissionLeader).is_ok());
        assert!(z.check_leader(Role::TownshipSecretary).is_err());
    }
}
