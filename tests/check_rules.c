/*  check_rules.c - worked cases for every rule and edge of the evaluator (tables, no store) */
#include "testutil.h"

#include "rules.h"

#include <math.h>

#define NONE NAN
#define Y(year, v)                                                                                 \
    {                                                                                              \
        (year), (v)                                                                                \
    }

//  One worked case: a target, what the rules are told, and the verdict a clerk would give.
typedef struct {
    const char *name;      //  what the case shows
    target_kind_t kind;    //  rule
    cmp_t cmp;             //  comparison
    double goal;           //  target value or rate
    int t_base;            //  growth: base year
    int t_start;           //  cumulative, quota: first year summed
    int t_deadline;        //  deadline's year
    bool passed;           //  as of after the deadline day
    bool due_passed;       //  as of after the deadline figure's reporting deadline
    int n;                 //  points
    rules_point_t pts[6];  //  the series
    int rn;                //  reference points
    rules_point_t ref[4];  //  the national series (relative)
    status_t status;       //  expected verdict
    rules_reason_t reason; //  expected reason
    bool awaiting;         //  expected awaiting flag
    double progress;       //  expected P (NONE: undefined)
    double projection;     //  expected projection (NONE: none)
    double value;          //  expected judged figure (NONE: none)
    projection_t proj;     //  the indicator's projection
} rule_case_t;

