/*  bench_ingest.c - `make bench-ingest`: what ingestd costs over PostgreSQL itself, measured in
    one run on one server (a benchmark: it prints figures and ratios, it asserts no timings)

    1. throughput: 4 concurrent CURVE clients push feeds of FEED_ROWS observations to a real
       ingestd; a row counts once its receipt (sent after COMMIT) is back. Against it: COPY of
       the same number of rows into the same table, one transaction, best of one run before and
       one after.
    2. latency: one client, 10-row feeds, one at a time: p50 and p99 of the receipt, next to the
       p99 of a bare one-row INSERT commit on the same server.
    3. ingestd's peak RSS (VmHWM).
    The last line is ingest_vs_copy=<ratio> (goal >= 0.5).
*/
#include "check_ingest_harness.h"

#include <math.h>

#define CLIENTS        4
#define FEED_ROWS      1000
#define FEEDS_PER      30
#define LATENCY_FEEDS  400
#define LATENCY_WARMUP 20
#define FIRST_YEAR     1950
#define LAST_YEAR      2025

//  The series a city government reports for itself (by_cities in deploy/plan/indicators.csv).
static const char *const s_indicators[] = {
    "GDP",        "POPULATION",        "RD_SPEND",     "HVP_COUNT",    "HT_VA",
    "SME_2H_STD", "GREEN_FACTORY_NEW", "HTE_COUNT",    "TSME_COUNT",   "ABOVE_SCALE_IND",
    "LG_NAT",     "LG_PROV",           "SINGLE_CHAMP", "HI_SKILL_NEW", "LISTED_COS",
    "LISTED_MCAP"};
#define INDICATORS (sizeof s_indicators / sizeof *s_indicators)

static const char *const s_units[CLIENTS] = {"GOV_430100", "GOV_430200", "GOV_430300",
                                             "GOV_430400"};
static const char *const s_orgs[CLIENTS] = {"430100", "430200", "430300", "430400"};
static char s_years[LAST_YEAR - FIRST_YEAR + 1][8];

static harness_t *h;

//  Row i of a city's feed: a distinct (indicator, year) for every i < INDICATORS * years.
static void
s_row(size_t i, const char **indicator, const char **period)
{
    *indicator = s_indicators[i % INDICATORS];
    *period = s_years[(i / INDICATORS) % (LAST_YEAR - FIRST_YEAR + 1)];
}

static int64_t
s_now_us(void)
{
    return zclock_usecs();
}

// ---------------------------------------------------------------------------------------------
//  Clients, one actor each

typedef struct {
    int client;      //  which unit
    int feeds;       //  how many feeds to push
    int rows;        //  rows per feed
    const char *tag; //  feed id prefix
    zsock_t *sock;   //  connected by the main thread, owned by the actor from its start
} client_args_t;

//  Pushes args->feeds feeds and answers on the pipe with "rows accepted" and each latency (us).
static void
s_client_actor(zsock_t *pipe, void *arg)
{
    client_args_t *args = arg;
    zsock_t *sock = args->sock;
    args->sock = NULL;
    zsock_signal(pipe, 0);
    zpoller_t *poller = zpoller_new(sock, NULL);
    builder_t *b = malloc(sizeof *b);
    Planwatch__V1__Observation *obs = calloc((size_t)args->rows, sizeof *obs);
    Planwatch__V1__Observation **obs_p = calloc((size_t)args->rows, sizeof *obs_p);
    char feed_id[64];
    long accepted = 0;
    zmsg_t *report = zmsg_new();
    for (int k = 0; k < args->feeds; k++) {
        snprintf(feed_id, sizeof feed_id, "%s-%s-%d", args->tag, s_units[args->client], k);
        builder_init(b, feed_id);
        for (int i = 0; i < args->rows; i++) {
            planwatch__v1__observation__init(&obs[i]);
            const char *indicator, *period;
            s_row((size_t)i, &indicator, &period);
            obs[i].indicator = (char *)indicator;
            obs[i].org = (char *)s_orgs[args->client];
            obs[i].period = (char *)period;
            obs[i].value = 1000 + k * 7 + i;
            obs[i].line = (uint32_t)i + 2;
            obs_p[i] = &obs[i];
        }
        b->feed.observations = obs_p;
        b->feed.n_observations = (size_t)args->rows;
        int64_t started = s_now_us();
        //  no ck_assert in a thread: check reports only from the test's own thread
        bus_msg_t *reply = NULL;
        if (bus_send(sock, &b->feed.base) == 0 && zpoller_wait(poller, 60000) == sock)
            reply = bus_recv(sock, 0, 0);
        int64_t took = s_now_us() - started;
        if (reply && reply->error == BUS_OK &&
            reply->body->descriptor == &planwatch__v1__receipt__descriptor)
            accepted += ((Planwatch__V1__Receipt *)reply->body)->accepted;
        else
            fprintf(stderr, "bench: feed %s got no receipt\n", feed_id);
        bus_msg_destroy(&reply);
        zmsg_addstrf(report, "%" PRId64, took);
    }
    zmsg_pushstrf(report, "%ld", accepted);
    zmsg_send(&report, pipe);
    free(obs);
    free(obs_p);
    free(b);
    zpoller_destroy(&poller);
    zsock_destroy(&sock);
    //  wait for $TERM
    char *command = zstr_recv(pipe);
    zstr_free(&command);
}

