/*  check_alert_raise.c - status changes -> alerts: every kind, its words and units, routing,
    no duplicates, resolution, silences, reminders and escalation in working days, acks */
#include "alert_test.h"

#include <jansson.h>

static char *s_dir;
static alertd_setup_t s_setup;
static alertd_config_t s_config;
static PGconn *s_conn;

//  Receivers: the office stream, a webhook for everything, one for 长沙 only, one for 株洲 only,
//  one for the leading group's office.
static const char s_receivers[] =
    "name,channel,kinds,units,url,format,to,from,user,secret_env\n"
    "office,zmq,*,*,,,,,,\n"
    "all,webhook,*,*,http://127.0.0.1:9/all,json,,,,\n"
    "changsha,webhook,REPORT_OVERDUE;OVERDUE,GOV_430100,http://127.0.0.1:9/cs,wecom,,,,\n"
    "zhuzhou,webhook,*,GOV_430200,http://127.0.0.1:9/zz,dingtalk,,,,\n"
    "lgo,webhook,OVERDUE;RESOLVED,LGO,http://127.0.0.1:9/lgo,json,,,,\n";

static void
s_setup_store(void)
{
    s_conn = testutil_db_fresh(1);
    s_dir = testutil_tempdir();
    alert_test_config(&s_config);
    s_config.receivers_path = alert_test_file(s_dir, "receivers.csv", s_receivers);
    s_config.escalation_path = alert_test_file(s_dir, "escalation.csv",
                                               "kind,remind_working_days,escalate_working_days,"
                                               "escalate_to\nOVERDUE,1,3,LGO\n");
    s_config.calendar_path = testutil_repo_path("deploy/calendar/holidays_cn.csv");
    ck_assert_int_eq(alertd_setup_load(&s_setup, &s_config), 0);
    alert_test_clock(s_conn, "2026-01-10");
}

static void
s_teardown_store(void)
{
    alertd_setup_free(&s_setup);
    free((char *)s_config.receivers_path);
    free((char *)s_config.escalation_path);
    testutil_rmdir(s_dir);
    free(s_dir);
    PQfinish(s_conn);
}

//  Runs the raiser once, as a fresh alertd would.
static int
s_raise(void)
{
    raise_t *r = raise_new(&s_config, s_setup.receivers);
    int n = raise_pending(r, s_conn);
    raise_destroy(&r);
    return n;
}

static long
s_long(const char *sql)
{
    return testutil_db_long(s_conn, sql);
}

START_TEST(test_alert_raise_overdue_names_everything)
{
    alert_test_overdue(s_conn, "T4.1-1");
    ck_assert_int_eq(s_raise(), 1);
    PGresult *res = db_query(s_conn,
                             "SELECT kind, task, task_number, task_title, target, target_text,"
                             " org_name, deadline::text, value_text, lead_units::text,"
                             " co_units::text, array_to_string(addressees, ';'), title,"
                             " evidence->>'value', state FROM alert",
                             0, NULL);
    ck_assert_int_eq(PQntuples(res), 1);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "OVERDUE");
    ck_assert_str_eq(PQgetvalue(res, 0, 1), "T4.1");
    ck_assert_str_eq(PQgetvalue(res, 0, 2), "二（四）1");
    ck_assert_str_eq(PQgetvalue(res, 0, 3), "培育壮大科技型企业");
    ck_assert_str_eq(PQgetvalue(res, 0, 4), "T4.1-1");
    ck_assert_str_eq(PQgetvalue(res, 0, 5), "到2025年高新技术企业达到1.4万家");
    ck_assert_str_eq(PQgetvalue(res, 0, 6), "湖南省");
    ck_assert_str_eq(PQgetvalue(res, 0, 7), "2025-12-31");
    ck_assert_str_eq(PQgetvalue(res, 0, 8), "实际 13200家 / 目标 ≥14000家 · 进度P=0.80");
    ck_assert_ptr_nonnull(strstr(PQgetvalue(res, 0, 9), "\"省科技厅\""));
    ck_assert_ptr_nonnull(strstr(PQgetvalue(res, 0, 10), "\"省发展改革委\""));
    ck_assert_ptr_nonnull(strstr(PQgetvalue(res, 0, 10), "\"省市场监管局\""));
    ck_assert_str_eq(PQgetvalue(res, 0, 11), "P_SUPV;P_STD;P_DRC;P_MIIT;P_SAMR");
    //  no day count in the stored title: each notification adds its own (alert_from_row)
    ck_assert_str_eq(PQgetvalue(res, 0, 12),
                     "【逾期未完成】二（四）1 培育壮大科技型企业｜"
                     "到2025年高新技术企业达到1.4万家（湖南省）截止2025-12-31");
    ck_assert_str_eq(PQgetvalue(res, 0, 13), "13200");
    ck_assert_str_eq(PQgetvalue(res, 0, 14), "open");
    PQclear(res);
    //  the office stream and the catch-all webhook; not 长沙's, 株洲's or LGO's receivers
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_stream"), 1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE receiver = 'all'"
                            " AND state = 'pending'"),
                     1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox"), 1);
    ck_assert_int_eq(s_long("SELECT value::bigint FROM service_state WHERE service = 'alertd'"
                            " AND name = 'watermark'"),
                     s_long("SELECT max(id) FROM status_change"));
}
END_TEST

