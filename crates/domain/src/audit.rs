//! What the audit trail records: one name per kind of event, and the object type it concerns.

use serde::Serialize;

/// Every audited event. Writes are recorded in the same transaction as the change; reads of
/// protected records, sign-ins and refusals are recorded on their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    CountySet,
    TownshipCreate,
    TownshipRename,
    VillageCreate,
    VillageRename,
    DepartmentCreate,
    OfficeCreate,
    StationedGroupCreate,
    ZoneCreate,
    ZoneUpdate,
    StaffCreate,
    StaffUpdate,
    DivisionImport,
    CountyLoad,
    ArticleCreate,
    ArticleUpdate,
    ArticlePublish,
    ArticleUnpublish,
    AccountCreate,
    AccountDisable,
    AccountEnable,
    PasswordChange,
    TotpEnrol,
    RolePolicySet,
    SignIn,
    SignInRefused,
    SignOut,
    AccessDenied,
    AuditView,
    AuditExport,
    AuditRetention,
    ScopeGrant,
    ScopeRevoke,
    RoundCreate,
    InspectionGroupCreate,
    TargetAssign,
    MeetingCreate,
    MeetingUpdate,
    ConcernCreate,
    ConcernStep,
    ConcernView,
    ComplainantView,
    ReceiptLookup,
    CategoryCreate,
    ClueCreate,
    ClueDispose,
    ClueView,
    CaseOpen,
    CaseView,
    TeamMemberAdd,
    InterviewPlan,
    InterviewView,
    InterviewAct,
    InterviewAttach,
    TranscriptSave,
    WitnessReveal,
    RotationSet,
    JointMeetingRecord,
    TermReportSave,
    TermReportSubmit,
    CampaignCreate,
    FindingRecord,
    HandlingRecord,
    StatisticsExport,
    EvidenceIntake,
    EvidenceAccess,
    EvidenceDownload,
    EvidenceExport,
    EvidenceVerify,
    EvidenceVerifyFailed,
    TieDeclare,
    TieView,
    InvolvementRecord,
    OverrideRequest,
    OverrideApprove,
    TeamMemberRemove,
    AuthorisationIssue,
    AuthorisationView,
    InterviewAuthorise,
}