static const rule_case_t s_cases[] = {
    //  level (高新技术企业达到1.4万家 by 2025)
    {"level met early is ACHIEVED",
     TARGET_LEVEL,
     CMP_GE,
     14000,
     0,
     0,
     2025,
     false,
     false,
     3,
     {Y(2022, 11000), Y(2023, 12500), Y(2024, 14100)},
     0,
     {{0}},
     STATUS_ACHIEVED,
     REASON_NONE,
     false,
     NONE,
     NONE,
     14100,
     PROJECTION_COMPOUND},
    {"level compound projection ON_TRACK",
     TARGET_LEVEL,
     CMP_GE,
     14000,
     0,
     0,
     2025,
     false,
     false,
     3,
     {Y(2022, 11000), Y(2023, 12000), Y(2024, 13000)},
     0,
     {{0}},
     STATUS_ON_TRACK,
     REASON_NONE,
     false,
     1.0441633230399445,
     14132.489969119833,
     13000,
     PROJECTION_COMPOUND},
    {"level missing middle year: CAGR over the years between",
     TARGET_LEVEL,
     CMP_GE,
     14000,
     0,
     0,
     2025,
     false,
     false,
     2,
     {Y(2022, 11000), Y(2024, 12600)},
     0,
     {{0}},
     STATUS_AT_RISK,
     REASON_NONE,
     false,
     0.8284215618131912,
     13485.264685439573,
     12600,
     PROJECTION_COMPOUND},
    {"level slow growth OFF_TRACK",
     TARGET_LEVEL,
     CMP_GE,
     14000,
     0,
     0,
     2025,
     false,
     false,
     2,
     {Y(2022, 11000), Y(2023, 11200)},
     0,
     {{0}},
     STATUS_OFF_TRACK,
     REASON_NONE,
     false,
     0.20365840220385567,
     11610.975206611567,
     11200,
     PROJECTION_COMPOUND},
    {"level falling series: negative P, OFF_TRACK",
     TARGET_LEVEL,
     CMP_GE,
     14000,
     0,
     0,
     2025,
     false,
     false,
     2,
     {Y(2022, 11000), Y(2023, 10500)},
     0,
     {{0}},
     STATUS_OFF_TRACK,
     REASON_NONE,
     false,
     -0.47761707988980684,
     9567.14876033058,
     10500,
     PROJECTION_COMPOUND},
    {"level one data point: no trend, NO_DATA",
     TARGET_LEVEL,
     CMP_GE,
     14000,
     0,
     0,
     2025,
     false,
     false,
     1,
     {Y(2022, 11000)},
     0,
     {{0}},
     STATUS_NO_DATA,
     REASON_SINGLE_POINT,
     false,
     NONE,
     NONE,
     11000,
     PROJECTION_COMPOUND},
    {"level zero baseline: linear projection",
     TARGET_LEVEL,
     CMP_GE,
     5,
     0,
     0,
     2025,
     false,
     false,
     2,
     {Y(2022, 0), Y(2023, 2)},
     0,
     {{0}},
     STATUS_ON_TRACK,
     REASON_NONE,
     false,
     1.2,
     6,
     2,
     PROJECTION_COMPOUND},
    {"count 1->2, goal 5 by 2025: linear, proj 4, P 0.75, AT_RISK",
     TARGET_LEVEL,
     CMP_GE,
     5,
     0,
     0,
     2025,
     false,
     false,
     2,
     {Y(2022, 1), Y(2023, 2)},
     0,
     {{0}},
     STATUS_AT_RISK,
     REASON_NONE,
     false,
     0.75,
     4,
     2,
     PROJECTION_LINEAR},
    {"count 1->2, goal 5 by 2025 projected compound: proj 8, P 1.75, ON_TRACK",
     TARGET_LEVEL,
     CMP_GE,
     5,
     0,
     0,
     2025,
     false,
     false,
     2,
     {Y(2022, 1), Y(2023, 2)},
     0,
     {{0}},
     STATUS_ON_TRACK,
     REASON_NONE,
     false,
     1.75,
     8,
     2,
     PROJECTION_COMPOUND},
    {"P exactly 0.95 in arithmetic (baseline 0, goal 3, projection 2.85): ON_TRACK",
     TARGET_LEVEL,
     CMP_GE,
     3,
     0,
     0,
     2025,
     false,
     false,
     2,
     {Y(2022, 0), Y(2023, 0.95)},
     0,
     {{0}},
     STATUS_ON_TRACK,
     REASON_NONE,
     false,
     0.95,
     2.85,
     0.95,
     PROJECTION_LINEAR},
    {"level no figure yet",
     TARGET_LEVEL,
     CMP_GE,
     14000,
     0,
     0,
     2025,
     false,
     false,
     0,
     {{0}},
     0,
     {{0}},
     STATUS_NO_DATA,
     REASON_NO_FIGURE,
     false,
     NONE,
     NONE,
     NONE,
     PROJECTION_COMPOUND},
    {"level on the deadline day: still in time",
     TARGET_LEVEL,
     CMP_GE,
     14000,
     0,
     0,
     2025,
     false,
     false,
     3,
     {Y(2022, 11000), Y(2023, 12000), Y(2024, 13000)},
     0,
     {{0}},
     STATUS_ON_TRACK,
     REASON_NONE,
     false,
     1.0441633230399445,
     14132.489969119833,
     13000,
     PROJECTION_COMPOUND},
    {"level after the deadline, figure not yet due: awaiting",
     TARGET_LEVEL,
     CMP_GE,
     14000,
     0,
     0,
     2025,
     true,
     false,
     3,
     {Y(2022, 11000), Y(2023, 12000), Y(2024, 13000)},
     0,
     {{0}},
     STATUS_ON_TRACK,
     REASON_NONE,
     true,
     1.0441633230399445,
     14132.489969119833,
     13000,
     PROJECTION_COMPOUND},
    {"level figure past its due date and missing: NO_DATA",
     TARGET_LEVEL,
     CMP_GE,
     14000,
     0,
     0,
     2025,
     true,
     true,
     3,
     {Y(2022, 11000), Y(2023, 12000), Y(2024, 13000)},
     0,
     {{0}},
     STATUS_NO_DATA,
     REASON_FIGURE_MISSING,
     false,
     NONE,
     NONE,
     13000,
     PROJECTION_COMPOUND},
    {"level deadline figure unmet: OVERDUE",
     TARGET_LEVEL,
     CMP_GE,
     14000,
     0,
     0,
     2025,
     true,
     false,
     4,
     {Y(2022, 11000), Y(2023, 12000), Y(2024, 13000), Y(2025, 13900)},
     0,
     {{0}},
     STATUS_OVERDUE,
     REASON_NONE,
     false,
     NONE,
     NONE,
     13900,
     PROJECTION_COMPOUND},
    {"level deadline figure equal to the target: ACHIEVED (以上 includes it)",
     TARGET_LEVEL,
     CMP_GE,
     14000,
     0,
     0,
     2025,
     true,
     true,
     2,
     {Y(2022, 11000), Y(2025, 14000)},
     0,
     {{0}},
     STATUS_ACHIEVED,
     REASON_NONE,
     false,
     NONE,
     NONE,
     14000,
     PROJECTION_COMPOUND},
    {"level '>' equal to the target: OVERDUE (突破 is strict)",
     TARGET_LEVEL,
     CMP_GT,
     17500,
     0,
     0,
     2025,
     true,
     true,
     2,
     {Y(2022, 15000), Y(2025, 17500)},
     0,
     {{0}},
     STATUS_OVERDUE,
     REASON_NONE,
     false,
     NONE,
     NONE,
     17500,
     PROJECTION_COMPOUND},
    {"level figures after the deadline's period are not the deadline's",
     TARGET_LEVEL,
     CMP_GE,
     200,
     0,
     0,
     2022,
     true,
     true,
     2,
     {Y(2022, 150), Y(2023, 250)},
     0,
     {{0}},
     STATUS_OVERDUE,
     REASON_NONE,
     false,
     NONE,
     NONE,
     150,
     PROJECTION_COMPOUND},
    //  "≤" targets
    {"'<=' level falling towards the cap: AT_RISK",
     TARGET_LEVEL,
     CMP_LE,
     5,
     0,
     0,
     2025,
     false,
     false,
     2,
     {Y(2022, 10), Y(2023, 8.5)},
     0,
     {{0}},
     STATUS_AT_RISK,
     REASON_NONE,
     false,
     0.7717500000000002,
     6.141249999999999,
     8.5,
     PROJECTION_COMPOUND},
    {"'<=' level under the cap early: ACHIEVED",
     TARGET_LEVEL,
     CMP_LE,
     5,
     0,
     0,
     2025,
     false,
     false,
     2,
     {Y(2022, 10), Y(2023, 4.8)},
     0,
     {{0}},
     STATUS_ACHIEVED,
     REASON_NONE,
     false,
     NONE,
     NONE,
     4.8,
     PROJECTION_COMPOUND},
    {"'<=' baseline met, rising past the cap: P undefined, OFF_TRACK",
     TARGET_LEVEL,
     CMP_LE,
     5,
     0,
     0,
     2025,
     false,
     false,
     2,
     {Y(2022, 4), Y(2023, 6)},
     0,
     {{0}},
     STATUS_OFF_TRACK,
     REASON_BASELINE_MET,
     false,
     NONE,
     13.5,
     6,
     PROJECTION_COMPOUND},
    //  growth (高新技术产业增加值年均增长10%以上, 2021 -> 2025)
    {"growth exactly 10 % over 2021-2025: ACHIEVED",
     TARGET_GROWTH,
     CMP_GE,
     10,
     2021,
     0,
     2025,
     true,
     false,
     2,
     {Y(2021, 100), Y(2025, 146.41)},
     0,
     {{0}},
     STATUS_ACHIEVED,
     REASON_NONE,
     false,
     NONE,
     146.41,
     10,
     PROJECTION_COMPOUND},
    {"growth below the rate at the deadline: OVERDUE",
     TARGET_GROWTH,
     CMP_GE,
     10,
     2021,
     0,
     2025,
     true,
     false,
     2,
     {Y(2021, 100), Y(2025, 140)},
     0,
     {{0}},
     STATUS_OVERDUE,
     REASON_NONE,
     false,
     NONE,
     140,
     8.775730593727715,
     PROJECTION_COMPOUND},
    {"growth at the rate before the deadline: P = 1, ON_TRACK (never ACHIEVED early)",
     TARGET_GROWTH,
     CMP_GE,
     10,
     2021,
     0,
     2025,
     false,
     false,
     2,
     {Y(2021, 100), Y(2023, 121)},
     0,
     {{0}},
     STATUS_ON_TRACK,
     REASON_NONE,
     false,
     1.0,
     146.41,
     10,
     PROJECTION_COMPOUND},
    {"growth slower: AT_RISK",
     TARGET_GROWTH,
     CMP_GE,
     10,
     2021,
     0,
     2025,
     false,
     false,
     2,
     {Y(2021, 100), Y(2023, 115)},
     0,
     {{0}},
     STATUS_AT_RISK,
     REASON_NONE,
     false,
     0.6948933419521661,
     132.25,
     7.238052947636087,
     PROJECTION_COMPOUND},
    {"growth missing baseline: first later figure, marked",
     TARGET_GROWTH,
     CMP_GE,
     10,
     2021,
     0,
     2025,
     false,
     false,
     2,
     {Y(2022, 110), Y(2024, 133.1)},
     0,
     {{0}},
     STATUS_ON_TRACK,
     REASON_NONE,
     false,
     1.0,
     146.41,
     10,
     PROJECTION_COMPOUND},
    {"growth zero baseline: first positive figure",
     TARGET_GROWTH,
     CMP_GE,
     10,
     2021,
     0,
     2025,
     false,
     false,
     3,
     {Y(2021, 0), Y(2022, 50), Y(2023, 60)},
     0,
     {{0}},
     STATUS_ON_TRACK,
     REASON_NONE,
     false,
     2.199395770392749,
     86.4,
     20,
     PROJECTION_COMPOUND},
    {"growth one figure: NO_DATA",
     TARGET_GROWTH,
     CMP_GE,
     10,
     2021,
     0,
     2025,
     false,
     false,
     1,
     {Y(2021, 100)},
     0,
     {{0}},
     STATUS_NO_DATA,
     REASON_SINGLE_POINT,
     false,
     NONE,
     NONE,
     NONE,
     PROJECTION_COMPOUND},
    //  relative (研发经费投入强度达到全国平均水平以上)
    {"relative without the national value: NO_DATA",
     TARGET_RELATIVE,
     CMP_GE,
     0,
     0,
     0,
     2025,
     false,
     false,
     1,
     {Y(2024, 2.5)},
     0,
     {{0}},
     STATUS_NO_DATA,
     REASON_REFERENCE_MISSING,
     false,
     NONE,
     NONE,
     2.5,
     PROJECTION_COMPOUND},
    {"relative above the national value: ACHIEVED",
     TARGET_RELATIVE,
     CMP_GE,
     0,
     0,
     0,
     2025,
     false,
     false,
     1,
     {Y(2024, 2.6)},
     1,
     {Y(2024, 2.55)},
     STATUS_ACHIEVED,
     REASON_NONE,
     false,
     NONE,
     NONE,
     2.6,
     PROJECTION_COMPOUND},
    {"relative below, both projected: OFF_TRACK",
     TARGET_RELATIVE,
     CMP_GE,
     0,
     0,
     0,
     2025,
     false,
     false,
     2,
     {Y(2022, 2.2), Y(2023, 2.3)},
     2,
     {Y(2022, 2.5), Y(2023, 2.6)},
     STATUS_OFF_TRACK,
     REASON_NONE,
     false,
     0.5126812846422663,
     2.51384297520661,
     2.3,
     PROJECTION_COMPOUND},
    {"relative deadline figure below: OVERDUE",
     TARGET_RELATIVE,
     CMP_GE,
     0,
     0,
     0,
     2025,
     true,
     false,
     2,
     {Y(2024, 2.4), Y(2025, 2.5)},
     2,
     {Y(2024, 2.6), Y(2025, 2.7)},
     STATUS_OVERDUE,
     REASON_NONE,
     false,
     NONE,
     NONE,
     2.5,
     PROJECTION_COMPOUND},
    //  cumulative (累计发放突破100亿元)
    {"cumulative reached early: ACHIEVED",
     TARGET_CUMULATIVE,
     CMP_GE,
     100,
     0,
     2022,
     2025,
     false,
     false,
     3,
     {Y(2022, 30), Y(2023, 40), Y(2024, 35)},
     0,
     {{0}},
     STATUS_ACHIEVED,
     REASON_NONE,
     false,
     NONE,
     NONE,
     105,
     PROJECTION_COMPOUND},
    {"cumulative linear from 0: AT_RISK",
     TARGET_CUMULATIVE,
     CMP_GE,
     100,
     0,
     2022,
     2025,
     false,
     false,
     2,
     {Y(2022, 20), Y(2023, 22)},
     0,
     {{0}},
     STATUS_AT_RISK,
     REASON_NONE,
     false,
     0.84,
     84,
     42,
     PROJECTION_COMPOUND},
    {"cumulative one year in is enough (baseline 0)",
     TARGET_CUMULATIVE,
     CMP_GE,
     100,
     0,
     2022,
     2025,
     false,
     false,
     1,
     {Y(2022, 25)},
     0,
     {{0}},
     STATUS_ON_TRACK,
     REASON_NONE,
     false,
     1.0,
     100,
     25,
     PROJECTION_COMPOUND},
    {"cumulative missing middle year: average of the years reported",
     TARGET_CUMULATIVE,
     CMP_GE,
     100,
     0,
     2022,
     2025,
     false,
     false,
     2,
     {Y(2022, 20), Y(2024, 30)},
     0,
     {{0}},
     STATUS_ON_TRACK,
     REASON_NONE,
     false,
     1.0,
     100,
     50,
     PROJECTION_COMPOUND},
    {"cumulative complete and short at the deadline: OVERDUE",
     TARGET_CUMULATIVE,
     CMP_GE,
     100,
     0,
     2022,
     2025,
     true,
     false,
     4,
     {Y(2022, 20), Y(2023, 20), Y(2024, 20), Y(2025, 20)},
     0,
     {{0}},
     STATUS_OVERDUE,
     REASON_NONE,
     false,
     NONE,
     NONE,
     80,
     PROJECTION_COMPOUND},
    {"cumulative with a flow missing past due: NO_DATA",
     TARGET_CUMULATIVE,
     CMP_GE,
     100,
     0,
     2022,
     2025,
     true,
     true,
     3,
     {Y(2022, 20), Y(2023, 20), Y(2025, 20)},
     0,
     {{0}},
     STATUS_NO_DATA,
     REASON_FIGURES_MISSING,
     false,
     NONE,
     NONE,
     60,
     PROJECTION_COMPOUND},
    {"cumulative '>' of 100 by 2023 from 2021, exactly 100: not met",
     TARGET_CUMULATIVE,
     CMP_GT,
     100,
     0,
     2021,
     2023,
     true,
     false,
     3,
     {Y(2021, 20), Y(2022, 30), Y(2023, 50)},
     0,
     {{0}},
     STATUS_OVERDUE,
     REASON_NONE,
     false,
     NONE,
     NONE,
     100,
     PROJECTION_COMPOUND},
    {"cumulative '<=' cap: under so far is ON_TRACK, not ACHIEVED",
     TARGET_CUMULATIVE,
     CMP_LE,
     100,
     0,
     2022,
     2025,
     false,
     false,
     2,
     {Y(2022, 20), Y(2023, 20)},
     0,
     {{0}},
     STATUS_ON_TRACK,
     REASON_BASELINE_MET,
     false,
     NONE,
     80,
     40,
     PROJECTION_COMPOUND},
    //  quota (每年…100家以上): one year on its own
    {"quota year below: OVERDUE for that year",
     TARGET_QUOTA,
     CMP_GE,
     100,
     0,
     2023,
     2023,
     true,
     true,
     2,
     {Y(2022, 130), Y(2023, 90)},
     0,
     {{0}},
     STATUS_OVERDUE,
     REASON_NONE,
     false,
     NONE,
     NONE,
     90,
     PROJECTION_COMPOUND},
    {"quota next year starts fresh",
     TARGET_QUOTA,
     CMP_GE,
     100,
     0,
     2024,
     2024,
     true,
     false,
     3,
     {Y(2022, 130), Y(2023, 90), Y(2024, 101)},
     0,
     {{0}},
     STATUS_ACHIEVED,
     REASON_NONE,
     false,
     NONE,
     NONE,
     101,
     PROJECTION_COMPOUND},
    {"quota year ended, figure not yet due: awaiting",
     TARGET_QUOTA,
     CMP_GE,
     100,
     0,
     2024,
     2024,
     true,
     false,
     1,
     {Y(2023, 130)},
     0,
     {{0}},
     STATUS_NO_DATA,
     REASON_NO_FIGURE,
     true,
     NONE,
     NONE,
     NONE,
     PROJECTION_COMPOUND},
    {"quota figure past due: NO_DATA",
     TARGET_QUOTA,
     CMP_GE,
     100,
     0,
     2024,
     2024,
     true,
     true,
     1,
     {Y(2023, 130)},
     0,
     {{0}},
     STATUS_NO_DATA,
     REASON_FIGURE_MISSING,
     false,
     NONE,
     NONE,
     NONE,
     PROJECTION_COMPOUND},
};

