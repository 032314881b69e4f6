/*  alertd_outbox.c - a sender per receiver: freeze the rows of a message, send, retry with capped
    exponential backoff, dead-letter permanent refusals with a meta-alert.

    A message goes out in two transactions. The first picks the rows of the message (the
    receiver's oldest pending row and, when grouping, the pending rows of its group) and stamps
    them with a batch id (the first row's id), and commits: the message is frozen. The second
    sends exactly the pending rows of that batch and records the outcome. A crash between the
    receiver's answer and the record resends the same rows with the same Idempotency-Key and
    Message-ID, so the receiver can drop the repeat; rows raised meanwhile go in a later message. */
#include "alertd.h"

#include "log.h"

#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

//  Columns after ALERT_COLUMNS in the batch query.
#define COL_OUTBOX_ID (ALERT_COLUMN_COUNT + 0)
#define COL_REMINDER  (ALERT_COLUMN_COUNT + 1)
#define COL_LEVEL     (ALERT_COLUMN_COUNT + 2)
#define COL_DAY       (ALERT_COLUMN_COUNT + 3)

//  Milliseconds until a timestamp column comes due, 0 when past.
#define MS_UNTIL(col)                                                                              \
    "greatest(0, ceil(extract(epoch FROM " col " - clock_timestamp()) * 1000))::bigint"

//  "{1,2,3}" (braces) or "1,2,3" of column col of rows [from, to) of res. Owned, NULL on
//  out-of-memory.
static char *
s_ids(PGresult *res, const int *rows, size_t from, size_t to, int col, bool braces)
{
    size_t cap = 3;
    for (size_t i = from; i < to; i++)
        cap += strlen(PQgetvalue(res, rows[i], col)) + 1;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t len = (size_t)snprintf(out, cap, "%s", braces ? "{" : "");
    for (size_t i = from; i < to; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i > from ? "," : "",
                                PQgetvalue(res, rows[i], col));
    snprintf(out + len, cap - len, "%s", braces ? "}" : "");
    return out;
}

//  Raises the DEAD_LETTER meta-alert of rows [0, n) that receiver refused. Returns 0 or -1.
static int
s_dead_letter(PGconn *conn, const alertd_config_t *config, const receiver_t *receiver,
              const receivers_t *receivers, PGresult *res, const int *rows, size_t n,
              const char *ids, const char *error, day_t today)
{
    bool meta = false;
    for (size_t i = 0; i < n; i++)
        meta |= !strcmp(PQgetvalue(res, rows[i], 2), "DEAD_LETTER");
    if (meta) //  a dead letter about a dead letter would loop: logged only
        return 0;
    if (db_exec(conn, "SELECT pg_advisory_xact_lock(" ALERT_RAISE_LOCK ")", 0, NULL) != 0)
        return -1;
    char episode[128], title[512];
    char *alert_ids = s_ids(res, rows, 0, n, 0, false);
    if (!alert_ids)
        return -1;
    snprintf(episode, sizeof episode, "DEAD_LETTER|%s|%s", receiver->name,
             PQgetvalue(res, rows[0], COL_OUTBOX_ID));
    snprintf(title, sizeof title, "【通知无法投递】接收方 %s 拒收告警#%.200s：%s", receiver->name,
             alert_ids, error);
    json_t *evidence = json_pack("{s:s, s:s, s:s, s:s, s:s}", "receiver", receiver->name, "channel",
                                 receiver_channel_name(receiver->channel), "error", error,
                                 "alert_ids", alert_ids, "outbox_ids", ids);
    char *evidence_text = json_dumps(evidence, JSON_COMPACT);
    json_decref(evidence);
    meta_alert_t m = {.kind = "DEAD_LETTER",
                      .episode = episode,
                      .title = title,
                      .evidence = evidence_text,
                      .exclude = receiver->name};
    int64_t id = evidence_text ? raise_meta(conn, receivers, config, &m, today) : -1;
    free(evidence_text);
    free(alert_ids);
    return id < 0 ? -1 : 0;
}

