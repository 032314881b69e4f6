/*  judge.c - judges every target and reporting duty of the plan as of a date, from the store */
#include "judge_data.h"

#include "db.h"
#include "log.h"

#include <czmq.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

//  At most this many figures of a series are written into the evidence; longer series (monthly
//  data over years) are summarised by their count, first and last figures.
#define EVIDENCE_SERIES_MAX 24

struct judge_report_t {
    judge_result_t *items; //  the verdicts
    size_t count;          //  entries in items
    size_t cap;            //  slots allocated
    zhashx_t *by_key;      //  key -> result, built on the first find
};

// ---------------------------------------------------------------------------------------------
//  Reports

static judge_result_t *
s_report_add(judge_report_t *self)
{
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 64;
        judge_result_t *items = realloc(self->items, cap * sizeof *items);
        if (!items)
            return NULL;
        self->items = items;
        self->cap = cap;
    }
    judge_result_t *r = &self->items[self->count++];
    memset(r, 0, sizeof *r);
    return r;
}

size_t
judge_report_count(const judge_report_t *self)
{
    return self->count;
}

const judge_result_t *
judge_report_at(const judge_report_t *self, size_t i)
{
    return i < self->count ? &self->items[i] : NULL;
}

const judge_result_t *
judge_report_find(const judge_report_t *self, const char *key)
{
    judge_report_t *mutable = (judge_report_t *)self;
    if (!mutable->by_key) {
        mutable->by_key = zhashx_new();
        if (!mutable->by_key)
            return NULL;
        for (size_t i = 0; i < self->count; i++)
            zhashx_insert(mutable->by_key, self->items[i].key, &self->items[i]);
    }
    return zhashx_lookup(mutable->by_key, key);
}

void
judge_report_destroy(judge_report_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    judge_report_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++) {
        free((char *)self->items[i].key);
        free(self->items[i].series);
        json_decref(self->items[i].evidence);
    }
    free(self->items);
    zhashx_destroy(&self->by_key);
    free(self);
    *self_p = NULL;
}

// ---------------------------------------------------------------------------------------------
//  Assembling the judged series: the scope's own figures, else the cities' by the indicator's
//  rule.

typedef struct {
    int t;                 //  period ordinal
    bool aggregated;       //  from the cities
    int cities;            //  cities that contributed
    int expected;          //  cities of the scope
    const int *missing_of; //  the scope's city list (borrowed)
    uint64_t missing;      //  bit i: city missing_of[i] lacked the figure (first 64 cities)
} meta_t;

typedef struct {
    rules_point_t *points; //  figures in ascending period
    meta_t *meta;          //  where each came from
    size_t count;          //  entries in both
} assembled_t;

static void
s_assembled_free(assembled_t *a)
{
    free(a->points);
    free(a->meta);
    memset(a, 0, sizeof *a);
}

//  Range of ordinals a series covers: [*lo, *hi]; false when empty.
static bool
s_range(const series_t *s, int *lo, int *hi)
{
    if (s->n == 0)
        return false;
    *lo = s->t0;
    *hi = s->t0 + s->n - 1;
    return true;
}

static void
s_widen(const series_t *s, int *lo, int *hi, bool *any)
{
    int a, b;
    if (!s_range(s, &a, &b))
        return;
    if (!*any || a < *lo)
        *lo = a;
    if (!*any || b > *hi)
        *hi = b;
    *any = true;
}

//  The reporting deadline of the period of ordinal t: the last day of the due_months-th month
//  after the period's last month.
static day_t
s_ordinal_due(period_type_t type, int t, int due_months)
{
    int per_year = rules_per_year(type);
    int year = t / per_year, index = t % per_year + 1;
    int last_month = type == PERIOD_YEAR ? 12 : type == PERIOD_QUARTER ? index * 3 : index;
    int total = year * 12 + (last_month - 1) + due_months;
    return day_month_end(total / 12, total % 12 + 1);
}

