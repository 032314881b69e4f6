/*  check_judge.c - the judge on a real store: the seed's targets, aggregation, known-at,
    quotas, milestones, deadlines and reporting duties */
#include "testutil.h"
#include "testutil_eval.h"

#include "catalog.h"
#include "db.h"
#include "judge.h"
#include "text.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const int s_leads[] = {90, 30, 7};

//  The 14 cities of Hunan in file order.
static const char *const s_cities[] = {"430100", "430200", "430300", "430400", "430500",
                                       "430600", "430700", "430800", "430900", "431000",
                                       "431100", "431200", "431300", "433100"};

//  What a test judges with: the store, its catalog, the last report.
typedef struct {
    PGconn *conn;           //  the test store
    catalog_t *cat;         //  the catalog it holds
    judge_report_t *report; //  the last judgement
} fixture_t;

static void
s_setup(fixture_t *f, int load_plan)
{
    f->conn = testutil_db_fresh(load_plan);
    f->cat = load_plan ? catalog_read(f->conn) : NULL;
    f->report = NULL;
}

static void
s_teardown(fixture_t *f)
{
    judge_report_destroy(&f->report);
    catalog_destroy(&f->cat);
    PQfinish(f->conn);
}

//  Judges the whole plan as of a date, with what was known by known_at (NULL: everything).
static const judge_report_t *
s_judge(fixture_t *f, const char *as_of, const char *known_at)
{
    judge_report_destroy(&f->report);
    judge_options_t opts = {0, s_leads, 3};
    ck_assert_int_eq(day_parse(as_of, &opts.as_of), 0);
    day_t known;
    if (known_at)
        ck_assert_int_eq(day_parse(known_at, &known), 0);
    f->report = judge_run(f->conn, f->cat, &opts, known_at ? &known : NULL);
    ck_assert_ptr_nonnull(f->report);
    return f->report;
}

static const judge_result_t *
s_get(fixture_t *f, const char *key)
{
    const judge_result_t *r = judge_report_find(f->report, key);
    ck_assert_msg(r != NULL, "no subject %s", key);
    return r;
}

static void
s_status(fixture_t *f, const char *key, status_t want)
{
    const judge_result_t *r = s_get(f, key);
    char *ev = json_dumps(r->evidence, JSON_COMPACT);
    ck_assert_msg(r->status == want, "%s: %s, expected %s; evidence %s", key,
                  rules_status_name(r->status), rules_status_name(want), ev);
    free(ev);
}

