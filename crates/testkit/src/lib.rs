//! Test support: every test gets a fresh database on the real backend and, when it needs one,
//! the real server on port 0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use qinglian_store::{DatabaseUrl, DynStore};

/// The PostgreSQL server the suite runs against.
pub fn postgres_admin_url() -> String {
    std::env::var("QINGLIAN_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A database that exists for one test and is removed after it.
pub struct TestDb {
    pub url: DatabaseUrl,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDb {
    /// Connects (and migrates) the store on this database.
    pub async fn store(&self) -> DynStore {
        qinglian_store::connect(&self.url)
            .await
            .expect("connect to the test database")
    }

    pub fn backend(&self) -> &'static str {
        if self.pg_name.is_some() { "postgres" } else { "sqlite" }
    }
}

/// A fresh SQLite file in a temporary folder.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite://{}", dir.path().join("qinglian.db").display());
    TestDb {
        url: DatabaseUrl::new(url),
        _dir: Some(dir),
        pg_name: None,
    }
}

/// A fresh PostgreSQL database on the suite's server. Fails loudly when the server cannot be
/// reached: the PostgreSQL half of the suite must never pass by being skipped.
pub async fn postgres() -> TestDb {
    use sqlx::Connection;
    let admin = postgres_admin_url();
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(c) => c,
        Err(e) => panic!(
            "PostgreSQL is not reachable at {admin} ({e}).\n\
             The test suite runs every storage story on PostgreSQL too; start PostgreSQL or point \
             QINGLIAN_TEST_POSTGRES_URL at a server where this user may create databases."
        ),
    };
    let name = format!("qinglian_t_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create the test database");
    let url = match admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("QINGLIAN_TEST_POSTGRES_URL must end with a database name: {admin}"),
    };
    TestDb {
        url: DatabaseUrl::new(url),
        _dir: None,
        pg_name: Some(name),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else { return };
        // Drop runs outside any runtime we may block; use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
            if let Ok(rt) = rt {
                rt.block_on(async move {
                    use sqlx::Connection;
                    if let Ok(mut c) = sqlx::PgConnection::connect(&postgres_admin_url()).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&mut c)
                        .await;
                    }
                });
            }
        })
        .join();
    }
}

/// Both backends, for stories that must hold on each.
pub async fn each_backend() -> [TestDb; 2] {
    [sqlite().await, postgres().await]
}

pub type Store = Arc<dyn qinglian_store::Store>;

/// A confirmed assessment period, labelled `label`, that grades each of `villages` C (by the
/// reviewer's adjustment where the computed grade is not C): what a village plan answers.
/// Saves the seed framework first when the store has none.
pub async fn c_period(
    store: &dyn qinglian_store::Store,
    label: &str,
    villages: &[&str],
) -> qinglian_store::model::RatingPeriod {
    let grades: Vec<(&str, &str)> = villages.iter().map(|v| (*v, "C")).collect();
    graded_period(store, label, &grades).await
}

/// A confirmed assessment period, labelled `label`, in which each `(village id, grade)` has that
/// final grade (by the reviewer's adjustment where the computed grade differs). Saves the seed
/// framework first when the store has none.
pub async fn graded_period(
    store: &dyn qinglian_store::Store,
    label: &str,
    grades: &[(&str, &str)],
) -> qinglian_store::model::RatingPeriod {
    use qinglian_domain::rating::{Adjustment, PeriodInput, seed_framework};
    let a = qinglian_store::model::Actor::system("test");
    let all = qinglian_domain::scope::Reach::everything();
    if store.current_framework().await.unwrap().is_none() {
        store.save_framework(&a, &seed_framework()).await.unwrap();
    }
    let period = store
        .open_period(&a, &PeriodInput::parse(label, "quarterly").unwrap())
        .await
        .unwrap();
    store.grade_period(&a, &period.id).await.unwrap();
    for r in store.period_results(&all, &period.id).await.unwrap() {
        let Some((_, grade)) = grades.iter().find(|(v, _)| *v == r.village_id) else {
            continue;
        };
        if r.computed_grade != *grade {
            let why = Adjustment::parse(grade, "研判会议集体研究调整").unwrap();
            store.adjust_grade(&a, &all, &r.id, &why).await.unwrap();
        }
    }
    store.confirm_period(&a, &period.id).await.unwrap()
}
