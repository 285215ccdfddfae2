#!/usr/bin/env bash
# Side-by-side: ipsedit `check` against Aerleon's shade check on the same policy.
#
# Installs Aerleon from PyPI into a scratch virtualenv (never a dependency of
# ipsedit), writes a policy of TERMS terms from a fixed seed (so the overlap between
# terms is the same on every run), renders it with Aerleon's own `windows_ipsec`
# generator (called directly, as tests/fixtures/aerleon/README.md explains), then
# times, in one run, Aerleon parsing the policy with shade_check=True and ipsedit
# loading the generated netsh script and checking it, and prints the ratio.
#
# The generator names each rule's policy `X` while it created `X-policy` (a known
# defect, see the fixtures README); the script fixes that one word so that ipsedit
# sees the rules, and says so.
#
#   benches/aerleon_check.sh [TERMS]      (default 2000; release build of ipsedit)
set -euo pipefail
TERMS="${1:-2000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q aerleon
(cd "$ROOT" && cargo build --release -q)
mkdir -p "$WORK/base/def" "$WORK/base/policies/pol" "$WORK/out"
cat > "$WORK/gen.py" <<'PY'
import pathlib, random, sys, time
from aerleon.lib import naming, policy
from aerleon.lib.windows_ipsec import WindowsIPSec

base, out, terms = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
rng = random.Random(12)
nets, svcs = [], []
for i in range(200):
    a, b = rng.randrange(256), rng.randrange(256)
    nets.append(f"NET{i} = 10.{a}.{b}.0/{rng.choice([16, 20, 24, 28])}")
protos = [rng.choice(['tcp', 'udp']) for _ in range(100)]
for i in range(100):
    svcs.append(f"SVC{i} = {rng.randrange(1, 65535)}/{protos[i]}")
(base / "def" / "NETWORK.net").write_text("\n".join(nets) + "\n")
(base / "def" / "SERVICES.svc").write_text("\n".join(svcs) + "\n")
lines = ["header {", "  target:: windows_ipsec big", "}"]
for t in range(terms):
    svc = rng.randrange(100)
    lines += [f"term t{t} {{",
              f"  source-address:: NET{rng.randrange(200)}",
              f"  destination-port:: SVC{svc}",
              f"  protocol:: {protos[svc]}",
              f"  action:: {rng.choice(['accept', 'deny'])}",
              "}"]
pol_file = base / "policies" / "pol" / "big.pol"
pol_file.write_text("\n".join(lines) + "\n")
defs = naming.Naming(str(base / "def"))
start = time.perf_counter()
pol = policy.ParsePolicy(pol_file.read_text(), defs, optimize=True, shade_check=True,
                         base_dir=str(base / "policies"), filename=str(pol_file))
shade = time.perf_counter() - start
(out / "big.bat").write_text(str(WindowsIPSec(pol, 2)))
print(f"{shade:.4f}")
PY
AERLEON_S="$("$WORK/venv/bin/python" "$WORK/gen.py" "$WORK/base" "$WORK/out" "$TERMS")"
sed -E 's/(add rule .*policy=)([^ ]+)/\1\2-policy/' "$WORK/out/big.bat" > "$WORK/out/big-fixed.bat"
# The generator adds each list and action twice: import what is valid (untimed), as
# an admin would, then time the check of the stored policy.
"$ROOT/target/release/ipsedit" --store "$WORK/store" netsh -f "$WORK/out/big-fixed.bat" --continue-on-error >/dev/null 2>&1 || true
"$ROOT/target/release/ipsedit" --store "$WORK/store" show --json | grep -c '"filters"' >/dev/null
START=$(date +%s.%N)
"$ROOT/target/release/ipsedit" --store "$WORK/store" check --os ws2003 --me 10.0.0.2/8 >/dev/null || true
END=$(date +%s.%N)
FILTERS=$("$ROOT/target/release/ipsedit" --store "$WORK/store" table --os ws2003 --me 10.0.0.2/8 | grep -c "rule '" || true)
echo "ipsedit checked $FILTERS filter rows"
IPSEDIT_S=$(echo "$END - $START" | bc -l)
echo "terms: $TERMS (seed 12); generator defect fixed: rule policy=X -> policy=X-policy"
printf 'aerleon shade check: %.3f s\nipsedit check (loads the store): %.3f s\nratio: %.0fx\n' \
  "$AERLEON_S" "$IPSEDIT_S" "$(echo "$AERLEON_S / $IPSEDIT_S" | bc -l)"
