/*  planctl_report_svg.c - one inline SVG chart per numeric target: the reported series, the
    path required from the baseline to the target, the projection to the deadline, the deadline

    Time runs along x in period ordinals of the indicator (rules.h: year x periods per year +
    index - 1), so a figure sits at its period and the deadline at the period containing it.
    Each kind draws what its rule compares (services/planctl/REPORT.md).
*/
#include "planctl_report.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W        640 //  viewBox width
#define H        300 //  viewBox height
#define LEFT     66  //  room for the y labels
#define RIGHT    20
#define TOP      34 //  room for the legend
#define BOTTOM   40 //  room for the x labels
#define YTICKS   5  //  about this many y intervals
#define DOTS_MAX 40 //  series longer than this are drawn without a dot per figure

typedef struct {
    double t;     //  period ordinal
    double v;     //  value
    bool partial; //  aggregated from an incomplete set of cities
} pt_t;

typedef struct {
    pt_t *items;  //  points in ascending t
    size_t count; //  entries in items
    size_t cap;   //  slots allocated
} pts_t;

//  Everything one chart draws, gathered before the scales are fixed.
typedef struct {
    period_type_t type;    //  the indicator's period type
    int per_year;          //  1, 4 or 12
    const char *unit;      //  unit of the y axis
    pts_t series;          //  reported (or summed) figures
    pts_t required;        //  the required path
    pts_t projection;      //  latest figure -> projection at the deadline
    pts_t reference;       //  relative: the national series
    pts_t ref_projection;  //  relative: the national projection
    pts_t bars;            //  quota: each year's sum, at the year's middle
    pts_t bar_projections; //  quota: a running year's projection
    bool has_goal;         //  a horizontal target line
    double goal;           //  at this value
    char goal_label[96];   //  "目标 ≥1.4万"
    double t_deadline;     //  period of the deadline
    double t_as_of;        //  period of the as-of date
    double t_lo, t_hi;     //  x range
    double y_lo, y_hi;     //  y range
    bool cumulative;       //  the series is a running sum
    bool failed;           //  out of memory
} chart_t;

static void
s_add(chart_t *c, pts_t *p, double t, double v, bool partial)
{
    if (!isfinite(t) || !isfinite(v))
        return;
    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        pt_t *items = realloc(p->items, cap * sizeof *items);
        if (!items) {
            c->failed = true;
            return;
        }
        p->items = items;
        p->cap = cap;
    }
    p->items[p->count++] = (pt_t){t, v, partial};
}

static void
s_chart_free(chart_t *c)
{
    pts_t *all[] = {&c->series,         &c->required, &c->projection,     &c->reference,
                    &c->ref_projection, &c->bars,     &c->bar_projections};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]->items);
}

//  The ordinal of a period text of the chart's type; false when it does not parse.
static bool
s_ordinal(const chart_t *c, const char *text, double *t)
{
    period_t p;
    if (!text || period_parse(text, c->type, &p) != 0)
        return false;
    *t = rules_ordinal(&p);
    return true;
}

//  {"period": "2024", "value": 1.5} of the evidence: true with its ordinal and value.
static bool
s_evidence_point(const chart_t *c, json_t *evidence, const char *name, double *t, double *v)
{
    json_t *o = evidence ? json_object_get(evidence, name) : NULL;
    json_t *value = o ? json_object_get(o, "value") : NULL;
    if (!json_is_number(value))
        return false;
    *v = json_number_value(value);
    return s_ordinal(c, json_string_value(json_object_get(o, "period")), t);
}

static void
s_series(chart_t *c, const judge_result_t *r)
{
    for (size_t i = 0; r && i < r->series_count; i++) {
        double t;
        const judge_point_t *p = &r->series[i];
        if (s_ordinal(c, p->period, &t))
            s_add(c, &c->series, t, p->value, p->aggregated && p->cities < p->cities_expected);
    }
}

