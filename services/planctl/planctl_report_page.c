/*  planctl_report_page.c - the bulletin's page: headline, overdue list, task groups, units,
    cities, 催报 and charts, as one self-contained HTML document */
#include "planctl_report.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNITS_MAX 64

#ifndef PLANWATCH_VERSION
#define PLANWATCH_VERSION "dev"
#endif

//  No scripts, fonts, images or links: the policy makes a browser refuse (and log) any fetch.
static const char s_head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"zh-CN\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\"/>\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
    "style-src 'unsafe-inline'\"/>\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
    "<meta name=\"generator\" content=\"planwatch " PLANWATCH_VERSION " planctl report\"/>\n";

//  Inline CSS; it must hold neither '<' nor '&' (the page is also well-formed XML).
static const char s_css[] =
    "<style>\n"
    "@page { size: A4; margin: 14mm 12mm 16mm; }\n"
    ":root { --achieved: #1b7f3b; --on-track: #4c9a2a; --at-risk: #d99a00; --off-track: #e8590c;"
    " --overdue: #c92a2a; --no-data: #868e96; --line: #ced4da; }\n"
    "* { box-sizing: border-box; }\n"
    "body { margin: 0 auto; max-width: 1160px; padding: 20px 28px 40px; color: #212529;"
    " background: #fff; font-size: 14px; line-height: 1.55; font-family: \"Noto Sans CJK SC\","
    " \"Source Han Sans SC\", \"Microsoft YaHei\", \"PingFang SC\", \"WenQuanYi Micro Hei\","
    " sans-serif; }\n"
    ".masthead { text-align: center; border-bottom: 3px solid var(--overdue);"
    " padding-bottom: 8px; margin-bottom: 14px; }\n"
    ".issuer { color: var(--overdue); font-size: 26px; font-weight: 700; letter-spacing: 6px;"
    " margin: 0; }\n"
    "h1 { font-size: 21px; margin: 6px 0 4px; }\n"
    ".meta { color: #495057; font-size: 13px; margin: 2px 0; }\n"
    "h2 { font-size: 18px; border-left: 5px solid var(--overdue); padding-left: 8px;"
    " margin: 26px 0 10px; }\n"
    "h3 { font-size: 15px; margin: 16px 0 6px; }\n"
    "table { width: 100%; border-collapse: collapse; font-size: 13px; margin: 4px 0 12px; }\n"
    "th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left;"
    " vertical-align: top; }\n"
    "th { background: #f1f3f5; font-weight: 600; white-space: nowrap; }\n"
    "td.num, th.num { text-align: right; white-space: nowrap;"
    " font-variant-numeric: tabular-nums; }\n"
    "td.code { white-space: nowrap; font-size: 12px; }\n"
    "td.nowrap { white-space: nowrap; }\n"
    ".lights { display: grid; grid-template-columns: repeat(6, 1fr); gap: 10px;"
    " margin: 8px 0 10px; }\n"
    ".light { border: 1px solid #dee2e6; border-top: 6px solid var(--c); border-radius: 8px;"
    " padding: 8px 4px; text-align: center; }\n"
    ".light .word { font-size: 15px; font-weight: 600; }\n"
    ".light .count { display: block; font-size: 32px; font-weight: 700; color: var(--c);"
    " line-height: 1.2; }\n"
    ".dot { display: inline-block; width: 12px; height: 12px; border-radius: 50%;"
    " background: var(--c); margin-right: 5px; }\n"
    ".achieved { --c: var(--achieved); }\n"
    ".on-track { --c: var(--on-track); }\n"
    ".at-risk { --c: var(--at-risk); }\n"
    ".off-track { --c: var(--off-track); }\n"
    ".overdue { --c: var(--overdue); }\n"
    ".no-data { --c: var(--no-data); }\n"
    ".status { white-space: nowrap; font-weight: 600; color: var(--c); }\n"
    ".tag { display: inline-block; border: 1px solid var(--c); color: var(--c);"
    " border-radius: 3px; padding: 0 3px; margin: 1px 3px 1px 0; font-size: 12px;"
    " white-space: nowrap; }\n"
    ".soon { display: inline-block; font-size: 12px; color: var(--off-track); }\n"
    ".sub, .note { color: #6c757d; font-size: 12px; }\n"
    ".summary { font-size: 15px; }\n"
    ".summary b { color: var(--overdue); }\n"
    ".lead { font-weight: 600; }\n"
    ".empty { color: #6c757d; font-style: italic; }\n"
    ".grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 10px 18px;"
    " align-items: start; }\n"
    ".grid2 table { margin: 0; }\n"
    "caption { text-align: left; font-weight: 600; padding: 2px 0; }\n"
    "figure.chart { margin: 0; border: 1px solid #dee2e6; border-radius: 6px;"
    " padding: 6px 8px 4px; }\n"
    "figure.chart figcaption { font-size: 13px; font-weight: 600; }\n"
    "svg.chart { display: block; width: 100%; height: auto; }\n"
    "svg.chart text { font-size: 11px; fill: #495057; }\n"
    "svg.chart .axis { stroke: #495057; stroke-width: 1; }\n"
    "svg.chart .grid { stroke: #e9ecef; stroke-width: 1; }\n"
    "svg.chart .series { fill: none; stroke: #1c7ed6; stroke-width: 2; }\n"
    "svg.chart .point { fill: #1c7ed6; }\n"
    "svg.chart .point.partial { fill: #fff; stroke: #1c7ed6; stroke-width: 1.5; }\n"
    "svg.chart .bar { fill: #74c0fc; stroke: #1c7ed6; }\n"
    "svg.chart .required { fill: none; stroke: #2b8a3e; stroke-width: 1.5;"
    " stroke-dasharray: 6 4; }\n"
    "svg.chart .goal { stroke: #2b8a3e; stroke-width: 1; stroke-dasharray: 2 3; }\n"
    "svg.chart .projection { fill: none; stroke: #f76707; stroke-width: 2;"
    " stroke-dasharray: 5 3; }\n"
    "svg.chart .projected { fill: #f76707; }\n"
    "svg.chart .reference { fill: none; stroke: #868e96; stroke-width: 1.5; }\n"
    "svg.chart .reference-point { fill: #868e96; }\n"
    "svg.chart .reference-projection { fill: none; stroke: #868e96; stroke-width: 1.5;"
    " stroke-dasharray: 5 3; }\n"
    "svg.chart .deadline { stroke: #c92a2a; stroke-width: 1.5; }\n"
    "svg.chart .asof { stroke: #adb5bd; stroke-width: 1; stroke-dasharray: 3 3; }\n"
    "svg.chart text.deadline-label { fill: #c92a2a; }\n"
    "svg.chart text.nodata { font-size: 14px; fill: #868e96; }\n"
    "footer { margin-top: 28px; border-top: 1px solid var(--line); padding-top: 8px;"
    " color: #495057; font-size: 12px; }\n"
    "footer li { margin: 2px 0; }\n"
    "@media (max-width: 760px) { .lights { grid-template-columns: repeat(3, 1fr); }"
    " .grid2 { grid-template-columns: 1fr; } }\n"
    "@media print {\n"
    "  body { max-width: none; padding: 0; font-size: 10.5pt; }\n"
    "  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }\n"
    "  h2, h3 { break-after: avoid; page-break-after: avoid; }\n"
    "  tr, figure.chart, .light, .grid2 table { break-inside: avoid;"
    " page-break-inside: avoid; }\n"
    "  thead { display: table-header-group; }\n"
    "  table { font-size: 9pt; }\n"
    "  #charts { break-before: page; page-break-before: always; }\n"
    "}\n"
    "</style>\n";

