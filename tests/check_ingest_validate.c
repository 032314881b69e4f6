/*  check_ingest_validate.c - ingestd's row validation and authorization against the real catalog
    (deploy/plan), one table row per rule; no sockets, no store
*/
#include "testutil.h"

#include "ingestd.h"
#include "text.h"

#include <math.h>
#include <string.h>

static catalog_t *s_catalog;

static void
s_setup(void)
{
    zlist_t *errors = zlist_new();
    zlist_autofree(errors);
    s_catalog = catalog_load_files(testutil_repo_path("deploy/plan"), errors);
    ck_assert_msg(s_catalog != NULL, "deploy/plan does not load");
    zlist_destroy(&errors);
}

static void
s_teardown(void)
{
    catalog_destroy(&s_catalog);
}

//  Today in every case: 2024-06-30.
static day_t
s_today(void)
{
    return day_from_ymd(2024, 6, 30);
}

typedef struct {
    const char *unit;       //  who sends
    int milestone;          //  0: observation (a, b, c = indicator, org, period)
                            //  1: milestone (a, b, c = task, state, date)
    const char *a, *b, *c;  //  the row's codes
    double value;           //  observations
    const char *text;       //  note or evidence
    ingest_reason_t expect; //  the verdict
} row_case_t;

#define OBS(unit, ind, org, period, value, expect)                                                 \
    {                                                                                              \
        unit, 0, ind, org, period, value, "", expect                                               \
    }
#define MS(unit, task, state, date, expect)                                                        \
    {                                                                                              \
        unit, 1, task, state, date, 0, "", expect                                                  \
    }

static char s_long_text[INGEST_TEXT_MAX + 2];

static const row_case_t s_rows[] = {
    //  accepted: a city its own figures, a department its province figure, the national feed
    OBS("GOV_430100", "HTE_COUNT", "430100", "2023", 6500, INGEST_OK),
    OBS("P_STD", "HTE_COUNT", "430000", "2023", 14000, INGEST_OK),
    OBS("NATREF", "RD_INTENSITY", "100000", "2023", 2.65, INGEST_OK),
    OBS("P_STD", "HTE_COUNT", "430000", "2024", 1, INGEST_OK), //  the period under way
    OBS("P_STD", "RD_INTENSITY", "430000", "2023", 100, INGEST_OK),
    OBS("P_STD", "RD_INTENSITY", "430000", "2023", 0, INGEST_OK),
    //  unknown codes
    OBS("P_STD", "NOPE", "430000", "2023", 1, INGEST_UNKNOWN_INDICATOR),
    OBS("P_STD", "HTE_COUNT", "999999", "2023", 1, INGEST_UNKNOWN_ORG),
    //  authorization
    OBS("GOV_430100", "HTE_COUNT", "430200", "2023", 1, INGEST_UNIT_NOT_ALLOWED),
    OBS("GOV_430100", "HTE_COUNT", "430000", "2023", 1, INGEST_UNIT_NOT_ALLOWED),
    OBS("GOV_430100", "RD_INTENSITY", "430100", "2023", 1, INGEST_UNIT_NOT_ALLOWED),
    OBS("P_STD", "HTE_COUNT", "430100", "2023", 1, INGEST_UNIT_NOT_ALLOWED),
    OBS("P_MIIT", "HTE_COUNT", "430000", "2023", 1, INGEST_UNIT_NOT_ALLOWED),
    OBS("P_SUPV", "HTE_COUNT", "430000", "2023", 1, INGEST_UNIT_NOT_ALLOWED),
    OBS("NATREF", "RD_INTENSITY", "430000", "2023", 1, INGEST_UNIT_NOT_ALLOWED),
    OBS("NATREF", "HTE_COUNT", "100000", "2023", 1, INGEST_UNIT_NOT_ALLOWED),
    OBS("NOBODY", "HTE_COUNT", "430000", "2023", 1, INGEST_UNIT_NOT_ALLOWED),
    //  periods
    OBS("P_STD", "HTE_COUNT", "430000", "2023Q4", 1, INGEST_BAD_PERIOD),
    OBS("P_STD", "HTE_COUNT", "430000", "2023-06", 1, INGEST_BAD_PERIOD),
    OBS("P_STD", "HTE_COUNT", "430000", "23", 1, INGEST_BAD_PERIOD),
    OBS("P_STD", "HTE_COUNT", "430000", "", 1, INGEST_BAD_PERIOD),
    OBS("P_STD", "HTE_COUNT", "430000", "2025", 1, INGEST_FUTURE_PERIOD),
    //  values
    OBS("P_STD", "HTE_COUNT", "430000", "2023", NAN, INGEST_NOT_FINITE),
    OBS("P_STD", "HTE_COUNT", "430000", "2023", INFINITY, INGEST_NOT_FINITE),
    OBS("P_STD", "HTE_COUNT", "430000", "2023", -INFINITY, INGEST_NOT_FINITE),
    OBS("P_STD", "HTE_COUNT", "430000", "2023", -1, INGEST_NEGATIVE_VALUE),
    OBS("P_STD", "RD_INTENSITY", "430000", "2023", 100.5, INGEST_PERCENT_OUT_OF_RANGE),
    OBS("P_STD", "RD_INTENSITY", "430000", "2023", -0.5, INGEST_NEGATIVE_VALUE),
    //  milestones: a unit named for the task; a city only for its own city's milestone
    MS("P_STD", "T2.1-1", "done", "2022-12-20", INGEST_OK),
    MS("P_STD", "T2.1", "started", "2022-03-01", INGEST_OK), //  the task's only milestone
    MS("P_STD", "T2.1-1", "done", "2024-06-30", INGEST_OK),  //  today itself
    MS("P_SASAC", "T4.4-1", "done", "2022-12-31", INGEST_OK),
    MS("GOV_431000", "T1.2-1", "started", "2023-01-01", INGEST_OK),
    MS("P_STD", "T2.5", "done", "2022-12-31", INGEST_AMBIGUOUS_TASK),
    MS("P_STD", "NOPE", "done", "2022-12-31", INGEST_UNKNOWN_TASK),
    MS("P_STD", "T4.1", "done", "2022-12-31", INGEST_UNKNOWN_TASK), //  no milestone target
    MS("P_STD", "G-1", "done", "2022-12-31", INGEST_UNKNOWN_TASK),  //  a target, not a milestone
    MS("P_STD", "T4.4-1", "done", "2022-12-31", INGEST_UNIT_NOT_ALLOWED),
    MS("GOV_430400", "T1.2-1", "done", "2023-01-01", INGEST_UNIT_NOT_ALLOWED),
    MS("NATREF", "T2.1-1", "done", "2022-12-31", INGEST_UNIT_NOT_ALLOWED),
    MS("P_STD", "T2.1-1", "finished", "2022-12-31", INGEST_BAD_STATE),
    MS("P_STD", "T2.1-1", "done", "2023-02-30", INGEST_BAD_DATE),
    MS("P_STD", "T2.1-1", "done", "2022/12/31", INGEST_BAD_DATE),
    MS("P_STD", "T2.1-1", "done", "2024-07-01", INGEST_FUTURE_DATE),
};