//  Latest figure -> projection at the deadline, when the judge projected.
static void
s_projection(chart_t *c, const judge_result_t *r, double t_from, double v_from)
{
    if (!r || !r->has_projection || r->status == STATUS_ACHIEVED || r->status == STATUS_OVERDUE)
        return;
    if (t_from >= c->t_deadline)
        return;
    s_add(c, &c->projection, t_from, v_from, false);
    s_add(c, &c->projection, c->t_deadline, r->projection, false);
}

static void
s_goal(chart_t *c, const target_t *tg, const char *prefix)
{
    char num[48];
    c->has_goal = tg->has_value;
    c->goal = tg->value;
    snprintf(c->goal_label, sizeof c->goal_label, "%s%s%s", prefix, report_cmp_sign(tg->cmp),
             report_fmt_compact(tg->value, num, sizeof num));
}

static void
s_gather_level(chart_t *c, const report_target_t *t)
{
    const judge_result_t *r = t->main;
    s_series(c, r);
    s_goal(c, t->target, "目标 ");
    double tb, vb, tl, vl;
    json_t *ev = r ? r->evidence : NULL;
    bool base = s_evidence_point(c, ev, "baseline", &tb, &vb);
    if (!base && c->series.count) {
        tb = c->series.items[0].t;
        vb = c->series.items[0].v;
        base = true;
    }
    //  A baseline that already meets the target needs no path.
    if (base && tb < c->t_deadline && !rules_cmp(t->target->cmp, vb, t->target->value)) {
        s_add(c, &c->required, tb, vb, false);
        s_add(c, &c->required, c->t_deadline, t->target->value, false);
    }
    if (s_evidence_point(c, ev, "latest", &tl, &vl))
        s_projection(c, r, tl, vl);
    else if (c->series.count)
        s_projection(c, r, c->series.items[c->series.count - 1].t,
                     c->series.items[c->series.count - 1].v);
}

static void
s_gather_growth(chart_t *c, const report_target_t *t)
{
    const judge_result_t *r = t->main;
    const target_t *tg = t->target;
    s_series(c, r);
    json_t *ev = r ? r->evidence : NULL;
    double tb, vb, tl, vl;
    char num[48];
    snprintf(c->goal_label, sizeof c->goal_label, "目标 年均%s%s%%", report_cmp_sign(tg->cmp),
             report_fmt_number(tg->value, num, sizeof num));
    //  The base year's figure grown at the target rate: the level each year must reach.
    if (s_evidence_point(c, ev, "baseline", &tb, &vb) && vb > 0 && tb < c->t_deadline) {
        int step = c->per_year >= 4 ? c->per_year / 4 : 1;
        for (double k = tb; k < c->t_deadline; k += step)
            s_add(c, &c->required, k, vb * pow(1 + tg->value / 100, (k - tb) / c->per_year), false);
        s_add(c, &c->required, c->t_deadline,
              vb * pow(1 + tg->value / 100, (c->t_deadline - tb) / c->per_year), false);
    }
    if (s_evidence_point(c, ev, "latest", &tl, &vl))
        s_projection(c, r, tl, vl);
}

