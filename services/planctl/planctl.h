/*  planctl.h - the one command-line client: reporting staff (feed, keys), the supervision office
    (status, alerts, report, history) and operators (migrate, plan, clock).

    Each subcommand is a function taking the arguments after its name and returning the exit
    status: 0 success, 1 done with problems the user must look at, 2 could not run.
*/
#ifndef PLANCTL_H
#define PLANCTL_H

#include <czmq.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "codec.h"

//  Connects to DATABASE_URL (waiting up to PLANCTL_DB_TIMEOUT_MS, default 10 s). Returns an
//  owned connection, or NULL after printing why on stderr.
PGconn *planctl_db_connect(void);

//  Writes one CSV field on stdout, quoted when needed (RFC 4180), then ',' or, for the last
//  field of a row, '\n'.
void planctl_csv_field(const char *s, int last);

#define PLANCTL_LEADS_MAX 8 //  most due-soon lead times

//  The due-soon lead times evaluatord uses (EVAL_DUE_SOON_DAYS, default 90,30,7), so that
//  status and the bulletin mark 临期 as the alerts do. Returns the count, or -1 after printing
//  one line naming command on stderr when the variable is not a list of days.
int planctl_due_soon_leads(const char *command, int *leads);

//  Directory of the plan's CSV files: PLAN_DIR, else deploy/plan.
const char *planctl_plan_dir(void);

int planctl_cmd_migrate(int argc, char **argv);
int planctl_cmd_plan(int argc, char **argv);
int planctl_cmd_clock(int argc, char **argv);
int planctl_cmd_alerts(int argc, char **argv);
int planctl_cmd_feed(int argc, char **argv);
int planctl_cmd_keys(int argc, char **argv);
int planctl_cmd_history(int argc, char **argv);
int planctl_cmd_report(int argc, char **argv);
int planctl_cmd_status(int argc, char **argv);
int planctl_cmd_pipeline(int argc, char **argv);

//  --- feed client (planctl_feed.c) ---

//  Where and as whom feeds are sent.
typedef struct {
    const char *endpoint;   //  ingestd's feed endpoint, "tcp://host:7701"
    zcert_t *cert;          //  the unit's certificate with its secret key (borrowed)
    const char *server_key; //  ingestd's public key, Z85 (borrowed)
    int timeout_ms;         //  how long one try waits for the answer
    int retries;            //  further tries after the first
} feed_client_t;

//  Sends a feed and waits for its answer, resending the same feed (same feed id) on a fresh
//  socket after each timeout or retryable Error, with backoff from 250 ms doubling to 8 s.
//  Returns the answer (owned, codec_free: a Receipt or an Error), or NULL when none came or the
//  server refused the key at the handshake; why then says which.
ProtobufCMessage *feed_client_send(const feed_client_t *client, const Planwatch__V1__Feed *feed,
                                   char *why, size_t why_size);

//  True for the Error codes after which the same feed may be sent again (nothing was written).
int feed_client_is_retryable(const char *code);

//  True when a feed id is 1 to 128 bytes of [A-Za-z0-9._:-] (the rule of PROTOCOL.md).
int feed_client_id_valid(const char *feed_id);

//  --- keys (planctl_keys.c) ---

//  Loads a certificate that has its secret key (UNIT.cert_secret). Owned, NULL when the file is
//  missing or holds only a public key.
zcert_t *planctl_cert_load_secret(const char *path);

//  --- feed files (planctl_feed_csv.c) ---

//  A row the CSV file itself gets wrong; it is not sent.
typedef struct {
    int line;         //  CSV line the record starts on
    const char *code; //  MISSING_FIELD, BAD_NUMBER, EXTRA_FIELD or BAD_CSV (static)
    char *message;    //  Chinese explanation (owned)
} feed_csv_error_t;

//  A CSV file read as a feed.
typedef struct {
    Planwatch__V1__Feed feed; //  the rows that passed the file's own checks (all owned)
    int milestones;           //  1 for a task,state,date,evidence file
    const char *encoding;     //  "UTF-8", "UTF-8 (BOM)" or "GB18030" (static)
    feed_csv_error_t *errors; //  rows the file gets wrong, in file order
    size_t error_count;       //  entries in errors
    size_t error_cap;         //  entries allocated
    char *text;               //  the file converted to UTF-8 (owned)
} feed_csv_t;

//  Reads a CSV file's bytes: header org,indicator,period,value[,note] or
//  task,state,date[,evidence], any order, any case. Returns an owned feed_csv_t (feed_id and
//  dry_run unset), or NULL with one line in error when the file cannot be read as a feed at all
//  (encoding, header).
feed_csv_t *feed_csv_parse(const char *bytes, size_t size, char *error, size_t error_size);

//  Frees a parsed file and sets *self_p to NULL. Idempotent.
void feed_csv_destroy(feed_csv_t **self_p);

//  Parses a plain number: -?[0-9]+(.[0-9]+)?. Returns 0, or -1 for anything else.
int feed_csv_number(const char *text, double *value);

//  The default feed id of a file: "csv-" and the SHA-1 of the unit and the file's bytes, so the
//  same file pushed again by the same unit is the same feed. Owned (free()).
char *feed_csv_default_id(const char *unit, const char *bytes, size_t size);

#endif
