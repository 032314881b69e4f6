/*  alertd_outbox.c - a sender per receiver: claim due outbox rows, send, retry with capped
    exponential backoff, dead-letter permanent refusals with a meta-alert. */
#include "alertd.h"

#include "log.h"

#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

//  Columns after ALERT_COLUMNS in the claim query.
#define COL_OUTBOX_ID (ALERT_COLUMN_COUNT + 0)
#define COL_REMINDER  (ALERT_COLUMN_COUNT + 1)
#define COL_LEVEL     (ALERT_COLUMN_COUNT + 2)
#define COL_DAY       (ALERT_COLUMN_COUNT + 3)
#define COL_SILENCED  (ALERT_COLUMN_COUNT + 4)

//  Milliseconds until a timestamp column comes due, 0 when past.
#define MS_UNTIL(col)                                                                              \
    "greatest(0, ceil(extract(epoch FROM " col " - clock_timestamp()) * 1000))::bigint"

//  "{1,2,3}" of the outbox ids of rows [0, n) that are not silenced (or are, when silenced).
static void
s_id_array(PGresult *res, const int *rows, size_t n, char *buf, size_t size)
{
    size_t len = (size_t)snprintf(buf, size, "{");
    for (size_t i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "," : "",
                                PQgetvalue(res, rows[i], COL_OUTBOX_ID));
    if (len < size)
        snprintf(buf + len, size - len, "}");
}

