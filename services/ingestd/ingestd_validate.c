/*  ingestd_validate.c - every row of a feed against the catalog, the clock and the rest of the feed
 */
#include "ingestd.h"

#include "log.h"
#include "text.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_codes[INGEST_REASON_COUNT] = {
    [INGEST_OK] = "OK",
    [INGEST_UNKNOWN_INDICATOR] = "UNKNOWN_INDICATOR",
    [INGEST_UNKNOWN_ORG] = "UNKNOWN_ORG",
    [INGEST_UNKNOWN_TASK] = "UNKNOWN_TASK",
    [INGEST_AMBIGUOUS_TASK] = "AMBIGUOUS_TASK",
    [INGEST_UNIT_NOT_ALLOWED] = "UNIT_NOT_ALLOWED",
    [INGEST_BAD_PERIOD] = "BAD_PERIOD",
    [INGEST_FUTURE_PERIOD] = "FUTURE_PERIOD",
    [INGEST_NOT_FINITE] = "NOT_FINITE",
    [INGEST_NEGATIVE_VALUE] = "NEGATIVE_VALUE",
    [INGEST_PERCENT_OUT_OF_RANGE] = "PERCENT_OUT_OF_RANGE",
    [INGEST_DUPLICATE_ROW] = "DUPLICATE_ROW",
    [INGEST_BAD_STATE] = "BAD_STATE",
    [INGEST_BAD_DATE] = "BAD_DATE",
    [INGEST_FUTURE_DATE] = "FUTURE_DATE",
    [INGEST_BAD_TEXT] = "BAD_TEXT",
};

const char *
ingest_reason_code(ingest_reason_t reason)
{
    return reason >= 0 && reason < INGEST_REASON_COUNT ? s_codes[reason] : "UNKNOWN";
}

