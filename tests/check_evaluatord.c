/*  check_evaluatord.c - the evaluator as a process: real store, real sockets. Prompts, the
    clock crossing deadlines, late reports, corrections, restart catch-up after kill -9, a lost
    store connection, and nothing published twice. */
#include "testutil.h"
#include "testutil_eval.h"

#include "bus.h"
#include "db.h"
#include "service.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  One evaluator under test and the sockets around it.
typedef struct {
    PGconn *conn;        //  the test store
    zsock_t *ingest;     //  PUB standing in for ingestd (ChangeNotice)
    zsock_t *sub;        //  SUB on the evaluator's PUB
    char ingest_ep[64];  //  where ingest binds
    char pub_ep[64];     //  evaluator's PUB
    char control_ep[64]; //  evaluator's control ROUTER
    char log_path[128];  //  evaluator's stderr
    pid_t pid;           //  the process, 0 when stopped
    long tick_ms;        //  EVAL_TICK_MS
} env_t;

static void
s_env_init(env_t *e, const char *clock, long tick_ms)
{
    memset(e, 0, sizeof *e);
    e->conn = testutil_db_fresh(1);
    eval_clock_set(e->conn, clock);
    e->tick_ms = tick_ms;
    snprintf(e->ingest_ep, sizeof e->ingest_ep, "tcp://127.0.0.1:%d", testutil_free_port());
    snprintf(e->pub_ep, sizeof e->pub_ep, "tcp://127.0.0.1:%d", testutil_free_port());
    snprintf(e->control_ep, sizeof e->control_ep, "tcp://127.0.0.1:%d", testutil_free_port());
    snprintf(e->log_path, sizeof e->log_path, "/tmp/check_evaluatord.%d.log", (int)getpid());
    e->ingest = zsock_new_pub(e->ingest_ep);
    ck_assert_ptr_nonnull(e->ingest);
}

static long
s_scalar(env_t *e, const char *sql)
{
    return testutil_db_long(e->conn, sql);
}

//  Waits until the query returns want (timeout in ms). Returns the last value.
static long
s_wait_for(env_t *e, const char *sql, long want, int timeout_ms)
{
    long v = -1;
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
        char *text = db_scalar(e->conn, sql, 0, NULL);
        v = text ? atol(text) : -1;
        free(text);
        if (v == want)
            break;
        zclock_sleep(20);
    }
    return v;
}

static const char *
s_status_of(env_t *e, const char *key, char *buf, size_t size)
{
    char *s = db_scalar(e->conn, "SELECT status FROM status WHERE key = $1", 1, DB_PARAMS(key));
    snprintf(buf, size, "%s", s ? s : "(none)");
    free(s);
    return buf;
}

//  The evaluator has judged everything as of date (its full round committed).
static void
s_wait_as_of(env_t *e, const char *date)
{
    for (int waited = 0; waited < 10000; waited += 20) {
        char *v = db_scalar(e->conn,
                            "SELECT value FROM service_state WHERE service = 'evaluatord'"
                            " AND name = 'as_of'",
                            0, NULL);
        bool done = v && strcmp(v, date) == 0;
        free(v);
        if (done)
            return;
        zclock_sleep(20);
    }
    ck_abort_msg("evaluatord did not judge as of %s (log %s)", date, e->log_path);
}

static void
s_start(env_t *e)
{
    static char vars[8][160];
    snprintf(vars[0], sizeof vars[0], "DATABASE_URL=%s", testutil_db_url());
    snprintf(vars[1], sizeof vars[1], "EVAL_INGEST_ENDPOINT=%s", e->ingest_ep);
    snprintf(vars[2], sizeof vars[2], "EVAL_PUB_ENDPOINT=%s", e->pub_ep);
    snprintf(vars[3], sizeof vars[3], "EVAL_CONTROL_ENDPOINT=%s", e->control_ep);
    snprintf(vars[4], sizeof vars[4], "EVAL_TICK_MS=%ld", e->tick_ms);
    snprintf(vars[5], sizeof vars[5], "EVAL_HEARTBEAT_MS=200");
    snprintf(vars[6], sizeof vars[6], "EVAL_AS_OF=");
    char *env[] = {vars[0], vars[1], vars[2], vars[3], vars[4], vars[5], vars[6], NULL};
    char *argv[] = {(char *)testutil_bin("evaluatord"), NULL};
    e->pid = testutil_spawn(argv[0], argv, env, e->log_path);
    int pinged = -1;
    for (int i = 0; i < 100 && pinged != 0; i++) {
        int store_ok = 0;
        pinged = service_ping(e->control_ep, 100, &store_ok);
        if (pinged == 0 && !store_ok)
            pinged = -1;
    }
    ck_assert_msg(pinged == 0, "evaluatord does not answer (log %s)", e->log_path);
}

