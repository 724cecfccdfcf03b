//! Open311 `POST requests`: a concern submitted the way the meeting's QR form submits it.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::wire::{self, Format, Record, Value};
use super::{Failure, finish};
use crate::api::inspection::{PublicConcern, submit_public};
use crate::auth::ClientAddr;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;

/// The body as bytes, or why it could not be read (too large), to answer in our format.
pub(super) type BodyBytes = Result<Bytes, axum::extract::rejection::BytesRejection>;

/// Form fields by name; a repeated field keeps its first value.
fn form_fields(body: &[u8]) -> Option<HashMap<String, String>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    let mut out = HashMap::new();
    for (k, v) in pairs {
        out.entry(k).or_insert(v);
    }
    Some(out)
}

/// The complainant's name from the spec's two fields: family name first, without a space,
/// when either is Chinese; `first last` otherwise.
fn full_name(first: &str, last: &str) -> String {
    let (first, last) = (first.trim(), last.trim());
    if !first.is_ascii() || !last.is_ascii() {
        format!("{last}{first}")
    } else {
        format!("{first} {last}").trim().to_owned()
    }
}

/// `POST requests.{format}`, form-encoded as the spec says: the same path as the QR form
/// (`submit_public`: anonymous actor, receipt stored only as a hash).
///
/// - `service_code` and `description` are required; so is `attribute[meeting_id]` (plain
///   `meeting_id` is accepted too), the meeting the concern is raised at.
/// - `first_name`, `last_name` and `phone` become the optional complainant, seen only by the
///   roles allowed to and every view audited.
/// - `lat`, `long`, `address_string`, `address_id`, `email`, `device_id`, `account_id`,
///   `media_url`, `jurisdiction_id` and `api_key` are accepted and ignored: the meeting fixes
///   the place, we keep no e-mail, and anyone may submit, as with the public form. Unlike the
///   spec we therefore do not require a location.
/// - Creation is synchronous, so the answer carries the `service_request_id` at once, and a
///   `token` too for clients that only follow tokens: the token is the concern's id, which
///   `GET tokens/{token}` resolves to itself. Nothing pends, so a token needs no storage and
///   tells nothing the id does not.
/// - The receipt code, the villager's only way to read their own text and history, is in the
///   `receipt` extension field and in `service_notice`. It is shown here once and never again.
pub(super) async fn create(
    State(state): State<AppState>,
    lang: Lang,
    ClientAddr(client): ClientAddr,
    body: BodyBytes,
    format: Format,
) -> Response {
    let tr = Tr::new(lang);
    finish(
        async {
            let fail = |f: Failure| (f, format);
            let body = body.map_err(|r| {
                fail(Failure::from_app(
                    crate::error::from_rejection(r.status(), r.body_text()),
                    tr,
                ))
            })?;
            let fields = form_fields(&body).ok_or_else(|| fail(Failure::bad(tr, "open311.form_unreadable")))?;
            let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or("").trim();
            let code = field("service_code");
            if code.is_empty() {
                return Err(fail(Failure::bad(tr, "open311.service_code_required")));
            }
            let cats = state
                .store
                .list_categories()
                .await
                .map_err(|e| fail(Failure::from_app(e.into(), tr)))?;
            let Some(cat) = cats.iter().find(|c| c.code == code) else {
                return Err(fail(Failure::bad(tr, "open311.service_code_unknown")));
            };
            let meeting = match field("attribute[meeting_id]") {
                "" => field("meeting_id"),
                m => m,
            };
            if meeting.is_empty() {
                return Err(fail(Failure::bad(tr, "open311.meeting_required")));
            }
            let concern = PublicConcern {
                meeting_id: meeting.to_owned(),
                category_id: cat.id.clone(),
                text: field("description").to_owned(),
                complainant_name: full_name(field("first_name"), field("last_name")),
                complainant_phone: field("phone").to_owned(),
            };
            let (receipt, created) = match submit_public(&state, &client, &concern).await {
                Ok(done) => done,
                // The only thing looked up is the meeting: a parameter of this request, not the
                // resource posted to.
                Err(AppError::NotFound) => return Err(fail(Failure::bad(tr, "open311.meeting_unknown"))),
                Err(e) => return Err(fail(Failure::from_app(e, tr))),
            };
            let receipt = receipt.display();
            let record: Record = vec![
                ("service_request_id", created.id.as_str().into()),
                ("token", created.id.as_str().into()),
                (
                    "service_notice",
                    tr.get("open311.receipt_notice").replace("{receipt}", &receipt).into(),
                ),
                ("account_id", Value::Null),
                ("receipt", receipt.into()),
            ];
            // The spec names no success status; 201 is HTTP's for a created resource.
            Ok(wire::respond(
                format,
                StatusCode::CREATED,
                wire::render_list(format, "service_requests", "request", &[record]),
            ))
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_script() {
        assert_eq!(full_name("某", "王"), "王某");
        assert_eq!(full_name("Li", "Wang"), "Li Wang");
        assert_eq!(full_name("", ""), "");
        assert_eq!(full_name(" 某 ", ""), "某");
    }
}
