/*  catalog_db.c - the catalog in the store: replace it in one transaction, read it back */
#include "catalog.h"

#include "db.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

//  Formats a number for COPY; NULL-safe helpers keep the COPY calls short.
static void
s_field_int(db_copy_t *copy, long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", v);
    db_copy_field(copy, buf);
}

static void
s_field_double(db_copy_t *copy, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", v);
    db_copy_field(copy, buf);
}

static void
s_field_bool(db_copy_t *copy, bool v)
{
    db_copy_field(copy, v ? "t" : "f");
}

//  One COPY row per unit of a task or a target: owner, unit, role, inferred, order.
static void
s_copy_unit_rows(db_copy_t *copy, const char *owner, const task_unit_t *units, size_t count)
{
    for (size_t j = 0; j < count; j++) {
        db_copy_field(copy, owner);
        db_copy_field(copy, units[j].unit);
        db_copy_field(copy, catalog_role_name(units[j].role));
        s_field_bool(copy, units[j].inferred);
        s_field_int(copy, (long)j);
        db_copy_row_end(copy);
    }
}

static int
s_copy_orgs(PGconn *conn, const catalog_t *cat)
{
    db_copy_t *copy =
        db_copy_begin(conn, "COPY org_unit (code, name, level, parent, ord) FROM STDIN");
    if (!copy)
        return -1;
    for (size_t i = 0; i < catalog_org_count(cat); i++) {
        const org_unit_t *o = catalog_org_at(cat, i);
        db_copy_field(copy, o->code);
        db_copy_field(copy, o->name);
        db_copy_field(copy, catalog_org_level_name(o->level));
        db_copy_field(copy, o->parent);
        s_field_int(copy, (long)i);
        db_copy_row_end(copy);
    }
    return db_copy_end(&copy) < 0 ? -1 : 0;
}

static int
s_copy_units(PGconn *conn, const catalog_t *cat)
{
    db_copy_t *copy = db_copy_begin(conn, "COPY resp_unit (code, name, kind, org, ord) FROM STDIN");
    if (!copy)
        return -1;
    for (size_t i = 0; i < catalog_unit_count(cat); i++) {
        const resp_unit_t *u = catalog_unit_at(cat, i);
        db_copy_field(copy, u->code);
        db_copy_field(copy, u->name);
        db_copy_field(copy, catalog_unit_kind_name(u->kind));
        db_copy_field(copy, u->org);
        s_field_int(copy, (long)i);
        db_copy_row_end(copy);
    }
    return db_copy_end(&copy) < 0 ? -1 : 0;
}

static int
s_copy_tasks(PGconn *conn, const catalog_t *cat)
{
    db_copy_t *copy =
        db_copy_begin(conn, "COPY task (code, parent, kind, number, title, ord) FROM STDIN");
    if (!copy)
        return -1;
    for (size_t i = 0; i < catalog_task_count(cat); i++) {
        const task_t *t = catalog_task_at(cat, i);
        db_copy_field(copy, t->code);
        db_copy_field(copy, t->parent);
        db_copy_field(copy, catalog_task_kind_name(t->kind));
        db_copy_field(copy, t->number);
        db_copy_field(copy, t->title);
        s_field_int(copy, (long)i);
        db_copy_row_end(copy);
    }
    if (db_copy_end(&copy) < 0)
        return -1;
    copy = db_copy_begin(conn, "COPY task_unit (task, unit, role, inferred, ord) FROM STDIN");
    if (!copy)
        return -1;
    for (size_t i = 0; i < catalog_task_count(cat); i++) {
        const task_t *t = catalog_task_at(cat, i);
        s_copy_unit_rows(copy, t->code, t->units, t->unit_count);
    }
    return db_copy_end(&copy) < 0 ? -1 : 0;
}

