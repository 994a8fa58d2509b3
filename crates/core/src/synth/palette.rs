//! Named colours: palettes are drawn from this table (then jittered) so every caption names colours
//! that are really in the image.

pub struct Named {
    pub name: &'static str,
    pub rgb: [f32; 3],
}

const fn c(name: &'static str, r: u8, g: u8, b: u8) -> Named {
    Named { name, rgb: [r as f32 / 255.0, g as f32 / 255.0, b as f32 / 255.0] }
}

pub const COLORS: &[Named] = &[
    c("red", 200, 30, 35),
    c("crimson", 150, 15, 45),
    c("orange", 235, 120, 25),
    c("yellow", 240, 210, 40),
    c("gold", 205, 160, 45),
    c("olive", 120, 125, 40),
    c("green", 40, 140, 60),
    c("lime", 150, 210, 60),
    c("teal", 25, 125, 125),
    c("turquoise", 60, 200, 190),
    c("sky blue", 120, 185, 235),
    c("blue", 35, 75, 190),
    c("navy", 20, 30, 85),
    c("purple", 105, 45, 140),
    c("lavender", 180, 160, 220),
    c("pink", 240, 150, 180),
    c("magenta", 200, 40, 150),
    c("brown", 110, 65, 35),
    c("tan", 200, 165, 120),
    c("beige", 225, 210, 180),
    c("cream", 245, 235, 205),
    c("white", 245, 245, 245),
    c("grey", 130, 130, 130),
    c("charcoal", 50, 52, 55),
    c("black", 15, 15, 18),
];

#[inline]
pub fn luma(c: [f32; 3]) -> f32 {
    0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]
}

#[inline]
pub fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

#[inline]
pub fn scale(a: [f32; 3], k: f32) -> [f32; 3] {
    [a[0] * k, a[1] * k, a[2] * k]
}
