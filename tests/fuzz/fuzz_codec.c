/*  fuzz_codec.c - libFuzzer harness: any bytes, as any message type a service decodes.
    The first byte picks the type; what decodes is encoded and decoded again, all under ASan.
    Success of the second decode is not asserted: protobuf-c keeps unknown fields verbatim and
    accepts field number 0 in a non-minimal tag that it then re-emits in a form it refuses
    (regress-unknown-field-tag). Services never re-encode what they received. */
#include "codec.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const s_types[] = {
    "planwatch.v1.Feed",
    "planwatch.v1.Receipt",
    "planwatch.v1.Error",
    "planwatch.v1.Ping",
    "planwatch.v1.Pong",
    "planwatch.v1.ChangeNotice",
    "planwatch.v1.StatusChange",
    "planwatch.v1.Heartbeat",
    "planwatch.v1.Alert",
    "planwatch.v1.AlertGroup",
    "planwatch.v1.SnapshotRequest",
    "planwatch.v1.SnapshotReply",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *type = s_types[data[0] % (sizeof s_types / sizeof s_types[0])];
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
