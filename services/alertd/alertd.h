/*  alertd.h - the alerter: status changes become alerts, alerts reach the supervision office.

    Modules, one job each:
      alertd_server.c     the core actor: sockets, store notifications, timers, one dispatcher
      alertd_raise.c      status changes -> alerts + outbox + stream, one transaction each batch
      alertd_alert.c      an alert row -> planwatch.v1.Alert; titles and value text in Chinese
      alertd_format.c     notification bodies: generic JSON, WeCom, DingTalk, e-mail text
      alertd_outbox.c     a sender actor per receiver: claim, send, retry with backoff, dead letter
      alertd_webhook.c    HTTP POST through libcurl
      alertd_mail.c       SMTP through libcurl, Message-ID from the alert id
      alertd_pub.c        the office stream: PUB + snapshot ROUTER (zguide's Clone pattern)
      alertd_remind.c     reminders and escalation of open alerts, in working days
      alertd_calendar.c   working days from the State Council's holiday calendar
      alertd_deadman.c    PIPELINE_DOWN when the evaluator falls silent
      alertd_receivers.c  receivers and escalation settings, read as data
      alertd_store.c      an actor's store connection: reconnect without blocking, LISTEN
*/
#ifndef ALERTD_H
#define ALERTD_H

#include <czmq.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"
#include "clock.h"
#include "codec.h"
#include "db.h"

#define ALERT_RAISE_LOCK  "4300006"         //  advisory lock of every alert-writing transaction
#define ALERT_CHANNEL     "planwatch_alert" //  NOTIFY channel: new stream entries / outbox rows
#define ALERT_SUPERVISION "P_SUPV"          //  省政府督查室: every alert is addressed to it
#define ALERT_ERROR_SIZE  256

//  SQL: whether an unexpired silence covers alert a on the day in parameter day ("$2"). One
//  rule for the raiser (raise_notify) and the sender (outbox), which checks again at send time.
#define ALERT_SILENCED(day)                                                                        \
    "EXISTS (SELECT 1 FROM alert_silence s WHERE s.expired_at IS NULL"                             \
    "  AND s.until >= " day "::date AND (s.task IS NULL OR s.task = a.task)"                       \
    "  AND (s.target IS NULL OR s.target = a.target)"                                              \
    "  AND (s.org IS NULL OR s.org = a.org) AND (s.kind IS NULL OR s.kind = a.kind))"

// ---------------------------------------------------------------------------------------------
//  Configuration (alertd_main.c's table)

typedef struct {
    const char *database_url;      //  the store (secret)
    const char *eval_endpoint;     //  evaluatord's PUB (StatusChange, Heartbeat)
    const char *pub_endpoint;      //  office stream PUB
    const char *snapshot_endpoint; //  office stream snapshot ROUTER
    const char *control_endpoint;  //  Ping/Pong
    const char *as_of;             //  fixed today, "" for the store's clock
    const char *receivers_path;    //  receivers.csv
    const char *escalation_path;   //  escalation.csv
    const char *calendar_path;     //  holidays_cn.csv
    const char *plan_dir;          //  the plan's CSV files: unit codes are checked against them
    long deadman_seconds;          //  PIPELINE_DOWN after this silence; 0 disables
    long group_wait_ms;            //  storm grouping window; 0 sends each alert alone
    long group_max;                //  most alerts in one grouped message
    long retry_min_ms;             //  first retry delay of a failing receiver
    long retry_max_ms;             //  cap of the exponential backoff
    long poll_ms;                  //  store poll interval (catch-up, reminders, deadman)
    long http_timeout_ms;          //  one webhook or SMTP exchange at most
    long pub_heartbeat_ms;         //  StreamHeartbeat interval
    const char *fault;             //  test-only fault injection (see README), "" in production
} alertd_config_t;

//  True when the test-only fault point name is configured (ALERT_TEST_FAULT).
bool alertd_fault(const alertd_config_t *config, const char *point);

