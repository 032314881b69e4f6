/*  testutil.c - what the check suites share: a fresh real store, service processes, ports */
#include "testutil.h"

#include "db.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

const char *
testutil_db_url(void)
{
    const char *url = getenv("TEST_DATABASE_URL");
    if (!url || !*url)
        url = getenv("DATABASE_URL");
    ck_assert_msg(url && *url, "TEST_DATABASE_URL is not set: run the suites with make test");
    return url;
}

PGconn *
testutil_db_connect(void)
{
    PGconn *conn = db_connect_once(testutil_db_url());
    ck_assert_msg(conn != NULL, "cannot connect to the test store");
    return conn;
}

PGconn *
testutil_db_fresh(int load_plan)
{
    PGconn *conn = testutil_db_connect();
    ck_assert_int_eq(db_run_script(conn, "SET client_min_messages = warning;"
                                         " DROP SCHEMA IF EXISTS public CASCADE;"
                                         " CREATE SCHEMA public"),
                     0);
    ck_assert_int_ge(db_migrate(conn, testutil_repo_path("deploy/migrations")), 1);
    if (load_plan) {
        char command[PATH_MAX * 2];
        snprintf(command, sizeof command, "DATABASE_URL='%s' %s plan load %s >/dev/null",
                 testutil_db_url(), testutil_bin("planctl"), testutil_repo_path("deploy/plan"));
        ck_assert_msg(testutil_sh(command) == 0, "planctl plan load failed");
    }
    return conn;
}

long
testutil_db_long(PGconn *conn, const char *sql)
{
    char *value = db_scalar(conn, sql, 0, NULL);
    ck_assert_msg(value != NULL, "query returned nothing: %s", sql);
    long v = atol(value);
    free(value);
    return v;
}

//  The repository's top directory: the tests run from it (make), or from a subdirectory.
static const char *
s_top(void)
{
    static char top[PATH_MAX];
    if (top[0])
        return top;
    char dir[PATH_MAX];
    ck_assert(getcwd(dir, sizeof dir) != NULL);
    for (;;) {
        char probe[PATH_MAX + 32];
        snprintf(probe, sizeof probe, "%s/deploy/migrations", dir);
        if (access(probe, F_OK) == 0)
            break;
        char *slash = strrchr(dir, '/');
        ck_assert_msg(slash && slash != dir, "run the tests inside the repository");
        *slash = '\0';
    }
    snprintf(top, sizeof top, "%s", dir);
    return top;
}

void
testutil_format(char *buf, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vsnprintf(buf, size, format, args);
    va_end(args);
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "testutil_format: %d bytes do not fit in %zu: %.80s...\n", n, size, buf);
        abort();
    }
}

void
testutil_assert_bad_setting(const char *command, const char *setting, const char *named)
{
    int status = -1;
    char *err = testutil_capture(command, &status);
    ck_assert_msg(status == 2, "%s: exit %d", setting, status);
    ck_assert_msg(*err && strchr(err, '\n') == err + strlen(err) - 1 && strstr(err, named),
                  "%s: not one line naming %s: %s", setting, named, err);
    free(err);
}

const char *
testutil_repo_path(const char *relative)
{
    static char paths[8][PATH_MAX];
    static int next;
    char *path = paths[next++ % 8];
    testutil_format(path, PATH_MAX, "%s/%s", s_top(), relative);
    return path;
}

const char *
testutil_bin(const char *name)
{
    static char paths[8][PATH_MAX];
    static int next;
    char *path = paths[next++ % 8];
    const char *dir = getenv("PLANWATCH_BIN");
    if (dir && *dir)
        testutil_format(path, PATH_MAX, "%s/%s", dir, name);
    else
        testutil_format(path, PATH_MAX, "%s/bin/%s", s_top(), name);
    return path;
}

int
testutil_free_port(void)
{
    //  The kernel may hand the same free port to two binds in a row once each socket is closed:
    //  a test that asks for three ports before anything listens would then give two services
    //  one port (seen: ingestd exited at start). Never return a port twice in one process.
    static int given[256];
    static size_t count;
    //  No ck_assert here: benchmarks call it outside a check test, where check's marks fail.
    for (int attempt = 0; attempt < 100; attempt++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
            getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
            perror("testutil_free_port");
            abort();
        }
        close(fd);
        int port = ntohs(addr.sin_port);
        int seen = 0;
        for (size_t i = 0; i < count && i < 256; i++)
            seen |= given[i] == port;
        if (!seen) {
            given[count++ % 256] = port;
            return port;
        }
    }
    fprintf(stderr, "testutil_free_port: no fresh free port after 100 attempts\n");
    abort();
}

pid_t
testutil_spawn(const char *path, char *const argv[], char *const env[], const char *log_path)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        for (size_t i = 0; env && env[i]; i++)
            putenv(env[i]);
        if (log_path) {
            int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd >= 0) {
                dup2(fd, 2);
                close(fd);
            }
        }
        execv(path, argv);
        _exit(127);
    }
    return pid;
}

int
testutil_stop(pid_t pid, int sig)
{
    kill(pid, sig);
    int status = 0;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int
testutil_sh(const char *command)
{
    int status = system(command);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

char *
testutil_capture(const char *command, int *status)
{
    FILE *p = popen(command, "r");
    ck_assert(p != NULL);
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    size_t n;
    while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 1024) {
            cap *= 2;
            char *bigger = realloc(out, cap);
            ck_assert_ptr_nonnull(bigger);
            out = bigger;
        }
    }
    out[len] = '\0';
    int st = pclose(p);
    if (status)
        *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return out;
}

char *
testutil_tempdir(void)
{
    char *path = strdup("/tmp/planwatch-test-XXXXXX");
    ck_assert(mkdtemp(path) != NULL);
    return path;
}

void
testutil_rmdir(const char *path)
{
    char command[PATH_MAX + 16];
    if (strncmp(path, "/tmp/planwatch-test-", 20) != 0)
        return;
    snprintf(command, sizeof command, "rm -rf '%s'", path);
    testutil_sh(command);
}