static int
s_copy_indicators(PGconn *conn, const catalog_t *cat)
{
    db_copy_t *copy = db_copy_begin(
        conn, "COPY indicator (code, name, unit, period, agg, numerator, denominator, scale,"
              " nonneg, percent, first_period, due_months, by_cities, projection, ord) FROM STDIN");
    if (!copy)
        return -1;
    for (size_t i = 0; i < catalog_indicator_count(cat); i++) {
        const indicator_t *x = catalog_indicator_at(cat, i);
        char period[PERIOD_TEXT_SIZE];
        db_copy_field(copy, x->code);
        db_copy_field(copy, x->name);
        db_copy_field(copy, x->unit);
        db_copy_field(copy, period_type_name(x->period));
        db_copy_field(copy, catalog_agg_name(x->agg));
        db_copy_field(copy, x->numerator);
        db_copy_field(copy, x->denominator);
        s_field_double(copy, x->scale);
        s_field_bool(copy, x->nonneg);
        s_field_bool(copy, x->percent);
        db_copy_field(copy, period_format(&x->first_period, period));
        s_field_int(copy, x->due_months);
        s_field_bool(copy, x->by_cities);
        db_copy_field(copy, catalog_projection_name(x->projection));
        s_field_int(copy, (long)i);
        db_copy_row_end(copy);
    }
    if (db_copy_end(&copy) < 0)
        return -1;
    copy = db_copy_begin(conn, "COPY indicator_reporter (indicator, unit) FROM STDIN");
    if (!copy)
        return -1;
    for (size_t i = 0; i < catalog_indicator_count(cat); i++) {
        const indicator_t *x = catalog_indicator_at(cat, i);
        for (size_t j = 0; j < x->reporter_count; j++) {
            db_copy_field(copy, x->code);
            db_copy_field(copy, x->reporters[j]);
            db_copy_row_end(copy);
        }
    }
    return db_copy_end(&copy) < 0 ? -1 : 0;
}

static int
s_copy_targets(PGconn *conn, const catalog_t *cat)
{
    db_copy_t *copy = db_copy_begin(
        conn, "COPY target (code, task, indicator, kind, cmp, value, unit, base_year, start_year,"
              " deadline, scope, text, ord) FROM STDIN");
    if (!copy)
        return -1;
    for (size_t i = 0; i < catalog_target_count(cat); i++) {
        const target_t *t = catalog_target_at(cat, i);
        char day[DAY_TEXT_SIZE];
        db_copy_field(copy, t->code);
        db_copy_field(copy, t->task);
        db_copy_field(copy, *t->indicator ? t->indicator : NULL);
        db_copy_field(copy, catalog_kind_name(t->kind));
        db_copy_field(copy, catalog_cmp_name(t->cmp));
        if (t->has_value)
            s_field_double(copy, t->value);
        else
            db_copy_field(copy, NULL);
        db_copy_field(copy, t->unit);
        if (t->base_year)
            s_field_int(copy, t->base_year);
        else
            db_copy_field(copy, NULL);
        if (t->start_year)
            s_field_int(copy, t->start_year);
        else
            db_copy_field(copy, NULL);
        db_copy_field(copy, day_format(t->deadline, day));
        db_copy_field(copy, t->scope);
        db_copy_field(copy, t->text);
        s_field_int(copy, (long)i);
        db_copy_row_end(copy);
    }
    if (db_copy_end(&copy) < 0)
        return -1;
    copy = db_copy_begin(conn, "COPY target_unit (target, unit, role, inferred, ord) FROM STDIN");
    if (!copy)
        return -1;
    for (size_t i = 0; i < catalog_target_count(cat); i++) {
        const target_t *t = catalog_target_at(cat, i);
        s_copy_unit_rows(copy, t->code, t->units, t->unit_count);
    }
    return db_copy_end(&copy) < 0 ? -1 : 0;
}

//  Adds a line to errors (which may be NULL).
static void
s_report(zlist_t *errors, const char *text)
{
    if (errors)
        zlist_append(errors, (void *)text);
}

