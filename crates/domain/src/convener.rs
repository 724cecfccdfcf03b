//! Who may convene a zone's joint meeting: one of the zone's own secretaries or group heads.

use serde::Serialize;

use crate::role::Role;

/// Why a person may not be a zone's convener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum ConvenerRefusal {
    /// Only township secretaries and stationed group heads sit on a joint meeting.
    #[error("the convener must be a township secretary or a stationed group head")]
    NotSecretaryOrGroupHead,
    /// Posted to a township or stationed group that is not in the zone.
    #[error("the convener is posted outside the zone")]
    OutsideZone,
}

impl ConvenerRefusal {
    pub const fn key(self) -> &'static str {
        match self {
            Self::NotSecretaryOrGroupHead => "zone.convener_role",
            Self::OutsideZone => "zone.convener_outside_zone",
        }
    }
}

/// Checks a convener against the zone's members (its township or stationed group ids).
pub fn check_convener(
    role: Role,
    posting_unit_id: Option<&str>,
    zone_member_ids: &[String],
) -> Result<(), ConvenerRefusal> {
    if !matches!(role, Role::TownshipSecretary | Role::StationedGroupHead) {
        return Err(ConvenerRefusal::NotSecretaryOrGroupHead);
    }
    match posting_unit_id {
        Some(unit) if zone_member_ids.iter().any(|m| m == unit) => Ok(()),
        _ => Err(ConvenerRefusal::OutsideZone),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_convener_comes_from_the_zone() {
        let zone = vec!["t1".to_owned(), "t2".to_owned()];
        assert_eq!(check_convener(Role::TownshipSecretary, Some("t2"), &zone), Ok(()));
        assert_eq!(
            check_convener(Role::StationedGroupHead, Some("g1"), &["g1".to_owned()]),
            Ok(())
        );
        assert_eq!(
            check_convener(Role::TownshipSecretary, Some("t9"), &zone),
            Err(ConvenerRefusal::OutsideZone)
        );
        assert_eq!(
            check_convener(Role::TownshipSecretary, None, &zone),
            Err(ConvenerRefusal::OutsideZone)
        );
        assert_eq!(
            check_convener(Role::CaseManager, Some("t1"), &zone),
            Err(ConvenerRefusal::NotSecretaryOrGroupHead)
        );
    }
}
