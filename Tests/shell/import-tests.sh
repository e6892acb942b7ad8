#!/usr/bin/env bash
# Import and export end to end: CSV/TSV with mappings, bad rows reported by line, --strict, idempotent
# re-import, ClaimReview feeds, and an export re-imported into an empty ledger reproducing it exactly.
#   Tests/shell/import-tests.sh BIN_DIR [ROWS]     (ROWS: size of the large import, default 100000)
set -uo pipefail
bin=$1
rows=${2:-100000}
work=$(mktemp -d /tmp/gsy-import-XXXXXX)
export NO_COLOR=1
passed=0 failed=0
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

check() {
  local name=$1; shift
  if "$@" >"$work/out" 2>&1; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     /' "$work/out" | head -30
  fi
}

start_daemon() {  # start_daemon NAME: a daemon on $work/NAME.sock with its own store
  "$bin/gainsayd" --socket "$work/$1.sock" --data-dir "$work/$1" 2>"$work/$1.log" &
  pids+=($!)
  for _ in $(seq 100); do [ -S "$work/$1.sock" ] && break; sleep 0.05; done
}
g() { "$bin/gainsay" "$@"; }
count_claims() { g claim list --json | wc -l; }

start_daemon main
export GAINSAY_SOCKET=$work/main.sock

printf 'quote,who,when,venue,tags,verdict\n' > "$work/claims.csv"
printf '"We don'"'"'t have any gays",Ramzan Kadyrov,2017-07,"HBO interview, Real Sports",lgbt;chechnya,pants-fire\n' >> "$work/claims.csv"
printf '"A quote with a\nline break, and ""quotes""",Vladimir Putin,2013-11-20,Meeting,lgbt,\n' >> "$work/claims.csv"
printf 'Too,few,columns\n' >> "$work/claims.csv"
printf 'Bad date,Vladimir Putin,20/11/2013,Meeting,lgbt,\n' >> "$work/claims.csv"
printf 'Invalid \xff\xfe bytes,Vladimir Putin,2013,Meeting,lgbt,\n' >> "$work/claims.csv"
printf '   ,Vladimir Putin,2013,Meeting,lgbt,\n' >> "$work/claims.csv"
printf 'Off the scale,Vladimir Putin,2014,Meeting,lgbt,fake\n' >> "$work/claims.csv"
map=(--map text=quote,speaker=who,said=when,context=venue,topics=tags,rating=verdict --rating-map "pants-fire=pants on fire")

csv_import() {
  g import "$work/claims.csv" "${map[@]}" >"$work/stdout" 2>"$work/stderr"
  grep -q "created 2, unchanged 0, rejected 5" "$work/stdout" || { cat "$work/stdout" "$work/stderr"; return 1; }
  for expected in "line 5: 3 columns where the header has 6" "line 6: said: \"20/11/2013\" is not a date" \
    "line 7: not valid UTF-8 text" "line 8: claim.text: is required" "line 9: rating: \"fake\" is not on the rating scale"; do
    grep -qF "$expected" "$work/stderr" || { echo "missing: $expected"; cat "$work/stderr"; return 1; }
  done
  g claim show "$(g claim list --speaker 'Ramzan Kadyrov' --json | head -1 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" --json |
    /usr/bin/python3 -c 'import json,sys; c=json.load(sys.stdin); assert c["latestRating"]=="pants on fire" and c["topics"]==["lgbt","chechnya"] and c["context"]=="HBO interview, Real Sports", c'
  g search 'line break' --type claim | grep -q clm_ || return 1
  # A rejected row leaves nothing behind.
  ! g search 'scale' --type claim | grep -q clm_ || { echo "the rejected row was stored"; return 1; }
}
check "CSV: mapped columns, quoting, bad rows reported by line" csv_import
check "re-importing the same file creates no duplicates" bash -c "'$bin/gainsay' import '$work/claims.csv' ${map[*]@Q} 2>/dev/null | grep -q 'created 0, unchanged 2'"

strict_import() {
  local before after
  before=$(count_claims)
  printf 'quote,who,when\nFine one,New Speaker,2015\nBad,New Speaker,never\nFine two,New Speaker,2015\n' > "$work/strict.csv"
  g import "$work/strict.csv" --map text=quote,speaker=who,said=when --strict >"$work/stdout" 2>"$work/stderr"
  local rc=$?
  after=$(count_claims)
  [ $rc -eq 67 ] && [ "$before" = "$after" ] && grep -q "line 3" "$work/stderr" || { echo "rc=$rc before=$before after=$after"; cat "$work/stderr"; return 1; }
  ! g speaker show "New Speaker" >/dev/null 2>&1 || { echo "the speaker was created"; return 1; }
}
check "--strict: a bad row aborts and commits nothing" strict_import

