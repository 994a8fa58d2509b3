//! Representative cycles of the most persistent H1 bars (coefficients Z/2).
//!
//! For a bar (e, τ) — birth edge e, death triangle τ — the representative is R_τ = ∂V_τ, the column of τ in
//! the standard left-to-right reduction of the boundary matrix ∂₂ (rows = edges, columns = triangles, both in
//! the engine's filtration order: smaller diameter first, ties broken by the larger combinatorial index
//! first). Its lowest (latest) edge is e, it is a cycle of edges no longer than the birth, it is a boundary of
//! triangles with diameter ≤ death and not of those strictly before τ.
//!
//! The cohomology reduction already knows every pair, so only the needed columns are reduced (the idea of
//! Čufar & Virk, "Fast computation of persistent homology representatives with involuted persistent
//! homology", 2021): start from ∂τ and, while the low edge f is not the column's own partner, add R_σ of the
//! triangle σ paired with f — which is earlier than τ, since the standard reduction would otherwise have
//! stopped at f. σ comes from the engine's pivot map (inverted) or, for apparent pairs that never were a
//! column, from f's zero-persistence cofacet. The R_σ are memoised and computed with an explicit stack.

use super::binomial::Binomial;
use super::complex::Complex;
use super::engine::{Engine, Record};
use super::entry;
use super::field::Field;
use super::hash::IndexMap;
use crate::error::Result;

/// A representative cycle of an H1 bar, over Z/2.
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    /// The bar, equal to its pair in the H1 diagram (input units).
    pub birth: f64,
    pub death: f64,
    /// The cycle's edges [a, b] with a < b, sorted; vertices are input rows (through the sample's indices
    /// when `sample` was used). Empty when not computed.
    pub edges: Vec<[usize; 2]>,
    /// The edges split into simple closed loops (every vertex of a Z/2 cycle has even degree): each loop lists
    /// its distinct vertices once, the first vertex is NOT repeated at the end (the loop closes from the last
    /// vertex back to the first). A loop starts at its smallest vertex and goes towards the smaller of that
    /// vertex's two neighbours; loops are sorted longest first, then lexicographically.
    pub loops: Vec<Vec<usize>>,
    /// False when the work budget ran out or an internal inconsistency was found; `reason` says which.
    pub computed: bool,
    pub reason: Option<String>,
}

/// Column-entry operations (entries read while adding columns) allowed for one representative.
pub const WORK_BUDGET: u64 = 200_000_000;
/// Edges kept in memoised columns over all representatives of a run (16 bytes each).
pub const MEMO_BUDGET: usize = 16_000_000;

/// A simplex as entry::key: a larger key is earlier in the filtration.
type Key = u128;

#[inline]
fn key(diam: f32, idx: u64) -> Key {
    entry::key(entry::make::<u128>(diam, idx, 0))
}
#[inline]
fn key_idx(k: Key) -> u64 {
    k as u64
}
#[inline]
fn key_diam(k: Key) -> f32 {
    entry::diam::<u128>(k << 32)
}

