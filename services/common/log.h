/*  log.h - one line per event on stderr: `time level service event key=value ...`

    The level is checked before anything is formatted. Callers never log secrets: the
    functions cannot tell a key from a figure, so the rule is the caller's.
*/
#ifndef PW_LOG_H
#define PW_LOG_H

#include <stdarg.h>

typedef enum {
    LOG_LEVEL_DEBUG = 0,
    LOG_LEVEL_INFO = 1,
    LOG_LEVEL_WARN = 2,
    LOG_LEVEL_ERROR = 3,
} log_level_t;

//  Names the service in every line and sets the threshold. Call once at start-up.
void log_init(const char *service, log_level_t level);

//  Parses "debug", "info", "warn" or "error". Returns 0, or -1 when the name is unknown.
int log_level_parse(const char *name, log_level_t *level);

//  True when a line at this level would be written.
int log_enabled(log_level_t level);

//  Writes `time level service event` followed by the formatted key=value text.
void log_write(log_level_t level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

//  As log_write, with ": strerror(errno)" appended (OpenBSD's log_warn).
void log_write_errno(log_level_t level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

//  Logs at error level and exits with the given status; for start-up and out-of-memory only.
void log_fatal(int status, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

#define log_debug(event, ...)                                                                      \
    do {                                                                                           \
        if (log_enabled(LOG_LEVEL_DEBUG))                                                          \
            log_write(LOG_LEVEL_DEBUG, event, __VA_ARGS__);                                        \
    } while (0)
#define log_info(event, ...)  log_write(LOG_LEVEL_INFO, event, __VA_ARGS__)
#define log_warnx(event, ...) log_write(LOG_LEVEL_WARN, event, __VA_ARGS__)
#define log_warn(event, ...)  log_write_errno(LOG_LEVEL_WARN, event, __VA_ARGS__)
#define log_errx(event, ...)  log_write(LOG_LEVEL_ERROR, event, __VA_ARGS__)

#endif
