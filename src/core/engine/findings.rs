//! Behavioural findings on the effective table (F101-F105).
//!
//! No pass over all pairs of rows: rows are grouped by exact match key (duplicates,
//! same-shape conflicts), by "shape" (prefix lengths and which of protocol/ports are
//! given) for containment lookups (redundancy), and by weight class for cross-shape
//! conflicts. Each row costs a handful of hash lookups per shape present in the table,
//! and exemption checks cost rows × exemption rows (a few dozen).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::check::{Facts, Object, Sink, filter_path};
use super::exemptions::Exemption;
use super::header::{Header, Shape};
use super::table::{EffectiveTable, Origin, OriginKind, Row, restrictiveness};
use crate::core::model::Behavior;

/// A small multiply-rotate hasher: the keys are a few integers from our own table, so
/// SipHash's flooding resistance buys nothing and costs most of the check's time.
#[derive(Default)]
pub(crate) struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Eight bytes a step: filter ids are UUIDs, hashed as 16 bytes.
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.write_u64(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        for b in chunks.remainder() {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.write_u64(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_u128(&mut self, i: u128) {
        self.write_u64(i as u64);
        self.write_u64((i >> 64) as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Row positions grouped by a key, stored flat: one allocation for all groups instead of
/// one `Vec` per group (tens of thousands of small allocations on a big policy). Groups
/// are numbered in order of first appearance and keep input order inside.
struct Groups<K> {
    index: FastMap<K, usize>,
    /// Group `g` is `items[starts[g]..starts[g + 1]]`.
    starts: Vec<usize>,
    items: Vec<usize>,
}

impl<K: std::hash::Hash + Eq> Groups<K> {
    fn build(keys: impl Iterator<Item = (usize, K)>) -> Self {
        let mut index: FastMap<K, usize> = FastMap::default();
        let mut tagged: Vec<(usize, usize)> = Vec::new();
        let mut counts: Vec<usize> = Vec::new();
        for (i, k) in keys {
            let n = index.len();
            let g = *index.entry(k).or_insert(n);
            if g == counts.len() {
                counts.push(0);
            }
            counts[g] += 1;
            tagged.push((g, i));
        }
        // Counting sort by group: stable, so each group keeps input order.
        let mut starts = Vec::with_capacity(counts.len() + 1);
        starts.push(0);
        for c in &counts {
            starts.push(starts[starts.len() - 1] + c);
        }
        let mut next = starts.clone();
        let mut items = vec![0; tagged.len()];
        for (g, i) in tagged {
            items[next[g]] = i;
            next[g] += 1;
        }
        Groups {
            index,
            starts,
            items,
        }
    }

    fn get(&self, k: &K) -> Option<&[usize]> {
        self.index.get(k).map(|&g| self.group(g))
    }

    fn group(&self, g: usize) -> &[usize] {
        &self.items[self.starts[g]..self.starts[g + 1]]
    }

    /// In order of first appearance.
    fn iter(&self) -> impl Iterator<Item = &[usize]> {
        (0..self.starts.len() - 1).map(|g| self.group(g))
    }
}

/// A row's match fields packed into one integer: hashing it is two multiplies.
fn key(h: &Header) -> u128 {
    u128::from(h.v6)
        | u128::from(h.src.addr) << 1
        | u128::from(h.src.prefix) << 33
        | u128::from(h.dst.addr) << 39
        | u128::from(h.dst.prefix) << 71
        | u128::from(h.protocol) << 77
        | u128::from(h.src_port) << 85
        | u128::from(h.dst_port) << 101
}

pub(crate) fn findings(table: &EffectiveTable, sink: &mut Sink) {
    let rows = table.filters();
    let groups = by_filter(rows);
    exemption_findings(table, &groups, sink);
    let by_key = exact_groups(rows);
    duplicates_and_conflicts(&by_key, rows, table.exemption_rows, sink);
    cross_shape_conflicts(rows, table.exemption_rows, sink);
    redundant(rows, &by_key, &groups, sink);
}

fn row_path(o: &Origin) -> String {
    match o.kind {
        OriginKind::Filter => format!(
            "policies/{}/rules/{}/{}",
            o.policy.as_deref().unwrap_or("?"),
            o.rule.as_deref().unwrap_or("?"),
            filter_path(
                o.filter_list.as_deref().unwrap_or("?"),
                o.filter_index.unwrap_or(0)
            )
        ),
        _ => format!(
            "dynamic/{}",
            o.dynamic_id.map(|i| i.to_string()).unwrap_or_default()
        ),
    }
}

fn row_text(r: &Row) -> String {
    let proto = match r.header.protocol {
        0 => "any protocol".to_string(),
        p => crate::core::model::Protocol(p).to_string(),
    };
    let port = |p: u16| {
        if p == 0 {
            String::new()
        } else {
            format!(":{p}")
        }
    };
    format!(
        "{}{} -> {}{} {proto}",
        r.src,
        port(r.src_port),
        r.dst,
        port(r.dst_port)
    )
}

/// Rows of one filter, as positions in `rows`, in table order (a filter may give many
/// rows: `me`, mirrors).
fn by_filter(rows: &[Row]) -> Groups<FilterKey> {
    Groups::build(
        rows.iter()
            .enumerate()
            .filter_map(|(i, r)| Some((i, r.origin.filter_key()?))),
    )
}

type FilterKey = (Option<crate::core::model::Id>, crate::core::model::Id);

/// F101 and F102.
fn exemption_findings(table: &EffectiveTable, groups: &Groups<FilterKey>, sink: &mut Sink) {
    let ex = table.exemptions();
    let rows = table.filters();
    // Exemption kinds already reported for the current filter; one buffer for all.
    let mut seen: Vec<Exemption> = Vec::new();
    for positions in groups.iter() {
        let group = || positions.iter().map(|&i| &rows[i]);
        let first = &rows[positions[0]];
        if first.action == Behavior::Permit {
            continue;
        }
        let covered = group().all(|r| ex.iter().any(|e| e.header.contains(&r.header)));
        if covered {
            if sink.wants("F102") {
                let kinds = names_of(
                    group().flat_map(|r| ex.iter().filter(|e| e.header.contains(&r.header))),
                );
                let names = kinds.iter().map(|e| e.name()).collect::<Vec<_>>().join("/");
                sink.push(
                    "F102",
                    row_path(&first.origin),
                    format!(
                        "{} ({}, {}) never acts: the {names} exemption decides all its traffic first",
                        first.origin.describe(),
                        row_text(first),
                        first.action.word()
                    ),
                    fix_list(table, &kinds),
                    Facts {
                        exemptions: kinds.clone(),
                        ..about(&first.origin)
                    },
                );
            } else {
                sink.count_only("F102");
            }
            continue;
        }
        seen.clear();
        // Two passes: `me -> any` meets `any -> me` in `me -> me`, a poor example, so
        // loopback meets count only for exemptions no real peer reaches.
        let mut skipped_loopback = false;
        for pass_loopback in [false, true] {
            if pass_loopback && !skipped_loopback {
                break;
            }
            for r in group() {
                for e in ex {
                    let Some(kind) = e.origin.exemption else {
                        continue;
                    };
                    if seen.contains(&kind) {
                        continue;
                    }
                    let Some(meet) = e.header.intersect(&r.header) else {
                        continue;
                    };
                    let loopback = meet.src.prefix == 32 && meet.src == meet.dst;
                    if loopback && !pass_loopback {
                        skipped_loopback = true;
                        continue;
                    }
                    seen.push(kind);
                    if !sink.wants("F101") {
                        sink.count_only("F101");
                        continue;
                    }
                    let example = meet.example();
                    sink.push(
                        "F101",
                        row_path(&r.origin),
                        format!(
                            "{} would {} {}, but the {} exemption lets through its {} first \
                         (e.g. {example}): {}",
                            r.origin.describe(),
                            r.action.word(),
                            row_text(r),
                            kind.name(),
                            kind.traffic(),
                            e.origin.why.as_deref().unwrap_or("")
                        ),
                        table.context.fix(kind),
                        Facts {
                            exemptions: vec![kind],
                            example: Some(example.to_string()),
                            ..about(&r.origin)
                        },
                    );
                }
            }
        }
    }
}

/// The object behind a row and its name in words.
fn about(o: &Origin) -> Facts {
    Facts::about(Object::of_origin(o), o.describe())
}

fn names_of<'a>(rows: impl Iterator<Item = &'a Row>) -> Vec<Exemption> {
    let mut v: Vec<Exemption> = rows.filter_map(|r| r.origin.exemption).collect();
    v.sort();
    v.dedup();
    v
}

fn fix_list(table: &EffectiveTable, es: &[Exemption]) -> String {
    let mut fixes: Vec<String> = es.iter().map(|e| table.context.fix(*e)).collect();
    fixes.dedup();
    format!(
        "delete the filter, or remove the exemption: {}",
        fixes.join("; ")
    )
}

/// Rows grouped by exact match key, positions relative to `rows`, in order.
fn exact_groups(rows: &[Row]) -> Groups<u128> {
    Groups::build(rows.iter().enumerate().map(|(i, r)| (i, key(&r.header))))
}

/// F105 (same row, same action, distinct filters or rules) and F103 for identical rows.
fn duplicates_and_conflicts(by_key: &Groups<u128>, rows: &[Row], offset: usize, sink: &mut Sink) {
    // Groups come in order of their first row: table order, not hash order.
    for g in by_key.iter().filter(|g| g.len() > 1) {
        // Per action: the first row so far, and the first from another filter than that
        // one; between them they answer "first earlier row of a filter other than mine"
        // in O(1), so a group of thousands of identical rows stays linear.
        let mut seen: [Option<(usize, Option<usize>)>; 3] = [None; 3];
        for &i in g.iter() {
            let r = &rows[i];
            let fk = r.origin.filter_key();
            let other_filter = |slot: Option<(usize, Option<usize>)>| {
                let (j1, j2) = slot?;
                if rows[j1].origin.filter_key() != fk {
                    Some(j1)
                } else {
                    j2.filter(|j| rows[*j].origin.filter_key() != fk)
                }
            };
            let mine = restrictiveness(r.action) as usize;
            // Against the first earlier row of another filter with the same action (a
            // duplicate) and the first with another action (a conflict), not only the
            // group's first row: in [block, permit, permit] the third duplicates the second.
            let earlier = |same: bool| {
                if same {
                    other_filter(seen[mine])
                } else {
                    (0..3)
                        .filter(|a| *a != mine)
                        .filter_map(|a| other_filter(seen[a]))
                        .min()
                }
            };
            if let Some(j) = earlier(true) {
                if sink.wants("F105") {
                    let first = &rows[j];
                    sink.push(
                        "F105",
                        row_path(&r.origin),
                        format!(
                            "{} and {} give the same row ({}, {})",
                            first.origin.describe(),
                            r.origin.describe(),
                            row_text(r),
                            r.action.word()
                        ),
                        format!(
                            "delete one of them; row {} never acts while row {} is there",
                            i + offset,
                            j + offset
                        ),
                        Facts {
                            other: Some(first.origin.describe()),
                            rows: vec![j + offset, i + offset],
                            ..about(&r.origin)
                        },
                    );
                } else {
                    sink.count_only("F105");
                }
            }
            if let Some(j) = earlier(false) {
                if sink.wants("F103") {
                    sink.push(
                        "F103",
                        row_path(&r.origin),
                        conflict_text(&rows[j], r),
                        conflict_hint(&rows[j], r),
                        Facts {
                            other: Some(rows[j].origin.describe()),
                            rows: vec![j + offset, i + offset],
                            ..about(&r.origin)
                        },
                    );
                } else {
                    sink.count_only("F103");
                }
            }
            match &mut seen[mine] {
                None => seen[mine] = Some((i, None)),
                Some((j1, j2 @ None)) if rows[*j1].origin.filter_key() != fk => *j2 = Some(i),
                _ => {}
            }
        }
    }
}

fn conflict_text(a: &Row, b: &Row) -> String {
    format!(
        "{} ({}, {}) and {} ({}, {}) overlap at equal weight {} with different actions",
        a.origin.describe(),
        row_text(a),
        a.action.word(),
        b.origin.describe(),
        row_text(b),
        b.action.word(),
        a.weight.unwrap_or(0)
    )
}

fn conflict_hint(a: &Row, b: &Row) -> String {
    let winner = if restrictiveness(a.action) <= restrictiveness(b.action) {
        a.action
    } else {
        b.action
    };
    format!(
        "Windows documents no order at equal weight; ipsedit assumes the more restrictive \
         ({}) wins: make the intended filter more specific (a host address, a port or a \
         protocol) so the weights differ",
        winner.word()
    )
}

/// F103 between rows of equal weight but different shapes (e.g. /24 → /32 against
/// /32 → /24): they overlap when each is wider on one side.
fn cross_shape_conflicts(rows: &[Row], offset: usize, sink: &mut Sink) {
    // weight → shape → row positions.
    let mut by_weight: FastMap<u16, FastMap<Shape, Vec<usize>>> = FastMap::default();
    for (i, r) in rows.iter().enumerate() {
        if r.header.v6 {
            continue;
        }
        by_weight
            .entry(r.weight.unwrap_or(0))
            .or_default()
            .entry(Shape::of(&r.header))
            .or_default()
            .push(i);
    }
    let mut found: Vec<(usize, usize)> = Vec::new();
    for shapes in by_weight.values() {
        if shapes.len() < 2 {
            continue;
        }
        let list: Vec<(&Shape, &Vec<usize>)> = shapes.iter().collect();
        for (sa, ra) in &list {
            for (sb, rb) in &list {
                // Same weight and same given-ness: overlap needs a wider source on one
                // side and a wider destination on the other.
                if sa.sp >= sb.sp {
                    continue;
                }
                // Both sides keyed by the meet's shape (A's source prefix, B's
                // destination prefix): equal keys are exactly the overlapping pairs. Per
                // key and action keep the first row; each row then pairs with its first
                // partner of another action on the other side. Probing from both sides
                // matters: a row whose only earlier partner is on the other side must be
                // the later row of some reported pair (its filter is what F103 names).
                let key_a = |h: &Header| {
                    key(&Header {
                        dst: h.dst.truncate(sb.dp),
                        ..*h
                    })
                };
                let key_b = |h: &Header| {
                    key(&Header {
                        src: h.src.truncate(sa.sp),
                        ..*h
                    })
                };
                let index = |list: &[usize], k: &dyn Fn(&Header) -> u128| {
                    let mut idx: FastMap<u128, [Option<usize>; 3]> = FastMap::default();
                    for &j in list {
                        let slot = &mut idx.entry(k(&rows[j].header)).or_default()
                            [restrictiveness(rows[j].action) as usize];
                        slot.get_or_insert(j);
                    }
                    idx
                };
                let (idx_a, idx_b) = (index(ra, &key_a), index(rb, &key_b));
                let mut probe =
                    |list: &[usize],
                     k: &dyn Fn(&Header) -> u128,
                     other: &FastMap<u128, [Option<usize>; 3]>| {
                        for &i in list {
                            let Some(slots) = other.get(&k(&rows[i].header)) else {
                                continue;
                            };
                            let mine = restrictiveness(rows[i].action) as usize;
                            if let Some(j) = slots
                                .iter()
                                .enumerate()
                                .filter(|(a, _)| *a != mine)
                                .filter_map(|(_, j)| *j)
                                .min()
                            {
                                found.push((i.min(j), i.max(j)));
                            }
                        }
                    };
                probe(ra, &key_a, &idx_b);
                probe(rb, &key_b, &idx_a);
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    for (i, j) in found {
        if sink.wants("F103") {
            sink.push(
                "F103",
                row_path(&rows[j].origin),
                conflict_text(&rows[i], &rows[j]),
                format!(
                    "{} (rows {} and {})",
                    conflict_hint(&rows[i], &rows[j]),
                    i + offset,
                    j + offset
                ),
                Facts {
                    other: Some(rows[i].origin.describe()),
                    rows: vec![i + offset, j + offset],
                    ..about(&rows[j].origin)
                },
            );
        } else {
            sink.count_only("F103");
        }
    }
}

/// What a row does to the packets it decides: the action and, for negotiate, the
/// settings that change the outcome (inpass, soft, the tunnel endpoint).
type Behaviour = (Behavior, bool, bool, Option<std::net::Ipv4Addr>);

fn behaviour(r: &Row) -> Behaviour {
    match r.action {
        Behavior::Negotiate => (r.action, r.inpass, r.soft, r.tunnel),
        a => (a, false, false, None),
    }
}

/// How far `redundant` looks at rows of another action between a row and its container
/// before giving up (and not reporting): keeps worst cases inside the frame budget.
const SCAN_LIMIT: usize = 64;

/// F104: a filter all of whose rows fall, unchanged, to a lighter row with the same
/// action (and, for negotiate, the same inpass, soft and tunnel). Exact duplicates are F105's business, not this one's.
fn redundant(rows: &[Row], by_key: &Groups<u128>, groups: &Groups<FilterKey>, sink: &mut Sink) {
    // A table has a handful of shapes: deduplicate as we go rather than collect and sort
    // one per row.
    let mut shapes: Vec<Shape> = Vec::new();
    for r in rows.iter().filter(|r| !r.header.v6) {
        let s = Shape::of(&r.header);
        if shapes.last() != Some(&s) && !shapes.contains(&s) {
            shapes.push(s);
        }
    }
    shapes.sort_unstable_by_key(|s| (s.sp, s.dp, s.proto, s.sport, s.dport));
    shapes.dedup();
    // Positions of rows per behaviour, for the "nothing different in between" test. A
    // negotiate row's inpass, soft and tunnel are part of what it does: falling from an
    // inpass row to one without inpass drops clear inbound traffic that was accepted.
    let mut classes: FastMap<Behaviour, usize> = FastMap::default();
    let class: Vec<usize> = rows
        .iter()
        .map(|r| {
            let n = classes.len();
            *classes.entry(behaviour(r)).or_insert(n)
        })
        .collect();
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes.len()];
    for (i, c) in class.iter().enumerate() {
        by_class[*c].push(i);
    }
    let mut redundant_row = vec![false; rows.len()];
    for (i, r) in rows.iter().enumerate() {
        if r.header.v6 {
            continue;
        }
        let me = Shape::of(&r.header);
        let mut container: Option<usize> = None;
        for s in shapes.iter().filter(|s| s.wider_or_equal(me) && **s != me) {
            if let Some(list) = by_key.get(&key(&s.widen(&r.header))) {
                let at = list.partition_point(|&j| j <= i);
                if let Some(&j) = list.get(at) {
                    container = Some(container.map_or(j, |c: usize| c.min(j)));
                }
            }
        }
        let Some(c) = container else { continue };
        if class[c] != class[i] {
            continue;
        }
        let mine = class[i];
        let mut clean = true;
        'others: for (a, list) in by_class.iter().enumerate() {
            if a == mine {
                continue;
            }
            let start = list.partition_point(|&j| j <= i);
            for (n, &t) in list[start..].iter().enumerate() {
                if t >= c {
                    break;
                }
                if n >= SCAN_LIMIT || rows[t].header.overlaps(&r.header) {
                    clean = false;
                    break 'others;
                }
            }
        }
        if clean {
            redundant_row[i] = true;
        }
    }
    for group in groups.iter() {
        if group.iter().all(|&i| redundant_row[i]) {
            let r = &rows[group[0]];
            if sink.wants("F104") {
                sink.push(
                    "F104",
                    row_path(&r.origin),
                    format!(
                        "{} ({}, {}) is redundant: every packet it matches would fall to a \
                         lighter row with the same action",
                        r.origin.describe(),
                        row_text(r),
                        r.action.word()
                    ),
                    "delete it to keep the policy short (no verdict changes), or keep it if \
                     it documents intent",
                    about(&r.origin),
                );
            } else {
                sink.count_only("F104");
            }
        }
    }
}
