/*  testutil_sink.h - a local HTTP receiver and a local SMTP sink for the alerter's tests.

    Each sink is an actor listening on 127.0.0.1; it records every request body (HTTP) or
    message (SMTP DATA) and answers with the status the test sets. Nothing leaves the machine.
*/
#ifndef TESTUTIL_SINK_H
#define TESTUTIL_SINK_H

typedef struct sink_t sink_t;

typedef enum { SINK_HTTP = 0, SINK_SMTP = 1 } sink_kind_t;

//  Starts a sink on 127.0.0.1:port (0: a free port). Fails the test when it cannot listen.
sink_t *sink_new(sink_kind_t kind, int port);

//  Stops the sink; sets *self_p to NULL. Idempotent.
void sink_destroy(sink_t **self_p);

int sink_port(sink_t *self);

//  HTTP: the status of the next answers (200 ...); 0 closes the listening socket (connection
//  refused, a receiver that is down) and any other value opens it again on the same port.
//  SMTP: 250 accepts, 550 refuses the recipient; 0 closes as for HTTP. body: HTTP answer body
//  (NULL: {"errcode":0,"errmsg":"ok"}).
void sink_set_status(sink_t *self, int status, const char *body);

//  Every answer (HTTP) or the answer to DATA (SMTP) waits ms milliseconds first: a slow receiver.
void sink_set_delay(sink_t *self, int ms);

//  Requests or messages received so far.
int sink_count(sink_t *self);

//  The body (HTTP) or message (SMTP) number i, or NULL. Owned.
char *sink_message(sink_t *self, int i);

//  HTTP: the request line and headers of request number i, or NULL. Owned.
char *sink_head(sink_t *self, int i);

//  The status request or message i was answered with (HTTP status; SMTP 250 for a message
//  taken), 0 when there is no such request.
int sink_answer(sink_t *self, int i);

//  The value of header name (case-insensitive, first occurrence) of request or message i, or
//  NULL when it has none. Owned.
char *sink_header(sink_t *self, int i, const char *name);

//  Waits until at least n arrived or timeout_ms passed. Returns the count.
int sink_wait(sink_t *self, int n, int timeout_ms);

#endif