//  Subscribes to the evaluator's PUB and waits for a heartbeat: from then on nothing it
//  publishes is missed.
static void
s_subscribe(env_t *e)
{
    zsock_destroy(&e->sub);
    e->sub = zsock_new_sub(e->pub_ep, "planwatch.v1.");
    ck_assert_ptr_nonnull(e->sub);
    zsock_set_rcvtimeo(e->sub, 3000);
    for (;;) {
        bus_msg_t *msg = bus_recv(e->sub, 0, 0);
        ck_assert_msg(msg != NULL, "no heartbeat from evaluatord");
        bool beat =
            msg->error == BUS_OK && msg->body->descriptor == &planwatch__v1__heartbeat__descriptor;
        bus_msg_destroy(&msg);
        if (beat)
            break;
    }
}

//  Collects the StatusChanges published within ms; keys (owned, may be NULL) gets
//  "key old>new due awaiting" lines. Returns the count.
static int
s_collect(env_t *e, int ms, zlist_t *lines)
{
    int count = 0;
    int64_t until = zclock_mono() + ms;
    while (zclock_mono() < until) {
        zsock_set_rcvtimeo(e->sub, (int)(until - zclock_mono()) + 1);
        bus_msg_t *msg = bus_recv(e->sub, 0, 0);
        if (!msg)
            break;
        if (msg->error == BUS_OK &&
            msg->body->descriptor == &planwatch__v1__status_change__descriptor) {
            const Planwatch__V1__StatusChange *c = (const void *)msg->body;
            count++;
            if (lines) {
                char *line = zsys_sprintf("%s %s>%s %d %d", c->key, c->old_status, c->new_status,
                                          c->due_soon_days, c->awaiting);
                zlist_append(lines, line);
                zstr_free(&line);
            }
            ck_assert_uint_gt(c->id, 0);
            ck_assert(*c->evidence_json == '{');
        }
        bus_msg_destroy(&msg);
    }
    return count;
}

static bool
s_has_line(zlist_t *lines, const char *line)
{
    for (char *l = zlist_first(lines); l; l = zlist_next(lines))
        if (strcmp(l, line) == 0)
            return true;
    return false;
}

static zlist_t *
s_lines(void)
{
    zlist_t *l = zlist_new();
    zlist_autofree(l);
    return l;
}

static char *
s_dump(zlist_t *lines)
{
    static char buf[4096];
    size_t n = 0;
    buf[0] = '\0';
    for (char *l = zlist_first(lines); l && n < sizeof buf - 2; l = zlist_next(lines))
        n += (size_t)snprintf(buf + n, sizeof buf - n, "[%s] ", l);
    return buf;
}

static int
s_stop(env_t *e, int sig)
{
    int status = e->pid ? testutil_stop(e->pid, sig) : 0;
    e->pid = 0;
    return status;
}

static void
s_env_end(env_t *e)
{
    if (e->pid)
        ck_assert_int_eq(s_stop(e, SIGTERM), 0);
    zsock_destroy(&e->sub);
    zsock_destroy(&e->ingest);
    PQfinish(e->conn);
    unlink(e->log_path);
}

// ---------------------------------------------------------------------------------------------

//  The first round judges every subject once, stores it and says so; ping, heartbeats.
START_TEST(test_evaluatord_first_round)
{
    env_t e;
    s_env_init(&e, "2024-06-30", 100);
    s_start(&e);
    s_wait_as_of(&e, "2024-06-30");
    long statuses = s_scalar(&e, "SELECT count(*) FROM status");
    ck_assert_int_gt(statuses, 600);
    ck_assert_int_eq(s_scalar(&e, "SELECT count(*) FROM status_change"), statuses);
    ck_assert_int_eq(
        s_scalar(&e, "SELECT count(*) FROM status_change WHERE old_status IS NOT NULL"), 0);
    ck_assert_int_eq(s_scalar(&e, "SELECT count(*) FROM status WHERE status = 'OVERDUE'"), 5);
    //  status rows point at their change; ids are dense and increasing
    ck_assert_int_eq(s_scalar(&e, "SELECT count(*) FROM status s JOIN status_change c ON"
                                  " c.id = s.change_id AND c.key = s.key"),
                     statuses);
    //  heartbeat stored for the dead man's switch
    ck_assert_int_eq(s_wait_for(&e,
                                "SELECT count(*) FROM service_state WHERE service ="
                                " 'evaluatord' AND name = 'heartbeat' AND updated_at >"
                                " now() - interval '5 seconds'",
                                1, 3000),
                     1);
    s_subscribe(&e);
    char command[512];
    snprintf(command, sizeof command,
             "DATABASE_URL='%s' EVAL_CONTROL_ENDPOINT=%s %s --ping >/dev/null 2>&1",
             testutil_db_url(), e.control_ep, testutil_bin("evaluatord"));
    ck_assert_int_eq(testutil_sh(command), 0);
    s_env_end(&e);
}
END_TEST

