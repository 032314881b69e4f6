/*  check_alert_stream.c - the office stream (Clone pattern: PUB + snapshot, planctl alerts
    tail), StatusChange prompts, and the dead man's switch over the evaluator's heartbeats */
#include "alert_test.h"

#include "bus.h"

#include <jansson.h>

static char *s_dir;
static PGconn *s_conn;
static char *s_escalation;
static char *s_receivers;

static void
s_setup(void)
{
    s_conn = testutil_db_fresh(1);
    s_dir = testutil_tempdir();
    alert_test_clock(s_conn, "2026-01-10");
    s_escalation = alert_test_file(s_dir, "escalation.csv",
                                   "kind,remind_working_days,escalate_working_days,escalate_to\n"
                                   "OVERDUE,3,10,LGO\n");
    s_receivers = alert_test_file(s_dir, "receivers.csv",
                                  "name,channel,kinds,units,url,format,to,from,user,secret_env\n"
                                  "office,zmq,*,*,,,,,,\n");
}

static void
s_teardown(void)
{
    free(s_escalation);
    free(s_receivers);
    testutil_rmdir(s_dir);
    free(s_dir);
    PQfinish(s_conn);
}

static long
s_long(const char *sql)
{
    return testutil_db_long(s_conn, sql);
}

//  n OVERDUE changes of distinct subjects (periods from `from`).
static void
s_overdue_many(int from, int n)
{
    for (int i = from; i < from + n; i++) {
        char key[64], period[8];
        snprintf(period, sizeof period, "%d", 1000 + i);
        snprintf(key, sizeof key, "T|T4.1-1|430000|%s", period);
        alert_test_change(s_conn, key, "T4.1-1", "430000", period, NULL, "OVERDUE", 0, "2025-12-31",
                          NULL);
    }
}

//  Starts `planctl alerts tail --json ARGS` against p. Returns the pipe.
static FILE *
s_tail_start(const alert_proc_t *p, const char *args)
{
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof cmd,
             "ALERT_PUB_ENDPOINT=tcp://127.0.0.1:%d ALERT_SNAPSHOT_ENDPOINT=tcp://127.0.0.1:%d"
             " %s alerts tail --json %s",
             p->pub, p->snapshot, testutil_bin("planctl"), args);
    FILE *f = popen(cmd, "r");
    ck_assert(f != NULL);
    return f;
}

//  Reads the tail's JSON lines to its end; checks seqs are first, first+1 ... Returns the count.
static int
s_tail_read(FILE *f, long first, int *status)
{
    char line[65536];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        json_t *doc = json_loads(line, 0, NULL);
        ck_assert_msg(doc != NULL, "tail printed non-JSON: %s", line);
        ck_assert_int_eq(json_integer_value(json_object_get(doc, "seq")), first + n);
        ck_assert_str_eq(json_string_value(json_object_get(doc, "kind")), "OVERDUE");
        ck_assert_str_eq(json_string_value(json_object_get(doc, "task_number")), "二（四）1");
        json_decref(doc);
        n++;
    }
    int st = pclose(f);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return n;
}

START_TEST(test_alert_stream_late_subscriber_catches_up)
{
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", 0);
    alert_proc_start(&p, s_receivers, s_escalation, NULL, 1);
    //  five alerts before any client is there
    s_overdue_many(0, 5);
    ck_assert_int_eq(alert_test_wait_count(s_conn, "SELECT count(*) FROM alert_stream", 5, 10000),
                     5);
    //  a late client: the snapshot brings 1-5, the stream 6-8, nothing missing or doubled
    FILE *tail = s_tail_start(&p, "--since 0 --count 8 --timeout 20");
    zclock_sleep(700);
    s_overdue_many(5, 3);
    int status;
    ck_assert_int_eq(s_tail_read(tail, 1, &status), 8);
    ck_assert_int_eq(status, 0);
    //  a client that has seq 6 asks for the rest
    tail = s_tail_start(&p, "--since 6 --count 2 --timeout 10");
    ck_assert_int_eq(s_tail_read(tail, 7, &status), 2);
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
}
END_TEST