//  A string member of the evidence (a path of object keys).
static const char *
s_ev_string(const judge_result_t *r, const char *a, const char *b)
{
    json_t *v = json_object_get(r->evidence, a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

// ---------------------------------------------------------------------------------------------

//  Every target of the seed gets a verdict; with no data, milestones past their deadline are
//  OVERDUE and every figure past its due date is a REPORT_OVERDUE duty.
START_TEST(test_judge_seed_every_target)
{
    fixture_t f;
    s_setup(&f, 1);
    s_judge(&f, "2024-06-30", NULL);
    size_t targets = 0, duties = 0;
    for (size_t i = 0; i < judge_report_count(f.report); i++) {
        const judge_result_t *r = judge_report_at(f.report, i);
        ck_assert_ptr_nonnull(json_object_get(r->evidence, "rule"));
        if (r->subject == JUDGE_TARGET)
            targets++;
        else
            duties++;
    }
    //  50 whole-horizon targets and 6 quotas judged for 2022, 2023 and 2024.
    ck_assert_uint_eq(targets, 50 + 6 * 3);
    for (size_t i = 0; i < catalog_target_count(f.cat); i++) {
        const target_t *t = catalog_target_at(f.cat, i);
        char key[128];
        snprintf(key, sizeof key, "T|%s|%s|%s", t->code, t->scope,
                 t->kind == TARGET_QUOTA ? "2023" : "");
        s_get(&f, key);
    }
    s_status(&f, "T|T2.5-1|430000|", STATUS_OVERDUE); //  2022 milestone
    s_status(&f, "T|T2.5-2|430000|", STATUS_OVERDUE); //  2023 milestone
    s_status(&f, "T|T1.2-1|431000|", STATUS_NO_DATA); //  郴州, 2025
    s_status(&f, "T|T4.1-1|430000|", STATUS_NO_DATA);
    s_status(&f, "T|T3.3-1|430000|2022", STATUS_NO_DATA); //  quota year, figure past due
    s_status(&f, "R|GOV_430100|430100|HTE_COUNT|2022", STATUS_REPORT_OVERDUE);
    s_status(&f, "R|GOV_430100|430100|HTE_COUNT|2023", STATUS_REPORT_OVERDUE);
    s_status(&f, "R|P_STD|430000|HT_VA|2021", STATUS_REPORT_OVERDUE);
    s_status(&f, "R|NATREF|100000|RD_INTENSITY|2022", STATUS_REPORT_OVERDUE);
    //  R&D figures are due in October: 2023's is not late on 2024-06-30.
    ck_assert_ptr_null(judge_report_find(f.report, "R|GOV_430100|430100|RD_SPEND|2023"));
    ck_assert_ptr_null(judge_report_find(f.report, "R|GOV_430100|430100|HTE_COUNT|2024"));
    //  No unit is asked for what it does not report.
    ck_assert_ptr_null(judge_report_find(f.report, "R|P_STD|430000|GDP|2022"));
    ck_assert_uint_gt(duties, 100);
    s_teardown(&f);
}
END_TEST

//  A province target on a summed series: the cities' sum, marked incomplete with the city
//  missing; the province's own figure takes precedence.
START_TEST(test_judge_aggregation_city_missing)
{
    fixture_t f;
    s_setup(&f, 1);
    eval_obs_t rows[14];
    for (int i = 0; i < 14; i++)
        rows[i] = (eval_obs_t){s_cities[i], "HTE_COUNT", "2022", 800};
    eval_feed(f.conn, "GOV_430100", NULL, rows, 14, NULL);
    int n = 0;
    for (int i = 0; i < 14; i++)
        if (strcmp(s_cities[i], "430500") != 0)
            rows[n++] = (eval_obs_t){s_cities[i], "HTE_COUNT", "2023", 900};
    eval_feed(f.conn, "GOV_430100", NULL, rows, (size_t)n, NULL);

    s_judge(&f, "2024-06-30", NULL);
    const judge_result_t *r = s_get(&f, "T|T4.1-1|430000|");
    ck_assert(r->has_value);
    ck_assert_double_eq_tol(r->value, 13 * 900, 1e-9);
    ck_assert_str_eq(r->value_period, "2023");
    ck_assert(r->incomplete);
    ck_assert_uint_eq(r->series_count, 2);
    ck_assert(r->series[1].aggregated);
    ck_assert_int_eq(r->series[1].cities, 13);
    ck_assert_int_eq(r->series[1].cities_expected, 14);
    json_t *missing = json_object_get(r->evidence, "missing_cities");
    ck_assert_uint_eq(json_array_size(missing), 1);
    ck_assert_str_eq(json_string_value(json_array_get(missing, 0)), "430500");
    ck_assert_str_eq(s_ev_string(r, "value", "source"), "cities");
    ck_assert(json_is_true(json_object_get(r->evidence, "incomplete")));
    //  11200 -> 11700: CAGR 4.46 %, projected 2025 = 11700 * (11700/11200)^2 = 12767.7
    ck_assert(r->has_projection);
    ck_assert_double_eq_tol(r->projection, 11700.0 * pow(11700.0 / 11200.0, 2), 1e-6);
    ck_assert_double_eq_tol(r->progress, (r->projection - 11200) / (14000 - 11200), 1e-9);
    s_status(&f, "T|T4.1-1|430000|", STATUS_OFF_TRACK);
    s_status(&f, "R|GOV_430500|430500|HTE_COUNT|2023", STATUS_REPORT_OVERDUE);
    ck_assert_ptr_null(judge_report_find(f.report, "R|GOV_430100|430100|HTE_COUNT|2023"));

    //  The province reports 2023 itself: its figure wins over the cities' sum.
    eval_obs(f.conn, "P_STD", "430000", "HTE_COUNT", "2023", 12600, NULL);
    s_judge(&f, "2024-06-30", NULL);
    r = s_get(&f, "T|T4.1-1|430000|");
    ck_assert_double_eq_tol(r->value, 12600, 1e-9);
    ck_assert(!r->series[1].aggregated);
    ck_assert(!r->incomplete);
    ck_assert_str_eq(s_ev_string(r, "value", "source"), "reported");
    s_status(&f, "T|T4.1-1|430000|", STATUS_ON_TRACK);
    s_teardown(&f);
}
END_TEST

//  研发经费投入强度 = 100 x sum(R&D) / sum(GDP) over the cities, against the national value.
START_TEST(test_judge_ratio_and_reference)
{
    fixture_t f;
    s_setup(&f, 1);
    eval_obs_t rows[28];
    for (int i = 0; i < 14; i++) {
        rows[2 * i] = (eval_obs_t){s_cities[i], "RD_SPEND", "2023", 10};
        rows[2 * i + 1] = (eval_obs_t){s_cities[i], "GDP", "2023", 500};
    }
    eval_feed(f.conn, "GOV_430100", NULL, rows, 28, NULL);
    eval_obs(f.conn, "NATREF", "100000", "RD_INTENSITY", "2023", 2.65, NULL);
    eval_obs(f.conn, "P_CAST", "430000", "SCI_LIT_RATE", "2023", 14.1, NULL);
    s_judge(&f, "2024-12-01", NULL);
    const judge_result_t *r = s_get(&f, "T|G-1|430000|");
    ck_assert_double_eq_tol(r->value, 100.0 * 140 / 7000, 1e-12);
    ck_assert_double_eq_tol(r->goal, 2.65, 1e-12);
    ck_assert_str_eq(s_ev_string(r, "aggregation", NULL), "ratio");
    ck_assert_str_eq(s_ev_string(r, "reference", "org"), "100000");
    ck_assert_int_eq(r->reason, REASON_SINGLE_POINT);
    //  No national value for 科学素质 2023: the comparison cannot be made.
    s_status(&f, "T|T7.2-2|430000|", STATUS_NO_DATA);
    ck_assert_str_eq(s_ev_string(s_get(&f, "T|T7.2-2|430000|"), "reason", NULL),
                     "reference_missing");
    //  A city without GDP drops out of both sums and is named.
    eval_obs_t more[] = {{"430100", "RD_SPEND", "2024", 20},
                         {"430100", "GDP", "2024", 1000},
                         {"430200", "RD_SPEND", "2024", 30}};
    eval_feed(f.conn, "GOV_430100", NULL, more, 3, NULL);
    //  Before 2024's reporting deadline (31 October 2025 for R&D) the other cities may still
    //  report: two cities' sums are no province figure yet, 2023 stands.
    s_judge(&f, "2025-03-01", NULL);
    r = s_get(&f, "T|G-1|430000|");
    ck_assert_str_eq(r->value_period, "2023");
    ck_assert(!r->incomplete);
    //  After it, the incomplete figure counts, marked, and the silent cities are overdue.
    s_judge(&f, "2025-11-01", NULL);
    r = s_get(&f, "T|G-1|430000|");
    ck_assert_str_eq(r->value_period, "2024");
    ck_assert_double_eq_tol(r->value, 2.0, 1e-12);
    ck_assert(r->incomplete);
    s_status(&f, "T|G-1|430000|", STATUS_NO_DATA); //  no national figure for 2024 yet
    s_status(&f, "R|GOV_430300|430300|RD_SPEND|2024", STATUS_REPORT_OVERDUE);
    s_teardown(&f);
}
END_TEST

//  What did we know then: a correction received later flips ACHIEVED back to OFF_TRACK, and
//  known-at still answers with the first version.
START_TEST(test_judge_known_at_correction)
{
    fixture_t f;
    s_setup(&f, 1);
    eval_obs(f.conn, "P_FINREG", "430000", "LISTED_COS", "2022", 150, "2023-03-01 10:00+08");
    eval_obs(f.conn, "P_FINREG", "430000", "LISTED_COS", "2023", 180, "2024-03-01 10:00+08");
    eval_obs(f.conn, "P_FINREG", "430000", "LISTED_COS", "2024", 205, "2025-02-01 23:59+08");
    eval_obs(f.conn, "P_FINREG", "430000", "LISTED_COS", "2024", 155, "2025-02-02 00:00:30+08");
    s_judge(&f, "2025-02-15", "2025-02-01");
    s_status(&f, "T|T6.3-3|430000|", STATUS_ACHIEVED);
    ck_assert_double_eq_tol(s_get(&f, "T|T6.3-3|430000|")->value, 205, 1e-9);
    s_judge(&f, "2025-02-15", NULL);
    s_status(&f, "T|T6.3-3|430000|", STATUS_OFF_TRACK);
    ck_assert_double_eq_tol(s_get(&f, "T|T6.3-3|430000|")->value, 155, 1e-9);
    //  Known-at before anything arrived: nothing to judge on.
    s_judge(&f, "2025-02-15", "2023-02-28");
    s_status(&f, "T|T6.3-3|430000|", STATUS_NO_DATA);
    s_teardown(&f);
}
END_TEST

//  A quota is judged each year on its own; a year below quota is OVERDUE for that year.
START_TEST(test_judge_quota_years)
{
    fixture_t f;
    s_setup(&f, 1);
    eval_obs(f.conn, "P_MIIT", "430000", "SME_2H_STD", "2022", 130, NULL);
    eval_obs(f.conn, "P_MIIT", "430000", "SME_2H_STD", "2023", 90, NULL);
    s_judge(&f, "2024-06-30", NULL);
    s_status(&f, "T|T3.3-1|430000|2022", STATUS_ACHIEVED);
    s_status(&f, "T|T3.3-1|430000|2023", STATUS_OVERDUE);
    s_status(&f, "T|T3.3-1|430000|2024", STATUS_NO_DATA);
    ck_assert(!s_get(&f, "T|T3.3-1|430000|2024")->awaiting);
    ck_assert_ptr_null(judge_report_find(f.report, "T|T3.3-1|430000|2025"));
    ck_assert_int_eq(s_get(&f, "T|T3.3-1|430000|2024")->due_soon_days, 0);
    s_judge(&f, "2024-12-20", NULL);
    ck_assert_int_eq(s_get(&f, "T|T3.3-1|430000|2024")->due_soon_days, 30);
    //  The year ended, its figure is due on 2025-03-31: awaiting.
    s_judge(&f, "2025-01-15", NULL);
    ck_assert(s_get(&f, "T|T3.3-1|430000|2024")->awaiting);
    ck_assert_int_eq(s_get(&f, "T|T3.3-1|430000|2024")->due_soon_days, 0);
    s_teardown(&f);
}
END_TEST

START_TEST(test_judge_milestone)
{
    fixture_t f;
    s_setup(&f, 1);
    eval_milestone(f.conn, "P_DRC", "T2.5-2", "started", "2022-05-01", NULL);
    s_judge(&f, "2023-06-01", NULL);
    s_status(&f, "T|T2.5-2|430000|", STATUS_ON_TRACK);
    ck_assert_str_eq(s_ev_string(s_get(&f, "T|T2.5-2|430000|"), "started_on", NULL), "2022-05-01");
    s_judge(&f, "2024-01-01", NULL);
    s_status(&f, "T|T2.5-2|430000|", STATUS_OVERDUE);
    //  Done on the deadline day itself, reported later: in time.
    eval_milestone(f.conn, "P_DRC", "T2.5-2", "done", "2023-12-31", NULL);
    s_judge(&f, "2024-01-01", NULL);
    s_status(&f, "T|T2.5-2|430000|", STATUS_ACHIEVED);
    //  The done date is the result's value period, whole, and nothing else is touched by it
    //  (a date once overflowed value_period into has_goal).
    const judge_result_t *r = s_get(&f, "T|T2.5-2|430000|");
    ck_assert_str_eq(r->value_period, "2023-12-31");
    ck_assert(!r->has_goal && !r->has_value && !r->has_projection && !r->has_progress);
    //  As of a date before the report's date, the report does not count yet.
    s_judge(&f, "2023-12-30", NULL);
    s_status(&f, "T|T2.5-2|430000|", STATUS_ON_TRACK);
    ck_assert_int_eq(s_get(&f, "T|T2.5-2|430000|")->due_soon_days, 7);
    s_teardown(&f);
}
END_TEST

//  每万人口高价值发明专利拥有量达到6件以上 by 2025: in time on the deadline day, awaiting the
//  2025 figure until its due date, then NO_DATA with the duty late, then OVERDUE on the figure.
START_TEST(test_judge_deadline_awaiting)
{
    fixture_t f;
    s_setup(&f, 1);
    eval_obs_t rows[] = {{"430000", "HVP_PER_10K", "2022", 4.0},
                         {"430000", "HVP_PER_10K", "2023", 4.6},
                         {"430000", "HVP_PER_10K", "2024", 5.3}};
    eval_feed(f.conn, "P_SAMR", NULL, rows, 3, NULL);
    const char *key = "T|G-2|430000|";
    s_judge(&f, "2025-12-31", NULL);
    s_status(&f, key, STATUS_ON_TRACK);
    ck_assert(!s_get(&f, key)->awaiting);
    ck_assert_int_eq(s_get(&f, key)->due_soon_days, 7);
    s_judge(&f, "2026-01-01", NULL);
    s_status(&f, key, STATUS_ON_TRACK);
    ck_assert(s_get(&f, key)->awaiting);
    ck_assert_int_eq(s_get(&f, key)->due_soon_days, 0);
    s_judge(&f, "2026-03-31", NULL);
    ck_assert(s_get(&f, key)->awaiting);
    ck_assert_ptr_null(judge_report_find(f.report, "R|P_SAMR|430000|HVP_PER_10K|2025"));
    s_judge(&f, "2026-04-01", NULL);
    s_status(&f, key, STATUS_NO_DATA);
    ck_assert(!s_get(&f, key)->awaiting);
    s_status(&f, "R|P_SAMR|430000|HVP_PER_10K|2025", STATUS_REPORT_OVERDUE);
    eval_obs(f.conn, "P_SAMR", "430000", "HVP_PER_10K", "2025", 5.8, NULL);
    s_judge(&f, "2026-04-02", NULL);
    s_status(&f, key, STATUS_OVERDUE);
    ck_assert_ptr_null(judge_report_find(f.report, "R|P_SAMR|430000|HVP_PER_10K|2025"));
    s_teardown(&f);
}
END_TEST

//  A small catalog of our own: one monthly indicator whose target falls on a leap day.
static void
s_leap_catalog(fixture_t *f)
{
    catalog_t *cat = catalog_new();
    catalog_add_org(cat, "100000", "全国", ORG_NATION, "");
    catalog_add_org(cat, "430000", "湖南省", ORG_PROVINCE, "100000");
    catalog_add_org(cat, "430100", "长沙市", ORG_CITY, "430000");
    catalog_add_unit(cat, "P_STD", "省科技厅", UNIT_DEPT, "430000");
    catalog_add_unit(cat, "GOV_430100", "长沙市人民政府", UNIT_GOV, "430100");
    task_t *task = catalog_add_task(cat, "T1", "", TASK_GROUP, "二（一）", "测试");
    catalog_add_task_unit(cat, task, "P_STD", ROLE_LEAD, false);
    indicator_t x = {.code = "M_FLOW",
                     .name = "月度流量",
                     .unit = "个",
                     .period = PERIOD_MONTH,
                     .agg = AGG_SUM,
                     .numerator = "",
                     .denominator = "",
                     .scale = 1,
                     .nonneg = true,
                     .due_months = 1,
                     .by_cities = true};
    ck_assert_int_eq(period_parse("2023-11", PERIOD_MONTH, &x.first_period), 0);
    catalog_add_reporter(catalog_add_indicator(cat, &x), "P_STD");
    target_t t = {.code = "T1-1",
                  .task = "T1",
                  .indicator = "M_FLOW",
                  .kind = TARGET_LEVEL,
                  .cmp = CMP_GE,
                  .value = 100,
                  .has_value = true,
                  .unit = "个",
                  .scope = "430000",
                  .text = "测试"};
    ck_assert_int_eq(day_parse("2024-02-29", &t.deadline), 0);
    catalog_add_target(cat, &t);
    zlist_t *errors = zlist_new();
    ck_assert_int_eq(catalog_store(f->conn, cat, errors), 0);
    zlist_destroy(&errors);
    catalog_destroy(&cat);
    f->cat = catalog_read(f->conn);
}

START_TEST(test_judge_leap_day)
{
    fixture_t f;
    s_setup(&f, 0);
    s_leap_catalog(&f);
    eval_obs_t rows[] = {{"430000", "M_FLOW", "2023-11", 70},
                         {"430000", "M_FLOW", "2023-12", 80},
                         {"430000", "M_FLOW", "2024-01", 90},
                         {"430100", "M_FLOW", "2023-11", 7},
                         {"430100", "M_FLOW", "2023-12", 8}};
    eval_feed(f.conn, "P_STD", NULL, rows, 5, NULL);
    //  On the leap day itself: in time; the projection goes one month ahead.
    s_judge(&f, "2024-02-29", NULL);
    const judge_result_t *r = s_get(&f, "T|T1-1|430000|");
    ck_assert_int_eq(r->status, STATUS_ON_TRACK);
    ck_assert_double_eq_tol(r->projection, 90 * pow(90.0 / 70, 0.5), 1e-9);
    ck_assert_int_eq(r->due_soon_days, 7);
    ck_assert(!r->awaiting);
    //  长沙's January figure is due on 2024-02-29 (one month after January): not late yet.
    ck_assert_ptr_null(judge_report_find(f.report, "R|GOV_430100|430100|M_FLOW|2024-01"));
    s_judge(&f, "2024-03-01", NULL);
    r = s_get(&f, "T|T1-1|430000|");
    ck_assert(r->awaiting);
    ck_assert_str_eq(s_ev_string(r, "figure_due", NULL), "2024-03-31");
    s_status(&f, "R|GOV_430100|430100|M_FLOW|2024-01", STATUS_REPORT_OVERDUE);
    ck_assert_str_eq(s_ev_string(s_get(&f, "R|GOV_430100|430100|M_FLOW|2024-01"), "due", NULL),
                     "2024-02-29");
    s_teardown(&f);
}
END_TEST

//  A count built from nothing is projected linearly (the indicator says so): 1 -> 2 is not on
//  track for 5; a cumulative names as missing only a flow that is due.
START_TEST(test_judge_linear_projection_and_missing_flows)
{
    fixture_t f;
    s_setup(&f, 1);
    eval_obs_t rows[] = {{"430000", "YLS_DEPT", "2022", 1},
                         {"430000", "YLS_DEPT", "2023", 2},
                         {"430000", "NAT_PLATFORM_NEW", "2022", 3}};
    eval_feed(f.conn, "P_STD", NULL, rows, 3, NULL);
    s_judge(&f, "2024-06-30", NULL);
    const judge_result_t *r = s_get(&f, "T|T2.1-3|430000|");
    s_status(&f, "T|T2.1-3|430000|", STATUS_AT_RISK);
    ck_assert_str_eq(s_ev_string(r, "projection", "method"), "linear");
    ck_assert_double_eq_tol(r->projection, 4, 1e-9);
    ck_assert_double_eq_tol(r->progress, 0.75, 1e-9);
    //  2023 was due on 2024-03-31 and is absent: named; 2024 and 2025 are not due
    r = s_get(&f, "T|T2.4-2|430000|");
    ck_assert_str_eq(s_ev_string(r, "flows", "first_missing"), "2023");
    eval_obs(f.conn, "P_STD", "430000", "NAT_PLATFORM_NEW", "2023", 3, NULL);
    s_judge(&f, "2024-06-30", NULL);
    r = s_get(&f, "T|T2.4-2|430000|");
    ck_assert_ptr_null(json_object_get(json_object_get(r->evidence, "flows"), "first_missing"));
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(r->evidence, "flows"), "reported")), 2);
    s_teardown(&f);
}
END_TEST

