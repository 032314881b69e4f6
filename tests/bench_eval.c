/*  bench_eval.c - `make bench-eval`: the evaluator on 15 units x 150 indicators x 10 years of
    monthly figures (~270k observations, a synthetic catalog of its own).

    Prints, from one run on one store:
      - one SQL aggregate scan over every observation (the floor of any full judgement),
      - a full re-judgement (every figure read from the store, every target and reporting duty
        judged, compared with the stored statuses) next to it,
      - the cost of judging one 10-row feed incrementally with 1x and with 10x the history
        (every figure stored in 10 versions),
      - evaluatord's peak RSS (VmHWM) after its start-up judgement and a few feeds, at 1x and 10x.
    Last line: eval_full_vs_scan=<ratio> eval_incr_growth=<ratio>.

    Environment: DATABASE_URL (the test store: it is wiped), PLANWATCH_BIN (evaluatord),
    MIGRATIONS_DIR (default deploy/migrations), BENCH_EVAL_REPEAT (incremental feeds timed per
    history size, default 30), BENCH_EVAL_QUICK (set: stop after the 1x figures).
*/
#include "evaluatord.h"

#include "bus.h"
#include "catalog.h"
#include "db.h"
#include "judge.h"
#include "log.h"
#include "service.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CITIES     15
#define INDICATORS 150
#define MONTHS     120 //  2016-01 .. 2025-12
#define AS_OF      "2026-01-15"

static const int s_leads[] = {90, 30, 7};

//  The extra connections a full load reads over (evaluatord's EVAL_LOAD_STREAMS default: 2).
static PGconn *s_helpers[1];
static size_t s_helper_count;

static PGconn *
s_connect(void)
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
    return conn;
}

static void
s_must(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "bench_eval: %s failed\n", what);
        exit(1);
    }
}

//  The synthetic plan: 15 cities under the province, 150 monthly indicators the cities report
//  and the province sums, one target per indicator on the province (level, cumulative,
//  growth, yearly quota) and ten milestones.
static void
s_catalog(PGconn *conn)
{
    catalog_t *cat = catalog_new();
    catalog_add_org(cat, "100000", "全国", ORG_NATION, "");
    catalog_add_org(cat, "430000", "湖南省", ORG_PROVINCE, "100000");
    for (int c = 0; c < CITIES; c++) {
        char code[16], unit[32], name[32];
        snprintf(code, sizeof code, "4301%02d", c);
        snprintf(unit, sizeof unit, "GOV_%s", code);
        snprintf(name, sizeof name, "测试市%02d", c);
        catalog_add_org(cat, code, name, ORG_CITY, "430000");
        catalog_add_unit(cat, unit, name, UNIT_GOV, code);
    }
    catalog_add_unit(cat, "P_BENCH", "省测试厅", UNIT_DEPT, "430000");
    task_t *task = catalog_add_task(cat, "B1", "", TASK_GROUP, "二（一）", "基准测试");
    catalog_add_task_unit(cat, task, "P_BENCH", ROLE_LEAD, false);
    for (int i = 0; i < INDICATORS; i++) {
        char code[16], name[32];
        snprintf(code, sizeof code, "B%03d", i);
        snprintf(name, sizeof name, "测试指标%03d", i);
        indicator_t x = {.code = code,
                         .name = name,
                         .unit = "个",
                         .period = PERIOD_MONTH,
                         .agg = AGG_SUM,
                         .numerator = "",
                         .denominator = "",
                         .scale = 1,
                         .nonneg = true,
                         .due_months = 1,
                         .by_cities = true};
        period_parse("2016-01", PERIOD_MONTH, &x.first_period);
        catalog_add_indicator(cat, &x);
        //  province monthly value ~ (10 + i) x 16 x 1.004^m; deadline month m = 131
        double monthly = (10 + i) * 16.0 * 1.694;
        static const double factors[] = {0.95, 1.05, 1.2, 1.5};
        target_t t = {.task = "B1",
                      .indicator = code,
                      .cmp = CMP_GE,
                      .has_value = true,
                      .unit = "个",
                      .scope = "430000",
                      .text = "基准测试目标"};
        char tcode[16];
        snprintf(tcode, sizeof tcode, "B1-%03d", i);
        t.code = tcode;
        day_parse("2026-12-31", &t.deadline);
        if (i < 60) {
            t.kind = TARGET_LEVEL;
            t.value = monthly * factors[i % 4];
        } else if (i < 100) {
            t.kind = TARGET_CUMULATIVE;
            t.start_year = 2016;
            t.value = monthly * 0.8 * 132 * factors[i % 4];
        } else if (i < 130) {
            t.kind = TARGET_GROWTH;
            t.base_year = 2016;
            t.value = 4.0 + (i % 4);
        } else {
            t.kind = TARGET_QUOTA;
            t.start_year = 2016;
            t.value = monthly * 0.8 * 12 * factors[i % 4];
        }
        catalog_add_target(cat, &t);
    }
    for (int k = 0; k < 10; k++) {
        char tcode[16];
        snprintf(tcode, sizeof tcode, "B1-M%d", k);
        target_t t = {.code = tcode,
                      .task = "B1",
                      .indicator = "",
                      .kind = TARGET_MILESTONE,
                      .cmp = CMP_GE,
                      .unit = "",
                      .scope = "430000",
                      .text = "基准测试里程碑"};
        day_parse(k < 5 ? "2025-06-30" : "2026-06-30", &t.deadline);
        catalog_add_target(cat, &t);
    }
    zlist_t *errors = zlist_new();
    zlist_autofree(errors);
    s_must(catalog_store(conn, cat, errors), "catalog_store");
    zlist_destroy(&errors);
    catalog_destroy(&cat);
}

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
    s_must(db_run_script(conn,
                         "BEGIN;"
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
           "loading the figures");
    //  As autovacuum would soon: hint bits and statistics, the same for every reader after.
    s_must(db_run_script(conn, "VACUUM ANALYZE observation"), "vacuum");
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
        s_must(db_begin(conn), "begin");
        s_must(db_exec(conn, "SELECT pg_advisory_xact_lock(4300002)", 0, NULL), "lock");
        s_must(db_exec(conn,
                       "INSERT INTO observation (change_id, org, indicator, period, value, unit,"
                       " feed_id) SELECT nextval('change_id_seq'), org, indicator, period,"
                       " value * (1 + 0.0001 * $2::int), unit, feed_id FROM observation"
                       " WHERE change_id <= $1::bigint ORDER BY change_id",
                       2, DB_PARAMS(max, version)),
               "growing the history");
        s_must(db_commit(conn), "commit");
    }
    free(max);
    s_must(db_run_script(conn, "VACUUM ANALYZE observation"), "vacuum");
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

