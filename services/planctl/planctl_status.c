/*  planctl_status.c - the office: `planctl status`, every target of the plan as of any date

    Computed here with judge.c from the store's figures, the same code evaluatord runs, so it
    answers for any date (and "what did we know then" with --known-at) even with evaluatord down.
*/
#include "planctl.h"

#include "catalog.h"
#include "clock.h"
#include "judge.h"
#include "text.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const s_usage =
    "usage: planctl status [--as-of DATE] [--known-at DATE] [--task CODE] [--org CODE]\n"
    "                      [--format table|csv|json]\n"
    "  --as-of DATE     judge as of this day (default: the store's clock, else today)\n"
    "  --known-at DATE  use only figures received by the end of this day (Asia/Shanghai)\n"
    "  --task CODE      one task group or task (T4, T4.1, G, L1)\n"
    "  --org CODE       an org unit (430000, 431000) or a responsible unit (P_STD, GOV_430100)\n"
    "  --format F       table (default), csv or json\n";

//  What to show.
typedef struct {
    const catalog_t *cat; //  the plan
    const char *task;     //  --task, NULL for all
    const char *org;      //  --org as an org unit code, NULL
    const char *unit;     //  --org as a responsible unit code, NULL
} filter_t;

typedef struct {
    status_t status;  //  the status
    const char *zh;   //  as the office says it
    const char *ansi; //  terminal colour
} status_look_t;

static const status_look_t s_looks[] = {
    {STATUS_ACHIEVED, "已完成", "\033[32m"},         {STATUS_ON_TRACK, "进展顺利", "\033[32m"},
    {STATUS_AT_RISK, "存在风险", "\033[33m"},        {STATUS_OFF_TRACK, "进度滞后", "\033[31m"},
    {STATUS_OVERDUE, "逾期未完成", "\033[1;31m"},    {STATUS_NO_DATA, "暂无数据", "\033[2m"},
    {STATUS_REPORT_OVERDUE, "逾期未报", "\033[31m"}, {STATUS_REPORTED, "已补报", "\033[32m"},
};

static const status_look_t *
s_look(status_t status)
{
    for (size_t i = 0; i < sizeof s_looks / sizeof s_looks[0]; i++)
        if (s_looks[i].status == status)
            return &s_looks[i];
    return &s_looks[STATUS_NO_DATA];
}

//  The status as the office says it: a milestone done after its deadline is ACHIEVED (the
//  rule's documented choice) but is shown as completed late, not as on time.
static const char *
s_status_zh(const judge_result_t *r)
{
    if (r->status == STATUS_ACHIEVED && r->reason == REASON_MILESTONE_LATE)
        return "已完成（逾期）";
    return s_look(r->status)->zh;
}

static const char *
s_cmp_sign(cmp_t cmp)
{
    static const char *const signs[] = {"≥", ">", "≤", "<"};
    return signs[cmp];
}

//  "≥ 14000 家", "年均增长 ≥ 10%", "≥ 全国水平", "按期完成", "每年 ≥ 100 家".
static void
s_goal(const target_t *t, char *buf, size_t size)
{
    char n[64];
    if (t->kind == TARGET_MILESTONE)
        snprintf(buf, size, "按期完成");
    else if (t->kind == TARGET_RELATIVE)
        snprintf(buf, size, "%s 全国水平", s_cmp_sign(t->cmp));
    else if (t->kind == TARGET_GROWTH)
        snprintf(buf, size, "年均增长 %s %s%%", s_cmp_sign(t->cmp),
                 text_number(t->value, n, sizeof n));
    else if (t->kind == TARGET_QUOTA)
        snprintf(buf, size, "每年 %s %s %s", s_cmp_sign(t->cmp), text_number(t->value, n, sizeof n),
                 t->unit);
    else
        snprintf(buf, size, "%s %s %s", s_cmp_sign(t->cmp), text_number(t->value, n, sizeof n),
                 t->unit);
}

