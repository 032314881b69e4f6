/*  bench_alert.c - `make bench-alert`: 14 city governments feed a real ingestd concurrently; the
    latency from each feed's Receipt to the alert it causes arriving at a ZeroMQ subscriber of
    alertd's office stream, through the real evaluatord and alertd; and the three services' peak
    RSS. A benchmark: it prints figures, asserts no timings; it fails only when an alert goes
    missing or something breaks. The last line is feed_to_alert_p99_ms=<n> (goal < 100).

    The causal chain is the system's own. The store is made fresh (migrations, the plan), its
    clock set to BENCH_ALERT_CLOCK (2027-04-01) with `planctl clock set`, and the three services
    are started on free loopback ports with CURVE keys made by `planctl keys` and the
    deployment's alerting files. The evaluator finds the cities' yearly figures of 2021/2022-2026
    unreported (REPORT_OVERDUE) and alertd raises a 催报 alert for each: `planctl pipeline wait`
    says when all are raised. Then 14 clients, one per city with its own key (a DEALER set up as
    planctl feed push sets up its socket, kept connected as a city's own system would), push
    one-row feeds, one overdue indicator-period at a time, each after the previous one's Receipt
    and a pause. Each committed figure turns its duty REPORTED in evaluatord's next round, and
    alertd sends a RESOLVED alert on the office PUB, to which the bench subscribed beforehand.

    Every time is CLOCK_MONOTONIC in this process. Per duty (unit, org, indicator, period):
      sent     the feed handed to the client's socket
      receipt  its Receipt back (ingestd answers after COMMIT)          (client thread)
      notice   ingestd's ChangeNotice naming its feed id                 (SUB on ingestd's PUB)
      change   evaluatord's StatusChange R|unit|org|indicator|period -> REPORTED
                                                                         (SUB on evaluatord's PUB)
      alert    the RESOLVED alert of REPORT_OVERDUE|unit|org|indicator|period on the office
               stream                                                    (SUB on alertd's PUB)
    feed_to_alert = alert - receipt; status_change_to_alert = alert - change.

    The load: each client pauses a uniform 50-150 ms (BENCH_ALERT_GAP_MS=100) after each
    Receipt, about 125 feeds a second from the 14 together - a third of what two cores carry
    through the whole chain, and far above any reporting day. BENCH_ALERT_GAP_MS=0 pushes back to
    back: the chain then runs at its throughput limit (the CPU), and the latency measured is the
    queue in front of the slowest service rather than the path.

    After the setup the bench ANALYZEs the store, as autovacuum does on a live store within a
    minute of such a storm of inserts (BENCH_ALERT_NO_ANALYZE=1 skips it: PostgreSQL then plans
    the fresh schema blind, with sequential scans and hash joins).

    Environment: DATABASE_URL (the test store: it is wiped), PLANWATCH_BIN, BENCH_ALERT_GAP_MS,
    BENCH_ALERT_PER_UNIT (feeds per unit, default every overdue duty: 80), BENCH_ALERT_CLOCK,
    BENCH_ALERT_LOG_LEVEL (the services', default info), BENCH_ALERT_SAMPLES (a CSV file for
    every duty's times, us after the first push), KEEP_TEST_DIR (keep keys and logs).
*/
#include "check_ingest_harness.h"

#include <dirent.h>
#include <math.h>
#include <time.h>

#define UNITS          14
#define DUTIES_MAX     4096
#define SETTLE_MS      30000 //  after the last Receipt, how long missing alerts are waited for
#define FEED_WAIT_MS   30000 //  one Receipt at most
#define CATCH_UP_S     "180" //  planctl pipeline wait --timeout
#define DEFAULT_CLOCK  "2027-04-01"
#define RESOLVED_DUTY  "RESOLVED|REPORT_OVERDUE|"
#define SUBSCRIBE_WAIT 500 //  ms for the SUBs' subscriptions to reach their publishers

static const char *const s_orgs[UNITS] = {"430100", "430200", "430300", "430400", "430500",
                                          "430600", "430700", "430800", "430900", "431000",
                                          "431100", "431200", "431300", "433100"};

//  One overdue reporting duty of a city, the feed that meets it and what happened to it.
typedef struct {
    char duty[96];      //  "GOV_430100|430100|HTE_COUNT|2022": the subject key without "R|"
    char feed_id[128];  //  "bench:GOV_430100:430100:HTE_COUNT:2022"
    char org[16];       //  org unit
    char indicator[48]; //  indicator code
    char period[16];    //  period
    double value;       //  the figure sent
    int unit;           //  0-13: the city
    int64_t sent;       //  us, CLOCK_MONOTONIC; 0 until it happened
    int64_t receipt;    //  Receipt back at the client
    int64_t notice;     //  ChangeNotice of the feed seen
    int64_t change;     //  StatusChange to REPORTED seen
    int64_t alert;      //  RESOLVED alert seen on the office stream
    int accepted;       //  rows the Receipt accepted (1 expected), -1 no Receipt
} duty_t;

