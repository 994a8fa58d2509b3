//! Benchmark program for bench/diagram_distance/bench.py: reads two diagrams as text files of
//! `birth death` lines (`inf` for an essential bar), computes one distance `repeat` times and prints
//! the value and the best time of the kernel call in seconds: `VALUE SECONDS`.
//!
//! Usage: diagram_distance_bench <bottleneck|wasserstein> A.txt B.txt [DELTA] [REPEAT]
//! (DELTA: relative error, default 0 = exact; REPEAT default 1).

use std::process::ExitCode;
use std::time::Instant;

use clip_topo_core::control::Control;
use clip_topo_core::diagram::Diagram;
use clip_topo_core::diagram_distance::{bottleneck, wasserstein, BottleneckOptions, WassersteinOptions};

const USAGE: &str = "usage: diagram_distance_bench <bottleneck|wasserstein> A.txt B.txt [DELTA] [REPEAT]";

/// A failure and its exit status: 2 for a wrong command line, 1 for anything else.
struct Failure(u8, String);

fn read(path: &str) -> Result<Diagram, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| Failure(1, format!("{path}: {e}")))?;
    let mut pairs = Vec::new();
    for (k, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: Result<Vec<f64>, _> = line.split_whitespace().map(str::parse).collect();
        match v.as_deref() {
            Ok(&[b, d]) => pairs.push([b, d]),
            _ => return Err(Failure(1, format!("{path}:{}: '{line}' is not a 'birth death' pair", k + 1))),
        }
    }
    Ok(Diagram::new(0, pairs))
}

fn run(args: &[String]) -> Result<(), Failure> {
    let (metric, a, b, rest) = match args {
        [m, a, b, rest @ ..] if rest.len() <= 2 && (m == "bottleneck" || m == "wasserstein") => (m.as_str(), a, b, rest),
        _ => return Err(Failure(2, USAGE.into())),
    };
    let delta: f64 = match rest.first() {
        Some(s) => s.parse().map_err(|_| Failure(2, format!("DELTA '{s}' is not a number\n{USAGE}")))?,
        None => 0.0,
    };
    let repeat: usize = match rest.get(1) {
        Some(s) => s.parse().map_err(|_| Failure(2, format!("REPEAT '{s}' is not a positive integer\n{USAGE}")))?,
        None => 1,
    };
    let (a, b) = (read(a)?, read(b)?);
    let (mut best, mut value) = (f64::INFINITY, 0.0);
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let r = if metric == "bottleneck" {
            bottleneck(&a, &b, &BottleneckOptions { delta, ..Default::default() }, &Control::none()).map(|r| r.distance)
        } else {
            wasserstein(&a, &b, &WassersteinOptions { delta, ..Default::default() }, &Control::none()).map(|r| r.distance)
        };
        best = best.min(t.elapsed().as_secs_f64());
        value = r.map_err(|e| Failure(1, e.message))?;
    }
    println!("{value:.17} {best:.6}");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, message)) => {
            eprintln!("diagram_distance_bench: {message}");
            ExitCode::from(code)
        }
    }
}
