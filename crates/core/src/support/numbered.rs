//! Records numbered from 1 that carry their own number: the pledges and the delivery records, a
//! million and more of each.
//!
//! They are kept in a persistent vector in id order, not a persistent map from id to record. A
//! map's leaf holds 16 entries, each a key beside its record (or a pointer to it), and splits
//! in half when full, so that a map filled in id order, as the log fills it, is half empty. The
//! vector's chunks of 64 fill as records are added and hold no keys; a record's place is its
//! number less one, found in one step when every number is present (the state's own records)
//! and by binary search when some are not (an export's subset). Publishing a state after a
//! change copies the chunk it changed, as a map copies the leaf. A state replayed from the log
//! or grown by a running server is as full as one read from a snapshot.

use std::fmt;
use std::marker::PhantomData;

use imbl::Vector;
use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, Visitor};
use serde::ser::{Serialize, Serializer};

/// An id numbered from 1.
pub trait Serial: Copy + Ord + fmt::Debug {
    fn serial(self) -> u64;
}

/// A record that carries its own id.
pub trait Record: Clone {
    type Id: Serial;
    fn id(&self) -> Self::Id;
}

/// Records in id order, each id at most once.
#[derive(Clone, PartialEq, Eq)]
pub struct Numbered<R: Record> {
    records: Vector<R>,
}

impl<R: Record> Default for Numbered<R> {
    fn default() -> Self {
        Self { records: Vector::new() }
    }
}

impl<R: Record + fmt::Debug> fmt::Debug for Numbered<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.records.iter().map(|r| (r.id(), r))).finish()
    }
}

impl<R: Record> Numbered<R> {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the record numbered `id` is: at its number less one when the records before it are
    /// all there, else found by binary search.
    fn position(&self, id: R::Id) -> Option<usize> {
        let guess = id.serial().checked_sub(1).and_then(|g| usize::try_from(g).ok());
        match guess.and_then(|g| self.records.get(g).map(|r| (g, r))) {
            Some((g, r)) if r.id() == id => Some(g),
            _ => self.records.binary_search_by(|r| r.id().cmp(&id)).ok(),
        }
    }

    #[must_use]
    pub fn get(&self, id: &R::Id) -> Option<&R> {
        self.position(*id).and_then(|i| self.records.get(i))
    }

    /// The record numbered `id`, to change: the chunk that holds it is copied first if a
    /// published state shares it.
    pub fn get_mut(&mut self, id: &R::Id) -> Option<&mut R> {
        self.position(*id).and_then(|i| self.records.get_mut(i))
    }

    #[must_use]
    pub fn contains(&self, id: &R::Id) -> bool {
        self.position(*id).is_some()
    }

    /// Adds `record`, or replaces the one with its id. Records are added in id order, as ids
    /// are given; one out of order is put in its place.
    pub fn insert(&mut self, record: R) {
        let id = record.id();
        match self.records.last().map(|last| last.id().cmp(&id)) {
            None | Some(std::cmp::Ordering::Less) => self.records.push_back(record),
            Some(_) => match self.records.binary_search_by(|r| r.id().cmp(&id)) {
                Ok(i) => {
                    self.records.set(i, record);
                }
                Err(i) => self.records.insert(i, record),
            },
        }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The highest id.
    #[must_use]
    pub fn last_id(&self) -> Option<R::Id> {
        self.records.last().map(Record::id)
    }

    /// The records in id order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &R> + ExactSizeIterator {
        self.records.iter()
    }

    /// The ids in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = R::Id> + ExactSizeIterator + '_ {
        self.records.iter().map(Record::id)
    }

    /// The records with ids above `after` (all, given none), in order: a page's cursor.
    pub fn after(&self, after: Option<R::Id>) -> impl Iterator<Item = &R> {
        let from = after.map_or(0, |after| match self.records.binary_search_by(|r| r.id().cmp(&after)) {
            Ok(i) => i + 1,
            Err(i) => i,
        });
        // A focus narrowed to the rest starts there in one step; `skip` would walk to it.
        self.records.focus().narrow(from..).into_iter()
    }
}

impl<R: Record> std::ops::Index<&R::Id> for Numbered<R> {
    type Output = R;
    /// # Panics
    /// If no record has this id (as a map's index does).
    fn index(&self, id: &R::Id) -> &R {
        self.get(id).unwrap_or_else(|| panic!("no record numbered {id:?}"))
    }
}

impl<R: Record> FromIterator<R> for Numbered<R> {
    /// The records in id order, a later record winning over an earlier one with its id.
    fn from_iter<I: IntoIterator<Item = R>>(iter: I) -> Self {
        let mut records: Vec<R> = iter.into_iter().collect();
        if !records.windows(2).all(|w| w[0].id() < w[1].id()) {
            // Stable: among records with one id, the last given stays last, and is kept.
            records.sort_by_key(Record::id);
            let mut kept: Vec<R> = Vec::with_capacity(records.len());
            for r in records {
                match kept.last_mut() {
                    Some(last) if last.id() == r.id() => *last = r,
                    _ => kept.push(r),
                }
            }
            records = kept;
        }
        Self { records: records.into_iter().collect() }
    }
}

/// Written as a map from id to record, as a persistent map of them was: snapshots and exports
/// read the same.
impl<R: Record + Serialize> Serialize for Numbered<R>
where
    R::Id: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.records.iter().map(|r| (r.id(), r)))
    }
}

