//! Persistent cohomology of a Rips filtration (Bauer 2021; de Silva–Morozov–Vejdemo-Johansson): columns are
//! simplices in reverse filtration order, coboundaries are generated on the fly from the combinatorial index,
//! pivots found through a heap with lazy cancellation, pairs found in one dimension clear the next
//! (Chen–Kerber), and zero-persistence apparent/emergent pairs skip the heap entirely.

use rayon::prelude::*;

use super::binomial::Binomial;
use super::complex::Complex;
use super::entry::{self, EdgeKey, Entry};
use super::field::Field;
use super::hash::IndexMap;
use super::heap::Heap;
use crate::control::Control;
use crate::error::Result;

const MAX_VERTS: usize = 6;

/// A reduced column: σ, the coefficient of its pivot, and where its extra reduction entries start in the
/// shared store (they end where the next record's start).
pub struct Record {
    pub sigma_idx: u64,
    pub sigma_diam: f32,
    pivot_coef: u32,
    start: u64,
}

pub struct Engine<'a, C: Complex, F: Field> {
    pub cx: &'a C,
    pub f: F,
    pub b: &'a Binomial,
    pub thr: f32,
    pub maxdim: usize,
    pub ctl: &'a Control<'a>,
}

/// One pair per output row: (birth, death); death = ∞ for essential classes.
pub type Pairs = Vec<[f64; 2]>;

impl<'a, C: Complex, F: Field> Engine<'a, C, F> {
    #[inline]
    fn verts(&self, idx: u64, dim: usize, out: &mut [u32; MAX_VERTS]) {
        self.b.vertices(idx, dim, &mut out[..dim + 1]);
    }

    /// The cofacet of σ with σ's diameter and the largest index (= the pivot of δσ if it has zero
    /// persistence), with the vertex added.
    pub(super) fn zero_pivot_cofacet(&self, verts: &[u32], idx: u64, diam: f32) -> Option<(u64, u32)> {
        let mut found = None;
        self.cx.cofacets(self.b, verts, idx, diam, self.thr, false, |ci, cd, _, v| {
            if cd == diam {
                found = Some((ci, v));
                false
            } else {
                true
            }
        });
        found
    }

    /// The facet of τ with τ's diameter and the smallest index (the youngest facet when it has τ's
    /// diameter), with the position of the removed vertex.
    #[allow(clippy::needless_range_loop)]
    fn zero_pivot_facet(&self, verts: &[u32], diam: f32) -> Option<(u64, usize)> {
        let m = verts.len();
        let mut dd = [[0f32; MAX_VERTS]; MAX_VERTS];
        for a in 0..m {
            for c in 0..a {
                let x = self.cx.dist(verts[a], verts[c]);
                dd[a][c] = x;
                dd[c][a] = x;
            }
        }
        for i in 0..m {
            let mut fd = 0f32;
            for a in 0..m {
                if a == i {
                    continue;
                }
                for c in 0..a {
                    if c != i && dd[a][c] > fd {
                        fd = dd[a][c];
                    }
                }
            }
            if fd == diam {
                let k = m - 1; // facet has k vertices
                let mut idx = 0u64;
                let mut pos = 0;
                for (a, &w) in verts.iter().enumerate() {
                    if a == i {
                        continue;
                    }
                    idx += self.b.get(w as usize, k - pos);
                    pos += 1;
                }
                return Some((idx, i));
            }
        }
        None
    }

    /// If τ is the cofacet side of an apparent pair, its partner facet (index, removed position).
    fn apparent_facet(&self, tverts: &[u32], tidx: u64, tdiam: f32) -> Option<(u64, usize)> {
        let (s, pos) = self.zero_pivot_facet(tverts, tdiam)?;
        let mut sv = [0u32; MAX_VERTS];
        let mut q = 0;
        for (a, &w) in tverts.iter().enumerate() {
            if a != pos {
                sv[q] = w;
                q += 1;
            }
        }
        match self.zero_pivot_cofacet(&sv[..q], s, tdiam) {
            Some((t, _)) if t == tidx => Some((s, pos)),
            _ => None,
        }
    }

    /// Whether σ is the facet side of an apparent pair.
    pub(super) fn has_apparent_cofacet(&self, verts: &[u32], idx: u64, diam: f32) -> bool {
        let Some((_, v)) = self.zero_pivot_cofacet(verts, idx, diam) else { return false };
        let tv = insert_vertex(verts, v);
        matches!(self.zero_pivot_facet(&tv[..verts.len() + 1], diam), Some((s, _)) if s == idx)
    }

