/*  check_db.c - the store layer: migrations, COPY, reconnecting, the private cluster */
#include "testutil.h"

#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

START_TEST(test_db_migrations_rerun_harmlessly)
{
    PGconn *conn = testutil_db_fresh(1);
    long version = testutil_db_long(conn, "SELECT max(version) FROM schema_migration");
    //  numbers may skip (there is no 004): count the records, do not derive them from the top
    long applied = testutil_db_long(conn, "SELECT count(*) FROM schema_migration");
    long targets = testutil_db_long(conn, "SELECT count(*) FROM target");
    ck_assert_int_ge(version, 3);
    ck_assert_int_eq(targets, 56);
    //  again, and again through the command: nothing applied, nothing lost
    ck_assert_int_eq(db_migrate(conn, testutil_repo_path("deploy/migrations")), 0);
    char command[1024];
    snprintf(command, sizeof command, "DATABASE_URL='%s' MIGRATIONS_DIR=%s %s migrate",
             testutil_db_url(), testutil_repo_path("deploy/migrations"), testutil_bin("planctl"));
    int status = 0;
    char *out = testutil_capture(command, &status);
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_nonnull(strstr(out, "migrate: 0 applied"));
    free(out);
    ck_assert_int_eq(testutil_db_long(conn, "SELECT max(version) FROM schema_migration"), version);
    ck_assert_int_eq(testutil_db_long(conn, "SELECT count(*) FROM schema_migration"), applied);
    ck_assert_int_eq(testutil_db_long(conn, "SELECT count(*) FROM target"), targets);
    PQfinish(conn);
}
END_TEST

START_TEST(test_db_failed_migration_rolls_back)
{
    PGconn *conn = testutil_db_fresh(0);
    char *dir = testutil_tempdir();
    char command[1024];
    snprintf(command, sizeof command,
             "cp %s/*.sql %s/ && printf 'CREATE TABLE half_done (x int);\\nSELECT 1/0;\\n' > "
             "%s/900_broken.sql",
             testutil_repo_path("deploy/migrations"), dir, dir);
    ck_assert_int_eq(testutil_sh(command), 0);
    ck_assert_int_eq(db_migrate(conn, dir), -1);
    //  the broken migration left no table and no record
    ck_assert_int_eq(testutil_db_long(conn, "SELECT count(*) FROM pg_tables WHERE tablename = "
                                            "'half_done'"),
                     0);
    ck_assert_int_eq(testutil_db_long(conn, "SELECT count(*) FROM schema_migration WHERE "
                                            "version = 900"),
                     0);
    testutil_rmdir(dir);
    free(dir);
    PQfinish(conn);
}
END_TEST

START_TEST(test_db_copy_escapes)
{
    PGconn *conn = testutil_db_connect();
    ck_assert_int_eq(db_exec(conn, "CREATE TEMP TABLE t (a text, b text)", 0, NULL), 0);
    db_copy_t *copy = db_copy_begin(conn, "COPY t (a, b) FROM STDIN");
    ck_assert_ptr_nonnull(copy);
    const char *tricky = "tab\there, newline\nthere, back\\slash, \\N, 长沙";
    db_copy_field(copy, tricky);
    db_copy_field(copy, NULL);
    db_copy_row_end(copy);
    for (int i = 0; i < 20000; i++) { //  several chunks
        db_copy_field(copy, "x");
        db_copy_field(copy, "y");
        db_copy_row_end(copy);
    }
    ck_assert_int_eq(db_copy_end(&copy), 20001);
    ck_assert_ptr_null(copy);
    char *back = db_scalar(conn, "SELECT a FROM t WHERE b IS NULL", 0, NULL);
    ck_assert_str_eq(back, tricky);
    free(back);
    PQfinish(conn);
}
END_TEST

START_TEST(test_db_parameters_are_data)
{
    PGconn *conn = testutil_db_connect();
    char *v = db_scalar(conn, "SELECT $1::text", 1, DB_PARAMS("'; DROP TABLE x; --"));
    ck_assert_str_eq(v, "'; DROP TABLE x; --");
    free(v);
    ck_assert_ptr_null(db_query(conn, "SELEC 1", 0, NULL)); //  failures return NULL, logged
    PQfinish(conn);
}
END_TEST

START_TEST(test_db_reconnects)
{
    db_t *db = db_new(testutil_db_url());
    PGconn *conn = db_conn(db, 5000);
    ck_assert_ptr_nonnull(conn);
    //  the server drops our session, as a PostgreSQL restart would
    PGconn *admin = testutil_db_connect();
    char pid[16];
    snprintf(pid, sizeof pid, "%d", PQbackendPID(conn));
    ck_assert_int_eq(db_exec(admin, "SELECT pg_terminate_backend($1::int)", 1, DB_PARAMS(pid)), 0);
    PQfinish(admin);
    ck_assert_ptr_null(db_query(conn, "SELECT 1", 0, NULL));
    ck_assert(db_connection_lost(db));
    conn = db_conn(db, 5000);
    ck_assert_ptr_nonnull(conn);
    char *v = db_scalar(conn, "SELECT 41 + 1", 0, NULL);
    ck_assert_str_eq(v, "42");
    free(v);
    db_destroy(&db);
    ck_assert_ptr_null(db);
    db_destroy(&db); //  idempotent
}
END_TEST

//  A second private cluster in a temporary directory starts, serves, and stops cleanly.
START_TEST(test_db_private_cluster_starts_and_stops)
{
    char *dir = testutil_tempdir();
    chmod(dir, 0755); //  the server runs as 'postgres' when the tests run as root
    int port = testutil_free_port();
    char env[1024], command[2048];
    snprintf(env, sizeof env, "PLAN_PG_DIR=%s/pg PLAN_PG_PORT=%d %s", dir, port,
             testutil_repo_path("deploy/db.sh"));
    snprintf(command, sizeof command, "%s start planwatch_probe >/dev/null", env);
    ck_assert_int_eq(testutil_sh(command), 0);
    snprintf(command, sizeof command, "%s start planwatch_probe >/dev/null", env); //  idempotent
    ck_assert_int_eq(testutil_sh(command), 0);
    snprintf(command, sizeof command, "%s url planwatch_probe", env);
    char *url = testutil_capture(command, NULL);
    url[strcspn(url, "\n")] = '\0';
    PGconn *conn = db_connect_once(url);
    ck_assert_ptr_nonnull(conn);
    char *v = db_scalar(conn, "SHOW listen_addresses", 0, NULL);
    ck_assert_str_eq(v, ""); //  unix socket only
    free(v);
    PQfinish(conn);
    snprintf(command, sizeof command, "%s stop >/dev/null", env);
    ck_assert_int_eq(testutil_sh(command), 0);
    snprintf(command, sizeof command, "%s status", env);
    ck_assert_int_ne(testutil_sh(command), 0);
    ck_assert_ptr_null(db_connect_once(url));
    free(url);
    testutil_rmdir(dir);
    free(dir);
}
END_TEST

static Suite *
db_suite(void)
{
    Suite *s = suite_create("db");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_db_migrations_rerun_harmlessly);
    tcase_add_test(core, test_db_copy_escapes);
    tcase_add_test(core, test_db_parameters_are_data);
    tcase_add_test(core, test_db_reconnects);
    tcase_add_test(core, test_db_private_cluster_starts_and_stops);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_db_failed_migration_rolls_back);
    suite_add_tcase(s, errors);
    return s;
}

TESTUTIL_MAIN(db_suite)
