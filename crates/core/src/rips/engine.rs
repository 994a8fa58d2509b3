//! Persistent cohomology of a Rips filtration (Bauer 2021; de Silva–Morozov–Vejdemo-Johansson): columns are
//! simplices in reverse filtration order, coboundaries are generated on the fly from the combinatorial index,
//! pivots found through a heap with lazy cancellation, pairs found in one dimension clear the next
//! (Chen–Kerber), and zero-persistence apparent/emergent pairs skip the heap entirely.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use rayon::prelude::*;

use super::binomial::Binomial;
use super::complex::Complex;
use super::entry::{self, EdgeKey, Entry};
use super::field::Field;
use super::hash::IndexMap;
use super::heap::Heap;
use crate::control::Control;
use crate::error::{Error, Result};

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
    pub meter: Meter,
}

/// What a reduction cost, for the plan's pilot runs (estimate.rs) and the run's own report: entries pushed to
/// working heaps (the work, deterministic for given data), and the largest memory of its parts.
#[derive(Default)]
pub struct Meter {
    work: AtomicU64,
    /// Most entries a working heap of any worker held, entries.
    heap: AtomicUsize,
    /// Largest table (pivots, records, reduction entries) at the end of a dimension, bytes.
    table: AtomicUsize,
    /// Largest first-pass results held by a batch, bytes.
    batch: AtomicUsize,
    /// Bytes held outside the reduction while it runs (distances, edges, columns), set by the caller.
    pub fixed: AtomicU64,
    /// `max_memory`: a reduction holding more fails with `OverMemory` (see `Engine::guard`).
    pub limit: Option<u64>,
}

impl Meter {
    /// A meter whose reduction fails with `OverMemory` above `limit` bytes (none: never).
    pub fn with_limit(limit: Option<u64>) -> Self {
        Meter { limit, ..Default::default() }
    }

    fn flush<E: Entry>(&self, heap: &mut Heap<E>) {
        let (pushed, peak) = heap.take_cost();
        self.work.fetch_add(pushed, Ordering::Relaxed);
        self.heap.fetch_max(peak, Ordering::Relaxed);
    }

    pub fn work(&self) -> u64 {
        self.work.load(Ordering::Relaxed)
    }

    /// Peak bytes of the reduction proper (not the distances, edges or columns it starts from): the table,
    /// one batch's first passes, and the largest working heap (entries of `entry` bytes). Long columns are
    /// rare, so the heaps of other workers are counted as small.
    pub fn bytes(&self, entry: usize) -> u64 {
        let heap = self.heap.load(Ordering::Relaxed) as u64 * entry as u64;
        self.table.load(Ordering::Relaxed) as u64 + self.batch.load(Ordering::Relaxed) as u64 + heap
    }
}

/// One pair per output row: (birth, death); death = ∞ for essential classes.
pub type Pairs = Vec<[f64; 2]>;

