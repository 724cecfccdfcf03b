#!/usr/bin/env bash
# The figures of issue 6 (inspection tours) with wrk, each beside /healthz in the same run:
#   receipt   the villager's receipt look-up page (POST /receipt)
#   list      a department's filtered list, signed in as the demo `department` account
#             (GET /staff/concerns?state=assigned&overdue=1&page=N: 25 rows and the total)
#   create    a concern through the public form (POST /m/{meeting}), durable before the 201
#   create-api  the same through the JSON API (POST /api/v1/public/concerns), for comparison
#   staff-during-create  the create load again, while a signed-in department user's refused
#             request (GET /staff/clues: a 403, which writes the refusal to the audit trail)
#             is timed one after another: a staff change waits for the public form's writer
#

# Data: the demo county (`qinglian demo`) filled up to BENCH_CONCERNS (50,000) concerns by the
# generator (crates/web/examples/inspection_data.rs, through the store API); made once and kept
# in bench/data/inspection/. Each run starts the server (release, QINGLIAN_LOG=warn) on a fresh
# copy, so every run sees the same 50,000 concerns; after it stops the server and checks, code
# by code, that every acknowledged creation is in the database with its audit row and ledger
# entry (bench/inspection_verify.py).
#
# Public submissions are limited to 30 per client and hour: the server is told to trust
# `x-forwarded-for` (QINGLIAN_CLIENT_IP_HEADER) and bench/wrk/create.lua sends a fresh address
# with each request. wrk runs on the same machine and shares its cores with the server.
#
# Usage: bench/inspection_load.sh [RUNS] [SECONDS]     (default 3 runs of 10 s per scenario)
# Env:   BENCH_CONCERNS (default 50000), WRK_THREADS (2), WRK_CONNECTIONS (16),
#        BENCH_SCENARIOS (default "receipt list create create-api": the ones to run, in order),
#        BENCH_BIN (default the release build: another server binary, e.g. a copy built
#        before a change, to measure both in the same period of the VM)
set -euo pipefail

cd "$(dirname "$0")/.."
runs=${1:-3}
secs=${2:-10}
total=${BENCH_CONCERNS:-50000}
threads=${WRK_THREADS:-2}
conns=${WRK_CONNECTIONS:-16}
target=${CARGO_TARGET_DIR:-target}
data=bench/data/inspection
scripts=bench/wrk

command -v wrk >/dev/null || { echo "needs wrk (Debian: apt-get install wrk)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell" >&2; exit 1; }

cargo build --release --quiet -p qinglian --bin qinglian
cargo build --release --quiet -p qinglian-web --example inspection_data
bin=${BENCH_BIN:-$target/release/qinglian}
gen=$target/release/examples/inspection_data

# shellcheck source=bench/lib.sh
source bench/lib.sh
# The load spreads over many clients (create.lua), each named in x-forwarded-for.
export QINGLIAN_CLIENT_IP_HEADER=x-forwarded-for

# ---- data, made once ---------------------------------------------------------------------
if [[ ! -f $data/ready || $(cat "$data/ready") != "$total" ]]; then
    echo "== making the data: demo county + concerns up to $total (once; kept in $data)"
    rm -rf "$data"
    mkdir -p "$data"
    export QINGLIAN_DATABASE_URL="sqlite://$data/q.db" QINGLIAN_SECRET_KEY_PATH=$data/secret.key \
        QINGLIAN_LEDGER_KEY_PATH=$data/ledger.key QINGLIAN_LOG=warn
    "$bin" demo >/dev/null
    "$gen" "$QINGLIAN_DATABASE_URL" "$data/secret.key" "$total" "$data/receipts.txt"
    "$bin" ledger init >/dev/null
    # Integrate the generated log entries now, so the server does not do it during the runs.
    "$bin" ledger checkpoint >/dev/null
    unset QINGLIAN_DATABASE_URL QINGLIAN_SECRET_KEY_PATH QINGLIAN_LEDGER_KEY_PATH QINGLIAN_LOG
    sqlite3 "$data/q.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
    echo "$total" >"$data/ready"