//  A target with units of its own (target_units.csv) names those, not its task's: T1.2-1 is
//  郴州's alone though its task T1.2 is led by 衡阳, 岳阳 and 郴州.
START_TEST(test_alert_raise_names_the_targets_own_units)
{
    alert_test_change(s_conn, "T|T1.2-1|431000|", "T1.2-1", "431000", "", "NO_DATA", "OVERDUE", 0,
                      "2025-12-31", "{\"rule\": \"milestone\"}");
    ck_assert_int_eq(s_raise(), 1);
    char *lead = alert_test_str(s_conn, "SELECT lead_units::text FROM alert", NULL);
    ck_assert_ptr_nonnull(strstr(lead, "\"GOV_431000\""));
    ck_assert_ptr_null(strstr(lead, "GOV_430400"));
    ck_assert_ptr_null(strstr(lead, "GOV_430600"));
    free(lead);
    char *to = alert_test_str(s_conn, "SELECT array_to_string(addressees, ';') FROM alert", NULL);
    ck_assert_str_eq(to, "P_SUPV;GOV_431000");
    free(to);
}
END_TEST

START_TEST(test_alert_raise_marks_inferred_units)
{
    alert_test_overdue(s_conn, "G-2");
    ck_assert_int_eq(s_raise(), 1);
    char *lead = alert_test_str(s_conn, "SELECT lead_units::text FROM alert", NULL);
    ck_assert_ptr_nonnull(strstr(lead, "\"code\": \"P_STD\""));
    ck_assert_ptr_nonnull(strstr(lead, "\"inferred\": true"));
    ck_assert_ptr_null(strstr(lead, "\"inferred\": false"));
    free(lead);
}
END_TEST

START_TEST(test_alert_raise_due_soon_once_per_lead_time)
{
    const char *key = "T|T4.1-2|430000|";
    alert_test_change(s_conn, key, "T4.1-2", "430000", "", NULL, "ON_TRACK", 90, "2025-12-31",
                      NULL);
    ck_assert_int_eq(s_raise(), 1);
    //  the same lead time again (status moved within it): nothing new
    alert_test_change(s_conn, key, "T4.1-2", "430000", "", "ON_TRACK", "AT_RISK", 90, "2025-12-31",
                      NULL);
    ck_assert_int_eq(s_raise(), 0);
    alert_test_change(s_conn, key, "T4.1-2", "430000", "", "AT_RISK", "AT_RISK", 30, "2025-12-31",
                      NULL);
    ck_assert_int_eq(s_raise(), 1);
    //  achieved before the 7-day mark: no reminder of a deadline already met
    alert_test_change(s_conn, key, "T4.1-2", "430000", "", "AT_RISK", "ACHIEVED", 7, "2025-12-31",
                      NULL);
    ck_assert_int_eq(s_raise(), 0);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert WHERE kind = 'DUE_SOON'"), 2);
    char *title = alert_test_str(s_conn, "SELECT title FROM alert ORDER BY id DESC LIMIT 1", NULL);
    ck_assert_ptr_nonnull(strstr(title, "【临期提醒】二（四）1"));
    free(title);
}
END_TEST

START_TEST(test_alert_raise_off_track_superseded_by_overdue)
{
    const char *key = "T|T2.1-2|430000|";
    alert_test_change(s_conn, key, "T2.1-2", "430000", "", "AT_RISK", "OFF_TRACK", 0, "2025-12-31",
                      "{\"sum\": 40, \"projected\": 70}");
    ck_assert_int_eq(s_raise(), 1);
    char *value = alert_test_str(s_conn, "SELECT value_text FROM alert", NULL);
    ck_assert_str_eq(value, "实际 40亿元 / 目标 ≥100亿元 · 预计 70亿元 · 进度P=0.80");
    free(value);
    //  figures read as a clerk writes them: two decimals at most, no trailing zeros
    alert_test_change(s_conn, "T|G-3|430000|", "G-3", "430000", "", "AT_RISK", "OFF_TRACK", 0,
                      "2025-12-31", "{\"growth\": -39.91369843, \"projected\": 8.600000001}");
    ck_assert_int_eq(s_raise(), 1);
    value = alert_test_str(s_conn, "SELECT value_text FROM alert WHERE target = 'G-3'", NULL);
    ck_assert_str_eq(value, "实际 -39.91% / 目标 ≥10% · 预计 8.6% · 进度P=0.80");
    free(value);
    alert_test_change(s_conn, key, "T2.1-2", "430000", "", "OFF_TRACK", "OVERDUE", 0, "2025-12-31",
                      "{\"sum\": 80}");
    ck_assert_int_eq(s_raise(), 1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert WHERE kind = 'OFF_TRACK'"
                            " AND state = 'closed'"),
                     1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert WHERE kind = 'RESOLVED'"), 0);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert WHERE kind = 'OVERDUE' AND state = 'open'"),
                     1);
}
END_TEST

