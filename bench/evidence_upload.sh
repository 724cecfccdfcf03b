#!/usr/bin/env bash
# The figures of the evidence store (issue 8, item 4), all in one run on one file:
#   upload    a SIZE_MIB (default 2048) file PATCHed with curl over loopback to a release
#             server (tus, one PATCH streaming the file), its throughput as a ratio of
#             `sha256sum` on the same file measured beside it, and the server's peak resident
#             memory during the upload (VmHWM, reset just before through /proc/PID/clear_refs)
#   verify    `qinglian evidence verify` over the store (the same bytes re-read and hashed with
#             SHA-256 and SM3), its rate as a ratio of `sha256sum` on the stored blob
# Each is measured RUNS times (default 3); the medians are printed last. The file is random
# bytes in a temporary folder on the data disk, removed at the end with everything else.
#
# Usage: bench/evidence_upload.sh [RUNS]     SIZE_MIB=… to change the size
set -euo pipefail

cd "$(dirname "$0")/.."
runs=${1:-3}
size_mib=${SIZE_MIB:-2048}
target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d "${BENCH_TMP:-$PWD/bench/data}/evidence.XXXXXX" 2>/dev/null || mktemp -d)
pid=
cleanup() {
    [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

need=$((size_mib * 3 + 512))
avail=$(df -m --output=avail "$work" | tail -1)
((avail > need)) || { echo "need ${need} MiB free under $work, have ${avail}" >&2; exit 1; }

cargo build --release --quiet -p qinglian --bin qinglian
bin=$target/release/qinglian
export QINGLIAN_DATABASE_URL="sqlite://$work/q.db"
export QINGLIAN_EVIDENCE_DIR="$work/evidence"
export QINGLIAN_SECRET_KEY_PATH="$work/secret.key"
export QINGLIAN_LEDGER_KEY_PATH="$work/ledger.key"
export QINGLIAN_LOG=warn
export QINGLIAN_EVIDENCE_MAX_UPLOAD_BYTES=$((size_mib * 1024 * 1024 * 2))
"$bin" demo >/dev/null 2>&1

file=$work/recording.bin
echo "making a ${size_mib} MiB file in $work" >&2
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$file"
bytes=$(stat -c %s "$file")
sha=$(sha256sum "$file" | cut -d' ' -f1)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
QINGLIAN_LISTEN=127.0.0.1:$port "$bin" serve --demo >"$work/serve.log" 2>&1 &
pid=$!
until curl -fs "$base/readyz" >/dev/null 2>&1; do sleep 0.05; done
jar=$work/cookies
curl -fs -c "$jar" -o /dev/null -d 'username=casemanager&password=qinglian-demo' "$base/login"
csrf=$(curl -fs -b "$jar" "$base/staff" | sed -n 's/.*"x-csrf-token": "\([^"]*\)".*/\1/p' | head -1)
[[ -n $csrf ]] || { echo "could not sign in" >&2; exit 1; }

secs() { date +%s.%N; }
sha_secs() { local s; s=$(secs); sha256sum "$1" >/dev/null; awk -v s="$s" -v e="$(secs)" 'BEGIN { print e - s }'; }

# One upload: prints "<seconds> <peak RSS MiB during it>".
upload_once() {
    local name loc start end hwm meta
    name=$(printf 'recording-%s.bin' "$1" | base64 -w0)
    meta="filename $name,sha256 $(printf %s "$sha" | base64 -w0)"
    loc=$(curl -fs -b "$jar" -H "x-csrf-token: $csrf" -H 'tus-resumable: 1.0.0' -H "upload-length: $bytes" \
        -H "upload-metadata: $meta" -X POST -D - -o /dev/null "$base/api/v1/evidence/uploads" |
        tr -d '\r' | awk -F': ' 'tolower($1) == "location" { print $2 }')
    echo 5 >"/proc/$pid/clear_refs"
    start=$(secs)
    curl -fs -b "$jar" -H "x-csrf-token: $csrf" -H 'tus-resumable: 1.0.0' -H 'upload-offset: 0' \
        -H 'content-type: application/offset+octet-stream' -H 'expect:' -X PATCH -T "$file" \
        -D "$work/patch.headers" -o /dev/null "$base$loc"
    end=$(secs)
    grep -qi "^x-content-sha256: $sha" "$work/patch.headers" || { echo "upload $1 did not complete with the right digest" >&2; cat "$work/patch.headers" >&2; exit 1; }
    hwm=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
    awk -v s="$start" -v e="$end" -v h="$hwm" 'BEGIN { printf "%.3f %s\n", e - s, h }'
}

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mbs() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f", b / s / 1e6 }'; }

cat "$file" >/dev/null # into the page cache, as it stays for every measurement below
up_ratio=() up_rss=() up_mbs=() v_ratio=() v_mbs=()
for i in $(seq "$runs"); do
    s_up=$(sha_secs "$file")
    read -r t rss < <(upload_once "$i")
    up_ratio+=("$(ratio "$s_up" "$t")") up_rss+=("$rss") up_mbs+=("$(mbs "$t")")
    printf 'run %d upload: %s s (%s MB/s), sha256sum %s s (%s MB/s), ratio %s, server peak RSS %s MiB\n' \
        "$i" "$t" "$(mbs "$t")" "$s_up" "$(mbs "$s_up")" "${up_ratio[-1]}" "$rss" >&2

    # The uploaded blob: the largest (the demo's own recording and signed copy are small).
    blob=$(find "$work/evidence/sha256" -type f -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2-)
    s_v=$(sha_secs "$blob")
    start=$(secs)
    "$bin" evidence verify >"$work/verify.out" 2>&1 || { cat "$work/verify.out" >&2; exit 1; }
    t_v=$(awk -v s="$start" -v e="$(secs)" 'BEGIN { print e - s }')
    # Every run uploads the same bytes (one blob) beside the demo's two small files, so verify
    # reads about `bytes`.
    v_ratio+=("$(ratio "$s_v" "$t_v")") v_mbs+=("$(mbs "$t_v")")
    printf 'run %d verify: %s s (%s MB/s, whole process), sha256sum %s s, ratio %s\n' \
        "$i" "$t_v" "$(mbs "$t_v")" "$s_v" "${v_ratio[-1]}" >&2
done

echo "evidence upload of ${size_mib} MiB over loopback, $runs runs (medians):"
echo "  upload throughput      $(median "${up_mbs[@]}") MB/s = $(median "${up_ratio[@]}") x sha256sum (goal >= 0.70)"
echo "  server peak RSS        $(median "${up_rss[@]}") MiB during the upload (goal <= 100 MB)"
echo "  verify (SHA-256 + SM3) $(median "${v_mbs[@]}") MB/s = $(median "${v_ratio[@]}") x sha256sum"
