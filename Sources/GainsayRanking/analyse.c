// The `gainsay` tokenizer outside an FTS5 table: its tokens and positions, for a store that indexes them itself.
#include "GainsayAnalysis.h"
#include "GainsayRanking.h"
#include "fts5_access.h"

#include <sqlite3.h>

/// The calling thread's tokenizer, created at its first use and kept for the thread's life.
typedef struct Analyser {
  sqlite3 *db;
  fts5_tokenizer methods;
  Fts5Tokenizer *tokenizer;
} Analyser;

static __thread Analyser analyser;

static int analyser_open(Analyser *a) {
  if (a->tokenizer != 0) return SQLITE_OK;
  int rc = a->db == 0 ? sqlite3_open_v2(":memory:", &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, 0)
                      : SQLITE_OK;
  if (rc == SQLITE_OK) rc = gainsay_register_tokenizer(a->db);
  fts5_api *fts5 = 0;
  if (rc == SQLITE_OK) rc = gainsay_fts5_api(a->db, &fts5);
  void *userData = 0;
  if (rc == SQLITE_OK) rc = fts5->xFindTokenizer(fts5, "gainsay", &userData, &a->methods);
  if (rc == SQLITE_OK) rc = a->methods.xCreate(userData, 0, 0, &a->tokenizer);
  if (rc != SQLITE_OK) {
    a->tokenizer = 0;
    if (a->db != 0) sqlite3_close(a->db);
    a->db = 0;
  }
  return rc;
}

typedef struct Collector {
  void *context;
  gainsay_token_callback callback;
  int position;
  int stopped;
} Collector;

static int on_token(void *context, int flags, const char *token, int n, int start, int end) {
  (void)start;
  (void)end;
  Collector *c = context;
  if (!(flags & FTS5_TOKEN_COLOCATED)) c->position++;
  if (c->callback(c->context, token, n, c->position < 0 ? 0 : c->position) != 0) {
    c->stopped = 1;
    return SQLITE_DONE;
  }
  return SQLITE_OK;
}

int gainsay_analyse(
    const char *text, int length, gainsay_analyse_mode mode, void *context, gainsay_token_callback callback) {
  int rc = analyser_open(&analyser);
  if (rc != SQLITE_OK) return rc;
  int flags = FTS5_TOKENIZE_DOCUMENT;
  if (mode == GAINSAY_ANALYSE_QUERY) flags = FTS5_TOKENIZE_QUERY;
  if (mode == GAINSAY_ANALYSE_QUERY_PREFIX) flags = FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX;
  Collector collector = {context, callback, -1, 0};
  rc = analyser.methods.xTokenize(analyser.tokenizer, &collector, flags, text, length, on_token);
  return collector.stopped && rc == SQLITE_DONE ? SQLITE_OK : rc;
}
