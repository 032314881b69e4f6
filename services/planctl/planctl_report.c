/*  planctl_report.c - `planctl report`: what the supervision bulletin says, read from the store
    in one snapshot and judged with the code `planctl status` uses */
#include "planctl.h"
#include "planctl_report.h"

#include "db.h"
#include "log.h"

#include <czmq.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNITS_MAX 64

static const char s_usage[] =
    "usage: planctl report [--as-of DATE] [--known-at DATE] [--out FILE.html]\n"
    "  the supervision bulletin (调度通报) as of DATE (default: the store's clock), one\n"
    "  self-contained HTML file (default: standard output). --known-at counts only the figures\n"
    "  received by the end of that day. EVAL_DUE_SOON_DAYS (default 90,30,7) marks 临期.\n";

// ---------------------------------------------------------------------------------------------
//  Words and colours

static const status_t s_lights[REPORT_LIGHTS] = {STATUS_ACHIEVED,  STATUS_ON_TRACK, STATUS_AT_RISK,
                                                 STATUS_OFF_TRACK, STATUS_OVERDUE,  STATUS_NO_DATA};

status_t
report_light_status(int i)
{
    return i >= 0 && i < REPORT_LIGHTS ? s_lights[i] : STATUS_NO_DATA;
}

const char *
report_status_zh(status_t status)
{
    switch (status) {
    case STATUS_ACHIEVED:
        return "达成";
    case STATUS_ON_TRACK:
        return "正常";
    case STATUS_AT_RISK:
        return "预警";
    case STATUS_OFF_TRACK:
        return "滞后";
    case STATUS_OVERDUE:
        return "逾期";
    case STATUS_NO_DATA:
        return "无数据";
    case STATUS_REPORT_OVERDUE:
        return "逾期未报";
    case STATUS_REPORTED:
        return "已补报";
    }
    return "";
}

const char *
report_status_class(status_t status)
{
    switch (status) {
    case STATUS_ACHIEVED:
        return "achieved";
    case STATUS_ON_TRACK:
    case STATUS_REPORTED:
        return "on-track";
    case STATUS_AT_RISK:
        return "at-risk";
    case STATUS_OFF_TRACK:
        return "off-track";
    case STATUS_OVERDUE:
    case STATUS_REPORT_OVERDUE:
        return "overdue";
    case STATUS_NO_DATA:
        return "no-data";
    }
    return "no-data";
}

//  How bad a status is, for a quota's years and for rankings.
static int
s_severity(status_t status)
{
    switch (status) {
    case STATUS_ACHIEVED:
        return 0;
    case STATUS_ON_TRACK:
        return 1;
    case STATUS_NO_DATA:
        return 2;
    case STATUS_AT_RISK:
        return 3;
    case STATUS_OFF_TRACK:
        return 4;
    case STATUS_OVERDUE:
        return 5;
    default:
        return 2;
    }
}

size_t
report_target_leads(const catalog_t *cat, const target_t *target, const task_unit_t **out,
                    size_t max, bool *joint)
{
    size_t count, n = 0;
    const task_unit_t *units = catalog_target_units(cat, target, &count);
    *joint = false;
    for (size_t i = 0; i < count && n < max; i++)
        if (units[i].role == ROLE_LEAD)
            out[n++] = &units[i];
    if (n == 0 && count > 0) {
        *joint = true;
        for (size_t i = 0; i < count && n < max; i++)
            out[n++] = &units[i];
    }
    return n;
}

day_t
report_figure_due(const judge_result_t *r)
{
    if (!r->indicator)
        return r->deadline;
    period_t p = period_containing(r->indicator->period, r->deadline);
    return period_due(&p, r->indicator->due_months);
}

// ---------------------------------------------------------------------------------------------
//  Building

//  Keeps a copy of s for the report's life. Returns it, or NULL on out-of-memory.
static const char *
s_keep(report_t *self, const char *s)
{
    char **strings = realloc(self->strings, (self->string_count + 1) * sizeof *strings);
    if (!strings)
        return NULL;
    self->strings = strings;
    char *copy = strdup(s);
    if (!copy)
        return NULL;
    self->strings[self->string_count++] = copy;
    return copy;
}

