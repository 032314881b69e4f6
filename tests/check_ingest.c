/*  check_ingest.c - ingestd end to end: real ingestd processes, real CURVE over tcp loopback,
    the real store. Handshake refusals, every reason code over the wire, malformed messages,
    replays, corrections, dry runs, revoked keys, change notices, store failures, kill -9.
*/
#include "check_ingest_harness.h"

#include "ingestd.h"

#include <jansson.h>
#include <math.h>

#define REPLY_MS 10000

static harness_t *h;

static void
s_setup(void)
{
    h = harness_new();
    //  the store's clock: every period check in this suite runs on 2024-06-30
    ck_assert_int_eq(db_exec(h->conn, "UPDATE system_clock SET as_of = '2024-06-30'", 0, NULL), 0);
    harness_unit(h, "GOV_430100");
    harness_unit(h, "GOV_430200");
    harness_unit(h, "P_STD");
}

static void
s_teardown(void)
{
    harness_destroy(&h);
}

//  Waits up to timeout_ms for a monitor event on sock; returns its name (owned) or NULL.
static char *
s_handshake_event(zsock_t *sock, const ProtobufCMessage *msg, int timeout_ms, int *replied)
{
    zactor_t *monitor = zactor_new(zmonitor, sock);
    zstr_sendx(monitor, "LISTEN", "HANDSHAKE_FAILED_AUTH", "HANDSHAKE_FAILED_PROTOCOL",
               "HANDSHAKE_FAILED_NO_DETAIL", "HANDSHAKE_SUCCEEDED", NULL);
    zstr_send(monitor, "START");
    zsock_wait(monitor);
    ck_assert_int_eq(zsock_connect(sock, "%s", h->feeds), 0);
    bus_send(sock, msg);
    char *event = NULL;
    zpoller_t *poller = zpoller_new(monitor, sock, NULL);
    int64_t deadline = zclock_mono() + timeout_ms;
    *replied = 0;
    while (zclock_mono() < deadline) {
        void *which = zpoller_wait(poller, 100);
        if (which == sock) {
            zmsg_t *m = zmsg_recv(sock);
            zmsg_destroy(&m);
            *replied = 1;
        } else if (which == monitor && !event) {
            zmsg_t *m = zmsg_recv(monitor);
            event = zmsg_popstr(m);
            zmsg_destroy(&m);
        }
    }
    zpoller_destroy(&poller);
    zactor_destroy(&monitor);
    return event;
}

// ---------------------------------------------------------------------------------------------
//  core

START_TEST(test_ingest_accepts_and_stores)
{
    harness_start(h);
    builder_t b;
    builder_init(&b, "first");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 6500, "长沙市科技局");
    builder_obs(&b, "GDP", "430100", "2023", 14331.98, NULL);
    bus_msg_t *reply = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    const Planwatch__V1__Receipt *r = harness_receipt(reply);
    ck_assert_str_eq(r->feed_id, "first");
    ck_assert_str_eq(r->unit, "GOV_430100");
    ck_assert_uint_eq(r->accepted, 2);
    ck_assert_uint_eq(r->rejected, 0);
    ck_assert(!r->already_seen && !r->dry_run);
    ck_assert_int_eq(strlen(r->received_at), 29); //  2024-..T..:..:..+08:00 with ms
    //  rows, their unit from the handshake, the feed with its receipt and change id
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation WHERE unit = "
                                      "'GOV_430100' AND feed_id = 'first'"),
                     2);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation WHERE indicator = "
                                      "'GDP' AND value = 14331.98 AND period = '2023'"),
                     1);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation WHERE note = "
                                      "'长沙市科技局'"),
                     1);
    ck_assert_int_eq(harness_count(h, "SELECT change_id FROM feed WHERE feed_id = 'first'"),
                     harness_count(h, "SELECT max(change_id) FROM observation"));
    ck_assert_int_eq(harness_count(h, "SELECT accepted * 10 + rejected FROM feed"), 20);
    bus_msg_destroy(&reply);
    //  a REQ client (with its empty delimiter frame) is answered the same way
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/GOV_430100.cert_secret", h->units);
    zcert_t *cert = zcert_load(path);
    zcert_t *server = zcert_load(h->server_cert);
    zsock_t *req = zsock_new(ZMQ_REQ);
    zsock_set_linger(req, 0);
    zcert_apply(cert, req);
    zsock_set_curve_serverkey(req, zcert_public_txt(server));
    ck_assert_int_eq(zsock_connect(req, "%s", h->feeds), 0);
    builder_init(&b, "from-req");
    builder_obs(&b, "HTE_COUNT", "430100", "2022", 6000, NULL);
    reply = harness_request(req, &b.feed.base, REPLY_MS);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 1);
    bus_msg_destroy(&reply);
    zsock_destroy(&req);
    zcert_destroy(&cert);
    zcert_destroy(&server);
}
END_TEST