//  Records the outcome of one message that carried rows [0, used) of the batch's rows [0, n).
//  The rows the message had no room for become a batch of their own, the next message, unless
//  the message is to be retried: then it must go again exactly as it was. Returns 0 or -1.
static int
s_record(PGconn *conn, const alertd_config_t *config, const receiver_t *receiver,
         const receivers_t *receivers, PGresult *res, const int *rows, size_t used, size_t n,
         send_result_t result, const char *error, day_t today)
{
    char *ids = s_ids(res, rows, 0, used, COL_OUTBOX_ID, true);
    if (!ids)
        return -1;
    int rc = -1;
    if (result == SEND_OK)
        rc = db_exec(conn,
                     "UPDATE alert_outbox SET state = 'sent', sent_at = now(),"
                     " attempts = attempts + 1, last_error = '' WHERE id = ANY ($1::bigint[])",
                     1, DB_PARAMS(ids)) ||
                     db_exec(conn,
                             "UPDATE alert_receiver SET failures = 0, next_attempt_at = now(),"
                             " last_error = '', last_ok_at = now() WHERE name = $1",
                             1, DB_PARAMS(receiver->name))
                 ? -1
                 : 0;
    else if (result == SEND_RETRY) {
        char min[24], max[24];
        snprintf(min, sizeof min, "%ld", config->retry_min_ms);
        snprintf(max, sizeof max, "%ld", config->retry_max_ms);
        //  Capped exponential backoff: min * 2^failures, at most max, per receiver, so that its
        //  rows keep their order behind the head that failed.
        rc = db_exec(conn,
                     "UPDATE alert_outbox SET attempts = attempts + 1, last_error = $2"
                     " WHERE id = ANY ($1::bigint[])",
                     2, DB_PARAMS(ids, error)) ||
                     db_exec(conn,
                             "UPDATE alert_receiver SET failures = failures + 1, last_error = $2,"
                             " next_attempt_at = clock_timestamp() + least($4::float8,"
                             " $3::float8 * power(2, least(failures, 30))) * interval"
                             " '1 millisecond' WHERE name = $1",
                             4, DB_PARAMS(receiver->name, error, min, max))
                 ? -1
                 : 0;
    } else if (db_exec(conn,
                       "UPDATE alert_outbox SET state = 'dead', attempts = attempts + 1,"
                       " last_error = $2 WHERE id = ANY ($1::bigint[])",
                       2, DB_PARAMS(ids, error)) == 0 &&
               db_exec(conn,
                       "UPDATE alert_receiver SET failures = 0, next_attempt_at = now(),"
                       " last_error = $2 WHERE name = $1",
                       2, DB_PARAMS(receiver->name, error)) == 0)
        //  Permanent: the rows are parked and the office hears of it through the other receivers.
        rc = s_dead_letter(conn, config, receiver, receivers, res, rows, used, ids, error, today);
    if (rc == 0 && result != SEND_RETRY && used < n) {
        char *rest = s_ids(res, rows, used, n, COL_OUTBOX_ID, true);
        rc = rest ? db_exec(conn,
                            "UPDATE alert_outbox SET batch = $2::bigint"
                            " WHERE id = ANY ($1::bigint[])",
                            2, DB_PARAMS(rest, PQgetvalue(res, rows[used], COL_OUTBOX_ID)))
                  : -1;
        free(rest);
    }
    free(ids);
    return rc;
}

