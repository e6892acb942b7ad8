#!/usr/bin/env bash
# Issue 17: one ledger shared by three daemons on PostgreSQL, through the built gainsay CLI. A throwaway
# cluster (Scripts/lib/postgres-cluster.sh: initdb in a temp folder, Unix socket only) is started and
# stopped here; nothing is left running. Checks: a write through one daemon is read through the others at
# once; `gainsay watch` on one daemon receives every daemon's changes in audit order, with no gaps and no
# duplicates, and resumes by sequence; two journalists editing one claim through two daemons (the second is
# refused, naming the revision); kill -9 of a daemon under load loses nothing acknowledged and the others
# keep serving; a PostgreSQL restart gives UNAVAILABLE while it is down and the daemons reconnect by
# themselves; a ledger moved from SQLite by export and restore exports byte for byte the same.
#   Tests/shell/shared-ledger-tests.sh BIN_DIR
set -uo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib/cli-harness.sh
. "$(dirname "$0")/lib/cli-harness.sh"
# shellcheck source=../../Scripts/lib/postgres-cluster.sh
. "$root/Scripts/lib/postgres-cluster.sh"
harness_setup shared
pg=$(mktemp -d /tmp/gsy-pg-XXXXXX)
pids=()
cleanup_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  # Daemons started in subshells are not this shell's children: nothing of this suite is left running.
  pkill -f "gainsayd --socket $work/" 2>/dev/null
  for _ in $(seq 60); do pgrep -f "gainsayd --socket $work/" >/dev/null || break; sleep 0.25; done
  pkill -9 -f "gainsayd --socket $work/" 2>/dev/null
  wait 2>/dev/null
  gainsay_pg_stop "$pg" >/dev/null 2>&1
  rm -rf "$pg"
  harness_cleanup
}
trap cleanup_all EXIT
gainsay_pg_start "$pg" >"$work/pg-start.log" 2>&1 || { cat "$work/pg-start.log"; echo "shared ledger: 0 passed, 1 failed"; exit 1; }
url=$GAINSAY_TEST_POSTGRES_URL

# start N: daemon N on its own socket and data folder, on the shared store; waits until it answers (a killed
# daemon's socket file is still there: the new daemon replaces it once it has connected and migrated).
start() {
  local n=$1
  "$bin/gainsayd" --socket "$work/d$n/g.sock" --data-dir "$work/d$n/data" --store "$url" 2>>"$work/d$n.log" &
  pids[$n]=$!
  for _ in $(seq 200); do
    GAINSAY_SOCKET=$work/d$n/g.sock "$bin/gainsay" status >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "daemon $n did not start:"; cat "$work/d$n.log"; return 1
}
on() { local n=$1; shift; GAINSAY_SOCKET=$work/d$n/g.sock "$bin/gainsay" "$@"; }

# The three start together: one migrates, under PostgreSQL's advisory lock, the others wait for it.
start 1 & start 2 & start 3 & wait
for n in 1 2 3; do pids[$n]=$(pgrep -f "gainsayd --socket $work/d$n/g.sock" | head -1); done
all_answer() { for n in 1 2 3; do on "$n" status >/dev/null || { cat "$work/d$n.log"; return 1; }; done; }
check "three daemons started together on one PostgreSQL ledger all answer" all_answer

# --- A write through one daemon is visible through the others at once.
kadyrov=$(on 1 speaker add "Ramzan Kadyrov" --alias "Рамзан Кадыров" --country RU)
claim=$(on 2 claim add "We don’t have any gays" --speaker "Рамзан Кадыров" --said 2017-07 --context "HBO Real Sports")
seen_everywhere() {
  for n in 1 2 3; do
    on "$n" claim show "$claim" --json | "$json" "assert data[0]['speakerId'] == '$kadyrov', data" || return 1
  done
}
check "a claim written through daemon 2 is read through 1, 2 and 3" seen_everywhere
check "search through daemon 3 finds it by the Cyrillic name" bash -c "GAINSAY_SOCKET='$work/d3/g.sock' '$bin/gainsay' search 'Кадыров gays' | grep -qF '$claim'"

# --- Watch on daemon 3 receives every daemon's changes in order, no gaps, no duplicates.
on 3 --json watch > "$work/watch.jsonl" 2>"$work/watch.err" &
watcher=$!
sleep 1
first=$(on 1 --json history "$claim" | "$json" "print(max(e['sequence'] for e in data))")
for i in $(seq 1 10); do
  on $(( (i % 3) + 1 )) speaker add "Official $i" >/dev/null &
