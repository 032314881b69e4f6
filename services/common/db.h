/*  db.h - the store: connections that come back after PostgreSQL restarts, queries with
    parameters only, COPY for bulk rows, numbered migrations.

    SQL text is always a constant; data travels as parameters ($1, $2 ...) or COPY rows.
*/
#ifndef PW_DB_H
#define PW_DB_H

#include <libpq-fe.h>
#include <stddef.h>

typedef struct db_t db_t;

//  Builds the parameter array of a query: db_query(c, sql, 2, DB_PARAMS(a, b)).
#define DB_PARAMS(...) ((const char *const[]){__VA_ARGS__})

//  Creates a handle for the URL (libpq connection string or postgresql:// URL); does not
//  connect. Returns NULL on out-of-memory. The URL is copied; it may hold a password, so it is
//  never logged.
db_t *db_new(const char *url);

//  Closes the connection and frees the handle; sets *self_p to NULL. Idempotent.
void db_destroy(db_t **self_p);

//  Returns a live connection, connecting or reconnecting with exponential backoff (100 ms up to
//  5 s) for at most timeout_ms (-1: until interrupted by SIGINT/SIGTERM through CZMQ's
//  zsys_interrupted). Returns NULL when it gave up. The connection is borrowed from the handle.
PGconn *db_conn(db_t *self, int timeout_ms);

//  Takes the current connection out of the handle; the caller owns it (PQfinish). NULL if none.
PGconn *db_take(db_t *self);

//  True when the last failure was the connection going away (the caller retries its unit of work
//  after db_conn reconnects).
int db_connection_lost(db_t *self);

//  Connects once, with no retry. Returns an owned connection or NULL (error logged).
PGconn *db_connect_once(const char *url);

//  Runs a query. Returns the result when it succeeded (the caller PQclears it), or NULL after
//  logging the server's message.
PGresult *db_query(PGconn *conn, const char *sql, int nparams, const char *const *params);

//  Runs a statement whose rows are not needed. Returns 0 or -1 (logged).
int db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params);

//  Runs constant SQL text holding several statements and no parameters (a migration file, a
//  test's reset). Never pass text built from data. Returns 0 or -1 (logged).
int db_run_script(PGconn *conn, const char *sql);

//  The first column of the first row as a newly allocated string (the caller frees it), or NULL
//  when the query failed or returned no row or NULL.
char *db_scalar(PGconn *conn, const char *sql, int nparams, const char *const *params);

//  BEGIN / COMMIT / ROLLBACK. Return 0 or -1.
int db_begin(PGconn *conn);
int db_commit(PGconn *conn);
int db_rollback(PGconn *conn);

//  A buffer of COPY text-format rows, sent in large chunks.
typedef struct db_copy_t db_copy_t;

//  Starts `COPY <table (columns)> FROM STDIN` (copy_sql is the whole constant statement).
//  Returns NULL on failure (logged).
db_copy_t *db_copy_begin(PGconn *conn, const char *copy_sql);

//  Appends one field; NULL writes \N. Fields of a row are separated automatically.
void db_copy_field(db_copy_t *self, const char *value);

//  Ends the current row.
void db_copy_row_end(db_copy_t *self);

//  Sends the rest and finishes the COPY; frees the buffer and sets *self_p to NULL.
//  Returns the number of rows copied, or -1 on failure (logged, the transaction is aborted).
long db_copy_end(db_copy_t **self_p);

//  Applies every deploy migration NNN_name.sql in dir that the schema_migration table has not
//  recorded, each in its own transaction, under an advisory lock so that concurrent callers
//  wait for each other. Returns the number applied, or -1 (logged, the failing one rolled back).
int db_migrate(PGconn *conn, const char *dir);

//  The highest migration version recorded, 0 when none, -1 when the table cannot be read.
int db_schema_version(PGconn *conn);

#endif
