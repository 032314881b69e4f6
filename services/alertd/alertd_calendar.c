/*  alertd_calendar.c - working days from the State Council's holiday calendar */
#include "alertd.h"

#include "csv.h"
#include "log.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

struct calendar_t {
    day_t *holidays;      //  listed 放假 days, sorted
    size_t holiday_count; //  entries in holidays
    day_t *workdays;      //  listed 调休 working weekend days, sorted
    size_t workday_count; //  entries in workdays
};

static int
s_day_compare(const void *a, const void *b)
{
    day_t x = *(const day_t *)a, y = *(const day_t *)b;
    return x < y ? -1 : x > y;
}

static bool
s_listed(const day_t *days, size_t count, day_t d)
{
    return count && bsearch(&d, days, count, sizeof d, s_day_compare) != NULL;
}

static void s_error(zlist_t *errors, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
s_error(zlist_t *errors, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (errors)
        zlist_append(errors, line);
}

calendar_t *
calendar_load(const char *path, zlist_t *errors)
{
    size_t size = 0;
    char *data = text_read_file(path, &size);
    if (!data) {
        s_error(errors, "%s: cannot read the calendar", path);
        return NULL;
    }
    calendar_t *self = calloc(1, sizeof *self);
    csv_t *csv = csv_new(data, size);
    size_t cap = size / 8 + 16;
    bool ok = self && csv;
    if (ok) {
        self->holidays = malloc(cap * sizeof(day_t));
        self->workdays = malloc(cap * sizeof(day_t));
        ok = self->holidays && self->workdays;
    }
    int n, col_date = -1, col_kind = -1;
    if (ok && (n = csv_next(csv)) > 0) {
        col_date = csv_find(csv, "date");
        col_kind = csv_find(csv, "kind");
    }
    if (ok && (col_date < 0 || col_kind < 0)) {
        s_error(errors, "%s:1: header: expected date,kind,name", path);
        ok = false;
    }
    while (ok && (n = csv_next(csv)) != 0) {
        day_t d;
        const char *kind = csv_field(csv, col_kind);
        if (n < 0)
            s_error(errors, "%s:%d: %s", path, csv_line(csv), csv_error(csv));
        else if (day_parse(csv_field(csv, col_date), &d) != 0)
            s_error(errors, "%s:%d: date: '%s' is not YYYY-MM-DD", path, csv_line(csv),
                    csv_field(csv, col_date));
        else if (strcmp(kind, "holiday") == 0 && self->holiday_count < cap)
            self->holidays[self->holiday_count++] = d;
        else if (strcmp(kind, "workday") == 0 && self->workday_count < cap)
            self->workdays[self->workday_count++] = d;
        else {
            s_error(errors, "%s:%d: kind: '%s' is not holiday or workday", path, csv_line(csv),
                    kind);
            continue;
        }
        if (n < 0)
            ok = false;
    }
    csv_destroy(&csv);
    free(data);
    if (!ok || (errors && zlist_size(errors) > 0)) {
        calendar_destroy(&self);
        return NULL;
    }
    qsort(self->holidays, self->holiday_count, sizeof(day_t), s_day_compare);
    qsort(self->workdays, self->workday_count, sizeof(day_t), s_day_compare);
    return self;
}

void
calendar_destroy(calendar_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->holidays);
    free((*self_p)->workdays);
    free(*self_p);
    *self_p = NULL;
}

bool
calendar_is_workday(const calendar_t *self, day_t d)
{
    if (s_listed(self->workdays, self->workday_count, d))
        return true;
    if (s_listed(self->holidays, self->holiday_count, d))
        return false;
    return day_weekday(d) < 5;
}

int
calendar_workdays_between(const calendar_t *self, day_t from, day_t to)
{
    int count = 0;
    for (day_t d = from + 1; d <= to; d++)
        count += calendar_is_workday(self, d);
    return count;
}

day_t
calendar_add_workdays(const calendar_t *self, day_t from, int n)
{
    day_t d = from;
    while (n > 0) {
        d++;
        n -= calendar_is_workday(self, d);
    }
    return d;
}