done
wait_writes() { for job in $(jobs -p); do [ "$job" = "$watcher" ] || wait "$job"; done; }
wait_writes
sleep 2
kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null
watch_complete() {
  "$json" "
seqs = [int(e['sequence']) for e in data]
assert len(seqs) == 10, seqs
assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs
assert seqs == list(range(seqs[0], seqs[0] + 10)), seqs
assert seqs[0] == $first + 1, (seqs, $first)
" < "$work/watch.jsonl"
}
check "watch on daemon 3: the 10 writes through daemons 1, 2 and 3, in sequence order, none missing, none twice" watch_complete
resumed() {
  on 2 --json watch --after "$first" > "$work/resume.jsonl" 2>/dev/null &
  local w=$!
  sleep 1.5; kill "$w" 2>/dev/null; wait "$w" 2>/dev/null
  "$json" "seqs = [int(e['sequence']) for e in data]; assert seqs == list(range($first + 1, $first + 11)), seqs" < "$work/resume.jsonl"
}
check "watch --after on daemon 2 replays exactly those 10" resumed

# --- No silent overwrites across daemons.
rev=$(on 1 claim show "$claim" --json | "$json" "print(data[0]['revision'])")
has_id() { "$@" >/dev/null 2>"$work/err" || { cat "$work/err"; return 1; }; }
check "journalist A edits through daemon 1, based on the revision read" \
  has_id on 1 claim edit "$claim" --context "HBO Real Sports, July 2017" --if-revision "$rev" --reason "date of broadcast"
check "journalist B, through daemon 2, based on the same revision: refused (exit 73), naming it" \
  expect_exit_fixed 73 "not revision $rev" on 2 claim edit "$claim" --context "Interview" --if-revision "$rev" --reason "other"
check "A's edit stands, seen through daemon 3" bash -c "GAINSAY_SOCKET='$work/d3/g.sock' '$bin/gainsay' claim show '$claim' --json | '$json' \"assert data[0]['context'] == 'HBO Real Sports, July 2017', data\""

# --- kill -9 of one daemon under load: nothing acknowledged is lost, the others keep serving.
load() {  # load N: creates speakers through daemon N until it fails; prints each acknowledged id
  local n=$1 i=0
  while id=$(on "$n" speaker add "Load $n-$i" 2>/dev/null); do echo "$id"; i=$((i + 1)); done
}
load 1 > "$work/acked1" & l1=$!
load 2 > "$work/acked2" & l2=$!
sleep 2
kill -9 "${pids[1]}"
sleep 1
kill "$l2" 2>/dev/null; wait "$l1" "$l2" 2>/dev/null
nothing_lost() {
  local missing=0
  cat "$work/acked1" "$work/acked2" > "$work/acked"
  [ "$(wc -l < "$work/acked")" -gt 5 ] || { echo "too few writes acknowledged: $(wc -l < "$work/acked")"; return 1; }
  on 3 --json speaker list > "$work/speakers.jsonl" || return 1
  while read -r id; do grep -qF "\"$id\"" "$work/speakers.jsonl" || { echo "lost $id"; missing=1; }; done < "$work/acked"
  [ "$missing" -eq 0 ]
}
check "kill -9 of daemon 1 under load: every acknowledged write is in the ledger (read through daemon 3)" nothing_lost
check "daemons 2 and 3 keep serving" bash -c "GAINSAY_SOCKET='$work/d2/g.sock' '$bin/gainsay' speaker add 'After the crash' >/dev/null && GAINSAY_SOCKET='$work/d3/g.sock' '$bin/gainsay' speaker show 'After the crash' >/dev/null"
check "daemon 1 restarts on the shared ledger" start 1

# --- PostgreSQL restarts: UNAVAILABLE while it is down, reconnection by itself after.
on 3 --json watch --type speaker > "$work/outage-watch.jsonl" 2>"$work/outage-watch.err" &
outage_watcher=$!
sleep 1
gainsay_pg_stop "$pg" >/dev/null 2>&1
check "while PostgreSQL is down a write fails with UNAVAILABLE (exit 78), one line" \
  expect_exit 78 "unavailable" on 2 speaker add "During the outage"