typedef struct {
    int unit;        //  0-13
    duty_t **duties; //  this unit's duties in pushing order (read-only to the actor)
    int count;       //  entries in duties
    int gap_ms;      //  mean pause after each Receipt
    zsock_t *sock;   //  CURVE DEALER, connected by the main thread; the actor owns it
} unit_args_t;

static int64_t
s_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

//  One city government's clerk: one-row feeds, one after the other. Sends "INDEX SENT RECEIPT
//  ACCEPTED" on the pipe after each (ACCEPTED -1: no Receipt), then "DONE".
static void
s_unit_actor(zsock_t *pipe, void *arg)
{
    unit_args_t *a = arg;
    zsock_t *sock = a->sock;
    a->sock = NULL;
    zsock_signal(pipe, 0);
    zpoller_t *poller = zpoller_new(sock, NULL);
    unsigned seed = (unsigned)(a->unit * 7919 + 1);
    for (int i = 0; i < a->count && !zsys_interrupted; i++) {
        const duty_t *d = a->duties[i];
        Planwatch__V1__Observation obs = PLANWATCH__V1__OBSERVATION__INIT;
        Planwatch__V1__Observation *rows[1] = {&obs};
        obs.indicator = (char *)d->indicator;
        obs.org = (char *)d->org;
        obs.period = (char *)d->period;
        obs.value = d->value;
        obs.note = "bench_alert";
        obs.line = 2;
        Planwatch__V1__Feed feed = PLANWATCH__V1__FEED__INIT;
        feed.feed_id = (char *)d->feed_id;
        feed.observations = rows;
        feed.n_observations = 1;
        //  no ck_assert in a thread: check reports only from the test's own thread
        int64_t sent = s_mono_us(), receipt = 0;
        int accepted = -1;
        bus_msg_t *reply = NULL;
        if (bus_send(sock, &feed.base) == 0 && zpoller_wait(poller, FEED_WAIT_MS) == sock)
            reply = bus_recv(sock, 0, 0);
        receipt = s_mono_us();
        if (reply && reply->error == BUS_OK &&
            reply->body->descriptor == &planwatch__v1__receipt__descriptor)
            accepted = (int)((Planwatch__V1__Receipt *)reply->body)->accepted;
        bus_msg_destroy(&reply);
        zstr_sendf(pipe, "%d %lld %lld %d", i, (long long)sent, (long long)receipt, accepted);
        if (a->gap_ms > 0)
            zclock_sleep(a->gap_ms / 2 + (int)(rand_r(&seed) % (unsigned)(a->gap_ms + 1)));
    }
    zstr_send(pipe, "DONE");
    zpoller_destroy(&poller);
    zsock_destroy(&sock);
    char *term = zstr_recv(pipe); //  $TERM
    zstr_free(&term);
}

static int
s_compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

//  p50, p99 (nearest rank) and max of n values, sorted in place; NAN when n is 0.
typedef struct {
    double p50, p99, max; //  ms
    int n;                //  samples
} stats_t;

static stats_t
s_stats(double *v, int n)
{
    stats_t s = {NAN, NAN, NAN, n};
    if (n <= 0)
        return s;
    qsort(v, (size_t)n, sizeof *v, s_compare);
    s.p50 = v[(int)ceil(0.50 * n) - 1];
    s.p99 = v[(int)ceil(0.99 * n) - 1];
    s.max = v[n - 1];
    return s;
}

//  The latency to - from over the duties that have both, in ms.
static stats_t
s_stage(duty_t *duties, int n, size_t from, size_t to)
{
    double *v = calloc((size_t)n + 1, sizeof *v);
    int k = 0;
    for (int i = 0; i < n; i++) {
        int64_t a = *(int64_t *)((char *)&duties[i] + from),
                b = *(int64_t *)((char *)&duties[i] + to);
        if (a && b)
            v[k++] = (double)(b - a) / 1000.0;
    }
    stats_t s = s_stats(v, k);
    free(v);
    return s;
}

static void
s_print_stage(const char *name, stats_t s)
{
    printf("  %-44s %7.1f %7.1f %7.1f  (%d)\n", name, s.p50, s.p99, s.max, s.n);
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

//  CPU time (user + system) of a process in clock ticks, -1 when unreadable.
static long long
s_cpu_ticks(pid_t pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    long long ticks = -1;
    if (f && fgets(line, sizeof line, f)) {
        //  fields 14 and 15 (utime, stime), counted after the command name's ')'
        char *p = strrchr(line, ')');
        long long utime, stime;
        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &utime,
                        &stime) == 2)
            ticks = utime + stime;
    }
    if (f)
        fclose(f);
    return ticks;
}