impl<'a, C: Complex, F: Field> Engine<'a, C, F> {
    /// Fails with `OverMemory` when what the reduction of `dim` holds now (the inputs, the table, a batch's
    /// first passes and this worker's heap) passes the limit: the estimate that let the run start is good to
    /// about 2×, and a run past it would be killed by the system with all its work lost.
    fn guard<E: Entry>(&self, dim: usize, t: &Table<E>, pairs: usize, heap: usize) -> Result<()> {
        let Some(limit) = self.meter.limit else { return Ok(()) };
        let held = self.meter.fixed.load(Ordering::Relaxed)
            + t.bytes(pairs) as u64
            + self.meter.batch.load(Ordering::Relaxed) as u64
            + (heap * std::mem::size_of::<E>()) as u64;
        if held <= limit {
            return Ok(());
        }
        Err(Error::over_memory(format!(
            "the reduction of {} held {}, above the memory limit of {}",
            stage_name(dim),
            super::estimate::size(held as f64),
            super::estimate::size(limit as f64)
        )))
    }

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
    pub fn dim0<K: EdgeKey, E: Entry>(&self, edges: &[K]) -> Result<(Pairs, Vec<E>)> {
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
            let e: E = k.entry();
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

    fn filter_apparent<E: Entry>(&self, cand: Vec<E>, dim: usize) -> Result<Vec<E>> {
        let keep: Vec<Vec<E>> = cand
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
    pub fn assemble<K: EdgeKey, E: Entry>(
        &self,
        simplices: &[K],
        dim: usize,
        pivots: &IndexMap<u32>,
        keep_simplices: bool,
    ) -> Result<(Vec<E>, Vec<E>)> {
        let parts: Vec<(Vec<E>, Vec<E>)> = simplices
            .par_chunks(1024)
            .map(|ch| {
                self.ctl.check()?;
                let mut cols = Vec::new();
                let mut next = Vec::new();
                let mut vs = [0u32; MAX_VERTS];
                for &k in ch {
                    let s: E = k.entry();
                    let (sidx, sd) = (entry::index(s), entry::diam(s));
                    self.verts(sidx, dim, &mut vs);
                    let sv = vs;
                    self.cx.cofacets(self.b, &sv[..dim + 1], sidx, sd, self.thr, true, |ci, cd, _, v| {
                        let e: E = entry::make(cd, ci, 1);
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
    ///
    /// Columns go in batches of `BATCH` (see there). Each column of a batch is first reduced, in parallel,
    /// against the pivots known when the batch starts, until its pivot is one nobody owned then (or it is
    /// zero); then the batch is finished in order: a column whose pivot an earlier column of the same batch
    /// has just taken is reduced further, now against every pivot, exactly as the one-at-a-time reduction
    /// would. The pivot of a fully reduced column does not depend on which earlier columns were added to
    /// it, so the pairs are those of the sequential reduction; and the batches do not depend on the number
    /// of threads, so neither do the records.
    pub fn reduce<E: Entry>(&self, cols: &[E], dim: usize) -> Result<(Pairs, IndexMap<u32>, Vec<Record>)> {
        self.reduce_in(cols, dim, BATCH).map(|(p, m, r, _)| (p, m, r))
    }

    /// `reduce` with batches of `size` columns; also returns how many columns had their pivot taken by an
    /// earlier column of their batch (batch 1 is the one-column-at-a-time reduction: never).
    fn reduce_in<E: Entry>(&self, cols: &[E], dim: usize, size: usize) -> Result<(Pairs, IndexMap<u32>, Vec<Record>, usize)> {
        let mut taken = 0;
        let mut t = Table { pivots: IndexMap::default(), recs: Vec::new(), vstore: Vec::new() };
        let mut pairs = Vec::new();
        let total = cols.len() as u64;
        let stage = stage_name(dim);
        let threads = rayon::current_num_threads();
        for (bi, batch) in cols.chunks(size).enumerate() {
            self.ctl.check()?;
            self.guard(dim, &t, pairs.capacity(), 0)?;
            self.ctl.report(stage, (bi * size) as u64, total);
            let first: Vec<Reduced<E>> = if threads > 1 {
                batch
                    .par_iter()
                    .with_max_len(8)
                    .map_init(Scratch::default, |sc, &col| {
                        let r = self.first_pass(col, dim, &t, sc);
                        self.meter.flush(&mut sc.heap);
                        r
                    })
                    .collect::<Result<_>>()?
            } else {
                let mut sc = Scratch::default();
                let r = batch.iter().map(|&col| self.first_pass(col, dim, &t, &mut sc)).collect::<Result<_>>()?;
                self.meter.flush(&mut sc.heap);
                r
            };
            let held: usize = first
                .iter()
                .map(|r| match r {
                    Reduced::Pivot(_, v, kept) => v.capacity() + kept.as_ref().map_or(0, |k| k.capacity()),
                    Reduced::Zero => 0,
                })
                .sum();
            self.meter.batch.fetch_max(held * std::mem::size_of::<E>(), Ordering::Relaxed);
            let mut sc = Scratch::default();
            for (&col, r) in batch.iter().zip(first) {
                let (sidx, sd) = (entry::index(col), entry::diam(col));
                let Reduced::Pivot(mut pe, mut v, kept) = r else {
                    pairs.push([sd as f64, f64::INFINITY]);
                    continue;
                };
                if t.pivots.contains_key(&entry::index(pe)) {
                    taken += 1;
                    // taken by an earlier column of this batch: go on from where the first pass stopped (an
                    // emergent column kept nothing: its whole coboundary is generated now)
                    sc.reset();
                    let p = match kept {
                        Some(heap) => {
                            sc.compact_at = (2 * heap.len()).max(COMPACT_MIN);
                            sc.heap.set_from(heap);
                            sc.work.extend_from_slice(&v);
                            // the pivot lives outside the heap (see get_pivot)
                            sc.held = Some(pe);
                            Some(pe)
                        }
                        None => {
                            self.add_coboundary(entry::make(sd, sidx, 1), dim, &mut sc.heap, &mut sc.work);
                            sc.work.clear();
                            for &e in &v {
                                self.add_coboundary(e, dim, &mut sc.heap, &mut sc.work);
                                // a long V would otherwise pile up every copy at once (a 44 MB heap on the
                                // CLIP-like benchmark that compacted to 0.6 MB)
                                maybe_compact(&mut sc.heap, &mut sc.compact_at, self.f);
                            }
                            get_pivot(&mut sc.heap, &mut sc.held, self.f)
                        }
                    };
                    match self.finish(p, dim, &t, &mut sc)? {
                        None => {
                            pairs.push([sd as f64, f64::INFINITY]);
                            continue;
                        }
                        Some(q) => {
                            pe = q;
                            v.clear();
                            consolidate(&mut sc.work, self.f, &mut v);
                        }
                    }
                }
                let death = entry::diam(pe);
                if death > sd * (1.0 + f32::EPSILON) {
                    pairs.push([sd as f64, death as f64]);
                }
                let start = t.vstore.len() as u64;
                t.vstore.extend_from_slice(&v);
                t.pivots.insert(entry::index(pe), t.recs.len() as u32);
                t.recs.push(Record { sigma_idx: sidx, sigma_diam: sd, pivot_coef: entry::coef(pe), start });
            }
            self.meter.flush(&mut sc.heap);
        }
        self.meter.table.fetch_max(t.bytes(pairs.capacity()), Ordering::Relaxed);
        self.ctl.report(stage, total, total);
        Ok((pairs, t.pivots, t.recs, taken))
    }

    /// Reduces one column against the pivots of `t`: its coboundary, stopping at an emergent pair (the earliest
    /// cofacet has σ's diameter and nobody owns it yet, so it is the pivot whatever the rest of the column is),
    /// then additions until the pivot is unowned or the column is zero.
    fn first_pass<E: Entry>(&self, col: E, dim: usize, t: &Table<E>, sc: &mut Scratch<E>) -> Result<Reduced<E>> {
        let f = self.f;
        let (sidx, sd) = (entry::index(col), entry::diam(col));
        sc.reset();
        let mut vs = [0u32; MAX_VERTS];
        self.verts(sidx, dim, &mut vs);
        let sv = vs;
        let mut check_emergent = true;
        let mut emergent = None;
        let heap = &mut sc.heap;
        self.cx.cofacets(self.b, &sv[..dim + 1], sidx, sd, self.thr, false, |cidx, cd, pos, v| {
            let e: E = entry::make(cd, cidx, f.sign(pos));
            if check_emergent && cd == sd {
                if !t.pivots.contains_key(&cidx) {
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
        if let Some(e) = emergent {
            return Ok(Reduced::Pivot(e, Vec::new(), None));
        }
        let p = get_pivot(&mut sc.heap, &mut sc.held, f);
        Ok(match self.finish(p, dim, t, sc)? {
            None => Reduced::Zero,
            Some(pe) => {
                let mut v = Vec::new();
                consolidate(&mut sc.work, f, &mut v);
                // the working coboundary minus its pivot, in case an earlier column of the batch takes the pivot:
                // copied at its exact length (the scratch keeps its allocation for the next column); a very long
                // one is generated again from σ and V instead, so a batch never holds much memory
                let heap = sc.heap.as_slice();
                let kept = (heap.len() <= KEEP_MAX).then(|| heap.to_vec());
                Reduced::Pivot(pe, v, kept)
            }
        })
    }

    /// Adds the columns owning the pivot (and the coboundaries of apparent pairs' facets) until the pivot is
    /// one `t` does not own, which it returns; None when the column became zero.
    fn finish<E: Entry>(&self, mut pivot: Option<E>, dim: usize, t: &Table<E>, sc: &mut Scratch<E>) -> Result<Option<E>> {
        let f = self.f;
        let mut vs = [0u32; MAX_VERTS];
        let mut adds = 0u64;
        loop {
            let Some(pe) = pivot else { return Ok(None) };
            let pidx = entry::index(pe);
            adds += 1;
            if adds & 63 == 0 {
                self.ctl.check()?;
                self.guard(dim, t, 0, sc.heap.len())?;
            }
            if let Some(&rid) = t.pivots.get(&pidx) {
                let r = &t.recs[rid as usize];
                let end = t.recs.get(rid as usize + 1).map_or(t.vstore.len(), |x| x.start as usize);
                let factor = f.mul(f.neg(entry::coef(pe)), f.inv(r.pivot_coef));
                let s: E = entry::make(r.sigma_diam, r.sigma_idx, factor);
                self.add_coboundary(s, dim, &mut sc.heap, &mut sc.work);
                for &e in &t.vstore[r.start as usize..end] {
                    let c = f.mul(entry::coef(e), factor);
                    self.add_coboundary(entry::with_coef(e, c), dim, &mut sc.heap, &mut sc.work);
                    // a record with a long V adds many coboundaries at once: compact between them, or one
                    // addition can pile up millions of entries that cancel (2.8 M → 37 k on the CLIP-like set)
                    maybe_compact(&mut sc.heap, &mut sc.compact_at, f);
                }
                maybe_compact(&mut sc.heap, &mut sc.compact_at, f);
                pivot = get_pivot(&mut sc.heap, &mut sc.held, f);
                continue;
            }
            self.verts(pidx, dim + 1, &mut vs);
            if let Some((s, pos)) = self.apparent_facet(&vs[..dim + 2], pidx, entry::diam(pe)) {
                // an apparent pair is never a column; add the coboundary of its facet instead
                let factor = f.mul(f.neg(entry::coef(pe)), f.sign(pos));
                let se: E = entry::make(entry::diam(pe), s, factor);
                self.add_coboundary(se, dim, &mut sc.heap, &mut sc.work);
                maybe_compact(&mut sc.heap, &mut sc.compact_at, f);
                pivot = get_pivot(&mut sc.heap, &mut sc.held, f);
                continue;
            }
            return Ok(Some(pe));
        }
    }

    #[inline]
    fn add_coboundary<E: Entry>(&self, s: E, dim: usize, heap: &mut Heap<E>, work: &mut Vec<E>) {
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

/// Columns per batch of the reduction. Larger batches leave the threads more work between two sequential
/// steps, smaller ones fewer columns whose pivot an earlier column of the same batch takes and must go on
/// alone; fixed, so that the records are the same for every number of threads. 64 was fastest of 64, 256 and
/// 1024 on the torus and CLIP-like benchmarks (bench/rips, two threads).
const BATCH: usize = 64;

/// Longest working coboundary a first pass keeps for the batch's second step (1 MB of wide entries, 512 KB of
/// narrow ones); longer ones are
/// generated again from σ and V if needed. On the 2,000-point CLIP-like benchmark keeping up to 16 MB each
/// raised the peak from 83 to 142 MB (Ripser's is 140 MB there).
const KEEP_MAX: usize = 1 << 16;

/// The reduced columns so far: pivot → record, and the records' reduction entries.
struct Table<E> {
    pivots: IndexMap<u32>,
    recs: Vec<Record>,
    vstore: Vec<E>,
}

impl<E> Table<E> {
    /// Bytes held, with the pairs found so far (`pairs` of them allocated).
    fn bytes(&self, pairs: usize) -> usize {
        self.vstore.capacity() * std::mem::size_of::<E>()
            + self.recs.capacity() * std::mem::size_of::<Record>()
            // a hashbrown bucket holds the key, the value and a control byte
            + self.pivots.capacity() * (std::mem::size_of::<(u64, u32)>() + 1)
            + pairs * std::mem::size_of::<[f64; 2]>()
    }
}

/// A column after its first pass: zero (an essential class), or its pivot and the simplices added to σ.
enum Reduced<E> {
    Zero,
    /// The pivot, the simplices added to σ, and the rest of the working coboundary (None when the column
    /// stopped at an emergent pair and has only part of it).
    Pivot(E, Vec<E>, Option<Vec<E>>),
}

/// One worker's working coboundary, kept between columns so its allocations are reused.
struct Scratch<E> {
    heap: Heap<E>,
    work: Vec<E>,
    held: Option<E>,
    compact_at: usize,
}

impl<E> Default for Scratch<E> {
    fn default() -> Self {
        Scratch { heap: Heap::default(), work: Vec::new(), held: None, compact_at: COMPACT_MIN }
    }
}

impl<E: Entry> Scratch<E> {
    fn reset(&mut self) {
        self.heap.clear();
        self.work.clear();
        self.held = None;
        self.compact_at = COMPACT_MIN;
    }
}

fn stage_name(dim: usize) -> &'static str {
    ["H0", "H1", "H2", "H3", "H4"][dim.min(4)]
}

/// The pivot of the working coboundary. The pivot is kept out of the heap in `held` (pushing the maximum back
/// would walk it up the whole heap after every addition); copies of it still in the heap are merged here.
#[inline]
fn get_pivot<F: Field, E: Entry>(heap: &mut Heap<E>, held: &mut Option<E>, f: F) -> Option<E> {
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

/// Heaps with at least this many entries after a compaction are compacted again after growing by half, not
/// doubling (2 MB of narrow entries).
const COMPACT_LARGE: usize = 1 << 18;

/// Entries a heap may grow past its next compaction point before the check after an addition catches it
/// (an addition is one or a few coboundaries, each at most n − dim − 1 cofacets).
const COMPACT_SLACK: usize = 1 << 14;

/// Long reductions pile up copies of the same cofacets that cancel only when they reach the top; once the
/// heap has doubled (a large one: grown by half) since the last clean-up, merge duplicates and drop zeros so it stays small and in cache.
#[inline]
fn maybe_compact<F: Field, E: Entry>(heap: &mut Heap<E>, compact_at: &mut usize, f: F) {
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
    // a large heap waits only until it has grown by half: these are the peak of a run's memory (the 2,000-point
    // CLIP-like benchmark's whole CLI went from 110–142 MB to 113–117 MB), and small ones keep the doubling
    // the torus and circle benchmarks were tuned with
    *compact_at = if w >= COMPACT_LARGE { w + w / 2 } else { (2 * w).max(COMPACT_MIN) };
    // room to grow to the next compaction without doubling the allocation on the way (which would hold up
    // to twice the entries the heap needs), and no more than that: the peak of the reduction is this heap
    let want = *compact_at + COMPACT_SLACK;
    if v.capacity() < want {
        v.reserve_exact(want - v.len());
    } else if v.capacity() > 2 * want {
        v.shrink_to(want);
    }
    heap.set_from(v);
}

/// Sums equal simplices of the reduction column and appends the non-zero ones to `out`.
fn consolidate<F: Field, E: Entry>(work: &mut [E], f: F, out: &mut Vec<E>) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rips::complex::Dense;
    use crate::rips::field::{Zp, Z2};

    /// A noisy torus in R^3 (many H1 columns, long reductions), seeded.
    fn torus(n: usize) -> Dense {
        let mut s = 0x2545_f491_4f6c_dd1du64;
        let mut u = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let p: Vec<[f64; 3]> = (0..n)
            .map(|_| {
                let (a, b) = (u() * std::f64::consts::TAU, u() * std::f64::consts::TAU);
                let r = 2.0 + 0.8 * b.cos() + 0.1 * u();
                [r * a.cos(), r * a.sin(), 0.8 * b.sin()]
            })
            .collect();
        let mut d = Vec::new();
        for a in 0..n {
            for c in 0..a {
                d.push((0..3).map(|k| (p[a][k] - p[c][k]).powi(2)).sum::<f64>().sqrt() as f32);
            }
        }
        Dense { n, d }
    }

    /// Per dimension 1 and 2: the pairs, the (σ, pivot) indices; and the columns taken within their batch.
    type Run = (Vec<Pairs>, Vec<Vec<(u64, u64)>>, usize);

    /// Every dimension up to 2 with batches of `size`.
    fn run<F: Field, E: Entry + EdgeKey>(cx: &Dense, f: F, size: usize, threads: usize) -> Run {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let b = Binomial::new(cx.n, 4).unwrap();
            let ctl = Control::none();
            let eng = Engine { cx, f, b: &b, thr: cx.enclosing_radius(), maxdim: 2, ctl: &ctl, meter: Meter::default() };
            let mut edges: Vec<u64> = Vec::new();
            cx.for_each_edge(eng.thr, |k, x| edges.push(<u64 as EdgeKey>::make(x, k)));
            edges.sort_unstable();
            let (_, cols) = eng.dim0::<u64, E>(&edges).unwrap();
            let (p1, piv1, recs1, t1) = eng.reduce_in(&cols, 1, size).unwrap();
            let (cols2, _) = eng.assemble::<u64, E>(&edges, 1, &piv1, false).unwrap();
            let (p2, piv2, recs2, t2) = eng.reduce_in(&cols2, 2, size).unwrap();
            let pairs_of = |m: &IndexMap<u32>, r: &[Record]| {
                let mut v: Vec<(u64, u64)> = m.iter().map(|(&k, &i)| (r[i as usize].sigma_idx, k)).collect();
                v.sort_unstable();
                v
            };
            (vec![p1, p2], vec![pairs_of(&piv1, &recs1), pairs_of(&piv2, &recs2)], t1 + t2)
        })
    }

    #[test]
    fn batches_pair_like_one_column_at_a_time() {
        let cx = torus(160);
        // Z/2 with both entry widths (the narrow one is what Z/2 runs use when indices fit), Z/3 with the wide
        for (name, f, narrow) in [("Z/2", None, false), ("Z/2 narrow", None, true), ("Z/3", Some(Zp::new(3)), false)] {
            let go = |size: usize, threads: usize| match (f, narrow) {
                (None, false) => run::<_, u128>(&cx, Z2, size, threads),
                (None, true) => run::<_, u64>(&cx, Z2, size, threads),
                (Some(z), _) => run::<_, u128>(&cx, z, size, threads),
            };
            // the reference: one column at a time, wide entries
            let one = match f {
                None => run::<_, u128>(&cx, Z2, 1, 1),
                Some(z) => run::<_, u128>(&cx, z, 1, 1),
            };
            assert_eq!(one.2, 0);
            assert!(one.0[0].len() > 20, "{name}: too few H1 pairs to test batches: {}", one.0[0].len());
            for (size, threads) in [(1, 1), (BATCH, 1), (BATCH, 2), (7, 2), (100_000, 2)] {
                let got = go(size, threads);
                // the same (σ, pivot) pairs, hence the same diagrams in the same order
                assert_eq!(got.0, one.0, "{name} batch {size}, {threads} threads");
                assert_eq!(got.1, one.1, "{name} batch {size}, {threads} threads");
                if size > 1 {
                    // the second step of a batch is exercised, not only the first pass
                    assert!(got.2 > 0, "{name} batch {size}: no column was taken within its batch");
                }
            }
        }
    }
}
