/*  rules.c - the evaluator's rules: one per target kind, projection, P, due-soon lead times */
#include "rules.h"

#include <math.h>
#include <string.h>

static const char *const s_status_names[] = {"ACHIEVED", "ON_TRACK", "AT_RISK",        "OFF_TRACK",
                                             "OVERDUE",  "NO_DATA",  "REPORT_OVERDUE", "REPORTED"};

const char *
rules_status_name(status_t status)
{
    return (unsigned)status < STATUS_COUNT ? s_status_names[status] : "";
}

int
rules_status_parse(const char *name, status_t *out)
{
    for (int i = 0; name && i < STATUS_COUNT; i++)
        if (strcmp(name, s_status_names[i]) == 0) {
            *out = (status_t)i;
            return 0;
        }
    return -1;
}

const char *
rules_reason_name(rules_reason_t reason)
{
    static const char *const names[] = {"",
                                        "no_figure",
                                        "single_point",
                                        "figure_missing",
                                        "figures_missing",
                                        "reference_missing",
                                        "baseline_missing",
                                        "baseline_met",
                                        "no_report",
                                        "started",
                                        "done_late"};
    return (unsigned)reason < sizeof names / sizeof names[0] ? names[reason] : "";
}

const char *
rules_method_name(rules_method_t method)
{
    return method == PROJECT_COMPOUND ? "compound" : method == PROJECT_LINEAR ? "linear" : "none";
}

int
rules_per_year(period_type_t type)
{
    return type == PERIOD_MONTH ? 12 : type == PERIOD_QUARTER ? 4 : 1;
}

int
rules_ordinal(const period_t *p)
{
    return p->year * rules_per_year(p->type) + (p->index - 1);
}

period_t
rules_period(period_type_t type, int ordinal)
{
    int per_year = rules_per_year(type);
    int year = ordinal / per_year, index = ordinal % per_year + 1;
    day_t first = type == PERIOD_MONTH     ? day_from_ymd(year, index, 1)
                  : type == PERIOD_QUARTER ? day_from_ymd(year, (index - 1) * 3 + 1, 1)
                                           : day_from_ymd(year, 1, 1);
    return period_containing(type, first);
}

bool
rules_cmp(cmp_t cmp, double value, double goal)
{
    //  Figures are decimals; binary rounding (a CAGR of exactly 10 % computes as 9.999999...)
    //  must not decide a verdict, so values within a relative 1e-9 of the goal equal it.
    double tol = RULES_CMP_TOLERANCE * (fabs(goal) > 1 ? fabs(goal) : 1);
    switch (cmp) {
    case CMP_GE:
        return value >= goal - tol;
    case CMP_GT:
        return value > goal + tol;
    case CMP_LE:
        return value <= goal + tol;
    case CMP_LT:
        return value < goal - tol;
    }
    return false;
}

double
rules_project(int t_base, double base, int t_latest, double latest, int t_to, int per_year,
              projection_t projection, rules_method_t *method)
{
    (void)per_year; //  years cancel out: (t_to - t_latest) / (t_latest - t_base)
    double ratio = (double)(t_to - t_latest) / (double)(t_latest - t_base);
    if (projection == PROJECTION_COMPOUND && base > 0 && latest > 0) {
        *method = PROJECT_COMPOUND;
        return latest * pow(latest / base, ratio);
    }
    *method = PROJECT_LINEAR;
    return latest + (latest - base) * ratio;
}

bool
rules_progress(cmp_t cmp, double baseline, double projection, double goal, double *progress)
{
    if (goal == baseline || rules_cmp(cmp, baseline, goal))
        return false;
    double p = (projection - baseline) / (goal - baseline);
    if (!isfinite(p))
        return false;
    *progress = p;
    return true;
}

status_t
rules_progress_status(double progress)
{
    if (progress >= RULES_P_ON_TRACK - RULES_P_TOLERANCE)
        return STATUS_ON_TRACK;
    if (progress >= RULES_P_AT_RISK - RULES_P_TOLERANCE)
        return STATUS_AT_RISK;
    return STATUS_OFF_TRACK;
}

double
rules_cagr(int t0, double v0, int t1, double v1, int per_year)
{
    double years = (double)(t1 - t0) / per_year;
    double ratio = v1 > 0 ? v1 / v0 : 0;
    return (pow(ratio, 1.0 / years) - 1.0) * 100.0;
}