//  The judged figure in words: "11700 家 (2023)", "9.2% (2021-2024)", "2 % / 全国 2.65 %".
static void
s_value(const judge_result_t *r, char *buf, size_t size)
{
    char n[64], g[64];
    const target_t *t = r->target;
    buf[0] = '\0';
    if (t && t->kind == TARGET_MILESTONE) {
        const char *started = json_string_value(json_object_get(r->evidence, "started_on"));
        if (*r->value_period)
            snprintf(buf, size, "完成于 %s", r->value_period);
        else if (started)
            snprintf(buf, size, "已开工 %s", started);
        else
            snprintf(buf, size, "—");
        return;
    }
    if (!r->has_value) {
        snprintf(buf, size, "—");
        return;
    }
    const char *unit = r->indicator ? r->indicator->unit : "";
    if (t && t->kind == TARGET_GROWTH) {
        const char *base =
            json_string_value(json_object_get(json_object_get(r->evidence, "baseline"), "period"));
        snprintf(buf, size, "%s%% (%s-%s)", text_number(r->value, n, sizeof n), base ? base : "",
                 r->value_period);
    } else if (t && t->kind == TARGET_RELATIVE && r->has_goal)
        snprintf(buf, size, "%s%s / 全国 %s%s (%s)", text_number(r->value, n, sizeof n), unit,
                 text_number(r->goal, g, sizeof g), unit, r->value_period);
    else if (t && t->kind == TARGET_CUMULATIVE)
        snprintf(buf, size, "累计 %s%s (至%s)", text_number(r->value, n, sizeof n), unit,
                 r->value_period);
    else
        snprintf(buf, size, "%s%s (%s)", text_number(r->value, n, sizeof n), unit, r->value_period);
    if (r->incomplete && strlen(buf) + 8 < size)
        strcat(buf, " 缺市");
}

//  Lead units of a target (catalog_target_units: its own, else its task's; names joined by 、,
//  inferred ones marked （推定）), or its co-responsible units when none leads.
static void
s_lead(const catalog_t *cat, const target_t *target, char *buf, size_t size)
{
    static const char joint[] = "（共同）";
    if (catalog_target_unit_names(cat, target, ROLE_LEAD, buf, size) == 0 && size > sizeof joint &&
        catalog_target_unit_names(cat, target, ROLE_CO, buf + sizeof joint - 1,
                                  size - sizeof joint + 1) > 0)
        memcpy(buf, joint, sizeof joint - 1);
}

static bool
s_wanted(const filter_t *f, const judge_result_t *r)
{
    if (r->subject == JUDGE_TARGET) {
        const target_t *t = r->target;
        if (f->task) {
            const task_t *task = catalog_task(f->cat, t->task);
            const task_t *group = catalog_task_group(f->cat, task);
            if (strcmp(t->task, f->task) != 0 && !(group && !strcmp(group->code, f->task)))
                return false;
        }
        if (f->org && strcmp(t->scope, f->org) != 0)
            return false;
        if (f->unit && !catalog_unit_shares_target(f->cat, f->unit, t))
            return false;
        return true;
    }
    if (f->task)
        return false;
    if (f->org && strcmp(r->org, f->org) != 0)
        return false;
    if (f->unit && strcmp(r->unit, f->unit) != 0)
        return false;
    return true;
}

// ---------------------------------------------------------------------------------------------
//  Table

//  One cell cut to its column; the last column (the lead units) is printed whole.
static void
s_cell(const char *text, int width, bool last)
{
    char cut[512];
    if (last) {
        fputs(text, stdout);
        return;
    }
    text_truncate(text, width, cut, sizeof cut);
    text_print_padded(stdout, cut, width + 2);
}

