//! Bottleneck distance between the finite, off-diagonal parts of two diagrams.
//!
//! Kerber–Morozov–Nigmetov: the answer is one of the candidate L∞ values (point–point or
//! point–diagonal). A decision procedure "is there a perfect matching using only edges ≤ t" runs
//! Hopcroft–Karp on the diagonal-augmented bipartite graph, whose edges are never stored: a kd-tree
//! with deletion answers "some unvisited neighbour", so every right vertex is touched once per phase
//! and memory stays O(n). The threshold is first bisected over the reals until few candidate values
//! remain in the bracket, then those candidates are enumerated and bisected exactly.
//!
//! Diagonal copies are interchangeable (any A point may use any diagonal slot at its own diagonal
//! distance), which keeps their neighbourhoods as simple counters instead of n × m edges.

use super::kdtree::KdTree;
use crate::control::Control;
use crate::error::Result;

const NONE: u32 = u32::MAX;

#[inline]
fn linf(p: [f64; 2], q: [f64; 2]) -> f64 {
    (p[0] - q[0]).abs().max((p[1] - q[1]).abs())
}

/// One matched pair in local indices of the finite lists; `None` is the diagonal.
pub(super) type LocalPair = (Option<usize>, Option<usize>, f64);

struct Layer {
    tree: KdTree,
    near_diag: Vec<u32>,
    diag_items: Vec<u32>,
}

struct Matcher<'a> {
    a: &'a [[f64; 2]],
    b: &'a [[f64; 2]],
    da: Vec<f64>,
    db: Vec<f64>,
    tree: KdTree,
    pos_b: Vec<u32>,
    b_by_diag: Vec<u32>,
    /// B's points sorted by x and by y, for the candidate values in a bracket (see `candidates`).
    b_by_x: Vec<[f64; 2]>,
    b_by_y: Vec<[f64; 2]>,
    // Scratch reused across phases.
    layer_l: Vec<u32>,
    layer_r: Vec<u32>,
    pos_layer: Vec<u32>,
    queue: Vec<u32>,
}

enum Candidates {
    All(Vec<f64>),
    /// More than the budget: about this many.
    Over(f64),
}

#[derive(Clone)]
struct Matching {
    mate_l: Vec<u32>,
    mate_r: Vec<u32>,
    size: usize,
}

impl<'a> Matcher<'a> {
    fn new(a: &'a [[f64; 2]], b: &'a [[f64; 2]]) -> Self {
        let da: Vec<f64> = a.iter().map(|p| (p[1] - p[0]) / 2.0).collect();
        let db: Vec<f64> = b.iter().map(|p| (p[1] - p[0]) / 2.0).collect();
        let tree = KdTree::new(b.iter().enumerate().map(|(j, &p)| (j as u32, p)).collect());
        let mut pos_b = vec![0u32; b.len()];
        for (pos, id) in tree.positions() {
            pos_b[id as usize] = pos as u32;
        }
        let mut b_by_diag: Vec<u32> = (0..b.len() as u32).collect();
        b_by_diag.sort_by(|&x, &y| db[x as usize].total_cmp(&db[y as usize]));
        let mut b_by_x = b.to_vec();
        b_by_x.sort_by(|p, q| p[0].total_cmp(&q[0]));
        let mut b_by_y = b.to_vec();
        b_by_y.sort_by(|p, q| p[1].total_cmp(&q[1]));
        let nv = a.len() + b.len();
        Matcher {
            a,
            b,
            da,
            db,
            tree,
            pos_b,
            b_by_diag,
            b_by_x,
            b_by_y,
            layer_l: vec![NONE; nv],
            layer_r: vec![NONE; nv],
            pos_layer: vec![0; b.len()],
            queue: Vec::with_capacity(nv),
        }
    }

    fn n(&self) -> usize {
        self.a.len()
    }
    fn m(&self) -> usize {
        self.b.len()
    }

    fn empty_matching(&self) -> Matching {
        let nv = self.n() + self.m();
        Matching { mate_l: vec![NONE; nv], mate_r: vec![NONE; nv], size: 0 }
    }

