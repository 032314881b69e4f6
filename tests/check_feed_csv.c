/*  check_feed_csv.c - reporting staff's CSV files read as feeds: encodings, headers, plain numbers,
    CSV line numbers, default feed ids (planctl_feed_csv.c; no sockets, no store)
*/
#include "testutil.h"

#include "planctl.h"

#include <string.h>

static feed_csv_t *
s_parse(const char *text)
{
    char error[512] = "";
    feed_csv_t *file = feed_csv_parse(text, strlen(text), error, sizeof error);
    ck_assert_msg(file != NULL, "refused: %s", error);
    return file;
}

static const char *const s_good_numbers[] = {"14000", "2.41", "0", "-3", "0.5", "007", "14000.00"};
static const double s_good_values[] = {14000, 2.41, 0, -3, 0.5, 7, 14000};
static const char *const s_bad_numbers[] = {"1,400", "1.4万", "1e4",     "abc",  ".5",
                                            "5.",    "+1",    "1 400",   "",     "-",
                                            "NaN",   "inf",   "14000元", "0x10", "１４"};

START_TEST(test_feed_csv_good_numbers)
{
    double v = -1;
    ck_assert_int_eq(feed_csv_number(s_good_numbers[_i], &v), 0);
    ck_assert(v == s_good_values[_i]);
}
END_TEST

START_TEST(test_feed_csv_bad_numbers)
{
    double v;
    ck_assert_msg(feed_csv_number(s_bad_numbers[_i], &v) == -1, "accepted '%s'", s_bad_numbers[_i]);
}
END_TEST

START_TEST(test_feed_csv_observations)
{
    feed_csv_t *f = s_parse("org,indicator,period,value,note\n"
                            "430100,HTE_COUNT,2023,6500,长沙\n"
                            "\n"
                            " 430100 , GDP ,2023, 14331.98 ,\"a, quoted\nnote\"\n"
                            "430100,RD_SPEND,2023,420\n");
    ck_assert(!f->milestones);
    ck_assert_str_eq(f->encoding, "UTF-8");
    ck_assert_uint_eq(f->feed.n_observations, 3);
    ck_assert_uint_eq(f->error_count, 0);
    Planwatch__V1__Observation *o = f->feed.observations[0];
    ck_assert_str_eq(o->org, "430100");
    ck_assert_str_eq(o->note, "长沙");
    ck_assert_uint_eq(o->line, 2);
    o = f->feed.observations[1];
    ck_assert_str_eq(o->indicator, "GDP"); //  blanks around fields are Excel's, not data
    ck_assert(o->value == 14331.98);
    ck_assert_str_eq(o->note, "a, quoted\nnote");
    ck_assert_uint_eq(o->line, 4); //  the blank line 3 still counts
    ck_assert_uint_eq(f->feed.observations[2]->line, 6);
    ck_assert_str_eq(f->feed.observations[2]->note, "");
    feed_csv_destroy(&f);
    ck_assert_ptr_null(f);
}
END_TEST

START_TEST(test_feed_csv_row_errors_name_lines)
{
    feed_csv_t *f = s_parse("org,indicator,period,value,note\r\n"
                            "430100,HTE_COUNT,2023,1.4万,\r\n"
                            "430100,HTE_COUNT,2022,1,400,\r\n"
                            ",HTE_COUNT,2021,5,\r\n"
                            "430100,HTE_COUNT,2020,5,\r\n"
                            ",,,,\r\n"
                            "430100,GDP,2023,\"unterminated\r\n");
    ck_assert_uint_eq(f->feed.n_observations, 1);
    ck_assert_uint_eq(f->feed.observations[0]->line, 5);
    ck_assert_uint_eq(f->error_count, 4);
    ck_assert_int_eq(f->errors[0].line, 2);
    ck_assert_str_eq(f->errors[0].code, "BAD_NUMBER");
    ck_assert_ptr_nonnull(strstr(f->errors[0].message, "1.4万"));
    ck_assert_int_eq(f->errors[1].line, 3);
    ck_assert_str_eq(f->errors[1].code, "EXTRA_FIELD"); //  1,400 unquoted: never stored as 1
    ck_assert_int_eq(f->errors[2].line, 4);
    ck_assert_str_eq(f->errors[2].code, "MISSING_FIELD");
    ck_assert_int_eq(f->errors[3].line, 7);
    ck_assert_str_eq(f->errors[3].code, "BAD_CSV");
    feed_csv_destroy(&f);
}
END_TEST