START_TEST(test_alert_stream_snapshot_and_heartbeat)
{
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", 0);
    alert_proc_start(&p, s_receivers, s_escalation, NULL, 1);
    s_overdue_many(0, 6);
    ck_assert_int_eq(alert_test_wait_count(s_conn, "SELECT count(*) FROM alert_stream", 6, 10000),
                     6);
    zsock_t *dealer = zsock_new(ZMQ_DEALER), *sub = zsock_new(ZMQ_SUB);
    zsock_set_rcvtimeo(dealer, 5000);
    zsock_set_rcvtimeo(sub, 5000);
    ck_assert_int_eq(zsock_connect(dealer, "tcp://127.0.0.1:%d", p.snapshot), 0);
    ck_assert_int_eq(zsock_connect(sub, "tcp://127.0.0.1:%d", p.pub), 0);
    zsock_set_subscribe(sub, "planwatch.v1.StreamHeartbeat");
    //  since 3: exactly 4, 5, 6
    Planwatch__V1__SnapshotRequest req = PLANWATCH__V1__SNAPSHOT_REQUEST__INIT;
    req.since_seq = 3;
    ck_assert_int_eq(bus_send(dealer, &req.base), 0);
    bus_msg_t *reply = bus_recv(dealer, 0, 0);
    ck_assert_ptr_nonnull(reply);
    ck_assert_int_eq(reply->error, BUS_OK);
    const Planwatch__V1__SnapshotReply *r = (const Planwatch__V1__SnapshotReply *)reply->body;
    ck_assert_int_eq(r->n_alerts, 3);
    ck_assert_int_eq(r->alerts[0]->seq, 4);
    ck_assert_int_eq(r->alerts[2]->seq, 6);
    ck_assert_int_eq(r->last_seq, 6);
    ck_assert(!r->more);
    ck_assert_str_eq(r->alerts[0]->task_title, "培育壮大科技型企业");
    ck_assert_int_eq(r->alerts[0]->n_lead_units, 1);
    bus_msg_destroy(&reply);
    //  the newest two only
    req.since_seq = 0;
    req.last = 2;
    ck_assert_int_eq(bus_send(dealer, &req.base), 0);
    reply = bus_recv(dealer, 0, 0);
    r = (const Planwatch__V1__SnapshotReply *)reply->body;
    ck_assert_int_eq(r->n_alerts, 2);
    ck_assert_int_eq(r->alerts[0]->seq, 5);
    bus_msg_destroy(&reply);
    //  the heartbeat tells a quiet client how far the stream is
    reply = bus_recv(sub, 0, 0);
    ck_assert_ptr_nonnull(reply);
    ck_assert_int_eq(reply->error, BUS_OK);
    ck_assert_int_eq(((const Planwatch__V1__StreamHeartbeat *)reply->body)->last_seq, 6);
    bus_msg_destroy(&reply);
    //  garbage on the snapshot socket gets no crash
    zstr_sendx(dealer, "planwatch.v1.SnapshotRequest", "\xff\xff\xff", NULL);
    req.since_seq = 5;
    req.last = 0;
    ck_assert_int_eq(bus_send(dealer, &req.base), 0);
    reply = bus_recv(dealer, 0, 0);
    ck_assert_ptr_nonnull(reply);
    ck_assert_int_eq(((const Planwatch__V1__SnapshotReply *)reply->body)->n_alerts, 1);
    bus_msg_destroy(&reply);
    zsock_destroy(&dealer);
    zsock_destroy(&sub);
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
}
END_TEST

