//! Engine-only benchmark program for bench/rips/run.sh: reads a point cloud in Ripser's point-cloud
//! format (one point per line, coordinates separated by commas, spaces or tabs), computes its Rips
//! diagrams and prints the number of pairs per dimension, one `dim K COUNT` line each.
//!
//! Usage: rips_bench FILE MAXDIM THREADS [PAIRS]   (THREADS 0 = all cores)
//! With PAIRS, also writes every pair to that file, one `DIM BIRTH DEATH` line each (death `inf` for
//! essential classes), for bench/rips/compare_pairs.py.

use std::process::ExitCode;

use clip_topo_core::control::Control;
use clip_topo_core::rips::{rips, Input, Metric, Options, Points};

const USAGE: &str = "usage: rips_bench FILE MAXDIM THREADS [PAIRS]";

/// A failure and its exit status: 2 for a wrong command line, 1 for anything else.
struct Failure(u8, String);

fn number<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, Failure> {
    s.parse().map_err(|_| Failure(2, format!("{what} '{s}' is not a non-negative integer\n{USAGE}")))
}

/// Row-major coordinates, the number of points and their dimension.
fn read_points(path: &str) -> Result<(Vec<f32>, usize, usize), Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| Failure(1, format!("{path}: {e}")))?;
    let (mut data, mut n, mut d) = (Vec::new(), 0, None);
    for (k, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let mut row = 0;
        for t in line.split([',', ' ', '\t']).map(str::trim).filter(|t| !t.is_empty()) {
            data.push(t.parse::<f32>().map_err(|_| Failure(1, format!("{path}:{}: '{t}' is not a number", k + 1)))?);
            row += 1;
        }
        match d {
            None => d = Some(row),
            Some(d) if d != row => return Err(Failure(1, format!("{path}:{}: {row} coordinates, but the first point has {d}", k + 1))),
            Some(_) => {}
        }
        n += 1;
    }
    match d {
        Some(d) if d > 0 => Ok((data, n, d)),
        _ => Err(Failure(1, format!("{path}: no points"))),
    }
}

fn run(args: &[String]) -> Result<(), Failure> {
    let (file, maxdim, threads, pairs) = match args {
        [a, b, c] => (a, b, c, None),
        [a, b, c, d] => (a, b, c, Some(d)),
        _ => return Err(Failure(2, USAGE.into())),
    };
    let opts = Options { maxdim: number(maxdim, "MAXDIM")?, threads: number(threads, "THREADS")?, ..Options::default() };
    let (x, n, d) = read_points(file)?;
    let input = Input::Points { points: Points::F32(&x), n, d, metric: Metric::Euclidean };
    let out = rips(input, &opts, &Control::none()).map_err(|e| Failure(1, e.message))?;
    if let Some(path) = pairs {
        let mut text = String::new();
        for dg in &out.diagrams {
            for p in &dg.pairs {
                text.push_str(&format!("{} {} {}\n", dg.dim, p[0], p[1]));
            }
        }
        std::fs::write(path, text).map_err(|e| Failure(1, format!("{path}: {e}")))?;
    }
    for dg in out.diagrams {
        println!("dim {} {}", dg.dim, dg.pairs.len());
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, message)) => {
            eprintln!("rips_bench: {message}");
            ExitCode::from(code)
        }
    }
}
