//! Resumable evidence uploads: the core of the tus 1.0 protocol (https://tus.io) with its
//! creation, termination and expiration extensions.
//!
//! `POST` declares the length and metadata (`filename`, `filetype`, and optionally the
//! `sha256` and `sm3` the client computed), `HEAD` tells how much has arrived, `PATCH` appends
//! at that offset, `DELETE` gives up. The last byte of the last `PATCH` completes the upload:
//! the file becomes evidence and the answer carries its id and digests.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use qinglian_domain::Invalid;
use qinglian_domain::evidence::{Digest32, FileName, MediaType};
use qinglian_store::evidence::EvidenceUpload;

use crate::auth::cap;
use crate::error::{ApiError, AppError, ErrorBody};
use crate::evidence::UploadRequest;
use crate::scope::ApiScoped;
use crate::state::AppState;

const TUS_VERSION: &str = "1.0.0";
const UPLOADS: &str = "/api/v1/evidence/uploads";

/// Every tus answer, errors included, names the protocol version.
fn tus(result: Result<Response, ApiError>) -> Response {
    let mut response = result.unwrap_or_else(IntoResponse::into_response);
    let h = response.headers_mut();
    h.insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn require_version(headers: &HeaderMap) -> Result<(), AppError> {
    match headers.get("tus-resumable").and_then(|v| v.to_str().ok()) {
        Some(TUS_VERSION) => Ok(()),
        _ => Err(AppError::PreconditionFailed("Tus-Resumable: 1.0.0 is required")),
    }
}

fn number(headers: &HeaderMap, name: &str) -> Result<Option<u64>, AppError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| AppError::BadRequest(format!("{name} must be a non-negative integer"))),
    }
}

fn http_date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Parses `Upload-Metadata`: comma-separated `key base64(value)` pairs.
fn metadata(headers: &HeaderMap) -> Result<Vec<(String, String)>, Invalid> {
    let bad = || Invalid::field("upload_metadata", "evidence.metadata", None);
    let Some(raw) = headers.get("upload-metadata") else {
        return Ok(Vec::new());
    };
    let raw = raw.to_str().map_err(|_| bad())?;
    let mut out = Vec::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut parts = pair.split(' ');
        let key = parts.next().unwrap_or("").to_owned();
        let value = match parts.next() {
            Some(v) => {
                let bytes = base64::engine::general_purpose::STANDARD.decode(v).map_err(|_| bad())?;
                String::from_utf8(bytes).map_err(|_| bad())?
            }
            None => String::new(),
        };
        if key.is_empty() || parts.next().is_some() {
            return Err(bad());
        }
        out.push((key, value));
    }
    Ok(out)
}

fn upload_request(headers: &HeaderMap) -> Result<UploadRequest, AppError> {
    if headers.contains_key("upload-defer-length") {
        return Err(AppError::BadRequest(
            "Upload-Defer-Length is not supported; send Upload-Length".into(),
        ));
    }
    let length =
        number(headers, "upload-length")?.ok_or_else(|| AppError::BadRequest("Upload-Length is required".into()))?;
    let meta = metadata(headers)?;
    let get = |keys: &[&str]| {
        meta.iter()
            .find(|(k, _)| keys.contains(&k.as_str()))
            .map(|(_, v)| v.as_str())
    };
    // `filename`/`filetype` as tus-js-client sends them, `name`/`type` as Uppy does.
    let file_name = FileName::parse("filename", get(&["filename", "name"]).unwrap_or(""));
    let media_type = MediaType::parse("filetype", get(&["filetype", "type"]).unwrap_or(""));
    let sha256 = get(&["sha256"]).map(|v| Digest32::parse("sha256", v)).transpose();
    let sm3 = get(&["sm3"]).map(|v| Digest32::parse("sm3", v)).transpose();
    Invalid::collect([
        file_name.as_ref().err().cloned(),
        media_type.as_ref().err().cloned(),
        sha256.as_ref().err().cloned(),
        sm3.as_ref().err().cloned(),
    ])?;
    Ok(UploadRequest {
        length,
        file_name: file_name?,
        media_type: media_type?,
        sha256: sha256?,
        sm3: sm3?,
    })
}

/// What the server speaks.
#[utoipa::path(options, path = "/api/v1/evidence/uploads", tag = "evidence",
    responses((status = 204, description = "`Tus-Version`, `Tus-Extension`, `Tus-Max-Size`")))]
pub async fn options(State(state): State<AppState>, _: ApiScoped<cap::HandleEvidence>) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let h = response.headers_mut();
    h.insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    h.insert("tus-version", HeaderValue::from_static(TUS_VERSION));
    h.insert(
        "tus-extension",
        HeaderValue::from_static("creation,termination,expiration"),
    );
    h.insert("tus-max-size", HeaderValue::from(state.evidence.max_upload()));
    response
}

/// Starts an upload; `Location` is where to `PATCH` its bytes.
#[utoipa::path(post, path = "/api/v1/evidence/uploads", tag = "evidence",
    params(("Tus-Resumable" = String, Header, description = "1.0.0"),
        ("Upload-Length" = u64, Header, description = "The file's size in bytes"),
        ("Upload-Metadata" = Option<String>, Header, description = "`filename`, `filetype`, `sha256`, `sm3`, each base64")),
    responses((status = 201, description = "Created; `Location` and `Upload-Expires`"),
        (status = 400, body = ErrorBody), (status = 412, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 507, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiScoped(user, _reach, _cap): ApiScoped<cap::HandleEvidence>,
    headers: HeaderMap,
) -> Response {
    tus(async {
        require_version(&headers)?;
        let req = upload_request(&headers)?;
        let upload = state
            .evidence
            .create(&state.store, &user.session.account_id, req)
            .await?;
        let mut response = StatusCode::CREATED.into_response();
        let h = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&format!("{UPLOADS}/{}", upload.id)) {
            h.insert(header::LOCATION, v);
        }
        if let Ok(v) = HeaderValue::from_str(&http_date(upload.expires_at)) {
            h.insert("upload-expires", v);
        }
        h.insert("upload-offset", HeaderValue::from(0u64));
        Ok(response)
    }
    .await)
}

