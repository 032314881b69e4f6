/*  planctl_report.h - the supervision bulletin (调度通报): `planctl report`, one self-contained
    HTML file built from the store as of a date.

    report_build reads the store (catalog, figures, milestone reports, the evaluator's duty
    history, alertd's alerts and acks) in one REPEATABLE READ snapshot, judges the plan with the
    same code as `planctl status` (judge.h) and keeps what the page shows: report_t. The page
    writer (planctl_report_page.c) and the charts (planctl_report_svg.c) only read it; the HTML
    buffer and its escaping are planctl_report_html.c. What each part shows and why is in
    services/planctl/REPORT.md.
*/
#ifndef PLANCTL_REPORT_H
#define PLANCTL_REPORT_H

#include "catalog.h"
#include "clock.h"
#include "judge.h"
#include "rules.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  The six words of the headline, in the order the page shows them.
#define REPORT_LIGHTS 6

typedef struct {
    day_t as_of;           //  the bulletin's date: everything is judged as of it
    bool has_known_at;     //  only figures received by the end of known_at count
    day_t known_at;        //  (Asia/Shanghai), the judge's "what did we know then"
    const int *due_soon;   //  lead times in days for the 临期 mark, may be NULL
    size_t due_soon_count; //  entries in due_soon
} report_options_t;

//  alertd's OVERDUE alert on one subject, as the store holds it.
typedef struct {
    bool found;                    //  alertd raised one (on or before the as-of date)
    int64_t id;                    //  alert id
    char raised_on[DAY_TEXT_SIZE]; //  alertd's today when raised: "open since"
    char state[16];                //  open, resolved or closed
    int level;                     //  1 when escalated to the leading group's office
    int reminders;                 //  reminders sent
    bool acked;                    //  an acknowledgement is stored
    char *acked_by;                //  who (owned)
    char acked_on[DAY_TEXT_SIZE];  //  when, Asia/Shanghai date of acked_at
} report_alert_t;

//  One target of the plan, with its verdicts.
typedef struct {
    const target_t *target;         //  borrowed from the catalog
    const task_t *task;             //  its task
    const task_t *group;            //  its task group (itself for goal, safeguards, landmarks)
    const indicator_t *indicator;   //  NULL for milestones
    const judge_result_t **results; //  its subjects: one, or one per quota year (owned array)
    size_t result_count;            //  entries in results
    const judge_result_t *main;     //  the subject whose status the target shows
    status_t status;                //  the target's status (quota: see REPORT.md)
    const char *note;               //  note of the figure shown, "" when none (owned by report)
    const char *milestone_text;     //  evidence of the milestone report shown, "" when none
} report_target_t;

//  One responsible unit and what it answers for.
typedef struct {
    const resp_unit_t *unit;  //  borrowed
    size_t order;             //  catalog order, the last tie-break
    int counts[STATUS_COUNT]; //  its targets (lead, or joint when the task has no lead) by status
    int targets;              //  targets it leads or jointly leads
    int co_targets;       //  targets it supports (按职责分工负责) under another unit's lead
    int duties_overdue;   //  figures it owes past their reporting deadline (REPORT_OVERDUE)
    size_t *target_index; //  indexes into report_t.targets of its targets (owned)
} report_unit_t;

//  One city's reporting record over the indicators cities report.
typedef struct {
    const org_unit_t *city; //  borrowed
    size_t order;           //  catalog order
    int due;                //  figures whose reporting deadline had passed by the as-of date
    int on_time;            //  received by the deadline
    int late;               //  received after it
    int missing;            //  not received (REPORT_OVERDUE)
} report_city_t;

//  One overdue subject (a target, or one year of a quota).
typedef struct {
    const report_target_t *target; //  its target
    const judge_result_t *result;  //  the OVERDUE verdict
    int days;                      //  as_of - deadline
    report_alert_t alert;          //  alertd's record of it
} report_overdue_t;

//  One unit's outstanding figures (催报).
typedef struct {
    const resp_unit_t *unit;       //  borrowed
    size_t order;                  //  catalog order, the last tie-break
    const judge_result_t **duties; //  its REPORT_OVERDUE duties, by indicator then period
    size_t count;                  //  entries in duties
    day_t oldest_due;              //  earliest reporting deadline among them
} report_chase_t;

