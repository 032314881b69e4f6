/*  alert_test.h - what the alerter's suites share: status changes written straight into the
    evaluator's tables, data files in a temporary directory, a default configuration. */
#ifndef ALERT_TEST_H
#define ALERT_TEST_H

#include "testutil.h"

#include "alertd.h"
#include "db.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Inserts a status_change row (and its status row) as evaluatord would. Returns its id.
static inline long
alert_test_change(PGconn *conn, const char *key, const char *target, const char *org,
                  const char *period, const char *old_status, const char *new_status, int due_soon,
                  const char *deadline, const char *evidence)
{
    char due[16];
    snprintf(due, sizeof due, "%d", due_soon);
    PGresult *res = db_query(
        conn,
        "WITH c AS (INSERT INTO status_change (key, target, org, period, indicator, unit,"
        " old_status, new_status, progress, due_soon_days, deadline, as_of, evidence)"
        " VALUES ($1, $2, $3, $4, CASE WHEN $1 LIKE 'R|%' THEN split_part($1, '|', 4) END,"
        " CASE WHEN $1 LIKE 'R|%' THEN split_part($1, '|', 2) END, $5, $6, 0.8, $7::int,"
        " $8::date, coalesce((SELECT as_of FROM system_clock), current_date), $9::jsonb)"
        " RETURNING *)"
        " INSERT INTO status (key, target, org, period, indicator, unit, status, progress,"
        " due_soon_days, deadline, as_of, evidence, change_id)"
        " SELECT key, target, org, period, indicator, unit, new_status, progress, due_soon_days,"
        " deadline, as_of, evidence, id FROM c"
        " ON CONFLICT (key) DO UPDATE SET status = excluded.status, change_id = excluded.change_id"
        " RETURNING change_id",
        9,
        DB_PARAMS(key, target, org, period, old_status, new_status, due, deadline,
                  evidence ? evidence : "{}"));
    ck_assert_msg(res != NULL, "status_change insert failed");
    long id = atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    return id;
}

//  An OVERDUE change of target for Hunan, deadline 2025-12-31.
static inline long
alert_test_overdue(PGconn *conn, const char *target)
{
    char key[128];
    snprintf(key, sizeof key, "T|%s|430000|", target);
    return alert_test_change(conn, key, target, "430000", "", "OFF_TRACK", "OVERDUE", 0,
                             "2025-12-31", "{\"value\": 13200, \"rule\": \"level\"}");
}

//  Writes text to dir/name. Returns the path (owned).
static inline char *
alert_test_file(const char *dir, const char *name, const char *text)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert(f != NULL);
    fputs(text, f);
    fclose(f);
    return path;
}

static inline void
alert_test_config(alertd_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->database_url = testutil_db_url();
    c->as_of = "";
    c->fault = "";
    c->group_wait_ms = 0;
    c->group_max = 50;
    c->retry_min_ms = 100;
    c->retry_max_ms = 400;
    c->poll_ms = 200;
    c->http_timeout_ms = 3000;
    c->pub_heartbeat_ms = 500;
    static char plan[PATH_MAX]; //  testutil_repo_path's buffers are reused
    snprintf(plan, sizeof plan, "%s", testutil_repo_path("deploy/plan"));
    c->plan_dir = plan;
}

static inline void
alert_test_clock(PGconn *conn, const char *date)
{
    ck_assert_int_eq(db_exec(conn, "UPDATE system_clock SET as_of = $1::date", 1, DB_PARAMS(date)),
                     0);
}

//  The first column of the first row of a query with one parameter, as a string ("" for none).
static inline char *
alert_test_str(PGconn *conn, const char *sql, const char *param)
{
    char *v = db_scalar(conn, sql, param ? 1 : 0, param ? DB_PARAMS(param) : NULL);
    return v ? v : strdup("");
}

#endif

// ---------------------------------------------------------------------------------------------
//  A real alertd process

#include "service.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

//  testutil_spawn, and the process dies with the test that started it: a failed test leaves no
//  alertd behind to raise alerts in the next suite's store.
static inline pid_t
alert_test_spawn(char *const argv[], char *const env[], const char *log_path)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        for (size_t i = 0; env && env[i]; i++)
            putenv(env[i]);
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 2);
            close(fd);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

typedef struct {
    pid_t pid;          //  the process, 0 when not running
    int control;        //  ports on 127.0.0.1
    int pub;            //  office stream PUB
    int snapshot;       //  office stream snapshot ROUTER
    int eval;           //  the evaluator PUB it connects to
    char log[PATH_MAX]; //  its stderr
    char endpoint[64];  //  control endpoint
} alert_proc_t;

//  Picks ports for a process. eval_port: the evaluator endpoint (0: a free one).
static inline void
alert_proc_init(alert_proc_t *p, const char *dir, const char *name, int eval_port)
{
    memset(p, 0, sizeof *p);
    p->control = testutil_free_port();
    p->pub = testutil_free_port();
    p->snapshot = testutil_free_port();
    p->eval = eval_port ? eval_port : testutil_free_port();
    snprintf(p->log, sizeof p->log, "%s/%s.log", dir, name);
    snprintf(p->endpoint, sizeof p->endpoint, "tcp://127.0.0.1:%d", p->control);
}

