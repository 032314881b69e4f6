/*  judge_data.c - the judge's figures: the latest version of every figure and every milestone
    report, loaded in one pass and then followed by change id */
#include "judge_data.h"

#include "db.h"
#include "log.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

// ---------------------------------------------------------------------------------------------
//  Figures

size_t
judge_data_index(zhashx_t *index, const char *code)
{
    return (size_t)(uintptr_t)zhashx_lookup(index, code);
}

static uint32_t
s_code_hash(uint16_t kind, const char *text, size_t len)
{
    uint32_t h = 2166136261u ^ kind;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)text[i];
        h *= 16777619u;
    }
    return h;
}

static void
s_code_add(judge_data_t *self, uint16_t kind, const char *code, size_t index)
{
    size_t len = strlen(code);
    size_t slot = s_code_hash(kind, code, len) & self->code_mask;
    while (self->codes[slot].code)
        slot = (slot + 1) & self->code_mask;
    self->codes[slot] = (code_slot_t){code, (uint32_t)len, kind, (uint32_t)(index + 1)};
}

//  Index + 1 of an org unit (kind 0) or indicator (kind 1) code given by bytes, 0 if unknown.
static size_t
s_code_find(const judge_data_t *self, uint16_t kind, const char *text, size_t len)
{
    size_t slot = s_code_hash(kind, text, len) & self->code_mask;
    for (const code_slot_t *c = &self->codes[slot]; c->code;
         slot = (slot + 1) & self->code_mask, c = &self->codes[slot])
        if (c->kind == kind && c->len == len && memcmp(c->code, text, len) == 0)
            return c->index;
    return 0;
}

judge_data_t *
judge_data_new(const catalog_t *catalog)
{
    judge_data_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->cat = catalog;
    self->n_orgs = catalog_org_count(catalog);
    self->n_inds = catalog_indicator_count(catalog);
    self->n_targets = catalog_target_count(catalog);
    self->org_index = zhashx_new();
    self->ind_index = zhashx_new();
    self->tgt_index = zhashx_new();
    self->grid = calloc(self->n_orgs * self->n_inds + 1, sizeof *self->grid);
    self->reports = calloc(self->n_targets + 1, sizeof *self->reports);
    self->children = calloc(self->n_orgs + 1, sizeof *self->children);
    self->child_count = calloc(self->n_orgs + 1, sizeof *self->child_count);
    if (!self->org_index || !self->ind_index || !self->tgt_index || !self->grid || !self->reports ||
        !self->children || !self->child_count) {
        judge_data_destroy(&self);
        return NULL;
    }
    size_t slots = 16;
    while (slots < 4 * (self->n_orgs + self->n_inds))
        slots *= 2;
    self->codes = calloc(slots, sizeof *self->codes);
    if (!self->codes) {
        judge_data_destroy(&self);
        return NULL;
    }
    self->code_mask = slots - 1;
    for (size_t i = 0; i < self->n_orgs; i++)
        s_code_add(self, 0, catalog_org_at(catalog, i)->code, i);
    for (size_t i = 0; i < self->n_inds; i++)
        s_code_add(self, 1, catalog_indicator_at(catalog, i)->code, i);
    self->nation = -1;
    for (size_t i = 0; i < self->n_orgs; i++) {
        const org_unit_t *o = catalog_org_at(catalog, i);
        zhashx_insert(self->org_index, o->code, (void *)(uintptr_t)(i + 1));
        if (strcmp(o->code, NATION_ORG) == 0)
            self->nation = (int)i;
    }
    for (size_t i = 0; i < self->n_inds; i++)
        zhashx_insert(self->ind_index, catalog_indicator_at(catalog, i)->code,
                      (void *)(uintptr_t)(i + 1));
    for (size_t i = 0; i < self->n_targets; i++)
        zhashx_insert(self->tgt_index, catalog_target_at(catalog, i)->code,
                      (void *)(uintptr_t)(i + 1));
    for (size_t c = 0; c < self->n_orgs; c++) {
        const org_unit_t *city = catalog_org_at(catalog, c);
        size_t parent =
            city->level == ORG_CITY ? judge_data_index(self->org_index, city->parent) : 0;
        if (!parent)
            continue;
        int *list = realloc(self->children[parent - 1],
                            (size_t)(self->child_count[parent - 1] + 1) * sizeof *list);
        if (!list) {
            judge_data_destroy(&self);
            return NULL;
        }
        list[self->child_count[parent - 1]++] = (int)c;
        self->children[parent - 1] = list;
    }
    return self;
}

