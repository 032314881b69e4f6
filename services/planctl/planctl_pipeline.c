/*  planctl_pipeline.c - operators: is the pipeline caught up with the store?
    `planctl pipeline status` shows how far each service has got; `planctl pipeline wait` waits
    until the evaluator has judged every committed figure as of today's date and the alerter has
    turned every status change into alerts (the demo and the end-to-end tests use it). */
#include "planctl.h"

#include "clock.h"
#include "db.h"

#include <czmq.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  How far the pipeline has got, read in one snapshot.
typedef struct {
    long long changes;         //  highest change id committed by ingest
    long long judged;          //  highest change id the evaluator has judged
    char judged_as_of[16];     //  the date the evaluator last judged as of
    long long status_changes;  //  highest status change committed by the evaluator
    long long alerted;         //  highest status change the alerter has turned into alerts
    char today[DAY_TEXT_SIZE]; //  the store's clock
} progress_t;

//  Reads the progress. Returns 0, or -1 (logged).
static int
s_read(PGconn *conn, progress_t *p)
{
    memset(p, 0, sizeof *p);
    day_t today;
    if (clock_today(conn, NULL, &today) != 0)
        return -1;
    day_format(today, p->today);
    PGresult *res =
        db_query(conn,
                 "SELECT greatest((SELECT coalesce(max(change_id), 0) FROM observation),"
                 "                (SELECT coalesce(max(change_id), 0) FROM milestone_report)),"
                 " coalesce((SELECT value FROM service_state WHERE service = 'evaluatord'"
                 "           AND name = 'change_id'), '0'),"
                 " coalesce((SELECT value FROM service_state WHERE service = 'evaluatord'"
                 "           AND name = 'as_of'), ''),"
                 " (SELECT coalesce(max(id), 0) FROM status_change),"
                 " coalesce((SELECT value FROM service_state WHERE service = 'alertd'"
                 "           AND name = 'watermark'), '0')",
                 0, NULL);
    if (!res)
        return -1;
    p->changes = atoll(PQgetvalue(res, 0, 0));
    p->judged = atoll(PQgetvalue(res, 0, 1));
    snprintf(p->judged_as_of, sizeof p->judged_as_of, "%s", PQgetvalue(res, 0, 2));
    p->status_changes = atoll(PQgetvalue(res, 0, 3));
    p->alerted = atoll(PQgetvalue(res, 0, 4));
    PQclear(res);
    return 0;
}

static int
s_caught_up(const progress_t *p)
{
    return p->judged >= p->changes && strcmp(p->judged_as_of, p->today) == 0 &&
           p->alerted >= p->status_changes;
}

static void
s_print(const progress_t *p)
{
    printf("clock:      today is %s\n", p->today);
    printf("ingest:     change %lld committed\n", p->changes);
    printf("evaluatord: judged up to change %lld as of %s%s\n", p->judged,
           *p->judged_as_of ? p->judged_as_of : "(never)",
           p->judged >= p->changes && !strcmp(p->judged_as_of, p->today) ? "" : "  (behind)");
    printf("alertd:     alerted up to status change %lld of %lld%s\n", p->alerted,
           p->status_changes, p->alerted >= p->status_changes ? "" : "  (behind)");
}

int
planctl_cmd_pipeline(int argc, char **argv)
{
    int wait = argc >= 2 && strcmp(argv[1], "wait") == 0;
    if (argc < 2 || (!wait && strcmp(argv[1], "status") != 0)) {
        fprintf(stderr, "usage: planctl pipeline status | planctl pipeline wait [--timeout SEC]\n");
        return 2;
    }
    long timeout = 60;
    static const struct option options[] = {{"timeout", required_argument, NULL, 't'},
                                            {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc - 1, argv + 1, "t:", options, NULL)) != -1) {
        if (c != 't' || (timeout = atol(optarg)) <= 0) {
            fprintf(stderr, "planctl pipeline: --timeout takes a number of seconds\n");
            return 2;
        }
    }
    PGconn *conn = planctl_db_connect();
    if (!conn)
        return 2;
    progress_t p;
    int rc = 0;
    int64_t deadline = zclock_mono() + timeout * 1000;
    while ((rc = s_read(conn, &p)) == 0 && wait && !s_caught_up(&p) && zclock_mono() < deadline)
        zclock_sleep(50);
    if (rc != 0)
        rc = 2;
    else if (!wait)
        s_print(&p);
    else if (!s_caught_up(&p)) {
        fprintf(stderr, "planctl pipeline wait: not caught up after %ld s\n", timeout);
        s_print(&p);
        rc = 1;
    }
    PQfinish(conn);
    return rc;
}