static void
s_close(double got, double want, const char *what, const char *name)
{
    if (isnan(want))
        return;
    ck_assert_msg(fabs(got - want) <= 1e-9 * (fabs(want) > 1 ? fabs(want) : 1),
                  "%s: %s is %.15g, expected %.15g", name, what, got, want);
}

START_TEST(test_rules_worked_cases)
{
    const rule_case_t *c = &s_cases[_i];
    rules_input_t in = {.kind = c->kind,
                        .cmp = c->cmp,
                        .goal = c->goal,
                        .per_year = 1,
                        .t_base = c->t_base,
                        .t_start = c->t_start,
                        .t_deadline = c->t_deadline,
                        .deadline_passed = c->passed,
                        .figure_due_passed = c->due_passed,
                        .points = c->pts,
                        .count = (size_t)c->n,
                        .ref = c->ref,
                        .ref_count = (size_t)c->rn,
                        .projection = c->proj};
    rules_result_t out;
    rules_judge(&in, &out);
    ck_assert_msg(out.status == c->status, "%s: status %s, expected %s", c->name,
                  rules_status_name(out.status), rules_status_name(c->status));
    ck_assert_msg(out.reason == c->reason, "%s: reason '%s', expected '%s'", c->name,
                  rules_reason_name(out.reason), rules_reason_name(c->reason));
    ck_assert_msg(out.awaiting == c->awaiting, "%s: awaiting %d", c->name, out.awaiting);
    ck_assert_msg(out.has_progress == !isnan(c->progress), "%s: has_progress %d", c->name,
                  out.has_progress);
    if (out.has_progress)
        s_close(out.progress, c->progress, "P", c->name);
    if (!isnan(c->projection)) {
        ck_assert_msg(out.has_projection, "%s: no projection", c->name);
        s_close(out.projection, c->projection, "projection", c->name);
    }
    ck_assert_msg(out.has_value == !isnan(c->value), "%s: has_value %d", c->name, out.has_value);
    if (out.has_value)
        s_close(out.value, c->value, "value", c->name);
}
END_TEST

