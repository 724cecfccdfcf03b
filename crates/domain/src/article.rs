//! Portal articles (廉政课堂, 经验交流, 通知公告 …): what staff may publish and how it is cleaned.

use serde::Serialize;

use crate::error::{Invalid, Name};

/// The portal's columns. Stored by their snake_case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// 廉政课堂
    IntegrityClass,
    /// 经验交流
    Experience,
    /// 通知公告
    Notice,
    /// 工作动态
    News,
}

impl Column {
    pub const ALL: [Column; 4] = [Self::Notice, Self::News, Self::IntegrityClass, Self::Experience];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::IntegrityClass => "integrity_class",
            Self::Experience => "experience",
            Self::Notice => "notice",
            Self::News => "news",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == raw.trim())
            .ok_or_else(|| Invalid::field(field, "article.column_unknown", Some(raw)))
    }
}

/// Article lifecycle: drafts are seen by staff only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    Draft,
    Published,
}

impl ArticleStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "draft" => Some(Self::Draft),
            "published" => Some(Self::Published),
            _ => None,
        }
    }
}

/// An article as written by staff, its body already sanitised.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleInput {
    pub column: Column,
    pub title: String,
    pub source: Name,
    pub author: Name,
    pub body_html: String,
}

impl ArticleInput {
    pub const MAX_TITLE_CHARS: usize = 120;
    pub const MAX_BODY_BYTES: usize = 256 * 1024;

    pub fn parse(column: &str, title: &str, source: &str, author: &str, body: &str) -> Result<Self, Invalid> {
        let c = Column::parse("column", column);
        let t = title.trim();
        let title_err = if t.is_empty() {
            Some(Invalid::field("title", "name.empty", None))
        } else if t.chars().count() > Self::MAX_TITLE_CHARS {
            Some(Invalid::field("title", "name.too_long", Some(t)))
        } else {
            None
        };
        let s = Name::parse("source", source);
        let a = Name::parse("author", author);
        let body_err = if body.trim().is_empty() {
            Some(Invalid::field("body", "article.body_empty", None))
        } else if body.len() > Self::MAX_BODY_BYTES {
            Some(Invalid::field("body", "article.body_too_long", None))
        } else {
            None
        };
        Invalid::collect([
            c.as_ref().err().cloned(),
            title_err,
            s.as_ref().err().cloned(),
            a.as_ref().err().cloned(),
            body_err,
        ])?;
        match (c, s, a) {
            (Ok(column), Ok(source), Ok(author)) => Ok(Self {
                column,
                title: t.to_owned(),
                source,
                author,
                body_html: sanitise(body),
            }),
            _ => Err(Invalid::field("article", "field.required", None)),
        }
    }
}

/// Keeps the formatting an editor produces and drops scripts, handlers, styles and frames.
pub fn sanitise(html: &str) -> String {
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_sanitised() {
        let a = ArticleInput::parse(
            "notice",
            "关于开展清廉村居建设的通知",
            "县纪委监委",
            "办公室",
            "<p onclick=\"x()\">各乡镇：<script>alert(1)</script><b>请</b></p>",
        )
        .unwrap();
        assert_eq!(a.body_html, "<p>各乡镇：<b>请</b></p>");
    }

    #[test]
    fn every_missing_field_is_named() {
        let e = ArticleInput::parse("gossip", " ", "", "办公室", "").unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["column", "title", "source", "body"]);
    }
}