//  The series of (org, x) for periods up to t_max, aggregated from the org's cities for the
//  periods the org did not report itself when the indicator adds up (sum, ratio).
//  A sum over only some of the cities is no figure for the province while the others may still
//  report in time: such a period is left out until its reporting deadline has passed (as_of
//  after the due date); from then on it counts, marked incomplete, and the missing cities are
//  REPORT_OVERDUE. Otherwise the first cities' figures would read as a collapse of the province's.
static int
s_assemble(const judge_data_t *d, size_t org, const indicator_t *x, int t_max, day_t as_of,
           assembled_t *out)
{
    memset(out, 0, sizeof *out);
    size_t xi = judge_data_index(d->ind_index, x->code) - 1;
    const series_t *own = judge_data_series(d, org, xi);
    const int *kids = d->children[org];
    int nkids = d->child_count[org];
    size_t num = 0, den = 0;
    bool agg = nkids > 0 && x->agg != AGG_NONE;
    if (agg && x->agg == AGG_RATIO) {
        num = judge_data_index(d->ind_index, x->numerator);
        den = judge_data_index(d->ind_index, x->denominator);
        agg = num && den;
    }
    int lo = 0, hi = 0;
    bool any = false;
    s_widen(own, &lo, &hi, &any);
    for (int k = 0; agg && k < nkids; k++) {
        if (x->agg == AGG_SUM)
            s_widen(judge_data_series(d, (size_t)kids[k], xi), &lo, &hi, &any);
        else
            s_widen(judge_data_series(d, (size_t)kids[k], num - 1), &lo, &hi, &any);
    }
    if (!any || lo > t_max)
        return 0;
    if (hi > t_max)
        hi = t_max;
    size_t cap = (size_t)(hi - lo + 1);
    out->points = malloc(cap * sizeof *out->points);
    out->meta = malloc(cap * sizeof *out->meta);
    if (!out->points || !out->meta) {
        s_assembled_free(out);
        return -1;
    }
    for (int t = lo; t <= hi; t++) {
        const double *v = judge_series_at(own, t);
        meta_t m = {t, false, 0, 0, kids, 0};
        double value = 0;
        if (v)
            value = *v;
        else if (agg) {
            double sum = 0, sum_num = 0, sum_den = 0;
            m.aggregated = true;
            m.expected = nkids;
            for (int k = 0; k < nkids; k++) {
                bool have;
                if (x->agg == AGG_SUM) {
                    const double *c = judge_series_at(judge_data_series(d, (size_t)kids[k], xi), t);
                    have = c != NULL;
                    if (have)
                        sum += *c;
                } else {
                    const double *a =
                        judge_series_at(judge_data_series(d, (size_t)kids[k], num - 1), t);
                    const double *b =
                        judge_series_at(judge_data_series(d, (size_t)kids[k], den - 1), t);
                    have = a && b;
                    if (have) {
                        sum_num += *a;
                        sum_den += *b;
                    }
                }
                if (have)
                    m.cities++;
                else if (k < 64)
                    m.missing |= (uint64_t)1 << k;
            }
            if (m.cities == 0 || (x->agg == AGG_RATIO && sum_den <= 0))
                continue;
            if (m.cities < m.expected && as_of <= s_ordinal_due(x->period, t, x->due_months))
                continue;
            value = x->agg == AGG_SUM ? sum : x->scale * sum_num / sum_den;
        } else
            continue;
        out->points[out->count] = (rules_point_t){t, value};
        out->meta[out->count] = m;
        out->count++;
    }
    return 0;
}

static const meta_t *
s_meta_at(const assembled_t *a, int t)
{
    for (size_t i = 0; i < a->count; i++)
        if (a->meta[i].t == t)
            return &a->meta[i];
    return NULL;
}

// ---------------------------------------------------------------------------------------------
//  Evidence

//  The text of the period of ordinal t ("2023", "2023Q4", "2023-06") without date arithmetic.
static char *
s_ordinal_text(period_type_t type, int t, char buf[PERIOD_TEXT_SIZE])
{
    int per_year = rules_per_year(type);
    unsigned year = (unsigned)(t / per_year) % 10000u, index = (unsigned)(t % per_year) + 1;
    if (type == PERIOD_YEAR)
        snprintf(buf, PERIOD_TEXT_SIZE, "%04u", year);
    else if (type == PERIOD_QUARTER)
        snprintf(buf, PERIOD_TEXT_SIZE, "%04uQ%u", year, index % 5u);
    else {
        //  "YYYY-MM" by hand: this runs for every figure of every judged series.
        buf[0] = (char)('0' + year / 1000), buf[1] = (char)('0' + year / 100 % 10);
        buf[2] = (char)('0' + year / 10 % 10), buf[3] = (char)('0' + year % 10);
        buf[4] = '-', buf[5] = (char)('0' + index / 10), buf[6] = (char)('0' + index % 10);
        buf[7] = '\0';
    }
    return buf;
}