//  Sends rows [0, n) of res as one message (or fewer: *used says how many went). Returns the
//  outcome; error says why when not SEND_OK.
static send_result_t
s_send(const alertd_config_t *config, const receiver_t *receiver, PGresult *res, const int *rows,
       size_t n, size_t *used, char *error)
{
    Planwatch__V1__Alert **alerts = calloc(n, sizeof *alerts);
    if (!alerts) {
        snprintf(error, ALERT_ERROR_SIZE, "out of memory");
        return SEND_RETRY;
    }
    size_t built = 0;
    for (size_t i = 0; i < n; i++) {
        int r = rows[i];
        alerts[i] = alert_from_row(res, r, PQgetvalue(res, r, COL_DAY),
                                   PQgetvalue(res, r, COL_REMINDER)[0] == 't',
                                   atoi(PQgetvalue(res, r, COL_LEVEL)), 0);
        if (!alerts[i])
            break;
        alerts[i]->notification_id = strtoull(PQgetvalue(res, r, COL_OUTBOX_ID), NULL, 10);
        built++;
    }
    send_result_t result = SEND_RETRY;
    char *body = NULL, *subject = NULL, *outbox_ids = NULL, *alert_ids = NULL;
    if (built < n)
        snprintf(error, ALERT_ERROR_SIZE, "out of memory");
    else if (receiver->format == FORMAT_WECOM)
        body = format_wecom(alerts, n, used);
    else if (receiver->format == FORMAT_DINGTALK)
        body = format_dingtalk(alerts, n, used);
    else if (receiver->channel == CHANNEL_EMAIL)
        body = format_mail(alerts, n, &subject, used);
    else
        body = format_json(alerts, n, receiver->name, used);
    //  The keys receivers drop repeats by: the outbox ids (Idempotency-Key) and the alert ids.
    //  A frozen batch renders the same rows the same way, so they are the same on every resend.
    if (body) {
        outbox_ids = s_ids(res, rows, 0, *used, COL_OUTBOX_ID, false);
        alert_ids = s_ids(res, rows, 0, *used, 0, false);
    }
    if (!body || !outbox_ids || !alert_ids)
        snprintf(error, ALERT_ERROR_SIZE, "out of memory");
    else if (receiver->channel == CHANNEL_EMAIL) {
        char message_id[256];
        mail_message_id(alerts[0]->id, *used, (int64_t)alerts[0]->notification_id, receiver->from,
                        message_id, sizeof message_id);
        result = mail_send(receiver, subject, body, message_id, alert_ids, outbox_ids,
                           config->http_timeout_ms, error);
    } else
        result =
            webhook_post(receiver, body, outbox_ids, alert_ids, config->http_timeout_ms, error);
    free(body);
    free(subject);
    free(outbox_ids);
    free(alert_ids);
    for (size_t i = 0; i < built; i++)
        codec_free((ProtobufCMessage **)&alerts[i]);
    free(alerts);
    return result;
}

//  Freezes the next message of the receiver, inside the caller's transaction: the pending rows
//  of group (at most limit, oldest first, head among them) not yet in a batch. Rows a silence
//  now covers become 'silenced'; the others get the first one's id as their batch. Returns the
//  number of rows taken (frozen or silenced; 0: none could be), -1 on error.
static int
s_freeze(PGconn *conn, const receiver_t *receiver, const char *group, const char *day,
         const char *limit)
{
    PGresult *res =
        db_query(conn,
                 "SELECT o.id, " ALERT_SILENCED(
                     "$3") " FROM alert_outbox o"
                           " JOIN alert a ON a.id = o.alert_id"
                           " WHERE o.receiver = $1 AND o.state = 'pending' AND o.batch IS NULL"
                           " AND o.group_key = $2 ORDER BY o.id LIMIT $4::int"
                           " FOR UPDATE OF o SKIP LOCKED",
                 4, DB_PARAMS(receiver->name, group, day, limit));
    if (!res)
        return -1;
    int n = PQntuples(res), *live = calloc((size_t)n + 1, sizeof *live),
        *quiet = calloc((size_t)n + 1, sizeof *quiet);
    size_t live_n = 0, quiet_n = 0;
    for (int i = 0; live && quiet && i < n; i++) {
        if (PQgetvalue(res, i, 1)[0] == 't')
            quiet[quiet_n++] = i;
        else
            live[live_n++] = i;
    }
    int rc = live && quiet ? 0 : -1;
    if (rc == 0 && quiet_n) {
        char *ids = s_ids(res, quiet, 0, quiet_n, 0, true);
        rc = ids ? db_exec(
                       conn,
                       "UPDATE alert_outbox SET state = 'silenced' WHERE id = ANY ($1::bigint[])",
                       1, DB_PARAMS(ids))
                 : -1;
        free(ids);
        log_info("outbox.silenced", "receiver=%s rows=%zu", receiver->name, quiet_n);
    }
    if (rc == 0 && live_n) {
        char *ids = s_ids(res, live, 0, live_n, 0, true);
        rc = ids ? db_exec(conn,
                           "UPDATE alert_outbox SET batch = $2::bigint"
                           " WHERE id = ANY ($1::bigint[])",
                           2, DB_PARAMS(ids, PQgetvalue(res, live[0], 0)))
                 : -1;
        free(ids);
        if (rc == 0)
            log_debug("outbox.frozen", "receiver=%s batch=%s rows=%zu", receiver->name,
                      PQgetvalue(res, live[0], 0), live_n);
    }
    free(live);
    free(quiet);
    PQclear(res);
    return rc == 0 ? n : -1;
}

