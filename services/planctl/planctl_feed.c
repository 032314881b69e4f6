/*  planctl_feed.c - reporting staff: `planctl feed push FILE.csv` to ingestd, with a readable
    receipt; resends the same feed id on timeout (zguide's Lazy Pirate), so a retry never counts
    a figure twice.
*/
#include "planctl.h"

#include "bus.h"
#include "log.h"
#include "text.h"

#include <czmq.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ENDPOINT   "tcp://127.0.0.1:7701"
#define DEFAULT_TIMEOUT_MS 15000
#define DEFAULT_RETRIES    4
#define DEFAULT_MAX_BYTES  (4 * 1024 * 1024)
#define BACKOFF_FIRST_MS   250
#define BACKOFF_MAX_MS     8000

static const char *const s_usage =
    "usage: planctl feed push FILE.csv [--dry-run] [--json] [--feed-id ID]\n"
    "                         [--cert UNIT.cert_secret] [--server-cert server.cert]\n"
    "                         [--endpoint tcp://HOST:7701] [--timeout-ms MS] [--retries N]\n"
    "  FILE.csv: header org,indicator,period,value,note (figures) or task,state,date,evidence\n"
    "            (milestones); UTF-8 with or without BOM, or GBK as Excel saves it\n"
    "  environment: PLANCTL_CERT, PLANCTL_SERVER_CERT, PLANCTL_INGEST_ENDPOINT,\n"
    "               PLANCTL_FEED_TIMEOUT_MS (15000), PLANCTL_FEED_RETRIES (4)\n"
    "  --json: the receipt, or why nothing was sent ({\"error\": {\"code\", \"message\"}}), as "
    "JSON\n"
    "  exit: 0 every row accepted, 1 some rows rejected, 2 nothing could be sent\n";

