//! Engine-only benchmark binary for bench/rips/run.sh: reads a point-cloud CSV (Ripser's format), computes
//! the diagrams and prints the number of pairs per dimension. Usage: rips_bench FILE MAXDIM THREADS
use clip_topo_core::control::Control;
use clip_topo_core::rips::{rips, Input, Metric, Options, Points};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 4 {
        eprintln!("usage: rips_bench FILE MAXDIM THREADS");
        std::process::exit(2);
    }
    let text = std::fs::read_to_string(&a[1]).expect("readable CSV");
    let maxdim: usize = a[2].parse().expect("maxdim");
    let threads: usize = a[3].parse().expect("threads");
    let mut data: Vec<f32> = Vec::new();
    let mut n = 0;
    for l in text.lines().filter(|l| !l.trim().is_empty()) {
        data.extend(l.split([',', ' ', '\t']).filter(|t| !t.is_empty()).map(|t| t.trim().parse::<f32>().expect("number")));
        n += 1;
    }
    drop(text);
    let d = data.len() / n;
    let opts = Options { maxdim, threads, ..Options::default() };
    let out = rips(Input::Points { points: Points::F32(&data), n, d, metric: Metric::Euclidean }, &opts, &Control::none())
        .expect("rips");
    for dg in out.diagrams {
        println!("dim {} {}", dg.dim, dg.pairs.len());
    }
}