//  Judging only what a feed touched: the targets on the series, through the cities too, and the
//  duties of the series; a milestone report touches its milestone only.
START_TEST(test_judge_touched)
{
    fixture_t f;
    s_setup(&f, 1);
    judge_data_t *data = judge_data_new(f.cat);
    ck_assert_int_eq(judge_data_load(data, f.conn, NULL), 0);
    ck_assert_int_eq(judge_data_change_id(data), 0);
    int64_t id = eval_obs(f.conn, "GOV_430200", "430200", "HTE_COUNT", "2022", 700, NULL);
    eval_milestone(f.conn, "P_STD", "T2.1-1", "done", "2022-11-01", NULL);
    judge_touch_t *touched = judge_touch_new();
    ck_assert_int_eq(judge_data_update(data, f.conn, touched), 2);
    ck_assert_int_eq(judge_data_change_id(data), id + 1);
    ck_assert(judge_touch_has_series(touched, "430200", "HTE_COUNT"));
    ck_assert_uint_eq(judge_touch_size(touched), 2);
    double v = 0;
    ck_assert(judge_data_value(data, "430200", "HTE_COUNT", "2022", &v));
    ck_assert_double_eq(v, 700);
    ck_assert(!judge_data_value(data, "430100", "HTE_COUNT", "2022", &v));

    judge_options_t opts = {0, s_leads, 3};
    day_parse("2024-06-30", &opts.as_of);
    judge_report_t *report = judge_evaluate(data, &opts, touched);
    ck_assert_ptr_nonnull(judge_report_find(report, "T|T4.1-1|430000|"));
    ck_assert_ptr_nonnull(judge_report_find(report, "T|T2.1-1|430000|"));
    ck_assert_int_eq(judge_report_find(report, "T|T2.1-1|430000|")->status, STATUS_ACHIEVED);
    ck_assert_ptr_nonnull(judge_report_find(report, "R|GOV_430200|430200|HTE_COUNT|2023"));
    ck_assert_ptr_null(judge_report_find(report, "R|GOV_430200|430200|HTE_COUNT|2022"));
    ck_assert_ptr_null(judge_report_find(report, "T|T4.1-2|430000|"));
    ck_assert_ptr_null(judge_report_find(report, "R|GOV_430100|430100|HTE_COUNT|2022"));
    //  Targets T4.1-1 and T2.1-1; the one duty of 株洲's HTE_COUNT (2023, late).
    ck_assert_uint_eq(judge_report_count(report), 3);
    judge_report_destroy(&report);
    //  Re-reading the same rows changes nothing (a retried round).
    judge_data_set_change_id(data, 0);
    ck_assert_int_eq(judge_data_update(data, f.conn, NULL), 2);
    ck_assert_uint_eq(judge_data_size(data), 1);
    judge_touch_destroy(&touched);
    judge_data_destroy(&data);
    s_teardown(&f);
}
END_TEST