static json_t *
s_period_json(period_type_t type, int t)
{
    char buf[PERIOD_TEXT_SIZE];
    return json_string(s_ordinal_text(type, t, buf));
}

static json_t *
s_day_json(day_t d)
{
    char buf[DAY_TEXT_SIZE];
    return json_string(day_format(d, buf));
}

//  Appends to list the codes of the cities an aggregated figure lacked (each once).
static void
s_collect_missing(const judge_data_t *d, const meta_t *m, json_t *list)
{
    if (!m->aggregated || m->cities >= m->expected)
        return;
    for (int k = 0; k < m->expected && k < 64; k++) {
        if (!(m->missing & ((uint64_t)1 << k)))
            continue;
        const char *code = catalog_org_at(d->cat, (size_t)m->missing_of[k])->code;
        bool seen = false;
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v) seen = seen || strcmp(json_string_value(v), code) == 0;
        if (!seen)
            json_array_append_new(list, json_string(code));
    }
}

//  {"period": .., "value": ..} plus where an aggregated figure came from.
static json_t *
s_figure_json(const judge_data_t *d, const indicator_t *x, const assembled_t *a, int t,
              double value, json_t *missing_all)
{
    json_t *o = json_pack("{s:o, s:f}", "period", s_period_json(x->period, t), "value", value);
    const meta_t *m = a ? s_meta_at(a, t) : NULL;
    if (!m)
        return o;
    json_object_set_new(o, "source", json_string(m->aggregated ? "cities" : "reported"));
    if (m->aggregated) {
        json_object_set_new(o, "cities", json_integer(m->cities));
        json_object_set_new(o, "cities_expected", json_integer(m->expected));
        if (m->cities < m->expected) {
            json_t *missing = json_array();
            s_collect_missing(d, m, missing);
            s_collect_missing(d, m, missing_all);
            json_object_set_new(o, "missing_cities", missing);
        }
    }
    return o;
}

static const char *
s_formula(target_kind_t kind)
{
    switch (kind) {
    case TARGET_LEVEL:
        return "value[deadline period] cmp target; before: P = (projection - baseline) / "
               "(target - baseline)";
    case TARGET_GROWTH:
        return "CAGR = (v[t] / v[base])^(1/(t - base)) - 1 cmp rate; before: P on levels, "
               "target level = v[base] * (1 + rate)^(deadline - base)";
    case TARGET_RELATIVE:
        return "value[period] cmp national[period]; before: P against the national value "
               "projected to the deadline";
    case TARGET_CUMULATIVE:
        return "sum of flows from start year to deadline period cmp target; before: P = "
               "(sum / periods reported x periods of horizon) / target";
    case TARGET_QUOTA:
        return "sum of the year's flows cmp quota, each year on its own";
    case TARGET_MILESTONE:
        return "done report dated <= deadline";
    }
    return "";
}

static void
s_compared(char *buf, size_t size, const char *what, double value, cmp_t cmp, double goal, bool met)
{
    snprintf(buf, size, "%s %.10g %s %.10g: %s", what, value, catalog_cmp_name(cmp), goal,
             met ? "met" : "not met");
}

// ---------------------------------------------------------------------------------------------
//  Judging targets

typedef struct {
    const judge_data_t *d;       //  the figures
    const judge_options_t *opts; //  as-of date, lead times
    judge_report_t *report;      //  where verdicts go
} ctx_t;

static char *
s_key_target(const target_t *t, const char *period)
{
    return zsys_sprintf("T|%s|%s|%s", t->code, t->scope, period);
}