START_TEST(test_ingest_every_reason_over_the_wire)
{
    harness_start(h);
    builder_t b;
    builder_init(&b, "reasons");
    //  observations, one per reason, with two good rows among them
    builder_obs(&b, "HTE_COUNT", "430000", "2023", 14000, "good");         // 0
    builder_obs(&b, "NOPE", "430000", "2023", 1, NULL);                    // 1
    builder_obs(&b, "HTE_COUNT", "999999", "2023", 1, NULL);               // 2
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 1, NULL);               // 3
    builder_obs(&b, "HTE_COUNT", "430000", "2023Q4", 1, NULL);             // 4
    builder_obs(&b, "HTE_COUNT", "430000", "2025", 1, NULL);               // 5
    builder_obs(&b, "TSME_COUNT", "430000", "2023", NAN, NULL);            // 6
    builder_obs(&b, "TSME_COUNT", "430000", "2022", -5, NULL);             // 7
    builder_obs(&b, "RD_INTENSITY", "430000", "2023", 120, NULL);          // 8
    builder_obs(&b, "HT_VA", "430000", "2023", 1, NULL);                   // 9
    builder_obs(&b, "HT_VA", "430000", "2023", 2, NULL);                   // 10
    builder_obs(&b, "KVC_LOAN", "430000", "2023", 1, "\xff\xfe");          // 11
    builder_obs(&b, "RD_INTENSITY", "430000", "2022", 2.3, NULL);          // 12 good
    builder_ms(&b, "T2.1-1", "done", "2022-12-20", "湘政办发〔2022〕1号"); // 0 good
    builder_ms(&b, "NOPE", "done", "2022-12-20", NULL);                    // 1
    builder_ms(&b, "T2.5", "done", "2022-12-20", NULL);                    // 2
    builder_ms(&b, "T4.4-1", "done", "2022-12-20", NULL);                  // 3
    builder_ms(&b, "T2.2-2", "half", "2022-12-20", NULL);                  // 4
    builder_ms(&b, "T2.2-2", "done", "2022-13-01", NULL);                  // 5
    builder_ms(&b, "T2.2-2", "done", "2024-12-01", NULL);                  // 6
    builder_ms(&b, "T3.4-1", "started", "2023-01-01", NULL);               // 7
    builder_ms(&b, "T3.4-1", "started", "2023-02-01", NULL);               // 8
    static const char *const obs_expect[] = {NULL,
                                             "UNKNOWN_INDICATOR",
                                             "UNKNOWN_ORG",
                                             "UNIT_NOT_ALLOWED",
                                             "BAD_PERIOD",
                                             "FUTURE_PERIOD",
                                             "NOT_FINITE",
                                             "NEGATIVE_VALUE",
                                             "PERCENT_OUT_OF_RANGE",
                                             "DUPLICATE_ROW",
                                             "DUPLICATE_ROW",
                                             "BAD_TEXT",
                                             NULL};
    static const char *const ms_expect[] = {
        NULL,       "UNKNOWN_TASK", "AMBIGUOUS_TASK", "UNIT_NOT_ALLOWED", "BAD_STATE",
        "BAD_DATE", "FUTURE_DATE",  "DUPLICATE_ROW",  "DUPLICATE_ROW"};
    bus_msg_t *reply = harness_push(h, "P_STD", &b.feed.base, REPLY_MS);
    const Planwatch__V1__Receipt *r = harness_receipt(reply);
    ck_assert_uint_eq(r->accepted, 3);
    ck_assert_uint_eq(r->rejected, 19);
    ck_assert_uint_eq(r->n_errors, 19);
    size_t e = 0;
    for (size_t i = 0; i < 13; i++) {
        if (!obs_expect[i])
            continue;
        const Planwatch__V1__RowError *err = r->errors[e++];
        ck_assert_int_eq(err->kind, PLANWATCH__V1__ROW_KIND__ROW_OBSERVATION);
        ck_assert_uint_eq(err->index, i);
        ck_assert_uint_eq(err->line, i + 2); //  the sender's own line numbers come back
        ck_assert_msg(strcmp(err->reason, obs_expect[i]) == 0, "observation %zu: %s, expected %s",
                      i, err->reason, obs_expect[i]);
        ck_assert_int_gt(strlen(err->message), 0);
    }
    for (size_t i = 0; i < 9; i++) {
        if (!ms_expect[i])
            continue;
        const Planwatch__V1__RowError *err = r->errors[e++];
        ck_assert_int_eq(err->kind, PLANWATCH__V1__ROW_KIND__ROW_MILESTONE);
        ck_assert_uint_eq(err->index, i);
        ck_assert_msg(strcmp(err->reason, ms_expect[i]) == 0, "milestone %zu: %s, expected %s", i,
                      err->reason, ms_expect[i]);
    }
    //  exactly the good rows are stored: two figures and one milestone report
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 2);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation WHERE indicator = "
                                      "'HTE_COUNT' AND value = 14000"),
                     1);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM milestone_report WHERE target = "
                                      "'T2.1-1' AND state = 'done' AND reached_on = "
                                      "'2022-12-20' AND unit = 'P_STD'"),
                     1);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM milestone_report"), 1);
    //  change ids: one each, consecutive, observations first; the feed records the highest
    ck_assert_int_eq(harness_count(h, "SELECT max(change_id) - min(change_id) FROM (SELECT "
                                      "change_id FROM observation UNION ALL SELECT change_id "
                                      "FROM milestone_report) c"),
                     2);
    ck_assert_int_eq(harness_count(h, "SELECT change_id FROM feed"),
                     harness_count(h, "SELECT change_id FROM milestone_report"));
    bus_msg_destroy(&reply);
}
END_TEST

START_TEST(test_ingest_city_cannot_write_other_city)
{
    harness_start(h);
    builder_t b;
    builder_init(&b, "mixed");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 6500, NULL);
    builder_obs(&b, "HTE_COUNT", "430200", "2023", 999, "written by 长沙 for 株洲");
    bus_msg_t *reply = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    const Planwatch__V1__Receipt *r = harness_receipt(reply);
    ck_assert_uint_eq(r->accepted, 1);
    ck_assert_uint_eq(r->rejected, 1);
    ck_assert_str_eq(r->errors[0]->reason, "UNIT_NOT_ALLOWED");
    ck_assert_uint_eq(r->errors[0]->index, 1);
    ck_assert_ptr_nonnull(strstr(r->errors[0]->message, "株洲市"));
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation WHERE org = '430200'"), 0);
    bus_msg_destroy(&reply);
    //  the same row from 株洲's own key is fine
    builder_init(&b, "mixed");
    builder_obs(&b, "HTE_COUNT", "430200", "2023", 999, NULL);
    reply = harness_push(h, "GOV_430200", &b.feed.base, REPLY_MS);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 1);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation WHERE org = '430200' "
                                      "AND unit = 'GOV_430200'"),
                     1);
    bus_msg_destroy(&reply);
}
END_TEST

START_TEST(test_ingest_replay_returns_first_receipt)
{
    harness_start(h);
    builder_t b;
    builder_init(&b, "once");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 6500, NULL);
    builder_obs(&b, "HTE_COUNT", "430100", "2099", 1, NULL);
    bus_msg_t *first = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    const Planwatch__V1__Receipt *r1 = harness_receipt(first);
    ck_assert(!r1->already_seen);
    long changes = harness_count(h, "SELECT last_value FROM change_id_seq");
    //  the same feed id, even with other rows, is the same feed: the first receipt, nothing new
    builder_init(&b, "once");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 7777, NULL);
    for (int i = 0; i < 2; i++) {
        bus_msg_t *again = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
        const Planwatch__V1__Receipt *r2 = harness_receipt(again);
        ck_assert(r2->already_seen);
        ck_assert_str_eq(r2->received_at, r1->received_at);
        ck_assert_uint_eq(r2->accepted, 1);
        ck_assert_uint_eq(r2->rejected, 1);
        ck_assert_str_eq(r2->errors[0]->reason, "FUTURE_PERIOD");
        bus_msg_destroy(&again);
    }
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 1);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation WHERE value = 7777"), 0);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM feed"), 1);
    ck_assert_int_eq(harness_count(h, "SELECT last_value FROM change_id_seq"), changes);
    //  feed ids are per unit: 株洲 may use "once" too
    builder_init(&b, "once");
    builder_obs(&b, "HTE_COUNT", "430200", "2023", 900, NULL);
    bus_msg_t *other = harness_push(h, "GOV_430200", &b.feed.base, REPLY_MS);
    ck_assert(!harness_receipt(other)->already_seen);
    bus_msg_destroy(&other);
    bus_msg_destroy(&first);
}
END_TEST