//  Commits a 10-row feed from one city (ten indicators, the latest month, a correction) and
//  judges it incrementally. Returns the round's microseconds (median over repeat feeds).
static int64_t
s_incremental(PGconn *conn, judge_data_t *data, const judge_options_t *opts, int repeat, int round,
              evaluatord_stats_t *last)
{
    int64_t *times = calloc((size_t)repeat + 3, sizeof *times);
    zlist_t *changes = zlist_new();
    //  The same starting line for both history sizes: dirty pages written out (the 10x load
    //  leaves a lot), and three feeds not timed.
    db_exec(conn, "CHECKPOINT", 0, NULL);
    repeat += 3;
    for (int k = 0; k < repeat; k++) {
        char unit[32], org[16], feed[64], ind0[8], nth[16];
        int city = (k * 7) % CITIES;
        snprintf(org, sizeof org, "4301%02d", city);
        snprintf(unit, sizeof unit, "GOV_%s", org);
        snprintf(feed, sizeof feed, "bench-incr-%d-%d", round, k);
        snprintf(ind0, sizeof ind0, "%d", (k * 10) % INDICATORS);
        snprintf(nth, sizeof nth, "%d", round * 1000 + k);
        s_must(db_begin(conn), "begin");
        s_must(db_exec(conn, "SELECT pg_advisory_xact_lock(4300002)", 0, NULL), "lock");
        s_must(db_exec(conn,
                       "INSERT INTO feed (unit, feed_id, accepted, rejected, receipt)"
                       " VALUES ($1, $2, 10, 0, '\\x'::bytea)",
                       2, DB_PARAMS(unit, feed)),
               "feed");
        s_must(db_exec(conn,
                       "INSERT INTO observation (change_id, org, indicator, period, value, unit,"
                       " feed_id) SELECT nextval('change_id_seq'), $1, code, '2025-12',"
                       " (10 + ord) * 1.6 * (1 + 0.001 * $4::int), $2, $3 FROM indicator"
                       " WHERE ord >= $5::int ORDER BY ord LIMIT 10",
                       5, DB_PARAMS(org, unit, feed, nth, ind0)),
               "rows");
        s_must(db_commit(conn), "commit");
        s_must(evaluatord_round_changes(conn, data, opts, changes, last), "incremental round");
        times[k] = last->elapsed_us;
        s_drop_changes(changes);
    }
    repeat -= 3;
    qsort(times + 3, (size_t)repeat, sizeof *times, s_cmp_i64);
    int64_t median = times[3 + repeat / 2];
    free(times);
    zlist_destroy(&changes);
    return median;
}