//  A prompt makes it judge what the new figures touch; the same prompt again, or a clock
//  notification to the same date, writes and publishes nothing.
START_TEST(test_evaluatord_prompt_once)
{
    env_t e;
    s_env_init(&e, "2024-06-30", 60000); //  no polling: only the prompt can wake it
    s_start(&e);
    s_wait_as_of(&e, "2024-06-30");
    long before = s_scalar(&e, "SELECT count(*) FROM status_change");
    s_subscribe(&e);
    eval_obs_t rows[] = {{"430000", "HVP_PER_10K", "2022", 4.0},
                         {"430000", "HVP_PER_10K", "2023", 4.6}};
    int64_t id = eval_feed(e.conn, "P_SAMR", NULL, rows, 2, NULL);
    eval_notice(e.ingest, id);
    zlist_t *lines = s_lines();
    int n = s_collect(&e, 1500, lines);
    ck_assert_msg(n == 3, "changes: %s", s_dump(lines));
    ck_assert(s_has_line(lines, "T|G-2|430000| NO_DATA>ON_TRACK 0 0"));
    ck_assert(s_has_line(lines, "R|P_SAMR|430000|HVP_PER_10K|2022 REPORT_OVERDUE>REPORTED 0 0"));
    ck_assert(s_has_line(lines, "R|P_SAMR|430000|HVP_PER_10K|2023 REPORT_OVERDUE>REPORTED 0 0"));
    ck_assert_int_eq(s_scalar(&e, "SELECT count(*) FROM status_change"), before + 3);
    char watermark[256];
    snprintf(watermark, sizeof watermark,
             "SELECT (value = '%lld')::int FROM service_state WHERE name = 'change_id'",
             (long long)id);
    ck_assert_int_eq(s_scalar(&e, watermark), 1);
    //  Again: nothing changed, nothing is written or published.
    long stamp = s_scalar(&e, "SELECT (extract(epoch FROM max(changed_at)) * 1e6)::bigint"
                              " FROM status");
    eval_notice(e.ingest, id);
    eval_clock_set(e.conn, "2024-06-30");
    zlist_purge(lines);
    ck_assert_msg(s_collect(&e, 1200, lines) == 0, "republished: %s", s_dump(lines));
    ck_assert_int_eq(s_scalar(&e, "SELECT count(*) FROM status_change"), before + 3);
    ck_assert_int_eq(s_scalar(&e, "SELECT (extract(epoch FROM max(changed_at)) * 1e6)::bigint"
                                  " FROM status"),
                     stamp);
    //  The plan loaded again (NOTIFY catalog): judged again in full, nothing to say.
    char command[1024];
    snprintf(command, sizeof command, "DATABASE_URL='%s' %s plan load %s >/dev/null",
             testutil_db_url(), testutil_bin("planctl"), testutil_repo_path("deploy/plan"));
    ck_assert_int_eq(testutil_sh(command), 0);
    zlist_purge(lines);
    ck_assert_msg(s_collect(&e, 1200, lines) == 0, "after plan load: %s", s_dump(lines));
    ck_assert_int_eq(s_scalar(&e, "SELECT count(*) FROM status_change"), before + 3);
    ck_assert_int_eq(service_ping(e.control_ep, 1000, NULL), 0);
    zlist_destroy(&lines);
    s_env_end(&e);
}
END_TEST

