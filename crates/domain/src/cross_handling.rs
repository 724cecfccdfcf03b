//! What the store and the pages need around the recusal engine: declared ties as people type
//! them, the key that names a clue's subject person, overrides by their rule key, and the
//! county's authorisation (授权) of a team with the checks every act of the team passes.

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::{Invalid, Name};
use crate::inspection::{Text, parse_date};
use crate::recusal::{Exclusion, TieKind};

/// The key naming a subject person: the clue's free-text name and unit, whitespace dropped
/// (Chinese names and unit names carry none that matters).
/// Two clues about 王某 of 石门镇财政所 name the same person; a tie declared with that
/// person and unit matches both.
pub fn person_key(name: &str, unit: &str) -> String {
    format!("person:{}\u{1f}{}", fold(name), fold(unit))
}

/// The key naming a unit by its name, so a posting and a clue's subject unit compare.
pub fn unit_key(name: &str) -> String {
    format!("unit:{}", fold(name))
}

fn fold(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

impl TieKind {
    pub const ALL: [TieKind; 3] = [Self::Kinship, Self::FormerColleague, Self::SameVillage];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Kinship => "kinship",
            Self::FormerColleague => "former_colleague",
            Self::SameVillage => "same_village",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| Invalid::field(field, "tie.kind_unknown", Some(raw)))
    }

    /// Message catalogue key of the kind's name.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Kinship => "tie.kind.kinship",
            Self::FormerColleague => "tie.kind.former_colleague",
            Self::SameVillage => "tie.kind.same_village",
        }
    }
}

/// Whom a declaration names, as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TieWith {
    Person { name: Name, unit: Name },
    Village { village_id: String },
}

/// One declaration of a tie, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TieDeclaration {
    pub kind: TieKind,
    pub with: TieWith,
    pub note: String,
}

impl TieDeclaration {
    /// `target` is `person` (with `person_name` and `person_unit`) or `village` (with
    /// `village_id`).
    pub fn parse(
        kind: &str,
        target: &str,
        person_name: &str,
        person_unit: &str,
        village_id: &str,
        note: &str,
    ) -> Result<Self, Invalid> {
        let kind = TieKind::parse("kind", kind);
        let with = match target.trim() {
            "person" => {
                let name = Name::parse("person_name", person_name);
                let unit = Name::parse("person_unit", person_unit);
                Invalid::collect([name.as_ref().err().cloned(), unit.as_ref().err().cloned()])
                    .map(|()| (name, unit))
                    .and_then(|(n, u)| Ok(TieWith::Person { name: n?, unit: u? }))
            }
            "village" if !village_id.trim().is_empty() => Ok(TieWith::Village {
                village_id: village_id.trim().to_owned(),
            }),
            "village" => Err(Invalid::field("village_id", "tie.village_missing", None)),
            other => Err(Invalid::field("target", "tie.target_unknown", Some(other))),
        };
        let note = note.trim();
        let note_ok = if note.chars().count() > 500 {
            Err(Invalid::field("note", "text.too_long", None))
        } else {
            Ok(())
        };
        Invalid::collect([
            kind.as_ref().err().cloned(),
            with.as_ref().err().cloned(),
            note_ok.err(),
        ])?;
        Ok(Self {
            kind: kind?,
            with: with?,
            note: note.to_owned(),
        })
    }
}

/// An exclusion by its catalogue key, as overrides store it.
pub fn exclusion_by_key(field: &str, key: &str) -> Result<Exclusion, Invalid> {
    Exclusion::ALL
        .into_iter()
        .find(|e| e.key() == key.trim())
        .ok_or_else(|| Invalid::field(field, "recusal.rule_unknown", Some(key)))
}

/// Longest mandate (授权事项), in characters.
pub const MANDATE_MAX_CHARS: usize = 2000;
/// Longest validity of one authorisation.
pub const MAX_VALID_DAYS: i64 = 366;

/// An authorisation as the case manager issues it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorisationInput {
    pub mandate: Text,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

impl AuthorisationInput {
    pub fn parse(mandate: &str, valid_from: &str, valid_until: &str, today: NaiveDate) -> Result<Self, Invalid> {
        let mandate = Text::parse("mandate", mandate).and_then(|m| {
            if m.as_str().chars().count() > MANDATE_MAX_CHARS {
                Err(Invalid::field("mandate", "text.too_long", None))
            } else {
                Ok(m)
            }
        });
        let from = parse_date("valid_from", valid_from).and_then(|d| {
            if d < today {
                Err(Invalid::field(
                    "valid_from",
                    "authorisation.starts_in_past",
                    Some(valid_from),
                ))
            } else {
                Ok(d)
            }
        });
        let until = parse_date("valid_until", valid_until);
        let span = match (&from, &until) {
            (Ok(f), Ok(u)) if u < f => Err(Invalid::field(
                "valid_until",
                "authorisation.ends_before_start",
                Some(valid_until),
            )),
            (Ok(f), Ok(u)) if (*u - *f).num_days() > MAX_VALID_DAYS => Err(Invalid::field(
                "valid_until",
                "authorisation.too_long",
                Some(valid_until),
            )),
            _ => Ok(()),
        };
        Invalid::collect([
            mandate.as_ref().err().cloned(),
            from.as_ref().err().cloned(),
            until.as_ref().err().cloned(),
            span.err(),
        ])?;
        Ok(Self {
            mandate: mandate?,
            valid_from: from?,
            valid_until: until?,
        })
    }
}