    fn edge_cost(&self, l: usize, r: usize) -> f64 {
        let (n, m) = (self.n(), self.m());
        match (l < n, r < m) {
            (true, true) => linf(self.a[l], self.b[r]),
            (true, false) => self.da[l],
            (false, true) => self.db[r],
            (false, false) => 0.0,
        }
    }

    /// Grows `mt` (valid at any threshold ≥ its edges) to a maximum matching with edges ≤ t.
    /// Returns whether it is perfect.
    fn augment(&mut self, mt: &mut Matching, t: f64, ctl: &Control) -> Result<bool> {
        let (n, m) = (self.n(), self.m());
        let nv = n + m;
        let near_count = self.b_by_diag.partition_point(|&j| self.db[j as usize] <= t);
        while mt.size < nv {
            ctl.check()?;
            // BFS: layer the graph from the free left vertices.
            self.tree.revive_all();
            self.layer_l.iter_mut().for_each(|x| *x = NONE);
            self.layer_r.iter_mut().for_each(|x| *x = NONE);
            self.queue.clear();
            for u in 0..nv {
                if mt.mate_l[u] == NONE {
                    self.layer_l[u] = 0;
                    self.queue.push(u as u32);
                }
            }
            let mut lf = NONE;
            let mut near_cur = 0usize;
            let mut diag_cur = 0usize;
            let mut head = 0;
            while head < self.queue.len() {
                // a phase on a million points takes seconds: stay cancellable inside it
                if head % 4096 == 0 {
                    ctl.check()?;
                }
                let u = self.queue[head] as usize;
                head += 1;
                let lu = self.layer_l[u];
                if lu > lf {
                    break;
                }
                let mut visit = |r: usize, s: &mut Self| {
                    s.layer_r[r] = lu;
                    let w = mt.mate_r[r];
                    if w == NONE {
                        lf = lf.min(lu);
                    } else if lf == NONE {
                        s.layer_l[w as usize] = lu + 1;
                        s.queue.push(w);
                    }
                };
                let near = if u < n {
                    while let Some((pos, j)) = self.tree.find_within_linf(self.a[u], t) {
                        self.tree.kill(pos);
                        visit(j as usize, self);
                    }
                    self.da[u] <= t
                } else {
                    while near_cur < near_count {
                        let j = self.b_by_diag[near_cur] as usize;
                        near_cur += 1;
                        let pos = self.pos_b[j] as usize;
                        if self.tree.is_alive(pos) {
                            self.tree.kill(pos);
                            visit(j, self);
                        }
                    }
                    true
                };
                if near {
                    while diag_cur < n {
                        diag_cur += 1;
                        visit(m + diag_cur - 1, self);
                    }
                }
            }
            if lf == NONE {
                return Ok(false);
            }
            // Layer oracles for the DFS: right vertices of layer L only (free ones in the last).
            let mut members: Vec<Vec<(u32, [f64; 2])>> = vec![Vec::new(); lf as usize + 1];
            let mut layers: Vec<Layer> = Vec::with_capacity(lf as usize + 1);
            let mut near_l: Vec<Vec<u32>> = vec![Vec::new(); lf as usize + 1];
            let mut items_l: Vec<Vec<u32>> = vec![Vec::new(); lf as usize + 1];
            for r in 0..nv {
                let lr = self.layer_r[r];
                if lr == NONE || (lr == lf && mt.mate_r[r] != NONE) {
                    continue;
                }
                if r < m {
                    members[lr as usize].push((r as u32, self.b[r]));
                    if self.db[r] <= t {
                        near_l[lr as usize].push(r as u32);
                    }
                } else {
                    items_l[lr as usize].push(r as u32);
                }
            }
            for ((mem, near_diag), diag_items) in members.into_iter().zip(near_l).zip(items_l) {
                ctl.check()?;
                let tree = KdTree::new(mem);
                for (pos, id) in tree.positions() {
                    self.pos_layer[id as usize] = pos as u32;
                }
                layers.push(Layer { tree, near_diag, diag_items });
            }
            // DFS: vertex-disjoint shortest augmenting paths; every right vertex is taken once.
            let mut steps = 0u64;
            let mut stack: Vec<u32> = Vec::new();
            let mut rights: Vec<u32> = Vec::new();
            for u0 in 0..nv {
                if u0 % 4096 == 0 {
                    ctl.check()?;
                }
                if mt.mate_l[u0] != NONE || self.layer_l[u0] != 0 {
                    continue;
                }
                stack.clear();
                rights.clear();
                stack.push(u0 as u32);
                while let Some(&v) = stack.last() {
                    steps += 1;
                    if steps.is_multiple_of(4096) {
                        ctl.check()?;
                    }
                    let l = stack.len() - 1;
                    match self.take(&mut layers[l], v as usize, t) {
                        Some(r) => {
                            rights.push(r);
                            if l as u32 == lf {
                                for (&x, &y) in stack.iter().zip(rights.iter()) {
                                    mt.mate_l[x as usize] = y;
                                    mt.mate_r[y as usize] = x;
                                }
                                mt.size += 1;
                                break;
                            }
                            stack.push(mt.mate_r[r as usize]);
                        }
                        None => {
                            stack.pop();
                            rights.pop();
                        }
                    }
                }
            }
        }
        Ok(true)
    }