//  What a section writer needs.
typedef struct {
    html_t *h;            //  the page
    const report_t *rep;  //  the report
    const catalog_t *cat; //  its catalog
} page_t;

// ---------------------------------------------------------------------------------------------
//  Small pieces

static void
s_status(html_t *h, status_t status)
{
    html_rawf(h, "<span class=\"status %s\"><span class=\"dot\"></span>%s</span>",
              report_status_class(status), report_status_zh(status));
}

//  "高新技术企业数" style value with unit: 13264家.
static void
s_value(html_t *h, double v, const char *unit)
{
    char buf[64];
    html_rawf(h, "<b>%s</b>", report_fmt_number(v, buf, sizeof buf));
    html_text(h, unit);
}

static void
s_period_year(html_t *h, const char *period)
{
    if (!period || !*period)
        return;
    //  "2024" -> 2024年; quarters and months as written ("2024Q2", "2024-06").
    if (strlen(period) == 4)
        html_textf(h, "（%s年）", period);
    else
        html_textf(h, "（%s）", period);
}

static const char *
s_unit_name(const catalog_t *cat, const char *code)
{
    const resp_unit_t *u = catalog_unit(cat, code);
    return u ? u->name : code;
}

static const char *
s_org_name(const catalog_t *cat, const char *code)
{
    const org_unit_t *o = catalog_org(cat, code);
    return o ? o->name : code;
}

//  The lead units of the target (推定 marks inferred ones), or 共同负责 and its units.
static void
s_leads(page_t *p, const target_t *target)
{
    const task_unit_t *leads[UNITS_MAX];
    bool joint;
    size_t n = report_target_leads(p->cat, target, leads, UNITS_MAX, &joint);
    if (n == 0) {
        html_raw(p->h, "<span class=\"empty\">方案未明确</span>");
        return;
    }
    if (joint)
        html_raw(p->h, "<span class=\"sub\">共同负责：</span>");
    for (size_t i = 0; i < n; i++) {
        if (i)
            html_raw(p->h, "、");
        html_text(p->h, s_unit_name(p->cat, leads[i]->unit));
        if (leads[i]->inferred)
            html_raw(p->h, "<span class=\"sub\">（推定）</span>");
    }
}

//  Every responsible unit: leads in bold, then the co-responsible ones.
static void
s_all_units(page_t *p, const target_t *target)
{
    const task_unit_t *leads[UNITS_MAX];
    bool joint;
    size_t n = report_target_leads(p->cat, target, leads, UNITS_MAX, &joint);
    if (n == 0) {
        html_raw(p->h, "<span class=\"empty\">方案未明确</span>");
        return;
    }
    html_raw(p->h,
             joint ? "<span class=\"sub\">共同负责：</span>" : "<span class=\"sub\">牵头：</span>");
    html_raw(p->h, "<span class=\"lead\">");
    for (size_t i = 0; i < n; i++) {
        if (i)
            html_raw(p->h, "、");
        html_text(p->h, s_unit_name(p->cat, leads[i]->unit));
        if (leads[i]->inferred)
            html_raw(p->h, "（推定）");
    }
    html_raw(p->h, "</span>");
    if (joint)
        return;
    size_t count, co = 0;
    const task_unit_t *units = catalog_target_units(p->cat, target, &count);
    for (size_t i = 0; i < count; i++) {
        if (units[i].role != ROLE_CO)
            continue;
        html_raw(p->h, co++ ? "、" : "<br/><span class=\"sub\">配合：</span>");
        html_text(p->h, s_unit_name(p->cat, units[i].unit));
    }
}

