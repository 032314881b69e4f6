/*  testutil.h - what the check suites share: a fresh real store, service processes, free ports.

    Suites run against a real PostgreSQL (TEST_DATABASE_URL, set by `make test`) and real ZeroMQ
    sockets; nothing here mocks either.
*/
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <check.h>
#include "log.h"
#include <libpq-fe.h>
#include <sys/types.h>

//  The test store's URL (TEST_DATABASE_URL, else DATABASE_URL). Fails the test when neither is set.
const char *testutil_db_url(void);

//  Empties the test store (drops and recreates schema public), applies the migrations and, if
//  load_plan, loads the plan from deploy/plan. Returns an owned connection; fails the test on
//  any error.
PGconn *testutil_db_fresh(int load_plan);

//  Connects to the test store without changing it. Owned; fails the test on error.
PGconn *testutil_db_connect(void);

//  The first column of the first row of a constant query, as a long (fails the test on error).
long testutil_db_long(PGconn *conn, const char *sql);

//  snprintf into buf that aborts when the text does not fit: a test never runs on a silently
//  truncated path or command. Usable outside a check test (benchmarks).
void testutil_format(char *buf, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

//  Runs a service's command line that carries one bad setting (its stderr redirected to stdout,
//  stdout dropped): fails the test unless it exits 2 with exactly one line naming `named`.
void testutil_assert_bad_setting(const char *command, const char *setting, const char *named);

//  Absolute path of a file of the repository ("deploy/plan").
const char *testutil_repo_path(const char *relative);

//  Absolute path of a built binary ("ingestd"): PLANWATCH_BIN, else bin/.
const char *testutil_bin(const char *name);

//  A TCP port on 127.0.0.1 that was free a moment ago, never one this process was given before.
int testutil_free_port(void);

//  Starts a program with extra environment entries ("NAME=value", NULL-terminated) added to
//  ours; its stderr goes to log_path (appended) when not NULL. Returns the pid; fails the test
//  when it cannot start.
pid_t testutil_spawn(const char *path, char *const argv[], char *const env[], const char *log_path);

//  Sends sig to pid and waits for it. Returns its exit status (128 + signal when killed).
int testutil_stop(pid_t pid, int sig);

//  Runs a shell command; returns its exit status.
int testutil_sh(const char *command);

//  Runs a command and captures its stdout (owned, NUL-terminated); *status gets the exit status.
char *testutil_capture(const char *command, int *status);

//  A new empty directory under /tmp (owned path, removed by testutil_rmdir).
char *testutil_tempdir(void);
void testutil_rmdir(const char *path);

//  Defines main() running one suite: TESTUTIL_MAIN(catalog_suite)
#define TESTUTIL_MAIN(suite_fn)                                                                    \
    int main(void)                                                                                 \
    {                                                                                              \
        log_init("test", LOG_LEVEL_WARN);                                                          \
        SRunner *runner = srunner_create(suite_fn());                                              \
        srunner_run_all(runner, CK_ENV);                                                           \
        int failed = srunner_ntests_failed(runner);                                                \
        srunner_free(runner);                                                                      \
        return failed ? 1 : 0;                                                                     \
    }

#endif
