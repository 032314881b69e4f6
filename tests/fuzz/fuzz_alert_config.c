/*  fuzz_alert_config.c - libFuzzer harness: any bytes as one of alertd's settings files, read at
    start-up (alertd_receivers.c, alertd_calendar.c): receivers.csv, escalation.csv,
    holidays_cn.csv. Byte 0 picks the file, the rest is its content.

    Invariants: a file refused says why; what alertd logs about a receiver (its name and
    url_shown, "scheme://host[:port]") and every error line never hold the secret that ${NAME}
    expansion or secret_env put in (FUZZ_SECRET_*); a receiver read has a valid name, a known
    channel and a format; escalation rows are in range; on any calendar, the n-th working day
    after a day is a working day and there are exactly n working days up to it. */
#include "alertd.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "FuzzSecret-9f8e7d"
#define TAIL   "FuzzTail-55aa" //  after an '@' inside a password: its tail must not show either

static char s_path[PATH_MAX];
static int s_input_has_secret; //  the file itself spells the secret: nothing to learn

static void
s_setup(void)
{
    if (s_path[0])
        return;
    snprintf(s_path, sizeof s_path, "/tmp/planwatch-fuzz-alert-config-%d.csv", (int)getpid());
    //  What a deployment keeps in its environment: robot keys, tokens, SMTP passwords.
    setenv("FUZZ_SECRET_KEY", SECRET "-key", 1);
    setenv("FUZZ_SECRET_PASSWORD", SECRET "-pass@" TAIL, 1);
    setenv("FUZZ_SECRET_USER", SECRET "-user", 1);
}

//  True when text holds any part of the secrets.
static int
s_leaks(const char *text)
{
    return !s_input_has_secret && text && (strstr(text, SECRET) || strstr(text, TAIL));
}

static void
s_check_errors(zlist_t *errors, int refused)
{
    if (refused && zlist_size(errors) == 0)
        abort(); //  refused without saying why
    for (const char *e = zlist_first(errors); e; e = zlist_next(errors))
        if (s_leaks(e))
            abort();
}

//  True when a secret stands where a URL's host is (https://${KEY}/..., or a password holding
//  an '@' with no host after it): url_shown then shows it by definition, a mistake in the
//  configuration rather than a leak. In userinfo, path, query or fragment it must never show.
static int
s_secret_is_host(const char *url)
{
    const char *scheme = strstr(url, "://");
    if (!scheme)
        return 0;
    const char *a = scheme + 3, *e = a + strcspn(a, "/?#"), *host = a;
    for (const char *p = a; p < e; p++)
        if (*p == '@')
            host = p + 1;
    const char *const marks[] = {SECRET, TAIL};
    for (int m = 0; m < 2; m++)
        for (const char *p = strstr(url, marks[m]); p; p = strstr(p + 1, marks[m]))
            if (p + strlen(marks[m]) > host && p < e)
                return 1;
    return 0;
}

static void
s_receivers(zlist_t *errors)
{
    receivers_t *r = receivers_load(s_path, errors);
    s_check_errors(errors, r == NULL);
    for (size_t i = 0; i < receivers_count(r); i++) {
        const receiver_t *x = receivers_at(r, i);
        if (!x->name || !*x->name || strlen(x->name) > 40 || receivers_find(r, x->name) != x)
            abort();
        if (x->channel > CHANNEL_EMAIL || x->format > FORMAT_TEXT)
            abort();
        (void)receiver_channel_name(x->channel);
        (void)receiver_format_name(x->format);
        //  url_shown is what the log carries: scheme://host[:port], nothing after
        const char *shown = x->url_shown;
        const char *host = shown ? strstr(shown, "://") : NULL;
        if (!shown || (host && strpbrk(host + 3, "/?#@")) ||
            (s_leaks(shown) && !s_secret_is_host(x->url)))
            abort();
        if (s_leaks(x->name) || s_leaks(x->kinds) || s_leaks(x->units))
            abort();
        char *units[] = {"P_SUPV", "GOV_430100", ""};
        (void)receiver_matches(x, "OVERDUE", units, 3);
    }
    receivers_destroy(&r);
}

static void
s_escalation(zlist_t *errors)
{
    escalation_t rules[ESCALATION_MAX];
    int n = escalation_load(s_path, rules, ESCALATION_MAX, errors);
    s_check_errors(errors, n < 0);
    for (int i = 0; i < n; i++)
        if (rules[i].remind_days < 0 || rules[i].remind_days > 365 || rules[i].escalate_days < 0 ||
            rules[i].escalate_days > 365 || !rules[i].kind[0] ||
            (rules[i].escalate_days > 0 && !rules[i].escalate_to[0]))
            abort();
}

static void
s_calendar(zlist_t *errors, const uint8_t *data, size_t size)
{
    calendar_t *cal = calendar_load(s_path, errors);
    s_check_errors(errors, cal == NULL);
    if (!cal)
        return;
    //  A few starting days around the plan's years, chosen by the input's last bytes.
    day_t base = day_from_ymd(2021, 12, 1);
    for (int k = 0; k < 4; k++) {
        day_t from = base + (day_t)(size > (size_t)k ? data[size - 1 - k] * 7 : k * 97);
        int n = 1 + (size > (size_t)k + 4 ? data[size - 5 - k] % 40 : k);
        day_t to = calendar_add_workdays(cal, from, n);
        if (to <= from || !calendar_is_workday(cal, to) ||
            calendar_workdays_between(cal, from, to) != n ||
            calendar_workdays_between(cal, to, from) != 0)
            abort();
    }
    calendar_destroy(&cal);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    s_setup();
    s_input_has_secret = memmem(data, size, SECRET, strlen(SECRET)) != NULL ||
                         memmem(data, size, TAIL, strlen(TAIL)) != NULL;
    FILE *f = fopen(s_path, "wb");
    if (!f)
        abort();
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    zlist_t *errors = zlist_new();
    zlist_autofree(errors);
    switch (data[0] % 3) {
    case 0:
        s_receivers(errors);
        break;
    case 1:
        s_escalation(errors);
        break;
    default:
        s_calendar(errors, data, size);
        break;
    }
    zlist_destroy(&errors);
    return 0;
}