static const char *
s_started_on(const judge_result_t *r)
{
    const char *s =
        r->evidence ? json_string_value(json_object_get(r->evidence, "started_on")) : NULL;
    return s ? s : "";
}

//  The target's figure against nothing: what it stands at (完成情况).
static void
s_value_cell(page_t *p, const report_target_t *t)
{
    html_t *h = p->h;
    const target_t *tg = t->target;
    const judge_result_t *r = t->main;
    const char *unit = t->indicator ? t->indicator->unit : "";
    if (tg->kind == TARGET_MILESTONE) {
        if (!r)
            html_raw(h, "<span class=\"empty\">尚未报告</span>");
        else if (r->reason == REASON_MILESTONE_LATE)
            html_textf(h, "逾期完成（%s）", r->value_period);
        else if (r->status == STATUS_ACHIEVED)
            html_textf(h, "已完成（%s）", r->value_period);
        else if (*s_started_on(r))
            html_textf(h, "已启动（%s），尚未完成", s_started_on(r));
        else
            html_raw(h, "<span class=\"empty\">尚未报告</span>");
        if (*t->milestone_text) {
            html_raw(h, "<br/><span class=\"note\">依据：");
            html_text(h, t->milestone_text);
            html_raw(h, "</span>");
        }
        return;
    }
    if (tg->kind == TARGET_QUOTA) {
        if (t->result_count == 0)
            html_raw(h, "<span class=\"empty\">尚未开始</span>");
        for (size_t i = 0; i < t->result_count; i++) {
            const judge_result_t *y = t->results[i];
            if (i)
                html_raw(h, "<br/>");
            html_textf(h, "%s年：", y->period);
            if (y->has_value) {
                s_value(h, y->value, unit);
                html_raw(h, " ");
            }
            s_status(h, y->status);
        }
        return;
    }
    if (!r || !r->has_value) {
        html_raw(h, "<span class=\"empty\">暂无数据</span>");
        if (r && r->reason == REASON_FIGURE_MISSING)
            html_raw(h, "<br/><span class=\"note\">截止期数据逾期未报</span>");
        return;
    }
    switch (tg->kind) {
    case TARGET_GROWTH:
        html_raw(h, "年均增长 ");
        s_value(h, r->value, "%");
        html_textf(h, "（%d—%s年）", tg->base_year, r->value_period);
        break;
    case TARGET_CUMULATIVE: {
        int start = tg->start_year ? tg->start_year : t->indicator->first_period.year;
        html_raw(h, "累计 ");
        s_value(h, r->value, unit);
        if (r->value_period[0] && atoi(r->value_period) != start)
            html_textf(h, "（%d—%.4s年）", start, r->value_period);
        else
            html_textf(h, "（%d年）", start);
        break;
    }
    case TARGET_RELATIVE:
        s_value(h, r->value, unit);
        s_period_year(h, r->value_period);
        if (r->has_goal) {
            char buf[64];
            html_textf(h, "；全国 %s", report_fmt_number(r->goal, buf, sizeof buf));
            html_text(h, unit);
        } else
            html_raw(h, "；<span class=\"empty\">全国数据暂缺</span>");
        break;
    default:
        s_value(h, r->value, unit);
        s_period_year(h, r->value_period);
    }
    if (r->has_projection && r->status != STATUS_ACHIEVED && r->status != STATUS_OVERDUE) {
        char buf[64];
        html_textf(h, "，预计 %s", report_fmt_number(r->projection, buf, sizeof buf));
        html_text(h, unit);
    }
    if (r->incomplete)
        html_raw(h, "<br/><span class=\"note\">由市州汇总，部分市州数据缺失</span>");
    if (r->awaiting)
        html_raw(h, "<br/><span class=\"note\">截止期数据尚未到报送期限</span>");
    if (*t->note) {
        html_raw(h, "<br/><span class=\"note\">备注：");
        html_text(h, t->note);
        html_raw(h, "</span>");
    }
}

//  What the target asks (目标值).
static void
s_goal_cell(page_t *p, const report_target_t *t)
{
    html_t *h = p->h;
    const target_t *tg = t->target;
    char buf[64];
    switch (tg->kind) {
    case TARGET_MILESTONE:
        html_raw(h, "按期完成");
        return;
    case TARGET_RELATIVE:
        html_textf(h, "%s全国平均水平", report_cmp_sign(tg->cmp));
        return;
    case TARGET_GROWTH:
        html_textf(h, "年均增长%s%s%%", report_cmp_sign(tg->cmp),
                   report_fmt_number(tg->value, buf, sizeof buf));
        return;
    case TARGET_QUOTA:
        html_textf(h, "每年%s%s", report_cmp_sign(tg->cmp),
                   report_fmt_number(tg->value, buf, sizeof buf));
        html_text(h, tg->unit);
        return;
    case TARGET_CUMULATIVE:
        html_raw(h, "累计");
        break;
    default:
        break;
    }
    html_textf(h, "%s%s", report_cmp_sign(tg->cmp), report_fmt_number(tg->value, buf, sizeof buf));
    html_text(h, tg->unit);
}

static void
s_progress_cell(html_t *h, const judge_result_t *r)
{
    if (r && r->has_progress && isfinite(r->progress))
        html_rawf(h, "%.2f", r->progress);
    else
        html_raw(h, "—");
}

// ---------------------------------------------------------------------------------------------
//  Sections

