//! Accounts: the demo's sign-ins, one per role, so a new user can try every view.

use qinglian_domain::role::Role;
use qinglian_store::Store;
use qinglian_web::password::{self, Password};

/// The demo's shared password. Demo data only: a real deployment creates its own accounts.
pub const DEMO_PASSWORD: &str = "qinglian-demo";

/// A demo sign-in as printed for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: String,
    pub role: Role,
    pub staff_name: String,
}

/// The username the demo gives the first member of staff in each role.
pub fn demo_username(role: Role) -> &'static str {
    match role {
        Role::CommissionLeader => "leader",
        Role::CaseManager => "casemanager",
        Role::SupervisionOffice => "office",
        Role::TownshipSecretary => "secretary",
        Role::StationedGroupHead => "grouphead",
        Role::InspectionGroupMember => "inspector",
        Role::VillageLiaison => "liaison",
        Role::DepartmentOfficer => "department",
        Role::Auditor => "auditor",
        Role::SystemAdmin => "admin",
    }
}

/// Gives the first member of staff in each role an account, unless it exists; re-running
/// changes nothing.
pub async fn ensure_demo_accounts(store: &dyn Store) -> anyhow::Result<Vec<DemoAccount>> {
    let staff = store.all_staff().await?;
    let actor = qinglian_store::model::Actor::system("demo");
    let hash = password::hash(&Password::new(DEMO_PASSWORD))?;
    let mut out = Vec::new();
    for role in Role::ALL {
        let Some(s) = staff.iter().find(|s| s.role == role.as_str()) else {
            continue;
        };
        let username = demo_username(role);
        if store.find_account(username).await?.is_none() {
            store.create_account(&actor, &s.id, username, &hash).await?;
        }
        out.push(DemoAccount {
            username: username.to_owned(),
            role,
            staff_name: s.name.clone(),
        });
    }
    Ok(out)
}

/// Demo accounts that still open with the demo password. A real deployment must not start
/// with any: the password is printed in the README.
pub async fn demo_accounts_with_demo_password(store: &dyn Store) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    for role in Role::ALL {
        let username = demo_username(role);
        if let Some(account) = store.find_account(username).await?
            && !account.disabled
        {
            let hash = account.password_hash.clone();
            let opens =
                tokio::task::spawn_blocking(move || password::verify(&Password::new(DEMO_PASSWORD), &hash)).await?;
            if opens {
                found.push(username.to_owned());
            }
        }
    }
    Ok(found)
}
