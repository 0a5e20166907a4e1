//! Where uploaded files live, behind one interface. Files are addressed by keys the server
//! generates (`<32 hex>.<ext>`), never by names a client chose.

pub mod image;
mod local;
pub mod s3;

use std::future::Future;
use std::pin::Pin;

use rand::RngCore;

pub use local::LocalDisk;
pub use s3::{S3Config, S3Storage};

pub type StorageFuture<'a, T> = Pin<Box<dyn Future<Output = std::io::Result<T>> + Send + 'a>>;

/// The image types HireMe accepts, recognised from their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
    Gif,
    Webp,
}

impl ImageKind {
    /// The kind of image `bytes` start like, if any.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [0xFF, 0xD8, 0xFF, ..] => Some(Self::Jpeg),
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(Self::Png),
            [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(Self::Gif),
            [
                b'R',
                b'I',
                b'F',
                b'F',
                _,
                _,
                _,
                _,
                b'W',
                b'E',
                b'B',
                b'P',
                ..,
            ] => Some(Self::Webp),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Gif => "gif",
            Self::Webp => "webp",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
        }
    }

    fn from_extension(ext: &str) -> Option<Self> {
        [Self::Jpeg, Self::Png, Self::Gif, Self::Webp]
            .into_iter()
            .find(|k| k.extension() == ext)
    }
}

/// A storage key: 32 lower-case hex digits and a known image extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    pub fn new(kind: ImageKind) -> Self {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Self(format!("{hex}.{}", kind.extension()))
    }

    /// Accepts only keys of the form this server makes, so a key can never name a path
    /// outside the store.
    pub fn parse(raw: &str) -> Option<Self> {
        let (stem, ext) = raw.split_once('.')?;
        let ok = stem.len() == 32
            && stem
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && ImageKind::from_extension(ext).is_some();
        ok.then(|| Self(raw.to_owned()))
    }

    pub fn kind(&self) -> ImageKind {
        let ext = self.0.rsplit('.').next().unwrap_or_default();
        ImageKind::from_extension(ext).unwrap_or(ImageKind::Jpeg)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub trait Storage: Send + Sync {
    fn put<'a>(&'a self, key: &'a Key, bytes: Vec<u8>) -> StorageFuture<'a, ()>;
    /// The stored bytes, or `None` when there is no such file.
    fn get<'a>(&'a self, key: &'a Key) -> StorageFuture<'a, Option<Vec<u8>>>;
    fn delete<'a>(&'a self, key: &'a Key) -> StorageFuture<'a, ()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_their_bytes_only() {
        assert_eq!(
            ImageKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(
            ImageKind::sniff(b"\x89PNG\r\n\x1a\nrest"),
            Some(ImageKind::Png)
        );
        assert_eq!(ImageKind::sniff(b"GIF89a..."), Some(ImageKind::Gif));
        assert_eq!(
            ImageKind::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(ImageKind::Webp)
        );
        for bad in [
            &b"<svg xmlns"[..],
            b"<html>",
            b"PK\x03\x04",
            b"",
            b"\xFF\xD8",
        ] {
            assert_eq!(ImageKind::sniff(bad), None);
        }
    }

    #[test]
    fn only_generated_keys_parse() {
        let key = Key::new(ImageKind::Png);
        assert_eq!(Key::parse(key.as_str()), Some(key.clone()));
        assert_eq!(key.kind(), ImageKind::Png);
        for bad in [
            "../etc/passwd",
            "abc.png",
            &format!("{}.exe", "a".repeat(32)),
            &format!("{}/x.png", "a".repeat(31)),
        ] {
            assert!(Key::parse(bad).is_none(), "{bad}");
        }
    }
}
