#!/usr/bin/env bash
# The public C-village notice of issue 5 under load, with wrk, beside /healthz in the same run:
#   rating    GET /rating/{period}: a published period's C villages with their plan items,
#             the county's counts and the publication's log entry (the demo's newest period)
#
# Data: the demo county (`qinglian demo`: 338 villages, two published periods, about 20 C
# villages), made once and kept in bench/data/rating/, its log integrated and signed so the
# page shows proofs. Each run starts the server (release, QINGLIAN_LOG=warn) on a fresh copy.
# wrk runs on the same machine and shares its cores with the server.
#
# Usage: bench/rating_public.sh [RUNS] [SECONDS]     (default 3 runs of 10 s)
# Env:   WRK_THREADS (2), WRK_CONNECTIONS (16)
set -euo pipefail

cd "$(dirname "$0")/.."
runs=${1:-3}
secs=${2:-10}
threads=${WRK_THREADS:-2}
conns=${WRK_CONNECTIONS:-16}
target=${CARGO_TARGET_DIR:-target}
data=bench/data/rating

command -v wrk >/dev/null || { echo "needs wrk (Debian: apt-get install wrk)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell" >&2; exit 1; }

cargo build --release --quiet -p qinglian --bin qinglian
bin=$target/release/qinglian

# shellcheck source=bench/lib.sh
source bench/lib.sh

# ---- data, made once ---------------------------------------------------------------------
if [[ ! -f $data/ready ]]; then
    echo "== making the data: the demo county (once; kept in $data)"
    rm -rf "$data"
    mkdir -p "$data"
    export QINGLIAN_DATABASE_URL="sqlite://$data/q.db" QINGLIAN_SECRET_KEY_PATH=$data/secret.key \
        QINGLIAN_LEDGER_KEY_PATH=$data/ledger.key QINGLIAN_LOG=warn
    "$bin" demo >/dev/null
    "$bin" ledger init >/dev/null
    # Integrate and sign now, so the page carries proofs and the server does no log work.
    "$bin" ledger checkpoint >/dev/null
    unset QINGLIAN_DATABASE_URL QINGLIAN_SECRET_KEY_PATH QINGLIAN_LEDGER_KEY_PATH QINGLIAN_LOG
    sqlite3 "$data/q.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
    touch "$data/ready"
fi
period=$(sqlite3 "$data/q.db" "SELECT id FROM rating_period WHERE state = 'published' ORDER BY opened_at DESC LIMIT 1")
[[ -n $period ]] || { echo "the demo has no published period" >&2; exit 1; }
c_villages=$(sqlite3 "$data/q.db" "SELECT COUNT(*) FROM rating_result WHERE period_id = '$period' AND COALESCE(adjusted_grade, computed_grade) = 'C'")

# ---- helpers -------------------------------------------------------------------------------

# wrk's figures as "req/s p99_ms non2xx_or_3xx errors"; the full output goes to the log.
measure() {
    local name=$1 path=$2
    local out
    out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port$path")
    printf '\n--- run %s %s\n%s\n' "$run" "$name" "$out" >>"$log"
    awk '
        /Requests\/sec:/ { rps = $2 }
        $1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                      p99 = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : v }
        /Non-2xx or 3xx responses:/ { bad = $NF }
        /Socket errors:/ { err = $4 + $6 + $8 + $10 }
        END { printf "%s %s %d %d\n", rps, p99, bad, err }' <<<"$out"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# ---- runs ----------------------------------------------------------------------------------
mkdir -p "$data/results"
log=$data/results/$(date +%Y%m%d-%H%M%S).txt
{
    echo "rating public notice: $runs run(s) x $secs s, wrk -t$threads -c$conns, period $period ($c_villages C villages)"
    echo "machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "busiest other processes before:"
    ps -eo pcpu,comm --sort=-pcpu | sed -n 2,6p
} | tee "$log"

rps="" p99s="" ratios=""
failed=0
for run in $(seq "$runs"); do
    echo "== run $run/$runs"
    start_server "$bin"
    # Sanity: the page answers 200 with its C villages and the publication's proof.
    s=$(curl -s -o "$work/page" -w '%{http_code}' "http://127.0.0.1:$port/rating/$period")
    [[ $s == 200 ]] || { echo "/rating/$period answered $s" >&2; exit 1; }
    shown=$(grep -o 'data-village="' "$work/page" | wc -l)
    [[ $shown == "$c_villages" ]] || { echo "the page shows $shown C villages, the database has $c_villages" >&2; exit 1; }
    grep -q 'proof/inclusion' "$work/page" || { echo "the page carries no proof link" >&2; exit 1; }

    read -r h _ _ _ < <(measure "healthz" /healthz)
    read -r r p bad err < <(measure "rating" "/rating/$period")
    ratio_now=$(awk -v a="$r" -v b="$h" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')
    printf '  %-10s %9.0f req/s  p99 %7.2f ms  | healthz %9.0f req/s  ratio %s  non-2xx/3xx %s  socket errors %s\n' \
        rating "$r" "$p" "$h" "$ratio_now" "$bad" "$err" | tee -a "$log"
    rps+="$r " p99s+="$p " ratios+="$ratio_now "
    (( bad == 0 && err == 0 )) || failed=1
    stop_server
done

{
    echo
    echo "figure (median of $runs) | goal | req/s | p99 ms | ratio to /healthz"
    echo "--- | --- | --- | --- | ---"
    # shellcheck disable=SC2086
    printf 'rating | ≥ 5,000 req/s, p99 ≤ 20 ms | %.0f | %.2f | %.3f\n' "$(median $rps)" "$(median $p99s)" "$(median $ratios)"
    echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); full wrk output in $log"
} | tee -a "$log"
exit "$failed"
