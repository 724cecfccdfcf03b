//! Open311 services: the concern categories, and the one attribute each needs.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use qinglian_store::model::Category;

use super::wire::{self, Format, Record, Value};
use super::{Failure, finish, split};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;

fn service_record(c: &Category, tr: Tr) -> Record {
    vec![
        ("service_code", c.code.as_str().into()),
        ("service_name", c.name.as_str().into()),
        ("description", c.name.as_str().into()),
        // True: every service has the required `meeting_id` attribute (see the definition).
        ("metadata", Value::Bool(true)),
        ("type", "realtime".into()),
        ("keywords", "".into()),
        ("group", tr.get("open311.group").into()),
    ]
}

/// `GET services.{format}`: the concern categories.
pub(super) async fn services(State(state): State<AppState>, lang: Lang, format: Format) -> Response {
    let tr = Tr::new(lang);
    finish(
        async {
            let cats = state
                .store
                .list_categories()
                .await
                .map_err(|e| (Failure::from_app(e.into(), tr), format))?;
            let records: Vec<Record> = cats.iter().map(|c| service_record(c, tr)).collect();
            Ok(wire::respond(
                format,
                StatusCode::OK,
                wire::render_list(format, "services", "service", &records),
            ))
        }
        .await,
    )
}

/// `GET services/{service_code}.{format}`: the one attribute every concern needs, the
/// on-site meeting it was raised at (the meeting fixes the village).
pub(super) async fn definition(State(state): State<AppState>, lang: Lang, Path(file): Path<String>) -> Response {
    let tr = Tr::new(lang);
    finish(
        async {
            let (code, format) = split(&file, tr)?;
            let cats = state
                .store
                .list_categories()
                .await
                .map_err(|e| (Failure::from_app(e.into(), tr), format))?;
            let Some(cat) = cats.iter().find(|c| c.code == code) else {
                return Err((
                    Failure::new(StatusCode::NOT_FOUND, tr, "open311.service_code_unknown"),
                    format,
                ));
            };
            let attribute: Record = vec![
                ("variable", Value::Bool(true)),
                ("code", "meeting_id".into()),
                ("datatype", "string".into()),
                ("required", Value::Bool(true)),
                ("datatype_description", tr.get("open311.meeting.datatype").into()),
                ("order", Value::Int(1)),
                ("description", tr.get("open311.meeting.description").into()),
                (
                    "values",
                    Value::List {
                        item: "value",
                        records: Vec::new(),
                    },
                ),
            ];
            let record: Record = vec![
                ("service_code", cat.code.as_str().into()),
                (
                    "attributes",
                    Value::List {
                        item: "attribute",
                        records: vec![attribute],
                    },
                ),
            ];
            Ok(wire::respond(
                format,
                StatusCode::OK,
                wire::render_one(format, "service_definition", &record),
            ))
        }
        .await,
    )
}