//  Copies the assembled figures up to t_max into the result's series.
static int
s_copy_series(judge_result_t *r, const indicator_t *x, const assembled_t *a, int t_max)
{
    size_t n = 0;
    while (n < a->count && a->points[n].t <= t_max)
        n++;
    if (n == 0)
        return 0;
    r->series = calloc(n, sizeof *r->series);
    if (!r->series)
        return -1;
    for (size_t i = 0; i < n; i++) {
        s_ordinal_text(x->period, a->points[i].t, r->series[i].period);
        r->series[i].value = a->points[i].value;
        r->series[i].aggregated = a->meta[i].aggregated;
        r->series[i].cities = a->meta[i].cities;
        r->series[i].cities_expected = a->meta[i].expected;
    }
    r->series_count = n;
    return 0;
}

static json_t *
s_series_json(const judge_result_t *r)
{
    if (r->series_count <= EVIDENCE_SERIES_MAX) {
        json_t *list = json_array();
        for (size_t i = 0; i < r->series_count; i++)
            json_array_append_new(list, json_pack("{s:s, s:f}", "period", r->series[i].period,
                                                  "value", r->series[i].value));
        return list;
    }
    const judge_point_t *first = &r->series[0], *last = &r->series[r->series_count - 1];
    return json_pack("{s:I, s:{s:s, s:f}, s:{s:s, s:f}}", "count", (json_int_t)r->series_count,
                     "first", "period", first->period, "value", first->value, "last", "period",
                     last->period, "value", last->value);
}