START_TEST(test_alert_raise_report_overdue_addresses_the_unit)
{
    alert_test_change(s_conn, "R|GOV_430100|430100|HTE_COUNT|2024", NULL, "430100", "2024", NULL,
                      "REPORT_OVERDUE", 0, "2025-03-31", NULL);
    ck_assert_int_eq(s_raise(), 1);
    char *title = alert_test_str(s_conn, "SELECT title FROM alert", NULL);
    ck_assert_str_eq(title, "【逾期未报】长沙市人民政府 未报送 高新技术企业数（长沙市，2024），"
                            "应于2025-03-31前报送");
    free(title);
    char *to = alert_test_str(s_conn, "SELECT array_to_string(addressees, ';') FROM alert", NULL);
    ck_assert_ptr_nonnull(strstr(to, "P_SUPV"));
    ck_assert_ptr_nonnull(strstr(to, "GOV_430100"));
    ck_assert_ptr_null(strstr(to, "GOV_430200"));
    free(to);
    //  the office's receivers and 长沙's own; not 株洲's
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE receiver = 'changsha'"), 1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE receiver = 'all'"), 1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE receiver = 'zhuzhou'"), 0);
    //  reported late: resolved, and 长沙 hears of it only if its receiver takes RESOLVED (it does
    //  not)
    alert_test_change(s_conn, "R|GOV_430100|430100|HTE_COUNT|2024", NULL, "430100", "2024",
                      "REPORT_OVERDUE", "REPORTED", 0, "2025-03-31", NULL);
    ck_assert_int_eq(s_raise(), 1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE receiver = 'changsha'"), 1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE receiver = 'all'"), 2);
}
END_TEST

START_TEST(test_alert_raise_resolved_when_met)
{
    long first = alert_test_overdue(s_conn, "T4.1-1");
    (void)first;
    ck_assert_int_eq(s_raise(), 1);
    long id = s_long("SELECT id FROM alert");
    alert_test_change(s_conn, "T|T4.1-1|430000|", "T4.1-1", "430000", "", "OVERDUE", "ACHIEVED", 0,
                      "2025-12-31", "{\"value\": 14100}");
    ck_assert_int_eq(s_raise(), 1);
    ck_assert_int_eq(s_long("SELECT resolves FROM alert WHERE kind = 'RESOLVED'"), id);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert WHERE state = 'resolved'"
                            " AND resolved_by IS NOT NULL"),
                     1);
    char *title = alert_test_str(s_conn, "SELECT title FROM alert WHERE kind = 'RESOLVED'", NULL);
    ck_assert_ptr_nonnull(strstr(title, "【已解除】"));
    ck_assert_ptr_nonnull(strstr(title, "已完成"));
    free(title);
    //  the RESOLVED alert shows the figures that cleared it, not those that raised the alert
    char *value =
        alert_test_str(s_conn, "SELECT value_text FROM alert WHERE kind = 'RESOLVED'", NULL);
    ck_assert_str_eq(value, "实际 14100家 / 目标 ≥14000家 · 进度P=0.80");
    free(value);
    //  the condition returns (revised data): a second occurrence of the episode, notified again
    alert_test_change(s_conn, "T|T4.1-1|430000|", "T4.1-1", "430000", "", "ACHIEVED", "OVERDUE", 0,
                      "2025-12-31", "{\"value\": 13900}");
    ck_assert_int_eq(s_raise(), 1);
    ck_assert_int_eq(s_long("SELECT max(occurrence) FROM alert WHERE kind = 'OVERDUE'"), 2);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_stream"), 3);
}
END_TEST

START_TEST(test_alert_raise_never_twice)
{
    alert_test_overdue(s_conn, "T4.1-1");
    alert_test_overdue(s_conn, "T4.1-2");
    ck_assert_int_eq(s_raise(), 2);
    //  a restart reads the same store: nothing new
    ck_assert_int_eq(s_raise(), 0);
    //  re-evaluation: the evaluator judges the same subjects OVERDUE again (new change rows)
    alert_test_overdue(s_conn, "T4.1-1");
    alert_test_overdue(s_conn, "T4.1-2");
    ck_assert_int_eq(s_raise(), 0);
    //  a replay from an empty status (old_status NULL)
    alert_test_change(s_conn, "T|T4.1-1|430000|", "T4.1-1", "430000", "", NULL, "OVERDUE", 0,
                      "2025-12-31", NULL);
    ck_assert_int_eq(s_raise(), 0);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert"), 2);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox"), 2);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_stream"), 2);
}
END_TEST

START_TEST(test_alert_raise_many_in_batches)
{
    //  more changes than one batch: all raised, each once, seqs dense
    for (int i = 0; i < 450; i++) {
        char key[64], period[8];
        snprintf(period, sizeof period, "%d", 1600 + i);
        snprintf(key, sizeof key, "T|T4.1-1|430000|%s", period);
        alert_test_change(s_conn, key, "T4.1-1", "430000", period, NULL, "OVERDUE", 0, NULL, NULL);
    }
    ck_assert_int_eq(s_raise(), 450);
    ck_assert_int_eq(s_long("SELECT count(DISTINCT episode) FROM alert"), 450);
    ck_assert_int_eq(s_long("SELECT max(seq) - min(seq) + 1 - count(*) FROM alert_stream"), 0);
    ck_assert_int_eq(s_long("SELECT max(seq) FROM alert_stream"), 450);
}
END_TEST

