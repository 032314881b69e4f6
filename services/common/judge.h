/*  judge.h - judges every target and reporting duty of the plan as of a date, from the store.

    One code path for everyone who needs a verdict: evaluatord (which then stores and publishes
    the changes), `planctl status` and the bulletin, so they always agree.

    judge_data_t holds the figures: the latest version of every (org, indicator, period) and
    every milestone report, optionally only what had been received by the end of a "known-at"
    day (Asia/Shanghai). It is loaded in one pass (judge_data_load) and can then follow the
    store incrementally (judge_data_update: rows with a change id above the last one seen), which
    is what keeps evaluatord's cost per feed independent of the history the store holds.

    judge_evaluate applies the rules (rules.h) to the figures as of a date and returns a report:
    one judge_result_t per subject - a target for its scope (a quota: for each year), or a
    reporting duty that is overdue - with the value, goal, P, projection, series and the
    evidence as JSON. Subject keys are those of deploy/migrations/003_evaluator.sql:
    "T|<target>|<org>|<period>" and "R|<unit>|<org>|<indicator>|<period>".
*/
#ifndef PW_JUDGE_H
#define PW_JUDGE_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"
#include "clock.h"
#include "rules.h"

typedef struct judge_data_t judge_data_t;
typedef struct judge_touch_t judge_touch_t;
typedef struct judge_report_t judge_report_t;

typedef enum {
    JUDGE_TARGET = 0, //  a target for its scope (and, for a quota, one year)
    JUDGE_DUTY = 1,   //  a unit's duty to report one figure
} judge_subject_t;

//  One figure of the judged series, as the rules saw it.
typedef struct {
    char period[PERIOD_TEXT_SIZE]; //  "2024"
    double value;                  //  the figure
    bool aggregated;               //  computed from the cities (the scope did not report it)
    int cities;                    //  aggregated: cities that had the figure(s)
    int cities_expected;           //  aggregated: cities of the scope
} judge_point_t;

//  The verdict on one subject. Everything is owned by the report.
typedef struct {
    judge_subject_t subject;          //  target or reporting duty
    const char *key;                  //  subject key (see above)
    const target_t *target;           //  the target (NULL for duties), borrowed from the catalog
    const indicator_t *indicator;     //  its indicator (NULL for milestones), borrowed
    const char *unit;                 //  duties: the unit expected to report, else ""
    const char *org;                  //  org unit judged: the target's scope, the duty's org
    char period[PERIOD_TEXT_SIZE];    //  quota year, duty period, "" for a whole-horizon target
    status_t status;                  //  the verdict
    rules_reason_t reason;            //  why, when not judged normally
    bool has_value;                   //  value is set
    double value;                     //  the figure judged (level, growth %, sum, province value)
    char value_period[DAY_TEXT_SIZE]; //  the period of value, a milestone's done date; "" if none
    bool has_goal;                    //  goal is set
    double goal;                      //  compared with: target value, rate, national value
    bool has_projection;              //  projection is set
    double projection;                //  projected figure at the deadline's period
    bool has_progress;                //  progress is set
    double progress;                  //  P
    int due_soon_days;                //  due-soon lead time the deadline is within, 0 if none
    bool awaiting;                    //  deadline passed, the deadline period's figure not yet due
    day_t deadline;                   //  target (quota: the year's) deadline; duty: due date
    bool incomplete;                  //  a figure used was aggregated from an incomplete set
    judge_point_t *series;            //  the judged series up to the deadline's period
    size_t series_count;              //  entries in series
    json_t *evidence;                 //  values, rule, thresholds, comparison (a JSON object)
} judge_result_t;

typedef struct {
    day_t as_of;           //  the judging date ("today")
    const int *due_soon;   //  lead times in days (EVAL_DUE_SOON_DAYS), may be NULL
    size_t due_soon_count; //  entries in due_soon
} judge_options_t;