//  Fills status, figures and evidence of a numeric target (or one quota year) from the rules.
static int
s_judge_numeric(ctx_t *c, const target_t *t, const indicator_t *x, size_t scope, int year,
                const assembled_t *a_in, const assembled_t *ref, judge_result_t *r)
{
    const judge_data_t *d = c->d;
    const assembled_t *a = a_in;
    day_t as_of = c->opts->as_of;
    day_t deadline = t->deadline;
    if (year) {
        day_t year_end = day_from_ymd(year, 12, 31);
        if (year_end < deadline)
            deadline = year_end;
    }
    period_t dp = period_containing(x->period, deadline);
    int t_deadline = rules_ordinal(&dp);
    day_t figure_due = period_due(&dp, x->due_months);

    //  The last period whose figure was due by today (its reporting deadline passed).
    period_t duep = period_last_due(x->period, x->due_months, as_of);
    int t_due = rules_ordinal(&duep);

    rules_input_t in = {
        .kind = t->kind,
        .cmp = t->cmp,
        .goal = t->value,
        .per_year = rules_per_year(x->period),
        .t_deadline = t_deadline,
        .t_due = t_due,
        .projection = x->projection,
        .deadline_passed = as_of > deadline,
        .figure_due_passed = as_of > figure_due,
        .points = a->points,
        .count = a->count,
        .ref = ref->points,
        .ref_count = ref->count,
    };
    if (t->kind == TARGET_GROWTH) {
        period_t bp = period_containing(x->period, day_from_ymd(t->base_year, 12, 31));
        in.t_base = rules_ordinal(&bp);
    } else
        in.t_base = rules_ordinal(&x->first_period);
    int start_year = year ? year : t->start_year ? t->start_year : x->first_period.year;
    period_t sp = period_containing(x->period, day_from_ymd(start_year, 1, 1));
    in.t_start = rules_ordinal(&sp);

    rules_result_t out;
    rules_judge(&in, &out);

    r->status = out.status;
    r->reason = out.reason;
    r->awaiting = out.awaiting;
    r->deadline = deadline;
    r->has_value = out.has_value;
    r->value = out.value;
    if (out.has_value && out.t_value) {
        s_ordinal_text(x->period, out.t_value, r->value_period);
    }
    r->has_goal = out.has_goal;
    r->goal = out.goal;
    r->has_projection = out.has_projection;
    r->projection = out.projection;
    r->has_progress = out.has_progress;
    r->progress = out.progress;
    if (s_copy_series(r, x, a, t_deadline) != 0)
        return -1;

    //  Evidence: the rule, the figures it used, the comparison and the thresholds.
    json_t *ev = json_object();
    json_t *missing_all = json_array();
    char buf[256];
    json_object_set_new(ev, "rule", json_string(catalog_kind_name(t->kind)));
    json_object_set_new(ev, "formula", json_string(s_formula(t->kind)));
    json_object_set_new(ev, "indicator", json_string(x->code));
    json_object_set_new(ev, "org", json_string(t->scope));
    json_object_set_new(ev, "cmp", json_string(catalog_cmp_name(t->cmp)));
    if (t->has_value)
        json_object_set_new(ev, "target", json_real(t->value));
    json_object_set_new(ev, "unit", json_string(t->kind == TARGET_GROWTH ? "%" : x->unit));
    json_object_set_new(ev, "deadline", s_day_json(deadline));
    json_object_set_new(ev, "deadline_period", s_period_json(x->period, t_deadline));
    json_object_set_new(ev, "figure_due", s_day_json(figure_due));
    json_object_set_new(ev, "deadline_passed", json_boolean(in.deadline_passed));
    if (t->kind == TARGET_GROWTH)
        json_object_set_new(ev, "base_year", json_integer(t->base_year));
    if (t->kind == TARGET_CUMULATIVE || t->kind == TARGET_QUOTA)
        json_object_set_new(ev, "start_period", s_period_json(x->period, in.t_start));
    if (x->agg != AGG_NONE && d->child_count[scope] > 0) {
        json_object_set_new(ev, "aggregation", json_string(catalog_agg_name(x->agg)));
        if (x->agg == AGG_RATIO) {
            snprintf(buf, sizeof buf, "%g x sum(%s) / sum(%s)", x->scale, x->numerator,
                     x->denominator);
            json_object_set_new(ev, "aggregation_formula", json_string(buf));
        }
    }
    if (out.has_value) {
        if (t->kind == TARGET_GROWTH)
            json_object_set_new(ev, "growth_rate", json_real(out.value));
        if (t->kind == TARGET_CUMULATIVE || t->kind == TARGET_QUOTA)
            json_object_set_new(ev, "sum", json_real(out.value));
        else if (t->kind != TARGET_GROWTH) {
            const rules_point_t *p = NULL;
            for (size_t i = 0; i < a->count; i++)
                if (a->points[i].t == out.t_value)
                    p = &a->points[i];
            if (p)
                json_object_set_new(ev, "value",
                                    s_figure_json(d, x, a, p->t, p->value, missing_all));
        }
    }
    if (out.has_goal && out.has_value &&
        !(t->kind == TARGET_RELATIVE && out.reason == REASON_REFERENCE_MISSING)) {
        const char *what = t->kind == TARGET_GROWTH       ? "growth %"
                           : t->kind == TARGET_CUMULATIVE ? "sum"
                           : t->kind == TARGET_QUOTA      ? "year's sum"
                                                          : "value";
        s_compared(buf, sizeof buf, what, out.value, t->cmp, out.goal, out.met);
        json_object_set_new(ev, "compared", json_string(buf));
    }
    if (t->kind == TARGET_RELATIVE && out.has_value) {
        json_t *refj = json_pack("{s:s, s:o}", "org", NATION_ORG, "period",
                                 s_period_json(x->period, out.t_value));
        if (out.has_goal)
            json_object_set_new(refj, "value", json_real(out.goal));
        else
            json_object_set_new(refj, "value", json_null());
        if (out.has_ref_projection)
            json_object_set_new(refj, "projection", json_real(out.ref_projection));
        json_object_set_new(ev, "reference", refj);
    }
    if (out.has_baseline && t->kind != TARGET_CUMULATIVE && t->kind != TARGET_QUOTA) {
        json_t *b = s_figure_json(d, x, a, out.t_baseline, out.baseline, missing_all);
        if (out.baseline_substituted)
            json_object_set_new(b, "substituted", json_true());
        json_object_set_new(ev, "baseline", b);
    } else if (out.baseline_substituted)
        json_object_set_new(ev, "baseline",
                            json_pack("{s:o, s:n, s:b}", "period",
                                      s_period_json(x->period, in.t_base), "value", "substituted",
                                      1));
    if (out.has_latest && t->kind != TARGET_CUMULATIVE && t->kind != TARGET_QUOTA)
        json_object_set_new(ev, "latest",
                            s_figure_json(d, x, a, out.t_latest, out.latest, missing_all));
    if (t->kind == TARGET_CUMULATIVE || t->kind == TARGET_QUOTA) {
        json_t *flows = json_pack("{s:I, s:I}", "reported", (json_int_t)out.flows, "expected",
                                  (json_int_t)out.flows_expected);
        if (out.missing_first)
            json_object_set_new(flows, "first_missing",
                                s_period_json(x->period, out.missing_first));
        json_object_set_new(ev, "flows", flows);
        //  Every flow summed counts: name the cities missing from any of them.
        for (size_t i = 0; i < a->count; i++)
            if (a->points[i].t >= in.t_start && a->points[i].t <= t_deadline)
                s_collect_missing(d, &a->meta[i], missing_all);
    }
    if (out.has_projection) {
        json_t *pj = json_pack("{s:s, s:o, s:f}", "method", rules_method_name(out.method), "period",
                               s_period_json(x->period, t_deadline), "value", out.projection);
        if (t->kind == TARGET_GROWTH) {
            json_object_set_new(pj, "rate", json_real(out.projected_rate));
            json_object_set_new(pj, "target_level", json_real(out.target_level));
        }
        json_object_set_new(ev, "projection", pj);
    }
    if (out.has_progress)
        json_object_set_new(ev, "progress", json_real(out.progress));
    json_object_set_new(
        ev, "thresholds",
        json_pack("{s:f, s:f}", "on_track", RULES_P_ON_TRACK, "at_risk", RULES_P_AT_RISK));
    //  Flat figures for readers that want one number each (the alerter's messages).
    if (out.has_value)
        json_object_set_new(ev, "actual", json_real(out.value));
    if (out.has_projection)
        json_object_set_new(
            ev, "projected",
            json_real(t->kind == TARGET_GROWTH ? out.projected_rate : out.projection));
    if (t->kind == TARGET_RELATIVE && out.has_goal)
        json_object_set_new(ev, "national", json_real(out.goal));
    if (out.reason != REASON_NONE)
        json_object_set_new(ev, "reason", json_string(rules_reason_name(out.reason)));
    if (out.awaiting)
        json_object_set_new(ev, "awaiting", s_period_json(x->period, t_deadline));
    r->incomplete = json_array_size(missing_all) > 0;
    json_object_set_new(ev, "incomplete", json_boolean(r->incomplete));
    if (r->incomplete)
        json_object_set_new(ev, "missing_cities", missing_all);
    else
        json_decref(missing_all);
    json_object_set_new(ev, "series", s_series_json(r));
    r->evidence = ev;
    return 0;
}