START_TEST(test_alert_silence_suppresses_and_expires)
{
    //  planctl: silence the task until 2026-01-12
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "DATABASE_URL='%s' %s alerts silence --task T4.1 --until 2026-01-12"
             " --reason '数据核对中' --by tester >/dev/null",
             testutil_db_url(), testutil_bin("planctl"));
    ck_assert_int_eq(testutil_sh(cmd), 0);
    alert_test_overdue(s_conn, "T4.1-1");
    alert_test_overdue(s_conn, "G-2"); //  another task: not silenced
    ck_assert_int_eq(s_raise(), 2);
    //  recorded, but its notification is suppressed and it is not on the office stream
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert WHERE task = 'T4.1'"), 1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox o JOIN alert a ON a.id = o.alert_id"
                            " WHERE a.task = 'T4.1' AND o.state = 'silenced'"),
                     1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE state = 'pending'"), 1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_stream"), 1);
    //  the reminder on 2026-01-12 (a working day) is still silenced ...
    day_t today;
    day_parse("2026-01-12", &today);
    ck_assert_int_ge(remind_run(s_conn, &s_config, s_setup.receivers, s_setup.calendar,
                                s_setup.rules, s_setup.rule_count, today),
                     1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox o JOIN alert a ON a.id = o.alert_id"
                            " WHERE a.task = 'T4.1' AND o.state = 'pending'"),
                     0);
    //  ... the silence has expired on the 13th: the next reminder goes out
    day_parse("2026-01-13", &today);
    ck_assert_int_ge(remind_run(s_conn, &s_config, s_setup.receivers, s_setup.calendar,
                                s_setup.rules, s_setup.rule_count, today),
                     1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox o JOIN alert a ON a.id = o.alert_id"
                            " WHERE a.task = 'T4.1' AND o.state = 'pending' AND o.reminder"),
                     1);
}
END_TEST

START_TEST(test_alert_remind_escalate_ack_working_days)
{
    //  raised Thursday 2024-02-08, the last working day before the Spring Festival (除夕 is
    //  the 9th, a working day in 2024); reminders every working day, escalation after 3
    alert_test_clock(s_conn, "2024-02-08");
    alert_test_overdue(s_conn, "T4.1-1");
    ck_assert_int_eq(s_raise(), 1);
    static const struct {
        const char *day;
        int made;
        int level;
    } steps[] = {
        {"2024-02-08", 0, 0}, //  the raise day itself
        {"2024-02-09", 1, 0}, //  除夕, a working day: reminder 1
        {"2024-02-10", 0, 0}, //  春节 holiday ... (Saturday)
        {"2024-02-14", 0, 0}, //  ... a Wednesday inside the holiday
        {"2024-02-17", 0, 0}, //  last holiday
        {"2024-02-18", 1, 0}, //  Sunday 调休 working day: reminder 2
        {"2024-02-19", 1, 1}, //  3 working days since the raise: escalated to LGO
        {"2024-02-19", 0, 1}, //  the same day again: nothing
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        day_t today;
        day_parse(steps[i].day, &today);
        int made = remind_run(s_conn, &s_config, s_setup.receivers, s_setup.calendar, s_setup.rules,
                              s_setup.rule_count, today);
        ck_assert_msg(made == steps[i].made, "%s: made %d, expected %d", steps[i].day, made,
                      steps[i].made);
        ck_assert_int_eq(s_long("SELECT level FROM alert"), steps[i].level);
    }
    //  the escalation is addressed to LGO: its receiver got exactly that notification
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE receiver = 'lgo'"), 1);
    ck_assert_int_eq(
        s_long("SELECT count(*) FROM alert_outbox WHERE receiver = 'all' AND reminder"), 2);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_stream"), 4);
    //  acknowledged (planctl): no more reminders
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "DATABASE_URL='%s' %s alerts ack %ld --by 张三 --note 已电话督办 >/dev/null",
             testutil_db_url(), testutil_bin("planctl"), s_long("SELECT id FROM alert"));
    ck_assert_int_eq(testutil_sh(cmd), 0);
    day_t later;
    day_parse("2024-03-01", &later);
    ck_assert_int_eq(remind_run(s_conn, &s_config, s_setup.receivers, s_setup.calendar,
                                s_setup.rules, s_setup.rule_count, later),
                     0);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_stream"), 4);
    char *who = alert_test_str(s_conn, "SELECT acked_by || '/' || note FROM alert_ack", NULL);
    ck_assert_str_eq(who, "张三/已电话督办");
    free(who);
    //  the office it was escalated to also hears that it is resolved
    alert_test_change(s_conn, "T|T4.1-1|430000|", "T4.1-1", "430000", "", "OVERDUE", "ACHIEVED", 0,
                      "2025-12-31", NULL);
    ck_assert_int_eq(s_raise(), 1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox o JOIN alert a ON a.id = o.alert_id"
                            " WHERE o.receiver = 'lgo' AND a.kind = 'RESOLVED'"),
                     1);
}
END_TEST

START_TEST(test_alert_remind_stops_when_resolved)
{
    alert_test_clock(s_conn, "2026-01-05");
    alert_test_overdue(s_conn, "T4.1-1");
    ck_assert_int_eq(s_raise(), 1);
    alert_test_change(s_conn, "T|T4.1-1|430000|", "T4.1-1", "430000", "", "OVERDUE", "ACHIEVED", 0,
                      "2025-12-31", NULL);
    ck_assert_int_eq(s_raise(), 1);
    day_t today;
    day_parse("2026-02-02", &today);
    ck_assert_int_eq(remind_run(s_conn, &s_config, s_setup.receivers, s_setup.calendar,
                                s_setup.rules, s_setup.rule_count, today),
                     0);
}
END_TEST

//  Runs planctl with args against the test store. Returns its stdout (owned); *status its exit.
static char *
s_planctl(const char *args, int *status)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "DATABASE_URL='%s' %s %s 2>&1", testutil_db_url(),
             testutil_bin("planctl"), args);
    return testutil_capture(cmd, status);
}

