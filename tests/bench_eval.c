/*  bench_eval.c - `make bench-eval`: the evaluator on 15 units x 150 indicators x 10 years of
    monthly figures (~270k observations, the synthetic plan of tests/testutil_bench.h).

    Prints, from one run on one store:
      - one SQL aggregate scan over every observation (the floor of any full judgement),
      - a full re-judgement (every figure read from the store, every target and reporting duty
        judged, compared with the stored statuses) next to it,
      - the cost of judging one 10-row feed incrementally with 1x and with 10x the history
        (every figure stored in 10 versions): two stores side by side (schemas bench_eval_1x
        and public), the same feeds into both alternately,
      - evaluatord's peak RSS (VmHWM) after its start-up judgement and a few feeds, at 1x and 10x.
    Last line: eval_full_vs_scan=<ratio> eval_incr_growth=<ratio>.

    Environment: DATABASE_URL (the test store: it is wiped), PLANWATCH_BIN (evaluatord),
    MIGRATIONS_DIR (default deploy/migrations), BENCH_EVAL_REPEAT (incremental feeds timed per
    history size, default 60), BENCH_EVAL_QUICK (set: stop after the 1x figures).
*/
#include "evaluatord.h"

#include "bus.h"
#include "catalog.h"
#include "db.h"
#include "judge.h"
#include "log.h"
#include "testutil.h"
#include "testutil_bench.h"
#include "service.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const int s_leads[] = {90, 30, 7};

//  A connection to DATABASE_URL working in schema (search_path), NULL for public.
static PGconn *
s_connect_schema(const char *schema)
{
    const char *url = getenv("DATABASE_URL");
    if (!url || !*url) {
        fprintf(stderr, "bench_eval: DATABASE_URL is not set\n");
        exit(2);
    }
    PGconn *conn = db_connect_once(url);
    if (!conn) {
        fprintf(stderr, "bench_eval: cannot connect to DATABASE_URL\n");
        exit(2);
    }
    if (schema &&
        db_exec(conn, "SELECT set_config('search_path', $1, false)", 1, DB_PARAMS(schema)) != 0)
        exit(2);
    return conn;
}

//  DATABASE_URL with its search_path set to schema (URL or key=value form).
static char *
s_url_with_schema(const char *schema)
{
    const char *url = getenv("DATABASE_URL");
    if (strncmp(url, "postgres", 8) == 0)
        return zsys_sprintf("%s%soptions=-csearch_path%%3D%s", url, strchr(url, '?') ? "&" : "?",
                            schema);
    return zsys_sprintf("%s options='-csearch_path=%s'", url, schema);
}

//  The synthetic plan: 15 cities under the province, 150 monthly indicators the cities report
//  and the province sums, one target per indicator on the province (level, cumulative,
static long
s_count(PGconn *conn)
{
    char *n = db_scalar(conn, "SELECT count(*) FROM observation", 0, NULL);
    long count = n ? atol(n) : -1;
    free(n);
    return count;
}

static double
s_ms(int64_t usecs)
{
    return usecs / 1000.0;
}

//  The figures, as 15 city governments would send them month by month (one feed per city and
//  month); one figure in 200 is never sent.
static void
s_load_figures(PGconn *conn)
{
    bench_must(db_run_script(
                   conn, "BEGIN;"
                         " SELECT pg_advisory_xact_lock(4300002);"
                         " INSERT INTO feed (unit, feed_id, accepted, rejected, receipt)"
                         "  SELECT u.code, 'bench-' || m, 0, 0, '\\x'::bytea"
                         "  FROM resp_unit u, generate_series(0, 119) m WHERE u.kind = 'gov';"
                         " INSERT INTO observation (change_id, org, indicator, period, value, unit,"
                         "  feed_id)"
                         "  SELECT nextval('change_id_seq'), u.org, i.code,"
                         "   to_char(date '2016-01-01' + make_interval(months => m), 'YYYY-MM'),"
                         "   round(((10 + i.ord) * (1 + 0.01 * u.ord) * power(1.004, m))::numeric,"
                         "   3), u.code, 'bench-' || m"
                         "  FROM generate_series(0, 119) m"
                         "  CROSS JOIN resp_unit u CROSS JOIN indicator i"
                         "  WHERE u.kind = 'gov' AND (u.ord * 7 + i.ord * 13 + m * 3) % 200 <> 0"
                         "  ORDER BY m, u.code, i.code;"
                         " COMMIT;"),
               "bench_eval", "loading the figures");
    //  As autovacuum would soon: hint bits and statistics, the same for every reader after.
    bench_must(db_run_script(conn, "VACUUM ANALYZE observation"), "bench_eval", "vacuum");
}

