#!/usr/bin/env bash
# Two server binaries A/B on one inspection load, alternated in both orders (A B, then B A, …):
# on this VM the second server of a pair often runs slower whatever it is, and the VM's speed
# moves by tens of percent within an hour, so only pairs measured together compare.
# Reports, per run: wrk's rate and p99, and the server's CPU time per request (utime + stime
# from /proc/<pid>/stat around the load), the figure least moved by the VM.
#
# Usage: bench/inspection_ab.sh BIN_A BIN_B [PAIRS] [SECONDS] [create|receipt|list]
#        (default 3 pairs of 8 s, create). The data is bench/inspection_load.sh's (run it once
#        first); each run starts the server on a fresh copy of it.
set -euo pipefail

cd "$(dirname "$0")/.."
a=$1 b=$2 pairs=${3:-3} secs=${4:-8} mode=${5:-create}
data=bench/data/inspection
[[ -f $data/ready ]] || { echo "no data yet: run bench/inspection_load.sh once" >&2; exit 1; }
command -v wrk >/dev/null || { echo "needs wrk (Debian: apt-get install wrk)" >&2; exit 1; }
meetings=$(sqlite3 "$data/q.db" 'SELECT group_concat(id) FROM onsite_meeting')
categories=$(sqlite3 "$data/q.db" 'SELECT group_concat(id) FROM concern_category')
tck=$(getconf CLK_TCK)

# shellcheck source=bench/lib.sh
source bench/lib.sh
export QINGLIAN_CLIENT_IP_HEADER=x-forwarded-for

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# Usage: one LABEL BIN RUN
one() {
    local label=$1 bin=$2 run=$3
    start_server "$bin" --demo
    local url="http://127.0.0.1:$port/" out t0 t1
    case $mode in
        create)
            t0=$(cpu_ticks "$server")
            out=$(BENCH_MEETINGS=$meetings BENCH_CATEGORIES=$categories BENCH_API=0 BENCH_RUN=$run \
                BENCH_ACKED=$work/acked wrk -t2 -c16 -d"${secs}s" --latency -s bench/wrk/create.lua "$url")
            ;;
        receipt)
            t0=$(cpu_ticks "$server")
            out=$(BENCH_RECEIPTS=$data/receipts.txt wrk -t2 -c16 -d"${secs}s" --latency -s bench/wrk/receipt.lua "$url")
            ;;
        list)
            curl -s -o /dev/null -c "$work/jar" -d 'username=department&password=qinglian-demo' "${url}login"
            local cookie
            cookie=$(awk '$6 == "ql_session" { print "ql_session=" $7 }' "$work/jar")
            t0=$(cpu_ticks "$server")
            out=$(BENCH_COOKIE=$cookie BENCH_PAGES=20 wrk -t2 -c16 -d"${secs}s" --latency -s bench/wrk/list.lua "$url")
            ;;
        *) echo "unknown load: $mode" >&2; exit 1 ;;
    esac
    t1=$(cpu_ticks "$server")
    stop_server
    awk -v label="$label" -v run="$run" -v ticks=$((t1 - t0)) -v tck="$tck" -v secs="$secs" '
        /Requests\/sec:/ { rps = $2 }
        $1 == "99%" { p99 = $2 }
        /Non-2xx or 3xx responses:/ { bad = $NF }
        END { printf "pair %s %s  %8.0f req/s  p99 %8s  server CPU %6.1f µs/request  non-2xx/3xx %d\n",
              run, label, rps, p99, (rps > 0) ? ticks / tck * 1e6 / (rps * secs) : 0, bad }' <<<"$out"
}

echo "$mode: A = $a, B = $b; $pairs pairs of $secs s, wrk -t2 -c16"
for p in $(seq "$pairs"); do
    if (( p % 2 )); then
        one A "$a" "$p"; one B "$b" "$p"
    else
        one B "$b" "$p"; one A "$a" "$p"
    fi
done
