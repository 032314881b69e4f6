/*  ingestd_feed.c - one Feed from request to reply: validate, commit, receipt, change notice */
#include "ingestd.h"

#include "log.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

//  Packs a message built on the stack and unpacks it again, so that every reply is owned the
//  same way (codec_free) however it was made.
static ProtobufCMessage *
s_owned(const ProtobufCMessage *msg)
{
    size_t size = 0;
    uint8_t *bytes = codec_encode(msg, &size);
    if (!bytes)
        log_fatal(1, "oom", "what=reply");
    ProtobufCMessage *copy = codec_decode_as(msg->descriptor, bytes, size);
    free(bytes);
    if (!copy)
        log_fatal(1, "oom", "what=reply");
    return copy;
}

ProtobufCMessage *
ingestd_error_new(const char *code, const char *message)
{
    Planwatch__V1__Error error = PLANWATCH__V1__ERROR__INIT;
    error.code = (char *)code;
    error.message = (char *)message;
    return s_owned(&error.base);
}

//  A receipt on the stack whose strings and errors borrow from check and feed.
typedef struct {
    Planwatch__V1__Receipt msg;         //  the receipt
    Planwatch__V1__RowError *errors;    //  one per rejected row
    Planwatch__V1__RowError **pointers; //  what msg.errors points at
} receipt_t;

static void
s_receipt_init(receipt_t *self, const char *unit, const Planwatch__V1__Feed *feed,
               const ingest_check_t *check)
{
    planwatch__v1__receipt__init(&self->msg);
    self->msg.feed_id = feed->feed_id;
    self->msg.unit = (char *)unit;
    self->msg.dry_run = feed->dry_run;
    self->msg.accepted = (uint32_t)check->accepted;
    self->msg.rejected = (uint32_t)check->rejected;
    self->errors = calloc(check->rejected ? check->rejected : 1, sizeof *self->errors);
    self->pointers = calloc(check->rejected ? check->rejected : 1, sizeof *self->pointers);
    if (!self->errors || !self->pointers)
        log_fatal(1, "oom", "what=receipt");
    size_t n = 0;
    for (int kind = 0; kind < 2; kind++) {
        const ingest_row_t *rows = kind == 0 ? check->obs : check->ms;
        size_t count = kind == 0 ? check->obs_count : check->ms_count;
        for (size_t i = 0; i < count; i++) {
            if (rows[i].reason == INGEST_OK)
                continue;
            Planwatch__V1__RowError *e = &self->errors[n];
            planwatch__v1__row_error__init(e);
            e->kind = kind == 0 ? PLANWATCH__V1__ROW_KIND__ROW_OBSERVATION
                                : PLANWATCH__V1__ROW_KIND__ROW_MILESTONE;
            e->index = (uint32_t)i;
            e->line = kind == 0 ? feed->observations[i]->line : feed->milestones[i]->line;
            e->reason = (char *)ingest_reason_code(rows[i].reason);
            e->message = rows[i].message;
            self->pointers[n++] = e;
        }
    }
    self->msg.n_errors = n;
    self->msg.errors = self->pointers;
}

static void
s_receipt_fini(receipt_t *self)
{
    free(self->errors);
    free(self->pointers);
}

