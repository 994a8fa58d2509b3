//! Diagrams against ripser.py on the committed fixtures (made by test/fixtures/rips/make_fixtures.py): equal as
//! multisets with births and deaths within 1e-6 relative.

use clip_topo_core::control::Control;
use clip_topo_core::rips::{rips, Input, Metric, Options, Points};

mod common;
use common::{load, Case};

fn close(a: f64, b: f64) -> bool {
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()) + 1e-12
}

/// Multiset equality under the tolerance: every expected pair is matched to a distinct computed one.
fn assert_same(name: &str, dim: usize, got: &[[f64; 2]], want: &[[f64; 2]]) {
    assert_eq!(got.len(), want.len(), "{name} H{dim}: {} pairs, ripser has {}", got.len(), want.len());
    let mut g = got.to_vec();
    let mut w = want.to_vec();
    let key = |p: &[f64; 2]| (p[1] - p[0], p[0]);
    g.sort_by(|a, b| key(a).partial_cmp(&key(b)).unwrap());
    w.sort_by(|a, b| key(a).partial_cmp(&key(b)).unwrap());
    let mut used = vec![false; g.len()];
    for p in &w {
        let hit = (0..g.len()).find(|&k| !used[k] && close(g[k][0], p[0]) && close(g[k][1], p[1]));
        match hit {
            Some(k) => used[k] = true,
            None => panic!("{name} H{dim}: ripser pair {p:?} not found in {g:?}"),
        }
    }
}

fn run_case(c: &Case, threads: usize) -> Vec<Vec<[f64; 2]>> {
    let opts = Options { maxdim: c.maxdim, coeff: c.coeff, threshold: c.threshold, threads, ..Options::default() };
    let input = if c.kind == "points" {
        Input::Points { points: Points::F64(&c.data), n: c.n, d: c.d, metric: Metric::parse(&c.metric).unwrap() }
    } else {
        Input::Distances { values: &c.data, n: c.n }
    };
    let out = rips(input, &opts, &Control::none()).unwrap();
    assert_eq!(out.diagrams.len(), c.maxdim + 1);
    out.diagrams.into_iter().map(|d| d.pairs).collect()
}

#[test]
fn diagrams_match_ripser() {
    let dir = common::fixtures_dir();
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "txt")).collect();
    files.sort();
    assert!(files.len() >= 18, "fixtures missing");
    for f in files {
        let c = load(&f);
        // two threads only where it is cheap in debug builds; tests/rips_api.rs checks thread invariance
        let runs: &[usize] = if c.n <= 150 { &[1, 2] } else { &[2] };
        for &threads in runs {
            let got = run_case(&c, threads);
            for (k, want) in c.dgms.iter().enumerate() {
                assert_same(&c.name, k, &got[k], want);
            }
        }
    }
}
