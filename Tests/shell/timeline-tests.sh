#!/usr/bin/env bash
# The HTML report's timeline in a real browser: reports built through the real daemon and CLI, drawn by
# headless Chromium (a screenshot that must not be blank), and measured in the page itself: a script
# added to a copy of the report reads every timeline text's box and every mark's, and Chromium's
# --dump-dom hands them back. Two reports: the seeds' story (Kadyrov's denials, reporting dated only to
# the year, a flip-flop) and 1,000 generated claims (counted by month).
#   Tests/shell/timeline-tests.sh BIN_DIR
set -uo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
excerpts=$root/Tests/shell/fixtures/seed-excerpts
# shellcheck source=lib/cli-harness.sh
. "$(dirname "$0")/lib/cli-harness.sh"
harness_setup timeline
start_daemon

browser=$(command -v chromium || command -v chromium-browser || true)

# The report's copy with a script that measures the timeline and writes what it found into the page.
cat > "$work/measure.js" <<'JS'
<script>
(function () {
  const svg = document.querySelector("svg.timeline");
  const result = { texts: [], marks: [], overlaps: [], outside: [], svg: null };
  if (svg) {
    const frame = svg.getBoundingClientRect();
    result.svg = { x0: frame.left, x1: frame.right, y0: frame.top, y1: frame.bottom };
    for (const text of svg.querySelectorAll("text")) {
      const box = text.getBoundingClientRect();
      const entry = { text: text.firstChild ? text.firstChild.nodeValue : "", cls: text.getAttribute("class"),
                      x0: box.left, x1: box.right, y0: box.top, y1: box.bottom };
      result.texts.push(entry);
      if (entry.x0 < frame.left - 0.5 || entry.x1 > frame.right + 0.5 || entry.y0 < frame.top - 0.5 ||
          entry.y1 > frame.bottom + 0.5) result.outside.push(entry.text);
    }
    const t = result.texts;
    for (let i = 0; i < t.length; i++)
      for (let j = i + 1; j < t.length; j++)
        if (t[i].x0 < t[j].x1 && t[j].x0 < t[i].x1 && t[i].y0 < t[j].y1 && t[j].y0 < t[i].y1)
          result.overlaps.push([t[i].text, t[j].text]);
    for (const mark of svg.querySelectorAll("[data-date]")) {
      const box = mark.getBoundingClientRect();
      const title = mark.querySelector("title");
      result.marks.push({ cls: mark.getAttribute("class"), id: mark.getAttribute("data-id"),
                          date: mark.getAttribute("data-date"), title: title ? title.textContent : "",
                          x0: box.left, x1: box.right, y0: box.top, y1: box.bottom });
    }
    result.flipFlops = svg.querySelectorAll("path.flip-flop").length;
  }
  const out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
})();
</script>
JS

# measure NAME: NAME.html drawn to NAME.png (with ink), and measured into NAME.json.
measure() {
  local name=$1
  [ -n "$browser" ] || { echo "chromium is not installed (Scripts/test installs it)"; return 1; }
  timeout 60 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1200 \
    --screenshot="$work/$name.png" "file://$work/$name.html" >/dev/null 2>&1
  [ -s "$work/$name.png" ] || { echo "no screenshot"; return 1; }
  local ink
  ink=$(/usr/bin/python3 "$root/Tests/shell/png-ink.py" "$work/$name.png") || return 1
  /usr/bin/python3 -c "import sys; sys.exit(0 if float('$ink') > 0.01 else 1)" || { echo "blank page: ink $ink"; return 1; }
  /usr/bin/python3 - "$work/$name.html" "$work/measure.js" "$work/$name-measure.html" <<'PY' || return 1
import sys
page, script, out = sys.argv[1:]
html = open(page, encoding="utf-8").read()
assert html.count("</body>") == 1 and "<script" not in html, "the report has no script of its own"
open(out, "w", encoding="utf-8").write(html.replace("</body>", open(script).read() + "</body>"))
PY
  timeout 60 "$browser" --headless --no-sandbox --disable-gpu --window-size=1000,1200 --virtual-time-budget=2000 \
    --dump-dom "file://$work/$name-measure.html" 2>/dev/null > "$work/$name-dom.html"
  /usr/bin/python3 - "$work/$name-dom.html" "$work/$name.json" <<'PY'
import html, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
assert found, "the page was not measured"
open(sys.argv[2], "w", encoding="utf-8").write(html.unescape(found.group(1)))
PY
}

