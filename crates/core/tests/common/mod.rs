//! Shared by the integration tests that read the Rips fixtures (rips_fixtures.rs, rips_range.rs); each test
//! crate uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// One fixture of test/fixtures/rips (made by make_fixtures.py with ripser.py): the input and its diagrams.
pub struct Case {
    pub name: String,
    pub kind: String,
    pub n: usize,
    pub d: usize,
    pub metric: String,
    pub maxdim: usize,
    pub coeff: u32,
    pub threshold: Option<f64>,
    pub data: Vec<f64>,
    pub dgms: Vec<Vec<[f64; 2]>>,
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures/rips")
}

fn parse_num(s: &str) -> f64 {
    if s == "inf" {
        f64::INFINITY
    } else {
        // stored as the shortest float32 text; the engine and ripser.py both saw that float32 value
        s.parse::<f32>().unwrap() as f64
    }
}

/// Reads a fixture: `key value` lines up to `data …`, then per dimension a header `… … count` and its pairs.
pub fn load(path: &Path) -> Case {
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
            let mut it = lines.next().unwrap().split_whitespace().map(parse_num);
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

/// The fixture `<name>.txt`.
pub fn by_name(name: &str) -> Case {
    load(&fixtures_dir().join(format!("{name}.txt")))
}
