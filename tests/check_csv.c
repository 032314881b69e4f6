/*  check_csv.c - the CSV reader and the text conversions feeds depend on */
#include "testutil.h"

#include "csv.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

START_TEST(test_csv_quotes_and_lines)
{
    const char *data = "a,b,c\r\n"
                       "1,\"two, with comma\",\"say \"\"hi\"\"\"\n"
                       "\n"
                       "\"multi\nline\",x,\n"
                       "last,row,end";
    csv_t *csv = csv_new(data, strlen(data));
    ck_assert_int_eq(csv_next(csv), 3);
    ck_assert_int_eq(csv_line(csv), 1);
    ck_assert_int_eq(csv_next(csv), 3);
    ck_assert_int_eq(csv_line(csv), 2);
    ck_assert_str_eq(csv_field(csv, 1), "two, with comma");
    ck_assert_str_eq(csv_field(csv, 2), "say \"hi\"");
    ck_assert_int_eq(csv_next(csv), 3); //  the empty line is skipped
    ck_assert_int_eq(csv_line(csv), 4);
    ck_assert_str_eq(csv_field(csv, 0), "multi\nline");
    ck_assert_str_eq(csv_field(csv, 2), "");
    ck_assert_int_eq(csv_next(csv), 3);
    ck_assert_int_eq(csv_line(csv), 6);
    ck_assert_str_eq(csv_field(csv, 2), "end");
    ck_assert_int_eq(csv_next(csv), 0);
    csv_destroy(&csv);
    ck_assert_ptr_null(csv);
}
END_TEST

START_TEST(test_csv_malformed_records)
{
    const char *data = "ok,1\nbad\"quote,2\n\"closed\"junk,3\nfine,4\n\"never closed,5\n";
    csv_t *csv = csv_new(data, strlen(data));
    ck_assert_int_eq(csv_next(csv), 2);
    ck_assert_int_eq(csv_next(csv), -1);
    ck_assert_str_eq(csv_error(csv), "quote inside an unquoted field");
    ck_assert_int_eq(csv_next(csv), -1);
    ck_assert_str_eq(csv_error(csv), "text after a closing quote");
    ck_assert_int_eq(csv_next(csv), 2); //  reading goes on after a bad record
    ck_assert_str_eq(csv_field(csv, 0), "fine");
    ck_assert_int_eq(csv_line(csv), 4);
    ck_assert_int_eq(csv_next(csv), -1);
    ck_assert_str_eq(csv_error(csv), "quoted field not closed");
    csv_destroy(&csv);
}
END_TEST

START_TEST(test_text_encodings)
{
    size_t size;
    const char *encoding;
    //  长沙 in UTF-8 with a BOM, and in GBK (B3 A4 C9 B3)
    char *text = text_to_utf8("\xEF\xBB\xBF\xE9\x95\xBF\xE6\xB2\x99", 9, &size, &encoding);
    ck_assert_str_eq(text, "长沙");
    ck_assert_str_eq(encoding, "UTF-8 (BOM)");
    free(text);
    text = text_to_utf8("\xB3\xA4\xC9\xB3", 4, &size, &encoding);
    ck_assert_str_eq(text, "长沙");
    ck_assert_str_eq(encoding, "GB18030");
    free(text);
    //  a BOM that promises UTF-8 over bytes that are not is refused
    ck_assert_ptr_null(text_to_utf8("\xEF\xBB\xBF\xB3\xA4", 5, &size, &encoding));
    ck_assert_int_eq(text_utf8_valid("\xC0\xAF", 2), 0);     //  overlong '/'
    ck_assert_int_eq(text_utf8_valid("\xED\xA0\x80", 3), 0); //  surrogate
}
END_TEST

START_TEST(test_text_display_width)
{
    char buf[64];
    ck_assert_int_eq(text_display_width("湖南省"), 6);
    ck_assert_int_eq(text_display_width("T4.1-1"), 6);
    ck_assert_int_eq(text_display_width("（一）"), 6);
    ck_assert_str_eq(text_truncate("省科技厅、省财政厅", 9, buf, sizeof buf), "省科技厅…");
    ck_assert_str_eq(text_truncate("short", 9, buf, sizeof buf), "short");
    //  40 columns of 3-byte narrow characters do not fit 96 bytes: cut on a character boundary,
    //  never inside one (found by fuzz_feed_csv: a BAD_NUMBER message that was not UTF-8)
    char field[121], small[96];
    for (int i = 0; i < 40; i++)
        memcpy(field + 3 * i, "\xE2\x80\x94", 3); //  U+2014 EM DASH, one column
    field[120] = '\0';
    ck_assert_int_eq(text_display_width(field), 40);
    text_truncate(field, 40, small, sizeof small);
    ck_assert(text_utf8_valid(small, strlen(small)));
    ck_assert_uint_lt(strlen(small), sizeof small);
    ck_assert_str_eq(small + strlen(small) - 3, "…");
}
END_TEST

START_TEST(test_text_number)
{
    char buf[64];
    ck_assert_str_eq(text_number(14000, buf, sizeof buf), "14000");
    ck_assert_str_eq(text_number(8.6000001, buf, sizeof buf), "8.6");
    ck_assert_str_eq(text_number(-39.91369843, buf, sizeof buf), "-39.91");
    ck_assert_str_eq(text_number(2.5, buf, sizeof buf), "2.5");
    ck_assert_str_eq(text_number(0.0042, buf, sizeof buf), "0.0042");
    ck_assert_str_eq(text_number(-0.001, buf, sizeof buf), "-0.001");
    ck_assert_str_eq(text_number(0, buf, sizeof buf), "0");
}
END_TEST

static Suite *
csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_csv_quotes_and_lines);
    tcase_add_test(core, test_text_encodings);
    tcase_add_test(core, test_text_display_width);
    tcase_add_test(core, test_text_number);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_csv_malformed_records);
    suite_add_tcase(s, errors);
    return s;
}

TESTUTIL_MAIN(csv_suite)
