//! A 4-ary max-heap of entries: half the depth of a binary heap and four children in one cache line, which
//! matters because the working coboundary is the hottest structure of the reduction.

use super::entry::Entry;

pub struct Heap<E> {
    v: Vec<E>,
    /// Entries pushed, and the most held at once when last compacted (see `take_cost`).
    pushed: u64,
    peak: usize,
}

impl<E> Default for Heap<E> {
    fn default() -> Self {
        Heap { v: Vec::new(), pushed: 0, peak: 0 }
    }
}

impl<E: Entry> Heap<E> {
    #[inline]
    pub fn len(&self) -> usize {
        self.v.len()
    }
    #[inline]
    pub fn clear(&mut self) {
        self.v.clear();
    }
    #[inline]
    pub fn peek(&self) -> Option<&E> {
        self.v.first()
    }
    #[inline]
    pub fn push(&mut self, e: E) {
        self.pushed += 1;
        let mut i = self.v.len();
        self.v.push(e);
        while i > 0 {
            let p = (i - 1) / 4;
            let pv = self.v[p];
            if pv >= e {
                break;
            }
            self.v[i] = pv;
            i = p;
        }
        self.v[i] = e;
    }
    #[inline]
    pub fn pop(&mut self) -> Option<E> {
        let last = self.v.pop()?;
        if self.v.is_empty() {
            return Some(last);
        }
        let top = self.v[0];
        let n = self.v.len();
        let mut i = 0;
        loop {
            let c = 4 * i + 1;
            if c >= n {
                break;
            }
            let end = (c + 4).min(n);
            let mut best = c;
            let mut bv = self.v[c];
            for k in c + 1..end {
                let x = self.v[k];
                if x > bv {
                    bv = x;
                    best = k;
                }
            }
            if bv <= last {
                break;
            }
            self.v[i] = bv;
            i = best;
        }
        self.v[i] = last;
        Some(top)
    }
    /// The entries in heap order.
    pub fn as_slice(&self) -> &[E] {
        &self.v
    }
    pub fn take_vec(&mut self) -> Vec<E> {
        // taken only to compact, which is when a heap is at its largest (a heap never compacted stays below
        // the compaction threshold, a few hundred KB)
        self.peak = self.peak.max(self.v.len());
        std::mem::take(&mut self.v)
    }
    /// Entries pushed since the last call, and the most entries held at a compaction (or now).
    pub fn take_cost(&mut self) -> (u64, usize) {
        let c = (self.pushed, self.peak.max(self.v.len()));
        self.pushed = 0;
        c
    }
    /// Builds the heap from arbitrary entries in linear time.
    pub fn set_from(&mut self, v: Vec<E>) {
        self.v = v;
        let n = self.v.len();
        if n < 2 {
            return;
        }
        let mut i = (n - 2) / 4 + 1;
        while i > 0 {
            i -= 1;
            let e = self.v[i];
            let mut j = i;
            loop {
                let c = 4 * j + 1;
                if c >= n {
                    break;
                }
                let end = (c + 4).min(n);
                let mut best = c;
                for k in c + 1..end {
                    if self.v[k] > self.v[best] {
                        best = k;
                    }
                }
                if self.v[best] <= e {
                    break;
                }
                self.v[j] = self.v[best];
                j = best;
            }
            self.v[j] = e;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn pops_in_descending_order() {
        let mut x: u128 = 12345;
        let mut h: Heap<u128> = Heap::default();
        let mut all = Vec::new();
        for _ in 0..1000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) % 977;
            h.push(x);
            all.push(x);
        }
        let mut out = Vec::new();
        while let Some(e) = h.pop() {
            out.push(e);
        }
        all.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(out, all);
        h.set_from(all.iter().rev().copied().collect());
        let mut out2 = Vec::new();
        while let Some(e) = h.pop() {
            out2.push(e);
        }
        assert_eq!(out2, all);
    }
}