//  An empty set of figures for the catalog (borrowed: it must outlive the data).
//  Returns NULL on out-of-memory.
judge_data_t *judge_data_new(const catalog_t *catalog);

//  Frees the figures; sets *self_p to NULL. Idempotent.
void judge_data_destroy(judge_data_t **self_p);

//  Replaces the figures with the store's: the latest version of every figure and every
//  milestone report; with known_at, only the versions received by the end of that day
//  (Asia/Shanghai). Run inside a REPEATABLE READ transaction so that figures and reports come
//  from one snapshot (outside a transaction it opens its own). Returns 0, or -1 (logged).
int judge_data_load(judge_data_t *self, PGconn *conn, const day_t *known_at);

//  As judge_data_load, with the observations streamed over conn and up to 7 helper connections
//  at once (idle ones; each is put in conn's snapshot, exported, and reads a share of the
//  table's pages), the way a parallel scan would. Helpers that cannot join are left out.
int judge_data_load_parallel(judge_data_t *self, PGconn *conn, PGconn *const *helpers, size_t count,
                             const day_t *known_at);

//  Adds the rows committed with a change id above judge_data_change_id (figures loaded without
//  known_at only), and adds each series and milestone they touch to touched (may be NULL).
//  Run it in the caller's transaction. Returns the number of rows read, or -1 (logged).
long judge_data_update(judge_data_t *self, PGconn *conn, judge_touch_t *touched);

//  The highest change id the figures include (0 when empty).
int64_t judge_data_change_id(const judge_data_t *self);

//  Sets the change id from which judge_data_update goes on (the stored watermark).
void judge_data_set_change_id(judge_data_t *self, int64_t change_id);

//  The latest figure of one org, indicator and period: true and *value when there is one.
bool judge_data_value(const judge_data_t *self, const char *org, const char *indicator,
                      const char *period, double *value);

//  Number of figures held (distinct org, indicator, period).
size_t judge_data_size(const judge_data_t *self);

//  A set of touched series and milestones; NULL on out-of-memory.
judge_touch_t *judge_touch_new(void);
void judge_touch_destroy(judge_touch_t **self_p);
void judge_touch_series(judge_touch_t *self, const char *org, const char *indicator);
void judge_touch_milestone(judge_touch_t *self, const char *target);
bool judge_touch_has_series(const judge_touch_t *self, const char *org, const char *indicator);
size_t judge_touch_size(const judge_touch_t *self);

//  Calls fn for each touched series (org, indicator), in no particular order.
void judge_touch_each_series(const judge_touch_t *self,
                             void (*fn)(const char *org, const char *indicator, void *arg),
                             void *arg);

//  Judges, as of opts->as_of, every subject (touched NULL) or only those the touched series and
//  milestones affect: the targets on them (a province target also through its cities' series,
//  a relative one through the national series) and the duties of those series. Returns an
//  owned report, or NULL on out-of-memory.
judge_report_t *judge_evaluate(const judge_data_t *data, const judge_options_t *opts,
                               const judge_touch_t *touched);

//  Loads the figures (as known by the end of known_at, if not NULL) and judges everything:
//  what `planctl status` and the bulletin call. Returns an owned report, or NULL (logged).
judge_report_t *judge_run(PGconn *conn, const catalog_t *catalog, const judge_options_t *opts,
                          const day_t *known_at);

//  The subjects of a report, targets in catalog order (quota years ascending), then duties.
size_t judge_report_count(const judge_report_t *self);
const judge_result_t *judge_report_at(const judge_report_t *self, size_t i);

//  The subject with this key, or NULL.
const judge_result_t *judge_report_find(const judge_report_t *self, const char *key);

//  Frees the report; sets *self_p to NULL. Idempotent.
void judge_report_destroy(judge_report_t **self_p);

//  The due-soon lead times of a text such as "90,30,7". Returns the count (at most max), or -1
//  when the text is not a comma-separated list of positive integers.
int judge_parse_leads(const char *text, int *leads, size_t max);

#endif