# --- The seeds' story -------------------------------------------------------------------------------------
story() {
  "$root/Scripts/sample-ledger.sh" "$bin/gainsay" > "$work/ids" || return 1
  local no_gays kadyrov pink advocate not_people those denies
  no_gays=$(awk '/^claims/ {print $2}' "$work/ids")
  kadyrov=$(awk '/^speakers/ {print $2}' "$work/ids")
  # Said in July 2017, like "We don't have any gays": the two stack.
  those=$(g claim add "We don’t have those kinds of people here" --speaker "$kadyrov" --said 2017-07 \
    --context "Interview with HBO's Real Sports" --topic lgbt) || return 1
  # Reported in 2017 in his words, disputed as a paraphrase; it contradicts his denial (a flip-flop).
  not_people=$(g claim add "not people" --speaker "$kadyrov" --said 2017 --topic lgbt --attribution disputed) || return 1
  denies=$(g claim add "You cannot arrest or repress people who just don’t exist" --speaker "$kadyrov" --said 2018 \
    --topic lgbt) || return 1
  # Reporting known only to its year: drawn over the whole year, never before the July claim.
  pink=$(g source add --title "UK’s Boris Johnson meets with Russian LGBT activists, challenges Kremlin over Chechnya" \
    --outlet "PinkNews" --published 2017 --kind news --lang en --text-file "$excerpts/pinknews-2017-johnson-moscow.txt") || return 1
  advocate=$(g source add --title "LGBT Rights Activists Hold Flash Mob Protest In St. Petersburg" --outlet "The Advocate" \
    --published 2018 --kind news --lang en --text-file "$excerpts/advocate-2018-flash-mob.txt") || return 1
  g link "$no_gays" "$pink" --relation contradicts --quote "arrested or detained more than 100 men" >/dev/null || return 1
  g link "$those" "$pink" --relation contradicts --quote "arrested or detained more than 100 men" >/dev/null || return 1
  g link "$denies" "$advocate" --relation contradicts --quote "acknowledged the violence in Chechnya" >/dev/null || return 1
  g link "$no_gays" "$not_people" --relation contradicts \
    --note "He denies gay Chechens exist, and calls them not people" >/dev/null || return 1
  g report --speaker "Ramzan Kadyrov" --format html --output "$work/story.html" 2>/dev/null || return 1
  grep -q '<h2>Flip-flops</h2>' "$work/story.html" || { echo "no flip-flops section"; return 1; }
  grep -q '<span class="attribution" title="Whether the speaker said it is contested">attribution disputed</span>' \
    "$work/story.html" || { echo "the disputed claim is not marked"; return 1; }
  measure story || return 1
  /usr/bin/python3 - "$work/story.json" "$no_gays" "$pink" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
no_gays, pink = sys.argv[2], sys.argv[3]
assert m["svg"], "no timeline"
assert not m["overlaps"], "labels overlap: %s" % m["overlaps"][:5]
assert not m["outside"], "labels outside the timeline: %s" % m["outside"]
labels = [t for t in m["texts"] if "claim" in (t["cls"] or "")]
assert len(labels) >= 4, labels
marks = {x["id"]: x for x in m["marks"]}
july, year = marks[no_gays], marks[pink]
assert "span" in july["cls"] and july["date"] == "2017-07", july
assert "span" in year["cls"] and year["date"] == "2017", year
# The report dated 2017 is a bar over the year that covers the claim of July 2017 it contradicts.
assert year["x0"] <= july["x0"] + 0.5 and year["x1"] >= july["x1"] - 0.5, (year, july)
assert year["x1"] - year["x0"] > 8 * (july["x1"] - july["x0"]), (year, july)
# Said in the same month: stacked at the same x, not drawn over each other.
same = [x for x in m["marks"] if x["date"] == "2017-07" and x["cls"].startswith("claim")]
assert len(same) == 2 and abs(same[0]["x0"] - same[1]["x0"]) < 0.5 and (same[0]["y1"] <= same[1]["y0"] or same[1]["y1"] <= same[0]["y0"]), same
assert m["flipFlops"] == 1, m["flipFlops"]
assert any("disputed" in x["title"] for x in m["marks"]), "the disputed claim's tooltip"
print("story: %d texts, %d marks, none overlapping" % (len(m["texts"]), len(m["marks"])))
PY
}
check "the seeds' story: spans over partial dates, stacked claims, a flip-flop, no label overlaps in Chromium" story