//  Runs planctl status with arguments; returns its stdout (owned).
static char *
s_planctl_status(const char *args, int *status)
{
    char command[PATH_MAX * 2];
    snprintf(command, sizeof command, "DATABASE_URL='%s' %s status %s 2>/dev/null",
             testutil_db_url(), testutil_bin("planctl"), args);
    return testutil_capture(command, status);
}

//  planctl status answers with the judge's verdicts, known-at included, for any date.
START_TEST(test_judge_planctl_agrees)
{
    fixture_t f;
    s_setup(&f, 1);
    eval_obs(f.conn, "P_FINREG", "430000", "LISTED_COS", "2022", 150, "2023-03-01 10:00+08");
    eval_obs(f.conn, "P_FINREG", "430000", "LISTED_COS", "2023", 180, "2024-03-01 10:00+08");
    eval_obs(f.conn, "P_FINREG", "430000", "LISTED_COS", "2024", 205, "2025-01-20 10:00+08");
    eval_obs(f.conn, "P_FINREG", "430000", "LISTED_COS", "2024", 155, "2025-02-10 10:00+08");
    eval_obs(f.conn, "P_MIIT", "430000", "SME_2H_STD", "2023", 90, NULL);
    static const char *const runs[][2] = {
        {"2025-02-15", NULL}, {"2025-02-15", "2025-02-01"}, {"2023-01-01", NULL}};
    for (size_t run = 0; run < 3; run++) {
        char args[128];
        snprintf(args, sizeof args, "--as-of %s %s%s --format json", runs[run][0],
                 runs[run][1] ? "--known-at " : "", runs[run][1] ? runs[run][1] : "");
        int status;
        char *out = s_planctl_status(args, &status);
        ck_assert_int_eq(status, 0);
        json_t *doc = json_loads(out, 0, NULL);
        ck_assert_msg(doc != NULL, "not JSON: %.200s", out);
        free(out);
        s_judge(&f, runs[run][0], runs[run][1]);
        json_t *subjects = json_object_get(doc, "subjects");
        ck_assert_uint_eq(json_array_size(subjects), judge_report_count(f.report));
        size_t i;
        json_t *o;
        json_array_foreach(subjects, i, o)
        {
            const judge_result_t *r = s_get(&f, json_string_value(json_object_get(o, "key")));
            ck_assert_str_eq(json_string_value(json_object_get(o, "status")),
                             rules_status_name(r->status));
        }
        json_decref(doc);
    }
    //  what did we know then
    char *out = s_planctl_status("--as-of 2025-02-15 --known-at 2025-02-01 --task T6.3 --format "
                                 "csv",
                                 NULL);
    ck_assert_ptr_nonnull(strstr(out, "target,T6,T6.3,T6.3-3,,430000,,LISTED_COS,ACHIEVED"));
    free(out);
    out = s_planctl_status("--as-of 2025-02-15 --task T6.3 --format csv", NULL);
    ck_assert_ptr_nonnull(strstr(out, "target,T6,T6.3,T6.3-3,,430000,,LISTED_COS,OFF_TRACK"));
    free(out);
    s_teardown(&f);
}
END_TEST

