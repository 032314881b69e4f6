/*  check_alert_calendar.c - working days from the holiday calendar; receivers and escalation
    files read as data, with their errors; notification bodies within the robots' limits */
#include "alert_test.h"

#include <jansson.h>

static calendar_t *s_cal;

static void
s_load(void)
{
    s_cal = calendar_load(testutil_repo_path("deploy/calendar/holidays_cn.csv"), NULL);
    ck_assert_ptr_nonnull(s_cal);
}

static void
s_free(void)
{
    calendar_destroy(&s_cal);
}

static day_t
s_day(const char *text)
{
    day_t d;
    ck_assert_int_eq(day_parse(text, &d), 0);
    return d;
}

//  day, working?
static const struct {
    const char *day;
    bool work;
} s_days[] = {
    {"2024-02-04", true},  //  Sunday, 春节调休
    {"2024-02-09", true},  //  除夕 2024: only "encouraged" off, a working day
    {"2024-02-10", false}, //  春节 (Saturday)
    {"2024-02-12", false}, //  春节 (Monday)
    {"2024-02-16", false}, //  春节 (Friday)
    {"2024-02-17", false}, //  春节 (Saturday), the last day
    {"2024-02-18", true},  //  Sunday, 春节调休
    {"2024-02-19", true},  //  Monday
    {"2024-05-11", true},  //  Saturday, 劳动节调休
    {"2024-05-18", false}, //  an ordinary Saturday
    {"2023-10-07", true},  //  Saturday, 中秋节、国庆节调休
    {"2025-10-08", false}, //  Wednesday inside 国庆节、中秋节 2025
    {"2026-01-01", false}, //  元旦 2026
    {"2027-03-03", true},  //  beyond the file: Monday-Friday
};

START_TEST(test_alert_calendar_days)
{
    ck_assert_msg(calendar_is_workday(s_cal, s_day(s_days[_i].day)) == s_days[_i].work,
                  "%s: expected %s", s_days[_i].day, s_days[_i].work ? "working" : "day off");
}
END_TEST

START_TEST(test_alert_calendar_arithmetic_across_spring_festival)
{
    //  Thursday 8 Feb 2024 + 1 working day = Friday 9th (除夕 worked); + 2 = Sunday 18th (调休)
    ck_assert_int_eq(calendar_add_workdays(s_cal, s_day("2024-02-08"), 1), s_day("2024-02-09"));
    ck_assert_int_eq(calendar_add_workdays(s_cal, s_day("2024-02-08"), 2), s_day("2024-02-18"));
    ck_assert_int_eq(calendar_add_workdays(s_cal, s_day("2024-02-08"), 3), s_day("2024-02-19"));
    ck_assert_int_eq(calendar_workdays_between(s_cal, s_day("2024-02-08"), s_day("2024-02-18")), 2);
    //  February 2024: 21 weekdays, minus 5 weekday holidays (12-16), plus 2 调休 Sundays (4, 18)
    ck_assert_int_eq(calendar_workdays_between(s_cal, s_day("2024-01-31"), s_day("2024-02-29")),
                     18);
    //  the 调休 Saturday 11 May 2024 counts; 1-5 May do not
    ck_assert_int_eq(calendar_workdays_between(s_cal, s_day("2024-04-30"), s_day("2024-05-11")), 6);
    ck_assert_int_eq(calendar_add_workdays(s_cal, s_day("2024-05-10"), 1), s_day("2024-05-11"));
    ck_assert_int_eq(calendar_workdays_between(s_cal, s_day("2024-02-18"), s_day("2024-02-08")), 0);
}
END_TEST

static char *s_dir;

static void
s_dir_new(void)
{
    s_dir = testutil_tempdir();
}

static void
s_dir_free(void)
{
    testutil_rmdir(s_dir);
    free(s_dir);
}

