#!/usr/bin/env bash
# The breaking-change check on Protos/ (Scripts/check-proto-compatibility): today's Protos/ keeps the
# released gainsay.v1 contract, additions and properly reserved removals pass, and each kind of breaking
# change to a copy of Protos/ fails, naming what broke.
#   Tests/shell/proto-compat-tests.sh
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/gsy-compat-XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"
compat="$root/Scripts/check-proto-compatibility"
baseline="$root/Protos/released/gainsay-v1.desc"

check "Protos/ keeps every field, value and method of the released v1" "$compat"

# mutated NAME FILES CHANGE: a copy of Protos/ in $work/NAME whose FILES (names in gainsay/v1, joined
# by "+") are changed by CHANGE, a Python expression on `s`, each file's text.
mutated() {
  local name=$1 files=$2 change=$3
  rm -rf "${work:?}/$name"; cp -r "$root/Protos" "$work/$name"
  /usr/bin/python3 - "$work/$name/gainsay/v1" "$files" "$change" <<'EOF'
import sys
folder, files, change = sys.argv[1], sys.argv[2], sys.argv[3]
for file in files.split("+"):
    path = folder + "/" + file
    s = open(path).read()
    new = eval(change)
    assert new != s, "the change changed nothing in " + file
    open(path, "w").write(new)
EOF
}

breaks() {  # breaks NAME FILE CHANGE EXPECTED-TEXT
  mutated "$1" "$2" "$3" || return 1
  "$compat" "$baseline" "$work/$1" 2>"$work/err"; local status=$?
  [ "$status" -eq 1 ] || { echo "exit $status, expected 1"; cat "$work/err"; return 1; }
  grep -qF -- "$4" "$work/err" || { echo "missing: $4"; cat "$work/err"; return 1; }
}

passes() {  # passes NAME FILE CHANGE
  mutated "$1" "$2" "$3" || return 1
  "$compat" "$baseline" "$work/$1"
}

check "a removed field fails" breaks removed source.proto \
  "s.replace('  string outlet = 3;\n', '')" \
  'gainsay.v1.Source.outlet (field 3) was removed without `reserved 3;` and `reserved "outlet";`'
check "a renumbered field fails" breaks renumbered source.proto \
  "s.replace('string title = 2;', 'string title = 20;')" \
  "gainsay.v1.Source.title (field 2) was renumbered to 20"
check "a renamed field fails (JSON names change)" breaks renamed audit.proto \
  "s.replace('int64 after_sequence = 2;', 'int64 after_seq = 2;')" \
  "gainsay.v1.WatchRequest.after_sequence (field 2) was renamed to after_seq"
check "a field of another type fails" breaks retyped audit.proto \
  "s.replace('int64 after_sequence = 2;', 'int32 after_sequence = 2;')" \
  "changed from \`optional int64\` to \`optional int32\`"
check "a field made repeated fails" breaks repeated source.proto \
  "s.replace('  string url = 5;', '  repeated string url = 5;')" \
  "gainsay.v1.Source.url (field 5) changed from"
check "a removed method fails" breaks method ledger.proto \
  "s.replace('  rpc Watch(WatchRequest) returns (stream ChangeEvent);\n', '')" \
  "method gainsay.v1.Ledger/Watch was removed"
check "a method made unary fails" breaks unary ledger.proto \
  "s.replace('rpc Watch(WatchRequest) returns (stream ChangeEvent);', 'rpc Watch(WatchRequest) returns (ChangeEvent);')" \
  "method gainsay.v1.Ledger/Watch changed between unary and streaming"
check "a removed enum value fails" breaks enum-value source.proto \
  "s.replace('  SOURCE_VIEW_BASIC = 1;\n', '')" \
  "gainsay.v1.SourceView.SOURCE_VIEW_BASIC (= 1) was removed"
check "a renumbered enum value fails" breaks enum source.proto \
  "s.replace('SOURCE_VIEW_FULL = 2;', 'SOURCE_VIEW_FULL = 3;')" \
  "gainsay.v1.SourceView.SOURCE_VIEW_FULL was renumbered from 2 to 3"
check "a removed (renamed) message fails" breaks message audit.proto+ledger.proto \
  "s.replace('ChangeEvent', 'ChangeNotice')" \
  "message gainsay.v1.ChangeEvent was removed"

check "an added field, message and method pass" passes added ledger.proto \
  "s.replace('  rpc Watch(', '  rpc Ping(WatchRequest) returns (ChangeEvent);\n  rpc Watch(') + '\nmessage Extra {\n  string note = 1;\n}\n'"
check "a removed field whose number and name are reserved passes" passes reserved source.proto \
  "s.replace('  string outlet = 3;\n', '  reserved 3;\n  reserved \"outlet\";\n')"

broken_syntax() {
  mutated syntax source.proto "s.replace('string title = 2;', 'string title = ;')" || return 1
  "$compat" "$baseline" "$work/syntax" 2>"$work/err"; local status=$?
  [ "$status" -eq 65 ] || { echo "exit $status, expected 65"; cat "$work/err"; return 1; }
  grep -q "does not compile" "$work/err" && ! grep -q Traceback "$work/err"
}
check ".proto files that do not compile are refused with a one-line cause" broken_syntax

garbage() {
  head -c 300 /dev/urandom > "$work/garbage.desc"
  "$compat" "$work/garbage.desc" "$root/Protos" 2>"$work/err"; local status=$?
  [ "$status" -ne 0 ] || return 1
  grep -q "check-proto-compatibility:" "$work/err" || { cat "$work/err"; return 1; }
}
check "a baseline that is not a descriptor set is refused, not passed" garbage

echo "proto compatibility: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
