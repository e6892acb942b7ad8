#ifndef GAINSAY_FTS5_ACCESS_H
#define GAINSAY_FTS5_ACCESS_H

#include <sqlite3.h>

/// The FTS5 API of `db` (version 2 or later) in `*api`; returns an SQLite result code.
int gainsay_fts5_api(sqlite3 *db, fts5_api **api);

#endif
