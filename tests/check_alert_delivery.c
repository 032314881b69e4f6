/*  check_alert_delivery.c - real alertd processes delivering to a local HTTP receiver and a
    local SMTP sink: formats, crashes between commit and send, receivers down and back, dead
    letters, two instances on one store, storm grouping, SIGTERM */
#include "alert_test.h"

#include "testutil_sink.h"

#include <jansson.h>

static char *s_dir;
static PGconn *s_conn;
static char *s_escalation;

static void
s_setup(void)
{
    s_conn = testutil_db_fresh(1);
    s_dir = testutil_tempdir();
    alert_test_clock(s_conn, "2026-01-10");
    s_escalation = alert_test_file(s_dir, "escalation.csv",
                                   "kind,remind_working_days,escalate_working_days,escalate_to\n"
                                   "OVERDUE,3,10,LGO\n");
}

static void
s_teardown(void)
{
    free(s_escalation);
    testutil_rmdir(s_dir);
    free(s_dir);
    PQfinish(s_conn);
}

static long
s_long(const char *sql)
{
    return testutil_db_long(s_conn, sql);
}

//  A receivers file with one json webhook to the sink.
static char *
s_json_receivers(sink_t *sink)
{
    char text[1024];
    snprintf(text, sizeof text,
             "name,channel,kinds,units,url,format,to,from,user,secret_env\n"
             "office,zmq,*,*,,,,,,\n"
             "hook,webhook,*,*,http://127.0.0.1:%d/alerts,json,,,,\n",
             sink_port(sink));
    return alert_test_file(s_dir, "receivers.csv", text);
}

//  The JSON body number i of the sink (owned).
static json_t *
s_body(sink_t *sink, int i)
{
    char *text = sink_message(sink, i);
    ck_assert_ptr_nonnull(text);
    json_t *doc = json_loads(text, 0, NULL);
    ck_assert_msg(doc != NULL, "not JSON: %s", text);
    free(text);
    return doc;
}

static json_int_t
s_first_alert_int(json_t *doc, const char *field)
{
    return json_integer_value(
        json_object_get(json_array_get(json_object_get(doc, "alerts"), 0), field));
}

