/*  planctl_clock.c - operators: the one clock of the system (`planctl clock set 2024-01-01`) */
#include "planctl.h"

#include "clock.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Prints what the services will take as today.
static int
s_show(PGconn *conn)
{
    char *as_of = db_scalar(conn, "SELECT as_of::text FROM system_clock", 0, NULL);
    day_t today;
    char buf[DAY_TEXT_SIZE];
    clock_today(conn, NULL, &today);
    printf("clock: today is %s (%s)\n", day_format(today, buf),
           as_of ? "set in the store" : "system date, China Standard Time");
    free(as_of);
    return 0;
}

int
planctl_cmd_clock(int argc, char **argv)
{
    int set = argc == 3 && strcmp(argv[1], "set") == 0;
    if (!(argc == 2 && strcmp(argv[1], "show") == 0) && !set) {
        fprintf(stderr, "usage: planctl clock show | planctl clock set YYYY-MM-DD | "
                        "planctl clock set system\n");
        return 2;
    }
    day_t day;
    const char *date = NULL;
    if (set && strcmp(argv[2], "system") != 0) {
        if (day_parse(argv[2], &day) != 0) {
            fprintf(stderr, "planctl clock set: '%s' is not a date YYYY-MM-DD\n", argv[2]);
            return 2;
        }
        date = argv[2];
    }
    PGconn *conn = planctl_db_connect();
    if (!conn)
        return 2;
    int rc = 0;
    if (set) {
        char who[64];
        if (getlogin_r(who, sizeof who) != 0)
            snprintf(who, sizeof who, "uid %d", (int)getuid());
        //  One statement: the update and the wake-up of every service commit together.
        rc = db_exec(conn,
                     "WITH s AS (UPDATE system_clock SET as_of = $1::date, set_at = now(),"
                     " set_by = $2 RETURNING 1) SELECT pg_notify('clock', $3) FROM s",
                     3, DB_PARAMS(date, who, date ? date : "system")) == 0
                 ? 0
                 : 1;
    }
    if (rc == 0)
        s_show(conn);
    PQfinish(conn);
    return rc;
}
