#!/usr/bin/env bash
# The gainsay CLI's front door against a real gainsayd: global options before the command, typo
# suggestions, help that reads at 80 columns (every command), Ctrl-C during an import, search limits and
# speaker names, and garbage on the command line.
#   Tests/shell/cli-front-tests.sh BIN_DIR
set -uo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib/cli-harness.sh
. "$(dirname "$0")/lib/cli-harness.sh"
harness_setup front

expect_json() {  # expect_json PYTHON COMMAND...: stdout is JSON Lines, `data` satisfies the assertion
  local assertion=$1; shift
  "$@" >"$work/stdout" 2>"$work/stderr" || { echo "exit $?"; cat "$work/stderr"; return 1; }
  /usr/bin/python3 -c 'import json, sys
data = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
exec(sys.argv[2])' "$work/stdout" "$assertion"
}

start_daemon

speaker=$(g speaker add "Ramzan Kadyrov" --role "Head of the Chechen Republic")
claim=$(g claim add "We don't have any gays" --speaker "$speaker" --said 2017-07)

# 1. Global options before the command, as git, docker and kubectl take them.
check "--json before the command" expect_json 'assert [c["id"] for c in data] == ["'"$claim"'"], data' g --json claim list
check "--json between the command words" expect_json 'assert data[0]["id"] == "'"$claim"'", data' g claim --json list
check "--json after the command, as before" expect_json 'assert data[0]["id"] == "'"$claim"'", data' g claim list --json
check "--socket S before the command" bash -c "GAINSAY_SOCKET=/nonexistent '$bin/gainsay' --socket '$GAINSAY_SOCKET' status | grep -q serving"
check "--socket=S before the command" bash -c "GAINSAY_SOCKET=/nonexistent '$bin/gainsay' --socket='$GAINSAY_SOCKET' status | grep -q serving"
check "--timeout 5 before search" bash -c "'$bin/gainsay' --timeout 5 search gays | grep -q '$claim'"
check "--timeout=5 --json before search" expect_json 'assert data[0]["resourceId"] == "'"$claim"'", data' g --timeout=5 --json search gays
check "all three before a two-word command" expect_json 'assert data[0]["id"] == "'"$speaker"'", data' g --socket "$GAINSAY_SOCKET" --timeout 5 --json speaker show "$speaker"
check "a value that looks like a command is a value (--socket claim)" expect_exit_fixed 78 "cannot reach gainsayd at claim" g --socket claim status
check "moved options stay before a -- terminator" bash -c "'$bin/gainsay' --json claim add --speaker '$speaker' --said 2018 -- '--not an option' | grep -q '\"id\": *\"clm_'"
check "a command that takes no --json says so" expect_exit_fixed 64 "\`gainsay claim\` takes no --json: name a subcommand, e.g. \`gainsay claim add --json\`" g --json claim
check "a global option with no command says so" expect_exit_fixed 64 "--json needs a command after it" g --json
check "--socket with no value says so" expect_exit_fixed 64 "--socket needs a value" g --socket
check "--timeout with no value says so" expect_exit_fixed 64 "--timeout needs a value" g status --timeout
check "--timeout abc: a usage error naming the value" expect_usage_error_fixed "abc" g --timeout abc claim list
check "--timeout -1: refused" expect_usage_error_fixed "--timeout" g --timeout -1 claim list
check "--help before the command is left alone" bash -c "'$bin/gainsay' --json claim list --help | grep -q 'USAGE: gainsay claim list'"
check "--version is left alone" bash -c "'$bin/gainsay' --version | grep -qx '0.1.0'"
check "gainsay -- claim: a usage error, no crash" bash -c "'$bin/gainsay' -- claim >/dev/null 2>&1; [ \$? -eq 64 ]"
check "empty argv: the help, exit 0" bash -c "'$bin/gainsay' | grep -q 'USAGE: gainsay <subcommand>'"