/// An authorisation number: 授权〔year〕 and a three-digit sequence.
pub fn authorisation_number(year: i32, seq: u32) -> String {
    format!("交叉授权〔{year}〕{seq:03}号")
}

/// What an act of the team is checked against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorisationFacts {
    pub clue_id: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub members: Vec<String>,
}

/// Why an act may not rely on an authorisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum AuthorisationRefusal {
    #[error("the authorisation is for another case")]
    WrongCase,
    #[error("the authorisation is not yet in force")]
    NotYetValid,
    #[error("the authorisation has expired")]
    Expired,
    #[error("a member acting is not on the authorisation")]
    NotAuthorised,
}

impl AuthorisationRefusal {
    pub const fn key(self) -> &'static str {
        match self {
            Self::WrongCase => "authorisation.wrong_case",
            Self::NotYetValid => "authorisation.not_yet_valid",
            Self::Expired => "authorisation.expired",
            Self::NotAuthorised => "authorisation.member_not_authorised",
        }
    }
}

/// Checks that an act on `clue_id` by `acting` staff on `on` is covered by the authorisation.
pub fn covers(
    a: &AuthorisationFacts,
    clue_id: &str,
    acting: &[&str],
    on: NaiveDate,
) -> Result<(), AuthorisationRefusal> {
    if a.clue_id != clue_id {
        return Err(AuthorisationRefusal::WrongCase);
    }
    if on < a.valid_from {
        return Err(AuthorisationRefusal::NotYetValid);
    }
    if on > a.valid_until {
        return Err(AuthorisationRefusal::Expired);
    }
    if acting.iter().any(|s| !a.members.iter().any(|m| m == s)) {
        return Err(AuthorisationRefusal::NotAuthorised);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }

    #[test]
    fn a_subject_is_one_person_however_spaced() {
        assert_eq!(
            person_key(" 王某 ", "石门镇 财政所"),
            person_key("王某", "石门镇  财政所")
        );
        assert_ne!(person_key("王某", "石门镇财政所"), person_key("王某", "梅岭乡财政所"));
        assert_eq!(unit_key("县住建局"), "unit:县住建局");
    }

    #[test]
    fn ties_parse_with_every_problem_named() {
        let t = TieDeclaration::parse("kinship", "person", "王某", "石门镇财政所", "", "表兄").unwrap();
        assert_eq!(t.kind, TieKind::Kinship);
        let t = TieDeclaration::parse("same_village", "village", "", "", "v1", "").unwrap();
        assert_eq!(
            t.with,
            TieWith::Village {
                village_id: "v1".into()
            }
        );
        let e = TieDeclaration::parse("friend", "person", "", "x", "", "").unwrap_err();
        let keys: Vec<&str> = e.fields.iter().map(|f| f.key).collect();
        assert_eq!(keys, vec!["tie.kind_unknown", "name.empty"]);
        assert_eq!(
            TieDeclaration::parse("kinship", "village", "", "", " ", "")
                .unwrap_err()
                .fields[0]
                .key,
            "tie.village_missing"
        );
        for e in Exclusion::ALL {
            assert_eq!(exclusion_by_key("x", e.key()), Ok(e));
        }
    }

    #[test]
    fn an_authorisation_covers_its_own_case_its_team_and_its_dates() {
        let today = d("2026-11-27");
        let input = AuthorisationInput::parse("初步核实", "2026-11-27", "2027-02-27", today).unwrap();
        assert_eq!(input.valid_until, d("2027-02-27"));
        let bad = AuthorisationInput::parse(" ", "2026-12-01", "2026-11-30", today).unwrap_err();
        let keys: Vec<&str> = bad.fields.iter().map(|f| f.key).collect();
        assert_eq!(keys, vec!["text.empty", "authorisation.ends_before_start"]);
        let past = AuthorisationInput::parse("核实", "2026-11-01", "2026-12-01", today).unwrap_err();
        assert_eq!(past.fields[0].key, "authorisation.starts_in_past");
        let long = AuthorisationInput::parse("核实", "2026-11-27", "2028-01-01", today).unwrap_err();
        assert_eq!(long.fields[0].key, "authorisation.too_long");
        let a = AuthorisationFacts {
            clue_id: "c1".into(),
            valid_from: d("2026-11-27"),
            valid_until: d("2026-12-31"),
            members: vec!["s1".into(), "s2".into()],
        };
        assert_eq!(covers(&a, "c1", &["s1"], today), Ok(()));
        assert_eq!(covers(&a, "c2", &["s1"], today), Err(AuthorisationRefusal::WrongCase));
        assert_eq!(
            covers(&a, "c1", &["s3"], today),
            Err(AuthorisationRefusal::NotAuthorised)
        );
        assert_eq!(
            covers(&a, "c1", &["s1"], d("2027-01-01")),
            Err(AuthorisationRefusal::Expired)
        );
        assert_eq!(
            covers(&a, "c1", &["s1"], d("2026-11-26")),
            Err(AuthorisationRefusal::NotYetValid)
        );
        assert_eq!(authorisation_number(2026, 4), "交叉授权〔2026〕004号");
    }
}
