/*  check_security.c - what check_ingest does not already prove about who may do what, and
    what the services never say: real ingestd, evaluatord and alertd processes, real CURVE
    over tcp loopback, the real store.

    Already in check_ingest (not repeated here): unknown key and NULL mechanism refused at the
    handshake, a removed certificate locks out new and open connections, a city writing another
    city's figure, malformed frames, oversize (MESSAGE_TOO_LARGE), a garbage storm, a client that
    never reads its answers.

    Here:
      core    feed ids are per unit: a city sending another city's feed id neither sees that
              receipt nor is refused; a city cannot report the province's figure or another
              city's milestone over the wire
      limits  raw TCP connections that never finish the ZMTP/CURVE handshake, or trickle bytes,
              do not stall a real client; a frame beyond the transport cap (4 x
              INGEST_MAX_MESSAGE) closes only that connection
      errors  secrets never reach a log: the three services at LOG_LEVEL=debug and planctl,
              through deliveries, failures, refusals and a lost store; then every CURVE secret
              key of the certificates used, the database password of DATABASE_URL and every
              webhook/SMTP secret is looked for in everything they wrote
*/
#include "check_ingest_harness.h"

#include "alert_test.h"
#include "testutil_eval.h"
#include "testutil_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define REPLY_MS 10000

static harness_t *h;

static void
s_setup(void)
{
    h = harness_new();
    ck_assert_int_eq(db_exec(h->conn, "UPDATE system_clock SET as_of = '2024-06-30'", 0, NULL), 0);
    harness_unit(h, "GOV_430100");
    harness_unit(h, "GOV_430200");
    harness_unit(h, "GOV_430400");
    harness_unit(h, "GOV_431000");
}

static void
s_teardown(void)
{
    harness_destroy(&h);
}

// ---------------------------------------------------------------------------------------------
//  core

START_TEST(test_security_feed_ids_are_per_unit)
{
    harness_start(h);
    builder_t b;
    builder_init(&b, "erp-2024-06-30-001");
    builder_obs(&b, "HTE_COUNT", "430100", "2023", 6500, "长沙的数");
    bus_msg_t *reply = harness_push(h, "GOV_430100", &b.feed.base, REPLY_MS);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 1);
    bus_msg_destroy(&reply);
    //  株洲 happens to (or tries to) use 长沙's feed id: its own feed, its own receipt
    builder_init(&b, "erp-2024-06-30-001");
    builder_obs(&b, "HTE_COUNT", "430200", "2023", 999, NULL);
    builder_obs(&b, "GDP", "430200", "2023", 4000, NULL);
    reply = harness_push(h, "GOV_430200", &b.feed.base, REPLY_MS);
    const Planwatch__V1__Receipt *r = harness_receipt(reply);
    ck_assert(!r->already_seen);
    ck_assert_uint_eq(r->accepted, 2);
    ck_assert_str_eq(r->unit, "GOV_430200");
    bus_msg_destroy(&reply);
    //  a dry run with that id tells 株洲 about its own feed only
    builder_init(&b, "erp-2024-06-30-001");
    b.feed.dry_run = 1;
    builder_obs(&b, "HTE_COUNT", "430200", "2023", 1, NULL);
    reply = harness_push(h, "GOV_430200", &b.feed.base, REPLY_MS);
    r = harness_receipt(reply);
    ck_assert(r->already_seen && r->dry_run);
    ck_assert_str_eq(r->unit, "GOV_430200");
    bus_msg_destroy(&reply);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation WHERE org = '430100'"), 1);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation WHERE unit = 'GOV_430200'"
                                      " AND org = '430200'"),
                     2);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM feed"), 2);
}
END_TEST

START_TEST(test_security_city_cannot_write_province_or_other_city_milestone)
{
    harness_start(h);
    builder_t b;
    builder_init(&b, "reach");
    builder_obs(&b, "HTE_COUNT", "430000", "2023", 14000, "a city claiming the province");
    builder_obs(&b, "RD_INTENSITY", "430100", "2023", 2.4, "an indicator cities do not report");
    builder_obs(&b, "HTE_COUNT", "100000", "2023", 1, "the national reference");
    builder_ms(&b, "T1.2-1", "done", "2023-05-01", "郴州的里程碑，衡阳报送");
    bus_msg_t *reply = harness_push(h, "GOV_430400", &b.feed.base, REPLY_MS);
    const Planwatch__V1__Receipt *r = harness_receipt(reply);
    ck_assert_uint_eq(r->accepted, 0);
    ck_assert_uint_eq(r->rejected, 4);
    for (size_t i = 0; i < r->n_errors; i++)
        ck_assert_str_eq(r->errors[i]->reason, "UNIT_NOT_ALLOWED");
    bus_msg_destroy(&reply);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 0);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM milestone_report"), 0);
    //  郴州's own key may report it
    builder_init(&b, "own");
    builder_ms(&b, "T1.2-1", "started", "2023-05-01", NULL);
    reply = harness_push(h, "GOV_431000", &b.feed.base, REPLY_MS);
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 1);
    bus_msg_destroy(&reply);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM milestone_report WHERE unit ="
                                      " 'GOV_431000'"),
                     1);
}
END_TEST

