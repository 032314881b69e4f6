/*  check_feed.c - `planctl feed push` and `planctl keys` end to end against a real ingestd:
    GBK and BOM files, CSV line numbers in the receipt, exit codes, the same file twice, dry runs
*/
#include "check_ingest_harness.h"

#include <jansson.h>
#include <sys/stat.h>

static harness_t *h;

static void
s_setup(void)
{
    h = harness_new();
    ck_assert_int_eq(db_exec(h->conn, "UPDATE system_clock SET as_of = '2024-06-30'", 0, NULL), 0);
    harness_unit(h, "GOV_430100");
    harness_unit(h, "P_STD");
    harness_start(h);
}

static void
s_teardown(void)
{
    harness_destroy(&h);
}

//  Pushes bytes as a file with planctl as unit; returns stdout (owned) and *status.
static char *
s_push(const char *unit, const char *name, const char *bytes, size_t size, const char *flags,
       int *status)
{
    const char *path = harness_file(h, name, bytes, size);
    char args[PATH_MAX + 256];
    snprintf(args, sizeof args, "feed push %s %s", flags ? flags : "", path);
    return harness_planctl(h, unit, args, status);
}

static json_t *
s_json(const char *text)
{
    json_error_t error;
    json_t *o = json_loads(text, 0, &error);
    ck_assert_msg(o != NULL, "not JSON: %s", text);
    return o;
}

START_TEST(test_feed_push_gbk_file)
{
    //  Excel on Chinese Windows: GBK, CRLF. 长沙市统计局 = B3A4 C9B3 CAD0 CDB3 BCC6 BED6
    const char gbk[] =
        "org,indicator,period,value,note\r\n"
        "430100,HTE_COUNT,2023,6500,\xb3\xa4\xc9\xb3\xca\xd0\xcd\xb3\xbc\xc6\xbe\xd6\r\n"
        "430100,GDP,2023,14331.98,\r\n";
    int status = -1;
    char *out = s_push("GOV_430100", "gbk.csv", gbk, sizeof gbk - 1, NULL, &status);
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_nonnull(strstr(out, "GB18030"));
    ck_assert_ptr_nonnull(strstr(out, "accepted 2"));
    free(out);
    //  stored as UTF-8 text
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation WHERE note = "
                                      "'长沙市统计局' AND value = 6500"),
                     1);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 2);
}
END_TEST

START_TEST(test_feed_push_bom_file)
{
    const char bom[] = "\xef\xbb\xbf"
                       "org,indicator,period,value,note\r\n"
                       "430100,TSME_COUNT,2023,8000,\xe5\xa4\x87\xe6\xb3\xa8\r\n";
    int status = -1;
    char *out = s_push("GOV_430100", "bom.csv", bom, sizeof bom - 1, "--json", &status);
    ck_assert_int_eq(status, 0);
    json_t *r = s_json(out);
    ck_assert_str_eq(json_string_value(json_object_get(r, "encoding")), "UTF-8 (BOM)");
    ck_assert_int_eq(json_integer_value(json_object_get(r, "accepted")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "rejected")), 0);
    ck_assert_str_eq(json_string_value(json_object_get(r, "unit")), "GOV_430100");
    json_decref(r);
    free(out);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation WHERE note = '备注' AND "
                                      "indicator = 'TSME_COUNT'"),
                     1);
}
END_TEST