// ---------------------------------------------------------------------------------------------

//  The figure of period t, or NULL.
static const rules_point_t *
s_at(const rules_point_t *points, size_t count, int t)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (points[mid].t < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < count && points[lo].t == t ? &points[lo] : NULL;
}

//  Entries of points with t <= t_max.
static size_t
s_upto(const rules_point_t *points, size_t count, int t_max)
{
    size_t n = 0;
    while (n < count && points[n].t <= t_max)
        n++;
    return n;
}

//  Sets the status from a projection of the judged figure against goal from the baseline.
static void
s_progress(const rules_input_t *in, double goal, rules_result_t *out)
{
    double p;
    if (rules_progress(in->cmp, out->baseline, out->projection, goal, &p)) {
        out->has_progress = true;
        out->progress = p;
        out->status = rules_progress_status(p);
    } else {
        out->reason = REASON_BASELINE_MET;
        out->status =
            rules_cmp(in->cmp, out->projection, goal) ? STATUS_ON_TRACK : STATUS_OFF_TRACK;
    }
}

//  Projects the series from its first to its latest figure (both set in out) to the deadline.
//  Returns false (NO_DATA, single point) when they are the same figure.
static bool
s_project(const rules_input_t *in, rules_result_t *out)
{
    if (out->t_latest <= out->t_baseline) {
        out->status = STATUS_NO_DATA;
        out->reason = REASON_SINGLE_POINT;
        return false;
    }
    out->has_projection = true;
    out->projection = rules_project(out->t_baseline, out->baseline, out->t_latest, out->latest,
                                    in->t_deadline, in->per_year, in->projection, &out->method);
    return true;
}

static void
s_set_latest(rules_result_t *out, const rules_point_t *p)
{
    out->has_latest = true;
    out->latest = p->value;
    out->t_latest = p->t;
}

static void
s_set_baseline(rules_result_t *out, const rules_point_t *p)
{
    out->has_baseline = true;
    out->baseline = p->value;
    out->t_baseline = p->t;
}

//  level: the value for the deadline's period against the goal.
static void
s_level(const rules_input_t *in, rules_result_t *out)
{
    size_t n = s_upto(in->points, in->count, in->t_deadline);
    const rules_point_t *at_deadline = s_at(in->points, n, in->t_deadline);
    out->has_goal = true;
    out->goal = in->goal;
    if (n == 0) {
        out->status = STATUS_NO_DATA;
        out->reason =
            in->deadline_passed && in->figure_due_passed ? REASON_FIGURE_MISSING : REASON_NO_FIGURE;
        out->awaiting = in->deadline_passed && !in->figure_due_passed;
        return;
    }
    const rules_point_t *latest = &in->points[n - 1];
    out->has_value = true;
    out->value = latest->value;
    out->t_value = latest->t;
    out->met = rules_cmp(in->cmp, latest->value, in->goal);
    s_set_latest(out, latest);
    s_set_baseline(out, &in->points[0]);
    if (!at_deadline && in->deadline_passed && in->figure_due_passed) {
        out->status = STATUS_NO_DATA;
        out->reason = REASON_FIGURE_MISSING;
        return;
    }
    out->awaiting = !at_deadline && in->deadline_passed;
    if (out->met) {
        out->status = STATUS_ACHIEVED;
        return;
    }
    if (at_deadline && in->deadline_passed) {
        out->status = STATUS_OVERDUE;
        return;
    }
    if (s_project(in, out))
        s_progress(in, in->goal, out);
}