static void
s_table(const judge_report_t *report, const filter_t *f, const char *as_of, const char *known,
        bool colour)
{
    const catalog_t *cat = f->cat;
    static const char *const header[] = {"编号", "目标", "实际",  "目标值",
                                         "期限", "状态", "进度P", "牵头单位"};
    static const int widths[] = {11, 34, 26, 18, 10, 14, 6, 24};
    printf("湖南省动力支撑能力提升行动方案（2022—2025年） 目标进展  截至 %s%s%s\n", as_of,
           known ? "  按 " : "", known ? known : "");
    if (known)
        printf("（仅用 %s 当日结束前收到的数据）\n", known);
    int counts[STATUS_COUNT] = {0};
    for (size_t g = 0; g < catalog_task_count(cat); g++) {
        const task_t *group = catalog_task_at(cat, g);
        if (group != catalog_task_group(cat, group))
            continue;
        bool printed = false;
        for (size_t i = 0; i < judge_report_count(report); i++) {
            const judge_result_t *r = judge_report_at(report, i);
            if (r->subject != JUDGE_TARGET || !s_wanted(f, r))
                continue;
            if (catalog_task_group(cat, catalog_task(cat, r->target->task)) != group)
                continue;
            if (!printed) {
                printf("\n%s %s\n", group->number, group->title);
                for (int c = 0; c < 8; c++)
                    s_cell(header[c], widths[c], c == 7);
                putchar('\n');
                printed = true;
            }
            char code[64], value[256], goal[128], deadline[DAY_TEXT_SIZE], p[32], lead[1024];
            snprintf(code, sizeof code, "%s%s%s", r->target->code, *r->period ? " " : "",
                     r->period);
            s_value(r, value, sizeof value);
            s_goal(r->target, goal, sizeof goal);
            day_format(r->deadline, deadline);
            if (r->has_progress)
                snprintf(p, sizeof p, "%.2f", r->progress);
            else
                snprintf(p, sizeof p, "—");
            s_lead(cat, r->target, lead, sizeof lead);
            const status_look_t *look = s_look(r->status);
            char status[64];
            snprintf(status, sizeof status, "%s%s", s_status_zh(r),
                     r->awaiting        ? "*"
                     : r->due_soon_days ? "!"
                                        : "");
            counts[r->status]++;
            s_cell(code, widths[0], false);
            s_cell(r->target->text, widths[1], false);
            s_cell(value, widths[2], false);
            s_cell(goal, widths[3], false);
            s_cell(deadline, widths[4], false);
            if (colour)
                fputs(look->ansi, stdout);
            s_cell(status, widths[5], false);
            if (colour)
                fputs("\033[0m", stdout);
            s_cell(p, widths[6], false);
            s_cell(lead, widths[7], true);
            putchar('\n');
        }
    }
    printf("\n合计：");
    for (int s = 0; s < STATUS_COUNT; s++)
        if (counts[s])
            printf(" %s %d", s_look((status_t)s)->zh, counts[s]);
    printf("\n注：* 期限已过、该期数据尚未到报送期限；! 临近期限（90/30/7天内）；缺市 = "
           "由不完整的市州数据汇总\n");

    //  催报: the overdue reports, unit by unit (catalog order), one line per series.
    size_t duties = 0;
    for (size_t u = 0; u < catalog_unit_count(cat); u++) {
        const resp_unit_t *unit = catalog_unit_at(cat, u);
        const indicator_t *open = NULL;
        int open_count = 0;
        for (size_t i = 0; i < judge_report_count(report); i++) {
            const judge_result_t *r = judge_report_at(report, i);
            if (r->subject != JUDGE_DUTY || strcmp(r->unit, unit->code) != 0 || !s_wanted(f, r))
                continue;
            if (duties++ == 0)
                printf("\n逾期未报（催报清单）\n");
            if (r->indicator == open) {
                printf("、%s", r->period);
                continue;
            }
            if (open)
                putchar('\n');
            open = r->indicator;
            char due[DAY_TEXT_SIZE];
            printf("  ");
            //  The unit's name on its first line only.
            text_print_padded(stdout, open_count++ == 0 ? unit->name : "", 30);
            text_print_padded(stdout, r->indicator->name, 40);
            printf("(%s 起) %s", day_format(r->deadline, due), r->period);
        }
        if (open)
            putchar('\n');
    }
    if (duties)
        printf("共 %zu 项逾期未报\n", duties);
}

// ---------------------------------------------------------------------------------------------
//  CSV and JSON

