/*  check_catalog.c - the plan as data: the seed's counts, the store round trip, every kind of
    catalog error refused with its message and the store left unchanged */
#include "testutil.h"

#include "catalog.h"
#include "db.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Targets per kind in the seed, as deploy/plan/README.md counts them.
static const struct {
    const char *kind;
    int count;
} s_kinds[] = {{"level", 23},      {"growth", 1}, {"relative", 2},
               {"cumulative", 14}, {"quota", 6},  {"milestone", 10}};

//  Targets per task group (sub-tasks count under their group).
static const struct {
    const char *group;
    int count;
} s_groups[] = {{"G", 3},  {"T1", 1}, {"T2", 15}, {"T3", 7}, {"T4", 8},
                {"T5", 5}, {"T6", 4}, {"T7", 4},  {"T8", 1}, {"S1", 0},
                {"S2", 0}, {"S3", 0}, {"L1", 6},  {"L2", 0}, {"L3", 2}};

static catalog_t *
s_load_seed(void)
{
    zlist_t *errors = zlist_new();
    zlist_autofree(errors);
    catalog_t *cat = catalog_load_files(testutil_repo_path("deploy/plan"), errors);
    ck_assert_msg(cat != NULL, "deploy/plan refused: %s",
                  zlist_size(errors) ? (char *)zlist_first(errors) : "?");
    zlist_destroy(&errors);
    return cat;
}

START_TEST(test_catalog_counts_per_kind)
{
    catalog_t *cat = s_load_seed();
    int count = 0;
    for (size_t i = 0; i < catalog_target_count(cat); i++)
        if (!strcmp(catalog_kind_name(catalog_target_at(cat, i)->kind), s_kinds[_i].kind))
            count++;
    ck_assert_msg(count == s_kinds[_i].count, "%s: %d targets, expected %d", s_kinds[_i].kind,
                  count, s_kinds[_i].count);
    ck_assert_int_eq(catalog_target_count(cat), 56);
    catalog_destroy(&cat);
    ck_assert_ptr_null(cat);
}
END_TEST

//  The lead units of a target, as catalog_target_units gives them, joined with ','.
static void
s_leads(const catalog_t *cat, const char *target, char *buf, size_t size)
{
    size_t count = 0, n = 0;
    const task_unit_t *units = catalog_target_units(cat, catalog_target(cat, target), &count);
    buf[0] = '\0';
    for (size_t i = 0; i < count; i++)
        if (units[i].role == ROLE_LEAD)
            n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "," : "", units[i].unit);
}

//  Responsibility is per task unless target_units.csv says otherwise for a target: T1.2-1 is
//  郴州's alone; 中南大学 leads the 芙蓉实验室 targets only.
static void
s_check_target_units(const catalog_t *cat)
{
    char leads[256];
    s_leads(cat, "T1.2-1", leads, sizeof leads);
    ck_assert_str_eq(leads, "GOV_431000");
    size_t count = 0;
    catalog_target_units(cat, catalog_target(cat, "T1.2-1"), &count);
    ck_assert_uint_eq(count, 1);
    s_leads(cat, "L1-3", leads, sizeof leads);
    ck_assert_str_eq(leads, "P_STD");
    for (const char *const *t = (const char *const[]){"L1-1", "L1-2", "L1-3", "L1-4", NULL}; *t;
         t++)
        ck_assert_msg(!catalog_unit_shares_target(cat, "X_CSU", catalog_target(cat, *t)),
                      "中南大学 named for %s", *t);
    s_leads(cat, "L1-5", leads, sizeof leads);
    ck_assert_str_eq(leads, "X_CSU,P_STD");
    const task_unit_t *units = catalog_target_units(cat, catalog_target(cat, "L1-5"), &count);
    ck_assert(!units[0].inferred); //  “实验室由中南大学牵头”
    ck_assert(units[1].inferred);
    //  a target without rows takes its task's units
    s_leads(cat, "T4.1-1", leads, sizeof leads);
    ck_assert_str_eq(leads, "P_STD");
    ck_assert(catalog_unit_shares_target(cat, "P_MIIT", catalog_target(cat, "T4.1-1")));
    ck_assert(!catalog_unit_shares_target(cat, "GOV_430400", catalog_target(cat, "T1.2-1")));
    ck_assert(catalog_unit_shares_task(cat, "GOV_430400", "T1.2"));
}

