//! Probes: which packets the lab sends, how, and what the kernel did with them.
//!
//! Inbound probes leave the peer through a raw socket (the IP header written here, so the
//! source address, ports and protocol are exactly the probe's); outbound probes leave the
//! host through ordinary sockets bound to the chosen source port (TCP, UDP) or raw
//! sockets (other protocols), so the kernel's own policy lookup runs. Every probe carries
//! DSCP CS1, which the lab's nft table uses to tell probes from other traffic.
//!
//! Verdicts come from counters, never from waiting out a timeout: nft, the rule whose
//! counter moved (its row and verdict); xfrm inbound, the host's raw socket receiving the
//! packet (delivered) or the xfrm inbound error counters moving (dropped); xfrm outbound,
//! the send call itself (the kernel refuses a blocked or unprotected send at once).

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::net::{self, HOST_DEV, HOST_NS, PEER_DEV, PEER_NS, in_netns};
use super::packet::{PROBE_TOS, ip_packet, matches_header, payload};
use crate::cli::CliError;
use crate::cli::apply::Backend;
use crate::core::engine::Packet;

const WAIT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// One packet.
    Packet,
    /// A whole TCP connection, peer to host (SYN in, SYN-ACK out, ACK in).
    Connect,
}

/// A probe: the packet as the policy names it, and as the lab sends it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Probe {
    pub kind: Kind,
    pub inbound: bool,
    pub packet: (u8, Ipv4Addr, u16, Ipv4Addr, u16),
    pub lab: (u8, Ipv4Addr, u16, Ipv4Addr, u16),
}

impl Probe {
    pub fn original(&self) -> Packet {
        let (p, s, sp, d, dp) = self.packet;
        Packet::v4(p, s, sp, d, dp)
    }

    pub fn lab_packet(&self) -> Packet {
        let (p, s, sp, d, dp) = self.lab;
        Packet::v4(p, s, sp, d, dp)
    }
}

/// What the kernel did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub delivered: bool,
    /// nft only: the row whose rule counted the packet (`Some(None)`: "no match").
    pub row: Option<Option<usize>>,
    pub how: String,
}

/// The lab's sockets: raw receivers and a multicast membership in host, the raw sender in
/// peer, and host's TCP listener for connection probes.
pub struct Sockets {
    host_raw: BTreeMap<u8, Socket>,
    _membership: Socket,
    listener: Socket,
    peer_raw: Socket,
}

fn io(what: &str) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |e| CliError::Failed(format!("lab: {what}: {e}"))
}

/// The host listener for connection probes (no other probe uses this port, so no
/// half-open connection from a single SYN probe is in the way).
pub const LISTEN_PORT: u16 = 139;
pub const MULTICAST_GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 251);

pub fn open(protocols: &[u8]) -> Result<Sockets, CliError> {
    let (host_raw, membership, listener) = in_netns(HOST_NS, || {
        let mut raws = BTreeMap::new();
        for &p in protocols {
            let s = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(i32::from(p))))
                .map_err(io("raw socket"))?;
            s.set_nonblocking(true).map_err(io("nonblocking"))?;
            raws.insert(p, s);
        }
        let m = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).map_err(io("udp"))?;
        m.join_multicast_v4(&MULTICAST_GROUP, &crate::core::enforce::map::LAB_HOST)
            .map_err(io("join multicast group"))?;
        let l = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).map_err(io("tcp"))?;
        l.set_reuse_address(true).map_err(io("reuse"))?;
        l.set_tos_v4(u32::from(PROBE_TOS)).map_err(io("tos"))?;
        let addr = SocketAddrV4::new(crate::core::enforce::map::LAB_HOST, LISTEN_PORT);
        l.bind(&addr.into()).map_err(io("bind listener"))?;
        l.listen(16).map_err(io("listen"))?;
        l.set_nonblocking(true).map_err(io("nonblocking"))?;
        Ok((raws, m, l))
    })?;
    let peer_raw = in_netns(PEER_NS, || {
        let s = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(255)))
            .map_err(io("raw sender"))?;
        s.set_broadcast(true).map_err(io("broadcast"))?;
        s.bind_device(Some(PEER_DEV.as_bytes()))
            .map_err(io("bind to the veth"))?;
        Ok(s)
    })?;
    Ok(Sockets {
        host_raw,
        _membership: membership,
        listener,
        peer_raw,
    })
}

/// Runs one probe against the loaded `backend`.
pub fn run(s: &Sockets, backend: Backend, p: &Probe) -> Result<Observed, CliError> {
    match (p.kind, p.inbound) {
        (Kind::Connect, _) => connect(s, backend, p),
        (Kind::Packet, true) => inbound(s, backend, p),
        (Kind::Packet, false) => outbound(backend, p),
    }
}

