/*  fuzz_bus.c - libFuzzer harness: any frames, as every service socket reads them (bus_recv) and
    answers them (bus_reply): ingestd's feed and control ROUTERs, evaluatord's and alertd's
    ROUTERs (routed), evaluatord's and alertd's SUBs (not routed), with each size limit a
    service uses. fuzz_codec covers the payload of each type; this covers the frames around it:
    how many, an empty delimiter, the type frame, the limit, and the reply to whoever sent it.

    Byte 0: bit 0 routed (DEALER -> ROUTER) or not (PAIR), bits 1-2 the size limit. Then frames,
    each one length byte and that many bytes (255: the rest of the input), at most 8.
    Invariants: a message decodes (error OK) exactly when it is two frames [known type][bytes
    within the limit that decode]; the reply reaches the sender as [type][Error] (after the
    delimiter a REQ peer sent) and decodes. */
#include "bus.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static zsock_t *s_router, *s_dealer, *s_pair_a, *s_pair_b;

static void
s_setup(void)
{
    if (s_router)
        return;
    zsys_set_logstream(NULL);
    s_router = zsock_new_router("inproc://fuzz-bus-router");
    s_dealer = zsock_new_dealer(">inproc://fuzz-bus-router");
    s_pair_a = zsock_new_pair("@inproc://fuzz-bus-pair");
    s_pair_b = zsock_new_pair(">inproc://fuzz-bus-pair");
    if (!s_router || !s_dealer || !s_pair_a || !s_pair_b)
        abort();
}

//  The limits the services pass to bus_recv: none, alertd/ingestd control, ingestd control,
//  a feed limit as small as the ingest tests set it.
static const size_t s_limits[4] = {0, 4096, 65536, 1 << 20};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    s_setup();
    int routed = data[0] & 1;
    size_t limit = s_limits[(data[0] >> 1) & 3];
    zmsg_t *msg = zmsg_new();
    size_t at = 1;
    while (at < size && zmsg_size(msg) < 8) {
        size_t len = data[at++];
        if (len == 255 || len > size - at)
            len = size - at;
        zmsg_addmem(msg, data + at, len);
        at += len;
    }
    if (zmsg_size(msg) == 0) {
        zmsg_destroy(&msg);
        return 0;
    }
    //  What the receiver should conclude, from the frames alone (a DEALER's first empty frame
    //  is read as a REQ delimiter by a ROUTER, so it does not count).
    size_t frames = zmsg_size(msg);
    zframe_t *first = zmsg_first(msg);
    int delimiter = routed && zframe_size(first) == 0;
    zframe_t *type = delimiter ? zmsg_next(msg) : first; //  NULL for a lone delimiter
    size_t body_frames = frames - (size_t)delimiter;
    //  The type frame is exactly a type name: a NUL inside it makes it none.
    int shape_ok = body_frames == 2 && zframe_size(type) > 0 && zframe_size(type) < 128 &&
                   !memchr(zframe_data(type), '\0', zframe_size(type));
    char *type_name = type ? zframe_strdup(type) : strdup("");
    const ProtobufCMessageDescriptor *known = shape_ok ? codec_lookup(type_name) : NULL;
    size_t payload_size = zframe_size(zmsg_last(msg));
    free(type_name);

    zsock_t *out = routed ? s_dealer : s_pair_b;
    zsock_t *in = routed ? s_router : s_pair_a;
    if (zmsg_send(&msg, out) != 0)
        abort();
    bus_msg_t *got = bus_recv(in, routed, limit);
    if (!got)
        abort();
    if ((got->error == BUS_OK) != (got->body != NULL))
        abort();
    if (got->error == BUS_OK) {
        if (!known || got->body->descriptor != known || (limit && got->size > limit) ||
            strcmp(codec_type_name(got->body), got->type) != 0)
            abort();
    } else if (shape_ok && known && (!limit || payload_size <= limit) &&
               got->error != BUS_ERR_DECODE)
        abort(); //  two good frames can only fail to decode
    else if (!shape_ok && got->error != BUS_ERR_FRAMES)
        abort();
    if (strlen(bus_error_code(got->error)) == 0)
        abort();
    if (got->delimiter != delimiter)
        abort();

    //  The answer, as every service sends one to a message it refuses.
    Planwatch__V1__Error error = PLANWATCH__V1__ERROR__INIT;
    error.code = (char *)bus_error_code(got->error);
    error.message = "fuzz";
    if (bus_reply(in, got, &error.base) != 0)
        abort();
    bus_msg_destroy(&got);
    zmsg_t *reply = zmsg_recv(out);
    if (!reply || zmsg_size(reply) != 2 + (size_t)delimiter)
        abort();
    if (delimiter) {
        zframe_t *empty = zmsg_pop(reply);
        if (zframe_size(empty) != 0)
            abort();
        zframe_destroy(&empty);
    }
    char *reply_type = zmsg_popstr(reply);
    zframe_t *payload = zmsg_pop(reply);
    ProtobufCMessage *decoded =
        codec_decode(reply_type, zframe_data(payload), zframe_size(payload));
    if (!decoded || strcmp(reply_type, "planwatch.v1.Error") != 0)
        abort();
    codec_free(&decoded);
    zframe_destroy(&payload);
    free(reply_type);
    zmsg_destroy(&reply);
    return 0;
}