    fn take(&self, layer: &mut Layer, v: usize, t: f64) -> Option<u32> {
        let n = self.n();
        let m = self.m();
        if v < n {
            if let Some((pos, j)) = layer.tree.find_within_linf(self.a[v], t) {
                layer.tree.kill(pos);
                return Some(j);
            }
            if self.da[v] > t {
                return None;
            }
        } else {
            while let Some(j) = layer.near_diag.pop() {
                let pos = self.pos_layer[j as usize] as usize;
                if layer.tree.is_alive(pos) {
                    layer.tree.kill(pos);
                    return Some(j);
                }
            }
        }
        debug_assert!(layer.diag_items.last().is_none_or(|&r| r as usize >= m));
        layer.diag_items.pop()
    }

    /// Candidate values in (lo, hi], or when there are more than `budget`, an estimate of how many there are
    /// (from the share of points scanned before the budget ran out).
    fn candidates(&self, lo: f64, hi: f64, budget: usize, ctl: &Control) -> Result<Candidates> {
        let mut out = Vec::new();
        for d in self.da.iter().chain(self.db.iter()) {
            if *d > lo && *d <= hi {
                out.push(*d);
            }
        }
        let diagonal = out.len();
        if diagonal > budget {
            return Ok(Candidates::Over(f64::INFINITY));
        }
        // Scanning the strips of a wide bracket visits points that are then not candidates; past this the
        // count is extrapolated instead.
        let scan_budget = budget.saturating_mul(32);
        let mut scanned = 0usize;
        for (k, &p) in self.a.iter().enumerate() {
            if k % 64 == 0 {
                ctl.check()?;
            }
            let full = ring_linf(&self.b_by_x, &self.b_by_y, p, (lo, hi), (&mut scanned, scan_budget), |d| {
                out.push(d);
                out.len() <= budget
            });
            if !full {
                let found = (out.len() - diagonal).max(1) as f64;
                return Ok(Candidates::Over(diagonal as f64 + found * self.a.len() as f64 / (k + 1) as f64));
            }
        }
        Ok(Candidates::All(out))
    }

    fn pairs(&self, mt: &Matching) -> Vec<LocalPair> {
        let (n, m) = (self.n(), self.m());
        let mut out = Vec::with_capacity(n + m);
        for l in 0..n + m {
            let r = mt.mate_l[l] as usize;
            let c = self.edge_cost(l, r);
            match (l < n, r < m) {
                (true, true) => out.push((Some(l), Some(r), c)),
                (true, false) => out.push((Some(l), None, c)),
                (false, true) => out.push((None, Some(r), c)),
                (false, false) => {}
            }
        }
        out
    }
}

/// The progress stage of the search: the bracket the distance is known to lie in so far.
fn bracket(lo: f64, hi: f64) -> String {
    format!("bottleneck in ({lo:.6}, {hi:.6}]")
}

