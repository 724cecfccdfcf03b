//! Starts the real server on port 0 against a fresh database, with a small county and
//! accounts for several roles.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use qinglian_domain::org::{CountyInput, StaffInput, TownshipInput, UnitInput, VillageInput};
use qinglian_store::DynStore;
use qinglian_store::model::Actor;
use qinglian_testkit::TestDb;
use qinglian_web::{Application, Settings};

pub mod browser;

pub const PASSWORD: &str = "correct-horse-青岚-2026";

pub struct TestApp {
    pub base: String,
    pub store: DynStore,
    pub settings: Settings,
    _key_dir: tempfile::TempDir,
    pub fixture: Fixture,
    _db: TestDb,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Ids of what the fixture county holds.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub township_east: String,
    pub township_west: String,
    pub village_east: String,
    pub department: String,
    pub office: String,
    pub group: String,
    pub leader: String,
    pub victim_account: String,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn spawn_sqlite() -> TestApp {
    spawn(qinglian_testkit::sqlite().await).await
}

pub async fn spawn_postgres() -> TestApp {
    spawn(qinglian_testkit::postgres().await).await
}

pub async fn spawn(db: TestDb) -> TestApp {
    spawn_with(db, |_| {}).await
}

/// Starts the server with settings changed by `tweak` (after the test defaults are set).
pub async fn spawn_with(db: TestDb, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let store = db.store().await;
    let fixture = seed(&store).await;
    let key_dir = tempfile::tempdir().unwrap();
    let key_path = key_dir.path().join("ledger.key");
    let settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: db.url.expose().to_owned(),
        ledger_key_path: key_path.clone(),
        secret_key_path: key_dir.path().join("secret.key"),
        ledger_origin: "test.qinglian/ledger".to_owned(),
        // Tests integrate when they choose; the background loop stays out of their way.
        ledger_interval_ms: 3_600_000,
        evidence_dir: key_dir.path().join("evidence"),
        ..Settings::default()
    };
    let mut settings = settings;
    tweak(&mut settings);
    qinglian_web::ledger::init_key(
        &key_path,
        &settings.ledger_origin,
        qinglian_ledger::SignatureType::Ed25519,
    )
    .unwrap();
    let app = Application::build(settings.clone(), store.clone())
        .await
        .expect("build the server");
    let base = format!("http://{}", app.local_addr());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    TestApp {
        base,
        store,
        settings,
        _key_dir: key_dir,
        fixture,
        _db: db,
        stop: Some(tx),
    }
}

async fn seed(store: &DynStore) -> Fixture {
    let a = Actor::system("test");
    store
        .upsert_county(&a, &CountyInput::parse("990201", "试验县").unwrap())
        .await
        .unwrap();
    let east = store
        .create_township(&a, &TownshipInput::parse("990201001", "东溪镇").unwrap())
        .await
        .unwrap();
    let west = store
        .create_township(&a, &TownshipInput::parse("990201002", "西岭乡").unwrap())
        .await
        .unwrap();
    let village = store
        .create_village(&a, &VillageInput::parse("990201001201", "上坪村").unwrap())
        .await
        .unwrap();
    let department = store
        .create_department(&a, &UnitInput::parse("zhujian", "试验县住房和城乡建设局").unwrap())
        .await
        .unwrap();
    let office = store
        .create_office(&a, &UnitInput::parse("office1", "第一纪检监察室").unwrap())
        .await
        .unwrap();
    let group = store
        .create_stationed_group(&a, &UnitInput::parse("pz99", "派驻第九十九纪检监察组").unwrap(), &[])
        .await
        .unwrap();
    let hash = qinglian_web::password::hash(&qinglian_web::password::Password::new(PASSWORD)).unwrap();
    // One account per role, as the demo has; `victim` exists to be disabled in tests.
    let people = [
        ("admin", "管理员甲", "system_admin", None),
        ("leader", "领导乙", "commission_leader", None),
        ("casemanager", "案管丙", "case_manager", None),
        ("secretary", "书记丁", "township_secretary", Some(east.id.as_str())),
        (
            "department",
            "经办戊",
            "department_officer",
            Some(department.id.as_str()),
        ),
        ("auditor", "审计己", "auditor", None),
        ("office", "监察庚", "supervision_office", None),
        ("grouphead", "组长辛", "stationed_group_head", Some(group.id.as_str())),
        ("inspector", "巡察壬", "inspection_group_member", None),
        ("liaison", "联村癸", "village_liaison", Some(west.id.as_str())),
        ("victim", "待停用", "supervision_office", None),
    ];
    let mut leader = String::new();
    let mut victim_account = String::new();
    for (username, name, role, unit) in people {
        let s = store
            .create_staff(&a, &StaffInput::parse(name, role, unit, Some(&west.id)).unwrap())
            .await
            .unwrap();
        let account = store.create_account(&a, &s.id, username, &hash).await.unwrap();
        if role == "commission_leader" {
            leader = s.id;
        }
        if username == "victim" {
            victim_account = account;
        }
    }
    Fixture {
        township_east: east.id,
        township_west: west.id,
        village_east: village.id,
        department: department.id,
        office: office.id,
        group: group.id,
        leader,
        victim_account,
    }
}

