#!/usr/bin/env bash
# Resource faults against the real daemon: a full disk (the data directory on a small tmpfs, needs
# root for mount), and a damaged database file (garbage in table and index pages, an index that no
# longer matches its table, a truncated file, a file that is not SQLite, a directory in its place).
#   Tests/shell/faults-tests.sh BIN_DIR
set -uo pipefail
bin=$1
work=$(mktemp -d /tmp/gsy-faults-XXXXXX)
passed=0 failed=0 skipped=0
daemon_pid=""
disk=""

cleanup() {
  [ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null
  wait 2>/dev/null
  [ -n "$disk" ] && umount "$disk" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"

skip() { skipped=$((skipped + 1)); echo "skip $1"; }

g() { GAINSAY_SOCKET=$sock "$bin/gainsay" "$@"; }

start_daemon() {  # start_daemon DATA_DIR
  sock=$work/d.sock
  "$bin/gainsayd" --socket "$sock" --data-dir "$1" --log-level error 2>>"$work/daemon.log" &
  daemon_pid=$!
  for _ in $(seq 200); do
    [ -S "$sock" ] && g status >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "gainsayd did not start:"; cat "$work/daemon.log"; return 1
}

stop_daemon() {
  kill -TERM "$daemon_pid" && wait "$daemon_pid"
  daemon_pid=""
}

integrity_ok() {  # integrity_ok DATABASE: read-only, as another process sees it
  local result
  result=$(sqlite3 -readonly "$1" 'PRAGMA integrity_check' 2>&1)
  [ "$result" = ok ] || { echo "integrity_check: $result"; return 1; }
}

text_file() {  # text_file PATH N: about 100 KB of distinct words
  /usr/bin/python3 - "$1" "$2" <<'PY'
import random, sys
path, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(n)
words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 10))) for _ in range(2000)]
with open(path, "w") as out:
    out.write("Report %d. " % n)
    out.write(" ".join(rng.choice(words) for _ in range(14000)))
PY
}

# ---------------------------------------------------------------- full disk

acked=()      # ids of sources whose creation was acknowledged
declare -A digest file  # id -> sha256 of the text sent, the file sent

every_acknowledged_source_intact() {
  local id
  for id in "${acked[@]}"; do
    g source show "$id" --text --json > "$work/shown" || { echo "cannot read $id"; return 1; }
    /usr/bin/python3 - "$work/shown" "${file[$id]}" "${digest[$id]}" <<'PY' || return 1
import json, sys
source = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
assert source["archivedText"] == text, (source["id"], "archived text differs")
assert source["archivedTextSha256"] == sys.argv[3], (source["id"], source["archivedTextSha256"])
PY
    # Its audit event: one CREATE, whose `after` carries the same text digest.
    g history "$id" --json > "$work/history" || { echo "no history for $id"; return 1; }
    [ "$(grep -c AUDIT_ACTION_CREATE "$work/history")" -eq 1 ] && grep -q "${digest[$id]}" "$work/history" ||
      { echo "audit of $id:"; cat "$work/history"; return 1; }
  done
}

add_source() {  # add_source N: prints the id; exit status of the CLI
  text_file "$work/text$1" "$1"
  g source add --title "Report $1" --outlet "The Daily Example" --text-file "$work/text$1" 2>"$work/add.err"
}

fill_disk() {
  local n rc id
  for n in $(seq 1 200); do
    id=$(add_source "$n"); rc=$?
    if [ $rc -eq 0 ]; then
      acked+=("$id"); file[$id]=$work/text$n; digest[$id]=$(sha256sum < "$work/text$n" | cut -d' ' -f1)
      continue
    fi
    # RESOURCE_EXHAUSTED is gRPC code 8: the CLI exits with 64 + 8.
    [ $rc -eq 72 ] && grep -q "RESOURCE_EXHAUSTED" "$work/add.err" ||
      { echo "write $n: exit $rc"; cat "$work/add.err"; return 1; }
    echo "disk full after ${#acked[@]} sources: $(cat "$work/add.err")"
    [ "${#acked[@]}" -ge 2 ] || { echo "too few writes before the disk filled"; return 1; }
    # It stays refused while the disk is full, and says so each time.
    add_source 999 >/dev/null; rc=$?
    [ $rc -eq 72 ] || { echo "second write on a full disk: exit $rc"; cat "$work/add.err"; return 1; }
    return 0
  done
  echo "the disk never filled"; return 1
}

reads_work_while_full() {
  g status >/dev/null && g source list >/dev/null && every_acknowledged_source_intact
}

writes_resume_after_freeing_space() {
  rm -f "$disk/ballast"
  local id
  id=$(add_source 1000) || { cat "$work/add.err"; return 1; }
  acked+=("$id"); file[$id]=$work/text1000; digest[$id]=$(sha256sum < "$work/text1000" | cut -d' ' -f1)
  every_acknowledged_source_intact
}