// ---------------------------------------------------------------------------------------------
//  The store connection of an actor (alertd_store.c)

//  A connection (re)made through db_conn without waiting, LISTENing on ALERT_CHANNEL and 'clock'.
//  Returns the borrowed connection, or NULL while the store is down. *listening tracks the backend
//  that LISTENs (start with 0).
PGconn *store_conn(db_t *db, int *listening);

//  Reads pending notifications. Returns a bit set: 1 an ALERT_CHANNEL notification, 2 'clock'.
int store_drain(PGconn *conn);

// ---------------------------------------------------------------------------------------------
//  Calendar: working days

typedef struct calendar_t calendar_t;

//  Reads deploy/calendar/holidays_cn.csv (date,kind,name; kind holiday|workday). Returns an owned
//  calendar or NULL; errors (autofree zlist, may be NULL) gets "FILE:LINE: reason" lines.
calendar_t *calendar_load(const char *path, zlist_t *errors);
void calendar_destroy(calendar_t **self_p);

//  True on a working day: a listed 调休 workday, else Monday-Friday that is not a listed holiday.
bool calendar_is_workday(const calendar_t *self, day_t d);

//  Working days d with from < d <= to (0 when to <= from).
int calendar_workdays_between(const calendar_t *self, day_t from, day_t to);

//  The n-th working day after from (n >= 1).
day_t calendar_add_workdays(const calendar_t *self, day_t from, int n);

// ---------------------------------------------------------------------------------------------
//  Receivers and escalation settings

typedef enum { CHANNEL_ZMQ = 0, CHANNEL_WEBHOOK = 1, CHANNEL_EMAIL = 2 } channel_t;
typedef enum { FORMAT_JSON = 0, FORMAT_WECOM = 1, FORMAT_DINGTALK = 2, FORMAT_TEXT = 3 } format_t;

typedef struct {
    char *name;        //  unique, ASCII
    channel_t channel; //  zmq, webhook or email
    char *kinds;       //  ";OVERDUE;RESOLVED;" or "*"
    char *units;       //  ";P_STD;GOV_430100;" or "*"
    char *url;         //  expanded (may hold a secret: never logged)
    char *url_shown;   //  scheme://host[:port], safe to log
    format_t format;   //  body format
    char *to;          //  e-mail recipients, ";"-separated
    char *from;        //  e-mail sender address
    char *user;        //  SMTP user (expanded)
    char *secret;      //  SMTP password, bearer token or DingTalk 加签 secret (never logged)
    int line;          //  its line in the receivers file
} receiver_t;

typedef struct receivers_t receivers_t;

//  Reads receivers.csv. Returns an owned list or NULL; errors gets "FILE:LINE: FIELD: reason".
//  ${NAME} in url and user is replaced by the environment variable NAME (an unset one is an error).
receivers_t *receivers_load(const char *path, zlist_t *errors);
void receivers_destroy(receivers_t **self_p);
size_t receivers_count(const receivers_t *self);
const receiver_t *receivers_at(const receivers_t *self, size_t i);
const receiver_t *receivers_find(const receivers_t *self, const char *name);

//  True when the receiver takes alerts of this kind addressed to any of these units.
bool receiver_matches(const receiver_t *self, const char *kind, char *const *units, size_t count);

const char *receiver_channel_name(channel_t channel);
const char *receiver_format_name(format_t format);

typedef struct {
    char kind[24];        //  alert kind the row governs
    int remind_days;      //  repeat every N working days while open and unacknowledged; 0 never
    int escalate_days;    //  escalate after M working days unacknowledged; 0 never
    char escalate_to[32]; //  unit code the escalation is addressed to (LGO)
    int line;             //  its line in the escalation file
} escalation_t;

#define ESCALATION_MAX 8

