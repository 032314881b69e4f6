/*  check_ingest_harness.h - what the ingest suites and the ingest benchmark share: a real
    ingestd process on free loopback ports with its own keys, CURVE clients, feeds on the stack.

    Header-only so that it stays out of the other suites' link (tests/testutil*.c is linked into
    every suite); every function is static and may go unused in one includer.
*/
#ifndef CHECK_INGEST_HARNESS_H
#define CHECK_INGEST_HARNESS_H

#include "testutil.h"

#include "bus.h"
#include "codec.h"
#include "db.h"
#include "service.h"

#include <czmq.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define HARNESS __attribute__((unused)) static

typedef struct {
    char *dir;                    //  temporary directory: keys, logs, CSV files (owned)
    char clients[PATH_MAX];       //  INGEST_CLIENTS_DIR
    char units[PATH_MAX];         //  where `planctl keys new` writes the units' certificates
    char server_cert[PATH_MAX];   //  the server's public certificate
    char server_secret[PATH_MAX]; //  INGEST_CERT
    char log[PATH_MAX];           //  ingestd's stderr
    char feeds[64];               //  INGEST_ENDPOINT as clients reach it
    char changes[64];             //  INGEST_CHANGES_ENDPOINT
    char control[64];             //  INGEST_CONTROL_ENDPOINT
    char db_env[PATH_MAX + 16];   //  "DATABASE_URL=..." for children
    pid_t pid;                    //  the running ingestd, 0 when none
    PGconn *conn;                 //  the test's own connection to the store
} harness_t;

//  A fresh store with the plan loaded, a server key, free ports. Owned; harness_destroy.
HARNESS harness_t *
harness_new(void)
{
    harness_t *h = calloc(1, sizeof *h);
    ck_assert_ptr_nonnull(h);
    h->conn = testutil_db_fresh(1);
    h->dir = testutil_tempdir();
    snprintf(h->clients, sizeof h->clients, "%s/clients", h->dir);
    snprintf(h->units, sizeof h->units, "%s/units", h->dir);
    snprintf(h->server_cert, sizeof h->server_cert, "%s/keys/server.cert", h->dir);
    snprintf(h->server_secret, sizeof h->server_secret, "%s/keys/server.cert_secret", h->dir);
    snprintf(h->log, sizeof h->log, "%s/ingestd.log", h->dir);
    snprintf(h->feeds, sizeof h->feeds, "tcp://127.0.0.1:%d", testutil_free_port());
    snprintf(h->changes, sizeof h->changes, "tcp://127.0.0.1:%d", testutil_free_port());
    snprintf(h->control, sizeof h->control, "tcp://127.0.0.1:%d", testutil_free_port());
    snprintf(h->db_env, sizeof h->db_env, "DATABASE_URL=%s", testutil_db_url());
    char command[PATH_MAX * 3];
    snprintf(command, sizeof command, "mkdir -p %s && %s keys server %s/keys >/dev/null",
             h->clients, testutil_bin("planctl"), h->dir);
    ck_assert_int_eq(testutil_sh(command), 0);
    return h;
}

//  Writes UNIT's certificates with planctl and installs the public one for the server.
HARNESS void
harness_unit(harness_t *h, const char *unit)
{
    char command[PATH_MAX * 4];
    snprintf(command, sizeof command,
             "DATABASE_URL='%s' %s keys new %s --dir %s >/dev/null && cp %s/%s.cert %s/",
             testutil_db_url(), testutil_bin("planctl"), unit, h->units, h->units, unit,
             h->clients);
    ck_assert_int_eq(testutil_sh(command), 0);
}