//  Judges one row alone; returns the verdict's reason and checks its message.
static ingest_reason_t
s_judge(const row_case_t *c, const char *text)
{
    Planwatch__V1__Observation o = PLANWATCH__V1__OBSERVATION__INIT;
    Planwatch__V1__MilestoneReport m = PLANWATCH__V1__MILESTONE_REPORT__INIT;
    Planwatch__V1__Observation *op = &o;
    Planwatch__V1__MilestoneReport *mp = &m;
    Planwatch__V1__Feed feed = PLANWATCH__V1__FEED__INIT;
    feed.feed_id = "t";
    if (c->milestone) {
        m.task = (char *)c->a, m.state = (char *)c->b, m.date = (char *)c->c;
        m.evidence = (char *)text;
        feed.n_milestones = 1, feed.milestones = &mp;
    } else {
        o.indicator = (char *)c->a, o.org = (char *)c->b, o.period = (char *)c->c;
        o.value = c->value, o.note = (char *)text;
        feed.n_observations = 1, feed.observations = &op;
    }
    ingest_check_t *check = ingest_check_new(s_catalog, c->unit, s_today(), &feed);
    ck_assert_ptr_nonnull(check);
    const ingest_row_t *row = c->milestone ? &check->ms[0] : &check->obs[0];
    ingest_reason_t reason = row->reason;
    if (reason == INGEST_OK) {
        ck_assert_ptr_null(row->message);
        ck_assert_uint_eq(check->accepted, 1);
    } else {
        //  a clerk's message: present, Chinese, valid UTF-8
        ck_assert_ptr_nonnull(row->message);
        ck_assert(text_utf8_valid(row->message, strlen(row->message)));
        ck_assert_ptr_nonnull(strstr(row->message, "，")
                                  ? row->message
                                  : strpbrk(row->message, "\xe4\xe5\xe6\xe7\xe8\xe9"));
        ck_assert_uint_eq(check->rejected, 1);
    }
    ingest_check_destroy(&check);
    ck_assert_ptr_null(check);
    return reason;
}

START_TEST(test_ingest_validate_row)
{
    const row_case_t *c = &s_rows[_i];
    ingest_reason_t got = s_judge(c, "");
    ck_assert_msg(got == c->expect, "row %d (%s %s %s %s): got %s, expected %s", _i, c->unit, c->a,
                  c->b, c->c, ingest_reason_code(got), ingest_reason_code(c->expect));
}
END_TEST

