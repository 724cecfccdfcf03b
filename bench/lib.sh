# Sourced by the load scripts: a scratch directory, and a server on a fresh copy of a bench
# database (or any server process the caller puts in `server`) that is stopped on exit or
# interrupt.
#
# `start_server` expects `data` (the directory holding q.db, secret.key and ledger.key). Sets
# `work`, and `server` and `port` while a server runs. Settings the caller exports
# (QINGLIAN_*) reach the server too.

work=$(mktemp -d)
server=""
port=""

stop_server() {
    if [[ -n $server ]]; then
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
        server=""
    fi
}
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# A TCP port free on 127.0.0.1 now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Usage: start_server BIN [serve options]: returns once /readyz answers.
start_server() {
    local bin=$1
    shift
    rm -rf "$work/db"
    mkdir -p "$work/db"
    cp "$data/q.db" "$data/secret.key" "$data/ledger.key" "$work/db/"
    port=$(free_port)
    QINGLIAN_DATABASE_URL="sqlite://$work/db/q.db" QINGLIAN_SECRET_KEY_PATH=$work/db/secret.key \
        QINGLIAN_LEDGER_KEY_PATH=$work/db/ledger.key QINGLIAN_LISTEN=127.0.0.1:$port QINGLIAN_LOG=warn \
        "$bin" serve "$@" >"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 600); do
        curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "the server did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
}
