//! A simplex in a column or heap packed into one u128: the high 32 bits hold the bitwise complement of the
//! diameter (non-negative f32 bits order like integers), then the 64-bit combinatorial index, then the
//! coefficient. So `max` of two entries is the one earlier in the filtration (smaller diameter, then larger
//! index), which is exactly the pivot of a coboundary column in Ripser's order, and an ascending sort puts
//! columns in reduction order (larger diameter first, then smaller index).

pub type Entry = u128;

#[inline(always)]
pub fn make(diam: f32, idx: u64, coef: u32) -> Entry {
    ((!diam.to_bits() as u128) << 96) | ((idx as u128) << 32) | coef as u128
}
#[inline(always)]
pub fn diam(e: Entry) -> f32 {
    f32::from_bits(!((e >> 96) as u32))
}
#[inline(always)]
pub fn index(e: Entry) -> u64 {
    (e >> 32) as u64
}
#[inline(always)]
pub fn coef(e: Entry) -> u32 {
    e as u32
}
/// The simplex without its coefficient (diameter and index).
#[inline(always)]
pub fn key(e: Entry) -> u128 {
    e >> 32
}
#[inline(always)]
pub fn with_coef(e: Entry, c: u32) -> Entry {
    (e & !0xFFFF_FFFFu128) | c as u128
}

/// Sort keys of edges: a u64 (complemented diameter, 32-bit index) when every edge index fits in 32 bits,
/// which halves the largest array of a dense run; u128 entries otherwise.
pub trait EdgeKey: Copy + Ord + Send + Sync {
    fn make(diam: f32, idx: u64) -> Self;
    fn entry(self) -> Entry;
}

impl EdgeKey for u128 {
    #[inline(always)]
    fn make(diam: f32, idx: u64) -> Self {
        make(diam, idx, 1)
    }
    #[inline(always)]
    fn entry(self) -> Entry {
        self
    }
}

impl EdgeKey for u64 {
    #[inline(always)]
    fn make(diam: f32, idx: u64) -> Self {
        ((!diam.to_bits() as u64) << 32) | idx
    }
    #[inline(always)]
    fn entry(self) -> Entry {
        make(f32::from_bits(!((self >> 32) as u32)), self & 0xFFFF_FFFF, 1)
    }
}