START_TEST(test_alert_stream_prompted_by_status_change)
{
    zsock_t *pub = zsock_new(ZMQ_PUB);
    int eval = testutil_free_port();
    ck_assert_int_ge(zsock_bind(pub, "tcp://127.0.0.1:%d", eval), 0);
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", eval);
    char *slow[] = {"ALERT_POLL_MS=600000", NULL}; //  no polling after the start
    alert_proc_start(&p, s_receivers, s_escalation, slow, 1);
    zclock_sleep(300);
    long id = alert_test_overdue(s_conn, "T4.1-1");
    zclock_sleep(500);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert"), 0);
    Planwatch__V1__StatusChange sc = PLANWATCH__V1__STATUS_CHANGE__INIT;
    sc.id = (uint64_t)id;
    sc.target = "T4.1-1";
    sc.new_status = "OVERDUE";
    int64_t until = zclock_mono() + 5000;
    while (s_long("SELECT count(*) FROM alert_stream") == 0 && zclock_mono() < until) {
        bus_send(pub, &sc.base);
        zclock_sleep(50);
    }
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_stream"), 1);
    //  the prompt carries nothing that matters: a repeated or stray one raises nothing more
    for (int i = 0; i < 5; i++)
        bus_send(pub, &sc.base);
    zstr_sendx(pub, "planwatch.v1.StatusChange", "\x08\xff", NULL);
    zclock_sleep(300);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert"), 1);
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
    zsock_destroy(&pub);
}
END_TEST

//  Sends Heartbeats for ms milliseconds.
static void
s_beat(zsock_t *pub, int ms)
{
    Planwatch__V1__Heartbeat hb = PLANWATCH__V1__HEARTBEAT__INIT;
    hb.service = "evaluatord";
    for (int64_t until = zclock_mono() + ms; zclock_mono() < until;) {
        hb.seq++;
        hb.sent_at_ms = zclock_time();
        bus_send(pub, &hb.base);
        zclock_sleep(100);
    }
}

START_TEST(test_alert_deadman_pipeline_down_and_back)
{
    zsock_t *pub = zsock_new(ZMQ_PUB);
    int eval = testutil_free_port();
    ck_assert_int_ge(zsock_bind(pub, "tcp://127.0.0.1:%d", eval), 0);
    alert_test_overdue(s_conn, "T4.1-1");
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", eval);
    char *deadman[] = {"ALERT_DEADMAN_SECONDS=1", "ALERT_POLL_MS=100", NULL};
    alert_proc_start(&p, s_receivers, s_escalation, deadman, 1);
    //  heartbeats on the bus: no alarm
    s_beat(pub, 2000);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert WHERE kind = 'PIPELINE_DOWN'"), 0);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert WHERE kind = 'OVERDUE'"), 1);
    //  silence: PIPELINE_DOWN, once
    ck_assert_int_eq(alert_test_wait_count(s_conn,
                                           "SELECT count(*) FROM alert WHERE kind ="
                                           " 'PIPELINE_DOWN' AND state = 'open'",
                                           1, 5000),
                     1);
    zclock_sleep(500);
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert WHERE kind = 'PIPELINE_DOWN'"), 1);
    //  back: its own RESOLVED; the OVERDUE alert is not touched
    s_beat(pub, 800);
    ck_assert_int_eq(alert_test_wait_count(
                         s_conn, "SELECT count(*) FROM alert WHERE kind = 'RESOLVED'", 1, 5000),
                     1);
    ck_assert_int_eq(s_long("SELECT resolves FROM alert WHERE kind = 'RESOLVED'"),
                     s_long("SELECT id FROM alert WHERE kind = 'PIPELINE_DOWN'"));
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert WHERE kind = 'OVERDUE' AND state = 'open'"),
                     1);
    //  the independent path: the evaluator's heartbeat row in the store keeps it quiet too
    for (int i = 0; i < 20; i++) {
        db_exec(s_conn,
                "INSERT INTO service_state (service, name, value) VALUES ('evaluatord',"
                " 'heartbeat', now()::text) ON CONFLICT (service, name) DO UPDATE SET"
                " value = excluded.value, updated_at = now()",
                0, NULL);
        zclock_sleep(100);
    }
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert WHERE kind = 'PIPELINE_DOWN'"), 1);
    //  both on the office stream, in order
    ck_assert_int_eq(s_long("SELECT count(*) FROM alert_stream"), 3);
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
    zsock_destroy(&pub);
}
END_TEST