START_TEST(test_catalog_target_units)
{
    catalog_t *cat = s_load_seed();
    s_check_target_units(cat);
    catalog_destroy(&cat);
}
END_TEST

START_TEST(test_catalog_counts_per_group)
{
    catalog_t *cat = s_load_seed();
    int count = 0;
    for (size_t i = 0; i < catalog_target_count(cat); i++) {
        const target_t *t = catalog_target_at(cat, i);
        const task_t *group = catalog_task_group(cat, catalog_task(cat, t->task));
        ck_assert_ptr_nonnull(group);
        if (!strcmp(group->code, s_groups[_i].group))
            count++;
    }
    ck_assert_msg(count == s_groups[_i].count, "%s: %d targets, expected %d", s_groups[_i].group,
                  count, s_groups[_i].count);
    catalog_destroy(&cat);
}
END_TEST

START_TEST(test_catalog_seed_facts)
{
    catalog_t *cat = s_load_seed();
    ck_assert_int_eq(catalog_org_count(cat), 16);
    ck_assert_int_eq(catalog_task_count(cat), 42);
    ck_assert_str_eq(catalog_org(cat, "433100")->name, "湘西土家族苗族自治州");
    ck_assert_str_eq(catalog_unit(cat, "GOV_430100")->name, "长沙市人民政府");
    //  到2025年高新技术企业达到1.4万家: level, >= 14000, by 31 December 2025, 省科技厅 leads
    const target_t *t = catalog_target(cat, "T4.1-1");
    ck_assert_int_eq(t->kind, TARGET_LEVEL);
    ck_assert_int_eq(t->cmp, CMP_GE);
    ck_assert(t->value == 14000);
    ck_assert_int_eq(t->deadline, day_from_ymd(2025, 12, 31));
    const task_t *task = catalog_task(cat, t->task);
    ck_assert_str_eq(task->number, "二（四）1");
    ck_assert_str_eq(task->units[0].unit, "P_STD");
    ck_assert_int_eq(task->units[0].role, ROLE_LEAD);
    //  突破 means strictly more
    ck_assert_int_eq(catalog_target(cat, "T4.1-2")->cmp, CMP_GT);
    //  every target has somebody responsible, through its task
    for (size_t i = 0; i < catalog_target_count(cat); i++) {
        const target_t *x = catalog_target_at(cat, i);
        ck_assert_msg(catalog_task(cat, x->task)->unit_count > 0, "%s has no unit", x->code);
    }
    //  authorisation helpers: a city reports its own figures only
    const indicator_t *hte = catalog_indicator(cat, "HTE_COUNT");
    ck_assert(catalog_unit_reports(cat, "GOV_430100", hte, "430100"));
    ck_assert(!catalog_unit_reports(cat, "GOV_430100", hte, "430200"));
    ck_assert(catalog_unit_reports(cat, "P_STD", hte, "430000"));
    //  国家超级计算长沙中心 is a 重大科技基础设施: 省发展改革委 reports it, as README says
    ck_assert_str_eq(catalog_indicator(cat, "SC_COMPUTE")->reporters[0], "P_DRC");
    ck_assert_str_eq(catalog_indicator(cat, "SC_SOFTWARE")->reporters[0], "P_DRC");
    //  small counts built from nothing are projected linearly, large stocks compound
    ck_assert_int_eq(catalog_indicator(cat, "YLS_DEPT")->projection, PROJECTION_LINEAR);
    ck_assert_int_eq(catalog_indicator(cat, "TRILLION_IND")->projection, PROJECTION_LINEAR);
    ck_assert_int_eq(catalog_indicator(cat, "XJ_LAB_CTR")->projection, PROJECTION_LINEAR);
    ck_assert_int_eq(hte->projection, PROJECTION_COMPOUND);
    bool ambiguous;
    ck_assert_ptr_nonnull(catalog_milestone_for(cat, "T2.5-2", &ambiguous));
    ck_assert_ptr_null(catalog_milestone_for(cat, "T2.5", &ambiguous));
    ck_assert(ambiguous);
    catalog_destroy(&cat);
}
END_TEST