    fn in_apparent_pair(&self, verts: &[u32], idx: u64, diam: f32) -> bool {
        self.has_apparent_cofacet(verts, idx, diam) || (verts.len() > 1 && self.apparent_facet(verts, idx, diam).is_some())
    }

    /// H0 by union–find over edges in filtration order; returns the pairs and the dimension-1 columns
    /// (edges that close a cycle and are not in an apparent pair), plus all edges (the 1-simplices).
    pub fn dim0<K: EdgeKey>(&self, edges: &[K]) -> Result<(Pairs, Vec<Entry>)> {
        let n = self.cx.n();
        let mut parent: Vec<u32> = (0..n as u32).collect();
        let mut rank = vec![0u8; n];
        let mut pairs = Vec::new();
        let mut candidates = Vec::new();
        fn find(p: &mut [u32], mut x: u32) -> u32 {
            while p[x as usize] != x {
                let g = p[p[x as usize] as usize];
                p[x as usize] = g;
                x = g;
            }
            x
        }
        let mut vs = [0u32; MAX_VERTS];
        for (t, &k) in edges.iter().rev().enumerate() {
            let e = k.entry();
            if t & 0xFFFF == 0 {
                self.ctl.check()?;
            }
            self.verts(entry::index(e), 1, &mut vs);
            let (a, c) = (find(&mut parent, vs[0]), find(&mut parent, vs[1]));
            if a != c {
                let (lo, hi) = if rank[a as usize] < rank[c as usize] { (a, c) } else { (c, a) };
                parent[lo as usize] = hi;
                if rank[lo as usize] == rank[hi as usize] {
                    rank[hi as usize] += 1;
                }
                let d = entry::diam(e);
                if d != 0.0 {
                    pairs.push([0.0, d as f64]);
                }
            } else {
                candidates.push(e);
            }
        }
        for v in 0..n as u32 {
            if find(&mut parent, v) == v {
                pairs.push([0.0, f64::INFINITY]);
            }
        }
        let mut cols = Vec::new();
        if self.maxdim >= 1 {
            candidates.reverse();
            cols = self.filter_apparent(candidates, 1)?;
        }
        Ok((pairs, cols))
    }

    fn filter_apparent(&self, cand: Vec<Entry>, dim: usize) -> Result<Vec<Entry>> {
        let keep: Vec<Vec<Entry>> = cand
            .par_chunks(4096)
            .map(|ch| {
                self.ctl.check()?;
                let mut vs = [0u32; MAX_VERTS];
                Ok(ch
                    .iter()
                    .copied()
                    .filter(|&e| {
                        self.verts(entry::index(e), dim, &mut vs);
                        !self.has_apparent_cofacet(&vs[..dim + 1], entry::index(e), entry::diam(e))
                    })
                    .collect())
            })
            .collect::<Result<_>>()?;
        Ok(keep.concat())
    }

