//! The combinatorial number system: a k-simplex {v_0 > … > v_k} is the integer Σ C(v_i, k+1−i).

use crate::error::{Error, Result};

pub struct Binomial {
    n: usize,
    /// Row k holds C(v, k) for v = 0..=n.
    table: Vec<u64>,
}

impl Binomial {
    /// Table for vertices 0..n and simplices with up to `max_k` vertices. Fails when some index of a
    /// simplex with `max_k` vertices would not fit in 64 bits.
    pub fn new(n: usize, max_k: usize) -> Result<Self> {
        let w = n + 1;
        let mut table = vec![0u64; (max_k + 1) * w];
        for v in 0..=n {
            table[v] = 1;
            for k in 1..=max_k.min(v) {
                let a = table[(k - 1) * w + v - 1];
                let b = if k < v { table[k * w + v - 1] } else { 0 };
                table[k * w + v] = a.checked_add(b).ok_or_else(|| overflow(n, max_k))?;
            }
        }
        Ok(Binomial { n, table })
    }

    #[inline(always)]
    pub fn get(&self, v: usize, k: usize) -> u64 {
        debug_assert!(v <= self.n);
        unsafe { *self.table.get_unchecked(k * (self.n + 1) + v) }
    }

    /// Vertices (descending) of the simplex with `k + 1` vertices and index `idx`.
    pub fn vertices(&self, mut idx: u64, k: usize, out: &mut [u32]) {
        let mut hi = self.n; // exclusive upper bound for the next vertex
        for (pos, o) in out.iter_mut().enumerate().take(k + 1) {
            let kk = k + 1 - pos;
            let row = &self.table[kk * (self.n + 1)..kk * (self.n + 1) + hi];
            // largest v < hi with C(v, kk) <= idx
            let v = row.partition_point(|&c| c <= idx) - 1;
            *o = v as u32;
            idx -= row[v];
            hi = v;
        }
    }
}

/// Fails when C(n, max_k) — the count of simplices with max_k vertices, an upper bound of their indices —
/// does not fit in 64 bits; cheap, so it runs before anything is allocated.
pub fn check(n: usize, max_k: usize) -> Result<()> {
    let mut c: u128 = 1;
    for i in 0..max_k.min(n) as u128 {
        c = c * (n as u128 - i) / (i + 1);
        if c > u64::MAX as u128 {
            return Err(overflow(n, max_k));
        }
    }
    Ok(())
}

fn overflow(n: usize, max_k: usize) -> Error {
    Error::too_large(format!(
        "simplex index overflow: C({n}, {max_k}) does not fit in 64 bits; lower maxdim, or reduce the \
         number of points with sample = n or approx = ε"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn round_trip_and_overflow() {
        let b = Binomial::new(20, 4).unwrap();
        assert_eq!(b.get(10, 3), 120);
        let mut out = [0u32; 3];
        let idx = b.get(9, 3) + b.get(4, 2) + b.get(1, 1);
        b.vertices(idx, 2, &mut out);
        assert_eq!(out, [9, 4, 1]);
        assert!(Binomial::new(3_000_000, 5).is_err());
        assert!(Binomial::new(10_000, 5).is_ok());
        assert!(check(3_000_000, 5).is_err() && check(10_000, 5).is_ok());
    }
}