//  A digest of everything the catalog tables hold.
static char *
s_store_digest(PGconn *conn)
{
    char *digest = db_scalar(
        conn,
        "SELECT md5(concat_ws('|',"
        " (SELECT string_agg(t::text, ',' ORDER BY code) FROM target t),"
        " (SELECT string_agg(i::text, ',' ORDER BY code) FROM indicator i),"
        " (SELECT string_agg(r::text, ',' ORDER BY indicator, unit) FROM indicator_reporter r),"
        " (SELECT string_agg(k::text, ',' ORDER BY code) FROM task k),"
        " (SELECT string_agg(u::text, ',' ORDER BY task, unit) FROM task_unit u),"
        " (SELECT string_agg(u::text, ',' ORDER BY target, unit) FROM target_unit u),"
        " (SELECT string_agg(r::text, ',' ORDER BY code) FROM resp_unit r),"
        " (SELECT string_agg(o::text, ',' ORDER BY code) FROM org_unit o)))",
        0, NULL);
    ck_assert_ptr_nonnull(digest);
    return digest;
}

START_TEST(test_catalog_store_round_trip)
{
    PGconn *conn = testutil_db_fresh(0);
    catalog_t *cat = s_load_seed();
    zlist_t *errors = zlist_new();
    zlist_autofree(errors);
    ck_assert_int_eq(catalog_store(conn, cat, errors), 0);
    catalog_t *back = catalog_read(conn);
    ck_assert_ptr_nonnull(back);
    ck_assert_int_eq(catalog_target_count(back), catalog_target_count(cat));
    ck_assert_int_eq(catalog_indicator_count(back), catalog_indicator_count(cat));
    for (size_t i = 0; i < catalog_target_count(cat); i++) {
        const target_t *a = catalog_target_at(cat, i), *b = catalog_target_at(back, i);
        ck_assert_str_eq(a->code, b->code);
        ck_assert_str_eq(a->text, b->text);
        ck_assert_int_eq(a->kind, b->kind);
        ck_assert_int_eq(a->has_value, b->has_value);
        ck_assert(a->value == b->value);
        ck_assert_int_eq(a->deadline, b->deadline);
        ck_assert_int_eq(a->base_year, b->base_year);
    }
    const indicator_t *rd = catalog_indicator(back, "RD_INTENSITY");
    ck_assert_int_eq(rd->agg, AGG_RATIO);
    ck_assert_str_eq(rd->numerator, "RD_SPEND");
    ck_assert_int_eq(rd->reporter_count, 2);
    for (size_t i = 0; i < catalog_indicator_count(cat); i++)
        ck_assert_int_eq(catalog_indicator_at(back, i)->projection,
                         catalog_indicator_at(cat, i)->projection);
    s_check_target_units(back);
    //  loading the same catalog again changes nothing
    char *before = s_store_digest(conn);
    ck_assert_int_eq(catalog_store(conn, cat, errors), 0);
    char *after = s_store_digest(conn);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    zlist_destroy(&errors);
    catalog_destroy(&back);
    catalog_destroy(&cat);
    PQfinish(conn);
}
END_TEST

//  One wrong catalog: a file, the text to replace in it, the replacement, and what the refusal
//  must say after "FILE:LINE: ".
typedef struct {
    const char *file;
    const char *from;
    const char *to;
    const char *expect;
} breakage_t;

