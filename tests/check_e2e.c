/*  check_e2e.c - one full round through `make up`: docker-compose.yml's configuration run as local
    processes by deploy/up.sh (the shared env file deploy/planwatch.env, its fixed ports, the
    one-shot migration, the restart loop), driven only through planctl as its users drive it:
    a department reports a milestone, a city sends a feed with a bad row, the office reads the
    status and the alerts; a service killed with -9 comes back; `down` stops everything cleanly.
    And the environment up.sh starts each service with is the one `docker-compose config` gives
    it: the same variables, nothing of the caller's (but DATABASE_URL, PATH and HOME).

    It uses the real ports 7701-7715 of the env file: it refuses to run when something already
    listens there (a `make up` or `make demo` in progress). */
#include "testutil.h"

#include "db.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char s_env[PATH_MAX * 2]; //  "DATABASE_URL=... PLANWATCH_BIN=..." for every command
static char s_planctl[PATH_MAX]; //  the build's planctl

//  Runs a command of the repository with the test's environment; returns its stdout (owned).
static char *
s_run(const char *command, int *status)
{
    char line[PATH_MAX * 4];
    testutil_format(line, sizeof line, "cd %s && %s %s 2>&1", testutil_repo_path(""), s_env,
                    command);
    return testutil_capture(line, status);
}

//  Runs a command that must succeed; fails the test with its output otherwise.
static void
s_ok(const char *command)
{
    int status = 0;
    char *out = s_run(command, &status);
    ck_assert_msg(status == 0, "%s: exit %d\n%s", command, status, out);
    free(out);
}

//  The status of one subject key from `planctl status --format json` (owned), or NULL.
static char *
s_status_of(const char *key)
{
    int status = 0;
    char command[PATH_MAX + 32];
    snprintf(command, sizeof command, "%s status --format json", s_planctl);
    char *out = s_run(command, &status);
    ck_assert_int_eq(status, 0);
    char probe[128];
    snprintf(probe, sizeof probe, "\"key\": \"%s\"", key);
    char *at = strstr(out, probe);
    char *result = NULL;
    if (at && (at = strstr(at, "\"status\": \""))) {
        at += strlen("\"status\": \"");
        result = strndup(at, strcspn(at, "\""));
    }
    free(out);
    return result;
}

//  Writes text to a file under the test's directory; returns the path (static buffer).
static const char *
s_file(const char *dir, const char *name, const char *text)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

//  The pid in var/run/NAME.pid, 0 when none.
static long
s_pid(const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "var/run/%s.pid", name);
    FILE *f = fopen(testutil_repo_path(path), "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return pid;
}

//  Everything the office's stream has carried so far, read as a late subscriber would: from
//  sequence 0 through alertd's snapshot (the Clone pattern). Owned JSON lines.
static char *
s_stream(PGconn *conn)
{
    long count = testutil_db_long(conn, "SELECT count(*) FROM alert_stream");
    char command[PATH_MAX + 64];
    snprintf(command, sizeof command, "%s alerts tail --json --since 0 --count %ld --timeout 20",
             s_planctl, count);
    int st = 0;
    char *out = s_run(command, &st);
    ck_assert_msg(st == 0, "alerts tail: exit %d\n%s", st, out);
    return out;
}

//  True when something listens on 127.0.0.1:port.
static int
s_port_busy(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int busy = connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
    close(fd);
    return busy;
}

//  A planctl command line (static buffer).
static const char *
s_planctl_cmd(const char *args)
{
    static char command[PATH_MAX * 2];
    snprintf(command, sizeof command, "%s %s", s_planctl, args);
    return command;
}