START_TEST(test_alert_stream_snapshot_in_parts)
{
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", 0);
    alert_proc_start(&p, s_receivers, s_escalation, NULL, 1);
    s_overdue_many(0, 620);
    ck_assert_int_eq(alert_test_wait_count(s_conn, "SELECT count(*) FROM alert_stream", 620, 30000),
                     620);
    //  more than one reply's worth: the client asks again until it has all
    FILE *tail = s_tail_start(&p, "--since 0 --count 620 --timeout 30");
    int status;
    ck_assert_int_eq(s_tail_read(tail, 1, &status), 620);
    ck_assert_int_eq(status, 0);
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
}
END_TEST

//  SIGINT (Ctrl-C in a terminal) stops it as SIGTERM does: exit 0.
START_TEST(test_alert_stream_sigint_exits_0)
{
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", 0);
    alert_proc_start(&p, s_receivers, s_escalation, NULL, 1);
    ck_assert_int_eq(alert_proc_stop(&p, SIGINT), 0);
}
END_TEST

//  A bad setting is exactly one line on stderr, naming what is wrong, and exit status 2: the
//  table's checks and the data files alertd reads at start alike.
START_TEST(test_alert_stream_bad_config_one_line)
{
    static const char *const settings[][2] = {
        {"ALERT_POLL_MS=1", "ALERT_POLL_MS"},
        {"ALERT_DEADMAN_SECONDS=-1", "ALERT_DEADMAN_SECONDS"},
        {"ALERT_PUB_ENDPOINT=7704", "ALERT_PUB_ENDPOINT"},
        {"ALERT_RECEIVERS=/nonexistent/receivers.csv", "/nonexistent/receivers.csv"},
        {"ALERT_CALENDAR=/nonexistent/holidays.csv", "/nonexistent/holidays.csv"}};
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        char command[PATH_MAX * 4];
        snprintf(command, sizeof command,
                 "DATABASE_URL='%s' ALERT_RECEIVERS='%s' ALERT_ESCALATION='%s'"
                 " ALERT_CALENDAR='%s' %s %s 2>&1 >/dev/null",
                 testutil_db_url(), s_receivers, s_escalation,
                 testutil_repo_path("deploy/calendar/holidays_cn.csv"), settings[i][0],
                 testutil_bin("alertd"));
        testutil_assert_bad_setting(command, settings[i][0], settings[i][1]);
    }
}
END_TEST

//  `planctl alerts tail` in Chinese (no --json) against p, reading to its end. Owned output.
static char *
s_tail_zh(const alert_proc_t *p, const char *args)
{
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof cmd,
             "ALERT_PUB_ENDPOINT=tcp://127.0.0.1:%d ALERT_SNAPSHOT_ENDPOINT=tcp://127.0.0.1:%d"
             " %s alerts tail %s",
             p->pub, p->snapshot, testutil_bin("planctl"), args);
    int status = -1;
    char *out = testutil_capture(cmd, &status);
    ck_assert_msg(status == 0, "tail exited %d: %s", status, out);
    return out;
}