START_TEST(test_alert_delivery_every_format)
{
    sink_t *json = sink_new(SINK_HTTP, 0), *wecom = sink_new(SINK_HTTP, 0),
           *ding = sink_new(SINK_HTTP, 0), *smtp = sink_new(SINK_SMTP, 0);
    char text[2048];
    snprintf(text, sizeof text,
             "name,channel,kinds,units,url,format,to,from,user,secret_env\n"
             "hook,webhook,*,*,http://127.0.0.1:%d/alerts,json,,,,HOOK_TOKEN\n"
             "wecom,webhook,OVERDUE,P_STD,http://127.0.0.1:%d/cgi-bin/webhook/"
             "send?key=${T_WECOM_KEY},wecom,,,,\n"
             "ding,webhook,OVERDUE,P_SUPV,http://127.0.0.1:%d/robot/"
             "send?access_token=${T_DING},dingtalk,,,,T_DING_SECRET\n"
             "mail,email,OVERDUE,*,smtp://"
             "127.0.0.1:%d,,duchashi@example.gov.cn;lgo@example.gov.cn,planwatch@hunan.example,${T_"
             "SMTP_USER},T_SMTP_PASSWORD\n",
             sink_port(json), sink_port(wecom), sink_port(ding), sink_port(smtp));
    char *receivers = alert_test_file(s_dir, "receivers.csv", text);
    char *extra[] = {"T_WECOM_KEY=wecom-key-7c1e",
                     "T_DING=ding-token-99ab",
                     "T_SMTP_USER=robot",
                     "T_SMTP_PASSWORD=smtp-pass-5f2d",
                     "HOOK_TOKEN=hook-token-3e8a",
                     "T_DING_SECRET=SEC-ding-51c0",
                     "LOG_LEVEL=debug",
                     NULL};
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", 0);
    alert_proc_start(&p, receivers, s_escalation, extra, 1);
    //  outbox ids far from alert ids, so that a header carrying the wrong ones shows
    ck_assert_int_eq(db_exec(s_conn, "SELECT setval('alert_outbox_id_seq', 1000)", 0, NULL), 0);
    alert_test_overdue(s_conn, "T4.1-1");
    ck_assert_int_eq(sink_wait(json, 1, 10000), 1);
    ck_assert_int_eq(sink_wait(wecom, 1, 10000), 1);
    ck_assert_int_eq(sink_wait(ding, 1, 10000), 1);
    ck_assert_int_eq(sink_wait(smtp, 1, 10000), 1);
    long id = s_long("SELECT id FROM alert");

    json_t *doc = s_body(json, 0);
    json_t *a = json_array_get(json_object_get(doc, "alerts"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(a, "id")), id);
    ck_assert_int_eq(json_integer_value(json_object_get(a, "notification_id")),
                     s_long("SELECT id FROM alert_outbox WHERE receiver = 'hook'"));
    ck_assert_str_eq(json_string_value(json_object_get(a, "kind")), "OVERDUE");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "task"), "number")),
                     "二（四）1");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "target"), "text")),
                     "到2025年高新技术企业达到1.4万家");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(a, "lead_units"), 0), "name")),
                     "省科技厅");
    ck_assert_int_eq(json_array_size(json_object_get(a, "co_units")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(a, "evidence"), "value")),
                     13200);
    ck_assert_int_eq(json_integer_value(json_object_get(a, "days_overdue")), 10);
    json_decref(doc);
    //  the webhook's headers: alert ids as by e-mail, outbox ids as the idempotency key
    char expect[64], *header = sink_header(json, 0, "X-Planwatch-Alert-Ids");
    snprintf(expect, sizeof expect, "%ld", id);
    ck_assert_str_eq(header, expect);
    free(header);
    long outbox = s_long("SELECT id FROM alert_outbox WHERE receiver = 'hook'");
    header = sink_header(json, 0, "X-Planwatch-Notification-Ids");
    snprintf(expect, sizeof expect, "%ld", outbox);
    ck_assert_str_eq(header, expect);
    free(header);
    header = sink_header(json, 0, "Idempotency-Key");
    snprintf(expect, sizeof expect, "planwatch-%ld", outbox);
    ck_assert_str_eq(header, expect);
    free(header);

    doc = s_body(wecom, 0);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "msgtype")), "markdown");
    const char *md =
        json_string_value(json_object_get(json_object_get(doc, "markdown"), "content"));
    char want[64];
    snprintf(want, sizeof want, "告警编号 #%ld", id);
    ck_assert_ptr_nonnull(strstr(md, want));
    ck_assert_ptr_nonnull(strstr(md, "牵头单位：省科技厅"));
    ck_assert_ptr_nonnull(strstr(md, "已逾期 10 天"));
    ck_assert_ptr_nonnull(
        strstr(md, "依据：水平值规则 · 评估至 2026-01-10 · 实际 13200家 / 目标 ≥14000家"));
    json_decref(doc);

    doc = s_body(ding, 0);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "msgtype")), "markdown");
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(json_object_get(doc, "markdown"), "text")), want));
    json_decref(doc);

    char *mail = sink_message(smtp, 0);
    snprintf(want, sizeof want, "Message-ID: <planwatch.alert-%ld.", id);
    ck_assert_msg(strstr(mail, want) != NULL, "no %s in %s", want, mail);
    snprintf(want, sizeof want, "X-Planwatch-Alert-Ids: %ld\r\n", id);
    ck_assert_ptr_nonnull(strstr(mail, want));
    snprintf(want, sizeof want, "X-Planwatch-Notification-Ids: %ld\r\n",
             s_long("SELECT id FROM alert_outbox WHERE receiver = 'mail'"));
    ck_assert_ptr_nonnull(strstr(mail, want));
    ck_assert_ptr_nonnull(strstr(mail, "To: duchashi@example.gov.cn,lgo@example.gov.cn"));
    ck_assert_ptr_nonnull(strstr(mail, "@hunan.example>"));
    ck_assert_ptr_nonnull(strstr(mail, "Subject: =?UTF-8?B?"));
    //  the long Chinese subject: several encoded-words on folded lines (check_alert_raise)
    ck_assert_ptr_nonnull(strstr(mail, "?=\r\n =?UTF-8?B?"));
    free(mail);

    //  recorded just after the receiver answered
    ck_assert_int_eq(alert_test_wait_count(
                         s_conn, "SELECT count(*) FROM alert_outbox WHERE state = 'sent'", 4, 5000),
                     4);
    //  health check, then SIGTERM: exit 0
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof cmd, "ALERT_CONTROL_ENDPOINT=%s DATABASE_URL=x %s --ping >/dev/null",
             p.endpoint, testutil_bin("alertd"));
    ck_assert_int_eq(testutil_sh(cmd), 0);
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
    //  secrets never reach the log (debug level included)
    ck_assert(!alert_test_file_has(p.log, "wecom-key-7c1e"));
    ck_assert(!alert_test_file_has(p.log, "ding-token-99ab"));
    ck_assert(!alert_test_file_has(p.log, "smtp-pass-5f2d"));
    ck_assert(!alert_test_file_has(p.log, "hook-token-3e8a"));
    ck_assert(!alert_test_file_has(p.log, "SEC-ding-51c0"));
    ck_assert(!alert_test_file_has(p.log, "planwatch_t_alert?"));
    ck_assert(alert_test_file_has(p.log, "outbox.sent"));
    free(receivers);
    sink_destroy(&json);
    sink_destroy(&wecom);
    sink_destroy(&ding);
    sink_destroy(&smtp);
}
END_TEST

