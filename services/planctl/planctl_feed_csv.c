/*  planctl_feed_csv.c - reporting staff's CSV file -> a planwatch.v1.Feed, with the file's errors

    Accepts what Excel saves: UTF-8 with or without BOM, GBK/GB18030 (Excel on Chinese Windows),
    CRLF or LF, quoted fields. Numbers must be plain ("14000", "2.41", "-3"); anything else is a
    row error naming the CSV line, and that row is not sent.
*/
#include "planctl.h"

#include "csv.h"
#include "log.h"
#include "text.h"

#include <czmq.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_obs_columns[] = {"org", "indicator", "period", "value", "note"};
static const char *const s_ms_columns[] = {"task", "state", "date", "evidence"};

//  Frees everything; sets *self_p to NULL. Idempotent.
void
feed_csv_destroy(feed_csv_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    feed_csv_t *self = *self_p;
    for (size_t i = 0; i < self->feed.n_observations; i++) {
        Planwatch__V1__Observation *o = self->feed.observations[i];
        free(o->indicator);
        free(o->org);
        free(o->period);
        free(o->note);
        free(o);
    }
    free(self->feed.observations);
    for (size_t i = 0; i < self->feed.n_milestones; i++) {
        Planwatch__V1__MilestoneReport *m = self->feed.milestones[i];
        free(m->task);
        free(m->state);
        free(m->date);
        free(m->evidence);
        free(m);
    }
    free(self->feed.milestones);
    for (size_t i = 0; i < self->error_count; i++)
        free(self->errors[i].message);
    free(self->errors);
    free(self->text);
    free(self);
    *self_p = NULL;
}

static void *
s_alloc(size_t size)
{
    void *p = calloc(1, size);
    if (!p)
        log_fatal(1, "oom", "what=feed_csv");
    return p;
}

static char *
s_dup(const char *s)
{
    char *copy = strdup(s);
    if (!copy)
        log_fatal(1, "oom", "what=feed_csv");
    return copy;
}

