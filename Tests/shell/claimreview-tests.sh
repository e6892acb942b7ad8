#!/usr/bin/env bash
# ClaimReview end to end, through the CLI and a real daemon: refused without the newsroom's name and
# address, the review's url from the verdict (never made up), another fact-checker's rating carried as
# theirs, no number for a rating off the scale, `--check` findings per claim and its exit codes, and every
# ClaimReview emitted validated by an independent validator (Python jsonschema against
# Tests/shell/claimreview.schema.json), which must agree with `--check`. Claims include Kadyrov's words
# as pasted (curly apostrophe, non-breaking space) and, when ../shared/data/liar is there, LIAR rows
# with quote marks rated by PolitiFact.
#   Tests/shell/claimreview-tests.sh BIN_DIR
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
validate=$here/validate-claimreview.py
liar=${GAINSAY_LIAR_DIR:-$(cd "$here/../../.." && pwd)/shared/data/liar}
# shellcheck source=lib/cli-harness.sh
. "$here/lib/cli-harness.sh"
harness_setup claimreview
start_daemon

newsroom=(--publisher "The Daily Example" --publisher-url https://daily.example)
review_url=https://daily.example/fact-checks/kadyrov-no-gays
# As the seed article prints it (Tests/shell/fixtures/seed-excerpts/pinknews-2017-johnson-moscow.txt),
# with a non-breaking space as web pages often have.
no_gays=$'We don\u2019t have any\u00a0gays. If there are any, take them to Canada.'

kadyrov=$(g speaker add "Ramzan Kadyrov" --role "Head of the Chechen Republic" --wikidata Q312296 --country RU)
karimov=$(g speaker add "Alvi Karimov" --role "Spokesman for the Head of Chechnya" --country RU)
kclaim=$(g claim add "$no_gays" --speaker "$kadyrov" --said 2017-07 --topic lgbt --context "HBO Real Sports" \
  --url https://www.hbo.com/real-sports --url https://video.example/kadyrov-hbo)
rclaim=$(g claim add 'They simply do not exist in the republic' --speaker "$karimov" --said 2017-04 --topic lgbt \
  --url https://interfax.example/karimov-2017-04)
g link "$rclaim" "$kclaim" --relation repeats >/dev/null
[ -n "$kclaim" ] && [ -n "$rclaim" ] || { echo "FAIL setup: no claims"; exit 1; }

# Validates FILE at LEVEL with the independent validator (its output in $work/validated).
valid() { "$validate" --level "$2" "$1" >"$work/validated" 2>&1 || { cat "$work/validated"; return 1; }; }

# -- The newsroom must be named ------------------------------------------------------------------------
check "no publisher: refused, exit 73, naming the config keys and the flags" \
  expect_exit 73 'FAILED_PRECONDITION.*"publisher" and "publisherURL".*--publisher NAME --publisher-url URL' \
  g report --topic lgbt --format claimreview
check "only --publisher: still refused for publisherURL" \
  expect_exit 73 'and publisherURL is not set: add "publisherURL"' g report --topic lgbt --format claimreview --publisher "The Daily Example"
check "--publisher-url must be http or https: exit 67" \
  expect_exit 67 "publisher_url" g report --topic lgbt --format claimreview --publisher X --publisher-url ftp://x
check "other formats need no publisher" bash -c "'$bin/gainsay' report --topic lgbt --format json >/dev/null"

# -- Verdicts: the fact-check's address, another fact-checker -----------------------------------------
check "--review-url must be http or https: exit 67" \
  expect_exit 67 "review_url" g verdict "$kclaim" --rating false --review-url "javascript:alert(1)"
g verdict "$kclaim" --rating "pants on fire" --explanation "Detentions and killings are documented." \
  --review-url "$review_url" >/dev/null
g verdict add "$rclaim" --rating unverifiable --reviewer PolitiFact \
  --explanation "No record either way." >/dev/null
me=$(id -un)
check "verdict list: signed by the fact-checker that gave the rating" \
  bash -c "'$bin/gainsay' verdict list '$rclaim' | grep -E '^vrd_\S+ +unverifiable +active +PolitiFact '"
check "verdict list: the newsroom's own verdict is signed by the reviewer" \
  bash -c "'$bin/gainsay' verdict list '$kclaim' | grep -E '^vrd_\S+ +pants on fire +active +$me '"
check "verdict list --json: the whole verdict" bash -c "'$bin/gainsay' verdict list '$rclaim' --json | '$json' '
v = data[0]
assert v[\"externalReviewer\"] == \"PolitiFact\" and v[\"signedBy\"] == \"PolitiFact\", v
assert v[\"reviewer\"][\"userName\"] == \"$me\", v'"
check "verdict add --json: reviewUrl kept" bash -c "'$bin/gainsay' verdict list '$kclaim' --json | '$json' '
assert data[0][\"reviewUrl\"] == \"$review_url\", data'"
check "claim show: the verdict's signature" bash -c "'$bin/gainsay' claim show '$rclaim' | grep -q 'unverifiable by PolitiFact'"

# -- The document ----------------------------------------------------------------------------------------
document() {
  g report --topic lgbt --format claimreview "${newsroom[@]}" --output "$work/lgbt.jsonld" 2>/dev/null || return 1
  /usr/bin/python3 - "$work/lgbt.jsonld" "$kclaim" "$rclaim" "$review_url" "$no_gays" <<'PY'
import json, sys
path, kclaim, rclaim, review_url, no_gays = sys.argv[1:]
text = open(path, encoding="utf-8").read()
assert "urn:" not in text and '"ratingValue": -' not in text, "a made-up url or a negative rating"
reviews = {r["itemReviewed"]["identifier"]: r for r in json.loads(text)}
assert set(reviews) == {kclaim, rclaim}, reviews.keys()
newsroom = {"@type": "Organization", "name": "The Daily Example", "url": "https://daily.example"}
k = reviews[kclaim]
assert k["url"] == review_url and k["author"] == newsroom and k["publisher"] == newsroom, k
assert k["claimReviewed"] == no_gays, ascii(k["claimReviewed"])  # curly apostrophe and NBSP kept
assert k["reviewRating"] == {"@type": "Rating", "alternateName": "pants on fire", "ratingValue": 1,
    "bestRating": 6, "worstRating": 1, "ratingExplanation": "Detentions and killings are documented."}, k
item = k["itemReviewed"]
assert item["author"] == {"@type": "Person", "name": "Ramzan Kadyrov", "jobTitle": "Head of the Chechen Republic",
    "sameAs": "https://www.wikidata.org/wiki/Q312296"}, item
assert item["datePublished"] == "2017-07"
# Its own addresses and its repeat's; the first appearance is the earliest said (Karimov, 2017-04).
assert [a["url"] for a in item["appearance"]] == ["https://www.hbo.com/real-sports",
    "https://video.example/kadyrov-hbo", "https://interfax.example/karimov-2017-04"], item
assert item["firstAppearance"] == {"@type": "CreativeWork", "url": "https://interfax.example/karimov-2017-04"}
r = reviews[rclaim]
assert "url" not in r and "datePublished" not in r, r  # no address given; PolitiFact's date unknown
assert r["author"] == {"@type": "Organization", "name": "PolitiFact"} and r["publisher"] == newsroom, r
assert r["reviewRating"] == {"@type": "Rating", "alternateName": "unverifiable",
    "ratingExplanation": "No record either way."}, r["reviewRating"]
PY
}
check "claimreview: url from the verdict, newsroom and PolitiFact as authors, unverifiable without a number" document

check "every review is well-formed (schema, level structure)" valid "$work/lgbt.jsonld" structure
check "the schema and --check agree: Karimov's lacks its url" \
  bash -c "! '$validate' --level required '$work/lgbt.jsonld' > '$work/v' && grep -q '^ok 2 $kclaim\$' '$work/v' &&
    grep -q '^invalid 1 $rclaim: (the review): .url. is a required property' '$work/v' || { cat '$work/v'; exit 1; }"

# -- --check ----------------------------------------------------------------------------------------------
check "--check without --format claimreview: usage error" \
  expect_usage_error "--check checks ClaimReview output: add --format claimreview" g report --topic lgbt --check
check_human() {
  g report --topic lgbt --format claimreview "${newsroom[@]}" --check >"$work/check.txt" 2>"$work/check.err"
  local rc=$?
  [ $rc -eq 73 ] || { echo "exit $rc, expected 73"; cat "$work/check.txt" "$work/check.err"; return 1; }
  grep -q "lack required fields\|lacks required fields" "$work/check.err" || { cat "$work/check.err"; return 1; }
  ! grep -q '"@type"' "$work/check.txt" || { echo "the document was printed"; return 1; }
  for expected in "$kclaim “We don’t have any"$'\u00a0'"gays. If there are any, take th…”: passes" \
    "$rclaim “They simply do not exist in the republic”: lacks required fields" \
    "  required url: missing: the address of the published fact-check" \
    "    fix: gainsay verdict $rclaim --rating 'unverifiable' --reviewer 'PolitiFact' --review-url URL" \
    "  recommended datePublished: missing" "none in Gainsay: PolitiFact gave the rating" \
    "  recommended itemReviewed.author.sameAs: missing" "    fix: gainsay speaker edit 'Alvi Karimov' --wikidata QID" \
    "2 ClaimReviews: 1 pass; 1 required and 2 recommended fields to fix"; do
    grep -qF -- "$expected" "$work/check.txt" || { echo "missing: $expected"; cat "$work/check.txt"; return 1; }
  done
}
check "--check: per claim, what is missing and how to fix it; exit 73" check_human
check_json() {
  g report --topic lgbt --format claimreview "${newsroom[@]}" --check --json >"$work/check.jsonl" 2>/dev/null
  [ $? -eq 73 ] || return 1
  "$json" "
by = {r['claim']: r for r in data}
assert len(data) == 2 and set(by) == {'$kclaim', '$rclaim'}, data
assert by['$kclaim']['passes'] and by['$kclaim']['findings'] == [], by['$kclaim']
r = by['$rclaim']
assert not r['passes'] and r['position'] == 1, r  # said first, listed first
assert [(f['level'], f['field']) for f in r['findings']] == [('required', 'url'), ('recommended', 'datePublished'),
    ('recommended', 'itemReviewed.author.sameAs')], r['findings']
assert all(f['fix'] for f in r['findings'])" <"$work/check.jsonl"
}
check "--check --json: one object per claim" check_json

# The fix it gave, applied: PolitiFact's page for the rating.
g verdict "$rclaim" --rating unverifiable --reviewer PolitiFact --explanation "No record either way." \
  --review-url https://www.politifact.com/factchecks/2017/apr/karimov/ >/dev/null
check_fixed() {
  g report --topic lgbt --format claimreview "${newsroom[@]}" --check --output "$work/fixed.jsonld" \
    >"$work/check.txt" 2>"$work/check.err" || { cat "$work/check.txt" "$work/check.err"; return 1; }
  grep -qF "2 ClaimReviews: 2 pass; 0 required and 2 recommended fields to fix" "$work/check.txt" &&
    grep -q "wrote $work/fixed.jsonld" "$work/check.err" && [ "$(stat -c %a "$work/fixed.jsonld")" = 600 ] ||
    { cat "$work/check.txt" "$work/check.err"; return 1; }
}
check "--check after the fix: exit 0 with recommendations; --output still writes the document" check_fixed
check "the fixed document passes the schema (level required)" valid "$work/fixed.jsonld" required
check "... but not level complete, as --check recommends more for Karimov's" \
  bash -c "! '$validate' --level complete '$work/fixed.jsonld' >'$work/v' && grep -q '^ok 2 $kclaim' '$work/v' &&
    grep -q '^invalid 1 $rclaim' '$work/v' || { cat '$work/v'; exit 1; }"

# -- From the config file, with reviewers' display names ---------------------------------------------------
restart_with_config() {
  kill "$daemon_pid" && wait "$daemon_pid" 2>/dev/null
  printf '{"publisher": "The Daily Example", "publisherURL": "https://daily.example", "reviewers": {"%s": "Desk Editor"}}\n' \
    "$me" >"$work/config.json"
  "$bin/gainsayd" --data-dir "$work/data" --config "$work/config.json" 2>"$work/daemon.log" &
  daemon_pid=$!
  for _ in $(seq 100); do [ -S "$GAINSAY_SOCKET" ] && g status >/dev/null 2>&1 && return 0; sleep 0.05; done
  cat "$work/daemon.log"; return 1
}
check "the daemon restarts with publisher, publisherURL and reviewers in its config" restart_with_config
check "config publisher: no flags needed; the same document" bash -c "
  '$bin/gainsay' report --topic lgbt --format claimreview > '$work/config.jsonld' && cmp '$work/config.jsonld' '$work/fixed.jsonld'"
check "flags override the config's publisher" bash -c "'$bin/gainsay' report --topic lgbt --format claimreview \
  --publisher 'Other Desk' --publisher-url https://other.example | grep -q '\"name\": \"Other Desk\"'"
check "verdict list: signed with the reviewer's display name" \
  bash -c "'$bin/gainsay' verdict list '$kclaim' | grep -E '^vrd_\S+ +pants on fire +active +Desk Editor '"

# -- Text that must stay data ------------------------------------------------------------------------------
hostile() {
  local claim
  claim=$(g claim add $'We never</script><script>alert(1)</script> said "that" & more' --speaker "$kadyrov" \
    --said 2019 --topic hostile --url 'https://evil.example/x?a=1&b=</script>') || return 1
  g verdict "$claim" --rating false --explanation '</script><b>' --review-url 'https://daily.example/f?a=1&b=2' \
    >/dev/null || return 1
  g report --topic hostile --format claimreview --output "$work/hostile.jsonld" 2>/dev/null || return 1
  ! grep -q '[<>&]' "$work/hostile.jsonld" || { echo "raw < > or &"; return 1; }
  /usr/bin/python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert r['claimReviewed'] == 'We never</script><script>alert(1)</script> said \"that\" & more', r
assert r['url'] == 'https://daily.example/f?a=1&b=2' and r['reviewRating']['ratingExplanation'] == '</script><b>'
" "$work/hostile.jsonld" && valid "$work/hostile.jsonld" required
}
check "hostile text: escaped, kept exactly, still valid" hostile

# -- LIAR rows with quote marks, rated by PolitiFact ----------------------------------------------------------
liar_rows() {
  # Up to 12 rows of the test split whose statement holds a quote mark. LIAR has no dates: each claim
  # is said 2007, the year PolitiFact began, which the test needs only because a claim needs a date.
  /usr/bin/python3 - "$liar/test.tsv" "$work/liar.tsv" <<'PY' || return 1
import csv, sys
labels = {"true": "true", "mostly-true": "mostly true", "half-true": "half true", "barely-true": "mostly false",
          "false": "false", "pants-fire": "pants on fire"}
rows = []
with open(sys.argv[1], encoding="utf-8", newline="") as file:
    for row in csv.reader(file, delimiter="\t", quoting=csv.QUOTE_NONE):
        if len(row) >= 5 and row[1] in labels and ('"' in row[2] or "'" in row[2]) and "\t" not in row[2]:
            rows.append((row[0], labels[row[1]], row[2], row[4]))
        if len(rows) == 12:
            break
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for row in rows:
        out.write("\t".join(row) + "\n")
assert rows, "no LIAR row with a quote mark"
PY
  local id rating statement speaker claim
  while IFS=$'\t' read -r id rating statement speaker; do
    claim=$(g claim add "$statement" --speaker "$speaker" --add-speaker --new --said 2007 --topic liar) ||
      { echo "claim $id"; return 1; }
    g verdict "$claim" --rating "$rating" --reviewer PolitiFact >/dev/null || { echo "verdict $id"; return 1; }
  done <"$work/liar.tsv"
  g report --topic liar --format claimreview --output "$work/liar.jsonld" 2>/dev/null || return 1
  /usr/bin/python3 - "$work/liar.tsv" "$work/liar.jsonld" <<'PY' || return 1
import json, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1], encoding="utf-8")]
reviews = json.load(open(sys.argv[2], encoding="utf-8"))
assert len(reviews) == len(rows), (len(reviews), len(rows))
assert sorted(r["claimReviewed"] for r in reviews) == sorted(row[2] for row in rows), "quotes changed"
for review in reviews:
    assert review["author"] == {"@type": "Organization", "name": "PolitiFact"}, review["author"]
    assert review["publisher"]["name"] == "The Daily Example"
    assert "url" not in review and "datePublished" not in review
PY
  valid "$work/liar.jsonld" structure || return 1
  g report --topic liar --format claimreview --check --json >"$work/liar-check.jsonl" 2>/dev/null
  [ $? -eq 73 ] || { echo "--check did not exit 73"; return 1; }
  "$json" "assert data and all(not r['passes'] and r['findings'][0]['field'] == 'url' for r in data), data" \
    <"$work/liar-check.jsonl"
}
if [ -f "$liar/test.tsv" ]; then
  check "LIAR rows with quote marks: kept exactly, PolitiFact's, valid, --check asks for their urls" liar_rows
else
  echo "skip LIAR rows: $liar/test.tsv is not there"
fi

# -- The validator can fail ---------------------------------------------------------------------------------
negative() {
  # What Gainsay wrote before: a urn: url, "Gainsay" as author without a url, -1 for "unverifiable".
  cat >"$work/old.jsonld" <<'JSON'
[{"@context": "https://schema.org", "@type": "ClaimReview", "url": "urn:gainsay:claim:clm_1",
  "claimReviewed": "They simply do not exist", "datePublished": "2024-01-01",
  "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Alvi Karimov"}},
  "reviewRating": {"@type": "Rating", "alternateName": "unverifiable", "ratingValue": -1},
  "author": {"@type": "Organization", "name": "Gainsay"}}]
JSON
  ! "$validate" "$work/old.jsonld" >"$work/v" || { echo "accepted"; return 1; }
  grep -q "url: 'urn:gainsay" "$work/v" && grep -q "ratingValue: -1 is less than the minimum of 1" "$work/v" || {
    cat "$work/v"; return 1; }
  # Each break alone, on the valid document.
  /usr/bin/python3 - "$work/fixed.jsonld" "$work" <<'PY' || return 1
import json, sys
reviews = json.load(open(sys.argv[1]))
breaks = [
    lambda r: r.pop("claimReviewed"),
    lambda r: r["reviewRating"].pop("alternateName"),
    lambda r: r["reviewRating"].update(ratingValue=7),
    lambda r: r["reviewRating"].update(worstRating=0, ratingValue=0),
    lambda r: r["itemReviewed"].update(datePublished="July 2017"),
    lambda r: r["itemReviewed"]["author"].update({"@type": "Thing"}),
    lambda r: r.update(author={"@type": "Organization"}),
    lambda r: r["itemReviewed"].update(appearance=[{"@type": "CreativeWork", "url": "javascript:alert(1)"}]),
]
for index, brk in enumerate(breaks):
    broken = json.loads(json.dumps(reviews[0]))
    brk(broken)
    json.dump([broken], open(f"{sys.argv[2]}/broken-{index}.jsonld", "w"))
PY
  local file
  for file in "$work"/broken-*.jsonld; do
    ! "$validate" --level structure "$file" >/dev/null || { echo "accepted $file"; cat "$file"; return 1; }
  done
  printf 'not json' | "$validate" >/dev/null 2>&1; [ $? -eq 2 ] || { echo "not JSON: not exit 2"; return 1; }
}
check "the validator rejects broken reviews (and what Gainsay wrote before)" negative

# -- docs/REPORTS.md: its example is what these commands write, and passes --check --------------------------
doc_example() {
  kill "$daemon_pid" && wait "$daemon_pid" 2>/dev/null
  "$bin/gainsayd" --data-dir "$work/doc-data" 2>"$work/daemon.log" &
  daemon_pid=$!
  for _ in $(seq 100); do [ -S "$GAINSAY_SOCKET" ] && g status >/dev/null 2>&1 && break; sleep 0.05; done
  /usr/bin/python3 - "$here/../../docs/REPORTS.md" "$work" <<'PY' || return 1
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
section = text[text.index("\n## ClaimReview\n"):]
open(f"{sys.argv[2]}/doc.sh", "w").write(re.search(r"```sh\n(.*?)```", section, re.S).group(1))
open(f"{sys.argv[2]}/doc.json", "w").write(re.search(r"```json\n(.*?)```", section, re.S).group(1))
printed = re.search(r"prints `(.*?)` and `(.*?)`, exits 0", section.replace("\n", " "), re.S)
open(f"{sys.argv[2]}/doc.out", "w").write(printed.group(1) + "\n" + printed.group(2) + "\n")
PY
  (cd "$work" && gainsay() { "$bin/gainsay" "$@"; } && set -e && . "$work/doc.sh") >"$work/ran.out" 2>"$work/ran.err" ||
    { cat "$work/ran.out" "$work/ran.err"; return 1; }
  /usr/bin/python3 - "$work" <<'PY' || return 1
import json, re, sys
work = sys.argv[1]
def normal(text):
    return re.sub(r"clm_[0-9a-z]+", "CLAIM", re.sub(r'"datePublished": "\d{4}-\d{2}-\d{2}"', '"datePublished": DAY', text))
written, shown = open(f"{work}/kadyrov.jsonld").read(), open(f"{work}/doc.json").read()
assert json.loads(normal(written).replace("DAY", '"D"')) == json.loads(normal(shown).replace("DAY", '"D"')), written
# The ids the commands print, then the two lines of --check the section quotes.
out = "\n".join(normal(open(f"{work}/ran.out").read()).splitlines()[-2:]) + "\n"
doc_out = normal(open(f"{work}/doc.out").read())
assert out == doc_out, (out, doc_out)
PY
  valid "$work/kadyrov.jsonld" complete
}
check "docs/REPORTS.md: the example is what its commands write; it passes --check and the schema" doc_example

# -- --json means JSON for a report too; a ClaimReview feed comes back in whole --------------------------------
check "gainsay --json report: the JSON format" bash -c "'$bin/gainsay' --json report --speaker 'Ramzan Kadyrov' |
  /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); assert r[\"entries\"] and \"summary\" in r'"
feed_round_trip() {
  g export --format claimreview --publisher "The Daily Example" --publisher-url https://daily.example \
    >"$work/feed-a.jsonld" || return 1
  kill "$daemon_pid" && wait "$daemon_pid" 2>/dev/null
  "$bin/gainsayd" --data-dir "$work/feed-data" 2>"$work/daemon.log" &
  daemon_pid=$!
  for _ in $(seq 100); do [ -S "$GAINSAY_SOCKET" ] && g status >/dev/null 2>&1 && break; sleep 0.05; done
  g import "$work/feed-a.jsonld" >"$work/feed.out" 2>&1 || { cat "$work/feed.out"; return 1; }
  g export --format claimreview --publisher "The Daily Example" --publisher-url https://daily.example \
    >"$work/feed-b.jsonld" || return 1
  /usr/bin/python3 - "$work/feed-a.jsonld" "$work/feed-b.jsonld" <<'PY'
import json, sys
a, b = (json.load(open(path)) for path in sys.argv[1:])
assert a and len(a) == len(b), (len(a), len(b))
def kept(review):
    rating, author = review["reviewRating"], review["itemReviewed"]["author"]
    return (review["claimReviewed"], review.get("url"), rating["alternateName"], rating.get("ratingExplanation"),
            review["author"]["name"], author["name"], author.get("jobTitle"), author.get("sameAs"), author["@type"])
assert sorted(map(kept, a), key=str) == sorted(map(kept, b), key=str), (list(map(kept, a)), list(map(kept, b)))
assert any(review.get("url") for review in b), "the review URL came back"
PY
}
check "a ClaimReview feed imported into another ledger keeps its url, explanation and the speaker's details" \
  feed_round_trip

echo "claimreview: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
