//! Recusal (回避) for cross-handling: who may not handle a clue or case, every reason why, and
//! the approved overrides that may waive some of those reasons.
//!
//! The facts (staff, declared ties, prior involvement) are interned once into integer ids, so
//! checking a whole county's staff against a thousand clues is a few integer comparisons per
//! pair; the string API and the assignment engine share that one implementation.

use std::collections::{HashMap, HashSet};

use serde::{Serialize, Serializer};

#[cfg(test)]
mod tests;
mod waiver;

pub use waiver::{Override, OverrideRefusal, TeamRule, Violation, team_is_valid, unwaived};

/// Longest override reason, in characters.
pub const REASON_MAX_CHARS: usize = 2000;

/// The kind of tie a person declares with another person or a village.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TieKind {
    /// 亲属
    Kinship,
    /// 曾经的同事
    FormerColleague,
    /// 同村
    SameVillage,
}

/// Whom a declared tie names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum TieTarget {
    Person(String),
    Village(String),
}

/// One declaration, kept per person: `declared_by` has a tie of `kind` with `target`.
/// A staff member declares ties with people and villages; a subject's declared tie naming a
/// staff member counts against that staff member too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tie {
    pub declared_by: String,
    pub kind: TieKind,
    pub target: TieTarget,
}

/// A staff member was involved with a person before (handled, interviewed, worked a clue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Involvement {
    pub staff_id: String,
    pub person_id: String,
}

/// What recusal needs to know about a clue or case.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Subject {
    /// The clue's or case's id; overrides name it.
    pub id: String,
    /// Township X, where the matter lies.
    pub township_id: String,
    /// The subject person, when known.
    pub person_id: Option<String>,
    /// The subject's unit (a township, department or village committee id).
    pub unit_id: Option<String>,
    /// The subject's village, for same-village ties.
    pub village_id: Option<String>,
    /// The zone that handles the matter.
    pub zone_id: Option<String>,
}

/// What recusal and the assignment engine need to know about a member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct StaffMember {
    pub id: String,
    pub home_township_id: Option<String>,
    /// The township of the current posting, when posted to a township.
    pub posting_township_id: Option<String>,
    /// The unit of the current posting (township, department or stationed group).
    pub posting_unit_id: Option<String>,
    pub zone_id: Option<String>,
    /// False while on leave, seconded, or otherwise not to be assigned.
    pub available: bool,
    /// Open clues and cases the person handles now.
    pub load: u32,
    /// Most open clues and cases the person may handle at once; `None` for no limit.
    pub max_load: Option<u32>,
}

/// One reason a staff member may not handle a matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "rule", content = "tie")]
pub enum Exclusion {
    /// The staff member is the subject person.
    IsSubject,
    /// Home township is X.
    SameHomeTownship,
    /// Currently posted in township X.
    PostedInTownship,
    /// Currently posted in the subject's unit.
    PostedInSubjectUnit,
    /// A declared tie with the subject person or village, by either side.
    DeclaredTie(TieKind),
    /// Involved with the subject person before.
    PriorInvolvement,
    /// From another zone, when the policy keeps teams within the zone.
    OutsideZone,
    /// Not available for assignment.
    Unavailable,
}

impl Exclusion {
    /// Every exclusion, in the order they are reported.
    pub const ALL: [Exclusion; 10] = [
        Self::IsSubject,
        Self::SameHomeTownship,
        Self::PostedInTownship,
        Self::PostedInSubjectUnit,
        Self::DeclaredTie(TieKind::Kinship),
        Self::DeclaredTie(TieKind::FormerColleague),
        Self::DeclaredTie(TieKind::SameVillage),
        Self::PriorInvolvement,
        Self::OutsideZone,
        Self::Unavailable,
    ];

    const fn bit(self) -> u16 {
        1 << match self {
            Self::IsSubject => 0,
            Self::SameHomeTownship => 1,
            Self::PostedInTownship => 2,
            Self::PostedInSubjectUnit => 3,
            Self::DeclaredTie(TieKind::Kinship) => 4,
            Self::DeclaredTie(TieKind::FormerColleague) => 5,
            Self::DeclaredTie(TieKind::SameVillage) => 6,
            Self::PriorInvolvement => 7,
            Self::OutsideZone => 8,
            Self::Unavailable => 9,
        }
    }