//  What the committed rows touched, for the evaluator.
static Planwatch__V1__ChangeNotice *
s_notice_new(const Planwatch__V1__Feed *feed, const ingest_check_t *check, uint64_t change_id)
{
    Planwatch__V1__ChangeNotice notice = PLANWATCH__V1__CHANGE_NOTICE__INIT;
    notice.change_id = change_id;
    notice.feed_id = feed->feed_id;
    Planwatch__V1__SeriesRef *series = calloc(check->obs_count + 1, sizeof *series);
    Planwatch__V1__SeriesRef **series_p = calloc(check->obs_count + 1, sizeof *series_p);
    char **milestones = calloc(check->ms_count + 1, sizeof *milestones);
    zhashx_t *seen = zhashx_new();
    if (!series || !series_p || !milestones || !seen)
        log_fatal(1, "oom", "what=notice");
    for (size_t i = 0; i < check->obs_count; i++) {
        if (check->obs[i].reason != INGEST_OK)
            continue;
        const Planwatch__V1__Observation *o = feed->observations[i];
        char key[256];
        snprintf(key, sizeof key, "%s\t%s", o->org, o->indicator);
        if (zhashx_lookup(seen, key))
            continue;
        zhashx_insert(seen, key, (void *)1);
        Planwatch__V1__SeriesRef *s = &series[notice.n_series];
        planwatch__v1__series_ref__init(s);
        s->org = o->org;
        s->indicator = o->indicator;
        series_p[notice.n_series++] = s;
    }
    for (size_t i = 0; i < check->ms_count; i++) {
        if (check->ms[i].reason != INGEST_OK)
            continue;
        char *code = check->ms[i].target->code;
        char key[256];
        snprintf(key, sizeof key, "M\t%s", code);
        if (zhashx_lookup(seen, key))
            continue;
        zhashx_insert(seen, key, (void *)1);
        milestones[notice.n_milestones++] = code;
    }
    notice.series = series_p;
    notice.milestones = milestones;
    ProtobufCMessage *owned = s_owned(&notice.base);
    zhashx_destroy(&seen);
    free(series);
    free(series_p);
    free(milestones);
    return (Planwatch__V1__ChangeNotice *)owned;
}

//  The stored receipt of a feed delivered before, marked as such.
static ProtobufCMessage *
s_replay(Planwatch__V1__Receipt *stored)
{
    stored->already_seen = 1;
    log_info("feed.replayed", "unit=%s feed_id=%s accepted=%u rejected=%u", stored->unit,
             stored->feed_id, stored->accepted, stored->rejected);
    return &stored->base;
}

typedef enum { ATTEMPT_DONE, ATTEMPT_STORE_FAILED } attempt_t;

