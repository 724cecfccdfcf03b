//! Statistical division codes (行政区划代码): the 12-digit key of every place in the county.

use serde::Serialize;

use crate::error::Invalid;

/// The five levels of the national registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum DivisionLevel {
    Province,
    City,
    County,
    Township,
    Village,
}

impl DivisionLevel {
    pub const ALL: [DivisionLevel; 5] = [Self::Province, Self::City, Self::County, Self::Township, Self::Village];

    /// Digits that are significant at this level (the rest of the 12 are zero).
    pub const fn significant_digits(self) -> usize {
        match self {
            Self::Province => 2,
            Self::City => 4,
            Self::County => 6,
            Self::Township => 9,
            Self::Village => 12,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::City => "city",
            Self::County => "county",
            Self::Township => "township",
            Self::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub const fn parent(self) -> Option<Self> {
        match self {
            Self::Province => None,
            Self::City => Some(Self::Province),
            Self::County => Some(Self::City),
            Self::Township => Some(Self::County),
            Self::Village => Some(Self::Township),
        }
    }
}

/// A 12-digit division code whose level is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DivisionCode {
    digits: [u8; 12],
    level: DivisionLevel,
}

impl Serialize for DivisionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl DivisionCode {
    /// Parses a code written with only its significant digits (2, 4, 6, 9 or 12, as the
    /// registry files do) or padded to 12 digits with zeros; the level comes from the digits.
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let t = raw.trim();
        if !t.bytes().all(|b| b.is_ascii_digit()) || t.is_empty() {
            return Err(Invalid::field(field, "division_code.not_digits", Some(t)));
        }
        let level = match t.len() {
            2 => DivisionLevel::Province,
            4 => DivisionLevel::City,
            6 => DivisionLevel::County,
            9 => DivisionLevel::Township,
            12 => Self::level_of_padded(t.as_bytes()),
            _ => return Err(Invalid::field(field, "division_code.length", Some(t))),
        };
        let mut digits = [b'0'; 12];
        digits[..t.len()].copy_from_slice(t.as_bytes());
        if digits[..2] == *b"00" {
            return Err(Invalid::field(field, "division_code.zero_province", Some(t)));
        }
        Ok(Self { digits, level })
    }

    /// Parses a code that must be of one level.
    pub fn parse_at(field: &str, raw: &str, level: DivisionLevel) -> Result<Self, Invalid> {
        let code = Self::parse(field, raw)?;
        if code.level != level {
            return Err(Invalid::field(field, level_key(level), Some(raw.trim())));
        }
        Ok(code)
    }

    fn level_of_padded(d: &[u8]) -> DivisionLevel {
        let zero = |r: std::ops::Range<usize>| d[r].iter().all(|&b| b == b'0');
        if !zero(9..12) {
            DivisionLevel::Village
        } else if !zero(6..9) {
            DivisionLevel::Township
        } else if !zero(4..6) {
            DivisionLevel::County
        } else if !zero(2..4) {
            DivisionLevel::City
        } else {
            DivisionLevel::Province
        }
    }

    pub fn level(&self) -> DivisionLevel {
        self.level
    }

    /// The 12-digit form, as stored.
    pub fn as_str(&self) -> &str {
        // The digits are ASCII by construction.
        std::str::from_utf8(&self.digits).unwrap_or("000000000000")
    }

    /// The code of the unit one level up, if any.
    pub fn parent(&self) -> Option<DivisionCode> {
        let level = self.level.parent()?;
        Some(self.ancestor(level))
    }

    /// The code of the enclosing unit at `level` (itself when `level` is its own).
    pub fn ancestor(&self, level: DivisionLevel) -> DivisionCode {
        let mut digits = [b'0'; 12];
        let n = level.significant_digits().min(self.level.significant_digits());
        digits[..n].copy_from_slice(&self.digits[..n]);
        DivisionCode {
            digits,
            level: if level < self.level { level } else { self.level },
        }
    }

    /// Whether `self` lies inside `other` (or is it).
    pub fn is_within(&self, other: &DivisionCode) -> bool {
        other.level <= self.level && self.ancestor(other.level) == *other
    }
}

fn level_key(level: DivisionLevel) -> &'static str {
    match level {
        DivisionLevel::Province => "division_code.not_province",
        DivisionLevel::City => "division_code.not_city",
        DivisionLevel::County => "division_code.not_county",
        DivisionLevel::Township => "division_code.not_township",
        DivisionLevel::Village => "division_code.not_village",
    }
}

impl std::fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_codes_are_padded_and_levelled() {
        let c = DivisionCode::parse("code", "330111").unwrap();
        assert_eq!(c.as_str(), "330111000000");
        assert_eq!(c.level(), DivisionLevel::County);
        let t = DivisionCode::parse("code", "330111001").unwrap();
        assert_eq!(t.level(), DivisionLevel::Township);
        assert_eq!(t.parent(), Some(c));
        let v = DivisionCode::parse("code", "330111001201").unwrap();
        assert_eq!(v.level(), DivisionLevel::Village);
        assert!(v.is_within(&c));
        assert!(!c.is_within(&v));
        assert_eq!(v.ancestor(DivisionLevel::Province).as_str(), "330000000000");
    }

    #[test]
    fn padded_codes_get_their_level_from_the_digits() {
        assert_eq!(
            DivisionCode::parse("c", "330111001000").unwrap().level(),
            DivisionLevel::Township
        );
        assert_eq!(
            DivisionCode::parse("c", "330100000000").unwrap().level(),
            DivisionLevel::City
        );
    }

    #[test]
    fn bad_codes_name_the_problem() {
        let key = |s: &str| DivisionCode::parse("code", s).unwrap_err().fields[0].key;
        assert_eq!(key("33011"), "division_code.length");
        assert_eq!(key("33011a"), "division_code.not_digits");
        assert_eq!(key(""), "division_code.not_digits");
        assert_eq!(key("000000000000"), "division_code.zero_province");
        let e = DivisionCode::parse_at("division_code", "330111", DivisionLevel::Township).unwrap_err();
        assert_eq!(e.fields[0].key, "division_code.not_township");
        assert_eq!(e.fields[0].field, "division_code");
        assert_eq!(e.fields[0].value.as_deref(), Some("330111"));
    }
}