static void
s_gather_relative(chart_t *c, const report_t *rep, const report_target_t *t)
{
    const judge_result_t *r = t->main;
    const indicator_t *x = t->indicator;
    s_series(c, r);
    //  The national series is the path: the province must stay at or above it.
    period_t now = period_containing(x->period, rep->opts.as_of);
    int t_end = rules_ordinal(&now);
    if (t_end > c->t_deadline)
        t_end = (int)c->t_deadline;
    for (int k = rules_ordinal(&x->first_period); k <= t_end; k++) {
        period_t p = rules_period(x->period, k);
        char text[PERIOD_TEXT_SIZE];
        double v;
        if (judge_data_value(rep->data, NATION_ORG, x->code, period_format(&p, text), &v))
            s_add(c, &c->reference, k, v, false);
    }
    json_t *ev = r ? r->evidence : NULL;
    json_t *ref = ev ? json_object_get(ev, "reference") : NULL;
    json_t *proj = ref ? json_object_get(ref, "projection") : NULL;
    if (json_is_number(proj) && c->reference.count && r->status != STATUS_ACHIEVED &&
        r->status != STATUS_OVERDUE) {
        const pt_t *last = &c->reference.items[c->reference.count - 1];
        if (last->t < c->t_deadline) {
            s_add(c, &c->ref_projection, last->t, last->v, false);
            s_add(c, &c->ref_projection, c->t_deadline, json_number_value(proj), false);
        }
    }
    double tl, vl;
    if (s_evidence_point(c, ev, "latest", &tl, &vl))
        s_projection(c, r, tl, vl);
    else if (c->series.count)
        s_projection(c, r, c->series.items[c->series.count - 1].t,
                     c->series.items[c->series.count - 1].v);
    snprintf(c->goal_label, sizeof c->goal_label, "目标 %s全国", report_cmp_sign(t->target->cmp));
}

static void
s_gather_cumulative(chart_t *c, const report_target_t *t)
{
    const judge_result_t *r = t->main;
    const target_t *tg = t->target;
    int start_year = tg->start_year ? tg->start_year : t->indicator->first_period.year;
    double t_start = (double)start_year * c->per_year;
    json_t *ev = r ? r->evidence : NULL;
    double ts;
    if (s_ordinal(c, json_string_value(json_object_get(ev, "start_period")), &ts))
        t_start = ts;
    s_goal(c, tg, "目标 ");
    c->cumulative = true;
    //  The running sum of the flows from the start period.
    double sum = 0;
    bool any = false;
    for (size_t i = 0; r && i < r->series_count; i++) {
        double tp;
        const judge_point_t *p = &r->series[i];
        if (!s_ordinal(c, p->period, &tp) || tp < t_start || tp > c->t_deadline)
            continue;
        if (!any)
            s_add(c, &c->series, t_start - 1, 0, false);
        any = true;
        sum += p->value;
        s_add(c, &c->series, tp, sum, p->aggregated && p->cities < p->cities_expected);
    }
    //  Even pacing from nothing before the start to the target at the deadline.
    s_add(c, &c->required, t_start - 1, 0, false);
    s_add(c, &c->required, c->t_deadline, tg->value, false);
    if (c->series.count)
        s_projection(c, r, c->series.items[c->series.count - 1].t,
                     c->series.items[c->series.count - 1].v);
}

static void
s_gather_quota(chart_t *c, const report_target_t *t)
{
    s_goal(c, t->target, "每年 ");
    for (size_t i = 0; i < t->result_count; i++) {
        const judge_result_t *r = t->results[i];
        double middle = atoi(r->period) * (double)c->per_year + (c->per_year - 1) / 2.0;
        if (r->has_value)
            s_add(c, &c->bars, middle, r->value, r->incomplete);
        if (r->has_projection && r->status != STATUS_ACHIEVED && r->status != STATUS_OVERDUE)
            s_add(c, &c->bar_projections, middle, r->projection, false);
    }
}

//  1, 2, 2.5 or 5 times a power of ten, at least x.
static double
s_nice(double x)
{
    double e = pow(10, floor(log10(x)));
    double f = x / e;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * e;
}

static void
s_range_pts(const pts_t *p, double *lo, double *hi, double *tlo, double *thi)
{
    for (size_t i = 0; i < p->count; i++) {
        *lo = fmin(*lo, p->items[i].v);
        *hi = fmax(*hi, p->items[i].v);
        *tlo = fmin(*tlo, p->items[i].t);
        *thi = fmax(*thi, p->items[i].t);
    }
}

