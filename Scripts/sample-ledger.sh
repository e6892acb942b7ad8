#!/usr/bin/env bash
# Records a small, real sample ledger through the gainsay CLI: officials' statements about LGBT people
# in Russia and Chechnya, and the reporting that contradicts them. Facts and officials' short quotes
# only; the archived texts are summaries written for this sample, not copies of the articles.
#   Scripts/sample-ledger.sh [GAINSAY]     (GAINSAY: the gainsay binary; default: gainsay on PATH)
# Talks to the daemon at $GAINSAY_SOCKET (or the default socket). Prints the ids it created.
set -euo pipefail
g=${1:-gainsay}

kadyrov=$("$g" speaker add "Ramzan Kadyrov" --role "Head of the Chechen Republic" --country RU --alias "Рамзан Кадыров")
karimov=$("$g" speaker add "Alvi Karimov" --role "Spokesman for the Head of the Chechen Republic" --country RU --alias "Альви Каримов")
putin=$("$g" speaker add "Vladimir Putin" --role "President of Russia" --country RU --alias "Владимир Путин")

no_gays=$("$g" claim add "We don't have any gays" --speaker "$kadyrov" --said 2017-07 \
  --context "Interview with HBO's Real Sports" --topic lgbt --topic chechnya --lang en)
not_exist=$("$g" claim add "You cannot detain and persecute people who simply do not exist in the republic" \
  --speaker "$karimov" --said 2017-04 --context "Statement to the Interfax news agency" --topic lgbt --topic chechnya --lang en)
not_meant=$("$g" claim add "All that we did at the governmental, the legislative level had to do with limiting propaganda among minors" \
  --speaker "$putin" --said 2013-11-20 --context "Meeting with leaders of non-parliamentary parties" --topic lgbt --topic propaganda-law --lang en)
no_xenophobia=$("$g" claim add "Not on a single score should we create this kind of xenophobia in society against anyone, including against people of nontraditional sexual orientation" \
  --speaker "$putin" --said 2013-11-20 --context "Meeting with leaders of non-parliamentary parties" --topic lgbt --topic propaganda-law --lang en)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/novaya-1.txt" <<'TEXT'
Summary of the report: Novaya Gazeta reported that more than a hundred men suspected of being gay had been detained by the authorities in Chechnya, and that at least three of them had been killed.
TEXT
cat > "$work/novaya-2.txt" <<'TEXT'
Summary of the report: Novaya Gazeta published the names of 27 men it said were killed in Chechnya on a single night in January 2017, some of them detained in the campaign against gay men.
TEXT
cat > "$work/hrw.txt" <<'TEXT'
Summary of the report: Human Rights Watch documented violence, harassment and threats against LGBT people in Russia after the 2013 federal law banning "propaganda" of non-traditional sexual relations among minors, and found that the law was used to justify discrimination.
TEXT

novaya1=$("$g" source add --title "Honour killing: how gay men are persecuted in Chechnya" --outlet "Novaya Gazeta" \
  --published 2017-04-01 --kind news --lang ru --text-file "$work/novaya-1.txt")
novaya2=$("$g" source add --title "Names of 27 men killed in Chechnya" --outlet "Novaya Gazeta" \
  --published 2017-07 --kind news --lang ru --text-file "$work/novaya-2.txt")
hrw=$("$g" source add --title "License to Harm: Violence and Harassment against LGBT People and Activists in Russia" \
  --outlet "Human Rights Watch" --published 2014-12-15 --kind ngo --lang en --text-file "$work/hrw.txt")

"$g" link "$no_gays" "$novaya1" --relation contradicts \
  --quote "more than a hundred men suspected of being gay had been detained by the authorities in Chechnya" >/dev/null
"$g" link "$no_gays" "$novaya2" --relation contradicts --quote "the names of 27 men it said were killed in Chechnya on a single night" >/dev/null
"$g" link "$no_gays" "$hrw" --relation context --quote "violence, harassment and threats against LGBT people in Russia" >/dev/null
"$g" link "$not_exist" "$novaya1" --relation contradicts \
  --quote "more than a hundred men suspected of being gay had been detained by the authorities in Chechnya" >/dev/null
"$g" link "$not_exist" "$no_gays" --relation repeats --note "Both deny that gay people exist in Chechnya" >/dev/null
"$g" link "$no_xenophobia" "$hrw" --relation contradicts \
  --quote "violence, harassment and threats against LGBT people in Russia after the 2013 federal law" >/dev/null
"$g" link "$not_meant" "$hrw" --relation contradicts --quote "the law was used to justify discrimination" >/dev/null

"$g" verdict "$no_gays" --rating "pants on fire" \
  --explanation "Novaya Gazeta documented the detention of more than a hundred men suspected of being gay, and later named 27 men killed in one night." >/dev/null
"$g" verdict "$not_exist" --rating "false" --explanation "Detentions of gay men in Chechnya were documented in April 2017." >/dev/null
"$g" verdict "$no_xenophobia" --rating "mostly false" \
  --explanation "Human Rights Watch documented violence and harassment enabled by the law the statement defends." >/dev/null

printf 'speakers %s %s %s\nclaims %s %s %s %s\nsources %s %s %s\n' \
  "$kadyrov" "$karimov" "$putin" "$no_gays" "$not_exist" "$not_meant" "$no_xenophobia" "$novaya1" "$novaya2" "$hrw"