//  The known-at day as a query parameter, or NULL.
static const char *
s_known_param(const report_t *self, char *buf)
{
    return self->opts.has_known_at ? day_format(self->opts.known_at, buf) : NULL;
}

//  A PostgreSQL text[] literal of the codes: {"a","b"}. Owned; NULL on out-of-memory.
static char *
s_pg_array(const char *const *codes, size_t count)
{
    size_t cap = 3;
    for (size_t i = 0; i < count; i++)
        cap += 2 * strlen(codes[i]) + 3;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t n = 0;
    out[n++] = '{';
    for (size_t i = 0; i < count; i++) {
        if (i)
            out[n++] = ',';
        out[n++] = '"';
        for (const char *c = codes[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                out[n++] = '\\';
            out[n++] = *c;
        }
        out[n++] = '"';
    }
    out[n++] = '}';
    out[n] = '\0';
    return out;
}

//  A quota's status from its years: the worst year, a year without data counting only once
//  its figure is past due (a year still running, or awaiting its figure, says nothing yet).
static void
s_rollup(const report_t *self, report_target_t *t)
{
    t->status = STATUS_NO_DATA;
    t->main = t->result_count ? t->results[t->result_count - 1] : NULL;
    if (t->result_count == 1) {
        t->main = t->results[0];
        t->status = t->main->status;
        return;
    }
    int worst = -1;
    for (size_t i = 0; i < t->result_count; i++) {
        const judge_result_t *r = t->results[i];
        if (r->status == STATUS_NO_DATA && self->opts.as_of <= report_figure_due(r))
            continue;
        int severity = s_severity(r->status);
        if (severity > worst) {
            worst = severity;
            t->main = r;
            t->status = r->status;
        }
    }
}

static int
s_targets(report_t *self)
{
    const catalog_t *cat = self->catalog;
    self->target_count = catalog_target_count(cat);
    self->targets = calloc(self->target_count ? self->target_count : 1, sizeof *self->targets);
    if (!self->targets)
        return -1;
    size_t n = judge_report_count(self->judged), j = 0;
    for (size_t i = 0; i < self->target_count; i++) {
        report_target_t *t = &self->targets[i];
        t->target = catalog_target_at(cat, i);
        t->task = catalog_task(cat, t->target->task);
        t->group = t->task ? catalog_task_group(cat, t->task) : NULL;
        t->indicator = t->target->kind == TARGET_MILESTONE
                           ? NULL
                           : catalog_indicator(cat, t->target->indicator);
        t->note = "";
        t->milestone_text = "";
        //  The judge lists targets in catalog order, a quota's years ascending.
        size_t first = j;
        while (j < n && judge_report_at(self->judged, j)->subject == JUDGE_TARGET &&
               judge_report_at(self->judged, j)->target == t->target)
            j++;
        t->result_count = j - first;
        if (t->result_count) {
            t->results = calloc(t->result_count, sizeof *t->results);
            if (!t->results)
                return -1;
            for (size_t k = 0; k < t->result_count; k++)
                t->results[k] = judge_report_at(self->judged, first + k);
        }
        s_rollup(self, t);
        for (int l = 0; l < REPORT_LIGHTS; l++)
            if (s_lights[l] == t->status)
                self->lights[l]++;
    }
    return 0;
}

//  The note of the figure each target shows, when its scope reported it with one.
static int
s_notes(report_t *self, PGconn *conn)
{
    const char **orgs = calloc(self->target_count + 1, sizeof *orgs);
    const char **inds = calloc(self->target_count + 1, sizeof *inds);
    size_t no = 0, ni = 0;
    int rc = -1;
    char *org_array = NULL, *ind_array = NULL;
    PGresult *res = NULL;
    if (!orgs || !inds)
        goto cleanup;
    for (size_t i = 0; i < self->target_count; i++) {
        const report_target_t *t = &self->targets[i];
        if (!t->indicator)
            continue;
        orgs[no++] = t->target->scope;
        inds[ni++] = t->indicator->code;
    }
    org_array = s_pg_array(orgs, no);
    ind_array = s_pg_array(inds, ni);
    if (!org_array || !ind_array)
        goto cleanup;
    char known[DAY_TEXT_SIZE];
    res = db_query(conn,
                   "SELECT org, indicator, period, note FROM (SELECT DISTINCT ON (org, indicator,"
                   " period) org, indicator, period, note FROM observation"
                   " WHERE org = ANY($1::text[]) AND indicator = ANY($2::text[])"
                   " AND ($3::date IS NULL OR received_at < (($3::date + 1)::timestamp"
                   " AT TIME ZONE 'Asia/Shanghai'))"
                   " ORDER BY org, indicator, period, change_id DESC) latest WHERE note <> ''",
                   3, DB_PARAMS(org_array, ind_array, s_known_param(self, known)));
    if (!res)
        goto cleanup;
    for (size_t i = 0; i < self->target_count; i++) {
        report_target_t *t = &self->targets[i];
        const judge_result_t *r = t->main;
        if (!t->indicator || !r || !r->has_value || !*r->value_period)
            continue;
        for (int k = 0; k < PQntuples(res); k++)
            if (!strcmp(PQgetvalue(res, k, 0), t->target->scope) &&
                !strcmp(PQgetvalue(res, k, 1), t->indicator->code) &&
                !strcmp(PQgetvalue(res, k, 2), r->value_period)) {
                t->note = s_keep(self, PQgetvalue(res, k, 3));
                if (!t->note)
                    goto cleanup;
            }
    }
    rc = 0;
cleanup:
    PQclear(res);
    free(org_array);
    free(ind_array);
    free(orgs);
    free(inds);
    return rc;
}

//  The evidence text of the milestone report each milestone's status rests on: the earliest
//  `done` dated on or before the as-of date, else the earliest `started`.
static int
s_milestone_texts(report_t *self, PGconn *conn)
{
    char as_of[DAY_TEXT_SIZE], known[DAY_TEXT_SIZE];
    day_format(self->opts.as_of, as_of);
    PGresult *res =
        db_query(conn,
                 "SELECT target, evidence FROM milestone_report WHERE reached_on <= $1::date"
                 " AND ($2::date IS NULL OR received_at < (($2::date + 1)::timestamp"
                 " AT TIME ZONE 'Asia/Shanghai'))"
                 " ORDER BY target, (state = 'done') DESC, reached_on, change_id DESC",
                 2, DB_PARAMS(as_of, s_known_param(self, known)));
    if (!res)
        return -1;
    int rc = 0;
    const char *previous = "";
    for (int k = 0; k < PQntuples(res) && rc == 0; k++) {
        const char *code = PQgetvalue(res, k, 0);
        if (!strcmp(code, previous))
            continue;
        previous = code;
        for (size_t i = 0; i < self->target_count; i++) {
            report_target_t *t = &self->targets[i];
            if (t->target->kind == TARGET_MILESTONE && !strcmp(t->target->code, code)) {
                t->milestone_text = s_keep(self, PQgetvalue(res, k, 1));
                if (!t->milestone_text)
                    rc = -1;
            }
        }
    }
    PQclear(res);
    return rc;
}

static int
s_overdue_cmp(const void *a, const void *b)
{
    const report_overdue_t *x = a, *y = b;
    if (x->days != y->days)
        return x->days > y->days ? -1 : 1;
    return x->result < y->result ? -1 : x->result > y->result; //  judge (catalog) order
}

//  Every OVERDUE subject, with alertd's alert on it.
static int
s_overdue(report_t *self, PGconn *conn)
{
    size_t n = 0;
    for (size_t i = 0; i < self->target_count; i++)
        for (size_t k = 0; k < self->targets[i].result_count; k++)
            n += self->targets[i].results[k]->status == STATUS_OVERDUE;
    self->overdue = calloc(n ? n : 1, sizeof *self->overdue);
    if (!self->overdue)
        return -1;
    for (size_t i = 0; i < self->target_count; i++)
        for (size_t k = 0; k < self->targets[i].result_count; k++) {
            const judge_result_t *r = self->targets[i].results[k];
            if (r->status != STATUS_OVERDUE)
                continue;
            report_overdue_t *o = &self->overdue[self->overdue_count++];
            o->target = &self->targets[i];
            o->result = r;
            o->days = self->opts.as_of - r->deadline;
        }
    qsort(self->overdue, self->overdue_count, sizeof *self->overdue, s_overdue_cmp);

    char *exists = db_scalar(conn, "SELECT to_regclass('alert') IS NOT NULL", 0, NULL);
    self->alerts_available = exists && exists[0] == 't';
    free(exists);
    if (!self->alerts_available || self->overdue_count == 0)
        return 0;
    //  The latest occurrence raised on or before the as-of date (raised_on is alertd's today,
    //  the same settable clock as the as-of date); an ack counts whenever it was made.
    char as_of[DAY_TEXT_SIZE];
    day_format(self->opts.as_of, as_of);
    PGresult *res = db_query(
        conn,
        "SELECT DISTINCT ON (a.subject) a.subject, a.id, a.raised_on::text, a.state, a.level,"
        " a.reminders, k.acked_by, to_char(k.acked_at AT TIME ZONE 'Asia/Shanghai',"
        " 'YYYY-MM-DD') FROM alert a LEFT JOIN alert_ack k ON k.alert_id = a.id"
        " WHERE a.kind = 'OVERDUE' AND a.subject IS NOT NULL AND a.raised_on <= $1::date"
        " ORDER BY a.subject, a.occurrence DESC, a.id DESC",
        1, DB_PARAMS(as_of));
    if (!res)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < self->overdue_count && rc == 0; i++) {
        report_overdue_t *o = &self->overdue[i];
        for (int k = 0; k < PQntuples(res); k++) {
            if (strcmp(PQgetvalue(res, k, 0), o->result->key) != 0)
                continue;
            report_alert_t *a = &o->alert;
            a->found = true;
            a->id = strtoll(PQgetvalue(res, k, 1), NULL, 10);
            snprintf(a->raised_on, sizeof a->raised_on, "%s", PQgetvalue(res, k, 2));
            snprintf(a->state, sizeof a->state, "%s", PQgetvalue(res, k, 3));
            a->level = atoi(PQgetvalue(res, k, 4));
            a->reminders = atoi(PQgetvalue(res, k, 5));
            a->acked = !PQgetisnull(res, k, 6);
            if (a->acked) {
                a->acked_by = strdup(PQgetvalue(res, k, 6));
                snprintf(a->acked_on, sizeof a->acked_on, "%s", PQgetvalue(res, k, 7));
                if (!a->acked_by)
                    rc = -1;
            }
            break;
        }
    }
    PQclear(res);
    return rc;
}

