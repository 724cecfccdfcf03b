//! The public side of the tamper-evident log: the latest signed checkpoint, the public key,
//! entries, and inclusion and consistency proofs. No session needed: anyone may check.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use qinglian_store::model::LedgerEntryRow;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiJson, ApiQuery, AppError, ErrorBody};
use crate::ledger::ProofError;
use crate::state::AppState;

/// Most entries one page holds.
const MAX_ENTRIES: u64 = 1000;

fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

fn invalid(field: &str, msg: String) -> ApiError {
    ApiError(AppError::Invalid(qinglian_domain::Invalid::field(
        field,
        "ledger.request",
        Some(&msg),
    )))
}

impl From<ProofError> for ApiError {
    fn from(e: ProofError) -> Self {
        match e {
            ProofError::Request(msg) => invalid("tree_size", msg),
            ProofError::Store(s) => ApiError::from(s),
        }
    }
}

/// The latest signed checkpoint, in the C2SP signed-note text format.
#[utoipa::path(get, path = "/api/v1/ledger/checkpoint", tag = "ledger",
    responses((status = 200, body = String, content_type = "text/plain"), (status = 404, body = ErrorBody)))]
pub async fn checkpoint(State(state): State<AppState>) -> Result<Response, ApiError> {
    let cp = state
        .store
        .latest_checkpoint()
        .await?
        .ok_or(ApiError(AppError::NotFound))?;
    Ok(text(cp.note))
}

/// The key that signs checkpoints, in the note verifier-key format.
#[utoipa::path(get, path = "/api/v1/ledger/key", tag = "ledger",
    responses((status = 200, body = String, content_type = "text/plain"), (status = 404, body = ErrorBody)))]
pub async fn key(State(state): State<AppState>) -> Result<Response, ApiError> {
    let signer = state.ledger_signer.as_ref().ok_or(ApiError(AppError::NotFound))?;
    Ok(text(signer.verifier().to_vkey()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    pub start: u64,
    /// At most 1000.
    pub count: u64,
}

/// Integrated entries from `start`: what each is about and its canonical bytes.
#[utoipa::path(get, path = "/api/v1/ledger/entries", tag = "ledger", params(EntriesQuery),
    responses((status = 200, body = Vec<LedgerEntryRow>), (status = 422, body = ErrorBody)))]
pub async fn entries(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<EntriesQuery>,
) -> Result<ApiJson<Vec<LedgerEntryRow>>, ApiError> {
    if q.count == 0 || q.count > MAX_ENTRIES {
        return Err(invalid("count", format!("count must be 1 to {MAX_ENTRIES}")));
    }
    Ok(ApiJson(state.store.ledger_entries(q.start, q.count).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    pub index: u64,
    pub tree_size: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InclusionBody {
    pub leaf_index: u64,
    pub tree_size: u64,
    /// The audit path, hex, leaf side first.
    pub hashes: Vec<String>,
}

/// The inclusion proof of an entry in the tree of `tree_size` entries.
#[utoipa::path(get, path = "/api/v1/ledger/proof/inclusion", tag = "ledger", params(InclusionQuery),
    responses((status = 200, body = InclusionBody), (status = 422, body = ErrorBody)))]
pub async fn inclusion(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<InclusionQuery>,
) -> Result<ApiJson<InclusionBody>, ApiError> {
    let proof = crate::ledger::inclusion(&state, q.index, q.tree_size).await?;
    Ok(ApiJson(InclusionBody {
        leaf_index: q.index,
        tree_size: q.tree_size,
        hashes: proof.0.iter().map(hex::encode).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    pub first: u64,
    pub second: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsistencyBody {
    pub first: u64,
    pub second: u64,
    pub hashes: Vec<String>,
}

/// The consistency proof that the tree of `second` entries extends the tree of `first`.
#[utoipa::path(get, path = "/api/v1/ledger/proof/consistency", tag = "ledger", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyBody), (status = 422, body = ErrorBody)))]
pub async fn consistency(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> Result<ApiJson<ConsistencyBody>, ApiError> {
    let proof = crate::ledger::consistency(&state, q.first, q.second).await?;
    Ok(ApiJson(ConsistencyBody {
        first: q.first,
        second: q.second,
        hashes: proof.0.iter().map(hex::encode).collect(),
    }))
}