    /// Whether an approved override may waive it. Nobody handles a matter in their own
    /// township (home or posting), nor their own matter: those are the point of
    /// cross-handling, so no override reaches them.
    pub const fn waivable(self) -> bool {
        !matches!(self, Self::IsSubject | Self::SameHomeTownship | Self::PostedInTownship)
    }

    /// Message catalogue key.
    pub const fn key(self) -> &'static str {
        match self {
            Self::IsSubject => "recusal.is_subject",
            Self::SameHomeTownship => "recusal.same_home_township",
            Self::PostedInTownship => "recusal.posted_in_township",
            Self::PostedInSubjectUnit => "recusal.posted_in_subject_unit",
            Self::DeclaredTie(TieKind::Kinship) => "recusal.tie_kinship",
            Self::DeclaredTie(TieKind::FormerColleague) => "recusal.tie_former_colleague",
            Self::DeclaredTie(TieKind::SameVillage) => "recusal.tie_same_village",
            Self::PriorInvolvement => "recusal.prior_involvement",
            Self::OutsideZone => "recusal.outside_zone",
            Self::Unavailable => "recusal.unavailable",
        }
    }
}

/// A set of exclusions, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Exclusions(u16);

impl Exclusions {
    pub const NONE: Exclusions = Exclusions(0);

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub const fn contains(self, e: Exclusion) -> bool {
        self.0 & e.bit() != 0
    }

    pub fn insert(&mut self, e: Exclusion) {
        self.0 |= e.bit();
    }

    pub fn remove(&mut self, e: Exclusion) {
        self.0 &= !e.bit();
    }

    /// The exclusions in reporting order.
    pub fn iter(self) -> impl Iterator<Item = Exclusion> {
        Exclusion::ALL.into_iter().filter(move |e| self.contains(*e))
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }
}

/// Serialised as the list of exclusions, in reporting order.
impl Serialize for Exclusions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Rules the county chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Policy {
    /// Exclude staff of other zones instead of merely preferring the zone's own.
    pub zone_only: bool,
}

pub(crate) const NONE: u32 = u32::MAX;
/// A subject's id that no fact names: present, but equal to nothing.
const UNKNOWN: u32 = u32::MAX - 1;

fn intern(ids: &mut HashMap<String, u32>, s: &str) -> u32 {
    if let Some(&i) = ids.get(s) {
        return i;
    }
    let i = ids.len() as u32;
    ids.insert(s.to_owned(), i);
    i
}

#[inline]
fn same(a: u32, b: u32) -> bool {
    a != NONE && a == b
}

/// Staff, ties and prior involvement, indexed once for repeated checks.
#[derive(Debug, Clone)]
pub struct Facts {
    staff: Vec<StaffMember>,
    policy: Policy,
    ids: HashMap<String, u32>,
    by_id: HashMap<u32, usize>,
    keys: Vec<StaffKey>,
    /// Ties each staff member declared: (kind, target is a village, target id).
    declared: Vec<Vec<(TieKind, bool, u32)>>,
    /// Ties declared by anyone naming a staff member, by declaring person: (kind, staff index).
    named: HashMap<u32, Vec<(TieKind, usize)>>,
    involved: HashSet<(usize, u32)>,
}

#[derive(Debug, Clone, Copy)]
struct StaffKey {
    id: u32,
    home: u32,
    posting_township: u32,
    posting_unit: u32,
    zone: u32,
    available: bool,
}

/// A subject with its ids interned (`NONE` where absent, `UNKNOWN` where no fact names it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SubjectKey {
    township: u32,
    person: u32,
    unit: u32,
    village: u32,
    pub(crate) zone: u32,
}

