#!/usr/bin/env bash
# What the daemon trusts and what it writes, end to end with the real binaries: backups are written by
# the caller (new file, 0600, never through a symlink, checked), the daemon leaves no file behind, audit
# events do not copy archived texts, and evidence passages are stored as their source has them.
# (Restore attacks are in import-tests.sh, roles with real Unix users in access-live.sh.)
#   Tests/shell/trust-tests.sh BIN_DIR
set -uo pipefail
bin=$1
work=$(mktemp -d /tmp/gsy-trust-XXXXXX)
export GAINSAY_SOCKET=$work/gainsayd.sock
export NO_COLOR=1
passed=0 failed=0
daemon_pid=""
cleanup() { [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"
g() { "$bin/gainsay" "$@"; }

"$bin/gainsayd" --socket "$GAINSAY_SOCKET" --data-dir "$work/data" 2>"$work/daemon.log" &
daemon_pid=$!
for _ in $(seq 100); do [ -S "$GAINSAY_SOCKET" ] && break; sleep 0.05; done
Scripts/sample-ledger.sh "$bin/gainsay" > "$work/ids"

expect_exit() {  # expect_exit STATUS TEXT COMMAND...
  local want=$1 text=$2; shift 2
  "$@" >"$work/stdout" 2>"$work/stderr"; local got=$?
  [ "$got" -eq "$want" ] || { echo "exit $got, expected $want"; cat "$work/stdout" "$work/stderr"; return 1; }
  grep -qF -- "$text" "$work/stderr" || { echo "missing: $text"; cat "$work/stderr"; return 1; }
}

backup_private() {
  g backup "$work/copy.sqlite" | grep -q "integrity check ok" || return 1
  [ "$(stat -c %a "$work/copy.sqlite")" = 600 ] || { stat -c %a "$work/copy.sqlite"; return 1; }
  [ "$(sqlite3 "$work/copy.sqlite" 'PRAGMA integrity_check')" = ok ] &&
    [ "$(sqlite3 "$work/copy.sqlite" 'SELECT count(*) FROM claim')" -eq 4 ]
}
check "backup: written by the caller, mode 0600, intact" backup_private

backup_symlink() {
  ln -s "$work/victim" "$work/dangling.sqlite"
  expect_exit 70 "ALREADY_EXISTS" g backup "$work/dangling.sqlite" || return 1
  [ ! -e "$work/victim" ] || { echo "the symlink was followed"; return 1; }
  echo "keep me" > "$work/target.txt"
  ln -s "$work/target.txt" "$work/link.sqlite"
  expect_exit 70 "ALREADY_EXISTS" g backup "$work/link.sqlite" || return 1
  [ "$(cat "$work/target.txt")" = "keep me" ]
}
check "backup: a symlink at the path is never followed (dangling or not)" backup_symlink

no_leftovers() {
  g backup "$work/second.sqlite" >/dev/null || return 1
  # The snapshot lived in the data folder only while it was sent.
  ls "$work/data" | grep -q '^backup-' && { ls -la "$work/data"; return 1; }
  return 0
}
check "backup: the daemon leaves no copy behind in its data folder" no_leftovers

audit_without_text() {
  local source
  source=$(awk '/^sources/ {print $2}' "$work/ids")
  g history "$source" --json > "$work/history.json" || return 1
  grep -q "archivedTextSha256" "$work/history.json" || { echo "no hash in the history"; return 1; }
  ! grep -q "archivedText\"" "$work/history.json" || { echo "the text is in the history"; return 1; }
}
check "audit events of a source hold its hash, not its text" audit_without_text

nfd_quote() {
  local claim source nfd
  claim=$(awk '/^claims/ {print $2}' "$work/ids")
  printf 'Правозащитники задокументировали задержания и убийства в Грозном, сообщила «Новая газета».\n' > "$work/ru.txt"
  source=$(g source add --title "Задержания в Чечне" --outlet "Новая газета" --text-file "$work/ru.txt") || return 1
  # "й" pasted decomposed (и + combining breve): other bytes, the same text.
  nfd=$(/usr/bin/python3 -c 'import unicodedata; print(unicodedata.normalize("NFD", "задержания и убийства в Грозном"))')
  [ "$nfd" != "задержания и убийства в Грозном" ] || { echo "the test passage has no decomposable letter"; return 1; }
  g link "$claim" "$source" --relation contradicts --quote "$nfd" >/dev/null || return 1
  g export | grep -F '"exact":"задержания и убийства в Грозном"' >/dev/null || { echo "not stored as the source has it"; return 1; }
}
check "a passage pasted in NFD is stored as the NFC source has it" nfd_quote

echo "trust: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
