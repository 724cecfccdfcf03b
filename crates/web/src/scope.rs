//! The user's reach on the request: handlers of scoped data take `ApiScoped<C>` or
//! `Scoped<C>`, which prove the capability and carry the reach the store filters by.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use qinglian_domain::scope::Reach;

use crate::auth::{ApiStaff, Capability, CurrentUser, Staff};
use crate::error::{ApiError, AppError, PageError};
use crate::i18n::Tr;
use crate::state::AppState;

async fn reach(state: &AppState, user: &CurrentUser) -> Result<Reach, AppError> {
    Ok(state.store.reach_of(&user.session.account_id).await?)
}

/// The signed-in user holding capability `C`, with their reach, for the JSON API.
pub struct ApiScoped<C>(pub CurrentUser, pub Reach, pub std::marker::PhantomData<C>);

impl<C: Capability> FromRequestParts<AppState> for ApiScoped<C> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ApiStaff(user) = ApiStaff::from_request_parts(parts, state).await?;
        user.require(C::ACTION)?;
        let reach = reach(state, &user).await?;
        Ok(ApiScoped(user, reach, std::marker::PhantomData))
    }
}

/// The signed-in user holding capability `C`, with their reach, for staff pages.
pub struct Scoped<C>(pub CurrentUser, pub Tr, pub Reach, pub std::marker::PhantomData<C>);

impl<C: Capability> FromRequestParts<AppState> for Scoped<C> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Staff(user, tr) = Staff::from_request_parts(parts, state).await?;
        user.require(C::ACTION).map_err(|e| PageError::new(e, tr.lang))?;
        let reach = reach(state, &user).await.map_err(|e| PageError::new(e, tr.lang))?;
        Ok(Scoped(user, tr, reach, std::marker::PhantomData))
    }
}