//  An OVERDUE notification made on a later day says how late the task is on that day, in every
//  format, though the alert was raised (and its title stored) earlier.
START_TEST(test_alert_notification_days_as_of_its_day)
{
    alert_test_overdue(s_conn, "T4.1-1"); //  today 2026-01-10: 10 days after 2025-12-31
    ck_assert_int_eq(s_raise(), 1);
    PGresult *res = db_query(s_conn, "SELECT " ALERT_COLUMNS " FROM alert a", 0, NULL);
    ck_assert_int_eq(PQntuples(res), 1);
    Planwatch__V1__Alert *raised = alert_from_row(res, 0, NULL, false, 0, 0);
    Planwatch__V1__Alert *later = alert_from_row(res, 0, "2026-01-25", true, 0, 0);
    PQclear(res);
    ck_assert_int_eq(raised->days_overdue, 10);
    ck_assert_ptr_nonnull(strstr(raised->title, "截止2025-12-31，已逾期10天"));
    ck_assert_int_eq(later->days_overdue, 25);
    ck_assert_ptr_nonnull(strstr(later->title, "截止2025-12-31，已逾期25天"));
    size_t used = 0;
    char *text = format_wecom(&later, 1, &used);
    ck_assert_ptr_nonnull(strstr(text, "已逾期25天"));
    ck_assert_ptr_nonnull(strstr(text, "截至 2026-01-25 已逾期 25 天"));
    ck_assert_ptr_nonnull(strstr(text, "〔提醒〕"));
    ck_assert_ptr_null(strstr(text, "已逾期10天"));
    //  the robots' evidence summary: rule, the evaluator's date, the value against the target, one
    //  line (the body is JSON: its newline is escaped)
    ck_assert_msg(strstr(text, "依据：水平值规则 · 评估至 2026-01-10 · 实际 13200家 / 目标 "
                               "≥14000家 · 进度P=0.80\\n") != NULL,
                  "%s", text);
    free(text);
    text = format_dingtalk(&later, 1, &used);
    ck_assert_ptr_nonnull(strstr(text, "已逾期25天"));
    ck_assert_ptr_nonnull(strstr(text, "依据：水平值规则 · 评估至 2026-01-10"));
    ck_assert_ptr_null(strstr(text, "已逾期10天"));
    free(text);
    char *subject = NULL;
    text = format_mail(&later, 1, &subject, &used);
    ck_assert_ptr_nonnull(strstr(subject, "已逾期25天"));
    ck_assert_ptr_nonnull(strstr(text, "截至 2026-01-25 已逾期 25 天"));
    ck_assert_ptr_null(strstr(text, "已逾期10天"));
    free(subject);
    free(text);
    text = format_json(&later, 1, "all", &used);
    json_t *doc = json_loads(text, 0, NULL);
    json_t *a = json_array_get(json_object_get(doc, "alerts"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(a, "days_overdue")), 25);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(a, "title")), "已逾期25天"));
    ck_assert_str_eq(json_string_value(json_object_get(a, "notified_on")), "2026-01-25");
    json_decref(doc);
    free(text);
    codec_free((ProtobufCMessage **)&raised);
    codec_free((ProtobufCMessage **)&later);
}
END_TEST

