#ifndef GAINSAY_RANKING_H
#define GAINSAY_RANKING_H

#include <sqlite3.h>

/// Registers the FTS5 ranking function `gainsay_rank` on `db`; returns an SQLite result code.
///
/// gainsay_rank(w0, …, wC-1, n0, …, nP-1) is FTS5's bm25 (k1 = 1.2, b = 0.75) with one column weight per
/// column of the table, followed by how many rows hold each phrase of the query, in order. FTS5's own
/// bm25 counts those rows itself, reading every phrase's whole doclist on each query, which at a million
/// claims costs more than ranking the matches; the caller estimates them cheaply instead. A missing count
/// counts as half the table.
int gainsay_register_rank(sqlite3 *db);

/// Registers the FTS5 tokenizer `gainsay` on `db`; returns an SQLite result code.
///
/// It wraps FTS5's unicode61 (remove_diacritics 2: case and Latin diacritics folded, combining marks such
/// as the Russian stress mark dropped), then folds (ё to е, Greek accents and final sigma) and stems each word
/// with GainsayStemming (Snowball: Russian for Cyrillic words, English for Latin ones; words mixing scripts or
/// holding digits are kept whole). No word is dropped: negations stay, and an English "n't" becomes the word
/// "not" after its verb ("don't" is "do not", "can't" "can not", "won't" "will not"), as does "cannot". A
/// possessive "'s" joins its word; other apostrophes split words, as unicode61 does.
///
/// Documents get at each position the stem and, colocated, the folded form marked with a leading "=":
/// queries match stems, while a prefix query (`word*`) and an exact query (a phrase whose text starts
/// with "=") match the marked folded forms, so neither is stemmed.
///
/// A token whose text starts with an upper-case letter (Latin, Greek or Cyrillic) also gets, colocated with its
/// first word, its name key (gainsay_name_key of the whole token, apostrophes and a possessive "'s" dropped)
/// marked with a leading "~". A phrase whose text starts with "~" is tokenized to the name keys of its tokens,
/// whatever their case, so `"~Kadirov"` finds Кадыров, Kadyrov and Kadyrow, and `"~Kadirov"*` also finds
/// their inflections (Кадырова, Kadyrova). Lower-case words get no key.
int gainsay_register_tokenizer(sqlite3 *db);

// Tokens and positions of the `gainsay` tokenizer outside FTS5 (for the PostgreSQL store).
#include "GainsayAnalysis.h"

#endif