fn counters(chain: &'static str) -> Result<Vec<net::Counter>, CliError> {
    in_netns(HOST_NS, move || net::nft_counters(chain))
}

fn xfrm_in() -> Result<u64, CliError> {
    in_netns(HOST_NS, net::xfrm_in_errors)
}

/// The first rule whose counter moved: its row (`None`: no match) and verdict word.
fn moved(before: &[net::Counter], after: &[net::Counter]) -> Option<(Option<usize>, String)> {
    before
        .iter()
        .zip(after)
        .find(|(b, a)| a.packets > b.packets && b.comment == a.comment)
        .map(|(_, a)| {
            (
                crate::core::enforce::nft::row_of_comment(&a.comment),
                a.verdict.clone(),
            )
        })
}

fn row_word(row: Option<usize>) -> String {
    row.map_or("no match".to_string(), |r| format!("row {r}"))
}

fn inbound(s: &Sockets, backend: Backend, p: &Probe) -> Result<Observed, CliError> {
    drain(s);
    let before_nft = match backend {
        Backend::Nft => counters("input")?,
        Backend::Xfrm => Vec::new(),
    };
    let before_x = xfrm_in()?;
    send_from_peer(s, p)?;
    let start = Instant::now();
    while start.elapsed() < WAIT {
        match backend {
            Backend::Nft => {
                if let Some((row, verdict)) = moved(&before_nft, &counters("input")?) {
                    // The counter names the rule; the host's raw socket says whether the
                    // packet really arrived (a negotiate rule's goto decides there).
                    // A drop rule is final: no need to look.
                    let arrived = verdict != "drop" && wait_received(s, p, start);
                    return Ok(Observed {
                        delivered: arrived,
                        row: Some(row),
                        how: format!(
                            "{verdict} at {}, {}",
                            row_word(row),
                            if arrived {
                                "received by the host"
                            } else {
                                "not received"
                            }
                        ),
                    });
                }
            }
            Backend::Xfrm => {
                if received(s, p) {
                    return Ok(Observed {
                        delivered: true,
                        row: None,
                        how: "received by the host".into(),
                    });
                }
                if xfrm_in()? > before_x {
                    return Ok(Observed {
                        delivered: false,
                        row: None,
                        how: "dropped by xfrm (inbound error counters)".into(),
                    });
                }
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Err(CliError::Failed(format!(
        "lab: probe {} left no trace in {} counters within {WAIT:?}",
        p.lab_packet(),
        backend.word()
    )))
}

fn outbound(backend: Backend, p: &Probe) -> Result<Observed, CliError> {
    let before = match backend {
        Backend::Nft => counters("output")?,
        Backend::Xfrm => Vec::new(),
    };
    let (sent, out_errors) = in_netns(HOST_NS, || {
        let before = net::xfrm_out_errors()?;
        let sent = send_from_host(p);
        Ok((sent, net::xfrm_out_errors()? - before))
    })?;
    match backend {
        Backend::Xfrm => Ok(Observed {
            delivered: sent.is_ok() && out_errors == 0,
            row: None,
            how: match sent {
                Ok(()) if out_errors == 0 => "sent".into(),
                Ok(()) => "sent into a blackhole: xfrm outbound error counters moved".into(),
                Err(e) => format!("refused by the kernel ({e})"),
            },
        }),
        Backend::Nft => {
            let start = Instant::now();
            while start.elapsed() < WAIT {
                if let Some((row, verdict)) = moved(&before, &counters("output")?) {
                    return Ok(Observed {
                        delivered: verdict == "accept",
                        row: Some(row),
                        how: format!("{verdict} at {}", row_word(row)),
                    });
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(CliError::Failed(format!(
                "lab: probe {} was not counted by nft (send: {sent:?})",
                p.lab_packet()
            )))
        }
    }
}

/// A TCP connection from the peer's chosen source port to the host's listener.
fn connect(s: &Sockets, backend: Backend, p: &Probe) -> Result<Observed, CliError> {
    let (_, src, sport, dst, dport) = p.lab;
    let before_nft = match backend {
        Backend::Nft => counters("input")?,
        Backend::Xfrm => Vec::new(),
    };
    let before_x = xfrm_in()?;
    let sock = in_netns(PEER_NS, || {
        let c = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).map_err(io("tcp"))?;
        c.set_reuse_address(true).map_err(io("reuse"))?;
        c.set_tos_v4(u32::from(PROBE_TOS)).map_err(io("tos"))?;
        c.bind(&SocketAddrV4::new(src, sport).into())
            .map_err(io("bind the source port"))?;
        c.set_nonblocking(true).map_err(io("nonblocking"))?;
        match c.connect(&SocketAddrV4::new(dst, dport).into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(nix::libc::EINPROGRESS) => {}
            Err(e) => return Err(io("connect")(e)),
        }
        Ok(c)
    })?;
    let start = Instant::now();
    let result = loop {
        if start.elapsed() > WAIT {
            break Err(CliError::Failed(format!(
                "lab: connection {} neither completed nor was dropped within {WAIT:?}",
                p.lab_packet()
            )));
        }
        if sock.peer_addr().is_ok() {
            break Ok(Observed {
                delivered: true,
                row: None,
                how: "connected".into(),
            });
        }
        let dropped = match backend {
            Backend::Nft => moved(&before_nft, &counters("input")?)
                .filter(|(_, v)| v != "accept")
                .map(|(row, v)| format!("SYN: {v} at {}", row_word(row))),
            Backend::Xfrm => (xfrm_in()? > before_x)
                .then(|| "SYN dropped by xfrm (inbound error counters)".to_string()),
        };
        if let Some(how) = dropped {
            break Ok(Observed {
                delivered: false,
                row: None,
                how,
            });
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    // Tidy up: take any accepted connection off the listener, close ours.
    while s.listener.accept().is_ok() {}
    drop(sock);
    result
}

/// Waits (briefly: a packet past the input hook reaches the raw socket at once) for the
/// host to receive the probe.
fn wait_received(s: &Sockets, p: &Probe, start: Instant) -> bool {
    let settle = Duration::from_millis(30);
    let until = Instant::now() + settle;
    while Instant::now() < until && start.elapsed() < WAIT {
        if received(s, p) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

fn drain(s: &Sockets) {
    let mut buf = [0u8; 2048];
    for sock in s.host_raw.values() {
        let mut r: &Socket = sock;
        while r.read(&mut buf).is_ok() {}
    }
}

/// The host's raw socket for the probe's protocol holds the probe.
fn received(s: &Sockets, p: &Probe) -> bool {
    let (proto, src, sport, dst, dport) = p.lab;
    let Some(sock) = s.host_raw.get(&proto) else {
        return false;
    };
    let mut buf = [0u8; 2048];
    let mut r: &Socket = sock;
    while let Ok(n) = r.read(&mut buf) {
        if matches_header(&buf[..n], proto, src, sport, dst, dport) {
            return true;
        }
    }
    false
}

fn send_from_peer(s: &Sockets, p: &Probe) -> Result<(), CliError> {
    let (proto, src, sport, dst, dport) = p.lab;
    let pkt = ip_packet(proto, src, sport, dst, dport);
    s.peer_raw
        .send_to(&pkt, &SockAddr::from(SocketAddrV4::new(dst, 0)))
        .map_err(io("send from the peer"))?;
    Ok(())
}

/// Sends the probe from the host (call inside the host namespace); the kernel's answer.
fn send_from_host(p: &Probe) -> Result<(), std::io::Error> {
    let (proto, src, sport, dst, dport) = p.lab;
    let to: SockAddr = SocketAddrV4::new(dst, dport).into();
    match proto {
        6 => {
            let c = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
            c.set_reuse_address(true)?;
            c.set_tos_v4(u32::from(PROBE_TOS))?;
            c.bind(&SocketAddrV4::new(src, sport).into())?;
            c.set_nonblocking(true)?;
            match c.connect(&to) {
                Err(e) if e.raw_os_error() != Some(nix::libc::EINPROGRESS) => Err(e),
                _ => Ok(()),
            }
        }
        17 => {
            let u = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
            u.set_reuse_address(true)?;
            u.set_tos_v4(u32::from(PROBE_TOS))?;
            u.set_broadcast(true)?;
            u.bind_device(Some(HOST_DEV.as_bytes()))?;
            u.bind(&SocketAddrV4::new(src, sport).into())?;
            u.send_to(b"ipsedit lab probe", &to).map(|_| ())
        }
        other => {
            let r = Socket::new(
                Domain::IPV4,
                Type::RAW,
                Some(Protocol::from(i32::from(other))),
            )?;
            r.set_tos_v4(u32::from(PROBE_TOS))?;
            r.set_broadcast(true)?;
            r.bind_device(Some(HOST_DEV.as_bytes()))?;
            r.bind(&SocketAddrV4::new(src, 0).into())?;
            let body = payload(other, src, 0, dst, 0);
            r.send_to(&body, &SockAddr::from(SocketAddrV4::new(dst, 0)))
                .map(|_| ())
        }
    }
}