//  Runs the clients at once. Returns the rows acknowledged; *seconds the wall time; latencies
//  (if not NULL) receives every receipt's latency in us.
static long
s_run_clients(int clients, int feeds, int rows, const char *tag, double *seconds,
              int64_t *latencies)
{
    client_args_t args[CLIENTS];
    zactor_t *actors[CLIENTS];
    for (int c = 0; c < clients; c++)
        args[c] = (client_args_t){c, feeds, rows, tag, harness_client(h, s_units[c])};
    int64_t started = s_now_us();
    for (int c = 0; c < clients; c++)
        actors[c] = zactor_new(s_client_actor, &args[c]);
    long total = 0;
    for (int c = 0; c < clients; c++) {
        zmsg_t *report = zmsg_recv(actors[c]);
        char *accepted = zmsg_popstr(report);
        total += atol(accepted);
        zstr_free(&accepted);
        for (int k = 0; k < feeds; k++) {
            char *us = zmsg_popstr(report);
            if (latencies)
                latencies[c * feeds + k] = atoll(us);
            zstr_free(&us);
        }
        zmsg_destroy(&report);
    }
    *seconds = (s_now_us() - started) / 1e6;
    for (int c = 0; c < clients; c++)
        zactor_destroy(&actors[c]);
    return total;
}

// ---------------------------------------------------------------------------------------------
//  PostgreSQL alone

//  COPYs rows observations (the clients' rows) into observation in one transaction, with the
//  feed row their foreign key needs. Returns the seconds it took.
static double s_copy_into(const char *copy_sql, long rows, const char *feed_id, int with_feed);

static double
s_copy(long rows, const char *feed_id)
{
    return s_copy_into("COPY observation (change_id, org, indicator, period, value, note, unit,"
                       " feed_id) FROM STDIN",
                       rows, feed_id, 1);
}