START_TEST(test_feed_push_names_csv_lines)
{
    //  line 1 header, 2 good, 3 blank, 4-5 a quoted two-line note (good), 6 unknown indicator,
    //  7 a number with a unit, 8 another city, 9 thousands separator, 10 future period
    const char *csv = "org,indicator,period,value,note\n"
                      "430100,HTE_COUNT,2023,6500,\n"
                      "\n"
                      "430100,GDP,2023,14331.98,\"two\n"
                      "lines\"\n"
                      "430100,HTE_CNT,2023,1,\n"
                      "430100,TSME_COUNT,2023,800家,\n"
                      "430200,HTE_COUNT,2023,1,\n"
                      "430100,RD_SPEND,2023,1,400,\n"
                      "430100,HTE_COUNT,2025,1,\n";
    int status = -1;
    char *out = s_push("GOV_430100", "lines.csv", csv, strlen(csv), "--json", &status);
    ck_assert_int_eq(status, 1);
    json_t *r = s_json(out);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "accepted")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "rejected")), 5);
    json_t *errors = json_object_get(r, "errors");
    ck_assert_int_eq(json_array_size(errors), 5);
    static const int lines[] = {6, 7, 8, 9, 10};
    static const char *const reasons[] = {"UNKNOWN_INDICATOR", "BAD_NUMBER", "UNIT_NOT_ALLOWED",
                                          "EXTRA_FIELD", "FUTURE_PERIOD"};
    static const char *const sources[] = {"server", "file", "server", "file", "server"};
    for (size_t i = 0; i < 5; i++) {
        json_t *e = json_array_get(errors, i);
        ck_assert_int_eq(json_integer_value(json_object_get(e, "line")), lines[i]);
        ck_assert_str_eq(json_string_value(json_object_get(e, "reason")), reasons[i]);
        ck_assert_str_eq(json_string_value(json_object_get(e, "source")), sources[i]);
        ck_assert_int_gt(strlen(json_string_value(json_object_get(e, "message"))), 0);
    }
    json_decref(r);
    free(out);
    //  the human receipt names the same lines, in Chinese
    const char *again = "org,indicator,period,value,note\n"
                        "430100,HTE_CNT,2023,1,\n";
    out = s_push("GOV_430100", "human.csv", again, strlen(again), NULL, &status);
    ck_assert_int_eq(status, 1);
    ck_assert_ptr_nonnull(strstr(out, "第 2 行"));
    ck_assert_ptr_nonnull(strstr(out, "UNKNOWN_INDICATOR"));
    ck_assert_ptr_nonnull(strstr(out, "HTE_CNT"));
    ck_assert_ptr_nonnull(strstr(out, "退回 rejected 1"));
    free(out);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 2);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation WHERE note = "
                                      "E'two\\nlines'"),
                     1);
}
END_TEST

START_TEST(test_feed_push_same_file_twice)
{
    const char *csv = "org,indicator,period,value\n430100,HTE_COUNT,2023,6500\n";
    int status = -1;
    char *out = s_push("GOV_430100", "twice.csv", csv, strlen(csv), "--json", &status);
    ck_assert_int_eq(status, 0);
    json_t *first = s_json(out);
    free(out);
    out = s_push("GOV_430100", "twice-copy.csv", csv, strlen(csv), "--json", &status);
    ck_assert_int_eq(status, 0);
    json_t *second = s_json(out);
    free(out);
    //  the default feed id is the unit and the content: the same feed, the first receipt
    ck_assert_str_eq(json_string_value(json_object_get(first, "feed_id")),
                     json_string_value(json_object_get(second, "feed_id")));
    ck_assert(json_is_false(json_object_get(first, "already_seen")));
    ck_assert(json_is_true(json_object_get(second, "already_seen")));
    ck_assert_str_eq(json_string_value(json_object_get(first, "received_at")),
                     json_string_value(json_object_get(second, "received_at")));
    json_decref(first);
    json_decref(second);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 1);
    //  the human receipt says nothing was written again
    out = s_push("GOV_430100", "twice.csv", csv, strlen(csv), NULL, &status);
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_nonnull(strstr(out, "already received"));
    free(out);
    //  --feed-id makes it another feed: a correction of the same figure is a new version
    out = s_push("GOV_430100", "twice.csv", csv, strlen(csv), "--feed-id resend-1", &status);
    ck_assert_int_eq(status, 0);
    free(out);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 2);
}
END_TEST