//  Sends the pending rows of batch and records the outcome, inside the caller's transaction,
//  which holds the receiver's claim. Sets *retry when the receiver is to be tried again later.
//  Returns 0 or -1.
static int
s_deliver_batch(PGconn *conn, const alertd_config_t *config, const receiver_t *receiver,
                const receivers_t *receivers, const char *batch, day_t today, bool *retry)
{
    PGresult *res = db_query(conn,
                             "SELECT " ALERT_COLUMNS ", o.id, o.reminder, o.level,"
                             " o.as_of_day::text"
                             " FROM alert_outbox o JOIN alert a ON a.id = o.alert_id"
                             " WHERE o.receiver = $1 AND o.state = 'pending' AND o.batch = $2"
                             " ORDER BY o.id FOR UPDATE OF o",
                             2, DB_PARAMS(receiver->name, batch));
    if (!res)
        return -1;
    size_t n = (size_t)PQntuples(res);
    int *rows = calloc(n + 1, sizeof *rows);
    int rc = -1;
    if (rows && n) {
        for (size_t i = 0; i < n; i++)
            rows[i] = (int)i;
        char error[ALERT_ERROR_SIZE] = "";
        size_t used = 1;
        int64_t started = zclock_mono();
        send_result_t result = s_send(config, receiver, res, rows, n, &used, error);
        if (result == SEND_OK && alertd_fault(config, "crash_after_send")) {
            log_warnx("alert.fault", "point=crash_after_send");
            raise(SIGKILL);
        }
        rc = s_record(conn, config, receiver, receivers, res, rows, used, n, result, error, today);
        if (result == SEND_OK)
            log_info("outbox.sent", "receiver=%s alerts=%zu first=%s batch=%s ms=%lld",
                     receiver->name, used, PQgetvalue(res, 0, 0), batch,
                     (long long)(zclock_mono() - started));
        else
            log_warnx("outbox.failed",
                      "receiver=%s url=%s alerts=%zu first=%s batch=%s outcome=%s error=\"%s\"",
                      receiver->name, receiver->url_shown, used, PQgetvalue(res, 0, 0), batch,
                      result == SEND_RETRY ? "retry" : "dead_letter", error);
        *retry = result == SEND_RETRY;
    } else if (rows)
        rc = 0; //  the batch is gone (another alertd sent it meanwhile)
    free(rows);
    PQclear(res);
    return rc;
}