START_TEST(test_ingest_correction_supersedes_and_keeps_history)
{
    harness_start(h);
    builder_t b;
    builder_init(&b, "v1");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 6500, "初报");
    bus_msg_t *reply = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    harness_receipt(reply);
    bus_msg_destroy(&reply);
    builder_init(&b, "v2");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 6520, "更正：补录 20 家");
    reply = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 1);
    bus_msg_destroy(&reply);
    //  both versions kept, the latest change id carries the correction
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation WHERE org = '430100' "
                                      "AND indicator = 'HTE_COUNT' AND period = '2023'"),
                     2);
    ck_assert_int_eq(harness_count(h, "SELECT value FROM observation WHERE org = '430100' AND "
                                      "indicator = 'HTE_COUNT' AND period = '2023' ORDER BY "
                                      "change_id DESC LIMIT 1"),
                     6520);
    int status = 0;
    char *out = harness_planctl(h, "GOV_430100", "history 430100 HTE_COUNT 2023", &status);
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_nonnull(strstr(out, "2 versions"));
    ck_assert_ptr_nonnull(strstr(out, "长沙市"));
    ck_assert_ptr_nonnull(strstr(out, "高新技术企业数"));
    char *first = strstr(out, "6500"), *second = strstr(out, "6520");
    ck_assert(first && second && first < second); //  oldest first
    ck_assert_ptr_nonnull(strstr(out, "初报"));
    ck_assert_ptr_nonnull(strstr(out, "更正"));
    //  the current one is marked: the line of 6520 starts with '*'
    char *line = second;
    while (line > out && line[-1] != '\n')
        line--;
    ck_assert_int_eq(*line, '*');
    free(out);
    out = harness_planctl(h, "GOV_430100", "history --json 430100 HTE_COUNT 2023", &status);
    ck_assert_int_eq(status, 0);
    json_error_t error;
    json_t *list = json_loads(out, 0, &error);
    ck_assert_ptr_nonnull(list);
    ck_assert_int_eq(json_array_size(list), 2);
    ck_assert(json_is_false(json_object_get(json_array_get(list, 0), "current")));
    ck_assert(json_is_true(json_object_get(json_array_get(list, 1), "current")));
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 1), "feed_id")), "v2");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 1), "unit")),
                     "GOV_430100");
    ck_assert(json_real_value(json_object_get(json_array_get(list, 0), "value")) == 6500);
    json_decref(list);
    free(out);
}
END_TEST

START_TEST(test_ingest_dry_run_writes_nothing)
{
    harness_start(h);
    builder_t b;
    builder_init(&b, "trial");
    b.feed.dry_run = 1;
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 6500, NULL);
    builder_obs(&b, "HTE_COUNT", "430100", "2023Q1", 1, NULL);
    long seq = harness_count(h, "SELECT last_value FROM change_id_seq");
    bus_msg_t *reply = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    const Planwatch__V1__Receipt *r = harness_receipt(reply);
    ck_assert(r->dry_run);
    ck_assert(!r->already_seen);
    ck_assert_uint_eq(r->accepted, 1);
    ck_assert_uint_eq(r->rejected, 1);
    ck_assert_str_eq(r->errors[0]->reason, "BAD_PERIOD");
    bus_msg_destroy(&reply);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 0);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM feed"), 0);
    ck_assert_int_eq(harness_count(h, "SELECT last_value FROM change_id_seq"), seq);
    //  the real push of the same feed id afterwards is not "already seen"
    b.feed.dry_run = 0;
    reply = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    r = harness_receipt(reply);
    ck_assert(!r->already_seen && !r->dry_run);
    ck_assert_uint_eq(r->accepted, 1);
    bus_msg_destroy(&reply);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 1);
    //  a dry run of a delivered feed says so, and still writes nothing
    b.feed.dry_run = 1;
    reply = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    ck_assert(harness_receipt(reply)->already_seen);
    ck_assert(harness_receipt(reply)->dry_run);
    bus_msg_destroy(&reply);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 1);
}
END_TEST

START_TEST(test_ingest_change_notice)
{
    harness_start(h);
    zsock_t *sub = zsock_new_sub(h->changes, "planwatch.v1.ChangeNotice");
    ck_assert_ptr_nonnull(sub);
    zclock_sleep(300); //  the slow joiner: a PUB drops what it sends before the SUB joined
    builder_t b;
    builder_init(&b, "notice");
    builder_obs(&b, "HTE_COUNT", "430000", "2023", 14000, NULL);
    builder_obs(&b, "HTE_COUNT", "430000", "2022", 12000, NULL);
    builder_obs(&b, "RD_INTENSITY", "430000", "2023", 2.5, NULL);
    builder_obs(&b, "NOPE", "430000", "2023", 1, NULL);
    builder_ms(&b, "T2.1-1", "done", "2022-12-01", NULL);
    bus_msg_t *reply = harness_push(h, "P_STD", &b.feed.base, REPLY_MS);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 4);
    bus_msg_destroy(&reply);
    zsock_set_rcvtimeo(sub, 5000);
    bus_msg_t *msg = bus_recv(sub, 0, 0);
    ck_assert_ptr_nonnull(msg);
    ck_assert_int_eq(msg->error, BUS_OK);
    ck_assert_ptr_eq(msg->body->descriptor, &planwatch__v1__change_notice__descriptor);
    const Planwatch__V1__ChangeNotice *n = (const Planwatch__V1__ChangeNotice *)msg->body;
    ck_assert_str_eq(n->feed_id, "notice");
    ck_assert_int_eq((long)n->change_id,
                     harness_count(h, "SELECT max(change_id) FROM milestone_report"));
    ck_assert_uint_eq(n->n_series, 2); //  HTE_COUNT once although two periods
    ck_assert_str_eq(n->series[0]->indicator, "HTE_COUNT");
    ck_assert_str_eq(n->series[0]->org, "430000");
    ck_assert_str_eq(n->series[1]->indicator, "RD_INTENSITY");
    ck_assert_uint_eq(n->n_milestones, 1);
    ck_assert_str_eq(n->milestones[0], "T2.1-1");
    bus_msg_destroy(&msg);
    //  a feed that writes nothing new (a replay) prompts nobody
    reply = harness_push(h, "P_STD", &b.feed.base, REPLY_MS);
    ck_assert(harness_receipt(reply)->already_seen);
    bus_msg_destroy(&reply);
    zsock_set_rcvtimeo(sub, 500);
    msg = bus_recv(sub, 0, 0);
    ck_assert_ptr_null(msg);
    zsock_destroy(&sub);
}
END_TEST