static void
s_masthead(page_t *p)
{
    const report_t *rep = p->rep;
    char as_of[32], known[32], day[DAY_TEXT_SIZE];
    report_fmt_day_zh(rep->opts.as_of, as_of, sizeof as_of);
    html_rawf(p->h, "<title>湖南省动力支撑能力提升行动方案实施情况调度通报（截至%s）</title>\n",
              as_of);
    html_raw(p->h, s_css);
    html_raw(p->h, "</head>\n<body>\n<header class=\"masthead\">\n"
                   "<p class=\"issuer\">调度通报</p>\n"
                   "<h1>《湖南省动力支撑能力提升行动方案（2022—2025年）》实施情况</h1>\n");
    html_rawf(p->h,
              "<p class=\"meta\">湖南省人民政府督查室 ｜ 数据截至 <b id=\"as-of\" "
              "data-date=\"%s\">%s</b>",
              day_format(rep->opts.as_of, day), as_of);
    if (rep->opts.has_known_at)
        html_rawf(p->h, " ｜ 仅计 %s 前收到的数据",
                  report_fmt_day_zh(rep->opts.known_at, known, sizeof known));
    html_rawf(p->h,
              "</p>\n<p class=\"meta\">依据：planwatch 数据库（数值 %zu 项，数据变更号 %lld）；"
              "状态判定与 planctl status 一致</p>\n</header>\n",
              rep->figures, (long long)rep->change_id);
}

static void
s_headline(page_t *p)
{
    const report_t *rep = p->rep;
    html_t *h = p->h;
    html_raw(h, "<section id=\"headline\">\n<h2>一、总体情况</h2>\n<div class=\"lights\">\n");
    for (int i = 0; i < REPORT_LIGHTS; i++) {
        status_t s = report_light_status(i);
        html_rawf(h,
                  "<div class=\"light %s\" data-status=\"%s\" data-count=\"%d\">"
                  "<span class=\"dot\"></span><span class=\"word\">%s</span>"
                  "<span class=\"count\">%d</span></div>\n",
                  report_status_class(s), rules_status_name(s), rep->lights[i], report_status_zh(s),
                  rep->lights[i]);
    }
    html_raw(h, "</div>\n");
    char as_of[32];
    report_fmt_day_zh(rep->opts.as_of, as_of, sizeof as_of);
    html_rawf(h, "<p class=\"summary\">截至%s，方案%zu项可考核目标中，", as_of, rep->target_count);
    for (int i = 0; i < REPORT_LIGHTS; i++)
        html_rawf(h, "%s%s%d项", i ? "、" : "", report_status_zh(report_light_status(i)),
                  rep->lights[i]);
    html_raw(h, "。");
    int overdue = rep->lights[4];
    if (overdue) {
        //  The units answering for them, each once.
        size_t units = 0;
        for (size_t u = 0; u < rep->unit_count; u++)
            units += rep->units[u].counts[STATUS_OVERDUE] > 0;
        html_rawf(h,
                  "<b>%d项目标已逾期未完成</b>（%zu个考核期），涉及责任单位%zu个，详见第二部分。",
                  overdue, rep->overdue_count, units);
    } else
        html_raw(h, "无逾期未完成目标。");
    if (rep->duty_count)
        html_rawf(h, "另有%zu个单位共%zu项数据逾期未报，详见第六部分。", rep->chase_count,
                  rep->duty_count);
    html_raw(h, "</p>\n</section>\n");
}

static void
s_overdue_section(page_t *p)
{
    const report_t *rep = p->rep;
    html_t *h = p->h;
    html_rawf(h, "<section id=\"overdue\">\n<h2>二、逾期未完成事项（%zu项）</h2>\n",
              rep->overdue_count);
    if (rep->overdue_count == 0) {
        html_raw(h, "<p class=\"empty\">截至通报日，无逾期未完成事项。</p>\n</section>\n");
        return;
    }
    html_raw(h, "<table>\n<thead><tr><th class=\"num\">序号</th><th>任务</th><th>目标</th>"
                "<th>截止日期</th><th class=\"num\">逾期天数</th><th>完成情况</th>"
                "<th>责任单位</th><th>告警通知</th><th>确认</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < rep->overdue_count; i++) {
        const report_overdue_t *o = &rep->overdue[i];
        const report_target_t *t = o->target;
        const report_alert_t *a = &o->alert;
        char day[DAY_TEXT_SIZE];
        html_raw(h, "<tr class=\"overdue-row\" data-subject=\"");
        html_text(h, o->result->key);
        html_rawf(h, "\" data-days=\"%d\" data-notified=\"%s\" data-acked=\"%s\">", o->days,
                  a->found ? a->raised_on : "none", a->acked ? "yes" : "no");
        html_rawf(h, "<td class=\"num\">%zu</td><td>", i + 1);
        if (t->task) {
            html_text(h, t->task->number);
            html_raw(h, " ");
            html_text(h, t->task->title);
        }
        html_raw(h, "</td><td>");
        html_text(h, t->target->text);
        html_raw(h, "<br/><span class=\"sub\">");
        html_text(h, t->target->code);
        if (*o->result->period)
            html_textf(h, " · %s年度", o->result->period);
        if (strcmp(t->target->scope, PROVINCE_ORG) != 0) {
            html_raw(h, " · ");
            html_text(h, s_org_name(p->cat, t->target->scope));
        }
        html_rawf(h, "</span></td><td class=\"nowrap\">%s</td>",
                  day_format(o->result->deadline, day));
        html_rawf(h, "<td class=\"num\"><b>%d</b></td><td>", o->days);
        //  The verdict's own figures (a quota: that year's).
        report_target_t one = *t;
        const judge_result_t *only[1] = {o->result};
        one.main = o->result;
        one.results = only;
        one.result_count = 1;
        if (t->target->kind == TARGET_QUOTA) {
            if (o->result->has_value)
                s_value(h, o->result->value, t->indicator ? t->indicator->unit : "");
            else
                html_raw(h, "<span class=\"empty\">暂无数据</span>");
            html_raw(h, " / ");
            s_goal_cell(p, t);
        } else {
            s_value_cell(p, &one);
            html_raw(h, "<br/><span class=\"sub\">目标：");
            s_goal_cell(p, t);
            html_raw(h, "</span>");
        }
        html_raw(h, "</td><td>");
        s_all_units(p, t->target);
        html_raw(h, "</td><td class=\"nowrap\">");
        if (!a->found)
            html_raw(h, "<span class=\"empty\">未通知</span>");
        else {
            html_textf(h, "%s起", a->raised_on);
            if (strcmp(a->state, "open") != 0)
                html_raw(h, "<br/><span class=\"sub\">告警已关闭</span>");
            if (a->level > 0)
                html_raw(h, "<br/><span class=\"sub\">已升级至领导小组办公室</span>");
            if (a->reminders > 0)
                html_rawf(h, "<br/><span class=\"sub\">已提醒%d次</span>", a->reminders);
        }
        html_raw(h, "</td><td class=\"nowrap\">");
        if (a->acked) {
            html_raw(h, "已确认<br/><span class=\"sub\">");
            html_text(h, a->acked_by);
            html_raw(h, " ");
            html_text(h, a->acked_on);
            html_raw(h, "</span>");
        } else if (a->found)
            html_raw(h, "<span class=\"status overdue\">未确认</span>");
        else
            html_raw(h, "—");
        html_raw(h, "</td></tr>\n");
    }
    html_raw(h, "</tbody>\n</table>\n</section>\n");
}