fi
concerns=$(sqlite3 "$data/q.db" 'SELECT COUNT(*) FROM concern')
meetings=$(sqlite3 "$data/q.db" 'SELECT group_concat(id) FROM onsite_meeting')
categories=$(sqlite3 "$data/q.db" 'SELECT group_concat(id) FROM concern_category')

# ---- helpers -------------------------------------------------------------------------------

# wrk's figures as "req/s p99_ms non2xx_or_3xx errors"; the full output goes to the log.
# Usage: measure NAME PATH [wrk options]; a script's requests set their own paths.
measure() {
    local name=$1 path=$2
    shift 2
    local out
    out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "$@" "http://127.0.0.1:$port$path")
    printf '\n--- run %s %s\n%s\n' "$run" "$name" "$out" >>"$log"
    awk '
        /Requests\/sec:/ { rps = $2 }
        $1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                      p99 = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : v }
        /Non-2xx or 3xx responses:/ { bad = $NF }
        /Socket errors:/ { err = $4 + $6 + $8 + $10 }
        /^acked:/ { acked = $2 }
        END { printf "%s %s %d %d %d\n", rps, p99, bad, err, acked }' <<<"$out"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# ---- runs ----------------------------------------------------------------------------------
mkdir -p "$data/results"
log=$data/results/$(date +%Y%m%d-%H%M%S).txt
{
    echo "inspection load: $runs run(s) x $secs s, wrk -t$threads -c$conns, $concerns concerns"
    echo "machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "busiest other processes before:"
    ps -eo pcpu,comm --sort=-pcpu | sed -n 2,6p
} | tee "$log"

