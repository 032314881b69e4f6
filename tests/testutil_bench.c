/*  testutil_bench.c - the synthetic plan the evaluator and bulletin benchmarks share */
#include "testutil_bench.h"

#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>

void
bench_must(int rc, const char *program, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "%s: %s failed\n", program, what);
        exit(1);
    }
}

void
bench_catalog(PGconn *conn, int groups, const char *target_text)
{
    bench_catalog_sized(conn, groups, BENCH_INDICATORS, target_text);
}

void
bench_catalog_sized(PGconn *conn, int groups, int indicators, const char *target_text)
{
    if (groups < 1 || indicators < 1 || indicators > 1000) {
        fprintf(stderr, "bench: %d groups of %d indicators is no plan\n", groups, indicators);
        exit(1);
    }
    catalog_t *cat = catalog_new();
    catalog_add_org(cat, "100000", "全国", ORG_NATION, "");
    catalog_add_org(cat, "430000", "湖南省", ORG_PROVINCE, "100000");
    for (int c = 0; c < BENCH_CITIES; c++) {
        char code[16], unit[32], name[32];
        snprintf(code, sizeof code, "4301%02d", c);
        snprintf(unit, sizeof unit, "GOV_%s", code);
        snprintf(name, sizeof name, "测试市%02d", c);
        catalog_add_org(cat, code, name, ORG_CITY, "430000");
        catalog_add_unit(cat, unit, name, UNIT_GOV, code);
    }
    catalog_add_unit(cat, "P_BENCH", "省测试厅", UNIT_DEPT, "430000");
    catalog_add_unit(cat, "P_HELP", "省协作厅", UNIT_DEPT, "430000");
    for (int g = 0; g < groups; g++) {
        char code[16], number[32], title[32];
        snprintf(code, sizeof code, "B%d", g + 1);
        snprintf(number, sizeof number, "二（%d）", g + 1);
        snprintf(title, sizeof title, "基准测试任务组%d", g + 1);
        task_t *task = catalog_add_task(cat, code, "", TASK_GROUP, number, title);
        //  Every other group names no lead: its units share it.
        catalog_add_task_unit(cat, task, "P_BENCH", g % 2 ? ROLE_CO : ROLE_LEAD, false);
        catalog_add_task_unit(cat, task, "P_HELP", ROLE_CO, false);
    }
    for (int i = 0; i < indicators; i++) {
        char code[16], name[32], tcode[16], task[8];
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
        //  province monthly value ~ (10 + i) x 16 x 1.004^m; the deadline's month is m = 131
        double monthly = (10 + i) * 16.0 * 1.694;
        static const double factors[] = {0.95, 1.05, 1.2, 1.5};
        snprintf(tcode, sizeof tcode, "B-%03d", i);
        snprintf(task, sizeof task, "B%d", i % groups + 1);
        target_t t = {.code = tcode,
                      .task = task,
                      .indicator = code,
                      .cmp = CMP_GE,
                      .has_value = true,
                      .unit = "个",
                      .scope = "430000",
                      .text = (char *)target_text};
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
        char tcode[16], task[8];
        snprintf(tcode, sizeof tcode, "B-M%d", k);
        snprintf(task, sizeof task, "B%d", k % groups + 1);
        target_t t = {.code = tcode,
                      .task = task,
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
    bench_must(catalog_store(conn, cat, errors), "bench", "catalog_store");
    zlist_destroy(&errors);
    catalog_destroy(&cat);
}