START_TEST(test_alert_delivery_crash_after_commit)
{
    sink_t *sink = sink_new(SINK_HTTP, 0);
    char *receivers = s_json_receivers(sink);
    char *fault[] = {"ALERT_TEST_FAULT=crash_after_commit", NULL};
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", 0);
    alert_proc_start(&p, receivers, s_escalation, fault, 1);
    alert_test_overdue(s_conn, "T4.1-1");
    //  it dies right after committing the alert and its outbox row
    ck_assert_int_eq(alert_proc_wait_exit(&p, 10000), 128 + SIGKILL);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert"), 1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE state = 'pending'"), 1);
    ck_assert_int_eq(sink_count(sink), 0);
    //  restarted (no fault): delivered once, nothing raised twice
    alert_proc_start(&p, receivers, s_escalation, NULL, 1);
    ck_assert_int_eq(sink_wait(sink, 1, 10000), 1);
    zclock_sleep(600);
    ck_assert_int_eq(sink_count(sink), 1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert"), 1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE state = 'sent'"), 1);
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
    free(receivers);
    sink_destroy(&sink);
}
END_TEST

START_TEST(test_alert_delivery_crash_after_send_acts_once)
{
    sink_t *sink = sink_new(SINK_HTTP, 0);
    char *receivers = s_json_receivers(sink);
    char *fault[] = {"ALERT_TEST_FAULT=crash_after_send", NULL};
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", 0);
    alert_proc_start(&p, receivers, s_escalation, fault, 1);
    alert_test_overdue(s_conn, "T4.1-1");
    //  the receiver got it, alertd died before recording that
    ck_assert_int_eq(alert_proc_wait_exit(&p, 10000), 128 + SIGKILL);
    ck_assert_int_eq(sink_count(sink), 1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE state = 'pending'"), 1);
    alert_proc_start(&p, receivers, s_escalation, NULL, 1);
    ck_assert_int_eq(sink_wait(sink, 2, 10000), 2);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE state = 'sent'"), 1);
    //  the repeat carries the same alert id and notification id: a receiver that drops repeats
    //  by them acts once
    json_t *first = s_body(sink, 0), *second = s_body(sink, 1);
    ck_assert_int_eq(s_first_alert_int(first, "id"), s_first_alert_int(second, "id"));
    ck_assert_int_eq(s_first_alert_int(first, "notification_id"),
                     s_first_alert_int(second, "notification_id"));
    ck_assert_int_eq(s_first_alert_int(first, "notification_id"),
                     s_long("SELECT id FROM alert_outbox"));
    json_decref(first);
    json_decref(second);
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
    free(receivers);
    sink_destroy(&sink);
}
END_TEST

//  n OVERDUE changes of T4.1-1 (lead unit 省科技厅: one group), periods from `from`.
static void
s_overdue_periods(int from, int n)
{
    for (int i = from; i < from + n; i++) {
        char key[64], period[16];
        snprintf(period, sizeof period, "%d", 1900 + i);
        snprintf(key, sizeof key, "T|T4.1-1|430000|%s", period);
        alert_test_change(s_conn, key, "T4.1-1", "430000", period, NULL, "OVERDUE", 0, "2025-12-31",
                          NULL);
    }
}

//  The ids in a header value "3,4, 7" (commas, folding spaces), as "3,4,7". Takes value;
//  returns an owned string.
static char *
s_id_list(char *value)
{
    ck_assert_ptr_nonnull(value);
    char *out = calloc(1, strlen(value) + 1);
    for (size_t i = 0, o = 0; value[i]; i++)
        if (value[i] != ' ' && value[i] != '\t')
            out[o++] = value[i];
    free(value);
    return out;
}

//  The alert ids a JSON body lists, as "3,4,7". Owned.
static char *
s_body_alert_ids(sink_t *sink, int i)
{
    json_t *doc = s_body(sink, i), *alerts = json_object_get(doc, "alerts");
    char *out = calloc(1, 16 * (json_array_size(alerts) + 1));
    for (size_t k = 0; k < json_array_size(alerts); k++)
        sprintf(out + strlen(out), "%s%lld", k ? "," : "",
                (long long)json_integer_value(json_object_get(json_array_get(alerts, k), "id")));
    json_decref(doc);
    return out;
}

//  Grouped messages are frozen before they are sent: after a crash between the receiver's answer
//  and the record, the resend carries the same rows and the same keys, though newer rows of the
//  same group are pending by then; those go in a later message. _i: 0 webhook, 1 e-mail.
START_TEST(test_alert_delivery_grouped_resend_same_rows_and_key)
{
    bool mail = _i == 1;
    sink_t *sink = sink_new(mail ? SINK_SMTP : SINK_HTTP, 0);
    char text[1024];
    if (mail)
        snprintf(text, sizeof text,
                 "name,channel,kinds,units,url,format,to,from,user,secret_env\n"
                 "mail,email,*,*,smtp://127.0.0.1:%d,,duchashi@example.gov.cn,"
                 "planwatch@hunan.example,,\n",
                 sink_port(sink));
    else
        snprintf(text, sizeof text,
                 "name,channel,kinds,units,url,format,to,from,user,secret_env\n"
                 "hook,webhook,*,*,http://127.0.0.1:%d/alerts,json,,,,\n",
                 sink_port(sink));
    char *receivers = alert_test_file(s_dir, "receivers.csv", text);
    ck_assert_int_eq(db_exec(s_conn, "SELECT setval('alert_outbox_id_seq', 500)", 0, NULL), 0);
    char *crash[] = {"ALERT_TEST_FAULT=crash_after_send", "ALERT_GROUP_WAIT_MS=800", NULL};
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", 0);
    alert_proc_start(&p, receivers, s_escalation, crash, 1);
    s_overdue_periods(0, 3);
    //  one grouped message of the three went out; alertd died before recording it
    ck_assert_int_eq(alert_proc_wait_exit(&p, 10000), 128 + SIGKILL);
    ck_assert_int_eq(sink_count(sink), 1);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE state = 'pending'"
                            " AND batch IS NOT NULL"),
                     3);
    //  meanwhile two more alerts of the same lead unit are raised (as another alertd would)
    s_overdue_periods(3, 2);
    alertd_config_t config;
    alert_test_config(&config);
    config.group_wait_ms = 800;
    zlist_t *errors = zlist_new();
    receivers_t *r = receivers_load(receivers, errors);
    ck_assert_ptr_nonnull(r);
    raise_t *raiser = raise_new(&config, r);
    ck_assert_int_eq(raise_pending(raiser, s_conn), 2);
    raise_destroy(&raiser);
    receivers_destroy(&r);
    zlist_destroy(&errors);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE state = 'pending'"), 5);
    //  restarted: the frozen message again, exactly as it was, then the two new ones
    alert_proc_start(&p, receivers, s_escalation, crash + 1, 1);
    ck_assert_int_eq(sink_wait(sink, 3, 10000), 3);
    ck_assert_int_eq(alert_test_wait_count(
                         s_conn, "SELECT count(*) FROM alert_outbox WHERE state = 'sent'", 5, 5000),
                     5);
    zclock_sleep(300);
    ck_assert_int_eq(sink_count(sink), 3);
    const char *key = mail ? "Message-ID" : "Idempotency-Key";
    char *key0 = sink_header(sink, 0, key), *key1 = sink_header(sink, 1, key),
         *key2 = sink_header(sink, 2, key);
    ck_assert_str_eq(key0, key1);
    ck_assert_str_ne(key1, key2);
    char *ids0 = s_id_list(sink_header(sink, 0, "X-Planwatch-Alert-Ids"));
    char *ids1 = s_id_list(sink_header(sink, 1, "X-Planwatch-Alert-Ids"));
    char *ids2 = s_id_list(sink_header(sink, 2, "X-Planwatch-Alert-Ids"));
    char *first = alert_test_str(s_conn,
                                 "SELECT string_agg(id::text, ',' ORDER BY id) FROM"
                                 " (SELECT id FROM alert ORDER BY id LIMIT 3) x",
                                 NULL);
    char *later = alert_test_str(s_conn,
                                 "SELECT string_agg(id::text, ',' ORDER BY id) FROM"
                                 " (SELECT id FROM alert ORDER BY id OFFSET 3) x",
                                 NULL);
    ck_assert_str_eq(ids0, first);
    ck_assert_str_eq(ids1, first);
    ck_assert_str_eq(ids2, later);
    if (!mail) {
        //  the bodies list the same alerts as the headers
        char *body1 = s_body_alert_ids(sink, 1), *body2 = s_body_alert_ids(sink, 2);
        ck_assert_str_eq(body1, first);
        ck_assert_str_eq(body2, later);
        free(body1);
        free(body2);
    }
    //  each row recorded once, in the message it went out in
    ck_assert_int_eq(s_long("SELECT count(DISTINCT batch) FROM alert_outbox"), 2);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE attempts = 1"), 5);
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
    free(key0);
    free(key1);
    free(key2);
    free(ids0);
    free(ids1);
    free(ids2);
    free(first);
    free(later);
    free(receivers);
    sink_destroy(&sink);
}
END_TEST

