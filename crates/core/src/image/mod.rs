//! Image arithmetic for CLIP preprocessing on decoded 8-bit pixel buffers (no decoding, no I/O).

pub mod resample;

pub use resample::{resize_bicubic_pil, resize_bicubic_pil_crop, Window};