tsv_import() {
  printf '1.json\tfalse\tWisconsin is on pace to double the number of layoffs this year.\tjobs,economy\tkatrina-shankland\t2011\n' > "$work/liar.tsv"
  printf '2.json\tbarely-true\tSays the budget grew.\tbudget\tsome-official\t2012-03\n' >> "$work/liar.tsv"
  g import "$work/liar.tsv" --columns id,label,statement,subjects,speaker,date \
    --map text=statement,speaker=speaker,said=date,topics=subjects,rating=label --topic-separator , \
    --rating-map "barely-true=mostly false" | grep -q "created 2, unchanged 0, rejected 0" &&
    g claim list --topic economy | grep -q "Wisconsin"
}
check "TSV without a header: --columns, topic separator, rating map" tsv_import

claimreview_import() {
  cat > "$work/feed.json" <<'JSON'
{ "@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": [
  { "@type": "DataFeedItem", "item": [ {
    "@type": "ClaimReview", "claimReviewed": "There is no discrimination of gay people in Russia",
    "datePublished": "2014-01-10",
    "itemReviewed": { "@type": "Claim", "author": { "@type": "Person", "name": "Vladimir Putin" },
                      "datePublished": "2013-10-17", "firstAppearance": { "@type": "CreativeWork", "url": "https://example.org/interview" } },
    "reviewRating": { "@type": "Rating", "alternateName": "False", "ratingValue": 2 } } ] } ] }
JSON
  g import "$work/feed.json" --format claimreview | grep -q "created 1" &&
    g claim list --speaker "Vladimir Putin" --json | grep -q "no discrimination" &&
    g claim list --speaker "Vladimir Putin" | grep -q "false"
}
check "ClaimReview DataFeed" claimreview_import

round_trip() {
  # A ledger with every kind of history: creations, imports, edits, a retraction, a withdrawn link, verdicts.
  start_daemon rich
  GAINSAY_SOCKET=$work/rich.sock Scripts/sample-ledger.sh "$bin/gainsay" > "$work/rich.ids" || return 1
  local claim source
  claim=$(awk '/^claims/ {print $2}' "$work/rich.ids"); source=$(awk '/^sources/ {print $2}' "$work/rich.ids")
  GAINSAY_SOCKET=$work/rich.sock g claim edit "$claim" --context "Interview with HBO's Real Sports, July 2017" \
    --reason "More precise context" >/dev/null || return 1
  GAINSAY_SOCKET=$work/rich.sock g claim retract "$(awk '/^claims/ {print $4}' "$work/rich.ids")" --reason "Misquoted" >/dev/null || return 1
  GAINSAY_SOCKET=$work/rich.sock g import "$work/claims.csv" "${map[@]}" >/dev/null 2>&1
  GAINSAY_SOCKET=$work/rich.sock g export --audit --output "$work/export.jsonl" 2>/dev/null || return 1
  start_daemon copy
  GAINSAY_SOCKET=$work/copy.sock g restore "$work/export.jsonl" | grep -q "restored" || return 1
  GAINSAY_SOCKET=$work/copy.sock g export --audit --output "$work/again.jsonl" 2>/dev/null || return 1
  cmp "$work/export.jsonl" "$work/again.jsonl" || { diff "$work/export.jsonl" "$work/again.jsonl" | head -5; return 1; }
  [ "$(wc -l < "$work/export.jsonl")" -gt 40 ]
}
check "export, restore into an empty ledger, export again: identical" round_trip

expect_exit() {  # expect_exit STATUS TEXT COMMAND...: the command fails with STATUS and says TEXT
  local want=$1 text=$2; shift 2
  "$@" >"$work/stdout" 2>"$work/stderr"; local got=$?
  [ "$got" -eq "$want" ] || { echo "exit $got, expected $want"; cat "$work/stdout" "$work/stderr"; return 1; }
  grep -qF -- "$text" "$work/stderr" || { echo "missing: $text"; cat "$work/stderr"; return 1; }
}
check "an export is not imported: import names restore (exit 73)" \
  expect_exit 73 "gainsay restore" g import "$work/export.jsonl"
check "restore refuses a ledger that holds records (exit 73)" \
  expect_exit 73 "empty ledger" g restore "$work/export.jsonl"

