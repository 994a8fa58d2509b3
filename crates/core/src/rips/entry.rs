//! A simplex in a column or heap packed into one integer: the high 32 bits hold the bitwise complement of
//! the diameter (non-negative f32 bits order like integers), then the combinatorial index, then (in the wide
//! form) the coefficient. So `max` of two entries is the one earlier in the filtration (smaller diameter,
//! then larger index), which is exactly the pivot of a coboundary column in Ripser's order, and an ascending
//! sort puts columns in reduction order (larger diameter first, then smaller index).
//!
//! Two forms: `u128` (64-bit index, 32-bit coefficient) for any field and size, and `u64` (32-bit index, no
//! coefficient) for Z/2 when every simplex index of the run fits in 32 bits. Both order simplices the same
//! way, so the reduction (and its output) is the same; the narrow one halves the working heaps, which are
//! the reduction's hottest and largest structures.

/// A packed simplex with its coefficient (see the module docs).
pub trait Entry: Copy + Ord + Send + Sync + std::fmt::Debug + 'static {
    /// The simplex without its coefficient (diameter and index); ordered like the entries.
    type Key: Copy + Ord;
    fn make(diam: f32, idx: u64, coef: u32) -> Self;
    fn diam(self) -> f32;
    fn index(self) -> u64;
    fn coef(self) -> u32;
    fn key(self) -> Self::Key;
    fn with_coef(self, c: u32) -> Self;
}

impl Entry for u128 {
    type Key = u128;
    #[inline(always)]
    fn make(diam: f32, idx: u64, coef: u32) -> Self {
        ((!diam.to_bits() as u128) << 96) | ((idx as u128) << 32) | coef as u128
    }
    #[inline(always)]
    fn diam(self) -> f32 {
        f32::from_bits(!((self >> 96) as u32))
    }
    #[inline(always)]
    fn index(self) -> u64 {
        (self >> 32) as u64
    }
    #[inline(always)]
    fn coef(self) -> u32 {
        self as u32
    }
    #[inline(always)]
    fn key(self) -> u128 {
        self >> 32
    }
    #[inline(always)]
    fn with_coef(self, c: u32) -> Self {
        (self & !0xFFFF_FFFFu128) | c as u128
    }
}

/// Z/2 only: the coefficient of a stored entry is always 1 (a sum that reaches 0 is dropped, never stored).
impl Entry for u64 {
    type Key = u64;
    #[inline(always)]
    fn make(diam: f32, idx: u64, coef: u32) -> Self {
        debug_assert!(idx <= u32::MAX as u64, "index {idx} does not fit the narrow entry");
        debug_assert!(coef == 1, "the narrow entry is for Z/2 (coefficient {coef})");
        ((!diam.to_bits() as u64) << 32) | idx
    }
    #[inline(always)]
    fn diam(self) -> f32 {
        f32::from_bits(!((self >> 32) as u32))
    }
    #[inline(always)]
    fn index(self) -> u64 {
        self & 0xFFFF_FFFF
    }
    #[inline(always)]
    fn coef(self) -> u32 {
        1
    }
    #[inline(always)]
    fn key(self) -> u64 {
        self
    }
    #[inline(always)]
    fn with_coef(self, c: u32) -> Self {
        debug_assert!(c == 1, "the narrow entry is for Z/2 (coefficient {c})");
        self
    }
}

#[inline(always)]
pub fn make<E: Entry>(diam: f32, idx: u64, coef: u32) -> E {
    E::make(diam, idx, coef)
}
#[inline(always)]
pub fn diam<E: Entry>(e: E) -> f32 {
    e.diam()
}
#[inline(always)]
pub fn index<E: Entry>(e: E) -> u64 {
    e.index()
}
#[inline(always)]
pub fn coef<E: Entry>(e: E) -> u32 {
    e.coef()
}
#[inline(always)]
pub fn key<E: Entry>(e: E) -> E::Key {
    e.key()
}
#[inline(always)]
pub fn with_coef<E: Entry>(e: E, c: u32) -> E {
    e.with_coef(c)
}

/// Sort keys of edges: a u64 (complemented diameter, 32-bit index) when every edge index fits in 32 bits,
/// which halves the largest array of a dense run; u128 entries otherwise.
pub trait EdgeKey: Copy + Ord + Send + Sync {
    fn make(diam: f32, idx: u64) -> Self;
    fn diam(self) -> f32;
    fn index(self) -> u64;
    /// The edge as an entry with coefficient 1.
    #[inline(always)]
    fn entry<E: Entry>(self) -> E {
        E::make(self.diam(), self.index(), 1)
    }
}

impl EdgeKey for u128 {
    #[inline(always)]
    fn make(diam: f32, idx: u64) -> Self {
        <u128 as Entry>::make(diam, idx, 1)
    }
    #[inline(always)]
    fn diam(self) -> f32 {
        Entry::diam(self)
    }
    #[inline(always)]
    fn index(self) -> u64 {
        Entry::index(self)
    }
}

/// The same packing as the narrow entry.
impl EdgeKey for u64 {
    #[inline(always)]
    fn make(diam: f32, idx: u64) -> Self {
        <u64 as Entry>::make(diam, idx, 1)
    }
    #[inline(always)]
    fn diam(self) -> f32 {
        Entry::diam(self)
    }
    #[inline(always)]
    fn index(self) -> u64 {
        Entry::index(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both forms order simplices alike (diameter up = entry down, then index), so a reduction with either
    /// visits the same columns and pivots in the same order.
    #[test]
    fn narrow_and_wide_entries_order_alike() {
        let simplices = [(0.0f32, 0u64), (0.0, 7), (0.5, 3), (0.5, 4), (1.25, 0), (1.25, u32::MAX as u64), (f32::INFINITY, 2)];
        for &(d1, i1) in &simplices {
            for &(d2, i2) in &simplices {
                let (a, b) = (<u64 as Entry>::make(d1, i1, 1), <u64 as Entry>::make(d2, i2, 1));
                let (wa, wb) = (<u128 as Entry>::make(d1, i1, 1), <u128 as Entry>::make(d2, i2, 1));
                assert_eq!(a.cmp(&b), wa.cmp(&wb), "({d1}, {i1}) vs ({d2}, {i2})");
                assert_eq!((Entry::diam(a), Entry::index(a)), (d1, i1));
                assert_eq!((Entry::diam(wa), Entry::index(wa), wa.coef()), (d1, i1, 1));
            }
        }
        let e: u64 = EdgeKey::make(0.75, 12);
        assert_eq!(e.entry::<u64>(), <u64 as Entry>::make(0.75, 12, 1));
        assert_eq!(e.entry::<u128>(), <u128 as Entry>::make(0.75, 12, 1));
    }
}
