/*  codec.c - the one place that calls protobuf-c pack and unpack */
#include "codec.h"

#include <stdlib.h>
#include <string.h>

static const ProtobufCMessageDescriptor *s_known[] = {
    &planwatch__v1__observation__descriptor,    &planwatch__v1__milestone_report__descriptor,
    &planwatch__v1__feed__descriptor,           &planwatch__v1__row_error__descriptor,
    &planwatch__v1__receipt__descriptor,        &planwatch__v1__error__descriptor,
    &planwatch__v1__ping__descriptor,           &planwatch__v1__pong__descriptor,
    &planwatch__v1__series_ref__descriptor,     &planwatch__v1__change_notice__descriptor,
    &planwatch__v1__status_change__descriptor,  &planwatch__v1__heartbeat__descriptor,
    &planwatch__v1__unit_ref__descriptor,       &planwatch__v1__alert__descriptor,
    &planwatch__v1__alert_group__descriptor,    &planwatch__v1__snapshot_request__descriptor,
    &planwatch__v1__snapshot_reply__descriptor, &planwatch__v1__stream_heartbeat__descriptor,
};

const ProtobufCMessageDescriptor *
codec_lookup(const char *type_name)
{
    if (!type_name)
        return NULL;
    for (size_t i = 0; i < sizeof s_known / sizeof s_known[0]; i++)
        if (strcmp(s_known[i]->name, type_name) == 0)
            return s_known[i];
    return NULL;
}

ProtobufCMessage *
codec_decode_as(const ProtobufCMessageDescriptor *descriptor, const uint8_t *data, size_t size)
{
    if (!descriptor)
        return NULL;
    return protobuf_c_message_unpack(descriptor, NULL, size, data);
}

ProtobufCMessage *
codec_decode(const char *type_name, const uint8_t *data, size_t size)
{
    return codec_decode_as(codec_lookup(type_name), data, size);
}

uint8_t *
codec_encode(const ProtobufCMessage *msg, size_t *size)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return NULL;
    *size = protobuf_c_message_pack(msg, buf);
    return buf;
}

void
codec_free(ProtobufCMessage **msg_p)
{
    if (msg_p && *msg_p) {
        protobuf_c_message_free_unpacked(*msg_p, NULL);
        *msg_p = NULL;
    }
}

const char *
codec_type_name(const ProtobufCMessage *msg)
{
    return msg->descriptor->name;
}
