/*  ingestd_main.c - thin main: configuration, signals, start the ingest server actor, wait */
#include "ingestd.h"

#include "config.h"
#include "log.h"
#include "service.h"

#include <stdio.h>
#include <string.h>

//  The settings the table cannot check, before the config line. The key files are read again
//  when the server starts (ingestd_auth_new, the same checks): here they make a deployment's
//  usual mistakes (no certificates yet, a container user that cannot read them) one line.
static int
s_check(void *args, char *error, size_t error_size)
{
    const ingestd_config_t *c = args;
    if (*c->fault && strcmp(c->fault, "crash_after_commit") != 0) {
        snprintf(error, error_size, "INGEST_FAULT=%s: expected crash_after_commit or nothing",
                 c->fault);
        return -1;
    }
    zcert_t *cert = ingestd_auth_load_keys(c->cert_path, c->clients_dir, error, error_size);
    if (!cert)
        return -1;
    zcert_destroy(&cert);
    return 0;
}

int
main(int argc, char **argv)
{
    ingestd_config_t c = {0};
    const config_setting_t table[] = {
        {"INGEST_ENDPOINT", CONFIG_ENDPOINT, "tcp://*:7701", 0, 0, 0,
         "where reporting units connect: ROUTER, CURVE server, ZAP-authenticated", &c.endpoint},
        {"INGEST_CHANGES_ENDPOINT", CONFIG_ENDPOINT, "tcp://*:7702", 0, 0, 0,
         "PUB of planwatch.v1.ChangeNotice after each committed feed (evaluatord)",
         &c.changes_endpoint},
        {"INGEST_CONTROL_ENDPOINT", CONFIG_ENDPOINT, "tcp://127.0.0.1:7711", 0, 0, 0,
         "health checks (Ping/Pong), no CURVE: keep it on loopback", &c.control_endpoint},
        {"DATABASE_URL", CONFIG_STRING, NULL, 0, 0, 1, "the store (libpq URL)", &c.database_url},
        {"INGEST_CERT", CONFIG_STRING, "var/keys/server.cert_secret", 0, 0, 0,
         "the server's secret certificate (planctl keys server DIR)", &c.cert_path},
        {"INGEST_CLIENTS_DIR", CONFIG_STRING, "var/keys/clients", 0, 0, 0,
         "directory of allowed units' public certificates (UNIT.cert)", &c.clients_dir},
        {"INGEST_MAX_MESSAGE", CONFIG_INT, "4194304", 1024, 64L * 1024 * 1024, 0,
         "largest Feed payload in bytes; larger ones get MESSAGE_TOO_LARGE", &c.max_message},
        {"INGEST_AS_OF", CONFIG_DATE, "", 0, 0, 0,
         "fixed today for period checks (YYYY-MM-DD); empty: the store's clock", &c.as_of},
        {"INGEST_STORE_WAIT_MS", CONFIG_INT, "3000", 0, 600000, 0,
         "how long a feed waits for a lost store before STORE_UNAVAILABLE", &c.store_wait_ms},
        {"INGEST_FAULT", CONFIG_STRING, "", 0, 0, 0,
         "TEST ONLY: crash_after_commit kills ingestd after a commit, before the reply", &c.fault},
    };
    const size_t count = sizeof table / sizeof table[0];
    int rc = service_start("ingestd", argc, argv, table, count, "ingestd [--help|--version|--ping]",
                           "The one door for figures: authenticated feeds, validated, committed, "
                           "acknowledged.",
                           &c.control_endpoint, s_check, &c);
    if (rc != SERVICE_RUN)
        return rc;
    if (*c.fault)
        log_warnx("fault.armed", "fault=%s note=\"test only\"", c.fault);
    zactor_t *server = zactor_new(ingestd_server_actor, &c);
    if (!server)
        log_fatal(1, "oom", "what=server");
    zstr_send(server, "START");
    if (zsock_wait(server) != 0) {
        zactor_destroy(&server);
        fprintf(stderr, "ingestd: could not start (see the log above)\n");
        return 2;
    }
    //  Wait for a signal, or for the server to end on its own (it only does when interrupted).
    //  The server finishes the message in hand before it stops.
    zpoller_t *poller = zpoller_new(server, NULL);
    while (!zsys_interrupted)
        if (zpoller_wait(poller, 1000))
            break;
    zpoller_destroy(&poller);
    zactor_destroy(&server);
    log_info("stopped", "reason=%s", zsys_interrupted ? "signal" : "server_ended");
    return 0;
}
