//! Diagrams against ripser.py on the committed fixtures (made by test/fixtures/rips/make_fixtures.py): equal as
//! multisets with births and deaths within 1e-6 relative.

use clip_topo_core::control::Control;
use clip_topo_core::rips::{rips, Input, Metric, Options, Points};

struct Case {
    name: String,
    kind: String,
    n: usize,
    d: usize,
    metric: String,
    maxdim: usize,
    coeff: u32,
    threshold: Option<f64>,
    data: Vec<f64>,
    dgms: Vec<Vec<[f64; 2]>>,
}

fn parse_num(s: &str) -> f64 {
    if s == "inf" {
        f64::INFINITY
    } else {
        // stored as the shortest float32 text; the engine and ripser.py both saw that float32 value
        s.parse::<f32>().unwrap() as f64
    }
}

fn load(path: &std::path::Path) -> Case {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let mut kv = std::collections::HashMap::new();
    let mut data = Vec::new();
    for l in lines.by_ref() {
        let (k, v) = l.split_once(' ').unwrap_or((l, ""));
        if k == "data" {
            data = v.split_whitespace().map(parse_num).collect();
            break;
        }
        kv.insert(k.to_string(), v.to_string());
    }
    let mut dgms = Vec::new();
    while let Some(h) = lines.next() {
        let cnt: usize = h.split_whitespace().nth(2).unwrap().parse().unwrap();
        let mut p = Vec::new();
        for _ in 0..cnt {
            let l = lines.next().unwrap();
            let mut it = l.split_whitespace().map(parse_num);
            p.push([it.next().unwrap(), it.next().unwrap()]);
        }
        dgms.push(p);
    }
    Case {
        name: kv["name"].clone(),
        kind: kv["kind"].clone(),
        n: kv["n"].parse().unwrap(),
        d: kv["d"].parse().unwrap(),
        metric: kv["metric"].clone(),
        maxdim: kv["maxdim"].parse().unwrap(),
        coeff: kv["coeff"].parse().unwrap(),
        threshold: if kv["threshold"] == "none" { None } else { Some(kv["threshold"].parse::<f32>().unwrap() as f64) },
        data,
        dgms,
    }
}

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
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures/rips");
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