//  Reads escalation.csv (kind,remind_working_days,escalate_working_days,escalate_to) into out.
//  Returns the row count or -1 (errors as above).
int escalation_load(const char *path, escalation_t *out, size_t max, zlist_t *errors);

//  Checks the unit codes of the receivers (units) and of the escalation rules (escalate_to)
//  against the plan's responsible units (plan_dir/resp_units.csv): a typo would route nothing.
//  Returns 0, or -1 with "FILE:LINE: FIELD: 'CODE' is not a responsible unit of ..." lines in
//  errors (or the plan's own errors, as planctl plan load reports them, when it is broken).
int receivers_check_units(const receivers_t *receivers, const char *receivers_path,
                          const escalation_t *rules, size_t rule_count, const char *escalation_path,
                          const char *plan_dir, zlist_t *errors);

// ---------------------------------------------------------------------------------------------
//  Alerts as messages

//  The column list every reader of alert rows selects, aliased a; the stream/outbox reader adds
//  its own columns after these (ALERT_COLUMN_COUNT of them come first).
#define ALERT_COLUMNS                                                                              \
    "a.id, a.episode, a.kind, a.task, a.task_number, a.task_title, a.target, a.target_text,"       \
    " a.org, a.org_name, a.deadline::text, a.period, a.value_text, a.lead_units::text,"            \
    " a.co_units::text, a.evidence::text, a.raised_at::text, a.as_of::text, a.resolves, a.level,"  \
    " a.title, a.status, a.indicator, a.indicator_name, a.unit, a.unit_name,"                      \
    " array_to_string(a.addressees, ';'), a.due_soon_days, a.state,"                               \
    " EXISTS (SELECT 1 FROM alert_ack k WHERE k.alert_id = a.id), a.occurrence, a.raised_on::text"
#define ALERT_COLUMN_COUNT 32

//  Builds the Alert of row i of res (ALERT_COLUMNS first). notified_on: the notification's day
//  (days overdue count to it, and an OVERDUE title ends in "，已逾期N天" as of it), NULL for the
//  raise date. Returns an owned message (codec_free), or NULL on out-of-memory.
Planwatch__V1__Alert *alert_from_row(const PGresult *res, int i, const char *notified_on,
                                     bool reminder, int level, uint64_t seq);

//  Chinese name of an alert kind ("逾期") and of an evaluator status ("逾期未完成").
const char *alert_kind_zh(const char *kind);
const char *alert_status_zh(const char *status);

// ---------------------------------------------------------------------------------------------
//  Notification bodies

//  Renders alerts[0..n) as one notification. Renders as many as fit the format's size limit
//  (at least one) and sets *used to how many. Returns an owned NUL-terminated string.
char *format_json(Planwatch__V1__Alert *const *alerts, size_t n, const char *receiver,
                  size_t *used);
char *format_wecom(Planwatch__V1__Alert *const *alerts, size_t n, size_t *used);
char *format_dingtalk(Planwatch__V1__Alert *const *alerts, size_t n, size_t *used);

//  E-mail: *subject (owned, UTF-8) and the returned owned plain-text body.
char *format_mail(Planwatch__V1__Alert *const *alerts, size_t n, char **subject, size_t *used);

// ---------------------------------------------------------------------------------------------
//  Delivery

typedef enum {
    SEND_OK = 0,        //  the receiver took it
    SEND_RETRY = 1,     //  down, busy, 5xx, 408/429, timeout: try again later
    SEND_PERMANENT = 2, //  4xx or a refusal that will not change: dead letter
} send_result_t;

//  POSTs body to the receiver's URL. error (ALERT_ERROR_SIZE) says why when not SEND_OK.
//  notification_ids: the outbox ids of the message ("3,4,7"), the same on every resend; sent as
//  Idempotency-Key: planwatch-<ids> and X-Planwatch-Notification-Ids. alert_ids: the alert ids
//  of the message, sent as X-Planwatch-Alert-Ids.
send_result_t webhook_post(const receiver_t *receiver, const char *body,
                           const char *notification_ids, const char *alert_ids, long timeout_ms,
                           char *error);

