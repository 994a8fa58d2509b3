//! p-Wasserstein cost (the sum of ground distances to the p) by Bertsekas' forward auction with
//! ε-scaling, with bids found geometrically as in Kerber–Morozov–Nigmetov.
//!
//! Bidders are the A points plus m diagonal bidders; items are the B points plus n diagonal slots.
//! Diagonal slots are interchangeable (an A point pays its own distance to the diagonal for any of
//! them) and so are diagonal bidders, so the best two items of a bidder come from: a kd-tree over B
//! weighted by price, a heap of slot prices, and a heap of "B's distance to the diagonal + price".
//! After each scaling round the prices give a dual lower bound D; the round's assignment cost P
//! satisfies P ≤ D + Nε, and we stop once P ≤ (1 + δ)^p · D, which bounds the relative error of
//! P^(1/p) by δ.

use super::bottleneck::LocalPair;
use super::kdtree::KdTree;
use super::metric::Ground;
use crate::control::Control;
use crate::error::Result;

const NONE: u32 = u32::MAX;

/// Min-heap over a fixed set of keys that can only be changed through `set`.
struct IndexedHeap {
    key: Vec<f64>,
    heap: Vec<u32>,
    at: Vec<u32>,
}

impl IndexedHeap {
    fn new(key: Vec<f64>) -> Self {
        let n = key.len();
        let mut h = IndexedHeap { key, heap: (0..n as u32).collect(), at: (0..n as u32).collect() };
        for i in (0..n / 2).rev() {
            h.down(i);
        }
        h
    }
    fn swap(&mut self, i: usize, j: usize) {
        self.heap.swap(i, j);
        self.at[self.heap[i] as usize] = i as u32;
        self.at[self.heap[j] as usize] = j as u32;
    }
    fn down(&mut self, mut i: usize) {
        let n = self.heap.len();
        loop {
            let l = 2 * i + 1;
            if l >= n {
                return;
            }
            let mut c = l;
            if l + 1 < n && self.key[self.heap[l + 1] as usize] < self.key[self.heap[l] as usize] {
                c = l + 1;
            }
            if self.key[self.heap[c] as usize] < self.key[self.heap[i] as usize] {
                self.swap(i, c);
                i = c;
            } else {
                return;
            }
        }
    }
    fn up(&mut self, mut i: usize) {
        while i > 0 {
            let p = (i - 1) / 2;
            if self.key[self.heap[i] as usize] < self.key[self.heap[p] as usize] {
                self.swap(i, p);
                i = p;
            } else {
                return;
            }
        }
    }
    fn set(&mut self, id: usize, k: f64) {
        let old = self.key[id];
        self.key[id] = k;
        let i = self.at[id] as usize;
        if k < old {
            self.up(i);
        } else {
            self.down(i);
        }
    }
    /// ((smallest key, its id), second smallest key).
    fn top2(&self) -> ((f64, usize), f64) {
        let n = self.heap.len();
        if n == 0 {
            return ((f64::INFINITY, usize::MAX), f64::INFINITY);
        }
        let first = (self.key[self.heap[0] as usize], self.heap[0] as usize);
        let mut second = f64::INFINITY;
        for c in 1..n.min(3) {
            second = second.min(self.key[self.heap[c] as usize]);
        }
        (first, second)
    }
}

struct Auction<'a> {
    a: &'a [[f64; 2]],
    b: &'a [[f64; 2]],
    p: f64,
    ground: Ground,
    ca: Vec<f64>,
    cb: Vec<f64>,
    price: Vec<f64>,
    tree: KdTree,
    pos_b: Vec<u32>,
    slots: IndexedHeap,
    bdiag: IndexedHeap,
    owner: Vec<u32>,
    item_of: Vec<u32>,
}

impl<'a> Auction<'a> {
    fn n(&self) -> usize {
        self.a.len()
    }
    fn m(&self) -> usize {
        self.b.len()
    }

    fn cost(&self, bidder: usize, item: usize) -> f64 {
        let (n, m) = (self.n(), self.m());
        match (bidder < n, item < m) {
            (true, true) => self.ground.cost(self.a[bidder], self.b[item], self.p),
            (true, false) => self.ca[bidder],
            (false, true) => self.cb[item],
            (false, false) => 0.0,
        }
    }

    /// (best item, best value, second best value) of `cost + price` for a bidder.
    fn best_two(&self, bidder: usize) -> (usize, f64, f64) {
        let (n, m) = (self.n(), self.m());
        let ((s1, k), s2) = self.slots.top2();
        let (j1, v1, v2, off) = if bidder < n {
            let ((v1, pos), v2) = self.tree.best_two(self.a[bidder], self.ground, self.p);
            let j = if pos == usize::MAX { usize::MAX } else { self.tree.id_at(pos) as usize };
            (j, v1, v2, self.ca[bidder])
        } else {
            let ((v1, j), v2) = self.bdiag.top2();
            (j, v1, v2, 0.0)
        };
        let (d1, d2) = (off + s1, off + s2);
        if v1 <= d1 {
            (j1, v1, v2.min(d1))
        } else {
            (m + k, d1, d2.min(v1))
        }
    }

