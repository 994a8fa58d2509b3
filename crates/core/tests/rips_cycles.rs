//! Representative cycles of the most persistent H1 bars (Options::cycles): checked against a brute-force Z/2
//! computation on small clouds, by winding numbers on a circle and a flat torus, through `sample`, and for
//! leaving the diagrams alone.

use std::collections::HashMap;
use std::f64::consts::{PI, TAU};

use clip_topo_core::control::Control;
use clip_topo_core::rips::{rips, Cycle, Input, Metric, Options, Output, Points};
use clip_topo_core::rng::SplitMix64;

fn pts(x: &[f64], d: usize) -> Input<'_> {
    Input::Points { points: Points::F64(x), n: x.len() / d, d, metric: Metric::Euclidean }
}

fn run(x: &[f64], d: usize, o: &Options) -> Output {
    rips(pts(x, d), o, &Control::none()).unwrap()
}

/// The engine's distance: the float64 distance rounded to float32.
fn dist32(x: &[f64], d: usize, i: usize, j: usize) -> f32 {
    (0..d).map(|k| (x[d * i + k] - x[d * j + k]).powi(2)).sum::<f64>().sqrt() as f32
}

fn cloud(seed: u64, n: usize, d: usize) -> Vec<f64> {
    let mut r = SplitMix64::mixed(seed);
    (0..n * d).map(|_| r.uniform()).collect()
}

/// Every edge is at most as long as the birth, and one has exactly its length (the cycle exists at the birth).
fn born_at_birth(x: &[f64], d: usize, c: &Cycle) -> bool {
    let lens: Vec<f32> = c.edges.iter().map(|e| dist32(x, d, e[0], e[1])).collect();
    lens.iter().all(|&l| l <= c.birth as f32) && lens.contains(&(c.birth as f32))
}

/// Rank over Z/2 of the columns (bitsets of `words` words), by elimination.
fn rank2(mut cols: Vec<Vec<u64>>) -> usize {
    let mut rank = 0;
    let words = cols.first().map_or(0, |c| c.len());
    for bit in 0..words * 64 {
        let (w, m) = (bit / 64, 1u64 << (bit % 64));
        let Some(p) = (rank..cols.len()).find(|&c| cols[c][w] & m != 0) else { continue };
        cols.swap(rank, p);
        let piv = cols[rank].clone();
        for c in cols.iter_mut().skip(rank + 1) {
            if c[w] & m != 0 {
                for (a, b) in c.iter_mut().zip(&piv) {
                    *a ^= b;
                }
            }
        }
        rank += 1;
    }
    rank
}

fn even_degrees(c: &Cycle) -> bool {
    let mut deg: HashMap<usize, usize> = HashMap::new();
    for e in &c.edges {
        *deg.entry(e[0]).or_default() += 1;
        *deg.entry(e[1]).or_default() += 1;
    }
    deg.values().all(|&k| k % 2 == 0)
}

/// The loops use every edge exactly once.
fn loops_partition_edges(c: &Cycle) -> bool {
    let mut from_loops: Vec<[usize; 2]> = Vec::new();
    for l in &c.loops {
        if l.len() < 3 {
            return false;
        }
        for i in 0..l.len() {
            let (a, b) = (l[i], l[(i + 1) % l.len()]);
            from_loops.push([a.min(b), a.max(b)]);
        }
    }
    from_loops.sort_unstable();
    from_loops == c.edges
}

