//! Bounded heavy hitters: the most frequent keys of a stream in fixed memory.
//!
//! Keeps at most `2k` counters. When full, the `k` largest survive and the largest count
//! dropped becomes the `floor`: a key seen again later starts over with `error = floor`,
//! so its true count lies in `[count, count + error]` (the bound of the Space-Saving
//! algorithm, Metwally, Agrawal, El Abbadi, ICDT 2005, with batched evictions so that an
//! insertion costs O(log k) amortised instead of a scan for the minimum). While the
//! stream has at most `2k` distinct keys nothing is dropped and every count is exact.

use std::hash::Hash;

use super::findings::FastMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter<V> {
    pub count: u64,
    pub bytes: u64,
    /// The true count is at most `count + error`.
    pub error: u64,
    /// What the caller attached when the key was first seen (rows, verdicts).
    pub value: V,
}

#[derive(Debug, Clone)]
pub struct TopK<K, V> {
    k: usize,
    map: FastMap<K, Counter<V>>,
    floor: u64,
}

impl<K: Hash + Eq + Copy, V: Copy> TopK<K, V> {
    pub fn new(k: usize) -> TopK<K, V> {
        TopK {
            k: k.max(1),
            map: FastMap::default(),
            floor: 0,
        }
    }

    pub fn add(&mut self, key: K, bytes: u64, value: V) {
        if let Some(c) = self.map.get_mut(&key) {
            c.count += 1;
            c.bytes += bytes;
            return;
        }
        if self.map.len() >= 2 * self.k {
            self.prune();
        }
        self.map.insert(
            key,
            Counter {
                count: 1,
                bytes,
                error: self.floor,
                value,
            },
        );
    }

    fn prune(&mut self) {
        let mut all: Vec<(K, Counter<V>)> = self.map.drain().collect();
        all.sort_unstable_by_key(|(_, c)| std::cmp::Reverse(c.count));
        for (_, c) in all.iter().skip(self.k) {
            self.floor = self.floor.max(c.count + c.error);
        }
        all.truncate(self.k);
        self.map.extend(all);
    }

    /// The `k` largest counters, largest first (ties in an unspecified but stable order
    /// given by `tie`).
    pub fn top<T: Ord>(&self, tie: impl Fn(&K) -> T) -> Vec<(K, Counter<V>)> {
        let mut all: Vec<(K, Counter<V>)> = self.map.iter().map(|(k, c)| (*k, *c)).collect();
        all.sort_by(|a, b| {
            b.1.count
                .cmp(&a.1.count)
                .then_with(|| tie(&a.0).cmp(&tie(&b.0)))
        });
        all.truncate(self.k);
        all
    }

    /// Counters held now (never more than `2k`).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_while_small_and_bounded_after() {
        let mut t: TopK<u32, ()> = TopK::new(2);
        for k in [1, 2, 1, 3, 1, 2] {
            t.add(k, 10, ());
        }
        let top = t.top(|k| *k);
        assert_eq!(
            top.iter()
                .map(|(k, c)| (*k, c.count, c.error))
                .collect::<Vec<_>>(),
            [(1, 3, 0), (2, 2, 0)]
        );
        // A heavy key among many distinct light ones: found, with a bounded error, and
        // memory stays at 2k counters.
        let mut t: TopK<u32, ()> = TopK::new(4);
        for i in 0..10_000u32 {
            t.add(1_000_000 + i, 1, ());
            if i % 3 == 0 {
                t.add(7, 1, ());
            }
            assert!(t.len() <= 8);
        }
        let top = t.top(|k| *k);
        assert_eq!(top[0].0, 7);
        assert!(top[0].1.count <= 3334 && top[0].1.count + top[0].1.error >= 3334);
    }
}