//  Starts ingestd with extra "NAME=value" entries (NULL-terminated, may be NULL) and waits until
//  it answers a Ping on its control endpoint.
HARNESS void
harness_start_env(harness_t *h, char *const *extra)
{
    static char env[24][PATH_MAX + 64];
    char *envp[32];
    size_t n = 0;
    snprintf(env[n], sizeof env[n], "INGEST_ENDPOINT=%s", h->feeds);
    envp[n] = env[n], n++;
    snprintf(env[n], sizeof env[n], "INGEST_CHANGES_ENDPOINT=%s", h->changes);
    envp[n] = env[n], n++;
    snprintf(env[n], sizeof env[n], "INGEST_CONTROL_ENDPOINT=%s", h->control);
    envp[n] = env[n], n++;
    snprintf(env[n], sizeof env[n], "INGEST_CERT=%s", h->server_secret);
    envp[n] = env[n], n++;
    snprintf(env[n], sizeof env[n], "INGEST_CLIENTS_DIR=%s", h->clients);
    envp[n] = env[n], n++;
    snprintf(env[n], sizeof env[n], "%s", h->db_env);
    envp[n] = env[n], n++;
    snprintf(env[n], sizeof env[n], "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0");
    envp[n] = env[n], n++;
    for (size_t i = 0; extra && extra[i] && n < 30; i++)
        envp[n++] = extra[i];
    envp[n] = NULL;
    char *argv[] = {(char *)testutil_bin("ingestd"), NULL};
    h->pid = testutil_spawn(testutil_bin("ingestd"), argv, envp, h->log);
    //  Up when it answers; a process that exited early fails the test at once.
    int64_t deadline = zclock_mono() + 20000;
    while (zclock_mono() < deadline) {
        int status;
        ck_assert_msg(waitpid(h->pid, &status, WNOHANG) == 0, "ingestd exited at start, see %s",
                      h->log);
        if (service_ping(h->control, 300, NULL) == 0)
            return;
    }
    ck_abort_msg("ingestd did not answer on %s", h->control);
}

HARNESS void
harness_start(harness_t *h)
{
    harness_start_env(h, NULL);
}

//  Stops ingestd with SIGTERM and checks it exited 0 (under ASan: leak-free).
HARNESS void
harness_stop(harness_t *h)
{
    if (!h->pid)
        return;
    int status = testutil_stop(h->pid, SIGTERM);
    h->pid = 0;
    if (status != 0) {
        char command[PATH_MAX + 32];
        snprintf(command, sizeof command, "tail -40 %s >&2", h->log);
        testutil_sh(command);
    }
    ck_assert_int_eq(status, 0);
}

HARNESS void
harness_destroy(harness_t **h_p)
{
    harness_t *h = *h_p;
    if (!h)
        return;
    harness_stop(h);
    //  Sanitized builds: any report from ingestd or planctl fails the test, whatever their
    //  exit status said.
    char command[PATH_MAX * 2];
    snprintf(command, sizeof command,
             "grep -s -E 'Sanitizer|runtime error:' %s/ingestd.log %s/planctl.err >&2", h->dir,
             h->dir);
    int found = testutil_sh(command) == 0;
    ck_assert_msg(!found, "sanitizer report in %s", h->dir);
    if (!getenv("KEEP_TEST_DIR"))
        testutil_rmdir(h->dir);
    free(h->dir);
    PQfinish(h->conn);
    free(h);
    *h_p = NULL;
}

//  A DEALER set up to speak CURVE as unit (its certificate from h->units), not connected.
HARNESS zsock_t *
harness_socket(harness_t *h, const char *unit)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s.cert_secret", h->units, unit);
    zcert_t *cert = zcert_load(path);
    ck_assert_msg(cert != NULL, "no certificate %s", path);
    zcert_t *server = zcert_load(h->server_cert);
    ck_assert_ptr_nonnull(server);
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    zsock_set_linger(sock, 0);
    zcert_apply(cert, sock);
    zsock_set_curve_serverkey(sock, zcert_public_txt(server));
    zcert_destroy(&cert);
    zcert_destroy(&server);
    return sock;
}

//  A DEALER speaking CURVE as unit, connected to ingestd.
HARNESS zsock_t *
harness_client(harness_t *h, const char *unit)
{
    zsock_t *sock = harness_socket(h, unit);
    ck_assert_int_eq(zsock_connect(sock, "%s", h->feeds), 0);
    return sock;
}

//  Sends msg and waits up to timeout_ms for the answer. Returns it (owned) or NULL.
HARNESS bus_msg_t *
harness_request(zsock_t *sock, const ProtobufCMessage *msg, int timeout_ms)
{
    ck_assert_int_eq(bus_send(sock, msg), 0);
    zpoller_t *poller = zpoller_new(sock, NULL);
    bus_msg_t *reply = NULL;
    if (zpoller_wait(poller, timeout_ms) == sock)
        reply = bus_recv(sock, 0, 0);
    zpoller_destroy(&poller);
    return reply;
}

//  Sends msg as unit on a fresh connection and returns the answer (owned), NULL on timeout.
HARNESS bus_msg_t *
harness_push(harness_t *h, const char *unit, const ProtobufCMessage *msg, int timeout_ms)
{
    zsock_t *sock = harness_client(h, unit);
    bus_msg_t *reply = harness_request(sock, msg, timeout_ms);
    zsock_destroy(&sock);
    return reply;
}