START_TEST(test_alert_delivery_receiver_down_then_up_in_order)
{
    sink_t *sink = sink_new(SINK_HTTP, 0);
    char *receivers = s_json_receivers(sink);
    sink_set_status(sink, 0, NULL); //  down: connection refused
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", 0);
    alert_proc_start(&p, receivers, s_escalation, NULL, 1);
    static const char *const targets[] = {"T4.1-1", "T4.1-2", "G-2", "T2.1-2", "T5.1-1", "T8.1-1"};
    for (size_t i = 0; i < 6; i++)
        alert_test_overdue(s_conn, targets[i]);
    ck_assert_int_ge(alert_test_wait_count(s_conn,
                                           "SELECT failures FROM alert_receiver"
                                           " WHERE name = 'hook'",
                                           3, 10000),
                     3);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE state = 'pending'"), 6);
    //  503 is "down" too
    sink_set_status(sink, 503, "busy");
    zclock_sleep(800);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE state = 'pending'"), 6);
    ck_assert_int_ge(sink_count(sink), 1);
    sink_set_status(sink, 200, NULL);
    ck_assert_int_eq(alert_test_wait_count(s_conn,
                                           "SELECT count(*) FROM alert_outbox"
                                           " WHERE state = 'sent'",
                                           6, 10000),
                     6);
    int got = sink_count(sink), tried = got - 6;
    ck_assert_int_ge(tried, 1);
    //  every failed attempt was the head of the queue: the first alert, never a later one
    for (int i = 0; i < tried; i++) {
        json_t *doc = s_body(sink, i);
        ck_assert_int_eq(s_first_alert_int(doc, "id"), s_long("SELECT min(id) FROM alert"));
        json_decref(doc);
    }
    //  then all six, in order
    long prev = 0;
    for (int i = tried; i < got; i++) {
        json_t *doc = s_body(sink, i);
        long id = (long)s_first_alert_int(doc, "id");
        ck_assert_int_gt(id, prev);
        prev = id;
        json_decref(doc);
    }
    ck_assert_int_eq(prev, s_long("SELECT max(id) FROM alert"));
    ck_assert_int_eq(s_long("SELECT failures FROM alert_receiver WHERE name = 'hook'"), 0);
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
    free(receivers);
    sink_destroy(&sink);
}
END_TEST