/// Every cycle of a small cloud against the definition, by dense linear algebra over Z/2.
fn check_against_brute_force(x: &[f64], d: usize, out: &Output, k: usize) {
    let n = x.len() / d;
    let thr = out.threshold as f32;
    let h1: Vec<[f64; 2]> = out.diagrams[1].finite().copied().collect();
    assert_eq!(out.cycles.len(), k.min(h1.len()));
    // the most persistent bars, in order
    let mut pers: Vec<f64> = h1.iter().map(|p| p[1] - p[0]).collect();
    pers.sort_by(|a, b| b.total_cmp(a));
    for (c, p) in out.cycles.iter().zip(&pers) {
        assert_eq!(c.death - c.birth, *p);
        assert!(h1.contains(&[c.birth, c.death]));
    }
    let mut eid = HashMap::new();
    for i in 0..n {
        for j in i + 1..n {
            let id = eid.len();
            eid.insert([i, j], id);
        }
    }
    let words = eid.len().div_ceil(64);
    let mut tris: Vec<(f32, Vec<u64>)> = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            for l in j + 1..n {
                let diam = dist32(x, d, i, j).max(dist32(x, d, i, l)).max(dist32(x, d, j, l));
                if diam > thr {
                    continue;
                }
                let mut col = vec![0u64; words];
                for e in [[i, j], [i, l], [j, l]] {
                    let id = eid[&e];
                    col[id / 64] |= 1 << (id % 64);
                }
                tris.push((diam, col));
            }
        }
    }
    for c in &out.cycles {
        assert!(c.computed, "{:?}", c.reason);
        assert!(c.edges.windows(2).all(|w| w[0] < w[1]) && c.edges.iter().all(|e| e[0] < e[1]));
        assert!(even_degrees(c), "odd degree in {:?}", c.edges);
        assert!(loops_partition_edges(c), "loops {:?} vs edges {:?}", c.loops, c.edges);
        let (birth, death) = (c.birth as f32, c.death as f32);
        let lens: Vec<f32> = c.edges.iter().map(|e| dist32(x, d, e[0], e[1])).collect();
        assert!(lens.iter().all(|&l| l <= birth), "an edge is longer than the birth {birth}");
        assert!(lens.contains(&birth), "no edge of the birth's length");
        let mut z = vec![0u64; words];
        for e in &c.edges {
            let id = eid[e];
            z[id / 64] |= 1 << (id % 64);
        }
        let span = |below: bool| -> Vec<Vec<u64>> {
            tris.iter().filter(|t| if below { t.0 < death } else { t.0 <= death }).map(|t| t.1.clone()).collect()
        };
        let in_span = |cols: Vec<Vec<u64>>| {
            let r = rank2(cols.clone());
            let mut with = cols;
            with.push(z.clone());
            rank2(with) == r
        };
        assert!(in_span(span(false)), "not a boundary at the death {death}");
        assert!(!in_span(span(true)), "already a boundary before the death {death}");
        // a cycle at all: the birth edge's class is not a boundary of triangles before the birth either
        assert!(!c.edges.is_empty());
    }
}

#[test]
fn small_clouds_match_brute_force() {
    let mut checked = 0;
    for d in 2..=4 {
        for seed in 0..6u64 {
            let n = 14 + (seed as usize * 3) % 12;
            let x = cloud(1000 * d as u64 + seed, n, d);
            let k = 6;
            let out = run(&x, d, &Options { cycles: k, ..Options::default() });
            check_against_brute_force(&x, d, &out, k);
            checked += out.cycles.len();
            // above the enclosing radius: a larger complex, same checks
            let wide = run(&x, d, &Options { cycles: k, threshold: Some(2.0), ..Options::default() });
            check_against_brute_force(&x, d, &wide, k);
        }
    }
    assert!(checked > 30, "only {checked} cycles checked");
}

/// Integer lattices: many equal distances, so the ties of the filtration order decide the pairs.
#[test]
fn lattices_with_ties_match_brute_force() {
    let mut grid = Vec::new();
    for i in 0..4 {
        for j in 0..6 {
            grid.extend([i as f64, j as f64]);
        }
    }
    let out = run(&grid, 2, &Options { cycles: 20, ..Options::default() });
    assert!(out.cycles.len() >= 10, "{}", out.cycles.len());
    check_against_brute_force(&grid, 2, &out, 20);
    let mut r = SplitMix64::mixed(77);
    let cube: Vec<f64> = (0..22 * 3).map(|_| r.below(4) as f64).collect();
    let out = run(&cube, 3, &Options { cycles: 10, threshold: Some(3.0), ..Options::default() });
    check_against_brute_force(&cube, 3, &out, 10);
}

/// Winding number of a closed loop of 2-d positions around the origin.
fn winding(l: &[usize], pos: impl Fn(usize) -> (f64, f64)) -> f64 {
    let mut total = 0.0;
    for i in 0..l.len() {
        let (a, b) = (pos(l[i]), pos(l[(i + 1) % l.len()]));
        let mut dt = b.1.atan2(b.0) - a.1.atan2(a.0);
        while dt > PI {
            dt -= TAU;
        }
        while dt <= -PI {
            dt += TAU;
        }
        total += dt;
    }
    total / TAU
}

fn noisy_circle(n: usize, noise: f64, seed: u64) -> Vec<f64> {
    let mut r = SplitMix64::mixed(seed);
    let mut x = Vec::new();
    for i in 0..n {
        let t = i as f64 / n as f64 * TAU + 0.02 * r.normal();
        x.extend([t.cos() + noise * r.normal(), t.sin() + noise * r.normal()]);
    }
    x
}

