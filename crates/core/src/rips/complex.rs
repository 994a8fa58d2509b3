//! The two kinds of Rips complexes the reduction runs on: dense (every pair has a distance, stored as a
//! compressed lower triangle of f32) and sparse (neighbour lists, for edge lists and sparse approximations).
//! Both enumerate the cofacets of a simplex in decreasing combinatorial index, which the pivot and
//! emergent-pair logic rely on.

use super::binomial::Binomial;

pub trait Complex: Sync {
    fn n(&self) -> usize;
    /// Distance between two distinct vertices; +∞ when there is no edge.
    fn dist(&self, u: u32, v: u32) -> f32;
    /// Calls `f(cofacet index, cofacet diameter, insertion position)` for every cofacet of the simplex with
    /// vertices `verts` (descending), index `idx` and diameter `diam` whose diameter is ≤ `thr`, in decreasing
    /// index order; with `above_top` only cofacets adding a vertex larger than `verts[0]` (each simplex is then
    /// generated once, from the facet without its top vertex). Stops early when `f` returns false.
    #[allow(clippy::too_many_arguments)]
    fn cofacets<F: FnMut(u64, f32, usize, u32) -> bool>(
        &self,
        b: &Binomial,
        verts: &[u32],
        idx: u64,
        diam: f32,
        thr: f32,
        above_top: bool,
        f: F,
    );
    /// Number of edges with length ≤ thr (for the memory estimate).
    fn edges_within(&self, thr: f32) -> u64;
    /// Calls `f(edge index, length)` for every edge with length ≤ thr.
    fn for_each_edge<F: FnMut(u64, f32)>(&self, thr: f32, f: F);
}

/// Distances of all pairs; entry (i, j), i > j, lives at i(i−1)/2 + j, which is also the edge's index.
pub struct Dense {
    pub n: usize,
    pub d: Vec<f32>,
}

#[inline(always)]
fn tri(i: usize) -> usize {
    i * (i.wrapping_sub(1)) / 2
}

impl Dense {
    #[inline(always)]
    pub fn get(&self, u: u32, v: u32) -> f32 {
        let (a, b) = if u > v { (u as usize, v as usize) } else { (v as usize, u as usize) };
        unsafe { *self.d.get_unchecked(tri(a) + b) }
    }

    /// min over points of the distance to the farthest point: beyond it the complex is a cone.
    pub fn enclosing_radius(&self) -> f32 {
        let mut m = vec![0f32; self.n];
        for i in 1..self.n {
            let row = &self.d[tri(i)..tri(i) + i];
            let mut mi = m[i];
            for (j, &x) in row.iter().enumerate() {
                if x > mi {
                    mi = x;
                }
                if x > m[j] {
                    m[j] = x;
                }
            }
            m[i] = mi;
        }
        m.into_iter().fold(f32::INFINITY, f32::min)
    }
}

impl Complex for Dense {
    fn n(&self) -> usize {
        self.n
    }
    #[inline(always)]
    fn dist(&self, u: u32, v: u32) -> f32 {
        self.get(u, v)
    }

    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn cofacets<F: FnMut(u64, f32, usize, u32) -> bool>(
        &self,
        b: &Binomial,
        verts: &[u32],
        idx: u64,
        diam: f32,
        thr: f32,
        above_top: bool,
        mut f: F,
    ) {
        let dim = verts.len() - 1;
        let mut idx_below = idx;
        let mut idx_above = 0u64;
        let mut k = dim + 1;
        let mut j = 0usize;
        let mut v = self.n;
        while v > 0 {
            v -= 1;
            if j < verts.len() && v as u32 == verts[j] {
                if above_top {
                    return;
                }
                idx_below -= b.get(v, k);
                idx_above += b.get(v, k + 1);
                k -= 1;
                j += 1;
                continue;
            }
            let mut dm = diam;
            for &u in verts {
                let x = self.get(u, v as u32);
                dm = if x > dm { x } else { dm };
            }
            if dm > thr {
                continue;
            }
            if !f(idx_above + b.get(v, k + 1) + idx_below, dm, j, v as u32) {
                return;
            }
        }
    }

    fn edges_within(&self, thr: f32) -> u64 {
        self.d.iter().filter(|&&x| x <= thr).count() as u64
    }
    fn for_each_edge<F: FnMut(u64, f32)>(&self, thr: f32, mut f: F) {
        for (k, &x) in self.d.iter().enumerate() {
            if x <= thr {
                f(k as u64, x);
            }
        }
    }
}

/// Neighbour lists sorted by vertex; used for edge-list input and the sparse approximation.
pub struct Sparse {
    pub n: usize,
    pub nbr: Vec<Vec<(u32, f32)>>,
}

impl Sparse {
    /// From undirected edges; repeated edges keep their smallest length.
    pub fn from_edges(n: usize, edges: impl Iterator<Item = (u32, u32, f32)>) -> Self {
        let mut nbr: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n];
        for (i, j, w) in edges {
            if i == j {
                continue;
            }
            nbr[i as usize].push((j, w));
            nbr[j as usize].push((i, w));
        }
        for l in nbr.iter_mut() {
            l.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            l.dedup_by_key(|e| e.0);
        }
        Sparse { n, nbr }
    }
}

impl Complex for Sparse {
    fn n(&self) -> usize {
        self.n
    }
    #[inline]
    fn dist(&self, u: u32, v: u32) -> f32 {
        let l = &self.nbr[u as usize];
        match l.binary_search_by_key(&v, |e| e.0) {
            Ok(p) => l[p].1,
            Err(_) => f32::INFINITY,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn cofacets<F: FnMut(u64, f32, usize, u32) -> bool>(
        &self,
        b: &Binomial,
        verts: &[u32],
        idx: u64,
        diam: f32,
        thr: f32,
        above_top: bool,
        mut f: F,
    ) {
        let dim = verts.len() - 1;
        // walk the shortest neighbour list downwards and test the others by binary search
        let base = *verts.iter().min_by_key(|&&u| self.nbr[u as usize].len()).unwrap();
        let mut idx_below = idx;
        let mut idx_above = 0u64;
        let mut k = dim + 1;
        let mut j = 0usize;
        for &(v, dv) in self.nbr[base as usize].iter().rev() {
            if above_top && v <= verts[0] {
                return;
            }
            if dv > thr {
                continue;
            }
            while j < verts.len() && verts[j] > v {
                let w = verts[j] as usize;
                idx_below -= b.get(w, k);
                idx_above += b.get(w, k + 1);
                k -= 1;
                j += 1;
            }
            let mut dm = if dv > diam { dv } else { diam };
            let mut ok = true;
            for &u in verts {
                if u == base {
                    continue;
                }
                let x = self.dist(u, v);
                if x > thr {
                    ok = false;
                    break;
                }
                dm = if x > dm { x } else { dm };
            }
            if !ok || dm > thr {
                continue;
            }
            if !f(idx_above + b.get(v as usize, k + 1) + idx_below, dm, j, v) {
                return;
            }
        }
    }

    fn for_each_edge<F: FnMut(u64, f32)>(&self, thr: f32, mut f: F) {
        for (i, l) in self.nbr.iter().enumerate() {
            let base = (i as u64) * (i as u64).saturating_sub(1) / 2;
            for &(j, w) in l {
                if (j as usize) < i && w <= thr {
                    f(base + j as u64, w);
                }
            }
        }
    }
    fn edges_within(&self, thr: f32) -> u64 {
        self.nbr.iter().map(|l| l.iter().filter(|e| e.1 <= thr).count() as u64).sum::<u64>() / 2
    }
}
