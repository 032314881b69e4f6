/*  alertd_format.c - notification bodies: generic JSON, WeCom and DingTalk robots, e-mail text */
#include "alertd.h"

#include "text.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define WECOM_LIMIT    4000  //  WeCom markdown content: at most 4096 bytes
#define DINGTALK_LIMIT 18000 //  DingTalk markdown text: about 20000 bytes

//  A growing string.
typedef struct {
    char *data; //  NUL-terminated text
    size_t len; //  bytes used
    size_t cap; //  bytes allocated
} buf_t;

static void buf_add(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
buf_add(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = (b->len + (size_t)n + 1) * 2;
        char *more = realloc(b->data, cap);
        if (!more)
            return;
        b->data = more;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

//  "省科技厅、中南大学（推定）"
static void
s_units_text(buf_t *b, Planwatch__V1__UnitRef **units, size_t n)
{
    if (!n)
        buf_add(b, "（方案未明确）");
    for (size_t i = 0; i < n; i++)
        buf_add(b, "%s%s%s", i ? "、" : "", units[i]->name, units[i]->inferred ? "（推定）" : "");
}

//  The prefix of a notification that repeats or escalates an alert.
static const char *
s_prefix(const Planwatch__V1__Alert *a)
{
    if (a->level > 0 && a->reminder)
        return "〔提醒·已升级〕";
    if (a->level > 0)
        return "〔已升级至创新型湖南建设工作领导小组办公室〕";
    return a->reminder ? "〔提醒〕" : "";
}

//  The evaluator's rule in words ("水平值"), from the evidence's "rule".
static const char *
s_rule_zh(const char *rule)
{
    static const char *const names[][2] = {
        {"level", "水平值"},       {"growth", "增速"},      {"relative", "对标全国"},
        {"cumulative", "累计值"},  {"quota", "年度任务量"}, {"milestone", "里程碑"},
        {"reporting", "按期报送"},
    };
    for (size_t i = 0; rule && i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(rule, names[i][0]))
            return names[i][1];
    return rule;
}

//  The robots' one-line evidence summary: the evaluator's rule, the date it judged as of, the
//  value against the target, cut to SUMMARY_WIDTH columns so that a message stays within the
//  robot's size limit. Nothing when the alert has none of them (meta-alerts).
#define SUMMARY_WIDTH 120
static void
s_evidence_line(buf_t *b, const Planwatch__V1__Alert *a, const char *q)
{
    json_t *evidence = json_loads(*a->evidence_json ? a->evidence_json : "{}", 0, NULL);
    const char *rule = s_rule_zh(json_string_value(json_object_get(evidence, "rule")));
    bool value = *a->value_text && strcmp(a->kind, "REPORT_OVERDUE");
    if (rule || value) {
        char line[1024], cut[1024];
        size_t n = 0;
        line[0] = '\0';
        if (rule)
            n += (size_t)snprintf(line + n, sizeof line - n, "%s规则", rule);
        if (*a->as_of && n < sizeof line)
            n += (size_t)snprintf(line + n, sizeof line - n, "%s评估至 %s", n ? " · " : "",
                                  a->as_of);
        if (value && n < sizeof line)
            snprintf(line + n, sizeof line - n, "%s%s", n ? " · " : "", a->value_text);
        text_truncate(line, SUMMARY_WIDTH, cut, sizeof cut);
        buf_add(b, "%s依据：%s\n", q, cut);
    }
    json_decref(evidence);
}

//  The lines of one alert, in markdown when md (the robots: with the evidence summary, which
//  says the value against the target).
static void
s_alert_lines(buf_t *b, const Planwatch__V1__Alert *a, bool md, bool quote)
{
    const char *q = quote ? "> " : "";
    buf_add(b, md ? "%s**%s%s**\n" : "%s%s%s\n", q, s_prefix(a), a->title);
    if (md)
        s_evidence_line(b, a, q);
    else if (*a->value_text && strcmp(a->kind, "REPORT_OVERDUE"))
        buf_add(b, "%s完成情况：%s\n", q, a->value_text);
    if (!strcmp(a->kind, "OVERDUE") && a->days_overdue > 0)
        buf_add(b, "%s截止 %s，截至 %s 已逾期 %d 天\n", q, a->deadline, a->notified_on,
                a->days_overdue);
    if (a->n_lead_units || a->n_co_units) {
        //  With no 牵头 unit the seed makes the listed units jointly responsible.
        buf_add(b, a->n_lead_units ? "%s牵头单位：" : "%s责任单位（按职责分工负责）：", q);
        s_units_text(b, a->n_lead_units ? a->lead_units : a->co_units,
                     a->n_lead_units ? a->n_lead_units : a->n_co_units);
        if (a->n_lead_units && a->n_co_units) {
            buf_add(b, "；责任单位：");
            s_units_text(b, a->co_units, a->n_co_units);
        }
        buf_add(b, "\n");
    }
    if (a->reporting_unit && *a->reporting_unit->code)
        buf_add(b, "%s未报送单位：%s\n", q, a->reporting_unit->name);
    buf_add(b, "%s告警编号 #%llu（%s）\n", q, (unsigned long long)a->id, alert_kind_zh(a->kind));
}

//  The heading of a grouped notification: the lead unit and the count.
static void
s_group_heading(buf_t *b, Planwatch__V1__Alert *const *alerts, size_t n, bool md)
{
    const char *who = alerts[0]->n_lead_units     ? alerts[0]->lead_units[0]->name
                      : alerts[0]->reporting_unit ? alerts[0]->reporting_unit->name
                                                  : "省政府督查室";
    buf_add(b, md ? "### 【督查提醒】%s：%zu条告警\n" : "【督查提醒】%s：%zu条告警\n", who, n);
}

//  Renders as many alerts as fit in limit bytes into markdown. Returns owned text.
static char *
s_markdown(Planwatch__V1__Alert *const *alerts, size_t n, size_t limit, size_t *used)
{
    buf_t out = {0};
    size_t take = n;
    for (;;) {
        out.len = 0;
        if (out.data)
            out.data[0] = '\0';
        if (take > 1)
            s_group_heading(&out, alerts, take, true);
        for (size_t i = 0; i < take; i++) {
            s_alert_lines(&out, alerts[i], true, take > 1);
            if (take > 1)
                buf_add(&out, "\n");
        }
        if (out.len <= limit || take == 1)
            break;
        //  Too long: fewer alerts in this message; the rest go in the next one.
        size_t fit = take * limit / out.len;
        take = fit < 1 ? 1 : fit < take ? fit : take - 1;
    }
    *used = take;
    return out.data ? out.data : strdup("");
}

char *
format_wecom(Planwatch__V1__Alert *const *alerts, size_t n, size_t *used)
{
    char *md = s_markdown(alerts, n, WECOM_LIMIT, used);
    json_t *doc = json_pack("{s:s, s:{s:s}}", "msgtype", "markdown", "markdown", "content", md);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    free(md);
    return text;
}

char *
format_dingtalk(Planwatch__V1__Alert *const *alerts, size_t n, size_t *used)
{
    char *md = s_markdown(alerts, n, DINGTALK_LIMIT, used);
    char title[256];
    if (*used > 1)
        snprintf(title, sizeof title, "督查提醒：%zu条告警", *used);
    else
        snprintf(title, sizeof title, "%s", alert_kind_zh(alerts[0]->kind));
    json_t *doc = json_pack("{s:s, s:{s:s, s:s}}", "msgtype", "markdown", "markdown", "title",
                            title, "text", md);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    free(md);
    return text;
}

static json_t *
s_units_json(Planwatch__V1__UnitRef **units, size_t n)
{
    json_t *array = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(array, json_pack("{s:s, s:s, s:b}", "code", units[i]->code, "name",
                                               units[i]->name, "inferred", units[i]->inferred));
    return array;
}

//  One alert as a JSON object.
static json_t *
s_alert_json(const Planwatch__V1__Alert *a)
{
    json_t *evidence = json_loads(*a->evidence_json ? a->evidence_json : "{}", 0, NULL);
    json_t *addressees = json_array();
    for (size_t i = 0; i < a->n_addressees; i++)
        json_array_append_new(addressees, json_string(a->addressees[i]));
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:s, s:I, s:s, s:b, s:i, s:{s:s, s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s},"
        " s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:s, s:s, s:s}",
        "id", (json_int_t)a->id, "key", a->key, "kind", a->kind, "kind_zh", alert_kind_zh(a->kind),
        "occurrence", (json_int_t)a->occurrence, "title", a->title, "reminder", a->reminder,
        "level", a->level, "task", "code", a->task, "number", a->task_number, "title",
        a->task_title, "target", "code", a->target, "text", a->target_text, "org", "code", a->org,
        "name", a->org_name, "deadline", a->deadline, "period", a->period, "status", a->status,
        "value_text", a->value_text, "days_overdue", a->days_overdue, "lead_units",
        s_units_json(a->lead_units, a->n_lead_units), "co_units",
        s_units_json(a->co_units, a->n_co_units), "addressees", addressees, "evidence",
        evidence ? evidence : json_object(), "as_of", a->as_of, "raised_at", a->raised_at,
        "notified_on", a->notified_on);
    if (a->resolves)
        json_object_set_new(o, "resolves", json_integer((json_int_t)a->resolves));
    if (a->due_soon_days)
        json_object_set_new(o, "due_soon_days", json_integer(a->due_soon_days));
    if (*a->indicator)
        json_object_set_new(
            o, "indicator",
            json_pack("{s:s, s:s}", "code", a->indicator, "name", a->indicator_name));
    if (a->reporting_unit)
        json_object_set_new(o, "reporting_unit",
                            json_pack("{s:s, s:s}", "code", a->reporting_unit->code, "name",
                                      a->reporting_unit->name));
    if (a->seq)
        json_object_set_new(o, "seq", json_integer((json_int_t)a->seq));
    if (a->notification_id) //  receivers drop repeats by it: the same on every resend
        json_object_set_new(o, "notification_id", json_integer((json_int_t)a->notification_id));
    return o;
}

char *
format_json(Planwatch__V1__Alert *const *alerts, size_t n, const char *receiver, size_t *used)
{
    json_t *array = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(array, s_alert_json(alerts[i]));
    json_t *doc = json_pack("{s:s, s:i, s:s, s:o}", "source", "planwatch", "version", 1, "receiver",
                            receiver ? receiver : "", "alerts", array);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    *used = n;
    return text;
}

char *
format_mail(Planwatch__V1__Alert *const *alerts, size_t n, char **subject, size_t *used)
{
    buf_t body = {0}, subj = {0};
    if (n > 1) {
        s_group_heading(&subj, alerts, n, false);
        subj.data[strcspn(subj.data, "\n")] = '\0';
    } else
        buf_add(&subj, "%s%s", s_prefix(alerts[0]), alerts[0]->title);
    buf_add(&body, "湖南省动力支撑能力提升行动方案（2022—2025年）督查提醒\n\n");
    for (size_t i = 0; i < n; i++) {
        const Planwatch__V1__Alert *a = alerts[i];
        s_alert_lines(&body, a, false, false);
        if (*a->task)
            buf_add(&body, "任务：%s %s（%s）\n", a->task_number, a->task_title, a->task);
        if (*a->target)
            buf_add(&body, "目标：%s（%s）\n", a->target_text, a->target);
        if (*a->org)
            buf_add(&body, "地区：%s（%s）\n", a->org_name, a->org);
        buf_add(&body, "评估依据：%s\n\n", a->evidence_json);
    }
    buf_add(&body, "本邮件由 planwatch 自动发送；同一告警编号的重复邮件可忽略。\n");
    *subject = subj.data ? subj.data : strdup("");
    *used = n;
    return body.data;
}
