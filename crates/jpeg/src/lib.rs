//! JPEG decoding with libjpeg-turbo, the library Pillow decodes JPEGs with: same islow IDCT, same
//! "fancy" (triangle) chroma upsampling, same YCbCr→RGB tables, so the pixels equal PIL's bit for bit.
//! It exists because decoding through sharp/libvips costs about 1 ms more per image (pipeline set-up,
//! thread hand-offs, a copy) than the decode itself, and image preparation shares two cores with
//! inference (issue #6: embed throughput against a bare inference loop).
//!
//! Only what PIL would open as mode "L" or "RGB" is decoded here (8-bit, 1 or 3 components, DCT);
//! CMYK/YCCK, 12-bit and lossless JPEGs return `None` so the caller keeps its general path.
//! Like sharp's default (failOn: "warning"), any libjpeg warning (truncated data, corrupt segments)
//! is an error rather than a half-grey image. Embedded ICC profiles are ignored, as PIL does.

use std::ffi::CStr;

use turbojpeg_sys as tj;

/// Decoded pixels, interleaved: `channels` is 1 (gray) or 3 (RGB).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub width: usize,
    pub height: usize,
    pub channels: usize,
    pub pixels: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JpegError {
    /// The header or the entropy-coded data cannot be read (libjpeg-turbo's message).
    Corrupt(String),
    /// width × height is above the caller's limit: refused before any pixel is decoded.
    TooLarge { width: usize, height: usize, max_pixels: u64 },
}

impl std::fmt::Display for JpegError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JpegError::Corrupt(m) => write!(f, "libjpeg-turbo: {m}"),
            JpegError::TooLarge { width, height, max_pixels } => {
                write!(f, "JPEG is {width}×{height} = {} pixels, more than {max_pixels}", width * height)
            }
        }
    }
}

impl std::error::Error for JpegError {}

/// One TurboJPEG decompressor, destroyed on drop (also on the error paths).
struct Handle(tj::tjhandle);

impl Handle {
    fn new() -> Result<Self, JpegError> {
        // SAFETY: tj3Init has no preconditions; a null handle is reported as an error below.
        let h = unsafe { tj::tj3Init(tj::TJINIT_TJINIT_DECOMPRESS as libc::c_int) };
        if h.is_null() {
            return Err(JpegError::Corrupt("cannot create a libjpeg-turbo decompressor".into()));
        }
        Ok(Handle(h))
    }

    fn get(&self, param: tj::TJPARAM) -> i32 {
        // SAFETY: the handle is live for &self.
        unsafe { tj::tj3Get(self.0, param as libc::c_int) }
    }

    fn set(&self, param: tj::TJPARAM, value: i32) -> Result<(), JpegError> {
        // SAFETY: the handle is live for &self.
        if unsafe { tj::tj3Set(self.0, param as libc::c_int, value) } != 0 {
            return Err(self.error());
        }
        Ok(())
    }

    fn error(&self) -> JpegError {
        // SAFETY: tj3GetErrorStr returns a NUL-terminated string owned by the handle.
        let msg = unsafe { CStr::from_ptr(tj::tj3GetErrorStr(self.0)) };
        JpegError::Corrupt(msg.to_string_lossy().trim().to_string())
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: created by tj3Init, destroyed once.
        unsafe { tj::tj3Destroy(self.0) };
    }
}