//  The same COPY into table (a constant COPY statement); with_feed adds the feed row.
static double
s_copy_into(const char *copy_sql, long rows, const char *feed_id, int with_feed)
{
    PGconn *conn = h->conn;
    char count[24];
    snprintf(count, sizeof count, "%ld", rows);
    int64_t started = s_now_us();
    ck_assert_int_eq(db_begin(conn), 0);
    char *first = db_scalar(conn,
                            "SELECT setval('change_id_seq', nextval('change_id_seq') + $1::bigint"
                            " - 1) - $1::bigint + 1",
                            1, DB_PARAMS(count));
    ck_assert_ptr_nonnull(first);
    long long id = atoll(first);
    free(first);
    db_copy_t *copy = db_copy_begin(conn, copy_sql);
    ck_assert_ptr_nonnull(copy);
    char idtext[24], value[40];
    for (long r = 0; r < rows; r++) {
        int client = (int)(r / FEED_ROWS) % CLIENTS;
        const char *indicator, *period;
        s_row((size_t)(r % FEED_ROWS), &indicator, &period);
        snprintf(idtext, sizeof idtext, "%lld", id++);
        snprintf(value, sizeof value, "%.17g", (double)(1000 + r));
        db_copy_field(copy, idtext);
        db_copy_field(copy, s_orgs[client]);
        db_copy_field(copy, indicator);
        db_copy_field(copy, period);
        db_copy_field(copy, value);
        db_copy_field(copy, "");
        db_copy_field(copy, "GOV_430100");
        db_copy_field(copy, feed_id);
        db_copy_row_end(copy);
    }
    ck_assert_int_eq(db_copy_end(&copy), rows);
    if (with_feed)
        ck_assert_int_eq(db_exec(conn,
                                 "INSERT INTO feed (unit, feed_id, accepted, rejected, receipt)"
                                 " VALUES ('GOV_430100', $1, $2, 0, '')",
                                 2, DB_PARAMS(feed_id, count)),
                         0);
    ck_assert_int_eq(db_commit(conn), 0);
    return (s_now_us() - started) / 1e6;
}

static int
s_compare(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

//  The q-quantile (0..1) of n sorted values, nearest rank.
static double
s_quantile(const int64_t *sorted, int n, double q)
{
    int rank = (int)ceil(q * n);
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1] / 1000.0;
}

//  p99 of a bare one-row INSERT, each its own committed transaction (autocommit).
static double
s_commit_p99(int n, double *p50)
{
    ck_assert_int_eq(db_exec(h->conn,
                             "CREATE TABLE IF NOT EXISTS bench_commit (id bigint, t timestamptz "
                             "DEFAULT now())",
                             0, NULL),
                     0);
    int64_t *us = calloc((size_t)n, sizeof *us);
    char id[24];
    for (int i = 0; i < n + LATENCY_WARMUP; i++) {
        snprintf(id, sizeof id, "%d", i);
        int64_t started = s_now_us();
        ck_assert_int_eq(
            db_exec(h->conn, "INSERT INTO bench_commit (id) VALUES ($1)", 1, DB_PARAMS(id)), 0);
        if (i >= LATENCY_WARMUP)
            us[i - LATENCY_WARMUP] = s_now_us() - started;
    }
    qsort(us, (size_t)n, sizeof *us, s_compare);
    *p50 = s_quantile(us, n, 0.50);
    double p99 = s_quantile(us, n, 0.99);
    free(us);
    return p99;
}

//  VmHWM of a process in KiB, -1 when unreadable.
static long
s_peak_rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kib = atol(line + 6);
    fclose(f);
    return kib;
}