//  Every figure stored again in nine more versions (later change ids, slightly different
//  values): 10x the history.
static void
s_grow_history(PGconn *conn)
{
    char *max = db_scalar(conn, "SELECT max(change_id) FROM observation", 0, NULL);
    for (int v = 1; v <= 9; v++) {
        char version[16];
        snprintf(version, sizeof version, "%d", v);
        bench_must(db_begin(conn), "bench_eval", "begin");
        bench_must(db_exec(conn, "SELECT pg_advisory_xact_lock(4300002)", 0, NULL), "bench_eval",
                   "lock");
        bench_must(
            db_exec(conn,
                    "INSERT INTO observation (change_id, org, indicator, period, value, unit,"
                    " feed_id) SELECT nextval('change_id_seq'), org, indicator, period,"
                    " value * (1 + 0.0001 * $2::int), unit, feed_id FROM observation"
                    " WHERE change_id <= $1::bigint ORDER BY change_id",
                    2, DB_PARAMS(max, version)),
            "bench_eval", "growing the history");
        bench_must(db_commit(conn), "bench_eval", "commit");
    }
    free(max);
    bench_must(db_run_script(conn, "VACUUM ANALYZE observation"), "bench_eval", "vacuum");
}

//  One SQL aggregate scan over every observation. Returns microseconds.
static int64_t
s_scan(PGconn *conn)
{
    int64_t start = zclock_usecs();
    PGresult *res = db_query(conn,
                             "SELECT org, indicator, count(*), sum(value), max(change_id)"
                             " FROM observation GROUP BY org, indicator",
                             0, NULL);
    int64_t took = zclock_usecs() - start;
    if (!res)
        exit(1);
    PQclear(res);
    return took;
}

static void
s_drop_changes(zlist_t *changes)
{
    evaluatord_change_t *c;
    while ((c = zlist_pop(changes)) != NULL)
        evaluatord_change_destroy(&c);
}

static int
s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

//  One store of the benchmark: a schema with the migrations, the catalog and the figures.
typedef struct {
    const char *schema; //  search_path, NULL for public
    PGconn *conn;       //  its connection
    PGconn *helpers[1]; //  a second connection for full loads (EVAL_LOAD_STREAMS=2)
    catalog_t *cat;     //  the synthetic plan
    judge_data_t *data; //  the evaluator's figures
    long rows;          //  observations
} store_t;