START_TEST(test_ingest_validate_text)
{
    //  a note or evidence that is not UTF-8, or too long, is refused; at the limit it passes
    row_case_t obs = OBS("P_STD", "HTE_COUNT", "430000", "2023", 1, INGEST_OK);
    row_case_t ms = MS("P_STD", "T2.1-1", "done", "2022-12-31", INGEST_OK);
    memset(s_long_text, 'x', sizeof s_long_text - 1);
    ck_assert_int_eq(s_judge(&obs, "\xff\xfe bad"), INGEST_BAD_TEXT);
    ck_assert_int_eq(s_judge(&ms, "\xc3\x28"), INGEST_BAD_TEXT);
    ck_assert_int_eq(s_judge(&obs, s_long_text), INGEST_BAD_TEXT);
    s_long_text[INGEST_TEXT_MAX] = '\0';
    ck_assert_int_eq(s_judge(&obs, s_long_text), INGEST_OK);
    ck_assert_int_eq(s_judge(&obs, "长沙市统计局 2024 年公报"), INGEST_OK);
    //  a garbage code is quoted safely: the message stays UTF-8
    row_case_t garbage = OBS("P_STD", "\xff\xfe\xfd", "430000", "2023", 1, INGEST_OK);
    ck_assert_int_eq(s_judge(&garbage, ""), INGEST_UNKNOWN_INDICATOR);
}
END_TEST

START_TEST(test_ingest_validate_messages_name_things)
{
    row_case_t other_city = OBS("GOV_430100", "HTE_COUNT", "430200", "2023", 1, INGEST_OK);
    Planwatch__V1__Observation o = PLANWATCH__V1__OBSERVATION__INIT;
    Planwatch__V1__Observation *op = &o;
    o.indicator = (char *)other_city.a, o.org = (char *)other_city.b,
    o.period = (char *)other_city.c, o.value = 1;
    Planwatch__V1__Feed feed = PLANWATCH__V1__FEED__INIT;
    feed.n_observations = 1, feed.observations = &op;
    ingest_check_t *check = ingest_check_new(s_catalog, "GOV_430100", s_today(), &feed);
    ck_assert_int_eq(check->obs[0].reason, INGEST_UNIT_NOT_ALLOWED);
    ck_assert_ptr_nonnull(strstr(check->obs[0].message, "长沙市人民政府"));
    ck_assert_ptr_nonnull(strstr(check->obs[0].message, "株洲市"));
    ck_assert_ptr_nonnull(strstr(check->obs[0].message, "高新技术企业数"));
    ingest_check_destroy(&check);
}
END_TEST

START_TEST(test_ingest_validate_duplicates)
{
    //  rows 0, 2, 4 repeat one key: all three out; row 1 differs by period, row 3 is
    //  negative (its own reason), so row 5 with the same key as row 3 stands alone
    Planwatch__V1__Observation o[6], *op[6];
    const char *periods[] = {"2023", "2022", "2023", "2021", "2023", "2021"};
    const double values[] = {1, 2, 3, -4, 5, 6};
    for (int i = 0; i < 6; i++) {
        planwatch__v1__observation__init(&o[i]);
        o[i].indicator = "HTE_COUNT";
        o[i].org = "430000";
        o[i].period = (char *)periods[i];
        o[i].value = values[i];
        o[i].line = (uint32_t)(10 + i);
        op[i] = &o[i];
    }
    Planwatch__V1__Feed feed = PLANWATCH__V1__FEED__INIT;
    feed.n_observations = 6, feed.observations = op;
    ingest_check_t *check = ingest_check_new(s_catalog, "P_STD", s_today(), &feed);
    ck_assert_int_eq(check->obs[0].reason, INGEST_DUPLICATE_ROW);
    ck_assert_int_eq(check->obs[1].reason, INGEST_OK);
    ck_assert_int_eq(check->obs[2].reason, INGEST_DUPLICATE_ROW);
    ck_assert_int_eq(check->obs[3].reason, INGEST_NEGATIVE_VALUE);
    ck_assert_int_eq(check->obs[4].reason, INGEST_DUPLICATE_ROW);
    ck_assert_int_eq(check->obs[5].reason, INGEST_OK);
    ck_assert_uint_eq(check->accepted, 2);
    ck_assert_uint_eq(check->rejected, 4);
    //  the message names the other line
    ck_assert_ptr_nonnull(strstr(check->obs[0].message, "第 12 行"));
    ck_assert_ptr_nonnull(strstr(check->obs[2].message, "第 10 行"));
    ingest_check_destroy(&check);
    //  milestones: the same target and state twice; another state of it is fine
    Planwatch__V1__MilestoneReport m[3], *mp[3];
    const char *states[] = {"done", "started", "done"};
    for (int i = 0; i < 3; i++) {
        planwatch__v1__milestone_report__init(&m[i]);
        m[i].task = i == 2 ? "T2.1" : "T2.1-1"; //  the task code names the same target
        m[i].state = (char *)states[i];
        m[i].date = "2022-12-01";
        mp[i] = &m[i];
    }
    Planwatch__V1__Feed ms_feed = PLANWATCH__V1__FEED__INIT;
    ms_feed.n_milestones = 3, ms_feed.milestones = mp;
    check = ingest_check_new(s_catalog, "P_STD", s_today(), &ms_feed);
    ck_assert_int_eq(check->ms[0].reason, INGEST_DUPLICATE_ROW);
    ck_assert_int_eq(check->ms[1].reason, INGEST_OK);
    ck_assert_int_eq(check->ms[2].reason, INGEST_DUPLICATE_ROW);
    ck_assert_str_eq(check->ms[1].target->code, "T2.1-1");
    ck_assert_str_eq(check->ms[1].date, "2022-12-01");
    ingest_check_destroy(&check);
}
END_TEST

