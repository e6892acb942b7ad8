#!/usr/bin/python3
"""Search relevance of gainsay: loads fixture.json into a fresh gainsayd through the real CLI, runs every query
of queries.json with `gainsay search --json --limit 5`, and reports precision@5 and recall@5 per group and
whether each query's ordering constraints hold.

  Tests/relevance/relevance.py --bin BIN_DIR [--json] [--strict] [--details]

Definitions (per query, then averaged over the queries of a group and over all queries):
  relevant   the query's `expected` keys plus its optional `relevant` keys (also right answers, not required)
  P@5        relevant hits among the top 5 / hits returned in the top 5 (0 when nothing is returned); not
             divided by 5, so a query with one right answer that returns only it scores 1
  R@5        relevant hits among the top 5 / min(5, number of relevant keys)
A query passes when every `expected` key is in the top 5, at least `min_relevant` relevant keys are (when
given), and its `expected_first` key (or the best placed of a list of them) is in the top 5 above every
`ranked_below` key that is there too. --strict exits 1 and lists every query that does not pass.
Standard library only; the daemon is stopped on every exit path.
"""
import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GROUPS = [
  "inflection-ru", "inflection-en", "names-translit", "names-misspelled", "negation", "phrase-and-prefix",
  "speaker-boost", "plain",
]
TOP = 5


class Failure(Exception):
  """A one-line error for standard error; exit status 2."""


def fail(message):
  raise Failure(message)


# Loading and checking the fixture and the queries

def load_json(path, what):
  try:
    with open(path, encoding="utf-8") as f:
      return json.load(f)
  except OSError as error:
    fail(f"cannot read the {what} {path}: {error.strerror}")
  except json.JSONDecodeError as error:
    fail(f"the {what} {path} is not JSON: line {error.lineno}: {error.msg}")


def check_fixture(fixture):
  speakers = {s["key"]: s for s in fixture.get("speakers", [])}
  keys = set()
  for record in fixture.get("claims", []) + fixture.get("sources", []):
    if record["key"] in keys:
      fail(f"fixture: key {record['key']} is used twice")
    keys.add(record["key"])
  for claim in fixture.get("claims", []):
    if claim["speaker"] not in speakers:
      fail(f"fixture: claim {claim['key']} has an unknown speaker {claim['speaker']}")
  if not fixture.get("claims"):
    fail("fixture: no claims")
  return keys


def as_list(value):
  if value is None:
    return []
  return [value] if isinstance(value, str) else list(value)


def check_queries(queries, keys):
  if not isinstance(queries, list) or not queries:
    fail("queries: expected a non-empty JSON array")
  for number, query in enumerate(queries, 1):
    where = f"queries: #{number} ({query.get('query', '?')!r})"
    if query.get("group") not in GROUPS:
      fail(f"{where}: group must be one of {', '.join(GROUPS)}")
    if not isinstance(query.get("query"), str) or not query["query"].strip():
      fail(f"{where}: no query text")
    expected = as_list(query.get("expected"))
    relevant = set(expected) | set(as_list(query.get("relevant")))
    first = as_list(query.get("expected_first"))
    below = as_list(query.get("ranked_below"))
    for key in relevant | set(first) | set(below):
      if key not in keys:
        fail(f"{where}: unknown fixture key {key}")
    if len(expected) > TOP:
      fail(f"{where}: more than {TOP} expected keys cannot all be in the top {TOP}")
    minimum = query.get("min_relevant")
    if minimum is not None and not (1 <= minimum <= min(TOP, len(relevant))):
      fail(f"{where}: min_relevant must be 1..min({TOP}, relevant keys)")
    if not expected and minimum is None:
      fail(f"{where}: needs expected keys or min_relevant")
    if bool(first) != bool(below):
      fail(f"{where}: expected_first and ranked_below go together")
    if set(first) & set(below):
      fail(f"{where}: a key is both expected_first and ranked_below")
    for kind in as_list(query.get("types", ["claim"])):
      if kind not in ("claim", "source", "speaker"):
        fail(f"{where}: types are claim, source or speaker")


# The daemon and the CLI