# 2. Typo suggestions, from the real command tree.
check "gainsay claims list suggests gainsay claim list" \
  expect_exit_fixed 64 'gainsay: error: unknown command "claims"; did you mean `gainsay claim list`?' g claims list
check "second level: gainsay claim lst" \
  expect_exit_fixed 64 'unknown command "lst"; did you mean `gainsay claim list`?' g claim lst
check "a transposition: gainsay stauts" expect_exit_fixed 64 'did you mean `gainsay status`?' g stauts
check "a prefix: gainsay hist CLAIM" expect_exit_fixed 64 'did you mean `gainsay history`?' g hist "$claim"
check "both levels mistyped: gainsay speakr lst" expect_exit_fixed 64 'did you mean `gainsay speaker list`?' g speakr lst
check "after a global option: gainsay --json claims list" expect_exit_fixed 64 'did you mean `gainsay claim list`?' g --json claims list
check "nothing close: points to --help" expect_exit_fixed 64 'unknown command "frobnicate"; see `gainsay --help`' g frobnicate
check "nothing close at the second level: lists the subcommands" expect_exit_fixed 64 '`gainsay claim` has add, show, list' g claim zzz
check "help is not a typo" bash -c "'$bin/gainsay' help claim | grep -q 'USAGE: gainsay claim'"
check "an id after a command that takes ids is not a typo" bash -c "! '$bin/gainsay' history clm_missing 2>&1 | grep -q 'unknown command'"
check "a quote that looks like a command is not a typo" bash -c "'$bin/gainsay' claim add 'list' --speaker '$speaker' --said 2019 | grep -q '^clm_'"

# 3. Help at 80 columns, for every command and subcommand in the tree.
g --experimental-dump-help > "$work/tree.json"
/usr/bin/python3 - "$work/tree.json" > "$work/paths" <<'PY'
import json, sys
def walk(command, path):
    yield path
    for sub in command.get("subcommands", []):
        if sub["commandName"] != "help":
            yield from walk(sub, path + [sub["commandName"]])
for path in walk(json.load(open(sys.argv[1]))["command"], []):
    print(" ".join(path))