int
ingest_feed_id_valid(const char *feed_id)
{
    size_t len = feed_id ? strlen(feed_id) : 0;
    if (len == 0 || len > INGEST_FEED_ID_MAX)
        return 0;
    return strspn(feed_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") ==
           len;
}

//  A sender's text made safe to quote in a message: at most 48 bytes cut on a character
//  boundary, and a placeholder for bytes that are not UTF-8 (the reply must be valid UTF-8).
static const char *
s_quote(const char *text, char *buf, size_t size)
{
    size_t len = strlen(text);
    if (!text_utf8_valid(text, len))
        return "（无法显示的文本）";
    if (len <= 48)
        return text;
    size_t cut = 48;
    while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
        cut--;
    snprintf(buf, size, "%.*s…", (int)cut, text);
    return buf;
}

//  Rejects a row with a formatted Chinese message.
static void s_reject(ingest_row_t *row, ingest_reason_t reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
s_reject(ingest_row_t *row, ingest_reason_t reason, const char *fmt, ...)
{
    char text[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(text, sizeof text, fmt, args);
    va_end(args);
    free(row->message);
    row->reason = reason;
    row->message = strdup(text);
    if (!row->message)
        log_fatal(1, "oom", "what=row_message");
}

//  True when a sender's free text may be stored: UTF-8, not too long.
static int
s_text_ok(const char *text)
{
    size_t len = strlen(text);
    return len <= INGEST_TEXT_MAX && text_utf8_valid(text, len);
}

//  The unit's name for messages ("长沙市人民政府"), or its code.
static const char *
s_unit_name(const catalog_t *catalog, const char *unit)
{
    const resp_unit_t *u = catalog_unit(catalog, unit);
    return u ? u->name : unit;
}

static const char *
s_period_example(period_type_t type)
{
    return type == PERIOD_YEAR      ? "年度，如 2023"
           : type == PERIOD_QUARTER ? "季度，如 2023Q4"
                                    : "月度，如 2023-06";
}

static void
s_check_observation(const catalog_t *catalog, const char *unit, day_t today,
                    const Planwatch__V1__Observation *o, ingest_row_t *row)
{
    char q1[64];
    char day[DAY_TEXT_SIZE];
    const indicator_t *ind = catalog_indicator(catalog, o->indicator);
    if (!ind) {
        s_reject(row, INGEST_UNKNOWN_INDICATOR,
                 "指标代码“%s”不在本方案的指标目录中（可用 planctl plan show 查看）",
                 s_quote(o->indicator, q1, sizeof q1));
        return;
    }
    const org_unit_t *org = catalog_org(catalog, o->org);
    if (!org) {
        s_reject(row, INGEST_UNKNOWN_ORG, "行政区划代码“%s”不在本方案的单位目录中",
                 s_quote(o->org, q1, sizeof q1));
        return;
    }
    if (!catalog_unit_reports(catalog, unit, ind, o->org)) {
        s_reject(row, INGEST_UNIT_NOT_ALLOWED, "本单位（%s）无权报送%s的“%s”",
                 s_unit_name(catalog, unit), org->name, ind->name);
        return;
    }
    period_t p;
    if (period_parse(o->period, ind->period, &p) != 0) {
        s_reject(row, INGEST_BAD_PERIOD, "报告期“%s”不符合“%s”的报告期类型（%s）",
                 s_quote(o->period, q1, sizeof q1), ind->name, s_period_example(ind->period));
        return;
    }
    period_format(&p, row->period);
    if (p.start > today) {
        s_reject(row, INGEST_FUTURE_PERIOD, "报告期 %s 尚未开始（今天是 %s）", row->period,
                 day_format(today, day));
        return;
    }
    if (!isfinite(o->value)) {
        s_reject(row, INGEST_NOT_FINITE, "“%s”的数值不是有限数（NaN 或无穷大）", ind->name);
        return;
    }
    if (ind->nonneg && o->value < 0) {
        s_reject(row, INGEST_NEGATIVE_VALUE, "“%s”不能为负数，收到 %.15g", ind->name, o->value);
        return;
    }
    if (ind->percent && (o->value < 0 || o->value > 100)) {
        s_reject(row, INGEST_PERCENT_OUT_OF_RANGE, "“%s”是百分比，应在 0 到 100 之间，收到 %.15g",
                 ind->name, o->value);
        return;
    }
    if (!s_text_ok(o->note)) {
        s_reject(row, INGEST_BAD_TEXT, "备注不是有效的 UTF-8 文本，或超过 %d 字节",
                 INGEST_TEXT_MAX);
        return;
    }
}

static void
s_check_milestone(const catalog_t *catalog, const char *unit, day_t today,
                  const Planwatch__V1__MilestoneReport *m, ingest_row_t *row)
{
    char q1[64];
    char day[DAY_TEXT_SIZE], when[DAY_TEXT_SIZE];
    bool ambiguous = false;
    const target_t *target = catalog_milestone_for(catalog, m->task, &ambiguous);
    if (!target) {
        if (ambiguous)
            s_reject(row, INGEST_AMBIGUOUS_TASK,
                     "任务“%s”有多个里程碑目标，请填写目标代码（可用 planctl plan show 查看）",
                     s_quote(m->task, q1, sizeof q1));
        else
            s_reject(row, INGEST_UNKNOWN_TASK, "“%s”不是本方案的里程碑目标或只含一个里程碑的任务",
                     s_quote(m->task, q1, sizeof q1));
        return;
    }
    row->target = target;
    const resp_unit_t *u = catalog_unit(catalog, unit);
    //  A unit named for the target (catalog_target_units, else its task) reports its
    //  milestones; a city government only those whose scope is its own city.
    if (!u || !catalog_unit_shares_target(catalog, unit, target) ||
        (u->kind == UNIT_GOV && strcmp(u->org, target->scope) != 0)) {
        s_reject(row, INGEST_UNIT_NOT_ALLOWED,
                 "本单位（%s）不是任务 %s 的责任单位，不能报送里程碑 %s",
                 s_unit_name(catalog, unit), target->task, target->code);
        return;
    }
    if (strcmp(m->state, "started") != 0 && strcmp(m->state, "done") != 0) {
        s_reject(row, INGEST_BAD_STATE, "状态“%s”无效，应为 started（已启动）或 done（已完成）",
                 s_quote(m->state, q1, sizeof q1));
        return;
    }
    day_t d;
    if (day_parse(m->date, &d) != 0) {
        s_reject(row, INGEST_BAD_DATE, "日期“%s”无效，应为 YYYY-MM-DD，如 2023-06-30",
                 s_quote(m->date, q1, sizeof q1));
        return;
    }
    day_format(d, row->date);
    if (d > today) {
        s_reject(row, INGEST_FUTURE_DATE, "日期 %s 晚于今天（%s）", day_format(d, when),
                 day_format(today, day));
        return;
    }
    if (!s_text_ok(m->evidence)) {
        s_reject(row, INGEST_BAD_TEXT, "佐证材料不是有效的 UTF-8 文本，或超过 %d 字节",
                 INGEST_TEXT_MAX);
        return;
    }
}

//  "第 7 行" when the sender gave line numbers, else "第 3 条".
static const char *
s_where(uint32_t line, size_t index, char *buf, size_t size)
{
    if (line)
        snprintf(buf, size, "第 %u 行", line);
    else
        snprintf(buf, size, "第 %zu 条", index + 1);
    return buf;
}

//  Rejects every accepted row whose key another accepted row of the same list repeats: the feed
//  does not say which value is meant.
static void
s_reject_duplicates(ingest_row_t *rows, size_t count, char **keys, const uint32_t *lines)
{
    zhashx_t *first = zhashx_new();
    assert(first);
    for (size_t i = 0; i < count; i++) {
        if (rows[i].reason != INGEST_OK)
            continue;
        void *seen = zhashx_lookup(first, keys[i]);
        if (!seen) {
            zhashx_insert(first, keys[i], (void *)(uintptr_t)(i + 1));
            continue;
        }
        size_t j = (uintptr_t)seen - 1;
        char here[32], there[32];
        if (rows[j].reason == INGEST_OK)
            s_reject(&rows[j], INGEST_DUPLICATE_ROW, "同一数据包中与%s重复，请只保留一个数值",
                     s_where(lines[i], i, here, sizeof here));
        s_reject(&rows[i], INGEST_DUPLICATE_ROW, "同一数据包中与%s重复，请只保留一个数值",
                 s_where(lines[j], j, there, sizeof there));
    }
    zhashx_destroy(&first);
}

ingest_check_t *
ingest_check_new(const catalog_t *catalog, const char *unit, day_t today,
                 const Planwatch__V1__Feed *feed)
{
    ingest_check_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->obs_count = feed->n_observations;
    self->ms_count = feed->n_milestones;
    self->obs = calloc(self->obs_count ? self->obs_count : 1, sizeof *self->obs);
    self->ms = calloc(self->ms_count ? self->ms_count : 1, sizeof *self->ms);
    size_t n = self->obs_count > self->ms_count ? self->obs_count : self->ms_count;
    char **keys = calloc(n ? n : 1, sizeof *keys);
    uint32_t *lines = calloc(n ? n : 1, sizeof *lines);
    if (!self->obs || !self->ms || !keys || !lines) {
        free(keys);
        free(lines);
        ingest_check_destroy(&self);
        return NULL;
    }
    for (size_t i = 0; i < self->obs_count; i++) {
        const Planwatch__V1__Observation *o = feed->observations[i];
        s_check_observation(catalog, unit, today, o, &self->obs[i]);
        lines[i] = o->line;
        if (self->obs[i].reason == INGEST_OK)
            keys[i] = zsys_sprintf("%s\t%s\t%s", o->org, o->indicator, self->obs[i].period);
    }
    s_reject_duplicates(self->obs, self->obs_count, keys, lines);
    for (size_t i = 0; i < self->obs_count; i++)
        zstr_free(&keys[i]);
    for (size_t i = 0; i < self->ms_count; i++) {
        const Planwatch__V1__MilestoneReport *m = feed->milestones[i];
        s_check_milestone(catalog, unit, today, m, &self->ms[i]);
        lines[i] = m->line;
        if (self->ms[i].reason == INGEST_OK)
            keys[i] = zsys_sprintf("%s\t%s", self->ms[i].target->code, m->state);
    }
    s_reject_duplicates(self->ms, self->ms_count, keys, lines);
    for (size_t i = 0; i < self->ms_count; i++)
        zstr_free(&keys[i]);
    free(keys);
    free(lines);
    for (size_t i = 0; i < self->obs_count; i++)
        self->obs[i].reason == INGEST_OK ? self->accepted++ : self->rejected++;
    for (size_t i = 0; i < self->ms_count; i++)
        self->ms[i].reason == INGEST_OK ? self->accepted++ : self->rejected++;
    return self;
}

void
ingest_check_destroy(ingest_check_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ingest_check_t *self = *self_p;
    for (size_t i = 0; self->obs && i < self->obs_count; i++)
        free(self->obs[i].message);
    for (size_t i = 0; self->ms && i < self->ms_count; i++)
        free(self->ms[i].message);
    free(self->obs);
    free(self->ms);
    free(self);
    *self_p = NULL;
}
