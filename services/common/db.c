/*  db.c - the store: reconnecting connections, parameterised queries, COPY, migrations */
#include "db.h"

#include "log.h"
#include "text.h"

#include <czmq.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

struct db_t {
    char *url;         //  connection string, may hold a password: never logged
    PGconn *conn;      //  current connection, NULL before the first connect
    int lost;          //  1 when the last check found the connection gone
    int was_connected; //  1 once a connection has been made (reconnects are logged as such)
};

db_t *
db_new(const char *url)
{
    db_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->url = strdup(url ? url : "");
    if (!self->url) {
        free(self);
        return NULL;
    }
    return self;
}

void
db_destroy(db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    db_t *self = *self_p;
    if (self->conn)
        PQfinish(self->conn);
    free(self->url);
    free(self);
    *self_p = NULL;
}

//  Our notices are PostgreSQL's: keep them off stdout, at debug level.
static void
s_notice(void *arg, const char *message)
{
    (void)arg;
    log_debug("db.notice", "message=\"%.*s\"", (int)strcspn(message, "\n"), message);
}

PGconn *
db_connect_once(const char *url)
{
    PGconn *conn = PQconnectdb(url);
    if (!conn)
        return NULL;
    if (PQstatus(conn) != CONNECTION_OK) {
        const char *msg = PQerrorMessage(conn);
        log_warnx("db.connect_failed", "error=\"%.*s\"", (int)strcspn(msg, "\n"), msg);
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, s_notice, NULL);
    db_exec(conn, "SET TIME ZONE 'Asia/Shanghai'", 0, NULL);
    return conn;
}

PGconn *
db_conn(db_t *self, int timeout_ms)
{
    assert(self);
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK) {
        self->lost = 0;
        return self->conn;
    }
    if (self->conn) {
        PQfinish(self->conn);
        self->conn = NULL;
        self->lost = 1;
        log_warnx("db.connection_lost", "action=reconnect");
    }
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : zclock_mono() + timeout_ms;
    int backoff = 100;
    while (!zsys_interrupted) {
        self->conn = db_connect_once(self->url);
        if (self->conn) {
            if (self->was_connected)
                log_info("db.reconnected", "after_ms=%d", backoff);
            self->was_connected = 1;
            return self->conn;
        }
        if (zclock_mono() + backoff > deadline)
            break;
        zclock_sleep(backoff);
        backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
    }
    return NULL;
}

PGconn *
db_take(db_t *self)
{
    PGconn *conn = self->conn;
    self->conn = NULL;
    return conn;
}

int
db_connection_lost(db_t *self)
{
    return self->lost || !self->conn || PQstatus(self->conn) != CONNECTION_OK;
}

//  Logs a failed result: the SQLSTATE and the first line of the server's message.
static void
s_log_failure(PGconn *conn, PGresult *res, const char *sql)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
    log_warnx("db.query_failed", "sqlstate=%s error=\"%.*s\" sql=\"%.60s\"", state ? state : "-",
              (int)strcspn(msg, "\n"), msg, sql);
}

PGresult *
db_query(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return res;
    s_log_failure(conn, res, sql);
    PQclear(res);
    return NULL;
}

int
db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = db_query(conn, sql, nparams, params);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

int
db_run_script(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        s_log_failure(conn, res, sql);
    PQclear(res);
    return ok ? 0 : -1;
}

char *
db_scalar(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = db_query(conn, sql, nparams, params);
    if (!res)
        return NULL;
    char *value = NULL;
    if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        value = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return value;
}

int
db_begin(PGconn *conn)
{
    return db_exec(conn, "BEGIN", 0, NULL);
}

int
db_commit(PGconn *conn)
{
    return db_exec(conn, "COMMIT", 0, NULL);
}

int
db_rollback(PGconn *conn)
{
    if (PQtransactionStatus(conn) == PQTRANS_IDLE)
        return 0;
    return db_exec(conn, "ROLLBACK", 0, NULL);
}

// ---------------------------------------------------------------------------------------------
//  COPY

#define COPY_CHUNK (256 * 1024)

struct db_copy_t {
    PGconn *conn;    //  borrowed
    char *buf;       //  pending text
    size_t len;      //  bytes pending
    size_t cap;      //  bytes allocated
    int row_started; //  a field was written in the current row
    long rows;       //  rows ended so far
    int failed;      //  a send failed; db_copy_end reports it
};

db_copy_t *
db_copy_begin(PGconn *conn, const char *copy_sql)
{
    PGresult *res = PQexec(conn, copy_sql);
    if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
        s_log_failure(conn, res, copy_sql);
        PQclear(res);
        return NULL;
    }
    PQclear(res);
    db_copy_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->conn = conn;
    self->cap = COPY_CHUNK + 1024;
    self->buf = malloc(self->cap);
    if (!self->buf) {
        free(self);
        return NULL;
    }
    return self;
}