//  A bad setting is refused at start with exit status 2.
START_TEST(test_evaluatord_bad_config)
{
    char command[1024];
    snprintf(command, sizeof command, "DATABASE_URL='%s' EVAL_DUE_SOON_DAYS=90,x %s 2>/dev/null",
             testutil_db_url(), testutil_bin("evaluatord"));
    ck_assert_int_eq(testutil_sh(command), 2);
    snprintf(command, sizeof command, "DATABASE_URL='%s' EVAL_TICK_MS=0 %s 2>/dev/null",
             testutil_db_url(), testutil_bin("evaluatord"));
    ck_assert_int_eq(testutil_sh(command), 2);
    snprintf(command, sizeof command, "%s --help >/dev/null", testutil_bin("evaluatord"));
    ck_assert_int_eq(testutil_sh(command), 0);
}
END_TEST

//  The clock moves: due-soon lead times are crossed on their days, the deadline day is in
//  time, the figure is awaited until its due date, then NO_DATA and the duty is late.
START_TEST(test_evaluatord_clock_crosses_deadlines)
{
    env_t e;
    s_env_init(&e, "2023-12-31", 50);
    eval_obs_t rows[] = {{"430000", "HVP_PER_10K", "2022", 4.0},
                         {"430000", "HVP_PER_10K", "2023", 4.6},
                         {"430000", "HVP_PER_10K", "2024", 5.3}};
    eval_feed(e.conn, "P_SAMR", NULL, rows, 3, NULL);
    s_start(&e);
    s_wait_as_of(&e, "2023-12-31");
    char buf[64];
    //  大飞机 platform, 2023-12-31: still in time on the day, OVERDUE the day after.
    ck_assert_str_eq(s_status_of(&e, "T|T2.5-2|430000|", buf, sizeof buf), "NO_DATA");
    s_subscribe(&e);
    zlist_t *lines = s_lines();
    static const struct {
        const char *date;     //  the clock
        const char *expected; //  a change that must be published that day
    } steps[] = {
        {"2024-01-01", "T|T2.5-2|430000| NO_DATA>OVERDUE 0 0"},
        {"2025-10-01", NULL},
        {"2025-10-02", "T|G-2|430000| ON_TRACK>ON_TRACK 90 0"},
        {"2025-12-01", "T|G-2|430000| ON_TRACK>ON_TRACK 30 0"},
        {"2025-12-24", "T|G-2|430000| ON_TRACK>ON_TRACK 7 0"},
        {"2025-12-31", NULL},
        {"2026-01-01", "T|G-2|430000| ON_TRACK>ON_TRACK 0 1"},
        {"2026-03-31", NULL},
        {"2026-04-01", "T|G-2|430000| ON_TRACK>NO_DATA 0 0"},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        eval_clock_set(e.conn, steps[i].date);
        s_wait_as_of(&e, steps[i].date);
        zlist_purge(lines);
        s_collect(&e, 300, lines);
        if (steps[i].expected)
            ck_assert_msg(s_has_line(lines, steps[i].expected), "%s: %s", steps[i].date,
                          s_dump(lines));
        for (char *l = zlist_first(lines); l; l = zlist_next(lines))
            ck_assert_msg(strncmp(l, "T|G-2|", 6) != 0 ||
                              (steps[i].expected && !strcmp(l, steps[i].expected)),
                          "%s: unexpected %s", steps[i].date, l);
    }
    ck_assert_str_eq(s_status_of(&e, "R|P_SAMR|430000|HVP_PER_10K|2025", buf, sizeof buf),
                     "REPORT_OVERDUE");
    //  The G-2 history: first judged, three lead times, awaiting, then NO_DATA.
    ck_assert_int_eq(s_scalar(&e, "SELECT count(*) FROM status_change WHERE key ="
                                  " 'T|G-2|430000|'"),
                     6);
    //  The figure arrives late and short: OVERDUE, and the duty REPORTED.
    int64_t id = eval_obs(e.conn, "P_SAMR", "430000", "HVP_PER_10K", "2025", 5.8, NULL);
    eval_notice(e.ingest, id);
    zlist_purge(lines);
    s_collect(&e, 1000, lines);
    ck_assert_msg(s_has_line(lines, "T|G-2|430000| NO_DATA>OVERDUE 0 0"), "%s", s_dump(lines));
    ck_assert_msg(s_has_line(lines, "R|P_SAMR|430000|HVP_PER_10K|2025 REPORT_OVERDUE>REPORTED 0 0"),
                  "%s", s_dump(lines));
    zlist_destroy(&lines);
    s_env_end(&e);
}
END_TEST