//  Commits a 10-row feed from one city (ten indicators, the latest month, a correction) into
//  the store (its connection's search_path set to the store's schema first) and judges it
//  incrementally. Returns the round's microseconds.
static int64_t
s_feed_round(const store_t *st, const judge_options_t *opts, int k, evaluatord_stats_t *last)
{
    PGconn *conn = st->conn;
    judge_data_t *data = st->data;
    bench_must(db_exec(conn, "SELECT set_config('search_path', $1, false)", 1,
                       DB_PARAMS(st->schema ? st->schema : "public")),
               "bench_eval", "search_path");
    char unit[32], org[16], feed[64], ind0[8], nth[16];
    int city = (k * 7) % BENCH_CITIES;
    snprintf(org, sizeof org, "4301%02d", city);
    snprintf(unit, sizeof unit, "GOV_%s", org);
    snprintf(feed, sizeof feed, "bench-incr-%d", k);
    snprintf(ind0, sizeof ind0, "%d", (k * 10) % BENCH_INDICATORS);
    snprintf(nth, sizeof nth, "%d", k);
    bench_must(db_begin(conn), "bench_eval", "begin");
    bench_must(db_exec(conn, "SELECT pg_advisory_xact_lock(4300002)", 0, NULL), "bench_eval",
               "lock");
    bench_must(db_exec(conn,
                       "INSERT INTO feed (unit, feed_id, accepted, rejected, receipt)"
                       " VALUES ($1, $2, 10, 0, '\\x'::bytea)",
                       2, DB_PARAMS(unit, feed)),
               "bench_eval", "feed");
    bench_must(db_exec(conn,
                       "INSERT INTO observation (change_id, org, indicator, period, value, unit,"
                       " feed_id) SELECT nextval('change_id_seq'), $1, code, '2025-12',"
                       " (10 + ord) * 1.6 * (1 + 0.001 * $4::int), $2, $3 FROM indicator"
                       " WHERE ord >= $5::int ORDER BY ord LIMIT 10",
                       5, DB_PARAMS(org, unit, feed, nth, ind0)),
               "bench_eval", "rows");
    bench_must(db_commit(conn), "bench_eval", "commit");
    zlist_t *changes = zlist_new();
    bench_must(evaluatord_round_changes(conn, data, opts, changes, last), "bench_eval",
               "incremental round");
    s_drop_changes(changes);
    zlist_destroy(&changes);
    return last->elapsed_us;
}

static int64_t
s_median(int64_t *times, int n)
{
    qsort(times, (size_t)n, sizeof *times, s_cmp_i64);
    return times[n / 2];
}

//  evaluatord as a process: its start-up judgement and a few prompted feeds; its VmHWM in kB.
static long
s_evaluatord_rss(PGconn *conn, const char *schema)
{
    static int calls;
    calls++;
    char bin[4096], ingest[64], pub[64], control[64], log_path[64];
    const char *dir = getenv("PLANWATCH_BIN");
    snprintf(bin, sizeof bin, "%s/evaluatord", dir && *dir ? dir : "bin");
    snprintf(ingest, sizeof ingest, "tcp://127.0.0.1:%d", testutil_free_port());
    snprintf(pub, sizeof pub, "tcp://127.0.0.1:%d", testutil_free_port());
    snprintf(control, sizeof control, "tcp://127.0.0.1:%d", testutil_free_port());
    snprintf(log_path, sizeof log_path, "/tmp/bench_eval.%d.log", (int)getpid());
    zsock_t *notices = zsock_new_pub(ingest);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0)
            dup2(fd, 2);
        setenv("EVAL_INGEST_ENDPOINT", ingest, 1);
        setenv("EVAL_PUB_ENDPOINT", pub, 1);
        setenv("EVAL_CONTROL_ENDPOINT", control, 1);
        setenv("EVAL_AS_OF", BENCH_AS_OF, 1);
        if (schema)
            setenv("DATABASE_URL", s_url_with_schema(schema), 1);
        setenv("LOG_LEVEL", "warn", 1);
        execl(bin, bin, (char *)NULL);
        _exit(127);
    }
    //  Up, and its first full round done: it answers pings once the loop runs, and the round
    //  runs before the loop.
    int up = -1;
    for (int i = 0; i < 600 && up != 0; i++) {
        int store_ok = 0;
        up = service_ping(control, 100, &store_ok);
        if (up == 0 && !store_ok)
            up = -1;
    }
    for (int k = 0; k < 5 && up == 0; k++) {
        char feed[64];
        snprintf(feed, sizeof feed, "bench-rss-%d-%d-%d", (int)getpid(), calls, k);
        db_begin(conn);
        db_exec(conn, "SELECT pg_advisory_xact_lock(4300002)", 0, NULL);
        db_exec(conn,
                "INSERT INTO feed (unit, feed_id, accepted, rejected, receipt)"
                " VALUES ('GOV_430100', $1, 10, 0, '\\x'::bytea)",
                1, DB_PARAMS(feed));
        char *id = db_scalar(conn,
                             "WITH r AS (INSERT INTO observation (change_id, org, indicator,"
                             " period, value, unit, feed_id) SELECT nextval('change_id_seq'),"
                             " '430100', code, '2025-11', ord + 1, 'GOV_430100', $1 FROM indicator"
                             " ORDER BY ord LIMIT 10 RETURNING change_id) SELECT max(change_id)"
                             " FROM r",
                             1, DB_PARAMS(feed));
        db_commit(conn);
        Planwatch__V1__ChangeNotice n = PLANWATCH__V1__CHANGE_NOTICE__INIT;
        n.change_id = id ? (uint64_t)strtoll(id, NULL, 10) : 0;
        free(id);
        bus_send(notices, &n.base);
        zclock_sleep(200);
    }
    long hwm = -1;
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            hwm = atol(line + 6);
    if (f)
        fclose(f);
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    zsock_destroy(&notices);
    if (up != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fprintf(stderr, "bench_eval: evaluatord did not run cleanly (log %s)\n", log_path);
    else
        unlink(log_path);
    return hwm;
}

