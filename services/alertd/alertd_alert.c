/*  alertd_alert.c - an alert row of the store as a planwatch.v1.Alert, and its words in Chinese */
#include "alertd.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

const char *
alert_kind_zh(const char *kind)
{
    static const char *const names[][2] = {
        {"OVERDUE", "逾期未完成"},       {"DUE_SOON", "临期提醒"},
        {"OFF_TRACK", "预计难以完成"},   {"REPORT_OVERDUE", "逾期未报（催报）"},
        {"RESOLVED", "已解除"},          {"PIPELINE_DOWN", "评估服务失联"},
        {"DEAD_LETTER", "通知无法投递"},
    };
    for (size_t i = 0; kind && i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(kind, names[i][0]))
            return names[i][1];
    return kind ? kind : "";
}

const char *
alert_status_zh(const char *status)
{
    static const char *const names[][2] = {
        {"ACHIEVED", "已完成"},         {"ON_TRACK", "进展正常"},  {"AT_RISK", "存在风险"},
        {"OFF_TRACK", "预计难以完成"},  {"OVERDUE", "逾期未完成"}, {"NO_DATA", "暂无数据"},
        {"REPORT_OVERDUE", "逾期未报"}, {"REPORTED", "已报送"},
    };
    for (size_t i = 0; status && i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(status, names[i][0]))
            return names[i][1];
    return status ? status : "";
}

//  The text of column c, "" when NULL. Borrowed from res.
static char *
s_col(const PGresult *res, int i, int c)
{
    return PQgetisnull(res, i, c) ? "" : PQgetvalue(res, i, c);
}

//  [{"code","name","inferred"}] -> an owned array of UnitRef (contents borrowed from json).
static Planwatch__V1__UnitRef **
s_units(json_t *array, size_t *count, Planwatch__V1__UnitRef **storage)
{
    size_t n = json_is_array(array) ? json_array_size(array) : 0;
    *count = 0;
    *storage = NULL;
    if (!n)
        return NULL;
    Planwatch__V1__UnitRef *refs = calloc(n, sizeof *refs);
    Planwatch__V1__UnitRef **ptrs = calloc(n, sizeof *ptrs);
    if (!refs || !ptrs) {
        free(refs);
        free(ptrs);
        return NULL;
    }
    for (size_t k = 0; k < n; k++) {
        json_t *u = json_array_get(array, k);
        planwatch__v1__unit_ref__init(&refs[k]);
        refs[k].code = (char *)(json_string_value(json_object_get(u, "code")) ?: "");
        refs[k].name = (char *)(json_string_value(json_object_get(u, "name")) ?: "");
        refs[k].inferred = json_is_true(json_object_get(u, "inferred"));
        ptrs[k] = &refs[k];
    }
    *count = n;
    *storage = refs;
    return ptrs;
}

Planwatch__V1__Alert *
alert_from_row(const PGresult *res, int i, const char *notified_on, bool reminder, int level,
               uint64_t seq)
{
    Planwatch__V1__Alert a = PLANWATCH__V1__ALERT__INIT;
    a.id = strtoull(s_col(res, i, 0), NULL, 10);
    a.seq = seq;
    a.key = s_col(res, i, 1);
    a.kind = s_col(res, i, 2);
    a.task = s_col(res, i, 3);
    a.task_number = s_col(res, i, 4);
    a.task_title = s_col(res, i, 5);
    a.target = s_col(res, i, 6);
    a.target_text = s_col(res, i, 7);
    a.org = s_col(res, i, 8);
    a.org_name = s_col(res, i, 9);
    a.deadline = s_col(res, i, 10);
    a.period = s_col(res, i, 11);
    a.value_text = s_col(res, i, 12);
    a.evidence_json = s_col(res, i, 15);
    a.raised_at = s_col(res, i, 16);
    a.as_of = s_col(res, i, 17);
    a.resolves = strtoull(s_col(res, i, 18), NULL, 10);
    //  The notification's level, not the alert's now: a snapshot of the first notification of an
    //  alert escalated since shows it as it was sent.
    a.level = level;
    a.title = s_col(res, i, 20);
    a.status = s_col(res, i, 21);
    a.indicator = s_col(res, i, 22);
    a.indicator_name = s_col(res, i, 23);
    a.due_soon_days = atoi(s_col(res, i, 27));
    a.state = s_col(res, i, 28);
    a.acked = s_col(res, i, 29)[0] == 't';
    a.occurrence = (uint32_t)atoi(s_col(res, i, 30));
    a.reminder = reminder;
    a.notified_on = (char *)(notified_on ? notified_on : s_col(res, i, 31));
    Planwatch__V1__UnitRef reporting = PLANWATCH__V1__UNIT_REF__INIT;
    if (*s_col(res, i, 24)) {
        reporting.code = s_col(res, i, 24);
        reporting.name = s_col(res, i, 25);
        a.reporting_unit = &reporting;
    }
    day_t deadline, on;
    if (!strcmp(a.kind, "OVERDUE") && day_parse(a.deadline, &deadline) == 0 &&
        day_parse(a.notified_on, &on) == 0 && on > deadline)
        a.days_overdue = on - deadline;
    //  The stored title of an OVERDUE alert has no day count; each notification says how late
    //  the task is on its own day (a reminder on day 25 says 25, not the 10 of the raise).
    char title[1024];
    if (a.days_overdue > 0) {
        snprintf(title, sizeof title, "%s，已逾期%d天", a.title, a.days_overdue);
        a.title = title;
    }

    //  addressees "A;B" -> array of pointers into a copy
    char *addressees = strdup(s_col(res, i, 26));
    char *address_ptrs[64];
    size_t address_count = 0;
    char *save = NULL;
    for (char *tok = addressees ? strtok_r(addressees, ";", &save) : NULL;
         tok && address_count < 64; tok = strtok_r(NULL, ";", &save))
        address_ptrs[address_count++] = tok;
    a.addressees = address_ptrs;
    a.n_addressees = address_count;

    json_t *lead = json_loads(s_col(res, i, 13), 0, NULL);
    json_t *co = json_loads(s_col(res, i, 14), 0, NULL);
    Planwatch__V1__UnitRef *lead_storage, *co_storage;
    a.lead_units = s_units(lead, &a.n_lead_units, &lead_storage);
    a.co_units = s_units(co, &a.n_co_units, &co_storage);

    //  Pack and unpack: the result owns every string, and codec_free frees it all.
    size_t size = 0;
    uint8_t *bytes = codec_encode(&a.base, &size);
    Planwatch__V1__Alert *owned = NULL;
    if (bytes)
        owned =
            (Planwatch__V1__Alert *)codec_decode_as(&planwatch__v1__alert__descriptor, bytes, size);
    free(bytes);
    free(a.lead_units);
    free(a.co_units);
    free(lead_storage);
    free(co_storage);
    json_decref(lead);
    json_decref(co);
    free(addressees);
    return owned;
}
