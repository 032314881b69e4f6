/*  bench_report.c - `make bench-report`: the bulletin over 15 units x 152 indicators x 10 years
    of monthly figures (272k observations, over the 270k of issue 7; the synthetic plan of
    tests/testutil_bench.h with two indicators more than bench_eval's 150, since one figure in
    200 is never sent and 15 x 150 x 120 would leave 268,650). It stops when fewer than 270k
    observations are stored.

    Prints, from one run on one store:
      - the judgement alone (judge_run: every figure read, every target and duty judged), the
        floor under any bulletin, since the bulletin judges with the same code;
      - the bulletin built in process (catalog, judgement, notes, alerts, on-time reporting,
        rankings, 152 charts, the page), best and median of BENCH_REPORT_REPEAT runs;
      - `planctl report --out FILE` end to end (process start to file renamed into place), the
        figure the goal (< 2 s) is about.
    Last line: report_seconds=<median end-to-end seconds>.

    Environment: DATABASE_URL (the test store: it is wiped), PLANWATCH_BIN (planctl),
    MIGRATIONS_DIR (default deploy/migrations), BENCH_REPORT_REPEAT (default 5).
*/
#include "planctl_report.h"

#include "catalog.h"
#include "db.h"
#include "judge.h"
#include "log.h"
#include "testutil_bench.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define GROUPS           5      //  task groups of the synthetic plan
#define INDICATORS       152    //  monthly indicators the cities report
#define MIN_OBSERVATIONS 270000 //  issue 7: "a report over 270k observations"

static const int s_leads[] = {90, 30, 7};

//  The figures, as the 15 city governments would send them month by month (one feed per city
//  and month), received ten days into the next month; one in 50 a month later (late), one in
//  200 never. Alerts on the overdue milestones, half of them acknowledged.
static void
s_load(PGconn *conn)
{
    bench_must(
        db_run_script(
            conn,
            "BEGIN;"
            " SELECT pg_advisory_xact_lock(4300002);"
            " INSERT INTO feed (unit, feed_id, accepted, rejected, receipt, received_at)"
            "  SELECT u.code, 'bench-' || m, 0, 0, '\\x'::bytea,"
            "   (date '2016-02-10' + make_interval(months => m))::timestamp"
            "   AT TIME ZONE 'Asia/Shanghai'"
            "  FROM resp_unit u, generate_series(0, 119) m WHERE u.kind = 'gov';"
            " INSERT INTO observation (change_id, org, indicator, period, value, note, unit,"
            "  feed_id, received_at)"
            "  SELECT nextval('change_id_seq'), u.org, i.code,"
            "   to_char(date '2016-01-01' + make_interval(months => m), 'YYYY-MM'),"
            "   round(((10 + i.ord) * (1 + 0.01 * u.ord) * power(1.004, m))::numeric, 3),"
            "   CASE WHEN m % 24 = 0 THEN '示例 <数据> & 说明' ELSE '' END, u.code,"
            "   'bench-' || m,"
            "   (date '2016-02-10' + make_interval(months => m + CASE WHEN"
            "    (u.ord * 3 + i.ord * 7 + m) % 50 = 0 THEN 1 ELSE 0 END))::timestamp"
            "   AT TIME ZONE 'Asia/Shanghai'"
            "  FROM generate_series(0, 119) m"
            "  CROSS JOIN resp_unit u CROSS JOIN indicator i"
            "  WHERE u.kind = 'gov' AND (u.ord * 7 + i.ord * 13 + m * 3) % 200 <> 0"
            "  ORDER BY m, u.code, i.code;"
            " COMMIT;"
            " INSERT INTO alert (episode, kind, state, subject, title, raised_on,"
            "  last_notified_on, reminders)"
            "  SELECT 'OVERDUE|B-M' || k, 'OVERDUE', 'open', 'T|B-M' || k || '|430000|',"
            "   '基准测试告警', date '2025-07-01', date '2025-07-01', k FROM generate_series(0, "
            "4) k;"
            " INSERT INTO alert_ack (alert_id, acked_by) SELECT id, '督查员' FROM alert"
            "  WHERE id % 2 = 0;"),
        "bench_report", "loading the figures");
    bench_must(db_run_script(conn, "VACUUM ANALYZE"), "bench_report", "vacuum");
}

static int
s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double
s_s(int64_t usecs)
{
    return usecs / 1e6;
}