//  CPU ticks of the store's backends serving this database (the services' connections).
static long long
s_backend_ticks(PGconn *conn)
{
    PGresult *res = db_query(conn,
                             "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                             " AND pid <> pg_backend_pid()",
                             0, NULL);
    long long ticks = 0;
    for (int i = 0; res && i < PQntuples(res); i++) {
        //  only when the server runs on this machine: the pid is then a postgres process here
        char path[64], comm[32] = "";
        snprintf(path, sizeof path, "/proc/%s/comm", PQgetvalue(res, i, 0));
        FILE *f = fopen(path, "r");
        if (f && fgets(comm, sizeof comm, f) && !strncmp(comm, "postgres", 8)) {
            long long t = s_cpu_ticks((pid_t)atoi(PQgetvalue(res, i, 0)));
            ticks += t > 0 ? t : 0;
        }
        if (f)
            fclose(f);
    }
    PQclear(res);
    return ticks;
}

// ---------------------------------------------------------------------------------------------
//  The figures the cities send: the demo's sample feeds (deploy/demo/feeds), carried on by 6 %
//  a year where a period is not in them.

static void
s_demo_figures(zhashx_t *figures)
{
    const char *dir = testutil_repo_path("deploy/demo/feeds");
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot read %s", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strstr(e->d_name, "_GOV_") || strstr(e->d_name, "milestone") ||
            !strstr(e->d_name, ".csv"))
            continue;
        char path[PATH_MAX + 256], line[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        while (f && fgets(line, sizeof line, f)) {
            char *save = NULL, *org = strtok_r(line, ",", &save),
                 *indicator = strtok_r(NULL, ",", &save), *period = strtok_r(NULL, ",", &save),
                 *value = strtok_r(NULL, ",\r\n", &save);
            if (!org || !indicator || !period || !value || !strcmp(org, "org"))
                continue;
            char key[128];
            snprintf(key, sizeof key, "%s|%s|%s", org, indicator, period);
            zhashx_update(figures, key, strdup(value));
        }
        if (f)
            fclose(f);
    }
    closedir(d);
}

static double
s_figure(zhashx_t *figures, const char *org, const char *indicator, const char *period)
{
    int year = atoi(period);
    char key[128];
    for (int back = 0; back < 8; back++) {
        snprintf(key, sizeof key, "%s|%s|%d", org, indicator, year - back);
        const char *v = zhashx_lookup(figures, key);
        if (v)
            return round(atof(v) * pow(1.06, back) * 100) / 100;
        snprintf(key, sizeof key, "%s|%s|%d", org, indicator, year + back);
        if ((v = zhashx_lookup(figures, key)))
            return round(atof(v) / pow(1.06, back) * 100) / 100;
    }
    return 100;
}

// ---------------------------------------------------------------------------------------------
//  The services besides ingestd (check_ingest_harness.h starts that one)

//  The services this process started, stopped at exit if a failed check left them running.
static pid_t s_children[3];

static void
s_child(pid_t pid, pid_t replace)
{
    for (size_t i = 0; i < sizeof s_children / sizeof *s_children; i++)
        if (s_children[i] == replace) {
            s_children[i] = pid;
            return;
        }
}

static void
s_stop_children(void)
{
    for (size_t i = 0; i < sizeof s_children / sizeof *s_children; i++)
        if (s_children[i] > 0)
            testutil_stop(s_children[i], SIGTERM);
}

typedef struct {
    const char *name;   //  "evaluatord", "alertd"
    char log[PATH_MAX]; //  its stderr
    char control[64];   //  Ping endpoint
    pid_t pid;          //  running process, 0 when none
} service_t;

//  A free loopback port not handed out before by this function: testutil_free_port closes its
//  probe, so two calls before anything binds may return the same port.
static int
s_free_port(void)
{
    static int given[16];
    static size_t count;
    for (;;) {
        int port = testutil_free_port();
        size_t i = 0;
        while (i < count && given[i] != port)
            i++;
        if (i < count)
            continue;
        if (count < sizeof given / sizeof *given)
            given[count++] = port;
        return port;
    }
}

