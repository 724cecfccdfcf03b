//! The roles of the commission's staff and their partners, one name each as in the glossary.

use serde::Serialize;

use crate::error::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 委领导
    CommissionLeader,
    /// 案管
    CaseManager,
    /// 纪检监察室
    SupervisionOffice,
    /// 乡镇纪委书记
    TownshipSecretary,
    /// 派驻组组长
    StationedGroupHead,
    /// 巡察组
    InspectionGroupMember,
    /// 联村干部
    VillageLiaison,
    /// 部门经办人
    DepartmentOfficer,
    /// 审计查看
    Auditor,
    /// 系统管理员
    SystemAdmin,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Self::CommissionLeader,
        Self::CaseManager,
        Self::SupervisionOffice,
        Self::TownshipSecretary,
        Self::StationedGroupHead,
        Self::InspectionGroupMember,
        Self::VillageLiaison,
        Self::DepartmentOfficer,
        Self::Auditor,
        Self::SystemAdmin,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CommissionLeader => "commission_leader",
            Self::CaseManager => "case_manager",
            Self::SupervisionOffice => "supervision_office",
            Self::TownshipSecretary => "township_secretary",
            Self::StationedGroupHead => "stationed_group_head",
            Self::InspectionGroupMember => "inspection_group_member",
            Self::VillageLiaison => "village_liaison",
            Self::DepartmentOfficer => "department_officer",
            Self::Auditor => "auditor",
            Self::SystemAdmin => "system_admin",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.trim())
            .ok_or_else(|| Invalid::field(field, "role.unknown", Some(raw)))
    }

    /// The unit kind a person in this role is posted to.
    pub const fn posting_kind(self) -> PostingKind {
        match self {
            Self::CommissionLeader
            | Self::CaseManager
            | Self::SupervisionOffice
            | Self::InspectionGroupMember
            | Self::Auditor
            | Self::SystemAdmin => PostingKind::Commission,
            Self::TownshipSecretary | Self::VillageLiaison => PostingKind::Township,
            Self::StationedGroupHead => PostingKind::StationedGroup,
            Self::DepartmentOfficer => PostingKind::Department,
        }
    }
}

/// Where a member of staff works now (their current posting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PostingKind {
    Commission,
    Township,
    Department,
    StationedGroup,
}

impl PostingKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Commission => "commission",
            Self::Township => "township",
            Self::Department => "department",
            Self::StationedGroup => "stationed_group",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Commission, Self::Township, Self::Department, Self::StationedGroup]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }

    /// Whether a posting of this kind names a unit (every kind but the commission itself).
    pub const fn needs_unit(self) -> bool {
        !matches!(self, Self::Commission)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_is_named() {
        for r in Role::ALL {
            assert_eq!(Role::parse("role", r.as_str()), Ok(r));
        }
        let e = Role::parse("role", "root").unwrap_err();
        assert_eq!((e.fields[0].field.as_str(), e.fields[0].key), ("role", "role.unknown"));
    }

    #[test]
    fn township_roles_are_posted_to_a_township() {
        assert_eq!(Role::TownshipSecretary.posting_kind(), PostingKind::Township);
        assert_eq!(Role::DepartmentOfficer.posting_kind(), PostingKind::Department);
        assert!(!PostingKind::Commission.needs_unit());
    }
}