//  planctl alerts list: --open leaves out what is resolved or closed; json and table; the days
//  overdue as of the clock (or of the resolution); acknowledgements shown.
START_TEST(test_alert_list_open_json_and_table)
{
    alert_test_overdue(s_conn, "T4.1-1");
    alert_test_overdue(s_conn, "T4.1-2");
    alert_test_change(s_conn, "T|G-2|430000|", "G-2", "430000", "", NULL, "ON_TRACK", 90,
                      "2025-12-31", NULL); //  a DUE_SOON notice: closed
    ck_assert_int_eq(s_raise(), 3);
    alert_test_clock(s_conn, "2026-01-20");
    alert_test_change(s_conn, "T|T4.1-2|430000|", "T4.1-2", "430000", "", "OVERDUE", "ACHIEVED", 0,
                      "2025-12-31", NULL); //  resolved on the 20th
    ck_assert_int_eq(s_raise(), 1);
    alert_test_clock(s_conn, "2026-01-25");
    long open_id = s_long("SELECT id FROM alert WHERE target = 'T4.1-1'");
    char args[256];
    snprintf(args, sizeof args, "alerts ack %ld --by 李四 --note 已督办", open_id);
    int status = -1;
    free(s_planctl(args, &status));
    ck_assert_int_eq(status, 0);

    char *out = s_planctl("alerts list --open --format json", &status);
    ck_assert_int_eq(status, 0);
    json_t *doc = json_loads(out, 0, NULL);
    ck_assert_msg(json_is_array(doc), "not a JSON array: %s", out);
    ck_assert_int_eq(json_array_size(doc), 1);
    json_t *a = json_array_get(doc, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(a, "id")), open_id);
    ck_assert_str_eq(json_string_value(json_object_get(a, "kind")), "OVERDUE");
    ck_assert_str_eq(json_string_value(json_object_get(a, "state")), "open");
    ck_assert_str_eq(json_string_value(json_object_get(a, "target")), "T4.1-1");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "days_overdue")), 25);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(a, "lead_units"), 0), "code")),
                     "P_STD");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(a, "addressees"), 0)),
                     "P_SUPV");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "ack"), "by")), "李四");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "ack"), "note")),
                     "已督办");
    json_decref(doc);
    free(out);

    //  all of them: the resolved one counts its days to the resolution
    out = s_planctl("alerts list --format json", &status);
    ck_assert_int_eq(status, 0);
    doc = json_loads(out, 0, NULL);
    ck_assert_int_eq(json_array_size(doc), 4);
    for (size_t i = 0; i < json_array_size(doc); i++) {
        a = json_array_get(doc, i);
        const char *kind = json_string_value(json_object_get(a, "kind"));
        const char *target = json_string_value(json_object_get(a, "target"));
        int days = (int)json_integer_value(json_object_get(a, "days_overdue"));
        if (!strcmp(kind, "OVERDUE") && !strcmp(target, "T4.1-2")) {
            ck_assert_str_eq(json_string_value(json_object_get(a, "state")), "resolved");
            ck_assert_int_eq(days, 20);
        } else if (strcmp(kind, "OVERDUE"))
            ck_assert_int_eq(days, 0);
    }
    json_decref(doc);
    free(out);

    out = s_planctl("alerts list --open --format table", &status);
    ck_assert_int_eq(status, 0);
    char *line2 = strchr(out, '\n');
    ck_assert_ptr_nonnull(line2);
    ck_assert_msg(!strncmp(out, "ID ", 3) && strstr(out, "KIND") && strstr(out, "DAYS") &&
                      strstr(out, "TITLE") < line2,
                  "no header: %s", out);
    char row[64];
    snprintf(row, sizeof row, "%-6ld %-14s %-9s 2026-01-10 ", open_id, "OVERDUE", "open");
    ck_assert_msg(strstr(out, row) != NULL, "no row %s in:\n%s", row, out);
    ck_assert_ptr_nonnull(strstr(out, "李四"));
    ck_assert_ptr_nonnull(strstr(out, "    25 【逾期未完成】二（四）1"));
    ck_assert_ptr_null(strstr(out, "T4.1-2"));
    ck_assert_ptr_null(strstr(out, "DUE_SOON"));
    ck_assert_ptr_nonnull(strstr(out, "alerts: 1 shown (open)"));
    free(out);
    //  a bad format is a usage error
    free(s_planctl("alerts list --format xml", &status));
    ck_assert_int_eq(status, 2);
}
END_TEST

//  A silence by target and one by org unit: only the matching alerts' notifications are
//  suppressed; an unknown code is refused.
START_TEST(test_alert_silence_by_target_and_org)
{
    int status = -1;
    free(s_planctl("alerts silence --target T4.1-1 --until 2026-02-01 --reason 核对中 --by t",
                   &status));
    ck_assert_int_eq(status, 0);
    free(s_planctl("alerts silence --org 430100 --until 2026-02-01 --reason 核对中 --by t",
                   &status));
    ck_assert_int_eq(status, 0);
    char *out = s_planctl("alerts silence --target T9.9-9 --until 2026-02-01 --reason x", &status);
    ck_assert_int_eq(status, 2);
    ck_assert_ptr_nonnull(strstr(out, "unknown target T9.9-9"));
    free(out);
    out = s_planctl("alerts silence --org 999999 --until 2026-02-01 --reason x", &status);
    ck_assert_int_eq(status, 2);
    free(out);
    alert_test_overdue(s_conn, "T4.1-1"); //  silenced (target)
    alert_test_overdue(s_conn, "T4.1-2"); //  same task, other target: not
    alert_test_change(s_conn, "R|GOV_430100|430100|HTE_COUNT|2024", NULL, "430100", "2024", NULL,
                      "REPORT_OVERDUE", 0, "2025-03-31", NULL); //  silenced (org)
    alert_test_change(s_conn, "R|GOV_430200|430200|HTE_COUNT|2024", NULL, "430200", "2024", NULL,
                      "REPORT_OVERDUE", 0, "2025-03-31", NULL); //  other city: not
    ck_assert_int_eq(s_raise(), 4);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert"), 4); //  all recorded
    char *silenced = alert_test_str(s_conn,
                                    "SELECT string_agg(DISTINCT coalesce(a.target, a.org), ','"
                                    " ORDER BY coalesce(a.target, a.org)) FROM alert_outbox o"
                                    " JOIN alert a ON a.id = o.alert_id WHERE o.state = 'silenced'",
                                    NULL);
    ck_assert_str_eq(silenced, "430100,T4.1-1");
    free(silenced);
    char *pending = alert_test_str(s_conn,
                                   "SELECT string_agg(DISTINCT coalesce(a.target, a.org), ','"
                                   " ORDER BY coalesce(a.target, a.org)) FROM alert_outbox o"
                                   " JOIN alert a ON a.id = o.alert_id WHERE o.state = 'pending'",
                                   NULL);
    ck_assert_str_eq(pending, "430200,T4.1-2");
    free(pending);
    //  and neither silenced alert is on the office stream
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_stream s JOIN alert a ON a.id = s.alert_id"
                            " WHERE a.target = 'T4.1-1' OR a.org = '430100'"),
                     0);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_stream"), 2);
}
END_TEST