int
catalog_store(PGconn *conn, const catalog_t *self, zlist_t *errors)
{
    if (db_begin(conn) != 0) {
        s_report(errors, "store: cannot begin a transaction");
        return -1;
    }
    static const char *const deletes[] = {"DELETE FROM target_unit",        "DELETE FROM target",
                                          "DELETE FROM indicator_reporter", "DELETE FROM indicator",
                                          "DELETE FROM task_unit",          "DELETE FROM task",
                                          "DELETE FROM resp_unit",          "DELETE FROM org_unit"};
    int rc = 0;
    for (size_t i = 0; i < sizeof deletes / sizeof deletes[0] && rc == 0; i++)
        rc = db_exec(conn, deletes[i], 0, NULL);
    if (rc == 0)
        rc = s_copy_orgs(conn, self);
    if (rc == 0)
        rc = s_copy_units(conn, self);
    if (rc == 0)
        rc = s_copy_tasks(conn, self);
    if (rc == 0)
        rc = s_copy_indicators(conn, self);
    if (rc == 0)
        rc = s_copy_targets(conn, self);
    char targets[32];
    snprintf(targets, sizeof targets, "%zu", catalog_target_count(self));
    if (rc == 0)
        rc = db_exec(conn,
                     "INSERT INTO catalog_load (source, targets) VALUES ('planctl plan load', $1)",
                     1, DB_PARAMS(targets));
    if (rc == 0)
        rc = db_exec(conn, "NOTIFY catalog", 0, NULL);
    if (rc != 0) {
        db_rollback(conn);
        s_report(errors, "store: the catalog could not be written (see the log line above)");
        return -1;
    }
    //  Deferred foreign keys are checked here: stored figures must still find their codes.
    PGresult *res = PQexec(conn, "COMMIT");
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
        char *line = zsys_sprintf("store: the new catalog drops a code that stored data uses: %s",
                                  detail ? detail : PQerrorMessage(conn));
        s_report(errors, line);
        zstr_free(&line);
        PQclear(res);
        db_rollback(conn);
        return -1;
    }
    PQclear(res);
    return 0;
}

// ---------------------------------------------------------------------------------------------

//  Value of a column by name in row i.
static const char *
s_get(PGresult *res, int row, const char *column)
{
    int col = PQfnumber(res, column);
    assert(col >= 0);
    return PQgetvalue(res, row, col);
}

static bool
s_is_null(PGresult *res, int row, const char *column)
{
    return PQgetisnull(res, row, PQfnumber(res, column));
}