int
feed_client_id_valid(const char *feed_id)
{
    size_t len = feed_id ? strlen(feed_id) : 0;
    return len > 0 && len <= 128 &&
           strspn(feed_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") ==
               len;
}

int
feed_client_is_retryable(const char *code)
{
    //  Nothing was written: the same feed id may be sent again later.
    return strcmp(code, "STORE_UNAVAILABLE") == 0 || strcmp(code, "STORE_ERROR") == 0;
}

//  Waits on one socket until the deadline for a reply or a refused handshake.
//  Returns the reply (owned), or NULL with *refused set when the server refused our key.
static bus_msg_t *
s_wait_reply(zsock_t *sock, zactor_t *monitor, int timeout_ms, int *refused)
{
    zpoller_t *poller = zpoller_new(sock, monitor, NULL);
    int64_t deadline = zclock_mono() + timeout_ms;
    bus_msg_t *reply = NULL;
    while (!reply && !*refused) {
        int64_t left = deadline - zclock_mono();
        if (left <= 0)
            break;
        void *which = zpoller_wait(poller, (int)left);
        if (!which) {
            if (zpoller_terminated(poller))
                break;
            continue;
        }
        if (which == sock) {
            reply = bus_recv(sock, 0, 0);
            if (reply && reply->error != BUS_OK)
                bus_msg_destroy(&reply); //  not a planwatch answer: keep waiting
        } else {
            zmsg_t *event = zmsg_recv(monitor);
            char *name = event ? zmsg_popstr(event) : NULL;
            if (name && strcmp(name, "HANDSHAKE_FAILED_AUTH") == 0)
                *refused = 1;
            else if (name && strcmp(name, "HANDSHAKE_FAILED_PROTOCOL") == 0)
                *refused = 2;
            zstr_free(&name);
            zmsg_destroy(&event);
        }
    }
    zpoller_destroy(&poller);
    return reply;
}

ProtobufCMessage *
feed_client_send(const feed_client_t *client, const Planwatch__V1__Feed *feed, char *why,
                 size_t why_size)
{
    snprintf(why, why_size, "no answer");
    int backoff = BACKOFF_FIRST_MS;
    for (int attempt = 0; attempt <= client->retries && !zsys_interrupted; attempt++) {
        if (attempt > 0) {
            log_warnx("feed.retry", "feed_id=%s attempt=%d after_ms=%d", feed->feed_id, attempt + 1,
                      backoff);
            zclock_sleep(backoff);
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
        }
        //  Lazy Pirate: a fresh socket for every try, so a late answer to an abandoned try can
        //  never be taken for this one's; the feed id makes the retry harmless on the server.
        zsock_t *sock = zsock_new(ZMQ_DEALER);
        zactor_t *monitor = sock ? zactor_new(zmonitor, sock) : NULL;
        if (!sock || !monitor) {
            zactor_destroy(&monitor);
            zsock_destroy(&sock);
            snprintf(why, why_size, "cannot create a socket");
            return NULL;
        }
        zstr_sendx(monitor, "LISTEN", "HANDSHAKE_FAILED_AUTH", "HANDSHAKE_FAILED_PROTOCOL", NULL);
        zstr_send(monitor, "START");
        zsock_wait(monitor);
        zsock_set_linger(sock, 0);
        zcert_apply(client->cert, sock);
        zsock_set_curve_serverkey(sock, client->server_key);
        int refused = 0;
        bus_msg_t *reply = NULL;
        if (zsock_connect(sock, "%s", client->endpoint) != 0)
            snprintf(why, why_size, "cannot connect to %s", client->endpoint);
        else if (bus_send(sock, &feed->base) != 0)
            snprintf(why, why_size, "cannot send to %s", client->endpoint);
        else
            reply = s_wait_reply(sock, monitor, client->timeout_ms, &refused);
        zactor_destroy(&monitor);
        zsock_destroy(&sock);
        if (refused) {
            snprintf(why, why_size,
                     refused == 1 ? "the server refused this key at the handshake (is the unit's "
                                    "public certificate installed on the server?)"
                                  : "the handshake failed (wrong server certificate?)");
            return NULL;
        }
        if (!reply) {
            snprintf(why, why_size,
                     "no answer from %s within %d ms (tried %d times): the server is down or "
                     "unreachable, or the server certificate is not this server's",
                     client->endpoint, client->timeout_ms, attempt + 1);
            continue;
        }
        ProtobufCMessage *body = reply->body;
        reply->body = NULL;
        bus_msg_destroy(&reply);
        if (body->descriptor == &planwatch__v1__error__descriptor &&
            feed_client_is_retryable(((Planwatch__V1__Error *)body)->code) &&
            attempt < client->retries) {
            snprintf(why, why_size, "%s", ((Planwatch__V1__Error *)body)->code);
            codec_free(&body);
            continue;
        }
        return body;
    }
    return NULL;
}

//  One line of the printed receipt.
typedef struct {
    int line;            //  CSV line
    const char *code;    //  reason code
    const char *message; //  Chinese
    const char *source;  //  "file" or "server"
} report_row_t;

static int
s_row_compare(const void *a, const void *b)
{
    const report_row_t *x = a, *y = b;
    return x->line != y->line ? (x->line > y->line) - (x->line < y->line) : 0;
}

//  Prints the receipt merged with the file's own errors, in CSV line order.
static void
s_print(const char *path, const feed_csv_t *file, const Planwatch__V1__Receipt *receipt, int json)
{
    size_t n = file->error_count + (receipt ? receipt->n_errors : 0);
    report_row_t *rows = calloc(n ? n : 1, sizeof *rows);
    if (!rows)
        log_fatal(1, "oom", "what=report");
    size_t k = 0;
    for (size_t i = 0; i < file->error_count; i++)
        rows[k++] = (report_row_t){file->errors[i].line, file->errors[i].code,
                                   file->errors[i].message, "file"};
    for (size_t i = 0; receipt && i < receipt->n_errors; i++)
        rows[k++] = (report_row_t){(int)receipt->errors[i]->line, receipt->errors[i]->reason,
                                   receipt->errors[i]->message, "server"};
    qsort(rows, n, sizeof *rows, s_row_compare);
    unsigned accepted = receipt ? receipt->accepted : 0;
    size_t rejected = n;
    if (json) {
        json_t *errors = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(errors, json_pack("{s:i, s:s, s:s, s:s}", "line", rows[i].line,
                                                    "reason", rows[i].code, "message",
                                                    rows[i].message, "source", rows[i].source));
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:I, s:I, s:o}", "file", path,
                              "encoding", file->encoding, "feed_id", file->feed.feed_id, "unit",
                              receipt ? receipt->unit : "", "dry_run", file->feed.dry_run,
                              "already_seen", receipt ? receipt->already_seen : 0, "received_at",
                              receipt ? receipt->received_at : "", "accepted", (json_int_t)accepted,
                              "rejected", (json_int_t)rejected, "errors", errors);
        char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(text);
        free(text);
        json_decref(o);
        free(rows);
        return;
    }
    //  The first line is the whole verdict (scripts may keep only it).
    printf("回执 receipt: 已接收 accepted %u 行，退回 rejected %zu 行%s%s  (%s)\n", accepted,
           rejected, receipt && receipt->already_seen ? "，此前已接收 already received" : "",
           file->feed.dry_run ? "，试运行 dry run" : "", path);
    printf("  数据包 feed   %s\n", file->feed.feed_id);
    printf("  文件编码      %s\n", file->encoding);
    if (receipt) {
        printf("  报送单位 unit %s\n", receipt->unit);
        if (*receipt->received_at)
            printf("  接收时间 at   %s\n", receipt->received_at);
    }
    if (file->feed.dry_run)
        printf("  试运行：只校验，未写入任何数据 (dry run: nothing was written)\n");
    if (receipt && receipt->already_seen)
        printf("  此数据包此前已接收，本次未重复写入 (already received: this is the first "
               "receipt, nothing was written again)\n");
    for (size_t i = 0; i < n; i++) {
        char where[32];
        snprintf(where, sizeof where, "第 %d 行", rows[i].line);
        printf("  ");
        text_print_padded(stdout, where, 12);
        text_print_padded(stdout, rows[i].code, 22);
        printf("%s\n", rows[i].message);
    }
    free(rows);
}

