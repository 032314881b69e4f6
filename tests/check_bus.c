/*  check_bus.c - message framing on real ZeroMQ sockets: what bus_recv accepts and refuses */
#include "testutil.h"

#include "bus.h"

#include <string.h>

//  A connected pair of sockets over inproc.
typedef struct {
    zsock_t *server; //  ROUTER when routed, else PAIR
    zsock_t *client; //  REQ when routed, else PAIR
} pair_t;

static pair_t
s_pair(int routed)
{
    static int n;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://check-bus-%d", n++);
    pair_t p;
    p.server = zsock_new(routed ? ZMQ_ROUTER : ZMQ_PAIR);
    p.client = zsock_new(routed ? ZMQ_REQ : ZMQ_PAIR);
    ck_assert_int_eq(zsock_bind(p.server, "%s", endpoint), 0);
    ck_assert_int_eq(zsock_connect(p.client, "%s", endpoint), 0);
    zsock_set_rcvtimeo(p.server, 2000);
    zsock_set_rcvtimeo(p.client, 2000);
    return p;
}

static void
s_pair_destroy(pair_t *p)
{
    zsock_destroy(&p->client);
    zsock_destroy(&p->server);
}

//  Sends raw frames: the type frame given by bytes (may hold NUL) and a payload.
static void
s_send_raw(zsock_t *sock, const void *type, size_t type_size, const void *payload, size_t size)
{
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, type, type_size);
    zmsg_addmem(msg, payload, size);
    ck_assert_int_eq(zmsg_send(&msg, sock), 0);
}

START_TEST(test_bus_round_trip_and_reply)
{
    pair_t p = s_pair(1);
    Planwatch__V1__Ping ping = PLANWATCH__V1__PING__INIT;
    ping.nonce = 42;
    ck_assert_int_eq(bus_send(p.client, &ping.base), 0);
    bus_msg_t *msg = bus_recv(p.server, 1, 1024);
    ck_assert_ptr_nonnull(msg);
    ck_assert_int_eq(msg->error, BUS_OK);
    ck_assert_str_eq(msg->type, "planwatch.v1.Ping");
    ck_assert(msg->delimiter); //  REQ's empty frame, put back by bus_reply
    ck_assert_int_eq(((Planwatch__V1__Ping *)msg->body)->nonce, 42);
    Planwatch__V1__Pong pong = PLANWATCH__V1__PONG__INIT;
    pong.nonce = 43;
    ck_assert_int_eq(bus_reply(p.server, msg, &pong.base), 0);
    bus_msg_destroy(&msg);
    ck_assert_ptr_null(msg);
    bus_msg_t *reply = bus_recv(p.client, 0, 0);
    ck_assert_int_eq(reply->error, BUS_OK);
    ck_assert_int_eq(((Planwatch__V1__Pong *)reply->body)->nonce, 43);
    bus_msg_destroy(&reply);
    s_pair_destroy(&p);
}
END_TEST

//  What is not a planwatch message gets an error code, never a crash.
static const struct {
    const char *name;    //  what the case is
    const char *type;    //  type frame bytes
    size_t type_size;    //  its length (may include NUL)
    const char *payload; //  payload bytes
    size_t payload_size; //  its length
    size_t limit;        //  bus_recv's size limit
    bus_error_t expect;  //  the verdict
} s_refusals[] = {
    {"NUL inside the type", "planwatch.v1.Ping\0junk", 22, "\x08\x01", 2, 0, BUS_ERR_FRAMES},
    {"empty type", "", 0, "\x08\x01", 2, 0, BUS_ERR_FRAMES},
    {"unknown type", "planwatch.v1.Nothing", 20, "\x08\x01", 2, 0, BUS_ERR_TYPE},
    {"over the limit", "planwatch.v1.Ping", 17, "\x08\x01\x08\x01", 4, 3, BUS_ERR_SIZE},
    {"garbage payload", "planwatch.v1.Ping", 17, "\xff\xff\xff", 3, 0, BUS_ERR_DECODE},
};

START_TEST(test_bus_refusals)
{
    pair_t p = s_pair(0);
    s_send_raw(p.client, s_refusals[_i].type, s_refusals[_i].type_size, s_refusals[_i].payload,
               s_refusals[_i].payload_size);
    bus_msg_t *msg = bus_recv(p.server, 0, s_refusals[_i].limit);
    ck_assert_ptr_nonnull(msg);
    ck_assert_msg(msg->error == s_refusals[_i].expect, "%s: got %s", s_refusals[_i].name,
                  bus_error_code(msg->error));
    ck_assert_ptr_null(msg->body);
    bus_msg_destroy(&msg);
    s_pair_destroy(&p);
}
END_TEST

START_TEST(test_bus_connect_endpoint)
{
    char buf[64];
    ck_assert_str_eq(bus_connect_endpoint("tcp://*:7704", buf, sizeof buf), "tcp://127.0.0.1:7704");
    ck_assert_str_eq(bus_connect_endpoint("tcp://10.0.0.5:7701", buf, sizeof buf),
                     "tcp://10.0.0.5:7701");
}
END_TEST

static Suite *
bus_suite(void)
{
    Suite *s = suite_create("bus");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_bus_round_trip_and_reply);
    tcase_add_test(core, test_bus_connect_endpoint);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_loop_test(errors, test_bus_refusals, 0, sizeof s_refusals / sizeof s_refusals[0]);
    suite_add_tcase(s, errors);
    return s;
}

TESTUTIL_MAIN(bus_suite)
