/*  testutil_sink.c - a local HTTP receiver and a local SMTP sink, each an actor on 127.0.0.1 */
#include "testutil_sink.h"

#include <arpa/inet.h>
#include <check.h>
#include <czmq.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct sink_t {
    zactor_t *actor; //  the listening actor
    int port;        //  its port
};

//  The actor's state.
typedef struct {
    sink_kind_t kind; //  HTTP or SMTP
    int port;         //  port listened on
    int listener;     //  listening socket, -1 when "down"
    int status;       //  answer status
    char *body;       //  HTTP answer body
    int delay_ms;     //  wait this long before answering (a slow receiver)
    zlist_t *got;     //  received bodies/messages (owned strings)
    zlist_t *heads;   //  HTTP: the request line and headers of each, in step with got
    zlist_t *answers; //  the status each was answered with, in step with got
} state_t;

static int
s_listen(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 16) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

//  Reads into buf until it holds needle (or the peer closes / 5 s pass). Returns bytes held.
static size_t
s_read_until(int fd, char **buf, size_t *cap, size_t len, const char *needle, size_t want)
{
    while ((!needle || !memmem(*buf, len, needle, strlen(needle))) && (!want || len < want)) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 5000) <= 0)
            break;
        if (*cap - len < 4096) {
            *cap *= 2;
            *buf = realloc(*buf, *cap);
        }
        ssize_t n = read(fd, *buf + len, *cap - len - 1);
        if (n <= 0)
            break;
        len += (size_t)n;
        (*buf)[len] = '\0';
    }
    return len;
}

static void
s_write(int fd, const char *text)
{
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n <= 0)
            return;
        off += (size_t)n;
    }
}

static void
s_http(state_t *st, int fd)
{
    size_t cap = 65536;
    char *buf = calloc(1, cap);
    size_t len = s_read_until(fd, &buf, &cap, 0, "\r\n\r\n", 0);
    char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (end) {
        size_t head = (size_t)(end - buf) + 4, body_len = 0;
        char *cl = strcasestr(buf, "Content-Length:");
        if (cl && cl < end)
            body_len = strtoul(cl + 15, NULL, 10);
        len = s_read_until(fd, &buf, &cap, len, NULL, head + body_len);
        char *body = strndup(buf + head, body_len);
        zlist_append(st->got, body); //  every attempt, whatever the answer
        free(body);
        char *request = strndup(buf, head);
        zlist_append(st->heads, request);
        free(request);
        char answered[16];
        snprintf(answered, sizeof answered, "%d", st->status);
        zlist_append(st->answers, answered);
        if (st->delay_ms > 0)
            zclock_sleep(st->delay_ms);
        char reply[1024];
        const char *answer = st->body ? st->body : "{\"errcode\":0,\"errmsg\":\"ok\"}";
        snprintf(reply, sizeof reply,
                 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                 "Connection: close\r\n\r\n%s",
                 st->status, strlen(answer), answer);
        s_write(fd, reply);
    }
    free(buf);
}

static void
s_smtp(state_t *st, int fd)
{
    size_t cap = 65536;
    char *buf = calloc(1, cap);
    s_write(fd, "220 sink ESMTP\r\n");
    for (;;) {
        size_t len = s_read_until(fd, &buf, &cap, 0, "\r\n", 0);
        if (len == 0)
            break;
        if (!strncasecmp(buf, "EHLO", 4))
            s_write(fd, "250-sink\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n");
        else if (!strncasecmp(buf, "HELO", 4))
            s_write(fd, "250 sink\r\n");
        else if (!strncasecmp(buf, "AUTH", 4)) {
            //  AUTH PLAIN [initial], AUTH LOGIN: ask for what did not come, then accept
            int asks = !strncasecmp(buf, "AUTH LOGIN", 10) ? 2 : strchr(buf + 11, ' ') ? 0 : 1;
            for (int k = 0; k < asks; k++) {
                s_write(fd, "334 \r\n");
                if (s_read_until(fd, &buf, &cap, 0, "\r\n", 0) == 0)
                    break;
            }
            s_write(fd, "235 2.7.0 ok\r\n");
        } else if (!strncasecmp(buf, "RCPT", 4))
            s_write(fd, st->status == 550 ? "550 5.1.1 no such user\r\n" : "250 ok\r\n");
        else if (!strncasecmp(buf, "DATA", 4)) {
            s_write(fd, "354 go ahead\r\n");
            len = s_read_until(fd, &buf, &cap, 0, "\r\n.\r\n", 0);
            char *end = memmem(buf, len, "\r\n.\r\n", 5);
            if (end) {
                *end = '\0';
                zlist_append(st->got, buf);
                zlist_append(st->answers, "250");
                if (st->delay_ms > 0)
                    zclock_sleep(st->delay_ms);
                s_write(fd, "250 ok queued\r\n");
            }
        } else if (!strncasecmp(buf, "QUIT", 4)) {
            s_write(fd, "221 bye\r\n");
            break;
        } else
            s_write(fd, "250 ok\r\n");
    }
    free(buf);
}

