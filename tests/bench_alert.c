/*  bench_alert.c - `make bench-alert`: 14 units' status changes committed concurrently, the
    latency until the alert they cause arrives at a ZeroMQ subscriber of the office stream, and
    alertd's peak RSS.

    What it measures today: status_change committed (as evaluatord commits it, under its advisory
    lock) and the StatusChange prompt published -> planwatch.v1.Alert received on the office
    stream. It prints status_change_to_alert_p50_ms / _p99_ms. The figure,
    feed_to_alert_p99_ms, needs ingestd and evaluatord in the path: a source that pushes feeds
    and timestamps their receipts plugs in at s_unit_actor (see the comment there); the line is
    printed only by such a source.

    Environment: DATABASE_URL (the test store: it is wiped), PLANWATCH_BIN, BENCH_ALERT_PER_UNIT
    (changes per unit, default 50), BENCH_ALERT_GAP_MS (mean pause between a unit's changes,
    default 20).
*/
#include "testutil.h"

#include "bus.h"
#include "db.h"
#include "service.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define UNITS 14

static const char *const s_orgs[UNITS] = {"430100", "430200", "430300", "430400", "430500",
                                          "430600", "430700", "430800", "430900", "431000",
                                          "431100", "431200", "431300", "433100"};

typedef struct {
    int unit;   //  0-13: the city it plays
    int count;  //  changes to commit
    int gap_ms; //  mean pause between them
} unit_args_t;

//  One reporting unit's stream of status changes, committed as evaluatord commits them. Sends
//  "EPISODE COMMIT_USEC CHANGE_ID" on its pipe after each commit.
//  (End to end, this actor would push a feed to ingestd instead and time from the Receipt; the
//  evaluator then commits the change and the rest of the path is the same.)
static void
s_unit_actor(zsock_t *pipe, void *args)
{
    unit_args_t a = *(unit_args_t *)args;
    zsock_signal(pipe, 0);
    PGconn *conn = db_connect_once(getenv("DATABASE_URL"));
    unsigned seed = (unsigned)(a.unit * 7919 + 1);
    for (int i = 0; conn && i < a.count && !zsys_interrupted; i++) {
        zclock_sleep(a.gap_ms / 2 + (int)(rand_r(&seed) % (unsigned)(a.gap_ms + 1)));
        char key[96], period[16], episode[128];
        snprintf(period, sizeof period, "B%d", i);
        snprintf(key, sizeof key, "T|T4.1-1|%s|%s", s_orgs[a.unit], period);
        snprintf(episode, sizeof episode, "OVERDUE|T4.1-1|%s|%s", s_orgs[a.unit], period);
        db_exec(conn, "BEGIN", 0, NULL);
        db_exec(conn, "SELECT pg_advisory_xact_lock(4300003)", 0, NULL);
        char *id = db_scalar(conn,
                             "INSERT INTO status_change (key, target, org, period, old_status,"
                             " new_status, progress, deadline, as_of, evidence) VALUES ($1,"
                             " 'T4.1-1', $2, $3, 'OFF_TRACK', 'OVERDUE', 0.7, '2025-12-31',"
                             " '2026-01-10', '{\"value\": 900}') RETURNING id",
                             3, DB_PARAMS(key, s_orgs[a.unit], period));
        db_exec(conn, "COMMIT", 0, NULL);
        int64_t committed = zclock_usecs();
        zstr_sendf(pipe, "%s %lld %s", episode, (long long)committed, id ? id : "0");
        free(id);
    }
    zstr_send(pipe, "DONE");
    if (conn)
        PQfinish(conn);
    char *term = zstr_recv(pipe); //  $TERM
    zstr_free(&term);
}

static int
s_compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static long
s_vmhwm_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            kib = atol(line + 6);
    if (f)
        fclose(f);
    return kib;
}

//  Runs inside a check test case: testutil's helpers assert with check.
static int s_rc = 2;