//  Starts alertd with the receivers file and extra NAME=value settings (NULL-terminated, may be
//  NULL), waits until it answers Ping. wait_ping 0: does not wait (a process meant to crash).
static inline void
alert_proc_start(alert_proc_t *p, const char *receivers, const char *escalation, char *const *extra,
                 int wait_ping)
{
    static char env[32][PATH_MAX];
    int n = 0;
    snprintf(env[n++], PATH_MAX, "DATABASE_URL=%s", testutil_db_url());
    snprintf(env[n++], PATH_MAX, "ALERT_CONTROL_ENDPOINT=tcp://127.0.0.1:%d", p->control);
    snprintf(env[n++], PATH_MAX, "ALERT_PUB_ENDPOINT=tcp://127.0.0.1:%d", p->pub);
    snprintf(env[n++], PATH_MAX, "ALERT_SNAPSHOT_ENDPOINT=tcp://127.0.0.1:%d", p->snapshot);
    snprintf(env[n++], PATH_MAX, "ALERT_EVAL_ENDPOINT=tcp://127.0.0.1:%d", p->eval);
    snprintf(env[n++], PATH_MAX, "ALERT_RECEIVERS=%s", receivers);
    snprintf(env[n++], PATH_MAX, "ALERT_ESCALATION=%s", escalation);
    snprintf(env[n++], PATH_MAX, "ALERT_CALENDAR=%s",
             testutil_repo_path("deploy/calendar/holidays_cn.csv"));
    snprintf(env[n++], PATH_MAX, "PLAN_DIR=%s", testutil_repo_path("deploy/plan"));
    //  defaults for the tests, which extra may override (later entries win in putenv order)
    snprintf(env[n++], PATH_MAX, "ALERT_DEADMAN_SECONDS=0");
    snprintf(env[n++], PATH_MAX, "ALERT_GROUP_WAIT_MS=0");
    snprintf(env[n++], PATH_MAX, "ALERT_POLL_MS=200");
    snprintf(env[n++], PATH_MAX, "ALERT_RETRY_MIN_MS=100");
    snprintf(env[n++], PATH_MAX, "ALERT_RETRY_MAX_MS=400");
    snprintf(env[n++], PATH_MAX, "ALERT_HTTP_TIMEOUT_MS=3000");
    snprintf(env[n++], PATH_MAX, "ALERT_PUB_HEARTBEAT_MS=300");
    snprintf(env[n++], PATH_MAX, "ALERT_TEST_FAULT=");
    snprintf(env[n++], PATH_MAX, "LOG_LEVEL=info");
    for (size_t i = 0; extra && extra[i] && n < 31; i++)
        snprintf(env[n++], PATH_MAX, "%s", extra[i]);
    char *envp[33];
    for (int i = 0; i < n; i++)
        envp[i] = env[i];
    envp[n] = NULL;
    char *argv[] = {(char *)testutil_bin("alertd"), NULL};
    p->pid = alert_test_spawn(argv, envp, p->log);
    if (!wait_ping)
        return;
    int64_t until = zclock_mono() + 15000;
    int store_ok = 0;
    while (service_ping(p->endpoint, 300, &store_ok) != 0 || !store_ok) {
        int status;
        ck_assert_msg(waitpid(p->pid, &status, WNOHANG) == 0, "alertd exited at start (see %s)",
                      p->log);
        ck_assert_msg(zclock_mono() < until, "alertd does not answer Ping (see %s)", p->log);
        zclock_sleep(20);
    }
}

//  Waits up to timeout_ms for the process to end by itself. Returns its status (128 + signal),
//  -1 when it is still running.
static inline int
alert_proc_wait_exit(alert_proc_t *p, int timeout_ms)
{
    int64_t until = zclock_mono() + timeout_ms;
    while (zclock_mono() < until) {
        int status;
        if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
            p->pid = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        zclock_sleep(20);
    }
    return -1;
}

//  Stops it with sig. Returns the exit status.
static inline int
alert_proc_stop(alert_proc_t *p, int sig)
{
    if (!p->pid)
        return -1;
    int rc = testutil_stop(p->pid, sig);
    p->pid = 0;
    return rc;
}

//  Polls a count query until it reaches n or timeout_ms passes. Returns the last count.
static inline long
alert_test_wait_count(PGconn *conn, const char *sql, long n, int timeout_ms)
{
    int64_t until = zclock_mono() + timeout_ms;
    long v;
    while ((v = testutil_db_long(conn, sql)) < n && zclock_mono() < until)
        zclock_sleep(25);
    return v;
}

//  True when the file holds the text.
static inline int
alert_test_file_has(const char *path, const char *text)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[8192];
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, text) != NULL;
    fclose(f);
    return found;
}