//  The whole benchmark; it runs as one check test so that the harness's checks report.
START_TEST(bench_ingest)
{
    for (int y = FIRST_YEAR; y <= LAST_YEAR; y++)
        snprintf(s_years[y - FIRST_YEAR], sizeof s_years[0], "%d", y);
    h = harness_new();
    //  periods up to 2025 are in the past; INFO logs of every feed go to the log file
    ck_assert_int_eq(db_exec(h->conn, "UPDATE system_clock SET as_of = '2026-01-01'", 0, NULL), 0);
    for (int c = 0; c < CLIENTS; c++)
        harness_unit(h, s_units[c]);
    harness_start(h);
    printf("bench_ingest: %d clients x %d feeds x %d rows; PostgreSQL %s; %ld cores\n", CLIENTS,
           FEEDS_PER, FEED_ROWS, PQparameterStatus(h->conn, "server_version"),
           sysconf(_SC_NPROCESSORS_ONLN));
    //  warm up: the catalog, the connections, the tables' first pages
    double seconds;
    s_run_clients(CLIENTS, 2, FEED_ROWS, "warmup", &seconds, NULL);

    double copy_before = s_copy((long)CLIENTS * FEEDS_PER * FEED_ROWS, "copy-before");
    long rows = s_run_clients(CLIENTS, FEEDS_PER, FEED_ROWS, "bench", &seconds, NULL);
    double copy_after = s_copy((long)CLIENTS * FEEDS_PER * FEED_ROWS, "copy-after");
    double ingest_rate = rows / seconds;
    double copy_seconds = copy_before < copy_after ? copy_before : copy_after;
    double copy_rate = (double)CLIENTS * FEEDS_PER * FEED_ROWS / copy_seconds;
    if (rows != (long)CLIENTS * FEEDS_PER * FEED_ROWS)
        printf("WARNING: only %ld rows were acknowledged\n", rows);
    printf("ingest: %ld rows acknowledged in %.3f s = %.0f rows/s (4 clients -> ingestd -> "
           "PostgreSQL, receipt after COMMIT)\n",
           rows, seconds, ingest_rate);
    printf("copy:   %d rows in %.3f s = %.0f rows/s (one COPY into observation, best of before "
           "%.3f s / after %.3f s)\n",
           CLIENTS * FEEDS_PER * FEED_ROWS, copy_seconds, copy_rate, copy_before, copy_after);
    //  Context only: most of COPY's time above is observation's deferred foreign-key checks
    //  (org, indicator, feed), which every writer pays. The same rows into a copy of the table
    //  with its indexes and without them:
    ck_assert_int_eq(db_exec(h->conn,
                             "CREATE TABLE bench_plain (LIKE observation INCLUDING DEFAULTS"
                             " INCLUDING INDEXES)",
                             0, NULL),
                     0);
    double plain = s_copy_into("COPY bench_plain (change_id, org, indicator, period, value, note,"
                               " unit, feed_id) FROM STDIN",
                               (long)CLIENTS * FEEDS_PER * FEED_ROWS, "plain", 0);
    printf("context: the same COPY into a copy of observation without foreign keys: %.3f s = "
           "%.0f rows/s\n",
           plain, CLIENTS * FEEDS_PER * FEED_ROWS / plain);

    //  latency of a small feed, one client, one feed at a time
    int64_t *latencies = calloc(LATENCY_FEEDS, sizeof *latencies);
    s_run_clients(1, LATENCY_WARMUP, 10, "lat-warm", &seconds, NULL);
    s_run_clients(1, LATENCY_FEEDS, 10, "lat", &seconds, latencies);
    qsort(latencies, LATENCY_FEEDS, sizeof *latencies, s_compare);
    double commit_p50 = 0;
    double commit_p99 = s_commit_p99(LATENCY_FEEDS, &commit_p50);
    printf("latency: 10-row feed receipt p50 %.2f ms, p99 %.2f ms; bare one-row commit p50 "
           "%.2f ms, p99 %.2f ms (%d each)\n",
           s_quantile(latencies, LATENCY_FEEDS, 0.50), s_quantile(latencies, LATENCY_FEEDS, 0.99),
           commit_p50, commit_p99, LATENCY_FEEDS);
    printf("latency_p99_vs_commit_p99=%.2f\n",
           s_quantile(latencies, LATENCY_FEEDS, 0.99) / commit_p99);
    free(latencies);

    long kib = s_peak_rss_kib(h->pid);
    printf("ingestd peak RSS (VmHWM): %.1f MiB (goal <= 32 MiB)\n", kib / 1024.0);
    harness_destroy(&h);
    printf("ingest_vs_copy=%.2f\n", ingest_rate / copy_rate);
    fflush(stdout);
}
END_TEST

int
main(void)
{
    log_init("bench", LOG_LEVEL_WARN);
    Suite *suite = suite_create("bench_ingest");
    TCase *tc = tcase_create("bench");
    tcase_add_test(tc, bench_ingest);
    suite_add_tcase(suite, tc);
    SRunner *runner = srunner_create(suite);
    //  one process, no time limit: a benchmark, not a test
    srunner_set_fork_status(runner, CK_NOFORK);
    srunner_set_log(runner, "/dev/null");
    srunner_run_all(runner, CK_SILENT);
    int failed = srunner_ntests_failed(runner);
    if (failed) {
        TestResult **results = srunner_failures(runner);
        fprintf(stderr, "bench_ingest: %s:%d: %s\n", tr_lfile(results[0]), tr_lno(results[0]),
                tr_msg(results[0]));
        free(results);
    }
    srunner_free(runner);
    return failed ? 1 : 0;
}
