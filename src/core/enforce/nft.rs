//! The effective table as one nftables table, `inet ipsedit`, loaded atomically with one
//! `nft -f` (the file first declares and deletes the table, then defines it, so the kernel
//! swaps old for new in one transaction and never shows a half-loaded table).
//!
//! Layout: chains `input` and `output` (filter hooks, priority filter, policy accept) hold
//! every row in evaluation order, each with a `counter` and a comment `row N LABEL`; a final
//! `counter accept comment "no match"` counts packets no row matched. Rows go in both
//! chains: the engine matches rows on addresses, not on a direction, and an outbound
//! multicast packet can match a row the table calls inbound. The chains hold no `ct`
//! rule: like the IPsec driver, each packet is judged alone.
//!
//! Negotiate rows (there is no IKE here): inbound, "drop unless the packet arrived
//! protected" (`meta secpath exists accept`, else drop), or accept when the action has
//! `inpass`; outbound, "drop unless the route will protect it" (`rt ipsec exists accept`,
//! else drop), or accept when the action has `soft` (the fallback to clear a peer that does
//! not answer IKE gets).
//!
//! Pure: returns text; `src/cli/apply.rs` runs `nft`.

use std::fmt::Write;

use super::{Rule, Verdict, net_text};

/// The table's family and name, as nft writes them.
pub const TABLE: &str = "inet ipsedit";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Hook {
    Input,
    Output,
}

/// The whole `nft -f` file: replaces `inet ipsedit` atomically.
pub fn ruleset(rules: &[Rule]) -> String {
    let mut out = String::new();
    out.push_str("# written by ipsedit: the effective table, in evaluation order\n");
    let _ = writeln!(out, "table {TABLE}");
    let _ = writeln!(out, "delete table {TABLE}");
    let _ = writeln!(out, "table {TABLE} {{");
    for hook in [Hook::Input, Hook::Output] {
        let name = match hook {
            Hook::Input => "input",
            Hook::Output => "output",
        };
        let _ = writeln!(out, "\tchain {name} {{");
        let _ = writeln!(
            out,
            "\t\ttype filter hook {name} priority filter; policy accept;"
        );
        for r in rules {
            let _ = writeln!(out, "\t\t{}", rule_line(r, hook));
        }
        out.push_str("\t\tcounter accept comment \"no match\"\n");
        out.push_str("\t}\n");
    }
    out.push_str("\tchain negotiate_in {\n\t\tmeta secpath exists accept\n\t\tdrop\n\t}\n");
    out.push_str("\tchain negotiate_out {\n\t\trt ipsec exists accept\n\t\tdrop\n\t}\n");
    out.push_str("}\n");
    out
}

/// The file that removes the table (and nothing else).
pub fn delete() -> String {
    format!("table {TABLE}\ndelete table {TABLE}\n")
}

fn rule_line(r: &Rule, hook: Hook) -> String {
    let mut m = String::new();
    if r.v6 {
        m.push_str("meta nfproto ipv6 ");
    } else {
        m.push_str("meta nfproto ipv4 ");
        if r.src.prefix > 0 {
            let _ = write!(m, "ip saddr {} ", net_text(r.src));
        }
        if r.dst.prefix > 0 {
            let _ = write!(m, "ip daddr {} ", net_text(r.dst));
        }
        let ports = r.src_port != 0 || r.dst_port != 0;
        match (r.protocol, ports) {
            (0, false) => {}
            (0, true) => m.push_str("meta l4proto { 6, 17 } "),
            (p, _) => {
                let _ = write!(m, "meta l4proto {p} ");
            }
        }
        if r.src_port != 0 {
            let _ = write!(m, "th sport {} ", r.src_port);
        }
        if r.dst_port != 0 {
            let _ = write!(m, "th dport {} ", r.dst_port);
        }
    }
    let action = match (r.verdict, hook) {
        (Verdict::Accept, _) => "accept",
        (Verdict::Drop, _) => "drop",
        (Verdict::Negotiate { inpass: true, .. }, Hook::Input) => "accept",
        (Verdict::Negotiate { .. }, Hook::Input) => "goto negotiate_in",
        (Verdict::Negotiate { soft: true, .. }, Hook::Output) => "accept",
        (Verdict::Negotiate { .. }, Hook::Output) => "goto negotiate_out",
    };
    format!("{m}counter {action} comment \"row {} {}\"", r.row, r.label)
}

