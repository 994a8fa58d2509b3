//! JPEG decoding with libjpeg-turbo, the library Pillow decodes JPEGs with: same islow IDCT, same
//! "fancy" (triangle) chroma upsampling, same YCbCr→RGB tables, so the pixels equal PIL's bit for bit.
//! It exists because decoding through sharp/libvips costs about 1 ms more per image (pipeline set-up,
//! thread hand-offs, a copy) than the decode itself, and image preparation shares two cores with
//! inference (issue #6: embed throughput against a bare inference loop).
//!
//! Only what PIL would open as mode "L" or "RGB" is decoded here (8-bit, 1 or 3 components, DCT);
//! CMYK/YCCK, 12-bit and lossless JPEGs return `None` so the caller keeps its general path.
//! Damaged files are treated as PIL treats them, so that a dataset keeps the same images as the
//! Python pipeline: a file whose data ends before the end-of-image marker is an error (PIL: "image
//! file is truncated"), while libjpeg's warnings about corrupt but complete data (bad Huffman codes,
//! stray bytes) are ignored and its recovered pixels kept, as PIL keeps them. Fatal libjpeg errors
//! are errors. Embedded ICC profiles are ignored, as PIL does.

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
    // Checked before decoding: libjpeg would pad a truncated file with grey and only warn.
    if !ends_with_eoi(jpeg) {
        return Err(JpegError::Corrupt("Premature end of JPEG file (no end-of-image marker after the image data)".into()));
    }
    // A legitimate progressive JPEG has about ten scans; thousands are a denial-of-service pattern.
    h.set(tj::TJPARAM_TJPARAM_SCANLIMIT, 500)?;
    let mut pixels = vec![0u8; width * height * channels];
    // SAFETY: `pixels` holds width × height × channels bytes, the size TurboJPEG writes for this
    // format with pitch 0 (= width × channels); the JPEG buffer outlives the call.
    let rc = unsafe { tj::tj3Decompress8(h.0, jpeg.as_ptr(), jpeg.len() as _, pixels.as_mut_ptr(), 0, format) };
    // SAFETY: the handle is live; the code describes the call just made.
    if rc != 0 && unsafe { tj::tj3GetErrorCode(h.0) } != tj::TJERR_TJERR_WARNING as libc::c_int {
        return Err(h.error());
    }
    Ok(Some(Decoded { width, height, channels, pixels }))
}

/**
 * Whether an end-of-image marker (FF D9) follows the start of the image data. The segments before
 * the first start-of-scan are skipped by their lengths, so that an EXIF thumbnail's own markers
 * (inside APP1) do not count; within the scans FF D9 can only be the real marker (entropy-coded
 * data stuffs every FF with 00, and restart markers are FF D0–D7).
 */
fn ends_with_eoi(jpeg: &[u8]) -> bool {
    let mut i = 2;
    while i + 4 <= jpeg.len() {
        if jpeg[i] != 0xff {
            return false;
        }
        let m = jpeg[i + 1];
        if m == 0xff || m == 0x01 || (0xd0..=0xd8).contains(&m) {
            i += if m == 0xff { 1 } else { 2 };
            continue;
        }
        if m == 0xd9 {
            return false; // end of image before any scan
        }
        let len = ((jpeg[i + 2] as usize) << 8) | jpeg[i + 3] as usize;
        if m == 0xda {
            // From the end: in a complete file the marker is (nearly) the last two bytes.
            return jpeg[i + 2 + len.min(jpeg.len() - i - 2)..].windows(2).rev().any(|w| w == [0xff, 0xd9]);
        }
        i += 2 + len;
    }
    false
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
            tj::tj3Set(
                h,
                tj::TJPARAM_TJPARAM_SUBSAMP as libc::c_int,
                if gray { tj::TJSAMP_TJSAMP_GRAY } else { tj::TJSAMP_TJSAMP_444 } as libc::c_int,
            );
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
    fn corrupt_but_complete_scan_data_decodes_as_pil_does() {
        let (w, h) = (64, 48);
        let src: Vec<u8> = (0..w * h * 3).map(|i| (i * 13 % 241) as u8).collect();
        let mut jpeg = encode(w, h, 3, &src);
        let sos = jpeg.windows(2).position(|p| p == [0xff, 0xda]).unwrap();
        let mid = sos + (jpeg.len() - sos) / 2;
        for b in &mut jpeg[mid..mid + 20] {
            // Garbage that never forms a marker.
            *b = if *b ^ 0x5a == 0xff { 0 } else { *b ^ 0x5a };
        }
        let d = decode(&jpeg, 1 << 20).unwrap().unwrap();
        assert_eq!((d.width, d.height, d.channels), (w, h, 3));
    }

    #[test]
    fn the_end_of_image_check_skips_thumbnails_and_reads_past_the_first_scan() {
        let jpeg = encode(16, 16, 3, &[50u8; 16 * 16 * 3]);
        assert!(ends_with_eoi(&jpeg));
        assert!(!ends_with_eoi(&jpeg[..jpeg.len() - 2]));
        // An APP1 segment holding a complete small JPEG (an EXIF-style thumbnail) inserted after SOI:
        // its FF DA … FF D9 must not make a truncated main image look complete.
        let thumb = encode(8, 8, 1, &[9u8; 64]);
        let mut with_thumb = vec![0xff, 0xd8, 0xff, 0xe1];
        let len = thumb.len() + 2;
        with_thumb.extend_from_slice(&[(len >> 8) as u8, len as u8]);
        with_thumb.extend_from_slice(&thumb);
        with_thumb.extend_from_slice(&jpeg[2..]);
        assert!(ends_with_eoi(&with_thumb));
        let cut = &with_thumb[..with_thumb.len() - 2];
        assert!(!ends_with_eoi(cut));
        assert!(matches!(decode(cut, 1 << 20), Err(JpegError::Corrupt(m)) if m.contains("Premature end")));
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
