/*  codec.h - the one place that calls protobuf-c pack and unpack.

    Messages travel with their full protobuf type name ("planwatch.v1.Feed"); the codec knows
    every type of proto/planwatch/v1 and refuses anything else.
*/
#ifndef PW_CODEC_H
#define PW_CODEC_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "planwatch/v1/alert.pb-c.h"
#include "planwatch/v1/control.pb-c.h"
#include "planwatch/v1/eval.pb-c.h"
#include "planwatch/v1/feed.pb-c.h"

//  The descriptor of a known message type, or NULL.
const ProtobufCMessageDescriptor *codec_lookup(const char *type_name);

//  Decodes bytes as the named type. Returns an owned message (free it with codec_free), or NULL
//  when the type is unknown or the bytes are not a valid message of that type.
ProtobufCMessage *codec_decode(const char *type_name, const uint8_t *data, size_t size);

//  Decodes bytes as the given type; NULL on invalid bytes. Owned, free with codec_free.
ProtobufCMessage *codec_decode_as(const ProtobufCMessageDescriptor *descriptor, const uint8_t *data,
                                  size_t size);

//  Encodes a message. Returns an owned buffer of *size bytes (free()), or NULL on out-of-memory.
uint8_t *codec_encode(const ProtobufCMessage *msg, size_t *size);

//  Frees a decoded message and sets *msg_p to NULL. Idempotent.
void codec_free(ProtobufCMessage **msg_p);

//  The full type name of a message ("planwatch.v1.Feed").
const char *codec_type_name(const ProtobufCMessage *msg);

#endif
