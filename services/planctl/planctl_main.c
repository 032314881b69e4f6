/*  planctl_main.c - thin main: pick the subcommand, run it */
#include "planctl.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;                  //  first argument
    int (*run)(int argc, char **argv); //  the subcommand
    const char *help;                  //  one line for the usage text
} command_t;

static const command_t s_commands[] = {
    {"migrate", planctl_cmd_migrate, "apply the store's schema migrations (operators)"},
    {"plan", planctl_cmd_plan, "plan load [DIR] | plan show [--format table|csv|json]"},
    {"clock", planctl_cmd_clock, "clock show | clock set DATE | clock set system"},
    {"pipeline", planctl_cmd_pipeline, "pipeline status | pipeline wait [--timeout SEC]"},
    {"status", planctl_cmd_status,
     "status [--as-of D] [--known-at D] [--task T] [--org O] [--format table|csv|json]"},
    {"alerts", planctl_cmd_alerts,
     "alerts tail | list | ack ID | silence | requeue: the office's alerts"},
    {"feed", planctl_cmd_feed, "feed push FILE.csv [--dry-run] [--json]: send figures to ingestd"},
    {"keys", planctl_cmd_keys, "keys server DIR | keys new UNIT [--dir DIR] | keys list DIR"},
    {"history", planctl_cmd_history, "history ORG INDICATOR PERIOD | history milestone TARGET"},
    {"report", planctl_cmd_report,
     "report [--as-of D] [--known-at D] [--out FILE.html]: the bulletin 调度通报"},
};

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: planctl COMMAND [ARGS]\n\n"
                 "The client of the 湖南省动力支撑能力提升行动方案 supervision system.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        fprintf(out, "  %-10s %s\n", s_commands[i].name, s_commands[i].help);
    fprintf(out, "\nEnvironment:\n"
                 "  DATABASE_URL   the store (office and operator commands)\n"
                 "  PLAN_DIR       the plan's CSV files (default deploy/plan)\n"
                 "  LOG_LEVEL      debug, info, warn or error (default warn)\n");
}

int
main(int argc, char **argv)
{
    log_level_t level = LOG_LEVEL_WARN;
    const char *level_name = getenv("LOG_LEVEL");
    if (level_name && log_level_parse(level_name, &level) != 0) {
        fprintf(stderr, "planctl: LOG_LEVEL=%s: expected debug, info, warn or error\n", level_name);
        return 2;
    }
    log_init("planctl", level);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        s_usage(stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        if (strcmp(argv[1], s_commands[i].name) == 0)
            return s_commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "planctl: unknown command '%s'\n", argv[1]);
    s_usage(stderr);
    return 2;
}