//  evaluatord as a process: its start-up judgement and a few prompted feeds; its VmHWM in kB.
static long
s_evaluatord_rss(PGconn *conn)
{
    static int calls;
    calls++;
    char bin[4096], ingest[64], pub[64], control[64], log_path[64];
    const char *dir = getenv("PLANWATCH_BIN");
    snprintf(bin, sizeof bin, "%s/evaluatord", dir && *dir ? dir : "bin");
    int base = 30000 + (int)(getpid() % 10000) + 3 * calls;
    snprintf(ingest, sizeof ingest, "tcp://127.0.0.1:%d", base);
    snprintf(pub, sizeof pub, "tcp://127.0.0.1:%d", base + 1);
    snprintf(control, sizeof control, "tcp://127.0.0.1:%d", base + 2);
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
        setenv("EVAL_AS_OF", AS_OF, 1);
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

int
main(void)
{
    log_init("bench_eval", LOG_LEVEL_WARN);
    const char *repeat_text = getenv("BENCH_EVAL_REPEAT");
    int repeat = repeat_text && atoi(repeat_text) > 0 ? atoi(repeat_text) : 30;
    const char *migrations = getenv("MIGRATIONS_DIR");
    PGconn *conn = s_connect();
    s_must(db_run_script(conn, "SET client_min_messages = warning;"
                               " DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"),
           "wiping the test store");
    s_must(db_migrate(conn, migrations && *migrations ? migrations : "deploy/migrations") < 0,
           "migrations");
    s_catalog(conn);
    int64_t start = zclock_usecs();
    s_load_figures(conn);
    long rows = s_count(conn);
    printf("bench_eval: %d units x %d indicators x %d months: %ld observations loaded in %.1f s\n",
           CITIES, INDICATORS, MONTHS, rows, (zclock_usecs() - start) / 1e6);

    catalog_t *cat = catalog_read(conn);
    judge_data_t *data = judge_data_new(cat);
    s_helpers[0] = s_connect();
    s_helper_count = 1;
    judge_options_t opts = {0, s_leads, 3};
    day_parse(AS_OF, &opts.as_of);
    zlist_t *changes = zlist_new();
    evaluatord_stats_t st;

    //  First judgement: every status written once.
    s_must(evaluatord_round_full(conn, s_helpers, s_helper_count, data, &opts, changes, &st),
           "first full round");
    printf("first judgement: %.1f ms, %zu subjects, %zu status changes written\n",
           s_ms(st.elapsed_us), st.subjects, st.changes);
    s_drop_changes(changes);

    //  Full re-judgement against one aggregate scan, best of 5 each, interleaved.
    int64_t best_full = INT64_MAX, best_scan = INT64_MAX;
    for (int k = 0; k < 5; k++) {
        int64_t scan = s_scan(conn);
        best_scan = scan < best_scan ? scan : best_scan;
        s_must(evaluatord_round_full(conn, s_helpers, s_helper_count, data, &opts, changes, &st),
               "full round");
        best_full = st.elapsed_us < best_full ? st.elapsed_us : best_full;
        if (st.changes)
            fprintf(stderr, "bench_eval: re-judgement changed %zu statuses\n", st.changes);
        s_drop_changes(changes);
    }
    printf("full re-judgement: %.1f ms (%zu subjects, %ld figures, %zu changes) | SQL aggregate "
           "scan: %.1f ms | ratio %.2f\n",
           s_ms(best_full), st.subjects, st.rows, st.changes, s_ms(best_scan),
           (double)best_full / (double)best_scan);

    int64_t incr1 = s_incremental(conn, data, &opts, repeat, 1, &st);
    printf("incremental, 10-row feed, 1x history (%ld rows): median %.2f ms (%zu subjects, "
           "%zu changes, %zu updates)\n",
           rows, s_ms(incr1), st.subjects, st.changes, st.updates);
    long rss1 = s_evaluatord_rss(conn);
    printf("evaluatord peak RSS at 1x: %.1f MiB\n", rss1 / 1024.0);

    if (getenv("BENCH_EVAL_QUICK")) {
        printf("eval_full_vs_scan=%.2f (BENCH_EVAL_QUICK: no 10x history)\n",
               (double)best_full / (double)best_scan);
        zlist_destroy(&changes);
        judge_data_destroy(&data);
        catalog_destroy(&cat);
        PQfinish(s_helpers[0]);
        PQfinish(conn);
        return 0;
    }
    start = zclock_usecs();
    s_grow_history(conn);
    long rows10 = s_count(conn);
    printf("history grown to %ld rows (10 versions of every figure) in %.1f s\n", rows10,
           (zclock_usecs() - start) / 1e6);
    s_must(evaluatord_round_full(conn, s_helpers, s_helper_count, data, &opts, changes, &st),
           "catch-up round");
    printf("full judgement at 10x history: %.1f ms\n", s_ms(st.elapsed_us));
    s_drop_changes(changes);
    int64_t incr10 = s_incremental(conn, data, &opts, repeat, 10, &st);
    printf("incremental, 10-row feed, 10x history (%ld rows): median %.2f ms (%zu subjects, "
           "%zu changes, %zu updates)\n",
           rows10, s_ms(incr10), st.subjects, st.changes, st.updates);
    long rss10 = s_evaluatord_rss(conn);
    printf("evaluatord peak RSS at 10x: %.1f MiB (goal <= 64 MiB)\n", rss10 / 1024.0);

    printf("eval_full_vs_scan=%.2f eval_incr_growth=%.2f\n", (double)best_full / (double)best_scan,
           (double)incr10 / (double)incr1);
    zlist_destroy(&changes);
    judge_data_destroy(&data);
    catalog_destroy(&cat);
    PQfinish(s_helpers[0]);
    PQfinish(conn);
    return 0;
}