# Tampered exports: each is refused whole, the ledger stays empty and keeps working.
tamper() {  # tamper NAME PYTHON: writes $work/NAME.jsonl, the export changed by PYTHON (records in `rs`)
  /usr/bin/python3 - "$work/export.jsonl" "$work/$1.jsonl" "$2" <<'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
def first(kind, pred=lambda r: True):
    return next(r for r in rs if kind in r and pred(r[kind]))
exec(sys.argv[3])
with open(sys.argv[2], "w") as out:
    for r in rs: out.write(json.dumps(r, ensure_ascii=False) + "\n")
PY
}
refused_restore() {  # refused_restore NAME TEXT: restoring NAME.jsonl into an empty ledger fails saying TEXT
  start_daemon "t-$1"
  GAINSAY_SOCKET=$work/t-$1.sock expect_exit 73 "$2" g restore "$work/$1.jsonl" || return 1
  [ "$(GAINSAY_SOCKET=$work/t-$1.sock g export --audit | wc -l)" -eq 0 ] || { echo "something was restored"; return 1; }
  GAINSAY_SOCKET=$work/t-$1.sock g speaker add "After The Attempt" >/dev/null || { echo "later writes fail"; return 1; }
}
tamper huge-sequence 'first("auditEvent")["auditEvent"]["sequence"] = "9223372036854775807"'
check "restore: an audit sequence of 2^63-1 is refused, later writes still work" \
  refused_restore huge-sequence "numbered 1, 2, 3"
tamper future-verdict 'v = first("verdict"); v["verdict"]["createTime"] = "2100-01-01T00:00:00Z"; v["verdict"]["reviewer"] = {"uid": 0, "userName": "root"}'
check "restore: a verdict by root dated 2100 is refused" refused_restore future-verdict "in the future"
tamper forged-revision 'r = first("claimRevision"); r["claimRevision"]["claim"]["text"] = "Words never said"'
check "restore: a revision with text never said is refused" refused_restore forged-revision "not in the claim's audit history"
tamper forged-quote 'l = first("link", lambda l: "sourceId" in l and "quote" in l); l["link"]["quote"]["exact"] = "a passage the source never held"'
check "restore: a link whose quote is not in its source is refused" refused_restore forged-quote "does not occur in the archived text"
tamper orphan-claim 'c = first("claim"); import copy; n = copy.deepcopy(c); n["claim"]["id"] = "clm_0000000000zzzzzz"; n["claim"]["revision"] = 1; n["claim"]["state"] = "CLAIM_STATE_ACTIVE"; n["claim"].pop("retractionReason", None); rs.insert(rs.index(c) + 1, n); rs.insert(rs.index(n) + 1, {"claimRevision": {"claimId": n["claim"]["id"], "revision": 1, "claim": n["claim"]}})'
check "restore: a claim with no audit event is refused" refused_restore orphan-claim "has no audit event"
tamper forged-event 'e = first("auditEvent"); import copy; n = copy.deepcopy(e); n["auditEvent"]["sequence"] = str(len([r for r in rs if "auditEvent" in r]) + 1); n["auditEvent"]["action"] = "AUDIT_ACTION_CREATE"; n["auditEvent"]["time"] = [r for r in rs if "auditEvent" in r][-1]["auditEvent"]["time"]; rs.append(n)'
check "restore: a second creation of a record in the audit log is refused" refused_restore forged-event "later events change it"
tamper bad-id 'first("speaker")["speaker"]["id"] = "spk_../../etc"'
check "restore: a malformed id is refused" refused_restore bad-id "not a well-formed id"

check "export --format claimreview: every reviewed claim" bash -c "'$bin/gainsay' export --format claimreview | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); assert len(r)==4 and all(x[\"@type\"]==\"ClaimReview\" for x in r), len(r)'"

large_import() {
  /usr/bin/python3 - "$work/large.csv" "$rows" <<'PY'
import sys
path, rows = sys.argv[1], int(sys.argv[2])
with open(path, "w") as out:
    out.write("text,speaker,said,topics\n")
    for i in range(rows):
        out.write("Statement number %d about the budget and %d jobs,Official %d,20%02d-%02d,budget;jobs\n" % (i, i * 7 % 1000, i % 500, i % 20, i % 12 + 1))
PY
  start_daemon large
  local start=$SECONDS
  GAINSAY_SOCKET=$work/large.sock g import "$work/large.csv" --chunk-size 1000 > "$work/large.out" || return 1
  grep -q "created $((rows + 500)), unchanged 0, rejected 0\|created $rows" "$work/large.out" || { cat "$work/large.out"; return 1; }
  echo "imported $rows rows in $((SECONDS - start)) s" >&2
}
check "a large import completes ($rows rows)" large_import

echo "import: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