START_TEST(test_ingest_catalog_reload)
{
    harness_start(h);
    builder_t b;
    builder_init(&b, "before");
    builder_obs(&b, "HTE_COUNT", "430000", "2023", 1, NULL);
    harness_unit(h, "P_MIIT");
    bus_msg_t *reply = harness_push(h, "P_MIIT", &b.feed.base, REPLY_MS);
    ck_assert_str_eq(harness_receipt(reply)->errors[0]->reason, "UNIT_NOT_ALLOWED");
    bus_msg_destroy(&reply);
    //  the operator makes P_MIIT a reporter of HTE_COUNT: ingestd sees it at the next feed
    char command[PATH_MAX * 3];
    snprintf(command, sizeof command,
             "cp %s/*.csv %s/ && sed -i 's/^\\(HTE_COUNT,.*\\),cities;P_STD,/\\1,cities;P_STD;"
             "P_MIIT,/' %s/indicators.csv && grep -q 'P_STD;P_MIIT' %s/indicators.csv && "
             "DATABASE_URL='%s' %s plan load %s >/dev/null",
             testutil_repo_path("deploy/plan"), h->dir, h->dir, h->dir, testutil_db_url(),
             testutil_bin("planctl"), h->dir);
    ck_assert_int_eq(testutil_sh(command), 0);
    builder_init(&b, "after");
    builder_obs(&b, "HTE_COUNT", "430000", "2023", 1, NULL);
    reply = harness_push(h, "P_MIIT", &b.feed.base, REPLY_MS);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 1);
    bus_msg_destroy(&reply);
}
END_TEST

// ---------------------------------------------------------------------------------------------
//  errors: the handshake, malformed messages, the store

START_TEST(test_ingest_unknown_key_refused)
{
    harness_start(h);
    //  a unit whose public certificate was never installed
    char command[PATH_MAX * 3];
    snprintf(command, sizeof command, "%s keys new GOV_430300 --dir %s >/dev/null 2>&1",
             testutil_bin("planctl"), h->units);
    ck_assert_int_eq(testutil_sh(command), 0);
    zsock_t *sock = harness_socket(h, "GOV_430300");
    builder_t b;
    builder_init(&b, "stranger");
    builder_obs(&b, "HTE_COUNT", "430300", "2023", 1, NULL);
    int replied = 0;
    char *event = s_handshake_event(sock, &b.feed.base, 1500, &replied);
    ck_assert_ptr_nonnull(event);
    ck_assert_str_eq(event, "HANDSHAKE_FAILED_AUTH");
    ck_assert(!replied);
    zstr_free(&event);
    zsock_destroy(&sock);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM feed"), 0);
    //  refusals are logged
    snprintf(command, sizeof command, "grep -q 'handshake.refused event=HANDSHAKE_FAILED_AUTH' %s",
             h->log);
    ck_assert_int_eq(testutil_sh(command), 0);
}
END_TEST

START_TEST(test_ingest_null_mechanism_refused)
{
    harness_start(h);
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    zsock_set_linger(sock, 0);
    builder_t b;
    builder_init(&b, "plain");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 1, NULL);
    int replied = 0;
    char *event = s_handshake_event(sock, &b.feed.base, 1500, &replied);
    ck_assert_ptr_nonnull(event);
    ck_assert(strncmp(event, "HANDSHAKE_FAILED", 16) == 0);
    ck_assert(!replied);
    zstr_free(&event);
    zsock_destroy(&sock);
    //  and a CURVE client with a key but the wrong server key gets nowhere either
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM feed"), 0);
    //  the server is unharmed
    sock = harness_client(h, "GOV_430100");
    bus_msg_t *reply = harness_request(sock, &b.feed.base, REPLY_MS);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 1);
    bus_msg_destroy(&reply);
    zsock_destroy(&sock);
}
END_TEST

START_TEST(test_ingest_removed_certificate_locked_out)
{
    harness_start(h);
    zsock_t *open_conn = harness_client(h, "GOV_430100");
    builder_t b;
    builder_init(&b, "before");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 1, NULL);
    bus_msg_t *reply = harness_request(open_conn, &b.feed.base, REPLY_MS);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 1);
    bus_msg_destroy(&reply);
    //  the operator removes 长沙's public certificate
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/GOV_430100.cert", h->clients);
    ck_assert_int_eq(unlink(path), 0);
    //  a new connection is refused at the handshake
    zsock_t *sock = harness_socket(h, "GOV_430100");
    builder_init(&b, "after");
    builder_obs(&b, "HTE_COUNT", "430100", "2022", 1, NULL);
    int replied = 0;
    char *event = s_handshake_event(sock, &b.feed.base, 1500, &replied);
    ck_assert_ptr_nonnull(event);
    ck_assert_str_eq(event, "HANDSHAKE_FAILED_AUTH");
    ck_assert(!replied);
    zstr_free(&event);
    zsock_destroy(&sock);
    //  and the connection that was already open is refused message by message
    reply = harness_request(open_conn, &b.feed.base, REPLY_MS);
    ck_assert_str_eq(harness_error_code(reply), "KEY_REVOKED");
    bus_msg_destroy(&reply);
    zsock_destroy(&open_conn);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 1);
    //  other units carry on
    builder_init(&b, "other");
    builder_obs(&b, "HTE_COUNT", "430200", "2023", 1, NULL);
    reply = harness_push(h, "GOV_430200", &b.feed.base, REPLY_MS);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 1);
    bus_msg_destroy(&reply);
}
END_TEST