//  Each notification says how late the task is on its own day: raised on 2026-01-10 (10 days
//  after the 2025-12-31 deadline), escalated on 2026-01-26 (26 days), in Chinese and in JSON.
START_TEST(test_alert_stream_tail_days_overdue_as_of_each_notification)
{
    alert_proc_t p;
    alert_proc_init(&p, s_dir, "alertd", 0);
    alert_proc_start(&p, s_receivers, s_escalation, NULL, 1);
    alert_test_overdue(s_conn, "T4.1-1");
    ck_assert_int_eq(alert_test_wait_count(s_conn, "SELECT count(*) FROM alert_stream", 1, 10000),
                     1);
    char *zh = s_tail_zh(&p, "--since 0 --count 1 --timeout 10");
    ck_assert_msg(strstr(zh, "#1 2026-01-10 逾期未完成 告警1") != NULL, "%s", zh);
    ck_assert_ptr_nonnull(strstr(zh, "截止2025-12-31，已逾期10天"));
    ck_assert_ptr_nonnull(strstr(zh, "送达：P_SUPV、P_STD"));
    ck_assert_ptr_null(strstr(zh, "LGO"));
    free(zh);
    //  Monday 2026-01-26: 10 working days after the raise, escalated (the escalation file)
    alert_test_clock(s_conn, "2026-01-26");
    ck_assert_int_eq(alert_test_wait_count(s_conn, "SELECT count(*) FROM alert_stream", 2, 10000),
                     2);
    //  the stored title froze no count
    char *title = alert_test_str(s_conn, "SELECT title FROM alert", NULL);
    ck_assert_ptr_null(strstr(title, "已逾期"));
    free(title);

    zh = s_tail_zh(&p, "--since 0 --count 2 --timeout 10");
    char *second = strstr(zh, "\n#2 ");
    ck_assert_msg(second != NULL, "no second notification in:\n%s", zh);
    *second = '\0'; //  zh: the first notification; second + 1: the second
    ck_assert_msg(strstr(zh, "#1 2026-01-10 逾期未完成 告警1") != NULL, "%s", zh);
    ck_assert_ptr_nonnull(strstr(zh, "【逾期未完成】二（四）1 培育壮大科技型企业｜"));
    ck_assert_ptr_nonnull(strstr(zh, "截止2025-12-31，已逾期10天"));
    ck_assert_ptr_nonnull(strstr(zh, "逾期：截止 2025-12-31，截至 2026-01-10 已逾期 10 天"));
    ck_assert_ptr_nonnull(strstr(zh, "完成情况：实际 13200家 / 目标 ≥14000家"));
    ck_assert_ptr_nonnull(strstr(zh, "牵头：省科技厅"));
    const char *later = second + 1;
    ck_assert_msg(strstr(later, "#2 2026-01-26 逾期未完成·已升级 告警1") != NULL, "%s", later);
    ck_assert_ptr_nonnull(strstr(later, "截止2025-12-31，已逾期26天"));
    ck_assert_ptr_nonnull(strstr(later, "截至 2026-01-26 已逾期 26 天"));
    ck_assert_ptr_null(strstr(later, "已逾期10天"));
    ck_assert_ptr_nonnull(strstr(later, "、LGO")); //  escalated: now addressed to LGO too
    free(zh);

    FILE *tail = s_tail_start(&p, "--since 0 --count 2 --timeout 10");
    char line[65536];
    static const int days[] = {10, 26};
    for (int i = 0; i < 2; i++) {
        ck_assert_ptr_nonnull(fgets(line, sizeof line, tail));
        json_t *doc = json_loads(line, 0, NULL);
        ck_assert_ptr_nonnull(doc);
        ck_assert_int_eq(json_integer_value(json_object_get(doc, "days_overdue")), days[i]);
        char want[32];
        snprintf(want, sizeof want, "已逾期%d天", days[i]);
        ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(doc, "title")), want));
        //  the alert's addressees (now with LGO, which the escalation added)
        json_t *to = json_object_get(doc, "addressees");
        ck_assert_int_eq(json_array_size(to), 6);
        ck_assert_str_eq(json_string_value(json_array_get(to, 0)), "P_SUPV");
        ck_assert_str_eq(json_string_value(json_array_get(to, 5)), "LGO");
        json_decref(doc);
    }
    pclose(tail);
    ck_assert_int_eq(alert_proc_stop(&p, SIGTERM), 0);
}
END_TEST

//  An OVERDUE Alert with seq, as alertd's office stream carries it.
static void
s_fake_alert(Planwatch__V1__Alert *a, uint64_t seq)
{
    planwatch__v1__alert__init(a);
    a->seq = seq;
    a->id = 100 + seq;
    a->kind = "OVERDUE";
    a->task_number = "二（四）1";
    a->title = "【逾期未完成】";
    a->notified_on = "2026-01-10";
}