//  Empties the figures. Series keep their arrays for the next load (a full reload then
//  allocates nothing); free_arrays releases them too.
static void
s_data_clear(judge_data_t *self, bool free_arrays)
{
    for (size_t i = 0; self->grid && i < self->n_orgs * self->n_inds; i++) {
        series_t *s = &self->grid[i];
        if (free_arrays) {
            free(s->value);
            free(s->cid);
            memset(s, 0, sizeof *s);
        } else
            s->n = 0;
    }
    for (size_t i = 0; self->reports && i < self->n_targets; i++) {
        if (free_arrays) {
            free(self->reports[i].items);
            memset(&self->reports[i], 0, sizeof self->reports[i]);
        } else
            self->reports[i].count = 0;
    }
    self->figures = 0;
    self->change_id = 0;
}

void
judge_data_destroy(judge_data_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    judge_data_t *self = *self_p;
    s_data_clear(self, true);
    free(self->codes);
    for (size_t i = 0; self->children && i < self->n_orgs; i++)
        free(self->children[i]);
    free(self->children);
    free(self->child_count);
    free(self->grid);
    free(self->reports);
    zhashx_destroy(&self->org_index);
    zhashx_destroy(&self->ind_index);
    zhashx_destroy(&self->tgt_index);
    free(self);
    *self_p = NULL;
}

int64_t
judge_data_change_id(const judge_data_t *self)
{
    return self->change_id;
}

void
judge_data_set_change_id(judge_data_t *self, int64_t change_id)
{
    self->change_id = change_id;
}

size_t
judge_data_size(const judge_data_t *self)
{
    return self->figures;
}

series_t *
judge_data_series(const judge_data_t *self, size_t org, size_t ind)
{
    return &self->grid[org * self->n_inds + ind];
}

//  Makes room for slots [t0', t0' + n') covering t. Returns 0 or -1 on out-of-memory.
static int
s_series_reserve(series_t *s, int t)
{
    int lo = s->n ? (t < s->t0 ? t : s->t0) : t;
    int hi = s->n ? (t >= s->t0 + s->n ? t : s->t0 + s->n - 1) : t;
    int need = hi - lo + 1;
    if (need > s->cap) {
        int cap = s->cap ? s->cap : 16;
        while (cap < need)
            cap *= 2;
        double *value = realloc(s->value, (size_t)cap * sizeof *value);
        if (value)
            s->value = value;
        int64_t *cid = realloc(s->cid, (size_t)cap * sizeof *cid);
        if (cid)
            s->cid = cid;
        if (!value || !cid)
            return -1;
        s->cap = cap;
    }
    if (s->n == 0) {
        s->t0 = t;
        s->n = 1;
        s->cid[0] = 0;
        return 0;
    }
    if (lo < s->t0) {
        int shift = s->t0 - lo;
        memmove(s->value + shift, s->value, (size_t)s->n * sizeof *s->value);
        memmove(s->cid + shift, s->cid, (size_t)s->n * sizeof *s->cid);
        memset(s->cid, 0, (size_t)shift * sizeof *s->cid);
        s->t0 = lo;
        s->n += shift;
    }
    if (hi >= s->t0 + s->n) {
        memset(s->cid + s->n, 0, (size_t)(hi - s->t0 + 1 - s->n) * sizeof *s->cid);
        s->n = hi - s->t0 + 1;
    }
    return 0;
}