//  Records the outcome of one message for the rows it carried. Returns 0 or -1.
static int
s_record(PGconn *conn, const alertd_config_t *config, const receiver_t *receiver,
         const receivers_t *receivers, PGresult *res, const int *rows, size_t n,
         send_result_t result, const char *error, day_t today)
{
    char ids[8192];
    s_id_array(res, rows, n, ids, sizeof ids);
    if (result == SEND_OK)
        return db_exec(conn,
                       "UPDATE alert_outbox SET state = 'sent', sent_at = now(),"
                       " attempts = attempts + 1, last_error = '', batch = $2::bigint"
                       " WHERE id = ANY ($1::bigint[])",
                       2, DB_PARAMS(ids, PQgetvalue(res, rows[0], COL_OUTBOX_ID))) ||
                       db_exec(conn,
                               "UPDATE alert_receiver SET failures = 0, next_attempt_at = now(),"
                               " last_error = '', last_ok_at = now() WHERE name = $1",
                               1, DB_PARAMS(receiver->name))
                   ? -1
                   : 0;
    if (result == SEND_RETRY) {
        char min[24], max[24];
        snprintf(min, sizeof min, "%ld", config->retry_min_ms);
        snprintf(max, sizeof max, "%ld", config->retry_max_ms);
        //  Capped exponential backoff: min * 2^failures, at most max, per receiver, so that its
        //  rows keep their order behind the head that failed.
        return db_exec(conn,
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
    }
    //  Permanent: the rows are parked and the office hears of it through the other receivers.
    if (db_exec(conn,
                "UPDATE alert_outbox SET state = 'dead', attempts = attempts + 1, last_error = $2"
                " WHERE id = ANY ($1::bigint[])",
                2, DB_PARAMS(ids, error)) != 0 ||
        db_exec(conn,
                "UPDATE alert_receiver SET failures = 0, next_attempt_at = now(), last_error = $2"
                " WHERE name = $1",
                2, DB_PARAMS(receiver->name, error)) != 0)
        return -1;
    bool meta = false;
    for (size_t i = 0; i < n; i++)
        meta |= !strcmp(PQgetvalue(res, rows[i], 2), "DEAD_LETTER");
    if (meta) //  a dead letter about a dead letter would loop: logged only
        return 0;
    if (db_exec(conn, "SELECT pg_advisory_xact_lock(" ALERT_RAISE_LOCK ")", 0, NULL) != 0)
        return -1;
    char episode[128], title[512], alert_ids[1024];
    size_t len = 0;
    alert_ids[0] = '\0';
    for (size_t i = 0; i < n && len < sizeof alert_ids; i++)
        len += (size_t)snprintf(alert_ids + len, sizeof alert_ids - len, "%s%s", i ? "," : "",
                                PQgetvalue(res, rows[i], 0));
    snprintf(episode, sizeof episode, "DEAD_LETTER|%s|%s", receiver->name,
             PQgetvalue(res, rows[0], COL_OUTBOX_ID));
    snprintf(title, sizeof title, "【通知无法投递】接收方 %s 拒收告警#%s：%s", receiver->name,
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
    int64_t id = raise_meta(conn, receivers, config, &m, today);
    free(evidence_text);
    return id < 0 ? -1 : 0;
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
    char *body = NULL, *subject = NULL;
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
    if (body) {
        //  The key receivers drop repeats by: the outbox ids, the same on every resend.
        char key[2048];
        size_t len = 0;
        key[0] = '\0';
        for (size_t i = 0; i < *used && len < sizeof key; i++)
            len += (size_t)snprintf(key + len, sizeof key - len, "%s%llu", i ? "," : "",
                                    (unsigned long long)alerts[i]->notification_id);
        if (receiver->channel == CHANNEL_EMAIL) {
            char message_id[256], alert_ids[2048];
            len = 0;
            alert_ids[0] = '\0';
            for (size_t i = 0; i < *used && len < sizeof alert_ids; i++)
                len += (size_t)snprintf(alert_ids + len, sizeof alert_ids - len, "%s%llu",
                                        i ? "," : "", (unsigned long long)alerts[i]->id);
            mail_message_id(alerts[0]->id, *used, (int64_t)alerts[0]->notification_id,
                            receiver->from, message_id, sizeof message_id);
            result = mail_send(receiver, subject, body, message_id, alert_ids,
                               config->http_timeout_ms, error);
        } else
            result = webhook_post(receiver, body, key, config->http_timeout_ms, error);
    }
    free(body);
    free(subject);
    for (size_t i = 0; i < built; i++)
        codec_free((ProtobufCMessage **)&alerts[i]);
    free(alerts);
    return result;
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
    PGresult *res = NULL, *head = NULL;
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
    head =
        db_query(conn,
                 "SELECT id, group_key, " MS_UNTIL(
                     "not_before") " FROM alert_outbox"
                                   " WHERE receiver = $1 AND state = 'pending' ORDER BY id LIMIT 1",
                 1, DB_PARAMS(receiver->name));
    if (!head)
        goto cleanup;
    if (PQntuples(head) == 0 || atol(PQgetvalue(head, 0, 2)) > 0) {
        *wait_ms = PQntuples(head) ? atol(PQgetvalue(head, 0, 2)) : -1;
        rc = 0;
        goto cleanup;
    }
    //  The head row and, when grouping, every pending row of its group (its lead unit).
    res = db_query(conn,
                   "SELECT " ALERT_COLUMNS ", o.id, o.reminder, o.level, o.as_of_day::text,"
                   " EXISTS (SELECT 1 FROM alert_silence s WHERE s.expired_at IS NULL"
                   "  AND s.until >= $3::date AND (s.task IS NULL OR s.task = a.task)"
                   "  AND (s.target IS NULL OR s.target = a.target)"
                   "  AND (s.org IS NULL OR s.org = a.org) AND (s.kind IS NULL OR s.kind = a.kind))"
                   " FROM alert_outbox o JOIN alert a ON a.id = o.alert_id"
                   " WHERE o.receiver = $1 AND o.state = 'pending' AND o.group_key = $2"
                   " ORDER BY o.id LIMIT $4::int FOR UPDATE OF o SKIP LOCKED",
                   4, DB_PARAMS(receiver->name, PQgetvalue(head, 0, 1), day, limit));
    if (!res)
        goto cleanup;
    int n = PQntuples(res);
    int *live = calloc((size_t)n + 1, sizeof *live), *quiet = calloc((size_t)n + 1, sizeof *quiet);
    size_t live_n = 0, quiet_n = 0;
    for (int i = 0; live && quiet && i < n; i++) {
        if (PQgetvalue(res, i, COL_SILENCED)[0] == 't')
            quiet[quiet_n++] = i;
        else
            live[live_n++] = i;
    }
    if (!live || !quiet) {
        free(live);
        free(quiet);
        goto cleanup;
    }
    int failed = 0;
    if (quiet_n) {
        char ids[8192];
        s_id_array(res, quiet, quiet_n, ids, sizeof ids);
        failed = db_exec(conn,
                         "UPDATE alert_outbox SET state = 'silenced' WHERE id = ANY ($1::bigint[])",
                         1, DB_PARAMS(ids));
        log_info("outbox.silenced", "receiver=%s rows=%zu", receiver->name, quiet_n);
    }
    if (!failed && live_n) {
        char error[ALERT_ERROR_SIZE] = "";
        size_t used = 1;
        int64_t started = zclock_mono();
        send_result_t result = s_send(config, receiver, res, live, live_n, &used, error);
        if (result == SEND_OK && alertd_fault(config, "crash_after_send")) {
            log_warnx("alert.fault", "point=crash_after_send");
            raise(SIGKILL);
        }
        failed = s_record(conn, config, receiver, receivers, res, live, used, result, error, today);
        if (result == SEND_OK)
            log_info("outbox.sent", "receiver=%s alerts=%zu first=%s ms=%lld", receiver->name, used,
                     PQgetvalue(res, live[0], 0), (long long)(zclock_mono() - started));
        else
            log_warnx("outbox.failed",
                      "receiver=%s url=%s alerts=%zu first=%s outcome=%s error=\"%s\"",
                      receiver->name, receiver->url_shown, used, PQgetvalue(res, live[0], 0),
                      result == SEND_RETRY ? "retry" : "dead_letter", error);
        if (result == SEND_RETRY)
            *wait_ms = config->retry_min_ms;
    }
    free(live);
    free(quiet);
    if (failed || db_commit(conn) != 0)
        goto cleanup;
    rc = *wait_ms >= 0 ? 0 : 1;
cleanup:
    if (rc != 1 && PQtransactionStatus(conn) != PQTRANS_IDLE) {
        if (rc == 0)
            db_commit(conn);
        else
            db_rollback(conn);
    }
    PQclear(claim);
    PQclear(head);
    PQclear(res);
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