//  Sends raw frames and returns the answer's Error code (owned) or NULL.
static char *
s_raw(zsock_t *sock, zmsg_t *msg)
{
    ck_assert_int_eq(zmsg_send(&msg, sock), 0);
    zpoller_t *poller = zpoller_new(sock, NULL);
    char *code = NULL;
    if (zpoller_wait(poller, REPLY_MS) == sock) {
        //  A leading empty frame is read as a REQ delimiter and comes back with the answer.
        zmsg_t *reply = zmsg_recv(sock);
        if (zmsg_size(reply) == 3 && zframe_size(zmsg_first(reply)) == 0) {
            zframe_t *empty = zmsg_pop(reply);
            zframe_destroy(&empty);
        }
        char *type = zmsg_popstr(reply);
        zframe_t *payload = zmsg_pop(reply);
        if (type && payload && strcmp(type, "planwatch.v1.Error") == 0) {
            ProtobufCMessage *error =
                codec_decode(type, zframe_data(payload), zframe_size(payload));
            if (error)
                code = strdup(((Planwatch__V1__Error *)error)->code);
            codec_free(&error);
        }
        zstr_free(&type);
        zframe_destroy(&payload);
        zmsg_destroy(&reply);
    }
    zpoller_destroy(&poller);
    return code;
}

static zmsg_t *
s_frames(const char *type, const void *payload, size_t size)
{
    zmsg_t *msg = zmsg_new();
    if (type)
        zmsg_addstr(msg, type);
    if (payload)
        zmsg_addmem(msg, payload, size);
    return msg;
}

START_TEST(test_ingest_malformed_messages)
{
    char max_env[] = "INGEST_MAX_MESSAGE=4096";
    char *extra[] = {max_env, NULL};
    harness_start_env(h, extra);
    zsock_t *sock = harness_client(h, "GOV_430100");
    static const unsigned char garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x99};
    char *code;
    //  bytes that are not a Feed
    code = s_raw(sock, s_frames("planwatch.v1.Feed", garbage, sizeof garbage));
    ck_assert_str_eq(code, "BAD_MESSAGE");
    free(code);
    //  one frame, three frames, an empty type
    code = s_raw(sock, s_frames("planwatch.v1.Feed", NULL, 0));
    ck_assert_str_eq(code, "BAD_FRAMES");
    free(code);
    zmsg_t *three = s_frames("planwatch.v1.Feed", "", 0);
    zmsg_addstr(three, "extra");
    code = s_raw(sock, three);
    ck_assert_str_eq(code, "BAD_FRAMES");
    free(code);
    code = s_raw(sock, s_frames("", "", 0));
    ck_assert_str_eq(code, "BAD_FRAMES");
    free(code);
    //  a type nobody knows, and a known type that is not for this port
    code = s_raw(sock, s_frames("planwatch.v1.Nonsense", "", 0));
    ck_assert_str_eq(code, "UNKNOWN_TYPE");
    free(code);
    code = s_raw(sock, s_frames("planwatch.v1.Receipt", "", 0));
    ck_assert_str_eq(code, "UNEXPECTED_TYPE");
    free(code);
    //  a feed over INGEST_MAX_MESSAGE
    builder_t b;
    builder_init(&b, "big");
    char note[200];
    memset(note, 'n', sizeof note - 1);
    note[sizeof note - 1] = '\0';
    for (int i = 0; i < 40; i++)
        builder_obs(&b, "HTE_COUNT", "430100", "2023", i, note);
    bus_msg_t *reply = harness_request(sock, &b.feed.base, REPLY_MS);
    ck_assert_str_eq(harness_error_code(reply), "MESSAGE_TOO_LARGE");
    bus_msg_destroy(&reply);
    //  an empty feed, a feed without id, an id with spaces
    builder_init(&b, "empty");
    reply = harness_request(sock, &b.feed.base, REPLY_MS);
    ck_assert_str_eq(harness_error_code(reply), "EMPTY_FEED");
    bus_msg_destroy(&reply);
    builder_init(&b, "");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 1, NULL);
    reply = harness_request(sock, &b.feed.base, REPLY_MS);
    ck_assert_str_eq(harness_error_code(reply), "BAD_FEED_ID");
    bus_msg_destroy(&reply);
    builder_init(&b, "has space");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 1, NULL);
    reply = harness_request(sock, &b.feed.base, REPLY_MS);
    ck_assert_str_eq(harness_error_code(reply), "BAD_FEED_ID");
    bus_msg_destroy(&reply);
    //  a Ping on the feed port is answered too
    Planwatch__V1__Ping ping = PLANWATCH__V1__PING__INIT;
    ping.nonce = 42;
    reply = harness_request(sock, &ping.base, REPLY_MS);
    ck_assert_ptr_nonnull(reply);
    ck_assert_ptr_eq(reply->body->descriptor, &planwatch__v1__pong__descriptor);
    ck_assert_uint_eq(((Planwatch__V1__Pong *)reply->body)->nonce, 42);
    ck_assert(((Planwatch__V1__Pong *)reply->body)->store_ok);
    bus_msg_destroy(&reply);
    //  none of it was stored, and the same connection still works
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM feed"), 0);
    builder_init(&b, "fine");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 1, NULL);
    reply = harness_request(sock, &b.feed.base, REPLY_MS);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 1);
    bus_msg_destroy(&reply);
    //  the control port refuses anything but Ping
    zsock_t *control = zsock_new_dealer(h->control);
    code = s_raw(control, s_frames("planwatch.v1.Feed", garbage, sizeof garbage));
    ck_assert_str_eq(code, "BAD_MESSAGE");
    free(code);
    zsock_destroy(&control);
    zsock_destroy(&sock);
}
END_TEST

START_TEST(test_ingest_garbage_storm)
{
    //  random frames from a valid client: always an answer, never a crash
    harness_start(h);
    zsock_t *sock = harness_client(h, "GOV_430100");
    unsigned seed = 4300002;
    int answered = 0;
    for (int i = 0; i < 200; i++) {
        unsigned char bytes[64];
        size_t size = (size_t)(rand_r(&seed) % (int)sizeof bytes);
        for (size_t j = 0; j < size; j++)
            bytes[j] = (unsigned char)rand_r(&seed);
        char *code = s_raw(sock, s_frames(i % 3 ? "planwatch.v1.Feed" : "x", bytes, size));
        answered += code != NULL;
        free(code);
    }
    //  random bytes are sometimes a valid (empty or odd) Feed: those get a Receipt or Error too
    ck_assert_int_ge(answered, 150);
    Planwatch__V1__Ping ping = PLANWATCH__V1__PING__INIT;
    bus_msg_t *reply = harness_request(sock, &ping.base, REPLY_MS);
    ck_assert_ptr_nonnull(reply);
    bus_msg_destroy(&reply);
    zsock_destroy(&sock);
}
END_TEST