static void
s_groups_section(page_t *p)
{
    const report_t *rep = p->rep;
    html_t *h = p->h;
    html_raw(h, "<section id=\"groups\">\n<h2>三、分任务推进情况</h2>\n");
    for (size_t g = 0; g < catalog_task_count(p->cat); g++) {
        const task_t *group = catalog_task_at(p->cat, g);
        if (group->kind == TASK_TASK)
            continue;
        size_t count = 0;
        for (size_t i = 0; i < rep->target_count; i++)
            count += rep->targets[i].group == group;
        if (!count)
            continue;
        html_raw(h, "<h3>");
        html_text(h, group->number);
        html_raw(h, " ");
        html_text(h, group->title);
        html_rawf(h, "<span class=\"sub\">（%zu项目标）</span></h3>\n", count);
        html_raw(h, "<table class=\"targets\">\n<thead><tr><th>编号</th><th>目标（方案原文）</th>"
                    "<th>完成情况</th><th>目标值</th><th>截止日期</th><th>状态</th>"
                    "<th class=\"num\">进度P</th><th>牵头单位</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < rep->target_count; i++) {
            const report_target_t *t = &rep->targets[i];
            if (t->group != group)
                continue;
            char day[DAY_TEXT_SIZE];
            html_raw(h, "<tr class=\"target\" id=\"target-");
            html_text(h, t->target->code);
            html_raw(h, "\" data-target=\"");
            html_text(h, t->target->code);
            html_rawf(h, "\" data-status=\"%s\"><td class=\"code\">", rules_status_name(t->status));
            html_text(h, t->target->code);
            if (t->task && t->task != group) {
                html_raw(h, "<br/><span class=\"sub\">");
                html_text(h, t->task->number);
                html_raw(h, "</span>");
            }
            html_raw(h, "</td><td>");
            html_text(h, t->target->text);
            if (strcmp(t->target->scope, PROVINCE_ORG) != 0) {
                html_raw(h, "<br/><span class=\"sub\">范围：");
                html_text(h, s_org_name(p->cat, t->target->scope));
                html_raw(h, "</span>");
            }
            html_raw(h, "</td><td>");
            s_value_cell(p, t);
            html_raw(h, "</td><td class=\"nowrap\">");
            s_goal_cell(p, t);
            html_rawf(h, "</td><td class=\"nowrap\">%s</td><td>",
                      day_format(t->target->deadline, day));
            s_status(h, t->status);
            if (t->main && t->main->due_soon_days > 0 && t->status != STATUS_ACHIEVED)
                html_rawf(h, "<br/><span class=\"soon\">临期：距截止%d天</span>",
                          (int)(t->main->deadline - rep->opts.as_of));
            html_raw(h, "</td><td class=\"num\">");
            s_progress_cell(h, t->main);
            html_raw(h, "</td><td>");
            s_leads(p, t->target);
            html_raw(h, "</td></tr>\n");
        }
        html_raw(h, "</tbody>\n</table>\n");
    }
    html_raw(h, "</section>\n");
}