//  One try at handling the feed on a live connection. Returns ATTEMPT_DONE with *reply set, or
//  ATTEMPT_STORE_FAILED when the store failed before anything was committed or acknowledged.
static attempt_t
s_attempt(ingestd_feed_env_t *env, PGconn *conn, const char *unit, const Planwatch__V1__Feed *feed,
          ProtobufCMessage **reply, Planwatch__V1__ChangeNotice **notice)
{
    int64_t started = zclock_usecs();
    const catalog_t *catalog = ingestd_store_catalog(env->store, conn);
    if (!catalog) {
        if (PQstatus(conn) != CONNECTION_OK)
            return ATTEMPT_STORE_FAILED;
        *reply = ingestd_error_new("STORE_UNAVAILABLE",
                                   "存储中尚未加载方案目录（planctl plan load），请稍后重试");
        return ATTEMPT_DONE;
    }
    if (!catalog_unit(catalog, unit)) {
        log_warnx("feed.unknown_unit", "unit=%s feed_id=%s", unit, feed->feed_id);
        *reply = ingestd_error_new("UNKNOWN_UNIT", "本证书所属单位不在方案的责任单位目录中");
        return ATTEMPT_DONE;
    }
    Planwatch__V1__Receipt *stored = NULL;
    int seen = ingestd_store_receipt(conn, unit, feed->feed_id, &stored);
    if (seen < 0)
        return ATTEMPT_STORE_FAILED;
    if (seen && !feed->dry_run) {
        *reply = s_replay(stored);
        return ATTEMPT_DONE;
    }
    codec_free((ProtobufCMessage **)&stored);
    day_t today;
    if (clock_today(conn, env->config->as_of, &today) != 0)
        return ATTEMPT_STORE_FAILED;
    ingest_check_t *check = ingest_check_new(catalog, unit, today, feed);
    if (!check)
        log_fatal(1, "oom", "what=check");
    receipt_t receipt;
    s_receipt_init(&receipt, unit, feed, check);
    receipt.msg.already_seen = seen;
    attempt_t rc = ATTEMPT_STORE_FAILED;
    char received_at[64] = "";
    uint64_t first_id = 0;
    if (feed->dry_run) {
        *reply = s_owned(&receipt.msg.base);
        log_info("feed.dry_run", "unit=%s feed_id=%s accepted=%zu rejected=%zu", unit,
                 feed->feed_id, check->accepted, check->rejected);
        rc = ATTEMPT_DONE;
        goto cleanup;
    }
    if (ingestd_store_begin(conn, check->accepted, &first_id, received_at, sizeof received_at))
        goto cleanup;
    receipt.msg.received_at = received_at;
    size_t size = 0;
    uint8_t *packed = codec_encode(&receipt.msg.base, &size);
    if (!packed)
        log_fatal(1, "oom", "what=receipt");
    uint64_t last_id = check->accepted ? first_id + check->accepted - 1 : 0;
    int stored_rc = ingestd_store_write_rows(conn, unit, feed, check, first_id);
    if (stored_rc == 0)
        stored_rc = ingestd_store_finish(conn, unit, feed->feed_id, check->accepted,
                                         check->rejected, packed, size, last_id);
    if (stored_rc == 0) {
        if (strcmp(env->config->fault, "crash_after_commit") == 0) {
            //  Test-only: die between the commit and the reply, as kill -9 would.
            log_warnx("fault.crash_after_commit", "feed_id=%s", feed->feed_id);
            raise(SIGKILL);
        }
        *reply = codec_decode_as(&planwatch__v1__receipt__descriptor, packed, size);
        if (!*reply)
            log_fatal(1, "oom", "what=receipt");
        if (check->accepted)
            *notice = s_notice_new(feed, check, last_id);
        log_info("feed.committed",
                 "unit=%s feed_id=%s accepted=%zu rejected=%zu change_id=%" PRIu64 " ms=%.1f", unit,
                 feed->feed_id, check->accepted, check->rejected, last_id,
                 (zclock_usecs() - started) / 1000.0);
        rc = ATTEMPT_DONE;
    } else if (stored_rc == 1) {
        //  The same feed committed through another delivery meanwhile: answer with that one.
        if (ingestd_store_receipt(conn, unit, feed->feed_id, &stored) == 1) {
            *reply = s_replay(stored);
            rc = ATTEMPT_DONE;
        }
    }
    free(packed);
cleanup:
    s_receipt_fini(&receipt);
    ingest_check_destroy(&check);
    return rc;
}

ProtobufCMessage *
ingestd_feed_handle(ingestd_feed_env_t *env, const char *unit, const Planwatch__V1__Feed *feed,
                    Planwatch__V1__ChangeNotice **notice)
{
    *notice = NULL;
    if (!ingest_feed_id_valid(feed->feed_id))
        return ingestd_error_new("BAD_FEED_ID",
                                 "数据包编号（feed_id）应为 1 到 128 个字符的字母、数字或 ._:-");
    if (feed->n_observations + feed->n_milestones == 0)
        return ingestd_error_new("EMPTY_FEED", "数据包中没有任何数据行");
    //  Nothing is committed before the last step, and a retry starts by looking for the stored
    //  receipt: so after a lost connection the whole feed is simply tried once more.
    for (int attempt = 0; attempt < 2; attempt++) {
        PGconn *conn = ingestd_store_conn(env->store, (int)env->config->store_wait_ms);
        if (!conn)
            break;
        ProtobufCMessage *reply = NULL;
        if (s_attempt(env, conn, unit, feed, &reply, notice) == ATTEMPT_DONE)
            return reply;
        if (PQstatus(conn) == CONNECTION_OK) {
            log_errx("feed.store_error", "unit=%s feed_id=%s", unit, feed->feed_id);
            return ingestd_error_new("STORE_ERROR",
                                     "存储拒绝了本数据包，未写入任何数据；请稍后用同一编号重试");
        }
        log_warnx("feed.store_lost", "unit=%s feed_id=%s attempt=%d", unit, feed->feed_id,
                  attempt + 1);
    }
    return ingestd_error_new("STORE_UNAVAILABLE",
                             "数据库暂时不可用，未写入任何数据；请稍后用同一编号重试");
}
