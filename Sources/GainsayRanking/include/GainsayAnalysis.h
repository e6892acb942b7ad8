#ifndef GAINSAY_ANALYSIS_H
#define GAINSAY_ANALYSIS_H

/// How ``gainsay_analyse`` tokenizes a text: as a document is indexed, as a query phrase, or as a query
/// phrase followed by `*` (FTS5's flags, for stores that index the tokens themselves, such as PostgreSQL).
typedef enum {
  GAINSAY_ANALYSE_DOCUMENT = 0,
  GAINSAY_ANALYSE_QUERY = 1,
  GAINSAY_ANALYSE_QUERY_PREFIX = 2,
} gainsay_analyse_mode;

/// Receives one token: its bytes (not NUL-terminated), their length, and its position (0-based; colocated
/// tokens, such as a word's stem, folded form and name key, share one). Returns 0 to go on.
typedef int (*gainsay_token_callback)(void *context, const char *token, int length, int position);

/// Runs the `gainsay` FTS5 tokenizer (see GainsayRanking.h) over `text` (`length` bytes of UTF-8) exactly as
/// an FTS5 table tokenized with it would, calling `callback` for each token. Uses an in-memory SQLite
/// connection of the calling thread, opened at its first call. Returns an SQLite result code.
int gainsay_analyse(
    const char *text, int length, gainsay_analyse_mode mode, void *context, gainsay_token_callback callback);

#endif
