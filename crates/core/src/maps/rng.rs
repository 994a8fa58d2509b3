//! A small seeded generator (SplitMix64). Our own so streams never change with a dependency update.

#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// An independent stream for (seed, a, b), e.g. (epoch, chunk) in UMAP.
    pub fn stream(seed: u64, a: u64, b: u64) -> Self {
        let mut r = Rng::new(seed);
        let s1 = r.next_u64() ^ a.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut r2 = Rng::new(s1);
        let s2 = r2.next_u64() ^ b.wrapping_mul(0x8CB9_2BA7_2F3D_8DD7);
        Rng::new(s2)
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform integer in [0, n) by multiply-shift (bias < n / 2^32, irrelevant for sampling).
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Uniform in [0, 1).
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal by Box–Muller (one value per call; simple beats fast here).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}