//  The table lines up Chinese text by display width, has no colours off a terminal, and groups
//  targets under their task group; filters by task and unit.
START_TEST(test_judge_planctl_table)
{
    fixture_t f;
    s_setup(&f, 1);
    int status;
    char *out = s_planctl_status("--as-of 2024-06-30", &status);
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_null(strchr(out, '\033'));
    ck_assert_ptr_nonnull(strstr(out, "二（四） 实施创新型企业增量提质行动"));
    ck_assert_ptr_nonnull(strstr(out, "逾期未报（催报清单）"));
    //  The deadline column starts at the same display column on every target row.
    int column = -1, rows = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char *date = strstr(line, "  20");
        bool target = (line[0] == 'G' || line[0] == 'T' || line[0] == 'L') && line[1] != '\0' &&
                      (line[1] == '-' || (line[1] >= '0' && line[1] <= '9'));
        if (!target || !date)
            continue;
        //  the first date-looking cell is the deadline
        date = strstr(line, "-12-31");
        ck_assert_ptr_nonnull(date);
        date -= 4;
        char prefix[1024];
        snprintf(prefix, sizeof prefix, "%.*s", (int)(date - line), line);
        int width = text_display_width(prefix);
        if (column < 0)
            column = width;
        ck_assert_msg(width == column, "misaligned (%d, not %d): %s", width, column, line);
        rows++;
    }
    ck_assert_int_eq(rows, 68);
    free(out);
    out = s_planctl_status("--as-of 2024-06-30 --task T4 --org P_SASAC", &status);
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_nonnull(strstr(out, "T4.4-2"));
    ck_assert_ptr_null(strstr(out, "T4.1-1"));
    ck_assert_ptr_null(strstr(out, "G-1"));
    free(out);
    out = s_planctl_status("--as-of 2024-06-30 --org GOV_430500 --format csv", &status);
    ck_assert_ptr_nonnull(strstr(out, "duty,,,,2022,430500,GOV_430500,HTE_COUNT,REPORT_OVERDUE"));
    ck_assert_ptr_null(strstr(out, "GOV_430100"));
    free(out);
    out = s_planctl_status("--as-of 2024-13-01", &status);
    ck_assert_int_eq(status, 2);
    free(out);
    out = s_planctl_status("--org NOWHERE", &status);
    ck_assert_int_eq(status, 2);
    free(out);
    s_teardown(&f);
}
END_TEST