int
outbox_deliver_once(PGconn *conn, const alertd_config_t *config, const receiver_t *receiver,
                    const receivers_t *receivers, long *wait_ms)
{
    *wait_ms = -1;
    day_t today;
    clock_today(conn, config->as_of, &today);
    char day[DAY_TEXT_SIZE], limit[16];
    day_format(today, day);
    snprintf(limit, sizeof limit, "%ld", config->group_wait_ms > 0 ? config->group_max : 1L);
    if (db_begin(conn) != 0)
        return -1;
    int rc = -1;
    PGresult *head = NULL;
    //  The claim: this receiver's row, skipped when another alertd holds it (that one is sending
    //  its rows, in order). Held until COMMIT, through the send.
    PGresult *claim =
        db_query(conn,
                 "SELECT " MS_UNTIL("next_attempt_at") " FROM alert_receiver"
                                                       " WHERE name = $1 FOR UPDATE SKIP LOCKED",
                 1, DB_PARAMS(receiver->name));
    if (!claim)
        goto cleanup;
    if (PQntuples(claim) == 0 || atol(PQgetvalue(claim, 0, 0)) > 0) {
        *wait_ms = PQntuples(claim) ? atol(PQgetvalue(claim, 0, 0)) : config->poll_ms;
        rc = 0;
        goto cleanup;
    }
    head = db_query(conn,
                    "SELECT id, group_key, coalesce(batch::text, ''), " MS_UNTIL(
                        "not_before") " FROM alert_outbox WHERE receiver = $1"
                                      " AND state = 'pending' ORDER BY id LIMIT 1",
                    1, DB_PARAMS(receiver->name));
    if (!head)
        goto cleanup;
    bool frozen = PQntuples(head) && *PQgetvalue(head, 0, 2);
    if (PQntuples(head) == 0 || (!frozen && atol(PQgetvalue(head, 0, 3)) > 0)) {
        *wait_ms = PQntuples(head) ? atol(PQgetvalue(head, 0, 3)) : -1;
        rc = 0;
        goto cleanup;
    }
    if (!frozen) {
        //  First the message is put together and committed; the next round sends it.
        int taken = s_freeze(conn, receiver, PQgetvalue(head, 0, 1), day, limit);
        if (taken < 0 || db_commit(conn) != 0)
            goto cleanup;
        if (taken == 0)
            *wait_ms = config->poll_ms;
        rc = taken > 0 ? 1 : 0;
        goto cleanup;
    }
    bool retry = false;
    if (s_deliver_batch(conn, config, receiver, receivers, PQgetvalue(head, 0, 2), today, &retry) !=
            0 ||
        db_commit(conn) != 0)
        goto cleanup;
    if (retry)
        *wait_ms = config->retry_min_ms;
    rc = retry ? 0 : 1;
cleanup:
    if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
        if (rc == 0)
            db_commit(conn);
        else
            db_rollback(conn);
    }
    PQclear(claim);
    PQclear(head);
    return rc;
}

void
outbox_actor(zsock_t *pipe, void *args)
{
    outbox_args_t a = *(outbox_args_t *)args;
    db_t *db = db_new(a.config->database_url);
    int listening = 0;
    zsock_signal(pipe, 0);
    log_info("outbox.start", "receiver=%s channel=%s url=%s", a.receiver->name,
             receiver_channel_name(a.receiver->channel), a.receiver->url_shown);
    long wait = 0; //  look at start-up: rows left by a previous run
    bool terminated = false;
    while (!terminated) {
        int was_listening = listening;
        PGconn *conn = store_conn(db, &listening);
        if (conn && listening != was_listening)
            db_exec(conn, "INSERT INTO alert_receiver (name) VALUES ($1) ON CONFLICT DO NOTHING", 1,
                    DB_PARAMS(a.receiver->name));
        zmq_pollitem_t items[2] = {{zsock_resolve(pipe), 0, ZMQ_POLLIN, 0},
                                   {NULL, conn ? PQsocket(conn) : -1, ZMQ_POLLIN, 0}};
        long timeout = !conn                                  ? a.config->poll_ms
                       : wait < 0 || wait > a.config->poll_ms ? a.config->poll_ms
                                                              : wait;
        if (zmq_poll(items, conn ? 2 : 1, timeout) < 0 && zsys_interrupted)
            break; //  the main thread got SIGTERM: it will send $TERM
        bool due = timeout == 0 || (items[0].revents == 0 && items[1].revents == 0);
        if (items[0].revents & ZMQ_POLLIN) {
            char *command = zstr_recv(pipe);
            terminated = !command || !strcmp(command, "$TERM");
            due = true;
            zstr_free(&command);
        }
        if (conn && (items[1].revents & ZMQ_POLLIN) && store_drain(conn))
            due = true;
        if (terminated || !conn || !due)
            continue;
        int sent;
        do {
            sent = outbox_deliver_once(conn, a.config, a.receiver, a.receivers, &wait);
            //  between messages: stop if asked (the message in hand was finished)
            if (sent == 1 && zsock_events(pipe) & ZMQ_POLLIN)
                break;
        } while (sent == 1);
        if (sent < 0)
            wait = a.config->poll_ms;
    }
    db_destroy(&db);
    log_info("outbox.stop", "receiver=%s", a.receiver->name);
}