START_TEST(test_alert_delivery_4xx_dead_letter_and_meta_alert)
{
    sink_t *good = sink_new(SINK_HTTP, 0), *bad = sink_new(SINK_HTTP, 0),
           *robot = sink_new(SINK_HTTP, 0);
    sink_set_status(bad, 400, "{\"error\":\"bad request\"}");
    sink_set_status(robot, 200, "{\"errcode\":93000,\"errmsg\":\"invalid webhook url\"}");
    char text[1024];
    snprintf(text, sizeof text,
             "name,channel,kinds,units,url,format,to,from,user,secret_env\n"
             "good,webhook,*,*,http://127.0.0.1:%d/a,json,,,,\n"
             "bad,webhook,*,*,http://127.0.0.1:%d/b,json,,,,\n"
             "robot,webhook,OVERDUE,*,http://127.0.0.1:%d/c,wecom,,,,\n",
             sink_port(good), sink_port(bad), sink_port(robot));
    char *receivers = alert_test_file(s_dir, "receivers.csv", text);
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", 0);
    alert_proc_start(&p, receivers, s_escalation, NULL, 1);
    alert_test_overdue(s_conn, "T4.1-1");
    //  the good receiver: the alert and two meta-alerts (one per refusing receiver)
    ck_assert_int_eq(sink_wait(good, 3, 10000), 3);
    //  dead: bad's and robot's copies of the alert, and bad's copy of robot's meta-alert
    ck_assert_int_eq(alert_test_wait_count(
                         s_conn, "SELECT count(*) FROM alert_outbox WHERE state = 'dead'", 3, 5000),
                     3);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert WHERE kind = 'DEAD_LETTER'"), 2);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert WHERE kind = 'DEAD_LETTER'"
                            " AND evidence->>'receiver' IN ('bad', 'robot')"),
                     2);
    char *error = alert_test_str(
        s_conn, "SELECT last_error FROM alert_outbox WHERE receiver = 'robot'", NULL);
    ck_assert_ptr_nonnull(strstr(error, "errcode 93000"));
    free(error);
    zclock_sleep(800);
    //  no retries of a permanent refusal; the refusers are not told of their own dead letter,
    //  and bad's meta-alert went to robot (which refused it too: no meta-alert of a meta-alert)
    ck_assert_int_eq(sink_count(bad), 2);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE receiver = 'bad'"), 2);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert WHERE kind = 'DEAD_LETTER'"), 2);
    json_t *doc = s_body(good, 1);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(doc, "alerts"), 0), "kind")),
                     "DEAD_LETTER");
    json_decref(doc);
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
    free(receivers);
    sink_destroy(&good);
    sink_destroy(&bad);
    sink_destroy(&robot);
}
END_TEST