static void
s_scales(chart_t *c, double t_first)
{
    double lo = INFINITY, hi = -INFINITY, tlo = t_first, thi = c->t_deadline;
    const pts_t *all[] = {&c->series,         &c->required, &c->projection,     &c->reference,
                          &c->ref_projection, &c->bars,     &c->bar_projections};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        s_range_pts(all[i], &lo, &hi, &tlo, &thi);
    if (c->has_goal) {
        lo = fmin(lo, c->goal);
        hi = fmax(hi, c->goal);
    }
    if (!isfinite(lo)) {
        lo = 0;
        hi = 1;
    }
    if (lo > 0)
        lo = 0; //  counts and amounts read best from zero
    if (hi - lo <= 0)
        hi = lo + (fabs(lo) > 0 ? fabs(lo) : 1);
    double step = s_nice((hi - lo) / YTICKS);
    c->y_lo = floor(lo / step) * step;
    c->y_hi = ceil(hi / step) * step;
    if (c->y_hi <= c->y_lo)
        c->y_hi = c->y_lo + step;
    //  Half a period of room on both sides, so that the first and the last figure show whole.
    if (thi - tlo < c->per_year)
        tlo = thi - c->per_year; //  at least a year of context before a lone figure
    c->t_lo = tlo - 0.5 * (c->bars.count ? c->per_year : 1);
    c->t_hi = thi + 0.5 * (c->bars.count ? c->per_year : 1);
    if (c->t_hi - c->t_lo < 1)
        c->t_hi = c->t_lo + 1;
}

static double
s_x(const chart_t *c, double t)
{
    return LEFT + (t - c->t_lo) / (c->t_hi - c->t_lo) * (W - LEFT - RIGHT);
}

static double
s_y(const chart_t *c, double v)
{
    return H - BOTTOM - (v - c->y_lo) / (c->y_hi - c->y_lo) * (H - TOP - BOTTOM);
}

static void
s_polyline(html_t *h, const chart_t *c, const pts_t *p, const char *cls)
{
    if (p->count < 2)
        return;
    html_rawf(h, "<polyline class=\"%s\" points=\"", cls);
    for (size_t i = 0; i < p->count; i++)
        html_rawf(h, "%s%.1f,%.1f", i ? " " : "", s_x(c, p->items[i].t), s_y(c, p->items[i].v));
    html_raw(h, "\"/>\n");
}

static void
s_axes(html_t *h, const chart_t *c)
{
    char label[48];
    double step = s_nice((c->y_hi - c->y_lo) / YTICKS);
    for (int k = 0;; k++) {
        double v = c->y_lo + k * step;
        if (v > c->y_hi + step * 1e-9)
            break;
        double y = s_y(c, v);
        html_rawf(h, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", LEFT, y,
                  W - RIGHT, y);
        html_rawf(h, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", LEFT - 6, y + 4,
                  report_fmt_compact(fabs(v) < step * 1e-9 ? 0 : v, label, sizeof label));
    }
    //  Years along x: a tick at each year's first period, every second year when crowded.
    int first = (int)ceil(c->t_lo / c->per_year), last = (int)floor(c->t_hi / c->per_year);
    int every = last - first > 10 ? 2 : 1;
    for (int y = first; y <= last; y += every) {
        double t = (double)y * c->per_year;
        if (t < c->t_lo || t > c->t_hi)
            continue;
        double x = s_x(c, t);
        html_rawf(h,
                  "<line class=\"axis\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                  "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n",
                  x, H - BOTTOM, x, H - BOTTOM + 4, x, H - BOTTOM + 16, y);
    }
    html_rawf(h,
              "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
              "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
              LEFT, TOP, LEFT, H - BOTTOM, LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM);
    html_rawf(h, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">年份</text>\n", W - RIGHT,
              H - BOTTOM + 32);
    html_rawf(h, "<text x=\"%d\" y=\"%d\">单位：", 4, TOP - 8);
    html_text(h, *c->unit ? c->unit : "—");
    html_raw(h, "</text>\n");
}

