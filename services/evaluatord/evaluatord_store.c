/*  evaluatord_store.c - statuses in the store: diff, status_change + status rows, watermark */
#include "evaluatord.h"

#include "db.h"
#include "log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

//  Evidence is written in one canonical text (compact, sorted keys, 15 significant digits) and
//  compared by the digest of that text, kept next to it (status.evidence_digest, 005).
#define EVIDENCE_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15))

//  A status row as stored.
typedef struct {
    char *key;         //  subject key
    status_t status;   //  stored status
    bool has_progress; //  progress is not NULL
    double progress;   //  P
    int due_soon_days; //  stored lead time
    bool awaiting;     //  stored flag
    char digest[17];   //  digest of the canonical evidence text, "" when unknown
    char *org;         //  org unit
    char *indicator;   //  duties: the series ("" for targets)
    char *unit;        //  duties: the unit
    char *period;      //  the period
    char *deadline;    //  YYYY-MM-DD or ""
    bool seen;         //  a judged subject matched it
} stored_t;

static void
s_stored_destroy(void **item)
{
    stored_t *s = *item;
    if (!s)
        return;
    free(s->key), free(s->org), free(s->indicator), free(s->unit);
    free(s->period), free(s->deadline), free(s);
    *item = NULL;
}

void
evaluatord_change_destroy(evaluatord_change_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    evaluatord_change_t *c = *self_p;
    free(c->key), free(c->target), free(c->org), free(c->period), free(c->indicator);
    free(c->unit), free(c->old_status), free(c->new_status), free(c->evidence), free(c);
    *self_p = NULL;
}

static char *
s_dup(const char *s)
{
    char *copy = strdup(s ? s : "");
    if (!copy)
        log_fatal(1, "oom", "what=string");
    return copy;
}

#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME  1099511628211ULL

static uint64_t
s_fnv(uint64_t h, const void *bytes, size_t size)
{
    for (const unsigned char *p = bytes; size--; p++) {
        h ^= *p;
        h *= FNV_PRIME;
    }
    return h;
}

//  FNV-1a 64 over the evidence tree itself (type tags, keys in their order, string bytes,
//  number bits), so that unchanged evidence is recognised without printing it.
static uint64_t
s_json_hash(uint64_t h, const json_t *v)
{
    unsigned char tag = (unsigned char)json_typeof(v);
    h = s_fnv(h, &tag, 1);
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *item;
        json_object_foreach((json_t *)v, key, item)
        {
            h = s_fnv(h, key, strlen(key) + 1);
            h = s_json_hash(h, item);
        }
        break;
    }
    case JSON_ARRAY:
        for (size_t i = 0; i < json_array_size(v); i++)
            h = s_json_hash(h, json_array_get(v, i));
        break;
    case JSON_STRING:
        h = s_fnv(h, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER: {
        json_int_t i = json_integer_value(v);
        h = s_fnv(h, &i, sizeof i);
        break;
    }
    case JSON_REAL: {
        double d = json_real_value(v);
        h = s_fnv(h, &d, sizeof d);
        break;
    }
    default:
        break;
    }
    return h;
}

static void
s_digest(const json_t *evidence, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)s_json_hash(FNV_OFFSET, evidence));
}