START_TEST(test_feed_push_dry_run)
{
    const char *csv = "org,indicator,period,value\n430100,HTE_COUNT,2023,6500\n"
                      "430100,HTE_COUNT,2023Q1,1\n";
    int status = -1;
    char *out = s_push("GOV_430100", "dry.csv", csv, strlen(csv), "--dry-run", &status);
    ck_assert_int_eq(status, 1); //  the verdict of a real push, without the push
    ck_assert_ptr_nonnull(strstr(out, "dry run"));
    ck_assert_ptr_nonnull(strstr(out, "BAD_PERIOD"));
    free(out);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM observation"), 0);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM feed"), 0);
}
END_TEST

START_TEST(test_feed_push_milestones)
{
    const char *csv = "task,state,date,evidence\n"
                      "T2.5-1,done,2022-12-30,国家超算长沙中心升级改造完成\n"
                      "T2.5-2,started,2022-05-01,\n"
                      "T4.4-1,done,2022-12-31,\n";
    int status = -1;
    char *out = s_push("P_STD", "ms.csv", csv, strlen(csv), "--json", &status);
    ck_assert_int_eq(status, 1);
    json_t *r = s_json(out);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "accepted")), 2);
    json_t *e = json_array_get(json_object_get(r, "errors"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(e, "line")), 4);
    ck_assert_str_eq(json_string_value(json_object_get(e, "reason")), "UNIT_NOT_ALLOWED");
    json_decref(r);
    free(out);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM milestone_report WHERE unit = "
                                      "'P_STD'"),
                     2);
    out = harness_planctl(h, "P_STD", "history milestone T2.5-1", &status);
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_nonnull(strstr(out, "done 2022-12-30"));
    free(out);
}
END_TEST

START_TEST(test_feed_push_exit_codes)
{
    int status = -1;
    //  a file with no data rows, a file that is not a feed: nothing sent
    const char *empty = "org,indicator,period,value\n";
    char *out = s_push("GOV_430100", "empty.csv", empty, strlen(empty), NULL, &status);
    ck_assert_int_eq(status, 2);
    free(out);
    const char *wrong = "a,b\n1,2\n";
    out = s_push("GOV_430100", "wrong.csv", wrong, strlen(wrong), NULL, &status);
    ck_assert_int_eq(status, 2);
    free(out);
    //  with --json the failure is a JSON document on stdout too
    out = s_push("GOV_430100", "empty.csv", empty, strlen(empty), "--json", &status);
    ck_assert_int_eq(status, 2);
    json_t *doc = s_json(out);
    json_t *error = json_object_get(doc, "error");
    ck_assert_str_eq(json_string_value(json_object_get(error, "code")), "EMPTY_FEED");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(doc, "file")), "empty.csv"));
    json_decref(doc);
    free(out);
    //  every row wrong in the file itself: reported, nothing to send, exit 1
    const char *bad = "org,indicator,period,value\n430100,GDP,2023,abc\n";
    out = s_push("GOV_430100", "bad.csv", bad, strlen(bad), NULL, &status);
    ck_assert_int_eq(status, 1);
    ck_assert_ptr_nonnull(strstr(out, "BAD_NUMBER"));
    free(out);
    //  a key the server does not know: refused at the handshake, no retries
    char command[PATH_MAX * 2];
    snprintf(command, sizeof command, "%s keys new GOV_430300 --dir %s >/dev/null 2>&1",
             testutil_bin("planctl"), h->units);
    ck_assert_int_eq(testutil_sh(command), 0);
    const char *csv = "org,indicator,period,value\n430300,GDP,2023,1\n";
    int64_t started = zclock_mono();
    out = s_push("GOV_430300", "stranger.csv", csv, strlen(csv), "--timeout-ms 20000", &status);
    ck_assert_int_eq(status, 2);
    ck_assert_int_lt(zclock_mono() - started, 15000); //  no waiting out the timeout
    free(out);
    snprintf(command, sizeof command, "grep -q 'refused this key' %s/planctl.err", h->dir);
    ck_assert_int_eq(testutil_sh(command), 0);
    //  nobody listening: retries, then exit 2
    harness_stop(h);
    out = s_push("GOV_430100", "down.csv", csv, strlen(csv), "--json --timeout-ms 300 --retries 1",
                 &status);
    ck_assert_int_eq(status, 2);
    doc = s_json(out);
    error = json_object_get(doc, "error");
    ck_assert_str_eq(json_string_value(json_object_get(error, "code")), "NOT_SENT");
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(error, "message")), "no answer"));
    ck_assert_ptr_nonnull(json_string_value(json_object_get(doc, "feed_id")));
    json_decref(doc);
    free(out);
    ck_assert_int_eq(harness_count(h, "SELECT count(*) FROM feed"), 0);
}
END_TEST

