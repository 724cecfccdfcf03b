//! The public ledger page: the signing key, the latest checkpoint, and a check that a
//! checkpoint someone saved is still honoured by today's log.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qinglian_ledger::{Algorithm, Checkpoint, Hash, HashAlgorithm, Sha256, Sm3};
use serde::Deserialize;

use super::render;
use crate::auth::{MaybeUser, UserView};
use crate::error::{PageError, PageForm};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "portal/ledger.html")]
struct LedgerPage {
    t: Tr,
    user: Option<UserView>,
    key: Option<String>,
    checkpoint: Option<String>,
    verdict: Option<&'static str>,
    verdict_ok: bool,
    pasted: String,
}

async fn page(
    state: &AppState,
    lang: Lang,
    user: Option<UserView>,
    verdict: Option<&'static str>,
    pasted: String,
) -> Result<LedgerPage, PageError> {
    let checkpoint = state
        .store
        .latest_checkpoint()
        .await
        .map_err(|e| PageError::new(e, lang))?
        .map(|c| c.note);
    Ok(LedgerPage {
        t: Tr::new(lang),
        user,
        key: state.ledger_signer.as_ref().map(|s| s.verifier().to_vkey()),
        checkpoint,
        verdict_ok: verdict == Some("ledger.ok"),
        verdict,
        pasted,
    })
}

pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    MaybeUser(user): MaybeUser,
) -> Result<Response, PageError> {
    Ok(render(
        &page(&state, lang, user.map(|u| u.view()), None, String::new()).await?,
    ))
}

#[derive(Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    checkpoint: String,
}

pub async fn check(
    State(state): State<AppState>,
    lang: Lang,
    MaybeUser(user): MaybeUser,
    PageForm(f): PageForm<CheckForm>,
) -> Result<Response, PageError> {
    let verdict = match state.settings.ledger_algorithm() {
        Algorithm::Sha256 => verdict::<Sha256>(&state, &f.checkpoint).await,
        Algorithm::Sm3 => verdict::<Sm3>(&state, &f.checkpoint).await,
    }
    .map_err(|e| PageError::new(e, lang))?;
    Ok(render(
        &page(&state, lang, user.map(|u| u.view()), Some(verdict), f.checkpoint).await?,
    ))
}

/// Signature first, then a consistency proof from the saved size to today's.
async fn verdict<A: HashAlgorithm>(state: &AppState, pasted: &str) -> Result<&'static str, qinglian_store::StoreError> {
    let Some(signer) = &state.ledger_signer else {
        return Ok("ledger.bad_signature");
    };
    // Notes end with a newline; pasting often loses it or adds carriage returns.
    let text = format!("{}\n", pasted.replace("\r\n", "\n").trim_end());
    let Ok(saved) = Checkpoint::<A>::open(text.as_bytes(), signer.verifier()) else {
        return Ok("ledger.bad_signature");
    };
    let Some(latest) = state.store.latest_checkpoint().await? else {
        return Ok("ledger.future");
    };
    let now_size = latest.size as u64;
    if saved.size() > now_size {
        return Ok("ledger.future");
    }
    let Ok(now_root) = <[u8; 32]>::try_from(latest.root_hash.as_slice()) else {
        return Ok("ledger.bad_consistency");
    };
    let proof = match crate::ledger::consistency(state, saved.size(), now_size).await {
        Ok(p) => p,
        Err(_) => return Ok("ledger.bad_consistency"),
    };
    let path: Vec<Hash<A>> = proof.0.into_iter().map(Hash::from_bytes).collect();
    let ok = qinglian_ledger::verify_consistency(
        saved.size(),
        now_size,
        &path,
        &saved.root(),
        &Hash::from_bytes(now_root),
    )
    .is_ok();
    Ok(if ok { "ledger.ok" } else { "ledger.bad_consistency" })
}
