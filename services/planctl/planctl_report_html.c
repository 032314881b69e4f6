/*  planctl_report_html.c - the bulletin's HTML buffer: escaping text from the store so that the
    page stays well-formed XML, and numbers and dates as a Chinese reader expects them */
#include "planctl_report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
html_init(html_t *h)
{
    memset(h, 0, sizeof *h);
}

void
html_free(html_t *h)
{
    free(h->data);
    memset(h, 0, sizeof *h);
}

//  Makes room for n more bytes and the NUL. False when the page is lost.
static bool
s_reserve(html_t *h, size_t n)
{
    if (h->failed)
        return false;
    if (h->size + n + 1 <= h->cap)
        return true;
    size_t cap = h->cap ? h->cap : 64 * 1024;
    while (cap < h->size + n + 1)
        cap *= 2;
    char *data = realloc(h->data, cap);
    if (!data) {
        h->failed = true;
        return false;
    }
    h->data = data;
    h->cap = cap;
    return true;
}

static void
s_append(html_t *h, const char *bytes, size_t n)
{
    if (!s_reserve(h, n))
        return;
    memcpy(h->data + h->size, bytes, n);
    h->size += n;
    h->data[h->size] = '\0';
}

void
html_raw(html_t *h, const char *markup)
{
    s_append(h, markup, strlen(markup));
}

static void s_vappend(html_t *h, bool escape, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
s_vappend(html_t *h, bool escape, const char *fmt, va_list ap)
{
    char small[512];
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(small, sizeof small, fmt, copy);
    va_end(copy);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        if (escape)
            html_text(h, small);
        else
            s_append(h, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        h->failed = true;
        return;
    }
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    if (escape)
        html_text(h, big);
    else
        s_append(h, big, (size_t)n);
    free(big);
}

void
html_rawf(html_t *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vappend(h, false, fmt, ap);
    va_end(ap);
}

void
html_textf(html_t *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vappend(h, true, fmt, ap);
    va_end(ap);
}

//  Length of the well-formed UTF-8 sequence at s (1-4), or 0 when it is not one, or encodes a
//  character XML 1.0 cannot hold (surrogates, U+FFFE, U+FFFF).
static size_t
s_utf8_char(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n;
    unsigned int cp;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
        cp = s[0] & 0x1Fu;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        cp = s[0] & 0x0Fu;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        cp = s[0] & 0x07u;
    } else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0; //  overlong or beyond Unicode
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return n;
}

void
html_text(html_t *h, const char *text)
{
    static const char replacement[] = "\xEF\xBF\xBD"; //  U+FFFD
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    const unsigned char *run = s; //  start of the bytes copied as they are
    while (*s) {
        const char *entity = NULL;
        size_t n = 1;
        switch (*s) {
        case '&':
            entity = "&amp;";
            break;
        case '<':
            entity = "&lt;";
            break;
        case '>':
            entity = "&gt;";
            break;
        case '"':
            entity = "&quot;";
            break;
        case '\'':
            entity = "&#39;";
            break;
        default:
            if (*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
                entity = replacement; //  XML 1.0 has no C0 controls, not even as &#1;
            else if (*s >= 0x80) {
                n = s_utf8_char(s);
                if (n == 0) {
                    entity = replacement;
                    n = 1;
                }
            }
        }
        if (entity) {
            s_append(h, (const char *)run, (size_t)(s - run));
            html_raw(h, entity);
            s += n;
            run = s;
        } else
            s += n;
    }
    s_append(h, (const char *)run, (size_t)(s - run));
}

char *
html_take(html_t *h, size_t *size)
{
    if (h->failed || !s_reserve(h, 0)) {
        html_free(h);
        return NULL;
    }
    char *data = h->data;
    if (size)
        *size = h->size;
    memset(h, 0, sizeof *h);
    return data;
}

// ---------------------------------------------------------------------------------------------
//  Numbers and dates

//  Drops trailing zeros after a decimal point, and the point itself.
static void
s_trim(char *buf)
{
    char *dot = strchr(buf, '.');
    if (!dot)
        return;
    char *end = buf + strlen(buf);
    while (end > dot + 1 && end[-1] == '0')
        *--end = '\0';
    if (end == dot + 1)
        *dot = '\0';
}

char *
report_fmt_number(double v, char *buf, size_t size)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "—");
        return buf;
    }
    double a = fabs(v);
    int decimals = a >= 100000 ? 1 : 2;
    snprintf(buf, size, "%.*f", decimals, v);
    s_trim(buf);
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, size, "0");
    return buf;
}

char *
report_fmt_compact(double v, char *buf, size_t size)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "—");
        return buf;
    }
    double a = fabs(v);
    const char *suffix = "";
    double shown = v;
    if (a >= 1e8) {
        shown = v / 1e8;
        suffix = "亿";
    } else if (a >= 1e4) {
        shown = v / 1e4;
        suffix = "万";
    }
    double s = fabs(shown);
    int decimals = s >= 100 ? 0 : s >= 10 ? 1 : s >= 1 ? 2 : 3;
    char num[64];
    snprintf(num, sizeof num, "%.*f", decimals, shown);
    s_trim(num);
    if (strcmp(num, "-0") == 0)
        snprintf(num, sizeof num, "0");
    snprintf(buf, size, "%s%s", num, suffix);
    return buf;
}

char *
report_fmt_day_zh(day_t d, char *buf, size_t size)
{
    int y, m, dd;
    day_to_ymd(d, &y, &m, &dd);
    snprintf(buf, size, "%d年%d月%d日", y, m, dd);
    return buf;
}

const char *
report_cmp_sign(cmp_t cmp)
{
    switch (cmp) {
    case CMP_GE:
        return "≥";
    case CMP_GT:
        return "＞";
    case CMP_LE:
        return "≤";
    case CMP_LT:
        return "＜";
    }
    return "";
}
