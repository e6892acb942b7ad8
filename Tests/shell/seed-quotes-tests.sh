#!/usr/bin/env bash
# Evidence quoted the way a reporter types it, anchored in text pasted from real articles: the seed
# excerpts in Tests/shell/fixtures/seed-excerpts (non-breaking spaces, curly quotes and apostrophes, en
# dashes, a quotation broken over a paragraph break, Cyrillic), and the whole seed articles too when
# ../shared/seeds sits beside the checkout. Each quote is typed with straight quotes, hyphens and plain
# spaces on one line; each must anchor, and the stored passage must be the article's own text.
#   Tests/shell/seed-quotes-tests.sh BIN_DIR
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
excerpts=$here/fixtures/seed-excerpts
seeds=$(cd "$here/../../.." && pwd)/shared/seeds
# shellcheck source=lib/cli-harness.sh
. "$here/lib/cli-harness.sh"
harness_setup seed

start_daemon

speaker=$(g speaker add "Ramzan Kadyrov" --country RU --alias "Рамзан Кадыров")
claim=$(g claim add "We don't have any gays" --speaker "$speaker" --said 2017-07 --context 'HBO Real Sports interview')
[ -n "$claim" ] || { echo "FAIL setup: no claim"; exit 1; }

# anchored TEXT_FILE QUOTE: links the claim to a new source holding TEXT_FILE with QUOTE as typed; the
# stored passage must occur byte for byte in the file, be the same words as QUOTE once typography is
# folded, and come with its place (start/end code points, which must slice it out of the text).
anchored() {
  local file=$1 quote=$2 source
  source=$(g source add --title "$(head -1 "$file")" --outlet Seeds --text-file "$file") || return 1
  g link "$claim" "$source" --relation context --quote "$quote" --json >"$work/link.json" || return 1
  /usr/bin/python3 - "$file" "$quote" "$work/link.json" <<'PY'
import json, re, sys, unicodedata
text = open(sys.argv[1], encoding="utf-8").read()
typed = sys.argv[2]
quote = json.load(open(sys.argv[3]))["quote"]
exact = quote["exact"]
assert exact in text, f"stored passage {exact!r} is not the article's text"
def fold(s):
    s = unicodedata.normalize("NFC", s).replace("\u00ad", "")
    s = re.sub("[\u2018\u2019\u201a\u201b\u2032`]", "'", s)
    s = re.sub("[\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033]", '"', s)
    s = re.sub("[\u2010-\u2015\u2212]", "-", s).replace("\u2026", "...")
    return re.sub(r"\s+", " ", s).strip()
assert fold(exact) == fold(typed), f"{exact!r} is not {typed!r}"
start, end = int(quote.get("start", 0)), int(quote.get("end", 0))
assert text[start:end] == exact, f"[{start}, {end}) is {text[start:end]!r}, not {exact!r}"
PY
}

pinknews=$excerpts/pinknews-2017-johnson-moscow.txt
moscow=$excerpts/moscow-times-2013-putin.txt
alekseyev=$excerpts/pinknews-2013-alekseyev.txt
advocate=$excerpts/advocate-2018-flash-mob.txt
lgf=$excerpts/lgf-2013-solidarity.txt

# Twelve quotes of officials and facts, typed as on a deadline.
check "curly apostrophe: We don't have any gays. If there are any, take them to Canada." \
  anchored "$pinknews" "We don't have any gays. If there are any, take them to Canada."
check "curly apostrophes in a question: What's the point of these questions?" \
  anchored "$pinknews" "What's the point of these questions? This is nonsense. We don't have those kinds of people here."
check "curly quotes around a quote: \"not people\" ... \"purify\"" \
  anchored "$pinknews" 'homosexuals are "not people" and should be eradicated to "purify" the blood of the region'
check "a non-breaking space after a word: Chechen leader Ramzan Kadyrov" \
  anchored "$pinknews" "Chechen leader Ramzan Kadyrov, who orchestrated an anti-gay purge"
check "en dashes typed as hyphens, then a non-breaking space" \
  anchored "$pinknews" "authorities in Chechnya - an autonomous region of Russia - were carrying out a homophobic purge, which the Kremlin failed to intervene to prevent"
check "a fact: arrested or detained more than 100 men" \
  anchored "$pinknews" "have arrested or detained more than 100 men"
check "Johnson: We celebrate people's freedom of choice" \
  anchored "$pinknews" "We celebrate people's freedom of choice, including whom to love."
check "a quotation broken over a paragraph break (Putin, Interfax)" \
  anchored "$moscow" "all that we did at the governmental, the legislative level had to do with limiting propaganda among minors"
