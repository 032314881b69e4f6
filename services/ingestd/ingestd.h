/*  ingestd.h - the one door for figures: CURVE-authenticated feeds in, rows validated against the
    catalog, good rows and the receipt committed together, the receipt sent after the commit.

    Modules, one job each:
        ingestd_main.c      thin main: configuration, signals, start the server actor, wait
        ingestd_server.c    the actor: sockets, one reactor, one dispatcher over message types
        ingestd_auth.c      CURVE server key, the ZAP handler (zauth), who is speaking
        ingestd_validate.c  every row against the catalog, the clock and the rest of the feed
        ingestd_store.c     the catalog cache, replayed receipts, the one write transaction
        ingestd_feed.c      one Feed from request to reply (Receipt or Error) and ChangeNotice
*/
#ifndef INGESTD_H
#define INGESTD_H

#include <czmq.h>
#include <stdint.h>

#include "bus.h"
#include "catalog.h"
#include "clock.h"
#include "codec.h"
#include "db.h"

//  The advisory lock every writer of change ids takes (002_ingest.sql).
#define INGEST_CHANGE_LOCK "4300002"

//  Longest feed id and longest note / evidence text, in bytes.
#define INGEST_FEED_ID_MAX 128
#define INGEST_TEXT_MAX    4000

//  The service's settings (ingestd_main.c fills them from the environment).
typedef struct {
    const char *endpoint;         //  INGEST_ENDPOINT: ROUTER, CURVE server with ZAP
    const char *changes_endpoint; //  INGEST_CHANGES_ENDPOINT: PUB of ChangeNotice
    const char *control_endpoint; //  INGEST_CONTROL_ENDPOINT: ROUTER for Ping, no CURVE
    const char *database_url;     //  DATABASE_URL: the store (secret, never logged)
    const char *cert_path;        //  INGEST_CERT: the server's secret certificate file
    const char *clients_dir;      //  INGEST_CLIENTS_DIR: allowed clients' public certificates
    long max_message;             //  INGEST_MAX_MESSAGE: largest Feed payload in bytes
    const char *as_of;            //  INGEST_AS_OF: fixed "today" (YYYY-MM-DD) or ""
    long store_wait_ms;           //  INGEST_STORE_WAIT_MS: how long a feed waits for the store
    const char *fault;            //  INGEST_FAULT: test-only fault injection, "" in production
} ingestd_config_t;

// ---------------------------------------------------------------------------------------------
//  Server actor (ingestd_server.c)

//  The server as a zactor. args is a const ingestd_config_t * that outlives the actor.
//  Protocol on the pipe: "START" -> signal 0 when every socket is bound and the ZAP handler
//  runs, signal 1 when it could not start (logged); "$TERM" ends it after the message in hand.
void ingestd_server_actor(zsock_t *pipe, void *args);

// ---------------------------------------------------------------------------------------------
//  Authentication (ingestd_auth.c)

typedef struct ingestd_auth_t ingestd_auth_t;

//  Checks the key material: clients_dir a readable directory, cert_path a readable certificate
//  with a secret key. Returns the certificate (owned), or NULL with one line in error.
zcert_t *ingestd_auth_load_keys(const char *cert_path, const char *clients_dir, char *error,
                                size_t error_size);

//  Loads the server's secret certificate and starts CZMQ's ZAP handler (zauth) on the client
//  certificate directory. Returns NULL with a reason in error when the certificate has no secret
//  key, the directory is missing, or zauth does not start.
ingestd_auth_t *ingestd_auth_new(const char *cert_path, const char *clients_dir, char *error,
                                 size_t error_size);

//  Stops the ZAP handler and frees everything; sets *self_p to NULL. Idempotent.
void ingestd_auth_destroy(ingestd_auth_t **self_p);

//  Makes sock a CURVE server with the server key (call before bind). Returns 0 or -1.
int ingestd_auth_apply(ingestd_auth_t *self, zsock_t *sock);

//  The server's public key as Z85 text (borrowed).
const char *ingestd_auth_public_txt(ingestd_auth_t *self);

//  Who sent msg: the "unit" metadata of the certificate that passed the handshake, provided a
//  certificate with that public key is still in the directory (so removing it also stops a
//  connection that is already open). Returns the unit (borrowed from msg), or NULL: then *code
//  is "KEY_REVOKED" or "UNKNOWN_UNIT".
const char *ingestd_auth_unit(ingestd_auth_t *self, const bus_msg_t *msg, const char **code);

// ---------------------------------------------------------------------------------------------
//  Validation (ingestd_validate.c)

//  Row reasons. The codes are part of the wire protocol (PROTOCOL.md): never renamed.
typedef enum {
    INGEST_OK = 0,
    INGEST_UNKNOWN_INDICATOR,
    INGEST_UNKNOWN_ORG,
    INGEST_UNKNOWN_TASK,
    INGEST_AMBIGUOUS_TASK,
    INGEST_UNIT_NOT_ALLOWED,
    INGEST_BAD_PERIOD,
    INGEST_FUTURE_PERIOD,
    INGEST_NOT_FINITE,
    INGEST_NEGATIVE_VALUE,
    INGEST_PERCENT_OUT_OF_RANGE,
    INGEST_DUPLICATE_ROW,
    INGEST_BAD_STATE,
    INGEST_BAD_DATE,
    INGEST_FUTURE_DATE,
    INGEST_BAD_TEXT,
    INGEST_REASON_COUNT
} ingest_reason_t;

