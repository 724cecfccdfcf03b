#!/usr/bin/env bash
# Server start-up time (process start to /readyz answering 200) and resident memory once
# ready, on an empty SQLite database (the baseline) and on one holding the whole national
# division registry, measured in the same run. Prints each run and the medians.
#
# Usage: bench/serve_startup.sh [RUNS]     (default 5; needs bench/data from import_national.sh)
set -euo pipefail

cd "$(dirname "$0")/.."
runs=${1:-5}
target=${CARGO_TARGET_DIR:-target}
dist=bench/data/package/dist
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[[ -f $dist/villages.csv ]] || { echo "run bench/import_national.sh first (it fetches the registry)" >&2; exit 1; }
cargo build --release --quiet -p qinglian --bin qinglian
bin=$target/release/qinglian

QINGLIAN_DATABASE_URL="sqlite://$work/empty/q.db" "$bin" migrate >/dev/null
QINGLIAN_DATABASE_URL="sqlite://$work/national/q.db" "$bin" import divisions "$dist" >/dev/null

# One start: prints "<seconds to ready> <RSS in MiB>".
start_once() {
    local url=$1 port start end pid rss
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    start=$(date +%s.%N)
    QINGLIAN_DATABASE_URL=$url QINGLIAN_LISTEN=127.0.0.1:$port QINGLIAN_LOG=warn "$bin" serve >/dev/null 2>&1 &
    pid=$!
    until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.005; done
    end=$(date +%s.%N)
    # A few requests so the figure is of a server that has answered, not one just started.
    for _ in 1 2 3; do curl -fs "http://127.0.0.1:$port/" >/dev/null; done
    rss=$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    awk -v s="$start" -v e="$end" -v r="$rss" 'BEGIN { printf "%.3f %s\n", e - s, r }'
}

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

for db in empty national; do
    secs=() mib=()
    for _ in $(seq "$runs"); do
        read -r s m < <(start_once "sqlite://$work/$db/q.db")
        secs+=("$s") mib+=("$m")
    done
    printf '%-9s start-up s: %s  median %s | RSS MiB: %s  median %s\n' "$db" "${secs[*]}" "$(median "${secs[@]}")" "${mib[*]}" "$(median "${mib[@]}")"
done