//  A receivers file with one bad row, and the error expected for it.
static const struct {
    const char *row;
    const char *error;
} s_bad_rows[] = {
    {"x,fax,*,*,,,,,,", "channel: 'fax'"},
    {"x,webhook,OVERDUE;LATE,*,http://h/,json,,,,", "kinds: 'LATE'"},
    {"x,webhook,*,p_std,http://h/,json,,,,", "units: 'p_std'"},
    {"x,webhook,*,*,ftp://h/,json,,,,", "url: a webhook needs"},
    {"x,webhook,*,*,http://h/,slack,,,,", "format: 'slack'"},
    {"x,webhook,*,*,http://h/?key=${PLANWATCH_UNSET_9},wecom,,,,", "PLANWATCH_UNSET_9 is not set"},
    {"x,email,*,*,smtp://h:25,,,a@b,,", "to: email needs"},
    {"x,email,*,*,smtp://h:25,,a@b,,,", "from: email needs"},
    {"x y,zmq,*,*,,,,,,", "name: 'x y'"},
    {"x,webhook,*,*,http://h/,json,,,,NO_SUCH_SECRET_9", "NO_SUCH_SECRET_9 is not set"},
};

START_TEST(test_alert_receivers_refuses_bad_rows)
{
    char text[1024];
    snprintf(text, sizeof text,
             "name,channel,kinds,units,url,format,to,from,user,secret_env\nok,zmq,*,*,,,,,,\n%s\n",
             s_bad_rows[_i].row);
    char *path = alert_test_file(s_dir, "r.csv", text);
    zlist_t *errors = zlist_new();
    zlist_autofree(errors);
    receivers_t *r = receivers_load(path, errors);
    ck_assert_ptr_null(r);
    ck_assert_int_ge(zlist_size(errors), 1);
    char *first = zlist_first(errors);
    ck_assert_msg(strstr(first, ":3: ") && strstr(first, s_bad_rows[_i].error),
                  "got '%s', expected line 3 and '%s'", first, s_bad_rows[_i].error);
    zlist_destroy(&errors);
    free(path);
}
END_TEST

//  Settings files whose header cannot be read: refused with a reason on line 1, never silently
//  (found by fuzz_alert_config: alertd exited 2 at start-up with nothing in its log).
static const char *const s_bad_headers[] = {"", "name,channel\"x\n", "\"unterminated\n"};

START_TEST(test_alert_settings_refuse_unreadable_header)
{
    char *path = alert_test_file(s_dir, "h.csv", s_bad_headers[_i]);
    zlist_t *errors = zlist_new();
    zlist_autofree(errors);
    ck_assert_ptr_null(receivers_load(path, errors));
    escalation_t rules[ESCALATION_MAX];
    ck_assert_int_eq(escalation_load(path, rules, ESCALATION_MAX, errors), -1);
    ck_assert_int_eq(zlist_size(errors), 2);
    for (char *e = zlist_first(errors); e; e = zlist_next(errors))
        ck_assert_msg(strstr(e, ":1: header: "), "got '%s'", e);
    zlist_destroy(&errors);
    free(path);
}
END_TEST

//  What the log may show of a receiver's URL: scheme://host[:port], nothing of the userinfo,
//  path, query or fragment, even when a password holds an '@' (found by fuzz_alert_config:
//  user:p@ss@host showed "ss@host").
static const struct {
    const char *url;   //  as configured
    const char *shown; //  as logged
} s_shown[] = {
    {"https://bot:p@ss@oa.example.gov.cn:8443/hook?key=k#x", "https://oa.example.gov.cn:8443"},
    {"https://bot:pass@oa.example.gov.cn/hook", "https://oa.example.gov.cn"},
    {"http://127.0.0.1:8080?token=a@b", "http://127.0.0.1:8080"},
    {"smtps://user@mail.example.gov.cn:465", "smtps://mail.example.gov.cn:465"},
    {"https://@@@/x", "https://"},
};