//  The stable code of a reason, "UNKNOWN_INDICATOR".
const char *ingest_reason_code(ingest_reason_t reason);

//  The verdict on one row.
typedef struct {
    ingest_reason_t reason;        //  INGEST_OK when accepted
    char *message;                 //  Chinese explanation (owned), NULL when accepted
    char period[PERIOD_TEXT_SIZE]; //  observations: the canonical period text
    const target_t *target;        //  milestones: the target the report names (borrowed)
    char date[DAY_TEXT_SIZE];      //  milestones: the canonical date
} ingest_row_t;

//  The verdict on a whole feed.
typedef struct {
    ingest_row_t *obs; //  one per observation, in feed order (owned)
    size_t obs_count;  //  entries in obs
    ingest_row_t *ms;  //  one per milestone report (owned)
    size_t ms_count;   //  entries in ms
    size_t accepted;   //  rows with INGEST_OK
    size_t rejected;   //  rows with another reason
} ingest_check_t;

//  Judges every row of feed as sent by unit on day today against catalog (all borrowed).
//  Returns an owned verdict; NULL only on out-of-memory.
ingest_check_t *ingest_check_new(const catalog_t *catalog, const char *unit, day_t today,
                                 const Planwatch__V1__Feed *feed);

//  Frees a verdict and sets *self_p to NULL. Idempotent.
void ingest_check_destroy(ingest_check_t **self_p);

//  True when a feed id is 1 to INGEST_FEED_ID_MAX bytes of [A-Za-z0-9._:-].
int ingest_feed_id_valid(const char *feed_id);

// ---------------------------------------------------------------------------------------------
//  Store (ingestd_store.c)

typedef struct ingestd_store_t ingestd_store_t;

//  A handle on the store at url (copied; never logged). Does not connect. NULL on OOM.
ingestd_store_t *ingestd_store_new(const char *url);

//  Closes the connection, frees the catalog; sets *self_p to NULL. Idempotent.
void ingestd_store_destroy(ingestd_store_t **self_p);

//  A live connection, reconnecting with backoff for up to wait_ms. NULL when the store is away.
PGconn *ingestd_store_conn(ingestd_store_t *self, int wait_ms);

//  True when the connection answers a trivial query (for Pong.store_ok).
int ingestd_store_ok(ingestd_store_t *self);

//  The catalog, cached. The connection LISTENs on 'catalog' (`planctl plan load` NOTIFYs it), so
//  a new load is noticed without a query; after a reconnect the catalog is read again. Returns
//  the catalog (borrowed until the next call), or NULL when the store could not be read or holds
//  no catalog yet.
const catalog_t *ingestd_store_catalog(ingestd_store_t *self, PGconn *conn);

//  Looks up the receipt stored for (unit, feed_id). Returns 1 and an owned receipt in *receipt
//  (free with codec_free) when the feed was committed before, 0 when not, -1 on store error.
int ingestd_store_receipt(PGconn *conn, const char *unit, const char *feed_id,
                          Planwatch__V1__Receipt **receipt);

//  Opens the feed's transaction. When ids > 0, takes the change lock and draws ids consecutive
//  change ids, the first in *first_id. Writes the transaction time (ISO 8601, China Standard
//  Time) into received_at. Returns 0, or -1 (rolled back, logged).
int ingestd_store_begin(PGconn *conn, size_t ids, uint64_t *first_id, char *received_at,
                        size_t size);

//  COPYs the accepted rows of feed (per check) into observation and milestone_report, with
//  change ids from first_id up in feed order, observations first. Returns 0, or -1 (rolled back).
int ingestd_store_write_rows(PGconn *conn, const char *unit, const Planwatch__V1__Feed *feed,
                             const ingest_check_t *check, uint64_t first_id);

//  Records the feed with its packed receipt and commits. Returns 0 committed, 1 when the same
//  (unit, feed_id) was committed meanwhile (rolled back, nothing written), -1 on store error
//  (rolled back when the connection is still there; the outcome of a COMMIT that lost its
//  connection is unknown, which is why senders retry with the same feed id).
int ingestd_store_finish(PGconn *conn, const char *unit, const char *feed_id, size_t accepted,
                         size_t rejected, const uint8_t *receipt, size_t receipt_size,
                         uint64_t last_change_id);

// ---------------------------------------------------------------------------------------------
//  One feed (ingestd_feed.c)

//  What handling one message needs (all borrowed).
typedef struct {
    ingestd_store_t *store;         //  the store and the catalog cache
    const ingestd_config_t *config; //  clock, store wait, fault injection
} ingestd_feed_env_t;

//  Handles a Feed sent by unit. Returns the reply, owned (a Receipt, or an Error when the feed
//  cannot be handled as a whole; free with codec_free); *notice receives an owned ChangeNotice
//  to publish (free with codec_free) when rows were committed, else NULL.
ProtobufCMessage *ingestd_feed_handle(ingestd_feed_env_t *env, const char *unit,
                                      const Planwatch__V1__Feed *feed,
                                      Planwatch__V1__ChangeNotice **notice);

//  An Error reply with a stable code and a Chinese message. Owned (codec_free).
ProtobufCMessage *ingestd_error_new(const char *code, const char *message);

#endif
