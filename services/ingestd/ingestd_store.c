/*  ingestd_store.c - the catalog cache, replayed receipts and the one write transaction of a feed
 */
#include "ingestd.h"

#include "log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ingestd_store_t {
    db_t *db;           //  the connection that comes back after restarts
    catalog_t *catalog; //  the catalog as last read, NULL before the first read
    PGconn *listening;  //  the connection that LISTENs on 'catalog' (borrowed), NULL if none
    int listening_pid;  //  its backend pid: a reconnect may reuse the pointer, not both
};

ingestd_store_t *
ingestd_store_new(const char *url)
{
    ingestd_store_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->db = db_new(url);
    if (!self->db) {
        free(self);
        return NULL;
    }
    return self;
}

void
ingestd_store_destroy(ingestd_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ingestd_store_t *self = *self_p;
    db_destroy(&self->db);
    catalog_destroy(&self->catalog);
    free(self);
    *self_p = NULL;
}

PGconn *
ingestd_store_conn(ingestd_store_t *self, int wait_ms)
{
    return db_conn(self->db, wait_ms);
}

int
ingestd_store_ok(ingestd_store_t *self)
{
    //  A server that went away is only noticed by a query; then one reconnect attempt.
    for (int attempt = 0; attempt < 2; attempt++) {
        PGconn *conn = db_conn(self->db, 0);
        if (!conn)
            return 0;
        PGresult *res = PQexec(conn, "SELECT 1");
        int ok = res && PQresultStatus(res) == PGRES_TUPLES_OK;
        PQclear(res);
        if (ok)
            return 1;
    }
    return 0;
}

//  True when `planctl plan load` committed since the last call (its NOTIFY catalog arrived).
//  Reads what the server already sent, without a round trip.
static int
s_catalog_notified(PGconn *conn)
{
    int notified = 0;
    PQconsumeInput(conn);
    PGnotify *n;
    while ((n = PQnotifies(conn)) != NULL) {
        notified |= strcmp(n->relname, "catalog") == 0;
        PQfreemem(n);
    }
    return notified;
}

const catalog_t *
ingestd_store_catalog(ingestd_store_t *self, PGconn *conn)
{
    int fresh_conn = conn != self->listening || PQbackendPID(conn) != self->listening_pid;
    if (!fresh_conn && self->catalog && !s_catalog_notified(conn))
        return self->catalog;
    //  A new connection missed the notices sent while there was none: LISTEN, then read, so
    //  a load that commits in between is read now or announced next time.
    if (fresh_conn) {
        self->listening = NULL;
        if (db_exec(conn, "LISTEN catalog", 0, NULL) != 0)
            return NULL;
        self->listening = conn;
        self->listening_pid = PQbackendPID(conn);
    }
    char *loads = db_scalar(conn, "SELECT count(*) FROM catalog_load", 0, NULL);
    int empty = !loads || strcmp(loads, "0") == 0;
    free(loads);
    //  Without a catalog (none loaded yet: every row would be unknown) ask again next time.
    //  One snapshot for the several queries of catalog_read: never half of a load.
    catalog_t *fresh = NULL;
    if (!empty && db_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) == 0) {
        fresh = catalog_read(conn);
        if (db_commit(conn) != 0)
            catalog_destroy(&fresh);
        db_rollback(conn);
    }
    if (!fresh) {
        self->listening = NULL;
        return NULL;
    }
    //  A notice that arrives during the read is kept: the next feed reads the catalog again.
    catalog_destroy(&self->catalog);
    self->catalog = fresh;
    log_info("catalog.loaded", "indicators=%zu targets=%zu units=%zu",
             catalog_indicator_count(fresh), catalog_target_count(fresh),
             catalog_unit_count(fresh));
    return self->catalog;
}

int
ingestd_store_receipt(PGconn *conn, const char *unit, const char *feed_id,
                      Planwatch__V1__Receipt **receipt)
{
    *receipt = NULL;
    //  The receipt comes back in binary, as the bytes it was stored as.
    const char *sql = "SELECT receipt FROM feed WHERE unit = $1 AND feed_id = $2";
    PGresult *res = PQexecParams(conn, sql, 2, NULL, DB_PARAMS(unit, feed_id), NULL, NULL, 1);
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_warnx("store.receipt_failed", "error=\"%.*s\"",
                  (int)strcspn(PQerrorMessage(conn), "\n"), PQerrorMessage(conn));
        PQclear(res);
        return -1;
    }
    int rc = 0;
    if (PQntuples(res) == 1) {
        *receipt = (Planwatch__V1__Receipt *)codec_decode_as(&planwatch__v1__receipt__descriptor,
                                                             (const uint8_t *)PQgetvalue(res, 0, 0),
                                                             (size_t)PQgetlength(res, 0, 0));
        if (*receipt)
            rc = 1;
        else {
            log_errx("store.receipt_corrupt", "unit=%s feed_id=%s", unit, feed_id);
            rc = -1;
        }
    }
    PQclear(res);
    return rc;
}