// ---------------------------------------------------------------------------------------------
//  limits

//  A raw TCP connection to host:port of an endpoint "tcp://127.0.0.1:N". Returns the fd.
static int
s_tcp_connect(const char *endpoint)
{
    int port = atoi(strrchr(endpoint, ':') + 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    return fd;
}

//  Milliseconds for one feed of one row from unit, on a fresh connection, to its receipt.
static int64_t
s_receipt_ms(const char *unit, const char *feed_id, const char *period)
{
    builder_t b;
    builder_init(&b, feed_id);
    builder_obs(&b, "HTE_COUNT", strcmp(unit, "GOV_430100") == 0 ? "430100" : "430200", period, 1,
                NULL);
    int64_t start = zclock_mono();
    bus_msg_t *reply = harness_push(h, unit, &b.feed.base, REPLY_MS);
    int64_t ms = zclock_mono() - start;
    ck_assert_uint_eq(harness_receipt(reply)->accepted, 1);
    bus_msg_destroy(&reply);
    return ms;
}

START_TEST(test_security_slow_clients_do_not_stall)
{
    harness_start(h);
    int64_t alone = s_receipt_ms("GOV_430100", "alone", "2022");
    //  64 connections that hold the port: 32 say nothing, 32 send half a ZMTP greeting (the
    //  signature, no version) and stop; one more trickles a byte every 20 ms meanwhile.
    int idle[64];
    static const unsigned char half_greeting[] = {0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F};
    for (int i = 0; i < 64; i++) {
        idle[i] = s_tcp_connect(h->feeds);
        if (i % 2)
            ck_assert_int_eq(write(idle[i], half_greeting, sizeof half_greeting),
                             (ssize_t)sizeof half_greeting);
    }
    int trickle = s_tcp_connect(h->feeds);
    zclock_sleep(200);
    int64_t worst = 0;
    for (int round = 0; round < 5; round++) {
        ck_assert_int_ge(write(trickle, "\xFF", 1), 0);
        char id[32], period[8];
        snprintf(id, sizeof id, "meanwhile-%d", round);
        snprintf(period, sizeof period, "%d", 2010 + round);
        int64_t ms = s_receipt_ms(round % 2 ? "GOV_430200" : "GOV_430100", id, period);
        worst = ms > worst ? ms : worst;
        zclock_sleep(20);
    }
    //  Nobody waits for the slow ones: a receipt in about the time it takes alone (a second of
    //  slack for a loaded CI machine, far below the 30 s a held handshake could last).
    ck_assert_msg(worst < alone + 1000, "receipt took %lld ms with slow clients, %lld ms alone",
                  (long long)worst, (long long)alone);
    for (int i = 0; i < 64; i++)
        close(idle[i]);
    close(trickle);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM feed"), 6);
}
END_TEST

START_TEST(test_security_frame_beyond_transport_cap_drops_that_connection)
{
    //  INGEST_MAX_MESSAGE=4096: up to 4 x 4096 + 4096 bytes get MESSAGE_TOO_LARGE (check_ingest);
    //  beyond that libzmq closes the connection before ingestd holds the bytes in memory.
    char max_env[] = "INGEST_MAX_MESSAGE=4096";
    char *extra[] = {max_env, NULL};
    harness_start_env(h, extra);
    zsock_t *big = harness_client(h, "GOV_430100");
    size_t size = 64 * 1024;
    unsigned char *payload = malloc(size);
    memset(payload, 'x', size);
    zmsg_t *msg = zmsg_new();
    zmsg_addstr(msg, "planwatch.v1.Feed");
    zmsg_addmem(msg, payload, size);
    free(payload);
    ck_assert_int_eq(zmsg_send(&msg, big), 0);
    zpoller_t *poller = zpoller_new(big, NULL);
    ck_assert_ptr_null(zpoller_wait(poller, 1500)); //  no answer: the connection is gone
    zpoller_destroy(&poller);
    //  others are served, and the same unit on a new connection too
    s_receipt_ms("GOV_430200", "other", "2023");
    s_receipt_ms("GOV_430100", "again", "2023");
    zsock_destroy(&big);
    //  the service is alive and answered every real feed
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM feed"), 2);
}
END_TEST

// ---------------------------------------------------------------------------------------------
//  errors: secrets never in logs

//  The Z85 secret key of a CZMQ secret certificate file (40 characters), into out.
static void
s_cert_secret(const char *path, char *out, size_t size)
{
    zcert_t *cert = zcert_load(path);
    ck_assert_msg(cert != NULL, "no certificate %s", path);
    snprintf(out, size, "%s", zcert_secret_txt(cert));
    ck_assert_uint_eq(strlen(out), 40);
    zcert_destroy(&cert);
}

//  True when the file holds needle anywhere (bytes, not lines).
static int
s_file_holds(const char *path, const char *needle)
{
    zchunk_t *chunk = zchunk_slurp(path, 0);
    if (!chunk)
        return 0;
    int found = memmem(zchunk_data(chunk), zchunk_size(chunk), needle, strlen(needle)) != NULL;
    zchunk_destroy(&chunk);
    return found;
}

//  DATABASE_URL with a password the store does not need (trust on the private cluster's
//  socket) but every service must keep to itself; the password in *password.
static void
s_url_with_password(char *url, size_t size, char *password, size_t password_size)
{
    const char *base = testutil_db_url();
    const char *given = strstr(base, "password=");
    if (given) {
        //  a real server's URL already carries one: that is the secret to look for
        snprintf(password, password_size, "%.*s", (int)strcspn(given + 9, "&"), given + 9);
        snprintf(url, size, "%s", base);
        return;
    }
    snprintf(password, password_size, "PgPw-%d-SecretShouldNeverBeLogged", (int)getpid());
    snprintf(url, size, "%s%spassword=%s", base, strchr(base, '?') ? "&" : "?", password);
}

START_TEST(test_security_secrets_never_logged)
{
    //  The store, at a date when every city's 2022-2023 figures are overdue: alerts at once.
    ck_assert_int_eq(db_exec(h->conn, "UPDATE system_clock SET as_of = '2025-10-15'", 0, NULL), 0);
    char url[PATH_MAX + 128], password[128], db_env[PATH_MAX + 160];
    s_url_with_password(url, sizeof url, password, sizeof password);
    snprintf(db_env, sizeof db_env, "DATABASE_URL=%s", url);

    //  Receivers whose URLs, tokens and passwords are all secrets.
    sink_t *http = sink_new(SINK_HTTP, 0);
    sink_t *smtp = sink_new(SINK_SMTP, 0);
    const char *secrets[] = {password,
                             "WebhookKey-7d1c0e9a-in-the-query",
                             "Bearer-Token-5b7f2a-in-a-header",
                             "WecomKey-2e4d6f-in-the-query",
                             "DingAccessToken-91aa-in-the-query",
                             "DingSignSecret-SEC0ffee-hmac",
                             "SmtpPassword-c0ffee-42",
                             "BasicAuthPw-77e1-in-userinfo",
                             NULL, //  server and unit CURVE secret keys follow
                             NULL,
                             NULL,
                             NULL};
    char env_storage[8][256];
    const char *names[] = {"SEC_WEBHOOK_KEY", "SEC_BEARER",      "SEC_WECOM_KEY",
                           "SEC_DING_TOKEN",  "SEC_DING_SECRET", "SEC_SMTP_PASSWORD",
                           "SEC_BASIC_PW"};
    char *alert_env[16];
    int n = 0;
    for (int i = 0; i < 7; i++) {
        snprintf(env_storage[i], sizeof env_storage[i], "%s=%s", names[i], secrets[i + 1]);
        alert_env[n++] = env_storage[i];
    }
    char level[] = "LOG_LEVEL=debug";
    alert_env[n++] = level;
    alert_env[n++] = db_env;
    alert_env[n] = NULL;
    char receivers[4096];
    int closed_port = testutil_free_port();
    snprintf(receivers, sizeof receivers,
             "name,channel,kinds,units,url,format,to,from,user,secret_env\n"
             "office-stream,zmq,*,*,,,,,,\n"
             "std-json,webhook,*,*,http://127.0.0.1:%d/hook?token=${SEC_WEBHOOK_KEY},json,,,,"
             "SEC_BEARER\n"
             "supv-wecom,webhook,*,*,http://127.0.0.1:%d/wecom?key=${SEC_WECOM_KEY},wecom,,,,\n"
             "lgo-ding,webhook,*,*,http://127.0.0.1:%d/ding?access_token=${SEC_DING_TOKEN},"
             "dingtalk,,,,SEC_DING_SECRET\n"
             "supv-mail,email,*,*,smtp://127.0.0.1:%d,,duchashi@example.gov.cn,"
             "planwatch@example.gov.cn,planwatch-relay,SEC_SMTP_PASSWORD\n"
             "down-hook,webhook,*,*,http://relay:${SEC_BASIC_PW}@127.0.0.1:%d/x,json,,,,\n",
             sink_port(http), sink_port(http), sink_port(http), sink_port(smtp), closed_port);
    char *receivers_path = alert_test_file(h->dir, "receivers.csv", receivers);

    //  ingestd, evaluatord and alertd at debug, all with the password in DATABASE_URL.
    char *ingest_extra[] = {level, db_env, NULL};
    harness_start_env(h, ingest_extra);
    alert_proc_t alert;
    alert_proc_init(&alert, h->dir, "alertd", 0);
    char eval_log[PATH_MAX + 32], eval_control[64], vars[6][PATH_MAX + 64];
    snprintf(eval_log, sizeof eval_log, "%s/evaluatord.log", h->dir);
    snprintf(eval_control, sizeof eval_control, "tcp://127.0.0.1:%d", testutil_free_port());
    testutil_format(vars[0], sizeof vars[0], "%s", db_env);
    snprintf(vars[1], sizeof vars[1], "EVAL_INGEST_ENDPOINT=%s", h->changes);
    snprintf(vars[2], sizeof vars[2], "EVAL_PUB_ENDPOINT=tcp://127.0.0.1:%d", alert.eval);
    snprintf(vars[3], sizeof vars[3], "EVAL_CONTROL_ENDPOINT=%s", eval_control);
    snprintf(vars[4], sizeof vars[4], "LOG_LEVEL=debug");
    snprintf(vars[5], sizeof vars[5], "EVAL_HEARTBEAT_MS=200");
    char *eval_env[] = {vars[0], vars[1], vars[2], vars[3], vars[4], vars[5], NULL};
    char *eval_argv[] = {(char *)testutil_bin("evaluatord"), NULL};
    pid_t eval = alert_test_spawn(eval_argv, eval_env, eval_log);
    alert_proc_start(&alert, receivers_path, testutil_repo_path("deploy/alerting/escalation.csv"),
                     alert_env, 1);

    //  Work: a feed pushed with planctl, status changes, alerts to every receiver.
    const char *csv = "org,indicator,period,value,note\n430100,HTE_COUNT,2023,6500,\n"
                      "430100,GDP,2023,14331.98,\n430100,GDP,2022,13000,\n";
    char file[PATH_MAX + 64];
    snprintf(file, sizeof file, "%s", harness_file(h, "feed.csv", csv, strlen(csv)));
    char args[PATH_MAX + 64];
    testutil_format(args, sizeof args, "feed push %s", file);
    int status = 0;
    char *out = harness_planctl(h, "GOV_430100", args, &status);
    ck_assert_msg(status == 0, "planctl feed push: %s", out);
    char planctl_out[PATH_MAX + 32];
    snprintf(planctl_out, sizeof planctl_out, "%s/planctl.out", h->dir);
    harness_file(h, "planctl.out", out, strlen(out));
    free(out);
    ck_assert_int_ge(sink_wait(http, 3, 20000), 3);
    ck_assert_int_ge(sink_wait(smtp, 1, 20000), 1);
    //  Failures are logged too: receivers answering 500 and refusing mail, a store that drops
    //  every connection, a key the server does not know.
    sink_set_status(http, 500, "{\"errcode\":-1,\"errmsg\":\"busy\"}");
    sink_set_status(smtp, 550, NULL);
    ck_assert_int_eq(db_exec(h->conn,
                             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE"
                             " datname = current_database() AND pid <> pg_backend_pid()",
                             0, NULL),
                     0);
    eval_clock_set(h->conn, "2025-10-16"); //  a new day: every duty judged again
    testutil_format(args, sizeof args, "feed push --feed-id second %s", file);
    out = harness_planctl(h, "GOV_430100", args, &status);
    free(out);
    char stranger[PATH_MAX * 2];
    testutil_format(stranger, sizeof stranger,
                    "mkdir -p %s/strangers && %s keys new GOV_430300 --dir %s/strangers >/dev/null "
                    "2>>%s/planctl.err",
                    h->dir, testutil_bin("planctl"), h->dir, h->dir);
    ck_assert_int_eq(testutil_sh(stranger), 0);
    testutil_format(
        stranger, sizeof stranger,
        "PLANCTL_CERT=%s/strangers/GOV_430300.cert_secret PLANCTL_SERVER_CERT=%s "
        "PLANCTL_INGEST_ENDPOINT=%s PLANCTL_FEED_TIMEOUT_MS=1000 PLANCTL_FEED_RETRIES=0 "
        "%s feed push %s >>%s/planctl.out 2>>%s/planctl.err",
        h->dir, h->server_cert, h->feeds, testutil_bin("planctl"), file, h->dir, h->dir);
    testutil_sh(stranger);
    zclock_sleep(1500); //  retries, dead letters and reconnects get logged
    ck_assert_int_eq(alert_proc_stop(&alert, SIGTERM), 0);
    ck_assert_int_eq(testutil_stop(eval, SIGTERM), 0);
    harness_stop(h);
    sink_destroy(&http);
    sink_destroy(&smtp);

    //  Every CURVE secret key in play.
    char keys[4][64];
    s_cert_secret(h->server_secret, keys[0], sizeof keys[0]);
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/GOV_430100.cert_secret", h->units);
    s_cert_secret(path, keys[1], sizeof keys[1]);
    snprintf(path, sizeof path, "%s/GOV_430200.cert_secret", h->units);
    s_cert_secret(path, keys[2], sizeof keys[2]);
    snprintf(path, sizeof path, "%s/strangers/GOV_430300.cert_secret", h->dir);
    s_cert_secret(path, keys[3], sizeof keys[3]);
    for (int i = 0; i < 4; i++)
        secrets[8 + i] = keys[i];
    const char *logs[] = {h->log, eval_log, alert.log, planctl_out, NULL};
    char planctl_err[PATH_MAX + 32];
    snprintf(planctl_err, sizeof planctl_err, "%s/planctl.err", h->dir);
    logs[4] = planctl_err;
    //  The logs are not empty: debug lines and the events of the run are there.
    ck_assert(s_file_holds(h->log, " debug ingestd feed.received "));
    ck_assert(s_file_holds(h->log, "handshake.refused"));
    ck_assert(s_file_holds(alert.log, "outbox.sent receiver=std-json"));
    ck_assert(s_file_holds(alert.log, "outbox.sent receiver=lgo-ding"));
    ck_assert(s_file_holds(alert.log, "outbox.sent receiver=supv-mail"));
    ck_assert(s_file_holds(alert.log, "outbox.failed receiver=down-hook"));
    ck_assert(s_file_holds(eval_log, "eval.status_change"));
    for (int l = 0; l < 5; l++)
        for (int i = 0; i < 12; i++)
            ck_assert_msg(!s_file_holds(logs[l], secrets[i]), "%s holds secret %d (%.6s...)",
                          logs[l], i, secrets[i]);
    //  Only the public key of the server, which every unit has, may be logged.
    zcert_t *server = zcert_load(h->server_cert);
    ck_assert(s_file_holds(h->log, zcert_public_txt(server)));
    zcert_destroy(&server);
    free(receivers_path);
}
END_TEST

static Suite *
security_suite(void)
{
    Suite *s = suite_create("security");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 60);
    tcase_add_checked_fixture(core, s_setup, s_teardown);
    tcase_add_test(core, test_security_feed_ids_are_per_unit);
    tcase_add_test(core, test_security_city_cannot_write_province_or_other_city_milestone);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_set_timeout(limits, 60);
    tcase_add_checked_fixture(limits, s_setup, s_teardown);
    tcase_add_test(limits, test_security_slow_clients_do_not_stall);
    tcase_add_test(limits, test_security_frame_beyond_transport_cap_drops_that_connection);
    suite_add_tcase(s, limits);
    TCase *errors = tcase_create("errors");
    tcase_set_timeout(errors, 120);
    tcase_add_checked_fixture(errors, s_setup, s_teardown);
    tcase_add_test(errors, test_security_secrets_never_logged);
    suite_add_tcase(s, errors);
    return s;
}

TESTUTIL_MAIN(security_suite)
