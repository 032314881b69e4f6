/*  catalog.c - the plan as data: the in-memory model and its lookups */
#include "catalog.h"

#include <string.h>

//  A growable array of fixed-size entries whose addresses stay put: entries are allocated one
//  by one and the array holds pointers.
typedef struct {
    void **items;    //  owned entries
    size_t count;    //  entries in use
    size_t cap;      //  slots allocated
    zhashx_t *index; //  code -> entry (borrowed from items)
} table_t;

struct catalog_t {
    table_t orgs;       //  org_unit_t
    table_t units;      //  resp_unit_t
    table_t tasks;      //  task_t
    table_t indicators; //  indicator_t
    table_t targets;    //  target_t
};

static void
s_table_init(table_t *t)
{
    t->index = zhashx_new();
    assert(t->index);
}

//  Adds an entry under code. Returns 0, or -1 when the code is taken or memory ran out.
static int
s_table_add(table_t *t, const char *code, void *item)
{
    if (zhashx_lookup(t->index, code))
        return -1;
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        void **items = realloc(t->items, cap * sizeof *items);
        if (!items)
            return -1;
        t->items = items;
        t->cap = cap;
    }
    t->items[t->count++] = item;
    zhashx_insert(t->index, code, item);
    return 0;
}

static char *
s_dup(const char *s)
{
    char *copy = strdup(s ? s : "");
    assert(copy);
    return copy;
}

catalog_t *
catalog_new(void)
{
    catalog_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    s_table_init(&self->orgs);
    s_table_init(&self->units);
    s_table_init(&self->tasks);
    s_table_init(&self->indicators);
    s_table_init(&self->targets);
    return self;
}

void
catalog_destroy(catalog_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    catalog_t *self = *self_p;
    for (size_t i = 0; i < self->orgs.count; i++) {
        org_unit_t *o = self->orgs.items[i];
        free(o->code), free(o->name), free(o->parent), free(o);
    }
    for (size_t i = 0; i < self->units.count; i++) {
        resp_unit_t *u = self->units.items[i];
        free(u->code), free(u->name), free(u->org), free(u);
    }
    for (size_t i = 0; i < self->tasks.count; i++) {
        task_t *t = self->tasks.items[i];
        for (size_t j = 0; j < t->unit_count; j++)
            free(t->units[j].unit);
        free(t->units), free(t->code), free(t->parent), free(t->number), free(t->title), free(t);
    }
    for (size_t i = 0; i < self->indicators.count; i++) {
        indicator_t *x = self->indicators.items[i];
        for (size_t j = 0; j < x->reporter_count; j++)
            free(x->reporters[j]);
        free(x->reporters), free(x->code), free(x->name), free(x->unit);
        free(x->numerator), free(x->denominator), free(x);
    }
    for (size_t i = 0; i < self->targets.count; i++) {
        target_t *t = self->targets.items[i];
        for (size_t j = 0; j < t->unit_count; j++)
            free(t->units[j].unit);
        free(t->units), free(t->code), free(t->task), free(t->indicator), free(t->unit);
        free(t->scope), free(t->text), free(t);
    }
    table_t *tables[] = {&self->orgs, &self->units, &self->tasks, &self->indicators,
                         &self->targets};
    for (size_t i = 0; i < 5; i++) {
        free(tables[i]->items);
        zhashx_destroy(&tables[i]->index);
    }
    free(self);
    *self_p = NULL;
}

size_t
catalog_org_count(const catalog_t *self)
{
    return self->orgs.count;
}
size_t
catalog_unit_count(const catalog_t *self)
{
    return self->units.count;
}
size_t
catalog_task_count(const catalog_t *self)
{
    return self->tasks.count;
}
size_t
catalog_indicator_count(const catalog_t *self)
{
    return self->indicators.count;
}
size_t
catalog_target_count(const catalog_t *self)
{
    return self->targets.count;
}

const org_unit_t *
catalog_org_at(const catalog_t *self, size_t i)
{
    return i < self->orgs.count ? self->orgs.items[i] : NULL;
}
const resp_unit_t *
catalog_unit_at(const catalog_t *self, size_t i)
{
    return i < self->units.count ? self->units.items[i] : NULL;
}
const task_t *
catalog_task_at(const catalog_t *self, size_t i)
{
    return i < self->tasks.count ? self->tasks.items[i] : NULL;
}
const indicator_t *
catalog_indicator_at(const catalog_t *self, size_t i)
{
    return i < self->indicators.count ? self->indicators.items[i] : NULL;
}
const target_t *
catalog_target_at(const catalog_t *self, size_t i)
{
    return i < self->targets.count ? self->targets.items[i] : NULL;
}

const org_unit_t *
catalog_org(const catalog_t *self, const char *code)
{
    return code ? zhashx_lookup(self->orgs.index, code) : NULL;
}
const resp_unit_t *
catalog_unit(const catalog_t *self, const char *code)
{
    return code ? zhashx_lookup(self->units.index, code) : NULL;
}
const task_t *
catalog_task(const catalog_t *self, const char *code)
{
    return code ? zhashx_lookup(self->tasks.index, code) : NULL;
}
const indicator_t *
catalog_indicator(const catalog_t *self, const char *code)
{
    return code ? zhashx_lookup(self->indicators.index, code) : NULL;
}
const target_t *
catalog_target(const catalog_t *self, const char *code)
{
    return code ? zhashx_lookup(self->targets.index, code) : NULL;
}

