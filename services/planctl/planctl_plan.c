/*  planctl_plan.c - operators: `planctl migrate`, `planctl plan load`, `planctl plan show` */
#include "planctl.h"

#include "catalog.h"
#include "db.h"
#include "text.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
planctl_cmd_migrate(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: planctl migrate   (MIGRATIONS_DIR, default deploy/migrations)\n");
        return 2;
    }
    const char *dir = getenv("MIGRATIONS_DIR");
    if (!dir || !*dir)
        dir = "deploy/migrations";
    PGconn *conn = planctl_db_connect();
    if (!conn)
        return 2;
    int applied = db_migrate(conn, dir);
    int version = db_schema_version(conn);
    PQfinish(conn);
    if (applied < 0) {
        fprintf(stderr, "planctl: migration failed; the store is at version %d\n", version);
        return 1;
    }
    printf("migrate: %d applied, schema version %d\n", applied, version);
    return 0;
}

//  Validates the files, then replaces the stored catalog. Nothing changes unless all is well.
static int
s_plan_load(const char *dir)
{
    zlist_t *errors = zlist_new();
    zlist_autofree(errors);
    catalog_t *cat = catalog_load_files(dir, errors);
    int rc = 0;
    PGconn *conn = NULL;
    if (!cat) {
        rc = 1;
        goto cleanup;
    }
    conn = planctl_db_connect();
    if (!conn) {
        rc = 2;
        goto cleanup;
    }
    if (catalog_store(conn, cat, errors) != 0) {
        rc = 1;
        goto cleanup;
    }
    printf("plan: loaded %zu org units, %zu responsible units, %zu tasks, %zu indicators, "
           "%zu targets from %s\n",
           catalog_org_count(cat), catalog_unit_count(cat), catalog_task_count(cat),
           catalog_indicator_count(cat), catalog_target_count(cat), dir);
cleanup:
    for (char *line = zlist_first(errors); line; line = zlist_next(errors))
        fprintf(stderr, "%s\n", line);
    if (rc == 1)
        fprintf(stderr, "plan: refused (%zu problems); the store is unchanged\n",
                zlist_size(errors));
    zlist_destroy(&errors);
    catalog_destroy(&cat);
    if (conn)
        PQfinish(conn);
    return rc;
}

//  "≥ 14000 家" for a target, "按期完成" for a milestone, "≥ 全国" for a relative one.
static void
s_target_goal(const target_t *t, char *buf, size_t size)
{
    static const char *const cmp_text[] = {"≥", ">", "≤", "<"};
    if (t->kind == TARGET_MILESTONE)
        snprintf(buf, size, "按期完成");
    else if (t->kind == TARGET_RELATIVE)
        snprintf(buf, size, "%s 全国水平", cmp_text[t->cmp]);
    else if (t->kind == TARGET_GROWTH)
        snprintf(buf, size, "年均增长 %s %g%%", cmp_text[t->cmp], t->value);
    else
        snprintf(buf, size, "%s %g %s", cmp_text[t->cmp], t->value, t->unit);
}

//  Cuts a list joined with 、 into lines of at most width display columns, breaking at a 、
//  (which goes; a single name wider than width keeps a line of its own, whole). Returns the
//  number of lines put in lines[] (at most max), each pointing into buf, which is cut up.
static size_t
s_wrap(char *buf, int width, char **lines, size_t max)
{
    static const char sep[] = "、";
    size_t n = 0;
    char *line = buf;
    while (n < max) {
        lines[n++] = line;
        if (text_display_width(line) <= width)
            break;
        //  The last 、 before which the line still fits, else the first one.
        char *cut = NULL;
        for (char *at = strstr(line, sep); at; at = strstr(at + strlen(sep), sep)) {
            *at = '\0';
            int w = text_display_width(line);
            *at = sep[0];
            if (w > width && cut)
                break;
            cut = at;
            if (w > width)
                break;
        }
        if (!cut)
            break;
        *cut = '\0';
        line = cut + strlen(sep);
    }
    return n;
}

