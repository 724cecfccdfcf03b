#!/usr/bin/env bash
# The machine's HTTP ceiling beside the server's /healthz: how fast this VM is while the
# figures are taken. A bare axum "ok" (crates/web/examples/bare_ok.rs) measured 120–150k req/s
# when ../shared/PERFORMANCE.md was written; the VM's speed moves by up to 2× between periods.
#
# Usage: bench/bare_ok.sh [RUNS] [SECONDS]      (default 3 runs of 10 s, wrk -t2 -c16)
set -euo pipefail

cd "$(dirname "$0")/.."
runs=${1:-3}
secs=${2:-10}
target=${CARGO_TARGET_DIR:-target}
command -v wrk >/dev/null || { echo "needs wrk (Debian: apt-get install wrk)" >&2; exit 1; }

cargo build --release --quiet -p qinglian-web --example bare_ok
# shellcheck source=bench/lib.sh
source bench/lib.sh
port=$(free_port)
"$target/release/examples/bare_ok" "127.0.0.1:$port" &
server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done

echo "bare axum ok: $runs run(s) x $secs s, wrk -t2 -c16"
for run in $(seq "$runs"); do
    out=$(wrk -t2 -c16 -d"${secs}s" --latency "http://127.0.0.1:$port/")
    rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    echo "  run $run: $rps req/s, p99 $p99"
done