//  Growth marks a substituted baseline; level never does.
START_TEST(test_rules_growth_baseline_substituted)
{
    rules_point_t pts[] = {{2022, 110}, {2024, 133.1}};
    rules_input_t in = {.kind = TARGET_GROWTH,
                        .cmp = CMP_GE,
                        .goal = 10,
                        .per_year = 1,
                        .t_base = 2021,
                        .t_deadline = 2025,
                        .points = pts,
                        .count = 2};
    rules_result_t out;
    rules_judge(&in, &out);
    ck_assert(out.baseline_substituted);
    ck_assert_int_eq(out.t_baseline, 2022);
    pts[0].t = 2021;
    rules_judge(&in, &out);
    ck_assert(!out.baseline_substituted);
    ck_assert_int_eq(out.method, PROJECT_COMPOUND);
}
END_TEST

//  Monthly flows: the projection counts periods, not years.
START_TEST(test_rules_monthly_cumulative)
{
    period_t jan;
    ck_assert_int_eq(period_parse("2024-01", PERIOD_MONTH, &jan), 0);
    int t0 = rules_ordinal(&jan);
    rules_point_t pts[] = {{t0, 10}, {t0 + 1, 10}, {t0 + 2, 10}};
    rules_input_t in = {.kind = TARGET_CUMULATIVE,
                        .cmp = CMP_GE,
                        .goal = 120,
                        .per_year = 12,
                        .t_start = t0,
                        .t_deadline = t0 + 11,
                        .points = pts,
                        .count = 3};
    rules_result_t out;
    rules_judge(&in, &out);
    ck_assert_int_eq(out.status, STATUS_ON_TRACK);
    ck_assert_double_eq_tol(out.projection, 120, 1e-9);
    ck_assert_int_eq((int)out.flows_expected, 12);
    period_t back = rules_period(PERIOD_MONTH, t0 + 1);
    char buf[PERIOD_TEXT_SIZE];
    ck_assert_str_eq(period_format(&back, buf), "2024-02");
    ck_assert_int_eq(rules_ordinal(&back), t0 + 1);
}
END_TEST