#[test]
fn circle_cycle_winds_once() {
    let x = noisy_circle(60, 0.05, 7);
    let out = run(&x, 2, &Options { cycles: 3, ..Options::default() });
    let top = &out.cycles[0];
    assert!(top.computed && top.death - top.birth > 1.0, "{top:?}");
    let w = winding(&top.loops[0], |v| (x[2 * v], x[2 * v + 1]));
    assert!((w.abs() - 1.0).abs() < 1e-9, "winding {w}");
    for l in &top.loops[1..] {
        assert!(winding(l, |v| (x[2 * v], x[2 * v + 1])).abs() < 1e-9);
    }
    assert!(loops_partition_edges(top) && even_degrees(top) && born_at_birth(&x, 2, top));
    // the small bars' cycles are contractible: no net winding
    for c in &out.cycles[1..] {
        let total: f64 = c.loops.iter().map(|l| winding(l, |v| (x[2 * v], x[2 * v + 1]))).sum();
        assert!(total.abs() < 1e-9, "{c:?}");
    }
}

#[test]
fn flat_torus_cycles_span_both_circles() {
    let mut r = SplitMix64::mixed(11);
    let n = 200;
    let mut x = Vec::new();
    for _ in 0..n {
        let (a, b) = (r.uniform() * TAU, r.uniform() * TAU);
        x.extend([a.cos(), a.sin(), b.cos(), b.sin()]);
    }
    let out = run(&x, 4, &Options { cycles: 2, ..Options::default() });
    assert_eq!(out.cycles.len(), 2);
    let mut m = [[0i64; 2]; 2];
    for (row, c) in out.cycles.iter().enumerate() {
        assert!(c.computed, "{:?}", c.reason);
        assert!(even_degrees(c) && loops_partition_edges(c) && born_at_birth(&x, 4, c));
        for (col, off) in [0, 2].into_iter().enumerate() {
            let w: f64 = c.loops.iter().map(|l| winding(l, |v| (x[4 * v + off], x[4 * v + off + 1]))).sum();
            assert!((w - w.round()).abs() < 1e-9);
            m[row][col] = w.round() as i64;
        }
    }
    let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    assert!(det.rem_euclid(2) == 1, "windings {m:?} are not independent mod 2");
}

#[test]
fn sample_cycles_are_input_rows_and_match_the_gathered_run() {
    let mut r = SplitMix64::mixed(3);
    let mut x = Vec::new();
    for i in 0..300 {
        let t = i as f64 / 300.0 * TAU;
        x.extend([t.cos() + 0.1 * r.normal(), t.sin() + 0.1 * r.normal(), 0.1 * r.normal()]);
    }
    let o = Options { sample: Some(60), cycles: 4, ..Options::default() };
    let out = run(&x, 3, &o);
    let idx = out.sample.as_ref().unwrap().indices.clone();
    assert!(!out.cycles.is_empty());
    for c in &out.cycles {
        assert!(c.computed);
        assert!(c.edges.iter().flatten().all(|v| idx.contains(v)));
        assert!(c.loops.iter().flatten().all(|v| idx.contains(v)));
    }
    assert!(out.cycles[0].edges.iter().flatten().any(|&v| v >= 60), "not mapped to input rows");
    let gathered: Vec<f64> = idx.iter().flat_map(|&i| x[3 * i..3 * i + 3].iter().copied()).collect();
    let plain = run(&gathered, 3, &Options { cycles: 4, ..Options::default() });
    assert_eq!(plain.diagrams, out.diagrams);
    assert_eq!(plain.cycles.len(), out.cycles.len());
    for (p, c) in plain.cycles.iter().zip(&out.cycles) {
        assert_eq!((p.birth, p.death, p.computed), (c.birth, c.death, c.computed));
        let mut edges: Vec<[usize; 2]> = p.edges.iter().map(|e| [idx[e[0]].min(idx[e[1]]), idx[e[0]].max(idx[e[1]])]).collect();
        edges.sort_unstable();
        assert_eq!(edges, c.edges);
        // the same loops, written canonically in the input's rows
        let mut ls: Vec<Vec<usize>> = Vec::new();
        for l in &p.loops {
            let mut v: Vec<usize> = l.iter().map(|&i| idx[i]).collect();
            let s = (0..v.len()).min_by_key(|&i| v[i]).unwrap();
            v.rotate_left(s);
            if v[1] > v[v.len() - 1] {
                v[1..].reverse();
            }
            ls.push(v);
        }
        ls.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        assert_eq!(ls, c.loops);
    }
}