//  Starts bin/name with env ("NAME=value", NULL-terminated) and waits until it answers Ping.
static void
s_service_start(service_t *s, const char *dir, char *const *env)
{
    snprintf(s->log, sizeof s->log, "%s/%s.log", dir, s->name);
    char *argv[] = {(char *)testutil_bin(s->name), NULL};
    s->pid = testutil_spawn(argv[0], argv, env, s->log);
    s_child(s->pid, 0);
    int64_t deadline = zclock_mono() + 20000;
    while (zclock_mono() < deadline) {
        int status;
        ck_assert_msg(waitpid(s->pid, &status, WNOHANG) == 0, "%s exited at start, see %s", s->name,
                      s->log);
        if (service_ping(s->control, 300, NULL) == 0)
            return;
    }
    ck_abort_msg("%s did not answer on %s", s->name, s->control);
}

//  SIGTERM; returns its exit status.
static int
s_service_stop(service_t *s)
{
    int status = s->pid ? testutil_stop(s->pid, SIGTERM) : 0;
    s_child(0, s->pid);
    if (status != 0)
        printf("bench_alert: %s exited %d (see %s)\n", s->name, status, s->log);
    s->pid = 0;
    return status;
}

// ---------------------------------------------------------------------------------------------

//  The duty a key names, or NULL: "R|GOV_..|org|ind|period" (StatusChange) and
//  "RESOLVED|REPORT_OVERDUE|GOV_..|org|ind|period#n" (Alert) -> "GOV_..|org|ind|period" in buf.
static const char *
s_duty_of(const char *key, char *buf, size_t size)
{
    if (!key)
        return NULL;
    if (!strncmp(key, "R|", 2))
        snprintf(buf, size, "%s", key + 2);
    else if (!strncmp(key, RESOLVED_DUTY, strlen(RESOLVED_DUTY))) {
        snprintf(buf, size, "%s", key + strlen(RESOLVED_DUTY));
        buf[strcspn(buf, "#")] = '\0';
    } else
        return NULL;
    return buf;
}

static int s_rc = 2;
static bool s_figures_printed; //  the figures (feed_to_alert_p99_ms last) are out