START_TEST(test_e2e_full_round_through_make_up)
{
    //  Nothing of a developer's own `make up` may be running on the env file's ports.
    ck_assert_msg(!s_port_busy(7701) && !s_port_busy(7704),
                  "ports 7701/7704 are in use: stop `make up` (make down) first");

    PGconn *conn = testutil_db_fresh(1);
    const char *bin = getenv("PLANWATCH_BIN");
    snprintf(s_env, sizeof s_env, "DATABASE_URL='%s' PLANWATCH_BIN='%s' LOG_LEVEL=info",
             testutil_db_url(), bin && *bin ? bin : testutil_repo_path("bin"));
    snprintf(s_planctl, sizeof s_planctl, "%s", testutil_bin("planctl"));

    s_ok("deploy/certs.sh");
    //  The plan's 2022 deadlines have just passed: 国企改革三年行动 (T4.4-1) is not reported done.
    s_ok(s_planctl_cmd("clock set 2023-01-05"));
    s_ok("deploy/up.sh up");
    s_ok("deploy/up.sh status");
    s_ok(s_planctl_cmd("pipeline wait --timeout 60"));
    char *status = s_status_of("T|T4.4-1|430000|");
    ck_assert_str_eq(status ? status : "(none)", "OVERDUE");
    free(status);

    //  The office hears of it on its stream (a late subscriber: the snapshot catches it up).
    int st = 0;
    char *alerts = s_stream(conn);
    char *mine = strstr(alerts, "\"key\":\"OVERDUE|T4.4-1|430000|2022-12-31\"");
    ck_assert_msg(mine && strstr(mine, "省国资委"), "the office's stream: %s", alerts);
    free(alerts);

    //  省国资委 reports it done (on time, on 20 December), with its own key.
    char *dir = testutil_tempdir();
    const char *milestone =
        s_file(dir, "sasac.csv", "task,state,date,evidence\nT4.4-1,done,2022-12-20,总结报告\n");
    char push[PATH_MAX * 3];
    snprintf(push, sizeof push,
             "PLANCTL_CERT=deploy/certs/units/P_SASAC.cert_secret"
             " PLANCTL_SERVER_CERT=deploy/certs/server/server.cert %s feed push %s",
             s_planctl, milestone);
    char *out = s_run(push, &st);
    ck_assert_msg(st == 0 && strstr(out, "已接收 accepted 1"), "push: %s", out);
    free(out);

    //  长沙 sends a feed with one row that is not its to send: that row is named and refused,
    //  the good one is kept.
    const char *feed = s_file(dir, "changsha.csv",
                              "org,indicator,period,value,note\n"
                              "430100,HTE_COUNT,2022,4300,\n"
                              "430200,HTE_COUNT,2022,900,株洲的数据\n");
    snprintf(push, sizeof push,
             "PLANCTL_CERT=deploy/certs/units/GOV_430100.cert_secret"
             " PLANCTL_SERVER_CERT=deploy/certs/server/server.cert %s feed push %s",
             s_planctl, feed);
    out = s_run(push, &st);
    ck_assert_msg(st == 1 && strstr(out, "第 3 行") && strstr(out, "UNIT_NOT_ALLOWED"),
                  "push: exit %d\n%s", st, out);
    free(out);
    ck_assert_int_eq(testutil_db_long(conn, "SELECT count(*) FROM observation"), 1);

    //  The milestone clears the alert: ACHIEVED, and a RESOLVED on the stream.
    s_ok(s_planctl_cmd("pipeline wait --timeout 60"));
    status = s_status_of("T|T4.4-1|430000|");
    ck_assert_str_eq(status ? status : "(none)", "ACHIEVED");
    free(status);
    alerts = s_stream(conn);
    mine = strstr(alerts, "\"key\":\"RESOLVED|OVERDUE|T4.4-1|430000|2022-12-31");
    ck_assert_msg(mine != NULL, "no RESOLVED for T4.4-1 on the stream: %s", alerts);
    free(alerts);
    ck_assert_int_eq(testutil_db_long(conn, "SELECT count(*) FROM alert WHERE target = 'T4.4-1'"
                                            " AND kind = 'OVERDUE' AND state = 'resolved'"),
                     1);

    //  The restart policy: evaluatord killed with -9 is started again and catches up.
    long before = s_pid("evaluatord");
    ck_assert_int_gt(before, 0);
    kill((pid_t)before, SIGKILL);
    int healthy = 0;
    for (int i = 0; i < 100 && !healthy; i++) {
        usleep(100 * 1000);
        long now = s_pid("evaluatord");
        if (now > 0 && now != before) {
            int rc = 0;
            free(s_run("deploy/up.sh status", &rc));
            healthy = rc == 0;
        }
    }
    ck_assert_msg(healthy, "evaluatord did not come back after kill -9");
    s_ok("deploy/up.sh status");

    //  ... and the figures pushed before the kill are all judged after it
    s_ok(s_planctl_cmd("pipeline wait --timeout 60"));

    //  down: every service finishes its work and exits 0 on SIGTERM (up.sh logs the status)
    s_ok("deploy/up.sh down");
    free(s_run("deploy/up.sh status", &st));
    ck_assert_int_ne(st, 0);
    const char *names[] = {"ingestd", "evaluatord", "alertd"};
    for (int i = 0; i < 3; i++) {
        char grep[PATH_MAX];
        snprintf(grep, sizeof grep,
                 "tail -n 1 %s/var/log/%s.log | grep -q 'stopped, exit status 0'",
                 testutil_repo_path(""), names[i]);
        ck_assert_msg(testutil_sh(grep) == 0, "%s did not stop cleanly", names[i]);
    }
    testutil_rmdir(dir);
    free(dir);
    PQfinish(conn);
}
END_TEST

