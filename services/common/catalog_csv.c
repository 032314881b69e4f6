/*  catalog_csv.c - reads and validates the plan's CSV files (deploy/plan, one file per table) */
#include "catalog.h"

#include "csv.h"
#include "text.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  State of one load: where we are and what went wrong.
typedef struct {
    const char *dir;  //  directory of the files
    catalog_t *cat;   //  catalog being filled
    zlist_t *errors;  //  owned lines "FILE:LINE: FIELD: reason", may be NULL
    int error_count;  //  problems found so far
    const char *file; //  file being read
    csv_t *csv;       //  its reader
    int columns[16];  //  column index of each expected header field
} load_t;

//  Records one problem of the current file.
static void s_error(load_t *ld, int line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
s_error(load_t *ld, int line, const char *field, const char *fmt, ...)
{
    ld->error_count++;
    if (!ld->errors)
        return;
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    char *text = zsys_sprintf("%s:%d: %s: %s", ld->file, line, field, reason);
    zlist_append(ld->errors, text);
    zstr_free(&text);
}

//  Field number i of the expected header in the current record.
static const char *
s_col(load_t *ld, int i)
{
    return csv_field(ld->csv, ld->columns[i]);
}

//  Opens a file of the plan and checks its header. Returns the file's text (owned) or NULL.
static char *
s_open(load_t *ld, const char *file, const char *const *header)
{
    ld->file = file;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", ld->dir, file);
    FILE *f = fopen(path, "rb");
    if (!f) {
        s_error(ld, 0, "file", "cannot open: %s", strerror(errno));
        return NULL;
    }
    zchunk_t *chunk = zchunk_slurp(path, 0);
    fclose(f);
    if (!chunk) {
        s_error(ld, 0, "file", "cannot read");
        return NULL;
    }
    size_t size = 0;
    const char *encoding = NULL;
    char *text = NULL;
    if (text_utf8_valid((const char *)zchunk_data(chunk), zchunk_size(chunk)))
        text = text_to_utf8((const char *)zchunk_data(chunk), zchunk_size(chunk), &size, &encoding);
    zchunk_destroy(&chunk);
    if (!text) {
        s_error(ld, 0, "file", "not UTF-8 text");
        return NULL;
    }
    ld->csv = csv_new(text, size);
    assert(ld->csv);
    if (csv_next(ld->csv) <= 0) {
        s_error(ld, 1, "header", "missing header line");
        csv_destroy(&ld->csv);
        free(text);
        return NULL;
    }
    int ok = 1;
    for (int i = 0; header[i]; i++) {
        ld->columns[i] = csv_find(ld->csv, header[i]);
        if (ld->columns[i] < 0) {
            s_error(ld, 1, header[i], "column missing from the header");
            ok = 0;
        }
    }
    if (!ok) {
        csv_destroy(&ld->csv);
        free(text);
        return NULL;
    }
    return text;
}

//  Reads the next data record; skips malformed ones after reporting them. Returns 1 or 0 at end.
static int
s_next(load_t *ld)
{
    int n;
    while ((n = csv_next(ld->csv)) < 0)
        s_error(ld, csv_line(ld->csv), "record", "%s", csv_error(ld->csv));
    return n > 0;
}

static void
s_close(load_t *ld, char **text)
{
    csv_destroy(&ld->csv);
    free(*text);
    *text = NULL;
}

//  True when s is a non-empty code of [A-Z0-9_.-].
static bool
s_is_code(const char *s)
{
    if (!*s || strlen(s) > 32)
        return false;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
              *s == '-'))
            return false;
    return true;
}