class Ledger:
  """A gainsayd on a temporary socket and data folder, and the CLI pointed at it."""

  def __init__(self, bin_dir):
    self.cli = os.path.join(bin_dir, "gainsay")
    self.daemon_path = os.path.join(bin_dir, "gainsayd")
    for path in (self.cli, self.daemon_path):
      if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        fail(f"no executable {os.path.basename(path)} in {bin_dir} (pass the build's bin folder with --bin)")
    self.work = tempfile.mkdtemp(prefix="gsy-relevance-")
    self.socket = os.path.join(self.work, "gainsayd.sock")
    self.env = dict(os.environ, GAINSAY_SOCKET=self.socket, NO_COLOR="1")
    self.daemon = None

  def start(self):
    log = open(os.path.join(self.work, "daemon.log"), "wb")
    self.daemon = subprocess.Popen(
      [self.daemon_path, "--data-dir", os.path.join(self.work, "data"), "--socket", self.socket],
      stdout=log, stderr=log, env=self.env)
    log.close()
    deadline = time.monotonic() + 10
    while not os.path.exists(self.socket):
      if self.daemon.poll() is not None:
        fail(f"gainsayd exited with status {self.daemon.returncode}: {self.daemon_log()}")
      if time.monotonic() > deadline:
        fail(f"gainsayd did not open its socket within 10 s: {self.daemon_log()}")
      time.sleep(0.05)

  def daemon_log(self):
    try:
      with open(os.path.join(self.work, "daemon.log"), encoding="utf-8", errors="replace") as f:
        lines = [line.strip() for line in f if line.strip()]
      return lines[-1] if lines else "(no log)"
    except OSError:
      return "(no log)"

  def stop(self):
    if self.daemon is not None and self.daemon.poll() is None:
      self.daemon.terminate()
      try:
        self.daemon.wait(timeout=15)
      except subprocess.TimeoutExpired:
        self.daemon.kill()
        self.daemon.wait()
    self.daemon = None
    shutil.rmtree(self.work, ignore_errors=True)

  def run(self, *args, what):
    done = subprocess.run([self.cli, *args], capture_output=True, env=self.env, timeout=120)
    if done.returncode != 0:
      message = done.stderr.decode("utf-8", "replace").strip().splitlines()
      fail(f"{what}: gainsay {args[0]} exited {done.returncode}: {message[0] if message else '(no message)'}")
    return done.stdout.decode("utf-8")

  def json_lines(self, *args, what):
    try:
      return [json.loads(line) for line in self.run("--json", *args, what=what).splitlines() if line.strip()]
    except json.JSONDecodeError as error:
      fail(f"{what}: gainsay printed something that is not JSON: {error.msg}")


def load_fixture(ledger, fixture):
  """Speakers one command each, claims in one CSV import (external_id = key), sources one command each.
  Returns the map from resource id to fixture key."""
  names = {}
  for speaker in fixture["speakers"]:
    args = ["speaker", "add", speaker["name"], "--new"]
    for alias in speaker.get("aliases", []):
      args += ["--alias", alias]
    for field in ("role", "country"):
      if speaker.get(field):
        args += [f"--{field}", speaker[field]]
    if speaker.get("organisation"):
      args.append("--organisation")
    ledger.run(*args, what=f"speaker {speaker['key']}")
    names[speaker["key"]] = speaker["name"]

  path = os.path.join(ledger.work, "claims.csv")
  with open(path, "w", encoding="utf-8", newline="") as f:
    writer = csv.writer(f, lineterminator="\n")
    writer.writerow(["text", "speaker", "said", "lang", "context", "external_id"])
    for claim in fixture["claims"]:
      writer.writerow([claim["text"], names[claim["speaker"]], claim["said"], claim.get("lang", ""),
                       claim.get("context", ""), claim["key"]])
  ledger.run("import", path, "--format", "csv", "--strict", what="claims import")

  ids = {}
  listed = ledger.json_lines("claim", "list", "--limit", str(len(fixture["claims"]) + 10), what="claim list")
  for claim in listed:
    ids[claim["id"]] = claim.get("externalId", "")
  by_key = {c["key"]: c for c in fixture["claims"]}
  found = {key for key in ids.values() if key in by_key}
  if found != set(by_key):
    fail(f"the ledger lacks imported claims: {', '.join(sorted(set(by_key) - found))}")
  for claim in listed:
    if claim["text"] != by_key[claim["externalId"]]["text"]:
      fail(f"claim {claim['externalId']} was stored as {claim['text']!r}, not as the fixture has it")

  for source in fixture.get("sources", []):
    text_path = os.path.join(ledger.work, "source.txt")
    with open(text_path, "w", encoding="utf-8") as f:
      f.write(source["text"])
    args = ["source", "add", "--title", source["title"], "--outlet", source["outlet"], "--text-file", text_path]
    for field in ("published", "lang"):
      if source.get(field):
        args += [f"--{field}", source[field]]
    ids[ledger.run(*args, what=f"source {source['key']}").strip()] = source["key"]
  return ids


# Running and scoring the queries

def run_query(ledger, query, ids):
  args = ["search", query["query"], "--limit", str(TOP)]
  for kind in as_list(query.get("types", ["claim"])):
    args += ["--type", kind]
  hits = ledger.json_lines(*args, what=f"query {query['query']!r}")
  return [ids.get(hit.get("resourceId", ""), f"?{hit.get('resourceId', '')}") for hit in hits][:TOP]


