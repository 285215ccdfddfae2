//! OS profiles from AD's strings, and the hosts sheet with its exact errors.

use super::*;

#[test]
fn operating_system_strings_map_to_profiles() {
    let p = |os: &str, sp: Option<&str>| os_profile(Some(os), sp);
    assert_eq!(p("Windows 2000 Professional", None), Ok(OsProfile::Win2000));
    assert_eq!(
        p("Windows 2000 Server", Some("Service Pack 4")),
        Ok(OsProfile::Win2000Sp4)
    );
    assert_eq!(
        p("Windows XP Professional", Some("Service Pack 1")),
        Ok(OsProfile::WinxpSp1)
    );
    assert_eq!(
        p("Windows XP Professional", Some("Service Pack 2")),
        Ok(OsProfile::WinxpSp2)
    );
    assert_eq!(p("Windows XP Professional", Some("")), Ok(OsProfile::Winxp));
    assert_eq!(
        p("Windows Server 2003", Some("Service Pack 2")),
        Ok(OsProfile::Ws2003)
    );
    assert_eq!(
        p("Windows XP Professional", Some("Service Pack 3")),
        Err(format!(
            "no profile for 'Windows XP Professional Service Pack 3': give the os in --hosts ({})",
            OsProfile::ids()
        ))
    );
    assert_eq!(
        p("Samba", None),
        Err(format!(
            "no profile for 'Samba': give the os in --hosts ({})",
            OsProfile::ids()
        ))
    );
    assert_eq!(
        os_profile(None, None),
        Err("operatingSystem is not set: give the os in --hosts".into())
    );
}

const HEADER: &str = "name,os,no_default_exempt,addresses,local_policy\n";

fn parse(body: &str) -> Result<HostSheet, String> {
    HostSheet::parse(
        &format!("{HEADER}{body}"),
        "hosts.csv",
        Path::new("/srv/fleet"),
    )
}

#[test]
fn rows_parse_with_defaults_for_empty_cells() {
    let s = parse(
        "WS01,winxp-sp2,1,192.0.2.10/24;198.51.100.7,policies/ws01.netsh\n\
         \n\
         \"srv,02\",,default,,\n",
    )
    .expect("valid");
    assert_eq!(
        s.rows,
        vec![
            HostFacts {
                name: "WS01".into(),
                os: Some(OsProfile::WinxpSp2),
                no_default_exempt: Some(1),
                addresses: vec![
                    Interface {
                        addr: Ipv4Addr::new(192, 0, 2, 10),
                        prefix: 24
                    },
                    Interface {
                        addr: Ipv4Addr::new(198, 51, 100, 7),
                        prefix: 32
                    },
                ],
                local_policy: Some(PathBuf::from("/srv/fleet/policies/ws01.netsh")),
                line: 2,
            },
            HostFacts {
                name: "srv,02".into(),
                os: None,
                no_default_exempt: None,
                addresses: vec![],
                local_policy: None,
                line: 4,
            },
        ]
    );
    assert_eq!(
        s.get("ws01").map(|h| h.line),
        Some(2),
        "names match case-insensitively"
    );
    assert_eq!(s.get("WS99"), None);
}

#[test]
fn errors_name_file_line_column_and_fix() {
    let cases = [
        (
            "WS01,winxp-sp9,,,\n",
            "hosts.csv:2:6: unknown os 'winxp-sp9': use one of ",
        ),
        (
            "WS01,,4,,\n",
            "hosts.csv:2:7: no_default_exempt '4' is not valid: use 0, 1, 2, 3, default or \
             leave it empty",
        ),
        (
            "WS01,,,192.0.2.300/24,\n",
            "hosts.csv:2:8: '192.0.2.300/24' is not an IPv4 address with a prefix: write \
             192.0.2.10/24;198.51.100.7/32",
        ),
        (
            "WS01,,,192.0.2.3/33,\n",
            "hosts.csv:2:8: '192.0.2.3/33': the prefix length must be 0-32, like 192.0.2.10/24",
        ),
        (
            "WS01,,,\n",
            "hosts.csv:2:1: 4 cells, expected 5 (name,os,no_default_exempt,addresses,\
             local_policy); quote a cell that contains a comma",
        ),
        (
            ",ws2003,,,\n",
            "hosts.csv:2:1: the name is empty: give the computer's name",
        ),
        (
            "WS01,,,,\nws01,,,,\n",
            "hosts.csv:3:1: 'ws01' is listed twice (first on line 2): keep one row per host",
        ),
        (
            "\"WS01,,,,\n",
            "hosts.csv:2:1: a quoted cell is not closed by '\"'",
        ),
        (
            "\"WS01\"x,,,,\n",
            "hosts.csv:2:7: text after a closing quote: put a ',' before it",
        ),
    ];
    for (body, expected) in cases {
        let e = parse(body).expect_err(body);
        assert!(
            e.starts_with(expected),
            "for {body:?}\n got: {e}\nwant: {expected}"
        );
    }
    assert_eq!(
        HostSheet::parse("name,os\n", "h.csv", Path::new(".")).expect_err("header"),
        "h.csv:1:1: the header must be exactly name,os,no_default_exempt,addresses,local_policy \
         (found 'name,os')"
    );
    assert_eq!(
        HostSheet::parse("\n", "h.csv", Path::new(".")).expect_err("empty"),
        "h.csv: empty hosts file: start it with the header \
         name,os,no_default_exempt,addresses,local_policy"
    );
}