//  The first missing flow is a period that is due: not a year still running, not one whose
//  reporting deadline is ahead (cumulative 2022-2025, judged with figures due up to t_due).
static const struct {
    const char *name; //  what the case shows
    int t_due;        //  the last period whose figure is due
    int n;            //  flows
    int years[4];     //  the years that have a flow
    int missing;      //  expected missing_first (0: none)
} s_missing[] = {
    {"2023 due and absent", 2023, 1, {2022}, 2023},
    {"2022 and 2023 in; 2024 and 2025 not due yet", 2023, 2, {2022, 2023}, 0},
    {"nothing due yet", 2021, 0, {0}, 0},
    {"after the horizon: a gap in the middle", 2027, 3, {2022, 2024, 2025}, 2023},
};

START_TEST(test_rules_missing_first_due_only)
{
    rules_point_t pts[4];
    for (int i = 0; i < s_missing[_i].n; i++)
        pts[i] = (rules_point_t){s_missing[_i].years[i], 10};
    rules_input_t in = {.kind = TARGET_CUMULATIVE,
                        .cmp = CMP_GE,
                        .goal = 100,
                        .per_year = 1,
                        .t_start = 2022,
                        .t_deadline = 2025,
                        .t_due = s_missing[_i].t_due,
                        .deadline_passed = s_missing[_i].t_due > 2025,
                        .figure_due_passed = s_missing[_i].t_due >= 2025,
                        .points = pts,
                        .count = (size_t)s_missing[_i].n};
    rules_result_t out;
    rules_judge(&in, &out);
    ck_assert_msg(out.missing_first == s_missing[_i].missing, "%s: missing_first %d, expected %d",
                  s_missing[_i].name, out.missing_first, s_missing[_i].missing);
}
END_TEST

