#!/usr/bin/env bash
# `gainsay search` as a journalist uses it, against a real gainsayd: word forms in Russian and English,
# names in any script and spelling with the speaker's claims first, negations marked and ranked apart,
# "did you mean" on stderr for a search that finds nothing, SuggestSearch through the shell client
# (protoc + socat), and bad queries refused in one line. Texts are pasted as the seeds have them: curly
# quotes and apostrophes, non-breaking spaces, «ёлочки», ё and a stress mark.
#   Tests/shell/search-tests.sh BIN_DIR
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
rpc=$here/../../Clients/shell/gainsay-rpc
# shellcheck source=lib/cli-harness.sh
. "$here/lib/cli-harness.sh"
harness_setup search

start_daemon

kadyrov=$(g speaker add "Ramzan Kadyrov" --country RU)
peskov=$(g speaker add "Dmitry Peskov" --country RU --alias "Дмитрий Песков")
reporter=$(g speaker add "Elena Milashina" --country RU)
claim() { g claim add "$2" --speaker "$1" --said 2017; }
gays_en=$(claim "$kadyrov" "We don’t have any gays. If there are any, take them to Canada.")
gays_ru=$(claim "$kadyrov" "У нас нет таких людей, нет геев")
not_working=$(claim "$peskov" "Санкции не работают, это очевидно")
working=$(claim "$peskov" "Санкции работают, и это видно")
mentions=$(claim "$reporter" "Кадыров заявил, что в Чечне всё спокойно")
russia=$(claim "$reporter" "Перед Росси́ей стоят трудные задачи")
green=$(claim "$reporter" "Зелёный свет для «Газпрома»")
[ -n "$gays_en" ] && [ -n "$green" ] || { echo "FAIL setup: claims not added"; exit 1; }

# ids QUERY: the claim ids `gainsay search --json --type claim` returns, one per line.
ids() { g search --json --type claim "$1" | "$json" 'print("\n".join(d["resourceId"] for d in data))'; }
# The checks below that run in `bash -c` call these too.
export -f g ids
export bin json work

check "Россия finds «Росси́ей» (a stress mark and another case)" test "$(ids 'Россия')" = "$russia"
check "геи finds «геев»" test "$(ids 'геи')" = "$gays_ru"
check "зеленый (е for ё) finds «Зелёный»" test "$(ids 'зеленый')" = "$green"
check "газпром finds «Газпрома» in ёлочки" test "$(ids 'газпром')" = "$green"
check "the curly apostrophe of don’t: 'have any gays' finds it" test "$(ids 'have any gays')" = "$gays_en"

# Kadyrov is registered in Latin only; every spelling puts his claims first, then the one naming him.
for query in Kadyrov Кадыров Kadirov Kadyrow кадырову; do
  check "$query: Kadyrov's claims first, then the reporter's naming him" bash -c "
    got=\$(ids '$query' | tr '\n' ' ')
    case \"\$got\" in
      '$gays_en $gays_ru $mentions '|'$gays_ru $gays_en $mentions ') ;;
      *) echo \"got: \$got\"; exit 1 ;;
    esac"
done
check "--json says which hits the query's speaker made" bash -c "
  g search --json --type claim Kadirov | \"$json\" 'assert [d.get(\"speakerNamed\", False) for d in data] == [True, True, False], data'"

check "a negated query ranks the negated claim first and marks the other" bash -c "
  g search --json 'санкции не работают' | \"$json\" '
assert [d[\"resourceId\"] for d in data] == [\"$not_working\", \"$working\"], data
assert \"negationMismatch\" not in data[0] and data[1][\"negationMismatch\"] == \"NEGATION_MISMATCH_MISSING\", data'"
check "a plain query marks the claim that negates it, after the others" bash -c "
  g search --json 'санкции работают' | \"$json\" '
assert [d[\"resourceId\"] for d in data] == [\"$working\", \"$not_working\"], data
assert data[1][\"negationMismatch\"] == \"NEGATION_MISMATCH_ADDED\", data'"
check "the human output says which hit lacks the negation" bash -c "
  g search 'санкции не работают' | grep -F \"$working\" | grep -qF \"[lacks the query's negation]\""
check "a quoted phrase keeps its negation as written" test "$(ids '"санкции не работают"')" = "$not_working"
check "prefix* matches words as written: Кадыро* finds «Кадыров»" test "$(ids 'Кадыро*')" = "$mentions"

check "nothing found: did you mean, on stderr, with a command to run" bash -c "
  g search 'take gayz' >\"$work/out.txt\" 2>\"$work/err.txt\" || exit 1
  [ ! -s \"$work/out.txt\" ] || exit 1
  grep -qxF \"nothing matches 'take gayz'\" \"$work/err.txt\" || { cat \"$work/err.txt\"; exit 1; }
  grep -qxF \"did you mean: gainsay search 'take gays'\" \"$work/err.txt\" || { cat \"$work/err.txt\"; exit 1; }"
check "did you mean: an indexed word two edits away" bash -c "
  g search 'заявел' 2>&1 >/dev/null | grep -qxF \"did you mean: gainsay search 'заявил'\""
check "did you mean: the speakers whose names are closest" bash -c "
  g search 'Peskof budget' 2>&1 >/dev/null | grep -qF \"speakers with a name like it: Dmitry Peskov ($peskov)\""

check "SuggestSearch through the shell client (protoc + socat)" bash -c "
  echo 'query: \"заявел\"' | \"$rpc\" gainsay.v1.Ledger/SuggestSearch | grep -qF 'alternatives: \"\\320\\267\\320\\260\\321\\217\\320\\262\\320\\270\\320\\273\"' ||
  echo 'query: \"заявел\"' | \"$rpc\" gainsay.v1.Ledger/SuggestSearch | grep -qF 'заявил'"
check "SuggestSearch refuses a limit over 10" bash -c "
  echo 'query: \"x\" limit: 11' | \"$rpc\" gainsay.v1.Ledger/SuggestSearch 2>&1 >/dev/null | grep -q 'INVALID_ARGUMENT'"

# Garbage in the search box: one line, exit 64 + INVALID_ARGUMENT.
check "punctuation only: nothing to search for" expect_exit 67 "has no words to search for" g search '*** ~ = "'
check "FTS5 syntax is text, not syntax" bash -c "g search 'NEAR(a b) AND -x ^y' >/dev/null"
check "a mark typed by the user is not the index's: =санкции searches санкции" \
  test "$(ids '=санкции ~работают' | sort | tr '\n' ' ')" = "$(printf '%s\n' "$not_working" "$working" | sort | tr '\n' ' ')"
long=$(printf 'слово %.0s' $(seq 120))
check "a query over 500 characters is refused" expect_exit 67 "query" g search "$long"

echo "search: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
