//! Who may do what: the one place that maps roles to actions.
//!
//! A role says what kind of thing a user may do; on which objects is the scope's business
//! (`scope`), checked by the store's scoped queries.

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
    /// See inspection rounds, on-site meetings and concerns within reach.
    ReadInspection,
    /// Set up rounds, their groups and targets.
    ManageInspection,
    /// Hold on-site meetings: schedule them, log concerns, answer on the spot, route and close.
    RunMeeting,
    /// Answer the concerns routed to one's department.
    AnswerConcern,
    /// See who raised a concern (every view is audited).
    ReadComplainant,
    /// Take a step on a concern: as the group (`RunMeeting`) or as its department (`AnswerConcern`).
    ActOnConcern,
    /// See the clues and cases within reach (never of one's own township; every read audited).
    ReadCases,
    /// Register clues, dispose of them, open cases and form cross-handling teams.
    ManageCases,
    /// Plan remote interviews and, as their investigator, run the procedure and the transcript.
    ConductInterview,
    /// Read a protected witness's real identity from the classified volume (reasoned, audited).
    RevealWitness,
    /// See zones' joint meetings, convener calendars and term reports (zone-level staff: their zone).
    ReadZoneGovernance,
    /// Set the convener rotation and record joint meetings for the county.
    ManageZoneGovernance,
    /// Write and submit one's own term report as the quarter's convener.
    WriteTermReport,
    /// See campaign statistics: aggregates without personal data (zone-level staff: their zone).
    ReadStatistics,
    /// Declare campaigns and record problem findings and handlings.
    ManageCampaigns,
    /// Upload evidence files, read their records and chain of custody, download them.
    HandleEvidence,
    /// Make the sealed export of an interview for the trial department (审理).
    ExportEvidence,
    /// Declare one's own ties (kinship, former colleague, same village) for recusal.
    DeclareTies,
    /// Approve another's request to override a recusal rule (the second approver).
    ApproveOverride,
    /// See assessment periods, grades and their explanations (township staff: their township).
    ReadRating,
    /// Enter a period's indicator values by form or spreadsheet (township staff: their villages).
    EnterRatingValues,
    /// Keep the indicator framework, open, grade, review (研判), adjust and publish periods.
    ReviewRating,
    /// See rectification orders (督改单) within reach.
    ReadRectification,
    /// Draft, sign and follow up a township's rectification orders; which signature counts is
    /// the post's business (`rectification::order::post_in`), not the role's.
    IssueRectification,
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
        // Case-like content: neither the administrator nor the auditor reads it.
        Action::ReadInspection => !matches!(role, SystemAdmin | Auditor),
        Action::ManageInspection => matches!(role, CaseManager | SupervisionOffice),
        Action::RunMeeting => matches!(role, InspectionGroupMember | CaseManager | SupervisionOffice),
        Action::AnswerConcern => matches!(role, DepartmentOfficer),
        Action::ReadComplainant => matches!(role, CommissionLeader | CaseManager | InspectionGroupMember),
        Action::ActOnConcern => may(role, Action::RunMeeting) || may(role, Action::AnswerConcern),
        Action::ReadCases => matches!(
            role,
            CommissionLeader | CaseManager | SupervisionOffice | TownshipSecretary | StationedGroupHead
        ),
        Action::ManageCases => matches!(role, CaseManager | SupervisionOffice),
        Action::ConductInterview => {
            matches!(
                role,
                CaseManager | SupervisionOffice | TownshipSecretary | StationedGroupHead
            )
        }
        Action::RevealWitness => matches!(role, CommissionLeader | CaseManager),
        // The joint meeting is the commission's and its zone members' business.
        Action::ReadZoneGovernance | Action::ReadStatistics => matches!(
            role,
            CommissionLeader | CaseManager | SupervisionOffice | TownshipSecretary | StationedGroupHead
        ),
        Action::ManageZoneGovernance => matches!(role, CommissionLeader | CaseManager | SupervisionOffice),
        Action::WriteTermReport => matches!(role, TownshipSecretary | StationedGroupHead),
        Action::ManageCampaigns => matches!(role, CaseManager | SupervisionOffice),
        // Case evidence: those who gather and manage it, never the administrator or the auditor.
        Action::ExportEvidence => matches!(role, CaseManager | CommissionLeader),
        Action::HandleEvidence => {
            matches!(
                role,
                CaseManager | SupervisionOffice | TownshipSecretary | StationedGroupHead
            )
        }
        // Whoever may sit on a cross-handling team, and the leaders who approve its overrides.
        Action::DeclareTies => may(role, Action::ConductInterview) || matches!(role, CommissionLeader),
        Action::ApproveOverride => matches!(role, CommissionLeader | CaseManager),
        // The rating is about villages, not people: the commission and the township officials
        // who supervise the villages; neither departments, the administrator nor the auditor.
        Action::ReadRating => matches!(
            role,
            CommissionLeader | CaseManager | SupervisionOffice | TownshipSecretary | VillageLiaison
        ),
        Action::EnterRatingValues => {
            matches!(
                role,
                CaseManager | SupervisionOffice | TownshipSecretary | VillageLiaison
            )
        }
        // The county decides a village's class: its leaders and the case managers.
        Action::ReviewRating => matches!(role, CommissionLeader | CaseManager),
        // The commission oversees every township's orders; a township's own officials (its
        // discipline secretary, and the officials posted there, among them the party
        // secretary) see and work their township's.
        Action::ReadRectification => matches!(
            role,
            CommissionLeader | CaseManager | SupervisionOffice | TownshipSecretary | VillageLiaison
        ),
        Action::IssueRectification => matches!(role, TownshipSecretary | VillageLiaison),
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

    #[test]
    fn inspection_content_is_kept_from_the_administrator_and_the_auditor() {
        for action in [Action::ReadInspection, Action::RunMeeting, Action::ReadComplainant] {
            assert!(!may(Role::SystemAdmin, action));
            assert!(!may(Role::Auditor, action));
        }
        assert!(may(Role::DepartmentOfficer, Action::ReadInspection));
        assert!(!may(Role::DepartmentOfficer, Action::ReadComplainant));
        assert!(!may(Role::DepartmentOfficer, Action::RunMeeting));
    }

    #[test]
    fn case_data_is_for_the_commission_and_the_township_secretaries_only() {
        for role in [
            Role::SystemAdmin,
            Role::Auditor,
            Role::DepartmentOfficer,
            Role::VillageLiaison,
            Role::InspectionGroupMember,
        ] {
            for action in [
                Action::ReadCases,
                Action::ManageCases,
                Action::ConductInterview,
                Action::RevealWitness,
            ] {
                assert!(!may(role, action), "{role:?} {action:?}");
            }
        }
        assert!(may(Role::TownshipSecretary, Action::ConductInterview));
        assert!(!may(Role::TownshipSecretary, Action::RevealWitness));
        assert!(!may(Role::TownshipSecretary, Action::ManageCases));
    }

    #[test]
    fn rectification_orders_are_issued_by_township_officials_only() {
        let issuers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| may(*r, Action::IssueRectification))
            .collect();
        assert_eq!(issuers, vec![Role::TownshipSecretary, Role::VillageLiaison]);
        for role in [Role::SystemAdmin, Role::Auditor, Role::DepartmentOfficer] {
            assert!(!may(role, Action::ReadRectification), "{role:?}");
        }
        assert!(may(Role::SupervisionOffice, Action::ReadRectification));
    }

    #[test]
    fn evidence_is_handled_by_case_staff_only() {
        let handlers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| may(*r, Action::HandleEvidence))
            .collect();
        assert_eq!(
            handlers,
            vec![
                Role::CaseManager,
                Role::SupervisionOffice,
                Role::TownshipSecretary,
                Role::StationedGroupHead
            ]
        );
    }
}