//  Waits for the tail's SnapshotRequest on router and answers with the entries [from, to] and
//  last_seq to. Returns the request's since_seq.
static uint64_t
s_fake_snapshot(zsock_t *router, uint64_t from, uint64_t to)
{
    zsock_set_rcvtimeo(router, 10000);
    bus_msg_t *req = bus_recv(router, 1, 4096);
    ck_assert_ptr_nonnull(req);
    ck_assert_int_eq(req->error, BUS_OK);
    ck_assert(req->body->descriptor == &planwatch__v1__snapshot_request__descriptor);
    uint64_t since = ((const Planwatch__V1__SnapshotRequest *)req->body)->since_seq;
    Planwatch__V1__Alert alerts[8], *ptrs[8];
    Planwatch__V1__SnapshotReply reply = PLANWATCH__V1__SNAPSHOT_REPLY__INIT;
    for (uint64_t seq = from; seq && seq <= to; seq++) {
        s_fake_alert(&alerts[reply.n_alerts], seq);
        ptrs[reply.n_alerts] = &alerts[reply.n_alerts];
        reply.n_alerts++;
    }
    reply.alerts = ptrs;
    reply.last_seq = to;
    ck_assert_int_eq(bus_reply(router, req, &reply.base), 0);
    bus_msg_destroy(&req);
    return since;
}

//  The client side of the Clone pattern: planctl alerts tail sees a seq gap on the stream (3 after
//  1) and a heartbeat ahead of it (last_seq 4 after 3), and each time fetches what it missed from
//  the snapshot ROUTER; it prints 1, 2, 3, 4 once each, in order. alertd is played by the test.
START_TEST(test_alert_stream_tail_fetches_gaps)
{
    zsock_t *pub = zsock_new(ZMQ_PUB), *router = zsock_new(ZMQ_ROUTER);
    alert_proc_t p; //  only its ports
    alert_proc_init(&p, s_dir, "fake", 0);
    ck_assert_int_ge(zsock_bind(pub, "tcp://127.0.0.1:%d", p.pub), 0);
    ck_assert_int_ge(zsock_bind(router, "tcp://127.0.0.1:%d", p.snapshot), 0);
    FILE *tail = s_tail_start(&p, "--since 0 --count 4 --timeout 20");
    //  the first snapshot: seq 1
    ck_assert_int_eq(s_fake_snapshot(router, 1, 1), 0);
    //  the stream skips 2 (as a PUB does for a slow subscriber)
    Planwatch__V1__Alert a;
    s_fake_alert(&a, 3);
    zclock_sleep(200);
    ck_assert_int_eq(bus_send(pub, &a.base), 0);
    ck_assert_int_eq(s_fake_snapshot(router, 2, 3), 1);
    //  a heartbeat says the stream is at 4; 4 itself was lost
    Planwatch__V1__StreamHeartbeat hb = PLANWATCH__V1__STREAM_HEARTBEAT__INIT;
    hb.last_seq = 4;
    zclock_sleep(100);
    ck_assert_int_eq(bus_send(pub, &hb.base), 0);
    ck_assert_int_eq(s_fake_snapshot(router, 4, 4), 3);
    int status;
    ck_assert_int_eq(s_tail_read(tail, 1, &status), 4);
    ck_assert_int_eq(status, 0);
    zsock_destroy(&pub);
    zsock_destroy(&router);
}
END_TEST

static Suite *
alert_stream_suite(void)
{
    Suite *s = suite_create("alert_stream");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, s_setup, s_teardown);
    tcase_set_timeout(core, 90);
    tcase_add_test(core, test_alert_stream_late_subscriber_catches_up);
    tcase_add_test(core, test_alert_stream_snapshot_and_heartbeat);
    tcase_add_test(core, test_alert_stream_prompted_by_status_change);
    tcase_add_test(core, test_alert_deadman_pipeline_down_and_back);
    tcase_add_test(core, test_alert_stream_tail_days_overdue_as_of_each_notification);
    tcase_add_test(core, test_alert_stream_tail_fetches_gaps);
    tcase_add_test(core, test_alert_stream_sigint_exits_0);
    tcase_add_test(core, test_alert_stream_bad_config_one_line);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, s_setup, s_teardown);
    tcase_set_timeout(limits, 120);
    tcase_add_test(limits, test_alert_stream_snapshot_in_parts);
    suite_add_tcase(s, limits);
    return s;
}

TESTUTIL_MAIN(alert_stream_suite)
