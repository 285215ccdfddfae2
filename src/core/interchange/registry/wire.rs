//! Byte-level reading and writing shared by the five blob codecs: the `ipsecData` envelope
//! (type GUID, length, payload, trailing zero), little-endian integers, Windows GUIDs and
//! length-prefixed UTF-16 strings ([MS-GPIPSEC] §2.2.1; `MS-GPIPSEC.md` §0). Pure; knows
//! nothing of the model.

use std::fmt;

use uuid::Uuid;

/// Why a blob could not be read: what was expected and at which byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for BlobError {}

/// A forward-only reader over a blob.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Added to offsets in errors (a payload starts at byte 20 of its blob).
    base: usize,
}

/// Where the payload starts in every blob: after the type GUID and Data-Length.
pub const PAYLOAD: usize = 20;

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader {
            bytes,
            pos: 0,
            base: 0,
        }
    }

    /// A reader over a blob's payload: error offsets count from the blob's start.
    pub fn payload(bytes: &'a [u8]) -> Self {
        Reader {
            bytes,
            pos: 0,
            base: PAYLOAD,
        }
    }

    /// The offset in the blob.
    pub fn pos(&self) -> usize {
        self.base + self.pos
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    pub fn error(&self, message: impl Into<String>) -> BlobError {
        BlobError {
            offset: self.pos(),
            message: message.into(),
        }
    }

    pub fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], BlobError> {
        if self.remaining() < n {
            return Err(self.error(format!(
                "{what} needs {n} bytes but only {} are left",
                self.remaining()
            )));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.bytes[self.pos.min(self.bytes.len())..];
        self.pos = self.bytes.len();
        s
    }

    pub fn u8(&mut self, what: &str) -> Result<u8, BlobError> {
        Ok(self.take(1, what)?[0])
    }

    pub fn u16(&mut self, what: &str) -> Result<u16, BlobError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub fn u32(&mut self, what: &str) -> Result<u32, BlobError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Four bytes kept in stored order (IPv4 addresses and masks are in network order).
    pub fn ip(&mut self, what: &str) -> Result<[u8; 4], BlobError> {
        let b = self.take(4, what)?;
        Ok([b[0], b[1], b[2], b[3]])
    }

    pub fn guid(&mut self, what: &str) -> Result<Uuid, BlobError> {
        let b = self.take(16, what)?;
        let mut a = [0u8; 16];
        a.copy_from_slice(b);
        Ok(Uuid::from_bytes_le(a))
    }

    /// `u32 byteLength | UTF-16LE text with NUL`. The length counts the NUL; a missing NUL
    /// or an odd length is tolerated (the text ends at the first NUL).
    pub fn string(&mut self, what: &str) -> Result<String, BlobError> {
        let start = self.pos();
        let len = self.u32(what)? as usize;
        let bytes = self.take(len, what).map_err(|mut e| {
            e.offset = start;
            e.message = format!("{what}: its length {len} runs past the end of the blob");
            e
        })?;
        Ok(utf16_text(bytes))
    }

    /// A count that must fit in what is left, each item taking at least `min_item` bytes.
    pub fn count(&mut self, what: &str, min_item: usize) -> Result<usize, BlobError> {
        let at = self.pos();
        let n = self.u32(what)? as usize;
        if n.saturating_mul(min_item.max(1)) > self.remaining() {
            return Err(BlobError {
                offset: at,
                message: format!(
                    "{what} is {n}, more than the {} bytes left can hold",
                    self.remaining()
                ),
            });
        }
        Ok(n)
    }
}

/// UTF-16LE bytes to text, ending at the first NUL; unpaired surrogates become U+FFFD.
pub fn utf16_text(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|u| *u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

/// Text to UTF-16LE with a terminating NUL.
pub fn utf16_bytes(text: &str) -> Vec<u8> {
    let mut out: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    out.extend_from_slice(&[0, 0]);
    out
}

/// A growing blob.
#[derive(Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }

    pub fn u16(&mut self, v: u16) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    pub fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    pub fn raw(&mut self, b: &[u8]) {
        self.bytes.extend_from_slice(b);
    }

    pub fn guid(&mut self, g: Uuid) {
        self.bytes.extend_from_slice(&g.to_bytes_le());
    }

    pub fn string(&mut self, text: &str) {
        let b = utf16_bytes(text);
        self.u32(b.len() as u32);
        self.raw(&b);
    }
}

