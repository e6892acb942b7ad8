#!/usr/bin/env bash
# Issue 14: every correction the daemon supports, through the built gainsay CLI against a real gainsayd:
# links (occurrence, unquoted, withdraw, list, show), verdicts (withdraw, list, ratings), sources (update
# with a reason, a text that breaks links), speakers (resolution of misspellings, rename, merge), and
# `gainsay history` showing each correction with its reason and its field changes. Passages are pasted
# from real reporting (NBSP, curly quotes, a paragraph break inside a quote).
#   Tests/shell/corrections-tests.sh BIN_DIR
set -uo pipefail
bin=$1
# shellcheck source=lib/cli-harness.sh
. "$(dirname "$0")/lib/cli-harness.sh"
harness_setup fix

has() {  # has PATTERN COMMAND...: the command succeeds and its stdout holds the fixed string PATTERN
  local pattern=$1; shift
  "$@" >"$work/has" 2>"$work/has.err" || { echo "exit $?"; cat "$work/has.err"; return 1; }
  grep -qF -- "$pattern" "$work/has" || { echo "no '$pattern' in:"; cat "$work/has"; return 1; }
}
lacks() {  # lacks PATTERN COMMAND...: the command succeeds and its stdout does not hold PATTERN
  local pattern=$1; shift
  "$@" >"$work/has" 2>"$work/has.err" || { echo "exit $?"; cat "$work/has.err"; return 1; }
  ! grep -qF -- "$pattern" "$work/has" || { echo "'$pattern' in:"; cat "$work/has"; return 1; }
}
# history_has ID PATTERN...: `gainsay history ID` holds every fixed string given.
history_has() {
  local id=$1; shift
  g history "$id" > "$work/history" 2>&1 || { cat "$work/history"; return 1; }
  for pattern in "$@"; do grep -qF -- "$pattern" "$work/history" || { echo "no '$pattern' in:"; cat "$work/history"; return 1; }; done
}

start_daemon

nbsp=$'\xc2\xa0'
# The Moscow Times, 21 November 2013: a quote of Putin's broken by a paragraph break.
printf '%s\n' \
  'Seeking to defuse international accusations that a recent law banning gay "propaganda" has spurred a series of attacks against Russia'"'"'s LGBT community, Putin said that "all that we did' \
  '' \
  'at the governmental, the legislative level had to do with limiting propaganda among minors," Interfax reported.' \
  > "$work/moscow-times.txt"
# PinkNews, 2013: NBSP after "was" and "Putin", curly quotes and apostrophes; "Putin" twice.
printf '%s\n' \
  "This morning, Nikolai Alekseyev, who was${nbsp}the first man to be convicted under St Petersburg’s local homophobic censorship legislation in May 2012, tweeted that he was officially requesting a meeting with Putin${nbsp}as he wants to discuss “the situation surrounding LGBT in Russia and in the whole world.”" \
  '' \
  'Dmitry Peskov, the spokesperson for the President, issued a statement shortly after Mr Alekseyev’s request that Vladimir Putin will consider the meeting but must first hear the proposed “agenda.”' \
  > "$work/pinknews.txt"
# HuffPost, 2017: the rally in St. Petersburg.
printf '%s\n' \
  "Over 300 LGBT rights activists gathered in St. Petersburg Wednesday to commemorate International Day Against Homophobia, Transphobia and Biphobia and to denounce the violent persecution of gay men in Chechnya." \
  > "$work/rally.txt"