static void
s_copy_reserve(db_copy_t *self, size_t more)
{
    if (self->len + more <= self->cap)
        return;
    size_t cap = self->cap;
    while (cap < self->len + more)
        cap *= 2;
    char *buf = realloc(self->buf, cap);
    if (!buf)
        log_fatal(1, "oom", "what=copy_buffer bytes=%zu", cap);
    self->buf = buf;
    self->cap = cap;
}

static void
s_copy_flush(db_copy_t *self)
{
    if (self->len == 0 || self->failed)
        return;
    if (PQputCopyData(self->conn, self->buf, (int)self->len) != 1) {
        self->failed = 1;
        log_warnx("db.copy_failed", "error=\"%.*s\"",
                  (int)strcspn(PQerrorMessage(self->conn), "\n"), PQerrorMessage(self->conn));
    }
    self->len = 0;
}

void
db_copy_field(db_copy_t *self, const char *value)
{
    size_t vlen = value ? strlen(value) : 0;
    s_copy_reserve(self, 2 * vlen + 4);
    if (self->row_started)
        self->buf[self->len++] = '\t';
    self->row_started = 1;
    if (!value) {
        memcpy(self->buf + self->len, "\\N", 2);
        self->len += 2;
        return;
    }
    for (const char *p = value; *p; p++) {
        char c = *p;
        const char *esc = c == '\\'   ? "\\\\"
                          : c == '\t' ? "\\t"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                                      : NULL;
        if (esc) {
            self->buf[self->len++] = esc[0];
            self->buf[self->len++] = esc[1];
        } else
            self->buf[self->len++] = c;
    }
}

void
db_copy_row_end(db_copy_t *self)
{
    s_copy_reserve(self, 1);
    self->buf[self->len++] = '\n';
    self->row_started = 0;
    self->rows++;
    if (self->len >= COPY_CHUNK)
        s_copy_flush(self);
}

long
db_copy_end(db_copy_t **self_p)
{
    if (!self_p || !*self_p)
        return -1;
    db_copy_t *self = *self_p;
    s_copy_flush(self);
    long result = self->rows;
    if (PQputCopyEnd(self->conn, self->failed ? "client failed" : NULL) != 1)
        self->failed = 1;
    PGresult *res;
    while ((res = PQgetResult(self->conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            if (!self->failed)
                s_log_failure(self->conn, res, "COPY");
            self->failed = 1;
        }
        PQclear(res);
    }
    if (self->failed)
        result = -1;
    free(self->buf);
    free(self);
    *self_p = NULL;
    return result;
}

// ---------------------------------------------------------------------------------------------
//  Migrations

static int
s_name_compare(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

//  Applies one migration file in its own transaction. Returns 1 applied, 0 already there, -1.
static int
s_migrate_one(PGconn *conn, const char *dir, const char *name)
{
    char version[16];
    snprintf(version, sizeof version, "%d", atoi(name));
    char *seen =
        db_scalar(conn, "SELECT 1 FROM schema_migration WHERE version = $1", 1, DB_PARAMS(version));
    if (seen) {
        free(seen);
        return 0;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t size = 0;
    char *sql = text_read_file(path, &size);
    if (!sql) {
        log_warn("db.migration_unreadable", "file=%s", path);
        return -1;
    }
    int rc = -1;
    if (db_begin(conn) == 0) {
        //  A migration is a constant file of the repository, never data.
        if (db_run_script(conn, sql) == 0 &&
            db_exec(conn, "INSERT INTO schema_migration (version, name) VALUES ($1, $2)", 2,
                    DB_PARAMS(version, name)) == 0 &&
            db_commit(conn) == 0) {
            log_info("db.migrated", "version=%s file=%s", version, name);
            rc = 1;
        } else {
            log_warnx("db.migration_failed", "file=%s", name);
            db_rollback(conn);
        }
    }
    free(sql);
    return rc;
}

int
db_migrate(PGconn *conn, const char *dir)
{
    if (db_exec(conn,
                "CREATE TABLE IF NOT EXISTS schema_migration ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())",
                0, NULL) != 0)
        return -1;
    DIR *d = opendir(dir);
    if (!d) {
        log_warn("db.migrations_missing", "dir=%s", dir);
        return -1;
    }
    char *names[512] = {0};
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && count < 512) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0 && e->d_name[0] >= '0' &&
            e->d_name[0] <= '9')
            names[count++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof names[0], s_name_compare);

    int applied = 0;
    //  Session lock: a second migrator waits here until the first is done.
    if (db_exec(conn, "SELECT pg_advisory_lock(4300001)", 0, NULL) != 0)
        applied = -1;
    for (size_t i = 0; i < count && applied >= 0; i++) {
        int rc = s_migrate_one(conn, dir, names[i]);
        applied = rc < 0 ? -1 : applied + rc;
    }
    db_exec(conn, "SELECT pg_advisory_unlock(4300001)", 0, NULL);
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    return applied;
}

int
db_schema_version(PGconn *conn)
{
    PGresult *res = PQexec(conn, "SELECT coalesce(max(version), 0) FROM schema_migration");
    int version = -1;
    if (res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        version = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return version;
}
