//! Ground metrics between diagram points and the diagonal.

/// The internal metric of the plane: L∞ (hera's and GUDHI's default) or L_q for finite q ≥ 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ground {
    LInf,
    Lq(f64),
}

impl Ground {
    /// `internal_p = inf` → L∞; otherwise L_q with q ≥ 1 (checked by the caller).
    pub fn from_internal_p(q: f64) -> Self {
        if q.is_infinite() {
            Ground::LInf
        } else {
            Ground::Lq(q)
        }
    }

    #[inline]
    fn norm(self, dx: f64, dy: f64) -> f64 {
        match self {
            Ground::LInf => dx.max(dy),
            Ground::Lq(1.0) => dx + dy,
            Ground::Lq(2.0) => dx.hypot(dy),
            Ground::Lq(q) => (dx.powf(q) + dy.powf(q)).powf(1.0 / q),
        }
    }

    #[inline]
    pub fn dist(self, a: [f64; 2], b: [f64; 2]) -> f64 {
        self.norm((a[0] - b[0]).abs(), (a[1] - b[1]).abs())
    }

    /// Distance from a point to the diagonal: the nearest diagonal point is the midpoint projection
    /// for every L_q, at offset (d − b)/2 in both coordinates.
    #[inline]
    pub fn to_diagonal(self, a: [f64; 2]) -> f64 {
        let h = (a[1] - a[0]) / 2.0;
        match self {
            Ground::LInf => h,
            _ => self.norm(h, h),
        }
    }

    #[inline]
    pub fn box_dist(self, q: [f64; 2], b: &[f64; 4]) -> f64 {
        let dx = (b[0] - q[0]).max(q[0] - b[1]).max(0.0);
        let dy = (b[2] - q[1]).max(q[1] - b[3]).max(0.0);
        self.norm(dx, dy)
    }

    #[inline]
    pub fn pow(self, d: f64, p: f64) -> f64 {
        if p == 1.0 {
            d
        } else if p == 2.0 {
            d * d
        } else {
            d.powf(p)
        }
    }

    #[inline]
    pub fn cost(self, a: [f64; 2], b: [f64; 2], p: f64) -> f64 {
        self.pow(self.dist(a, b), p)
    }
}