# --- Speakers: a misspelling finds the right person; --add-speaker will not add a near-duplicate.
kadyrov=$(g speaker add "Ramzan Kadyrov" --alias "Рамзан Кадыров" --country RU --role "Head of the Chechen Republic")
putin=$(g speaker add "Vladimir Putin" --country RU)
check "speakers added" bash -c "[[ '$kadyrov' == spk_* && '$putin' == spk_* ]]"
check "speaker list --similar-to Kadirov finds Ramzan Kadyrov" has "$kadyrov" g speaker list --similar-to Kadirov
misspelt() {
  local id
  id=$(g claim add "We don't have any gays" --speaker Kadirov --said 2017-07 --context 'HBO Real Sports interview' 2>"$work/note") || { cat "$work/note"; return 1; }
  grep -qF "gainsay: note: taking \"Kadirov\" to mean Ramzan Kadyrov ($kadyrov)" "$work/note" || { cat "$work/note"; return 1; }
  g claim show "$id" --json | "$json" "assert data[0]['speakerId'] == '$kadyrov' and data[0]['speakerName'] == 'Ramzan Kadyrov', data" || return 1
  echo "$id" > "$work/kclaim"
}
check "claim add --speaker Kadirov: taken to mean Ramzan Kadyrov, with a note" misspelt
kclaim=$(cat "$work/kclaim" 2>/dev/null)
check "a speaker by their alias in another script, any case" has "$kadyrov" g speaker show "рамзан кадыров"
check "a surname alone finds the one speaker" has "Vladimir Putin" g speaker show "Putin"
check "claim add --add-speaker refuses a near-duplicate (exit 70) and says what to pass" \
  expect_exit 70 "\"Kadirov\" looks like Ramzan Kadyrov ($kadyrov); pass --speaker $kadyrov to use them, or --new" \
  g claim add "Chechnya has no such people" --speaker Kadirov --add-speaker --said 2017-04
check "speaker add refuses a near-duplicate too" expect_exit 70 "looks like Ramzan Kadyrov" g speaker add "Ramzan Kadirov"
check "an unknown name: exit 69, saying how to add them" \
  expect_exit 69 'add them with: gainsay speaker add "Alvi Karimov" (or pass --add-speaker)' \
  g claim add "x" --speaker "Alvi Karimov" --said 2017
dup_claim=$(g claim add "Chechnya has no such people" --speaker Kadirov --add-speaker --new --said 2017-04 2>"$work/added")
check "--add-speaker --new adds the new speaker" bash -c "[[ '$dup_claim' == clm_* ]] && grep -q 'added speaker Kadirov as spk_' '$work/added'"
dup=$(g speaker show Kadirov --json | "$json" "print(data[0]['id'])")

# --- No silent overwrites (issue 17): --if-revision names the revision read; a stale one changes nothing.
rev_claim=$(g claim add "Nobody was detained" --speaker "$kadyrov" --said 2017-04)
check "claim show prints revision 1" has "revision" g claim show "$rev_claim"
check "claim edit --if-revision 1 applies" has "$rev_claim" g claim edit "$rev_claim" --context 'Grozny, April 2017' --if-revision 1 --reason 'place named'
check "claim edit --if-revision 1 again: refused (exit 73), naming both revisions" \
  expect_exit_fixed 73 "is at revision 2, not revision 1" g claim edit "$rev_claim" --context 'Moscow' --if-revision 1 --reason 'place'
check "the refused edit changed nothing" bash -c "'$bin/gainsay' claim show '$rev_claim' --json | '$json' \"assert data[0]['context'] == 'Grozny, April 2017' and data[0]['revision'] == 2, data\""
check "--if-revision 0 is a usage error" expect_usage_error "if-revision" g claim edit "$rev_claim" --context x --if-revision 0 --reason r
rev_speaker=$(g speaker add "Adam Delimkhanov" --country RU)
check "speaker edit --if-revision folds alias changes into one update" has "$rev_speaker" g speaker edit "$rev_speaker" --role MP --add-alias "Адам Делимханов" --if-revision 1 --reason 'office'
check "speaker show: revision 2, alias added" bash -c "'$bin/gainsay' speaker show '$rev_speaker' --json | '$json' \"assert data[0]['revision'] == 2 and data[0]['aliases'] == ['Адам Делимханов'], data\""
check "speaker edit with a stale --if-revision is refused" expect_exit_fixed 73 "not revision 1" g speaker edit "$rev_speaker" --role 'Deputy' --if-revision 1
check "speaker rename sends the revision it read" has "$rev_speaker" g speaker rename "$rev_speaker" "Adam S. Delimkhanov" --reason 'middle initial'