after_restart() {
  stop_daemon || return 1
  integrity_ok "$disk/data/ledger.sqlite" || return 1
  start_daemon "$disk/data" && every_acknowledged_source_intact
}

disk=$work/disk
mkdir -p "$disk"
if mount -t tmpfs -o size=8m,mode=0700 tmpfs "$disk" 2>"$work/mount.err"; then
  # Ballast on the same file system, removed later to free space.
  dd if=/dev/zero of="$disk/ballast" bs=1M count=3 status=none
  if start_daemon "$disk/data"; then
    check "full disk: writes fail with RESOURCE_EXHAUSTED (CLI exit 72), nothing half-written" fill_disk
    check "full disk: the database passes integrity_check" integrity_ok "$disk/data/ledger.sqlite"
    check "full disk: reads work, every acknowledged write is intact, with its audit event" reads_work_while_full
    check "full disk: writes succeed again once space is freed, without a restart" writes_resume_after_freeing_space
    check "full disk: after a restart, integrity_check ok and every acknowledged write intact" after_restart
    stop_daemon
  else
    failed=$((failed + 1)); echo "FAIL the daemon starts on a tmpfs"
  fi
  umount "$disk"
else
  disk=""
  skip "full disk: cannot mount a tmpfs ($(head -1 "$work/mount.err")); run as root"
fi
disk=""

# ---------------------------------------------------------------- damaged database files

# A ledger with enough claims that tables and indexes span many pages, stopped cleanly (no WAL left).
make_ledger() {
  /usr/bin/python3 - "$work/claims.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as out:
    out.write("text,speaker,said,topics\n")
    for i in range(3000):
        out.write("Statement number %d about the budget,Official %d,20%02d-%02d-%02d,budget\n" % (i, i % 40, i % 20, i % 12 + 1, i % 28 + 1))
PY
  start_daemon "$work/base" || return 1
  g import "$work/claims.csv" --chunk-size 1000 >/dev/null || return 1
  stop_daemon || return 1
  [ ! -s "$work/base/ledger.sqlite-wal" ] || sqlite3 "$work/base/ledger.sqlite" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
  integrity_ok "$work/base/ledger.sqlite"
}

variant() {  # variant NAME: a fresh copy of the good ledger in $work/NAME
  rm -rf "${work:?}/$1"
  cp -a "$work/base" "$work/$1"
  rm -f "$work/$1"/ledger.sqlite-wal "$work/$1"/ledger.sqlite-shm "$work/$1/gainsayd.lock"
}

page_of() {  # page_of DB OBJECT: a leaf page of a table or index, from the middle of the file
  sqlite3 -readonly "$1" \
    "SELECT pageno FROM dbstat WHERE name = '$2' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET (SELECT count(*) / 2 FROM dbstat WHERE name = '$2' AND pagetype = 'leaf')"
}

garbage_page() {  # garbage_page DB PAGE
  local size
  size=$(sqlite3 -readonly "$1" 'PRAGMA page_size')
  head -c "$size" /dev/urandom | dd of="$1" bs="$size" seek=$(($2 - 1)) conv=notrunc status=none
}

refuses_to_start() {  # refuses_to_start DATA_DIR: exits non-zero, one clear line, never serves
  local dir=$1 rc
  timeout 20 "$bin/gainsayd" --socket "$work/r.sock" --data-dir "$dir" 2>"$work/refusal.log"; rc=$?
  [ $rc -ne 0 ] && [ $rc -ne 124 ] || { echo "exit status $rc"; cat "$work/refusal.log"; return 1; }
  [ ! -S "$work/r.sock" ] || { echo "it listened"; return 1; }
  [ "$(wc -l < "$work/refusal.log")" -eq 1 ] || { echo "not one line:"; cat "$work/refusal.log"; return 1; }
  grep -q "^gainsayd: .*ledger.sqlite" "$work/refusal.log" || { cat "$work/refusal.log"; return 1; }
  echo "exit $rc: $(cat "$work/refusal.log")"
}

