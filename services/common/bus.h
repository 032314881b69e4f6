/*  bus.h - message framing on ZeroMQ sockets.

    Every planwatch message is two frames: the full protobuf type name ("planwatch.v1.Feed") and
    the packed protobuf bytes. On a ROUTER the peer's routing id and, from REQ peers, an empty
    delimiter frame come first; bus_reply puts them back. On PUB sockets the type frame is the
    topic, so a SUB subscribes by type name.
*/
#ifndef PW_BUS_H
#define PW_BUS_H

#include <czmq.h>

#include "codec.h"

typedef enum {
    BUS_OK = 0,
    BUS_ERR_FRAMES, //  not the frames of a planwatch message
    BUS_ERR_TYPE,   //  a type name the codec does not know
    BUS_ERR_SIZE,   //  the payload exceeds the size limit
    BUS_ERR_DECODE, //  the payload is not a valid message of its type
} bus_error_t;

typedef struct {
    zframe_t *routing;      //  ROUTER routing id (owned), NULL on other sockets
    int delimiter;          //  1 when an empty delimiter frame followed the routing id
    char *type;             //  type name as received (owned), NULL when there was none
    ProtobufCMessage *body; //  decoded message (owned), NULL unless error is BUS_OK
    size_t size;            //  payload bytes received
    char *user_id;          //  ZAP User-Id of the connection (owned), NULL when none
    char *unit;             //  "unit" metadata of the peer's certificate (owned), NULL when none
    bus_error_t error;      //  why body is NULL
} bus_msg_t;

//  Receives one message. routed: the socket is a ROUTER. max_size: payload limit in bytes
//  (0: none). Returns an owned message, possibly with error set, or NULL when interrupted.
bus_msg_t *bus_recv(zsock_t *sock, int routed, size_t max_size);

//  Frees a received message and sets *self_p to NULL. Idempotent.
void bus_msg_destroy(bus_msg_t **self_p);

//  Sends msg as [type][payload] on a DEALER, REQ, PUB, PUSH or PAIR socket.
//  Returns 0, or -1 when the socket refused it (errno from ZeroMQ).
int bus_send(zsock_t *sock, const ProtobufCMessage *msg);

//  Sends msg without blocking; returns -1 (EAGAIN) when the peer's queue is full.
int bus_send_nowait(zsock_t *sock, const ProtobufCMessage *msg);

//  Replies on a ROUTER to the peer a request came from. Returns 0 or -1.
int bus_reply(zsock_t *sock, const bus_msg_t *request, const ProtobufCMessage *msg);

//  The address a client connects to for an endpoint a server binds: "tcp://*:7704" becomes
//  "tcp://127.0.0.1:7704"; any other endpoint is copied. Returns buf.
char *bus_connect_endpoint(const char *endpoint, char *buf, size_t size);

//  A text for a bus_error_t, e.g. "BAD_MESSAGE".
const char *bus_error_code(bus_error_t error);

#endif