//  The alerts an alertd log says it sent to receiver (outbox.sent lines).
static long
s_log_sent(const char *log, const char *receiver)
{
    FILE *f = fopen(log, "r");
    ck_assert_ptr_nonnull(f);
    char line[4096], probe[128];
    snprintf(probe, sizeof probe, "outbox.sent receiver=%s alerts=", receiver);
    long sent = 0;
    while (fgets(line, sizeof line, f)) {
        const char *at = strstr(line, probe);
        if (at)
            sent += atol(at + strlen(probe));
    }
    fclose(f);
    return sent;
}

START_TEST(test_alert_delivery_two_instances_send_once)
{
    sink_t *sink = sink_new(SINK_HTTP, 0);
    char *receivers = s_json_receivers(sink);
    alert_proc_t a, b;
    alert_proc_init(&a, s_dir, "alertd-a", 0);
    alert_proc_init(&b, s_dir, "alertd-b", 0);
    char *fast[] = {"ALERT_POLL_MS=50", NULL};
    alert_proc_start(&a, receivers, s_escalation, fast, 1);
    alert_proc_start(&b, receivers, s_escalation, fast, 1);
    //  a receiver that takes 20 ms to answer, alerts coming one by one: whichever instance holds
    //  the receiver when the next one is due sends it, so both get their share
    sink_set_delay(sink, 20);
    enum { N = 40 };
    for (int i = 0; i < N; i++) {
        s_overdue_periods(i, 1);
        zclock_sleep(i % 4 ? 30 : 70);
    }
    ck_assert_int_eq(sink_wait(sink, N, 15000), N);
    zclock_sleep(1000);
    ck_assert_int_eq(sink_count(sink), N);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert"), N);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_outbox WHERE state = 'sent'"
                            " AND attempts = 1"),
                     N);
    //  every notification id exactly once
    long seen[N];
    for (int i = 0; i < N; i++) {
        json_t *doc = s_body(sink, i);
        seen[i] = (long)s_first_alert_int(doc, "notification_id");
        for (int k = 0; k < i; k++)
            ck_assert_int_ne(seen[k], seen[i]);
        json_decref(doc);
    }
    ck_assert_int_eq(alert_proc_stop(&a, SIGTERM), 0);
    ck_assert_int_eq(alert_proc_stop(&b, SIGTERM), 0);
    //  both instances sent (the test saw real contention), and between them each row once
    long by_a = s_log_sent(a.log, "hook"), by_b = s_log_sent(b.log, "hook");
    ck_assert_msg(by_a > 0 && by_b > 0, "one instance sent everything: a %ld, b %ld", by_a, by_b);
    ck_assert_int_eq(by_a + by_b, N);
    free(receivers);
    sink_destroy(&sink);
}
END_TEST

START_TEST(test_alert_delivery_storm_grouped_by_lead_unit)
{
    sink_t *sink = sink_new(SINK_HTTP, 0);
    char *receivers = s_json_receivers(sink);
    char *group[] = {"ALERT_GROUP_WAIT_MS=1500", NULL};
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", 0);
    alert_proc_start(&p, receivers, s_escalation, group, 1);
    //  31 December 2025: a dozen targets fall due at once
    static const char *const targets[] = {"T4.1-1", "T4.1-2", "T2.1-3", "T2.1-4",
                                          "T4.4-1", "T4.4-2", "T5.1-1", "T5.1-2",
                                          "T5.1-3", "T2.4-1", "T2.5-3", "G-2"};
    for (size_t i = 0; i < 12; i++)
        alert_test_overdue(s_conn, targets[i]);
    ck_assert_int_eq(alert_test_wait_count(s_conn, "SELECT count(*) FROM alert_outbox", 12, 5000),
                     12);
    long groups = s_long("SELECT count(DISTINCT group_key) FROM alert_outbox");
    ck_assert_int_eq(sink_wait(sink, (int)groups, 10000), groups);
    zclock_sleep(500);
    ck_assert_int_eq(sink_count(sink), groups);
    ck_assert_int_lt(groups, 12);
    //  each message lists alerts of one lead unit; together they list every alert once
    int total = 0;
    for (int i = 0; i < groups; i++) {
        json_t *doc = s_body(sink, i);
        json_t *alerts = json_object_get(doc, "alerts");
        const char *lead = NULL;
        for (size_t k = 0; k < json_array_size(alerts); k++) {
            json_t *units = json_object_get(json_array_get(alerts, k), "lead_units");
            const char *code = json_string_value(json_object_get(json_array_get(units, 0), "code"));
            code = code ? code : "";
            if (!lead)
                lead = code;
            ck_assert_str_eq(code, lead);
        }
        total += (int)json_array_size(alerts);
        json_decref(doc);
    }
    ck_assert_int_eq(total, 12);
    ck_assert_int_eq(s_long("SELECT count(DISTINCT batch) FROM alert_outbox"), groups);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert"), 12); //  each its own record
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
    free(receivers);
    sink_destroy(&sink);
}
END_TEST