    /// Columns of dimension dim+1 from all simplices of dimension dim: those under the threshold that were
    /// not a pivot in dimension dim (clearing) and not in an apparent pair. Also returns the (dim+1)-simplices
    /// themselves when the next dimension needs them.
    pub fn assemble<K: EdgeKey>(
        &self,
        simplices: &[K],
        dim: usize,
        pivots: &IndexMap<u32>,
        keep_simplices: bool,
    ) -> Result<(Vec<Entry>, Vec<Entry>)> {
        let parts: Vec<(Vec<Entry>, Vec<Entry>)> = simplices
            .par_chunks(1024)
            .map(|ch| {
                self.ctl.check()?;
                let mut cols = Vec::new();
                let mut next = Vec::new();
                let mut vs = [0u32; MAX_VERTS];
                for &k in ch {
                    let s = k.entry();
                    let (sidx, sd) = (entry::index(s), entry::diam(s));
                    self.verts(sidx, dim, &mut vs);
                    let sv = vs;
                    self.cx.cofacets(self.b, &sv[..dim + 1], sidx, sd, self.thr, true, |ci, cd, _, v| {
                        let e = entry::make(cd, ci, 1);
                        if keep_simplices {
                            next.push(e);
                        }
                        if !pivots.contains_key(&ci) {
                            let tv = insert_vertex(&sv[..dim + 1], v);
                            if !self.in_apparent_pair(&tv[..dim + 2], ci, cd) {
                                cols.push(e);
                            }
                        }
                        true
                    });
                }
                Ok((cols, next))
            })
            .collect::<Result<_>>()?;
        let mut cols = Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum());
        let mut next = Vec::with_capacity(parts.iter().map(|p| p.1.len()).sum());
        for (c, s) in parts {
            cols.extend_from_slice(&c);
            next.extend_from_slice(&s);
        }
        cols.par_sort_unstable();
        Ok((cols, next))
    }

    /// Reduces the coboundary columns of dimension `dim` (already in reduction order). Returns the pairs, the
    /// pivot map (cofacet index → record) used to clear the next dimension, and the records (σ of each pair
    /// in the map; the representative cycles invert the map).
    pub fn reduce(&self, cols: &[Entry], dim: usize) -> Result<(Pairs, IndexMap<u32>, Vec<Record>)> {
        let f = self.f;
        let mut pairs = Vec::new();
        let mut pivots: IndexMap<u32> = IndexMap::default();
        let mut recs: Vec<Record> = Vec::new();
        let mut vstore: Vec<Entry> = Vec::new();
        let mut heap: Heap = Heap::default();
        let mut work: Vec<Entry> = Vec::new();
        let mut vs = [0u32; MAX_VERTS];
        let total = cols.len() as u64;
        let step = (total / 100).max(1);
        let stage = stage_name(dim);
        let mut adds = 0u64;

        for (ci, &col) in cols.iter().enumerate() {
            if (ci as u64).is_multiple_of(step) {
                self.ctl.check()?;
                self.ctl.report(stage, ci as u64, total);
            }
            let (sidx, sd) = (entry::index(col), entry::diam(col));
            heap.clear();
            work.clear();
            let mut compact_at = COMPACT_MIN;
            let mut held: Option<Entry> = None;
            self.verts(sidx, dim, &mut vs);
            let sv = vs;
            // coboundary of σ, stopping at an emergent pair: the earliest cofacet has σ's diameter and
            // nobody owns it yet, so it is the pivot whatever the rest of the column is
            let mut check_emergent = true;
            let mut emergent = None;
            self.cx.cofacets(self.b, &sv[..dim + 1], sidx, sd, self.thr, false, |cidx, cd, pos, v| {
                let e = entry::make(cd, cidx, f.sign(pos));
                if check_emergent && cd == sd {
                    if !pivots.contains_key(&cidx) {
                        let tv = insert_vertex(&sv[..dim + 1], v);
                        if self.apparent_facet(&tv[..dim + 2], cidx, cd).is_none() {
                            emergent = Some(e);
                            return false;
                        }
                    }
                    check_emergent = false;
                }
                heap.push(e);
                true
            });
            let mut pivot = match emergent {
                Some(e) => Some(e),
                None => get_pivot(&mut heap, &mut held, f),
            };
            loop {
                let Some(pe) = pivot else {
                    pairs.push([sd as f64, f64::INFINITY]);
                    break;
                };
                let pidx = entry::index(pe);
                adds += 1;
                if adds & 63 == 0 {
                    self.ctl.check()?;
                }
                if let Some(&rid) = pivots.get(&pidx) {
                    let r = &recs[rid as usize];
                    let end = recs.get(rid as usize + 1).map_or(vstore.len(), |x| x.start as usize);
                    let factor = f.mul(f.neg(entry::coef(pe)), f.inv(r.pivot_coef));
                    let s = entry::make(r.sigma_diam, r.sigma_idx, factor);
                    self.add_coboundary(s, dim, &mut heap, &mut work);
                    for &e in &vstore[r.start as usize..end] {
                        let c = f.mul(entry::coef(e), factor);
                        self.add_coboundary(entry::with_coef(e, c), dim, &mut heap, &mut work);
                    }
                    maybe_compact(&mut heap, &mut compact_at, f);
                    pivot = get_pivot(&mut heap, &mut held, f);
                    continue;
                }
                self.verts(pidx, dim + 1, &mut vs);
                if let Some((s, pos)) = self.apparent_facet(&vs[..dim + 2], pidx, entry::diam(pe)) {
                    // an apparent pair is never a column; add the coboundary of its facet instead
                    let factor = f.mul(f.neg(entry::coef(pe)), f.sign(pos));
                    let se = entry::make(entry::diam(pe), s, factor);
                    self.add_coboundary(se, dim, &mut heap, &mut work);
                    maybe_compact(&mut heap, &mut compact_at, f);
                    pivot = get_pivot(&mut heap, &mut held, f);
                    continue;
                }
                let death = entry::diam(pe);
                if death > sd * (1.0 + f32::EPSILON) {
                    pairs.push([sd as f64, death as f64]);
                }
                let start = vstore.len();
                consolidate(&mut work, f, &mut vstore);
                pivots.insert(pidx, recs.len() as u32);
                recs.push(Record { sigma_idx: sidx, sigma_diam: sd, pivot_coef: entry::coef(pe), start: start as u64 });
                break;
            }
        }
        self.ctl.report(stage, total, total);
        Ok((pairs, pivots, recs))
    }

    #[inline]
    fn add_coboundary(&self, s: Entry, dim: usize, heap: &mut Heap, work: &mut Vec<Entry>) {
        let f = self.f;
        work.push(s);
        let mut vs = [0u32; MAX_VERTS];
        self.verts(entry::index(s), dim, &mut vs);
        let c = entry::coef(s);
        self.cx.cofacets(self.b, &vs[..dim + 1], entry::index(s), entry::diam(s), self.thr, false, |ci, cd, pos, _| {
            heap.push(entry::make(cd, ci, f.mul(c, f.sign(pos))));
            true
        });
    }
}