//  A correction flips ACHIEVED back to OFF_TRACK, exactly once.
START_TEST(test_evaluatord_correction)
{
    env_t e;
    s_env_init(&e, "2025-02-15", 100);
    eval_obs_t rows[] = {{"430000", "LISTED_COS", "2022", 150},
                         {"430000", "LISTED_COS", "2023", 180},
                         {"430000", "LISTED_COS", "2024", 205}};
    eval_feed(e.conn, "P_FINREG", NULL, rows, 3, NULL);
    s_start(&e);
    s_wait_as_of(&e, "2025-02-15");
    char buf[64];
    ck_assert_str_eq(s_status_of(&e, "T|T6.3-3|430000|", buf, sizeof buf), "ACHIEVED");
    s_subscribe(&e);
    int64_t id = eval_obs(e.conn, "P_FINREG", "430000", "LISTED_COS", "2024", 155, NULL);
    eval_notice(e.ingest, id);
    zlist_t *lines = s_lines();
    s_collect(&e, 1000, lines);
    ck_assert_msg(s_has_line(lines, "T|T6.3-3|430000| ACHIEVED>OFF_TRACK 0 0"), "%s",
                  s_dump(lines));
    ck_assert_int_eq(zlist_size(lines), 1);
    char *ev = db_scalar(e.conn,
                         "SELECT evidence->'value'->>'value' FROM status WHERE key ="
                         " 'T|T6.3-3|430000|'",
                         0, NULL);
    ck_assert_str_eq(ev, "155.0");
    free(ev);
    zlist_destroy(&lines);
    s_env_end(&e);
}
END_TEST

//  The date rolls over with no NOTIFY and no EVAL_AS_OF: the store's clock row changes behind
//  its back, and the tick alone finds the new day and judges it.
START_TEST(test_evaluatord_tick_rolls_date)
{
    env_t e;
    s_env_init(&e, "2023-12-31", 50);
    s_start(&e);
    s_wait_as_of(&e, "2023-12-31");
    char buf[64];
    ck_assert_str_eq(s_status_of(&e, "T|T2.5-2|430000|", buf, sizeof buf), "NO_DATA");
    ck_assert_int_eq(db_exec(e.conn, "UPDATE system_clock SET as_of = '2024-01-01'", 0, NULL), 0);
    s_wait_as_of(&e, "2024-01-01");
    ck_assert_str_eq(s_status_of(&e, "T|T2.5-2|430000|", buf, sizeof buf), "OVERDUE");
    ck_assert_int_eq(s_scalar(&e, "SELECT count(*) FROM status_change WHERE key ="
                                  " 'T|T2.5-2|430000|' AND new_status = 'OVERDUE' AND as_of ="
                                  " '2024-01-01'"),
                     1);
    s_env_end(&e);
}
END_TEST

//  kill -9, figures come in while it is down, start again: each change appears once.
START_TEST(test_evaluatord_restart_catch_up)
{
    env_t e;
    s_env_init(&e, "2024-06-30", 100);
    s_start(&e);
    s_wait_as_of(&e, "2024-06-30");
    long first = s_scalar(&e, "SELECT count(*) FROM status_change");
    ck_assert_int_eq(s_stop(&e, SIGKILL), 128 + SIGKILL);
    eval_obs_t rows[] = {{"430000", "HVP_PER_10K", "2022", 4.0},
                         {"430000", "HVP_PER_10K", "2023", 4.6}};
    int64_t id = eval_feed(e.conn, "P_SAMR", NULL, rows, 2, NULL);
    eval_notice(e.ingest, id); //  nobody listens: the prompt is lost
    eval_milestone(e.conn, "P_DRC", "T2.5-2", "done", "2023-10-01", NULL);
    s_start(&e);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT (value::bigint >= %lld)::int FROM service_state WHERE name = 'change_id'",
             (long long)id + 1);
    ck_assert_int_eq(s_wait_for(&e, sql, 1, 5000), 1);
    //  G-2 NO_DATA -> ON_TRACK, two duties REPORTED, the milestone OVERDUE -> ACHIEVED.
    ck_assert_int_eq(s_scalar(&e, "SELECT count(*) FROM status_change"), first + 4);
    ck_assert_int_eq(s_scalar(&e, "SELECT count(*) FROM status_change WHERE key ="
                                  " 'T|T2.5-2|430000|' AND new_status = 'ACHIEVED'"),
                     1);
    //  A clean stop and start again: nothing new.
    ck_assert_int_eq(s_stop(&e, SIGTERM), 0);
    s_start(&e);
    s_subscribe(&e);
    ck_assert_int_eq(s_collect(&e, 500, NULL), 0);
    ck_assert_int_eq(s_scalar(&e, "SELECT count(*) FROM status_change"), first + 4);
    ck_assert_int_eq(s_scalar(&e, "SELECT count(*) FROM (SELECT key FROM status_change"
                                  " GROUP BY key, new_status, due_soon_days, awaiting,"
                                  " coalesce(old_status, '') HAVING count(*) > 1) d"),
                     0);
    s_env_end(&e);
}
END_TEST