static size_t
s_unit_index(const catalog_t *cat, const char *code)
{
    for (size_t i = 0; i < catalog_unit_count(cat); i++)
        if (!strcmp(catalog_unit_at(cat, i)->code, code))
            return i;
    return (size_t)-1;
}

static int
s_chase_cmp(const void *a, const void *b)
{
    const report_chase_t *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->oldest_due != y->oldest_due)
        return x->oldest_due < y->oldest_due ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

//  The units that owe figures (REPORT_OVERDUE duties), for 催报.
static int
s_chase(report_t *self)
{
    const catalog_t *cat = self->catalog;
    size_t units = catalog_unit_count(cat);
    report_chase_t *by_unit = calloc(units ? units : 1, sizeof *by_unit);
    if (!by_unit)
        return -1;
    size_t n = judge_report_count(self->judged);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const judge_result_t *r = judge_report_at(self->judged, i);
        if (r->subject != JUDGE_DUTY || r->status != STATUS_REPORT_OVERDUE)
            continue;
        size_t u = s_unit_index(cat, r->unit);
        if (u == (size_t)-1)
            continue;
        report_chase_t *c = &by_unit[u];
        const judge_result_t **duties = realloc(c->duties, (c->count + 1) * sizeof *duties);
        if (!duties) {
            rc = -1;
            break;
        }
        c->duties = duties;
        c->duties[c->count++] = r;
        c->unit = catalog_unit_at(cat, u);
        c->order = u;
        if (c->count == 1 || r->deadline < c->oldest_due)
            c->oldest_due = r->deadline;
        self->duty_count++;
    }
    for (size_t u = 0; u < units; u++)
        if (by_unit[u].count)
            self->chase_count++;
    self->chase = calloc(self->chase_count ? self->chase_count : 1, sizeof *self->chase);
    if (!self->chase)
        rc = -1;
    size_t k = 0;
    for (size_t u = 0; u < units; u++) {
        if (!by_unit[u].count)
            continue;
        if (rc == 0)
            self->chase[k++] = by_unit[u];
        else
            free(by_unit[u].duties);
    }
    free(by_unit);
    if (rc == 0)
        qsort(self->chase, self->chase_count, sizeof *self->chase, s_chase_cmp);
    return rc;
}