START_TEST(bench_alert_run)
{
    const char *url = getenv("DATABASE_URL");
    int per_unit = getenv("BENCH_ALERT_PER_UNIT") ? atoi(getenv("BENCH_ALERT_PER_UNIT")) : 50;
    int gap_ms = getenv("BENCH_ALERT_GAP_MS") ? atoi(getenv("BENCH_ALERT_GAP_MS")) : 20;
    int total = UNITS * per_unit;
    PGconn *conn = testutil_db_fresh(1);
    db_exec(conn, "UPDATE system_clock SET as_of = '2026-01-10'", 0, NULL);
    char *dir = testutil_tempdir();
    char receivers[512], escalation[512], log_path[512];
    snprintf(receivers, sizeof receivers, "%s/receivers.csv", dir);
    snprintf(escalation, sizeof escalation, "%s/escalation.csv", dir);
    snprintf(log_path, sizeof log_path, "%s/alertd.log", dir);
    FILE *f = fopen(receivers, "w");
    fputs("name,channel,kinds,units,url,format,to,from,user,secret_env\noffice,zmq,*,*,,,,,,\n", f);
    fclose(f);
    f = fopen(escalation, "w");
    fputs("kind,remind_working_days,escalate_working_days,escalate_to\nOVERDUE,3,10,LGO\n", f);
    fclose(f);

    int eval = testutil_free_port(), pub_port = testutil_free_port(), snap = testutil_free_port(),
        control = testutil_free_port();
    zsock_t *pub = zsock_new(ZMQ_PUB), *sub = zsock_new(ZMQ_SUB);
    zsock_bind(pub, "tcp://127.0.0.1:%d", eval);
    static char env[12][512];
    snprintf(env[0], 512, "DATABASE_URL=%s", url);
    snprintf(env[1], 512, "ALERT_EVAL_ENDPOINT=tcp://127.0.0.1:%d", eval);
    snprintf(env[2], 512, "ALERT_PUB_ENDPOINT=tcp://127.0.0.1:%d", pub_port);
    snprintf(env[3], 512, "ALERT_SNAPSHOT_ENDPOINT=tcp://127.0.0.1:%d", snap);
    snprintf(env[4], 512, "ALERT_CONTROL_ENDPOINT=tcp://127.0.0.1:%d", control);
    snprintf(env[5], 512, "ALERT_RECEIVERS=%s", receivers);
    snprintf(env[6], 512, "ALERT_ESCALATION=%s", escalation);
    snprintf(env[7], 512, "ALERT_CALENDAR=%s",
             testutil_repo_path("deploy/calendar/holidays_cn.csv"));
    snprintf(env[8], 512, "ALERT_DEADMAN_SECONDS=0");
    snprintf(env[9], 512, "LOG_LEVEL=warn");
    char *envp[] = {env[0], env[1], env[2], env[3], env[4], env[5],
                    env[6], env[7], env[8], env[9], NULL};
    char *argv[] = {(char *)testutil_bin("alertd"), NULL};
    pid_t pid = testutil_spawn(argv[0], argv, envp, log_path);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", control);
    for (int i = 0; i < 100 && service_ping(endpoint, 200, NULL) != 0; i++)
        ;
    zsock_connect(sub, "tcp://127.0.0.1:%d", pub_port);
    zsock_set_subscribe(sub, "planwatch.v1.Alert");
    zclock_sleep(500); //  the subscriptions reach their publishers

    zhashx_t *committed = zhashx_new(), *arrived = zhashx_new();
    double *lat = calloc((size_t)total, sizeof *lat);
    int measured = 0, done = 0;
    zactor_t *units[UNITS];
    unit_args_t args[UNITS];
    zpoller_t *poller = zpoller_new(sub, NULL);
    int64_t started = zclock_mono();
    for (int u = 0; u < UNITS; u++) {
        args[u] = (unit_args_t){.unit = u, .count = per_unit, .gap_ms = gap_ms};
        units[u] = zactor_new(s_unit_actor, &args[u]);
        zpoller_add(poller, units[u]);
    }
    int64_t deadline = zclock_mono() + 120000;
    while (measured < total && zclock_mono() < deadline) {
        void *which = zpoller_wait(poller, 1000);
        if (!which)
            continue;
        if (which == sub) {
            int64_t now = zclock_usecs();
            bus_msg_t *m = bus_recv(sub, 0, 0);
            if (m && m->error == BUS_OK) {
                const Planwatch__V1__Alert *a = (const Planwatch__V1__Alert *)m->body;
                int64_t *t = zhashx_lookup(committed, a->key);
                if (t)
                    lat[measured++] = (double)(now - *t) / 1000.0;
                else {
                    int64_t *at = malloc(sizeof *at);
                    *at = now;
                    zhashx_insert(arrived, a->key, at);
                }
            }
            bus_msg_destroy(&m);
            continue;
        }
        char *line = zstr_recv(which);
        if (line && !strcmp(line, "DONE"))
            done++;
        else if (line) {
            char episode[128];
            long long usec;
            unsigned long long id;
            if (sscanf(line, "%127s %lld %llu", episode, &usec, &id) == 3) {
                //  evaluatord publishes its prompt right after the commit
                Planwatch__V1__StatusChange sc = PLANWATCH__V1__STATUS_CHANGE__INIT;
                sc.id = id;
                sc.target = "T4.1-1";
                sc.new_status = "OVERDUE";
                bus_send(pub, &sc.base);
                int64_t *early = zhashx_lookup(arrived, episode);
                if (early)
                    lat[measured++] = (double)(*early - usec) / 1000.0;
                else {
                    int64_t *t = malloc(sizeof *t);
                    *t = usec;
                    zhashx_insert(committed, episode, t);
                }
            }
        }
        zstr_free(&line);
    }
    double elapsed = (double)(zclock_mono() - started) / 1000.0;
    long hwm = s_vmhwm_kib(pid);
    for (int u = 0; u < UNITS; u++)
        zactor_destroy(&units[u]);
    testutil_stop(pid, SIGTERM);
    qsort(lat, (size_t)measured, sizeof *lat, s_compare);
    long raised = testutil_db_long(conn, "SELECT count(*) FROM alert");
    printf("bench_alert: %d units x %d status changes (mean gap %d ms), %d alerts received on the"
           " office stream in %.1f s (%ld raised)\n",
           UNITS, per_unit, gap_ms, measured, elapsed, raised);
    if (measured > 0) {
        printf("status_change_to_alert_p50_ms=%.1f\n", lat[measured / 2]);
        printf("status_change_to_alert_p99_ms=%.1f\n",
               lat[(measured * 99) / 100 < measured ? (measured * 99) / 100 : measured - 1]);
        printf("status_change_to_alert_max_ms=%.1f\n", lat[measured - 1]);
    }
    printf("alertd_vmhwm_kib=%ld (goal <= 32768)\n", hwm);
    printf("feed_to_alert_p99_ms: not measured (ingestd and evaluatord are not in this path yet;"
           " the figures above start at the evaluator's commit)\n");
    int rc = measured == total ? 0 : 1;
    if (rc)
        printf("bench_alert: only %d of %d alerts arrived (see %s)\n", measured, total, log_path);
    zpoller_destroy(&poller);
    zhashx_destroy(&committed);
    zhashx_destroy(&arrived);
    free(lat);
    zsock_destroy(&pub);
    zsock_destroy(&sub);
    PQfinish(conn);
    if (rc == 0)
        testutil_rmdir(dir);
    free(dir);
    s_rc = rc;
}
END_TEST

int
main(void)
{
    log_init("bench", LOG_LEVEL_WARN);
    const char *url = getenv("DATABASE_URL");
    if (!url || !*url) {
        fprintf(stderr, "bench_alert: DATABASE_URL is not set (make bench-alert sets it)\n");
        return 2;
    }
    setenv("TEST_DATABASE_URL", url, 1);
    Suite *s = suite_create("bench_alert");
    TCase *tc = tcase_create("bench");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, bench_alert_run);
    suite_add_tcase(s, tc);
    SRunner *runner = srunner_create(s);
    srunner_set_fork_status(runner, CK_NOFORK);
    srunner_run_all(runner, CK_SILENT);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? 1 : s_rc;
}