static void
s_store_setup(store_t *st, const char *schema)
{
    const char *migrations = getenv("MIGRATIONS_DIR");
    st->schema = schema;
    st->conn = s_connect_schema(schema);
    char *wipe = zsys_sprintf("SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s"
                              " CASCADE; CREATE SCHEMA %s",
                              schema ? schema : "public", schema ? schema : "public");
    bench_must(db_run_script(st->conn, wipe), "bench_eval", "wiping the test store");
    zstr_free(&wipe);
    bench_must(db_migrate(st->conn, migrations && *migrations ? migrations : "deploy/migrations") <
                   0,
               "bench_eval", "migrations");
    bench_catalog(st->conn, 1, "基准测试目标");
    s_load_figures(st->conn);
    st->rows = s_count(st->conn);
    st->cat = catalog_read(st->conn);
    st->data = judge_data_new(st->cat);
    st->helpers[0] = s_connect_schema(schema);
}

static void
s_store_end(store_t *st)
{
    judge_data_destroy(&st->data);
    catalog_destroy(&st->cat);
    PQfinish(st->helpers[0]);
    PQfinish(st->conn);
}

static void
s_full(store_t *st, const judge_options_t *opts, evaluatord_stats_t *out, const char *what)
{
    zlist_t *changes = zlist_new();
    bench_must(evaluatord_round_full(st->conn, st->helpers, 1, st->data, opts, changes, out),
               "bench_eval", what);
    s_drop_changes(changes);
    zlist_destroy(&changes);
}