//  planctl status: a milestone done after its deadline is shown as 已完成（逾期） (csv and json
//  say why); colours only on a terminal, and not with NO_COLOR.
START_TEST(test_judge_planctl_late_and_colour)
{
    fixture_t f;
    s_setup(&f, 1);
    eval_milestone(f.conn, "P_DRC", "T2.5-2", "done", "2024-02-01", NULL);
    int status;
    char *out = s_planctl_status("--as-of 2024-06-30 --task T2.5", &status);
    ck_assert_int_eq(status, 0);
    char *row = strstr(out, "T2.5-2 ");
    ck_assert_ptr_nonnull(row);
    char *eol = strchr(row, '\n');
    ck_assert_ptr_nonnull(eol);
    *eol = '\0';
    ck_assert_msg(strstr(row, "已完成（逾期）") != NULL, "row: %s", row);
    free(out);
    out = s_planctl_status("--as-of 2024-06-30 --task T2.5 --format csv", &status);
    ck_assert_ptr_nonnull(strstr(out, "target,T2,T2.5,T2.5-2,,430000,,,ACHIEVED,已完成（逾期）,"));
    ck_assert_ptr_nonnull(strstr(out, ",done_late\n"));
    free(out);
    out = s_planctl_status("--as-of 2024-06-30 --task T2.5 --format json", &status);
    ck_assert_ptr_nonnull(strstr(out, "\"status_zh\": \"已完成（逾期）\""));
    ck_assert_ptr_nonnull(strstr(out, "\"reason\": \"done_late\""));
    free(out);
    //  On a terminal (script gives planctl a pseudo-terminal): coloured; with NO_COLOR: not.
    char command[PATH_MAX * 2];
    for (int no_colour = 0; no_colour < 2; no_colour++) {
        snprintf(command, sizeof command,
                 "DATABASE_URL='%s' %s script -qec '%s status --as-of 2024-06-30 --task T2.5'"
                 " /dev/null </dev/null 2>/dev/null",
                 testutil_db_url(), no_colour ? "NO_COLOR=1" : "", testutil_bin("planctl"));
        out = testutil_capture(command, &status);
        ck_assert_int_eq(status, 0);
        ck_assert_ptr_nonnull(strstr(out, "T2.5-2"));
        if (no_colour)
            ck_assert_msg(strstr(out, "\033[") == NULL, "NO_COLOR: %s", out);
        else
            ck_assert_msg(strstr(out, "\033[32m") != NULL, "no colour on a terminal: %s", out);
        free(out);
    }
    s_teardown(&f);
}
END_TEST

