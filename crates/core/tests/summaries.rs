//! Diagram summaries against giotto-tda and persim on fixtures made by
//! test/fixtures/summaries/make_fixtures.py.

use clip_topo_core::diagram::Diagram;
use clip_topo_core::summaries::{betti_curve, landscapes, persistence_image, statistics, Essential, ImageSpec};
use serde_json::Value;

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn cases() -> Vec<Value> {
    let path = format!("{}/../../test/fixtures/summaries/summaries.json", env!("CARGO_MANIFEST_DIR"));
    let f: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    f["cases"].as_array().unwrap().clone()
}

fn diagram(case: &Value) -> Diagram {
    let pairs = case["pairs"].as_array().unwrap().iter().map(|p| {
        let p = floats(p);
        [p[0], p[1]]
    });
    Diagram::new(0, pairs.collect())
}

#[test]
fn entropy_and_betti_curves_equal_giotto_to_1e9() {
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let d = diagram(&case);
        let s = statistics(&d, Essential::Exclude, 1.0).unwrap();
        let want = case["entropy_bits"].as_f64().unwrap();
        assert!((s.entropy - want).abs() <= 1e-9, "{name}: entropy {} vs {want}", s.entropy);
        let grid = floats(&case["betti_grid"]);
        let betti = betti_curve(&d, &grid, Essential::Exclude).unwrap();
        let want: Vec<u64> = case["betti"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        assert_eq!(betti, want, "{name}: betti curve");
    }
}

#[test]
fn landscapes_equal_giotto_and_images_equal_persim_to_1e6() {
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let d = diagram(&case);
        let grid = floats(&case["landscape_grid"]);
        let got = landscapes(&d, &grid, 3, Essential::Exclude).unwrap();
        let want: Vec<f64> = case["landscapes"].as_array().unwrap().iter().flat_map(floats).collect();
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!((g - w).abs() <= 1e-6, "{name}: landscape value {i}: {g} vs {w}");
        }
        let im = &case["image"];
        let br = floats(&im["birth_range"]);
        let pr = floats(&im["pers_range"]);
        let spec = ImageSpec {
            birth_range: (br[0], br[1]),
            pers_range: (pr[0], pr[1]),
            pixel_size: im["pixel_size"].as_f64().unwrap(),
            sigma: im["sigma"].as_f64().unwrap(),
            weight_power: 1.0,
        };
        let (img, nb, np) = persistence_image(&d, &spec, Essential::Exclude).unwrap();
        let shape = floats(&im["shape"]);
        assert_eq!((nb, np), (shape[0] as usize, shape[1] as usize), "{name}: image shape");
        for (i, (g, w)) in img.iter().zip(floats(&im["values"])).enumerate() {
            assert!((g - w).abs() <= 1e-6, "{name}: pixel {i}: {g} vs {w}");
        }
    }
}

#[test]
fn edge_cases() {
    let grid = [0.0, 0.5, 1.0];
    // Empty diagram: counts 0, statistics NaN, curves zero.
    let empty = Diagram::new(1, vec![]);
    let s = statistics(&empty, Essential::Exclude, 1.0).unwrap();
    assert_eq!((s.count, s.essential, s.total_persistence), (0, 0, 0.0));
    assert!(s.mean_lifetime.is_nan() && s.median_lifetime.is_nan() && s.entropy.is_nan());
    assert_eq!(betti_curve(&empty, &grid, Essential::Exclude).unwrap(), vec![0, 0, 0]);
    assert!(landscapes(&empty, &grid, 2, Essential::Exclude).unwrap().iter().all(|&v| v == 0.0));

    // One bar: entropy 0, median = mean = max = its lifetime.
    let one = Diagram::new(1, vec![[0.25, 0.75]]);
    let s = statistics(&one, Essential::Exclude, 2.0).unwrap();
    assert_eq!((s.count, s.entropy, s.median_lifetime, s.max_lifetime), (1, 0.0, 0.5, 0.5));
    assert_eq!(s.total_persistence, 0.25);
    assert_eq!(betti_curve(&one, &grid, Essential::Exclude).unwrap(), vec![0, 1, 0]);
    assert_eq!(landscapes(&one, &grid, 2, Essential::Exclude).unwrap(), vec![0.0, 0.25, 0.0, 0.0, 0.0, 0.0]);

    // Only essential bars: excluded → nothing finite; cut at 1 → bars [0, 1) and [0.5, 1).
    let ess = Diagram::new(0, vec![[0.0, f64::INFINITY], [0.5, f64::INFINITY]]);
    let s = statistics(&ess, Essential::Exclude, 1.0).unwrap();
    assert_eq!((s.count, s.essential), (0, 2));
    let s = statistics(&ess, Essential::Cut(1.0), 1.0).unwrap();
    assert_eq!((s.count, s.essential, s.total_persistence), (2, 2, 1.5));
    assert_eq!(betti_curve(&ess, &grid, Essential::Cut(1.0)).unwrap(), vec![1, 2, 0]);

    // Zero-length bars: counted, lifetime 0, no entropy contribution, never alive.
    let zero = Diagram::new(1, vec![[0.5, 0.5], [0.0, 1.0]]);
    let s = statistics(&zero, Essential::Exclude, 1.0).unwrap();
    assert_eq!((s.count, s.entropy, s.median_lifetime), (2, 0.0, 0.5));
    assert_eq!(betti_curve(&zero, &grid, Essential::Exclude).unwrap(), vec![1, 1, 0]);
    let all_zero = Diagram::new(1, vec![[0.5, 0.5]]);
    assert!(statistics(&all_zero, Essential::Exclude, 1.0).unwrap().entropy.is_nan());

    // Bad bars are errors, not NaNs downstream.
    let bad = Diagram::new(1, vec![[0.5, 0.25]]);
    assert!(statistics(&bad, Essential::Exclude, 1.0).unwrap_err().message.contains("dies (0.25) before it is born (0.5)"));
    let nan = Diagram::new(1, vec![[f64::NAN, 1.0]]);
    assert!(betti_curve(&nan, &grid, Essential::Exclude).is_err());
}