static const breakage_t s_breakages[] = {
    {"task_units.csv", "T4.1,P_STD,lead,seed", "T4.1,P_NOPE,lead,seed",
     "unit: unknown unit 'P_NOPE'"},
    {"targets.csv", "T4.1-2,T4.1,", "T4.1-1,T4.1,", "code: duplicate code 'T4.1-1'"},
    {"targets.csv", "2025-12-31,430000,到2025年高新技术企业",
     "2025-13-01,430000,到2025年高新技术企业", "deadline: '2025-13-01' is not a date"},
    {"targets.csv", "T4.1-1,T4.1,HTE_COUNT,", "T4.1-1,T4.1,HTE_CNT,",
     "indicator: target points at no indicator ('HTE_CNT')"},
    {"targets.csv", "G-3,G,HT_VA,growth,>=,10,%,2021,", "G-3,G,HT_VA,growth,>=,10,%,,",
     "base_year: a growth target needs a base year"},
    {"targets.csv", "T4.1-1,T4.1,HTE_COUNT,level,", "T4.1-1,T4.1,HTE_COUNT,levle,",
     "kind: 'levle' is not level"},
    {"targets.csv", "T4.1-1,T4.1,HTE_COUNT,level,>=,", "T4.1-1,T4.1,HTE_COUNT,level,=>,",
     "cmp: '=>' is not"},
    {"targets.csv", "T4.1-1,T4.1,HTE_COUNT,level,>=,14000,",
     "T4.1-1,T4.1,HTE_COUNT,level,>=,1.4万,", "value: '1.4万' is not a plain number"},
    {"targets.csv", ",2025-12-31,430000,到2025年高新技术企业",
     ",2025-12-31,439999,到2025年高新技术企业", "scope: unknown org unit '439999'"},
    {"targets.csv", "T4.1-1,T4.1,", "T4.1-1,T9.9,", "task: unknown task 'T9.9'"},
    {"indicators.csv", "RD_INTENSITY,研发经费投入强度,%,year,ratio,RD_SPEND,",
     "RD_INTENSITY,研发经费投入强度,%,year,ratio,RD_SPENT,",
     "numerator: unknown indicator 'RD_SPENT'"},
    {"indicators.csv", "HTE_COUNT,高新技术企业数,家,year,sum,,,,1,0,2022,3,cities;P_STD",
     "HTE_COUNT,高新技术企业数,家,year,sum,,,,1,0,2022,3,cities;P_NONE",
     "reporters: unknown unit 'P_NONE'"},
    {"indicators.csv", "HTE_COUNT,高新技术企业数,家,year,", "HTE_COUNT,高新技术企业数,家,decade,",
     "period: 'decade' is not year, quarter or month"},
    {"org_units.csv", "430100,长沙市,city,430000", "430100,长沙市,city,430099",
     "parent: unknown org unit '430099'"},
    {"resp_units.csv", "code,name,kind,org", "code,name,type,org",
     "kind: column missing from the header"},
    {"tasks.csv", "T4.1,T4,task,", "T4.1,T44,task,", "parent: 'T44' is not a task group"},
    {"indicators.csv", "YLS_DEPT,岳麓山实验室功能研究部数,个,year,none,,,,1,0,2022,3,P_STD,linear",
     "YLS_DEPT,岳麓山实验室功能研究部数,个,year,none,,,,1,0,2022,3,P_STD,straight",
     "projection: 'straight' is not compound or linear"},
    {"target_units.csv", "T1.2-1,GOV_431000,lead,seed", "T1.2-9,GOV_431000,lead,seed",
     "target: unknown target 'T1.2-9'"},
    {"target_units.csv", "T1.2-1,GOV_431000,lead,seed", "T1.2-1,GOV_439999,lead,seed",
     "unit: unknown unit 'GOV_439999'"},
    {"target_units.csv", "T1.2-1,GOV_431000,lead,seed", "T1.2-1,GOV_431000,chief,seed",
     "role: 'chief' is not lead or co"},
    {"target_units.csv", "L1-5,X_CSU,lead,seed", "L1-5,X_CSU,lead,told",
     "source: 'told' is not seed or inferred"},
};

//  Copies deploy/plan into a temporary directory and applies one breakage. Returns the
//  directory; *line gets the line number the change landed on.
static char *
s_broken_plan(const breakage_t *b, int *line)
{
    char *dir = testutil_tempdir();
    char command[1024];
    snprintf(command, sizeof command, "cp %s/*.csv %s/", testutil_repo_path("deploy/plan"), dir);
    ck_assert_int_eq(testutil_sh(command), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, b->file);
    zchunk_t *chunk = zchunk_slurp(path, 0);
    ck_assert_ptr_nonnull(chunk);
    char *text = zchunk_strdup(chunk);
    zchunk_destroy(&chunk);
    char *at = strstr(text, b->from);
    ck_assert_msg(at != NULL, "%s does not contain '%s'", b->file, b->from);
    *line = 1;
    for (char *p = text; p < at; p++)
        *line += *p == '\n';
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%.*s%s%s", (int)(at - text), text, b->to, at + strlen(b->from));
    fclose(f);
    free(text);
    return dir;
}