# --- Speaker corrections: rename (old name kept as an alias), merge.
check "speaker rename needs --reason" expect_usage_error "reason" g speaker rename "$putin" "Vladimir V. Putin"
check "speaker rename: an empty reason is refused" expect_usage_error "reason" g speaker rename "$putin" "Vladimir V. Putin" --reason " "
check "speaker rename prints the id" has "$putin" g speaker rename "$putin" "Vladimir Vladimirovich Putin" --reason "full name, as the Kremlin gives it"
check "the old name still finds the renamed speaker" has "Vladimir Vladimirovich Putin" g speaker show "Vladimir Putin"
check "speaker history: the rename with its reason and the name change" history_has "$putin" \
  "full name, as the Kremlin gives it" 'name: "Vladimir Putin" → "Vladimir Vladimirovich Putin"' "aliases:"
check "merging a speaker into itself is refused (exit 67)" expect_exit 67 "same speaker" g speaker merge "$kadyrov" "Рамзан Кадыров" --reason "oops"
check "speaker merge needs --reason" expect_usage_error "reason" g speaker merge "$dup" "$kadyrov"
merge() {
  g speaker merge "$dup" "$kadyrov" --reason "misspelt duplicate of Ramzan Kadyrov" >"$work/merged" 2>"$work/merge.err" || { cat "$work/merge.err"; return 1; }
  [ "$(cat "$work/merged")" = "$kadyrov" ] || { echo "printed:"; cat "$work/merged"; return 1; }
  grep -qF "1 claim moved" "$work/merge.err" || { cat "$work/merge.err"; return 1; }
}
check "speaker merge prints the surviving id and how many claims moved" merge
check "the duplicate's id now finds the speaker it was merged into" has "Ramzan Kadyrov" g speaker show "$dup"
check "the moved claim is Kadyrov's" bash -c "'$bin/gainsay' claim show '$dup_claim' --json | '$json' 'assert data[0][\"speakerId\"] == \"$kadyrov\", data'"
check "the duplicate's name is now an alias" bash -c "'$bin/gainsay' speaker show '$kadyrov' --json | '$json' 'assert \"Kadirov\" in data[0][\"aliases\"], data'"
check "duplicate's history: the merge with its reason, the target and the moved claim" history_has "$dup" "merge speaker $dup" \
  "misspelt duplicate of Ramzan Kadyrov" "related: $kadyrov" "$dup_claim" 'merged_into: (none) → "'"$kadyrov"'"' 
check "target's history shows the merge into it" history_has "$kadyrov" "merge speaker $dup" "misspelt duplicate" \
  'aliases: ["Рамзан Кадыров"] → ["Рамзан Кадыров","Kadirov"]' 
check "the moved claim's history shows its speaker change" history_has "$dup_claim" "speaker_id: \"$dup\" → \"$kadyrov\""
check "claim list shows the speaker's name" has "Ramzan Kadyrov" g claim list --speaker "$kadyrov"
check "claim list --json carries speakerName" bash -c "'$bin/gainsay' claim list --json | '$json' 'assert data and all(c[\"speakerName\"] for c in data), data'"
# Every word typed must be close to a word of the name: another Kadyrov is not a near-duplicate.
adam=$(g speaker add "Adam Kadyrov")
check "a namesake is no near-duplicate" bash -c "[[ '$adam' == spk_* ]]"
check "a name close to several speakers: exit 69, listing them with their ids" \
  expect_exit 69 "did you mean: .*($adam).*Give one of the ids" g claim list --speaker "Kadyrov"
check "... and naming both" bash -c "grep -qF '($kadyrov)' '$work/stderr'"

