//! A private Samba AD DC on loopback for the domain tests (`tests/domain_*.rs`).
//!
//! One server per test binary: the first test that asks for it provisions a fresh domain
//! into a temporary directory, seeds it offline with `ldbadd` (the binary's own seed), gives
//! it a TLS certificate from a CA of the test's own (IP SAN 127.0.0.1), starts `samba` in the
//! foreground and waits until LDAP answers; every later test of the binary shares it.
//!
//! The server is owned by a small guardian shell whose standard input is a pipe from the
//! test process: when the test process ends (normally, by a panic or killed), the pipe
//! closes, the guardian stops samba by its PID with SIGTERM and removes the directory.
//! The LDAP ports are fixed (389/636), so the guardian holds an exclusive `flock` on
//! `/tmp/ipsedit-samba-dc.lock` for the server's whole life: two test runs at once queue
//! instead of colliding, and a port already taken by someone else fails loudly.
//!
//! Without root or the Samba packages the tests print SKIPPED and why; under `CI=true` that
//! is a failure (CI installs the packages: see `.ci/run`). This module must not talk LDAP
//! itself beyond the readiness probe: the tests use ipsedit's client and `ldapsearch`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const REALM: &str = "EXAMPLE.TEST";
pub const BASE: &str = "DC=example,DC=test";
pub const USER: &str = "Administrator@EXAMPLE.TEST";
pub const PASSWORD: &str = "Passw0rd.Test1";
const LOCK: &str = "/tmp/ipsedit-samba-dc.lock";

/// A provisioned domain before its server starts: what a seed function may change.
pub struct Provisioned {
    pub dir: PathBuf,
    pub base: &'static str,
}

impl Provisioned {
    /// The domain database, for offline `ldbadd`/`ldbsearch`.
    pub fn sam(&self) -> PathBuf {
        self.dir.join("private").join("sam.ldb")
    }

    /// Adds LDIF entries to the offline database (schema-checked like a server add).
    pub fn ldbadd(&self, ldif: &str) -> Result<(), String> {
        self.ldb("ldbadd", ldif)
    }

    /// Applies LDIF changes (`changetype: modify`) to the offline database.
    pub fn ldbmodify(&self, ldif: &str) -> Result<(), String> {
        self.ldb("ldbmodify", ldif)
    }