static void
s_csv(const judge_report_t *report, const filter_t *f)
{
    static const char *const header[] = {
        "subject",    "group",      "task",     "target",     "period",        "org",
        "unit",       "indicator",  "status",   "status_zh",  "value",         "value_period",
        "goal",       "deadline",   "progress", "projection", "due_soon_days", "awaiting",
        "incomplete", "lead_units", "text",     "reason"};
    size_t columns = sizeof header / sizeof header[0];
    for (size_t c = 0; c < columns; c++)
        planctl_csv_field(header[c], c + 1 == columns);
    for (size_t i = 0; i < judge_report_count(report); i++) {
        const judge_result_t *r = judge_report_at(report, i);
        if (!s_wanted(f, r))
            continue;
        const target_t *t = r->target;
        const task_t *group = t ? catalog_task_group(f->cat, catalog_task(f->cat, t->task)) : NULL;
        char value[64] = "", goal[64] = "", deadline[DAY_TEXT_SIZE] = "", p[64] = "", proj[64] = "",
             due[16], lead[1024] = "";
        if (r->has_value)
            snprintf(value, sizeof value, "%.10g", r->value);
        if (r->has_goal)
            snprintf(goal, sizeof goal, "%.10g", r->goal);
        else if (t && t->has_value)
            snprintf(goal, sizeof goal, "%.10g", t->value);
        if (r->deadline)
            day_format(r->deadline, deadline);
        if (r->has_progress)
            snprintf(p, sizeof p, "%.4f", r->progress);
        if (r->has_projection)
            snprintf(proj, sizeof proj, "%.10g", r->projection);
        snprintf(due, sizeof due, "%d", r->due_soon_days);
        if (t)
            s_lead(f->cat, t, lead, sizeof lead);
        const char *cells[] = {r->subject == JUDGE_TARGET ? "target" : "duty",
                               group ? group->code : "",
                               t ? t->task : "",
                               t ? t->code : "",
                               r->period,
                               r->org,
                               r->unit,
                               r->indicator ? r->indicator->code : "",
                               rules_status_name(r->status),
                               s_status_zh(r),
                               value,
                               r->value_period,
                               goal,
                               deadline,
                               p,
                               proj,
                               due,
                               r->awaiting ? "1" : "0",
                               r->incomplete ? "1" : "0",
                               lead,
                               t ? t->text : "",
                               rules_reason_name(r->reason)};
        for (size_t c = 0; c < columns; c++)
            planctl_csv_field(cells[c], c + 1 == columns);
    }
}

static void
s_json(const judge_report_t *report, const filter_t *f, const char *as_of, const char *known)
{
    json_t *list = json_array();
    for (size_t i = 0; i < judge_report_count(report); i++) {
        const judge_result_t *r = judge_report_at(report, i);
        if (!s_wanted(f, r))
            continue;
        const target_t *t = r->target;
        char deadline[DAY_TEXT_SIZE], lead[1024] = "";
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b, s:b}", "subject",
                              r->subject == JUDGE_TARGET ? "target" : "duty", "key", r->key, "org",
                              r->org, "period", r->period, "status", rules_status_name(r->status),
                              "status_zh", s_status_zh(r), "deadline",
                              day_format(r->deadline, deadline), "due_soon_days", r->due_soon_days,
                              "awaiting", r->awaiting, "incomplete", r->incomplete);
        if (t) {
            const task_t *group = catalog_task_group(f->cat, catalog_task(f->cat, t->task));
            s_lead(f->cat, t, lead, sizeof lead);
            json_object_set_new(o, "target", json_string(t->code));
            json_object_set_new(o, "task", json_string(t->task));
            json_object_set_new(o, "group", json_string(group ? group->code : ""));
            json_object_set_new(o, "kind", json_string(catalog_kind_name(t->kind)));
            json_object_set_new(o, "text", json_string(t->text));
            json_object_set_new(o, "lead_units", json_string(lead));
        } else {
            json_object_set_new(o, "unit", json_string(r->unit));
            json_object_set_new(o, "indicator", json_string(r->indicator->code));
        }
        json_object_set_new(o, "reason", json_string(rules_reason_name(r->reason)));
        json_object_set_new(o, "value", r->has_value ? json_real(r->value) : json_null());
        json_object_set_new(o, "value_period", json_string(r->value_period));
        json_object_set_new(o, "goal", r->has_goal ? json_real(r->goal) : json_null());
        json_object_set_new(o, "progress", r->has_progress ? json_real(r->progress) : json_null());
        json_object_set_new(o, "projection",
                            r->has_projection ? json_real(r->projection) : json_null());
        json_object_set_new(o, "evidence", json_incref(r->evidence));
        json_array_append_new(list, o);
    }
    json_t *doc = json_pack("{s:s, s:o, s:o}", "as_of", as_of, "known_at",
                            known ? json_string(known) : json_null(), "subjects", list);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    puts(text);
    free(text);
    json_decref(doc);
}