//  Keeps the version with the highest change id of each period.
static int
s_series_put(judge_data_t *self, series_t *s, int t, double value, int64_t cid)
{
    if ((s->n == 0 || t < s->t0 || t >= s->t0 + s->n) && s_series_reserve(s, t) != 0)
        return -1;
    int slot = t - s->t0;
    if (s->cid[slot] == 0)
        self->figures++;
    if (cid > s->cid[slot]) {
        s->cid[slot] = cid;
        s->value[slot] = value;
    }
    return 0;
}

bool
judge_data_value(const judge_data_t *self, const char *org, const char *indicator,
                 const char *period, double *value)
{
    size_t o = judge_data_index(self->org_index, org),
           x = judge_data_index(self->ind_index, indicator);
    if (!o || !x)
        return false;
    period_t p;
    if (period_parse(period, catalog_indicator_at(self->cat, x - 1)->period, &p) != 0)
        return false;
    const double *v = judge_series_at(judge_data_series(self, o - 1, x - 1), rules_ordinal(&p));
    if (v && value)
        *value = *v;
    return v != NULL;
}

//  Adds one observation row. Unknown codes and periods of the wrong type are skipped: the
//  catalog's foreign keys make them impossible short of a catalog change in flight.
static int
s_add_observation(judge_data_t *self, const char *org, const char *indicator, const char *period,
                  double value, int64_t cid, judge_touch_t *touched)
{
    size_t o = judge_data_index(self->org_index, org),
           x = judge_data_index(self->ind_index, indicator);
    if (cid > self->change_id)
        self->change_id = cid;
    if (!o || !x)
        return 0;
    period_t p;
    if (period_parse(period, catalog_indicator_at(self->cat, x - 1)->period, &p) != 0)
        return 0;
    if (touched)
        judge_touch_series(touched, org, indicator);
    return s_series_put(self, judge_data_series(self, o - 1, x - 1), rules_ordinal(&p), value, cid);
}

static int
s_add_report(judge_data_t *self, const char *target, const char *state, const char *reached_on,
             int64_t cid, judge_touch_t *touched)
{
    if (cid > self->change_id)
        self->change_id = cid;
    size_t t = judge_data_index(self->tgt_index, target);
    day_t day;
    if (!t || day_parse(reached_on, &day) != 0)
        return 0;
    reports_t *r = &self->reports[t - 1];
    for (size_t i = 0; i < r->count; i++)
        if (r->items[i].change_id == cid)
            return 0;
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4;
        report_t *items = realloc(r->items, cap * sizeof *items);
        if (!items)
            return -1;
        r->items = items;
        r->cap = cap;
    }
    r->items[r->count++] = (report_t){strcmp(state, "done") == 0, day, cid};
    if (touched)
        judge_touch_milestone(touched, target);
    return 0;
}

//  State of a binary COPY stream being read (PostgreSQL's COPY BINARY format: a header, then
//  per row an int16 field count and per field an int32 length and the bytes, all big-endian,
//  then an int16 -1).
typedef struct {
    bool header; //  the file header has been read
    bool done;   //  the trailer has been read
} copy_state_t;

static uint16_t
s_be16(const char *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return be16toh(v);
}

static uint32_t
s_be32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return be32toh(v);
}

static uint64_t
s_be64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return be64toh(v);
}

