/*  catalog.h - the plan as data: org units, responsible units, tasks, indicators, targets.

    A catalog_t is read from the CSV files of deploy/plan (catalog_csv.c, which validates them)
    or from the store (catalog_db.c). It is immutable once built; every string and array belongs
    to it, and lookups return borrowed pointers that live as long as the catalog.
*/
#ifndef PW_CATALOG_H
#define PW_CATALOG_H

#include <czmq.h>
#include <stdbool.h>

#include "clock.h"

typedef enum { ORG_NATION = 0, ORG_PROVINCE = 1, ORG_CITY = 2 } org_level_t;
typedef enum { UNIT_DEPT = 0, UNIT_GOV = 1, UNIT_OTHER = 2 } unit_kind_t;
typedef enum {
    TASK_GOAL = 0,
    TASK_GROUP = 1,
    TASK_TASK = 2,
    TASK_SAFEGUARD = 3,
    TASK_LANDMARK = 4
} task_kind_t;
typedef enum { ROLE_LEAD = 0, ROLE_CO = 1 } unit_role_t;
typedef enum { AGG_SUM = 0, AGG_RATIO = 1, AGG_NONE = 2 } agg_rule_t;
typedef enum {
    TARGET_LEVEL = 0,
    TARGET_GROWTH = 1,
    TARGET_RELATIVE = 2,
    TARGET_CUMULATIVE = 3,
    TARGET_QUOTA = 4,
    TARGET_MILESTONE = 5
} target_kind_t;
#define TARGET_KIND_COUNT 6
typedef enum { CMP_GE = 0, CMP_GT = 1, CMP_LE = 2, CMP_LT = 3 } cmp_t;
//  How a series is projected to a deadline (services/evaluatord/README.md, "Projection and P").
typedef enum { PROJECTION_COMPOUND = 0, PROJECTION_LINEAR = 1 } projection_t;

#define NATION_ORG   "100000"
#define PROVINCE_ORG "430000"

typedef struct {
    char *code;        //  GB/T 2260 code, "430100"
    char *name;        //  Chinese name, "长沙市"
    org_level_t level; //  nation, province or city
    char *parent;      //  parent code, "" for the nation
} org_unit_t;

typedef struct {
    char *code;       //  stable ASCII code, "P_STD", "GOV_430100"
    char *name;       //  Chinese name as the seed writes it, "省科技厅"
    unit_kind_t kind; //  department, city government or other
    char *org;        //  the org unit it reports figures for
} resp_unit_t;

typedef struct {
    char *unit;       //  responsible unit code
    unit_role_t role; //  lead (牵头) or co-responsible (按职责分工负责)
    bool inferred;    //  true when the seed names no unit and the catalog infers it
} task_unit_t;

typedef struct {
    char *code;         //  "T4.1", "T4", "S2", "L1", "G"
    char *parent;       //  group code for sub-tasks, "" otherwise
    task_kind_t kind;   //  goal, group, task, safeguard, landmark
    char *number;       //  numbering as in the seed, "二（四）1"
    char *title;        //  heading as in the seed
    task_unit_t *units; //  responsible units in the seed's order
    size_t unit_count;  //  entries in units
} task_t;

typedef struct {
    char *code;              //  "HTE_COUNT"
    char *name;              //  Chinese name
    char *unit;              //  Chinese unit, "家", "%", "亿元"
    period_type_t period;    //  year, quarter or month
    agg_rule_t agg;          //  how city values add up to the province
    char *numerator;         //  for AGG_RATIO: indicator code of the summed numerator
    char *denominator;       //  for AGG_RATIO: indicator code of the summed denominator
    double scale;            //  for AGG_RATIO: province = scale * sum(num) / sum(den)
    bool nonneg;             //  negative values are impossible
    bool percent;            //  the value is a percentage in 0-100
    period_t first_period;   //  the first period data is expected for
    int due_months;          //  months after a period's end its figure is due
    bool by_cities;          //  each city government reports its own org unit
    char **reporters;        //  other units expected to report (unit codes)
    size_t reporter_count;   //  entries in reporters
    projection_t projection; //  compound (default) or linear: counts that can start at 0
} indicator_t;

typedef struct {
    char *code;         //  "T4.1-1"
    char *task;         //  task code
    char *indicator;    //  indicator code, "" for milestones
    target_kind_t kind; //  rule that judges it
    cmp_t cmp;          //  comparison with value
    double value;       //  target value (growth: rate in percent), when has_value
    bool has_value;     //  false for milestones and relative targets
    char *unit;         //  unit of value
    int base_year;      //  growth baseline year, 0 when none
    int start_year;     //  first year summed (cumulative) or judged (quota), 0 when none
    day_t deadline;     //  the day by which it must be met
    char *scope;        //  org unit it applies to
    char *text;         //  the seed's phrase
    task_unit_t *units; //  its own responsible units (target_units.csv), NULL: the task's
    size_t unit_count;  //  entries in units
} target_t;

typedef struct catalog_t catalog_t;

//  An empty catalog (the parsers fill it). Returns NULL on out-of-memory.
catalog_t *catalog_new(void);

//  Frees the catalog and everything in it; sets *self_p to NULL. Idempotent.
void catalog_destroy(catalog_t **self_p);

//  Counts of each table.
size_t catalog_org_count(const catalog_t *self);
size_t catalog_unit_count(const catalog_t *self);
size_t catalog_task_count(const catalog_t *self);
size_t catalog_indicator_count(const catalog_t *self);
size_t catalog_target_count(const catalog_t *self);

