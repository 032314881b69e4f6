/*  testutil_eval.h - the evaluator's suites write figures straight into the ingest tables, the
    way ingestd commits them (deploy/migrations/002_ingest.sql), and prompt with ChangeNotice.

    A feed row and its observations or milestone reports go in one transaction that takes
    pg_advisory_xact_lock(4300002) before drawing change ids from change_id_seq, so ids commit
    in increasing order exactly as ingestd's do.
*/
#ifndef TESTUTIL_EVAL_H
#define TESTUTIL_EVAL_H

#include <czmq.h>
#include <libpq-fe.h>
#include <stdint.h>

typedef struct {
    const char *org;       //  org unit, "430100"
    const char *indicator; //  indicator code
    const char *period;    //  "2023"
    double value;          //  the figure
} eval_obs_t;

//  Commits one feed of observations from unit (feed id generated when feed_id is NULL);
//  received_at is a timestamptz text ("2024-03-01 10:00+08") or NULL for now(). Returns the
//  highest change id written; fails the test on error.
int64_t eval_feed(PGconn *conn, const char *unit, const char *feed_id, const eval_obs_t *rows,
                  size_t count, const char *received_at);

//  Commits one observation (a feed of one row). Returns its change id.
int64_t eval_obs(PGconn *conn, const char *unit, const char *org, const char *indicator,
                 const char *period, double value, const char *received_at);

//  Commits one milestone report ("started" or "done" on reached_on). Returns its change id.
int64_t eval_milestone(PGconn *conn, const char *unit, const char *target, const char *state,
                       const char *reached_on, const char *received_at);

//  Publishes a ChangeNotice for change_id on a PUB socket (as ingestd does after commit).
void eval_notice(zsock_t *pub, int64_t change_id);

//  Sets the store's clock (system_clock) and NOTIFYs 'clock', as `planctl clock set` does;
//  NULL sets it back to the system date.
void eval_clock_set(PGconn *conn, const char *date);

#endif