//  The ordinal of a period given by bytes ("2023", "2023Q4", "2023-06") of the given type, as
//  period_parse and rules_ordinal would compute it, without building dates. Returns 0 or -1.
static int
s_fast_ordinal(const char *p, int len, period_type_t type, int *t)
{
    int digits[7] = {0};
    for (int i = 0; i < len && i < 7; i++)
        digits[i] = p[i] - '0';
    if (len < 4)
        return -1;
    for (int i = 0; i < 4; i++)
        if (digits[i] < 0 || digits[i] > 9)
            return -1;
    int year = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3];
    if (year < 1900)
        return -1;
    switch (type) {
    case PERIOD_YEAR:
        if (len != 4)
            return -1;
        *t = year;
        return 0;
    case PERIOD_QUARTER:
        if (len != 6 || p[4] != 'Q' || digits[5] < 1 || digits[5] > 4)
            return -1;
        *t = year * 4 + digits[5] - 1;
        return 0;
    case PERIOD_MONTH: {
        if (len != 7 || p[4] != '-' || digits[5] < 0 || digits[5] > 1 || digits[6] < 0 ||
            digits[6] > 9)
            return -1;
        int month = digits[5] * 10 + digits[6];
        if (month < 1 || month > 12)
            return -1;
        *t = year * 12 + month - 1;
        return 0;
    }
    }
    return -1;
}

//  Adds the rows of one CopyData message. Returns 0, or -1 when it is not what we asked for.
static int
s_copy_rows(judge_data_t *self, copy_state_t *st, const char *buf, int len)
{
    static const char signature[] = "PGCOPY\n\377\r\n\0";
    const char *p = buf, *end = buf + len;
    if (!st->header) {
        if (len < 19 || memcmp(p, signature, 11) != 0)
            return -1;
        uint32_t ext = s_be32(p + 15);
        if ((size_t)(end - p) < 19 + (size_t)ext)
            return -1;
        p += 19 + ext;
        st->header = true;
    }
    while (p < end && !st->done) {
        if (end - p < 2)
            return -1;
        int16_t fields = (int16_t)s_be16(p);
        p += 2;
        if (fields == -1) {
            st->done = true;
            break;
        }
        if (fields != 5)
            return -1;
        const char *f[5];
        int32_t flen[5];
        for (int i = 0; i < 5; i++) {
            if (end - p < 4)
                return -1;
            flen[i] = (int32_t)s_be32(p);
            p += 4;
            if (flen[i] < 0 || end - p < flen[i])
                return -1;
            f[i] = p;
            p += flen[i];
        }
        if (flen[3] != 8 || flen[4] != 8 || flen[2] >= PERIOD_TEXT_SIZE)
            return -1;
        uint64_t bits = s_be64(f[3]);
        double value;
        memcpy(&value, &bits, sizeof value);
        int64_t cid = (int64_t)s_be64(f[4]);
        if (cid > self->change_id)
            self->change_id = cid;
        size_t o = s_code_find(self, 0, f[0], (size_t)flen[0]);
        size_t x = s_code_find(self, 1, f[1], (size_t)flen[1]);
        int t;
        if (!o || !x ||
            s_fast_ordinal(f[2], flen[2], catalog_indicator_at(self->cat, x - 1)->period, &t) != 0)
            continue;
        if (s_series_put(self, judge_data_series(self, o - 1, x - 1), t, value, cid) != 0)
            return -1;
    }
    return 0;
}

#define STREAMS_MAX 8

//  One COPY stream of the load.
typedef struct {
    PGconn *conn;    //  its connection (borrowed)
    copy_state_t st; //  where its binary stream is
    bool active;     //  rows may still come
} stream_t;

//  The COPY of a share of the table: pages [lo, hi) by TID range (hi < 0: to the end). Block
//  numbers are integers computed here, written as literals because COPY takes no parameters.
static char *
s_copy_sql(bool known, long lo, long hi)
{
    char range[128] = "";
    if (hi >= 0)
        snprintf(range, sizeof range, "%s ctid >= '(%ld,0)'::tid AND ctid < '(%ld,0)'::tid",
                 known ? " AND" : " WHERE", lo, hi);
    else if (lo > 0)
        snprintf(range, sizeof range, "%s ctid >= '(%ld,0)'::tid", known ? " AND" : " WHERE", lo);
    //  known-at: received by the end of that day in China Standard Time.
    return zsys_sprintf(
        "COPY (SELECT org, indicator, period, value, change_id FROM observation%s%s)"
        " TO STDOUT (FORMAT binary)",
        known ? " WHERE received_at < ((current_setting('planwatch.known_at')::date"
                " + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')"
              : "",
        range);
}