# --- Sources and links: a quote across a paragraph break, NBSP and curly quotes, --occurrence, --no-quote.
mt=$(g source add --title "Putin Says Law Not Meant to Persecute Gays" --outlet "The Moscow Times" --published 2013-11-21 --text-file "$work/moscow-times.txt")
pn=$(g source add --title "Nikolai Alekseyev seeks urgent meeting with Vladimir Putin" --outlet "PinkNews" --published 2013 --text-file "$work/pinknews.txt")
rally=$(g source add --title "LGBT Rights Activists Hold Flash Mob Protest In St. Petersburg" --outlet "HuffPost" --published 2017-05 --text-file "$work/rally.txt")
pclaim=$(g claim add "All that we did had to do with limiting propaganda among minors" --speaker "Vladimir Putin" --said 2013-11-20 2>/dev/null)
mclaim=$(g claim add "The President is ready to meet LGBT activists" --speaker Putin --said 2013 2>/dev/null)
check "sources and claims added" bash -c "[[ '$mt' == src_* && '$pn' == src_* && '$rally' == src_* && '$pclaim' == clm_* && '$mclaim' == clm_* ]]"
broken_quote=$(printf 'all that we did\n\nat the governmental, the legislative level')
lb=$(g link "$pclaim" "$mt" --relation context --quote "$broken_quote")
check "link: a quote with a paragraph break inside (bare 'gainsay link' still adds)" bash -c "[[ '$lb' == lnk_* ]]"
nb=$(g link add "$mclaim" "$pn" --relation context --quote "who was${nbsp}the first man")
check "link add: a quote with NBSP" bash -c "[[ '$nb' == lnk_* ]]"
agenda=$(g link add "$mclaim" "$pn" --relation supports --quote "Vladimir Putin will consider the meeting but must first hear the proposed “agenda.”" --note "Peskov, for the Kremlin")
check "link add: a quote with curly quotes" bash -c "[[ '$agenda' == lnk_* ]]"
occurrence() {  # the second "Putin" (in "Vladimir Putin will consider"), and its code point offsets
  local id start
  id=$(g link add "$mclaim" "$pn" --relation context --quote "Putin" --occurrence 2) || return 1
  start=$(/usr/bin/python3 -c 'import sys; t=open(sys.argv[1], encoding="utf-8").read(); i=-1
for _ in range(2): i=t.index("Putin", i + 1)
print(i)' "$work/pinknews.txt")
  g link show "$id" --json | "$json" "q=data[0]['quote']; assert int(q['start']) == $start and int(q['end']) == $start + 5, (q, $start)"
}
check "link add --occurrence 2 anchors to the second occurrence (start/end in code points)" occurrence
check "link add --occurrence 9: refused, the passage occurs once" bash -c "! '$bin/gainsay' link add '$pclaim' '$mt' --relation supports --quote Putin --occurrence 9 2>/dev/null"
check "--occurrence must be positive" expect_usage_error "occurrence" g link add "$mclaim" "$pn" --relation context --quote Putin --occurrence 0
check "a contradicts link to a source with text needs a quote" bash -c "! '$bin/gainsay' link add '$pclaim' '$rally' --relation contradicts 2>/dev/null"
unq=$(g link add "$kclaim" "$rally" --relation contradicts --no-quote)
check "link add --no-quote: an unquoted contradicts link" bash -c "[[ '$unq' == lnk_* ]]"
ev=$(g link add "$kclaim" "$rally" --relation contradicts --quote "the violent persecution of gay men in Chechnya")
check "a quoted contradicts link" bash -c "[[ '$ev' == lnk_* ]]"
not_found_quote() {
  g link add "$kclaim" "$rally" --relation contradicts --quote "the violent persecution of gay people in Chechnya" >/dev/null 2>"$work/nf"
  local status=$?
  [ "$status" -ne 0 ] || { echo "accepted a passage that is not in the text"; return 1; }
  [ "$(wc -l < "$work/nf")" -eq 1 ] || { echo "not one line:"; cat "$work/nf"; return 1; }
  grep -qF "gay men in Chechnya" "$work/nf" && grep -qF "gainsay link" "$work/nf" || { echo "no closest passage or command:"; cat "$work/nf"; return 1; }
}
check "a quote not in the text: one line with the closest passage and a command" not_found_quote
repeats=$(g link "$dup_claim" "$kclaim" --relation repeats)

check "link list --claim: the table" has "the violent persecution" g link list --claim "$kclaim"
check "link list shows the speaker's name" has "Vladimir Vladimirovich Putin" g link list --source "$pn"
check "link list marks the unquoted link" bash -c "'$bin/gainsay' link list --claim '$kclaim' | grep '$unq' | grep -q unquoted"
check "link list --claim shows links to the claim from other claims" has "$repeats" g link list --claim "$kclaim"
check "link list --source --json: JSON Lines" bash -c "'$bin/gainsay' link list --source '$pn' --json | '$json' 'assert len(data) == 3 and all(l[\"sourceId\"] == \"$pn\" and l[\"speakerName\"] == \"Vladimir Vladimirovich Putin\" for l in data), data'"
check "link list needs --claim or --source" expect_usage_error "claim" g link list
check "link show" has "Peskov, for the Kremlin" g link show "$agenda"

# --- Link withdrawal.
check "link withdraw needs --reason" expect_usage_error "reason" g link withdraw "$unq"
check "link withdraw: an empty reason is refused" expect_usage_error "reason" g link withdraw "$unq" --reason ""
check "link withdraw prints the id" has "$unq" g link withdraw "$unq" --reason "a quote is now linked instead"
check "withdrawing twice: exit 73" expect_exit 73 "FAILED_PRECONDITION" g link withdraw "$unq" --reason "again"
check "withdrawing an unknown link: exit 69" expect_exit 69 "NOT_FOUND" g link withdraw lnk_nope --reason "x"
check "link show of an unknown link: exit 69" expect_exit 69 "NOT_FOUND" g link show lnk_nope
check "link list leaves the withdrawn link out" lacks "$unq" g link list --claim "$kclaim"
check "link list --withdrawn shows it, withdrawn" bash -c "'$bin/gainsay' link list --claim '$kclaim' --withdrawn | grep '$unq' | grep -q withdrawn"
check "link history: withdrawn with the reason" history_has "$unq" "withdraw link $unq" "a quote is now linked instead" "state: active → withdrawn"

# --- Verdicts.
check "verdict ratings, without a claim" has "pants on fire" g verdict ratings
check "verdict CLAIM --list-ratings still works" has "pants on fire" g verdict "$kclaim" --list-ratings
v1=$(g verdict "$kclaim" --rating "mostly false" --explanation "Persecution is documented by the rally's organisers.")
v2=$(g verdict add "$kclaim" --rating "pants on fire" --explanation "Detentions were reported by Novaya Gazeta.")
check "verdicts added (bare 'gainsay verdict' still adds)" bash -c "[[ '$v1' == vrd_* && '$v2' == vrd_* ]]"
check "verdict withdraw needs --reason" expect_usage_error "reason" g verdict withdraw "$v2"
check "verdict withdraw prints the id" has "$v2" g verdict withdraw "$v2" --reason "rated before the second review"
check "the claim's rating is the latest active verdict's again" bash -c "'$bin/gainsay' claim show '$kclaim' --json | '$json' 'assert data[0][\"latestRating\"] == \"mostly false\", data[0]'"
check "verdict withdraw twice: exit 73" expect_exit 73 "FAILED_PRECONDITION" g verdict withdraw "$v2" --reason "again"
check "verdict withdraw of an unknown verdict: exit 69" expect_exit 69 "NOT_FOUND" g verdict withdraw vrd_nope --reason "x"
check "verdict history: withdrawn with the reason" history_has "$v2" "withdraw verdict $v2" "rated before the second review" "state: active → withdrawn"
check "verdict list leaves the withdrawn verdict out" lacks "$v2" g verdict list "$kclaim"
check "verdict list --withdrawn --json" bash -c "'$bin/gainsay' verdict list '$kclaim' --withdrawn --json | '$json' 'assert [v[\"id\"] for v in data] == [\"$v2\", \"$v1\"] and data[0][\"state\"] == \"VERDICT_STATE_WITHDRAWN\", data'"

# --- claim show: the whole evidence.
check "claim show: verdict rating and explanation, unquoted marker" bash -c \
  "'$bin/gainsay' claim show '$kclaim' --withdrawn > '$work/show' && grep -q 'mostly false' '$work/show' && grep -q 'Persecution is documented' '$work/show' && grep '$unq' '$work/show' | grep -q unquoted"
claim_json() {
  g claim show "$kclaim" --withdrawn --json | "$json" "
c = data[0]
assert len(data) == 1 and c['id'] == '$kclaim' and c['speakerName'] == 'Ramzan Kadyrov', c
links = {l['id']: l for l in c['links']}
q = links['$ev']
assert q['relation'] == 'contradicts' and q['state'] == 'active' and q['unquoted'] is False and q['unverified'] is False, q
assert q['quote']['exact'] == 'the violent persecution of gay men in Chechnya', q
assert q['source'] == {'id': '$rally', 'title': 'LGBT Rights Activists Hold Flash Mob Protest In St. Petersburg', 'outlet': 'HuffPost', 'url': '', 'publishedOn': '2017-05'}, q
u = links['$unq']
assert u['unquoted'] is True and u['quote'] is None and u['state'] == 'withdrawn' and u['withdrawalReason'] == 'a quote is now linked instead', u
r = links['$repeats']
assert r['claim']['id'] == '$dup_claim' and r['claim']['text'] == 'Chechnya has no such people' and r['claim']['speakerName'] == 'Ramzan Kadyrov', r
v = {v['id']: v for v in c['verdicts']}
assert v['$v1']['rating'] == 'mostly false' and v['$v1']['state'] == 'active' and v['$v1']['reviewer'] and v['$v1']['explanation'], v
assert v['$v2']['state'] == 'withdrawn' and v['$v2']['withdrawalReason'] == 'rated before the second review', v
"
}
check "claim show --json: links with quotes, sources, other claims; verdicts" claim_json
quote_position() {  # the passage's code point offsets in the archived text
  local start
  start=$(/usr/bin/python3 -c 'import sys; print(open(sys.argv[1], encoding="utf-8").read().index("the violent persecution"))' "$work/rally.txt")
  g claim show "$kclaim" --json | "$json" "q = [l for l in data[0]['links'] if l['id'] == '$ev'][0]['quote']; assert (q['start'], q['end']) == ($start, $start + 46), q"
}
check "claim show --json: the quote's start and end" quote_position
check "claim show leaves withdrawn evidence out by default" lacks "$unq" g claim show "$kclaim"

# --- Source corrections.
check "source show lists the links to it" bash -c "'$bin/gainsay' source show '$pn' > '$work/src' && grep -q 'links *3' '$work/src' && grep -q '$agenda' '$work/src'"
check "source update needs --reason" expect_usage_error "reason" g source update "$pn" --title "x"
check "source update --title" has "$pn" g source update "$pn" --title "Russia: Gay rights activist seeks urgent meeting with Vladimir Putin" --reason "the headline as published"
check "source history: the title change and its reason" history_has "$pn" "the headline as published" \
  'title: "Nikolai Alekseyev seeks urgent meeting with Vladimir Putin" → "Russia: Gay rights activist seeks urgent meeting with Vladimir Putin"'
# The corrected article drops the Peskov paragraph: the "agenda" link breaks.
head -1 "$work/pinknews.txt" > "$work/pinknews-2.txt"
refused_text() {
  g source update "$pn" --text-file "$work/pinknews-2.txt" --reason "the archive held an edited copy" >/dev/null 2>"$work/refused"
  local status=$?
  [ "$status" -eq 73 ] || { echo "exit $status"; cat "$work/refused"; return 1; }
  grep -qF "$agenda" "$work/refused" && grep -qF -- "--withdraw-broken-links" "$work/refused" || { cat "$work/refused"; return 1; }
}
check "a new text that breaks links is refused, naming them and the flag (exit 73)" refused_text
check "the refused update changed nothing" has "$agenda" g link list --source "$pn"
withdrew() {
  g source update "$pn" --text-file "$work/pinknews-2.txt" --withdraw-broken-links --reason "the archive held an edited copy" >"$work/upd" 2>"$work/upd.err" || { cat "$work/upd.err"; return 1; }
  g link show "$agenda" | grep -q "withdrawn" || { echo "$agenda is not withdrawn"; return 1; }
  [ "$(cat "$work/upd")" = "$pn" ] || { cat "$work/upd"; return 1; }
  grep -qF "withdrew link $agenda" "$work/upd.err" || { cat "$work/upd.err"; return 1; }
  # Only the "agenda" link: "Putin" still occurs in the new text, so the link anchored to its second
  # occurrence still holds a passage that is there.
  [ "$(grep -c 'withdrew link' "$work/upd.err")" -eq 1 ] || { echo "expected 1 link withdrawn:"; cat "$work/upd.err"; return 1; }
  ! grep -qF "withdrew link $nb" "$work/upd.err" || { echo "withdrew a link whose quote is still there"; return 1; }
}
check "--withdraw-broken-links: the update goes through and lists the links withdrawn" withdrew
check "the withdrawn link's history has the source update's reason" history_has "$agenda" "state: active → withdrawn" "the archive held an edited copy"
check "source history: the new text's hash and the withdrawn links" history_has "$pn" "archived_text_sha256:" "withdraw link $agenda"

# --- Claim corrections and the claim's whole history.
check "claim edit --context" has "$pclaim" g claim edit "$pclaim" --context "meeting with non-parliamentary parties" --reason "where it was said"
check "claim edit: an empty reason is refused" expect_usage_error "reason" g claim edit "$pclaim" --context x --reason ""
check "claim history: the edit field by field, with its reason" history_has "$pclaim" 'context: (none) → "meeting with non-parliamentary parties"' "where it was said"
check "claim history holds its links' and verdicts' events" history_has "$kclaim" \
  "create claim $kclaim" "create link $ev" "withdraw link $unq" "a quote is now linked instead" \
  "create verdict $v1" "withdraw verdict $v2" "rated before the second review" "create link $repeats"
history_order() {
  g history "$kclaim" --json | "$json" "
seq = [int(e['sequence']) for e in data]
assert seq == sorted(seq), seq
ids = {e['resourceId'] for e in data}
assert {'$kclaim', '$ev', '$unq', '$v1', '$v2', '$repeats'} <= ids, ids
w = [e for e in data if e['resourceId'] == '$unq' and e['action'] == 'AUDIT_ACTION_WITHDRAW'][0]
assert w['reason'] == 'a quote is now linked instead', w
assert {'field': 'state', 'before': 'active', 'after': 'withdrawn'} in w['changes'], w['changes']
"
}
check "history --json: AuditEvents in sequence order with their changes" history_order
check "history of an unknown id: exit 69" expect_exit 69 "NOT_FOUND" g history clm_nope

# --- Help: every line fits 80 columns.
help_fits() {
  local command
  for command in "link" "link add" "link withdraw" "link list" "link show" "verdict" "verdict add" "verdict withdraw" \
    "verdict list" "verdict ratings" "source" "source add" "source show" "source update" "speaker" "speaker add" \
    "speaker show" "speaker edit" "speaker rename" "speaker merge" "speaker list" "source list" "claim" "claim add" \
    "claim show" "claim list" "claim edit" "claim retract" "history"; do
    # shellcheck disable=SC2086
    g $command --help > "$work/help" 2>&1 || { echo "$command --help failed"; return 1; }
    grep -q "EXAMPLES:" "$work/help" || { echo "$command: no EXAMPLES"; return 1; }
    # Usage lines are argument-parser's own (one line, as it prints them off a terminal).
    /usr/bin/python3 -c 'import sys
bad = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines() if len(l) > 80 and not l.startswith("USAGE:")]
assert not bad, (sys.argv[2], bad)' "$work/help" "$command" || return 1
  done
}
check "help of every command: EXAMPLES, lines within 80 columns" help_fits

echo "corrections: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