//  Reading the figures over several connections in one exported snapshot gives exactly what one
//  connection reads, known-at included; a helper that is busy is left out.
START_TEST(test_judge_parallel_load)
{
    fixture_t f;
    s_setup(&f, 1);
    eval_obs_t rows[14 * 3];
    for (int y = 0; y < 3; y++)
        for (int i = 0; i < 14; i++)
            rows[y * 14 + i] = (eval_obs_t){s_cities[i], "HTE_COUNT",
                                            y == 0   ? "2022"
                                            : y == 1 ? "2023"
                                                     : "2024",
                                            800.0 + 50 * y + i};
    eval_feed(f.conn, "GOV_430100", NULL, rows, 14 * 3, "2024-01-10 09:00+08");
    eval_obs(f.conn, "GOV_430100", "430100", "HTE_COUNT", "2023", 1, "2024-05-01 09:00+08");
    //  enough pages for the table to be shared out
    ck_assert_int_eq(db_run_script(f.conn, "BEGIN; SELECT pg_advisory_xact_lock(4300002);"
                                           " INSERT INTO observation (change_id, org, indicator,"
                                           " period, value, unit, feed_id) SELECT"
                                           " nextval('change_id_seq'), '430200', 'GDP', g::text,"
                                           " g, 'GOV_430100', (SELECT feed_id FROM feed LIMIT 1)"
                                           " FROM generate_series(1900, 9999) g; COMMIT;"),
                     0);
    PGconn *helpers[3] = {testutil_db_connect(), testutil_db_connect(), testutil_db_connect()};
    ck_assert_int_eq(db_exec(helpers[2], "BEGIN", 0, NULL), 0); //  busy: left out
    day_t known;
    day_parse("2024-02-01", &known);
    for (int k = 0; k < 2; k++) {
        const day_t *at = k ? &known : NULL;
        judge_data_t *one = judge_data_new(f.cat), *many = judge_data_new(f.cat);
        ck_assert_int_eq(judge_data_load(one, f.conn, at), 0);
        ck_assert_int_eq(judge_data_load_parallel(many, f.conn, helpers, 3, at), 0);
        ck_assert_uint_eq(judge_data_size(one), judge_data_size(many));
        ck_assert_uint_eq(judge_data_size(one), k ? 42 : 42 + 8100);
        ck_assert_int_eq(judge_data_change_id(one), judge_data_change_id(many));
        double a = 0, b = 0;
        ck_assert(judge_data_value(one, "430100", "HTE_COUNT", "2023", &a));
        ck_assert(judge_data_value(many, "430100", "HTE_COUNT", "2023", &b));
        ck_assert_double_eq(a, b);
        ck_assert_double_eq(a, k ? 850 : 1); //  the correction only without known-at
        judge_options_t opts = {0, s_leads, 3};
        day_parse("2025-06-30", &opts.as_of);
        judge_report_t *r1 = judge_evaluate(one, &opts, NULL),
                       *r2 = judge_evaluate(many, &opts, NULL);
        ck_assert_uint_eq(judge_report_count(r1), judge_report_count(r2));
        for (size_t i = 0; i < judge_report_count(r1); i++) {
            const judge_result_t *x = judge_report_at(r1, i), *y = judge_report_at(r2, i);
            ck_assert_str_eq(x->key, y->key);
            ck_assert_int_eq(x->status, y->status);
            ck_assert(json_equal(x->evidence, y->evidence));
        }
        judge_report_destroy(&r1);
        judge_report_destroy(&r2);
        judge_data_destroy(&one);
        judge_data_destroy(&many);
        for (int i = 0; i < 2; i++)
            ck_assert_int_eq(PQtransactionStatus(helpers[i]), PQTRANS_IDLE);
    }
    for (int i = 0; i < 3; i++)
        PQfinish(helpers[i]);
    s_teardown(&f);
}
END_TEST

