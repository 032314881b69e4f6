/*  testutil_bench.h - the synthetic plan the evaluator and bulletin benchmarks share: 15 cities
    under the province, 150 monthly indicators the cities report and the province sums, one
    province target per indicator (level, cumulative, growth, yearly quota) and ten milestones.
    A benchmark may ask for more indicators (bench_report: 152, for over 270k figures).

    Codes: cities 430100-430114 reported by GOV_4301NN, indicators B000-B149 (B151 with 152),
    task groups B1..Bn (P_BENCH leads the odd ones, with P_HELP; the even ones are shared),
    targets B-000-B-149 (B-151) and
    milestones B-M0-B-M9 (five due 2025-06-30, five 2026-06-30), every deadline in 2026.
*/
#ifndef TESTUTIL_BENCH_H
#define TESTUTIL_BENCH_H

#include <libpq-fe.h>

#define BENCH_CITIES     15
#define BENCH_INDICATORS 150
#define BENCH_MONTHS     120 //  2016-01 .. 2025-12
#define BENCH_AS_OF      "2026-01-15"

//  Exits with status 1 and one line naming program and what when rc is not 0.
void bench_must(int rc, const char *program, const char *what);

//  Stores the synthetic plan as the catalog (groups task groups, every target's text
//  target_text). Exits on failure.
void bench_catalog(PGconn *conn, int groups, const char *target_text);

//  The same plan with indicators indicators (B000 on, 1 to 1000) instead of BENCH_INDICATORS,
//  one target each: the first 60 levels, 40 cumulative, 30 growth, every further one a yearly
//  quota. Exits on failure.
void bench_catalog_sized(PGconn *conn, int groups, int indicators, const char *target_text);

#endif