catalog_t *
catalog_read(PGconn *conn)
{
    catalog_t *cat = catalog_new();
    PGresult *res = NULL;
    int ok = 0;

    res = db_query(conn, "SELECT code, name, level, parent FROM org_unit ORDER BY ord", 0, NULL);
    if (!res)
        goto cleanup;
    for (int i = 0; i < PQntuples(res); i++) {
        org_level_t level = ORG_CITY;
        catalog_org_level_parse(s_get(res, i, "level"), &level);
        catalog_add_org(cat, s_get(res, i, "code"), s_get(res, i, "name"), level,
                        s_get(res, i, "parent"));
    }
    PQclear(res);

    res = db_query(conn, "SELECT code, name, kind, org FROM resp_unit ORDER BY ord", 0, NULL);
    if (!res)
        goto cleanup;
    for (int i = 0; i < PQntuples(res); i++) {
        unit_kind_t kind = UNIT_OTHER;
        catalog_unit_kind_parse(s_get(res, i, "kind"), &kind);
        catalog_add_unit(cat, s_get(res, i, "code"), s_get(res, i, "name"), kind,
                         s_get(res, i, "org"));
    }
    PQclear(res);

    res =
        db_query(conn, "SELECT code, parent, kind, number, title FROM task ORDER BY ord", 0, NULL);
    if (!res)
        goto cleanup;
    for (int i = 0; i < PQntuples(res); i++) {
        task_kind_t kind = TASK_TASK;
        catalog_task_kind_parse(s_get(res, i, "kind"), &kind);
        catalog_add_task(cat, s_get(res, i, "code"), s_get(res, i, "parent"), kind,
                         s_get(res, i, "number"), s_get(res, i, "title"));
    }
    PQclear(res);

    res = db_query(conn,
                   "SELECT tu.task, tu.unit, tu.role, tu.inferred FROM task_unit tu"
                   " JOIN task t ON t.code = tu.task ORDER BY t.ord, tu.ord",
                   0, NULL);
    if (!res)
        goto cleanup;
    for (int i = 0; i < PQntuples(res); i++) {
        unit_role_t role = ROLE_CO;
        catalog_role_parse(s_get(res, i, "role"), &role);
        task_t *task = (task_t *)catalog_task(cat, s_get(res, i, "task"));
        if (task)
            catalog_add_task_unit(cat, task, s_get(res, i, "unit"), role,
                                  s_get(res, i, "inferred")[0] == 't');
    }
    PQclear(res);

    res = db_query(conn,
                   "SELECT code, name, unit, period, agg, numerator, denominator, scale, nonneg,"
                   " percent, first_period, due_months, by_cities, projection FROM indicator"
                   " ORDER BY ord",
                   0, NULL);
    if (!res)
        goto cleanup;
    for (int i = 0; i < PQntuples(res); i++) {
        indicator_t x = {0};
        x.code = (char *)s_get(res, i, "code");
        x.name = (char *)s_get(res, i, "name");
        x.unit = (char *)s_get(res, i, "unit");
        x.numerator = (char *)s_get(res, i, "numerator");
        x.denominator = (char *)s_get(res, i, "denominator");
        period_type_parse(s_get(res, i, "period"), &x.period);
        catalog_agg_parse(s_get(res, i, "agg"), &x.agg);
        x.scale = atof(s_get(res, i, "scale"));
        x.nonneg = s_get(res, i, "nonneg")[0] == 't';
        x.percent = s_get(res, i, "percent")[0] == 't';
        period_parse(s_get(res, i, "first_period"), x.period, &x.first_period);
        x.due_months = atoi(s_get(res, i, "due_months"));
        x.by_cities = s_get(res, i, "by_cities")[0] == 't';
        catalog_projection_parse(s_get(res, i, "projection"), &x.projection);
        catalog_add_indicator(cat, &x);
    }
    PQclear(res);

    res = db_query(conn, "SELECT indicator, unit FROM indicator_reporter ORDER BY indicator, unit",
                   0, NULL);
    if (!res)
        goto cleanup;
    for (int i = 0; i < PQntuples(res); i++) {
        indicator_t *x = (indicator_t *)catalog_indicator(cat, s_get(res, i, "indicator"));
        if (x)
            catalog_add_reporter(x, s_get(res, i, "unit"));
    }
    PQclear(res);

    res =
        db_query(conn,
                 "SELECT code, task, coalesce(indicator, '') AS indicator, kind, cmp, value, unit,"
                 " base_year, start_year, deadline::text AS deadline, scope, text"
                 " FROM target ORDER BY ord",
                 0, NULL);
    if (!res)
        goto cleanup;
    for (int i = 0; i < PQntuples(res); i++) {
        target_t t = {0};
        t.code = (char *)s_get(res, i, "code");
        t.task = (char *)s_get(res, i, "task");
        t.indicator = (char *)s_get(res, i, "indicator");
        catalog_kind_parse(s_get(res, i, "kind"), &t.kind);
        catalog_cmp_parse(s_get(res, i, "cmp"), &t.cmp);
        t.has_value = !s_is_null(res, i, "value");
        t.value = t.has_value ? atof(s_get(res, i, "value")) : 0;
        t.unit = (char *)s_get(res, i, "unit");
        t.base_year = atoi(s_get(res, i, "base_year"));
        t.start_year = atoi(s_get(res, i, "start_year"));
        day_parse(s_get(res, i, "deadline"), &t.deadline);
        t.scope = (char *)s_get(res, i, "scope");
        t.text = (char *)s_get(res, i, "text");
        catalog_add_target(cat, &t);
    }
    PQclear(res);

    res = db_query(conn,
                   "SELECT tu.target, tu.unit, tu.role, tu.inferred FROM target_unit tu"
                   " JOIN target t ON t.code = tu.target ORDER BY t.ord, tu.ord",
                   0, NULL);
    if (!res)
        goto cleanup;
    for (int i = 0; i < PQntuples(res); i++) {
        unit_role_t role = ROLE_CO;
        catalog_role_parse(s_get(res, i, "role"), &role);
        target_t *target = (target_t *)catalog_target(cat, s_get(res, i, "target"));
        if (target)
            catalog_add_target_unit(target, s_get(res, i, "unit"), role,
                                    s_get(res, i, "inferred")[0] == 't');
    }
    ok = 1;

cleanup:
    PQclear(res);
    if (!ok)
        catalog_destroy(&cat);
    return cat;
}