START_TEST(test_feed_csv_milestones)
{
    feed_csv_t *f = s_parse("Task,State,Date,Evidence\n"
                            "T2.5-1,done,2022-12-30,湘科发〔2022〕99号\n"
                            "T2.1,started,2022-03-01\n"
                            "T2.2-2,,2022-01-01,\n");
    ck_assert(f->milestones);
    ck_assert_uint_eq(f->feed.n_milestones, 2);
    ck_assert_uint_eq(f->feed.n_observations, 0);
    ck_assert_str_eq(f->feed.milestones[0]->task, "T2.5-1");
    ck_assert_str_eq(f->feed.milestones[0]->evidence, "湘科发〔2022〕99号");
    ck_assert_str_eq(f->feed.milestones[1]->evidence, "");
    ck_assert_uint_eq(f->feed.milestones[1]->line, 3);
    ck_assert_uint_eq(f->error_count, 1);
    ck_assert_str_eq(f->errors[0].code, "MISSING_FIELD");
    ck_assert_int_eq(f->errors[0].line, 4);
    feed_csv_destroy(&f);
}
END_TEST

START_TEST(test_feed_csv_bom_and_gbk)
{
    //  UTF-8 with BOM: the header is still recognised
    const char bom[] = "\xef\xbb\xbforg,indicator,period,value,note\r\n430100,HTE_COUNT,2023,1,"
                       "\xe9\x95\xbf\xe6\xb2\x99\r\n";
    feed_csv_t *f = s_parse(bom);
    ck_assert_str_eq(f->encoding, "UTF-8 (BOM)");
    ck_assert_uint_eq(f->feed.n_observations, 1);
    ck_assert_str_eq(f->feed.observations[0]->note, "长沙");
    feed_csv_destroy(&f);
    //  GBK as Excel on Chinese Windows saves it: 长沙 is B3 A4 C9 B3
    const char gbk[] =
        "org,indicator,period,value,note\r\n430100,HTE_COUNT,2023,1,\xb3\xa4\xc9\xb3\r\n";
    f = s_parse(gbk);
    ck_assert_str_eq(f->encoding, "GB18030");
    ck_assert_str_eq(f->feed.observations[0]->note, "长沙");
    feed_csv_destroy(&f);
}
END_TEST

START_TEST(test_feed_csv_refusals)
{
    char error[512];
    //  no header, the wrong header, bytes that are no text
    ck_assert_ptr_null(feed_csv_parse("", 0, error, sizeof error));
    ck_assert_ptr_null(feed_csv_parse("a,b,c\n1,2,3\n", 12, error, sizeof error));
    ck_assert_ptr_nonnull(strstr(error, "value"));
    const char binary[] = "org,indicator,period,value\n\x81\x30\xff\xff\n";
    ck_assert_ptr_null(feed_csv_parse(binary, sizeof binary - 1, error, sizeof error));
}
END_TEST

START_TEST(test_feed_csv_default_id)
{
    const char *a = "org,indicator,period,value\n430100,GDP,2023,1\n";
    const char *b = "org,indicator,period,value\n430100,GDP,2023,2\n";
    char *id1 = feed_csv_default_id("GOV_430100", a, strlen(a));
    char *id2 = feed_csv_default_id("GOV_430100", a, strlen(a));
    char *id3 = feed_csv_default_id("GOV_430100", b, strlen(b));
    char *id4 = feed_csv_default_id("GOV_430200", a, strlen(a));
    ck_assert_str_eq(id1, id2);        //  the same file is the same feed
    ck_assert_str_ne(id1, id3);        //  another content, another feed
    ck_assert_str_ne(id1, id4);        //  another unit, another feed
    ck_assert_int_eq(strlen(id1), 44); //  csv- and 40 hex digits
    ck_assert(strncmp(id1, "csv-", 4) == 0);
    ck_assert(feed_client_id_valid(id1));
    free(id1);
    free(id2);
    free(id3);
    free(id4);
}
END_TEST

static Suite *
feed_csv_suite(void)
{
    Suite *s = suite_create("feed_csv");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_feed_csv_observations);
    tcase_add_test(core, test_feed_csv_milestones);
    tcase_add_test(core, test_feed_csv_bom_and_gbk);
    tcase_add_test(core, test_feed_csv_default_id);
    tcase_add_loop_test(core, test_feed_csv_good_numbers, 0,
                        sizeof s_good_numbers / sizeof *s_good_numbers);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_loop_test(errors, test_feed_csv_bad_numbers, 0,
                        sizeof s_bad_numbers / sizeof *s_bad_numbers);
    tcase_add_test(errors, test_feed_csv_row_errors_name_lines);
    tcase_add_test(errors, test_feed_csv_refusals);
    suite_add_tcase(s, errors);
    return s;
}

TESTUTIL_MAIN(feed_csv_suite)