static void
s_actor(zsock_t *pipe, void *args)
{
    state_t st = {.kind = ((int *)args)[0], .port = ((int *)args)[1], .status = 200};
    st.status = st.kind == SINK_SMTP ? 250 : 200;
    st.got = zlist_new();
    zlist_autofree(st.got);
    st.heads = zlist_new();
    zlist_autofree(st.heads);
    st.answers = zlist_new();
    zlist_autofree(st.answers);
    st.listener = s_listen(st.port);
    if (st.listener >= 0 && st.port == 0) {
        struct sockaddr_in addr;
        socklen_t alen = sizeof addr;
        getsockname(st.listener, (struct sockaddr *)&addr, &alen);
        st.port = ntohs(addr.sin_port);
    }
    zsock_signal(pipe, 0);
    zstr_sendf(pipe, "%d", st.listener >= 0 ? st.port : -1);
    bool done = false;
    while (!done) {
        zmq_pollitem_t items[2] = {{zsock_resolve(pipe), 0, ZMQ_POLLIN, 0},
                                   {NULL, st.listener, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, st.listener >= 0 ? 2 : 1, 1000) < 0)
            continue;
        if (items[0].revents & ZMQ_POLLIN) {
            zmsg_t *msg = zmsg_recv(pipe);
            char *cmd = msg ? zmsg_popstr(msg) : NULL;
            if (!cmd || !strcmp(cmd, "$TERM"))
                done = true;
            else if (!strcmp(cmd, "STATUS")) {
                char *status = zmsg_popstr(msg), *body = zmsg_popstr(msg);
                st.status = atoi(status);
                free(st.body);
                st.body = body && *body ? strdup(body) : NULL;
                if (st.status == 0 && st.listener >= 0) {
                    close(st.listener);
                    st.listener = -1;
                } else if (st.status != 0 && st.listener < 0)
                    st.listener = s_listen(st.port);
                zstr_send(pipe, "OK");
                free(status);
                free(body);
            } else if (!strcmp(cmd, "DELAY")) {
                char *ms = zmsg_popstr(msg);
                st.delay_ms = ms ? atoi(ms) : 0;
                zstr_send(pipe, "OK");
                free(ms);
            } else if (!strcmp(cmd, "COUNT"))
                zstr_sendf(pipe, "%zu", zlist_size(st.got));
            else if (!strcmp(cmd, "GET") || !strcmp(cmd, "HEAD") || !strcmp(cmd, "ANSWER")) {
                char *index = zmsg_popstr(msg);
                int i = atoi(index), k = 0;
                const char *found = NULL;
                zlist_t *list = !strcmp(cmd, "GET")    ? st.got
                                : !strcmp(cmd, "HEAD") ? st.heads
                                                       : st.answers;
                for (char *s = zlist_first(list); s; s = zlist_next(list), k++)
                    if (k == i)
                        found = s;
                zstr_send(pipe, found ? found : "");
                zstr_send(pipe, found ? "1" : "0");
                free(index);
            }
            free(cmd);
            zmsg_destroy(&msg);
        }
        if (st.listener >= 0 && (items[1].revents & ZMQ_POLLIN)) {
            int fd = accept(st.listener, NULL, NULL);
            if (fd >= 0) {
                if (st.kind == SINK_HTTP)
                    s_http(&st, fd);
                else
                    s_smtp(&st, fd);
                close(fd);
            }
        }
    }
    if (st.listener >= 0)
        close(st.listener);
    free(st.body);
    zlist_destroy(&st.got);
    zlist_destroy(&st.heads);
    zlist_destroy(&st.answers);
}