fn offset_headers(response: &mut Response, upload: &EvidenceUpload, offset: u64) {
    let h = response.headers_mut();
    h.insert("upload-offset", HeaderValue::from(offset));
    h.insert("upload-length", HeaderValue::from(upload.length));
    if let Ok(v) = HeaderValue::from_str(&http_date(upload.expires_at)) {
        h.insert("upload-expires", v);
    }
}

/// How many bytes have arrived (and are safely on disk).
#[utoipa::path(head, path = "/api/v1/evidence/uploads/{id}", tag = "evidence",
    params(("id" = String, Path), ("Tus-Resumable" = String, Header, description = "1.0.0")),
    responses((status = 200, description = "`Upload-Offset` and `Upload-Length`"), (status = 404, description = "No such upload of yours")))]
pub async fn head(
    State(state): State<AppState>,
    ApiScoped(user, _reach, _cap): ApiScoped<cap::HandleEvidence>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    tus(async {
        require_version(&headers)?;
        let upload = state.store.get_upload(&user.session.account_id, &id).await?;
        let offset = state.evidence.offset(&upload).await?;
        let mut response = StatusCode::OK.into_response();
        offset_headers(&mut response, &upload, offset);
        Ok(response)
    }
    .await)
}

/// Appends bytes at `Upload-Offset`. The answer to the last one names the evidence record:
/// `X-Evidence-Id`, `X-Content-SHA256`, `X-Content-SM3` and `Location`.
#[utoipa::path(patch, path = "/api/v1/evidence/uploads/{id}", tag = "evidence",
    params(("id" = String, Path), ("Tus-Resumable" = String, Header, description = "1.0.0"),
        ("Upload-Offset" = u64, Header, description = "Where these bytes go; must equal the server's offset")),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses((status = 204, description = "Accepted; the new `Upload-Offset`"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 507, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    ApiScoped(user, _reach, _cap): ApiScoped<cap::HandleEvidence>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    tus(async {
        require_version(&headers)?;
        let upload = state.store.get_upload(&user.session.account_id, &id).await?;
        let is_tus_body = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.trim() == "application/offset+octet-stream");
        if !is_tus_body {
            return Err(AppError::UnsupportedMediaType.into());
        }
        let offset = number(&headers, "upload-offset")?
            .ok_or_else(|| AppError::BadRequest("Upload-Offset is required".into()))?;
        let content_length = number(&headers, "content-length")?;
        let patched = state
            .evidence
            .patch(&state.store, &user.actor, upload.clone(), offset, content_length, body)
            .await?;
        let mut response = StatusCode::NO_CONTENT.into_response();
        offset_headers(&mut response, &upload, patched.offset);
        if let Some(file) = patched.file {
            let h = response.headers_mut();
            for (name, value) in [
                ("x-evidence-id", file.id.clone()),
                ("x-content-sha256", file.sha256.clone()),
                ("x-content-sm3", file.sm3.clone()),
                ("location", format!("/api/v1/evidence/{}", file.id)),
            ] {
                if let Ok(v) = HeaderValue::from_str(&value) {
                    h.insert(name, v);
                }
            }
        }
        Ok(response)
    }
    .await)
}

/// Gives the upload up: its bytes are removed and nothing is recorded.
#[utoipa::path(delete, path = "/api/v1/evidence/uploads/{id}", tag = "evidence",
    params(("id" = String, Path), ("Tus-Resumable" = String, Header, description = "1.0.0")),
    responses((status = 204, description = "Terminated"), (status = 404, body = ErrorBody)))]
pub async fn terminate(
    State(state): State<AppState>,
    ApiScoped(user, _reach, _cap): ApiScoped<cap::HandleEvidence>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    tus(async {
        require_version(&headers)?;
        let upload = state.store.get_upload(&user.session.account_id, &id).await?;
        state.evidence.terminate(&state.store, &upload).await?;
        Ok(StatusCode::NO_CONTENT.into_response())
    }
    .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")));
        }
        h
    }

    #[test]
    fn metadata_is_decoded_and_names_are_made_safe() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let meta = format!(
            "filename {},filetype {},is_confidential",
            b64("../../etc/询问.mp4"),
            b64("video/mp4")
        );
        let req = upload_request(&headers(&[("upload-length", "10"), ("upload-metadata", &meta)]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(req.file_name.as_str(), "询问.mp4");
        assert_eq!(req.media_type.as_str(), "video/mp4");
        assert_eq!(req.length, 10);
        let nul = format!("filename {}", b64("a\0b"));
        assert!(upload_request(&headers(&[("upload-length", "10"), ("upload-metadata", &nul)])).is_err());
        assert!(
            upload_request(&headers(&[
                ("upload-length", "10"),
                ("upload-metadata", "filename !!!")
            ]))
            .is_err()
        );
        assert!(upload_request(&headers(&[("upload-metadata", "")])).is_err());
    }
}