PY
help_fits() {
  local count=0 path
  while read -r path; do
    count=$((count + 1))
    # shellcheck disable=SC2086
    COLUMNS=80 "$bin/gainsay" $path --help > "$work/help.txt" 2>&1 || { echo "gainsay $path --help failed"; return 1; }
    # Columns are characters ("→" and "…" are one each), as a terminal shows them.
    /usr/bin/python3 - "gainsay $path" "$work/help.txt" <<'PY' || return 1
import sys
lines = open(sys.argv[2], encoding="utf-8").read().splitlines()
long = [(n, l) for n, l in enumerate(lines, 1) if len(l) > 80]
for n, l in long:
    print(f"{sys.argv[1]} --help, line {n} is {len(l)} columns: {l}")
sys.exit(1 if long else 0)
PY
  done < "$work/paths"
  [ "$count" -ge 20 ] || { echo "only $count commands found"; return 1; }
}
check "COLUMNS=80 --help: no line over 80 columns, every command" help_fits
no_hand_breaks() {  # prose in the definitions: a line ending mid-sentence followed by one starting lowercase
  /usr/bin/python3 - "$work/tree.json" <<'PY'
import json, re, sys
bad = []
def texts(command, path):
    yield path, "abstract", command.get("abstract", "")
    yield path, "discussion", command.get("discussion", "")
    for argument in command.get("arguments", []):
        yield path, "help of " + argument.get("valueName", "?"), argument.get("abstract", "")
    for sub in command.get("subcommands", []):
        yield from texts(sub, path + [sub["commandName"]])
for path, what, text in texts(json.load(open(sys.argv[1]))["command"], ["gainsay"]):
    lines = text.split("\n")
    if "EXAMPLES:" in lines:  # pre-formatted: each line must fit, or argument-parser re-wraps it
        examples = lines[lines.index("EXAMPLES:") + 1:]
        lines = lines[:lines.index("EXAMPLES:")]
        bad += ["%s: example over 79 columns: %r" % (" ".join(path), l) for l in examples if len(l) > 79]
    for before, after in zip(lines, lines[1:]):
        if before.strip() and not re.search(r"[.:;!?)\]\\]$", before.rstrip()) and re.match(r"[a-z(]", after):
            bad.append("%s %s: %r / %r" % (" ".join(path), what, before, after))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
}
check "help prose is not broken by hand, every command" no_hand_breaks
root_examples() {
  COLUMNS=80 g --help > "$work/root-help.txt" || return 1
  grep -q '^EXAMPLES:$' "$work/root-help.txt" || { echo "no EXAMPLES section"; return 1; }
  for example in "gainsay claim add" "gainsay link CLAIM SOURCE --relation contradicts --quote" \
    "gainsay link withdraw LINK --reason" "gainsay verdict CLAIM --rating false" "gainsay history CLAIM"; do
    grep -qF "  $example" "$work/root-help.txt" || { echo "no example '$example'"; return 1; }
  done
}
check "gainsay --help: EXAMPLES of a journalist's day, corrections and history included" root_examples
check "import --help at 80 columns keeps its examples whole" bash -c "COLUMNS=80 '$bin/gainsay' import --help | grep -qx '    --map text=statement,speaker=speaker,rating=label,topics=subjects \\\\'"
man_page() {
  "$root/Scripts/generate-cli-docs" "$bin" "$work/docs" >/dev/null || return 1
  MANWIDTH=80 man -l "$work/docs/man/gainsay.1" > "$work/man.txt" 2>"$work/man.err" || { cat "$work/man.err"; return 1; }
  [ ! -s "$work/man.err" ] || { cat "$work/man.err"; return 1; }
  grep -q '^EXAMPLES' "$work/man.txt" || { echo "no EXAMPLES section"; return 1; }
  # Examples are literal: each command whole on its line, indented, not filled into a paragraph.
  grep -qE '^ +gainsay link CLAIM SOURCE --relation contradicts --quote' "$work/man.txt" || { echo "root example reflowed"; return 1; }
  grep -qE '^ +--map text=statement,speaker=speaker,rating=label,topics=subjects \\$' "$work/man.txt" || { echo "import example reflowed"; return 1; }
  # The description is filled prose: its first paragraph's sentences are joined, not kept as typed.
  grep -q 'Talks to gainsayd over its Unix socket' "$work/man.txt" || { echo "no description"; return 1; }
}
check "the man page renders discussions and EXAMPLES as literal blocks" man_page

# 5 and 6. Search: --limit above the daemon's maximum, and who said it.
check "search --limit 1001: refused, naming the maximum" expect_usage_error_fixed "1000" g search gays --limit 1001
check "search --limit 1000 is fine" bash -c "'$bin/gainsay' search gays --limit 1000 | grep -q '$claim'"
speaker_shown() {  # the name when the daemon sends it, else the id
  g search gays > "$work/search.txt" || return 1
  grep -F "$claim" "$work/search.txt" | grep -qE "(Ramzan Kadyrov|$speaker): " || { cat "$work/search.txt"; return 1; }
}
check "search results show the claim's speaker" speaker_shown

# 4. Ctrl-C during an import: what was committed, how to resume, exit 130; the rerun completes it.
/usr/bin/python3 - "$work/big.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as out:
    out.write("text,speaker,said\n")
    for row in range(1, 200_001):
        out.write("Statement number %d about the budget,Bulk Speaker %d,2020-01\n" % (row, row % 50))