sink_t *
sink_new(sink_kind_t kind, int port)
{
    sink_t *self = calloc(1, sizeof *self);
    int args[2] = {kind, port};
    self->actor = zactor_new(s_actor, args);
    char *got = zstr_recv(self->actor);
    self->port = got ? atoi(got) : -1;
    zstr_free(&got);
    ck_assert_msg(self->port > 0, "sink cannot listen on port %d", port);
    return self;
}

void
sink_destroy(sink_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zactor_destroy(&(*self_p)->actor);
    free(*self_p);
    *self_p = NULL;
}

int
sink_port(sink_t *self)
{
    return self->port;
}

void
sink_set_status(sink_t *self, int status, const char *body)
{
    char text[16];
    snprintf(text, sizeof text, "%d", status);
    zstr_sendx(self->actor, "STATUS", text, body ? body : "", NULL);
    char *ok = zstr_recv(self->actor);
    zstr_free(&ok);
}

int
sink_count(sink_t *self)
{
    zstr_send(self->actor, "COUNT");
    char *n = zstr_recv(self->actor);
    int count = n ? atoi(n) : -1;
    zstr_free(&n);
    return count;
}

void
sink_set_delay(sink_t *self, int ms)
{
    char text[16];
    snprintf(text, sizeof text, "%d", ms);
    zstr_sendx(self->actor, "DELAY", text, NULL);
    char *ok = zstr_recv(self->actor);
    zstr_free(&ok);
}

//  Item i of the received bodies ("GET") or HTTP heads ("HEAD"). Owned, NULL when none.
static char *
s_get(sink_t *self, const char *what, int i)
{
    char index[16];
    snprintf(index, sizeof index, "%d", i);
    zstr_sendx(self->actor, what, index, NULL);
    char *text = zstr_recv(self->actor), *found = zstr_recv(self->actor);
    bool ok = found && *found == '1';
    zstr_free(&found);
    if (!ok)
        zstr_free(&text);
    return text;
}

char *
sink_message(sink_t *self, int i)
{
    return s_get(self, "GET", i);
}

char *
sink_head(sink_t *self, int i)
{
    return s_get(self, "HEAD", i);
}

int
sink_answer(sink_t *self, int i)
{
    char *text = s_get(self, "ANSWER", i);
    int status = text ? atoi(text) : 0;
    free(text);
    return status;
}

char *
sink_header(sink_t *self, int i, const char *name)
{
    char *head = sink_head(self, i);
    if (!head)
        head = sink_message(self, i); //  SMTP: the headers are the message's
    char *value = NULL;
    size_t n = strlen(name);
    for (char *line = head; line && *line && !value;) {
        char *end = strstr(line, "\r\n");
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len == 0)
            break; //  the end of the headers
        if (len > n && !strncasecmp(line, name, n) && line[n] == ':') {
            //  the value, unfolded: continuation lines (starting with a space) lose their CRLF
            char *v = line + n + 1;
            while (*v == ' ')
                v++;
            size_t cap = strlen(v) + 1, o = 0;
            value = malloc(cap);
            for (char *p = v; *p;) {
                if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t'))
                    p += 2;
                else if (p[0] == '\r' && p[1] == '\n')
                    break;
                else
                    value[o++] = *p++;
            }
            value[o] = '\0';
        }
        line = end ? end + 2 : NULL;
    }
    free(head);
    return value;
}

int
sink_wait(sink_t *self, int n, int timeout_ms)
{
    int64_t until = zclock_mono() + timeout_ms;
    int count;
    while ((count = sink_count(self)) < n && zclock_mono() < until)
        zclock_sleep(20);
    return count;
}
