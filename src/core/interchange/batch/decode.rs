//! Turning a script's bytes into lines of text, as cmd.exe reads them: UTF-8 (with or
//! without BOM), UTF-16LE/BE with BOM, or a legacy code page through `encoding_rs`
//! (Windows-1252, GBK/936, Big5, Shift_JIS, EUC-KR, 866, ...). The code page is chosen by
//! `--encoding`, by a BOM, by the text being valid UTF-8, or else guessed deterministically
//! by `chardetng` (Mozilla's detector made for encoding_rs); `chcp N` switches the
//! decoding of the lines after it. Pure.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// How the encoding was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// A byte-order mark.
    Bom,
    /// The bytes are valid UTF-8.
    Utf8,
    /// `--encoding LABEL`.
    Flag,
    /// Not UTF-8: guessed by chardetng.
    Guessed,
}

impl How {
    pub fn word(self) -> &'static str {
        match self {
            How::Bom => "byte-order mark",
            How::Utf8 => "valid UTF-8",
            How::Flag => "--encoding",
            How::Guessed => "guessed (not valid UTF-8)",
        }
    }
}

/// A script split into physical lines, each kept as bytes so `chcp` can decode the rest
/// of the file again.
#[derive(Debug, Clone)]
pub struct Source {
    /// Raw bytes of each line (without `\n`/`\r\n`); empty for UTF-16 files.
    raw: Vec<Vec<u8>>,
    /// Decoded text of each line.
    pub lines: Vec<String>,
    pub encoding: &'static Encoding,
    pub how: How,
}

/// The encoding a label names: encoding_rs labels (`gbk`, `windows-1252`, `shift_jis`) or
/// Windows code page numbers (`936`, `cp936`).
pub fn for_label(label: &str) -> Option<&'static Encoding> {
    let l = label.trim().to_ascii_lowercase();
    let digits = l.strip_prefix("cp").unwrap_or(&l);
    if let Ok(n) = digits.parse::<u16>() {
        return for_code_page(n);
    }
    Encoding::for_label(l.as_bytes())
}

/// The encoding of a Windows code page number (`chcp N`), when encoding_rs has it.
pub fn for_code_page(n: u16) -> Option<&'static Encoding> {
    let label = match n {
        65001 => "utf-8",
        1200 => "utf-16le",
        1201 => "utf-16be",
        936 | 54936 => "gbk",
        950 => "big5",
        932 => "shift_jis",
        949 => "euc-kr",
        866 => "ibm866",
        874 => "windows-874",
        1250..=1258 => return Encoding::for_label(format!("windows-{n}").as_bytes()),
        20866 => "koi8-r",
        21866 => "koi8-u",
        28591 => "windows-1252",
        28592..=28606 => return Encoding::for_label(format!("iso-8859-{}", n - 28590).as_bytes()),
        _ => return None,
    };
    Encoding::for_label(label.as_bytes())
}

impl Source {
    /// Decodes `bytes`, `forced` being `--encoding`.
    pub fn new(bytes: &[u8], forced: Option<&'static Encoding>) -> Source {
        if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
            return Source::utf16(rest, UTF_16LE);
        }
        if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
            return Source::utf16(rest, UTF_16BE);
        }
        let (body, bom) = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
            Some(rest) => (rest, true),
            None => (bytes, false),
        };
        let (encoding, how) = if bom {
            (UTF_8, How::Bom)
        } else if let Some(e) = forced {
            (e, How::Flag)
        } else if std::str::from_utf8(body).is_ok() {
            (UTF_8, How::Utf8)
        } else {
            let mut det = chardetng::EncodingDetector::new();
            det.feed(body, true);
            (det.guess(None, false), How::Guessed)
        };
        let raw: Vec<Vec<u8>> = split_lines(body);
        let lines = raw.iter().map(|l| decode_line(l, encoding)).collect();
        Source {
            raw,
            lines,
            encoding,
            how,
        }
    }

    fn utf16(body: &[u8], encoding: &'static Encoding) -> Source {
        let (text, _) = encoding.decode_without_bom_handling(body);
        let lines = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
            .collect();
        Source {
            raw: Vec::new(),
            lines,
            encoding,
            how: How::Bom,
        }
    }

    /// `chcp`: decodes the lines after `line` (0-based) with `encoding`. Returns false
    /// when the file is UTF-16 (cmd reads those as Unicode whatever the code page).
    pub fn switch_from(&mut self, line: usize, encoding: &'static Encoding) -> bool {
        if self.raw.is_empty() {
            return false;
        }
        self.encoding = encoding;
        for i in line + 1..self.raw.len() {
            if let (Some(raw), Some(text)) = (self.raw.get(i), self.lines.get_mut(i)) {
                *text = decode_line(raw, encoding);
            }
        }
        true
    }
}

fn split_lines(body: &[u8]) -> Vec<Vec<u8>> {
    body.split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec())
        .collect()
}

fn decode_line(raw: &[u8], encoding: &'static Encoding) -> String {
    encoding.decode_without_bom_handling(raw).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bom_and_utf16() {
        let s = Source::new(b"\xEF\xBB\xBFecho x\r\nrem y", None);
        assert_eq!(s.lines, vec!["echo x", "rem y"]);
        assert_eq!((s.encoding.name(), s.how), ("UTF-8", How::Bom));
        let mut b = vec![0xFF, 0xFE];
        for u in "a\r\nb".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        let s = Source::new(&b, None);
        assert_eq!(s.lines, vec!["a", "b"]);
        assert_eq!(s.encoding.name(), "UTF-16LE");
    }

    #[test]
    fn gbk_guessed_and_forced() {
        // "关闭危险端口" in GBK.
        let gbk = b"rem \xb9\xd8\xb1\xd5\xce\xa3\xcf\xd5\xb6\xcb\xbf\xda";
        let s = Source::new(gbk, None);
        assert_eq!(s.how, How::Guessed);
        assert_eq!(s.encoding.name(), "GBK");
        assert_eq!(s.lines[0], "rem 关闭危险端口");
        let s = Source::new(gbk, for_label("936"));
        assert_eq!((s.encoding.name(), s.how), ("GBK", How::Flag));
    }

    #[test]
    fn chcp_switches_the_rest() {
        let mut s = Source::new(b"chcp 1252\r\nrem caf\xe9", for_label("utf-8"));
        assert_eq!(s.lines[1], "rem caf\u{FFFD}");
        assert!(s.switch_from(0, for_code_page(1252).expect("1252")));
        assert_eq!(s.lines[1], "rem café");
        assert_eq!(for_label("cp936").map(|e| e.name()), Some("GBK"));
        assert_eq!(for_code_page(437), None);
    }
}