# --- 1,000 claims --------------------------------------------------------------------------------------------
many() {
  /usr/bin/python3 - "$work/many.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as out:
    out.write("text,speaker,said,topics\n")
    for i in range(1000):
        year, month = 2000 + i % 20, 1 + i * 7 % 12
        said = str(year) if i % 9 == 0 else "%d-%02d" % (year, month) if i % 3 == 0 else "%d-%02d-%02d" % (year, month, 1 + i % 28)
        out.write("Generated statement %d on the budget,Official %d,%s,generated\n" % (i, i % 10, said))
PY
  g import "$work/many.csv" > "$work/many.out" 2>&1 || { cat "$work/many.out"; return 1; }
  grep -q "rejected 0" "$work/many.out" || { cat "$work/many.out"; return 1; }
  local source first second
  source=$(g source add --title "A budget audit" --outlet "Audit Office" --published 2010 --kind ngo \
    --text-file "$excerpts/pinknews-2017-johnson-moscow.txt") || return 1
  g claim list --speaker "Official 3" --json > "$work/official.json" || return 1
  first=$(sed -n 1p "$work/official.json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  second=$(sed -n 2p "$work/official.json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  g link "$first" "$source" --relation contradicts --quote "more than 100 men" >/dev/null || return 1
  g link "$first" "$second" --relation contradicts --note "said both ways" >/dev/null || return 1
  g report --topic generated --format html --output "$work/many.html" 2>/dev/null || return 1
  measure many || return 1
  /usr/bin/python3 - "$work/many.json" <<'PY'
import json, re, sys
m = json.load(open(sys.argv[1]))
assert not m["overlaps"], "labels overlap: %s" % m["overlaps"][:5]
assert not m["outside"], "labels outside the timeline: %s" % m["outside"][:5]
bins = [x for x in m["marks"] if x["cls"] == "claim bin"]
assert bins and not [x for x in m["marks"] if x["cls"].startswith("claim ") and x["cls"] != "claim bin"], "not binned"
total = sum(int(re.search(r": (\d+) claims?$", x["title"]).group(1)) for x in bins)
assert total == 1000, total
years = [x for x in bins if len(x["date"]) == 4]
assert len(years) == 20 and all(x["x1"] - x["x0"] > 20 for x in years), "year-only claims as a strip over each year"
assert [t for t in m["texts"] if t["cls"] == "label count"], "counts shown"
assert m["flipFlops"] == 1
assert [x for x in m["marks"] if x["cls"] == "source bin"], "the contradicting citation"
print("1,000 claims: %d bins, %d texts, none overlapping" % (len(bins), len(m["texts"])))
PY
}
check "1,000 claims: counted by month with the counts' labels never overlapping in Chromium" many

echo "timeline: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
