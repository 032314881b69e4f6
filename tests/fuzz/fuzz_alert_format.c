/*  fuzz_alert_format.c - libFuzzer harness: any planwatch.v1.AlertGroup as the alerts alertd
    renders for its receivers (alertd_format.c: generic JSON, WeCom and DingTalk robots, e-mail),
    the same alerts `planctl alerts tail` receives on the office stream.

    alertd builds alerts from store rows, whose text PostgreSQL keeps as UTF-8: inputs with a
    string that is not UTF-8 are outside that contract and skipped. evidence_json is taken as
    it comes (the renderers parse it and must survive text that is not JSON).
    Invariants: every renderer returns text, valid UTF-8, with at least one alert and at most
    all of them; the JSON bodies parse; a WeCom message of several alerts keeps to the robot's
    limit (4096 bytes of markdown); JSON and mail carry every alert. */
#include "alertd.h"
#include "text.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
s_ok(const char *text)
{
    return text && text_utf8_valid(text, strlen(text));
}

static int
s_units_ok(Planwatch__V1__UnitRef *const *units, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s_ok(units[i]->code) || !s_ok(units[i]->name))
            return 0;
    return 1;
}

//  True when every string of the alert is UTF-8 (as a store row's would be).
static int
s_alert_ok(const Planwatch__V1__Alert *a)
{
    const char *const texts[] = {a->key,        a->kind,           a->task,        a->task_number,
                                 a->task_title, a->target,         a->target_text, a->org,
                                 a->org_name,   a->deadline,       a->period,      a->value_text,
                                 a->raised_at,  a->as_of,          a->title,       a->status,
                                 a->indicator,  a->indicator_name, a->state,       a->notified_on};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (!s_ok(texts[i]))
            return 0;
    for (size_t i = 0; i < a->n_addressees; i++)
        if (!s_ok(a->addressees[i]))
            return 0;
    if (a->reporting_unit && !s_units_ok(&a->reporting_unit, 1))
        return 0;
    //  evidence_json is jsonb in the store: UTF-8 too, but not necessarily parsed here
    return s_ok(a->evidence_json) && s_units_ok(a->lead_units, a->n_lead_units) &&
           s_units_ok(a->co_units, a->n_co_units);
}

//  A rendered JSON body: parses, and when content_key is given its markdown has at most limit
//  bytes.
static void
s_check_json(const char *text, const char *member, size_t limit)
{
    json_error_t err;
    json_t *doc = json_loads(text, 0, &err);
    if (!doc)
        abort();
    if (member) {
        const char *content =
            json_string_value(json_object_get(json_object_get(doc, "markdown"), member));
        if (!content || (limit && strlen(content) > limit))
            abort();
    }
    json_decref(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ProtobufCMessage *msg = codec_decode("planwatch.v1.AlertGroup", data, size);
    if (!msg)
        return 0;
    Planwatch__V1__AlertGroup *group = (Planwatch__V1__AlertGroup *)msg;
    size_t n = group->n_alerts;
    int usable = n > 0 && n <= 200;
    for (size_t i = 0; usable && i < n; i++)
        usable = s_alert_ok(group->alerts[i]);
    if (!usable) {
        codec_free(&msg);
        return 0;
    }
    Planwatch__V1__Alert *const *alerts = group->alerts;
    size_t used = 0;
    char *text = format_json(alerts, n, "fuzz", &used);
    if (!s_ok(text) || used != n)
        abort();
    s_check_json(text, NULL, 0);
    free(text);
    text = format_wecom(alerts, n, &used);
    if (!s_ok(text) || used < 1 || used > n)
        abort();
    s_check_json(text, "content", used > 1 ? 4096 : 0);
    free(text);
    text = format_dingtalk(alerts, n, &used);
    if (!s_ok(text) || used < 1 || used > n)
        abort();
    s_check_json(text, "text", 0);
    free(text);
    char *subject = NULL;
    text = format_mail(alerts, n, &subject, &used);
    if (!s_ok(text) || !s_ok(subject) || used != n)
        abort();
    free(subject);
    free(text);
    codec_free(&msg);
    return 0;
}
