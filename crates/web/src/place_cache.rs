//! Meetings' places kept for a few seconds, so that the public form's submissions do not each
//! read their meeting's village, township and names.
//!
//! Why: a place almost never changes, but under the public form's load every read on SQLite
//! found the file changed since its last one, dropped its connection's page cache and remapped
//! the file (WAL mode does so on each read after a commit): that read, one per submission, was
//! the form's only read. A kept place cannot file a concern in the wrong place: the write checks
//! the meeting and its village in its own transaction and refuses a mismatch, and a refused
//! submission forgets the place it used, so the next one reads it afresh. What a kept place can
//! do is show a village or category renamed in the last few seconds under its old name on the
//! villager's confirmation page. Only places that were found are kept, and the map is bounded:
//! it is cleared when full, as the public page cache is.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use qinglian_store::model::MeetingPlace;

/// How long a place is used without reading it again.
const KEEP: Duration = Duration::from_secs(5);

/// Places kept at most: meetings with open forms times the categories named.
const MAX_PLACES: usize = 4096;

type Key = (String, String);

#[derive(Default)]
pub struct PlaceCache {
    places: Mutex<HashMap<Key, (Instant, Arc<MeetingPlace>)>>,
}

impl PlaceCache {
    /// The place of `meeting_id` with `category_id`'s name, if it was read less than [`KEEP`]
    /// before `now`.
    pub fn get(&self, meeting_id: &str, category_id: &str, now: Instant) -> Option<Arc<MeetingPlace>> {
        let places = self.places.lock().unwrap_or_else(PoisonError::into_inner);
        let (read_at, place) = places.get(&(meeting_id.to_owned(), category_id.to_owned()))?;
        (now.saturating_duration_since(*read_at) < KEEP).then(|| place.clone())
    }

    /// Keeps `place`, read at `read_at` (taken before the read, so it is never kept longer).
    pub fn put(&self, place: MeetingPlace, read_at: Instant) -> Arc<MeetingPlace> {
        let place = Arc::new(place);
        let mut places = self.places.lock().unwrap_or_else(PoisonError::into_inner);
        if places.len() >= MAX_PLACES {
            places.clear();
        }
        places.insert(
            (place.meeting_id.clone(), place.category_id.clone()),
            (read_at, place.clone()),
        );
        place
    }

    /// Forgets the place of `meeting_id` with `category_id`, after a write refused it.
    pub fn forget(&self, meeting_id: &str, category_id: &str) {
        let mut places = self.places.lock().unwrap_or_else(PoisonError::into_inner);
        places.remove(&(meeting_id.to_owned(), category_id.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(meeting: &str, category: &str, village_name: &str) -> MeetingPlace {
        MeetingPlace {
            meeting_id: meeting.into(),
            round_id: "r".into(),
            village_id: "v".into(),
            village_name: village_name.into(),
            township_id: "t".into(),
            township_name: "镇".into(),
            category_id: category.into(),
            category_name: Some("道路设施".into()),
        }
    }

    #[test]
    fn a_place_is_used_for_a_few_seconds_then_read_again() {
        let cache = PlaceCache::default();
        let t0 = Instant::now();
        assert!(cache.get("m1", "c1", t0).is_none(), "nothing is kept before a read");
        cache.put(place("m1", "c1", "东山村"), t0);
        let kept = cache
            .get("m1", "c1", t0 + Duration::from_secs(4))
            .expect("kept within 5 s");
        assert_eq!(kept.village_name, "东山村");
        assert!(cache.get("m1", "c2", t0).is_none(), "another category is another key");
        assert!(
            cache.get("m1", "c1", t0 + KEEP).is_none(),
            "a place 5 s old is read again"
        );
    }

    #[test]
    fn a_refused_place_is_forgotten_and_a_full_cache_starts_over() {
        let cache = PlaceCache::default();
        let t0 = Instant::now();
        cache.put(place("m1", "c1", "东山村"), t0);
        cache.forget("m1", "c1");
        assert!(cache.get("m1", "c1", t0).is_none());

        for i in 0..MAX_PLACES {
            cache.put(place(&format!("m{i}"), "c", "村"), t0);
        }
        cache.put(place("last", "c", "村"), t0);
        assert!(cache.get("m0", "c", t0).is_none(), "the full map was cleared");
        assert!(cache.get("last", "c", t0).is_some(), "and the new place kept");
    }
}
