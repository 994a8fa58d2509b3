//! Fitting float64 distances into the engine's float32.
//!
//! The engine keeps filtration values in f32, as Ripser does, so that its diagrams match ripser.py's. f32 holds
//! full precision only in its normal range [2^-126, 2^128): larger values round to ∞ and smaller ones lose
//! bits and then round to 0, which silently changed diagrams of inputs in far-off units. Such inputs are
//! multiplied by a power of two 2^k first and the results divided by it afterwards. Multiplying by 2^k is exact
//! in binary floating point and commutes with rounding to f32 while nothing leaves the normal range, so the
//! diagram is the one f32 would give if it had float64's exponent range; an input already inside the range
//! gives the same diagram at every k. Only when the positive distances span more than one f32 range holds
//! (about 2^245) does the run refuse, naming the two extremes.

use crate::error::Error;

/// Distances within [2^-100, 2^100) are used as they are (k = 0, the code path of before): f32 holds them as
/// normal numbers with at least 2^26 to spare on either side, so ordinary data is untouched (the ripser.py fixtures
/// stay bit-for-bit).
const PLAIN: i32 = 100;
/// A rescaled largest distance lands in [2^119, 2^120): the most room below for the small distances, and
/// 2^8 above for the sparse approximation's (1+ε) stretch and for thresholds a little beyond the data.
const TOP: i32 = 120;
/// Exponent of the smallest normal f32, 2^-126.
const MIN_NORMAL: i32 = -126;
/// log2 of the ratio of distances every fitted scale holds: TOP − 1 − MIN_NORMAL.
pub const RATIO_EXP: i32 = TOP - 1 - MIN_NORMAL;

/// e with 2^(e−1) ≤ x < 2^e, for finite x > 0.
pub fn binade(x: f64) -> i32 {
    libm::frexp(x).1
}

/// Distances are multiplied by 2^k before they are rounded to f32. |k| ≤ 1000 always suffices (f64 spans
/// 2^-1074..2^1024, and 2^±1000 is itself a normal f64), so 2^k and 2^-k are plain factors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub k: i32,
    factor: f64,
    inverse: f64,
}

impl Scale {
    pub const ONE: Scale = Scale { k: 0, factor: 1.0, inverse: 1.0 };

    fn new(k: i32) -> Scale {
        let k = k.clamp(-1000, 1000);
        Scale { k, factor: libm::scalbn(1.0, k), inverse: libm::scalbn(1.0, -k) }
    }

    /// The scale that puts a largest distance (or an upper bound of them) of binade `e` into [2^119, 2^120).
    pub fn top_binade(e: i32) -> Scale {
        Scale::new(TOP - e)
    }

    /// Whether a largest distance of binade `e` lies in [2^-100, 2^100), the range used as it is.
    pub fn plain_binade(e: i32) -> bool {
        e > -PLAIN && e <= PLAIN
    }

    /// ONE when [lo, hi] lies within [2^-100, 2^100), else the top scale of `hi`; None when no scale holds
    /// `lo` at full precision as well (the span is too wide).
    pub fn fit(lo: f64, hi: f64) -> Option<Scale> {
        if binade(lo) > -PLAIN && binade(hi) <= PLAIN {
            return Some(Scale::ONE);
        }
        let s = Scale::top_binade(binade(hi));
        (s.apply(lo) >= f32::MIN_POSITIVE as f64).then_some(s)
    }

    /// 2^k, the factor reported on the output.
    pub fn factor(self) -> f64 {
        self.factor
    }

    /// x·2^k in f64 (exact unless it leaves f64's range, which only lengths beyond a threshold can).
    #[inline]
    pub fn apply(self, x: f64) -> f64 {
        x * self.factor
    }

    /// A distance as the engine stores it.
    #[inline]
    pub fn f32(self, x: f64) -> f32 {
        if self.k == 0 {
            x as f32
        } else {
            (x * self.factor) as f32
        }
    }

    /// A user threshold for the engine, and as reported. Beyond f32's range the engine's becomes f32::MAX
    /// rather than ∞, so that lengths beyond it, which round to ∞, stay outside the complex; and a threshold
    /// f32 cannot hold at this scale (far beyond or below every distance that matters) is reported as given,
    /// since the complex is exactly the one it asks for. Otherwise it is reported as f32 saw it, as before.
    pub fn threshold(self, t: f64) -> (f32, f64) {
        let x = self.f32(t);
        let engine = if x == f32::INFINITY { f32::MAX } else { x };
        let held = x.is_finite() && (x >= f32::MIN_POSITIVE || t == 0.0);
        (engine, if held { self.back(x as f64) } else { t })
    }

    /// A value the engine computed (birth, death, threshold, radius) back in input units; exact.
    #[inline]
    pub fn back(self, x: f64) -> f64 {
        x * self.inverse
    }
}

/// The smallest and largest positive distance that must keep its value, with where each was found (an index
/// in the caller's enumeration).
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub lo: (f64, usize),
    pub hi: (f64, usize),
}

impl Span {
    /// Over `values` (non-negative, finite; zeros are ignored). With a `limit` (the threshold) only the
    /// distances up to it must keep their value: longer ones only need to stay longer, which they do even
    /// when they round to ∞. None when there is no positive distance.
    pub fn of(values: impl Iterator<Item = f64>, limit: Option<f64>) -> Option<Span> {
        let none = (f64::INFINITY, usize::MAX);
        let (mut lo, mut hi, mut least) = (none, (0.0, usize::MAX), none);
        let t = limit.unwrap_or(f64::INFINITY);
        for (k, x) in values.enumerate() {
            if x > 0.0 {
                if x < least.0 {
                    least = (x, k);
                }
                if x <= t {
                    if x < lo.0 {
                        lo = (x, k);
                    }
                    if x > hi.0 {
                        hi = (x, k);
                    }
                }
            }
        }
        if least.1 == usize::MAX {
            return None;
        }
        // everything positive is beyond the threshold: the shortest of those must still stay above 0
        if lo.1 == usize::MAX {
            return Some(Span { lo: least, hi: least });
        }
        Some(Span { lo, hi })
    }

    pub fn scale(&self) -> Option<Scale> {
        Scale::fit(self.lo.0, self.hi.0)
    }
}

/// The refusal when no scale fits, in one line: what (`input`, the two distances and where each is) and what
/// to do. `smaller` is the advice for the small end with `{}` where the distance goes; `threshold` says
/// whether a threshold would limit the distances that must fit (not with sample or approx).
pub fn refusal(input: &str, lo: (f64, &str), hi: (f64, &str), smaller: &str, threshold: bool) -> Error {
    // with the largest at 2^TOP, distances down to hi·2^-RATIO_EXP fit; with a threshold at lo·2^RATIO_EXP
    // the smallest fits
    let merge = smaller.replace("{}", &format!("{:.3e}", libm::scalbn(hi.0, -RATIO_EXP)));
    let thr = if threshold { format!(", or pass threshold ≤ {:.3e}", libm::scalbn(lo.0, RATIO_EXP)) } else { String::new() };
    Error::invalid(format!(
        "{input}: positive distances range from {:.3e} ({}) to {:.3e} ({}), a ratio above the 2^{RATIO_EXP} ≈ {:.1e} \
         that float32 (the Rips engine's precision, as in Ripser) holds at any one scale; {merge}{thr}",
        lo.0,
        lo.1,
        hi.0,
        hi.1,
        libm::scalbn(1.0, RATIO_EXP)
    ))
}