//  A push that ends without a receipt: one line on stderr, or with --json a document on stdout
//  {"file", "feed_id", "error": {"code", "message"}}, so that a script reads one format.
static void __attribute__((format(printf, 5, 6)))
s_fail(int json, const char *path, const char *feed_id, const char *code, const char *format, ...)
{
    char message[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    if (!json) {
        fprintf(stderr, "planctl feed push: %s: %s\n", path, message);
        return;
    }
    json_t *o = json_pack("{s:s, s:s?, s:{s:s, s:s}}", "file", path, "feed_id", feed_id, "error",
                          "code", code, "message", message);
    if (!o) {
        //  Not UTF-8 (a path, or a message cut inside a character): the code alone as JSON, the
        //  words on stderr.
        fprintf(stderr, "planctl feed push: %s: %s\n", path, message);
        o = json_pack("{s:{s:s}}", "error", "code", code);
    }
    char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (text)
        puts(text);
    free(text);
    json_decref(o);
}

static const char *
s_env(const char *name, const char *fallback)
{
    const char *value = getenv(name);
    return value && *value ? value : fallback;
}

static int
s_push(int argc, char **argv)
{
    int dry_run = 0, json = 0;
    const char *feed_id = NULL;
    const char *cert_path = s_env("PLANCTL_CERT", NULL);
    const char *server_cert_path = s_env("PLANCTL_SERVER_CERT", NULL);
    feed_client_t client = {
        .endpoint = s_env("PLANCTL_INGEST_ENDPOINT", DEFAULT_ENDPOINT),
        .timeout_ms = atoi(s_env("PLANCTL_FEED_TIMEOUT_MS", "15000")),
        .retries = atoi(s_env("PLANCTL_FEED_RETRIES", "4")),
    };
    static const struct option options[] = {{"dry-run", no_argument, NULL, 'n'},
                                            {"json", no_argument, NULL, 'j'},
                                            {"feed-id", required_argument, NULL, 'f'},
                                            {"cert", required_argument, NULL, 'c'},
                                            {"server-cert", required_argument, NULL, 's'},
                                            {"endpoint", required_argument, NULL, 'e'},
                                            {"timeout-ms", required_argument, NULL, 't'},
                                            {"retries", required_argument, NULL, 'r'},
                                            {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'n':
            dry_run = 1;
            break;
        case 'j':
            json = 1;
            break;
        case 'f':
            feed_id = optarg;
            break;
        case 'c':
            cert_path = optarg;
            break;
        case 's':
            server_cert_path = optarg;
            break;
        case 'e':
            client.endpoint = optarg;
            break;
        case 't':
            client.timeout_ms = atoi(optarg);
            break;
        case 'r':
            client.retries = atoi(optarg);
            break;
        default:
            fputs(s_usage, stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fputs(s_usage, stderr);
        return 2;
    }
    if (client.timeout_ms <= 0)
        client.timeout_ms = DEFAULT_TIMEOUT_MS;
    if (client.retries < 0)
        client.retries = DEFAULT_RETRIES;
    const char *path = argv[optind];
    if (!cert_path || !server_cert_path) {
        fprintf(stderr, "planctl feed push: give the unit's secret certificate (--cert or "
                        "PLANCTL_CERT) and the server's public certificate (--server-cert or "
                        "PLANCTL_SERVER_CERT)\n");
        return 2;
    }
    if (feed_id && !feed_client_id_valid(feed_id)) {
        fprintf(stderr,
                "planctl feed push: --feed-id is 1 to 128 characters of A-Z a-z 0-9 . _ : -\n");
        return 2;
    }
    int rc = 2;
    char *bytes = NULL, *id = NULL;
    feed_csv_t *file = NULL;
    zcert_t *server_cert = NULL;
    ProtobufCMessage *reply = NULL;
    client.cert = planctl_cert_load_secret(cert_path);
    server_cert = zcert_load(server_cert_path);
    if (!client.cert) {
        s_fail(json, path, feed_id, "BAD_CERT",
               "%s: not a secret certificate (planctl keys new UNIT writes UNIT.cert_secret)",
               cert_path);
        goto cleanup;
    }
    if (!server_cert) {
        s_fail(json, path, feed_id, "BAD_CERT", "%s: cannot read the server's certificate",
               server_cert_path);
        goto cleanup;
    }
    client.server_key = zcert_public_txt(server_cert);
    const char *unit = zcert_meta(client.cert, "unit");
    if (!unit || !*unit) {
        s_fail(json, path, feed_id, "BAD_CERT", "%s has no unit in its metadata", cert_path);
        goto cleanup;
    }
    size_t size = 0;
    bytes = text_read_file(path, &size);
    if (!bytes) {
        s_fail(json, path, feed_id, "READ_FAILED", "cannot read the file (无法读取文件)");
        goto cleanup;
    }
    char error[512];
    file = feed_csv_parse(bytes, size, error, sizeof error);
    if (!file) {
        s_fail(json, path, feed_id, "BAD_CSV", "%s", error);
        goto cleanup;
    }
    id = feed_id ? strdup(feed_id) : feed_csv_default_id(unit, bytes, size);
    file->feed.feed_id = id;
    file->feed.dry_run = dry_run;
    if (file->feed.n_observations + file->feed.n_milestones == 0) {
        if (file->error_count == 0) {
            s_fail(json, path, id, "EMPTY_FEED", "no data rows (文件中没有数据行)");
            goto cleanup;
        }
        //  Every row is wrong already: nothing to send, the report says why.
        s_print(path, file, NULL, json);
        rc = 1;
        goto cleanup;
    }
    long max_bytes = atol(s_env("PLANCTL_MAX_MESSAGE", "4194304"));
    size_t packed = protobuf_c_message_get_packed_size(&file->feed.base);
    if (max_bytes > 0 && packed > (size_t)max_bytes) {
        s_fail(json, path, id, "MESSAGE_TOO_LARGE",
               "%zu bytes as a message, over the %ld-byte limit; split the file "
               "(文件过大，请拆分后分别报送)",
               packed, max_bytes);
        goto cleanup;
    }
    char why[256];
    reply = feed_client_send(&client, &file->feed, why, sizeof why);
    if (!reply) {
        s_fail(json, path, id, "NOT_SENT", "nothing was sent: %s", why);
        goto cleanup;
    }
    if (reply->descriptor == &planwatch__v1__error__descriptor) {
        const Planwatch__V1__Error *e = (const Planwatch__V1__Error *)reply;
        s_fail(json, path, id, e->code, "refused as a whole: %s %s", e->code, e->message);
        goto cleanup;
    }
    if (reply->descriptor != &planwatch__v1__receipt__descriptor) {
        s_fail(json, path, id, "BAD_ANSWER", "unexpected answer %s", codec_type_name(reply));
        goto cleanup;
    }
    const Planwatch__V1__Receipt *receipt = (const Planwatch__V1__Receipt *)reply;
    s_print(path, file, receipt, json);
    rc = receipt->rejected == 0 && file->error_count == 0 ? 0 : 1;
cleanup:
    codec_free(&reply);
    if (file)
        file->feed.feed_id = NULL;
    free(id);
    feed_csv_destroy(&file);
    free(bytes);
    zcert_destroy(&client.cert);
    zcert_destroy(&server_cert);
    return rc;
}

int
planctl_cmd_feed(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "push") == 0)
        return s_push(argc - 1, argv + 1);
    fputs(s_usage, argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
    return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
}
