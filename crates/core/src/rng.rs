//! The core's one home for pseudo-randomness: our own generators, so that a seed gives the same maps,
//! textures and test data whatever a dependency does.
//!
//! Every stream is frozen: the maps, the synthetic textures and committed expectations depend on the
//! exact bits. Two seedings of SplitMix64 exist and both must stay: the maps start from `seed ^ γ`
//! ([`SplitMix64::new`]), the texture generator from a mixed seed ([`SplitMix64::mixed`]). Tests that need
//! data without structure use [`Lcg64`] (Knuth's MMIX linear congruential generator).

/// SplitMix64's increment γ (the golden ratio in 64-bit fixed point).
pub const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function (Steele, Lea & Flood 2014): a strong 64-bit mixer, also used as a hash.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of a few words, order-sensitive.
pub fn hash_words(words: &[u64]) -> u64 {
    let mut h = 0x6a09_e667_f3bc_c908u64;
    for &w in words {
        h = mix64(h ^ w.wrapping_mul(GOLDEN_GAMMA));
    }
    h
}

/// SplitMix64: the state advances by γ and each output is [`mix64`] of it.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose first output is `mix64(state + γ)`.
    pub const fn from_state(state: u64) -> Self {
        SplitMix64 { state }
    }

    /// The maps' seeding (t-SNE, UMAP, spectral layout): state = seed ^ γ.
    pub const fn new(seed: u64) -> Self {
        SplitMix64::from_state(seed ^ GOLDEN_GAMMA)
    }

    /// The texture generator's seeding: state = mix64(seed ^ 0xD1B5_4A32_D192_ED03).
    pub fn mixed(seed: u64) -> Self {
        SplitMix64::from_state(mix64(seed ^ 0xD1B5_4A32_D192_ED03))
    }

    /// An independent stream for (seed, a, b), e.g. (epoch, chunk) in UMAP; seeded as [`SplitMix64::new`].
    pub fn stream(seed: u64, a: u64, b: u64) -> Self {
        let mut r = SplitMix64::new(seed);
        let s1 = r.next_u64() ^ a.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut r2 = SplitMix64::new(s1);
        let s2 = r2.next_u64() ^ b.wrapping_mul(0x8CB9_2BA7_2F3D_8DD7);
        SplitMix64::new(s2)
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }

    /// Uniform integer in [0, n) by multiply-shift of the high 32 bits (bias < n / 2^32, irrelevant for sampling).
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Uniform in [0, 1) with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal by Box–Muller on (1 − u₁, u₂), one value per call (simple beats fast here).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Uniform in [0, 1) with 24 random bits (the textures work in f32).
    #[inline]
    pub fn uniform_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
    }

    /// Uniform in [a, b) in f32.
    #[inline]
    pub fn range(&mut self, a: f32, b: f32) -> f32 {
        a + (b - a) * self.uniform_f32()
    }

    /// Uniform integer in [a, b] inclusive, by remainder (bias < (b − a + 1) / 2^64).
    pub fn int(&mut self, a: i64, b: i64) -> i64 {
        a + (self.next_u64() % ((b - a + 1) as u64)) as i64
    }

    /// True with probability p (f32 resolution).
    pub fn chance(&mut self, p: f32) -> bool {
        self.uniform_f32() < p
    }

    /// An undirected orientation: uniform angle in [0, π) radians.
    pub fn angle(&mut self) -> f32 {
        self.range(0.0, std::f32::consts::PI)
    }
}

/// Knuth's MMIX linear congruential generator (modulus 2^64): weak but tiny; only for test data
/// whose committed expectations were made with it.
#[derive(Clone, Debug)]
pub struct Lcg64 {
    state: u64,
}

impl Lcg64 {
    pub const MULTIPLIER: u64 = 6_364_136_223_846_793_005;
    pub const INCREMENT: u64 = 1_442_695_040_888_963_407;

    /// A generator whose first output is `state · a + c`.
    pub const fn from_state(state: u64) -> Self {
        Lcg64 { state }
    }

    /// The next state, which is also the output.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_mul(Self::MULTIPLIER).wrapping_add(Self::INCREMENT);
        self.state
    }

    /// Uniform in [0, 1) from the high 53 bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_outputs() {
        // The first outputs of SplitMix64 from state 1234567 (the reference C code of Vigna's splitmix64.c).
        let mut r = SplitMix64::from_state(1_234_567);
        let got: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
        assert_eq!(got, [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423]);
    }

    #[test]
    fn seedings_are_the_frozen_ones() {
        assert_eq!(SplitMix64::new(7).next_u64(), SplitMix64::from_state(7 ^ GOLDEN_GAMMA).next_u64());
        assert_eq!(SplitMix64::mixed(7).next_u64(), mix64(mix64(7 ^ 0xD1B5_4A32_D192_ED03).wrapping_add(GOLDEN_GAMMA)));
        let mut l = Lcg64::from_state(1);
        assert_eq!(l.next_u64(), Lcg64::MULTIPLIER + Lcg64::INCREMENT);
    }
}