gainsay_pg_start "$pg" >/dev/null 2>&1
reconnects() {
  for _ in $(seq 40); do on 2 speaker add "After the outage" >/dev/null 2>&1 && break; sleep 0.25; done
  on 3 speaker show "After the outage" >/dev/null && on 1 speaker show "$kadyrov" >/dev/null || {
    tail -5 "$work/d1.log"; return 1
  }
}
check "after PostgreSQL is back the daemons reconnect by themselves, nothing acknowledged lost" reconnects
check "the outage lost nothing acknowledged before it" nothing_lost
watch_through_outage() {
  # The follower catches up within a poll or two of the store coming back; a loaded machine gets 20 s.
  for _ in $(seq 80); do grep -q '"After the outage"' "$work/outage-watch.jsonl" && break; sleep 0.25; done
  kill "$outage_watcher" 2>/dev/null; wait "$outage_watcher" 2>/dev/null
  grep -q '"After the outage"' "$work/outage-watch.jsonl" || { echo "watch output:"; cat "$work/outage-watch.jsonl" "$work/outage-watch.err"; return 1; }
}
check "a watch on daemon 3 open through the outage receives the write made through daemon 2 after it" watch_through_outage

# --- Move a ledger: export from SQLite, restore into an empty PostgreSQL ledger, the same export after.
GAINSAY_SOCKET=$work/sq/g.sock
mkdir -p "$work/sq"
"$bin/gainsayd" --socket "$work/sq/g.sock" --data-dir "$work/sq/data" 2>"$work/sq.log" &
pids[9]=$!
for _ in $(seq 100); do [ -S "$work/sq/g.sock" ] && break; sleep 0.05; done
sq() { GAINSAY_SOCKET=$work/sq/g.sock "$bin/gainsay" "$@"; }
peskov=$(sq speaker add "Dmitry Peskov" --alias "Дмитрий Песков" --country RU)
moved=$(sq claim add "Putin will consider the meeting" --speaker "$peskov" --said 2013-11)
printf 'Dmitry Peskov, the spokesperson for the President, said\xc2\xa0Vladimir Putin will consider the meeting but must first hear the proposed \xe2\x80\x9cagenda.\xe2\x80\x9d\n' > "$work/pink.txt"
src=$(sq source add --title "Putin to consider meeting" --outlet PinkNews --text-file "$work/pink.txt")
sq link add "$moved" "$src" --relation supports --quote "Vladimir Putin will consider the meeting" >/dev/null
sq export --audit --output "$work/sqlite.jsonl"
newdb=$(gainsay_pg_createdb "$pg" moved)
mkdir -p "$work/mv"
"$bin/gainsayd" --socket "$work/mv/g.sock" --data-dir "$work/mv/data" --store "$newdb" 2>"$work/mv.log" &
pids[8]=$!
for _ in $(seq 200); do [ -S "$work/mv/g.sock" ] && break; sleep 0.05; done
mv_() { GAINSAY_SOCKET=$work/mv/g.sock "$bin/gainsay" "$@"; }
check "restore the SQLite export into the empty PostgreSQL ledger" has_id mv_ restore "$work/sqlite.jsonl"
same_export() {
  mv_ export --audit --output "$work/pg.jsonl" || return 1
  cmp "$work/sqlite.jsonl" "$work/pg.jsonl"
}
check "export from PostgreSQL is byte-identical to the SQLite export" same_export
check "restore into a PostgreSQL ledger that is not empty is refused" expect_exit 73 "empty" mv_ restore "$work/sqlite.jsonl"

# --- Every daemon stops on SIGTERM, even with PostgreSQL gone from under it: none hangs on its connections.
stops_without_store() {
  local n pid stopping=()
  gainsay_pg_stop "$pg" >/dev/null 2>&1
  for n in 1 2 3; do
    pid=$(pgrep -f "gainsayd --socket $work/d$n/g.sock" | head -1)
    [ -n "$pid" ] && kill "$pid" && stopping[$n]=$pid
  done
  for n in "${!stopping[@]}"; do
    for _ in $(seq 80); do kill -0 "${stopping[$n]}" 2>/dev/null || continue 2; sleep 0.25; done
    echo "daemon $n (pid ${stopping[$n]}) still runs 20 s after SIGTERM:"
    grep -v "Connection creation failed" "$work/d$n.log" | tail -8; return 1
  done
}
check "with PostgreSQL stopped, every daemon still stops on SIGTERM (within 20 s)" stops_without_store

echo "shared ledger: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