//  Parses a plain finite number. Returns 0 or -1.
static int
s_number(const char *s, double *out)
{
    if (!*s)
        return -1;
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

//  Parses an optional year (empty -> 0). Returns 0 or -1.
static int
s_year(const char *s, int *out)
{
    *out = 0;
    if (!*s)
        return 0;
    double v;
    if (s_number(s, &v) || v < 1990 || v > 2100 || v != (int)v)
        return -1;
    *out = (int)v;
    return 0;
}

static int
s_flag(const char *s, bool *out)
{
    if (strcmp(s, "1") == 0 || strcmp(s, "0") == 0) {
        *out = s[0] == '1';
        return 0;
    }
    return -1;
}

static void
s_load_orgs(load_t *ld)
{
    static const char *const header[] = {"code", "name", "level", "parent", NULL};
    char *text = s_open(ld, "org_units.csv", header);
    if (!text)
        return;
    zlist_t *parents = zlist_new();
    zlist_autofree(parents);
    while (s_next(ld)) {
        int line = csv_line(ld->csv);
        const char *code = s_col(ld, 0);
        org_level_t level;
        if (strlen(code) != 6 || strspn(code, "0123456789") != 6) {
            s_error(ld, line, "code", "'%s' is not a six-digit GB/T 2260 code", code);
            continue;
        }
        if (!*s_col(ld, 1))
            s_error(ld, line, "name", "empty");
        if (catalog_org_level_parse(s_col(ld, 2), &level)) {
            s_error(ld, line, "level", "'%s' is not nation, province or city", s_col(ld, 2));
            continue;
        }
        if (!catalog_add_org(ld->cat, code, s_col(ld, 1), level, s_col(ld, 3)))
            s_error(ld, line, "code", "duplicate code '%s'", code);
        else if (*s_col(ld, 3)) {
            char *entry = zsys_sprintf("%d|%s", line, s_col(ld, 3));
            zlist_append(parents, entry);
            zstr_free(&entry);
        }
    }
    for (char *entry = zlist_first(parents); entry; entry = zlist_next(parents)) {
        const char *parent = strchr(entry, '|') + 1;
        if (!catalog_org(ld->cat, parent))
            s_error(ld, atoi(entry), "parent", "unknown org unit '%s'", parent);
    }
    zlist_destroy(&parents);
    s_close(ld, &text);
}

static void
s_load_units(load_t *ld)
{
    static const char *const header[] = {"code", "name", "kind", "org", NULL};
    char *text = s_open(ld, "resp_units.csv", header);
    if (!text)
        return;
    while (s_next(ld)) {
        int line = csv_line(ld->csv);
        const char *code = s_col(ld, 0);
        unit_kind_t kind;
        if (!s_is_code(code)) {
            s_error(ld, line, "code", "'%s' is not an ASCII code [A-Z0-9_]", code);
            continue;
        }
        if (!*s_col(ld, 1))
            s_error(ld, line, "name", "empty");
        if (catalog_unit_kind_parse(s_col(ld, 2), &kind)) {
            s_error(ld, line, "kind", "'%s' is not dept, gov or other", s_col(ld, 2));
            continue;
        }
        if (!catalog_org(ld->cat, s_col(ld, 3)))
            s_error(ld, line, "org", "unknown org unit '%s'", s_col(ld, 3));
        if (!catalog_add_unit(ld->cat, code, s_col(ld, 1), kind, s_col(ld, 3)))
            s_error(ld, line, "code", "duplicate code '%s'", code);
    }
    s_close(ld, &text);
}

static void
s_load_tasks(load_t *ld)
{
    static const char *const header[] = {"code", "parent", "kind", "number", "title", NULL};
    char *text = s_open(ld, "tasks.csv", header);
    if (!text)
        return;
    while (s_next(ld)) {
        int line = csv_line(ld->csv);
        const char *code = s_col(ld, 0), *parent = s_col(ld, 1);
        task_kind_t kind;
        if (!s_is_code(code)) {
            s_error(ld, line, "code", "'%s' is not a task code", code);
            continue;
        }
        if (catalog_task_kind_parse(s_col(ld, 2), &kind)) {
            s_error(ld, line, "kind", "'%s' is not goal, group, task, safeguard or landmark",
                    s_col(ld, 2));
            continue;
        }
        if (kind == TASK_TASK) {
            const task_t *group = catalog_task(ld->cat, parent);
            if (!group || group->kind != TASK_GROUP)
                s_error(ld, line, "parent", "'%s' is not a task group listed above", parent);
        } else if (*parent)
            s_error(ld, line, "parent", "only a sub-task has a parent");
        if (!*s_col(ld, 3))
            s_error(ld, line, "number", "empty");
        if (!*s_col(ld, 4))
            s_error(ld, line, "title", "empty");
        if (!catalog_add_task(ld->cat, code, parent, kind, s_col(ld, 3), s_col(ld, 4)))
            s_error(ld, line, "code", "duplicate code '%s'", code);
    }
    s_close(ld, &text);
}

//  The unit, role and source columns of a task_units.csv or target_units.csv row (unit and role
//  are columns 1 and 2): checked, each error naming its field. An empty source is "seed" unless
//  required. Returns 0 with *role and *inferred set, or -1.
static int
s_unit_row(load_t *ld, int line, const char *source, bool source_required, unit_role_t *role,
           bool *inferred)
{
    if (!catalog_unit(ld->cat, s_col(ld, 1))) {
        s_error(ld, line, "unit", "unknown unit '%s'", s_col(ld, 1));
        return -1;
    }
    if (catalog_role_parse(s_col(ld, 2), role)) {
        s_error(ld, line, "role", "'%s' is not lead or co", s_col(ld, 2));
        return -1;
    }
    if ((*source || source_required) && strcmp(source, "seed") && strcmp(source, "inferred")) {
        s_error(ld, line, "source", "'%s' is not seed or inferred", source);
        return -1;
    }
    *inferred = source[0] == 'i';
    return 0;
}

static void
s_load_task_units(load_t *ld)
{
    static const char *const header[] = {"task", "unit", "role", "source", NULL};
    char *text = s_open(ld, "task_units.csv", header);
    if (!text)
        return;
    while (s_next(ld)) {
        int line = csv_line(ld->csv);
        task_t *task = (task_t *)catalog_task(ld->cat, s_col(ld, 0));
        unit_role_t role;
        bool inferred;
        if (!task) {
            s_error(ld, line, "task", "unknown task '%s'", s_col(ld, 0));
            continue;
        }
        if (s_unit_row(ld, line, s_col(ld, 3), true, &role, &inferred) != 0)
            continue;
        if (catalog_add_task_unit(ld->cat, task, s_col(ld, 1), role, inferred))
            s_error(ld, line, "unit", "'%s' listed twice for task %s", s_col(ld, 1), task->code);
    }
    s_close(ld, &text);
}

//  Checks a ratio indicator's parts once every indicator is known.
static void
s_check_ratio(load_t *ld, int line, const indicator_t *x)
{
    const char *parts[] = {x->numerator, x->denominator};
    const char *fields[] = {"numerator", "denominator"};
    for (int i = 0; i < 2; i++) {
        const indicator_t *part = catalog_indicator(ld->cat, parts[i]);
        if (!part)
            s_error(ld, line, fields[i], "unknown indicator '%s'", parts[i]);
        else if (part == x)
            s_error(ld, line, fields[i], "a ratio cannot name itself");
        else if (part->agg != AGG_SUM)
            s_error(ld, line, fields[i], "'%s' must add up over cities (agg sum)", parts[i]);
    }
}

static void
s_load_indicators(load_t *ld)
{
    static const char *const header[] = {
        "code",  "name",   "unit",    "period",       "agg",        "numerator", "denominator",
        "scale", "nonneg", "percent", "first_period", "due_months", "reporters", NULL};
    char *text = s_open(ld, "indicators.csv", header);
    if (!text)
        return;
    //  Optional: a catalog without the column projects every series compound.
    int projection_col = csv_find(ld->csv, "projection");
    zlist_t *ratios = zlist_new(); //  "line|code" of ratio indicators, checked at the end
    zlist_autofree(ratios);
    while (s_next(ld)) {
        int line = csv_line(ld->csv);
        indicator_t x = {0};
        x.code = (char *)s_col(ld, 0);
        x.name = (char *)s_col(ld, 1);
        x.unit = (char *)s_col(ld, 2);
        x.numerator = (char *)s_col(ld, 5);
        x.denominator = (char *)s_col(ld, 6);
        x.scale = 1;
        int bad = ld->error_count;
        if (!s_is_code(x.code))
            s_error(ld, line, "code", "'%s' is not an ASCII code [A-Z0-9_]", x.code);
        if (!*x.name)
            s_error(ld, line, "name", "empty");
        if (period_type_parse(s_col(ld, 3), &x.period))
            s_error(ld, line, "period", "'%s' is not year, quarter or month", s_col(ld, 3));
        if (catalog_agg_parse(s_col(ld, 4), &x.agg))
            s_error(ld, line, "agg", "'%s' is not sum, ratio or none", s_col(ld, 4));
        if (x.agg == AGG_RATIO) {
            if (s_number(s_col(ld, 7), &x.scale) || x.scale <= 0)
                s_error(ld, line, "scale", "'%s' is not a positive number", s_col(ld, 7));
        } else if (*x.numerator || *x.denominator)
            s_error(ld, line, "numerator", "only a ratio indicator has numerator/denominator");
        if (s_flag(s_col(ld, 8), &x.nonneg))
            s_error(ld, line, "nonneg", "'%s' is not 0 or 1", s_col(ld, 8));
        if (s_flag(s_col(ld, 9), &x.percent))
            s_error(ld, line, "percent", "'%s' is not 0 or 1", s_col(ld, 9));
        if (period_parse(s_col(ld, 10), x.period, &x.first_period))
            s_error(ld, line, "first_period", "'%s' is not a %s period", s_col(ld, 10),
                    period_type_name(x.period));
        double due;
        if (s_number(s_col(ld, 11), &due) || due < 0 || due > 24 || due != (int)due)
            s_error(ld, line, "due_months", "'%s' is not a whole number of months 0-24",
                    s_col(ld, 11));
        else
            x.due_months = (int)due;
        const char *projection = csv_field(ld->csv, projection_col);
        if (*projection && catalog_projection_parse(projection, &x.projection))
            s_error(ld, line, "projection", "'%s' is not compound or linear", projection);
        if (ld->error_count != bad)
            continue;
        //  reporters: "cities" and/or unit codes, ';'-separated
        char *list = strdup(s_col(ld, 12));
        char *save = NULL;
        zlist_t *units = zlist_new();
        for (char *tok = strtok_r(list, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
            if (strcmp(tok, "cities") == 0)
                x.by_cities = true;
            else if (!catalog_unit(ld->cat, tok))
                s_error(ld, line, "reporters", "unknown unit '%s'", tok);
            else
                zlist_append(units, tok);
        }
        if (!x.by_cities && zlist_size(units) == 0 && ld->error_count == bad)
            s_error(ld, line, "reporters", "nobody is expected to report it");
        indicator_t *added = ld->error_count == bad ? catalog_add_indicator(ld->cat, &x) : NULL;
        if (ld->error_count == bad && !added)
            s_error(ld, line, "code", "duplicate code '%s'", x.code);
        for (char *u = zlist_first(units); added && u; u = zlist_next(units))
            if (catalog_add_reporter(added, u))
                s_error(ld, line, "reporters", "unit '%s' listed twice", u);
        if (added && added->agg == AGG_RATIO) {
            char *entry = zsys_sprintf("%d|%s", line, added->code);
            zlist_append(ratios, entry);
            zstr_free(&entry);
        }
        zlist_destroy(&units);
        free(list);
    }
    for (char *entry = zlist_first(ratios); entry; entry = zlist_next(ratios))
        s_check_ratio(ld, atoi(entry), catalog_indicator(ld->cat, strchr(entry, '|') + 1));
    zlist_destroy(&ratios);
    s_close(ld, &text);
}

static void
s_load_targets(load_t *ld)
{
    static const char *const header[] = {"code",  "task", "indicator", "kind",       "cmp",
                                         "value", "unit", "base_year", "start_year", "deadline",
                                         "scope", "text", NULL};
    char *text = s_open(ld, "targets.csv", header);
    if (!text)
        return;
    while (s_next(ld)) {
        int line = csv_line(ld->csv);
        target_t t = {0};
        t.code = (char *)s_col(ld, 0);
        t.task = (char *)s_col(ld, 1);
        t.indicator = (char *)s_col(ld, 2);
        t.unit = (char *)s_col(ld, 6);
        t.scope = (char *)s_col(ld, 10);
        t.text = (char *)s_col(ld, 11);
        int bad = ld->error_count;
        if (!s_is_code(t.code))
            s_error(ld, line, "code", "'%s' is not a target code", t.code);
        if (!catalog_task(ld->cat, t.task))
            s_error(ld, line, "task", "unknown task '%s'", t.task);
        if (catalog_kind_parse(s_col(ld, 3), &t.kind)) {
            s_error(ld, line, "kind",
                    "'%s' is not level, growth, relative, cumulative, quota or milestone",
                    s_col(ld, 3));
            continue;
        }
        if (t.kind == TARGET_MILESTONE) {
            if (*t.indicator)
                s_error(ld, line, "indicator", "a milestone has no indicator");
        } else if (!catalog_indicator(ld->cat, t.indicator))
            s_error(ld, line, "indicator", "target points at no indicator ('%s')", t.indicator);
        if (catalog_cmp_parse(s_col(ld, 4), &t.cmp))
            s_error(ld, line, "cmp", "'%s' is not >=, >, <= or <", s_col(ld, 4));
        const char *value = s_col(ld, 5);
        if (*value) {
            if (s_number(value, &t.value))
                s_error(ld, line, "value", "'%s' is not a plain number", value);
            t.has_value = true;
            if (t.kind == TARGET_MILESTONE)
                s_error(ld, line, "value", "a milestone has no value");
        } else if (t.kind != TARGET_MILESTONE && t.kind != TARGET_RELATIVE)
            s_error(ld, line, "value", "a %s target needs a value", catalog_kind_name(t.kind));
        if (s_year(s_col(ld, 7), &t.base_year))
            s_error(ld, line, "base_year", "'%s' is not a year", s_col(ld, 7));
        else if (t.kind == TARGET_GROWTH && !t.base_year)
            s_error(ld, line, "base_year", "a growth target needs a base year");
        if (s_year(s_col(ld, 8), &t.start_year))
            s_error(ld, line, "start_year", "'%s' is not a year", s_col(ld, 8));
        else if ((t.kind == TARGET_CUMULATIVE || t.kind == TARGET_QUOTA) && !t.start_year)
            s_error(ld, line, "start_year", "a %s target needs a start year",
                    catalog_kind_name(t.kind));
        if (day_parse(s_col(ld, 9), &t.deadline))
            s_error(ld, line, "deadline", "'%s' is not a date YYYY-MM-DD", s_col(ld, 9));
        else if (t.base_year && t.base_year >= atoi(s_col(ld, 9)))
            s_error(ld, line, "base_year", "base year %d is not before the deadline", t.base_year);
        if (!catalog_org(ld->cat, t.scope))
            s_error(ld, line, "scope", "unknown org unit '%s'", t.scope);
        if (!*t.text)
            s_error(ld, line, "text", "empty");
        if (ld->error_count == bad && !catalog_add_target(ld->cat, &t))
            s_error(ld, line, "code", "duplicate code '%s'", t.code);
    }
    s_close(ld, &text);
}

//  target_units.csv (optional): units that replace a target's task units for that target.
static void
s_load_target_units(load_t *ld)
{
    static const char *const header[] = {"target", "unit", "role", NULL};
    char path[4096];
    snprintf(path, sizeof path, "%s/target_units.csv", ld->dir);
    if (access(path, F_OK) != 0)
        return;
    char *text = s_open(ld, "target_units.csv", header);
    if (!text)
        return;
    int source_col = csv_find(ld->csv, "source"); //  optional: seed (default) or inferred
    while (s_next(ld)) {
        int line = csv_line(ld->csv);
        target_t *target = (target_t *)catalog_target(ld->cat, s_col(ld, 0));
        unit_role_t role;
        bool inferred;
        if (!target) {
            s_error(ld, line, "target", "unknown target '%s'", s_col(ld, 0));
            continue;
        }
        if (s_unit_row(ld, line, csv_field(ld->csv, source_col), false, &role, &inferred) != 0)
            continue;
        if (catalog_add_target_unit(target, s_col(ld, 1), role, inferred))
            s_error(ld, line, "unit", "'%s' listed twice for target %s", s_col(ld, 1),
                    target->code);
    }
    s_close(ld, &text);
}

catalog_t *
catalog_load_files(const char *dir, zlist_t *errors)
{
    load_t ld = {.dir = dir, .errors = errors};
    ld.cat = catalog_new();
    if (!ld.cat)
        return NULL;
    s_load_orgs(&ld);
    s_load_units(&ld);
    s_load_tasks(&ld);
    s_load_task_units(&ld);
    s_load_indicators(&ld);
    s_load_targets(&ld);
    s_load_target_units(&ld);
    if (ld.error_count) {
        catalog_destroy(&ld.cat);
        return NULL;
    }
    return ld.cat;
}
