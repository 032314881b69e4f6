/*  service.c - the command line, configuration and health check every daemon shares */
#include "service.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
service_start(const char *name, int argc, char **argv, const config_setting_t *table, size_t count,
              const char *usage, const char *summary, const char *const *control_endpoint,
              service_check_fn *check, void *check_args)
{
    int ping = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            config_print_help(stdout, usage, summary, table, count);
            printf("  %-24s %s\n  %-24s   default: info\n", "LOG_LEVEL",
                   "debug, info, warn or error", "");
            return 0;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("%s %s\n", name, PLANWATCH_VERSION);
            return 0;
        }
        if (!strcmp(argv[i], "--ping"))
            ping = 1;
        else {
            fprintf(stderr, "%s: unknown argument '%s' (try --help)\n", name, argv[i]);
            return 2;
        }
    }
    char error[512];
    const char *level_name = getenv("LOG_LEVEL");
    log_level_t level = LOG_LEVEL_INFO;
    if (level_name && log_level_parse(level_name, &level) != 0) {
        fprintf(stderr, "%s: LOG_LEVEL=%s: expected debug, info, warn or error\n", name,
                level_name);
        return 2;
    }
    if (config_load(table, count, error, sizeof error) != 0) {
        fprintf(stderr, "%s: %s\n", name, error);
        return 2;
    }
    log_init(name, ping ? LOG_LEVEL_ERROR : level);
    if (ping) {
        int store_ok = 0;
        int rc = control_endpoint ? service_ping(*control_endpoint, 2000, &store_ok) : -1;
        printf("%s: %s\n", name, rc != 0 ? "no answer" : store_ok ? "ok" : "up, store unreachable");
        return rc == 0 && store_ok ? 0 : 1;
    }
    //  Before the config line: a bad setting is the one line the operator sees.
    error[0] = '\0';
    if (check && check(check_args, error, sizeof error) != 0) {
        if (*error)
            fprintf(stderr, "%s: %s\n", name, error);
        return 2;
    }
    //  The CZMQ signal handler only sets zsys_interrupted; servers finish the message in hand.
    zsys_init();
    zsys_set_logstream(NULL);
    config_log(table, count);
    return SERVICE_RUN;
}

int
service_ping(const char *endpoint, int timeout_ms, int *store_ok)
{
    char address[256];
    bus_connect_endpoint(endpoint, address, sizeof address);
    zsock_t *req = zsock_new(ZMQ_REQ);
    if (!req)
        return -1;
    zsock_set_linger(req, 0);
    zsock_set_rcvtimeo(req, timeout_ms);
    zsock_set_sndtimeo(req, timeout_ms);
    int rc = -1;
    uint64_t nonce = (uint64_t)zclock_usecs();
    Planwatch__V1__Ping ping = PLANWATCH__V1__PING__INIT;
    ping.nonce = nonce;
    if (zsock_connect(req, "%s", address) == 0 && bus_send(req, &ping.base) == 0) {
        bus_msg_t *reply = bus_recv(req, 0, 0);
        if (reply && reply->error == BUS_OK &&
            reply->body->descriptor == &planwatch__v1__pong__descriptor) {
            Planwatch__V1__Pong *pong = (Planwatch__V1__Pong *)reply->body;
            if (pong->nonce == nonce) {
                rc = 0;
                if (store_ok)
                    *store_ok = pong->store_ok;
            }
        }
        bus_msg_destroy(&reply);
    }
    zsock_destroy(&req);
    return rc;
}

int
service_answer_ping(zsock_t *router, const bus_msg_t *ping, const char *name, int store_ok)
{
    Planwatch__V1__Pong pong = PLANWATCH__V1__PONG__INIT;
    pong.nonce = ((const Planwatch__V1__Ping *)ping->body)->nonce;
    pong.service = (char *)name;
    pong.version = PLANWATCH_VERSION;
    pong.store_ok = store_ok;
    return bus_reply(router, ping, &pong.base);
}