static int
s_unit_cmp(const void *a, const void *b)
{
    const report_unit_t *x = a, *y = b;
    static const status_t order[] = {STATUS_OVERDUE, STATUS_OFF_TRACK, STATUS_AT_RISK,
                                     STATUS_NO_DATA};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (x->counts[order[i]] != y->counts[order[i]])
            return x->counts[order[i]] > y->counts[order[i]] ? -1 : 1;
    if (x->duties_overdue != y->duties_overdue)
        return x->duties_overdue > y->duties_overdue ? -1 : 1;
    if (x->targets != y->targets)
        return x->targets > y->targets ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

//  Each unit's targets: those it leads, or jointly leads when the target names no lead; and the
//  targets it supports under another unit's lead.
static int
s_units(report_t *self)
{
    const catalog_t *cat = self->catalog;
    size_t n = catalog_unit_count(cat);
    report_unit_t *all = calloc(n ? n : 1, sizeof *all);
    if (!all)
        return -1;
    int rc = 0;
    for (size_t u = 0; u < n; u++) {
        all[u].unit = catalog_unit_at(cat, u);
        all[u].order = u;
        all[u].target_index = calloc(self->target_count ? self->target_count : 1, sizeof(size_t));
        if (!all[u].target_index)
            rc = -1;
    }
    for (size_t i = 0; i < self->target_count && rc == 0; i++) {
        const report_target_t *t = &self->targets[i];
        const task_unit_t *leads[UNITS_MAX];
        bool joint;
        size_t nl = report_target_leads(cat, t->target, leads, UNITS_MAX, &joint);
        for (size_t k = 0; k < nl; k++) {
            size_t u = s_unit_index(cat, leads[k]->unit);
            if (u == (size_t)-1)
                continue;
            all[u].target_index[all[u].targets++] = i;
            all[u].counts[t->status]++;
        }
        size_t count;
        const task_unit_t *units = catalog_target_units(cat, t->target, &count);
        for (size_t k = 0; !joint && k < count; k++) {
            if (units[k].role != ROLE_CO)
                continue;
            size_t u = s_unit_index(cat, units[k].unit);
            if (u != (size_t)-1)
                all[u].co_targets++;
        }
    }
    for (size_t c = 0; c < self->chase_count; c++) {
        size_t u = s_unit_index(cat, self->chase[c].unit->code);
        if (u != (size_t)-1)
            all[u].duties_overdue = (int)self->chase[c].count;
    }
    size_t kept = 0;
    for (size_t u = 0; u < n; u++) {
        if (rc == 0 && (all[u].targets || all[u].co_targets || all[u].duties_overdue))
            all[kept++] = all[u];
        else
            free(all[u].target_index);
    }
    if (rc != 0) {
        free(all);
        return -1;
    }
    self->units = all;
    self->unit_count = kept;
    qsort(self->units, self->unit_count, sizeof *self->units, s_unit_cmp);
    return 0;
}

//  Adds "org|indicator|period" to the set.
static int
s_set_add(zhashx_t *set, const char *org, const char *indicator, const char *period)
{
    char key[256];
    snprintf(key, sizeof key, "%s|%s|%s", org, indicator, period);
    if (zhashx_lookup(set, key))
        return 0;
    return zhashx_insert(set, key, (void *)"late") == 0 ? 0 : -1;
}

//  The figures of cities that came in late. With the evaluator's history in the store: the
//  duties it recorded REPORT_OVERDUE on or before the as-of date (its clock is the plan's,
//  also in a replay). Without it: figures whose first version's received_at (China Standard
//  Time) is after the reporting deadline. See REPORT.md.
static int
s_late_figures(report_t *self, PGconn *conn, zhashx_t *late)
{
    char *history = db_scalar(conn, "SELECT EXISTS (SELECT 1 FROM status_change)", 0, NULL);
    self->late_from_history = history && history[0] == 't';
    free(history);
    char as_of[DAY_TEXT_SIZE], known[DAY_TEXT_SIZE];
    day_format(self->opts.as_of, as_of);
    PGresult *res;
    if (self->late_from_history)
        res = db_query(conn,
                       "SELECT split_part(key, '|', 3), split_part(key, '|', 4),"
                       " split_part(key, '|', 5) FROM status_change"
                       " WHERE new_status = 'REPORT_OVERDUE' AND key LIKE 'R|%' AND as_of <= $1"
                       " GROUP BY key",
                       1, DB_PARAMS(as_of));
    else
        //  A version received after the deadline, and none by it (the first version counts).
        //  No GROUP BY: only the few late versions are looked up again, by the index. The
        //  deadline is period_due()'s: the last day of the due_months-th month after the
        //  period's last month.
        res = db_query(
            conn,
            "SELECT DISTINCT o.org, o.indicator, o.period FROM observation o"
            " JOIN indicator i ON i.code = o.indicator AND i.by_cities"
            " JOIN org_unit g ON g.code = o.org AND g.level = 'city'"
            " CROSS JOIN LATERAL (SELECT CASE WHEN o.period ~ '^[0-9]{4}(Q[1-4]|-[0-9]{2})?$'"
            " THEN (make_date(substr(o.period, 1, 4)::int, CASE i.period WHEN 'year' THEN 12"
            " WHEN 'quarter' THEN substr(o.period, 6, 1)::int * 3"
            " ELSE substr(o.period, 6, 2)::int END, 1)"
            " + make_interval(months => i.due_months + 1) - interval '1 day')::date END AS day) due"
            " WHERE ($1::date IS NULL OR o.received_at < (($1::date + 1)::timestamp"
            " AT TIME ZONE 'Asia/Shanghai'))"
            " AND (o.received_at AT TIME ZONE 'Asia/Shanghai')::date > due.day"
            " AND NOT EXISTS (SELECT 1 FROM observation e WHERE e.org = o.org"
            " AND e.indicator = o.indicator AND e.period = o.period"
            " AND (e.received_at AT TIME ZONE 'Asia/Shanghai')::date <= due.day)",
            1, DB_PARAMS(s_known_param(self, known)));
    if (!res)
        return -1;
    int rc = 0;
    for (int k = 0; k < PQntuples(res) && rc == 0; k++)
        rc = s_set_add(late, PQgetvalue(res, k, 0), PQgetvalue(res, k, 1), PQgetvalue(res, k, 2));
    PQclear(res);
    return rc;
}

static int
s_city_cmp(const void *a, const void *b)
{
    const report_city_t *x = a, *y = b;
    if ((x->due > 0) != (y->due > 0))
        return x->due > 0 ? -1 : 1;
    //  on_time / due, compared without division
    long lx = (long)x->on_time * y->due, ly = (long)y->on_time * x->due;
    if (lx != ly)
        return lx > ly ? -1 : 1;
    if (x->missing != y->missing)
        return x->missing < y->missing ? -1 : 1;
    if (x->late != y->late)
        return x->late < y->late ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

//  Each city's record over the indicators cities report: every period whose reporting deadline
//  passed before the as-of date (the deadline day itself is in time) is due.
static int
s_cities(report_t *self, PGconn *conn)
{
    const catalog_t *cat = self->catalog;
    zhashx_t *late = zhashx_new();
    if (!late)
        return -1;
    int rc = s_late_figures(self, conn, late);
    size_t n = 0;
    for (size_t o = 0; o < catalog_org_count(cat); o++)
        n += catalog_org_at(cat, o)->level == ORG_CITY;
    self->cities = calloc(n ? n : 1, sizeof *self->cities);
    if (!self->cities)
        rc = -1;
    for (size_t o = 0; o < catalog_org_count(cat) && rc == 0; o++) {
        const org_unit_t *city = catalog_org_at(cat, o);
        if (city->level != ORG_CITY)
            continue;
        report_city_t *c = &self->cities[self->city_count++];
        c->city = city;
        c->order = o;
        const resp_unit_t *gov = NULL;
        for (size_t u = 0; u < catalog_unit_count(cat) && !gov; u++) {
            const resp_unit_t *unit = catalog_unit_at(cat, u);
            if (unit->kind == UNIT_GOV && !strcmp(unit->org, city->code))
                gov = unit;
        }
        for (size_t x = 0; gov && x < catalog_indicator_count(cat); x++) {
            const indicator_t *ind = catalog_indicator_at(cat, x);
            if (!ind->by_cities || !catalog_unit_reports(cat, gov->code, ind, city->code))
                continue;
            for (period_t p = ind->first_period; self->opts.as_of > period_due(&p, ind->due_months);
                 p = period_next(&p)) {
                char period[PERIOD_TEXT_SIZE], key[256];
                period_format(&p, period);
                double value;
                c->due++;
                if (!judge_data_value(self->data, city->code, ind->code, period, &value)) {
                    c->missing++;
                    continue;
                }
                snprintf(key, sizeof key, "%s|%s|%s", city->code, ind->code, period);
                if (zhashx_lookup(late, key))
                    c->late++;
                else
                    c->on_time++;
            }
        }
    }
    zhashx_destroy(&late);
    if (rc == 0)
        qsort(self->cities, self->city_count, sizeof *self->cities, s_city_cmp);
    return rc;
}

report_t *
report_build(PGconn *conn, const catalog_t *catalog, const report_options_t *opts)
{
    report_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->opts = *opts;
    self->catalog = catalog;
    self->data = judge_data_new(catalog);
    if (!self->data) {
        report_destroy(&self);
        return NULL;
    }
    //  One snapshot for the figures, the milestone reports, the history and the alerts.
    if (db_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) != 0) {
        report_destroy(&self);
        return NULL;
    }
    int64_t t0 = zclock_usecs();
    int rc = judge_data_load(self->data, conn, opts->has_known_at ? &opts->known_at : NULL);
    int64_t t1 = zclock_usecs();
    if (rc == 0) {
        judge_options_t jopts = {opts->as_of, opts->due_soon, opts->due_soon_count};
        self->judged = judge_evaluate(self->data, &jopts, NULL);
        rc = self->judged ? 0 : -1;
    }
    int64_t t2 = zclock_usecs();
    self->change_id = judge_data_change_id(self->data);
    self->figures = judge_data_size(self->data);
    if (rc == 0)
        rc = s_targets(self);
    if (rc == 0)
        rc = s_notes(self, conn);
    if (rc == 0)
        rc = s_milestone_texts(self, conn);
    if (rc == 0)
        rc = s_overdue(self, conn);
    if (rc == 0)
        rc = s_chase(self);
    if (rc == 0)
        rc = s_units(self);
    int64_t t3 = zclock_usecs();
    if (rc == 0)
        rc = s_cities(self, conn);
    if (rc == 0)
        rc = db_commit(conn);
    else
        db_rollback(conn);
    log_debug("report.built", "load_ms=%.1f judge_ms=%.1f targets_ms=%.1f cities_ms=%.1f",
              (t1 - t0) / 1e3, (t2 - t1) / 1e3, (t3 - t2) / 1e3, (zclock_usecs() - t3) / 1e3);
    if (rc != 0) {
        log_warnx("report.build_failed", "as_of=%d", (int)opts->as_of);
        report_destroy(&self);
    }
    return self;
}

void
report_destroy(report_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    report_t *self = *self_p;
    for (size_t i = 0; self->targets && i < self->target_count; i++)
        free(self->targets[i].results);
    free(self->targets);
    for (size_t i = 0; self->overdue && i < self->overdue_count; i++)
        free(self->overdue[i].alert.acked_by);
    free(self->overdue);
    for (size_t i = 0; self->units && i < self->unit_count; i++)
        free(self->units[i].target_index);
    free(self->units);
    free(self->cities);
    for (size_t i = 0; self->chase && i < self->chase_count; i++)
        free(self->chase[i].duties);
    free(self->chase);
    for (size_t i = 0; i < self->string_count; i++)
        free(self->strings[i]);
    free(self->strings);
    judge_report_destroy(&self->judged);
    judge_data_destroy(&self->data);
    free(self);
    *self_p = NULL;
}

int
report_render(PGconn *conn, const report_options_t *opts, char **html, size_t *size)
{
    *html = NULL;
    catalog_t *catalog = catalog_read(conn);
    if (!catalog)
        return -1;
    if (catalog_target_count(catalog) == 0) {
        log_warnx("report.no_plan", "targets=0 hint=\"planctl plan load\"");
        catalog_destroy(&catalog);
        return -1;
    }
    report_t *report = report_build(conn, catalog, opts);
    if (report) {
        int64_t started = zclock_usecs();
        *html = report_page(report, size);
        log_debug("report.page", "page_ms=%.1f bytes=%zu", (zclock_usecs() - started) / 1e3,
                  *html ? *size : 0);
        if (!*html)
            log_errx("report.out_of_memory", "targets=%zu", report->target_count);
    }
    report_destroy(&report);
    catalog_destroy(&catalog);
    return *html ? 0 : -1;
}

// ---------------------------------------------------------------------------------------------
//  The command

//  Writes the page to path through a temporary file renamed into place, so that a reader never
//  sees half a bulletin. Returns 0, or -1 with errno set.
static int
s_write_file(const char *path, const char *html, size_t size)
{
    char *tmp = zsys_sprintf("%s.tmp.%d", path, (int)getpid());
    if (!tmp)
        return -1;
    FILE *f = fopen(tmp, "wb");
    int rc = -1;
    if (f) {
        bool ok = fwrite(html, 1, size, f) == size;
        ok = (fclose(f) == 0) && ok;
        if (ok && rename(tmp, path) == 0)
            rc = 0;
        else {
            int saved = errno;
            unlink(tmp);
            errno = saved;
        }
    }
    zstr_free(&tmp);
    return rc;
}

int
planctl_cmd_report(int argc, char **argv)
{
    static const struct option options[] = {{"as-of", required_argument, NULL, 'a'},
                                            {"known-at", required_argument, NULL, 'k'},
                                            {"out", required_argument, NULL, 'o'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *as_of_text = NULL, *known_text = NULL, *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'a':
            as_of_text = optarg;
            break;
        case 'k':
            known_text = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            fputs(s_usage, stdout);
            return 0;
        default:
            fputs(s_usage, stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "planctl report: unexpected argument '%s'\n%s", argv[optind], s_usage);
        return 2;
    }
    report_options_t opts = {0};
    if (as_of_text && day_parse(as_of_text, &opts.as_of) != 0) {
        fprintf(stderr, "planctl report: --as-of %s: expected a date YYYY-MM-DD\n", as_of_text);
        return 2;
    }
    if (known_text) {
        if (day_parse(known_text, &opts.known_at) != 0) {
            fprintf(stderr, "planctl report: --known-at %s: expected a date YYYY-MM-DD\n",
                    known_text);
            return 2;
        }
        opts.has_known_at = true;
    }
    int leads[PLANCTL_LEADS_MAX];
    int nleads = planctl_due_soon_leads("report", leads);
    if (nleads < 0)
        return 2;
    opts.due_soon = leads;
    opts.due_soon_count = (size_t)nleads;

    PGconn *conn = planctl_db_connect();
    if (!conn)
        return 2;
    if (!as_of_text && clock_today(conn, NULL, &opts.as_of) != 0) {
        fprintf(stderr, "planctl report: cannot read the store's clock\n");
        PQfinish(conn);
        return 2;
    }
    char *html = NULL;
    size_t size = 0;
    int rc = report_render(conn, &opts, &html, &size);
    PQfinish(conn);
    if (rc != 0) {
        fprintf(stderr, "planctl report: cannot build the bulletin from the store (is it "
                        "migrated and the plan loaded? see the log above)\n");
        return 2;
    }
    int status = 0;
    if (out) {
        if (s_write_file(out, html, size) != 0) {
            fprintf(stderr, "planctl report: %s: %s\n", out, strerror(errno));
            status = 2;
        }
    } else if (fwrite(html, 1, size, stdout) != size || fflush(stdout) != 0) {
        fprintf(stderr, "planctl report: standard output: %s\n", strerror(errno));
        status = 2;
    }
    free(html);
    return status;
}