typedef struct {
    report_options_t opts;     //  what it was built for
    const catalog_t *catalog;  //  the store's catalog (borrowed)
    judge_data_t *data;        //  the figures judged (owned)
    judge_report_t *judged;    //  the verdicts (owned)
    report_target_t *targets;  //  every target, catalog order
    size_t target_count;       //  entries in targets
    int lights[REPORT_LIGHTS]; //  targets per headline word (report_light_status order)
    report_overdue_t *overdue; //  overdue subjects, longest overdue first
    size_t overdue_count;      //  entries in overdue
    report_unit_t *units;      //  responsible units, ranked (most overdue first)
    size_t unit_count;         //  entries in units
    report_city_t *cities;     //  cities, ranked by on-time rate
    size_t city_count;         //  entries in cities
    report_chase_t *chase;     //  units owing figures, most first
    size_t chase_count;        //  entries in chase
    size_t duty_count;         //  REPORT_OVERDUE duties in all
    bool late_from_history;    //  "late" read from the evaluator's duty history (REPORT.md)
    bool alerts_available;     //  the store has alertd's tables
    int64_t change_id;         //  highest change id of the figures judged
    size_t figures;            //  figures judged (org, indicator, period)
    char **strings;            //  strings the report owns (notes, evidence)
    size_t string_count;       //  entries in strings
} report_t;

//  Builds the bulletin's contents from the store as of opts->as_of (the catalog is the
//  store's, read by the caller with catalog_read and borrowed). Runs its own REPEATABLE READ
//  transaction. Returns an owned report, or NULL (logged) when the store cannot be read.
report_t *report_build(PGconn *conn, const catalog_t *catalog, const report_options_t *opts);

//  Frees the report; sets *self_p to NULL. Idempotent.
void report_destroy(report_t **self_p);

//  The whole page: an owned NUL-terminated UTF-8 string (*size bytes), or NULL on
//  out-of-memory. The same report gives the same bytes.
char *report_page(const report_t *self, size_t *size);

//  Reads the catalog, builds the report and writes the page: what `planctl report` and the
//  benchmark call. Returns 0 with an owned page in *html, or -1 (logged).
int report_render(PGconn *conn, const report_options_t *opts, char **html, size_t *size);

//  The status of headline word i (0 ACHIEVED ... 5 NO_DATA).
status_t report_light_status(int i);

//  达成, 正常, 预警, 滞后, 逾期, 无数据 (REPORT_OVERDUE 逾期未报, REPORTED 已补报).
const char *report_status_zh(status_t status);

//  CSS class of a status: "achieved", "on-track", "at-risk", "off-track", "overdue", "no-data".
const char *report_status_class(status_t status);

//  The lead units of a target (catalog_target_units: its own, else its task's), or its
//  co-responsible units when it has none (joint). Sets *joint when the units returned are co
//  units. Returns the count written to out.
size_t report_target_leads(const catalog_t *cat, const target_t *target, const task_unit_t **out,
                           size_t max, bool *joint);

//  The reporting deadline of the period a verdict's deadline falls in (the figure that
//  settles it).
day_t report_figure_due(const judge_result_t *r);

// ---------------------------------------------------------------------------------------------
//  The HTML buffer (planctl_report_html.c). Text from the store goes through html_text, which
//  escapes & < > " ' and replaces what XML cannot hold (C0 controls, broken UTF-8).

typedef struct {
    char *data;  //  the bytes so far, NUL-terminated
    size_t size; //  bytes in data
    size_t cap;  //  bytes allocated
    bool failed; //  an allocation failed: the page is lost
} html_t;

void html_init(html_t *h);
void html_free(html_t *h);

//  Appends markup written by this program (never text from the store).
void html_raw(html_t *h, const char *markup);
void html_rawf(html_t *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

//  Appends text escaped for an element or a double-quoted attribute.
void html_text(html_t *h, const char *text);
void html_textf(html_t *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

//  Hands over the bytes (owned, NUL-terminated); NULL when an allocation failed.
char *html_take(html_t *h, size_t *size);

//  A number as a table shows it: at most two decimals, trailing zeros dropped, "—" when not
//  finite. Returns buf.
char *report_fmt_number(double v, char *buf, size_t size);

//  A short axis label: 1.4万 for 14000, 2.5亿 above 10^8. Returns buf.
char *report_fmt_compact(double v, char *buf, size_t size);

//  "2025年12月31日". Returns buf (at least 20 bytes).
char *report_fmt_day_zh(day_t d, char *buf, size_t size);

//  ≥ ＞ ≤ ＜ for a comparison.
const char *report_cmp_sign(cmp_t cmp);

// ---------------------------------------------------------------------------------------------
//  Charts (planctl_report_svg.c)

//  Appends the inline SVG chart of a numeric target: the reported series, the required path
//  from the baseline to the target, the projection to the deadline and the deadline.
void report_svg_chart(html_t *h, const report_t *report, const report_target_t *t);

#endif