START_TEST(test_ingest_slow_client_does_not_stall)
{
    harness_start(h);
    //  a client that asks and never reads its answers
    zsock_t *slow = harness_client(h, "GOV_430200");
    zsock_set_rcvhwm(slow, 1);
    Planwatch__V1__Ping ping = PLANWATCH__V1__PING__INIT;
    for (int i = 0; i < 3000; i++)
        bus_send_nowait(slow, &ping.base);
    //  the others are served meanwhile
    builder_t b;
    builder_init(&b, "meanwhile");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 1, NULL);
    bus_msg_t *reply = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 1);
    bus_msg_destroy(&reply);
    zsock_destroy(&slow);
}
END_TEST

START_TEST(test_ingest_store_unavailable)
{
    //  a store nobody listens on: the feed is refused whole, nothing is acknowledged
    char url[128], wait[] = "INGEST_STORE_WAIT_MS=300";
    snprintf(url, sizeof url,
             "DATABASE_URL=postgresql://nobody@127.0.0.1:%d/none?connect_timeout=2",
             testutil_free_port());
    snprintf(h->db_env, sizeof h->db_env, "%s", url);
    char *extra[] = {wait, NULL};
    harness_start_env(h, extra);
    int store_ok = 1;
    ck_assert_int_eq(service_ping(h->control, 2000, &store_ok), 0);
    ck_assert(!store_ok);
    builder_t b;
    builder_init(&b, "lost");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 1, NULL);
    bus_msg_t *reply = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    ck_assert_str_eq(harness_error_code(reply), "STORE_UNAVAILABLE");
    bus_msg_destroy(&reply);
    //  planctl retries with backoff, then gives up with exit 2
    const char *csv = "org,indicator,period,value\n430100,GDP,2023,1\n";
    const char *path = harness_file(h, "f.csv", csv, strlen(csv));
    char args[PATH_MAX + 64];
    snprintf(args, sizeof args, "feed push --retries 1 --timeout-ms 3000 %s", path);
    int status = 0;
    char *out = harness_planctl(h, "GOV_430100", args, &status);
    ck_assert_int_eq(status, 2);
    free(out);
    char command[PATH_MAX + 64];
    snprintf(command, sizeof command, "grep -q STORE_UNAVAILABLE %s/planctl.err", h->dir);
    ck_assert_int_eq(testutil_sh(command), 0);
}
END_TEST

START_TEST(test_ingest_reconnects_after_store_connection_lost)
{
    char app[64];
    snprintf(app, sizeof app, "PGAPPNAME=ingestd_test_%d", (int)getpid());
    char *extra[] = {app, NULL};
    harness_start_env(h, extra);
    builder_t b;
    builder_init(&b, "one");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 1, NULL);
    bus_msg_t *reply = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 1);
    bus_msg_destroy(&reply);
    //  the store drops ingestd's connection (as a restart would)
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
             "application_name = '%s'",
             app + strlen("PGAPPNAME="));
    ck_assert_int_ge(harness_count(h, sql), 1);
    //  the next feed is committed on a new connection, not refused
    builder_init(&b, "two");
    builder_obs(&b, "HTE_COUNT", "430100", "2022", 2, NULL);
    reply = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 1);
    bus_msg_destroy(&reply);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 2);
}
END_TEST

START_TEST(test_ingest_kill9_after_commit_then_retry)
{
    char fault[] = "INGEST_FAULT=crash_after_commit";
    char *extra[] = {fault, NULL};
    harness_start_env(h, extra);
    pid_t first = h->pid;
    const char *csv = "org,indicator,period,value,note\n"
                      "430100,HTE_COUNT,2023,6500,\n"
                      "430100,GDP,2023,14331.98,\n"
                      "430100,TSME_COUNT,2023,8000,\n";
    const char *path = harness_file(h, "kill.csv", csv, strlen(csv));
    //  planctl in the background: short timeout, enough retries to outlive the restart
    char command[PATH_MAX * 4];
    snprintf(command, sizeof command,
             "DATABASE_URL='%s' PLANCTL_CERT=%s/GOV_430100.cert_secret PLANCTL_SERVER_CERT=%s "
             "%s feed push --endpoint %s --timeout-ms 1500 --retries 8 --json %s "
             ">%s/push.out 2>%s/push.err",
             testutil_db_url(), h->units, h->server_cert, testutil_bin("planctl"), h->feeds, path,
             h->dir, h->dir);
    char *argv[] = {"/bin/sh", "-c", command, NULL};
    pid_t client = testutil_spawn("/bin/sh", argv, NULL, NULL);
    //  ingestd commits, then dies by SIGKILL before the receipt leaves
    int status = 0;
    ck_assert_int_eq(waitpid(first, &status, 0), first);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    h->pid = 0;
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 3);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM feed"), 1);
    //  back up, without the fault, on the same endpoints
    harness_start(h);
    ck_assert_int_eq(waitpid(client, &status, 0), client);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    //  the retry got the stored receipt; the rows are there once
    snprintf(command, sizeof command, "cat %s/push.out", h->dir);
    char *out = testutil_capture(command, NULL);
    json_error_t error;
    json_t *receipt = json_loads(out, 0, &error);
    ck_assert_msg(receipt != NULL, "planctl said: %s", out);
    ck_assert(json_is_true(json_object_get(receipt, "already_seen")));
    ck_assert_int_eq(json_integer_value(json_object_get(receipt, "accepted")), 3);
    json_decref(receipt);
    free(out);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 3);
    ck_assert_int_eq(harness_count(h, "SELECT count(DISTINCT (org, indicator, period)) FROM "
                                      "observation"),
                     3);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM feed"), 1);
}
END_TEST

START_TEST(test_ingest_refuses_to_start_without_keys)
{
    //  no secret certificate: exit 2 at once, never an unauthenticated CURVE socket
    snprintf(h->server_secret, sizeof h->server_secret, "%s/missing.cert_secret", h->dir);
    char *argv[] = {(char *)testutil_bin("ingestd"), NULL};
    char e1[128], e2[PATH_MAX + 32], e3[PATH_MAX + 32], e4[128];
    snprintf(e1, sizeof e1, "INGEST_ENDPOINT=%s", h->feeds);
    snprintf(e2, sizeof e2, "INGEST_CERT=%s", h->server_secret);
    snprintf(e3, sizeof e3, "INGEST_CLIENTS_DIR=%s", h->clients);
    snprintf(e4, sizeof e4, "INGEST_CONTROL_ENDPOINT=%s", h->control);
    char *env[] = {e1, e2, e3, e4, h->db_env, NULL};
    pid_t pid = testutil_spawn(testutil_bin("ingestd"), argv, env, h->log);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 2);
    //  a public certificate in place of the secret one is refused too
    snprintf(e2, sizeof e2, "INGEST_CERT=%s", h->server_cert);
    char public_only[PATH_MAX + 32];
    snprintf(public_only, sizeof public_only, "mv %s/keys/server.cert_secret %s/s.bak", h->dir,
             h->dir);
    ck_assert_int_eq(testutil_sh(public_only), 0);
    pid = testutil_spawn(testutil_bin("ingestd"), argv, env, h->log);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_int_eq(WEXITSTATUS(status), 2);
}
END_TEST