static void
s_copy_failed(PGconn *conn, const char *what)
{
    const char *msg = what ? what : PQerrorMessage(conn);
    log_warnx("judge.load_failed", "error=\"%.*s\"", (int)strcspn(msg, "\n"), msg);
}

//  Reads what one stream has without blocking. Returns 0, or -1 on failure.
static int
s_stream_drain(judge_data_t *self, stream_t *s)
{
    int len;
    char *buf;
    while ((len = PQgetCopyData(s->conn, &buf, 1)) > 0) {
        int rc = s_copy_rows(self, &s->st, buf, len);
        PQfreemem(buf);
        if (rc != 0) {
            s_copy_failed(s->conn, "unexpected COPY data");
            return -1;
        }
    }
    if (len == 0)
        return 0;
    s->active = false;
    int rc = len == -2 ? -1 : 0;
    PGresult *res;
    while ((res = PQgetResult(s->conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            s_copy_failed(s->conn, PQresultErrorMessage(res));
            rc = -1;
        }
        PQclear(res);
    }
    return rc;
}

//  Streams every observation row of the snapshot (versions included) in COPY's binary format
//  (no number formatting on either side) and keeps the latest version of each figure. With
//  helper connections already in the same snapshot, each stream carries a share of the table's
//  pages and they are read together.
static int
s_load_observations(judge_data_t *self, PGconn *conn, PGconn *const *helpers, size_t count,
                    long pages, bool known)
{
    stream_t streams[STREAMS_MAX];
    size_t n = 1 + (count < STREAMS_MAX - 1 ? count : STREAMS_MAX - 1);
    if (pages < (long)n)
        n = 1;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        streams[i] = (stream_t){i == 0 ? conn : helpers[i - 1], {0}, false};
        long lo = n == 1 ? 0 : pages * (long)i / (long)n;
        long hi = n == 1 || i + 1 == n ? -1 : pages * (long)(i + 1) / (long)n;
        char *sql = s_copy_sql(known, lo, hi);
        PGresult *res = NULL;
        if (rc == 0 && PQsendQuery(streams[i].conn, sql) == 1 &&
            (res = PQgetResult(streams[i].conn)) != NULL && PQresultStatus(res) == PGRES_COPY_OUT)
            streams[i].active = true;
        else if (rc == 0) {
            s_copy_failed(streams[i].conn, NULL);
            rc = -1;
        }
        PQclear(res);
        zstr_free(&sql);
    }
    for (;;) {
        zmq_pollitem_t items[STREAMS_MAX];
        stream_t *which[STREAMS_MAX];
        int k = 0;
        for (size_t i = 0; i < n; i++)
            if (streams[i].active) {
                if (rc == 0 && s_stream_drain(self, &streams[i]) != 0)
                    rc = -1;
                if (streams[i].active) {
                    items[k] = (zmq_pollitem_t){NULL, PQsocket(streams[i].conn), ZMQ_POLLIN, 0};
                    which[k++] = &streams[i];
                }
            }
        if (k == 0)
            break;
        if (rc != 0) {
            //  Stop what still runs: the connections must be usable afterwards.
            for (int i = 0; i < k; i++) {
                PGcancel *cancel = PQgetCancel(which[i]->conn);
                char err[256];
                if (cancel)
                    PQcancel(cancel, err, sizeof err);
                PQfreeCancel(cancel);
                int len;
                char *buf;
                while ((len = PQgetCopyData(which[i]->conn, &buf, 0)) > 0)
                    PQfreemem(buf);
                PGresult *res;
                while ((res = PQgetResult(which[i]->conn)) != NULL)
                    PQclear(res);
                which[i]->active = false;
            }
            break;
        }
        if (zmq_poll(items, k, 1000) < 0 && errno != EINTR) {
            rc = -1;
            continue;
        }
        for (int i = 0; i < k; i++)
            if ((items[i].revents & (ZMQ_POLLIN | ZMQ_POLLERR)) &&
                PQconsumeInput(which[i]->conn) != 1) {
                s_copy_failed(which[i]->conn, NULL);
                rc = -1;
            }
    }
    return rc;
}

