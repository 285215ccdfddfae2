//! Packet captures in, filter fields out: pcap and pcapng files (read with `pcap-file`),
//! each frame decoded to what the IPsec driver filters on (`decode`, with `etherparse`).
//!
//! Pure: reads any `std::io::Read` (the caller opens the file), keeps one frame in memory
//! at a time, prints nothing. Does not classify: `engine::replay` does the accounting.

pub mod decode;

use std::io::{Cursor, Read};

use pcap_file::PcapError;
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::{Block, PcapNgReader};

pub use decode::{Decoded, Fragment, Ipv4Fields, LinkType, decode};

/// A capture could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    #[error(
        "not a pcap or pcapng capture (the file starts with {0}): write one with `tcpdump -w FILE` or save as pcap/pcapng in Wireshark"
    )]
    Format(String),
    #[error("frame {frame}: {message}")]
    Frame { frame: u64, message: String },
    #[error(
        "frame {frame}: link type {linktype} is not supported: capture on Ethernet, with `tcpdump -i any` (Linux cooked), or as raw IP"
    )]
    LinkType { frame: u64, linktype: u32 },
}

/// One frame: what it holds and its length on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub decoded: Decoded,
    pub wire_len: u32,
}

enum Inner<R: Read> {
    Pcap(PcapReader<Cursor_<R>>, u32),
    PcapNg(PcapNgReader<Cursor_<R>>, Vec<u32>),
}

type Cursor_<R> = std::io::Chain<Cursor<[u8; 4]>, R>;

/// Reads frames one at a time. `truncated` is set when the capture ends inside a frame
/// (a capture cut short): the frames before it were all returned.
pub struct CaptureReader<R: Read> {
    inner: Inner<R>,
    frame: u64,
    pub truncated: bool,
    pub format: &'static str,
}

impl<R: Read> CaptureReader<R> {
    /// Detects the format from the magic number.
    pub fn new(mut reader: R) -> Result<CaptureReader<R>, CaptureError> {
        let mut magic = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            match reader.read(&mut magic[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(CaptureError::Format(format!("an unreadable byte ({e})"))),
            }
        }
        let shown = || {
            if got == 0 {
                "nothing: it is empty".to_string()
            } else {
                magic[..got]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        };
        if got < 4 {
            return Err(CaptureError::Format(shown()));
        }
        let chained = Cursor::new(magic).chain(reader);
        let bad = |e: PcapError| CaptureError::Format(format!("{} ({e})", shown()));
        let (inner, format) = match magic {
            [0xd4, 0xc3, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0xc3, 0xd4]
            | [0x4d, 0x3c, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0x3c, 0x4d] => {
                let r = PcapReader::new(chained).map_err(bad)?;
                let link = u32::from(r.header().datalink);
                (Inner::Pcap(r, link), "pcap")
            }
            [0x0a, 0x0d, 0x0d, 0x0a] => (
                Inner::PcapNg(PcapNgReader::new(chained).map_err(bad)?, Vec::new()),
                "pcapng",
            ),
            _ => return Err(CaptureError::Format(shown())),
        };
        Ok(CaptureReader {
            inner,
            frame: 0,
            truncated: false,
            format,
        })
    }

    /// The next frame; `None` at the end (or at a truncated last frame).
    pub fn next_frame(&mut self) -> Option<Result<Frame, CaptureError>> {
        loop {
            let frame = self.frame + 1;
            let fail = |e: PcapError| CaptureError::Frame {
                frame,
                message: e.to_string(),
            };
            let (decoded, wire_len) = match &mut self.inner {
                Inner::Pcap(r, link) => match r.next_packet()? {
                    Ok(p) => {
                        self.frame = frame;
                        let decoded = decode_or_fail(*link, &p.data, frame);
                        return Some(decoded.map(|decoded| Frame {
                            decoded,
                            wire_len: p.orig_len,
                        }));
                    }
                    Err(PcapError::IncompleteBuffer) => {
                        self.truncated = true;
                        return None;
                    }
                    Err(e) => return Some(Err(fail(e))),
                },
                Inner::PcapNg(r, links) => match r.next_block()? {
                    Ok(Block::SectionHeader(_)) => {
                        links.clear();
                        continue;
                    }
                    Ok(Block::InterfaceDescription(i)) => {
                        links.push(u32::from(i.linktype));
                        continue;
                    }
                    Ok(Block::EnhancedPacket(p)) => {
                        let Some(link) = links.get(p.interface_id as usize).copied() else {
                            return Some(Err(CaptureError::Frame {
                                frame,
                                message: format!(
                                    "packet of interface {} that no interface block describes",
                                    p.interface_id
                                ),
                            }));
                        };
                        (decode_or_fail(link, &p.data, frame), p.original_len)
                    }
                    Ok(Block::SimplePacket(p)) => {
                        let Some(link) = links.first().copied() else {
                            return Some(Err(CaptureError::Frame {
                                frame,
                                message: "packet before any interface block".into(),
                            }));
                        };
                        (decode_or_fail(link, &p.data, frame), p.original_len)
                    }
                    Ok(Block::Packet(p)) => {
                        let Some(link) = links.get(usize::from(p.interface_id)).copied() else {
                            return Some(Err(CaptureError::Frame {
                                frame,
                                message: "packet of an undescribed interface".into(),
                            }));
                        };
                        (decode_or_fail(link, &p.data, frame), p.original_len)
                    }
                    Ok(_) => continue,
                    Err(PcapError::IncompleteBuffer) => {
                        self.truncated = true;
                        return None;
                    }
                    Err(e) => return Some(Err(fail(e))),
                },
            };
            self.frame = frame;
            return Some(decoded.map(|decoded| Frame { decoded, wire_len }));
        }
    }

    /// Frames returned so far.
    pub fn frames(&self) -> u64 {
        self.frame
    }
}

fn decode_or_fail(linktype: u32, data: &[u8], frame: u64) -> Result<Decoded, CaptureError> {
    decode(LinkType::from_linktype(linktype), data)
        .ok_or(CaptureError::LinkType { frame, linktype })
}

/// Feeds every frame of `reader` to `replay`; `progress` is called every 2^18 frames with
/// (frames, bytes so far). Stops at the first unreadable frame.
pub fn replay_into<R: Read>(
    reader: &mut CaptureReader<R>,
    replay: &mut crate::core::engine::Replay<'_>,
    mut progress: impl FnMut(u64, u64),
) -> Result<(), CaptureError> {
    while let Some(frame) = reader.next_frame() {
        let frame = frame?;
        match frame.decoded {
            Decoded::Ipv4(f) => replay.ipv4(
                f.src,
                f.dst,
                f.protocol,
                f.src_port,
                f.dst_port,
                f.fragment == Fragment::Later,
                frame.wire_len,
            ),
            Decoded::Ipv6 => replay.ipv6(frame.wire_len),
            Decoded::NotIp => replay.not_ip(frame.wire_len),
            Decoded::Malformed => replay.malformed(frame.wire_len),
        }
        if replay.frames().is_multiple_of(1 << 18) {
            progress(replay.frames(), replay.report_bytes());
        }
    }
    Ok(())
}
