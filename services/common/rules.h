/*  rules.h - the evaluator's rules: one per target kind, the SDG-style projection and P, the
    due-soon lead times. Pure functions over numbers and dates: no store, no allocation, so every
    rule is checked by a table of worked cases (tests/check_rules.c).

    Time is counted in periods of the indicator's type: a period ordinal is year x periods per
    year + (index - 1), so 2023 -> 2023, 2023Q4 -> 8095, 2023-06 -> 24281; dividing a difference
    of ordinals by the periods per year gives years. The formulas are written out in
    services/evaluatord/README.md.
*/
#ifndef PW_RULES_H
#define PW_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "clock.h"

typedef enum {
    STATUS_ACHIEVED = 0,       //  met (for a numeric target before its deadline: met so far)
    STATUS_ON_TRACK = 1,       //  P >= 0.95
    STATUS_AT_RISK = 2,        //  0.6 <= P < 0.95
    STATUS_OFF_TRACK = 3,      //  P < 0.6
    STATUS_OVERDUE = 4,        //  deadline passed, not met
    STATUS_NO_DATA = 5,        //  nothing (or too little) to judge on
    STATUS_REPORT_OVERDUE = 6, //  a unit's figure is past its reporting deadline
    STATUS_REPORTED = 7,       //  a figure that was REPORT_OVERDUE came in late
} status_t;
#define STATUS_COUNT 8

//  Thresholds of P (UN SDG progress chart / Open SDG).
#define RULES_P_ON_TRACK 0.95
#define RULES_P_AT_RISK  0.6
//  Absolute tolerance of P against its thresholds: binary rounding must not decide a status.
#define RULES_P_TOLERANCE 1e-9

//  Relative tolerance under which a value equals its goal (see rules_cmp).
#define RULES_CMP_TOLERANCE 1e-9

//  Why a rule could not judge on figures, or how it did; recorded in the evidence.
typedef enum {
    REASON_NONE = 0,          //  judged normally
    REASON_NO_FIGURE,         //  no figure yet
    REASON_SINGLE_POINT,      //  one figure and no baseline to draw a trend from
    REASON_FIGURE_MISSING,    //  the deadline's figure is past its reporting deadline and absent
    REASON_FIGURES_MISSING,   //  some flows of the horizon are past due and absent
    REASON_REFERENCE_MISSING, //  relative: no national value for the period compared
    REASON_BASELINE_MISSING,  //  growth: no usable (positive) baseline figure
    REASON_BASELINE_MET,      //  the baseline already met the target: P is undefined
    REASON_MILESTONE_NONE,    //  milestone: nothing reported yet
    REASON_MILESTONE_STARTED, //  milestone: work started, not done
    REASON_MILESTONE_LATE,    //  milestone: done, but after the deadline
} rules_reason_t;

typedef enum {
    PROJECT_NONE = 0,     //  no projection made
    PROJECT_COMPOUND = 1, //  at the observed compound annual growth rate since the baseline
    PROJECT_LINEAR = 2,   //  at the observed average change per period (counts from 0, sums)
} rules_method_t;

//  One figure of a series: the value of a period.
typedef struct {
    int t;        //  period ordinal
    double value; //  the figure
} rules_point_t;

//  What a numeric rule needs. Points are in ascending t; the caller keeps only periods that
//  had begun by the as-of date.
typedef struct {
    target_kind_t kind;          //  level, growth, relative, cumulative or quota (one year)
    cmp_t cmp;                   //  comparison with the goal
    double goal;                 //  target value (growth: rate in percent); unused for relative
    int per_year;                //  periods per year of the indicator: 1, 4 or 12
    int t_base;                  //  level, relative: first expected period; growth: base year's
    int t_start;                 //  cumulative, quota: first period summed
    int t_deadline;              //  the period containing the deadline (quota: the year's last)
    int t_due;                   //  the last period whose figure was due by the as-of date
    projection_t projection;     //  level, relative: compound, or linear for small counts
    bool deadline_passed;        //  the as-of date is after the deadline day
    bool figure_due_passed;      //  the as-of date is after the reporting deadline of t_deadline
    const rules_point_t *points; //  the judged series (scope org, aggregated when so)
    size_t count;                //  entries in points
    const rules_point_t *ref;    //  relative: the national reference series
    size_t ref_count;            //  entries in ref
} rules_input_t;