typedef struct {
    const char *name;      //  what the case shows
    const char *as_of;     //  judging date
    const char *done;      //  a done report's date, or NULL
    const char *started;   //  a started report's date, or NULL
    status_t status;       //  expected
    rules_reason_t reason; //  expected
} milestone_case_t;

//  2023年全面竣工并投入运营: deadline 2023-12-31.
static const milestone_case_t s_milestones[] = {
    {"done before the deadline", "2024-06-01", "2023-06-30", NULL, STATUS_ACHIEVED, REASON_NONE},
    {"done on the deadline day", "2024-01-01", "2023-12-31", NULL, STATUS_ACHIEVED, REASON_NONE},
    {"nothing yet, deadline day itself", "2023-12-31", NULL, NULL, STATUS_NO_DATA,
     REASON_MILESTONE_NONE},
    {"nothing, day after the deadline", "2024-01-01", NULL, NULL, STATUS_OVERDUE,
     REASON_MILESTONE_NONE},
    {"started, before the deadline", "2023-03-01", NULL, "2022-05-01", STATUS_ON_TRACK,
     REASON_MILESTONE_STARTED},
    {"started only, deadline passed", "2024-03-01", NULL, "2022-05-01", STATUS_OVERDUE,
     REASON_MILESTONE_STARTED},
    {"done late", "2024-03-01", "2024-02-01", "2022-05-01", STATUS_ACHIEVED, REASON_MILESTONE_LATE},
};

