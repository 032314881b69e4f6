/*  evaluatord.h - the evaluator: judges every target and reporting duty of the plan as of the
    settable clock, incrementally, and stores and publishes each status change exactly once.

    Modules:
        evaluatord_main.c     thin main: configuration, start the server actor, wait
        evaluatord_server.c   the actor: sockets, store connection, timers, dispatch
        evaluatord_round.c    one judgement round (everything, or what new figures touch)
        evaluatord_store.c    statuses in the store: diff, status_change + status, watermark
        evaluatord_publish.c  StatusChange and Heartbeat on the PUB socket
*/
#ifndef EVALUATORD_H
#define EVALUATORD_H

#include <czmq.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "judge.h"

#define EVALUATORD_LEADS_MAX   8
#define EVALUATORD_STREAMS_MAX 8

//  Advisory locks: 4300003 orders status_change ids (003_evaluator.sql); 4300004 lets one
//  evaluator at a time run a round.
#define EVALUATORD_LOCK_CHANGES 4300003
#define EVALUATORD_LOCK_ROUND   4300004

typedef struct {
    const char *database_url;        //  DATABASE_URL (secret)
    const char *ingest_endpoint;     //  EVAL_INGEST_ENDPOINT: ingestd's PUB of ChangeNotice
    const char *pub_endpoint;        //  EVAL_PUB_ENDPOINT: our PUB of StatusChange, Heartbeat
    const char *control_endpoint;    //  EVAL_CONTROL_ENDPOINT: Ping/Pong
    const char *as_of;               //  EVAL_AS_OF: fixed today, "" for the store's clock
    const char *due_soon_text;       //  EVAL_DUE_SOON_DAYS: "90,30,7"
    long heartbeat_ms;               //  EVAL_HEARTBEAT_MS
    long tick_ms;                    //  EVAL_TICK_MS: how often the date and the store are checked
    long load_streams;               //  EVAL_LOAD_STREAMS: connections a full load reads over
    int leads[EVALUATORD_LEADS_MAX]; //  parsed due-soon lead times
    size_t lead_count;               //  entries in leads
} evaluatord_config_t;

//  One status change, committed, waiting to be published.
typedef struct {
    int64_t id;        //  status_change id
    char *key;         //  subject key
    char *target;      //  target code, "" for duties
    char *org;         //  org unit
    char *period;      //  quota year, duty period, ""
    char *indicator;   //  duties: the series
    char *unit;        //  duties: the unit expected to report
    char *old_status;  //  "" when first judged
    char *new_status;  //  the new status
    char *evidence;    //  JSON text
    char digest[17];   //  digest of the evidence (status.evidence_digest)
    char as_of[11];    //  judging date
    char deadline[11]; //  the subject's deadline, "" when none
    bool has_progress; //  progress is set
    double progress;   //  P
    int due_soon_days; //  due-soon lead time
    bool awaiting;     //  deadline passed, figure not yet due
} evaluatord_change_t;

//  Frees a change; sets *self_p to NULL. Idempotent. (zlist destructor shape.)
void evaluatord_change_destroy(evaluatord_change_t **self_p);

//  What a round did, for the log and the benchmark.
typedef struct {
    bool full;          //  everything was judged (else what new figures touched)
    long rows;          //  figure and report rows read
    size_t subjects;    //  subjects judged
    size_t changes;     //  status changes committed
    size_t updates;     //  statuses whose figures changed but not their status
    int64_t change_id;  //  watermark after the round
    int64_t elapsed_us; //  wall time of the round
} evaluatord_stats_t;

//  ----- evaluatord_store.c -----------------------------------------------------------------

//  Compares the judged subjects with the stored statuses and writes the differences in the
//  caller's transaction: each change of status, due-soon lead time or awaiting flag becomes a
//  status_change row (ids drawn under advisory lock 4300003) and the subject's status row; a
//  change of figures only updates the status row. A stored REPORT_OVERDUE duty in scope (all,
//  or a touched series) whose figure is now in becomes REPORTED. Appends one
//  evaluatord_change_t per change to changes. Returns 0, or -1 (logged).
int evaluatord_store_apply(PGconn *conn, const judge_report_t *report, const judge_data_t *data,
                           const judge_touch_t *touched, day_t as_of, zlist_t *changes,
                           evaluatord_stats_t *stats);

//  The stored change-id watermark ('evaluatord', 'change_id'); 0 when none. Returns 0 or -1.
int evaluatord_store_watermark(PGconn *conn, int64_t *change_id);

//  Stores a named value of ours when it differs from the stored one. Returns 0 or -1.
int evaluatord_store_state(PGconn *conn, const char *name, const char *value);

//  Records the time of a heartbeat ('evaluatord', 'heartbeat'). Returns 0 or -1.
int evaluatord_store_heartbeat(PGconn *conn);

//  ----- evaluatord_round.c -----------------------------------------------------------------

//  Judges everything as of opts->as_of from a fresh load of the store into data, in one
//  snapshot (read over conn and the idle helper connections together), and commits the
//  changes with the new watermark. Returns 0, or -1 (rolled back, logged; data is then empty).
int evaluatord_round_full(PGconn *conn, PGconn *const *helpers, size_t helper_count,
                          judge_data_t *data, const judge_options_t *opts, zlist_t *changes,
                          evaluatord_stats_t *stats);

//  Reads the rows committed above the stored watermark into data and judges what they touch.
//  Returns 0 (nothing new is 0 too), 1 when data is behind the store and a full round is
//  needed, or -1 (rolled back, logged).
int evaluatord_round_changes(PGconn *conn, judge_data_t *data, const judge_options_t *opts,
                             zlist_t *changes, evaluatord_stats_t *stats);

//  ----- evaluatord_publish.c ---------------------------------------------------------------

//  Publishes a committed change as planwatch.v1.StatusChange. Returns 0 or -1.
int evaluatord_publish_change(zsock_t *pub, const evaluatord_change_t *change);

//  Publishes planwatch.v1.Heartbeat. Returns 0 or -1.
int evaluatord_publish_heartbeat(zsock_t *pub, uint64_t seq, day_t as_of, int64_t change_id);

//  ----- evaluatord_server.c ----------------------------------------------------------------

//  The server actor; args is the evaluatord_config_t (borrowed). Sends "READY" on the pipe once
//  its sockets are bound, or "FAILED" and then waits for $TERM.
void evaluatord_server_actor(zsock_t *pipe, void *args);

#endif