# starts_damaged DATA_DIR: the daemon serves at once; its background check finds the damage (Health says
# DAMAGED, the log says so), writes are refused with LEDGER_DAMAGED (exit 73), reads are still served, and
# `gainsayd --check` finds it too (exit 1).
starts_damaged() {
  local dir=$1 rc state=""
  : > "$work/daemon.log"
  start_daemon "$dir" || return 1
  for _ in $(seq 200); do
    state=$(g status --json | /usr/bin/python3 -c 'import json,sys; print((json.load(sys.stdin).get("integrity") or {}).get("state",""))')
    [ "$state" = INTEGRITY_STATE_DAMAGED ] && break
    sleep 0.1
  done
  [ "$state" = INTEGRITY_STATE_DAMAGED ] || { echo "Health says $state"; g status; stop_daemon; return 1; }
  g status | grep -q "ledger integrity: DAMAGED, writes refused" || { g status; stop_daemon; return 1; }
  g speaker add "Someone New" >/dev/null 2>"$work/write.err"; rc=$?
  [ $rc -eq 73 ] && grep -q "FAILED_PRECONDITION: the ledger database is damaged" "$work/write.err" &&
    [ "$(wc -l < "$work/write.err")" -eq 1 ] || { echo "write: exit $rc"; cat "$work/write.err"; stop_daemon; return 1; }
  g describe >/dev/null || { echo "a read failed"; stop_daemon; return 1; }
  grep -q "is DAMAGED (PRAGMA integrity_check" "$work/daemon.log" || { echo "not in the log:"; cat "$work/daemon.log"; stop_daemon; return 1; }
  stop_daemon
  "$bin/gainsayd" --check --data-dir "$dir" >"$work/check.out" 2>&1; rc=$?
  [ $rc -eq 1 ] && grep -q "ledger.sqlite: DAMAGED" "$work/check.out" || { echo "--check: exit $rc"; cat "$work/check.out"; return 1; }
  echo "$(head -n 2 "$work/check.out" | tail -n 1)"
}

table_page_garbage() {
  variant table && garbage_page "$work/table/ledger.sqlite" "$(page_of "$work/table/ledger.sqlite" claim)" &&
    starts_damaged "$work/table"
}

index_page_garbage() {
  variant index && garbage_page "$work/index/ledger.sqlite" "$(page_of "$work/index/ledger.sqlite" claim_by_date)" &&
    starts_damaged "$work/index"
}

audit_page_garbage() {
  variant audit && garbage_page "$work/audit/ledger.sqlite" "$(page_of "$work/audit/ledger.sqlite" audit_event)" &&
    starts_damaged "$work/audit"
}

# Well-formed pages whose entries no longer match the table: what PRAGMA quick_check does not look at.
index_out_of_step() {
  variant stale || return 1
  sqlite3 "$work/stale/ledger.sqlite" "PRAGMA writable_schema = ON;
    UPDATE sqlite_schema SET sql = replace(sql, 'claim(speaker_id, said_start)', 'claim(speaker_id, id)')
      WHERE name = 'claim_by_speaker';" ||
    return 1
  [ "$(sqlite3 -readonly "$work/stale/ledger.sqlite" 'PRAGMA quick_check')" = ok ] ||
    { echo "quick_check already sees it; the test no longer tests what quick_check misses"; return 1; }
  starts_damaged "$work/stale"
}

truncated() {
  variant truncated || return 1
  truncate -s $(($(stat -c %s "$work/truncated/ledger.sqlite") / 2)) "$work/truncated/ledger.sqlite"
  refuses_to_start "$work/truncated"
}

header_garbage() {
  variant header && garbage_page "$work/header/ledger.sqlite" 1 && refuses_to_start "$work/header"
}

not_sqlite() {
  variant text || return 1
  head -c 200000 "$work/claims.csv" > "$work/text/ledger.sqlite"
  refuses_to_start "$work/text"
}

directory_instead() {
  variant dir || return 1
  rm "$work/dir/ledger.sqlite" && mkdir "$work/dir/ledger.sqlite"
  refuses_to_start "$work/dir"
}

unreadable() {
  variant unreadable || return 1
  chmod 000 "$work/unreadable/ledger.sqlite"
  refuses_to_start "$work/unreadable"
}

the_good_copy_starts() {
  variant good && start_daemon "$work/good" && g claim list --json | grep -q '"text"' && stop_daemon &&
    "$bin/gainsayd" --check --data-dir "$work/good" | grep -q "ledger.sqlite: sound (PRAGMA integrity_check: ok"
}

check "a populated ledger (3,000 claims) passes integrity_check" make_ledger
check "the undamaged copy starts and serves; gainsayd --check says it is sound" the_good_copy_starts
check "garbage in a page of the claim table: serves reads, refuses writes (LEDGER_DAMAGED), Health and --check say DAMAGED" table_page_garbage
check "garbage in a page of a claim index: serves reads, refuses writes, Health and --check say DAMAGED" index_page_garbage
check "garbage in a page of the audit log: serves reads, refuses writes, Health and --check say DAMAGED" audit_page_garbage
check "an index out of step with its table (well-formed pages): found by the background check; writes refused" index_out_of_step
check "a truncated file: refuses to start" truncated
check "garbage over the header page: refuses to start" header_garbage
check "a file that is not SQLite: refuses to start" not_sqlite
check "a directory where the database should be: refuses to start" directory_instead
if [ "$(id -u)" -ne 0 ]; then
  check "an unreadable file (mode 000): refuses to start" unreadable
else
  skip "an unreadable file (mode 000): root reads it anyway; the other damaged files stand in"
fi

echo "faults: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