START_TEST(test_rules_milestone)
{
    const milestone_case_t *c = &s_milestones[_i];
    rules_milestone_t in = {0};
    ck_assert_int_eq(day_parse("2023-12-31", &in.deadline), 0);
    ck_assert_int_eq(day_parse(c->as_of, &in.as_of), 0);
    if (c->done) {
        in.done = true;
        ck_assert_int_eq(day_parse(c->done, &in.done_on), 0);
    }
    if (c->started) {
        in.started = true;
        ck_assert_int_eq(day_parse(c->started, &in.started_on), 0);
    }
    rules_reason_t reason;
    status_t status = rules_milestone(&in, &reason);
    ck_assert_msg(status == c->status, "%s: %s", c->name, rules_status_name(status));
    ck_assert_msg(reason == c->reason, "%s: reason %s", c->name, rules_reason_name(reason));
}
END_TEST

typedef struct {
    const char *as_of;    //  judging date
    const char *deadline; //  the deadline
    int lead;             //  expected due-soon lead time (90, 30, 7 or 0)
} due_case_t;

static const due_case_t s_due[] = {
    {"2025-10-01", "2025-12-31", 0},  {"2025-10-02", "2025-12-31", 90},
    {"2025-12-01", "2025-12-31", 30}, {"2025-12-23", "2025-12-31", 30},
    {"2025-12-24", "2025-12-31", 7},  {"2025-12-31", "2025-12-31", 7},
    {"2026-01-01", "2025-12-31", 0},  {"2024-01-30", "2024-02-29", 30},
    {"2024-02-22", "2024-02-29", 7},  {"2024-02-21", "2024-02-29", 30},
    {"2023-01-30", "2023-03-01", 30}, {"2023-02-22", "2023-03-01", 7},
};

