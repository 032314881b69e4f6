/*  fuzz_feed.c - libFuzzer harness: any bytes as the payload of a planwatch.v1.Feed frame, through
    what ingestd does with it before the store: decode, feed id and emptiness, then every row
    against the real catalog (deploy/plan, loaded once) for one of the catalog's units on one of
    several days.

    ingest_check_new needs no store: ingestd reads the catalog and "today" from the store and
    hands both in, so the harness hands in the catalog files and a day instead. What the store
    would do with the accepted rows (COPY) is not fuzzed here; check_ingest covers it.

    Byte 0 picks the unit (every responsible unit of the catalog, and one the catalog does not
    know), byte 1 the day (2021-01-01 + 8 days per step, into 2026), the rest is the Feed.
    Invariants: every row gets a verdict, counts add up, a refused row says why in valid UTF-8,
    an accepted observation has a canonical period of its indicator's type that has begun, an
    accepted milestone names a milestone target and a day not after today, and the receipt built
    from the verdict encodes and decodes. */
#include "codec.h"
#include "ingestd.h"
#include "text.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static catalog_t *s_catalog;

static const catalog_t *
s_setup(void)
{
    if (s_catalog)
        return s_catalog;
    const char *plan = getenv("PLAN_DIR");
    zlist_t *errors = zlist_new();
    zlist_autofree(errors);
    s_catalog = catalog_load_files(plan ? plan : "deploy/plan", errors);
    zlist_destroy(&errors);
    if (!s_catalog)
        abort(); //  PLAN_DIR must point at deploy/plan
    return s_catalog;
}

//  A refused row's message: present, valid UTF-8, bounded (s_reject formats into 512 bytes).
static void
s_check_refusal(const ingest_row_t *row)
{
    if (row->reason <= INGEST_OK || row->reason >= INGEST_REASON_COUNT || !row->message)
        abort();
    size_t len = strlen(row->message);
    if (len == 0 || len >= 512 || !text_utf8_valid(row->message, len))
        abort();
    if (strcmp(ingest_reason_code(row->reason), "UNKNOWN") == 0)
        abort();
}

//  Builds the receipt as ingestd does (ingestd_feed.c) and round-trips it through the codec.
static void
s_receipt_roundtrip(const char *unit, const Planwatch__V1__Feed *feed, const ingest_check_t *check)
{
    Planwatch__V1__Receipt receipt = PLANWATCH__V1__RECEIPT__INIT;
    receipt.feed_id = feed->feed_id;
    receipt.unit = (char *)unit;
    receipt.accepted = (uint32_t)check->accepted;
    receipt.rejected = (uint32_t)check->rejected;
    Planwatch__V1__RowError *errors = calloc(check->rejected + 1, sizeof *errors);
    Planwatch__V1__RowError **pointers = calloc(check->rejected + 1, sizeof *pointers);
    if (!errors || !pointers)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < check->obs_count + check->ms_count; i++) {
        bool obs = i < check->obs_count;
        const ingest_row_t *row = obs ? &check->obs[i] : &check->ms[i - check->obs_count];
        if (row->reason == INGEST_OK)
            continue;
        Planwatch__V1__RowError *e = &errors[n];
        planwatch__v1__row_error__init(e);
        e->kind =
            obs ? PLANWATCH__V1__ROW_KIND__ROW_OBSERVATION : PLANWATCH__V1__ROW_KIND__ROW_MILESTONE;
        e->index = (uint32_t)(obs ? i : i - check->obs_count);
        e->reason = (char *)ingest_reason_code(row->reason);
        e->message = row->message;
        pointers[n++] = e;
    }
    if (n != check->rejected)
        abort();
    receipt.n_errors = n;
    receipt.errors = pointers;
    size_t size = 0;
    uint8_t *bytes = codec_encode(&receipt.base, &size);
    if (!bytes)
        abort();
    ProtobufCMessage *back = codec_decode("planwatch.v1.Receipt", bytes, size);
    if (!back || ((Planwatch__V1__Receipt *)back)->n_errors != n)
        abort();
    codec_free(&back);
    free(bytes);
    free(errors);
    free(pointers);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const catalog_t *catalog = s_setup();
    size_t units = catalog_unit_count(catalog);
    size_t pick = data[0] % (units + 1);
    const char *unit = pick < units ? catalog_unit_at(catalog, pick)->code : "GOV_999999";
    day_t today = day_from_ymd(2021, 1, 1) + 8 * (day_t)data[1];
    ProtobufCMessage *msg = codec_decode("planwatch.v1.Feed", data + 2, size - 2);
    if (!msg)
        return 0;
    const Planwatch__V1__Feed *feed = (const Planwatch__V1__Feed *)msg;
    //  ingestd_feed_handle refuses these as a whole before any row is judged.
    if (!ingest_feed_id_valid(feed->feed_id) || feed->n_observations + feed->n_milestones == 0) {
        codec_free(&msg);
        return 0;
    }
    ingest_check_t *check = ingest_check_new(catalog, unit, today, feed);
    if (!check || check->obs_count != feed->n_observations ||
        check->ms_count != feed->n_milestones ||
        check->accepted + check->rejected != check->obs_count + check->ms_count)
        abort();
    for (size_t i = 0; i < check->obs_count; i++) {
        const ingest_row_t *row = &check->obs[i];
        if (row->reason != INGEST_OK) {
            s_check_refusal(row);
            continue;
        }
        const Planwatch__V1__Observation *o = feed->observations[i];
        const indicator_t *ind = catalog_indicator(catalog, o->indicator);
        period_t p;
        if (!ind || !catalog_org(catalog, o->org) || row->message ||
            period_parse(row->period, ind->period, &p) != 0 || p.start > today)
            abort();
        char again[PERIOD_TEXT_SIZE];
        if (strcmp(period_format(&p, again), row->period) != 0)
            abort(); //  the stored period text is canonical
    }
    for (size_t i = 0; i < check->ms_count; i++) {
        const ingest_row_t *row = &check->ms[i];
        if (row->reason != INGEST_OK) {
            s_check_refusal(row);
            continue;
        }
        day_t d;
        if (!row->target || row->target->kind != TARGET_MILESTONE || row->message ||
            day_parse(row->date, &d) != 0 || d > today)
            abort();
    }
    s_receipt_roundtrip(unit, feed, check);
    ingest_check_destroy(&check);
    codec_free(&msg);
    return 0;
}