static int
s_show_json(const catalog_t *cat)
{
    json_t *list = json_array();
    for (size_t i = 0; i < catalog_target_count(cat); i++) {
        const target_t *t = catalog_target_at(cat, i);
        const task_t *task = catalog_task(cat, t->task);
        char deadline[DAY_TEXT_SIZE];
        json_t *lead = json_array(), *co = json_array();
        size_t count = 0;
        const task_unit_t *units = catalog_target_units(cat, t, &count);
        for (size_t j = 0; j < count; j++) {
            const resp_unit_t *u = catalog_unit(cat, units[j].unit);
            json_array_append_new(units[j].role == ROLE_LEAD ? lead : co,
                                  json_pack("{s:s, s:s, s:b}", "code", units[j].unit, "name",
                                            u ? u->name : "", "inferred", units[j].inferred));
        }
        json_t *o =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "code", t->code,
                      "task", t->task, "task_number", task ? task->number : "", "kind",
                      catalog_kind_name(t->kind), "cmp", catalog_cmp_name(t->cmp), "unit", t->unit,
                      "deadline", day_format(t->deadline, deadline), "scope", t->scope, "text",
                      t->text, "lead_units", lead, "co_units", co);
        json_object_set_new(o, "indicator",
                            *t->indicator ? json_string(t->indicator) : json_null());
        json_object_set_new(o, "value", t->has_value ? json_real(t->value) : json_null());
        json_object_set_new(o, "base_year",
                            t->base_year ? json_integer(t->base_year) : json_null());
        json_object_set_new(o, "start_year",
                            t->start_year ? json_integer(t->start_year) : json_null());
        json_array_append_new(list, o);
    }
    char *text = json_dumps(list, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    puts(text);
    free(text);
    json_decref(list);
    return 0;
}

static int
s_show_rows(const catalog_t *cat, int csv)
{
    static const char *const header[] = {"code",  "task", "kind", "goal", "deadline",
                                         "scope", "lead", "co",   "text"};
    static const int widths[] = {9, 12, 10, 22, 10, 14, 30, 0, 0};
    if (csv)
        for (int c = 0; c < 9; c++)
            planctl_csv_field(header[c], c == 8);
    else {
        for (int c = 0; c < 7; c++)
            text_print_padded(stdout, header[c], widths[c] + 1);
        puts("text");
    }
    for (size_t i = 0; i < catalog_target_count(cat); i++) {
        const target_t *t = catalog_target_at(cat, i);
        const task_t *task = catalog_task(cat, t->task);
        const org_unit_t *scope = catalog_org(cat, t->scope);
        char goal[128], deadline[DAY_TEXT_SIZE], lead[1024], co[2048];
        s_target_goal(t, goal, sizeof goal);
        catalog_target_unit_names(cat, t, ROLE_LEAD, lead, sizeof lead);
        catalog_target_unit_names(cat, t, ROLE_CO, co, sizeof co);
        //  With no 牵头 unit the seed makes every listed unit jointly responsible. The table
        //  wraps the list in its column rather than cutting a unit off.
        char shown[4200];
        if (*lead)
            snprintf(shown, sizeof shown, "%s", lead);
        else
            snprintf(shown, sizeof shown, "（共同）%s", co);
        char *wrapped[64];
        size_t lines = csv ? 0 : s_wrap(shown, widths[6], wrapped, 64);
        const char *cells[] = {t->code,
                               task ? task->number : t->task,
                               catalog_kind_name(t->kind),
                               goal,
                               day_format(t->deadline, deadline),
                               scope ? scope->name : t->scope,
                               csv     ? lead
                               : lines ? wrapped[0]
                                       : "",
                               co,
                               t->text};
        if (csv)
            for (int c = 0; c < 9; c++)
                planctl_csv_field(cells[c], c == 8);
        else {
            for (int c = 0; c < 7; c++)
                text_print_padded(stdout, cells[c], widths[c] + 1);
            puts(t->text);
            for (size_t k = 1; k < lines; k++) {
                for (int c = 0; c < 6; c++)
                    text_print_padded(stdout, "", widths[c] + 1);
                puts(wrapped[k]);
            }
        }
    }
    if (!csv)
        printf("\n%zu targets\n", catalog_target_count(cat));
    return 0;
}

static int
s_plan_show(int argc, char **argv)
{
    const char *format = "table";
    static const struct option options[] = {{"format", required_argument, NULL, 'f'},
                                            {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:", options, NULL)) != -1) {
        if (c != 'f')
            return 2;
        format = optarg;
    }
    if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json")) {
        fprintf(stderr, "planctl plan show: --format is table, csv or json\n");
        return 2;
    }
    PGconn *conn = planctl_db_connect();
    if (!conn)
        return 2;
    catalog_t *cat = catalog_read(conn);
    PQfinish(conn);
    if (!cat) {
        fprintf(stderr, "planctl: cannot read the catalog from the store\n");
        return 2;
    }
    int rc = !strcmp(format, "json") ? s_show_json(cat) : s_show_rows(cat, !strcmp(format, "csv"));
    catalog_destroy(&cat);
    return rc;
}

int
planctl_cmd_plan(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "load") == 0 && argc <= 3)
        return s_plan_load(argc == 3 ? argv[2] : planctl_plan_dir());
    if (argc >= 2 && strcmp(argv[1], "show") == 0)
        return s_plan_show(argc - 1, argv + 1);
    fprintf(stderr, "usage: planctl plan load [DIR]\n"
                    "       planctl plan show [--format table|csv|json]\n");
    return 2;
}