/// Reads the envelope: checks the type GUID and returns (payload reader limited to
/// DataLength bytes, the bytes after the counted part: the trailing zero and any
/// extension).
pub fn open(bytes: &[u8], type_guid: Uuid, kind: &str) -> Result<(Vec<u8>, Vec<u8>), BlobError> {
    let mut r = Reader::new(bytes);
    let g = r.guid("the type GUID")?;
    if g != type_guid {
        return Err(BlobError {
            offset: 0,
            message: format!(
                "a {kind} blob starts with {{{}}}, but this starts with {{{}}}",
                upper(type_guid),
                upper(g)
            ),
        });
    }
    let len_at = r.pos();
    let len = r.u32("Data-Length")? as usize;
    if len > r.remaining() {
        return Err(BlobError {
            offset: len_at,
            message: format!(
                "Data-Length is {len} but only {} bytes follow",
                r.remaining()
            ),
        });
    }
    let payload = r.take(len, "the payload")?.to_vec();
    Ok((payload, r.rest().to_vec()))
}

/// Wraps a payload: type GUID, Data-Length, payload, then `tail` (normally the one zero
/// byte every blob ends with).
pub fn seal(type_guid: Uuid, payload: &[u8], tail: &[u8]) -> Vec<u8> {
    let mut w = Writer::default();
    w.guid(type_guid);
    w.u32(payload.len() as u32);
    w.raw(payload);
    w.raw(tail);
    w.bytes
}

/// A GUID in the upper-case braceless form Windows writes.
pub fn upper(g: Uuid) -> String {
    g.hyphenated().to_string().to_ascii_uppercase()
}

/// `{GUID}` as Windows writes it in `ipsecID` and key names.
pub fn braced(g: Uuid) -> String {
    format!("{{{}}}", upper(g))
}

/// Parses `{GUID}` (braces optional, any case).
pub fn parse_braced(s: &str) -> Option<Uuid> {
    let t = s.trim();
    let t = t.strip_prefix('{').unwrap_or(t);
    let t = t.strip_suffix('}').unwrap_or(t);
    Uuid::parse_str(t).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_count_their_nul() {
        let mut w = Writer::default();
        w.string("");
        assert_eq!(w.bytes, [2, 0, 0, 0, 0, 0]);
        let mut w = Writer::default();
        w.string("ICMP");
        assert_eq!(
            w.bytes,
            [10, 0, 0, 0, b'I', 0, b'C', 0, b'M', 0, b'P', 0, 0, 0]
        );
        assert_eq!(Reader::new(&w.bytes).string("s"), Ok("ICMP".to_string()));
    }

    #[test]
    fn guids_are_stored_mixed_endian() {
        let g = parse_braced("{22202163-4F4C-11D1-863B-00A0248D3021}").expect("guid");
        let mut w = Writer::default();
        w.guid(g);
        assert_eq!(
            w.bytes,
            [
                0x63, 0x21, 0x20, 0x22, 0x4c, 0x4f, 0xd1, 0x11, 0x86, 0x3b, 0x00, 0xa0, 0x24, 0x8d,
                0x30, 0x21
            ]
        );
        assert_eq!(braced(g), "{22202163-4F4C-11D1-863B-00A0248D3021}");
    }

    #[test]
    fn overlong_lengths_are_errors_not_panics() {
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0x7f, 0, 0]);
        let e = r.string("Interface-Name").expect_err("too long");
        assert_eq!(e.offset, 0);
        let mut r = Reader::new(&[5, 0, 0, 0]);
        assert!(r.count("Number-Of-Filters", 52).is_err());
    }
}
