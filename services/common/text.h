/*  text.h - UTF-8: validation, conversion from what Excel saves, terminal display width. */
#ifndef PW_TEXT_H
#define PW_TEXT_H

#include <stddef.h>
#include <stdio.h>

//  Reads a whole file (CZMQ's zchunk_slurp). Returns an owned NUL-terminated buffer and its
//  length in *size (not counting the NUL), or NULL when the file cannot be read.
char *text_read_file(const char *path, size_t *size);

//  True when the bytes are well-formed UTF-8 (no overlongs, no surrogates).
int text_utf8_valid(const char *s, size_t size);

//  Converts a file's bytes to UTF-8: strips a UTF-8 BOM; keeps valid UTF-8; otherwise reads it
//  as GB18030 (a superset of GBK, what Excel on Chinese Windows saves) through iconv.
//  Returns an owned NUL-terminated buffer (*out_size bytes, not counting the NUL) and sets
//  *encoding to "UTF-8", "UTF-8 (BOM)" or "GB18030"; NULL when the bytes are neither.
char *text_to_utf8(const char *data, size_t size, size_t *out_size, const char **encoding);

//  Columns a UTF-8 string takes on a terminal: 2 for East Asian wide and fullwidth characters.
int text_display_width(const char *s);

//  Copies s into buf (size bytes) cut to at most width display columns, ending in "…" when cut.
//  Returns buf.
char *text_truncate(const char *s, int width, char *buf, size_t size);

//  A number as a clerk writes it: no exponent, at most two decimals, no trailing zeros ("8.6",
//  "14000", "-39.91"); a value below 0.01 keeps two significant digits. Returns buf.
char *text_number(double v, char *buf, size_t size);

//  Prints s left-aligned in a field of width display columns (no truncation).
void text_print_padded(FILE *out, const char *s, int width);

#endif
