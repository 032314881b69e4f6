/*  clock.c - civil dates, reporting periods, and the one clock every service reads */
#include "clock.h"

#include "db.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

//  Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar.
day_t
day_from_ymd(int year, int month, int day)
{
    int y = year - (month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (day_t)(era * 146097 + doe - 719468);
}

void
day_to_ymd(day_t d, int *year, int *month, int *mday)
{
    int z = d + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int dd = doy - (153 * mp + 2) / 5 + 1;
    int m = mp + (mp < 10 ? 3 : -9);
    *year = y + (m <= 2);
    *month = m;
    *mday = dd;
}

static int
s_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
s_month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && s_is_leap(y) ? 29 : days[m - 1];
}

//  Reads exactly n decimal digits. Returns the value or -1.
static int
s_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int
day_parse(const char *text, day_t *out)
{
    if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return -1;
    int y = s_digits(text, 4), m = s_digits(text + 5, 2), d = s_digits(text + 8, 2);
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > s_month_days(y, m))
        return -1;
    *out = day_from_ymd(y, m, d);
    return 0;
}

char *
day_format(day_t d, char *buf)
{
    int y, m, dd;
    day_to_ymd(d, &y, &m, &dd);
    snprintf(buf, DAY_TEXT_SIZE, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 13u,
             (unsigned)dd % 32u);
    return buf;
}

day_t
day_month_end(int year, int month)
{
    return day_from_ymd(year, month, s_month_days(year, month));
}

day_t
day_add_months(day_t d, int months)
{
    int y, m, dd;
    day_to_ymd(d, &y, &m, &dd);
    int total = y * 12 + (m - 1) + months;
    y = total / 12;
    m = total % 12 + 1;
    int last = s_month_days(y, m);
    return day_from_ymd(y, m, dd > last ? last : dd);
}

int
day_weekday(day_t d)
{
    //  1970-01-01 was a Thursday (3 when Monday is 0)
    int w = (d + 3) % 7;
    return w < 0 ? w + 7 : w;
}

day_t
day_today_system(void)
{
    time_t now = time(NULL) + 8 * 3600;
    return (day_t)(now / 86400);
}

//  Fills start and end from type, year and index.
static void
s_period_bounds(period_t *p)
{
    switch (p->type) {
    case PERIOD_YEAR:
        p->start = day_from_ymd(p->year, 1, 1);
        p->end = day_from_ymd(p->year, 12, 31);
        break;
    case PERIOD_QUARTER:
        p->start = day_from_ymd(p->year, (p->index - 1) * 3 + 1, 1);
        p->end = day_month_end(p->year, p->index * 3);
        break;
    case PERIOD_MONTH:
        p->start = day_from_ymd(p->year, p->index, 1);
        p->end = day_month_end(p->year, p->index);
        break;
    }
}

int
period_parse(const char *text, period_type_t type, period_t *out)
{
    if (!text)
        return -1;
    size_t len = strlen(text);
    int year = len >= 4 ? s_digits(text, 4) : -1;
    if (year < 1900)
        return -1;
    period_t p = {.type = type, .year = year, .index = 1};
    switch (type) {
    case PERIOD_YEAR:
        if (len != 4)
            return -1;
        break;
    case PERIOD_QUARTER:
        if (len != 6 || text[4] != 'Q' || text[5] < '1' || text[5] > '4')
            return -1;
        p.index = text[5] - '0';
        break;
    case PERIOD_MONTH:
        if (len != 7 || text[4] != '-')
            return -1;
        p.index = s_digits(text + 5, 2);
        if (p.index < 1 || p.index > 12)
            return -1;
        break;
    default:
        return -1;
    }
    s_period_bounds(&p);
    *out = p;
    return 0;
}

int
period_parse_any(const char *text, period_t *out)
{
    for (int t = PERIOD_YEAR; t <= PERIOD_MONTH; t++)
        if (period_parse(text, (period_type_t)t, out) == 0)
            return 0;
    return -1;
}

char *
period_format(const period_t *p, char *buf)
{
    unsigned y = (unsigned)p->year % 10000u;
    if (p->type == PERIOD_YEAR)
        snprintf(buf, PERIOD_TEXT_SIZE, "%04u", y);
    else if (p->type == PERIOD_QUARTER)
        snprintf(buf, PERIOD_TEXT_SIZE, "%04uQ%u", y, (unsigned)p->index % 5u);
    else
        snprintf(buf, PERIOD_TEXT_SIZE, "%04u-%02u", y, (unsigned)p->index % 13u);
    return buf;
}

period_t
period_containing(period_type_t type, day_t d)
{
    int y, m, dd;
    day_to_ymd(d, &y, &m, &dd);
    period_t p = {.type = type, .year = y, .index = 1};
    if (type == PERIOD_QUARTER)
        p.index = (m - 1) / 3 + 1;
    else if (type == PERIOD_MONTH)
        p.index = m;
    s_period_bounds(&p);
    return p;
}

period_t
period_next(const period_t *p)
{
    return period_containing(p->type, p->end + 1);
}

period_t
period_last_due(period_type_t type, int due_months, day_t as_of)
{
    period_t p = period_containing(type, as_of);
    while (as_of <= period_due(&p, due_months))
        p = period_containing(type, p.start - 1);
    return p;
}

day_t
period_due(const period_t *p, int due_months)
{
    int y, m, d;
    day_to_ymd(p->end, &y, &m, &d);
    int total = y * 12 + (m - 1) + due_months;
    return day_month_end(total / 12, total % 12 + 1);
}

static const char *s_type_names[] = {"year", "quarter", "month"};

const char *
period_type_name(period_type_t type)
{
    return s_type_names[type];
}

int
period_type_parse(const char *name, period_type_t *out)
{
    for (int t = 0; t < 3; t++)
        if (name && strcmp(name, s_type_names[t]) == 0) {
            *out = (period_type_t)t;
            return 0;
        }
    return -1;
}

int
clock_today(PGconn *conn, const char *fixed, day_t *today)
{
    *today = day_today_system();
    if (fixed && *fixed)
        return day_parse(fixed, today);
    if (!conn)
        return 0;
    PGresult *res =
        db_query(conn, "SELECT as_of::text FROM system_clock WHERE as_of IS NOT NULL", 0, NULL);
    if (!res)
        return -1;
    if (PQntuples(res) == 1)
        day_parse(PQgetvalue(res, 0, 0), today);
    PQclear(res);
    return 0;
}