const task_t *
catalog_task_group(const catalog_t *self, const task_t *task)
{
    if (task && task->kind == TASK_TASK && *task->parent) {
        const task_t *group = catalog_task(self, task->parent);
        if (group)
            return group;
    }
    return task;
}

bool
catalog_unit_shares_task(const catalog_t *self, const char *unit, const char *task_code)
{
    const task_t *task = catalog_task(self, task_code);
    while (task) {
        for (size_t i = 0; i < task->unit_count; i++)
            if (strcmp(task->units[i].unit, unit) == 0)
                return true;
        task = *task->parent ? catalog_task(self, task->parent) : NULL;
    }
    return false;
}

const task_unit_t *
catalog_target_units(const catalog_t *self, const target_t *target, size_t *count)
{
    *count = 0;
    if (!target)
        return NULL;
    if (target->unit_count) {
        *count = target->unit_count;
        return target->units;
    }
    const task_t *task = catalog_task(self, target->task);
    if (!task)
        return NULL;
    *count = task->unit_count;
    return task->units;
}

size_t
catalog_target_unit_names(const catalog_t *self, const target_t *target, unit_role_t role,
                          char *buf, size_t size)
{
    size_t count = 0, n = 0, names = 0;
    const task_unit_t *units = catalog_target_units(self, target, &count);
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < count && n < size; i++) {
        if (units[i].role != role)
            continue;
        const resp_unit_t *u = catalog_unit(self, units[i].unit);
        int m = snprintf(buf + n, size - n, "%s%s%s", names ? "、" : "",
                         u ? u->name : units[i].unit, units[i].inferred ? "（推定）" : "");
        if (m < 0 || (size_t)m >= size - n) {
            buf[n] = '\0';
            break;
        }
        n += (size_t)m;
        names++;
    }
    return names;
}

bool
catalog_unit_shares_target(const catalog_t *self, const char *unit, const target_t *target)
{
    if (!target)
        return false;
    if (!target->unit_count)
        return catalog_unit_shares_task(self, unit, target->task);
    for (size_t i = 0; i < target->unit_count; i++)
        if (strcmp(target->units[i].unit, unit) == 0)
            return true;
    const task_t *group = catalog_task_group(self, catalog_task(self, target->task));
    return group && strcmp(group->code, target->task) != 0 &&
           catalog_unit_shares_task(self, unit, group->code);
}

bool
catalog_unit_reports(const catalog_t *self, const char *unit_code, const indicator_t *indicator,
                     const char *org)
{
    const resp_unit_t *unit = catalog_unit(self, unit_code);
    if (!unit || !indicator || strcmp(unit->org, org) != 0)
        return false;
    if (indicator->by_cities && unit->kind == UNIT_GOV)
        return true;
    for (size_t i = 0; i < indicator->reporter_count; i++)
        if (strcmp(indicator->reporters[i], unit_code) == 0)
            return true;
    return false;
}

const target_t *
catalog_milestone_for(const catalog_t *self, const char *code, bool *ambiguous)
{
    *ambiguous = false;
    const target_t *target = catalog_target(self, code);
    if (target)
        return target->kind == TARGET_MILESTONE ? target : NULL;
    const target_t *found = NULL;
    for (size_t i = 0; i < self->targets.count; i++) {
        const target_t *t = self->targets.items[i];
        if (t->kind == TARGET_MILESTONE && strcmp(t->task, code) == 0) {
            if (found) {
                *ambiguous = true;
                return NULL;
            }
            found = t;
        }
    }
    return found;
}

// ---------------------------------------------------------------------------------------------
//  Enum names

//  Finds name in a NULL-terminated list. Returns its index or -1.
static int
s_name_index(const char *const *names, const char *name)
{
    for (int i = 0; names[i]; i++)
        if (name && strcmp(names[i], name) == 0)
            return i;
    return -1;
}

