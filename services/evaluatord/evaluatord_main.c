/*  evaluatord_main.c - thin main: configuration, start the server actor, wait */
#include "evaluatord.h"

#include "config.h"
#include "log.h"
#include "service.h"

#include <stdio.h>
#include <string.h>

static evaluatord_config_t s_config;

static const config_setting_t s_table[] = {
    {"DATABASE_URL", CONFIG_STRING, NULL, 0, 0, 1, "the store (libpq URL)", &s_config.database_url},
    {"EVAL_INGEST_ENDPOINT", CONFIG_ENDPOINT, "tcp://127.0.0.1:7702", 0, 0, 0,
     "ingestd's PUB of ChangeNotice prompts (SUB connects)", &s_config.ingest_endpoint},
    {"EVAL_PUB_ENDPOINT", CONFIG_ENDPOINT, "tcp://*:7703", 0, 0, 0,
     "PUB of StatusChange and Heartbeat (bound)", &s_config.pub_endpoint},
    {"EVAL_CONTROL_ENDPOINT", CONFIG_ENDPOINT, "tcp://127.0.0.1:7713", 0, 0, 0,
     "health check ROUTER (Ping/Pong, evaluatord --ping)", &s_config.control_endpoint},
    {"EVAL_AS_OF", CONFIG_DATE, "", 0, 0, 0,
     "fixed today YYYY-MM-DD (empty: the store's clock, else the system date)", &s_config.as_of},
    {"EVAL_DUE_SOON_DAYS", CONFIG_STRING, "90,30,7", 0, 0, 0,
     "due-soon lead times in days, comma-separated", &s_config.due_soon_text},
    {"EVAL_HEARTBEAT_MS", CONFIG_INT, "5000", 100, 600000, 0,
     "Heartbeat interval on the PUB and in service_state", &s_config.heartbeat_ms},
    {"EVAL_TICK_MS", CONFIG_INT, "1000", 10, 3600000, 0,
     "how often the date and the store's change id are checked", &s_config.tick_ms},
    {"EVAL_LOAD_STREAMS", CONFIG_INT, "2", 1, 8, 0,
     "store connections a full judgement reads the figures over, in one snapshot",
     &s_config.load_streams},
};

//  EVAL_DUE_SOON_DAYS is a list the table cannot check: parsed here, before the config line.
static int
s_check(void *args, char *error, size_t error_size)
{
    evaluatord_config_t *c = args;
    int n = judge_parse_leads(c->due_soon_text, c->leads, EVALUATORD_LEADS_MAX);
    if (n < 0) {
        snprintf(error, error_size,
                 "EVAL_DUE_SOON_DAYS=%s: expected up to %d positive day counts separated by "
                 "commas, e.g. 90,30,7",
                 c->due_soon_text, EVALUATORD_LEADS_MAX);
        return -1;
    }
    c->lead_count = (size_t)n;
    return 0;
}

int
main(int argc, char **argv)
{
    int rc = service_start("evaluatord", argc, argv, s_table, sizeof s_table / sizeof s_table[0],
                           "evaluatord [--help | --version | --ping]",
                           "Judges every target and reporting duty of the plan as of the store's "
                           "clock and publishes each status change to the alerter.",
                           &s_config.control_endpoint, s_check, &s_config);
    if (rc != SERVICE_RUN)
        return rc;
    zactor_t *server = zactor_new(evaluatord_server_actor, &s_config);
    char *status = server ? zstr_recv(server) : NULL;
    rc = status && !strcmp(status, "READY") ? 0 : 1;
    zstr_free(&status);
    //  Until SIGTERM/SIGINT (zsys_interrupted) or the server's end.
    while (rc == 0 && !zsys_interrupted) {
        zpoller_t *poller = zpoller_new(server, NULL);
        void *which = zpoller_wait(poller, 500);
        zpoller_destroy(&poller);
        if (which) {
            log_errx("eval.server_ended", "reason=unexpected");
            rc = 1;
        }
    }
    //  $TERM: the server finishes the round in hand, then stops.
    zactor_destroy(&server);
    log_info("eval.exit", "status=%d", rc);
    return rc;
}