static int
s_load_reports(judge_data_t *self, PGconn *conn, bool known, int64_t after, judge_touch_t *touched)
{
    char after_text[32];
    snprintf(after_text, sizeof after_text, "%lld", (long long)after);
    PGresult *res =
        known ? db_query(conn,
                         "SELECT target, state, reached_on::text, change_id FROM milestone_report"
                         " WHERE received_at < ((current_setting('planwatch.known_at')::date + 1)"
                         "::timestamp AT TIME ZONE 'Asia/Shanghai')",
                         0, NULL)
              : db_query(conn,
                         "SELECT target, state, reached_on::text, change_id FROM milestone_report"
                         " WHERE change_id > $1 ORDER BY change_id",
                         1, DB_PARAMS(after_text));
    if (!res)
        return -1;
    int rc = 0, rows = PQntuples(res);
    for (int i = 0; i < rows && rc == 0; i++)
        rc = s_add_report(self, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                          strtoll(PQgetvalue(res, i, 3), NULL, 10), touched);
    PQclear(res);
    return rc == 0 ? rows : -1;
}

//  Puts each helper in conn's snapshot (exported), with the same known-at day. Returns the
//  number of helpers ready (those that fail are left out, logged).
static size_t
s_helpers_join(PGconn *conn, PGconn *const *helpers, size_t count, const char *known,
               PGconn **ready, long *pages)
{
    *pages = 0;
    if (count == 0)
        return 0;
    PGresult *res = db_query(conn,
                             "SELECT pg_export_snapshot(), pg_relation_size('observation')"
                             " / current_setting('block_size')::bigint",
                             0, NULL);
    if (!res)
        return 0;
    char snapshot[64];
    snprintf(snapshot, sizeof snapshot, "%s", PQgetvalue(res, 0, 0));
    *pages = atol(PQgetvalue(res, 0, 1));
    PQclear(res);
    //  A snapshot id is hex digits and dashes; it goes into SET TRANSACTION SNAPSHOT as a
    //  literal (the statement takes no parameters).
    if (strspn(snapshot, "0123456789ABCDEFabcdef-") != strlen(snapshot))
        return 0;
    char set[128];
    snprintf(set, sizeof set, "SET TRANSACTION SNAPSHOT '%s'", snapshot);
    size_t n = 0;
    for (size_t i = 0; i < count && n < STREAMS_MAX - 1; i++) {
        PGconn *h = helpers[i];
        if (!h || PQstatus(h) != CONNECTION_OK || PQtransactionStatus(h) != PQTRANS_IDLE)
            continue;
        if (db_exec(h, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) != 0)
            continue;
        if (db_exec(h, set, 0, NULL) != 0 ||
            (known && db_exec(h, "SELECT set_config('planwatch.known_at', $1, true)", 1,
                              DB_PARAMS(known)) != 0)) {
            db_rollback(h);
            continue;
        }
        ready[n++] = h;
    }
    return n;
}

int
judge_data_load_parallel(judge_data_t *self, PGconn *conn, PGconn *const *helpers, size_t count,
                         const day_t *known_at)
{
    bool own = PQtransactionStatus(conn) == PQTRANS_IDLE;
    if (own && db_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) != 0)
        return -1;
    s_data_clear(self, false);
    int rc = 0;
    char day[DAY_TEXT_SIZE];
    if (known_at) {
        day_format(*known_at, day);
        rc = db_exec(conn, "SELECT set_config('planwatch.known_at', $1, true)", 1, DB_PARAMS(day));
    }
    PGconn *ready[STREAMS_MAX];
    long pages = 0;
    size_t joined =
        rc == 0 ? s_helpers_join(conn, helpers, count, known_at ? day : NULL, ready, &pages) : 0;
    if (rc == 0)
        rc = s_load_observations(self, conn, ready, joined, pages, known_at != NULL);
    for (size_t i = 0; i < joined; i++)
        db_rollback(ready[i]); //  read only: nothing to keep
    if (rc == 0 && s_load_reports(self, conn, known_at != NULL, 0, NULL) < 0)
        rc = -1;
    if (own) {
        if (rc == 0)
            rc = db_commit(conn);
        else
            db_rollback(conn);
    }
    if (rc != 0)
        s_data_clear(self, false);
    return rc;
}