declare -A rps p99 ratio
staff_med="" staff_worst=""
failed=0
read -r -a scenarios <<<"${BENCH_SCENARIOS:-receipt list create create-api}"
for run in $(seq "$runs"); do
    echo "== run $run/$runs"
    start_server "$bin" --demo
    curl -s -o /dev/null -c "$work/jar" -d 'username=department&password=qinglian-demo' "http://127.0.0.1:$port/login"
    cookie=$(awk '$6 == "ql_session" { print "ql_session=" $7 }' "$work/jar")
    [[ -n $cookie ]] || { echo "could not sign in as department" >&2; exit 1; }
    # Sanity: the pages answer 200 with real content before they are measured.
    code=$(head -1 "$data/receipts.txt")
    s=$(curl -s -o "$work/page" -w '%{http_code}' -d "receipt=$code" "http://127.0.0.1:$port/receipt")
    [[ $s == 200 ]] || { echo "receipt page answered $s" >&2; exit 1; }
    s=$(curl -s -o "$work/page" -w '%{http_code}' -H "Cookie: $cookie" "http://127.0.0.1:$port/staff/concerns?state=assigned&overdue=1&page=1")
    [[ $s == 200 ]] || { echo "list page answered $s" >&2; exit 1; }
    pages=$(grep -o 'page=[0-9]*' "$work/page" | cut -d= -f2 | sort -n | tail -1)
    pages=$(( ${pages:-1} < 20 ? ${pages:-1} : 20 ))
    before=$(sqlite3 "$work/db/q.db" "SELECT COUNT(*) FROM concern WHERE source = 'public'")
    rm -f "$work"/acked.*
    acked_total=0

    for sc in "${scenarios[@]}"; do
        read -r h _ _ _ _ < <(measure "healthz before $sc" /healthz)
        case $sc in
            receipt) read -r r p bad err _ < <(BENCH_RECEIPTS=$data/receipts.txt measure "$sc" / -s "$scripts/receipt.lua") ;;
            list) read -r r p bad err _ < <(BENCH_COOKIE=$cookie BENCH_PAGES=$pages measure "$sc" / -s "$scripts/list.lua") ;;
            staff-during-create)
                BENCH_MEETINGS=$meetings BENCH_CATEGORIES=$categories BENCH_API=0 BENCH_RUN=$(( run + 10 )) \
                    BENCH_ACKED=$work/acked wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s "$scripts/create.lua" \
                    "http://127.0.0.1:$port/" >"$work/wrk-staff" &
                loader=$!
                sleep 1
                : >"$work/staff-times"
                while kill -0 "$loader" 2>/dev/null; do
                    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Cookie: $cookie" \
                        "http://127.0.0.1:$port/staff/clues" >>"$work/staff-times"
                    sleep 0.05
                done
                wait "$loader"
                printf '\n--- run %s %s\n%s\n' "$run" "$sc" "$(cat "$work/wrk-staff")" >>"$log"
                acked_total=$(( acked_total + $(awk '/^acked:/ { print $2 }' "$work/wrk-staff") ))
                r=$(awk '/Requests\/sec:/ { print $2 }' "$work/wrk-staff")
                # The refused requests' median and slowest time in ms, and any that were not a 403.
                read -r med worst bad < <(awk '{ print $2 * 1000, ($1 != 403) }' "$work/staff-times" | sort -g |
                    awk '{ t[NR] = $1; bad += $2 } END { printf "%.1f %.1f %d\n", t[int((NR + 1) / 2)], t[NR], bad }')
                printf '  %-10s %9.0f creations/s | %d refused staff requests meanwhile: median %s ms, slowest %s ms, not 403: %s\n' \
                    "$sc" "$r" "$(wc -l <"$work/staff-times")" "$med" "$worst" "$bad" | tee -a "$log"
                staff_med+="$med " staff_worst+="$worst "
                (( bad == 0 )) || failed=1
                continue
                ;;
            create | create-api)
                api=0
                [[ $sc == create-api ]] && api=1
                read -r r p bad err acked < <(BENCH_MEETINGS=$meetings BENCH_CATEGORIES=$categories BENCH_API=$api \
                    BENCH_RUN=$(( run * 2 + api )) BENCH_ACKED=$work/acked measure "$sc" / -s "$scripts/create.lua")
                acked_total=$(( acked_total + acked ))
                ;;
        esac
        ratio_now=$(awk -v a="$r" -v b="$h" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')
        printf '  %-10s %9.0f req/s  p99 %7.2f ms  | healthz %9.0f req/s  ratio %s  non-2xx/3xx %s  socket errors %s\n' \
            "$sc" "$r" "$p" "$h" "$ratio_now" "$bad" "$err" | tee -a "$log"
        rps[$sc]+="$r " p99[$sc]+="$p " ratio[$sc]+="$ratio_now "
        (( bad == 0 )) || failed=1
    done
    stop_server
    # Nothing was created when only the read scenarios ran: nothing to count.
    compgen -G "$work/acked.*" >/dev/null || continue
    echo "  rows after run $run:" | tee -a "$log"
    if ! python3 bench/inspection_verify.py "$work/db/q.db" "$work/db/secret.key" "$before" "$acked_total" "$work"/acked.* \
        | sed 's/^/    /' | tee -a "$log"; then
        failed=1
    fi
done

goal() {
    case $1 in
        receipt) echo "≥ 15,000 req/s, p99 ≤ 2 ms" ;;
        list) echo "≥ 5,000 req/s, p99 ≤ 5 ms" ;;
        create) echo "≥ 6,000/s, p99 ≤ 15 ms" ;;
        create-api) echo "(no goal: the JSON API)" ;;
    esac
}
{
    echo
    echo "figure (median of $runs) | goal | req/s | p99 ms | ratio to /healthz"
    echo "--- | --- | --- | --- | ---"
    for sc in "${scenarios[@]}"; do
        if [[ $sc == staff-during-create ]]; then
            # shellcheck disable=SC2086
            printf '%s | (no goal) | refused staff request: median %s ms, slowest %s ms (medians of the runs) | |\n' \
                "$sc" "$(median $staff_med)" "$(median $staff_worst)"
            continue
        fi
        # shellcheck disable=SC2086
        printf '%s | %s | %.0f | %.2f | %.3f\n' "$sc" "$(goal "$sc")" \
            "$(median ${rps[$sc]})" "$(median ${p99[$sc]})" "$(median ${ratio[$sc]})"
    done
    echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); full wrk output in $log"
} | tee -a "$log"
exit "$failed"
