/*  planctl_db.c - what planctl subcommands share: the store connection, the plan directory,
    CSV output */
#include "planctl.h"

#include "db.h"
#include "judge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PGconn *
planctl_db_connect(void)
{
    const char *url = getenv("DATABASE_URL");
    if (!url || !*url) {
        fprintf(stderr, "planctl: DATABASE_URL is not set (make sets it for the private store: "
                        "export DATABASE_URL=$(deploy/db.sh url))\n");
        return NULL;
    }
    const char *wait = getenv("PLANCTL_DB_TIMEOUT_MS");
    int timeout_ms = wait ? atoi(wait) : 10000;
    db_t *db = db_new(url);
    PGconn *conn = db ? db_conn(db, timeout_ms) : NULL;
    if (!conn) {
        fprintf(stderr, "planctl: cannot connect to the store (DATABASE_URL)\n");
        db_destroy(&db);
        return NULL;
    }
    PGconn *owned = db_take(db);
    db_destroy(&db);
    return owned;
}

int
planctl_due_soon_leads(const char *command, int *leads)
{
    const char *text = getenv("EVAL_DUE_SOON_DAYS");
    if (!text || !*text)
        text = "90,30,7";
    int count = judge_parse_leads(text, leads, PLANCTL_LEADS_MAX);
    if (count < 0)
        fprintf(stderr,
                "planctl %s: EVAL_DUE_SOON_DAYS=%s: expected positive day counts, e.g. "
                "90,30,7\n",
                command, text);
    return count;
}

const char *
planctl_plan_dir(void)
{
    const char *dir = getenv("PLAN_DIR");
    return dir && *dir ? dir : "deploy/plan";
}

void
planctl_csv_field(const char *s, int last)
{
    if (strpbrk(s, ",\"\n\r")) {
        putchar('"');
        for (; *s; s++) {
            if (*s == '"')
                putchar('"');
            putchar(*s);
        }
        putchar('"');
    } else
        fputs(s, stdout);
    putchar(last ? '\n' : ',');
}