//  A silence made after the notification was queued still holds when the sender comes to it:
//  the row ends 'silenced', nothing is sent.
START_TEST(test_alert_silence_after_queued_holds_at_send)
{
    alert_test_overdue(s_conn, "T4.1-1");
    ck_assert_int_eq(s_raise(), 1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE receiver = 'all'"
                            " AND state = 'pending'"),
                     1);
    int status = -1;
    free(s_planctl("alerts silence --org 430000 --kind OVERDUE --until 2026-01-31 --reason 核对中",
                   &status));
    ck_assert_int_eq(status, 0);
    //  the sender of 'all' (its URL refuses connections: a send would be a failed attempt)
    const receiver_t *all = receivers_find(s_setup.receivers, "all");
    ck_assert_int_eq(db_exec(s_conn, "INSERT INTO alert_receiver (name) VALUES ('all')", 0, NULL),
                     0);
    long wait = 0;
    for (int i = 0; i < 3; i++)
        ck_assert_int_ge(outbox_deliver_once(s_conn, &s_config, all, s_setup.receivers, &wait), 0);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE receiver = 'all'"
                            " AND state = 'silenced' AND attempts = 0"),
                     1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_receiver WHERE name = 'all'"
                            " AND failures > 0"),
                     0);
}
END_TEST

//  A receiver that keeps failing waits min * 2^failures between attempts, never more than the
//  configured maximum.
START_TEST(test_alert_outbox_backoff_capped)
{
    alert_test_overdue(s_conn, "T4.1-1");
    ck_assert_int_eq(s_raise(), 1);
    const receiver_t *all = receivers_find(s_setup.receivers, "all");
    ck_assert_int_eq(db_exec(s_conn, "INSERT INTO alert_receiver (name) VALUES ('all')", 0, NULL),
                     0);
    long wait = 0, previous = 0;
    for (int failures = 1; failures <= 12; failures++) {
        //  due now (the test does not wait out the backoff), then tried: freeze, send, fail
        ck_assert_int_eq(db_exec(s_conn,
                                 "UPDATE alert_receiver SET next_attempt_at = now()"
                                 " WHERE name = 'all'",
                                 0, NULL),
                         0);
        int rc;
        while ((rc = outbox_deliver_once(s_conn, &s_config, all, s_setup.receivers, &wait)) == 1)
            ;
        ck_assert_int_eq(rc, 0);
        ck_assert_int_eq(s_long("SELECT failures FROM alert_receiver WHERE name = 'all'"),
                         failures);
        long ms = s_long("SELECT ceil(extract(epoch FROM next_attempt_at - clock_timestamp())"
                         " * 1000) FROM alert_receiver WHERE name = 'all'");
        ck_assert_msg(ms <= s_config.retry_max_ms, "failure %d: next attempt in %ld ms > %ld",
                      failures, ms, s_config.retry_max_ms);
        if (failures >= 4) //  100 * 2^3 > 400: capped from here on
            ck_assert_msg(ms > s_config.retry_max_ms - 200, "failure %d: %ld ms", failures, ms);
        else
            ck_assert_int_ge(ms, previous);
        previous = ms;
    }
    //  the row waited in place, pending, its attempts counted
    ck_assert_int_eq(s_long("SELECT attempts FROM alert_outbox WHERE receiver = 'all'"), 12);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE receiver = 'all'"
                            " AND state = 'pending'"),
                     1);
}
END_TEST

//  The evidence summary keeps a robot message within its limit: a storm of alerts with long
//  figures and long rules still fits WeCom's 4096 bytes (the rest in the next message), and each
//  alert listed has its summary, cut to one short line.
START_TEST(test_alert_format_robot_evidence_within_limit)
{
    char value[400] = "", evidence[1200];
    for (int i = 0; i < 40; i++)
        strcat(value, "实际值");
    snprintf(evidence, sizeof evidence, "{\"rule\": \"%s\", \"value\": 1}", value);
    for (int i = 0; i < 30; i++) {
        char key[64], period[8];
        snprintf(period, sizeof period, "%d", 1900 + i);
        snprintf(key, sizeof key, "T|T4.1-1|430000|%s", period);
        alert_test_change(s_conn, key, "T4.1-1", "430000", period, NULL, "OVERDUE", 0, "2025-12-31",
                          evidence);
    }
    ck_assert_int_eq(s_raise(), 30);
    ck_assert_int_eq(db_exec(s_conn, "UPDATE alert SET value_text = $1", 1, DB_PARAMS(value)), 0);
    PGresult *res = db_query(s_conn, "SELECT " ALERT_COLUMNS " FROM alert a ORDER BY id", 0, NULL);
    Planwatch__V1__Alert *alerts[30];
    for (int i = 0; i < 30; i++)
        alerts[i] = alert_from_row(res, i, "2026-01-25", false, 0, 0);
    PQclear(res);
    size_t used = 0;
    char *body = format_wecom(alerts, 30, &used);
    json_t *doc = json_loads(body, 0, NULL);
    const char *md =
        json_string_value(json_object_get(json_object_get(doc, "markdown"), "content"));
    ck_assert_uint_le(strlen(md), 4096);
    ck_assert(used > 1 && used < 30);
    size_t lines = 0;
    for (const char *p = strstr(md, "依据："); p; p = strstr(p + 1, "依据：")) {
        const char *end = strchr(p, '\n');
        ck_assert_ptr_nonnull(end);
        ck_assert_uint_le((size_t)(end - p), 400); //  one short line, cut with …
        lines++;
    }
    ck_assert_uint_eq(lines, used);
    ck_assert_ptr_nonnull(strstr(md, "…"));
    json_decref(doc);
    free(body);
    body = format_dingtalk(alerts, 30, &used);
    ck_assert_uint_eq(used, 30); //  DingTalk's larger limit takes them all
    free(body);
    for (int i = 0; i < 30; i++)
        codec_free((ProtobufCMessage **)&alerts[i]);
}
END_TEST

