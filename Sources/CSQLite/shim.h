// The system SQLite, for the CLI's check of the backups it writes.
#include <sqlite3.h>