//  HMAC-SHA256 of msg under key (RFC 2104), for DingTalk's signed robots.
void webhook_hmac_sha256(const char *key, const char *msg, uint8_t out[32]);

//  url + "timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(secret, "<ms>\n<secret>")))>": a
//  DingTalk robot URL in 加签 mode. Owned; NULL on out-of-memory.
char *webhook_dingtalk_url(const char *url, const char *secret, int64_t timestamp_ms);

//  Sends one message by SMTP. message_id without <>; alert_ids and notification_ids as for
//  webhook_post (headers X-Planwatch-Alert-Ids, X-Planwatch-Notification-Ids). Returns as
//  webhook_post.
send_result_t mail_send(const receiver_t *receiver, const char *subject, const char *body,
                        const char *message_id, const char *alert_ids, const char *notification_ids,
                        long timeout_ms, char *error);

//  The Subject header's value for a UTF-8 subject (RFC 2047): encoded-words of at most 75
//  characters, each holding whole UTF-8 characters, folded by CRLF SPACE so that with
//  "Subject: " in front no line passes 76 characters. Owned, NULL on out-of-memory.
char *mail_subject_header(const char *subject);

//  The Message-ID of a notification: "planwatch.alert-<first id>[+<n-1>].<outbox id>@<domain>",
//  the same every time the same outbox row is sent. Returns buf.
char *mail_message_id(uint64_t alert_id, size_t count, int64_t outbox_id, const char *from,
                      char *buf, size_t size);

//  A sender actor for one webhook or email receiver (zactor_new(outbox_actor, args)); args is an
//  outbox_args_t that the actor copies. It sends "READY" once its store connection is up, wakes
//  on "WAKE", on NOTIFY and on its poll timer, and ends on $TERM after the delivery in hand.
typedef struct {
    const alertd_config_t *config; //  borrowed for the actor's life
    const receiver_t *receiver;    //  borrowed for the actor's life
    const receivers_t *receivers;  //  all receivers: a dead letter raises a meta-alert to them
} outbox_args_t;
void outbox_actor(zsock_t *pipe, void *args);

//  One delivery round for a receiver: claims its due rows (FOR UPDATE SKIP LOCKED), sends, records.
//  Returns 1 when a message went out (call again), 0 when nothing was due (*wait_ms: when to look
//  again, -1 none known), -1 on a store error.
int outbox_deliver_once(PGconn *conn, const alertd_config_t *config, const receiver_t *receiver,
                        const receivers_t *receivers, long *wait_ms);

// ---------------------------------------------------------------------------------------------
//  Raising

typedef struct raise_t raise_t;

//  A raiser over the given configuration and receivers (both borrowed). NULL on out-of-memory.
raise_t *raise_new(const alertd_config_t *config, const receivers_t *receivers);
void raise_destroy(raise_t **self_p);

//  Turns every status change above the watermark into alerts, in batches of one transaction
//  each (alerts + outbox + stream + watermark). Returns the number of alerts raised, -1 on error.
int raise_pending(raise_t *self, PGconn *conn);

//  What a meta-alert (PIPELINE_DOWN, DEAD_LETTER, RESOLVED of PIPELINE_DOWN) says.
typedef struct {
    const char *kind;     //  alert kind
    const char *episode;  //  stable key
    const char *title;    //  one line in Chinese
    const char *evidence; //  JSON object text
    int64_t resolves;     //  alert id it resolves, 0 none
    const char *exclude;  //  receiver not to notify (the one that dead-lettered), NULL none
} meta_alert_t;

//  Inside the caller's transaction (which holds the raise lock): records a meta-alert addressed
//  to the supervision office and notifies the receivers. Returns its id, 0 when the episode was
//  already recorded, -1 on error.
int64_t raise_meta(PGconn *conn, const receivers_t *receivers, const alertd_config_t *config,
                   const meta_alert_t *meta, day_t today);