#[test]
fn cycles_leave_the_diagrams_unchanged() {
    let x = cloud(5, 80, 3);
    for maxdim in [1, 2] {
        let plain = run(&x, 3, &Options { maxdim, ..Options::default() });
        assert!(plain.cycles.is_empty());
        let with = run(&x, 3, &Options { maxdim, cycles: 5, ..Options::default() });
        assert_eq!(with.cycles.len(), 5);
        assert_eq!(plain.diagrams, with.diagrams);
        assert_eq!((plain.threshold, plain.n), (with.threshold, with.n));
        // bit for bit
        for (a, b) in plain.diagrams.iter().zip(&with.diagrams) {
            for (p, q) in a.pairs.iter().zip(&b.pairs) {
                assert_eq!((p[0].to_bits(), p[1].to_bits()), (q[0].to_bits(), q[1].to_bits()));
            }
        }
    }
}

#[test]
fn distance_matrix_and_edge_list_give_the_same_cycles_as_points() {
    let x = noisy_circle(40, 0.1, 9);
    let n = 40;
    let from_points = run(&x, 2, &Options { cycles: 3, ..Options::default() });
    let mut full = vec![0.0; n * n];
    let (mut ei, mut ej, mut w) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        for j in 0..n {
            full[i * n + j] = dist32(&x, 2, i, j) as f64;
            if j < i {
                ei.push(i as u32);
                ej.push(j as u32);
                w.push(dist32(&x, 2, i, j) as f64);
            }
        }
    }
    let o = Options { cycles: 3, ..Options::default() };
    let from_matrix = rips(Input::Distances { values: &full, n }, &o, &Control::none()).unwrap();
    assert_eq!(from_matrix.cycles, from_points.cycles);
    // an edge list has no enclosing radius: give the same threshold
    let o = Options { cycles: 3, threshold: Some(from_points.threshold), ..Options::default() };
    let from_edges = rips(Input::Edges { n, i: &ei, j: &ej, w: &w }, &o, &Control::none()).unwrap();
    assert_eq!(from_edges.cycles, from_points.cycles);
}

#[test]
fn scaled_input_gives_cycles_in_input_units() {
    let x = noisy_circle(40, 0.05, 4);
    let tiny: Vec<f64> = x.iter().map(|v| v * 1e-35).collect();
    let a = run(&x, 2, &Options { cycles: 2, ..Options::default() });
    let b = run(&tiny, 2, &Options { cycles: 2, ..Options::default() });
    assert!(b.scale != 1.0);
    let h1: Vec<[f64; 2]> = b.diagrams[1].pairs.clone();
    for c in &b.cycles {
        assert!(h1.contains(&[c.birth, c.death]) && c.birth < 1e-30);
    }
    assert_eq!(a.cycles.iter().map(|c| &c.edges).collect::<Vec<_>>(), b.cycles.iter().map(|c| &c.edges).collect::<Vec<_>>());
}

#[test]
fn refused_options() {
    for o in [
        Options { cycles: 1, coeff: 3, ..Options::default() },
        Options { cycles: 1, maxdim: 0, ..Options::default() },
        Options { cycles: 1, approx: Some(0.1), ..Options::default() },
    ] {
        let e = o.validate().unwrap_err();
        assert!(e.message.contains("cycles"), "{}", e.message);
    }
    assert!(Options { cycles: 0, coeff: 3, ..Options::default() }.validate().is_ok());
}

/// Not a test: `cargo test --release --test rips_cycles -- --ignored --nocapture timing` prints the cost of
/// five representatives on 1,120 points in R^128.
#[test]
#[ignore]
fn timing_top5_cycles_1120_points_in_r128() {
    let (n, d) = (1120, 128);
    let mut r = SplitMix64::mixed(42);
    let centers: Vec<Vec<f64>> = (0..10).map(|_| (0..d).map(|_| r.normal()).collect()).collect();
    let mut x = Vec::with_capacity(n * d);
    for i in 0..n {
        let c = &centers[i % 10];
        let v: Vec<f64> = (0..d).map(|k| c[k] + 0.8 * r.normal()).collect();
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        x.extend(v.iter().map(|a| a / norm));
    }
    // and every finite bar's representative, for the cost of many
    for k in [0, 5, 0, 5, 0, 5, 100_000] {
        let t = std::time::Instant::now();
        let out = run(&x, d, &Options { cycles: k, ..Options::default() });
        let el = t.elapsed();
        let mut sizes: Vec<(usize, usize, bool)> = out.cycles.iter().map(|c| (c.edges.len(), c.loops.len(), c.computed)).collect();
        if sizes.len() > 5 {
            let done = sizes.iter().filter(|s| s.2).count();
            let edges: usize = sizes.iter().map(|s| s.0).sum();
            println!("  all {} bars: {done} computed, {edges} edges in all", sizes.len());
            sizes.truncate(5);
        }
        println!(
            "cycles = {k}: {:.3} s, H1 bars {}, cycles (edges, loops, computed) {sizes:?}",
            el.as_secs_f64(),
            out.diagrams[1].pairs.len()
        );
    }
}
