//! Binding of clip_topo_jpeg. Synchronous for the same reason as image.rs: it runs in the
//! preprocessing worker thread, and a decode takes about a millisecond.

use napi::bindgen_prelude::*;
use napi_derive::napi;

#[napi(object)]
pub struct DecodedJpeg {
    pub width: u32,
    pub height: u32,
    /// 1 (gray) or 3 (RGB), interleaved.
    pub channels: u32,
    pub pixels: Uint8Array,
}

/// Decodes a JPEG that PIL opens as "L" or "RGB" with libjpeg-turbo (PIL's pixels exactly); null for
/// other JPEG kinds (CMYK, 12-bit, lossless). Truncated files are errors; corrupt but complete data
/// decodes to libjpeg's recovered pixels, as in PIL.
#[napi]
pub fn decode_jpeg(jpeg: Uint8Array, max_pixels: f64) -> Result<Option<DecodedJpeg>> {
    let limit = if max_pixels.is_finite() && max_pixels >= 0.0 { max_pixels as u64 } else { u64::MAX };
    match clip_topo_jpeg::decode(&jpeg, limit) {
        Ok(Some(d)) => Ok(Some(DecodedJpeg {
            width: d.width as u32,
            height: d.height as u32,
            channels: d.channels as u32,
            pixels: Uint8Array::new(d.pixels),
        })),
        Ok(None) => Ok(None),
        Err(e) => Err(Error::from_reason(format!("[ERR_IMAGE] {e}"))),
    }
}