impl AuditAction {
    pub const ALL: [AuditAction; 79] = [
        Self::CountySet,
        Self::TownshipCreate,
        Self::TownshipRename,
        Self::VillageCreate,
        Self::VillageRename,
        Self::DepartmentCreate,
        Self::OfficeCreate,
        Self::StationedGroupCreate,
        Self::ZoneCreate,
        Self::ZoneUpdate,
        Self::StaffCreate,
        Self::StaffUpdate,
        Self::DivisionImport,
        Self::CountyLoad,
        Self::ArticleCreate,
        Self::ArticleUpdate,
        Self::ArticlePublish,
        Self::ArticleUnpublish,
        Self::AccountCreate,
        Self::AccountDisable,
        Self::AccountEnable,
        Self::PasswordChange,
        Self::TotpEnrol,
        Self::RolePolicySet,
        Self::SignIn,
        Self::SignInRefused,
        Self::SignOut,
        Self::AccessDenied,
        Self::AuditView,
        Self::AuditExport,
        Self::AuditRetention,
        Self::ScopeGrant,
        Self::ScopeRevoke,
        Self::RoundCreate,
        Self::InspectionGroupCreate,
        Self::TargetAssign,
        Self::MeetingCreate,
        Self::MeetingUpdate,
        Self::ConcernCreate,
        Self::ConcernStep,
        Self::ConcernView,
        Self::ComplainantView,
        Self::ReceiptLookup,
        Self::CategoryCreate,
        Self::ClueCreate,
        Self::ClueDispose,
        Self::ClueView,
        Self::CaseOpen,
        Self::CaseView,
        Self::TeamMemberAdd,
        Self::InterviewPlan,
        Self::InterviewView,
        Self::InterviewAct,
        Self::InterviewAttach,
        Self::TranscriptSave,
        Self::WitnessReveal,
        Self::RotationSet,
        Self::JointMeetingRecord,
        Self::TermReportSave,
        Self::TermReportSubmit,
        Self::CampaignCreate,
        Self::FindingRecord,
        Self::HandlingRecord,
        Self::StatisticsExport,
        Self::EvidenceIntake,
        Self::EvidenceAccess,
        Self::EvidenceDownload,
        Self::EvidenceExport,
        Self::EvidenceVerify,
        Self::EvidenceVerifyFailed,
        Self::TieDeclare,
        Self::TieView,
        Self::InvolvementRecord,
        Self::OverrideRequest,
        Self::OverrideApprove,
        Self::TeamMemberRemove,
        Self::AuthorisationIssue,
        Self::AuthorisationView,
        Self::InterviewAuthorise,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CountySet => "county.set",
            Self::TownshipCreate => "township.create",
            Self::TownshipRename => "township.rename",
            Self::VillageCreate => "village.create",
            Self::VillageRename => "village.rename",
            Self::DepartmentCreate => "department.create",
            Self::OfficeCreate => "office.create",
            Self::StationedGroupCreate => "stationed_group.create",
            Self::ZoneCreate => "zone.create",
            Self::ZoneUpdate => "zone.update",
            Self::StaffCreate => "staff.create",
            Self::StaffUpdate => "staff.update",
            Self::DivisionImport => "division.import",
            Self::CountyLoad => "county.load",
            Self::ArticleCreate => "article.create",
            Self::ArticleUpdate => "article.update",
            Self::ArticlePublish => "article.publish",
            Self::ArticleUnpublish => "article.unpublish",
            Self::AccountCreate => "account.create",
            Self::AccountDisable => "account.disable",
            Self::AccountEnable => "account.enable",
            Self::PasswordChange => "account.password_change",
            Self::TotpEnrol => "account.totp_enrol",
            Self::RolePolicySet => "role_policy.set",
            Self::SignIn => "session.sign_in",
            Self::SignInRefused => "session.sign_in_refused",
            Self::SignOut => "session.sign_out",
            Self::AccessDenied => "access.denied",
            Self::AuditView => "audit.view",
            Self::AuditExport => "audit.export",
            Self::AuditRetention => "audit.retention",
            Self::ScopeGrant => "account.scope_grant",
            Self::ScopeRevoke => "account.scope_revoke",
            Self::RoundCreate => "inspection_round.create",
            Self::InspectionGroupCreate => "inspection_group.create",
            Self::TargetAssign => "inspection_target.assign",
            Self::MeetingCreate => "onsite_meeting.create",
            Self::MeetingUpdate => "onsite_meeting.update",
            Self::ConcernCreate => "concern.create",
            Self::ConcernStep => "concern.step",
            Self::ConcernView => "concern.view",
            Self::ComplainantView => "concern.complainant_view",
            Self::ReceiptLookup => "concern.receipt_lookup",
            Self::CategoryCreate => "concern_category.create",
            Self::ClueCreate => "clue.create",
            Self::ClueDispose => "clue.dispose",
            Self::ClueView => "clue.view",
            Self::CaseOpen => "case.open",
            Self::CaseView => "case.view",
            Self::TeamMemberAdd => "case_team.add",
            Self::InterviewPlan => "interview.plan",
            Self::InterviewView => "interview.view",
            Self::InterviewAct => "interview.act",
            Self::InterviewAttach => "interview.attach",
            Self::TranscriptSave => "transcript.save",
            Self::WitnessReveal => "witness.reveal",
            Self::RotationSet => "zone_rotation.set",
            Self::JointMeetingRecord => "joint_meeting.record",
            Self::TermReportSave => "term_report.save",
            Self::TermReportSubmit => "term_report.submit",
            Self::CampaignCreate => "campaign.create",
            Self::FindingRecord => "problem_finding.record",
            Self::HandlingRecord => "handling.record",
            Self::StatisticsExport => "statistics.export",
            Self::EvidenceIntake => "evidence.intake",
            Self::EvidenceAccess => "evidence.access",
            Self::EvidenceDownload => "evidence.download",
            Self::EvidenceExport => "evidence.export",
            Self::EvidenceVerify => "evidence.verify",
            Self::EvidenceVerifyFailed => "evidence.verify_failed",
            Self::TieDeclare => "staff_tie.declare",
            Self::TieView => "staff_tie.view",
            Self::InvolvementRecord => "involvement.record",
            Self::OverrideRequest => "recusal_override.request",
            Self::OverrideApprove => "recusal_override.approve",
            Self::TeamMemberRemove => "case_team.remove",
            Self::AuthorisationIssue => "authorisation.issue",
            Self::AuthorisationView => "authorisation.view",
            Self::InterviewAuthorise => "interview.authorise",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The kind of object the event is about.
    pub fn object_type(self) -> &'static str {
        self.as_str().split('.').next().unwrap_or("")
    }
}

/// How the attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditResult {
    Ok,
    Denied,
    Failed,
}

impl AuditResult {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Denied => "denied",
            Self::Failed => "failed",
        }
    }
}

/// Shortest retention the law allows: logs kept at least six months (网络安全法 art. 21).
pub const MIN_RETENTION_DAYS: u32 = 184;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut names: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), AuditAction::ALL.len());
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(AuditAction::StationedGroupCreate.object_type(), "stationed_group");
    }
}
