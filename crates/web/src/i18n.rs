//! Message catalogues: Simplified Chinese first, English as the fallback, chosen per request.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

static ZH: LazyLock<HashMap<String, String>> = LazyLock::new(|| parse(include_str!("../messages/zh-CN.toml")));
static EN: LazyLock<HashMap<String, String>> = LazyLock::new(|| parse(include_str!("../messages/en.toml")));

fn parse(src: &str) -> HashMap<String, String> {
    // The catalogues are compiled in and checked by a test; a broken one is a build defect.
    toml::from_str(src).unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The `lang` cookie wins; else English only when the browser prefers it over Chinese.
    fn from_parts(parts: &Parts) -> Self {
        let cookie = parts
            .headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().strip_prefix("lang="))
            .next();
        match cookie {
            Some("en") => return Lang::En,
            Some("zh-CN") => return Lang::Zh,
            _ => {}
        }
        let accept = parts
            .headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let first = accept.split(',').next().unwrap_or("").trim().to_ascii_lowercase();
        if first.starts_with("en") { Lang::En } else { Lang::Zh }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_parts(parts))
    }
}

/// The translator templates and errors use.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    /// The message for `key`, falling back to English, then to the key itself.
    pub fn get(&self, key: impl AsRef<str>) -> String {
        let key = key.as_ref();
        let primary = match self.lang {
            Lang::Zh => &*ZH,
            Lang::En => &*EN,
        };
        primary
            .get(key)
            .or_else(|| EN.get(key))
            .cloned()
            .unwrap_or_else(|| key.to_owned())
    }

    /// The message with `{n}` replaced.
    pub fn count(&self, key: &str, n: impl std::borrow::Borrow<i64>) -> String {
        self.get(key).replace("{n}", &n.borrow().to_string())
    }

    /// The message with `{name}` replaced.
    pub fn named(&self, key: &str, name: &str) -> String {
        self.get(key).replace("{name}", name)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_parse_and_have_the_same_keys() {
        assert!(ZH.len() > 100, "zh-CN catalogue failed to parse");
        let mut zh: Vec<_> = ZH.keys().collect();
        let mut en: Vec<_> = EN.keys().collect();
        zh.sort();
        en.sort();
        assert_eq!(zh, en);
    }

    /// Every file under `dir` (recursively) but this one, with its text.
    fn sources(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if !path.ends_with("i18n.rs") {
                out.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap_or_default(),
                ));
            }
        }
    }

    /// The string literals of one call's arguments (up to the first closing parenthesis).
    fn literals(call: &str) -> (bool, Vec<&str>) {
        let args = call.split(')').next().unwrap_or("");
        let first_is_literal = args.trim_start().starts_with('"');
        (first_is_literal, args.split('"').skip(1).step_by(2).collect())
    }

    #[test]
    fn every_key_the_code_names_has_a_message() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = Vec::new();
        let mut files = Vec::new();
        sources(&root.join("templates"), &mut files);
        sources(&root.join("src"), &mut files);
        for (file, text) in &files {
            for call in text.split("t.get(").skip(1) {
                if call.starts_with('"') {
                    let (_, lits) = literals(call);
                    used.extend(lits.first().map(|k| (k.to_string(), file.clone())));
                }
            }
        }
        // The keys the domain and the store put in field errors: `Invalid::field(field, "key", …)`.
        let mut lower = Vec::new();
        sources(&root.join("../domain/src"), &mut lower);
        sources(&root.join("../store/src"), &mut lower);
        for (file, text) in &lower {
            for call in text.split("Invalid::field(").skip(1) {
                let (first_is_literal, lits) = literals(call);
                let key = if first_is_literal { lits.get(1) } else { lits.first() };
                used.extend(key.map(|k| (k.to_string(), file.clone())));
            }
        }
        assert!(used.len() > 200, "the scan found only {} keys", used.len());
        let missing: Vec<String> = used
            .iter()
            .filter(|(k, _)| !ZH.contains_key(k.as_str()))
            .map(|(k, f)| format!("{k} ({f})"))
            .collect();
        assert!(missing.is_empty(), "keys without a message: {missing:#?}");
    }

    #[test]
    fn every_domain_error_key_has_a_message() {
        // Keys the domain and store emit; a missing one would show the raw key to users.
        for key in [
            "division_code.length",
            "division_code.not_digits",
            "division_code.not_township",
            "division_code.not_village",
            "division_code.outside_county",
            "name.empty",
            "name.too_long",
            "unit_code.format",
            "zone.member_wrong_kind",
            "zone.leader_not_commission_leader",
            "staff.posting_required",
            "field.unknown_id",
            "village.no_township",
            "article.column_unknown",
            "article.body_empty",
            "county.missing",
            "role.unknown",
            "zone.no_members",
        ] {
            assert!(ZH.contains_key(key), "zh-CN lacks {key}");
        }
    }

    #[test]
    fn chinese_first_english_fallback() {
        assert_eq!(Tr::new(Lang::Zh).get("nav.login"), "登录");
        assert_eq!(Tr::new(Lang::En).get("nav.login"), "Sign in");
        assert_eq!(Tr::new(Lang::Zh).get("no.such.key"), "no.such.key");
    }
}