#define ENUM_NAMES(fn_name, fn_parse, type, ...)                                                   \
    static const char *const s_##fn_name[] = {__VA_ARGS__, NULL};                                  \
    const char *fn_name(type value)                                                                \
    {                                                                                              \
        return s_##fn_name[value];                                                                 \
    }                                                                                              \
    int fn_parse(const char *name, type *out)                                                      \
    {                                                                                              \
        int i = s_name_index(s_##fn_name, name);                                                   \
        if (i < 0)                                                                                 \
            return -1;                                                                             \
        *out = (type)i;                                                                            \
        return 0;                                                                                  \
    }

ENUM_NAMES(catalog_kind_name, catalog_kind_parse, target_kind_t, "level", "growth", "relative",
           "cumulative", "quota", "milestone")
ENUM_NAMES(catalog_cmp_name, catalog_cmp_parse, cmp_t, ">=", ">", "<=", "<")
ENUM_NAMES(catalog_agg_name, catalog_agg_parse, agg_rule_t, "sum", "ratio", "none")
ENUM_NAMES(catalog_org_level_name, catalog_org_level_parse, org_level_t, "nation", "province",
           "city")
ENUM_NAMES(catalog_unit_kind_name, catalog_unit_kind_parse, unit_kind_t, "dept", "gov", "other")
ENUM_NAMES(catalog_task_kind_name, catalog_task_kind_parse, task_kind_t, "goal", "group", "task",
           "safeguard", "landmark")
ENUM_NAMES(catalog_role_name, catalog_role_parse, unit_role_t, "lead", "co")
ENUM_NAMES(catalog_projection_name, catalog_projection_parse, projection_t, "compound", "linear")

// ---------------------------------------------------------------------------------------------
//  Builders

org_unit_t *
catalog_add_org(catalog_t *self, const char *code, const char *name, org_level_t level,
                const char *parent)
{
    org_unit_t *o = calloc(1, sizeof *o);
    assert(o);
    *o = (org_unit_t){s_dup(code), s_dup(name), level, s_dup(parent)};
    if (s_table_add(&self->orgs, o->code, o) == 0)
        return o;
    free(o->code), free(o->name), free(o->parent), free(o);
    return NULL;
}

resp_unit_t *
catalog_add_unit(catalog_t *self, const char *code, const char *name, unit_kind_t kind,
                 const char *org)
{
    resp_unit_t *u = calloc(1, sizeof *u);
    assert(u);
    *u = (resp_unit_t){s_dup(code), s_dup(name), kind, s_dup(org)};
    if (s_table_add(&self->units, u->code, u) == 0)
        return u;
    free(u->code), free(u->name), free(u->org), free(u);
    return NULL;
}

task_t *
catalog_add_task(catalog_t *self, const char *code, const char *parent, task_kind_t kind,
                 const char *number, const char *title)
{
    task_t *t = calloc(1, sizeof *t);
    assert(t);
    *t = (task_t){s_dup(code), s_dup(parent), kind, s_dup(number), s_dup(title), NULL, 0};
    if (s_table_add(&self->tasks, t->code, t) == 0)
        return t;
    free(t->code), free(t->parent), free(t->number), free(t->title), free(t);
    return NULL;
}

//  Appends a unit to a task's or a target's list. Returns 0, -1 when it is listed already.
static int
s_add_unit(task_unit_t **units, size_t *count, const char *unit, unit_role_t role, bool inferred)
{
    for (size_t i = 0; i < *count; i++)
        if (strcmp((*units)[i].unit, unit) == 0)
            return -1;
    task_unit_t *grown = realloc(*units, (*count + 1) * sizeof *grown);
    assert(grown);
    *units = grown;
    grown[(*count)++] = (task_unit_t){s_dup(unit), role, inferred};
    return 0;
}

int
catalog_add_task_unit(catalog_t *self, task_t *task, const char *unit, unit_role_t role,
                      bool inferred)
{
    (void)self;
    return s_add_unit(&task->units, &task->unit_count, unit, role, inferred);
}

indicator_t *
catalog_add_indicator(catalog_t *self, const indicator_t *fields)
{
    indicator_t *x = calloc(1, sizeof *x);
    assert(x);
    *x = *fields;
    x->code = s_dup(fields->code);
    x->name = s_dup(fields->name);
    x->unit = s_dup(fields->unit);
    x->numerator = s_dup(fields->numerator);
    x->denominator = s_dup(fields->denominator);
    x->reporters = NULL;
    x->reporter_count = 0;
    if (s_table_add(&self->indicators, x->code, x) == 0)
        return x;
    free(x->code), free(x->name), free(x->unit), free(x->numerator), free(x->denominator);
    free(x);
    return NULL;
}

int
catalog_add_reporter(indicator_t *indicator, const char *unit)
{
    for (size_t i = 0; i < indicator->reporter_count; i++)
        if (strcmp(indicator->reporters[i], unit) == 0)
            return -1;
    char **reporters =
        realloc(indicator->reporters, (indicator->reporter_count + 1) * sizeof *reporters);
    assert(reporters);
    indicator->reporters = reporters;
    indicator->reporters[indicator->reporter_count++] = s_dup(unit);
    return 0;
}

target_t *
catalog_add_target(catalog_t *self, const target_t *fields)
{
    target_t *t = calloc(1, sizeof *t);
    assert(t);
    *t = *fields;
    t->code = s_dup(fields->code);
    t->task = s_dup(fields->task);
    t->indicator = s_dup(fields->indicator);
    t->unit = s_dup(fields->unit);
    t->scope = s_dup(fields->scope);
    t->text = s_dup(fields->text);
    t->units = NULL;
    t->unit_count = 0;
    if (s_table_add(&self->targets, t->code, t) == 0)
        return t;
    free(t->code), free(t->task), free(t->indicator), free(t->unit), free(t->scope);
    free(t->text), free(t);
    return NULL;
}

int
catalog_add_target_unit(target_t *target, const char *unit, unit_role_t role, bool inferred)
{
    return s_add_unit(&target->units, &target->unit_count, unit, role, inferred);
}