START_TEST(test_alert_delivery_survives_store_connection_loss)
{
    sink_t *sink = sink_new(SINK_HTTP, 0);
    char *receivers = s_json_receivers(sink);
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", 0);
    alert_proc_start(&p, receivers, s_escalation, NULL, 1);
    alert_test_overdue(s_conn, "T4.1-1");
    ck_assert_int_eq(sink_wait(sink, 1, 10000), 1);
    //  the store drops every alertd connection (as a PostgreSQL restart would)
    ck_assert_int_ge(s_long("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND pid <> pg_backend_pid()"),
                     2);
    alert_test_overdue(s_conn, "T4.1-2");
    ck_assert_int_eq(sink_wait(sink, 2, 15000), 2);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert"), 2);
    ck_assert(alert_test_file_has(p.log, "db.connection_lost"));
    ck_assert_int_eq(service_ping(p.endpoint, 2000, NULL), 0);
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
    free(receivers);
    sink_destroy(&sink);
}
END_TEST

//  A unit code that is not the plan's (a typo) stops alertd at start: exit 2, one line per bad
//  code naming the file, the line, the field and the code.
START_TEST(test_alert_delivery_unknown_unit_code_refused)
{
    char *receivers =
        alert_test_file(s_dir, "receivers.csv",
                        "name,channel,kinds,units,url,format,to,from,user,secret_env\n"
                        "office,zmq,*,*,,,,,,\n"
                        "std,webhook,*,P_STD;GOV_430100,http://127.0.0.1:9/,json,,,,\n"
                        "cs,webhook,OVERDUE,GOV_430100;P_STX,http://127.0.0.1:9/,"
                        "wecom,,,,\n");
    char *escalation = alert_test_file(s_dir, "escalation-bad.csv",
                                       "kind,remind_working_days,escalate_working_days,"
                                       "escalate_to\nREPORT_OVERDUE,5,0,\nOVERDUE,3,10,LG0\n");
    char command[PATH_MAX * 4];
    snprintf(command, sizeof command,
             "DATABASE_URL='%s' ALERT_RECEIVERS='%s' ALERT_ESCALATION='%s' ALERT_CALENDAR='%s'"
             " PLAN_DIR='%s' %s 2>&1 >/dev/null",
             testutil_db_url(), receivers, escalation,
             testutil_repo_path("deploy/calendar/holidays_cn.csv"),
             testutil_repo_path("deploy/plan"), testutil_bin("alertd"));
    int status = -1;
    char *err = testutil_capture(command, &status);
    ck_assert_msg(status == 2, "exit %d: %s", status, err);
    char want[PATH_MAX + 128];
    snprintf(want, sizeof want, "%s:4: units: 'P_STX' is not a responsible unit of", receivers);
    ck_assert_msg(strstr(err, want) != NULL, "no \"%s\" in: %s", want, err);
    snprintf(want, sizeof want, "%s:3: escalate_to: 'LG0' is not a responsible unit of",
             escalation);
    ck_assert_msg(strstr(err, want) != NULL, "no \"%s\" in: %s", want, err);
    ck_assert_ptr_nonnull(strstr(err, "resp_units.csv"));
    ck_assert_ptr_null(strstr(err, "GOV_430100'")); //  the good codes are not named
    free(err);
    //  with the codes right it starts
    free(receivers);
    receivers = alert_test_file(s_dir, "receivers.csv",
                                "name,channel,kinds,units,url,format,to,from,user,secret_env\n"
                                "cs,webhook,OVERDUE,GOV_430100;P_STD;LGO,http://127.0.0.1:9/,"
                                "wecom,,,,\n");
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", 0);
    alert_proc_start(&p, receivers, s_escalation, NULL, 1);
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
    free(receivers);
    free(escalation);
}
END_TEST