/// Symmetric difference of two ascending key lists.
fn add_into(a: &[Key], b: &[Key], out: &mut Vec<Key>) {
    out.clear();
    out.reserve(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
}

struct Reps<'e, 'a, C: Complex, F: Field> {
    eng: &'e Engine<'a, C, F>,
    /// Edge index → key of its partner triangle, from the engine's pivot map.
    to_tri: IndexMap<Key>,
    /// Triangle index → slot in `store`.
    memo: IndexMap<u32>,
    store: Vec<Vec<Key>>,
    stored: usize,
    budget: Budget,
}

/// Limits of the work for representatives (see WORK_BUDGET, MEMO_BUDGET).
#[derive(Clone, Copy)]
pub(super) struct Budget {
    pub work: u64,
    pub memo: usize,
}

pub(super) const BUDGET: Budget = Budget { work: WORK_BUDGET, memo: MEMO_BUDGET };

enum Fail {
    Budget(String),
    Internal(String),
}

impl<C: Complex, F: Field> Reps<'_, '_, C, F> {
    fn b(&self) -> &Binomial {
        self.eng.b
    }

    fn tri_key(&self, idx: u64) -> Key {
        let mut v = [0u32; 3];
        self.b().vertices(idx, 2, &mut v);
        let cx = self.eng.cx;
        let d = cx.dist(v[0], v[1]).max(cx.dist(v[0], v[2])).max(cx.dist(v[1], v[2]));
        key(d, idx)
    }

    /// ∂ of a triangle, ascending (its low edge first).
    fn boundary(&self, t: Key) -> Vec<Key> {
        let mut v = [0u32; 3];
        self.b().vertices(key_idx(t), 2, &mut v);
        let cx = self.eng.cx;
        let e = |a: u32, c: u32| key(cx.dist(a, c), self.b().get(a as usize, 2) + c as u64);
        let mut out = vec![e(v[0], v[1]), e(v[0], v[2]), e(v[1], v[2])];
        out.sort_unstable();
        out
    }

    /// The triangle paired with an edge, if any.
    fn partner(&self, e: Key) -> Option<Key> {
        let idx = key_idx(e);
        if let Some(&t) = self.to_tri.get(&idx) {
            return Some(t);
        }
        let mut v = [0u32; 2];
        self.b().vertices(idx, 1, &mut v);
        let d = key_diam(e);
        if !self.eng.has_apparent_cofacet(&v, idx, d) {
            return None;
        }
        self.eng.zero_pivot_cofacet(&v, idx, d).map(|(t, _)| key(d, t))
    }

    fn memoise(&mut self, t: Key, col: Vec<Key>) -> std::result::Result<(), Fail> {
        if self.stored + col.len() > self.budget.memo {
            return Err(Fail::Budget(format!("budget: the reduced columns kept for reuse exceed {} edges", self.budget.memo)));
        }
        self.stored += col.len();
        self.memo.insert(key_idx(t), self.store.len() as u32);
        self.store.push(col);
        Ok(())
    }

    /// R_τ, ascending by key.
    fn represent(&mut self, tau: Key) -> Result<std::result::Result<Vec<Key>, Fail>> {
        if let Some(&s) = self.memo.get(&key_idx(tau)) {
            return Ok(Ok(self.store[s as usize].clone()));
        }
        let mut stack: Vec<(Key, Vec<Key>)> = vec![(tau, self.boundary(tau))];
        let mut scratch = Vec::new();
        let mut work = 0u64;
        let mut steps = 0u64;
        loop {
            steps += 1;
            if steps & 255 == 0 {
                self.eng.ctl.check()?;
            }
            let (t, col) = stack.last().unwrap();
            let t = *t;
            let Some(&low) = col.first() else {
                return Ok(Err(Fail::Internal(format!("internal: the column of triangle {} reduced to zero", key_idx(t)))));
            };
            let Some(p) = self.partner(low) else {
                return Ok(Err(Fail::Internal(format!("internal: edge {} is the low of a column but has no partner", key_idx(low)))));
            };
            if p == t {
                let (t, col) = stack.pop().unwrap();
                if stack.is_empty() {
                    // kept too: a bar's death triangle can be needed by another bar's column
                    if self.stored + col.len() <= self.budget.memo {
                        let _ = self.memoise(t, col.clone());
                    }
                    return Ok(Ok(col));
                }
                if let Err(f) = self.memoise(t, col) {
                    return Ok(Err(f));
                }
                continue;
            }
            if p <= t {
                return Ok(Err(Fail::Internal(format!(
                    "internal: edge {} is paired with triangle {}, not earlier than triangle {}",
                    key_idx(low),
                    key_idx(p),
                    key_idx(t)
                ))));
            }
            match self.memo.get(&key_idx(p)) {
                Some(&s) => {
                    let r = &self.store[s as usize];
                    let col = &mut stack.last_mut().unwrap().1;
                    work += (col.len() + r.len()) as u64;
                    if work > self.budget.work {
                        return Ok(Err(Fail::Budget(format!(
                            "budget: the representative needs more than {} column-entry operations",
                            self.budget.work
                        ))));
                    }
                    add_into(col, r, &mut scratch);
                    std::mem::swap(col, &mut scratch);
                }
                None => {
                    let bd = self.boundary(p);
                    stack.push((p, bd));
                }
            }
        }
    }
}

/// Splits an even-degree edge set into simple closed loops (see `Cycle::loops`; not yet canonical).
fn split_loops(edges: &[[usize; 2]]) -> Vec<Vec<usize>> {
    let mut vs: Vec<usize> = edges.iter().flatten().copied().collect();
    vs.sort_unstable();
    vs.dedup();
    let id = |x: usize| vs.binary_search(&x).unwrap();
    let mut adj: Vec<Vec<(usize, usize)>> = vec![Vec::new(); vs.len()];
    for (k, &[a, b]) in edges.iter().enumerate() {
        let (a, b) = (id(a), id(b));
        adj[a].push((b, k));
        adj[b].push((a, k));
    }
    for l in &mut adj {
        l.sort_unstable();
    }
    const NONE: usize = usize::MAX;
    let mut used = vec![false; edges.len()];
    let mut next = vec![0usize; vs.len()];
    let mut pos = vec![NONE; vs.len()];
    let mut out = Vec::new();
    for s in 0..vs.len() {
        let mut path = vec![s];
        pos[s] = 0;
        loop {
            let u = *path.last().unwrap();
            let mut step = None;
            while next[u] < adj[u].len() {
                let (w, k) = adj[u][next[u]];
                next[u] += 1;
                if !used[k] {
                    step = Some((w, k));
                    break;
                }
            }
            // with even degrees the walk only stops back at s
            let Some((w, k)) = step else { break };
            used[k] = true;
            if pos[w] != NONE {
                let p = pos[w];
                out.push(path[p..].iter().map(|&x| vs[x]).collect());
                for &x in &path[p + 1..] {
                    pos[x] = NONE;
                }
                path.truncate(p + 1);
            } else {
                pos[w] = path.len();
                path.push(w);
            }
        }
        for &x in &path {
            pos[x] = NONE;
        }
    }
    out
}

/// Sorted edges and canonical loops (see `Cycle`).
fn canonical(c: &mut Cycle) {
    for e in &mut c.edges {
        if e[0] > e[1] {
            e.swap(0, 1);
        }
    }
    c.edges.sort_unstable();
    for l in &mut c.loops {
        if l.is_empty() {
            continue;
        }
        let m = (0..l.len()).min_by_key(|&i| l[i]).unwrap();
        l.rotate_left(m);
        if l.len() > 2 && l[1] > l[l.len() - 1] {
            l[1..].reverse();
        }
    }
    c.loops.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
}

/// Renames the vertices (vertex k of the complex is input row rows[k]).
pub(super) fn relabel(c: &mut Cycle, rows: &[usize]) {
    for e in &mut c.edges {
        *e = [rows[e[0]], rows[e[1]]];
    }
    for l in &mut c.loops {
        for v in l.iter_mut() {
            *v = rows[*v];
        }
    }
    canonical(c);
}

/// Representatives of the `k` finite H1 bars of largest persistence (ties: earlier birth, then the birth
/// edge earlier in the filtration), in that order, in the engine's units and vertex numbers. `pivots` and
/// `recs` are the dimension-1 reduction's (triangle → record, record → edge).
pub(super) fn representatives<C: Complex, F: Field>(
    eng: &Engine<'_, C, F>,
    pivots: &IndexMap<u32>,
    recs: &[Record],
    k: usize,
    budget: Budget,
) -> Result<Vec<Cycle>> {
    let mut reps = Reps { eng, to_tri: IndexMap::default(), memo: IndexMap::default(), store: Vec::new(), stored: 0, budget };
    reps.to_tri.reserve(pivots.len());
    // (persistence, birth edge, death triangle)
    let mut bars: Vec<(f64, Key, Key)> = Vec::new();
    for (i, (&t, &rid)) in pivots.iter().enumerate() {
        if i & 0xFFFF == 0 {
            eng.ctl.check()?;
        }
        let r = &recs[rid as usize];
        let tk = reps.tri_key(t);
        reps.to_tri.insert(r.sigma_idx, tk);
        let (sd, death) = (r.sigma_diam, key_diam(tk));
        // the engine's test for a pair to be reported
        if death > sd * (1.0 + f32::EPSILON) {
            bars.push((death as f64 - sd as f64, key(sd, r.sigma_idx), tk));
        }
    }
    bars.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then_with(|| key_diam(a.1).total_cmp(&key_diam(b.1))).then_with(|| b.1.cmp(&a.1)));
    bars.truncate(k);
    let mut out = Vec::with_capacity(bars.len());
    for (i, &(_, e, t)) in bars.iter().enumerate() {
        eng.ctl.report("cycles", i as u64, bars.len() as u64);
        let mut c = Cycle {
            birth: key_diam(e) as f64,
            death: key_diam(t) as f64,
            edges: Vec::new(),
            loops: Vec::new(),
            computed: false,
            reason: None,
        };
        match reps.represent(t)? {
            Ok(col) => {
                if col.first() != Some(&e) {
                    c.reason = Some(format!(
                        "internal: the column of the death triangle ends at edge {:?}, not the birth edge",
                        col.first().map(|&x| key_idx(x))
                    ));
                } else {
                    let mut v = [0u32; 2];
                    c.edges = col
                        .iter()
                        .map(|&x| {
                            eng.b.vertices(key_idx(x), 1, &mut v);
                            [v[1] as usize, v[0] as usize]
                        })
                        .collect();
                    c.loops = split_loops(&c.edges);
                    c.computed = true;
                    canonical(&mut c);
                }
            }
            Err(Fail::Budget(s) | Fail::Internal(s)) => c.reason = Some(s),
        }
        out.push(c);
    }
    eng.ctl.report("cycles", bars.len() as u64, bars.len() as u64);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::Control;
    use crate::rips::complex::Dense;
    use crate::rips::field::Z2;

    /// Representatives of a noisy circle's bars under a given budget.
    fn circle_cycles(budget: Budget) -> Vec<Cycle> {
        let n = 40;
        let p: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = 1.0 + 0.1 * ((7 * i) as f64).sin();
                (r * t.cos(), r * t.sin())
            })
            .collect();
        let mut d = Vec::new();
        for a in 0..n {
            for c in 0..a {
                d.push(((p[a].0 - p[c].0).powi(2) + (p[a].1 - p[c].1).powi(2)).sqrt() as f32);
            }
        }
        let cx = Dense { n, d };
        let b = Binomial::new(n, 3).unwrap();
        let ctl = Control::none();
        let eng = Engine { cx: &cx, f: Z2, b: &b, thr: cx.enclosing_radius(), maxdim: 1, ctl: &ctl, meter: Default::default() };
        let mut edges: Vec<u64> = Vec::new();
        cx.for_each_edge(eng.thr, |k, x| edges.push(<u64 as entry::EdgeKey>::make(x, k)));
        edges.sort_unstable();
        let (_, cols) = eng.dim0::<u64, u64>(&edges).unwrap();
        let (_, pivots, recs) = eng.reduce(&cols, 1).unwrap();
        representatives(&eng, &pivots, &recs, 3, budget).unwrap()
    }

    #[test]
    fn budgets_give_uncomputed_cycles_with_a_reason() {
        let full = circle_cycles(BUDGET);
        assert!(!full.is_empty() && full.iter().all(|c| c.computed && c.reason.is_none()));
        assert!(full[0].edges.len() > 10);
        for budget in [Budget { work: 5, memo: MEMO_BUDGET }, Budget { work: WORK_BUDGET, memo: 2 }] {
            let cut = circle_cycles(budget);
            assert_eq!(cut.len(), full.len());
            let top = &cut[0];
            assert!(!top.computed && top.edges.is_empty() && top.loops.is_empty());
            assert!(top.reason.as_deref().unwrap().starts_with("budget:"), "{:?}", top.reason);
            assert_eq!((top.birth, top.death), (full[0].birth, full[0].death));
        }
    }

    #[test]
    fn loops_of_a_figure_eight_and_canonical_order() {
        // two triangles sharing vertex 2, plus a square
        let edges = vec![[0, 1], [1, 2], [0, 2], [2, 3], [3, 4], [2, 4], [5, 6], [6, 7], [7, 8], [5, 8]];
        let mut c = Cycle { birth: 0.0, death: 1.0, edges: edges.clone(), loops: split_loops(&edges), computed: true, reason: None };
        canonical(&mut c);
        assert_eq!(c.loops, vec![vec![5, 6, 7, 8], vec![0, 1, 2], vec![2, 3, 4]]);
        let total: usize = c.loops.iter().map(|l| l.len()).sum();
        assert_eq!(total, edges.len());
        relabel(&mut c, &[10, 11, 12, 13, 14, 9, 8, 7, 6]);
        assert_eq!(c.loops[0], vec![6, 7, 8, 9]);
        assert!(c.edges.windows(2).all(|w| w[0] < w[1]) && c.edges.iter().all(|e| e[0] < e[1]));
    }

    #[test]
    fn symmetric_difference() {
        let mut out = Vec::new();
        add_into(&[1, 3, 5, 7], &[2, 3, 7, 9], &mut out);
        assert_eq!(out, vec![1, 2, 5, 9]);
    }
}
