//! Rendered public pages kept until the store changes, so that a published notice read by many
//! villagers at once is rendered once per change instead of once per visit.
//!
//! Why a mark and not a time-to-live: every change writes a log entry in its own transaction,
//! and integrating and signing move the log's size and checkpoint, so the store's
//! [`ledger_mark`](qinglian_store::repo::LedgerRepo::ledger_mark) moves with anything the page
//! shows (an item closed out, a new proof). A page is served from memory only while the mark
//! it was rendered under is still the store's: no visitor ever sees a state older than the
//! last change. The mark is read *before* the page's data, so a change that lands in between
//! makes the entry stale at once rather than hiding it. One cheap query replaces the page's
//! several, and no rendering. Only pages without a signed-in user are kept (the header names
//! the user), and the map is bounded: it is cleared when full, the simplest fair eviction for
//! a handful of hot pages.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::response::{Html, IntoResponse, Response};

use crate::i18n::Lang;

/// Pages kept at most; the public notice has one page per published period and language.
const MAX_PAGES: usize = 256;

type Mark = [i64; 3];

#[derive(Default)]
pub struct PublicCache {
    pages: Mutex<HashMap<(String, Lang), (Mark, Bytes)>>,
}

impl PublicCache {
    /// The page kept for `path` in `lang` if it was rendered under `mark`.
    pub fn get(&self, path: &str, lang: Lang, mark: Mark) -> Option<Response> {
        let pages = self.pages.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (kept, html) = pages.get(&(path.to_owned(), lang))?;
        (*kept == mark).then(|| Html(html.clone()).into_response())
    }

    /// Keeps `html`, rendered from data read after `mark`, and answers with it.
    pub fn put(&self, path: &str, lang: Lang, mark: Mark, html: String) -> Response {
        let html = Bytes::from(html);
        let mut pages = self.pages.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if pages.len() >= MAX_PAGES {
            pages.clear();
        }
        pages.insert((path.to_owned(), lang), (mark, html.clone()));
        drop(pages);
        Html(html).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_served_only_under_the_mark_it_was_rendered_with() {
        let cache = PublicCache::default();
        assert!(cache.get("/rating/p", Lang::Zh, [1, 1, 1]).is_none());
        let _ = cache.put("/rating/p", Lang::Zh, [1, 1, 1], "<p>一</p>".to_owned());
        assert!(cache.get("/rating/p", Lang::Zh, [1, 1, 1]).is_some());
        assert!(cache.get("/rating/p", Lang::En, [1, 1, 1]).is_none(), "per language");
        assert!(
            cache.get("/rating/p", Lang::Zh, [2, 1, 1]).is_none(),
            "a change makes it stale"
        );
        assert!(
            cache.get("/rating/p", Lang::Zh, [1, 2, 1]).is_none(),
            "so does integrating"
        );
        assert!(cache.get("/rating/p", Lang::Zh, [1, 1, 2]).is_none(), "and signing");
    }

    #[test]
    fn the_map_stays_bounded() {
        let cache = PublicCache::default();
        for i in 0..(MAX_PAGES + 10) {
            let _ = cache.put(&format!("/rating/{i}"), Lang::Zh, [0, 0, 0], String::new());
        }
        let pages = cache.pages.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        assert!(pages.len() <= MAX_PAGES);
    }
}
