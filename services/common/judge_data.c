/*  judge_data.c - the judge's figures: the latest version of every figure and every milestone
    report, loaded in one pass and then followed by change id */
#include "judge_data.h"

#include "db.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

// ---------------------------------------------------------------------------------------------
//  Figures

size_t
judge_data_index(zhashx_t *index, const char *code)
{
    return (size_t)(uintptr_t)zhashx_lookup(index, code);
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

static void
s_data_clear(judge_data_t *self)
{
    for (size_t i = 0; self->grid && i < self->n_orgs * self->n_inds; i++) {
        free(self->grid[i].value);
        free(self->grid[i].cid);
        memset(&self->grid[i], 0, sizeof self->grid[i]);
    }
    for (size_t i = 0; self->reports && i < self->n_targets; i++) {
        free(self->reports[i].items);
        memset(&self->reports[i], 0, sizeof self->reports[i]);
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
    s_data_clear(self);
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
    if (s_series_reserve(s, t) != 0)
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

//  The figure of period t, or NULL.
const double *
judge_series_at(const series_t *s, int t)
{
    if (t < s->t0 || t >= s->t0 + s->n || s->cid[t - s->t0] == 0)
        return NULL;
    return &s->value[t - s->t0];
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

//  Splits a COPY text row into n fields in place (no field of ours holds a tab or backslash
//  escape: codes are ASCII, periods and numbers plain). Returns 0 or -1.
static int
s_split(char *row, int len, char **fields, int n)
{
    if (len > 0 && row[len - 1] == '\n')
        row[--len] = '\0';
    int k = 0;
    fields[k++] = row;
    for (int i = 0; i < len && k <= n; i++)
        if (row[i] == '\t') {
            row[i] = '\0';
            if (k < n)
                fields[k] = row + i + 1;
            k++;
        }
    return k == n ? 0 : -1;
}

//  Streams every observation row of the snapshot (versions included) and keeps the latest.
static int
s_load_observations(judge_data_t *self, PGconn *conn, bool known)
{
    static const char *const sql_all =
        "COPY (SELECT org, indicator, period, value, change_id FROM observation) TO STDOUT";
    //  known-at: received by the end of that day in China Standard Time.
    static const char *const sql_known =
        "COPY (SELECT org, indicator, period, value, change_id FROM observation"
        " WHERE received_at < ((current_setting('planwatch.known_at')::date + 1)::timestamp"
        " AT TIME ZONE 'Asia/Shanghai')) TO STDOUT";
    PGresult *res = PQexec(conn, known ? sql_known : sql_all);
    if (!res || PQresultStatus(res) != PGRES_COPY_OUT) {
        log_warnx("judge.load_failed", "error=\"%.*s\"", (int)strcspn(PQerrorMessage(conn), "\n"),
                  PQerrorMessage(conn));
        PQclear(res);
        return -1;
    }
    PQclear(res);
    int rc = 0, len;
    char *row;
    while ((len = PQgetCopyData(conn, &row, 0)) > 0) {
        char *f[5];
        if (rc == 0 && s_split(row, len, f, 5) == 0)
            rc = s_add_observation(self, f[0], f[1], f[2], strtod(f[3], NULL),
                                   strtoll(f[4], NULL, 10), NULL);
        PQfreemem(row);
    }
    if (len == -2)
        rc = -1;
    while ((res = PQgetResult(conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            log_warnx("judge.load_failed", "error=\"%.*s\"",
                      (int)strcspn(PQresultErrorMessage(res), "\n"), PQresultErrorMessage(res));
            rc = -1;
        }
        PQclear(res);
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

int
judge_data_load(judge_data_t *self, PGconn *conn, const day_t *known_at)
{
    bool own = PQtransactionStatus(conn) == PQTRANS_IDLE;
    if (own && db_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) != 0)
        return -1;
    s_data_clear(self);
    int rc = 0;
    if (known_at) {
        char day[DAY_TEXT_SIZE];
        day_format(*known_at, day);
        rc = db_exec(conn, "SELECT set_config('planwatch.known_at', $1, true)", 1, DB_PARAMS(day));
    }
    if (rc == 0)
        rc = s_load_observations(self, conn, known_at != NULL);
    if (rc == 0 && s_load_reports(self, conn, known_at != NULL, 0, NULL) < 0)
        rc = -1;
    if (own) {
        if (rc == 0)
            rc = db_commit(conn);
        else
            db_rollback(conn);
    }
    if (rc != 0)
        s_data_clear(self);
    return rc;
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

size_t
judge_touch_size(const judge_touch_t *self)
{
    return zhashx_size(self->keys);
}
