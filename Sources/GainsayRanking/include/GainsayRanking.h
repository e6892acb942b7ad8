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

#endif
