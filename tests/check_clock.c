/*  check_clock.c - civil dates and reporting periods */
#include "testutil.h"

#include "clock.h"

#include <string.h>

//  Round trips through a leap day and the turn of centuries.
static const char *const s_days[] = {"1970-01-01", "2000-02-29", "2022-01-01", "2024-02-29",
                                     "2025-12-31", "2100-03-01", "2026-11-29"};

START_TEST(test_clock_day_round_trip)
{
    day_t d;
    char buf[DAY_TEXT_SIZE];
    ck_assert_int_eq(day_parse(s_days[_i], &d), 0);
    ck_assert_str_eq(day_format(d, buf), s_days[_i]);
}
END_TEST

START_TEST(test_clock_day_known_values)
{
    ck_assert_int_eq(day_from_ymd(1970, 1, 1), 0);
    ck_assert_int_eq(day_from_ymd(2000, 3, 1) - day_from_ymd(2000, 2, 28), 2);
    ck_assert_int_eq(day_from_ymd(2100, 3, 1) - day_from_ymd(2100, 2, 28), 1);
    ck_assert_int_eq(day_weekday(day_from_ymd(2025, 12, 31)), 2); //  a Wednesday
    ck_assert_int_eq(day_add_months(day_from_ymd(2024, 1, 31), 1), day_from_ymd(2024, 2, 29));
}
END_TEST

static const char *const s_bad_days[] = {"2023-02-29", "2023-13-01", "2023-00-10", "2023-1-01",
                                         "20230101",   "",           "2023-04-31", "abcd-ef-gh"};

START_TEST(test_clock_day_rejects)
{
    day_t d;
    ck_assert_int_eq(day_parse(s_bad_days[_i], &d), -1);
}
END_TEST

START_TEST(test_clock_periods)
{
    period_t p;
    char buf[PERIOD_TEXT_SIZE], day[DAY_TEXT_SIZE];
    ck_assert_int_eq(period_parse("2023", PERIOD_YEAR, &p), 0);
    ck_assert_str_eq(day_format(p.end, day), "2023-12-31");
    ck_assert_str_eq(day_format(period_due(&p, 3), day), "2024-03-31");
    ck_assert_int_eq(period_parse("2023Q4", PERIOD_QUARTER, &p), 0);
    ck_assert_str_eq(day_format(p.start, day), "2023-10-01");
    ck_assert_str_eq(day_format(period_due(&p, 2), day), "2024-02-29");
    ck_assert_int_eq(period_parse("2024-02", PERIOD_MONTH, &p), 0);
    ck_assert_str_eq(day_format(p.end, day), "2024-02-29");
    p = period_next(&p);
    ck_assert_str_eq(period_format(&p, buf), "2024-03");
    //  the wrong granularity is not a period of that type
    ck_assert_int_eq(period_parse("2023Q4", PERIOD_YEAR, &p), -1);
    ck_assert_int_eq(period_parse("2023", PERIOD_MONTH, &p), -1);
    ck_assert_int_eq(period_parse("2023Q5", PERIOD_QUARTER, &p), -1);
    ck_assert_int_eq(period_parse("2023-13", PERIOD_MONTH, &p), -1);
    ck_assert_int_eq(period_parse_any("2023-06", &p), 0);
    ck_assert_int_eq(p.type, PERIOD_MONTH);
}
END_TEST

//  The last period whose figure is due: its reporting deadline passed, the day itself in time.
START_TEST(test_clock_period_last_due)
{
    static const struct {
        period_type_t type;
        int due_months;
        const char *as_of, *last;
    } cases[] = {
        {PERIOD_YEAR, 3, "2024-03-31", "2022"},     //  2023's figure is due that very day
        {PERIOD_YEAR, 3, "2024-04-01", "2023"},     //  the day after: 2023's is due
        {PERIOD_YEAR, 3, "2024-12-31", "2023"},     //  2024's only in March 2025
        {PERIOD_MONTH, 1, "2024-02-29", "2023-12"}, //  January's due on the leap day itself
        {PERIOD_MONTH, 1, "2024-03-01", "2024-01"},
        {PERIOD_QUARTER, 2, "2024-02-29", "2023Q3"}, //  2023Q4 due 2024-02-29, that day
        {PERIOD_QUARTER, 2, "2024-03-01", "2023Q4"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        day_t as_of;
        ck_assert_int_eq(day_parse(cases[i].as_of, &as_of), 0);
        period_t p = period_last_due(cases[i].type, cases[i].due_months, as_of);
        char buf[PERIOD_TEXT_SIZE];
        ck_assert_msg(!strcmp(period_format(&p, buf), cases[i].last), "%s: %s, expected %s",
                      cases[i].as_of, buf, cases[i].last);
    }
}
END_TEST

START_TEST(test_clock_today_from_store)
{
    PGconn *conn = testutil_db_fresh(0);
    day_t today, fixed;
    ck_assert_int_eq(clock_today(conn, NULL, &today), 0);
    ck_assert_int_eq(today, day_today_system());
    PQclear(PQexec(conn, "UPDATE system_clock SET as_of = '2024-06-30'"));
    ck_assert_int_eq(clock_today(conn, NULL, &today), 0);
    ck_assert_int_eq(today, day_from_ymd(2024, 6, 30));
    //  a fixed date from the service's configuration wins over the store
    ck_assert_int_eq(clock_today(conn, "2022-01-01", &fixed), 0);
    ck_assert_int_eq(fixed, day_from_ymd(2022, 1, 1));
    PQfinish(conn);
}
END_TEST

static Suite *
clock_suite(void)
{
    Suite *s = suite_create("clock");
    TCase *core = tcase_create("core");
    tcase_add_loop_test(core, test_clock_day_round_trip, 0, sizeof s_days / sizeof s_days[0]);
    tcase_add_test(core, test_clock_day_known_values);
    tcase_add_test(core, test_clock_periods);
    tcase_add_test(core, test_clock_period_last_due);
    tcase_add_test(core, test_clock_today_from_store);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_loop_test(errors, test_clock_day_rejects, 0,
                        sizeof s_bad_days / sizeof s_bad_days[0]);
    suite_add_tcase(s, errors);
    return s;
}

TESTUTIL_MAIN(clock_suite)