/// The row a rule's comment names (`row 7 filter` -> 7); `None` for "no match".
pub fn row_of_comment(comment: &str) -> Option<usize> {
    comment
        .strip_prefix("row ")?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::enforce::{rules, testing::kb811832_table};

    #[test]
    fn kb811832_block_all_inbound_compiles_row_for_row() {
        let t = kb811832_table(Some(1));
        let text = ruleset(&rules(&t, |n| n));
        let input: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.contains("chain input"))
            .skip(2)
            .take_while(|l| !l.contains('}'))
            .map(str::trim)
            .collect();
        assert_eq!(
            input,
            [
                "meta nfproto ipv4 ip saddr 10.10.1.2 meta l4proto 17 th sport 500 th dport 500 counter accept comment \"row 0 ike exemption\"",
                "meta nfproto ipv4 ip daddr 10.10.1.2 meta l4proto 17 th sport 500 th dport 500 counter accept comment \"row 1 ike exemption\"",
                "meta nfproto ipv4 ip saddr 10.10.1.2 ip daddr 224.0.0.0/4 counter accept comment \"row 2 multicast exemption\"",
                "meta nfproto ipv4 ip daddr 224.0.0.0/4 counter accept comment \"row 3 multicast exemption\"",
                "meta nfproto ipv4 ip saddr 10.10.1.2 ip daddr 255.255.255.255 counter accept comment \"row 4 broadcast exemption\"",
                "meta nfproto ipv4 ip daddr 255.255.255.255 counter accept comment \"row 5 broadcast exemption\"",
                "meta nfproto ipv4 ip saddr 10.10.1.2 ip daddr 10.10.1.255 counter accept comment \"row 6 broadcast exemption\"",
                "meta nfproto ipv4 ip daddr 10.10.1.255 counter accept comment \"row 7 broadcast exemption\"",
                "meta nfproto ipv6 counter accept comment \"row 8 ipv6 exemption\"",
                "meta nfproto ipv4 ip daddr 10.10.1.2 meta l4proto 6 th dport 445 counter accept comment \"row 9 filter\"",
                "meta nfproto ipv4 ip daddr 10.10.1.2 counter drop comment \"row 10 filter\"",
                "counter accept comment \"no match\"",
            ]
        );
        // Outbound, the negotiate row (no soft) needs a protected route.
        assert!(text.contains(
            "\t\tmeta nfproto ipv4 ip daddr 10.10.1.2 meta l4proto 6 th dport 445 counter goto negotiate_out comment \"row 9 filter\"\n"
        ));
        assert!(text.starts_with(
            "# written by ipsedit: the effective table, in evaluation order\ntable inet ipsedit\ndelete table inet ipsedit\ntable inet ipsedit {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n"
        ));
        assert!(text.ends_with(
            "\tchain negotiate_in {\n\t\tmeta secpath exists accept\n\t\tdrop\n\t}\n\tchain negotiate_out {\n\t\trt ipsec exists accept\n\t\tdrop\n\t}\n}\n"
        ));
    }

    #[test]
    fn kerberos_rows_come_first_with_no_default_exempt_0() {
        let t = kb811832_table(Some(0));
        let text = ruleset(&rules(&t, |n| n));
        let first = text.lines().find(|l| l.contains("row 0 ")).map(str::trim);
        assert_eq!(
            first,
            Some(
                "meta nfproto ipv4 ip saddr 10.10.1.2 meta l4proto 17 th sport 88 counter accept comment \"row 0 kerberos exemption\""
            )
        );
        assert!(text.contains(
            "ip daddr 10.10.1.2 meta l4proto 6 th sport 88 counter accept comment \"row 5 kerberos exemption\""
        ));
        assert!(text.contains("meta l4proto 46 counter accept comment \"row 11 rsvp exemption\""));
    }

    #[test]
    fn comments_name_rows_and_ports_without_protocol_cover_tcp_and_udp() {
        assert_eq!(row_of_comment("row 12 filter"), Some(12));
        assert_eq!(row_of_comment("no match"), None);
        let r = Rule {
            row: 3,
            v6: false,
            src: crate::core::engine::Net::ANY,
            dst: crate::core::engine::Net::ANY,
            protocol: 0,
            src_port: 0,
            dst_port: 53,
            verdict: Verdict::Negotiate {
                inpass: false,
                soft: true,
            },
            label: "filter",
        };
        assert_eq!(
            rule_line(&r, Hook::Input),
            "meta nfproto ipv4 meta l4proto { 6, 17 } th dport 53 counter goto negotiate_in comment \"row 3 filter\""
        );
        assert_eq!(
            rule_line(&r, Hook::Output),
            "meta nfproto ipv4 meta l4proto { 6, 17 } th dport 53 counter accept comment \"row 3 filter\""
        );
        assert_eq!(delete(), "table inet ipsedit\ndelete table inet ipsedit\n");
    }
}