START_TEST(bench_alert_run)
{
    const char *clock_day =
        getenv("BENCH_ALERT_CLOCK") ? getenv("BENCH_ALERT_CLOCK") : DEFAULT_CLOCK;
    int gap_ms = getenv("BENCH_ALERT_GAP_MS") ? atoi(getenv("BENCH_ALERT_GAP_MS")) : 100;
    int per_unit = getenv("BENCH_ALERT_PER_UNIT") ? atoi(getenv("BENCH_ALERT_PER_UNIT")) : 0;
    const char *level = getenv("BENCH_ALERT_LOG_LEVEL") ? getenv("BENCH_ALERT_LOG_LEVEL") : "info";

    //  A fresh store with the plan, the server's key and one key per city.
    harness_t *h = harness_new();
    for (int u = 0; u < UNITS; u++) {
        char unit[32];
        snprintf(unit, sizeof unit, "GOV_%s", s_orgs[u]);
        harness_unit(h, unit);
    }
    char command[PATH_MAX * 2];
    snprintf(command, sizeof command, "DATABASE_URL='%s' %s clock set %s >/dev/null",
             testutil_db_url(), testutil_bin("planctl"), clock_day);
    ck_assert_int_eq(testutil_sh(command), 0);

    //  ingestd, evaluatord, alertd on free ports, the deployment's alerting files.
    static char level_env[64], eval_env[6][PATH_MAX + 64], alert_env[12][PATH_MAX + 64];
    snprintf(level_env, sizeof level_env, "LOG_LEVEL=%s", level);
    char *ingest_extra[] = {level_env, NULL};
    int64_t started = s_mono_us();
    harness_start_env(h, ingest_extra);
    s_child(h->pid, 0);

    service_t eval = {.name = "evaluatord"}, alert = {.name = "alertd"};
    char eval_pub[64], alert_pub[64];
    snprintf(eval_pub, sizeof eval_pub, "tcp://127.0.0.1:%d", s_free_port());
    snprintf(eval.control, sizeof eval.control, "tcp://127.0.0.1:%d", s_free_port());
    snprintf(eval_env[0], sizeof eval_env[0], "%s", h->db_env);
    snprintf(eval_env[1], sizeof eval_env[1], "EVAL_INGEST_ENDPOINT=%s", h->changes);
    snprintf(eval_env[2], sizeof eval_env[2], "EVAL_PUB_ENDPOINT=%s", eval_pub);
    snprintf(eval_env[3], sizeof eval_env[3], "EVAL_CONTROL_ENDPOINT=%s", eval.control);
    snprintf(eval_env[4], sizeof eval_env[4], "%s", level_env);
    char *eval_envp[] = {eval_env[0], eval_env[1], eval_env[2], eval_env[3], eval_env[4], NULL};
    s_service_start(&eval, h->dir, eval_envp);

    snprintf(alert_pub, sizeof alert_pub, "tcp://127.0.0.1:%d", s_free_port());
    snprintf(alert.control, sizeof alert.control, "tcp://127.0.0.1:%d", s_free_port());
    snprintf(alert_env[0], sizeof alert_env[0], "%s", h->db_env);
    snprintf(alert_env[1], sizeof alert_env[1], "ALERT_EVAL_ENDPOINT=%s", eval_pub);
    snprintf(alert_env[2], sizeof alert_env[2], "ALERT_PUB_ENDPOINT=%s", alert_pub);
    snprintf(alert_env[3], sizeof alert_env[3], "ALERT_SNAPSHOT_ENDPOINT=tcp://127.0.0.1:%d",
             s_free_port());
    snprintf(alert_env[4], sizeof alert_env[4], "ALERT_CONTROL_ENDPOINT=%s", alert.control);
    snprintf(alert_env[5], sizeof alert_env[5], "ALERT_RECEIVERS=%s",
             testutil_repo_path("deploy/alerting/receivers.csv"));
    snprintf(alert_env[6], sizeof alert_env[6], "ALERT_ESCALATION=%s",
             testutil_repo_path("deploy/alerting/escalation.csv"));
    snprintf(alert_env[7], sizeof alert_env[7], "ALERT_CALENDAR=%s",
             testutil_repo_path("deploy/calendar/holidays_cn.csv"));
    snprintf(alert_env[8], sizeof alert_env[8], "%s", level_env);
    snprintf(alert_env[9], sizeof alert_env[9], "PLAN_DIR=%s", testutil_repo_path("deploy/plan"));
    char *alert_envp[] = {alert_env[0], alert_env[1], alert_env[2], alert_env[3],
                          alert_env[4], alert_env[5], alert_env[6], alert_env[7],
                          alert_env[8], alert_env[9], NULL};
    s_service_start(&alert, h->dir, alert_envp);

    //  Every figure due by the clock has been judged and every status change alerted.
    snprintf(command, sizeof command, "DATABASE_URL='%s' %s pipeline wait --timeout %s",
             testutil_db_url(), testutil_bin("planctl"), CATCH_UP_S);
    ck_assert_msg(testutil_sh(command) == 0, "the pipeline did not catch up (logs in %s)", h->dir);
    double catch_up = (double)(s_mono_us() - started) / 1e6;
    //  A store in service has statistics: autovacuum analyzes a table within a minute of a
    //  storm like the one above. Without them PostgreSQL plans this fresh schema blind (every
    //  range condition guessed at a third of the table: sequential scans and hash joins).
    if (!getenv("BENCH_ALERT_NO_ANALYZE"))
        ck_assert_int_eq(db_exec(h->conn, "ANALYZE", 0, NULL), 0);

    //  The cities' overdue duties, each with its open 催报 alert: what the clients will meet.
    PGresult *res = db_query(h->conn,
                             "SELECT s.unit, s.org, s.indicator, s.period,"
                             " EXISTS (SELECT 1 FROM alert a WHERE a.subject = s.key"
                             "  AND a.kind = 'REPORT_OVERDUE' AND a.state = 'open')"
                             " FROM status s WHERE s.status = 'REPORT_OVERDUE'"
                             " AND s.unit LIKE 'GOV\\_%' ORDER BY s.unit, s.period, s.indicator",
                             0, NULL);
    ck_assert_ptr_nonnull(res);
    int n = PQntuples(res), without_alert = 0;
    ck_assert_msg(n > 0 && n <= DUTIES_MAX, "%d overdue duties of the cities", n);
    duty_t *duties = calloc((size_t)n, sizeof *duties);
    zhashx_t *by_duty = zhashx_new(), *by_feed = zhashx_new(), *figures = zhashx_new();
    zhashx_set_destructor(figures, (zhashx_destructor_fn *)zstr_free);
    s_demo_figures(figures);
    duty_t **order[UNITS];
    int counts[UNITS] = {0};
    for (int u = 0; u < UNITS; u++)
        order[u] = calloc((size_t)n, sizeof *order[u]);
    int total = 0;
    for (int i = 0; i < n; i++) {
        duty_t *d = &duties[total];
        snprintf(d->org, sizeof d->org, "%s", PQgetvalue(res, i, 1));
        snprintf(d->indicator, sizeof d->indicator, "%s", PQgetvalue(res, i, 2));
        snprintf(d->period, sizeof d->period, "%s", PQgetvalue(res, i, 3));
        snprintf(d->duty, sizeof d->duty, "%s|%s|%s|%s", PQgetvalue(res, i, 0), d->org,
                 d->indicator, d->period);
        snprintf(d->feed_id, sizeof d->feed_id, "bench:%s:%s:%s:%s", PQgetvalue(res, i, 0), d->org,
                 d->indicator, d->period);
        without_alert += PQgetvalue(res, i, 4)[0] != 't';
        d->unit = -1;
        for (int u = 0; u < UNITS; u++)
            if (!strcmp(s_orgs[u], d->org))
                d->unit = u;
        ck_assert_int_ge(d->unit, 0);
        if (per_unit > 0 && counts[d->unit] >= per_unit)
            continue;
        d->value = s_figure(figures, d->org, d->indicator, d->period);
        d->accepted = -1;
        order[d->unit][counts[d->unit]++] = d;
        zhashx_insert(by_duty, d->duty, d);
        zhashx_insert(by_feed, d->feed_id, d);
        total++;
    }
    PQclear(res);
    zhashx_destroy(&figures);
    long open_alerts = testutil_db_long(h->conn, "SELECT count(*) FROM alert WHERE state = 'open'");
    ck_assert_msg(without_alert == 0, "%d overdue duties have no open REPORT_OVERDUE alert",
                  without_alert);
    printf("bench_alert: clock %s; %d overdue reporting duties of the 14 cities, each with its "
           "催报 alert (%ld open alerts in all), raised %.1f s after the services started\n",
           clock_day, n, open_alerts, catch_up);

    //  Subscribers: the office stream, and for the breakdown the two internal PUBs.
    zsock_t *sub_alert = zsock_new(ZMQ_SUB), *sub_eval = zsock_new(ZMQ_SUB),
            *sub_notice = zsock_new(ZMQ_SUB);
    zsock_set_rcvhwm(sub_alert, 100000);
    zsock_set_rcvhwm(sub_eval, 100000);
    zsock_set_rcvhwm(sub_notice, 100000);
    zsock_set_subscribe(sub_alert, "planwatch.v1.Alert");
    zsock_set_subscribe(sub_eval, "planwatch.v1.StatusChange");
    zsock_set_subscribe(sub_notice, "planwatch.v1.ChangeNotice");
    ck_assert_int_eq(zsock_connect(sub_alert, "%s", alert_pub), 0);
    ck_assert_int_eq(zsock_connect(sub_eval, "%s", eval_pub), 0);
    ck_assert_int_eq(zsock_connect(sub_notice, "%s", h->changes), 0);
    zclock_sleep(SUBSCRIBE_WAIT);

    //  The clients, connected before the clock starts.
    unit_args_t args[UNITS];
    zactor_t *units[UNITS];
    for (int u = 0; u < UNITS; u++) {
        char unit[32];
        snprintf(unit, sizeof unit, "GOV_%s", s_orgs[u]);
        args[u] = (unit_args_t){u, order[u], counts[u], gap_ms, harness_client(h, unit)};
    }
    zpoller_t *poller = zpoller_new(sub_alert, sub_eval, sub_notice, NULL);
    pid_t pids[4] = {h->pid, eval.pid, alert.pid, getpid()};
    long long cpu[5];
    for (int i = 0; i < 4; i++)
        cpu[i] = s_cpu_ticks(pids[i]);
    cpu[4] = s_backend_ticks(h->conn);
    int64_t push_start = s_mono_us(), push_end = 0, last_receipt = 0;
    for (int u = 0; u < UNITS; u++) {
        units[u] = zactor_new(s_unit_actor, &args[u]);
        zpoller_add(poller, units[u]);
    }
    int done = 0, received = 0, alerts_seen = 0, unmatched = 0, duplicates = 0, other = 0,
        refused = 0;
    for (;;) {
        if (done == UNITS && !push_end)
            push_end = s_mono_us();
        if (done == UNITS && alerts_seen >= received)
            break;
        if (done == UNITS && s_mono_us() - last_receipt > SETTLE_MS * 1000LL)
            break;
        void *which = zpoller_wait(poller, 200);
        int64_t now = s_mono_us();
        if (!which) {
            ck_assert_msg(!zpoller_terminated(poller), "interrupted");
            continue;
        }
        char buf[128];
        if (which == sub_alert || which == sub_eval || which == sub_notice) {
            bus_msg_t *m = bus_recv(which, 0, 0);
            if (!m || m->error != BUS_OK) {
                bus_msg_destroy(&m);
                continue;
            }
            duty_t *d = NULL;
            if (which == sub_notice) {
                const Planwatch__V1__ChangeNotice *c = (const Planwatch__V1__ChangeNotice *)m->body;
                if ((d = zhashx_lookup(by_feed, c->feed_id)) && !d->notice)
                    d->notice = now;
            } else if (which == sub_eval) {
                const Planwatch__V1__StatusChange *c = (const Planwatch__V1__StatusChange *)m->body;
                const char *duty = s_duty_of(c->key, buf, sizeof buf);
                if (duty && !strcmp(c->new_status, "REPORTED") &&
                    (d = zhashx_lookup(by_duty, duty)) && !d->change)
                    d->change = now;
            } else {
                const Planwatch__V1__Alert *a = (const Planwatch__V1__Alert *)m->body;
                const char *duty = s_duty_of(a->key, buf, sizeof buf);
                if (!duty)
                    other++;
                else if (!(d = zhashx_lookup(by_duty, duty)))
                    unmatched++;
                else if (d->alert)
                    duplicates++;
                else {
                    d->alert = now;
                    alerts_seen++;
                }
            }
            bus_msg_destroy(&m);
            continue;
        }
        char *line = zstr_recv(which);
        if (line && !strcmp(line, "DONE"))
            done++;
        else if (line) {
            long index;
            long long sent, receipt;
            int accepted;
            unit_args_t *a = NULL;
            for (int u = 0; u < UNITS; u++)
                if (which == units[u])
                    a = &args[u];
            if (a && sscanf(line, "%ld %lld %lld %d", &index, &sent, &receipt, &accepted) == 4 &&
                index >= 0 && index < a->count) {
                duty_t *d = a->duties[index];
                d->sent = sent;
                d->accepted = accepted;
                if (accepted == 1) {
                    d->receipt = receipt;
                    received++;
                    last_receipt = receipt;
                } else
                    refused++;
            }
        }
        zstr_free(&line);
    }
    double push_seconds = (double)(push_end - push_start) / 1e6;
    const char *dump = getenv("BENCH_ALERT_SAMPLES");
    FILE *samples = dump && *dump ? fopen(dump, "w") : NULL;
    for (int i = 0; samples && i < total; i++) {
        const duty_t *d = &duties[i];
        fprintf(samples, "%s,%lld,%lld,%lld,%lld,%lld\n", d->duty,
                (long long)(d->sent - push_start),
                (long long)(d->receipt ? d->receipt - push_start : -1),
                (long long)(d->notice ? d->notice - push_start : -1),
                (long long)(d->change ? d->change - push_start : -1),
                (long long)(d->alert ? d->alert - push_start : -1));
    }
    if (samples)
        fclose(samples);

    double tick = (double)sysconf(_SC_CLK_TCK);
    for (int i = 0; i < 4; i++)
        cpu[i] = s_cpu_ticks(pids[i]) - cpu[i];
    cpu[4] = s_backend_ticks(h->conn) - cpu[4];

    //  Peak memory, then the store's account: every figure judged, every change alerted.
    long hwm_alert = s_vmhwm_kib(alert.pid), hwm_eval = s_vmhwm_kib(eval.pid),
         hwm_ingest = s_vmhwm_kib(h->pid);
    int caught_up = testutil_sh(command) == 0;
    long resolved_stored =
        testutil_db_long(h->conn, "SELECT count(*) FROM alert WHERE kind = 'RESOLVED'"
                                  " AND episode LIKE 'RESOLVED|REPORT\\_OVERDUE|GOV\\_%'");
    for (int u = 0; u < UNITS; u++)
        zactor_destroy(&units[u]);
    zpoller_destroy(&poller);
    int stopped = s_service_stop(&alert) == 0;
    stopped &= s_service_stop(&eval) == 0;

    //  The figures.
    int missing = 0;
    for (int i = 0; i < total; i++)
        missing += duties[i].receipt && !duties[i].alert;
    printf("feeds: 14 clients (one CURVE DEALER per city government) pushed %d one-row feeds in "
           "%.2f s = %.0f feeds/s (mean gap after each Receipt %d ms); %d Receipts accepted the "
           "row, %d did not\n",
           total, push_seconds, push_seconds > 0 ? total / push_seconds : 0.0, gap_ms, received,
           refused);
    printf("office stream: %d RESOLVED alerts matched to their feed, missing %d, unmatched %d, "
           "duplicates %d; %d other alerts (target statuses moved by the new figures); %ld "
           "RESOLVED of these duties in the store\n",
           alerts_seen, missing, unmatched, duplicates, other, resolved_stored);
    printf("latency, ms (CLOCK_MONOTONIC in the bench):   p50     p99     max  (samples)\n");
    s_print_stage("feed sent -> Receipt (ingestd's commit)",
                  s_stage(duties, total, offsetof(duty_t, sent), offsetof(duty_t, receipt)));
    s_print_stage("Receipt -> ChangeNotice (ingestd's PUB)",
                  s_stage(duties, total, offsetof(duty_t, receipt), offsetof(duty_t, notice)));
    s_print_stage("ChangeNotice -> StatusChange (evaluatord)",
                  s_stage(duties, total, offsetof(duty_t, notice), offsetof(duty_t, change)));
    stats_t sc = s_stage(duties, total, offsetof(duty_t, change), offsetof(duty_t, alert));
    s_print_stage("StatusChange -> Alert (alertd)", sc);
    s_print_stage("feed sent -> Alert",
                  s_stage(duties, total, offsetof(duty_t, sent), offsetof(duty_t, alert)));
    stats_t e2e = s_stage(duties, total, offsetof(duty_t, receipt), offsetof(duty_t, alert));
    s_print_stage("Receipt -> Alert (feed_to_alert)", e2e);
    printf("CPU seconds while feeding (%.2f s on %ld cores): ingestd %.2f, evaluatord %.2f, alertd "
           "%.2f, the bench's clients and subscribers %.2f, PostgreSQL backends of this database "
           "%.2f\n",
           push_seconds, sysconf(_SC_NPROCESSORS_ONLN), cpu[0] / tick, cpu[1] / tick, cpu[2] / tick,
           cpu[3] / tick, cpu[4] / tick);
    printf("peak RSS (VmHWM): alertd %.1f MiB (goal <= 32 MiB), evaluatord %.1f MiB, ingestd "
           "%.1f MiB\n",
           hwm_alert / 1024.0, hwm_eval / 1024.0, hwm_ingest / 1024.0);
    //  The verdict first: the figures' last line is feed_to_alert_p99_ms, whatever happened.
    int rc = 0;
    if (missing || unmatched || duplicates || refused || received != total) {
        printf("bench_alert: FAILED: %d of %d feeds received, %d alerts missing, %d unmatched, "
               "%d duplicated\n",
               received, total, missing, unmatched, duplicates);
        rc = 1;
    }
    if (!caught_up || resolved_stored != total || !stopped) {
        printf("bench_alert: FAILED: pipeline caught up %s, %ld of %d RESOLVED stored, services "
               "stopped cleanly %s\n",
               caught_up ? "yes" : "no", resolved_stored, total, stopped ? "yes" : "no");
        rc = 1;
    }
    if (rc) {
        printf("bench_alert: keys and logs kept in %s\n", h->dir);
        setenv("KEEP_TEST_DIR", "1", 1);
    }
    printf("status_change_to_alert_p50_ms=%.1f\n", sc.p50);
    printf("status_change_to_alert_p99_ms=%.1f\n", sc.p99);
    printf("alertd_vmhwm_kib=%ld\n", hwm_alert);
    printf("feed_to_alert_samples=%d\n", e2e.n);
    printf("feed_to_alert_missing=%d\n", missing);
    printf("feed_to_alert_p50_ms=%.1f\n", e2e.p50);
    printf("feed_to_alert_max_ms=%.1f\n", e2e.max);
    printf("feed_to_alert_p99_ms=%.1f\n", e2e.p99);
    s_figures_printed = true;
    fflush(stdout);
    zsock_destroy(&sub_alert);
    zsock_destroy(&sub_eval);
    zsock_destroy(&sub_notice);
    zhashx_destroy(&by_duty);
    zhashx_destroy(&by_feed);
    for (int u = 0; u < UNITS; u++)
        free(order[u]);
    free(duties);
    s_child(0, h->pid);
    harness_destroy(&h);
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
    atexit(s_stop_children);
    Suite *s = suite_create("bench_alert");
    TCase *tc = tcase_create("bench");
    tcase_add_test(tc, bench_alert_run);
    suite_add_tcase(s, tc);
    SRunner *runner = srunner_create(s);
    //  one process, no time limit: a benchmark, not a test
    srunner_set_fork_status(runner, CK_NOFORK);
    srunner_set_log(runner, "/dev/null");
    srunner_run_all(runner, CK_SILENT);
    int failed = srunner_ntests_failed(runner);
    if (failed) {
        TestResult **results = srunner_failures(runner);
        fprintf(stderr, "bench_alert: %s:%d: %s\n", tr_lfile(results[0]), tr_lno(results[0]),
                tr_msg(results[0]));
        //  stopped before measuring: still the last line, with no figure (nan is below no goal)
        if (!s_figures_printed)
            printf("bench_alert: FAILED: %s:%d: %s\nfeed_to_alert_p99_ms=nan\n",
                   tr_lfile(results[0]), tr_lno(results[0]), tr_msg(results[0]));
        free(results);
    }
    srunner_free(runner);
    return failed ? 1 : s_rc;
}