START_TEST(test_rules_due_soon)
{
    static const int leads[] = {90, 30, 7};
    day_t as_of, deadline;
    ck_assert_int_eq(day_parse(s_due[_i].as_of, &as_of), 0);
    ck_assert_int_eq(day_parse(s_due[_i].deadline, &deadline), 0);
    ck_assert_msg(rules_due_soon(as_of, deadline, leads, 3) == s_due[_i].lead,
                  "%s -> %s: %d, expected %d", s_due[_i].as_of, s_due[_i].deadline,
                  rules_due_soon(as_of, deadline, leads, 3), s_due[_i].lead);
}
END_TEST

START_TEST(test_rules_names)
{
    for (int i = 0; i < STATUS_COUNT; i++) {
        status_t s;
        ck_assert_int_eq(rules_status_parse(rules_status_name((status_t)i), &s), 0);
        ck_assert_int_eq(s, i);
    }
    status_t s;
    ck_assert_int_eq(rules_status_parse("DONE", &s), -1);
    ck_assert(rules_cmp(CMP_GE, 9.9999999999999, 10));
    ck_assert(!rules_cmp(CMP_GE, 9.99, 10));
    ck_assert(!rules_cmp(CMP_GT, 10.0000000000001, 10));
    ck_assert(rules_cmp(CMP_LT, 4.9, 5));
}
END_TEST

//  P is undefined when the baseline is the goal, or already meets it.
START_TEST(test_rules_progress_limits)
{
    double p = -1;
    ck_assert(!rules_progress(CMP_GE, 10, 12, 10, &p));
    ck_assert(!rules_progress(CMP_GE, 12, 11, 10, &p));
    ck_assert(rules_progress(CMP_GE, 8, 9.9, 10, &p));
    ck_assert_double_eq_tol(p, 0.95, 1e-12);
    ck_assert_int_eq(rules_progress_status(0.95), STATUS_ON_TRACK);
    ck_assert_int_eq(rules_progress_status(2.85 / 3), STATUS_ON_TRACK);
    ck_assert_int_eq(rules_progress_status(0.95 - 1e-12), STATUS_ON_TRACK);
    ck_assert_int_eq(rules_progress_status(0.9499), STATUS_AT_RISK);
    ck_assert_int_eq(rules_progress_status(0.6), STATUS_AT_RISK);
    ck_assert_int_eq(rules_progress_status(0.6 - 1e-12), STATUS_AT_RISK);
    ck_assert_int_eq(rules_progress_status(0.5999), STATUS_OFF_TRACK);
    rules_method_t m;
    ck_assert_double_eq_tol(rules_project(2022, 0, 2023, 0, 2025, 1, PROJECTION_COMPOUND, &m), 0,
                            1e-12);
    ck_assert_int_eq(m, PROJECT_LINEAR);
    //  Linear when the indicator says so, even for positive figures; compound otherwise.
    ck_assert_double_eq_tol(rules_project(2022, 1, 2023, 2, 2025, 1, PROJECTION_LINEAR, &m), 4,
                            1e-12);
    ck_assert_int_eq(m, PROJECT_LINEAR);
    ck_assert_double_eq_tol(rules_project(2022, 1, 2023, 2, 2025, 1, PROJECTION_COMPOUND, &m), 8,
                            1e-12);
    ck_assert_int_eq(m, PROJECT_COMPOUND);
}
END_TEST

static Suite *
rules_suite(void)
{
    Suite *s = suite_create("rules");
    TCase *core = tcase_create("core");
    tcase_add_loop_test(core, test_rules_worked_cases, 0, sizeof s_cases / sizeof s_cases[0]);
    tcase_add_loop_test(core, test_rules_milestone, 0,
                        sizeof s_milestones / sizeof s_milestones[0]);
    tcase_add_loop_test(core, test_rules_due_soon, 0, sizeof s_due / sizeof s_due[0]);
    tcase_add_loop_test(core, test_rules_missing_first_due_only, 0,
                        sizeof s_missing / sizeof s_missing[0]);
    tcase_add_test(core, test_rules_growth_baseline_substituted);
    tcase_add_test(core, test_rules_monthly_cumulative);
    tcase_add_test(core, test_rules_names);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_test(limits, test_rules_progress_limits);
    suite_add_tcase(s, limits);
    return s;
}

TESTUTIL_MAIN(rules_suite)