fn stage_name(dim: usize) -> &'static str {
    ["H0", "H1", "H2", "H3", "H4"][dim.min(4)]
}

/// The pivot of the working coboundary. The pivot is kept out of the heap in `held` (pushing the maximum back
/// would walk it up the whole heap after every addition); copies of it still in the heap are merged here.
#[inline]
fn get_pivot<F: Field>(heap: &mut Heap, held: &mut Option<Entry>, f: F) -> Option<Entry> {
    loop {
        let top = match heap.peek() {
            None => return *held,
            Some(&t) => t,
        };
        if let Some(h) = *held {
            if entry::key(top) < entry::key(h) {
                return Some(h);
            }
        }
        heap.pop();
        let k = entry::key(top);
        let mut c = entry::coef(top);
        while let Some(&nx) = heap.peek() {
            if entry::key(nx) != k {
                break;
            }
            c = f.add(c, entry::coef(nx));
            heap.pop();
        }
        if let Some(h) = *held {
            if entry::key(h) == k {
                c = f.add(c, entry::coef(h));
                *held = None;
            }
        }
        if c != 0 {
            if let Some(h) = held.take() {
                heap.push(h);
            }
            *held = Some(entry::with_coef(top, c));
            return *held;
        }
    }
}

/// Heaps smaller than this are never compacted; after a compaction the next one waits until the heap has
/// doubled (measured on the torus and circle benchmarks: smaller thresholds or slower growth cost more in
/// sorting than they save in sifting).
const COMPACT_MIN: usize = 1 << 14;

/// Long reductions pile up copies of the same cofacets that cancel only when they reach the top; once the
/// heap has doubled since the last clean-up, merge duplicates and drop zeros so it stays small and in cache.
#[inline]
fn maybe_compact<F: Field>(heap: &mut Heap, compact_at: &mut usize, f: F) {
    if heap.len() < *compact_at {
        return;
    }
    let mut v = heap.take_vec();
    v.sort_unstable();
    let mut w = 0;
    let mut i = 0;
    while i < v.len() {
        let k = entry::key(v[i]);
        let mut c = entry::coef(v[i]);
        let mut j = i + 1;
        while j < v.len() && entry::key(v[j]) == k {
            c = f.add(c, entry::coef(v[j]));
            j += 1;
        }
        if c != 0 {
            v[w] = entry::with_coef(v[i], c);
            w += 1;
        }
        i = j;
    }
    v.truncate(w);
    *compact_at = (2 * w).max(COMPACT_MIN);
    heap.set_from(v);
}

/// Sums equal simplices of the reduction column and appends the non-zero ones to `out`.
fn consolidate<F: Field>(work: &mut [Entry], f: F, out: &mut Vec<Entry>) {
    work.sort_unstable();
    let mut i = 0;
    while i < work.len() {
        let k = entry::key(work[i]);
        let mut c = entry::coef(work[i]);
        let mut j = i + 1;
        while j < work.len() && entry::key(work[j]) == k {
            c = f.add(c, entry::coef(work[j]));
            j += 1;
        }
        if c != 0 {
            out.push(entry::with_coef(work[i], c));
        }
        i = j;
    }
}

#[inline]
fn insert_vertex(verts: &[u32], v: u32) -> [u32; MAX_VERTS] {
    let mut out = [0u32; MAX_VERTS];
    let mut q = 0;
    let mut placed = false;
    for &w in verts {
        if !placed && v > w {
            out[q] = v;
            q += 1;
            placed = true;
        }
        out[q] = w;
        q += 1;
    }
    if !placed {
        out[q] = v;
    }
    out
}