START_TEST(test_catalog_errors_refused)
{
    const breakage_t *b = &s_breakages[_i];
    PGconn *conn = testutil_db_fresh(1);
    char *before = s_store_digest(conn);
    int line = 0;
    char *dir = s_broken_plan(b, &line);
    char expect[512];
    snprintf(expect, sizeof expect, "%s:%d: %s", b->file, line, b->expect);

    zlist_t *errors = zlist_new();
    zlist_autofree(errors);
    ck_assert_ptr_null(catalog_load_files(dir, errors));
    int found = 0;
    for (char *e = zlist_first(errors); e; e = zlist_next(errors))
        found |= strstr(e, expect) != NULL;
    ck_assert_msg(found, "expected '%s', got '%s'", expect,
                  zlist_size(errors) ? (char *)zlist_first(errors) : "(nothing)");
    zlist_destroy(&errors);

    //  the command refuses too, prints the line, exits 1 and changes nothing
    char command[1024];
    snprintf(command, sizeof command, "DATABASE_URL='%s' %s plan load %s 2>&1", testutil_db_url(),
             testutil_bin("planctl"), dir);
    int status = 0;
    char *out = testutil_capture(command, &status);
    ck_assert_int_eq(status, 1);
    ck_assert_msg(strstr(out, expect) != NULL, "planctl said: %s", out);
    ck_assert_ptr_nonnull(strstr(out, "the store is unchanged"));
    char *after = s_store_digest(conn);
    ck_assert_str_eq(before, after);
    free(out);
    free(before);
    free(after);
    testutil_rmdir(dir);
    free(dir);
    PQfinish(conn);
}
END_TEST

START_TEST(test_catalog_refuses_dropping_used_codes)
{
    PGconn *conn = testutil_db_fresh(1);
    //  a stored figure for HTE_COUNT, written as ingest writes it
    ck_assert_int_eq(
        db_run_script(conn, "INSERT INTO feed (unit, feed_id, accepted, rejected, receipt)"
                            " VALUES ('GOV_430100', 'f1', 1, 0, '\\x');"
                            " INSERT INTO observation (change_id, org, indicator, period, value,"
                            " unit, feed_id) VALUES (nextval('change_id_seq'), '430100',"
                            " 'HTE_COUNT', '2023', 1200, 'GOV_430100', 'f1')"),
        0);
    char *before = s_store_digest(conn);
    //  a catalog without HTE_COUNT (and without the target that uses it)
    char *dir = testutil_tempdir();
    char command[2048];
    snprintf(command, sizeof command,
             "cp %s/*.csv %s/ && sed -i '/^HTE_COUNT,/d' %s/indicators.csv &&"
             " sed -i '/,HTE_COUNT,/d' %s/targets.csv",
             testutil_repo_path("deploy/plan"), dir, dir, dir);
    ck_assert_int_eq(testutil_sh(command), 0);
    snprintf(command, sizeof command, "DATABASE_URL='%s' %s plan load %s 2>&1", testutil_db_url(),
             testutil_bin("planctl"), dir);
    int status = 0;
    char *out = testutil_capture(command, &status);
    ck_assert_int_eq(status, 1);
    ck_assert_msg(strstr(out, "drops a code that stored data uses") && strstr(out, "HTE_COUNT"),
                  "planctl said: %s", out);
    char *after = s_store_digest(conn);
    ck_assert_str_eq(before, after);
    ck_assert_int_eq(testutil_db_long(conn, "SELECT count(*) FROM observation"), 1);
    free(out);
    free(before);
    free(after);
    testutil_rmdir(dir);
    free(dir);
    PQfinish(conn);
}
END_TEST