def score(query, top):
  expected = as_list(query.get("expected"))
  relevant = set(expected) | set(as_list(query.get("relevant")))
  found = [key for key in top if key in relevant]
  result = {
    "group": query["group"], "query": query["query"], "top": top, "expected": expected,
    "missing": [key for key in expected if key not in top],
    "precision": len(found) / len(top) if top else 0.0,
    "recall": len(found) / min(TOP, len(relevant)),
    "pairs": 0, "pairs_ok": 0, "failures": [],
  }
  if result["missing"]:
    result["failures"].append("missing from the top 5: " + ", ".join(result["missing"]))
  minimum = query.get("min_relevant")
  if minimum is not None and len(found) < minimum:
    result["failures"].append(f"{len(found)} relevant in the top 5, at least {minimum} wanted")
  first = as_list(query.get("expected_first"))
  below = as_list(query.get("ranked_below"))
  places = [top.index(key) for key in first if key in top]
  for key in below:
    result["pairs"] += 1
    if places and (key not in top or top.index(key) > min(places)):
      result["pairs_ok"] += 1
    elif not places:
      result["failures"].append(f"{' or '.join(first)} is not in the top 5 (to rank above {key})")
    else:
      result["failures"].append(f"{key} ranks above {top[min(places)]}")
  if query.get("negation_expected"):
    result["negation_expected"] = query["negation_expected"]
  result["passed"] = not result["failures"]
  return result


def summarise(results):
  def row(items):
    return {
      "queries": len(items),
      "passed": sum(r["passed"] for r in items),
      "precision_at_5": sum(r["precision"] for r in items) / len(items),
      "recall_at_5": sum(r["recall"] for r in items) / len(items),
      "ordering_pairs": sum(r["pairs"] for r in items),
      "ordering_pairs_ok": sum(r["pairs_ok"] for r in items),
    }
  groups = {g: row([r for r in results if r["group"] == g]) for g in GROUPS if any(r["group"] == g for r in results)}
  return groups, row(results)


def markdown(groups, overall):
  lines = ["| group | queries | passed | P@5 | R@5 | ordering pairs ok |", "|---|---:|---:|---:|---:|---:|"]
  for name, row in list(groups.items()) + [("**all**", overall)]:
    pairs = f"{row['ordering_pairs_ok']}/{row['ordering_pairs']}" if row["ordering_pairs"] else "–"
    lines.append(f"| {name} | {row['queries']} | {row['passed']} | {row['precision_at_5']:.2f} | "
                 f"{row['recall_at_5']:.2f} | {pairs} |")
  return "\n".join(lines)


def details(results):
  lines = ["| group | query | top 5 | result |", "|---|---|---|---|"]
  for r in results:
    verdict = "ok" if r["passed"] else "FAIL: " + "; ".join(r["failures"])
    query = r["query"].replace("|", "\\|")
    lines.append(f"| {r['group']} | `{query}` | {', '.join(r['top']) or '(nothing)'} | {verdict} |")
  return "\n".join(lines)


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--bin", required=True, help="the folder holding gainsay and gainsayd")
  parser.add_argument("--fixture", default=os.path.join(HERE, "fixture.json"))
  parser.add_argument("--queries", default=os.path.join(HERE, "queries.json"))
  parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
  parser.add_argument("--strict", action="store_true", help="exit 1 when any query fails, listing each")
  parser.add_argument("--details", action="store_true", help="also print every query's top 5 as a table")
  options = parser.parse_args()

  fixture = load_json(options.fixture, "fixture")
  keys = check_fixture(fixture)
  queries = load_json(options.queries, "queries")
  check_queries(queries, keys)

  ledger = Ledger(os.path.abspath(options.bin))
  # SIGTERM (and SIGINT, as KeyboardInterrupt) unwind through `finally`, which stops the daemon.
  signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(143))
  try:
    ledger.start()
    ids = load_fixture(ledger, fixture)
    results = [score(query, run_query(ledger, query, ids)) for query in queries]
  finally:
    ledger.stop()

  groups, overall = summarise(results)
  failed = [r for r in results if not r["passed"]]
  if options.json:
    print(json.dumps({"groups": groups, "overall": overall, "queries": results}, ensure_ascii=False, indent=1))
  else:
    print(markdown(groups, overall))
    if options.details:
      print()
      print(details(results))
    print(f"\nrelevance: {len(results) - len(failed)} passed, {len(failed)} failed")
  if options.strict and failed:
    for r in failed:
      print(f"FAIL [{r['group']}] {r['query']}: {'; '.join(r['failures'])} (top 5: {', '.join(r['top']) or 'nothing'})",
            file=sys.stderr)
    return 1
  return 0


if __name__ == "__main__":
  try:
    sys.exit(main())
  except Failure as error:
    print(f"relevance: {error}", file=sys.stderr)
    sys.exit(2)
  except KeyboardInterrupt:
    print("relevance: interrupted", file=sys.stderr)
    sys.exit(130)
