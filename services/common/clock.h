/*  clock.h - civil dates, reporting periods, and the one clock every service reads.

    A day_t counts days since 1970-01-01. "Today" is, in order: a fixed date given by the
    service's configuration (PLAN_AS_OF), the date an operator set in the store
    (`planctl clock set`, table system_clock), or the system date in China Standard Time.
*/
#ifndef PW_CLOCK_H
#define PW_CLOCK_H

#include <libpq-fe.h>
#include <stdint.h>

typedef int32_t day_t;

#define DAY_TEXT_SIZE 11 //  "YYYY-MM-DD" and NUL

typedef enum {
    PERIOD_YEAR = 0,    //  "2023"
    PERIOD_QUARTER = 1, //  "2023Q4"
    PERIOD_MONTH = 2,   //  "2023-06"
} period_type_t;

typedef struct {
    period_type_t type; //  granularity
    int year;           //  calendar year
    int index;          //  1-4 for quarters, 1-12 for months, 1 for years
    day_t start;        //  first day of the period
    day_t end;          //  last day of the period
} period_t;

#define PERIOD_TEXT_SIZE 8 //  "2023-06" and NUL

//  Days since 1970-01-01 of a valid civil date (proleptic Gregorian).
day_t day_from_ymd(int year, int month, int day);

//  Splits a day into year, month (1-12) and day of month.
void day_to_ymd(day_t d, int *year, int *month, int *mday);

//  Parses exactly YYYY-MM-DD, rejecting impossible dates (2023-02-29). Returns 0 or -1.
int day_parse(const char *text, day_t *out);

//  Writes YYYY-MM-DD into buf (DAY_TEXT_SIZE bytes); returns buf.
char *day_format(day_t d, char *buf);

//  Last day of the given month.
day_t day_month_end(int year, int month);

//  The same day n months later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb).
day_t day_add_months(day_t d, int months);

//  0 Monday ... 6 Sunday.
int day_weekday(day_t d);

//  The system date in China Standard Time (UTC+8), where the plan's deadlines fall.
day_t day_today_system(void);

//  Parses a period of the given type. Returns 0, or -1 when the text is not of that type.
int period_parse(const char *text, period_type_t type, period_t *out);

//  Guesses the type from the text ("2023", "2023Q4", "2023-06"). Returns 0 or -1.
int period_parse_any(const char *text, period_t *out);

//  Writes the canonical text of a period into buf (PERIOD_TEXT_SIZE bytes); returns buf.
char *period_format(const period_t *p, char *buf);

//  The period of the given type that contains day d.
period_t period_containing(period_type_t type, day_t d);

//  The period right after p.
period_t period_next(const period_t *p);

//  The reporting deadline of a period: the last day of the due_months-th month after the
//  period's last month (annual data with due_months 3: 31 March of the next year).
day_t period_due(const period_t *p, int due_months);

//  The last period of the type whose figure is due as of as_of: its reporting deadline
//  (period_due) has passed, the deadline day itself still counting as in time.
period_t period_last_due(period_type_t type, int due_months, day_t as_of);

//  "year", "quarter", "month" <-> period_type_t. period_type_parse returns 0 or -1.
const char *period_type_name(period_type_t type);
int period_type_parse(const char *name, period_type_t *out);

//  Today for a service: the fixed date if fixed is a non-empty YYYY-MM-DD, else the date in
//  the store's system_clock row if an operator set one, else the system date. conn may be NULL.
//  Returns 0, or -1 when the store could not be read (today is then the system date).
int clock_today(PGconn *conn, const char *fixed, day_t *today);

#endif