//  The legend along the top: a sample of each line drawn, and its name.
static void
s_legend(html_t *h, const chart_t *c)
{
    typedef struct {
        bool shown;       //  drawn in this chart
        const char *cls;  //  CSS class of the sample
        const char *name; //  what it is called
    } item_t;
    const item_t items[] = {
        {c->series.count > 0, "series", c->cumulative ? "累计实际值" : "实际值"},
        {c->bars.count > 0, "bar", "年度实际值"},
        {c->required.count > 1, "required", "应达路径"},
        {c->reference.count > 0, "reference", "全国"},
        {c->projection.count > 1 || c->bar_projections.count > 0, "projection", "预计"},
        {c->has_goal, "goal", "目标值"},
        {true, "deadline", "截止"},
    };
    double x = W - RIGHT;
    //  Right-aligned: measure from the right, about 12 px per character and 26 px of sample.
    double width = 0;
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
        if (items[i].shown)
            width += 26 + 12.0 * (strlen(items[i].name) / 3) + 12;
    x -= width;
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        if (!items[i].shown)
            continue;
        if (!strcmp(items[i].cls, "bar"))
            html_rawf(h, "<rect class=\"bar\" x=\"%.1f\" y=\"8\" width=\"20\" height=\"8\"/>", x);
        else
            html_rawf(h, "<line class=\"%s\" x1=\"%.1f\" y1=\"12\" x2=\"%.1f\" y2=\"12\"/>",
                      items[i].cls, x, x + 20);
        html_rawf(h, "<text x=\"%.1f\" y=\"16\">%s</text>\n", x + 24, items[i].name);
        x += 26 + 12.0 * (strlen(items[i].name) / 3) + 12;
    }
}

static void
s_draw(html_t *h, const chart_t *c, const report_target_t *t)
{
    char num[48], day[DAY_TEXT_SIZE];
    html_rawf(h, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", W, H);
    html_text(h, t->target->code);
    html_raw(h, " ");
    html_text(h, t->target->text);
    html_raw(h, "\">\n");
    s_axes(h, c);
    s_legend(h, c);
    //  The deadline, and the bulletin's date when it falls inside the chart.
    double xd = s_x(c, c->t_deadline);
    html_rawf(h, "<line class=\"deadline\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>", xd, TOP,
              xd, H - BOTTOM);
    //  Its label low down: the target line and the latest figures are usually high.
    html_rawf(
        h,
        "<text class=\"deadline-label\" x=\"%.1f\" y=\"%d\" text-anchor=\"end\">截止 %s</text>\n",
        xd - 3, H - BOTTOM - 6, day_format(t->target->deadline, day));
    if (c->t_as_of >= c->t_lo && c->t_as_of <= c->t_hi && c->t_as_of != c->t_deadline) {
        double xa = s_x(c, c->t_as_of);
        html_rawf(h,
                  "<line class=\"asof\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                  "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">通报日</text>\n",
                  xa, TOP + 16, xa, H - BOTTOM, xa, TOP + 28);
    }
    if (c->has_goal) {
        double yg = s_y(c, c->goal);
        html_rawf(h, "<line class=\"goal\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", LEFT, yg,
                  W - RIGHT, yg);
        html_rawf(h, "<text x=\"%d\" y=\"%.1f\">", LEFT + 4, yg - 4);
        html_text(h, c->goal_label);
        html_raw(h, "</text>\n");
    } else if (c->required.count > 1) {
        const pt_t *end = &c->required.items[c->required.count - 1];
        html_rawf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", s_x(c, end->t) - 4,
                  s_y(c, end->v) - 6);
        html_text(h, c->goal_label);
        html_raw(h, "</text>\n");
    }
    //  Bars (quota years).
    double bar_w = (s_x(c, c->per_year) - s_x(c, 0)) * 0.6;
    for (size_t i = 0; i < c->bars.count; i++) {
        const pt_t *b = &c->bars.items[i];
        double y0 = s_y(c, fmax(0, c->y_lo)), y1 = s_y(c, b->v);
        html_rawf(h,
                  "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                  s_x(c, b->t) - bar_w / 2, fmin(y0, y1), bar_w, fabs(y0 - y1), s_x(c, b->t),
                  fmin(y0, y1) - 4, report_fmt_compact(b->v, num, sizeof num));
    }
    for (size_t i = 0; i < c->bar_projections.count; i++) {
        const pt_t *b = &c->bar_projections.items[i];
        double x = s_x(c, b->t), y = s_y(c, b->v);
        html_rawf(h,
                  "<path class=\"projected\" d=\"M %.1f %.1f L %.1f %.1f L %.1f %.1f L %.1f %.1f "
                  "Z\"/>\n",
                  x, y - 5, x + 5, y, x, y + 5, x - 5, y);
    }
    s_polyline(h, c, &c->required, "required");
    s_polyline(h, c, &c->reference, "reference");
    for (size_t i = 0; c->reference.count <= DOTS_MAX && i < c->reference.count; i++)
        html_rawf(h, "<circle class=\"reference-point\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"/>",
                  s_x(c, c->reference.items[i].t), s_y(c, c->reference.items[i].v));
    s_polyline(h, c, &c->ref_projection, "reference-projection");
    s_polyline(h, c, &c->projection, "projection");
    if (c->projection.count > 1) {
        const pt_t *end = &c->projection.items[c->projection.count - 1];
        html_rawf(h,
                  "<circle class=\"projected\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">预计 %s</text>\n",
                  s_x(c, end->t), s_y(c, end->v), s_x(c, end->t) - 6, s_y(c, end->v) + 14,
                  report_fmt_compact(end->v, num, sizeof num));
    }
    s_polyline(h, c, &c->series, "series");
    if (c->series.count <= DOTS_MAX)
        for (size_t i = 0; i < c->series.count; i++) {
            const pt_t *p = &c->series.items[i];
            html_rawf(h, "<circle class=\"point%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"/>",
                      p->partial ? " partial" : "", s_x(c, p->t), s_y(c, p->v));
        }
    if (c->series.count) {
        const pt_t *last = &c->series.items[c->series.count - 1];
        html_rawf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                  s_x(c, last->t), s_y(c, last->v) - 8,
                  report_fmt_compact(last->v, num, sizeof num));
    }
    if (!c->series.count && !c->bars.count)
        html_rawf(
            h, "<text class=\"nodata\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">暂无数据</text>\n",
            (LEFT + W - RIGHT) / 2, (TOP + H - BOTTOM) / 2);
    html_raw(h, "</svg>\n");
}