/// Bottleneck distance and an optimal matching of finite off-diagonal points. With `delta > 0` the
/// value is within a factor (1 + delta) of the exact one (and the matching attains it).
pub(super) fn bottleneck_finite(a: &[[f64; 2]], b: &[[f64; 2]], delta: f64, ctl: &Control) -> Result<(f64, Vec<LocalPair>)> {
    if a.is_empty() && b.is_empty() {
        return Ok((0.0, Vec::new()));
    }
    let mut mm = Matcher::new(a, b);
    let budget = 4 * (a.len() + b.len()) + 1024;
    // Everything to the diagonal is always feasible.
    let mut hi = mm.da.iter().chain(mm.db.iter()).fold(0.0f64, |x, &y| x.max(y));
    let mut m_lo = mm.empty_matching();
    let mut m_hi = m_lo.clone();
    let mut hi_tested = false;
    let mut trial = m_lo.clone();
    if mm.augment(&mut trial, 0.0, ctl)? {
        return Ok((0.0, mm.pairs(&trial)));
    }
    m_lo = trial;
    let mut lo = 0.0f64;
    let mut steps = 0u64;
    let mut resolved = false;
    // Real bisection until the bracket holds few candidates (or is tight enough for delta). Counting them
    // scans every point, so it is skipped while the last count, halved at each step, says there are still
    // far more than the budget.
    let mut estimate = 0.0f64;
    let mut counted = None;
    loop {
        if delta > 0.0 && lo > 0.0 && hi <= lo * (1.0 + delta) {
            break;
        }
        if estimate <= 2.0 * budget as f64 {
            match mm.candidates(lo, hi, budget, ctl)? {
                Candidates::All(c) => {
                    counted = Some(c);
                    break;
                }
                Candidates::Over(e) => estimate = e,
            }
        }
        estimate /= 2.0;
        let mid = if lo > 0.0 && hi > 4.0 * lo { (lo * hi).sqrt() } else { lo + (hi - lo) / 2.0 };
        if !(mid > lo && mid < hi) {
            // lo and hi are adjacent doubles: hi is the only value left (many equal candidates,
            // e.g. duplicated points), and enumerating them would cost memory for nothing.
            resolved = true;
            break;
        }
        steps += 1;
        ctl.report(&bracket(lo, hi), steps, 0);
        let mut trial = m_lo.clone();
        if mm.augment(&mut trial, mid, ctl)? {
            hi = mid;
            m_hi = trial;
            hi_tested = true;
        } else {
            lo = mid;
            m_lo = trial;
        }
    }
    if !(delta > 0.0 && lo > 0.0 && hi <= lo * (1.0 + delta)) {
        // Exact: the answer is the smallest feasible candidate in (lo, hi].
        // (lo, hi] is the bracket the loop counted in, unless it stopped on adjacent doubles
        let mut c = if resolved { vec![hi] } else { counted.unwrap_or_default() };
        c.sort_by(|x, y| x.total_cmp(y));
        c.dedup();
        // c[last] is feasible (same graph as at hi); find the first feasible index.
        let (mut l, mut h) = (0usize, c.len().saturating_sub(1));
        while l < h {
            let mid = l + (h - l) / 2;
            steps += 1;
            // the answer is one of c[l..=h], and c[l - 1] is infeasible
            ctl.report(&bracket(if l > 0 { c[l - 1] } else { lo }, c[h]), steps, 0);
            let mut trial = m_lo.clone();
            if mm.augment(&mut trial, c[mid], ctl)? {
                h = mid;
                m_hi = trial;
                hi_tested = true;
            } else {
                l = mid + 1;
                m_lo = trial;
            }
        }
        if !c.is_empty() {
            hi = c[l];
        }
        if !hi_tested || m_hi.size < a.len() + b.len() || mm.pairs(&m_hi).iter().any(|p| p.2 > hi) {
            let mut trial = m_lo.clone();
            let ok = mm.augment(&mut trial, hi, ctl)?;
            debug_assert!(ok);
            m_hi = trial;
        }
    } else if !hi_tested {
        let mut trial = m_lo.clone();
        mm.augment(&mut trial, hi, ctl)?;
        m_hi = trial;
    }
    let pairs = mm.pairs(&m_hi);
    let d = pairs.iter().fold(0.0f64, |x, p| x.max(p.2));
    Ok((d, pairs))
}