static int
s_judge_milestone(ctx_t *c, const target_t *t, size_t ti, judge_result_t *r)
{
    const reports_t *reports = &c->d->reports[ti];
    rules_milestone_t in = {.deadline = t->deadline, .as_of = c->opts->as_of};
    json_t *list = json_array();
    for (size_t i = 0; i < reports->count; i++) {
        const report_t *rep = &reports->items[i];
        if (rep->reached_on > in.as_of)
            continue; //  a date still in the future of the judging date
        json_array_append_new(list, json_pack("{s:s, s:o}", "state", rep->done ? "done" : "started",
                                              "reached_on", s_day_json(rep->reached_on)));
        if (rep->done && (!in.done || rep->reached_on < in.done_on)) {
            in.done = true;
            in.done_on = rep->reached_on;
        }
        if (!rep->done && (!in.started || rep->reached_on < in.started_on)) {
            in.started = true;
            in.started_on = rep->reached_on;
        }
    }
    r->status = rules_milestone(&in, &r->reason);
    r->deadline = t->deadline;
    json_t *ev = json_pack("{s:s, s:s, s:s, s:o, s:o}", "rule", "milestone", "formula",
                           s_formula(TARGET_MILESTONE), "org", t->scope, "deadline",
                           s_day_json(t->deadline), "reports", list);
    json_object_set_new(ev, "deadline_passed", json_boolean(in.as_of > t->deadline));
    if (in.done) {
        char buf[128], a[DAY_TEXT_SIZE], b[DAY_TEXT_SIZE];
        json_object_set_new(ev, "done_on", s_day_json(in.done_on));
        snprintf(buf, sizeof buf, "done %s <= deadline %s: %s", day_format(in.done_on, a),
                 day_format(t->deadline, b), in.done_on <= t->deadline ? "met" : "not met");
        json_object_set_new(ev, "compared", json_string(buf));
        day_format(in.done_on, r->value_period);
    }
    if (in.started)
        json_object_set_new(ev, "started_on", s_day_json(in.started_on));
    json_object_set_new(ev, "state",
                        json_string(in.done      ? "done"
                                    : in.started ? "started"
                                                 : "none"));
    if (r->reason != REASON_NONE)
        json_object_set_new(ev, "reason", json_string(rules_reason_name(r->reason)));
    r->evidence = ev;
    return 0;
}