START_TEST(test_catalog_show_lists_every_target)
{
    PGconn *conn = testutil_db_fresh(1);
    char command[1024];
    snprintf(command, sizeof command, "DATABASE_URL='%s' %s plan show --format csv",
             testutil_db_url(), testutil_bin("planctl"));
    int status = 0;
    char *out = testutil_capture(command, &status);
    ck_assert_int_eq(status, 0);
    int lines = 0;
    for (char *p = out; *p; p++)
        lines += *p == '\n';
    ck_assert_int_eq(lines, 57); //  header + 56 targets
    ck_assert_ptr_nonnull(
        strstr(out, "T4.1-1,二（四）1,level,≥ 14000 家,2025-12-31,湖南省,省科技厅,"));
    free(out);
    snprintf(command, sizeof command, "DATABASE_URL='%s' %s plan show --format json",
             testutil_db_url(), testutil_bin("planctl"));
    out = testutil_capture(command, &status);
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_nonnull(strstr(out, "\"name\": \"省科技厅\""));
    free(out);
    //  csv: T1.2-1 is 郴州's alone; inferred units are marked as the JSON marks them
    snprintf(command, sizeof command, "DATABASE_URL='%s' %s plan show --format csv",
             testutil_db_url(), testutil_bin("planctl"));
    out = testutil_capture(command, &status);
    ck_assert_ptr_nonnull(strstr(out, "T1.2-1,二（一）2,milestone,按期完成,2025-12-31,郴州市,"
                                      "郴州市人民政府,,"));
    ck_assert_ptr_nonnull(strstr(out, ",湖南省,中南大学、省科技厅（推定）,"));
    free(out);
    PQfinish(conn);
}
END_TEST

//  The table prints every lead unit: a long list wraps in its column (on a 、, the other columns
//  left blank) instead of being cut; inferred units are marked （推定）.
START_TEST(test_catalog_show_table)
{
    PGconn *conn = testutil_db_fresh(1);
    char command[1024];
    snprintf(command, sizeof command, "DATABASE_URL='%s' %s plan show", testutil_db_url(),
             testutil_bin("planctl"));
    int status = 0;
    char *out = testutil_capture(command, &status);
    ck_assert_int_eq(status, 0);
    //  the display column where "lead" starts in the header
    char *header = strstr(out, "lead");
    ck_assert_ptr_nonnull(header);
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%.*s", (int)(header - out), out);
    int lead_col = text_display_width(prefix);
    bool chenzhou = false, wrapped = false, inferred = false;
    const char *target = "";
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] != ' ')
            target = line;
        if (!strncmp(line, "T1.2-1 ", 7)) {
            ck_assert_ptr_nonnull(strstr(line, "郴州市人民政府"));
            ck_assert_ptr_null(strstr(line, "衡阳"));
            chenzhou = true;
        }
        if (!strncmp(line, "G-1 ", 4))
            inferred = strstr(line, "省科技厅（推定）") != NULL;
        //  a continuation line: blank up to the lead column, then names
        if (line[0] == ' ') {
            ck_assert_int_eq((int)strspn(line, " "), lead_col);
            if (!strncmp(target, "T2.4-1 ", 7))
                wrapped |= strstr(line, "省卫生健康委") != NULL;
        }
        ck_assert_ptr_null(strstr(line, "…"));
    }
    ck_assert(chenzhou);
    ck_assert(wrapped);
    ck_assert(inferred);
    free(out);
    PQfinish(conn);
}
END_TEST

static Suite *
catalog_suite(void)
{
    Suite *s = suite_create("catalog");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 60);
    tcase_add_loop_test(core, test_catalog_counts_per_kind, 0, sizeof s_kinds / sizeof s_kinds[0]);
    tcase_add_loop_test(core, test_catalog_counts_per_group, 0,
                        sizeof s_groups / sizeof s_groups[0]);
    tcase_add_test(core, test_catalog_seed_facts);
    tcase_add_test(core, test_catalog_store_round_trip);
    tcase_add_test(core, test_catalog_show_lists_every_target);
    tcase_add_test(core, test_catalog_show_table);
    tcase_add_test(core, test_catalog_target_units);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_set_timeout(errors, 60);
    tcase_add_loop_test(errors, test_catalog_errors_refused, 0,
                        sizeof s_breakages / sizeof s_breakages[0]);
    tcase_add_test(errors, test_catalog_refuses_dropping_used_codes);
    suite_add_tcase(s, errors);
    return s;
}

TESTUTIL_MAIN(catalog_suite)