START_TEST(test_ingest_certificate_must_name_a_catalog_unit)
{
    harness_start(h);
    builder_t b;
    builder_init(&b, "who");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 1, NULL);
    //  a certificate without unit metadata, installed by mistake
    zcert_t *anonymous = zcert_new();
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/ANON.cert", h->units);
    ck_assert_int_eq(zcert_save(anonymous, path), 0);
    snprintf(path, sizeof path, "%s/ANON.cert", h->clients);
    ck_assert_int_eq(zcert_save_public(anonymous, path), 0);
    zcert_destroy(&anonymous);
    bus_msg_t *reply = harness_push(h, "ANON", &b.feed.base, REPLY_MS);
    ck_assert_str_eq(harness_error_code(reply), "UNKNOWN_UNIT");
    bus_msg_destroy(&reply);
    //  a unit code the catalog does not have (keys made without the store at hand)
    char command[PATH_MAX * 3];
    testutil_format(command, sizeof command,
                    "%s keys new X_GHOST --dir %s >/dev/null 2>&1 && cp %s/X_GHOST.cert %s/",
                    testutil_bin("planctl"), h->units, h->units, h->clients);
    ck_assert_int_eq(testutil_sh(command), 0);
    reply = harness_push(h, "X_GHOST", &b.feed.base, REPLY_MS);
    ck_assert_str_eq(harness_error_code(reply), "UNKNOWN_UNIT");
    bus_msg_destroy(&reply);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM feed"), 0);
}
END_TEST

START_TEST(test_ingest_store_second_delivery_writes_nothing)
{
    //  Two deliveries of one feed that both passed the "seen" check (two ingestd replicas, or a
    //  retry racing the first try): the second finds the first committed and keeps nothing.
    builder_t b;
    builder_init(&b, "race");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 6500, NULL);
    zlist_t *errors = zlist_new();
    catalog_t *cat = catalog_load_files(testutil_repo_path("deploy/plan"), errors);
    zlist_destroy(&errors);
    ingest_check_t *check = ingest_check_new(cat, "GOV_430100", day_from_ymd(2024, 6, 30), &b.feed);
    ck_assert_uint_eq(check->accepted, 1);
    PGconn *second = testutil_db_connect();
    uint64_t first_id = 0;
    char at[64];
    const uint8_t receipt[] = {0x0a, 0x04, 'r', 'a', 'c', 'e'};
    for (int delivery = 0; delivery < 2; delivery++) {
        PGconn *conn = delivery == 0 ? h->conn : second;
        ck_assert_int_eq(ingestd_store_begin(conn, 1, &first_id, at, sizeof at), 0);
        ck_assert_int_eq(ingestd_store_write_rows(conn, "GOV_430100", &b.feed, check, first_id), 0);
        ck_assert_int_eq(ingestd_store_finish(conn, "GOV_430100", "race", 1, 0, receipt,
                                              sizeof receipt, first_id),
                         delivery);
    }
    ck_assert_int_eq(PQtransactionStatus(second), PQTRANS_IDLE);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 1);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM feed"), 1);
    //  the stored receipt comes back byte for byte
    Planwatch__V1__Receipt *stored = NULL;
    ck_assert_int_eq(ingestd_store_receipt(second, "GOV_430100", "race", &stored), 1);
    ck_assert_str_eq(stored->feed_id, "race");
    codec_free((ProtobufCMessage **)&stored);
    ck_assert_int_eq(ingestd_store_receipt(second, "GOV_430100", "other", &stored), 0);
    ck_assert_ptr_null(stored);
    PQfinish(second);
    ingest_check_destroy(&check);
    catalog_destroy(&cat);
}
END_TEST

START_TEST(test_ingest_store_error_rolls_back)
{
    harness_start(h);
    //  the store refuses the transaction late (after the COPY): an Error, and nothing kept
    ck_assert_int_eq(db_exec(h->conn,
                             "ALTER TABLE feed ADD CONSTRAINT no_boom CHECK (feed_id NOT LIKE "
                             "'boom%')",
                             0, NULL),
                     0);
    builder_t b;
    builder_init(&b, "boom-1");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 1, NULL);
    bus_msg_t *reply = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    ck_assert_str_eq(harness_error_code(reply), "STORE_ERROR");
    bus_msg_destroy(&reply);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 0);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM feed"), 0);
    //  the connection is fine for the next feed
    builder_init(&b, "fine-1");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 1, NULL);
    reply = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 1);
    bus_msg_destroy(&reply);
}
END_TEST

START_TEST(test_ingest_sigterm_finishes_the_feed_in_hand)
{
    char level[] = "LOG_LEVEL=debug", max[] = "INGEST_MAX_MESSAGE=16777216";
    char *extra[] = {level, max, NULL};
    harness_start_env(h, extra);
    //  a feed big enough to be in hand for a while: 2000 rows with long notes
    enum { ROWS = 2000 };
    Planwatch__V1__Observation *obs = calloc(ROWS, sizeof *obs);
    Planwatch__V1__Observation **obs_p = calloc(ROWS, sizeof *obs_p);
    //  the 16 series a city reports, for 125 years (1900-2024): 2000 distinct rows
    static const char *const indicators[] = {
        "GDP",        "POPULATION",        "RD_SPEND",     "HVP_COUNT",    "HT_VA",
        "SME_2H_STD", "GREEN_FACTORY_NEW", "HTE_COUNT",    "TSME_COUNT",   "ABOVE_SCALE_IND",
        "LG_NAT",     "LG_PROV",           "SINGLE_CHAMP", "HI_SKILL_NEW", "LISTED_COS",
        "LISTED_MCAP"};
    char(*periods)[8] = calloc(ROWS, sizeof *periods);
    char *note = malloc(3001);
    memset(note, 'n', 3000);
    note[3000] = '\0';
    for (int i = 0; i < ROWS; i++) {
        planwatch__v1__observation__init(&obs[i]);
        snprintf(periods[i], sizeof periods[i], "%d", 1900 + i / 16);
        obs[i].indicator = (char *)indicators[i % 16];
        obs[i].org = "430100";
        obs[i].period = periods[i];
        obs[i].value = i;
        obs[i].note = note;
        obs_p[i] = &obs[i];
    }
    Planwatch__V1__Feed feed = PLANWATCH__V1__FEED__INIT;
    feed.feed_id = "big";
    feed.n_observations = ROWS;
    feed.observations = obs_p;
    zsock_t *sock = harness_client(h, "GOV_430100");
    ck_assert_int_eq(bus_send(sock, &feed.base), 0);
    //  SIGTERM as soon as ingestd has the feed in hand
    char command[PATH_MAX + 64];
    snprintf(command, sizeof command, "grep -q 'feed.received unit=GOV_430100 feed_id=big' %s",
             h->log);
    int64_t deadline = zclock_mono() + 20000;
    while (testutil_sh(command) != 0 && zclock_mono() < deadline)
        zclock_sleep(1);
    ck_assert_int_eq(kill(h->pid, SIGTERM), 0);
    //  the answer still comes, the rows are committed, and ingestd exits 0
    zpoller_t *poller = zpoller_new(sock, NULL);
    ck_assert_ptr_eq(zpoller_wait(poller, REPLY_MS), sock);
    bus_msg_t *reply = bus_recv(sock, 0, 0);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, ROWS);
    bus_msg_destroy(&reply);
    zpoller_destroy(&poller);
    int status = 0;
    ck_assert_int_eq(waitpid(h->pid, &status, 0), h->pid);
    h->pid = 0;
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), ROWS);
    zsock_destroy(&sock);
    free(obs);
    free(obs_p);
    free(periods);
    free(note);
}
END_TEST