int
main(void)
{
    log_init("bench_report", LOG_LEVEL_WARN);
    const char *url = getenv("DATABASE_URL");
    if (!url || !*url) {
        fprintf(stderr, "bench_report: DATABASE_URL is not set\n");
        return 2;
    }
    const char *repeat_text = getenv("BENCH_REPORT_REPEAT");
    int repeat = repeat_text ? atoi(repeat_text) : 5;
    if (repeat < 1 || repeat > 100)
        repeat = 5;
    const char *migrations = getenv("MIGRATIONS_DIR");
    PGconn *conn = db_connect_once(url);
    if (!conn)
        return 2;
    bench_must(db_run_script(conn, "SET client_min_messages = warning;"
                                   " DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"),
               "bench_report", "resetting the store");
    bench_must(db_migrate(conn, migrations && *migrations ? migrations : "deploy/migrations") < 0,
               "bench_report", "migrating");
    int64_t started = zclock_usecs();
    bench_catalog_sized(conn, GROUPS, INDICATORS, "基准测试目标：到2026年达到 <规模> & “质量”");
    s_load(conn);
    char *count = db_scalar(conn, "SELECT count(*) FROM observation", 0, NULL);
    printf("bench_report: %s observations (%d cities x %d monthly indicators x %d months, "
           "1 in 200 never sent, 1 in 50 late), loaded in %.1f s\n",
           count ? count : "?", BENCH_CITIES, INDICATORS, BENCH_MONTHS,
           s_s(zclock_usecs() - started));
    long observations = count ? atol(count) : 0;
    free(count);
    if (observations < MIN_OBSERVATIONS) {
        fprintf(stderr, "bench_report: %ld observations, fewer than %d\n", observations,
                MIN_OBSERVATIONS);
        return 1;
    }

    report_options_t opts = {.due_soon = s_leads, .due_soon_count = 3};
    day_parse(BENCH_AS_OF, &opts.as_of);

    //  The judgement alone.
    int64_t *judge_us = calloc((size_t)repeat, sizeof *judge_us);
    int64_t *build_us = calloc((size_t)repeat, sizeof *build_us);
    int64_t *cli_us = calloc((size_t)repeat, sizeof *cli_us);
    catalog_t *cat = catalog_read(conn);
    if (!judge_us || !build_us || !cli_us || !cat)
        return 1;
    size_t subjects = 0;
    for (int r = 0; r < repeat; r++) {
        judge_options_t jopts = {opts.as_of, s_leads, 3};
        int64_t t0 = zclock_usecs();
        judge_report_t *judged = judge_run(conn, cat, &jopts, NULL);
        judge_us[r] = zclock_usecs() - t0;
        if (!judged)
            return 1;
        subjects = judge_report_count(judged);
        judge_report_destroy(&judged);
    }
    catalog_destroy(&cat);

    //  The bulletin in process.
    size_t size = 0;
    for (int r = 0; r < repeat; r++) {
        char *page = NULL;
        int64_t t0 = zclock_usecs();
        bench_must(report_render(conn, &opts, &page, &size), "bench_report", "report_render");
        build_us[r] = zclock_usecs() - t0;
        free(page);
    }

    //  planctl report, end to end.
    char dir[] = "/tmp/bench-report-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char out[64], planctl[1024];
    snprintf(out, sizeof out, "%s/bulletin.html", dir);
    const char *bin = getenv("PLANWATCH_BIN");
    snprintf(planctl, sizeof planctl, "%s/planctl", bin && *bin ? bin : "bin");
    for (int r = 0; r < repeat; r++) {
        int64_t t0 = zclock_usecs();
        pid_t pid = fork();
        if (pid == 0) {
            execl(planctl, "planctl", "report", "--as-of", BENCH_AS_OF, "--out", out, (char *)NULL);
            _exit(127);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        cli_us[r] = zclock_usecs() - t0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bench_report: %s report failed\n", planctl);
            return 1;
        }
    }
    struct stat st;
    stat(out, &st);
    unlink(out);
    rmdir(dir);

    qsort(judge_us, (size_t)repeat, sizeof *judge_us, s_cmp_i64);
    qsort(build_us, (size_t)repeat, sizeof *build_us, s_cmp_i64);
    qsort(cli_us, (size_t)repeat, sizeof *cli_us, s_cmp_i64);
    printf("bench_report: as of %s, %zu subjects judged, %d runs each\n", BENCH_AS_OF, subjects,
           repeat);
    printf("  judge_run alone            best %.3f s  median %.3f s\n", s_s(judge_us[0]),
           s_s(judge_us[repeat / 2]));
    printf("  bulletin in process        best %.3f s  median %.3f s  (%zu bytes of HTML)\n",
           s_s(build_us[0]), s_s(build_us[repeat / 2]), size);
    printf("  planctl report --out FILE  best %.3f s  median %.3f s  (%lld bytes written)\n",
           s_s(cli_us[0]), s_s(cli_us[repeat / 2]), (long long)st.st_size);
    printf("  goal: < 2 s end to end: %s\n", s_s(cli_us[repeat / 2]) < 2 ? "met" : "NOT MET");
    printf("report_seconds=%.3f\n", s_s(cli_us[repeat / 2]));
    free(judge_us);
    free(build_us);
    free(cli_us);
    PQfinish(conn);
    return 0;
}