START_TEST(test_judge_parse_leads)
{
    int leads[8];
    ck_assert_int_eq(judge_parse_leads("90,30,7", leads, 8), 3);
    ck_assert_int_eq(leads[2], 7);
    ck_assert_int_eq(judge_parse_leads("", leads, 8), 0);
    ck_assert_int_eq(judge_parse_leads("90, 30", leads, 8), 2);
    ck_assert_int_eq(judge_parse_leads("90,-1", leads, 8), -1);
    ck_assert_int_eq(judge_parse_leads("90;30", leads, 8), -1);
    ck_assert_int_eq(judge_parse_leads("1,2,3", leads, 2), -1);
}
END_TEST

static Suite *
judge_suite(void)
{
    Suite *s = suite_create("judge");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 60);
    tcase_add_test(core, test_judge_seed_every_target);
    tcase_add_test(core, test_judge_aggregation_city_missing);
    tcase_add_test(core, test_judge_ratio_and_reference);
    tcase_add_test(core, test_judge_known_at_correction);
    tcase_add_test(core, test_judge_quota_years);
    tcase_add_test(core, test_judge_milestone);
    tcase_add_test(core, test_judge_deadline_awaiting);
    tcase_add_test(core, test_judge_leap_day);
    tcase_add_test(core, test_judge_touched);
    tcase_add_test(core, test_judge_linear_projection_and_missing_flows);
    tcase_add_test(core, test_judge_planctl_late_and_colour);
    tcase_add_test(core, test_judge_planctl_agrees);
    tcase_add_test(core, test_judge_planctl_table);
    tcase_add_test(core, test_judge_parallel_load);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_judge_parse_leads);
    suite_add_tcase(s, errors);
    return s;
}

TESTUTIL_MAIN(judge_suite)
