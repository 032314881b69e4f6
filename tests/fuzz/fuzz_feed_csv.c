/*  fuzz_feed_csv.c - libFuzzer harness: any bytes as the CSV file a clerk hands to `planctl feed
    push` (services/planctl/planctl_feed_csv.c: encoding, header, records, plain numbers, row
    errors, the default feed id), and the Feed it becomes, encoded as planctl sends it.

    Invariants: a refused file says why; every field and every row error's message is valid
    UTF-8 (the Feed's strings go on the wire as protobuf strings, the messages to a terminal);
    row errors carry a known code and a line in file order; a value is finite and is what
    feed_csv_number reads; the default feed id follows PROTOCOL.md §5; the Feed encodes and
    decodes with the same rows. */
#include "codec.h"
#include "planctl.h"
#include "text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
s_utf8(const char *text)
{
    if (!text || !text_utf8_valid(text, strlen(text)))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char error[512] = "";
    feed_csv_t *file = feed_csv_parse((const char *)data, size, error, sizeof error);
    if (!file) {
        if (!*error)
            abort(); //  refused without saying why
        s_utf8(error);
        return 0;
    }
    s_utf8(file->encoding);
    int last = 0;
    for (size_t i = 0; i < file->error_count; i++) {
        const feed_csv_error_t *e = &file->errors[i];
        if (e->line < 1 || e->line < last || !e->code)
            abort();
        if (strcmp(e->code, "MISSING_FIELD") && strcmp(e->code, "BAD_NUMBER") &&
            strcmp(e->code, "EXTRA_FIELD") && strcmp(e->code, "BAD_CSV"))
            abort();
        s_utf8(e->message);
        last = e->line;
    }
    last = 0;
    for (size_t i = 0; i < file->feed.n_observations; i++) {
        const Planwatch__V1__Observation *o = file->feed.observations[i];
        s_utf8(o->org);
        s_utf8(o->indicator);
        s_utf8(o->period);
        s_utf8(o->note);
        if (!*o->org || !*o->indicator || !*o->period || !isfinite(o->value) ||
            (int)o->line < last || o->line < 2)
            abort();
        last = (int)o->line;
    }
    last = 0;
    for (size_t i = 0; i < file->feed.n_milestones; i++) {
        const Planwatch__V1__MilestoneReport *m = file->feed.milestones[i];
        s_utf8(m->task);
        s_utf8(m->state);
        s_utf8(m->date);
        s_utf8(m->evidence);
        if (!*m->task || !*m->state || !*m->date || (int)m->line < last || m->line < 2)
            abort();
        last = (int)m->line;
    }
    if (file->milestones ? file->feed.n_observations != 0 : file->feed.n_milestones != 0)
        abort(); //  a file is figures or milestones, never both
    char *id = feed_csv_default_id("GOV_430100", (const char *)data, size);
    if (!feed_client_id_valid(id))
        abort();
    file->feed.feed_id = id;
    size_t packed_size = 0;
    uint8_t *packed = codec_encode(&file->feed.base, &packed_size);
    if (!packed)
        abort();
    ProtobufCMessage *back = codec_decode("planwatch.v1.Feed", packed, packed_size);
    if (!back)
        abort();
    const Planwatch__V1__Feed *sent = (const Planwatch__V1__Feed *)back;
    if (sent->n_observations != file->feed.n_observations ||
        sent->n_milestones != file->feed.n_milestones || strcmp(sent->feed_id, id) != 0)
        abort();
    for (size_t i = 0; i < sent->n_observations; i++)
        if (sent->observations[i]->value != file->feed.observations[i]->value ||
            strcmp(sent->observations[i]->note, file->feed.observations[i]->note) != 0)
            abort();
    codec_free(&back);
    free(packed);
    file->feed.feed_id = NULL;
    free(id);
    feed_csv_destroy(&file);
    //  The number rule on its own, with the bytes as one field.
    char *field = strndup((const char *)data, size);
    double value = 0;
    if (field && feed_csv_number(field, &value) == 0 && !isfinite(value))
        abort();
    free(field);
    return 0;
}