impl Facts {
    /// Indexes the facts. Ties and involvements naming unknown staff still count: a subject
    /// may have declared a tie with anyone.
    pub fn new(staff: Vec<StaffMember>, ties: &[Tie], involvements: &[Involvement], policy: Policy) -> Self {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let opt = |ids: &mut HashMap<String, u32>, s: Option<&str>| s.map_or(NONE, |s| intern(ids, s));
        let keys: Vec<StaffKey> = staff
            .iter()
            .map(|m| StaffKey {
                id: intern(&mut ids, &m.id),
                home: opt(&mut ids, m.home_township_id.as_deref()),
                posting_township: opt(&mut ids, m.posting_township_id.as_deref()),
                posting_unit: opt(&mut ids, m.posting_unit_id.as_deref()),
                zone: opt(&mut ids, m.zone_id.as_deref()),
                available: m.available,
            })
            .collect();
        let mut by_id = HashMap::new();
        for (i, k) in keys.iter().enumerate() {
            // The first of duplicated ids wins; the store's primary key rules duplicates out.
            by_id.entry(k.id).or_insert(i);
        }
        let mut declared = vec![Vec::new(); staff.len()];
        let mut named: HashMap<u32, Vec<(TieKind, usize)>> = HashMap::new();
        for t in ties {
            let by = intern(&mut ids, &t.declared_by);
            let (village, target) = match &t.target {
                TieTarget::Person(p) => (false, intern(&mut ids, p)),
                TieTarget::Village(v) => (true, intern(&mut ids, v)),
            };
            if let Some(&s) = by_id.get(&by) {
                declared[s].push((t.kind, village, target));
            }
            if !village && let Some(&s) = by_id.get(&target) {
                named.entry(by).or_default().push((t.kind, s));
            }
        }
        let mut involved = HashSet::new();
        for v in involvements {
            if let Some(&s) = ids.get(&v.staff_id).and_then(|i| by_id.get(i)) {
                involved.insert((s, intern(&mut ids, &v.person_id)));
            }
        }
        Self {
            staff,
            policy,
            ids,
            by_id,
            keys,
            declared,
            named,
            involved,
        }
    }

    pub fn staff(&self) -> &[StaffMember] {
        &self.staff
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The index of a staff member by id.
    pub fn index_of(&self, staff_id: &str) -> Option<usize> {
        self.by_id.get(self.ids.get(staff_id)?).copied()
    }

    fn lookup(&self, s: &Option<String>) -> u32 {
        s.as_deref()
            .map_or(NONE, |s| self.ids.get(s).copied().unwrap_or(UNKNOWN))
    }

    pub(crate) fn subject_key(&self, s: &Subject) -> SubjectKey {
        SubjectKey {
            township: self.ids.get(&s.township_id).copied().unwrap_or(UNKNOWN),
            person: self.lookup(&s.person_id),
            unit: self.lookup(&s.unit_id),
            village: self.lookup(&s.village_id),
            zone: self.lookup(&s.zone_id),
        }
    }

    pub(crate) fn zone_of(&self, staff: usize) -> u32 {
        self.keys[staff].zone
    }

    /// Every exclusion of every staff member for one subject, indexed like `staff()`.
    pub(crate) fn exclusions_all(&self, s: &SubjectKey) -> Vec<Exclusions> {
        let mut out: Vec<Exclusions> = self
            .keys
            .iter()
            .zip(&self.declared)
            .enumerate()
            .map(|(i, (k, ties))| {
                let mut x = Exclusions::NONE;
                if same(k.id, s.person) {
                    x.insert(Exclusion::IsSubject);
                }
                if same(k.home, s.township) {
                    x.insert(Exclusion::SameHomeTownship);
                }
                if same(k.posting_township, s.township) {
                    x.insert(Exclusion::PostedInTownship);
                }
                if same(k.posting_unit, s.unit) {
                    x.insert(Exclusion::PostedInSubjectUnit);
                }
                for &(kind, village, target) in ties {
                    if same(target, if village { s.village } else { s.person }) {
                        x.insert(Exclusion::DeclaredTie(kind));
                    }
                }
                if s.person != NONE && self.involved.contains(&(i, s.person)) {
                    x.insert(Exclusion::PriorInvolvement);
                }
                if self.policy.zone_only && s.zone != NONE && !same(k.zone, s.zone) {
                    x.insert(Exclusion::OutsideZone);
                }
                if !k.available {
                    x.insert(Exclusion::Unavailable);
                }
                x
            })
            .collect();
        if let Some(named) = (s.person != NONE).then(|| self.named.get(&s.person)).flatten() {
            for &(kind, staff) in named {
                out[staff].insert(Exclusion::DeclaredTie(kind));
            }
        }
        out
    }

    /// Every staff member's exclusions for `subject`, indexed like `staff()` (before overrides):
    /// what a form for picking a team by hand shows.
    pub fn exclusions_for(&self, subject: &Subject) -> Vec<Exclusions> {
        self.exclusions_all(&self.subject_key(subject))
    }

    /// Every reason `staff_id` may not handle `subject`, in reporting order; `None` for an
    /// unknown staff member.
    pub fn exclusions(&self, subject: &Subject, staff_id: &str) -> Option<Exclusions> {
        let i = self.index_of(staff_id)?;
        Some(self.exclusions_all(&self.subject_key(subject))[i])
    }
}
