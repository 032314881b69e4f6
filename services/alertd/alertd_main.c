/*  alertd_main.c - thin main: configuration, the data files, start the server actor, wait */
#include "alertd.h"

#include "config.h"
#include "log.h"
#include "service.h"

#include <curl/curl.h>

static alertd_config_t s_config;
static alertd_setup_t s_setup; //  the data files the configuration names

static const config_setting_t s_table[] = {
    {"DATABASE_URL", CONFIG_STRING, NULL, 0, 0, 1, "the store (libpq URL)", &s_config.database_url},
    {"ALERT_EVAL_ENDPOINT", CONFIG_ENDPOINT, "tcp://127.0.0.1:7703", 0, 0, 0,
     "evaluatord's PUB: StatusChange prompts and Heartbeats", &s_config.eval_endpoint},
    {"ALERT_PUB_ENDPOINT", CONFIG_ENDPOINT, "tcp://*:7704", 0, 0, 0,
     "office stream PUB (planwatch.v1.Alert with seq, StreamHeartbeat)", &s_config.pub_endpoint},
    {"ALERT_SNAPSHOT_ENDPOINT", CONFIG_ENDPOINT, "tcp://*:7705", 0, 0, 0,
     "office stream snapshot ROUTER (SnapshotRequest)", &s_config.snapshot_endpoint},
    {"ALERT_CONTROL_ENDPOINT", CONFIG_ENDPOINT, "tcp://127.0.0.1:7715", 0, 0, 0,
     "health check ROUTER (Ping/Pong, alertd --ping)", &s_config.control_endpoint},
    {"ALERT_AS_OF", CONFIG_DATE, "", 0, 0, 0,
     "fixed today YYYY-MM-DD (empty: the store's clock, else the system date)", &s_config.as_of},
    {"ALERT_RECEIVERS", CONFIG_STRING, "deploy/alerting/receivers.csv", 0, 0, 0,
     "receivers file: which kinds and units go where", &s_config.receivers_path},
    {"ALERT_ESCALATION", CONFIG_STRING, "deploy/alerting/escalation.csv", 0, 0, 0,
     "reminder and escalation settings per alert kind", &s_config.escalation_path},
    {"ALERT_CALENDAR", CONFIG_STRING, "deploy/calendar/holidays_cn.csv", 0, 0, 0,
     "holidays and make-up working days (working-day arithmetic)", &s_config.calendar_path},
    {"PLAN_DIR", CONFIG_STRING, "deploy/plan", 0, 0, 0,
     "the plan's CSV files: receivers' units and escalate_to must be codes of resp_units.csv",
     &s_config.plan_dir},
    {"ALERT_DEADMAN_SECONDS", CONFIG_INT, "60", 0, 86400, 0,
     "PIPELINE_DOWN after the evaluator is silent this long (0: off)", &s_config.deadman_seconds},
    {"ALERT_GROUP_WAIT_MS", CONFIG_INT, "30000", 0, 3600000, 0,
     "storm grouping window per receiver and lead unit (0: one message per alert)",
     &s_config.group_wait_ms},
    {"ALERT_GROUP_MAX", CONFIG_INT, "50", 1, 1000, 0, "most alerts listed in one message",
     &s_config.group_max},
    {"ALERT_RETRY_MIN_MS", CONFIG_INT, "1000", 1, 3600000, 0,
     "first retry delay of a failing receiver", &s_config.retry_min_ms},
    {"ALERT_RETRY_MAX_MS", CONFIG_INT, "300000", 1, 86400000, 0,
     "cap of the exponential retry backoff", &s_config.retry_max_ms},
    {"ALERT_POLL_MS", CONFIG_INT, "2000", 10, 600000, 0,
     "store poll interval: catch-up, reminders, dead man's switch", &s_config.poll_ms},
    {"ALERT_HTTP_TIMEOUT_MS", CONFIG_INT, "10000", 100, 600000, 0,
     "one webhook POST or SMTP exchange at most", &s_config.http_timeout_ms},
    {"ALERT_PUB_HEARTBEAT_MS", CONFIG_INT, "5000", 100, 600000, 0,
     "StreamHeartbeat interval on the office stream", &s_config.pub_heartbeat_ms},
    {"ALERT_TEST_FAULT", CONFIG_STRING, "", 0, 0, 0,
     "TEST ONLY: crash_after_commit or crash_after_send (SIGKILL itself once)", &s_config.fault},
};

//  The receivers, escalation and calendar files, read before the config line: a bad one is
//  refused with one line per problem (alertd_setup_load prints them) and nothing else.
static int
s_check(void *args, char *error, size_t error_size)
{
    (void)error_size;
    *error = '\0';
    return alertd_setup_load(&s_setup, args);
}

int
main(int argc, char **argv)
{
    int rc =
        service_start("alertd", argc, argv, s_table, sizeof s_table / sizeof s_table[0],
                      "alertd [--help | --version | --ping]",
                      "Turns the evaluator's status changes into alerts and delivers them to "
                      "the supervision office (省政府督查室): office stream, webhooks, e-mail.",
                      &s_config.control_endpoint, s_check, &s_config);
    if (rc != SERVICE_RUN)
        return rc;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    zactor_t *server = zactor_new(server_actor, &s_setup);
    char *status = server ? zstr_recv(server) : NULL;
    rc = status && !strcmp(status, "READY") ? 0 : 1;
    zstr_free(&status);
    //  Until SIGTERM/SIGINT (zsys_interrupted) or the server's end.
    while (rc == 0 && !zsys_interrupted) {
        zpoller_t *poller = zpoller_new(server, NULL);
        void *which = zpoller_wait(poller, 500);
        bool ended = which != NULL;
        zpoller_destroy(&poller);
        if (ended) {
            log_errx("alertd.server_ended", "reason=unexpected");
            rc = 1;
        }
    }
    zactor_destroy(&server);
    curl_global_cleanup();
    alertd_setup_free(&s_setup);
    log_info("alertd.exit", "status=%d", rc);
    return rc;
}