//  growth: CAGR from the base year's figure to the latest (the deadline year's) against a rate.
static void
s_growth(const rules_input_t *in, rules_result_t *out)
{
    size_t n = s_upto(in->points, in->count, in->t_deadline);
    const rules_point_t *at_deadline = s_at(in->points, n, in->t_deadline);
    out->has_goal = true;
    out->goal = in->goal;
    out->awaiting = !at_deadline && in->deadline_passed && !in->figure_due_passed;
    if (!at_deadline && in->deadline_passed && in->figure_due_passed) {
        out->status = STATUS_NO_DATA;
        out->reason = REASON_FIGURE_MISSING;
        return;
    }
    //  The base year's figure, or (marked) the first positive one after it.
    const rules_point_t *base = s_at(in->points, n, in->t_base);
    if (!base || base->value <= 0) {
        base = NULL;
        for (size_t i = 0; i < n && !base; i++)
            if (in->points[i].t > in->t_base && in->points[i].value > 0)
                base = &in->points[i];
        out->baseline_substituted = true;
    }
    if (!base) {
        out->status = STATUS_NO_DATA;
        out->reason = n ? REASON_BASELINE_MISSING : REASON_NO_FIGURE;
        return;
    }
    s_set_baseline(out, base);
    const rules_point_t *latest = &in->points[n - 1];
    s_set_latest(out, latest);
    if (latest->t <= base->t) {
        out->status = STATUS_NO_DATA;
        out->reason = REASON_SINGLE_POINT;
        return;
    }
    double rate = rules_cagr(base->t, base->value, latest->t, latest->value, in->per_year);
    out->has_value = true;
    out->value = rate;
    out->t_value = latest->t;
    out->met = rules_cmp(in->cmp, rate, in->goal);
    out->projected_rate = rate;
    double years = (double)(in->t_deadline - base->t) / in->per_year;
    out->target_level = base->value * pow(1.0 + in->goal / 100.0, years);
    out->has_projection = true;
    out->method = PROJECT_COMPOUND;
    out->projection = latest->value *
                      pow(1.0 + rate / 100.0, (double)(in->t_deadline - latest->t) / in->per_year);
    if (at_deadline) {
        if (out->met) {
            out->status = STATUS_ACHIEVED;
            return;
        }
        if (in->deadline_passed) {
            out->status = STATUS_OVERDUE;
            return;
        }
    }
    //  Before the deadline's figure: P on levels, the target level being the baseline grown at
    //  the target rate.
    double p;
    if (rules_progress(in->cmp, out->baseline, out->projection, out->target_level, &p)) {
        out->has_progress = true;
        out->progress = p;
        out->status = rules_progress_status(p);
    } else {
        out->reason = REASON_BASELINE_MET;
        out->status = out->met ? STATUS_ON_TRACK : STATUS_OFF_TRACK;
    }
}

//  relative: the scope's value against the national reference of the same period.
static void
s_relative(const rules_input_t *in, rules_result_t *out)
{
    size_t n = s_upto(in->points, in->count, in->t_deadline);
    size_t rn = s_upto(in->ref, in->ref_count, in->t_deadline);
    const rules_point_t *at_deadline = s_at(in->points, n, in->t_deadline);
    if (n == 0 || (!at_deadline && in->deadline_passed && in->figure_due_passed)) {
        out->status = STATUS_NO_DATA;
        out->reason =
            in->deadline_passed && in->figure_due_passed ? REASON_FIGURE_MISSING : REASON_NO_FIGURE;
        out->awaiting = in->deadline_passed && !in->figure_due_passed;
        if (n) {
            s_set_latest(out, &in->points[n - 1]);
            out->has_value = true;
            out->value = out->latest;
            out->t_value = out->t_latest;
        }
        return;
    }
    const rules_point_t *latest = &in->points[n - 1];
    s_set_latest(out, latest);
    s_set_baseline(out, &in->points[0]);
    out->has_value = true;
    out->value = latest->value;
    out->t_value = latest->t;
    out->awaiting = !at_deadline && in->deadline_passed;
    const rules_point_t *ref = s_at(in->ref, rn, latest->t);
    if (!ref) {
        out->status = STATUS_NO_DATA;
        out->reason = REASON_REFERENCE_MISSING;
        return;
    }
    out->has_goal = true;
    out->goal = ref->value;
    out->met = rules_cmp(in->cmp, latest->value, ref->value);
    if (out->met) {
        out->status = STATUS_ACHIEVED;
        return;
    }
    if (at_deadline && in->deadline_passed) {
        out->status = STATUS_OVERDUE;
        return;
    }
    //  The goal at the deadline: the reference projected the same way, or held when it has one
    //  figure.
    out->has_ref_projection = true;
    out->ref_projection = ref->value;
    if (rn >= 2 && in->ref[rn - 1].t > in->ref[0].t) {
        rules_method_t m;
        out->ref_projection =
            rules_project(in->ref[0].t, in->ref[0].value, in->ref[rn - 1].t, in->ref[rn - 1].value,
                          in->t_deadline, in->per_year, in->projection, &m);
    }
    if (s_project(in, out))
        s_progress(in, out->ref_projection, out);
}