check "Putin: I will certainly take a look at this" \
  anchored "$moscow" '"I will certainly take a look at this, and in the most attentive way," Putin told Ryzhkov.'
check "Putin: I assure you that I work with these people (curly apostrophe inside)" \
  anchored "$alekseyev" "I don't see anything out of the ordinary here."
check "non-breaking space and curly quotes: meeting with Putin as he wants to discuss" \
  anchored "$alekseyev" 'a meeting with Putin as he wants to discuss "the situation surrounding LGBT in Russia and in the whole world."'
check "Kadyrov: You cannot arrest or repress people who just don't exist." \
  anchored "$advocate" "You cannot arrest or repress people who just don't exist."
check "Cyrillic, pasted as is" \
  anchored "$lgf" "Солидарность с Россией ЛГБТ"

# A soft hyphen a CMS left in a word, and a line break where the reporter typed a space.
printf 'The crackdown was described as a homo\xc2\xadphobic purge\nby human rights monitors.\n' > "$work/soft.txt"
check "a soft hyphen inside a word and a line break inside the passage" \
  anchored "$work/soft.txt" "a homophobic purge by human rights monitors"

# When the words are not there, the error says which passage comes closest and how to use it.
src=$(g source add --title "Kadyrov on HBO" --outlet Seeds --text-file "$pinknews")
closest() {
  g link "$claim" "$src" --relation contradicts --quote "We don't have any gay people. If there are any, take them to Canada." \
    >"$work/stdout" 2>"$work/stderr"
  local got=$?
  [ "$got" -eq 67 ] || { echo "exit $got, expected 67 (INVALID_ARGUMENT)"; cat "$work/stderr"; return 1; }
  grep -q "% similar" "$work/stderr" && grep -q "gainsay link $claim $src" "$work/stderr" \
    && grep -q "take them to Canada" "$work/stderr" || { cat "$work/stderr"; return 1; }
}
check "a quote not in the text names the closest passage, its similarity and the command" closest

# The quote the hint suggests anchors as it is.
suggested() {
  local command
  command=$(grep -o "gainsay link $claim $src .*" "$work/stderr" | head -1)
  [ -n "$command" ] || { echo "no command in the hint"; return 1; }
  eval "g ${command#gainsay }" >/dev/null
}
check "the suggested command anchors" suggested

# A passage that occurs twice anchors to the first unless --occurrence says otherwise.
printf 'They said: “not people”. Later, again: “not people”.\n' > "$work/twice.txt"
twice=$(g source add --title Twice --outlet Seeds --text-file "$work/twice.txt")
occurrence() {
  local first second
  first=$(g link "$claim" "$twice" --relation context --quote 'not people' --json \
    | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["quote"]["start"])') || return 1
  second=$(g link "$claim" "$twice" --relation context --quote 'not people' --occurrence 2 --json \
    | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["quote"]["start"])') || return 1
  [ "$first" = 12 ] && [ "$second" = 40 ] || { echo "starts $first and $second, expected 12 and 40"; return 1; }
  g link "$claim" "$twice" --relation contradicts --quote 'not people' --occurrence 3 >/dev/null 2>"$work/stderr"
  [ $? -eq 67 ] && grep -q "2" "$work/stderr" || { cat "$work/stderr"; return 1; }
}
check "--occurrence picks the second of two (another link, same relation); a third is refused, saying how many" occurrence

# A contradicts link to a source with text needs a quote, or says --no-quote on purpose.
unquoted() {
  g link "$claim" "$src" --relation contradicts >/dev/null 2>"$work/stderr" && { echo "accepted without a quote"; return 1; }
  grep -q -- "--no-quote" "$work/stderr" || { cat "$work/stderr"; return 1; }
  g link "$claim" "$src" --relation contradicts --no-quote >/dev/null || return 1
  g claim show "$claim" | grep -q "unquoted"
}
check "a contradicts link needs --quote or --no-quote; unquoted evidence is shown as such" unquoted

# The whole articles, when they are beside the checkout.
if [ -d "$seeds" ]; then
  whole() {
    local article
    article=$(grep -l "take them to Canada" "$seeds"/*.txt | head -1)
    [ -n "$article" ] || { echo "no seed article has the quote"; return 1; }
    anchored "$article" "We don't have any gays. If there are any, take them to Canada." \
      && anchored "$article" "Chechen leader Ramzan Kadyrov, who orchestrated an anti-gay purge"
  }
  check "the same quotes anchor in the whole seed article" whole
else
  echo "skip the whole seed articles: $seeds is not there"
fi

echo "seed quotes: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