//  Entry i of each table, in file order (borrowed).
const org_unit_t *catalog_org_at(const catalog_t *self, size_t i);
const resp_unit_t *catalog_unit_at(const catalog_t *self, size_t i);
const task_t *catalog_task_at(const catalog_t *self, size_t i);
const indicator_t *catalog_indicator_at(const catalog_t *self, size_t i);
const target_t *catalog_target_at(const catalog_t *self, size_t i);

//  Lookups by code; NULL when absent (borrowed).
const org_unit_t *catalog_org(const catalog_t *self, const char *code);
const resp_unit_t *catalog_unit(const catalog_t *self, const char *code);
const task_t *catalog_task(const catalog_t *self, const char *code);
const indicator_t *catalog_indicator(const catalog_t *self, const char *code);
const target_t *catalog_target(const catalog_t *self, const char *code);

//  The task group a task belongs to (itself for groups, goals, safeguards and landmarks).
const task_t *catalog_task_group(const catalog_t *self, const task_t *task);

//  True when the unit is named (lead or co) for the task, or for its group.
bool catalog_unit_shares_task(const catalog_t *self, const char *unit, const char *task);

//  The units responsible for a target, in order: its own (target_units.csv) when it has any,
//  else its task's. Every reader of a target's lead and co units goes through this. Sets *count;
//  returns a borrowed array (NULL when there is none).
const task_unit_t *catalog_target_units(const catalog_t *self, const target_t *target,
                                        size_t *count);

//  The names of a target's units of one role (catalog_target_units), joined with 、, a unit the
//  catalog infers marked （推定）, into buf (cut between names when it is full). Returns the
//  number of names written.
size_t catalog_target_unit_names(const catalog_t *self, const target_t *target, unit_role_t role,
                                 char *buf, size_t size);

//  True when the unit is one of the target's units (catalog_target_units), or is named for the
//  target's task group.
bool catalog_unit_shares_target(const catalog_t *self, const char *unit, const target_t *target);

//  True when the unit is expected to report the indicator for the org unit: a city government
//  for its own city when by_cities, a listed reporter for its own org.
bool catalog_unit_reports(const catalog_t *self, const char *unit, const indicator_t *indicator,
                          const char *org);

//  The milestone target a report names: a milestone target code, or a task code with exactly
//  one milestone target. NULL when there is none (or, for a task, more than one: *ambiguous).
const target_t *catalog_milestone_for(const catalog_t *self, const char *code, bool *ambiguous);

//  Names of enum values as the CSV files and the store write them, and their parsers
//  (return 0, or -1 for an unknown name).
const char *catalog_kind_name(target_kind_t kind);
int catalog_kind_parse(const char *name, target_kind_t *out);
const char *catalog_cmp_name(cmp_t cmp);
int catalog_cmp_parse(const char *name, cmp_t *out);
const char *catalog_agg_name(agg_rule_t agg);
int catalog_agg_parse(const char *name, agg_rule_t *out);
const char *catalog_org_level_name(org_level_t level);
int catalog_org_level_parse(const char *name, org_level_t *out);
const char *catalog_unit_kind_name(unit_kind_t kind);
int catalog_unit_kind_parse(const char *name, unit_kind_t *out);
const char *catalog_task_kind_name(task_kind_t kind);
int catalog_task_kind_parse(const char *name, task_kind_t *out);
const char *catalog_role_name(unit_role_t role);
int catalog_role_parse(const char *name, unit_role_t *out);
const char *catalog_projection_name(projection_t projection);
int catalog_projection_parse(const char *name, projection_t *out);

//  Builders used by the parsers. Each copies its strings; the add functions return the new
//  entry (owned by the catalog) or NULL when the code is already present.
org_unit_t *catalog_add_org(catalog_t *self, const char *code, const char *name, org_level_t level,
                            const char *parent);
resp_unit_t *catalog_add_unit(catalog_t *self, const char *code, const char *name, unit_kind_t kind,
                              const char *org);
task_t *catalog_add_task(catalog_t *self, const char *code, const char *parent, task_kind_t kind,
                         const char *number, const char *title);
int catalog_add_task_unit(catalog_t *self, task_t *task, const char *unit, unit_role_t role,
                          bool inferred);
indicator_t *catalog_add_indicator(catalog_t *self, const indicator_t *fields);
int catalog_add_reporter(indicator_t *indicator, const char *unit);
target_t *catalog_add_target(catalog_t *self, const target_t *fields);
//  Adds a unit of the target's own (overriding its task's). Returns 0, or -1 when the unit is
//  already listed for the target.
int catalog_add_target_unit(target_t *target, const char *unit, unit_role_t role, bool inferred);

//  Reads and validates the CSV files of dir (org_units.csv, resp_units.csv, tasks.csv,
//  task_units.csv, indicators.csv, targets.csv and, when present, target_units.csv). Returns an
//  owned catalog, or NULL when any file is bad; then errors (if not NULL; an autofree zlist)
//  receives one line per problem: "FILE:LINE: FIELD: reason".
catalog_t *catalog_load_files(const char *dir, zlist_t *errors);

//  Replaces the catalog in the store with this one, in one transaction. Refuses (and changes
//  nothing) when stored observations, reports or statuses refer to a code the new catalog drops.
//  Returns 0, or -1 with one line per problem in errors (an autofree zlist, or NULL).
int catalog_store(PGconn *conn, const catalog_t *self, zlist_t *errors);

//  Reads the catalog the store holds. Returns an owned catalog, or NULL (logged).
catalog_t *catalog_read(PGconn *conn);

#endif