int
judge_data_load(judge_data_t *self, PGconn *conn, const day_t *known_at)
{
    return judge_data_load_parallel(self, conn, NULL, 0, known_at);
}

long
judge_data_update(judge_data_t *self, PGconn *conn, judge_touch_t *touched)
{
    char after[32];
    snprintf(after, sizeof after, "%lld", (long long)self->change_id);
    int64_t start = self->change_id;
    PGresult *res = db_query(conn,
                             "SELECT org, indicator, period, value, change_id FROM observation"
                             " WHERE change_id > $1 ORDER BY change_id",
                             1, DB_PARAMS(after));
    if (!res)
        return -1;
    long rows = PQntuples(res);
    int rc = 0;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++)
        rc = s_add_observation(self, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                               PQgetvalue(res, i, 2), strtod(PQgetvalue(res, i, 3), NULL),
                               strtoll(PQgetvalue(res, i, 4), NULL, 10), touched);
    PQclear(res);
    if (rc == 0) {
        int64_t seen = self->change_id;
        self->change_id = start;
        int reports = s_load_reports(self, conn, false, start, touched);
        rc = reports < 0 ? -1 : 0;
        rows += reports > 0 ? reports : 0;
        if (seen > self->change_id)
            self->change_id = seen;
    }
    return rc == 0 ? rows : -1;
}

// ---------------------------------------------------------------------------------------------
//  Touched sets

judge_touch_t *
judge_touch_new(void)
{
    judge_touch_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->keys = zhashx_new();
    if (!self->keys) {
        free(self);
        return NULL;
    }
    return self;
}

void
judge_touch_destroy(judge_touch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy(&(*self_p)->keys);
    free(*self_p);
    *self_p = NULL;
}

void
judge_touch_series(judge_touch_t *self, const char *org, const char *indicator)
{
    char key[256];
    snprintf(key, sizeof key, "S|%s|%s", org, indicator);
    zhashx_insert(self->keys, key, (void *)1);
}

void
judge_touch_milestone(judge_touch_t *self, const char *target)
{
    char key[256];
    snprintf(key, sizeof key, "M|%s", target);
    zhashx_insert(self->keys, key, (void *)1);
}

bool
judge_touch_has_series(const judge_touch_t *self, const char *org, const char *indicator)
{
    char key[256];
    snprintf(key, sizeof key, "S|%s|%s", org, indicator);
    return zhashx_lookup(self->keys, key) != NULL;
}

bool
judge_touch_has_milestone(const judge_touch_t *self, const char *target)
{
    char key[256];
    snprintf(key, sizeof key, "M|%s", target);
    return zhashx_lookup(self->keys, key) != NULL;
}

void
judge_touch_each_series(const judge_touch_t *self,
                        void (*fn)(const char *org, const char *indicator, void *arg), void *arg)
{
    for (void *item = zhashx_first(self->keys); item; item = zhashx_next(self->keys)) {
        const char *key = zhashx_cursor(self->keys);
        if (strncmp(key, "S|", 2) != 0)
            continue;
        char org[64];
        const char *bar = strchr(key + 2, '|');
        if (!bar || (size_t)(bar - key - 2) >= sizeof org)
            continue;
        snprintf(org, sizeof org, "%.*s", (int)(bar - key - 2), key + 2);
        fn(org, bar + 1, arg);
    }
}

size_t
judge_touch_size(const judge_touch_t *self)
{
    return zhashx_size(self->keys);
}
