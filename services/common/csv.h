/*  csv.h - RFC 4180 records from a memory buffer, with the line each record starts on.

    Quoted fields may hold commas, doubled quotes and line breaks; CRLF and LF both end a record;
    entirely empty lines are skipped. The buffer must be UTF-8 already (see text.h).
*/
#ifndef PW_CSV_H
#define PW_CSV_H

#include <stddef.h>

typedef struct csv_t csv_t;

//  Starts reading data (borrowed: it must outlive the reader). Returns NULL on out-of-memory.
csv_t *csv_new(const char *data, size_t size);

//  Frees the reader and sets *self_p to NULL. Idempotent.
void csv_destroy(csv_t **self_p);

//  Reads the next record. Returns its field count (>= 1), 0 at the end of the data, or -1 when
//  the record is malformed (csv_error says why; reading can go on with the next line).
int csv_next(csv_t *self);

//  Field i of the current record (borrowed until the next csv_next), "" when i is out of range.
const char *csv_field(csv_t *self, int i);

//  Field count of the current record.
int csv_count(csv_t *self);

//  1-based line number where the current record starts.
int csv_line(csv_t *self);

//  Why the last csv_next returned -1.
const char *csv_error(csv_t *self);

//  Index of the header field named name in the current record, or -1.
int csv_find(csv_t *self, const char *name);

#endif