static void
s_units_section(page_t *p)
{
    const report_t *rep = p->rep;
    html_t *h = p->h;
    html_raw(h, "<section id=\"units\">\n<h2>四、责任单位情况排名</h2>\n"
                "<p class=\"sub\">按牵头（方案未明确牵头的，共同负责）目标中逾期、滞后、预警、"
                "无数据项数依次排序，再按逾期未报数据项数。</p>\n");
    if (rep->unit_count == 0) {
        html_raw(h, "<p class=\"empty\">目录中无责任单位。</p>\n</section>\n");
        return;
    }
    html_raw(h, "<table>\n<thead><tr><th class=\"num\">排名</th><th>责任单位</th>"
                "<th class=\"num\">牵头目标</th><th class=\"num\">逾期</th>"
                "<th class=\"num\">滞后</th><th class=\"num\">预警</th>"
                "<th class=\"num\">无数据</th><th class=\"num\">正常</th>"
                "<th class=\"num\">达成</th><th class=\"num\">逾期未报数据</th>"
                "<th class=\"num\">配合目标</th><th>牵头目标明细</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < rep->unit_count; i++) {
        const report_unit_t *u = &rep->units[i];
        html_raw(h, "<tr class=\"unit\" data-unit=\"");
        html_text(h, u->unit->code);
        html_rawf(h, "\" data-overdue=\"%d\" data-targets=\"%d\"><td class=\"num\">%zu</td><td>",
                  u->counts[STATUS_OVERDUE], u->targets, i + 1);
        html_text(h, u->unit->name);
        html_rawf(h, "</td><td class=\"num\">%d</td>", u->targets);
        static const status_t cols[] = {STATUS_OVERDUE, STATUS_OFF_TRACK, STATUS_AT_RISK,
                                        STATUS_NO_DATA, STATUS_ON_TRACK,  STATUS_ACHIEVED};
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
            int n = u->counts[cols[c]];
            if (n && c < 3)
                html_rawf(h, "<td class=\"num\"><span class=\"status %s\">%d</span></td>",
                          report_status_class(cols[c]), n);
            else
                html_rawf(h, "<td class=\"num\">%d</td>", n);
        }
        html_rawf(h, "<td class=\"num\">%d</td><td class=\"num\">%d</td><td>", u->duties_overdue,
                  u->co_targets);
        for (int k = 0; k < u->targets; k++) {
            const report_target_t *t = &rep->targets[u->target_index[k]];
            html_rawf(h, "<span class=\"tag %s\" title=\"", report_status_class(t->status));
            html_text(h, t->target->text);
            html_rawf(h, "（%s）\">", report_status_zh(t->status));
            html_text(h, t->target->code);
            html_raw(h, "</span>");
        }
        html_raw(h, "</td></tr>\n");
    }
    html_raw(h, "</tbody>\n</table>\n</section>\n");
}

//  Whether smaller is better on an indicator: a target on it asks for ≤ or <.
static bool
s_lower_better(const catalog_t *cat, const indicator_t *x)
{
    for (size_t i = 0; i < catalog_target_count(cat); i++) {
        const target_t *t = catalog_target_at(cat, i);
        if (!strcmp(t->indicator, x->code) && (t->cmp == CMP_LE || t->cmp == CMP_LT))
            return true;
    }
    return false;
}

//  One city's figure in a ranking.
typedef struct {
    const org_unit_t *city; //  the city
    size_t order;           //  catalog order
    bool has;               //  a figure for the period
    double value;           //  the figure
    bool has_prev;          //  a figure for the same period a year before
    double prev;            //  that figure
} city_value_t;