/// Calls `f` with L∞(p, q) for every q with lo < L∞(p, q) ≤ hi (lo ≥ 0), given the points sorted by x and by
/// y; stops when f returns false. The ring is two x-strips (lo < |dx| ≤ hi, |dy| ≤ hi) and two y-strips
/// (lo < |dy| ≤ hi, |dx| ≤ lo), disjoint and covering it, each found by binary search: a thin ring costs the
/// few points in its strips, where a kd-tree visits every leaf along its boundary. `scanned` counts the
/// points looked at; past `limit` the scan stops (returns false) as when f does.
fn ring_linf(
    by_x: &[[f64; 2]],
    by_y: &[[f64; 2]],
    p: [f64; 2],
    (lo, hi): (f64, f64),
    (scanned, limit): (&mut usize, usize),
    mut f: impl FnMut(f64) -> bool,
) -> bool {
    for (sorted, axis) in [(by_x, 0usize), (by_y, 1usize)] {
        let other = 1 - axis;
        // fl(p − q) is monotone in q, so on each side of p the strip is a contiguous run found exactly
        let split = sorted.partition_point(|q| q[axis] < p[axis]);
        let (left, right) = sorted.split_at(split);
        let l0 = left.partition_point(|q| p[axis] - q[axis] > hi);
        let l1 = left.partition_point(|q| p[axis] - q[axis] > lo);
        let r0 = right.partition_point(|q| q[axis] - p[axis] <= lo);
        let r1 = right.partition_point(|q| q[axis] - p[axis] <= hi);
        for q in left[l0..l1].iter().chain(right[r0..r1].iter()) {
            *scanned += 1;
            if *scanned > limit {
                return false;
            }
            let (d_axis, d_other) = ((p[axis] - q[axis]).abs(), (p[other] - q[other]).abs());
            // x-strips take |dy| ≤ hi; y-strips only |dx| ≤ lo, the rest being in an x-strip already
            let keep = if axis == 0 { d_other <= hi } else { d_other <= lo };
            if keep && !f(d_axis.max(d_other)) {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    #[test]
    fn ring_strips_find_exactly_the_pairs_in_the_bracket() {
        let mut rng = SplitMix64::from_state(7);
        for case in 0..200 {
            // on a grid of 1/16 every tie the strips' bounds could get wrong occurs: equal coordinates,
            // distances exactly lo or hi, |dx| = |dy|
            let grid = case % 2 == 0;
            let pt = |rng: &mut SplitMix64| {
                let (x, y) = (rng.uniform(), rng.uniform());
                if grid {
                    [(x * 16.0).round() / 16.0, (y * 16.0).round() / 16.0]
                } else {
                    [x, y]
                }
            };
            let b: Vec<[f64; 2]> = (0..1 + case % 40).map(|_| pt(&mut rng)).collect();
            let mut by_x = b.clone();
            by_x.sort_by(|p, q| p[0].total_cmp(&q[0]));
            let mut by_y = b.clone();
            by_y.sort_by(|p, q| p[1].total_cmp(&q[1]));
            for _ in 0..10 {
                let p = if rng.uniform() < 0.3 { b[(rng.uniform() * b.len() as f64) as usize] } else { pt(&mut rng) };
                let (mut lo, mut hi) = ((rng.uniform() * 8.0).round() / 16.0, (rng.uniform() * 8.0).round() / 16.0);
                if lo > hi {
                    std::mem::swap(&mut lo, &mut hi);
                }
                let mut want: Vec<f64> = b.iter().map(|&q| linf(p, q)).filter(|&d| d > lo && d <= hi).collect();
                let mut got = Vec::new();
                let mut scanned = 0;
                assert!(ring_linf(&by_x, &by_y, p, (lo, hi), (&mut scanned, usize::MAX), |d| {
                    got.push(d);
                    true
                }));
                want.sort_by(f64::total_cmp);
                got.sort_by(f64::total_cmp);
                assert_eq!(got, want, "case {case}: p {p:?}, ({lo}, {hi}]");
                assert!(scanned >= got.len());
            }
        }
    }
}