//  Records a row the file itself gets wrong.
static void s_error(feed_csv_t *self, int line, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
s_error(feed_csv_t *self, int line, const char *code, const char *fmt, ...)
{
    if (self->error_count == self->error_cap) {
        self->error_cap = self->error_cap ? self->error_cap * 2 : 16;
        feed_csv_error_t *grown = realloc(self->errors, self->error_cap * sizeof *grown);
        if (!grown)
            log_fatal(1, "oom", "what=feed_csv");
        self->errors = grown;
    }
    char text[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(text, sizeof text, fmt, args);
    va_end(args);
    feed_csv_error_t *e = &self->errors[self->error_count++];
    e->line = line;
    e->code = code;
    e->message = s_dup(text);
}

//  Copies a field without the blanks around it (Excel keeps typed spaces).
static char *
s_field(csv_t *csv, int index)
{
    const char *text = index >= 0 ? csv_field(csv, index) : "";
    while (*text == ' ' || *text == '\t')
        text++;
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    char *copy = s_alloc(len + 1);
    memcpy(copy, text, len);
    return copy;
}

int
feed_csv_number(const char *text, double *value)
{
    //  -?[0-9]+(\.[0-9]+)? : no thousands separators, no exponent, no units, no 万.
    const char *p = text;
    if (*p == '-')
        p++;
    size_t digits = strspn(p, "0123456789");
    if (digits == 0)
        return -1;
    p += digits;
    if (*p == '.') {
        size_t decimals = strspn(p + 1, "0123456789");
        if (decimals == 0)
            return -1;
        p += 1 + decimals;
    }
    if (*p != '\0' || digits > 300)
        return -1;
    errno = 0;
    *value = strtod(text, NULL);
    return errno == ERANGE ? -1 : 0;
}

//  Grows a pointer array by one slot.
static void
s_push(void ***items, size_t *count, void *item)
{
    void **grown = realloc(*items, (*count + 1) * sizeof *grown);
    if (!grown)
        log_fatal(1, "oom", "what=feed_csv");
    grown[(*count)++] = item;
    *items = grown;
}

//  True when every field of the current record is blank (Excel's trailing ",,,," rows).
static int
s_blank_record(csv_t *csv)
{
    for (int i = 0; i < csv_count(csv); i++)
        if (strspn(csv_field(csv, i), " \t") != strlen(csv_field(csv, i)))
            return 0;
    return 1;
}

//  True when the record has more fields than the header: an unquoted "1,400" splits a number
//  in two, and taking the first half would store 1. (Excel writes every row of a sheet with
//  the same number of fields, so a longer row is never Excel's padding.)
static int
s_extra_fields(csv_t *csv, int header_count)
{
    return csv_count(csv) > header_count;
}

static void
s_read_observation(feed_csv_t *self, csv_t *csv, const int *col)
{
    int line = csv_line(csv);
    char *fields[5];
    for (int i = 0; i < 5; i++)
        fields[i] = s_field(csv, col[i]);
    double value = 0;
    int ok = 1;
    for (int i = 0; i < 4 && ok; i++)
        if (!*fields[i]) {
            s_error(self, line, "MISSING_FIELD", "缺少“%s”", s_obs_columns[i]);
            ok = 0;
        }
    if (ok && feed_csv_number(fields[3], &value) != 0) {
        char shown[96];
        s_error(self, line, "BAD_NUMBER",
                "数值“%s”不是纯数字（应写作 14000 或 2.41，不带千分位、单位或“万”）",
                text_truncate(fields[3], 40, shown, sizeof shown));
        ok = 0;
    }
    if (!ok) {
        for (int i = 0; i < 5; i++)
            free(fields[i]);
        return;
    }
    Planwatch__V1__Observation *o = s_alloc(sizeof *o);
    planwatch__v1__observation__init(o);
    o->org = fields[0];
    o->indicator = fields[1];
    o->period = fields[2];
    free(fields[3]);
    o->value = value;
    o->note = fields[4];
    o->line = (uint32_t)line;
    s_push((void ***)&self->feed.observations, &self->feed.n_observations, o);
}

static void
s_read_milestone(feed_csv_t *self, csv_t *csv, const int *col)
{
    int line = csv_line(csv);
    char *fields[4];
    for (int i = 0; i < 4; i++)
        fields[i] = s_field(csv, col[i]);
    for (int i = 0; i < 3; i++)
        if (!*fields[i]) {
            s_error(self, line, "MISSING_FIELD", "缺少“%s”", s_ms_columns[i]);
            for (int j = 0; j < 4; j++)
                free(fields[j]);
            return;
        }
    Planwatch__V1__MilestoneReport *m = s_alloc(sizeof *m);
    planwatch__v1__milestone_report__init(m);
    m->task = fields[0];
    m->state = fields[1];
    m->date = fields[2];
    m->evidence = fields[3];
    m->line = (uint32_t)line;
    s_push((void ***)&self->feed.milestones, &self->feed.n_milestones, m);
}

feed_csv_t *
feed_csv_parse(const char *bytes, size_t size, char *error, size_t error_size)
{
    feed_csv_t *self = s_alloc(sizeof *self);
    planwatch__v1__feed__init(&self->feed);
    size_t text_size = 0;
    self->text = text_to_utf8(bytes, size, &text_size, &self->encoding);
    if (!self->text) {
        snprintf(error, error_size,
                 "the file is neither UTF-8 nor GBK/GB18030 text (文件编码无法识别，请另存为 "
                 "CSV UTF-8)");
        feed_csv_destroy(&self);
        return NULL;
    }
    csv_t *csv = csv_new(self->text, text_size);
    if (!csv)
        log_fatal(1, "oom", "what=csv");
    int n = csv_next(csv);
    if (n <= 0) {
        snprintf(error, error_size, "the file has no header line (文件为空或没有表头)");
        csv_destroy(&csv);
        feed_csv_destroy(&self);
        return NULL;
    }
    int header_count = n;
    int col[5] = {-1, -1, -1, -1, -1};
    //  Header names are matched without case or blanks.
    for (int i = 0; i < n; i++) {
        char *name = s_field(csv, i);
        for (char *p = name; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        for (int c = 0; c < 5; c++)
            if (strcmp(name, s_obs_columns[c]) == 0 && col[c] < 0)
                col[c] = i;
        if (strcmp(name, "task") == 0)
            self->milestones = 1;
        free(name);
    }
    if (self->milestones) {
        for (int c = 0; c < 5; c++)
            col[c] = -1;
        for (int i = 0; i < n; i++) {
            char *name = s_field(csv, i);
            for (char *p = name; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p - 'A' + 'a');
            for (int c = 0; c < 4; c++)
                if (strcmp(name, s_ms_columns[c]) == 0 && col[c] < 0)
                    col[c] = i;
            free(name);
        }
    }
    int required = self->milestones ? 3 : 4;
    const char *const *names = self->milestones ? s_ms_columns : s_obs_columns;
    for (int c = 0; c < required; c++)
        if (col[c] < 0) {
            snprintf(error, error_size,
                     "line 1: the header must be org,indicator,period,value,note or "
                     "task,state,date,evidence; column '%s' is missing (表头缺少 %s 列)",
                     names[c], names[c]);
            csv_destroy(&csv);
            feed_csv_destroy(&self);
            return NULL;
        }
    while ((n = csv_next(csv)) != 0) {
        if (n < 0) {
            s_error(self, csv_line(csv), "BAD_CSV", "不是有效的 CSV 记录：%s", csv_error(csv));
            continue;
        }
        if (s_blank_record(csv))
            continue;
        if (s_extra_fields(csv, header_count)) {
            s_error(self, csv_line(csv), "EXTRA_FIELD",
                    "字段比表头多：数值里是否有千分位逗号？（1,400 应写作 1400）");
            continue;
        }
        if (self->milestones)
            s_read_milestone(self, csv, col);
        else
            s_read_observation(self, csv, col);
    }
    csv_destroy(&csv);
    return self;
}

char *
feed_csv_default_id(const char *unit, const char *bytes, size_t size)
{
    //  The unit and the file's exact bytes: the same file pushed again is the same feed.
    zdigest_t *digest = zdigest_new();
    if (!digest)
        log_fatal(1, "oom", "what=digest");
    zdigest_update(digest, (const byte *)unit, strlen(unit));
    zdigest_update(digest, (const byte *)"\n", 1);
    zdigest_update(digest, (const byte *)bytes, size);
    char *id = zsys_sprintf("csv-%s", zdigest_string(digest));
    zdigest_destroy(&digest);
    for (char *p = id; *p; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    return id;
}
