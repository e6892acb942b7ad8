#!/usr/bin/env bash
# Contradiction reports end to end: the sample ledger recorded through the CLI, `gainsay report` in every
# format, and a headless-browser screenshot of the HTML report that must not be blank.
#   Tests/shell/report-tests.sh BIN_DIR
set -uo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/gsy-report-XXXXXX)
export GAINSAY_SOCKET=$work/gainsayd.sock NO_COLOR=1
passed=0 failed=0
daemon_pid=""
cleanup() { [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"

# The newsroom that publishes (ClaimReview needs it) and the display name that signs this user's verdicts.
cat > "$work/config.json" <<JSON
{"publisher": "The Daily Example", "publisherURL": "https://news.example",
 "reviewers": {"$(id -un)": "Desk Editor"}}
JSON
"$bin/gainsayd" --data-dir "$work/data" --config "$work/config.json" 2>"$work/daemon.log" &
daemon_pid=$!
for _ in $(seq 100); do [ -S "$GAINSAY_SOCKET" ] && break; sleep 0.05; done
g() { "$bin/gainsay" "$@"; }

check "the sample ledger loads through the CLI" "$root/Scripts/sample-ledger.sh" "$bin/gainsay"

markdown() {
  g report --speaker "Ramzan Kadyrov" > "$work/kadyrov.md" || return 1
  for expected in "# What Ramzan Kadyrov said, and what the record shows" "## Contradicted by the record" \
    "### “We don't have any gays”" "**Verdict: pants on fire**" " by Desk Editor)_" \
    "#### Contradicted by" "**Novaya Gazeta**, “Honour killing: how gay men are persecuted in Chechnya”, 2017-04-01" \
    "  > more than a hundred men suspected of being gay had been detained by the authorities in Chechnya" \
    "#### Repeats" "- Claims: 1; contradicted: 1" "- Sources by outlet: Novaya Gazeta (2), Human Rights Watch (1)" \
    "- First contradiction: 2017-04-01; latest: 2017-07"; do
    grep -qF -- "$expected" "$work/kadyrov.md" || { echo "missing line: $expected"; cat "$work/kadyrov.md"; return 1; }
  done
}
check "markdown report for a speaker" markdown

by_topic_and_dates() {
  g report --topic propaganda-law --since 2013 --until 2013-12 > "$work/law.md" || return 1
  grep -q "Claims: 2; contradicted: 2" "$work/law.md" && ! grep -q "Kadyrov" "$work/law.md"
}
check "a report by topic and dates" by_topic_and_dates

check "a report of chosen claims" bash -c "
  claim=\$('$bin/gainsay' claim list --speaker 'Alvi Karimov' --json | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())[\"id\"])')
  '$bin/gainsay' report --claim \"\$claim\" | grep -q 'Claims: 1; contradicted: 1'"

json_report() {
  g report --topic lgbt --format json > "$work/report.json" || return 1
  /usr/bin/python3 - "$work/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
assert report["summary"]["claims"] == 4, report["summary"]
assert report["summary"]["contradictedClaims"] == 4
assert [e["claim"]["saidOn"] for e in report["entries"]][0] == {"year": 2013, "month": 11, "day": 20}
assert all("speaker" in e and "claim" in e for e in report["entries"])
PY
}
check "json report" json_report

claimreview() {
  g report --topic lgbt --format claimreview --publisher "The Daily Example" --publisher-url https://daily.example \
    --output "$work/reviews.jsonld" 2>/dev/null || return 1
  /usr/bin/python3 - "$work/reviews.jsonld" <<'PY' || return 1
import json, sys
reviews = json.load(open(sys.argv[1]))
assert len(reviews) == 3, len(reviews)  # the unreviewed claim has no ClaimReview
for review in reviews:
    assert review["@type"] == "ClaimReview" and review["@context"] == "https://schema.org"
    for field in ("claimReviewed", "datePublished", "itemReviewed", "reviewRating", "author", "publisher"):
        assert field in review, field
    assert "url" not in review  # no verdict of the sample gives its fact-check's address (claimreview-tests.sh)
    assert review["itemReviewed"]["@type"] == "Claim" and review["itemReviewed"]["author"]["name"]
    assert review["reviewRating"]["alternateName"]
PY
  "$(dirname "$0")/validate-claimreview.py" --level structure "$work/reviews.jsonld" >/dev/null
}
check "claimreview JSON-LD for every reviewed claim" claimreview

html_report() {
  g report --topic lgbt --format html --output "$work/report.html" 2>"$work/wrote" || return 1
  grep -q "wrote $work/report.html" "$work/wrote" || return 1
  ! grep -Eq '<script|<link|<img|src=|@import|url\(' "$work/report.html" || { echo "external reference"; return 1; }
  /usr/bin/python3 - "$work/report.html" <<'PY'
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "hr", "img", "input", "link"}
class Check(HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []
    def handle_starttag(self, tag, attrs):
        if tag not in VOID: self.stack.append(tag)
    def handle_startendtag(self, tag, attrs): pass
    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, "</%s> closes <%s>" % (tag, self.stack[-1:] or "nothing")
        self.stack.pop()
check = Check(); check.feed(open(sys.argv[1]).read()); check.close()
assert not check.stack, check.stack
PY
}
check "html report: well-formed, nothing loaded from elsewhere" html_report

screenshot() {
  local browser
  browser=$(command -v chromium || command -v chromium-browser || true)
  [ -n "$browser" ] || { echo "chromium is not installed (Scripts/test installs it)"; return 1; }
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1400 \
    --screenshot="$work/report.png" "file://$work/report.html" >/dev/null 2>&1
  [ -s "$work/report.png" ] || { echo "no screenshot"; return 1; }
  local ink
  ink=$(/usr/bin/python3 "$root/Tests/shell/png-ink.py" "$work/report.png") || return 1
  /usr/bin/python3 -c "import sys; sys.exit(0 if float('$ink') > 0.01 else 1)" || { echo "blank page: ink $ink"; return 1; }
}
check "a headless browser renders the html report (not blank)" screenshot

# Item 7: a claim written to break out of every format, recorded through the CLI.
hostile_report() {
  local claim
  claim=$(g claim add $'We never</script><script>alert(1)</script> did\n---\n- injected item\n# Injected heading\n<img src=x onerror=alert(2)>' \
    --speaker "Ramzan Kadyrov" --said 2019 --topic hostile \
    --url 'https://evil.example/x</script><script>alert(3)</script>') || return 1
  g verdict "$claim" --rating false --explanation $'</script><script>alert(5)</script>\n***' >/dev/null || return 1
  g report --topic hostile > "$work/hostile.md" || return 1
  g report --topic hostile --format html > "$work/hostile.html" || return 1
  g report --topic hostile --format json > "$work/hostile.json" || return 1
  g report --topic hostile --format claimreview > "$work/hostile.jsonld" || return 1
  g export --format claimreview > "$work/export.jsonld" || return 1
  "$(dirname "$0")/validate-claimreview.py" --level structure "$work/hostile.jsonld" "$work/export.jsonld" \
    >/dev/null || { echo "hostile ClaimReview not valid by the JSON Schema"; return 1; }
  /usr/bin/python3 - "$work" <<'PY'
import json, re, sys
work = sys.argv[1]
def read(name): return open(f"{work}/{name}", encoding="utf-8").read()
md, html = read("hostile.md"), read("hostile.html")
assert "<script" not in md.lower() and "</script" not in md.lower(), md
assert "<javascript" not in md and "<img" not in md, md
starts = ("# ", "_Generated ", "## Contradicted by the record", "## Not contradicted by the record", "## Flip-flops",
          "_Claims that reporting", "_Supported, or not yet checked", "### “", "#### ", "## Summary", "**", "Appeared: ",
          "- Claims: ", "- Sources by outlet: ", "- First contradiction: ")
for line in md.splitlines():
    assert not line or line.startswith(starts), "a line begun by ledger text: %r" % line
assert "<script" not in html.lower() and 'href="javascript' not in html, html
for name in ("hostile.json", "hostile.jsonld", "export.jsonld"):
    text = read(name)
    assert "</script" not in text.lower() and "<" not in text, name
    json.loads(text)
reviews = json.loads(read("hostile.jsonld"))
assert reviews[0]["claimReviewed"].startswith("We never</script><script>alert(1)</script> did\n---"), reviews
import markdown, markdown_it
for rendered in (markdown.markdown(md, extensions=["extra"]), markdown_it.MarkdownIt("commonmark").render(md)):
    lower = rendered.lower()
    for bad in ("<script", "<img", "<hr", 'href="javascript', "<h1>injected"):
        assert bad not in lower, (bad, rendered)
    assert lower.count("<li>") == 1, rendered  # the summary's one line; "- injected item" is no list item
PY
}
check "hostile text: no script, link or block from ledger text in any format, nor in export --format claimreview" hostile_report

check "a report needs a selection: usage error" bash -c "! '$bin/gainsay' report 2>/dev/null"
check "an unknown speaker: NOT_FOUND (69)" bash -c "'$bin/gainsay' report --speaker nobody 2>/dev/null; [ \$? -eq 69 ]"

echo "reports: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