//  Base64 of text decoded into out (NUL-terminated). Returns the byte count.
static size_t
s_unbase64(const char *text, size_t len, char *out)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    unsigned bits = 0, v = 0;
    for (size_t i = 0; i < len && text[i] != '='; i++) {
        const char *d = strchr(digits, text[i]);
        ck_assert_msg(d && text[i], "not base64: %c", text[i]);
        v = v << 6 | (unsigned)(d - digits);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((v >> bits) & 0xFF);
        }
    }
    out[o] = '\0';
    return o;
}

//  True when s[0..n) is whole UTF-8 characters.
static bool
s_whole_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80             ? 1
                     : (c & 0xE0) == 0xC0 ? 2
                     : (c & 0xF0) == 0xE0 ? 3
                     : (c & 0xF8) == 0xF0 ? 4
                                          : 0;
        if (!len || i + len > n)
            return false;
        for (size_t k = 1; k < len; k++)
            if (((unsigned char)s[i + k] & 0xC0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

//  The Subject of an e-mail: RFC 2047 encoded-words of at most 75 characters, cut only between
//  UTF-8 characters, lines of at most 76 with "Subject: " in front; decoded, the subject again.
START_TEST(test_alert_mail_subject_encoded_words)
{
    static const char *const subjects[] = {
        "〔提醒·已升级〕【逾期未完成】二（四）1 培育壮大科技型企业｜到2025年高新技术企业达到1.4万家"
        "（湖南省）截止2025-12-31，已逾期25天",
        "【督查提醒】省科技厅：12条告警",
        "ASCII only",
        "𠀀𠀁𠀂𠀃𠀄𠀅𠀆𠀇𠀈𠀉𠀊𠀋𠀌𠀍𠀎𠀏𠀐𠀑𠀒𠀓 mixed 四字节 and 3-byte ✓ and é",
    };
    for (size_t k = 0; k < sizeof subjects / sizeof subjects[0]; k++) {
        const char *subject = subjects[k];
        char *header = mail_subject_header(subject);
        ck_assert_ptr_nonnull(header);
        char decoded[4096] = "";
        size_t got = 0, words = 0;
        for (char *line = header; line;) {
            char *end = strstr(line, "\r\n");
            size_t len = end ? (size_t)(end - line) : strlen(line);
            const char *word = line;
            if (words) {
                ck_assert_msg(*line == ' ', "a continuation line starts with a space: %s", header);
                word++;
                len--;
                ck_assert_uint_le(len + 1, 76);
            } else
                ck_assert_uint_le(strlen("Subject: ") + len, 76);
            ck_assert_uint_le(len, 75);
            ck_assert_msg(!strncmp(word, "=?UTF-8?B?", 10) && !strncmp(word + len - 2, "?=", 2),
                          "not an encoded-word: %.*s", (int)len, word);
            char part[256];
            size_t n = s_unbase64(word + 10, len - 12, part);
            ck_assert_msg(n > 0 && s_whole_utf8(part, n), "word %zu cuts a character", words);
            memcpy(decoded + got, part, n);
            got += n;
            decoded[got] = '\0';
            words++;
            line = end ? end + 2 : NULL;
        }
        ck_assert_str_eq(decoded, subject);
        if (strlen(subject) > 45)
            ck_assert_uint_gt(words, 1);
        free(header);
    }
}
END_TEST

static Suite *
alert_raise_suite(void)
{
    Suite *s = suite_create("alert_raise");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, s_setup_store, s_teardown_store);
    tcase_set_timeout(core, 60);
    tcase_add_test(core, test_alert_raise_overdue_names_everything);
    tcase_add_test(core, test_alert_raise_marks_inferred_units);
    tcase_add_test(core, test_alert_raise_names_the_targets_own_units);
    tcase_add_test(core, test_alert_raise_due_soon_once_per_lead_time);
    tcase_add_test(core, test_alert_raise_off_track_superseded_by_overdue);
    tcase_add_test(core, test_alert_raise_report_overdue_addresses_the_unit);
    tcase_add_test(core, test_alert_raise_resolved_when_met);
    tcase_add_test(core, test_alert_raise_never_twice);
    tcase_add_test(core, test_alert_silence_suppresses_and_expires);
    tcase_add_test(core, test_alert_remind_escalate_ack_working_days);
    tcase_add_test(core, test_alert_remind_stops_when_resolved);
    tcase_add_test(core, test_alert_mail_subject_encoded_words);
    tcase_add_test(core, test_alert_notification_days_as_of_its_day);
    tcase_add_test(core, test_alert_list_open_json_and_table);
    tcase_add_test(core, test_alert_silence_by_target_and_org);
    tcase_add_test(core, test_alert_silence_after_queued_holds_at_send);
    tcase_add_test(core, test_alert_outbox_backoff_capped);
    tcase_add_test(core, test_alert_format_robot_evidence_within_limit);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, s_setup_store, s_teardown_store);
    tcase_set_timeout(limits, 120);
    tcase_add_test(limits, test_alert_raise_many_in_batches);
    suite_add_tcase(s, limits);
    return s;
}

TESTUTIL_MAIN(alert_raise_suite)