//  cumulative (and one year of a quota): the sum of the flows from t_start to the deadline's
//  period against the goal.
static void
s_sum(const rules_input_t *in, rules_result_t *out)
{
    double sum = 0;
    size_t flows = 0;
    const rules_point_t *last = NULL;
    for (size_t i = 0; i < in->count && in->points[i].t <= in->t_deadline; i++) {
        if (in->points[i].t < in->t_start)
            continue;
        sum += in->points[i].value;
        flows++;
        last = &in->points[i];
    }
    size_t expected =
        in->t_deadline >= in->t_start ? (size_t)(in->t_deadline - in->t_start + 1) : 1;
    out->flows = flows;
    out->flows_expected = expected;
    //  Only a period whose figure is due can be missing: a year still running, or one whose
    //  reporting deadline is ahead, is not named.
    int t_due = in->t_due < in->t_deadline ? in->t_due : in->t_deadline;
    for (int t = in->t_start; t <= t_due && flows < expected; t++)
        if (!s_at(in->points, in->count, t)) {
            out->missing_first = t;
            break;
        }
    out->has_goal = true;
    out->goal = in->goal;
    out->has_baseline = true;
    out->baseline = 0;
    out->t_baseline = in->t_start - 1;
    out->has_value = flows > 0;
    out->value = sum;
    out->t_value = last ? last->t : 0;
    out->met = flows > 0 && rules_cmp(in->cmp, sum, in->goal);
    bool complete = flows == expected;
    //  Flows are not negative: a sum that reached a ">=" goal stays there; a "<=" cap is only
    //  met once every flow of the horizon is in.
    bool rising = in->cmp == CMP_GE || in->cmp == CMP_GT;
    if (out->met && (rising || complete)) {
        out->status = STATUS_ACHIEVED;
        return;
    }
    if (complete && in->deadline_passed) {
        out->status = STATUS_OVERDUE;
        return;
    }
    if (!complete && in->deadline_passed && in->figure_due_passed) {
        out->status = STATUS_NO_DATA;
        out->reason = flows ? REASON_FIGURES_MISSING : REASON_FIGURE_MISSING;
        return;
    }
    out->awaiting = in->deadline_passed && !complete;
    if (flows == 0) {
        out->status = STATUS_NO_DATA;
        out->reason = REASON_NO_FIGURE;
        return;
    }
    out->has_latest = true;
    out->latest = sum;
    out->t_latest = last->t;
    //  Linear from 0: the average flow of the periods reported, over the whole horizon.
    out->has_projection = true;
    out->method = PROJECT_LINEAR;
    out->projection = sum / (double)flows * (double)expected;
    s_progress(in, in->goal, out);
}

void
rules_judge(const rules_input_t *in, rules_result_t *out)
{
    memset(out, 0, sizeof *out);
    out->status = STATUS_NO_DATA;
    switch (in->kind) {
    case TARGET_LEVEL:
        s_level(in, out);
        break;
    case TARGET_GROWTH:
        s_growth(in, out);
        break;
    case TARGET_RELATIVE:
        s_relative(in, out);
        break;
    case TARGET_CUMULATIVE:
    case TARGET_QUOTA:
        s_sum(in, out);
        break;
    case TARGET_MILESTONE:
        break; //  rules_milestone
    }
}

status_t
rules_milestone(const rules_milestone_t *in, rules_reason_t *reason)
{
    *reason = REASON_NONE;
    //  Done is done: reported after the deadline it is achieved late (the evidence and the
    //  bulletin say so), and the office's OVERDUE alert is resolved - nothing is left to chase.
    if (in->done) {
        if (in->done_on > in->deadline)
            *reason = REASON_MILESTONE_LATE;
        return STATUS_ACHIEVED;
    }
    if (in->as_of > in->deadline) {
        *reason = in->started ? REASON_MILESTONE_STARTED : REASON_MILESTONE_NONE;
        return STATUS_OVERDUE;
    }
    if (in->started) {
        *reason = REASON_MILESTONE_STARTED;
        return STATUS_ON_TRACK;
    }
    *reason = REASON_MILESTONE_NONE;
    return STATUS_NO_DATA;
}

int
rules_due_soon(day_t as_of, day_t deadline, const int *leads, size_t count)
{
    int days = deadline - as_of, best = 0;
    if (days < 0)
        return 0;
    for (size_t i = 0; i < count; i++)
        if (leads[i] > 0 && days <= leads[i] && (best == 0 || leads[i] < best))
            best = leads[i];
    return best;
}
