/*  bus.c - message framing on ZeroMQ sockets */
#include "bus.h"

#include <string.h>

//  Copies a frame's ZeroMQ metadata property, or NULL when the frame has none.
static char *
s_meta(zframe_t *frame, const char *property)
{
    const char *value = zframe_meta(frame, property);
    return value ? strdup(value) : NULL;
}

bus_msg_t *
bus_recv(zsock_t *sock, int routed, size_t max_size)
{
    zmsg_t *msg = zmsg_recv(sock);
    if (!msg)
        return NULL;
    bus_msg_t *self = calloc(1, sizeof *self);
    assert(self);
    self->error = BUS_ERR_FRAMES;
    if (routed) {
        self->routing = zmsg_pop(msg);
        zframe_t *next = zmsg_first(msg);
        if (next && zframe_size(next) == 0) {
            zframe_t *empty = zmsg_pop(msg);
            zframe_destroy(&empty);
            self->delimiter = 1;
        }
    }
    zframe_t *type = zmsg_pop(msg);
    zframe_t *payload = zmsg_pop(msg);
    zframe_t *meta_frame = payload ? payload : type;
    if (meta_frame) {
        self->user_id = s_meta(meta_frame, "User-Id");
        self->unit = s_meta(meta_frame, "unit");
    }
    //  The type frame is exactly the type name: no NUL inside ("planwatch.v1.Feed\0junk" is not
    //  a Feed, whatever a C string of it would say).
    if (type && payload && zmsg_size(msg) == 0 && zframe_size(type) > 0 &&
        zframe_size(type) < 128 && !memchr(zframe_data(type), '\0', zframe_size(type))) {
        self->type = zframe_strdup(type);
        self->size = zframe_size(payload);
        const ProtobufCMessageDescriptor *descriptor = codec_lookup(self->type);
        if (!descriptor)
            self->error = BUS_ERR_TYPE;
        else if (max_size && self->size > max_size)
            self->error = BUS_ERR_SIZE;
        else {
            self->body = codec_decode_as(descriptor, zframe_data(payload), self->size);
            self->error = self->body ? BUS_OK : BUS_ERR_DECODE;
        }
    }
    zframe_destroy(&type);
    zframe_destroy(&payload);
    zmsg_destroy(&msg);
    return self;
}

void
bus_msg_destroy(bus_msg_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bus_msg_t *self = *self_p;
    zframe_destroy(&self->routing);
    free(self->type);
    codec_free(&self->body);
    free(self->user_id);
    free(self->unit);
    free(self);
    *self_p = NULL;
}

//  Builds [type][payload] frames behind whatever msg already holds, and sends them.
static int
s_send(zsock_t *sock, zmsg_t *msg, const ProtobufCMessage *body, int flags)
{
    size_t size = 0;
    uint8_t *bytes = codec_encode(body, &size);
    if (!bytes) {
        zmsg_destroy(&msg);
        return -1;
    }
    zmsg_addstr(msg, codec_type_name(body));
    zmsg_addmem(msg, bytes, size);
    free(bytes);
    if (!flags)
        return zmsg_send(&msg, sock);
    //  zmsg_send cannot take ZMQ_DONTWAIT: send frame by frame.
    void *handle = zsock_resolve(sock);
    size_t frames = zmsg_size(msg);
    int rc = 0;
    for (size_t i = 0; i < frames && rc == 0; i++) {
        zframe_t *frame = zmsg_pop(msg);
        int more = i + 1 < frames ? ZFRAME_MORE : 0;
        rc = zframe_send(&frame, handle, more | ZFRAME_DONTWAIT);
        zframe_destroy(&frame);
    }
    zmsg_destroy(&msg);
    return rc;
}

int
bus_send(zsock_t *sock, const ProtobufCMessage *msg)
{
    return s_send(sock, zmsg_new(), msg, 0);
}

int
bus_send_nowait(zsock_t *sock, const ProtobufCMessage *msg)
{
    return s_send(sock, zmsg_new(), msg, ZFRAME_DONTWAIT);
}

int
bus_reply(zsock_t *sock, const bus_msg_t *request, const ProtobufCMessage *msg)
{
    zmsg_t *out = zmsg_new();
    if (request->routing)
        zmsg_append(out, &(zframe_t *){zframe_dup(request->routing)});
    if (request->delimiter)
        zmsg_addmem(out, "", 0);
    return s_send(sock, out, msg, 0);
}

const char *
bus_error_code(bus_error_t error)
{
    switch (error) {
    case BUS_OK:
        return "OK";
    case BUS_ERR_FRAMES:
        return "BAD_FRAMES";
    case BUS_ERR_TYPE:
        return "UNKNOWN_TYPE";
    case BUS_ERR_SIZE:
        return "MESSAGE_TOO_LARGE";
    case BUS_ERR_DECODE:
        return "BAD_MESSAGE";
    }
    return "BAD_MESSAGE";
}

char *
bus_connect_endpoint(const char *endpoint, char *buf, size_t size)
{
    const char *star = strstr(endpoint, "://*:");
    if (star)
        snprintf(buf, size, "%.*s://127.0.0.1:%s", (int)(star - endpoint), endpoint, star + 5);
    else
        snprintf(buf, size, "%s", endpoint);
    return buf;
}