//  The store drops the connection: it reconnects and goes on; garbage on its sockets is
//  dropped.
START_TEST(test_evaluatord_reconnect_and_garbage)
{
    env_t e;
    s_env_init(&e, "2024-06-30", 100);
    s_start(&e);
    s_wait_as_of(&e, "2024-06-30");
    s_subscribe(&e);
    ck_assert_int_ge(s_scalar(&e, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                                  " WHERE datname = current_database() AND pid <>"
                                  " pg_backend_pid() AND backend_type = 'client backend'"),
                     1);
    //  A malformed prompt and an unknown type on the notice socket.
    zmsg_t *junk = zmsg_new();
    zmsg_addstr(junk, "planwatch.v1.ChangeNotice");
    zmsg_addmem(junk, "\xff\xff\xff", 3);
    zmsg_send(&junk, e.ingest);
    junk = zmsg_new();
    zmsg_addstr(junk, "planwatch.v1.ChangeNotice");
    zmsg_send(&junk, e.ingest);
    int64_t id = eval_obs(e.conn, "P_SAMR", "430000", "HVP_PER_10K", "2022", 4.0, NULL);
    eval_notice(e.ingest, id);
    zlist_t *lines = s_lines();
    s_collect(&e, 3000, lines);
    ck_assert_msg(s_has_line(lines, "R|P_SAMR|430000|HVP_PER_10K|2022 REPORT_OVERDUE>REPORTED 0 0"),
                  "%s", s_dump(lines));
    int store_ok = 0;
    ck_assert_int_eq(service_ping(e.control_ep, 1000, &store_ok), 0);
    ck_assert(store_ok);
    zlist_destroy(&lines);
    s_env_end(&e);
}
END_TEST

//  SIGINT (Ctrl-C in a terminal) stops it as SIGTERM does: the round in hand finished, exit 0.
START_TEST(test_evaluatord_sigint_exits_0)
{
    env_t e;
    s_env_init(&e, "2024-06-30", 100);
    s_start(&e);
    s_wait_as_of(&e, "2024-06-30");
    ck_assert_int_eq(s_stop(&e, SIGINT), 0);
    s_env_end(&e);
}
END_TEST

//  A bad setting is exactly one line on stderr, naming the variable, and exit status 2.
START_TEST(test_evaluatord_bad_config_one_line)
{
    static const char *const settings[] = {"EVAL_DUE_SOON_DAYS=90,x", "EVAL_TICK_MS=0",
                                           "EVAL_PUB_ENDPOINT=7703", "LOG_LEVEL=loud"};
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        char command[1024];
        snprintf(command, sizeof command, "DATABASE_URL='%s' %s %s 2>&1 >/dev/null",
                 testutil_db_url(), settings[i], testutil_bin("evaluatord"));
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(settings[i], "="), settings[i]);
        testutil_assert_bad_setting(command, settings[i], name);
    }
}
END_TEST

static Suite *
evaluatord_suite(void)
{
    Suite *s = suite_create("evaluatord");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_evaluatord_first_round);
    tcase_add_test(core, test_evaluatord_prompt_once);
    tcase_add_test(core, test_evaluatord_clock_crosses_deadlines);
    tcase_add_test(core, test_evaluatord_correction);
    tcase_add_test(core, test_evaluatord_restart_catch_up);
    tcase_add_test(core, test_evaluatord_tick_rolls_date);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_set_timeout(errors, 60);
    tcase_add_test(errors, test_evaluatord_reconnect_and_garbage);
    tcase_add_test(errors, test_evaluatord_bad_config);
    tcase_add_test(errors, test_evaluatord_sigint_exits_0);
    tcase_add_test(errors, test_evaluatord_bad_config_one_line);
    suite_add_tcase(s, errors);
    return s;
}

TESTUTIL_MAIN(evaluatord_suite)