//  Whether the touched set affects a target (see judge_evaluate).
static bool
s_target_touched(const judge_data_t *d, const target_t *t, size_t scope,
                 const judge_touch_t *touched)
{
    if (t->kind == TARGET_MILESTONE)
        return judge_touch_has_milestone(touched, t->code);
    const indicator_t *x = catalog_indicator(d->cat, t->indicator);
    if (!x)
        return false;
    if (judge_touch_has_series(touched, t->scope, x->code))
        return true;
    if (t->kind == TARGET_RELATIVE && judge_touch_has_series(touched, NATION_ORG, x->code))
        return true;
    for (int k = 0; x->agg != AGG_NONE && k < d->child_count[scope]; k++) {
        const char *city = catalog_org_at(d->cat, (size_t)d->children[scope][k])->code;
        if (x->agg == AGG_SUM && judge_touch_has_series(touched, city, x->code))
            return true;
        if (x->agg == AGG_RATIO && (judge_touch_has_series(touched, city, x->numerator) ||
                                    judge_touch_has_series(touched, city, x->denominator)))
            return true;
    }
    return false;
}

static int
s_judge_target(ctx_t *c, size_t ti, const judge_touch_t *touched)
{
    const judge_data_t *d = c->d;
    const target_t *t = catalog_target_at(d->cat, ti);
    size_t scope = judge_data_index(d->org_index, t->scope);
    if (!scope)
        return 0;
    if (touched && !s_target_touched(d, t, scope - 1, touched))
        return 0;
    const indicator_t *x =
        t->kind == TARGET_MILESTONE ? NULL : catalog_indicator(d->cat, t->indicator);
    if (t->kind != TARGET_MILESTONE && !x)
        return 0;
    //  A quota is judged year by year, from its start year to the deadline's, for the years
    //  that have begun.
    int first = 0, last = 0;
    if (t->kind == TARGET_QUOTA) {
        int y, m, dd;
        day_to_ymd(c->opts->as_of, &y, &m, &dd);
        day_to_ymd(t->deadline, &last, &m, &dd);
        first = t->start_year ? t->start_year : x->first_period.year;
        if (y < last)
            last = y;
    }
    //  The judged series (and the national one) are assembled once for all the years.
    assembled_t a = {0}, ref = {0};
    if (x) {
        period_t now = period_containing(x->period, c->opts->as_of);
        if (s_assemble(d, scope - 1, x, rules_ordinal(&now), c->opts->as_of, &a) != 0 ||
            (t->kind == TARGET_RELATIVE && d->nation >= 0 &&
             s_assemble(d, (size_t)d->nation, x, rules_ordinal(&now), c->opts->as_of, &ref) != 0)) {
            s_assembled_free(&a);
            return -1;
        }
    }
    int rc = 0;
    for (int year = first; year <= last && rc == 0; year++) {
        judge_result_t *r = s_report_add(c->report);
        if (!r) {
            rc = -1;
            break;
        }
        r->subject = JUDGE_TARGET;
        r->target = t;
        r->indicator = x;
        r->unit = "";
        r->org = t->scope;
        if (year)
            snprintf(r->period, sizeof r->period, "%04d", year % 10000);
        r->key = s_key_target(t, r->period);
        rc = t->kind == TARGET_MILESTONE ? s_judge_milestone(c, t, ti, r)
                                         : s_judge_numeric(c, t, x, scope - 1, year, &a, &ref, r);
        if (!r->key)
            rc = -1;
        if (rc == 0 && r->status != STATUS_ACHIEVED)
            r->due_soon_days = rules_due_soon(c->opts->as_of, r->deadline, c->opts->due_soon,
                                              c->opts->due_soon_count);
    }
    s_assembled_free(&a);
    s_assembled_free(&ref);
    return rc;
}

