#include "GainsayRanking.h"
#include "fts5_access.h"

#include <math.h>

#define GAINSAY_MAX_PHRASES 64

static double argument(sqlite3_value **values, int count, int index, double fallback) {
  return index < count ? sqlite3_value_double(values[index]) : fallback;
}

static void gainsay_rank(
    const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *context, int count, sqlite3_value **values) {
  const double k1 = 1.2, b = 0.75;
  int columns = api->xColumnCount(fts);
  int phrases = api->xPhraseCount(fts);
  if (phrases > GAINSAY_MAX_PHRASES) phrases = GAINSAY_MAX_PHRASES;

  sqlite3_int64 rows = 0, tokens = 0;
  int rc = api->xRowCount(fts, &rows);
  if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &tokens);
  int instances = 0;
  if (rc == SQLITE_OK) rc = api->xInstCount(fts, &instances);

  // How often each phrase occurs in this row, each occurrence weighted by its column.
  double frequency[GAINSAY_MAX_PHRASES] = {0};
  for (int i = 0; rc == SQLITE_OK && i < instances; i++) {
    int phrase = 0, column = 0, offset = 0;
    rc = api->xInst(fts, i, &phrase, &column, &offset);
    if (rc == SQLITE_OK && phrase < phrases) frequency[phrase] += argument(values, count, column, 1.0);
  }
  int length = 0;
  if (rc == SQLITE_OK) rc = api->xColumnSize(fts, -1, &length);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(context, rc);
    return;
  }

  double average = rows > 0 && tokens > 0 ? (double)tokens / (double)rows : 1.0;
  double score = 0.0;
  for (int phrase = 0; phrase < phrases; phrase++) {
    if (frequency[phrase] <= 0.0) continue;
    double holding = argument(values, count, columns + phrase, (double)rows / 2.0);
    // An estimate can exceed the rows (or be garbage): a NaN would make the whole rank NULL.
    if (!(holding >= 0.0)) holding = 0.0;
    if (holding > (double)rows) holding = (double)rows;
    double idf = log(((double)rows - holding + 0.5) / (holding + 0.5));
    if (!(idf > 0.0)) idf = 1e-6;
    double f = frequency[phrase];
    score += idf * (f * (k1 + 1.0)) / (f + k1 * (1.0 - b + b * (double)length / average));
  }
  // As bm25: smaller is better, so ORDER BY rank puts the best first.
  sqlite3_result_double(context, -score);
}

int gainsay_fts5_api(sqlite3 *db, fts5_api **api) {
  fts5_api *fts5 = 0;
  sqlite3_stmt *statement = 0;
  *api = 0;
  int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &statement, 0);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_pointer(statement, 1, (void *)&fts5, "fts5_api_ptr", 0);
  sqlite3_step(statement);
  rc = sqlite3_finalize(statement);
  if (rc != SQLITE_OK) return rc;
  if (fts5 == 0 || fts5->iVersion < 2) return SQLITE_ERROR;
  *api = fts5;
  return SQLITE_OK;
}

int gainsay_register_rank(sqlite3 *db) {
  fts5_api *fts5 = 0;
  int rc = gainsay_fts5_api(db, &fts5);
  if (rc != SQLITE_OK) return rc;
  return fts5->xCreateFunction(fts5, "gainsay_rank", 0, gainsay_rank, 0);
}