START_TEST(test_ingest_as_of_and_ping)
{
    //  INGEST_AS_OF wins over the store's clock (2024-06-30 in this suite)
    char as_of[] = "INGEST_AS_OF=2022-06-30";
    char *extra[] = {as_of, NULL};
    harness_start_env(h, extra);
    builder_t b;
    builder_init(&b, "early");
    builder_obs(&b, "HTE_COUNT", "430100", "2022", 1, NULL);
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 1, NULL);
    bus_msg_t *reply = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    const Planwatch__V1__Receipt *r = harness_receipt(reply);
    ck_assert_uint_eq(r->accepted, 1);
    ck_assert_str_eq(r->errors[0]->reason, "FUTURE_PERIOD");
    ck_assert_ptr_nonnull(strstr(r->errors[0]->message, "2022-06-30"));
    bus_msg_destroy(&reply);
    //  the health check of the command line
    char command[PATH_MAX + 256];
    snprintf(command, sizeof command, "DATABASE_URL='%s' INGEST_CONTROL_ENDPOINT=%s %s --ping",
             testutil_db_url(), h->control, testutil_bin("ingestd"));
    int status = -1;
    char *out = testutil_capture(command, &status);
    ck_assert_int_eq(status, 0);
    ck_assert_str_eq(out, "ingestd: ok\n");
    free(out);
}
END_TEST

//  SIGINT (Ctrl-C in a terminal) stops it as SIGTERM does: exit 0.
START_TEST(test_ingest_sigint_exits_0)
{
    harness_start(h);
    ck_assert_int_eq(testutil_stop(h->pid, SIGINT), 0);
    h->pid = 0;
}
END_TEST

//  A bad setting is exactly one line on stderr, naming the variable, and exit status 2: the
//  table's checks and ingestd's own (the key files, INGEST_FAULT) alike.
START_TEST(test_ingest_bad_config_one_line)
{
    static const char *const settings[] = {"INGEST_MAX_MESSAGE=1",
                                           "INGEST_CERT=/nonexistent/server.cert_secret",
                                           "INGEST_CLIENTS_DIR=/nonexistent",
                                           "INGEST_FAULT=crash_sometimes",
                                           "INGEST_ENDPOINT=7701",
                                           "INGEST_AS_OF=2024-13-01"};
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        char command[PATH_MAX * 4];
        snprintf(command, sizeof command,
                 "DATABASE_URL='%s' INGEST_CERT='%s' INGEST_CLIENTS_DIR='%s'"
                 " INGEST_CONTROL_ENDPOINT=%s %s %s 2>&1 >/dev/null",
                 testutil_db_url(), h->server_secret, h->clients, h->control, settings[i],
                 testutil_bin("ingestd"));
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(settings[i], "="), settings[i]);
        testutil_assert_bad_setting(command, settings[i], name);
    }
}
END_TEST

static Suite *
ingest_suite(void)
{
    Suite *s = suite_create("ingest");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, s_setup, s_teardown);
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_ingest_accepts_and_stores);
    tcase_add_test(core, test_ingest_every_reason_over_the_wire);
    tcase_add_test(core, test_ingest_city_cannot_write_other_city);
    tcase_add_test(core, test_ingest_replay_returns_first_receipt);
    tcase_add_test(core, test_ingest_correction_supersedes_and_keeps_history);
    tcase_add_test(core, test_ingest_dry_run_writes_nothing);
    tcase_add_test(core, test_ingest_change_notice);
    tcase_add_test(core, test_ingest_catalog_reload);
    tcase_add_test(core, test_ingest_store_second_delivery_writes_nothing);
    tcase_add_test(core, test_ingest_as_of_and_ping);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, s_setup, s_teardown);
    tcase_set_timeout(errors, 120);
    tcase_add_test(errors, test_ingest_unknown_key_refused);
    tcase_add_test(errors, test_ingest_null_mechanism_refused);
    tcase_add_test(errors, test_ingest_removed_certificate_locked_out);
    tcase_add_test(errors, test_ingest_malformed_messages);
    tcase_add_test(errors, test_ingest_garbage_storm);
    tcase_add_test(errors, test_ingest_slow_client_does_not_stall);
    tcase_add_test(errors, test_ingest_store_unavailable);
    tcase_add_test(errors, test_ingest_reconnects_after_store_connection_lost);
    tcase_add_test(errors, test_ingest_kill9_after_commit_then_retry);
    tcase_add_test(errors, test_ingest_refuses_to_start_without_keys);
    tcase_add_test(errors, test_ingest_certificate_must_name_a_catalog_unit);
    tcase_add_test(errors, test_ingest_store_error_rolls_back);
    tcase_add_test(errors, test_ingest_sigterm_finishes_the_feed_in_hand);
    tcase_add_test(errors, test_ingest_sigint_exits_0);
    tcase_add_test(errors, test_ingest_bad_config_one_line);
    suite_add_tcase(s, errors);
    return s;
}

TESTUTIL_MAIN(ingest_suite)
