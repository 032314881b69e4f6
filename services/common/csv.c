/*  csv.c - RFC 4180 records from a memory buffer */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

#define CSV_MAX_FIELDS 64

struct csv_t {
    const char *data;               //  borrowed input
    size_t size;                    //  input bytes
    size_t pos;                     //  read position
    int line;                       //  current line number (1-based)
    int record_line;                //  line where the current record starts
    char *buf;                      //  unescaped field text, NUL-separated
    size_t buf_cap;                 //  bytes allocated for buf
    size_t offsets[CSV_MAX_FIELDS]; //  start of each field in buf
    int count;                      //  fields in the current record
    const char *error;              //  static text of the last error
};

csv_t *
csv_new(const char *data, size_t size)
{
    csv_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->data = data;
    self->size = size;
    self->line = 1;
    self->buf_cap = 1024;
    self->buf = malloc(self->buf_cap);
    if (!self->buf) {
        free(self);
        return NULL;
    }
    return self;
}

void
csv_destroy(csv_t **self_p)
{
    if (self_p && *self_p) {
        free((*self_p)->buf);
        free(*self_p);
        *self_p = NULL;
    }
}

//  Appends one byte to the field buffer; returns -1 on out-of-memory.
static int
s_put(csv_t *self, size_t *len, char c)
{
    if (*len + 1 >= self->buf_cap) {
        size_t cap = self->buf_cap * 2;
        char *buf = realloc(self->buf, cap);
        if (!buf)
            return -1;
        self->buf = buf;
        self->buf_cap = cap;
    }
    self->buf[(*len)++] = c;
    return 0;
}

//  Skips the rest of a malformed record up to the next line break outside quotes' reach.
static int
s_fail(csv_t *self, const char *why)
{
    while (self->pos < self->size && self->data[self->pos] != '\n')
        self->pos++;
    if (self->pos < self->size) {
        self->pos++;
        self->line++;
    }
    self->error = why;
    self->count = 0;
    return -1;
}

int
csv_next(csv_t *self)
{
    //  skip empty lines
    while (self->pos < self->size &&
           (self->data[self->pos] == '\n' ||
            (self->data[self->pos] == '\r' && self->pos + 1 < self->size &&
             self->data[self->pos + 1] == '\n'))) {
        self->pos += self->data[self->pos] == '\r' ? 2 : 1;
        self->line++;
    }
    if (self->pos >= self->size)
        return 0;
    self->record_line = self->line;
    self->count = 0;
    size_t len = 0;
    self->offsets[self->count++] = 0;
    int quoted = 0, was_quoted = 0;
    while (self->pos < self->size) {
        char c = self->data[self->pos++];
        if (quoted) {
            if (c == '"') {
                if (self->pos < self->size && self->data[self->pos] == '"') {
                    self->pos++;
                    if (s_put(self, &len, '"'))
                        return s_fail(self, "out of memory");
                } else
                    quoted = 0;
            } else {
                if (c == '\n')
                    self->line++;
                if (s_put(self, &len, c))
                    return s_fail(self, "out of memory");
            }
            continue;
        }
        if (c == ',') {
            if (s_put(self, &len, '\0'))
                return s_fail(self, "out of memory");
            if (self->count == CSV_MAX_FIELDS)
                return s_fail(self, "too many fields");
            self->offsets[self->count++] = len;
            was_quoted = 0;
        } else if (c == '\n' ||
                   (c == '\r' && self->pos < self->size && self->data[self->pos] == '\n')) {
            if (c == '\r')
                self->pos++;
            self->line++;
            break;
        } else if (c == '"') {
            if (len != self->offsets[self->count - 1] || was_quoted)
                return s_fail(self, "quote inside an unquoted field");
            quoted = was_quoted = 1;
        } else {
            if (was_quoted)
                return s_fail(self, "text after a closing quote");
            if (s_put(self, &len, c))
                return s_fail(self, "out of memory");
        }
    }
    if (quoted) {
        self->error = "quoted field not closed";
        self->count = 0;
        return -1;
    }
    if (s_put(self, &len, '\0'))
        return s_fail(self, "out of memory");
    return self->count;
}

const char *
csv_field(csv_t *self, int i)
{
    if (i < 0 || i >= self->count)
        return "";
    return self->buf + self->offsets[i];
}

int
csv_count(csv_t *self)
{
    return self->count;
}

int
csv_line(csv_t *self)
{
    return self->record_line;
}

const char *
csv_error(csv_t *self)
{
    return self->error ? self->error : "";
}

int
csv_find(csv_t *self, const char *name)
{
    for (int i = 0; i < self->count; i++)
        if (strcmp(csv_field(self, i), name) == 0)
            return i;
    return -1;
}
