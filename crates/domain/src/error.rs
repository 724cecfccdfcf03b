//! Validation errors that name the field, so every edge can tell the user what to fix.

use serde::Serialize;

/// One rejected field: its name and a message key from the catalogue, plus the offending value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    /// Key into the message catalogue (e.g. `division_code.length`).
    pub key: &'static str,
    /// The rejected value, shortened; never a secret.
    pub value: Option<String>,
}

/// Input that did not parse into a domain type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", self.fields.iter().map(|f| format!("{} ({})", f.field, f.key)).collect::<Vec<_>>().join(", "))]
pub struct Invalid {
    pub fields: Vec<FieldError>,
}

impl Invalid {
    pub fn field(field: impl Into<String>, key: &'static str, value: Option<&str>) -> Self {
        Self {
            fields: vec![FieldError {
                field: field.into(),
                key,
                value: value.map(shorten),
            }],
        }
    }

    /// Collects several field checks so a form shows every problem at once.
    pub fn collect(errors: impl IntoIterator<Item = Option<Invalid>>) -> Result<(), Invalid> {
        let fields: Vec<FieldError> = errors.into_iter().flatten().flat_map(|e| e.fields).collect();
        if fields.is_empty() {
            Ok(())
        } else {
            Err(Invalid { fields })
        }
    }
}

fn shorten(v: &str) -> String {
    const MAX: usize = 40;
    if v.chars().count() <= MAX {
        v.to_owned()
    } else {
        let mut s: String = v.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

/// A trimmed, non-empty name of bounded length (townships, villages, people, units).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(transparent)]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(Invalid::field(field, "name.empty", None));
        }
        if t.chars().count() > Self::MAX_CHARS {
            return Err(Invalid::field(field, "name.too_long", Some(t)));
        }
        if t.chars().any(char::is_control) {
            return Err(Invalid::field(field, "name.control_chars", Some(t)));
        }
        Ok(Self(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            Name::parse("name", "  青溪镇 ").map(|n| n.into_string()),
            Ok("青溪镇".into())
        );
        assert_eq!(Name::parse("name", "   ").unwrap_err().fields[0].key, "name.empty");
        let long = "村".repeat(65);
        assert_eq!(Name::parse("name", &long).unwrap_err().fields[0].key, "name.too_long");
        assert_eq!(
            Name::parse("name", "a\u{0}b").unwrap_err().fields[0].key,
            "name.control_chars"
        );
    }
}
