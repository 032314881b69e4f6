/*  config.h - settings as one declarative table, read from environment variables and validated
    once at start-up (Redis's config table, with environment variables for docker-compose).
*/
#ifndef PW_CONFIG_H
#define PW_CONFIG_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    CONFIG_STRING,   //  target: const char ** (borrowed from the environment or the default)
    CONFIG_INT,      //  target: long *, within [min, max]
    CONFIG_BOOL,     //  target: int *, from 0/1/true/false/yes/no
    CONFIG_DATE,     //  target: const char **, empty or a valid YYYY-MM-DD
    CONFIG_ENDPOINT, //  target: const char **, a ZeroMQ endpoint tcp://, ipc:// or inproc://
    CONFIG_LEVEL,    //  target: const char **, a log level name
} config_type_t;

typedef struct {
    const char *env;           //  environment variable, e.g. "INGEST_ENDPOINT"
    config_type_t type;        //  how the text is checked and converted
    const char *default_value; //  text used when the variable is unset; NULL means required
    long min;                  //  lower bound for CONFIG_INT
    long max;                  //  upper bound for CONFIG_INT
    int secret;                //  1: the value is never printed or logged
    const char *help;          //  one line for --help
    void *target;              //  where the converted value goes (see config_type_t)
} config_setting_t;

//  Reads and checks every setting of the table. Returns 0, or -1 with one line in error naming
//  the variable, the bad value and what was expected (the caller prints it and exits 2).
int config_load(const config_setting_t *table, size_t count, char *error, size_t error_size);

//  Prints the usage line, the summary, and each variable with its default and meaning.
void config_print_help(FILE *out, const char *usage, const char *summary,
                       const config_setting_t *table, size_t count);

//  Logs the effective settings as one `config` event, secrets shown as "(set)".
void config_log(const config_setting_t *table, size_t count);

#endif
