//! A 2-d kd-tree over diagram points that supports the two queries the distances need:
//! "some live point within L∞ radius t" with deletion (bottleneck, Kerber–Morozov–Nigmetov), and
//! "the two smallest cost + weight" with weight updates (auction bids). Deletion and weights are
//! kept per subtree so both queries prune whole subtrees; memory stays O(n).

use super::metric::Ground;

const LEAF: usize = 8;
const NONE: u32 = u32::MAX;

#[derive(Clone)]
struct Node {
    lo: u32,
    hi: u32,
    left: u32,
    right: u32,
    bbox: [f64; 4], // xmin, xmax, ymin, ymax
    alive: u32,
    minw: f64,
}

pub struct KdTree {
    pts: Vec<[f64; 2]>,
    ids: Vec<u32>,
    alive: Vec<bool>,
    weight: Vec<f64>,
    nodes: Vec<Node>,
}

impl KdTree {
    /// Builds over `(id, point)`; ids are the caller's and come back from queries.
    pub fn new(items: Vec<(u32, [f64; 2])>) -> Self {
        let mut items = items;
        let n = items.len();
        let mut nodes = Vec::with_capacity(2 * n / LEAF + 2);
        if n > 0 {
            build(&mut items, 0, n, 0, &mut nodes);
        }
        let pts = items.iter().map(|x| x.1).collect();
        let ids = items.iter().map(|x| x.0).collect();
        let mut t = KdTree { pts, ids, alive: vec![true; n], weight: vec![0.0; n], nodes };
        t.fill_bboxes();
        t
    }