//  Inside the caller's transaction (holding the raise lock): one notification of alert_id to every
//  matching receiver (outbox rows, silenced ones recorded as such) and the office stream; the
//  caller then calls raise_wake once.
//  exclude: a receiver left out (the one a meta-alert is about), NULL none. Returns 0 or -1.
int raise_notify(PGconn *conn, const receivers_t *receivers, const alertd_config_t *config,
                 int64_t alert_id, bool reminder, int level, const char *exclude, day_t today);

//  NOTIFY ALERT_CHANNEL at the caller's COMMIT: the senders and the publishers of every alertd
//  look. Call it once in a transaction that made notifications. Returns 0 or -1.
int raise_wake(PGconn *conn);

//  BEGIN and take the raise lock. Returns 0 or -1 (rolled back).
int raise_begin(PGconn *conn);

// ---------------------------------------------------------------------------------------------
//  Reminders and escalation

//  Repeats open unacknowledged alerts every remind_days working days and escalates them after
//  escalate_days, as escalation says. Returns the number of notifications made, -1 on error.
int remind_run(PGconn *conn, const alertd_config_t *config, const receivers_t *receivers,
               const calendar_t *calendar, const escalation_t *rules, size_t rule_count,
               day_t today);

// ---------------------------------------------------------------------------------------------
//  Dead man's switch

typedef struct deadman_t deadman_t;

//  Watches for the evaluator's heartbeat. NULL on out-of-memory.
deadman_t *deadman_new(const alertd_config_t *config, const receivers_t *receivers);
void deadman_destroy(deadman_t **self_p);

//  A Heartbeat arrived on the bus.
void deadman_beat(deadman_t *self);

//  Looks at both paths (bus heartbeats and service_state ('evaluatord', 'heartbeat')) and raises
//  or resolves PIPELINE_DOWN. Returns 1 when it raised or resolved, 0 nothing, -1 store error.
int deadman_check(deadman_t *self, PGconn *conn);

// ---------------------------------------------------------------------------------------------
//  Office stream (Clone pattern)

typedef struct pub_t pub_t;

//  Binds the PUB and the snapshot ROUTER. NULL when an endpoint cannot be bound (logged).
pub_t *pub_new(const alertd_config_t *config);
void pub_destroy(pub_t **self_p);
zsock_t *pub_snapshot_socket(pub_t *self);

//  Publishes stream entries newer than the last published (the first call starts at the stream's
//  end). Returns the number published, -1 on a store error.
int pub_publish_new(pub_t *self, PGconn *conn);

//  Answers one request waiting on the snapshot socket. conn NULL: the store is down.
void pub_answer(pub_t *self, PGconn *conn);

//  Publishes a StreamHeartbeat when it is due.
void pub_heartbeat(pub_t *self);

// ---------------------------------------------------------------------------------------------
//  The server

//  What the server runs on: the configuration and the data files it names.
typedef struct {
    const alertd_config_t *config;      //  borrowed
    receivers_t *receivers;             //  owned
    calendar_t *calendar;               //  owned
    escalation_t rules[ESCALATION_MAX]; //  escalation settings
    size_t rule_count;                  //  rows in rules
} alertd_setup_t;

//  Reads the receivers, escalation and calendar files the configuration names. Returns 0, or -1
//  after printing one line per problem on stderr.
int alertd_setup_load(alertd_setup_t *setup, const alertd_config_t *config);
void alertd_setup_free(alertd_setup_t *setup);

//  The core actor: args is an alertd_setup_t (borrowed for the actor's life). It starts one
//  sender actor per webhook/email receiver. Sends "READY" or "FAILED" on the pipe after start-up.
void server_actor(zsock_t *pipe, void *args);

#endif
