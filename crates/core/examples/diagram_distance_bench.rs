//! Bench driver for bench/diagram_distance/bench.py: reads two "birth death" text files, runs one
//! distance `repeat` times and prints the value and the best kernel time in seconds.
//! Usage: diagram_distance_bench <bottleneck|wasserstein> <a.txt> <b.txt> [delta] [repeat]
use std::time::Instant;

use clip_topo_core::control::Control;
use clip_topo_core::diagram::Diagram;
use clip_topo_core::diagram_distance::{bottleneck, wasserstein, BottleneckOptions, WassersteinOptions};

fn read(path: &str) -> Diagram {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let pairs = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Vec<f64> = l.split_whitespace().map(|x| x.parse().unwrap_or_else(|_| panic!("{path}: bad line {l}"))).collect();
            [v[0], v[1]]
        })
        .collect();
    Diagram::new(0, pairs)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: diagram_distance_bench <bottleneck|wasserstein> <a.txt> <b.txt> [delta] [repeat]");
        std::process::exit(2);
    }
    let (a, b) = (read(&args[2]), read(&args[3]));
    let delta: f64 = args.get(4).map_or(0.0, |s| s.parse().expect("delta"));
    let repeat: usize = args.get(5).map_or(1, |s| s.parse().expect("repeat"));
    let mut best = f64::INFINITY;
    let mut value = 0.0;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        value = if args[1] == "bottleneck" {
            bottleneck(&a, &b, &BottleneckOptions { delta, ..Default::default() }, &Control::none()).expect("bottleneck").distance
        } else {
            wasserstein(&a, &b, &WassersteinOptions { delta, ..Default::default() }, &Control::none()).expect("wasserstein").distance
        };
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("{value:.17} {best:.6}");
}
