//! Every stored image goes through here: recognised from its bytes, decoded within dimension
//! and memory limits (a decompression bomb is refused before its pixels are allocated), turned
//! upright by its EXIF orientation, shrunk to at most 2048 px a side, and encoded afresh, so no
//! metadata (GPS included) and no trailing bytes survive. CPU-bound: call it on the blocking
//! pool.

use std::io::Cursor;

use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::ImageKind;

pub const MAX_SIDE: u32 = 2048;
/// Larger declared dimensions are refused before decoding.
const MAX_DECLARED_SIDE: u32 = 12_000;
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug)]
pub struct Processed {
    pub bytes: Vec<u8>,
    pub kind: ImageKind,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not JPEG, PNG, GIF or WebP by its bytes (whatever its name or declared type).
    NotAnImage,
    /// Declares dimensions or needs memory beyond the limits.
    TooLarge,
    /// Looks like an image but does not decode (truncated, corrupt).
    Undecodable,
}

pub fn process(bytes: &[u8]) -> Result<Processed, Refusal> {
    let kind = ImageKind::sniff(bytes).ok_or(Refusal::NotAnImage)?;
    let format = match kind {
        ImageKind::Jpeg => ImageFormat::Jpeg,
        ImageKind::Png => ImageFormat::Png,
        ImageKind::Gif => ImageFormat::Gif,
        ImageKind::Webp => ImageFormat::WebP,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECLARED_SIDE);
    limits.max_image_height = Some(MAX_DECLARED_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let refusal = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => Refusal::TooLarge,
        _ => Refusal::Undecodable,
    };
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    let (w, h) = decoder.dimensions();
    if w > MAX_DECLARED_SIDE || h > MAX_DECLARED_SIDE {
        return Err(Refusal::TooLarge);
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    img.apply_orientation(orientation);
    if img.width() > MAX_SIDE || img.height() > MAX_SIDE {
        img = img.resize(MAX_SIDE, MAX_SIDE, FilterType::Triangle);
    }
    // Photographs stay JPEG; everything else becomes a lossless PNG (animations keep their
    // first frame).
    let mut out = Cursor::new(Vec::new());
    let kind = if kind == ImageKind::Jpeg {
        let rgb = img.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
            .encode_image(&rgb)
            .map_err(|_| Refusal::Undecodable)?;
        ImageKind::Jpeg
    } else {
        img.write_to(&mut out, ImageFormat::Png)
            .map_err(|_| Refusal::Undecodable)?;
        ImageKind::Png
    };
    Ok(Processed {
        bytes: out.into_inner(),
        kind,
        width: img.width(),
        height: img.height(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::new_rgb8(w, h);
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    /// PNG's chunk checksum (CRC-32, IEEE).
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn big_images_are_shrunk_and_small_ones_kept() {
        let p = process(&png(3000, 1000)).unwrap();
        assert_eq!((p.width, p.height), (2048, 683));
        let p = process(&png(10, 20)).unwrap();
        assert_eq!((p.width, p.height, p.kind), (10, 20, ImageKind::Png));
    }

    #[test]
    fn declared_dimensions_beyond_the_limit_are_refused_without_decoding() {
        // A valid PNG header claiming 100,000 × 100,000 pixels, and nothing else.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let started = std::time::Instant::now();
        assert_eq!(process(&bomb).unwrap_err(), Refusal::TooLarge);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn non_images_and_truncated_images_are_refused() {
        assert_eq!(
            process(b"hello, I am text").unwrap_err(),
            Refusal::NotAnImage
        );
        assert_eq!(
            process(b"<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap_err(),
            Refusal::NotAnImage
        );
        let whole = png(64, 64);
        assert_eq!(
            process(&whole[..whole.len() / 2]).unwrap_err(),
            Refusal::Undecodable
        );
    }

    #[test]
    fn trailing_bytes_do_not_survive() {
        let mut polyglot = png(8, 8);
        polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
        let p = process(&polyglot).unwrap();
        assert!(!p.bytes.windows(6).any(|w| w == b"<html>"));
    }
}
