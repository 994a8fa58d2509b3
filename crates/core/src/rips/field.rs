//! Coefficients in Z/p. Z/2 gets its own type so the common case pays nothing for modular arithmetic.

use crate::error::{Error, Result};

pub trait Field: Copy + Send + Sync {
    /// a + b mod p, both already reduced.
    fn add(&self, a: u32, b: u32) -> u32;
    fn mul(&self, a: u32, b: u32) -> u32;
    fn neg(&self, a: u32) -> u32;
    fn inv(&self, a: u32) -> u32;
    /// The coboundary sign of a vertex inserted at `position` (0 = largest vertex).
    #[inline]
    fn sign(&self, position: usize) -> u32 {
        if position & 1 == 0 {
            1
        } else {
            self.neg(1)
        }
    }
}

#[derive(Clone, Copy)]
pub struct Z2;

impl Field for Z2 {
    #[inline]
    fn add(&self, a: u32, b: u32) -> u32 {
        a ^ b
    }
    #[inline]
    fn mul(&self, a: u32, b: u32) -> u32 {
        a & b
    }
    #[inline]
    fn neg(&self, a: u32) -> u32 {
        a
    }
    #[inline]
    fn inv(&self, a: u32) -> u32 {
        a
    }
}

/// Z/p for an odd prime p < 2^16 (products of two residues then fit in u32).
#[derive(Clone, Copy)]
pub struct Zp {
    p: u32,
}

impl Zp {
    pub fn new(p: u32) -> Self {
        Zp { p }
    }
}

impl Field for Zp {
    #[inline]
    fn add(&self, a: u32, b: u32) -> u32 {
        let s = a + b;
        if s >= self.p {
            s - self.p
        } else {
            s
        }
    }
    #[inline]
    fn mul(&self, a: u32, b: u32) -> u32 {
        a * b % self.p
    }
    #[inline]
    fn neg(&self, a: u32) -> u32 {
        if a == 0 {
            0
        } else {
            self.p - a
        }
    }
    fn inv(&self, a: u32) -> u32 {
        // Fermat: a^(p-2); called once per column addition, cheap next to the coboundary work.
        let (mut base, mut e, mut acc) = (a as u64, self.p as u64 - 2, 1u64);
        let p = self.p as u64;
        while e > 0 {
            if e & 1 == 1 {
                acc = acc * base % p;
            }
            base = base * base % p;
            e >>= 1;
        }
        acc as u32
    }
}

pub fn is_prime(p: u32) -> bool {
    if p < 2 {
        return false;
    }
    let mut d = 2u32;
    while (d as u64) * (d as u64) <= p as u64 {
        if p.is_multiple_of(d) {
            return false;
        }
        d += 1;
    }
    true
}

pub fn check_modulus(p: u32) -> Result<()> {
    if !is_prime(p) {
        return Err(Error::invalid(format!("coeff: {p} is not a prime; homology coefficients must be a prime field Z/p (e.g. 2 or 3)")));
    }
    if p >= 1 << 16 {
        return Err(Error::invalid(format!("coeff: prime {p} is too large; use a prime below 65536")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn inverses_and_primes() {
        let f = Zp::new(7);
        for a in 1..7 {
            assert_eq!(f.mul(a, f.inv(a)), 1);
        }
        assert!(is_prime(2) && is_prime(3) && is_prime(65521));
        assert!(!is_prime(1) && !is_prime(4) && !is_prime(9));
        assert!(check_modulus(4).is_err());
    }
}