    /// (tree position, id) for every point, so callers can address points by position later.
    pub fn positions(&self) -> impl Iterator<Item = (usize, u32)> + '_ {
        self.ids.iter().enumerate().map(|(p, &id)| (p, id))
    }

    fn fill_bboxes(&mut self) {
        // Children are pushed after their parent, so a reverse sweep sees children first.
        for k in (0..self.nodes.len()).rev() {
            let nd = self.nodes[k].clone();
            let (bbox, minw) = if nd.left == NONE {
                let mut b = [f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY];
                let mut w = f64::INFINITY;
                for i in nd.lo as usize..nd.hi as usize {
                    let p = self.pts[i];
                    b[0] = b[0].min(p[0]);
                    b[1] = b[1].max(p[0]);
                    b[2] = b[2].min(p[1]);
                    b[3] = b[3].max(p[1]);
                    w = w.min(self.weight[i]);
                }
                (b, w)
            } else {
                let l = &self.nodes[nd.left as usize];
                let r = &self.nodes[nd.right as usize];
                (
                    [l.bbox[0].min(r.bbox[0]), l.bbox[1].max(r.bbox[1]), l.bbox[2].min(r.bbox[2]), l.bbox[3].max(r.bbox[3])],
                    l.minw.min(r.minw),
                )
            };
            let nd = &mut self.nodes[k];
            nd.bbox = bbox;
            nd.minw = minw;
            nd.alive = nd.hi - nd.lo;
        }
    }

    /// Marks every point live again (a new Hopcroft–Karp phase).
    pub fn revive_all(&mut self) {
        self.alive.iter_mut().for_each(|a| *a = true);
        for nd in &mut self.nodes {
            nd.alive = nd.hi - nd.lo;
        }
    }

    pub fn is_alive(&self, pos: usize) -> bool {
        self.alive[pos]
    }

    pub fn kill(&mut self, pos: usize) {
        if !self.alive[pos] {
            return;
        }
        self.alive[pos] = false;
        let mut k = 0usize;
        loop {
            let nd = &mut self.nodes[k];
            nd.alive -= 1;
            if nd.left == NONE {
                break;
            }
            let l = nd.left as usize;
            k = if (pos as u32) < self.nodes[l].hi { l } else { self.nodes[k].right as usize };
        }
    }

    /// Some live point with L∞ distance ≤ t from q: (position, id).
    pub fn find_within_linf(&self, q: [f64; 2], t: f64) -> Option<(usize, u32)> {
        if self.nodes.is_empty() {
            return None;
        }
        let mut stack = [0u32; 128];
        let mut sp = 1;
        stack[0] = 0;
        while sp > 0 {
            sp -= 1;
            let nd = &self.nodes[stack[sp] as usize];
            if nd.alive == 0 || box_linf(q, &nd.bbox) > t {
                continue;
            }
            if nd.left == NONE {
                for i in nd.lo as usize..nd.hi as usize {
                    if self.alive[i] {
                        let p = self.pts[i];
                        if (q[0] - p[0]).abs().max((q[1] - p[1]).abs()) <= t {
                            return Some((i, self.ids[i]));
                        }
                    }
                }
            } else {
                stack[sp] = nd.left;
                stack[sp + 1] = nd.right;
                sp += 2;
            }
        }
        None
    }

    pub fn set_weight(&mut self, pos: usize, w: f64) {
        self.weight[pos] = w;
        let mut path = [0u32; 64];
        let mut depth = 0;
        let mut k = 0usize;
        loop {
            path[depth] = k as u32;
            depth += 1;
            let nd = &self.nodes[k];
            if nd.left == NONE {
                break;
            }
            let l = nd.left as usize;
            k = if (pos as u32) < self.nodes[l].hi { l } else { nd.right as usize };
        }
        let leaf = &self.nodes[k];
        let m = self.weight[leaf.lo as usize..leaf.hi as usize].iter().fold(f64::INFINITY, |a, &b| a.min(b));
        self.nodes[k].minw = m;
        for d in (0..depth - 1).rev() {
            let nd = &self.nodes[path[d] as usize];
            let m = self.nodes[nd.left as usize].minw.min(self.nodes[nd.right as usize].minw);
            if self.nodes[path[d] as usize].minw == m {
                break;
            }
            self.nodes[path[d] as usize].minw = m;
        }
    }

    /// The smallest and second smallest of `cost(q, p) + weight(p)` over all points, where cost is the
    /// ground distance raised to `power`: ((best value, best position), second value).
    pub fn best_two(&self, q: [f64; 2], ground: Ground, power: f64) -> ((f64, usize), f64) {
        let mut b1 = (f64::INFINITY, usize::MAX);
        let mut b2 = f64::INFINITY;
        if self.nodes.is_empty() {
            return (b1, b2);
        }
        let mut stack: [(u32, f64); 128] = [(0, 0.0); 128];
        let mut sp = 1;
        stack[0] = (0, 0.0);
        while sp > 0 {
            sp -= 1;
            let (k, bound) = stack[sp];
            if bound >= b2 {
                continue;
            }
            let nd = &self.nodes[k as usize];
            if nd.left == NONE {
                for i in nd.lo as usize..nd.hi as usize {
                    let v = ground.cost(q, self.pts[i], power) + self.weight[i];
                    if v < b1.0 {
                        b2 = b1.0;
                        b1 = (v, i);
                    } else if v < b2 {
                        b2 = v;
                    }
                }
            } else {
                let l = &self.nodes[nd.left as usize];
                let r = &self.nodes[nd.right as usize];
                let bl = ground.pow(ground.box_dist(q, &l.bbox), power) + l.minw;
                let br = ground.pow(ground.box_dist(q, &r.bbox), power) + r.minw;
                // Push the farther child first so the nearer one is explored first.
                if bl <= br {
                    stack[sp] = (nd.right, br);
                    stack[sp + 1] = (nd.left, bl);
                } else {
                    stack[sp] = (nd.left, bl);
                    stack[sp + 1] = (nd.right, br);
                }
                sp += 2;
            }
        }
        (b1, b2)
    }

    pub fn id_at(&self, pos: usize) -> u32 {
        self.ids[pos]
    }
}

#[inline]
fn box_linf(q: [f64; 2], b: &[f64; 4]) -> f64 {
    let dx = (b[0] - q[0]).max(q[0] - b[1]).max(0.0);
    let dy = (b[2] - q[1]).max(q[1] - b[3]).max(0.0);
    dx.max(dy)
}

fn build(items: &mut [(u32, [f64; 2])], lo: usize, hi: usize, depth: usize, nodes: &mut Vec<Node>) -> u32 {
    let k = nodes.len();
    nodes.push(Node { lo: lo as u32, hi: hi as u32, left: NONE, right: NONE, bbox: [0.0; 4], alive: 0, minw: 0.0 });
    if hi - lo > LEAF {
        let mid = (lo + hi) / 2;
        let dim = depth & 1;
        items[lo..hi].select_nth_unstable_by(mid - lo, |a, b| a.1[dim].total_cmp(&b.1[dim]));
        let l = build(items, lo, mid, depth + 1, nodes);
        let r = build(items, mid, hi, depth + 1, nodes);
        nodes[k].left = l;
        nodes[k].right = r;
    }
    k as u32
}