//  arg points to a bool: true when smaller ranks first.
static int
s_city_value_cmp(const void *a, const void *b, void *arg)
{
    const city_value_t *x = a, *y = b;
    bool lower = *(const bool *)arg;
    if (x->has != y->has)
        return x->has ? -1 : 1;
    if (x->has && x->value != y->value)
        return (x->value > y->value) != lower ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

//  The ranking of the cities on one indicator, for its latest period any city reported.
static void
s_city_ranking(page_t *p, const indicator_t *x, city_value_t *values, size_t count)
{
    const report_t *rep = p->rep;
    html_t *h = p->h;
    period_t now = period_containing(x->period, rep->opts.as_of);
    int t_now = rules_ordinal(&now), t_first = rules_ordinal(&x->first_period);
    char period[PERIOD_TEXT_SIZE] = "";
    int per_year = rules_per_year(x->period);
    for (int t = t_now; t >= t_first && !*period; t--) {
        period_t pt = rules_period(x->period, t);
        char text[PERIOD_TEXT_SIZE];
        period_format(&pt, text);
        double v;
        for (size_t c = 0; c < count && !*period; c++)
            if (judge_data_value(rep->data, values[c].city->code, x->code, text, &v))
                snprintf(period, sizeof period, "%s", text);
    }
    html_raw(h, "<table class=\"ranking\" data-indicator=\"");
    html_text(h, x->code);
    html_raw(h, "\">\n<caption>");
    html_text(h, x->name);
    html_raw(h, "<span class=\"sub\">（");
    html_text(h, x->unit);
    if (*period)
        html_textf(h, "，%s%s", period, strlen(period) == 4 ? "年" : "");
    html_raw(h, "）</span></caption>\n");
    if (!*period) {
        html_raw(h, "<tbody><tr><td class=\"empty\">暂无市州数据</td></tr></tbody>\n</table>\n");
        return;
    }
    period_t pp;
    period_parse(period, x->period, &pp);
    period_t prev_p = rules_period(x->period, rules_ordinal(&pp) - per_year);
    char prev[PERIOD_TEXT_SIZE];
    period_format(&prev_p, prev);
    double total = 0;
    for (size_t c = 0; c < count; c++) {
        city_value_t *v = &values[c];
        v->has = judge_data_value(rep->data, v->city->code, x->code, period, &v->value);
        v->has_prev = judge_data_value(rep->data, v->city->code, x->code, prev, &v->prev);
        if (v->has)
            total += v->value;
    }
    bool lower = s_lower_better(p->cat, x);
    qsort_r(values, count, sizeof *values, s_city_value_cmp, &lower);
    html_raw(h, "<thead><tr><th class=\"num\">排名</th><th>市州</th><th class=\"num\">数值</th>"
                "<th class=\"num\">同比</th>");
    if (x->agg == AGG_SUM)
        html_raw(h, "<th class=\"num\">占比</th>");
    html_raw(h, "</tr></thead>\n<tbody>\n");
    int rank = 0;
    for (size_t c = 0; c < count; c++) {
        const city_value_t *v = &values[c];
        char buf[64];
        html_raw(h, "<tr><td class=\"num\">");
        if (v->has)
            html_rawf(h, "%d", ++rank);
        else
            html_raw(h, "—");
        html_raw(h, "</td><td>");
        html_text(h, v->city->name);
        if (!v->has) {
            html_rawf(h,
                      "</td><td class=\"num\"><span class=\"status overdue\">未报</span></td>"
                      "<td class=\"num\">—</td>%s</tr>\n",
                      x->agg == AGG_SUM ? "<td class=\"num\">—</td>" : "");
            continue;
        }
        html_rawf(h, "</td><td class=\"num\">%s</td><td class=\"num\">",
                  report_fmt_number(v->value, buf, sizeof buf));
        if (v->has_prev && v->prev > 0)
            html_rawf(h, "%+.1f%%", (v->value / v->prev - 1) * 100);
        else
            html_raw(h, "—");
        html_raw(h, "</td>");
        if (x->agg == AGG_SUM) {
            if (total > 0)
                html_rawf(h, "<td class=\"num\">%.1f%%</td>", v->value / total * 100);
            else
                html_raw(h, "<td class=\"num\">—</td>");
        }
        html_raw(h, "</tr>\n");
    }
    html_raw(h, "</tbody>\n</table>\n");
}

static void
s_cities_section(page_t *p)
{
    const report_t *rep = p->rep;
    html_t *h = p->h;
    html_raw(h, "<section id=\"cities\">\n<h2>五、市州情况</h2>\n"
                "<h3>（一）数据报送及时情况</h3>\n");
    if (rep->late_from_history)
        html_raw(h,
                 "<p class=\"sub\">应报：报送期限已过的市州数据项。迟报：评估服务曾将该项判为"
                 "“逾期未报”（按系统时钟，截至通报日）后才收到。未报：截至通报日仍未收到。</p>\n");
    else
        html_raw(h,
                 "<p class=\"sub\">应报：报送期限已过的市州数据项。迟报：首次收到时间（北京时间）"
                 "晚于报送期限。未报：截至通报日仍未收到。</p>\n");
    html_raw(h, "<table>\n<thead><tr><th class=\"num\">排名</th><th>市州</th>"
                "<th class=\"num\">应报</th><th class=\"num\">按时</th><th class=\"num\">迟报</th>"
                "<th class=\"num\">未报</th><th class=\"num\">及时率</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < rep->city_count; i++) {
        const report_city_t *c = &rep->cities[i];
        html_rawf(h,
                  "<tr class=\"city\" data-city=\"%s\" data-due=\"%d\" data-on-time=\"%d\" "
                  "data-late=\"%d\" data-missing=\"%d\"><td class=\"num\">%zu</td><td>",
                  c->city->code, c->due, c->on_time, c->late, c->missing, i + 1);
        html_text(h, c->city->name);
        html_rawf(h, "</td><td class=\"num\">%d</td><td class=\"num\">%d</td>", c->due, c->on_time);
        html_rawf(h,
                  c->late ? "<td class=\"num\"><span class=\"status off-track\">%d</span></td>"
                          : "<td class=\"num\">%d</td>",
                  c->late);
        html_rawf(h,
                  c->missing ? "<td class=\"num\"><span class=\"status overdue\">%d</span></td>"
                             : "<td class=\"num\">%d</td>",
                  c->missing);
        if (c->due)
            html_rawf(h, "<td class=\"num\">%.1f%%</td></tr>\n", 100.0 * c->on_time / c->due);
        else
            html_raw(h, "<td class=\"num\">—</td></tr>\n");
    }
    html_raw(h, "</tbody>\n</table>\n<h3>（二）分指标排名</h3>\n"
                "<p class=\"sub\">各市州报送的指标，取截至通报日任一市州已报的最近一期；"
                "同比为与上年同期相比；占比为占已报市州合计的比重。</p>\n<div class=\"grid2\">\n");
    city_value_t *values = calloc(rep->city_count ? rep->city_count : 1, sizeof *values);
    if (!values) {
        p->h->failed = true;
        return;
    }
    for (size_t k = 0; k < catalog_indicator_count(p->cat); k++) {
        const indicator_t *x = catalog_indicator_at(p->cat, k);
        if (!x->by_cities)
            continue;
        //  Cities in catalog order, whatever the last sort left.
        size_t n = 0;
        for (size_t o = 0; o < catalog_org_count(p->cat); o++)
            if (catalog_org_at(p->cat, o)->level == ORG_CITY)
                values[n++] = (city_value_t){catalog_org_at(p->cat, o), o, false, 0, false, 0};
        s_city_ranking(p, x, values, n);
    }
    free(values);
    html_raw(h, "</div>\n</section>\n");
}

static void
s_chase_section(page_t *p)
{
    const report_t *rep = p->rep;
    html_t *h = p->h;
    html_rawf(h, "<section id=\"chase\">\n<h2>六、逾期未报数据（催报清单，%zu个单位%zu项）</h2>\n",
              rep->chase_count, rep->duty_count);
    if (rep->chase_count == 0) {
        html_raw(h, "<p class=\"empty\">截至通报日，无逾期未报数据。</p>\n</section>\n");
        return;
    }
    html_raw(h, "<table>\n<thead><tr><th class=\"num\">序号</th><th>单位</th>"
                "<th class=\"num\">未报项数</th><th>最早报送期限</th>"
                "<th class=\"num\">最长逾期天数</th><th>未报数据（指标：期别）</th></tr></thead>\n"
                "<tbody>\n");
    for (size_t i = 0; i < rep->chase_count; i++) {
        const report_chase_t *c = &rep->chase[i];
        char day[DAY_TEXT_SIZE];
        html_raw(h, "<tr class=\"chase\" data-unit=\"");
        html_text(h, c->unit->code);
        html_rawf(h, "\" data-count=\"%zu\"><td class=\"num\">%zu</td><td>", c->count, i + 1);
        html_text(h, c->unit->name);
        html_rawf(h,
                  "</td><td class=\"num\">%zu</td><td class=\"nowrap\">%s</td>"
                  "<td class=\"num\">%d</td><td>",
                  c->count, day_format(c->oldest_due, day), (int)(rep->opts.as_of - c->oldest_due));
        //  Grouped by indicator (duties come by indicator, then period).
        for (size_t k = 0; k < c->count; k++) {
            const judge_result_t *r = c->duties[k];
            bool first = k == 0 || c->duties[k - 1]->indicator != r->indicator;
            if (first) {
                if (k)
                    html_raw(h, "；");
                html_text(h, r->indicator->name);
                html_raw(h, "：");
            } else
                html_raw(h, "、");
            html_text(h, r->period);
        }
        html_raw(h, "</td></tr>\n");
    }
    html_raw(h, "</tbody>\n</table>\n</section>\n");
}

static void
s_charts_section(page_t *p)
{
    const report_t *rep = p->rep;
    html_t *h = p->h;
    size_t numeric = 0;
    for (size_t i = 0; i < rep->target_count; i++)
        numeric += rep->targets[i].target->kind != TARGET_MILESTONE;
    html_rawf(h, "<section id=\"charts\">\n<h2>七、数值目标走势图（%zu项）</h2>\n", numeric);
    html_raw(h, "<p class=\"sub\">蓝色实线：已报数值（空心点为市州汇总且不完整）；"
                "绿色虚线：从基期到目标的应达路径；橙色虚线：按目前趋势预计到截止期；"
                "红色竖线：截止日期；灰色竖虚线：通报日。</p>\n");
    for (size_t g = 0; g < catalog_task_count(p->cat); g++) {
        const task_t *group = catalog_task_at(p->cat, g);
        if (group->kind == TASK_TASK)
            continue;
        bool any = false;
        for (size_t i = 0; i < rep->target_count; i++) {
            const report_target_t *t = &rep->targets[i];
            if (t->group != group || t->target->kind == TARGET_MILESTONE)
                continue;
            if (!any) {
                html_raw(h, "<h3>");
                html_text(h, group->number);
                html_raw(h, " ");
                html_text(h, group->title);
                html_raw(h, "</h3>\n<div class=\"grid2\">\n");
                any = true;
            }
            html_raw(h, "<figure class=\"chart\" id=\"chart-");
            html_text(h, t->target->code);
            html_raw(h, "\" data-target=\"");
            html_text(h, t->target->code);
            html_raw(h, "\"><figcaption>");
            html_text(h, t->target->code);
            html_raw(h, " ");
            html_text(h, t->target->text);
            html_raw(h, " ");
            s_status(h, t->status);
            html_raw(h, "</figcaption>\n");
            report_svg_chart(h, rep, t);
            html_raw(h, "</figure>\n");
        }
        if (any)
            html_raw(h, "</div>\n");
    }
    html_raw(h, "</section>\n");
}

static void
s_footer(page_t *p)
{
    const report_t *rep = p->rep;
    html_t *h = p->h;
    char day[DAY_TEXT_SIZE];
    html_raw(h,
             "<footer>\n<p><b>说明</b></p>\n<ul>\n"
             "<li>状态：达成＝已达到目标（截止前为“目前已达到”）；正常、预警、滞后按联合国可持续"
             "发展目标进展评估方法，以基期到最新值的趋势推算至截止期的完成程度P判定（P≥0.95正常，"
             "0.6≤P＜0.95预警，P＜0.6滞后）；逾期＝截止日期已过仍未达到；无数据＝尚无可判定的数据。"
             "截止日当天仍视为按期。</li>\n"
             "<li>“每年”类目标逐年考核；其总体状态取已考核年度中最差者（当年尚未到报送期限的"
             "无数据年度不计）。</li>\n"
             "<li>告警通知：告警服务（alertd）首次发出该逾期告警的日期；“未通知”表示告警服务尚未就"
             "此发出告警。确认：督查室在系统中确认告警的人员和日期。</li>\n");
    html_rawf(h, "<li>本通报由 planwatch %s 根据数据库内容生成（planctl report --as-of %s",
              PLANWATCH_VERSION, day_format(rep->opts.as_of, day));
    if (rep->opts.has_known_at)
        html_rawf(h, " --known-at %s", day_format(rep->opts.known_at, day));
    html_raw(h, "），同一数据库、同一日期生成的通报内容相同。</li>\n</ul>\n</footer>\n");
}

char *
report_page(const report_t *self, size_t *size)
{
    html_t h;
    html_init(&h);
    page_t p = {&h, self, self->catalog};
    html_raw(&h, s_head);
    s_masthead(&p);
    s_headline(&p);
    s_overdue_section(&p);
    s_groups_section(&p);
    s_units_section(&p);
    s_cities_section(&p);
    s_chase_section(&p);
    s_charts_section(&p);
    s_footer(&p);
    html_raw(&h, "</body>\n</html>\n");
    return html_take(&h, size);
}