//  The environment docker-compose.yml gives service, as `docker-compose config` run in dir
//  resolves it (env_file entries merged into environment): sorted NAME=value lines, DATABASE_URL
//  left out (compose builds it from PLANWATCH_DB_PASSWORD, up.sh takes the caller's), the $$ by
//  which config's output escapes a literal $ read back as the $ the container gets. Owned.
static char *
s_compose_env(const char *dir, const char *service)
{
    char command[PATH_MAX * 2];
    snprintf(command, sizeof command,
             "cd '%s' && docker-compose config | python3 -c \"import sys, yaml;"
             " e = yaml.safe_load(sys.stdin)['services'][sys.argv[1]].get('environment') or {};"
             " sys.stdout.write(''.join('%%s=%%s\\n' %% (k, str(e[k]).replace('\\$\\$', '\\$'))"
             " for k in sorted(e) if k != 'DATABASE_URL'))\" %s",
             dir, service);
    int status = 0;
    char *out = testutil_capture(command, &status);
    ck_assert_msg(status == 0, "docker-compose config in %s: exit %d", dir, status);
    return out;
}

//  The environment `deploy/up.sh env SERVICE` of dir's copy gives service, with a caller's
//  environment full of settings that must not reach it: sorted NAME=value lines without
//  DATABASE_URL, PATH and HOME. Owned.
static char *
s_up_env(const char *dir, const char *service)
{
    char command[PATH_MAX * 2];
    snprintf(command, sizeof command,
             "cd / && DATABASE_URL=postgresql:///e2e INGEST_MAX_MESSAGE=2048 LOG_LEVEL=debug"
             " E2E_CALLER_ONLY=leak '%s/deploy/up.sh' env %s"
             " | grep -v -E '^(DATABASE_URL|PATH|HOME)='",
             dir, service);
    int status = 0;
    char *out = testutil_capture(command, &status);
    ck_assert_msg(status == 0, "up.sh env %s: exit %d", service, status);
    return out;
}

//  `make up` runs what compose would: for each service, up.sh's environment equals the one
//  `docker-compose config` yields (compared on a copy of the files with a stand-in .env, so that
//  a developer's own .env is neither needed nor read). Where the two must differ, up.sh's header
//  says why: DATABASE_URL, PATH and HOME are left out here.
START_TEST(test_e2e_up_env_is_compose_env)
{
    if (testutil_sh("command -v docker-compose >/dev/null && python3 -c 'import yaml'") != 0) {
        fprintf(stderr, "e2e: docker-compose (make deps installs it) is missing: the comparison of"
                        " up.sh's environment with docker-compose config's is skipped\n");
        return;
    }
    char *dir = testutil_tempdir();
    char command[PATH_MAX * 4];
    snprintf(command, sizeof command,
             "cd %s && mkdir '%s/deploy' && cp docker-compose.yml '%s/' &&"
             " cp deploy/planwatch.env deploy/up.sh '%s/deploy/' &&"
             " printf 'PLANWATCH_DB_PASSWORD=e2e\\nPLANWATCH_UID=4321\\nE2E_HOOK_SECRET=s3cret\\n"
             "# a secret with shell syntax in it, and a quoted one: taken literally, never run\\n"
             "E2E_SHELLY=a&b;c `id` $HOME\\nE2E_QUOTED=\"two words\"\\n'"
             " >'%s/.env'",
             testutil_repo_path(""), dir, dir, dir, dir);
    ck_assert_int_eq(testutil_sh(command), 0);
    const char *services[] = {"ingestd", "evaluatord", "alertd", "migrate"};
    for (int i = 0; i < 4; i++) {
        char *compose = s_compose_env(dir, services[i]);
        char *up = s_up_env(dir, services[i]);
        ck_assert_msg(strstr(compose, "LOG_LEVEL=info\n"),
                      "%s: no LOG_LEVEL in docker-compose config's environment:\n%s", services[i],
                      compose);
        ck_assert_msg(strcmp(compose, up) == 0,
                      "%s: up.sh's environment differs from docker-compose's\n"
                      "compose:\n%s\nup.sh:\n%s",
                      services[i], compose, up);
        //  .env is alertd's env_file only: the receivers' secrets reach alertd and no one else
        int secret = strstr(up, "E2E_HOOK_SECRET=s3cret\n") != NULL;
        ck_assert_int_eq(secret, strcmp(services[i], "alertd") == 0);
        if (secret) {
            ck_assert_ptr_nonnull(strstr(up, "E2E_SHELLY=a&b;c `id` $HOME\n"));
            ck_assert_ptr_nonnull(strstr(up, "E2E_QUOTED=two words\n"));
        }
        ck_assert_ptr_null(strstr(up, "E2E_CALLER_ONLY"));
        free(compose);
        free(up);
    }
    testutil_rmdir(dir);
    free(dir);
}
END_TEST

static Suite *
e2e_suite(void)
{
    Suite *s = suite_create("e2e");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 300);
    tcase_add_test(core, test_e2e_full_round_through_make_up);
    tcase_add_test(core, test_e2e_up_env_is_compose_env);
    suite_add_tcase(s, core);
    return s;
}

TESTUTIL_MAIN(e2e_suite)