// ---------------------------------------------------------------------------------------------

int
planctl_cmd_status(int argc, char **argv)
{
    const char *as_of_text = NULL, *known_text = NULL, *format = "table";
    filter_t f = {0};
    const char *org = NULL;
    static const struct option options[] = {{"as-of", required_argument, NULL, 'a'},
                                            {"known-at", required_argument, NULL, 'k'},
                                            {"task", required_argument, NULL, 't'},
                                            {"org", required_argument, NULL, 'o'},
                                            {"format", required_argument, NULL, 'f'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'a':
            as_of_text = optarg;
            break;
        case 'k':
            known_text = optarg;
            break;
        case 't':
            f.task = optarg;
            break;
        case 'o':
            org = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'h':
            fputs(s_usage, stdout);
            return 0;
        default:
            fputs(s_usage, stderr);
            return 2;
        }
    }
    day_t as_of = 0, known = 0;
    if (optind < argc || (as_of_text && day_parse(as_of_text, &as_of) != 0) ||
        (known_text && day_parse(known_text, &known) != 0) ||
        (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json"))) {
        fprintf(stderr, "planctl status: dates are YYYY-MM-DD, --format is table, csv or json\n");
        fputs(s_usage, stderr);
        return 2;
    }
    int leads[PLANCTL_LEADS_MAX];
    int lead_count = planctl_due_soon_leads("status", leads);
    if (lead_count < 0)
        return 2;
    PGconn *conn = planctl_db_connect();
    if (!conn)
        return 2;
    int rc = 0;
    judge_report_t *report = NULL;
    catalog_t *cat = catalog_read(conn);
    if (!cat) {
        fprintf(stderr, "planctl: cannot read the catalog from the store\n");
        rc = 2;
        goto cleanup;
    }
    f.cat = cat;
    if (org) {
        if (catalog_org(cat, org))
            f.org = org;
        else if (catalog_unit(cat, org))
            f.unit = org;
        else {
            fprintf(stderr, "planctl status: --org %s is neither an org unit nor a unit\n", org);
            rc = 2;
            goto cleanup;
        }
    }
    if (f.task && !catalog_task(cat, f.task)) {
        fprintf(stderr, "planctl status: no task %s in the plan\n", f.task);
        rc = 2;
        goto cleanup;
    }
    if (!as_of_text && clock_today(conn, NULL, &as_of) != 0) {
        fprintf(stderr, "planctl status: cannot read the store's clock\n");
        rc = 2;
        goto cleanup;
    }
    judge_options_t opts = {as_of, leads, (size_t)lead_count};
    report = judge_run(conn, cat, &opts, known_text ? &known : NULL);
    if (!report) {
        fprintf(stderr, "planctl status: cannot judge (see the log line above)\n");
        rc = 2;
        goto cleanup;
    }
    char day[DAY_TEXT_SIZE];
    day_format(as_of, day);
    if (!strcmp(format, "json"))
        s_json(report, &f, day, known_text);
    else if (!strcmp(format, "csv"))
        s_csv(report, &f);
    else
        s_table(report, &f, day, known_text, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
cleanup:
    judge_report_destroy(&report);
    catalog_destroy(&cat);
    PQfinish(conn);
    return rc;
}
