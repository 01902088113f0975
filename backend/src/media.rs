//! What kind of video a clip is, from its first bytes (its container's magic number), never from
//! the file name or the type the client claims.

/// A video container the API accepts as a clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoType {
    /// ISO base media (MP4, M4V, 3GP): an `ftyp` box first, at offset 4.
    Mp4,
    /// QuickTime (MOV): an `ftyp` box whose major brand is `qt  `.
    QuickTime,
    /// WebM: EBML (`1A 45 DF A3`) with the doc type `webm`.
    WebM,
    /// Matroska (MKV): EBML with the doc type `matroska`.
    Matroska,
}

/// Major brands of `ftyp` files that are still images or audio, not video (HEIF/HEIC, AVIF,
/// JPEG 2000 family, AAC audio and audio books).
const NOT_VIDEO_BRANDS: [&[u8; 4]; 14] = [
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis", b"crx ",
    b"M4A ", b"M4B ", b"M4P ",
];

/// How far into an EBML header its doc type is looked for: the header is a few dozen bytes.
const EBML_HEADER_PROBE: usize = 64;

impl VideoType {
    /// The container `content` starts with, if it is one of the accepted ones.
    pub fn detect(content: &[u8]) -> Option<VideoType> {
        if content.get(4..8) == Some(b"ftyp") {
            // A real `ftyp` box holds at least its size, type, major brand and minor version.
            let size = u32::from_be_bytes(content[..4].try_into().expect("four bytes"));
            let brand: &[u8; 4] = content.get(8..12)?.try_into().expect("four bytes");
            if size < 16 || size as usize > content.len() || NOT_VIDEO_BRANDS.contains(&brand) {
                return None;
            }
            return Some(if brand == b"qt  " { VideoType::QuickTime } else { VideoType::Mp4 });
        }
        if content.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
            let header = &content[..content.len().min(EBML_HEADER_PROBE)];
            // The DocType element: id 0x4282, then its size as a one-byte EBML number.
            let doc_type = |name: &[u8]| {
                let mut element = vec![0x42, 0x82, 0x80 | name.len() as u8];
                element.extend_from_slice(name);
                header.windows(element.len()).any(|window| window == element)
            };
            if doc_type(b"webm") {
                return Some(VideoType::WebM);
            }
            if doc_type(b"matroska") {
                return Some(VideoType::Matroska);
            }
        }
        None
    }

    /// The MIME type a clip of this kind is served as.
    pub fn mime(self) -> &'static str {
        match self {
            VideoType::Mp4 => "video/mp4",
            VideoType::QuickTime => "video/quicktime",
            VideoType::WebM => "video/webm",
            VideoType::Matroska => "video/x-matroska",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(brand: &[u8; 4]) -> Vec<u8> {
        let mut file = vec![0, 0, 0, 20];
        file.extend_from_slice(b"ftyp");
        file.extend_from_slice(brand);
        file.extend_from_slice(&[0, 0, 2, 0]);
        file.extend_from_slice(b"isom");
        file.extend_from_slice(b"....mdat");
        file
    }

    fn ebml(doc_type: &[u8]) -> Vec<u8> {
        let mut file = vec![0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01];
        file.extend_from_slice(&[0x42, 0x82, 0x80 | doc_type.len() as u8]);
        file.extend_from_slice(doc_type);
        file.extend_from_slice(&[0x42, 0x87, 0x81, 0x04, 0x18, 0x53, 0x80, 0x67]);
        file
    }

    #[test]
    fn video_containers_are_recognised() {
        assert_eq!(VideoType::detect(&ftyp(b"isom")), Some(VideoType::Mp4));
        assert_eq!(VideoType::detect(&ftyp(b"mp42")), Some(VideoType::Mp4));
        assert_eq!(VideoType::detect(&ftyp(b"qt  ")), Some(VideoType::QuickTime));
        assert_eq!(VideoType::detect(&ebml(b"webm")), Some(VideoType::WebM));
        assert_eq!(VideoType::detect(&ebml(b"matroska")), Some(VideoType::Matroska));
        let seeded =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/clips/admin-incident-cam1.mp4"));
        assert_eq!(VideoType::detect(&seeded.unwrap()), Some(VideoType::Mp4));
    }

    #[test]
    fn anything_else_is_not_a_video() {
        let mut truncated = ftyp(b"isom");
        truncated.truncate(12);
        let mut tiny_box = ftyp(b"isom");
        tiny_box[3] = 8;
        for junk in [
            b"<!doctype html><script>alert(1)</script>".to_vec(),
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            b"\xff\xd8\xff\xe0\0\x10JFIF".to_vec(),
            b"RIFF\0\0\0\0AVI LIST".to_vec(),
            b"ftyp".to_vec(),
            Vec::new(),
            truncated,
            tiny_box,
            ftyp(b"heic"),
            ftyp(b"avif"),
            ftyp(b"M4A "),
            ebml(b"nonsense"),
            vec![0x1A, 0x45, 0xDF, 0xA3],
        ] {
            assert_eq!(VideoType::detect(&junk), None, "{:?}", String::from_utf8_lossy(&junk));
        }
    }
}
