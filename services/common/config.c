/*  config.c - settings as one declarative table, read from environment variables */
#include "config.h"

#include "clock.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

//  Converts one setting's text into its target. Returns 0, or -1 with a message in error.
static int
s_convert(const config_setting_t *s, const char *text, char *error, size_t error_size)
{
    switch (s->type) {
    case CONFIG_STRING:
        *(const char **)s->target = text;
        return 0;
    case CONFIG_INT: {
        errno = 0;
        char *end = NULL;
        long v = strtol(text, &end, 10);
        if (errno || end == text || *end != '\0' || v < s->min || v > s->max) {
            snprintf(error, error_size, "%s=%s: expected an integer from %ld to %ld", s->env, text,
                     s->min, s->max);
            return -1;
        }
        *(long *)s->target = v;
        return 0;
    }
    case CONFIG_BOOL:
        if (!strcasecmp(text, "1") || !strcasecmp(text, "true") || !strcasecmp(text, "yes")) {
            *(int *)s->target = 1;
            return 0;
        }
        if (!strcasecmp(text, "0") || !strcasecmp(text, "false") || !strcasecmp(text, "no")) {
            *(int *)s->target = 0;
            return 0;
        }
        snprintf(error, error_size, "%s=%s: expected 1, 0, true, false, yes or no", s->env, text);
        return -1;
    case CONFIG_DATE: {
        day_t d;
        if (*text && day_parse(text, &d) != 0) {
            snprintf(error, error_size, "%s=%s: expected a date YYYY-MM-DD", s->env, text);
            return -1;
        }
        *(const char **)s->target = text;
        return 0;
    }
    case CONFIG_ENDPOINT:
        if (strncmp(text, "tcp://", 6) && strncmp(text, "ipc://", 6) &&
            strncmp(text, "inproc://", 9)) {
            snprintf(error, error_size, "%s=%s: expected a ZeroMQ endpoint tcp://HOST:PORT", s->env,
                     text);
            return -1;
        }
        *(const char **)s->target = text;
        return 0;
    case CONFIG_LEVEL: {
        log_level_t level;
        if (log_level_parse(text, &level) != 0) {
            snprintf(error, error_size, "%s=%s: expected debug, info, warn or error", s->env, text);
            return -1;
        }
        *(const char **)s->target = text;
        return 0;
    }
    }
    snprintf(error, error_size, "%s: unknown setting type", s->env);
    return -1;
}

int
config_load(const config_setting_t *table, size_t count, char *error, size_t error_size)
{
    for (size_t i = 0; i < count; i++) {
        const config_setting_t *s = &table[i];
        const char *text = getenv(s->env);
        if (!text)
            text = s->default_value;
        if (!text) {
            snprintf(error, error_size, "%s is required: %s", s->env, s->help);
            return -1;
        }
        if (s_convert(s, text, error, error_size) != 0)
            return -1;
    }
    return 0;
}

void
config_print_help(FILE *out, const char *usage, const char *summary, const config_setting_t *table,
                  size_t count)
{
    fprintf(out, "usage: %s\n\n%s\n\nEnvironment:\n", usage, summary);
    for (size_t i = 0; i < count; i++) {
        const config_setting_t *s = &table[i];
        fprintf(out, "  %-24s %s\n", s->env, s->help);
        if (s->default_value)
            fprintf(out, "  %-24s   default: %s\n", "",
                    s->secret && *s->default_value ? "(hidden)"
                    : *s->default_value            ? s->default_value
                                                   : "(empty)");
        else
            fprintf(out, "  %-24s   required\n", "");
    }
}

void
config_log(const config_setting_t *table, size_t count)
{
    char line[1500];
    size_t n = 0;
    line[0] = '\0';
    for (size_t i = 0; i < count && n < sizeof line; i++) {
        const config_setting_t *s = &table[i];
        const char *text = getenv(s->env);
        if (!text)
            text = s->default_value ? s->default_value : "";
        int m = snprintf(line + n, sizeof line - n, "%s%s=%s", n ? " " : "", s->env,
                         s->secret ? "(set)" : text);
        if (m < 0)
            break;
        n += (size_t)m;
    }
    log_info("config", "%s", line);
}