PY
interrupted_import() {
  # The binary itself in the background (not the g function, whose subshell would get the signal).
  "$bin/gainsay" import "$work/big.csv" --chunk-size 1000 > "$work/import.out" 2> "$work/import.err" &
  local pid=$!
  # Interrupt once some rows are in the ledger.
  for _ in $(seq 600); do
    g claim list --speaker 'Bulk Speaker 1' --limit 1 2>/dev/null | grep -q clm_ && break
    sleep 0.1
  done
  kill -INT "$pid"
  wait "$pid"; local status=$?
  [ "$status" -eq 130 ] || { echo "exit $status, expected 130"; cat "$work/import.err"; return 1; }
  [ "$(wc -l < "$work/import.err")" -eq 1 ] || { echo "stderr is not one line:"; cat "$work/import.err"; return 1; }
  grep -qE '^gainsay: interrupted: [0-9,]+ of 200,000 rows committed \(rows 1–[0-9,]+, up to line [0-9,]+ of .*big.csv: [0-9,]+ created, 0 unchanged, 0 rejected\); run the same command again to resume — rows already in the ledger \(same speaker, date and text\) are skipped as unchanged$' "$work/import.err" ||
    { cat "$work/import.err"; return 1; }
  local committed
  committed=$(sed -E 's/^gainsay: interrupted: ([0-9,]+) of.*/\1/; s/,//g' "$work/import.err")
  [ "$committed" -gt 0 ] && [ "$committed" -lt 200000 ] || { echo "committed $committed"; return 1; }
  echo "$committed" > "$work/committed"
}
check "Ctrl-C during an import: what was committed and how to resume, exit 130" interrupted_import
resumed_import() {
  local committed
  committed=$(cat "$work/committed") || return 1
  g import "$work/big.csv" --json > "$work/resume.json" 2>"$work/resume.err" || { cat "$work/resume.err"; return 1; }
  /usr/bin/python3 -c 'import json, sys
summary = json.load(open(sys.argv[1]))
committed = int(sys.argv[2])
assert summary["unchanged"] == committed and summary["created"] == 200000 - committed, (summary, committed)
assert summary["rejected"] == 0 and summary["committed"], summary' "$work/resume.json" "$committed"
}
check "running the same import again completes it: the committed rows are unchanged, the rest created" resumed_import
strict_interrupted() {
  sed 's/about the budget/about the army/' "$work/big.csv" > "$work/strict.csv"
  "$bin/gainsay" import "$work/strict.csv" --strict --chunk-size 100 > /dev/null 2> "$work/strict.err" &
  local pid=$!
  sleep 1
  kill -INT "$pid"
  wait "$pid"; local status=$?
  [ "$status" -eq 130 ] || { echo "exit $status"; cat "$work/strict.err"; return 1; }
  grep -qE '^gainsay: interrupted.*nothing committed' "$work/strict.err" || { cat "$work/strict.err"; return 1; }
  ! g search army --limit 1 | grep -q clm_ || { echo "a strict import committed rows after Ctrl-C"; return 1; }
}
check "Ctrl-C during a --strict import: nothing committed" strict_interrupted
twice_interrupted() {
  sed 's/about the budget/about the roads/' "$work/big.csv" > "$work/twice.csv"
  "$bin/gainsay" import "$work/twice.csv" --chunk-size 1000 > /dev/null 2> "$work/twice.err" &
  local pid=$!
  for _ in $(seq 600); do
    g search roads --limit 1 2>/dev/null | grep -q clm_ && break
    sleep 0.1
  done
  kill -INT "$pid"; sleep 0.05; kill -INT "$pid"
  wait "$pid"; local status=$?
  [ "$status" -eq 130 ] || { echo "exit $status"; cat "$work/twice.err"; return 1; }
  grep -q 'interrupted' "$work/twice.err" || { cat "$work/twice.err"; return 1; }
  # The second Ctrl-C's line (quitting at once, nothing of the chunk in flight guaranteed), or the first's
  # when the chunk was done before the second arrived.
  grep -qE '^gainsay: interrupted again, quitting at once: [0-9,]+ rows were committed before(, and nothing of the chunk being sent is guaranteed)?; run the same command again to resume$|^gainsay: interrupted: ' "$work/twice.err" ||
    { cat "$work/twice.err"; return 1; }
}
check "a second Ctrl-C quits at once, exit 130" twice_interrupted

echo "cli-front: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
