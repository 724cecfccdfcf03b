//! Evidence files over JSON: their records, their chain of custody, and their bytes. Every
//! look at a record and every download is a custody event (with its audit row and log entry).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use qinglian_domain::evidence::CustodyKind;
use qinglian_store::evidence::{CustodyEvent, EvidenceFile, EvidenceViewer};

use super::Paging;
use super::org::PageOf;
use crate::auth::cap;
use crate::error::{ApiError, ApiJson, ApiQuery, AppError, ErrorBody};
use crate::scope::ApiScoped;
use crate::state::AppState;

type Res<T> = Result<ApiJson<T>, ApiError>;

#[utoipa::path(get, path = "/api/v1/evidence", tag = "evidence", params(Paging),
    responses((status = 200, body = PageOf<EvidenceFile>)))]
pub async fn list_evidence(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::HandleEvidence>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Res<PageOf<EvidenceFile>> {
    let viewer = EvidenceViewer {
        account_id: &user.session.account_id,
        reach: &reach,
    };
    let page = state.store.list_evidence(&viewer, paging.request()).await?;
    Ok(ApiJson(PageOf {
        items: page.items,
        total: page.total,
    }))
}

#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "evidence", params(("id" = String, Path)),
    responses((status = 200, body = EvidenceFile), (status = 404, body = ErrorBody)))]
pub async fn get_evidence(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::HandleEvidence>,
    Path(id): Path<String>,
) -> Res<EvidenceFile> {
    let viewer = EvidenceViewer {
        account_id: &user.session.account_id,
        reach: &reach,
    };
    let file = state.store.get_evidence(&viewer, &id).await?;
    state
        .store
        .record_custody(&user.actor, &file.id, CustodyKind::Access, None)
        .await?;
    Ok(ApiJson(file))
}

#[utoipa::path(get, path = "/api/v1/evidence/{id}/custody", tag = "evidence", params(("id" = String, Path)),
    responses((status = 200, body = Vec<CustodyEvent>), (status = 404, body = ErrorBody)))]
pub async fn custody(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::HandleEvidence>,
    Path(id): Path<String>,
) -> Res<Vec<CustodyEvent>> {
    let viewer = EvidenceViewer {
        account_id: &user.session.account_id,
        reach: &reach,
    };
    let file = state.store.get_evidence(&viewer, &id).await?;
    Ok(ApiJson(state.store.custody_events(&file.id).await?))
}

/// The file's bytes, streamed from the blob store, always as an attachment of type
/// octet-stream (never rendered by the browser), with both recorded digests in headers.
#[utoipa::path(get, path = "/api/v1/evidence/{id}/content", tag = "evidence", params(("id" = String, Path)),
    responses((status = 200, description = "The file's bytes, with `X-Content-SHA256` and `X-Content-SM3`", content_type = "application/octet-stream"),
        (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    ApiScoped(user, reach, _cap): ApiScoped<cap::HandleEvidence>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let viewer = EvidenceViewer {
        account_id: &user.session.account_id,
        reach: &reach,
    };
    let file = state.store.get_evidence(&viewer, &id).await?;
    Ok(stream(&state, &user.actor, &file).await?)
}

/// Streams an evidence file the caller may read, as a recorded download: the custody event
/// (with its audit row and log entry) is written before the first byte leaves.
pub(crate) async fn stream(
    state: &AppState,
    actor: &qinglian_store::model::Actor,
    file: &EvidenceFile,
) -> Result<Response, AppError> {
    let key = file
        .key()
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("evidence row with a malformed key")))?;
    let read = state.evidence.blobs.open(&key).await.map_err(|e| {
        tracing::error!(file_id = %file.id, error = %e, "an evidence blob could not be opened");
        AppError::Internal(anyhow::Error::new(e).context("opening an evidence blob"))
    })?;
    // The download is on the record before the first byte leaves.
    state
        .store
        .record_custody(actor, &file.id, CustodyKind::Download, None)
        .await?;
    let mut response = Body::from_stream(read.stream).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(read.size));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for (name, value) in [
        ("x-content-sha256", file.sha256.as_str()),
        ("x-content-sm3", file.sm3.as_str()),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&file.original_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// `attachment` with an ASCII fallback name and the real one percent-encoded (RFC 6266).
fn content_disposition(name: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    // RFC 5987 attr-char: what may stay unencoded.
    const ATTR: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'!')
        .remove(b'#')
        .remove(b'$')
        .remove(b'&')
        .remove(b'+')
        .remove(b'-')
        .remove(b'.')
        .remove(b'^')
        .remove(b'_')
        .remove(b'`')
        .remove(b'|')
        .remove(b'~');
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        utf8_percent_encode(name, ATTR)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn content_disposition_never_carries_quotes_or_paths() {
        let h = super::content_disposition("询问\"录像\".mp4");
        assert_eq!(
            h,
            "attachment; filename=\"______.mp4\"; filename*=UTF-8''%E8%AF%A2%E9%97%AE%22%E5%BD%95%E5%83%8F%22.mp4"
        );
    }
}