int
main(void)
{
    log_init("bench_eval", LOG_LEVEL_WARN);
    const char *repeat_text = getenv("BENCH_EVAL_REPEAT");
    int repeat = repeat_text && atoi(repeat_text) > 0 ? atoi(repeat_text) : 60;
    judge_options_t opts = {0, s_leads, 3};
    day_parse(BENCH_AS_OF, &opts.as_of);
    evaluatord_stats_t st;

    //  The 1x store (schema bench_eval_1x) and the one that will hold 10x (public).
    store_t one, ten;
    int64_t start = zclock_usecs();
    s_store_setup(&one, "bench_eval_1x");
    printf("bench_eval: %d units x %d indicators x %d months: %ld observations loaded in %.1f s\n",
           BENCH_CITIES, BENCH_INDICATORS, BENCH_MONTHS, one.rows, (zclock_usecs() - start) / 1e6);

    //  First judgement: every status written once.
    s_full(&one, &opts, &st, "first full round");
    printf("first judgement: %.1f ms, %zu subjects, %zu status changes written\n",
           s_ms(st.elapsed_us), st.subjects, st.changes);

    //  Full re-judgement against one aggregate scan, best of 5 each, interleaved.
    int64_t best_full = INT64_MAX, best_scan = INT64_MAX;
    for (int k = 0; k < 5; k++) {
        int64_t scan = s_scan(one.conn);
        best_scan = scan < best_scan ? scan : best_scan;
        s_full(&one, &opts, &st, "full round");
        best_full = st.elapsed_us < best_full ? st.elapsed_us : best_full;
        if (st.changes)
            fprintf(stderr, "bench_eval: re-judgement changed %zu statuses\n", st.changes);
    }
    printf("full re-judgement: %.1f ms (%zu subjects, %ld figures, %zu changes) | SQL aggregate "
           "scan: %.1f ms | ratio %.2f\n",
           s_ms(best_full), st.subjects, st.rows, st.changes, s_ms(best_scan),
           (double)best_full / (double)best_scan);
    long rss1 = s_evaluatord_rss(one.conn, one.schema);
    printf("evaluatord peak RSS at 1x: %.1f MiB\n", rss1 / 1024.0);
    if (getenv("BENCH_EVAL_QUICK")) {
        printf("eval_full_vs_scan=%.2f (BENCH_EVAL_QUICK: no 10x history)\n",
               (double)best_full / (double)best_scan);
        db_run_script(one.conn, "SET client_min_messages = warning;"
                                " DROP SCHEMA IF EXISTS bench_eval_1x CASCADE");
        s_store_end(&one);
        return 0;
    }

    start = zclock_usecs();
    s_store_setup(&ten, NULL);
    s_grow_history(ten.conn);
    ten.rows = s_count(ten.conn);
    printf("second store grown to %ld rows (10 versions of every figure) in %.1f s\n", ten.rows,
           (zclock_usecs() - start) / 1e6);
    s_full(&ten, &opts, &st, "first full round at 10x");
    printf("full judgement at 10x history: %.1f ms\n", s_ms(st.elapsed_us));
    s_full(&one, &opts, &st, "catch-up round at 1x"); //  evaluatord judged feeds meanwhile

    //  The same feeds into both stores, alternately, so that whatever else the machine does
    //  falls on both alike; three of each first, not timed. Both through one connection, its
    //  search_path switched between the schemas before each feed: the two stores' own backends
    //  can sit on different CPUs (the one that grew the history often stays on the other CPU
    //  than this process), and a round trip to a backend on the other CPU took ~95 us here
    //  against ~8 us on the same one. A round makes some twenty round trips, so that alone put
    //  ~1 ms on whichever store's backend was across, eval_incr_growth 1.3 or 0.8 by chance.
    //  One backend for both: the stores differ by their history, nothing else.
    PGconn *timing = s_connect_schema(NULL);
    PGconn *stores[2] = {one.conn, ten.conn};
    one.conn = ten.conn = timing;
    db_exec(timing, "CHECKPOINT", 0, NULL);
    int64_t *t1 = calloc((size_t)repeat, sizeof *t1), *t10 = calloc((size_t)repeat, sizeof *t10);
    evaluatord_stats_t st1, st10;
    for (int k = -3; k < repeat; k++) {
        int64_t a, b;
        if (k % 2 == 0) { //  ABBA: neither store always goes first
            a = s_feed_round(&one, &opts, k + 3, &st1);
            b = s_feed_round(&ten, &opts, k + 3, &st10);
        } else {
            b = s_feed_round(&ten, &opts, k + 3, &st10);
            a = s_feed_round(&one, &opts, k + 3, &st1);
        }
        if (k >= 0)
            t1[k] = a, t10[k] = b;
    }
    one.conn = stores[0], ten.conn = stores[1];
    PQfinish(timing);
    int64_t incr1 = s_median(t1, repeat), incr10 = s_median(t10, repeat);
    printf("incremental, 10-row feed (median of %d, alternating): 1x history (%ld rows) %.2f ms,"
           " 10x history (%ld rows) %.2f ms (%zu subjects, %zu updates each)\n",
           repeat, one.rows, s_ms(incr1), ten.rows, s_ms(incr10), st10.subjects, st10.updates);
    long rss10 = s_evaluatord_rss(ten.conn, NULL);
    printf("evaluatord peak RSS at 10x: %.1f MiB (goal <= 64 MiB)\n", rss10 / 1024.0);

    printf("eval_full_vs_scan=%.2f eval_incr_growth=%.2f\n", (double)best_full / (double)best_scan,
           (double)incr10 / (double)incr1);
    free(t1);
    free(t10);
    //  The 1x store goes; the 10x one stays in public, as the suites would leave theirs.
    db_run_script(ten.conn, "SET client_min_messages = warning;"
                            " DROP SCHEMA IF EXISTS bench_eval_1x CASCADE");
    s_store_end(&ten);
    s_store_end(&one);
    return 0;
}
