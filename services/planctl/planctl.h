/*  planctl.h - the one command-line client: reporting staff (feed, keys), the supervision office
    (status, alerts, report, history) and operators (migrate, plan, clock).

    Each subcommand is a function taking the arguments after its name and returning the exit
    status: 0 success, 1 done with problems the user must look at, 2 could not run.
*/
#ifndef PLANCTL_H
#define PLANCTL_H

#include <libpq-fe.h>

//  Connects to DATABASE_URL (waiting up to PLANCTL_DB_TIMEOUT_MS, default 10 s). Returns an
//  owned connection, or NULL after printing why on stderr.
PGconn *planctl_db_connect(void);

//  Directory of the plan's CSV files: PLAN_DIR, else deploy/plan.
const char *planctl_plan_dir(void);

int planctl_cmd_migrate(int argc, char **argv);
int planctl_cmd_plan(int argc, char **argv);
int planctl_cmd_clock(int argc, char **argv);
int planctl_cmd_alerts(int argc, char **argv);

#endif