    fn ldb(&self, tool: &str, ldif: &str) -> Result<(), String> {
        let file = self.dir.join(format!("seed-{}.ldif", seq()));
        std::fs::write(&file, ldif).map_err(|e| format!("writing {}: {e}", file.display()))?;
        let out = Command::new(tool)
            .arg("-H")
            .arg(self.sam())
            .arg(&file)
            .output()
            .map_err(|e| format!("running {tool}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{tool} {} failed: {}{}",
                file.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }
}

fn seq() -> u64 {
    static N: Mutex<u64> = Mutex::new(0);
    let mut n = N.lock().unwrap_or_else(|p| p.into_inner());
    *n += 1;
    *n
}

/// The running domain controller.
pub struct Dc {
    pub dir: PathBuf,
    pub pid: u32,
    /// The test CA's certificate (PEM): what `IPSEDIT_LDAP_CA` names.
    pub ca: PathBuf,
    /// Seconds the set-up took: provision, seed, start.
    pub provision_secs: f64,
    pub seed_secs: f64,
    pub start_secs: f64,
    // Held open for the life of the test process: its closing stops the server.
    _guardian: Mutex<ChildStdin>,
}

impl Dc {
    pub fn ldap_url(&self) -> String {
        format!("ldap://127.0.0.1/{BASE}")
    }

    pub fn ldaps_url(&self) -> String {
        format!("ldaps://127.0.0.1/{BASE}")
    }

    /// `ldapsearch` (OpenLDAP, an independent client) over LDAPS with the test CA; LDIF out.
    pub fn ldapsearch(&self, base: &str, filter: &str, attrs: &[&str]) -> String {
        let out = Command::new("ldapsearch")
            .env("LDAPTLS_CACERT", &self.ca)
            .args(["-LLL", "-o", "ldif-wrap=no", "-H", "ldaps://127.0.0.1"])
            .args(["-D", USER, "-w", PASSWORD, "-b", base, filter])
            .args(attrs)
            .output()
            .expect("ldapsearch runs");
        assert!(
            out.status.success(),
            "ldapsearch -b {base} {filter} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `ldapmodify` with LDIF on standard input, as another administrator would.
    pub fn ldapmodify(&self, ldif: &str) -> Result<(), String> {
        let mut child = Command::new("ldapmodify")
            .env("LDAPTLS_CACERT", &self.ca)
            .args(["-H", "ldaps://127.0.0.1", "-D", USER, "-w", PASSWORD])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("running ldapmodify: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(ldif.as_bytes())
                .map_err(|e| format!("feeding ldapmodify: {e}"))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("ldapmodify: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

/// Why these tests cannot run here, if they cannot.
fn missing_prerequisite() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("not root: samba must bind the fixed LDAP ports 389/636".into());
    }
    for tool in [
        "samba",
        "samba-tool",
        "ldbadd",
        "ldapsearch",
        "ldapmodify",
        "openssl",
        "flock",
    ] {
        if which(tool).is_none() {
            return Some(format!(
                "`{tool}` is not installed (apt-get install samba samba-ad-dc \
                 samba-ad-provision ldb-tools ldap-utils openssl; see .ci/run)"
            ));
        }
    }
    None
}

fn which(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

/// The binary's shared DC, started on first use with `seed` applied offline before the
/// start. `None` (after a loud SKIPPED line) when this machine cannot run one; under
/// `CI=true` that panics instead, so CI never passes by skipping.
pub fn shared(seed: fn(&Provisioned) -> Result<(), String>) -> Option<&'static Dc> {
    static DC: OnceLock<Result<Dc, String>> = OnceLock::new();
    match DC.get_or_init(|| start(seed)) {
        Ok(dc) => Some(dc),
        Err(why) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("the Samba AD DC tests cannot run under CI=true: {why}");
            }
            eprintln!();
            eprintln!("==================================================================");
            eprintln!("SKIPPED: Samba AD DC test: {why}");
            eprintln!("==================================================================");
            None
        }
    }
}

/// No seed: the freshly provisioned domain as Samba makes it.
pub fn unseeded(_: &Provisioned) -> Result<(), String> {
    Ok(())
}

fn start(seed: fn(&Provisioned) -> Result<(), String>) -> Result<Dc, String> {
    if let Some(why) = missing_prerequisite() {
        return Err(why);
    }
    let dir = private_dir()?;
    let t0 = Instant::now();
    provision(&dir)?;
    let ca = make_tls(&dir)?;
    configure(&dir)?;
    let provision_secs = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    seed(&Provisioned {
        dir: dir.clone(),
        base: BASE,
    })?;
    let seed_secs = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let (pid, guardian) = launch(&dir)?;
    wait_ready(&dir, pid)?;
    Ok(Dc {
        dir,
        pid,
        ca,
        provision_secs,
        seed_secs,
        start_secs: t2.elapsed().as_secs_f64(),
        _guardian: Mutex::new(guardian),
    })
}

fn private_dir() -> Result<PathBuf, String> {
    use std::os::unix::fs::DirBuilderExt;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("ipsedit-dc-{}-{nanos}", std::process::id()));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .map_err(|e| format!("creating {}: {e}", dir.display()))?;
    Ok(dir)
}

fn run(what: &str, cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn provision(dir: &Path) -> Result<(), String> {
    run(
        "samba-tool domain provision",
        Command::new("samba-tool")
            .current_dir(dir)
            .args(["domain", "provision"])
            .arg(format!("--targetdir={}", dir.display()))
            .arg(format!("--realm={REALM}"))
            .args(["--domain=EXAMPLE", "--server-role=dc", "--dns-backend=NONE"])
            .arg(format!("--adminpass={PASSWORD}"))
            .args(["--use-rfc2307", "--host-name=dc1", "--host-ip=127.0.0.1"])
            .args([
                "--option=interfaces=127.0.0.1/8",
                "--option=bind interfaces only=yes",
            ]),
    )
    .map(|_| ())
}

/// A CA of the test's own and a server certificate for 127.0.0.1 (and the DC's name).
fn make_tls(dir: &Path) -> Result<PathBuf, String> {
    let tls = dir.join("test-tls");
    std::fs::create_dir_all(&tls).map_err(|e| format!("creating {}: {e}", tls.display()))?;
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    run(
        "openssl req (CA)",
        Command::new("openssl")
            .current_dir(&tls)
            .args(["req", "-x509"])
            .args(ec)
            .args(["-keyout", "ca.key", "-out", "ca.pem", "-days", "2"])
            .args(["-subj", "/CN=ipsedit test CA"])
            .args(["-addext", "basicConstraints=critical,CA:TRUE"])
            .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]),
    )?;
    run(
        "openssl req (server)",
        Command::new("openssl")
            .current_dir(&tls)
            .arg("req")
            .args(ec)
            .args(["-keyout", "key.pem", "-out", "req.csr"])
            .args(["-subj", "/CN=dc1.example.test"]),
    )?;
    std::fs::write(
        tls.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:dc1.example.test\n\
         basicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\n\
         extendedKeyUsage=serverAuth\n",
    )
    .map_err(|e| format!("writing ext.cnf: {e}"))?;
    run(
        "openssl x509 (sign)",
        Command::new("openssl")
            .current_dir(&tls)
            .args(["x509", "-req", "-in", "req.csr", "-CA", "ca.pem"])
            .args(["-CAkey", "ca.key", "-CAcreateserial", "-out", "cert.pem"])
            .args(["-days", "2", "-extfile", "ext.cnf"]),
    )?;
    // samba refuses a key file others can read.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tls.join("key.pem"), std::fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("chmod key.pem: {e}"))?;
    Ok(tls.join("ca.pem"))
}

/// smb.conf: one LDAP process, every runtime path inside the directory, our TLS files.
fn configure(dir: &Path) -> Result<(), String> {
    let conf = dir.join("etc").join("smb.conf");
    let text =
        std::fs::read_to_string(&conf).map_err(|e| format!("reading {}: {e}", conf.display()))?;
    for sub in ["run", "ncalrpc", "winbindd"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| format!("creating {sub}: {e}"))?;
    }
    let d = dir.display();
    let tls = dir.join("test-tls");
    let t = tls.display();
    let extra = format!(
        "\tldap server require strong auth = no\n\
         \tserver services = ldap\n\
         \tlog file = {d}/samba.log\n\
         \tpid directory = {d}/run\n\
         \tncalrpc dir = {d}/ncalrpc\n\
         \twinbindd socket directory = {d}/winbindd\n\
         \tntp signd socket directory = {d}/ntp_signd\n\
         \ttls enabled = yes\n\
         \ttls keyfile = {t}/key.pem\n\
         \ttls certfile = {t}/cert.pem\n\
         \ttls cafile = {t}/ca.pem\n"
    );
    let kept: String = text
        .lines()
        .filter(|l| {
            let k = l.trim_start();
            !(k.starts_with("log file") || k.starts_with("server services"))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let Some(at) = kept.find("[global]\n") else {
        return Err(format!("{} has no [global] section", conf.display()));
    };
    let at = at + "[global]\n".len();
    let out = format!("{}{extra}{}", &kept[..at], &kept[at..]);
    std::fs::write(&conf, out).map_err(|e| format!("writing {}: {e}", conf.display()))
}

/// The guardian: takes the port lock, starts samba when told, stops it by PID when its
/// standard input closes (the test process ended), then removes the directory.
const GUARDIAN: &str = r#"
D="$1"; LOCK="$2"
exec 9>"$LOCK"
flock -w 600 9 || { echo "nolock"; exit 1; }
echo locked
read -r go || exit 0
[ "$go" = start ] || { rm -rf "$D"; exit 0; }
samba --foreground --no-process-group -M single -s "$D/etc/smb.conf" </dev/null >"$D/samba.out" 2>&1 &
pid=$!
echo "$pid"
cat >/dev/null
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rm -rf "$D"
"#;

fn launch(dir: &Path) -> Result<(u32, ChildStdin), String> {
    let mut child = Command::new("sh")
        .args(["-c", GUARDIAN, "sh"])
        .arg(dir)
        .arg(LOCK)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("starting the guardian shell: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no guardian stdin")?;
    let stdout = child.stdout.take().ok_or("no guardian stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut next = || -> Result<String, String> {
        match lines.next() {
            Some(Ok(l)) => Ok(l),
            _ => Err("the guardian shell ended early".into()),
        }
    };
    if next()? != "locked" {
        return Err(format!("another Samba test server holds {LOCK} for 600 s"));
    }
    if TcpStream::connect_timeout(
        &"127.0.0.1:389".parse().map_err(|_| "addr")?,
        Duration::from_millis(300),
    )
    .is_ok()
    {
        return Err(
            "something already listens on 127.0.0.1:389 (a samba not started by these tests?): \
             stop it first"
                .into(),
        );
    }
    writeln!(stdin, "start").map_err(|e| format!("telling the guardian to start: {e}"))?;
    let pid: u32 = next()?
        .trim()
        .parse()
        .map_err(|_| "the guardian did not report samba's PID")?;
    // The guardian is reaped by nobody: it outlives us by design and exits on its own.
    std::mem::forget(child);
    Ok((pid, stdin))
}

fn wait_ready(dir: &Path, pid: u32) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let out = std::fs::read_to_string(dir.join("samba.out")).unwrap_or_default();
            let tail: Vec<&str> = out.lines().rev().take(15).collect();
            return Err(format!(
                "samba (pid {pid}) exited at start:\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
        }
        let probe = Command::new("ldapsearch")
            .args(["-x", "-H", "ldap://127.0.0.1", "-s", "base", "-b", "", "dn"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if probe.is_ok_and(|s| s.success()) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "samba (pid {pid}) did not answer LDAP within 120 s"
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A base64 value of `ldapsearch`'s LDIF (`attr:: value`), decoded.
pub fn base64(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .expect("ldapsearch prints valid base64")
}
