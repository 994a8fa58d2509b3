//! The Rust resampler against outputs of the TypeScript port it replaced (which was bit-identical to
//! PIL on the CLIP fixtures): test/fixtures/resample/cases.json, made by make_fixture.ts next to it.
//! Exact equality: a single level off would change CLIP's input tensor.

use clip_topo_core::error::ErrorCode;
use clip_topo_core::image::{resize_bicubic_pil, resize_bicubic_pil_crop, Window};
use serde_json::Value;

fn pattern_image(pattern: &str, w: usize, h: usize, c: usize) -> Vec<u8> {
    let mut px = vec![0u8; w * h * c];
    for y in 0..h {
        for x in 0..w {
            for ch in 0..c {
                px[(y * w + x) * c + ch] = match pattern {
                    "ramp" => ((x * 37 + y * 91 + ch * 53 + ((x * y) % 7) * 29) % 256) as u8,
                    "checker" => (((x + y + ch) % 2) * 255) as u8,
                    other => panic!("unknown pattern {other}"),
                };
            }
        }
    }
    px
}

fn n(v: &Value, key: &str) -> usize {
    v[key].as_u64().unwrap_or_else(|| panic!("{key} missing")) as usize
}

#[test]
fn matches_the_typescript_reference_byte_for_byte() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../test/fixtures/resample/cases.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let cases = json["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (w, h, c) = (n(case, "w"), n(case, "h"), n(case, "c"));
        let win: Vec<usize> = case["window"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        let window = Window { left: win[0], top: win[1], width: win[2], height: win[3] };
        let expected: Vec<u8> = case["out"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u8).collect();
        let src = pattern_image(case["pattern"].as_str().unwrap(), w, h, c);
        let got = resize_bicubic_pil_crop(&src, w, h, c, n(case, "newW"), n(case, "newH"), window).unwrap();
        assert_eq!(got.len(), expected.len(), "{name}: length");
        if let Some(i) = got.iter().zip(&expected).position(|(a, b)| a != b) {
            panic!("{name}: byte {i} is {} where the reference has {}", got[i], expected[i]);
        }
    }
}

#[test]
fn a_window_equals_the_same_part_of_the_full_resize() {
    let (w, h, c, nw, nh) = (23, 17, 3, 41, 9);
    let src = pattern_image("ramp", w, h, c);
    let full = resize_bicubic_pil(&src, w, h, c, nw, nh).unwrap();
    let win = Window { left: 5, top: 2, width: 30, height: 6 };
    let part = resize_bicubic_pil_crop(&src, w, h, c, nw, nh, win).unwrap();
    for y in 0..win.height {
        let a = &part[y * win.width * c..(y + 1) * win.width * c];
        let s = ((y + win.top) * nw + win.left) * c;
        assert_eq!(a, &full[s..s + win.width * c], "row {y}");
    }
}

#[test]
fn a_constant_image_stays_constant() {
    let src = vec![200u8; 31 * 19 * 3];
    let out = resize_bicubic_pil(&src, 31, 19, 3, 7, 50).unwrap();
    assert!(out.iter().all(|&v| v == 200));
}

#[test]
fn bad_input_is_an_invalid_input_error() {
    let src = vec![0u8; 4 * 4 * 3];
    let full = |w, h| Window { left: 0, top: 0, width: w, height: h };
    let bad = [
        resize_bicubic_pil(&src[1..], 4, 4, 3, 2, 2),
        resize_bicubic_pil(&src, 4, 4, 5, 2, 2),
        resize_bicubic_pil(&src, 4, 4, 3, 0, 2),
        resize_bicubic_pil_crop(&src, 4, 4, 3, 2, 2, full(3, 2)),
        resize_bicubic_pil_crop(&src, 4, 4, 3, 2, 2, Window { left: 1, top: 0, width: 2, height: 2 }),
    ];
    for (i, r) in bad.into_iter().enumerate() {
        assert_eq!(r.unwrap_err().code, ErrorCode::InvalidInput, "case {i}");
    }
}