int
ingestd_store_begin(PGconn *conn, size_t ids, uint64_t *first_id, char *received_at, size_t size)
{
    *first_id = 0;
    //  The lock is held to COMMIT, so change ids commit in the order they were drawn.
    if (ids) {
        //  Constant text, two statements, one round trip.
        PGresult *res = PQexec(conn, "BEGIN; SELECT pg_advisory_xact_lock(" INGEST_CHANGE_LOCK ")");
        int ok = res && PQresultStatus(res) == PGRES_TUPLES_OK;
        if (!ok)
            log_warnx("store.begin_failed", "error=\"%.*s\"",
                      (int)strcspn(PQerrorMessage(conn), "\n"), PQerrorMessage(conn));
        PQclear(res);
        if (!ok) {
            db_rollback(conn);
            return -1;
        }
    } else if (db_begin(conn) != 0) {
        db_rollback(conn);
        return -1;
    }
    char count[24];
    snprintf(count, sizeof count, "%zu", ids);
    //  setval under the lock reserves a block of ids in one round trip.
    PGresult *res = db_query(conn,
                             "SELECT CASE WHEN $1::bigint > 0 THEN setval('change_id_seq',"
                             " nextval('change_id_seq') + $1::bigint - 1) - $1::bigint + 1"
                             " ELSE 0 END,"
                             " to_char(now(), 'YYYY-MM-DD\"T\"HH24:MI:SS.MSTZH:TZM')",
                             1, DB_PARAMS(count));
    if (!res || PQntuples(res) != 1) {
        PQclear(res);
        db_rollback(conn);
        return -1;
    }
    *first_id = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    snprintf(received_at, size, "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
    return 0;
}

int
ingestd_store_write_rows(PGconn *conn, const char *unit, const Planwatch__V1__Feed *feed,
                         const ingest_check_t *check, uint64_t first_id)
{
    uint64_t id = first_id;
    char idtext[24], value[40];
    size_t obs = 0, ms = 0;
    for (size_t i = 0; i < check->obs_count; i++)
        obs += check->obs[i].reason == INGEST_OK;
    for (size_t i = 0; i < check->ms_count; i++)
        ms += check->ms[i].reason == INGEST_OK;
    if (obs) {
        db_copy_t *copy = db_copy_begin(conn, "COPY observation (change_id, org, indicator,"
                                              " period, value, note, unit, feed_id) FROM STDIN");
        if (!copy)
            goto failed;
        for (size_t i = 0; i < check->obs_count; i++) {
            if (check->obs[i].reason != INGEST_OK)
                continue;
            const Planwatch__V1__Observation *o = feed->observations[i];
            snprintf(idtext, sizeof idtext, "%" PRIu64, id++);
            //  17 significant digits give back the exact double.
            snprintf(value, sizeof value, "%.17g", o->value);
            db_copy_field(copy, idtext);
            db_copy_field(copy, o->org);
            db_copy_field(copy, o->indicator);
            db_copy_field(copy, check->obs[i].period);
            db_copy_field(copy, value);
            db_copy_field(copy, o->note);
            db_copy_field(copy, unit);
            db_copy_field(copy, feed->feed_id);
            db_copy_row_end(copy);
        }
        if (db_copy_end(&copy) != (long)obs)
            goto failed;
    }
    if (ms) {
        db_copy_t *copy = db_copy_begin(conn, "COPY milestone_report (change_id, target, state,"
                                              " reached_on, evidence, unit, feed_id) FROM STDIN");
        if (!copy)
            goto failed;
        for (size_t i = 0; i < check->ms_count; i++) {
            if (check->ms[i].reason != INGEST_OK)
                continue;
            const Planwatch__V1__MilestoneReport *m = feed->milestones[i];
            snprintf(idtext, sizeof idtext, "%" PRIu64, id++);
            db_copy_field(copy, idtext);
            db_copy_field(copy, check->ms[i].target->code);
            db_copy_field(copy, m->state);
            db_copy_field(copy, check->ms[i].date);
            db_copy_field(copy, m->evidence);
            db_copy_field(copy, unit);
            db_copy_field(copy, feed->feed_id);
            db_copy_row_end(copy);
        }
        if (db_copy_end(&copy) != (long)ms)
            goto failed;
    }
    return 0;
failed:
    db_rollback(conn);
    return -1;
}

int
ingestd_store_finish(PGconn *conn, const char *unit, const char *feed_id, size_t accepted,
                     size_t rejected, const uint8_t *receipt, size_t receipt_size,
                     uint64_t last_change_id)
{
    char acc[24], rej[24], last[24];
    snprintf(acc, sizeof acc, "%zu", accepted);
    snprintf(rej, sizeof rej, "%zu", rejected);
    snprintf(last, sizeof last, "%" PRIu64, last_change_id);
    const char *values[] = {unit, feed_id, acc, rej, (const char *)receipt, last};
    const int lengths[] = {0, 0, 0, 0, (int)receipt_size, 0};
    const int formats[] = {0, 0, 0, 0, 1, 0}; //  the receipt travels as binary bytea
    PGresult *res = PQexecParams(conn,
                                 "INSERT INTO feed (unit, feed_id, accepted, rejected, receipt,"
                                 " change_id) VALUES ($1, $2, $3, $4, $5, $6)"
                                 " ON CONFLICT (unit, feed_id) DO NOTHING",
                                 6, NULL, values, lengths, formats, 0);
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        log_warnx("store.feed_insert_failed", "error=\"%.*s\"",
                  (int)strcspn(PQerrorMessage(conn), "\n"), PQerrorMessage(conn));
        PQclear(res);
        db_rollback(conn);
        return -1;
    }
    int inserted = strcmp(PQcmdTuples(res), "1") == 0;
    PQclear(res);
    if (!inserted) {
        //  Another delivery of the same feed committed first: keep its rows, drop ours.
        db_rollback(conn);
        return 1;
    }
    if (db_commit(conn) != 0) {
        db_rollback(conn);
        return -1;
    }
    return 0;
}
