/*  alertd_receivers.c - receivers and escalation settings, read as data */
#include "alertd.h"

#include "csv.h"
#include "text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct receivers_t {
    receiver_t *items; //  in file order
    size_t count;      //  entries in items
};

static const char *const s_kinds[] = {"OVERDUE",  "DUE_SOON",      "OFF_TRACK",  "REPORT_OVERDUE",
                                      "RESOLVED", "PIPELINE_DOWN", "DEAD_LETTER"};

static void s_error(zlist_t *errors, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
s_error(zlist_t *errors, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (errors)
        zlist_append(errors, line);
}

//  Replaces ${NAME} by the environment variable. Returns an owned string, or NULL when a
//  variable is unset (its name in missing).
static char *
s_expand(const char *text, char *missing, size_t missing_size)
{
    size_t cap = strlen(text) + 1, len = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    for (const char *p = text; *p;) {
        const char *value = NULL;
        size_t skip = 1;
        if (p[0] == '$' && p[1] == '{') {
            const char *end = strchr(p, '}');
            if (end) {
                char name[128];
                snprintf(name, sizeof name, "%.*s", (int)(end - p - 2), p + 2);
                value = getenv(name);
                if (!value) {
                    snprintf(missing, missing_size, "%s", name);
                    free(out);
                    return NULL;
                }
                skip = (size_t)(end - p) + 1;
            }
        }
        size_t add = value ? strlen(value) : 1;
        if (len + add + 1 > cap) {
            cap = (len + add + 1) * 2;
            char *more = realloc(out, cap);
            if (!more) {
                free(out);
                return NULL;
            }
            out = more;
        }
        if (value)
            memcpy(out + len, value, add);
        else
            out[len] = *p;
        len += add;
        p += skip;
    }
    out[len] = '\0';
    return out;
}

//  "A;B" -> ";A;B;" (or "*"), checking each item with valid(). Returns owned or NULL.
static char *
s_list(const char *text, bool (*valid)(const char *), char *bad, size_t bad_size)
{
    if (strcmp(text, "*") == 0)
        return strdup("*");
    if (!*text) {
        snprintf(bad, bad_size, "(empty)");
        return NULL;
    }
    size_t len = strlen(text);
    char *out = malloc(len + 3);
    if (!out)
        return NULL;
    snprintf(out, len + 3, ";%s;", text);
    for (char *p = out + 1; *p;) {
        char *semi = strchr(p, ';');
        *semi = '\0';
        bool ok = *p && valid(p);
        if (!ok)
            snprintf(bad, bad_size, "%s", p);
        *semi = ';';
        if (!ok) {
            free(out);
            return NULL;
        }
        p = semi + 1;
    }
    return out;
}

static bool
s_valid_kind(const char *kind)
{
    for (size_t i = 0; i < sizeof s_kinds / sizeof s_kinds[0]; i++)
        if (strcmp(kind, s_kinds[i]) == 0)
            return true;
    return false;
}

static bool
s_valid_code(const char *code)
{
    for (const char *p = code; *p; p++)
        if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
            return false;
    return strlen(code) <= 24;
}

//  "scheme://host[:port]" of a URL: what may be logged.
static char *
s_url_shown(const char *url)
{
    const char *host = strstr(url, "://");
    if (!host)
        return strdup("?");
    host += 3;
    //  The host follows the last '@' of the authority: a password written with an '@' in it
    //  (user:p@ss@host) must not leave its tail in the log.
    size_t end = strcspn(host, "/?#");
    const char *at = NULL;
    for (const char *p = host; p < host + end; p++)
        if (*p == '@')
            at = p;
    if (at) {
        host = at + 1;
        end = strcspn(host, "/?#");
    }
    char *out = malloc((size_t)(host - url) + end + 1);
    if (out) {
        size_t scheme = (size_t)(strstr(url, "://") - url) + 3;
        memcpy(out, url, scheme);
        memcpy(out + scheme, host, end);
        out[scheme + end] = '\0';
    }
    return out;
}

static void
s_receiver_free(receiver_t *r)
{
    free(r->name);
    free(r->kinds);
    free(r->units);
    free(r->url);
    free(r->url_shown);
    free(r->to);
    free(r->from);
    free(r->user);
    if (r->secret)
        memset(r->secret, 0, strlen(r->secret));
    free(r->secret);
}

//  Checks and converts one row into r. Returns 0 or -1 (errors appended).
static int
s_receiver_parse(csv_t *csv, const int *col, const char *path, receiver_t *r, zlist_t *errors)
{
    int line = csv_line(csv);
    r->line = line;
    const char *name = csv_field(csv, col[0]), *channel = csv_field(csv, col[1]);
    const char *format = csv_field(csv, col[5]);
    char bad[128];
    int before = errors ? (int)zlist_size(errors) : 0;
    r->name = strdup(name);
    if (!*name || strlen(name) > 40 ||
        strspn(name, "abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(name))
        s_error(errors, "%s:%d: name: '%s' is not 1-40 letters, digits, '-', '_', '.'", path, line,
                name);
    if (!strcmp(channel, "zmq"))
        r->channel = CHANNEL_ZMQ;
    else if (!strcmp(channel, "webhook"))
        r->channel = CHANNEL_WEBHOOK;
    else if (!strcmp(channel, "email"))
        r->channel = CHANNEL_EMAIL;
    else
        s_error(errors, "%s:%d: channel: '%s' is not zmq, webhook or email", path, line, channel);
    if (!(r->kinds = s_list(csv_field(csv, col[2]), s_valid_kind, bad, sizeof bad)))
        s_error(errors, "%s:%d: kinds: '%s' is not an alert kind (or use *)", path, line, bad);
    if (!(r->units = s_list(csv_field(csv, col[3]), s_valid_code, bad, sizeof bad)))
        s_error(errors, "%s:%d: units: '%s' is not a unit code (or use *)", path, line, bad);
    char missing[128] = "";
    r->url = s_expand(csv_field(csv, col[4]), missing, sizeof missing);
    r->user = s_expand(csv_field(csv, col[8]), missing, sizeof missing);
    if (!r->url || !r->user)
        s_error(errors, "%s:%d: url/user: environment variable %s is not set", path, line, missing);
    r->to = strdup(csv_field(csv, col[6]));
    r->from = strdup(csv_field(csv, col[7]));
    const char *secret_env = csv_field(csv, col[9]);
    const char *secret = *secret_env ? getenv(secret_env) : "";
    if (!secret)
        s_error(errors, "%s:%d: secret_env: environment variable %s is not set", path, line,
                secret_env);
    r->secret = strdup(secret ? secret : "");
    r->url_shown = s_url_shown(r->url ? r->url : "");
    if (r->channel == CHANNEL_WEBHOOK) {
        if (!strcmp(format, "json") || !*format)
            r->format = FORMAT_JSON;
        else if (!strcmp(format, "wecom"))
            r->format = FORMAT_WECOM;
        else if (!strcmp(format, "dingtalk"))
            r->format = FORMAT_DINGTALK;
        else
            s_error(errors, "%s:%d: format: '%s' is not json, wecom or dingtalk", path, line,
                    format);
        if (r->url && strncmp(r->url, "http://", 7) && strncmp(r->url, "https://", 8))
            s_error(errors, "%s:%d: url: a webhook needs an http:// or https:// URL", path, line);
    } else if (r->channel == CHANNEL_EMAIL) {
        r->format = FORMAT_TEXT;
        if (r->url && strncmp(r->url, "smtp://", 7) && strncmp(r->url, "smtps://", 8))
            s_error(errors, "%s:%d: url: email needs an smtp:// or smtps:// URL", path, line);
        if (!*r->to || !strchr(r->to, '@'))
            s_error(errors, "%s:%d: to: email needs recipient addresses a@b;c@d", path, line);
        if (!strchr(r->from, '@'))
            s_error(errors, "%s:%d: from: email needs a sender address", path, line);
    }
    return errors && (int)zlist_size(errors) > before ? -1 : 0;
}

receivers_t *
receivers_load(const char *path, zlist_t *errors)
{
    static const char *const columns[] = {"name",   "channel", "kinds", "units", "url",
                                          "format", "to",      "from",  "user",  "secret_env"};
    size_t size = 0;
    char *data = text_read_file(path, &size);
    if (!data) {
        s_error(errors, "%s: cannot read the receivers file", path);
        return NULL;
    }
    receivers_t *self = calloc(1, sizeof *self);
    csv_t *csv = csv_new(data, size);
    int col[10], n = 0, bad = 0, zmq = 0;
    if (!self || !csv)
        bad = 1;
    else if ((n = csv_next(csv)) <= 0) {
        //  Said, or alertd would refuse to start without a word about why.
        s_error(errors, "%s:1: header: %s", path, n < 0 ? csv_error(csv) : "the file is empty");
        bad = 1;
    }
    for (size_t i = 0; !bad && i < 10; i++)
        if ((col[i] = csv_find(csv, columns[i])) < 0) {
            s_error(errors, "%s:1: header: column %s is missing", path, columns[i]);
            bad = 1;
        }
    while (!bad && (n = csv_next(csv)) != 0) {
        if (n < 0) {
            s_error(errors, "%s:%d: %s", path, csv_line(csv), csv_error(csv));
            bad = 1;
            continue;
        }
        if (csv_field(csv, 0)[0] == '#') //  a commented-out example
            continue;
        receiver_t *items = realloc(self->items, (self->count + 1) * sizeof *items);
        if (!items) {
            bad = 1;
            break;
        }
        self->items = items;
        receiver_t *r = &self->items[self->count++];
        memset(r, 0, sizeof *r);
        if (s_receiver_parse(csv, col, path, r, errors) != 0)
            bad = 1;
        else if (r->channel == CHANNEL_ZMQ && zmq++) {
            s_error(errors, "%s:%d: channel: only one zmq receiver (the office stream)", path,
                    csv_line(csv));
            bad = 1;
        }
        for (size_t j = 0; j + 1 < self->count; j++)
            if (!strcmp(self->items[j].name, r->name)) {
                s_error(errors, "%s:%d: name: '%s' is used twice", path, csv_line(csv), r->name);
                bad = 1;
            }
    }
    csv_destroy(&csv);
    free(data);
    if (bad)
        receivers_destroy(&self);
    return self;
}

void
receivers_destroy(receivers_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    receivers_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        s_receiver_free(&self->items[i]);
    free(self->items);
    free(self);
    *self_p = NULL;
}

size_t
receivers_count(const receivers_t *self)
{
    return self ? self->count : 0;
}

const receiver_t *
receivers_at(const receivers_t *self, size_t i)
{
    return i < self->count ? &self->items[i] : NULL;
}

const receiver_t *
receivers_find(const receivers_t *self, const char *name)
{
    for (size_t i = 0; self && i < self->count; i++)
        if (!strcmp(self->items[i].name, name))
            return &self->items[i];
    return NULL;
}

//  True when ";item;" is in the list (or the list is "*").
static bool
s_in_list(const char *list, const char *item)
{
    if (!strcmp(list, "*"))
        return true;
    size_t n = strlen(item);
    if (n == 0)
        return false;
    for (const char *p = strstr(list, item); p; p = strstr(p + 1, item))
        if (p > list && p[-1] == ';' && p[n] == ';')
            return true;
    return false;
}

bool
receiver_matches(const receiver_t *self, const char *kind, char *const *units, size_t count)
{
    if (!s_in_list(self->kinds, kind))
        return false;
    if (!strcmp(self->units, "*"))
        return true;
    for (size_t i = 0; i < count; i++)
        if (units[i] && *units[i] && s_in_list(self->units, units[i]))
            return true;
    return false;
}

const char *
receiver_channel_name(channel_t channel)
{
    return channel == CHANNEL_ZMQ ? "zmq" : channel == CHANNEL_WEBHOOK ? "webhook" : "email";
}

const char *
receiver_format_name(format_t format)
{
    static const char *const names[] = {"json", "wecom", "dingtalk", "text"};
    return names[format];
}

int
escalation_load(const char *path, escalation_t *out, size_t max, zlist_t *errors)
{
    size_t size = 0;
    char *data = text_read_file(path, &size);
    if (!data) {
        s_error(errors, "%s: cannot read the escalation settings", path);
        return -1;
    }
    csv_t *csv = csv_new(data, size);
    int col[4] = {-1, -1, -1, -1}, n = 0, count = 0, bad = 0;
    static const char *const columns[] = {"kind", "remind_working_days", "escalate_working_days",
                                          "escalate_to"};
    if (!csv)
        bad = 1;
    else if ((n = csv_next(csv)) <= 0) {
        s_error(errors, "%s:1: header: %s", path, n < 0 ? csv_error(csv) : "the file is empty");
        bad = 1;
    }
    for (int i = 0; !bad && i < 4; i++)
        if ((col[i] = csv_find(csv, columns[i])) < 0) {
            s_error(errors, "%s:1: header: column %s is missing", path, columns[i]);
            bad = 1;
        }
    while (!bad && (n = csv_next(csv)) != 0) {
        int line = csv_line(csv);
        if (n < 0 || (size_t)count >= max) {
            s_error(errors, "%s:%d: %s", path, line, n < 0 ? csv_error(csv) : "too many rows");
            bad = 1;
            break;
        }
        if (csv_field(csv, 0)[0] == '#')
            continue;
        escalation_t *e = &out[count];
        memset(e, 0, sizeof *e);
        const char *kind = csv_field(csv, col[0]), *to = csv_field(csv, col[3]);
        char *end1, *end2;
        long remind = strtol(csv_field(csv, col[1]), &end1, 10);
        long escalate = strtol(csv_field(csv, col[2]), &end2, 10);
        if (!s_valid_kind(kind) || strlen(kind) >= sizeof e->kind) {
            s_error(errors, "%s:%d: kind: '%s' is not an alert kind", path, line, kind);
            bad = 1;
        } else if (*end1 || *end2 || end1 == csv_field(csv, col[1]) ||
                   end2 == csv_field(csv, col[2]) || remind < 0 || remind > 365 || escalate < 0 ||
                   escalate > 365) {
            s_error(errors, "%s:%d: working days: expected whole numbers 0-365", path, line);
            bad = 1;
        } else if ((escalate > 0 && !*to) || !s_valid_code(to) ||
                   strlen(to) >= sizeof e->escalate_to) {
            s_error(errors, "%s:%d: escalate_to: '%s' is not a unit code", path, line, to);
            bad = 1;
        } else {
            snprintf(e->kind, sizeof e->kind, "%s", kind);
            snprintf(e->escalate_to, sizeof e->escalate_to, "%s", to);
            e->remind_days = (int)remind;
            e->escalate_days = (int)escalate;
            e->line = line;
            count++;
        }
    }
    csv_destroy(&csv);
    free(data);
    return bad ? -1 : count;
}

int
receivers_check_units(const receivers_t *receivers, const char *receivers_path,
                      const escalation_t *rules, size_t rule_count, const char *escalation_path,
                      const char *plan_dir, zlist_t *errors)
{
    //  The plan as planctl plan load reads it (the catalog's own checks): a broken plan is
    //  reported as such, line by line.
    catalog_t *cat = catalog_load_files(plan_dir, errors);
    if (!cat)
        return -1;
    char file[1024];
    snprintf(file, sizeof file, "%s/resp_units.csv", plan_dir);
    int bad = 0;
    for (size_t i = 0; i < receivers_count(receivers); i++) {
        const receiver_t *r = receivers_at(receivers, i);
        if (!strcmp(r->units, "*"))
            continue;
        char *list = strdup(r->units), *save = NULL;
        for (char *code = list ? strtok_r(list, ";", &save) : NULL; code;
             code = strtok_r(NULL, ";", &save))
            if (!catalog_unit(cat, code)) {
                s_error(errors, "%s:%d: units: '%s' is not a responsible unit of %s",
                        receivers_path, r->line, code, file);
                bad = 1;
            }
        free(list);
    }
    for (size_t i = 0; i < rule_count; i++)
        if (*rules[i].escalate_to && !catalog_unit(cat, rules[i].escalate_to)) {
            s_error(errors, "%s:%d: escalate_to: '%s' is not a responsible unit of %s",
                    escalation_path, rules[i].line, rules[i].escalate_to, file);
            bad = 1;
        }
    catalog_destroy(&cat);
    return bad ? -1 : 0;
}