    fn set_price(&mut self, item: usize, pr: f64) {
        let m = self.m();
        self.price[item] = pr;
        if item < m {
            self.tree.set_weight(self.pos_b[item] as usize, pr);
            self.bdiag.set(item, self.cb[item] + pr);
        } else {
            self.slots.set(item - m, pr);
        }
    }

    fn round(&mut self, eps: f64, ctl: &Control) -> Result<()> {
        let nv = self.n() + self.m();
        self.owner.iter_mut().for_each(|x| *x = NONE);
        self.item_of.iter_mut().for_each(|x| *x = NONE);
        let mut free: Vec<u32> = (0..nv as u32).rev().collect();
        let mut bids = 0u32;
        while let Some(i) = free.pop() {
            bids = bids.wrapping_add(1);
            if bids.is_multiple_of(1024) {
                ctl.check()?;
            }
            let (j, v1, v2) = self.best_two(i as usize);
            let inc = if v2.is_finite() { v2 - v1 + eps } else { eps };
            let pr = self.price[j] + inc;
            self.set_price(j, pr);
            let prev = self.owner[j];
            if prev != NONE {
                self.item_of[prev as usize] = NONE;
                free.push(prev);
            }
            self.owner[j] = i;
            self.item_of[i as usize] = j as u32;
        }
        Ok(())
    }

    /// (primal cost of the current assignment, dual lower bound from the prices).
    fn bounds(&self) -> (f64, f64) {
        let (n, m) = (self.n(), self.m());
        let mut primal = 0.0;
        for i in 0..n + m {
            primal += self.cost(i, self.item_of[i] as usize);
        }
        let mut dual = 0.0;
        for i in 0..n {
            dual += self.best_two(i).1;
        }
        if m > 0 {
            dual += m as f64 * self.best_two(n).1;
        }
        dual -= self.price.iter().sum::<f64>();
        (primal, dual)
    }
}

/// Σ cost^p of a matching within relative error delta of the optimum (on the p-th root), and the matching.
pub(super) fn wasserstein_auction(
    a: &[[f64; 2]],
    b: &[[f64; 2]],
    p: f64,
    ground: Ground,
    delta: f64,
    ctl: &Control,
) -> Result<(f64, Vec<LocalPair>)> {
    let (n, m) = (a.len(), b.len());
    let ca: Vec<f64> = a.iter().map(|&x| ground.pow(ground.to_diagonal(x), p)).collect();
    let cb: Vec<f64> = b.iter().map(|&x| ground.pow(ground.to_diagonal(x), p)).collect();
    let tree = KdTree::new(b.iter().enumerate().map(|(j, &x)| (j as u32, x)).collect());
    let mut pos_b = vec![0u32; m];
    for (pos, id) in tree.positions() {
        pos_b[id as usize] = pos as u32;
    }
    let max_cost = ca.iter().chain(cb.iter()).fold(0.0f64, |x, &y| x.max(y));
    let mut au = Auction {
        a,
        b,
        p,
        ground,
        slots: IndexedHeap::new(vec![0.0; n]),
        bdiag: IndexedHeap::new(cb.clone()),
        ca,
        cb,
        price: vec![0.0; n + m],
        tree,
        pos_b,
        owner: vec![NONE; n + m],
        item_of: vec![NONE; n + m],
    };
    let target = (1.0 + delta).powf(p);
    let mut eps = max_cost / 4.0;
    let floor = max_cost * 1e-15;
    let mut round = 0u64;
    loop {
        round += 1;
        ctl.report("wasserstein", round, 0);
        au.round(eps, ctl)?;
        let (primal, dual) = au.bounds();
        if primal <= 0.0 || primal <= target * dual || eps <= floor {
            break;
        }
        // Shrink ε towards what the remaining gap needs, by at most the usual factor 5 or so.
        let nv = (n + m) as f64;
        let need = ((target - 1.0) * dual.max(0.0) / nv).max(floor);
        eps = (eps / 5.0).max(need.min(eps / 2.0));
    }
    let mut pairs = Vec::with_capacity(n + m);
    let mut total = 0.0;
    for i in 0..n + m {
        let j = au.item_of[i] as usize;
        let c = au.cost(i, j);
        total += c;
        let d = ground_dist_of(&au, i, j);
        match (i < n, j < m) {
            (true, true) => pairs.push((Some(i), Some(j), d)),
            (true, false) => pairs.push((Some(i), None, d)),
            (false, true) => pairs.push((None, Some(j), d)),
            (false, false) => {}
        }
    }
    Ok((total, pairs))
}

fn ground_dist_of(au: &Auction, i: usize, j: usize) -> f64 {
    let (n, m) = (au.n(), au.m());
    match (i < n, j < m) {
        (true, true) => au.ground.dist(au.a[i], au.b[j]),
        (true, false) => au.ground.to_diagonal(au.a[i]),
        (false, true) => au.ground.to_diagonal(au.b[j]),
        (false, false) => 0.0,
    }
}
