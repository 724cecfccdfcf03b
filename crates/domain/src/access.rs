//! Who may do what: the one place that maps roles to actions.
//!
//! Scopes (township, zone, case grants) join this module with the identity issue; for now the
//! actions are about the org model and the portal, which carry no case content.

use crate::role::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Browse townships, villages, units, zones and staff.
    ReadOrg,
    /// Create or change the org model.
    EditOrg,
    /// Write, preview and publish portal articles.
    EditArticles,
    /// Manage accounts (create, disable, reset the second factor) and sign-in policy.
    ManageSecurity,
    /// Browse and export the audit trail.
    ReadAudit,
}

pub fn may(role: Role, action: Action) -> bool {
    use Role::*;
    match action {
        // The commission's own people and the township officials work with the org model; a
        // county department's officer only answers the problems routed to them.
        Action::ReadOrg => !matches!(role, DepartmentOfficer),
        Action::EditOrg => matches!(role, SystemAdmin | CaseManager),
        Action::EditArticles => matches!(role, CommissionLeader | CaseManager | SupervisionOffice | SystemAdmin),
        Action::ManageSecurity => matches!(role, SystemAdmin),
        // Separation of duties: the administrator is not the auditor.
        Action::ReadAudit => matches!(role, Auditor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_administrators_and_case_managers_edit_the_org() {
        let editors: Vec<Role> = Role::ALL.into_iter().filter(|r| may(*r, Action::EditOrg)).collect();
        assert_eq!(editors, vec![Role::CaseManager, Role::SystemAdmin]);
        assert!(!may(Role::DepartmentOfficer, Action::EditArticles));
        assert!(may(Role::Auditor, Action::ReadOrg));
        assert!(
            !may(Role::DepartmentOfficer, Action::ReadOrg),
            "departments see only their own work"
        );
    }
}