/// An HTTP client that keeps cookies and does not follow redirects, so tests see them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A signed-in client and its CSRF token.
pub struct Session {
    pub client: reqwest::Client,
    pub csrf: String,
}

impl TestApp {
    /// Stops the server and starts a new one on the same database and folders, as after a
    /// crash and restart: nothing the old process held in memory survives.
    pub async fn restart(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let app = Application::build(self.settings.clone(), self.store.clone())
            .await
            .expect("rebuild the server");
        self.base = format!("http://{}", app.local_addr());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        self.stop = Some(tx);
    }

    /// The same state the server has, for calling its services directly.
    pub fn state(&self) -> qinglian_web::AppState {
        qinglian_web::AppState::new(std::sync::Arc::new(self.settings.clone()), self.store.clone()).unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn sign_in(&self, username: &str) -> Session {
        let client = client();
        let r = client
            .post(self.url("/login"))
            .form(&[("username", username), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "sign-in of {username} failed");
        let page = client
            .get(self.url("/staff"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = page
            .split("\"x-csrf-token\": \"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("the staff page carries the CSRF token")
            .to_owned();
        Session { client, csrf }
    }
}

impl Session {
    pub async fn post_json(&self, url: String, body: serde_json::Value) -> reqwest::Response {
        self.client
            .post(url)
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form as the page would: with this session's CSRF token first.
    pub async fn post_form(&self, url: String, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form = vec![("_csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.client.post(url).form(&form).send().await.unwrap()
    }

    pub async fn get_json(&self, url: String) -> (u16, serde_json::Value) {
        let r = self.client.get(url).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }
}

/// An inspection round over the fixture's east village: a group led by `inspector` (whose
/// home is the west township), a meeting inviting the fixture's department, and one concern.
pub struct InspectionWorld {
    pub round: String,
    pub group: String,
    pub meeting: String,
    pub category: String,
    pub concern: String,
    /// The concern's receipt code, as the villager keeps it.
    pub receipt: String,
}

impl TestApp {
    pub async fn inspection_world(&self) -> InspectionWorld {
        use qinglian_domain::inspection::{ConcernInput, ConcernSource, MeetingInput, ReceiptCode, RoundInput};
        let a = Actor::system("test");
        let f = &self.fixture;
        let store = &self.store;
        let inspector = store
            .all_staff()
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.role == "inspection_group_member")
            .unwrap();
        let round = store
            .create_round(&a, &RoundInput::parse("8", "第八轮巡察", "2026-10-08", "60").unwrap())
            .await
            .unwrap();
        let group = store
            .create_group(
                &a,
                &round.id,
                &qinglian_domain::error::Name::parse("name", "第一巡察组").unwrap(),
                &inspector.id,
                &[],
            )
            .await
            .unwrap();
        store
            .assign_targets(&a, &round.id, &group.group.id, std::slice::from_ref(&f.village_east))
            .await
            .unwrap();
        let meeting = store
            .create_meeting(
                &a,
                &qinglian_domain::scope::Reach::everything(),
                &MeetingInput::parse(
                    &round.id,
                    &group.group.id,
                    &f.village_east,
                    "东溪村村委会",
                    "2026-10-20T09:30",
                    vec![f.department.clone()],
                )
                .unwrap(),
            )
            .await
            .unwrap();
        let category = store
            .create_category(
                &a,
                "road",
                &qinglian_domain::error::Name::parse("name", "道路设施").unwrap(),
            )
            .await
            .unwrap();
        let receipt = "1111-2222-3333-4444".to_owned();
        let code = ReceiptCode::parse(&receipt).unwrap();
        let hash = self.state().secrets.receipt_hash(&code);
        let concern = store
            .create_concern(
                &a,
                &ConcernInput::parse(
                    "村口二十米断头路未打通",
                    &category.id,
                    &f.village_east,
                    Some(&meeting.meeting.id),
                    "王某",
                    "13900000000",
                )
                .unwrap(),
                ConcernSource::Meeting,
                &hash,
                "第一巡察组",
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        InspectionWorld {
            round: round.id,
            group: group.group.id,
            meeting: meeting.meeting.id,
            category: category.id,
            concern: concern.id,
            receipt,
        }
    }
}

/// A clue in the east township with a case opened from it, a cross-handling team of `office`
/// and `grouphead` (both from the west), and an interview planned with them as investigators.
/// `secretary` is posted in the east: the township's own secretary, who must see none of it.
pub struct CaseWorld {
    pub clue: String,
    pub case: String,
    pub interview: String,
    pub office_staff: String,
    pub grouphead_staff: String,
}

impl TestApp {
    pub async fn case_world(&self) -> CaseWorld {
        use qinglian_domain::case::{ClueInput, Disposition};
        use qinglian_domain::interview::{PlanForm, PlanInput};
        use qinglian_domain::scope::Reach;
        let a = Actor::system("test");
        let all = Reach::everything();
        let today = chrono::Utc::now()
            .with_timezone(&qinglian_domain::inspection::CHINA)
            .date_naive();
        let clue = self
            .store
            .create_clue(
                &a,
                &ClueInput::parse(
                    "petition",
                    "张某",
                    "东溪镇农业服务中心主任",
                    &self.fixture.township_east,
                    "反映其在土地流转中收受好处",
                    &today.to_string(),
                    today,
                )
                .unwrap(),
            )
            .await
            .unwrap();
        let note = qinglian_domain::inspection::Text::parse("note", "经初核，决定立案").unwrap();
        let clue = self
            .store
            .dispose_clue(&a, &all, &clue.id, None, Disposition::CaseOpened, &note, today)
            .await
            .unwrap();
        let staff = self.store.all_staff().await.unwrap();
        let id_of = |name: &str| staff.iter().find(|s| s.name == name).unwrap().id.clone();
        let (office, head) = (id_of("监察庚"), id_of("组长辛"));
        for s in [&office, &head] {
            self.store.add_team_member(&a, &all, &clue.id, s).await.unwrap();
        }
        let plan = PlanInput::parse(&PlanForm {
            witness_name: "证人李某".into(),
            protected: None,
            alias: String::new(),
            id_number: "11010519491231002X".into(),
            phone: "13900000000".into(),
            investigator_ids: vec![office.clone(), head.clone()],
            platform: "腾讯会议".into(),
            link: "https://meeting.example/j/42".into(),
            scheduled_at: (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339(),
            consent_caller_id: office.clone(),
            consent_called_at: chrono::Utc::now().to_rfc3339(),
            consent_agreed: "同意今日下午远程询问".into(),
        })
        .unwrap();
        let case = clue.case_id.clone().unwrap();
        let interview = self.store.plan_interview(&a, &all, &case, &plan, None).await.unwrap();
        CaseWorld {
            clue: clue.id,
            case,
            interview: interview.id,
            office_staff: office,
            grouphead_staff: head,
        }
    }
}