//  A PostgreSQL text[] literal of the strings (each quoted, " and \ escaped). Owned.
static char *
s_text_array(char **items, size_t count)
{
    size_t size = 3;
    for (size_t i = 0; i < count; i++)
        size += 2 * strlen(items[i]) + 3;
    char *out = malloc(size), *p = out;
    if (!out)
        log_fatal(1, "oom", "what=array");
    *p++ = '{';
    for (size_t i = 0; i < count; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        for (const char *s = items[i]; *s; s++) {
            if (*s == '"' || *s == '\\')
                *p++ = '\\';
            *p++ = *s;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

#define STATUS_COLUMNS                                                                             \
    "key, status, progress, due_soon_days, awaiting, evidence_digest, org,"                        \
    " coalesce(indicator, ''), coalesce(unit, ''), period, coalesce(deadline::text, '')"

//  Collects the touched series as two parallel lists (org, indicator).
static void
s_collect_series(const char *org, const char *indicator, void *arg)
{
    zlist_t **lists = arg;
    zlist_append(lists[0], (void *)org);
    zlist_append(lists[1], (void *)indicator);
}

//  A text[] literal of a list of strings. Owned.
static char *
s_list_array(zlist_t *list)
{
    size_t n = zlist_size(list), i = 0;
    char **items = malloc((n + 1) * sizeof *items);
    if (!items)
        log_fatal(1, "oom", "what=array");
    for (char *s = zlist_first(list); s; s = zlist_next(list))
        items[i++] = s;
    char *array = s_text_array(items, n);
    free(items);
    return array;
}

//  Reads the stored rows of the judged keys (all rows when touched is NULL) and the
//  REPORT_OVERDUE duties of the touched series. Returns an owned hash key -> stored_t, or NULL.
static zhashx_t *
s_load_stored(PGconn *conn, const judge_report_t *report, const judge_touch_t *touched)
{
    PGresult *res;
    if (!touched)
        res = db_query(conn, "SELECT " STATUS_COLUMNS " FROM status", 0, NULL);
    else {
        size_t n = judge_report_count(report);
        char **keys = malloc((n + 1) * sizeof *keys);
        if (!keys)
            log_fatal(1, "oom", "what=keys");
        for (size_t i = 0; i < n; i++)
            keys[i] = (char *)judge_report_at(report, i)->key;
        char *array = s_text_array(keys, n);
        free(keys);
        zlist_t *lists[2] = {zlist_new(), zlist_new()};
        zlist_autofree(lists[0]);
        zlist_autofree(lists[1]);
        judge_touch_each_series(touched, s_collect_series, lists);
        char *orgs = s_list_array(lists[0]), *indicators = s_list_array(lists[1]);
        res = db_query(conn,
                       "SELECT " STATUS_COLUMNS " FROM status WHERE key = ANY($1::text[])"
                       " UNION ALL SELECT " STATUS_COLUMNS " FROM status"
                       " WHERE status = 'REPORT_OVERDUE' AND (org, indicator) IN"
                       " (SELECT unnest($2::text[]), unnest($3::text[]))"
                       " AND NOT key = ANY($1::text[])",
                       3, DB_PARAMS(array, orgs, indicators));
        free(array);
        free(orgs);
        free(indicators);
        zlist_destroy(&lists[0]);
        zlist_destroy(&lists[1]);
    }
    if (!res)
        return NULL;
    zhashx_t *stored = zhashx_new();
    zhashx_set_destructor(stored, s_stored_destroy);
    for (int i = 0; i < PQntuples(res); i++) {
        stored_t *s = calloc(1, sizeof *s);
        if (!s)
            log_fatal(1, "oom", "what=stored");
        s->key = s_dup(PQgetvalue(res, i, 0));
        rules_status_parse(PQgetvalue(res, i, 1), &s->status);
        s->has_progress = !PQgetisnull(res, i, 2);
        s->progress = s->has_progress ? strtod(PQgetvalue(res, i, 2), NULL) : 0;
        s->due_soon_days = atoi(PQgetvalue(res, i, 3));
        s->awaiting = PQgetvalue(res, i, 4)[0] == 't';
        snprintf(s->digest, sizeof s->digest, "%s", PQgetvalue(res, i, 5));
        s->org = s_dup(PQgetvalue(res, i, 6));
        s->indicator = s_dup(PQgetvalue(res, i, 7));
        s->unit = s_dup(PQgetvalue(res, i, 8));
        s->period = s_dup(PQgetvalue(res, i, 9));
        s->deadline = s_dup(PQgetvalue(res, i, 10));
        zhashx_update(stored, s->key, s);
    }
    PQclear(res);
    return stored;
}

static bool
s_same_progress(bool has_a, double a, bool has_b, double b)
{
    if (has_a != has_b)
        return false;
    return !has_a || fabs(a - b) <= 1e-12 * (fabs(b) > 1 ? fabs(b) : 1);
}

static void
s_format_double(double v, char *buf, size_t size)
{
    snprintf(buf, size, "%.17g", v);
}

//  Inserts the status_change row and upserts the status row of one change; sets its id.
static int
s_write_change(PGconn *conn, evaluatord_change_t *c)
{
    char progress[64], due[16];
    const char *digest = c->digest;
    if (c->has_progress)
        s_format_double(c->progress, progress, sizeof progress);
    snprintf(due, sizeof due, "%d", c->due_soon_days);
    const char *params[] = {c->key,
                            *c->target ? c->target : NULL,
                            c->org,
                            c->period,
                            *c->indicator ? c->indicator : NULL,
                            *c->unit ? c->unit : NULL,
                            *c->old_status ? c->old_status : NULL,
                            c->new_status,
                            c->has_progress ? progress : NULL,
                            due,
                            c->awaiting ? "t" : "f",
                            *c->deadline ? c->deadline : NULL,
                            c->as_of,
                            c->evidence};
    char *id = db_scalar(conn,
                         "INSERT INTO status_change (key, target, org, period, indicator, unit,"
                         " old_status, new_status, progress, due_soon_days, awaiting, deadline,"
                         " as_of, evidence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
                         " $12, $13, $14::jsonb) RETURNING id",
                         14, params);
    if (!id)
        return -1;
    c->id = strtoll(id, NULL, 10);
    const char *status_params[] = {c->key,     params[1],     c->org,      c->period, params[4],
                                   params[5],  c->new_status, params[8],   due,       params[10],
                                   params[11], c->as_of,      c->evidence, id,        digest};
    int rc = db_exec(
        conn,
        "INSERT INTO status (key, target, org, period, indicator, unit, status,"
        " progress, due_soon_days, awaiting, deadline, as_of, evidence, changed_at,"
        " change_id, evidence_digest) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
        " $10, $11, $12, $13::jsonb, now(), $14, $15) ON CONFLICT (key) DO UPDATE SET status ="
        " EXCLUDED.status, progress = EXCLUDED.progress, due_soon_days ="
        " EXCLUDED.due_soon_days, awaiting = EXCLUDED.awaiting, deadline ="
        " EXCLUDED.deadline, as_of = EXCLUDED.as_of, evidence = EXCLUDED.evidence,"
        " changed_at = now(), change_id = EXCLUDED.change_id, evidence_digest ="
        " EXCLUDED.evidence_digest",
        15, status_params);
    free(id);
    return rc;
}

//  Figures changed, the status did not: the status row follows, no change is recorded.
static int
s_write_update(PGconn *conn, const judge_result_t *r, const char *evidence, const char *digest,
               const char *as_of)
{
    char progress[64];
    if (r->has_progress)
        s_format_double(r->progress, progress, sizeof progress);
    return db_exec(conn,
                   "UPDATE status SET progress = $2, evidence = $3::jsonb, as_of = $4,"
                   " evidence_digest = $5 WHERE key = $1",
                   5,
                   DB_PARAMS(r->key, r->has_progress ? progress : NULL, evidence, as_of, digest));
}

static evaluatord_change_t *
s_change_from_result(const judge_result_t *r, const stored_t *old, const char *digest,
                     const char *as_of)
{
    char *evidence = json_dumps(r->evidence, EVIDENCE_FLAGS);
    if (!evidence)
        log_fatal(1, "oom", "what=evidence");
    evaluatord_change_t *c = calloc(1, sizeof *c);
    if (!c)
        log_fatal(1, "oom", "what=change");
    c->key = s_dup(r->key);
    c->target = s_dup(r->target ? r->target->code : "");
    c->org = s_dup(r->org);
    c->period = s_dup(r->period);
    c->indicator = s_dup(r->subject == JUDGE_DUTY && r->indicator ? r->indicator->code : "");
    c->unit = s_dup(r->unit);
    c->old_status = s_dup(old ? rules_status_name(old->status) : "");
    c->new_status = s_dup(rules_status_name(r->status));
    c->evidence = evidence;
    snprintf(c->digest, sizeof c->digest, "%s", digest);
    snprintf(c->as_of, sizeof c->as_of, "%s", as_of);
    if (r->deadline)
        day_format(r->deadline, c->deadline);
    c->has_progress = r->has_progress;
    c->progress = r->progress;
    c->due_soon_days = r->due_soon_days;
    c->awaiting = r->awaiting;
    return c;
}

//  A stored REPORT_OVERDUE duty whose figure is now in: REPORTED (the overdue one resolves).
static evaluatord_change_t *
s_change_reported(const stored_t *s, const char *as_of, double value)
{
    //  R|unit|org|indicator|period
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:s}", "rule", "reporting",
                           "unit", s->unit, "org", s->org, "indicator", s->indicator, "period",
                           s->period, "due", s->deadline, "value", value, "actual", value,
                           "compared", "figure received after its due date");
    char *text = json_dumps(ev, EVIDENCE_FLAGS);
    evaluatord_change_t *c = calloc(1, sizeof *c);
    if (!c || !text)
        log_fatal(1, "oom", "what=change");
    s_digest(ev, c->digest);
    json_decref(ev);
    c->key = s_dup(s->key);
    c->target = s_dup("");
    c->org = s_dup(s->org);
    c->period = s_dup(s->period);
    c->indicator = s_dup(s->indicator);
    c->unit = s_dup(s->unit);
    c->old_status = s_dup(rules_status_name(s->status));
    c->new_status = s_dup(rules_status_name(STATUS_REPORTED));
    c->evidence = text;
    snprintf(c->as_of, sizeof c->as_of, "%s", as_of);
    snprintf(c->deadline, sizeof c->deadline, "%s", s->deadline);
    return c;
}

int
evaluatord_store_apply(PGconn *conn, const judge_report_t *report, const judge_data_t *data,
                       const judge_touch_t *touched, day_t as_of, zlist_t *changes,
                       evaluatord_stats_t *stats)
{
    zhashx_t *stored = s_load_stored(conn, report, touched);
    if (!stored)
        return -1;
    char day[DAY_TEXT_SIZE];
    day_format(as_of, day);
    zlist_t *pending = zlist_new();
    int rc = 0;
    for (size_t i = 0; i < judge_report_count(report) && rc == 0; i++) {
        const judge_result_t *r = judge_report_at(report, i);
        char digest[17];
        s_digest(r->evidence, digest);
        stored_t *s = zhashx_lookup(stored, r->key);
        if (s)
            s->seen = true;
        if (!s || s->status != r->status || s->due_soon_days != r->due_soon_days ||
            s->awaiting != r->awaiting) {
            zlist_append(pending, s_change_from_result(r, s, digest, day));
            continue;
        }
        if (!s_same_progress(s->has_progress, s->progress, r->has_progress, r->progress) ||
            strcmp(s->digest, digest) != 0) {
            //  Printed only now, for the subjects whose figures changed.
            char *evidence = json_dumps(r->evidence, EVIDENCE_FLAGS);
            if (!evidence)
                log_fatal(1, "oom", "what=evidence");
            rc = s_write_update(conn, r, evidence, digest, day);
            free(evidence);
            if (stats)
                stats->updates++;
        }
    }
    //  Late figures: an overdue duty in scope whose figure is now there.
    for (stored_t *s = zhashx_first(stored); s && rc == 0; s = zhashx_next(stored)) {
        double value;
        if (s->seen || s->status != STATUS_REPORT_OVERDUE || !*s->indicator)
            continue;
        if (touched && !judge_touch_has_series(touched, s->org, s->indicator))
            continue;
        if (judge_data_value(data, s->org, s->indicator, s->period, &value))
            zlist_append(pending, s_change_reported(s, day, value));
    }
    if (rc == 0 && zlist_size(pending) > 0) {
        char lock[32];
        snprintf(lock, sizeof lock, "%d", EVALUATORD_LOCK_CHANGES);
        rc = db_exec(conn, "SELECT pg_advisory_xact_lock($1::bigint)", 1, DB_PARAMS(lock));
    }
    evaluatord_change_t *c;
    while ((c = zlist_pop(pending)) != NULL) {
        if (rc == 0)
            rc = s_write_change(conn, c);
        if (rc == 0) {
            zlist_append(changes, c);
            if (stats)
                stats->changes++;
        } else
            evaluatord_change_destroy(&c);
    }
    zlist_destroy(&pending);
    zhashx_destroy(&stored);
    return rc;
}

int
evaluatord_store_watermark(PGconn *conn, int64_t *change_id)
{
    PGresult *res = db_query(conn,
                             "SELECT value FROM service_state WHERE service = 'evaluatord'"
                             " AND name = 'change_id'",
                             0, NULL);
    if (!res)
        return -1;
    *change_id = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return 0;
}

int
evaluatord_store_state(PGconn *conn, const char *name, const char *value)
{
    //  Nothing is written (no row lock either, so no WAL to flush at commit) when the value is
    //  already there: a round that changed nothing commits a read-only transaction.
    return db_exec(conn,
                   "WITH u AS (UPDATE service_state SET value = $2, updated_at = now()"
                   " WHERE service = 'evaluatord' AND name = $1 AND value <> $2 RETURNING 1)"
                   " INSERT INTO service_state (service, name, value) SELECT 'evaluatord', $1, $2"
                   " WHERE NOT EXISTS (SELECT 1 FROM service_state WHERE service = 'evaluatord'"
                   " AND name = $1) ON CONFLICT DO NOTHING",
                   2, DB_PARAMS(name, value));
}

int
evaluatord_store_heartbeat(PGconn *conn)
{
    return db_exec(conn,
                   "INSERT INTO service_state (service, name, value)"
                   " VALUES ('evaluatord', 'heartbeat', now()::text)"
                   " ON CONFLICT (service, name) DO UPDATE SET value = EXCLUDED.value,"
                   " updated_at = now()",
                   0, NULL);
}