START_TEST(test_alert_receivers_url_shown_hides_userinfo)
{
    char text[512];
    snprintf(text, sizeof text,
             "name,channel,kinds,units,url,format,to,from,user,secret_env\n"
             "h,%s,*,*,%s,%s,%s,a@b,,\n",
             strncmp(s_shown[_i].url, "smtp", 4) ? "webhook" : "email", s_shown[_i].url,
             strncmp(s_shown[_i].url, "smtp", 4) ? "json" : "", "x@y");
    char *path = alert_test_file(s_dir, "u.csv", text);
    receivers_t *r = receivers_load(path, NULL);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(receivers_at(r, 0)->url_shown, s_shown[_i].shown);
    receivers_destroy(&r);
    free(path);
}
END_TEST

START_TEST(test_alert_receivers_routing)
{
    setenv("T_KEY", "k-123", 1);
    char *path = alert_test_file(s_dir, "r.csv",
                                 "name,channel,kinds,units,url,format,to,from,user,secret_env\n"
                                 "office,zmq,*,*,,,,,,\n"
                                 "#disabled,webhook,*,*,http://h/,json,,,,\n"
                                 "cs,webhook,OVERDUE;REPORT_OVERDUE,GOV_430100,https://"
                                 "qyapi.example/send?key=${T_KEY},wecom,,,,\n");
    receivers_t *r = receivers_load(path, NULL);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(receivers_count(r), 2);
    const receiver_t *cs = receivers_find(r, "cs");
    ck_assert_str_eq(cs->url, "https://qyapi.example/send?key=k-123");
    ck_assert_str_eq(cs->url_shown, "https://qyapi.example"); //  what the log may show
    char *office_only[] = {"P_SUPV", "P_STD"}, *changsha[] = {"P_SUPV", "GOV_430100"};
    ck_assert(!receiver_matches(cs, "OVERDUE", office_only, 2));
    ck_assert(receiver_matches(cs, "OVERDUE", changsha, 2));
    ck_assert(!receiver_matches(cs, "DUE_SOON", changsha, 2));
    //  a code that merely contains the unit's code is not the unit
    char *near[] = {"GOV_4301000"};
    ck_assert(!receiver_matches(cs, "OVERDUE", near, 1));
    ck_assert(receiver_matches(receivers_find(r, "office"), "DEAD_LETTER", office_only, 1));
    receivers_destroy(&r);
    free(path);
    //  the shipped files load
    r = receivers_load(testutil_repo_path("deploy/alerting/receivers.csv"), NULL);
    ck_assert_ptr_nonnull(r);
    receivers_destroy(&r);
    escalation_t rules[ESCALATION_MAX];
    ck_assert_int_eq(escalation_load(testutil_repo_path("deploy/alerting/escalation.csv"), rules,
                                     ESCALATION_MAX, NULL),
                     2);
    ck_assert_str_eq(rules[0].kind, "OVERDUE");
    ck_assert_str_eq(rules[0].escalate_to, "LGO");
}
END_TEST

//  A made-up alert for the formatters.
static Planwatch__V1__Alert *
s_alert(uint64_t id, const char *title)
{
    static Planwatch__V1__UnitRef lead = PLANWATCH__V1__UNIT_REF__INIT;
    static Planwatch__V1__UnitRef *leads[] = {&lead};
    lead.code = "P_STD";
    lead.name = "省科技厅";
    Planwatch__V1__Alert *a = calloc(1, sizeof *a);
    planwatch__v1__alert__init(a);
    a->id = id;
    a->kind = "OVERDUE";
    a->title = (char *)title;
    a->value_text = "实际 13200家 / 目标 ≥14000家";
    a->deadline = "2025-12-31";
    a->notified_on = "2026-01-10";
    a->days_overdue = 10;
    a->lead_units = leads;
    a->n_lead_units = 1;
    a->evidence_json = "{\"value\": 13200}";
    return a;
}