#[test]
fn summarize_is_the_sequence_of_summaries_and_refuses_bad_options_before_any_bar() {
    use clip_topo_core::summaries::{default_grid, default_image_spec, summarize, Grid, ImageGrid, SummaryOptions};
    let d = Diagram::new(1, vec![[0.0, 1.0], [0.25, 0.5], [0.5, f64::INFINITY]]);
    let o = SummaryOptions { essential: Essential::Cut(2.0), p: 2.0, levels: 2, ..SummaryOptions::default() };
    let s = summarize(&d, &o).unwrap();
    let grid = default_grid(&d, 100, o.essential).unwrap();
    assert_eq!(s.statistics, statistics(&d, o.essential, 2.0).unwrap());
    assert_eq!(s.betti, betti_curve(&d, &grid, o.essential).unwrap());
    assert_eq!(s.landscapes, landscapes(&d, &grid, 2, o.essential).unwrap());
    let spec = default_image_spec(&d, 20, o.essential).unwrap();
    assert_eq!((s.grid, s.image_spec), (grid, spec));
    assert_eq!(s.image, persistence_image(&d, &spec, o.essential).unwrap());

    // options are checked whatever the bars: a NaN cut fails even without essential bars
    let finite = Diagram::new(1, vec![[0.0, 1.0]]);
    for (bad, want) in [
        (SummaryOptions { essential: Essential::Cut(f64::NAN), ..SummaryOptions::default() }, "cut value"),
        (SummaryOptions { p: 0.0, ..SummaryOptions::default() }, "power p"),
        (SummaryOptions { grid: Grid::Size(0), ..SummaryOptions::default() }, "at least one value"),
        (SummaryOptions { grid: Grid::Values(vec![0.0, f64::NAN]), ..SummaryOptions::default() }, "grids must be finite"),
        (SummaryOptions { levels: 0, ..SummaryOptions::default() }, "at least one level"),
        (SummaryOptions { image: ImageGrid::Pixels(0), ..SummaryOptions::default() }, "at least one pixel"),
        (
            SummaryOptions {
                image: ImageGrid::Spec(ImageSpec {
                    birth_range: (0.0, 1.0),
                    pers_range: (0.0, 1.0),
                    pixel_size: 0.1,
                    sigma: -1.0,
                    weight_power: 1.0,
                }),
                ..SummaryOptions::default()
            },
            "sigma",
        ),
    ] {
        let e = bad.validate().unwrap_err();
        assert!(e.message.contains(want), "{}", e.message);
        assert_eq!(summarize(&finite, &bad).unwrap_err(), e);
    }
}

#[test]
fn sizes_that_cannot_be_allocated_are_refused_before_allocating() {
    use clip_topo_core::summaries::{summarize, Grid, ImageGrid, SummaryOptions};
    let d = Diagram::new(1, vec![[0.0, 1.0], [0.5, 2.0]]);
    let grid = [0.0, 1.0];
    // each of these used to abort the process on allocation
    let e = landscapes(&d, &grid, 1_000_000_000, Essential::Exclude).unwrap_err();
    assert!(e.message.contains("1000000000 levels is more than 10000"), "{}", e.message);
    for (o, msg) in [
        (SummaryOptions { grid: Grid::Size(1_000_000_000), ..SummaryOptions::default() }, "more than 1000000"),
        (SummaryOptions { levels: 10_000, grid: Grid::Size(1_000_000), ..SummaryOptions::default() }, "more than 50000000 values"),
        (SummaryOptions { image: ImageGrid::Pixels(100_000), ..SummaryOptions::default() }, "more than 4096"),
    ] {
        let e = summarize(&d, &o).unwrap_err();
        assert!(e.message.contains(msg), "{}", e.message);
        assert_eq!(o.validate().unwrap_err(), e);
    }
    assert!(summarize(&d, &SummaryOptions { levels: 10_000, grid: Grid::Size(5_000), ..SummaryOptions::default() }).is_ok());
}
