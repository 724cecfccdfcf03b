#!/usr/bin/env python3
"""After the creation runs of bench/inspection_load.sh: checks, code by code, that every
acknowledged concern (each 201 answer's receipt code, collected by bench/wrk/create.lua) is in
the database with its `concern.create` audit row and its ledger entry, and counts the rows.

Usage: inspection_verify.py DB SECRET_KEY PUBLIC_BEFORE ACKED_COUNT CODE_FILE...
Receipt codes are stored as HMAC-SHA256 under a key derived from the deployment key, as in
crates/web/src/secrets.rs; the check hashes each code the same way. Exit status 1 on a loss.
"""
import base64
import hashlib
import hmac
import sqlite3
import sys

db, key_path, before, acked = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
master = base64.b64decode(open(key_path).read().strip())
receipt_key = hmac.new(master, b"qinglian receipt v1", hashlib.sha256).digest()

codes = []
for path in sys.argv[5:]:
    with open(path) as f:
        codes += [line.strip().replace("-", "") for line in f if line.strip()]
hashes = [hmac.new(receipt_key, c.encode(), hashlib.sha256).hexdigest() for c in codes]

con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
con.execute("CREATE TEMP TABLE acked (h TEXT PRIMARY KEY)")
con.executemany("INSERT OR IGNORE INTO acked VALUES (?)", [(h,) for h in hashes])
present, with_audit, with_ledger = con.execute(
    """SELECT COUNT(DISTINCT c.id),
              COUNT(DISTINCT CASE WHEN a.id IS NOT NULL THEN c.id END),
              COUNT(DISTINCT CASE WHEN l.seq IS NOT NULL THEN c.id END)
       FROM acked k
       LEFT JOIN concern c ON c.receipt_hash = k.h
       LEFT JOIN audit_event a ON a.object_id = c.id AND a.action = 'concern.create'
       LEFT JOIN ledger_entry l ON l.object_id = c.id AND l.entry_type = 'concern.create'"""
).fetchone()
public = con.execute("SELECT COUNT(*) FROM concern WHERE source = 'public'").fetchone()[0]
total = con.execute("SELECT COUNT(*) FROM concern").fetchone()[0]
audit = con.execute(
    "SELECT COUNT(*) FROM audit_event a JOIN concern c ON c.id = a.object_id "
    "WHERE a.action = 'concern.create' AND c.source = 'public'"
).fetchone()[0]
ledger = con.execute(
    "SELECT COUNT(*) FROM ledger_entry l JOIN concern c ON c.id = l.object_id "
    "WHERE l.entry_type = 'concern.create' AND c.source = 'public'"
).fetchone()[0]

print(f"acknowledged (201): {acked}; receipt codes captured: {len(codes)} ({len(set(hashes))} distinct)")
print(f"of those codes: in the database {present}, with audit row {with_audit}, with ledger entry {with_ledger}")
print(f"concerns now: {total}; public ones added by the runs: {public - before} "
      f"(>= acknowledged: requests in flight when wrk stopped may have committed unacknowledged)")
print(f"public concerns with a concern.create audit row: {audit}, with a ledger entry: {ledger}")
ok = (len(codes) == acked and len(set(hashes)) == len(codes) and present == with_audit == with_ledger == len(codes)
      and public - before >= acked and audit == public and ledger == public)
print("rows check:", "OK, no acknowledged concern lost" if ok else "FAILED")
sys.exit(0 if ok else 1)