START_TEST(test_ingest_validate_canonical_period)
{
    Planwatch__V1__Observation o = PLANWATCH__V1__OBSERVATION__INIT, *op = &o;
    o.indicator = "HTE_COUNT", o.org = "430000", o.period = "2023", o.value = 1;
    Planwatch__V1__Feed feed = PLANWATCH__V1__FEED__INIT;
    feed.n_observations = 1, feed.observations = &op;
    ingest_check_t *check = ingest_check_new(s_catalog, "P_STD", s_today(), &feed);
    ck_assert_str_eq(check->obs[0].period, "2023");
    ingest_check_destroy(&check);
}
END_TEST

static const char *const s_good_ids[] = {"a", "csv-0123abcd", "2024:Q1.city_430100-v2"};
static const char *const s_bad_ids[] = {"", "has space", "中文", "a/b", "x\n"};

START_TEST(test_ingest_validate_feed_ids)
{
    for (size_t i = 0; i < sizeof s_good_ids / sizeof *s_good_ids; i++)
        ck_assert_msg(ingest_feed_id_valid(s_good_ids[i]), "%s", s_good_ids[i]);
    for (size_t i = 0; i < sizeof s_bad_ids / sizeof *s_bad_ids; i++)
        ck_assert_msg(!ingest_feed_id_valid(s_bad_ids[i]), "%s", s_bad_ids[i]);
    ck_assert(!ingest_feed_id_valid(NULL));
    char id[INGEST_FEED_ID_MAX + 2];
    memset(id, 'a', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    ck_assert(!ingest_feed_id_valid(id)); //  129 bytes
    id[INGEST_FEED_ID_MAX] = '\0';
    ck_assert(ingest_feed_id_valid(id)); //  128 bytes
}
END_TEST

START_TEST(test_ingest_validate_reason_codes_stable)
{
    //  the codes are the wire protocol: spelled out here so a rename fails the suite
    static const char *const codes[] = {"OK",
                                        "UNKNOWN_INDICATOR",
                                        "UNKNOWN_ORG",
                                        "UNKNOWN_TASK",
                                        "AMBIGUOUS_TASK",
                                        "UNIT_NOT_ALLOWED",
                                        "BAD_PERIOD",
                                        "FUTURE_PERIOD",
                                        "NOT_FINITE",
                                        "NEGATIVE_VALUE",
                                        "PERCENT_OUT_OF_RANGE",
                                        "DUPLICATE_ROW",
                                        "BAD_STATE",
                                        "BAD_DATE",
                                        "FUTURE_DATE",
                                        "BAD_TEXT"};
    ck_assert_int_eq(sizeof codes / sizeof *codes, INGEST_REASON_COUNT);
    for (int i = 0; i < INGEST_REASON_COUNT; i++)
        ck_assert_str_eq(ingest_reason_code((ingest_reason_t)i), codes[i]);
}
END_TEST

static Suite *
ingest_validate_suite(void)
{
    Suite *s = suite_create("ingest_validate");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, s_setup, s_teardown);
    tcase_add_loop_test(core, test_ingest_validate_row, 0, sizeof s_rows / sizeof s_rows[0]);
    tcase_add_test(core, test_ingest_validate_messages_name_things);
    tcase_add_test(core, test_ingest_validate_duplicates);
    tcase_add_test(core, test_ingest_validate_canonical_period);
    tcase_add_test(core, test_ingest_validate_reason_codes_stable);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, s_setup, s_teardown);
    tcase_add_test(limits, test_ingest_validate_text);
    tcase_add_test(limits, test_ingest_validate_feed_ids);
    suite_add_tcase(s, limits);
    return s;
}

TESTUTIL_MAIN(ingest_validate_suite)