void
report_svg_chart(html_t *h, const report_t *report, const report_target_t *t)
{
    const indicator_t *x = t->indicator;
    if (!x || t->target->kind == TARGET_MILESTONE)
        return;
    chart_t c;
    memset(&c, 0, sizeof c);
    c.type = x->period;
    c.per_year = rules_per_year(x->period);
    c.unit = x->unit; //  growth too: its chart shows levels
    period_t dp = period_containing(x->period, t->target->deadline);
    c.t_deadline = rules_ordinal(&dp);
    period_t ap = period_containing(x->period, report->opts.as_of);
    c.t_as_of = rules_ordinal(&ap);
    double t_first = rules_ordinal(&x->first_period);
    switch (t->target->kind) {
    case TARGET_LEVEL:
        s_gather_level(&c, t);
        break;
    case TARGET_GROWTH:
        s_gather_growth(&c, t);
        break;
    case TARGET_RELATIVE:
        s_gather_relative(&c, report, t);
        break;
    case TARGET_CUMULATIVE:
        s_gather_cumulative(&c, t);
        break;
    case TARGET_QUOTA: {
        int start = t->target->start_year ? t->target->start_year : x->first_period.year;
        t_first = (double)start * c.per_year;
        c.t_deadline = (double)dp.year * c.per_year + c.per_year - 1;
        s_gather_quota(&c, t);
        break;
    }
    case TARGET_MILESTONE:
        break;
    }
    if (c.failed) {
        h->failed = true;
        s_chart_free(&c);
        return;
    }
    s_scales(&c, t_first);
    s_draw(h, &c, t);
    s_chart_free(&c);
}