//  The Receipt of a reply, failing the test when it is something else.
HARNESS const Planwatch__V1__Receipt *
harness_receipt(const bus_msg_t *reply)
{
    ck_assert_msg(reply != NULL, "no reply");
    ck_assert_int_eq(reply->error, BUS_OK);
    if (reply->body->descriptor == &planwatch__v1__error__descriptor)
        ck_abort_msg("Error %s: %s", ((Planwatch__V1__Error *)reply->body)->code,
                     ((Planwatch__V1__Error *)reply->body)->message);
    ck_assert_ptr_eq(reply->body->descriptor, &planwatch__v1__receipt__descriptor);
    return (const Planwatch__V1__Receipt *)reply->body;
}

//  The code of an Error reply, failing the test when it is something else.
HARNESS const char *
harness_error_code(const bus_msg_t *reply)
{
    ck_assert_msg(reply != NULL, "no reply");
    ck_assert_int_eq(reply->error, BUS_OK);
    ck_assert_ptr_eq(reply->body->descriptor, &planwatch__v1__error__descriptor);
    return ((Planwatch__V1__Error *)reply->body)->code;
}

//  Runs planctl with the unit's certificate and the server's, with arguments args (a shell
//  fragment); returns its stdout (owned), *status its exit status.
HARNESS char *
harness_planctl(harness_t *h, const char *unit, const char *args, int *status)
{
    char command[PATH_MAX * 4];
    snprintf(command, sizeof command,
             "DATABASE_URL='%s' PLANCTL_CERT=%s/%s.cert_secret PLANCTL_SERVER_CERT=%s "
             "PLANCTL_INGEST_ENDPOINT=%s %s %s 2>>%s/planctl.err",
             testutil_db_url(), h->units, unit, h->server_cert, h->feeds, testutil_bin("planctl"),
             args, h->dir);
    return testutil_capture(command, status);
}

//  Writes bytes to dir/name; returns the path (static buffer, one at a time).
HARNESS const char *
harness_file(harness_t *h, const char *name, const char *bytes, size_t size)
{
    static char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", h->dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(bytes, 1, size, f), size);
    fclose(f);
    return path;
}

HARNESS long
harness_count(harness_t *h, const char *sql)
{
    return testutil_db_long(h->conn, sql);
}

// ---------------------------------------------------------------------------------------------
//  Feeds built on the stack; strings are borrowed.

#define BUILDER_ROWS 512

typedef struct {
    Planwatch__V1__Feed feed;                           //  the message
    Planwatch__V1__Observation obs[BUILDER_ROWS];       //  observation storage
    Planwatch__V1__Observation *obs_p[BUILDER_ROWS];    //  what feed.observations points at
    Planwatch__V1__MilestoneReport ms[BUILDER_ROWS];    //  milestone storage
    Planwatch__V1__MilestoneReport *ms_p[BUILDER_ROWS]; //  what feed.milestones points at
} builder_t;

HARNESS void
builder_init(builder_t *b, const char *feed_id)
{
    memset(b, 0, sizeof *b);
    planwatch__v1__feed__init(&b->feed);
    b->feed.feed_id = (char *)feed_id;
    b->feed.observations = b->obs_p;
    b->feed.milestones = b->ms_p;
}

HARNESS void
builder_obs(builder_t *b, const char *indicator, const char *org, const char *period, double value,
            const char *note)
{
    ck_assert_uint_lt(b->feed.n_observations, BUILDER_ROWS);
    Planwatch__V1__Observation *o = &b->obs[b->feed.n_observations];
    planwatch__v1__observation__init(o);
    o->indicator = (char *)indicator;
    o->org = (char *)org;
    o->period = (char *)period;
    o->value = value;
    o->note = (char *)(note ? note : "");
    o->line = (uint32_t)b->feed.n_observations + 2;
    b->obs_p[b->feed.n_observations++] = o;
}

HARNESS void
builder_ms(builder_t *b, const char *task, const char *state, const char *date,
           const char *evidence)
{
    ck_assert_uint_lt(b->feed.n_milestones, BUILDER_ROWS);
    Planwatch__V1__MilestoneReport *m = &b->ms[b->feed.n_milestones];
    planwatch__v1__milestone_report__init(m);
    m->task = (char *)task;
    m->state = (char *)state;
    m->date = (char *)date;
    m->evidence = (char *)(evidence ? evidence : "");
    m->line = (uint32_t)b->feed.n_milestones + 2;
    b->ms_p[b->feed.n_milestones++] = m;
}

#endif