/// Decodes a JPEG that PIL would open as "L" or "RGB"; `Ok(None)` for any other kind of JPEG
/// (CMYK, YCCK, 12-bit, lossless), which the caller decodes another way. Images with more than
/// `max_pixels` pixels are refused from the header, before any allocation for the pixels.
pub fn decode(jpeg: &[u8], max_pixels: u64) -> Result<Option<Decoded>, JpegError> {
    let h = Handle::new()?;
    // SAFETY: the pointer and length describe `jpeg`, which outlives the call.
    if unsafe { tj::tj3DecompressHeader(h.0, jpeg.as_ptr(), jpeg.len() as _) } != 0 {
        return Err(h.error());
    }
    let width = h.get(tj::TJPARAM_TJPARAM_JPEGWIDTH).max(0) as usize;
    let height = h.get(tj::TJPARAM_TJPARAM_JPEGHEIGHT).max(0) as usize;
    if width == 0 || height == 0 {
        return Err(JpegError::Corrupt("no image size in the header".into()));
    }
    if (width as u64) * (height as u64) > max_pixels {
        return Err(JpegError::TooLarge { width, height, max_pixels });
    }
    if h.get(tj::TJPARAM_TJPARAM_PRECISION) != 8 || h.get(tj::TJPARAM_TJPARAM_LOSSLESS) == 1 {
        return Ok(None);
    }
    let channels = match h.get(tj::TJPARAM_TJPARAM_COLORSPACE) as tj::TJCS {
        tj::TJCS_TJCS_GRAY => 1,
        tj::TJCS_TJCS_YCbCr | tj::TJCS_TJCS_RGB => 3,
        _ => return Ok(None),
    };
    let format = if channels == 1 { tj::TJPF_TJPF_GRAY } else { tj::TJPF_TJPF_RGB };
    h.set(tj::TJPARAM_TJPARAM_STOPONWARNING, 1)?;
    // A legitimate progressive JPEG has about ten scans; thousands are a denial-of-service pattern.
    h.set(tj::TJPARAM_TJPARAM_SCANLIMIT, 500)?;
    let mut pixels = vec![0u8; width * height * channels];
    // SAFETY: `pixels` holds width × height × channels bytes, the size TurboJPEG writes for this
    // format with pitch 0 (= width × channels); the JPEG buffer outlives the call.
    let rc = unsafe { tj::tj3Decompress8(h.0, jpeg.as_ptr(), jpeg.len() as _, pixels.as_mut_ptr(), 0, format) };
    if rc != 0 {
        return Err(h.error());
    }
    Ok(Some(Decoded { width, height, channels, pixels }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An 8×8 gray baseline JPEG, every sample 128.
    fn gray_8x8() -> Vec<u8> {
        encode(8, 8, 1, &[128u8; 64])
    }

    /// Encodes with TurboJPEG itself: tests need JPEGs of known content without committed binaries.
    fn encode(width: usize, height: usize, channels: usize, pixels: &[u8]) -> Vec<u8> {
        // SAFETY: standard TurboJPEG compression of a buffer of the stated size; the output buffer
        // is allocated by TurboJPEG and freed with tj3Free after copying.
        unsafe {
            let h = tj::tj3Init(tj::TJINIT_TJINIT_COMPRESS as libc::c_int);
            assert!(!h.is_null());
            let gray = channels == 1;
            tj::tj3Set(h, tj::TJPARAM_TJPARAM_QUALITY as libc::c_int, 90);
            tj::tj3Set(h, tj::TJPARAM_TJPARAM_SUBSAMP as libc::c_int, if gray { tj::TJSAMP_TJSAMP_GRAY } else { tj::TJSAMP_TJSAMP_444 } as libc::c_int);
            let mut out: *mut u8 = std::ptr::null_mut();
            let mut size: tj::size_t = 0;
            let format = if gray { tj::TJPF_TJPF_GRAY } else { tj::TJPF_TJPF_RGB };
            let rc = tj::tj3Compress8(h, pixels.as_ptr(), width as libc::c_int, 0, height as libc::c_int, format, &mut out, &mut size);
            assert_eq!(rc, 0);
            let v = std::slice::from_raw_parts(out, size as usize).to_vec();
            tj::tj3Free(out as *mut libc::c_void);
            tj::tj3Destroy(h);
            v
        }
    }

    #[test]
    fn gray_decodes_to_one_channel() {
        let d = decode(&gray_8x8(), 1 << 20).unwrap().unwrap();
        assert_eq!((d.width, d.height, d.channels), (8, 8, 1));
        // A flat block survives quantisation exactly.
        assert!(d.pixels.iter().all(|&v| v == 128), "{:?}", d.pixels);
    }

    #[test]
    fn colour_decodes_to_rgb_close_to_the_source() {
        let (w, h) = (37, 23);
        let src: Vec<u8> = (0..w * h * 3).map(|i| ((i / 3 % w) * 5 + (i / 3 / w) * 3 + (i % 3) * 40) as u8).collect();
        let d = decode(&encode(w, h, 3, &src), 1 << 20).unwrap().unwrap();
        assert_eq!((d.width, d.height, d.channels), (w, h, 3));
        let mean = d.pixels.iter().zip(&src).map(|(&a, &b)| (a as f64 - b as f64).abs()).sum::<f64>() / src.len() as f64;
        assert!(mean < 4.0, "mean abs error {mean}");
    }

    #[test]
    fn truncated_data_is_an_error_not_grey_pixels() {
        let (w, h) = (64, 64);
        let src: Vec<u8> = (0..w * h * 3).map(|i| (i * 7 % 251) as u8).collect();
        let jpeg = encode(w, h, 3, &src);
        let cut = &jpeg[..jpeg.len() * 2 / 3];
        assert!(matches!(decode(cut, 1 << 20), Err(JpegError::Corrupt(_))));
    }

    #[test]
    fn oversized_header_is_refused_before_decoding() {
        let jpeg = encode(40, 30, 3, &[90u8; 40 * 30 * 3]);
        assert_eq!(decode(&jpeg, 1000), Err(JpegError::TooLarge { width: 40, height: 30, max_pixels: 1000 }));
    }

    #[test]
    fn not_a_jpeg_is_an_error() {
        assert!(matches!(decode(b"this is text, named .jpg", 1 << 20), Err(JpegError::Corrupt(_))));
        assert!(matches!(decode(&[], 1 << 20), Err(JpegError::Corrupt(_))));
    }
}
