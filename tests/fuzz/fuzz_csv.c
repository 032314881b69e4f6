/*  fuzz_csv.c - libFuzzer harness: any bytes as a file a clerk hands over (encoding detection,
    conversion, CSV records). */
#include "csv.h"
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t utf8_size = 0;
    const char *encoding = NULL;
    char *text = text_to_utf8((const char *)data, size, &utf8_size, &encoding);
    if (!text)
        return 0;
    if (!text_utf8_valid(text, utf8_size))
        abort(); //  conversion must yield UTF-8
    csv_t *csv = csv_new(text, utf8_size);
    int n, records = 0, last_line = 0;
    while ((n = csv_next(csv)) != 0 && records < 100000) {
        if (n > 0) {
            if (csv_line(csv) < last_line)
                abort(); //  line numbers never go back
            last_line = csv_line(csv);
            for (int i = 0; i < n; i++)
                (void)text_display_width(csv_field(csv, i));
        }
        records++;
    }
    csv_destroy(&csv);
    free(text);
    return 0;
}
