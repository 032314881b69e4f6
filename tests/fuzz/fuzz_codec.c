/*  fuzz_codec.c - libFuzzer harness: any bytes, as any message type a service decodes.
    The first byte picks the type; what decodes is encoded and decoded again, all under ASan.
    Success of the second decode is not asserted: protobuf-c keeps unknown fields verbatim and
    accepts field number 0 in a non-minimal tag that it then re-emits in a form it refuses
    (regress-unknown-field-tag). Services never re-encode what they received.

    The types are every message of proto/planwatch/v1: bus_recv decodes whatever type the codec
    knows before the service looks at it, so a peer can make any service decode any of them
    (planctl alerts tail reads StreamHeartbeat, alertd the nested UnitRef, ingestd the nested
    Observation and MilestoneReport). New types go at the end, so that a seed whose first byte
    is below the old count keeps its type (regress-unknown-field-tag, byte 25, was a Receipt
    among 12 types and is a Heartbeat among 18: the unknown field 0 it holds is read the same way
    in every type). */
#include "codec.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const ProtobufCMessageDescriptor *const s_types[] = {
    &planwatch__v1__feed__descriptor,             //  0
    &planwatch__v1__receipt__descriptor,          //  1
    &planwatch__v1__error__descriptor,            //  2
    &planwatch__v1__ping__descriptor,             //  3
    &planwatch__v1__pong__descriptor,             //  4
    &planwatch__v1__change_notice__descriptor,    //  5
    &planwatch__v1__status_change__descriptor,    //  6
    &planwatch__v1__heartbeat__descriptor,        //  7
    &planwatch__v1__alert__descriptor,            //  8
    &planwatch__v1__alert_group__descriptor,      //  9
    &planwatch__v1__snapshot_request__descriptor, //  10
    &planwatch__v1__snapshot_reply__descriptor,   //  11
    &planwatch__v1__stream_heartbeat__descriptor, //  12
    &planwatch__v1__observation__descriptor,      //  13
    &planwatch__v1__milestone_report__descriptor, //  14
    &planwatch__v1__row_error__descriptor,        //  15
    &planwatch__v1__series_ref__descriptor,       //  16
    &planwatch__v1__unit_ref__descriptor,         //  17
};
#define TYPES (sizeof s_types / sizeof s_types[0])

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *type = s_types[data[0] % TYPES]->name;
    //  Decoded by name, as bus_recv does: a type the codec does not know is a harness bug.
    if (!codec_lookup(type)) {
        fprintf(stderr, "fuzz_codec: the codec does not know %s\n", type);
        abort();
    }
    ProtobufCMessage *msg = codec_decode(type, data + 1, size - 1);
    if (!msg)
        return 0;
    size_t n = 0;
    uint8_t *once = codec_encode(msg, &n);
    ProtobufCMessage *again = codec_decode(type, once, n);
    free(once);
    codec_free(&again);
    codec_free(&msg);
    return 0;
}