//  planctl alerts requeue: a dead-lettered notification goes out again once the receiver takes
//  it, as the same notification; who requeued it and when are recorded.
START_TEST(test_alert_delivery_requeue_dead_letter)
{
    sink_t *sink = sink_new(SINK_HTTP, 0);
    sink_set_status(sink, 404, "{\"error\":\"no such hook\"}");
    char *receivers = s_json_receivers(sink);
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", 0);
    alert_proc_start(&p, receivers, s_escalation, NULL, 1);
    alert_test_overdue(s_conn, "T4.1-1");
    ck_assert_int_eq(alert_test_wait_count(s_conn,
                                           "SELECT count(*) FROM alert_outbox WHERE state = 'dead'",
                                           1, 10000),
                     1);
    long outbox = s_long("SELECT id FROM alert_outbox WHERE state = 'dead'");
    char cmd[PATH_MAX * 2], *out;
    int status = -1;
    snprintf(cmd, sizeof cmd, "DATABASE_URL='%s' %s alerts requeue --list", testutil_db_url(),
             testutil_bin("planctl"));
    out = testutil_capture(cmd, &status);
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_nonnull(strstr(out, "HTTP 404"));
    ck_assert_ptr_nonnull(strstr(out, "dead-lettered notifications: 1"));
    free(out);
    //  the receiver's URL is fixed; the office puts the notification back
    sink_set_status(sink, 200, NULL);
    snprintf(cmd, sizeof cmd, "DATABASE_URL='%s' %s alerts requeue %ld --by 王五 2>&1",
             testutil_db_url(), testutil_bin("planctl"), outbox);
    out = testutil_capture(cmd, &status);
    ck_assert_msg(status == 0, "requeue: %s", out);
    ck_assert_ptr_nonnull(strstr(out, "pending again"));
    free(out);
    ck_assert_int_eq(sink_wait(sink, 2, 10000), 2);
    ck_assert_int_eq(alert_test_wait_count(
                         s_conn, "SELECT count(*) FROM alert_outbox WHERE state = 'sent'", 1, 5000),
                     1);
    json_t *first = s_body(sink, 0), *again = s_body(sink, 1);
    ck_assert_int_eq(s_first_alert_int(again, "id"), s_first_alert_int(first, "id"));
    ck_assert_int_eq(s_first_alert_int(again, "notification_id"), outbox);
    json_decref(first);
    json_decref(again);
    char *who = alert_test_str(s_conn,
                               "SELECT requeued_by || '/' || (requeued_at IS NOT NULL)"
                               " FROM alert_outbox",
                               NULL);
    ck_assert_str_eq(who, "王五/true");
    free(who);
    //  only a dead row can be requeued; an unknown one is said to be unknown
    out = testutil_capture(cmd, &status);
    ck_assert_int_eq(status, 1);
    ck_assert_ptr_nonnull(strstr(out, "is sent (receiver hook), not dead-lettered"));
    free(out);
    snprintf(cmd, sizeof cmd, "DATABASE_URL='%s' %s alerts requeue 99999 2>&1", testutil_db_url(),
             testutil_bin("planctl"));
    out = testutil_capture(cmd, &status);
    ck_assert_int_eq(status, 1);
    ck_assert_ptr_nonnull(strstr(out, "no notification 99999"));
    free(out);
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
    free(receivers);
    sink_destroy(&sink);
}
END_TEST

static Suite *
alert_delivery_suite(void)
{
    Suite *s = suite_create("alert_delivery");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, s_setup, s_teardown);
    tcase_set_timeout(core, 90);
    tcase_add_test(core, test_alert_delivery_every_format);
    tcase_add_test(core, test_alert_delivery_storm_grouped_by_lead_unit);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, s_setup, s_teardown);
    tcase_set_timeout(errors, 90);
    tcase_add_test(errors, test_alert_delivery_crash_after_commit);
    tcase_add_test(errors, test_alert_delivery_crash_after_send_acts_once);
    tcase_add_loop_test(errors, test_alert_delivery_grouped_resend_same_rows_and_key, 0, 2);
    tcase_add_test(errors, test_alert_delivery_receiver_down_then_up_in_order);
    tcase_add_test(errors, test_alert_delivery_4xx_dead_letter_and_meta_alert);
    tcase_add_test(errors, test_alert_delivery_survives_store_connection_loss);
    tcase_add_test(errors, test_alert_delivery_unknown_unit_code_refused);
    tcase_add_test(errors, test_alert_delivery_requeue_dead_letter);
    suite_add_tcase(s, errors);
    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, s_setup, s_teardown);
    tcase_set_timeout(limits, 90);
    tcase_add_test(limits, test_alert_delivery_two_instances_send_once);
    suite_add_tcase(s, limits);
    return s;
}

TESTUTIL_MAIN(alert_delivery_suite)
