/*  log.c - one line per event on stderr: `time level service event key=value ...` */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const char *s_service = "planwatch";
static log_level_t s_level = LOG_LEVEL_INFO;
static const char *s_names[] = {"debug", "info", "warn", "error"};

void
log_init(const char *service, log_level_t level)
{
    s_service = service;
    s_level = level;
}

int
log_level_parse(const char *name, log_level_t *level)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, s_names[i]) == 0) {
            *level = (log_level_t)i;
            return 0;
        }
    }
    return -1;
}

int
log_enabled(log_level_t level)
{
    return level >= s_level;
}

//  Formats and writes one line; a single fputs keeps concurrent writers from interleaving.
static void s_vwrite(log_level_t level, const char *event, const char *suffix, const char *fmt,
                     va_list ap) __attribute__((format(printf, 4, 0)));

static void
s_vwrite(log_level_t level, const char *event, const char *suffix, const char *fmt, va_list ap)
{
    if (!log_enabled(level))
        return;
    char line[2048];
    size_t suffix_len = suffix ? strlen(suffix) : 0;
    size_t cap = sizeof line - 2 - suffix_len; //  room left for the suffix, '\n' and NUL
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    int h = snprintf(line, cap + 1, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s %s %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (int)(tv.tv_usec / 1000), s_names[level], s_service, event);
    size_t n = h < 0 ? 0 : (size_t)h > cap ? cap : (size_t)h;
    int m = vsnprintf(line + n, cap + 1 - n, fmt, ap);
    if (m > 0)
        n = n + (size_t)m > cap ? cap : n + (size_t)m;
    if (suffix_len)
        memcpy(line + n, suffix, suffix_len);
    n += suffix_len;
    line[n] = '\n';
    line[n + 1] = '\0';
    fputs(line, stderr);
}

void
log_write(log_level_t level, const char *event, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vwrite(level, event, NULL, fmt, ap);
    va_end(ap);
}

void
log_write_errno(log_level_t level, const char *event, const char *fmt, ...)
{
    char suffix[160];
    snprintf(suffix, sizeof suffix, " error=\"%s\"", strerror(errno));
    va_list ap;
    va_start(ap, fmt);
    s_vwrite(level, event, suffix, fmt, ap);
    va_end(ap);
}

void
log_fatal(int status, const char *event, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vwrite(LOG_LEVEL_ERROR, event, NULL, fmt, ap);
    va_end(ap);
    exit(status);
}