START_TEST(test_feed_keys)
{
    char command[PATH_MAX * 3];
    //  a unit the catalog does not know is refused when the store is at hand
    snprintf(command, sizeof command,
             "DATABASE_URL='%s' %s keys new GOV_999999 --dir %s/k 2>/dev/null", testutil_db_url(),
             testutil_bin("planctl"), h->dir);
    ck_assert_int_eq(testutil_sh(command), 1);
    snprintf(command, sizeof command, "test -e %s/k/GOV_999999.cert", h->dir);
    ck_assert_int_ne(testutil_sh(command), 0);
    //  a known unit: metadata unit and name, a secret file only its owner reads
    snprintf(command, sizeof command, "DATABASE_URL='%s' %s keys new P_CAST --dir %s/k >/dev/null",
             testutil_db_url(), testutil_bin("planctl"), h->dir);
    ck_assert_int_eq(testutil_sh(command), 0);
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/k/P_CAST.cert", h->dir);
    zcert_t *cert = zcert_load(path);
    ck_assert_ptr_nonnull(cert);
    ck_assert_str_eq(zcert_meta(cert, "unit"), "P_CAST");
    ck_assert_str_eq(zcert_meta(cert, "name"), "省科协");
    zcert_destroy(&cert);
    snprintf(path, sizeof path, "%s/k/P_CAST.cert_secret", h->dir);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 077, 0);
    //  never overwrites a key
    snprintf(command, sizeof command, "DATABASE_URL='%s' %s keys new P_CAST --dir %s/k 2>/dev/null",
             testutil_db_url(), testutil_bin("planctl"), h->dir);
    ck_assert_int_eq(testutil_sh(command), 1);
    //  bad codes are refused before anything else
    snprintf(command, sizeof command, "%s keys new 'p cast' --dir %s/k 2>/dev/null",
             testutil_bin("planctl"), h->dir);
    ck_assert_int_eq(testutil_sh(command), 2);
    //  list shows the installed units
    snprintf(command, sizeof command, "%s keys list %s", testutil_bin("planctl"), h->clients);
    int status;
    char *out = testutil_capture(command, &status);
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_nonnull(strstr(out, "GOV_430100"));
    ck_assert_ptr_nonnull(strstr(out, "P_STD"));
    ck_assert_ptr_nonnull(strstr(out, "长沙市人民政府"));
    free(out);
}
END_TEST

static Suite *
feed_suite(void)
{
    Suite *s = suite_create("feed");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, s_setup, s_teardown);
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_feed_push_gbk_file);
    tcase_add_test(core, test_feed_push_bom_file);
    tcase_add_test(core, test_feed_push_names_csv_lines);
    tcase_add_test(core, test_feed_push_same_file_twice);
    tcase_add_test(core, test_feed_push_dry_run);
    tcase_add_test(core, test_feed_push_milestones);
    tcase_add_test(core, test_feed_keys);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, s_setup, s_teardown);
    tcase_set_timeout(errors, 120);
    tcase_add_test(errors, test_feed_push_exit_codes);
    suite_add_tcase(s, errors);
    return s;
}

TESTUTIL_MAIN(feed_suite)