impl<'de, R> Deserialize<'de> for Numbered<R>
where
    R: Record + Deserialize<'de>,
    R::Id: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<R>(PhantomData<R>);
        impl<'de, R> Visitor<'de> for Entries<R>
        where
            R: Record + Deserialize<'de>,
            R::Id: Deserialize<'de>,
        {
            type Value = Numbered<R>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from id to record")
            }
            /// Records in id order (as written) go straight into the vector: gathered first,
            /// a snapshot's million pledges would be held twice at the peak of a start.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut read = Numbered::new();
                let mut rest = Vec::new();
                while let Some((id, record)) = map.next_entry::<R::Id, R>()? {
                    if record.id() != id {
                        return Err(A::Error::custom(format!("the record under {id:?} is numbered {:?}", record.id())));
                    }
                    if rest.is_empty() && read.last_id().is_none_or(|last| last < id) {
                        read.records.push_back(record);
                    } else {
                        rest.push(record);
                    }
                }
                Ok(if rest.is_empty() { read } else { read.records.into_iter().chain(rest).collect() })
            }
        }
        deserializer.deserialize_map(Entries(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    struct Row {
        id: u64,
        text: String,
    }

    impl Serial for u64 {
        fn serial(self) -> u64 {
            self
        }
    }

    impl Record for Row {
        type Id = u64;
        fn id(&self) -> u64 {
            self.id
        }
    }

    fn row(id: u64, text: &str) -> Row {
        Row { id, text: text.into() }
    }

    #[test]
    fn records_are_found_by_id_with_every_number_present_or_some_missing() {
        let dense: Numbered<Row> = (1..=1000).map(|i| row(i, "x")).collect();
        let sparse: Numbered<Row> = (1..=1000).filter(|i| i % 3 == 0).map(|i| row(i, "x")).collect();
        for i in 0..=1001 {
            assert_eq!(dense.get(&i).map(|r| r.id), (1..=1000).contains(&i).then_some(i), "{i}");
            assert_eq!(sparse.get(&i).map(|r| r.id), ((1..=1000).contains(&i) && i % 3 == 0).then_some(i), "{i}");
        }
        assert_eq!((dense.len(), sparse.len()), (1000, 333));
        assert_eq!(sparse.after(Some(10)).next().map(|r| r.id), Some(12));
        assert_eq!(sparse.after(Some(12)).next().map(|r| r.id), Some(15));
        assert_eq!((dense.after(Some(1000)).count(), dense.after(None).count()), (0, 1000));
        assert_eq!(dense.after(Some(998)).map(|r| r.id).collect::<Vec<_>>(), [999, 1000]);
        // A record numbered 0 (no event makes one) is found by search, not lost.
        let zero: Numbered<Row> = [row(0, "z"), row(1, "a")].into_iter().collect();
        assert_eq!((zero.get(&0).map(|r| r.id), zero.get(&1).map(|r| r.id)), (Some(0), Some(1)));
    }

    #[test]
    fn insertion_keeps_id_order_and_replaces_a_record_with_the_same_id() {
        let mut n = Numbered::new();
        for i in [5, 1, 9, 3, 7] {
            n.insert(row(i, "first"));
        }
        n.insert(row(3, "second"));
        assert_eq!(n.keys().collect::<Vec<_>>(), [1, 3, 5, 7, 9]);
        assert_eq!(n[&3].text, "second");
        assert_eq!(n.last_id(), Some(9));
        n.get_mut(&9).expect("present").text = "changed".into();
        assert_eq!(n[&9].text, "changed");
    }

    #[test]
    fn a_change_to_a_copy_leaves_the_original_as_it_was() {
        let original: Numbered<Row> = (1..=200).map(|i| row(i, "old")).collect();
        let mut copy = original.clone();
        copy.get_mut(&100).expect("present").text = "new".into();
        copy.insert(row(201, "new"));
        assert_eq!((original[&100].text.as_str(), original.len()), ("old", 200));
        assert_eq!((copy[&100].text.as_str(), copy.len()), ("new", 201));
    }

    #[test]
    fn it_reads_back_as_written_and_reads_a_map_in_any_order() {
        let n: Numbered<Row> = [row(2, "b"), row(1, "a")].into_iter().collect();
        let json = serde_json::to_string(&n).expect("written");
        assert_eq!(json, r#"{"1":{"id":1,"text":"a"},"2":{"id":2,"text":"b"}}"#);
        assert_eq!(serde_json::from_str::<Numbered<Row>>(&json).expect("read"), n);
        let shuffled = r#"{"2":{"id":2,"text":"b"},"1":{"id":1,"text":"a"},"2":{"id":2,"text":"c"}}"#;
        let read: Numbered<Row> = serde_json::from_str(shuffled).expect("read");
        assert_eq!(read.values().map(|r| r.text.as_str()).collect::<Vec<_>>(), ["a", "c"]);
    }

    #[test]
    fn a_record_filed_under_another_id_is_refused() {
        let err = serde_json::from_str::<Numbered<Row>>(r#"{"1":{"id":2,"text":"b"}}"#).expect_err("refused");
        assert!(err.to_string().contains("the record under 1 is numbered 2"), "{err}");
    }
}