// ---------------------------------------------------------------------------------------------
//  Reporting duties

//  REPORT_OVERDUE for every period t_first..t_last of (unit, org, x) with no figure: the
//  periods whose reporting deadline has passed (the deadline day itself is in time).
static int
s_judge_duties(ctx_t *c, const resp_unit_t *u, size_t org, size_t xi, int t_first, int t_last)
{
    const judge_data_t *d = c->d;
    const indicator_t *x = catalog_indicator_at(d->cat, xi);
    const series_t *s = judge_data_series(d, org, xi);
    for (int t = t_first; t <= t_last; t++) {
        if (judge_series_at(s, t))
            continue;
        period_t p = rules_period(x->period, t);
        day_t due = period_due(&p, x->due_months);
        judge_result_t *r = s_report_add(c->report);
        if (!r)
            return -1;
        r->subject = JUDGE_DUTY;
        r->indicator = x;
        r->unit = u->code;
        r->org = u->org;
        period_format(&p, r->period);
        r->key = zsys_sprintf("R|%s|%s|%s|%s", u->code, u->org, x->code, r->period);
        r->status = STATUS_REPORT_OVERDUE;
        r->deadline = due;
        char day[DAY_TEXT_SIZE];
        r->evidence = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "rule", "reporting",
                                "unit", u->code, "org", u->org, "indicator", x->code, "period",
                                r->period, "due", day_format(due, day), "due_months", x->due_months,
                                "compared", "no figure by the due date");
        if (!r->key || !r->evidence)
            return -1;
    }
    return 0;
}

static int
s_judge_all_duties(ctx_t *c, const judge_touch_t *touched)
{
    const judge_data_t *d = c->d;
    for (size_t xi = 0; xi < d->n_inds; xi++) {
        const indicator_t *x = catalog_indicator_at(d->cat, xi);
        //  The periods due by now are the same for every unit reporting x.
        period_t last = period_last_due(x->period, x->due_months, c->opts->as_of);
        int t_first = rules_ordinal(&x->first_period), t_last = rules_ordinal(&last);
        if (t_last < t_first)
            continue;
        for (size_t ui = 0; ui < catalog_unit_count(d->cat); ui++) {
            const resp_unit_t *u = catalog_unit_at(d->cat, ui);
            if (!catalog_unit_reports(d->cat, u->code, x, u->org))
                continue;
            if (touched && !judge_touch_has_series(touched, u->org, x->code))
                continue;
            size_t org = judge_data_index(d->org_index, u->org);
            if (org && s_judge_duties(c, u, org - 1, xi, t_first, t_last) != 0)
                return -1;
        }
    }
    return 0;
}

judge_report_t *
judge_evaluate(const judge_data_t *data, const judge_options_t *opts, const judge_touch_t *touched)
{
    judge_report_t *report = calloc(1, sizeof *report);
    if (!report)
        return NULL;
    ctx_t c = {data, opts, report};
    int rc = 0;
    for (size_t ti = 0; ti < data->n_targets && rc == 0; ti++)
        rc = s_judge_target(&c, ti, touched);
    if (rc == 0)
        rc = s_judge_all_duties(&c, touched);
    if (rc != 0) {
        log_errx("judge.out_of_memory", "subjects=%zu", report->count);
        judge_report_destroy(&report);
    }
    return report;
}

judge_report_t *
judge_run(PGconn *conn, const catalog_t *catalog, const judge_options_t *opts,
          const day_t *known_at)
{
    judge_data_t *data = judge_data_new(catalog);
    if (!data)
        return NULL;
    judge_report_t *report = NULL;
    if (judge_data_load(data, conn, known_at) == 0)
        report = judge_evaluate(data, opts, NULL);
    judge_data_destroy(&data);
    return report;
}

int
judge_parse_leads(const char *text, int *leads, size_t max)
{
    size_t n = 0;
    if (!text)
        return 0;
    const char *p = text;
    while (*p) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno || end == p || v <= 0 || v > 3650 || n == max)
            return -1;
        leads[n++] = (int)v;
        while (*end == ' ')
            end++;
        if (*end == ',')
            end++;
        else if (*end)
            return -1;
        p = end;
    }
    return (int)n;
}