START_TEST(test_alert_format_wecom_within_limit)
{
    Planwatch__V1__Alert *alerts[40];
    for (int i = 0; i < 40; i++)
        alerts[i] = s_alert((uint64_t)i + 1, "【逾期未完成】二（四）1 培育壮大科技型企业｜到2025年"
                                             "高新技术企业达到1.4万家（湖南省）截止2025-12-31");
    size_t used = 0;
    char *body = format_wecom(alerts, 40, &used);
    json_t *doc = json_loads(body, 0, NULL);
    const char *md =
        json_string_value(json_object_get(json_object_get(doc, "markdown"), "content"));
    //  WeCom takes at most 4096 bytes of markdown: fewer alerts, the rest in the next message
    ck_assert_int_le(strlen(md), 4096);
    ck_assert(used > 1 && used < 40);
    char heading[128];
    snprintf(heading, sizeof heading, "省科技厅：%zu条告警", used);
    ck_assert_ptr_nonnull(strstr(md, heading));
    ck_assert_ptr_nonnull(strstr(md, "告警编号 #1（"));
    json_decref(doc);
    free(body);
    //  generic JSON lists them all
    body = format_json(alerts, 40, "hook", &used);
    ck_assert_int_eq(used, 40);
    doc = json_loads(body, 0, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(doc, "alerts")), 40);
    json_decref(doc);
    free(body);
    //  e-mail
    char *subject = NULL;
    body = format_mail(alerts, 1, &subject, &used);
    ck_assert_ptr_nonnull(strstr(subject, "【逾期未完成】"));
    ck_assert_ptr_nonnull(strstr(body, "牵头单位：省科技厅"));
    free(subject);
    free(body);
    char id[128];
    ck_assert_str_eq(mail_message_id(42, 1, 7, "planwatch@hunan.gov.cn", id, sizeof id),
                     "planwatch.alert-42.7@hunan.gov.cn");
    ck_assert_str_eq(mail_message_id(42, 3, 7, "x", id, sizeof id),
                     "planwatch.alert-42+2.7@planwatch.invalid");
    for (int i = 0; i < 40; i++)
        free(alerts[i]);
}
END_TEST

START_TEST(test_alert_dingtalk_signature)
{
    uint8_t mac[32];
    char hex[65];
    webhook_hmac_sha256("key", "The quick brown fox jumps over the lazy dog", mac);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    ck_assert_str_eq(hex, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    //  a key longer than the block is hashed first (RFC 4231 case 6)
    char long_key[132];
    memset(long_key, 0xaa, 131);
    long_key[131] = '\0';
    webhook_hmac_sha256(long_key, "Test Using Larger Than Block-Size Key - Hash Key First", mac);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    ck_assert_str_eq(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    char *url = webhook_dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=t",
                                     "SECabc123", 1700000000000LL);
    ck_assert_str_eq(
        url, "https://oapi.dingtalk.com/robot/send?access_token=t"
             "&timestamp=1700000000000&sign=N5P09a4%2Bp1AMJIJWnIvQd2Yxw9%2Bfu%2FoEBnPrjCcsLXk%3D");
    free(url);
}
END_TEST

static Suite *
alert_calendar_suite(void)
{
    Suite *s = suite_create("alert_calendar");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, s_load, s_free);
    tcase_add_loop_test(core, test_alert_calendar_days, 0, sizeof s_days / sizeof s_days[0]);
    tcase_add_test(core, test_alert_calendar_arithmetic_across_spring_festival);
    suite_add_tcase(s, core);
    TCase *data = tcase_create("limits");
    tcase_add_checked_fixture(data, s_dir_new, s_dir_free);
    tcase_add_test(data, test_alert_receivers_routing);
    tcase_add_loop_test(data, test_alert_receivers_url_shown_hides_userinfo, 0,
                        sizeof s_shown / sizeof s_shown[0]);
    tcase_add_test(data, test_alert_format_wecom_within_limit);
    tcase_add_test(data, test_alert_dingtalk_signature);
    suite_add_tcase(s, data);
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, s_dir_new, s_dir_free);
    tcase_add_loop_test(errors, test_alert_receivers_refuses_bad_rows, 0,
                        sizeof s_bad_rows / sizeof s_bad_rows[0]);
    tcase_add_loop_test(errors, test_alert_settings_refuse_unreadable_header, 0,
                        sizeof s_bad_headers / sizeof s_bad_headers[0]);
    suite_add_tcase(s, errors);
    return s;
}

TESTUTIL_MAIN(alert_calendar_suite)