//  What a numeric rule concluded, with the figures it used.
typedef struct {
    status_t status;           //  the verdict
    rules_reason_t reason;     //  why, when not judged normally
    bool awaiting;             //  deadline passed, the deadline period's figure not yet due
    bool has_value;            //  value is set
    double value;              //  figure compared: level value, growth %, sum, province value
    int t_value;               //  period of value (growth, cumulative: the latest period used)
    bool has_goal;             //  goal is set
    double goal;               //  what value was compared with (relative: the national value)
    bool met;                  //  value cmp goal held
    bool has_baseline;         //  baseline is set
    double baseline;           //  the baseline figure of the projection
    int t_baseline;            //  its period
    bool baseline_substituted; //  growth: the base year's figure was missing or not positive
    bool has_latest;           //  latest is set
    double latest;             //  the latest figure the projection starts from
    int t_latest;              //  its period
    rules_method_t method;     //  how the projection was made
    bool has_projection;       //  projection is set
    double projection;         //  projected figure at t_deadline (growth: level, see rate)
    double projected_rate;     //  growth: the observed CAGR in percent the projection used
    double target_level;       //  growth: baseline grown at the target rate to t_deadline
    bool has_progress;         //  progress is set
    double progress;           //  P = (projection - baseline) / (goal - baseline)
    double ref_projection;     //  relative: the national value projected to t_deadline
    bool has_ref_projection;   //  ref_projection is set
    size_t flows;              //  cumulative, quota: periods with a figure in the horizon so far
    size_t flows_expected;     //  cumulative, quota: periods of the horizon up to t_deadline
    int missing_first;         //  cumulative, quota: first due period without a figure, or 0
} rules_result_t;

//  A milestone's reports as the judge found them.
typedef struct {
    day_t deadline;   //  the milestone's deadline
    day_t as_of;      //  the judging date
    bool done;        //  a `done` report dated on or before as_of exists
    day_t done_on;    //  the earliest such date
    bool started;     //  a `started` report dated on or before as_of exists
    day_t started_on; //  the earliest such date
} rules_milestone_t;

//  "ACHIEVED", "ON_TRACK" ... ; the parser returns 0 or -1.
const char *rules_status_name(status_t status);
int rules_status_parse(const char *name, status_t *out);

//  A stable lower-case code for the evidence ("single_point"), "" for REASON_NONE.
const char *rules_reason_name(rules_reason_t reason);

//  "compound", "linear", "none".
const char *rules_method_name(rules_method_t method);

//  Periods per year of a period type (1, 4, 12) and a period's ordinal, and back.
int rules_per_year(period_type_t type);
int rules_ordinal(const period_t *p);
period_t rules_period(period_type_t type, int ordinal);

//  value cmp goal, a value within RULES_CMP_TOLERANCE (relative) of the goal counting as equal.
bool rules_cmp(cmp_t cmp, double value, double goal);

//  Projects a series from its baseline (t_base, base) through its latest figure (t_latest,
//  latest) to t_to: with PROJECTION_COMPOUND at the CAGR when both figures are positive, else
//  (PROJECTION_LINEAR, or a figure <= 0) linear at the average change per period. Years are
//  ordinal differences divided by per_year. Needs t_latest > t_base. Sets *method.
double rules_project(int t_base, double base, int t_latest, double latest, int t_to, int per_year,
                     projection_t projection, rules_method_t *method);

//  P = (projection - baseline) / (goal - baseline); false (P undefined) when the baseline
//  already meets the goal or equals it.
bool rules_progress(cmp_t cmp, double baseline, double projection, double goal, double *progress);

//  ON_TRACK, AT_RISK or OFF_TRACK for a P. A P within RULES_P_TOLERANCE below a threshold
//  counts as reaching it (0.95 computed as 0.9499999999999 is ON_TRACK).
status_t rules_progress_status(double progress);

//  The compound annual growth rate in percent from (t0, v0) to (t1, v1); needs v0 > 0, v1 >= 0
//  and t1 > t0.
double rules_cagr(int t0, double v0, int t1, double v1, int per_year);

//  Judges a numeric target (level, growth, relative, cumulative, one year of a quota).
void rules_judge(const rules_input_t *in, rules_result_t *out);

//  Judges a milestone: ACHIEVED, OVERDUE, ON_TRACK (started) or NO_DATA; *reason says why.
status_t rules_milestone(const rules_milestone_t *in, rules_reason_t *reason);

//  The smallest lead time of leads (days, any order) that the deadline is within as of as_of
//  (0 <= deadline - as_of <= lead), 0 when none or when the deadline has passed.
int rules_due_soon(day_t as_of, day_t deadline, const int *leads, size_t count);

#endif
