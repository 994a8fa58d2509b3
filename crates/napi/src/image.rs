//! Binding of clip_topo_core::image. Synchronous on purpose: it is called from the preprocessing
//! worker thread (src/clip/prepare-worker.ts), which is already off the main thread, and an image
//! takes a millisecond or two, less than scheduling an AsyncTask would save.

use clip_topo_core::image::{self, Window};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::hooks::{to_js_error, usize_of};

/// PIL-exact bicubic resize of an interleaved 8-bit image (width×height×channels) to newWidth×newHeight,
/// returning only the cropWidth×cropHeight window at (left, top) of the result.
#[napi]
pub fn resize_bicubic_pil_crop(
    src: Uint8Array,
    width: u32,
    height: u32,
    channels: u32,
    new_width: u32,
    new_height: u32,
    left: u32,
    top: u32,
    crop_width: u32,
    crop_height: u32,
) -> Result<Uint8Array> {
    let window = Window { left: usize_of(left), top: usize_of(top), width: usize_of(crop_width), height: usize_of(crop_height) };
    image::resize_bicubic_pil_crop(
        &src,
        usize_of(width),
        usize_of(height),
        usize_of(channels),
        usize_of(new_width),
        usize_of(new_height),
        window,
    )
    .map(Uint8Array::new)
    .map_err(to_js_error)
}
