/*  text.c - UTF-8 validation, conversion and display width */
#include "text.h"

#include <czmq.h>
#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

//  Decodes one code point at s; returns its length in bytes, or 0 when malformed.
static size_t
s_decode(const unsigned char *s, size_t size, uint32_t *cp)
{
    if (size == 0)
        return 0;
    unsigned char c = s[0];
    size_t len;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, min = 0x80, *cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, min = 0x800, *cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, *cp = c & 0x07;
    } else
        return 0;
    if (size < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return len;
}

char *
text_read_file(const char *path, size_t *size)
{
    zchunk_t *chunk = zchunk_slurp(path, 0);
    if (!chunk)
        return NULL;
    char *text = malloc(zchunk_size(chunk) + 1);
    if (text) {
        memcpy(text, zchunk_data(chunk), zchunk_size(chunk));
        text[zchunk_size(chunk)] = '\0';
        *size = zchunk_size(chunk);
    }
    zchunk_destroy(&chunk);
    return text;
}

int
text_utf8_valid(const char *s, size_t size)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    uint32_t cp;
    while (i < size) {
        size_t n = s_decode(p + i, size - i, &cp);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

//  Converts size bytes from GB18030 to UTF-8 with iconv. Returns owned text or NULL.
static char *
s_from_gb18030(const char *data, size_t size, size_t *out_size)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return NULL;
    size_t cap = size * 2 + 16;
    char *out = malloc(cap + 1);
    char *in = (char *)data;
    size_t in_left = size;
    char *dst = out;
    size_t out_left = cap;
    size_t rc = out ? iconv(cd, &in, &in_left, &dst, &out_left) : (size_t)-1;
    iconv_close(cd);
    if (rc == (size_t)-1 || in_left != 0) {
        free(out);
        return NULL;
    }
    *out_size = cap - out_left;
    out[*out_size] = '\0';
    return out;
}

char *
text_to_utf8(const char *data, size_t size, size_t *out_size, const char **encoding)
{
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        size -= 3;
        *encoding = "UTF-8 (BOM)";
    } else
        *encoding = "UTF-8";
    if (text_utf8_valid(data, size)) {
        char *copy = malloc(size + 1);
        if (!copy)
            return NULL;
        memcpy(copy, data, size);
        copy[size] = '\0';
        *out_size = size;
        return copy;
    }
    if (strcmp(*encoding, "UTF-8") != 0)
        return NULL; //  a BOM promised UTF-8
    *encoding = "GB18030";
    char *text = s_from_gb18030(data, size, out_size);
    if (text && memchr(text, '\0', *out_size)) {
        free(text);
        return NULL;
    }
    return text;
}

//  East Asian Wide (W) and Fullwidth (F) ranges of Unicode's EastAsianWidth.txt, coarsely.
static int
s_is_wide(uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
           (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
           (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
           (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
           (cp >= 0x20000 && cp <= 0x3FFFD);
}

int
text_display_width(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t size = strlen(s), i = 0;
    int width = 0;
    while (i < size) {
        uint32_t cp;
        size_t n = s_decode(p + i, size - i, &cp);
        if (n == 0) {
            i++;
            width++;
            continue;
        }
        i += n;
        width += s_is_wide(cp) ? 2 : (cp >= 0x20 && cp != 0x7F) ? 1 : 0;
    }
    return width;
}

void
text_print_padded(FILE *out, const char *s, int width)
{
    fputs(s, out);
    for (int w = text_display_width(s); w < width; w++)
        fputc(' ', out);
}

char *
text_truncate(const char *s, int width, char *buf, size_t size)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0, out = 0;
    int used = 0;
    //  Narrow characters can take 3 or 4 bytes: fitting the width is not fitting the buffer.
    if (text_display_width(s) <= width && len < size) {
        snprintf(buf, size, "%s", s);
        return buf;
    }
    while (i < len) {
        uint32_t cp;
        size_t n = s_decode(p + i, len - i, &cp);
        if (n == 0)
            n = 1, cp = '?';
        int w = s_is_wide(cp) ? 2 : 1;
        if (used + w > width - 1 || out + n + 4 > size)
            break;
        memcpy(buf + out, s + i, n);
        out += n, i += n, used += w;
    }
    snprintf(buf + out, size - out, "…");
    return buf;
}

char *
text_number(double v, char *buf, size_t size)
{
    if (v != 0 && fabs(v) < 0.01) {
        snprintf(buf, size, "%.2g", v);
        return buf;
    }
    snprintf(buf, size, "%.2f", v);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *end = buf + strlen(buf) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *end = '\0';
    }
    if (!strcmp(buf, "-0"))
        snprintf(buf, size, "0");
    return buf;
}
