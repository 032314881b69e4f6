/*  ingestd_server.c - the ingest actor: sockets, one reactor, one dispatcher over message types */
#include "ingestd.h"

#include "log.h"
#include "service.h"

#include <inttypes.h>
#include <string.h>

//  Frames above this many times INGEST_MAX_MESSAGE are dropped by libzmq itself (the connection
//  is closed): a bound on memory. Between the limit and the cap the sender gets an Error.
#define TRANSPORT_CAP_FACTOR 4

typedef struct {
    const ingestd_config_t *config; //  settings (borrowed)
    zsock_t *pipe;                  //  the actor's pipe to main
    ingestd_auth_t *auth;           //  CURVE key and ZAP handler
    zsock_t *feeds;                 //  ROUTER, CURVE server: reporting units
    zsock_t *changes;               //  PUB: ChangeNotice for the evaluator
    zsock_t *control;               //  ROUTER: Ping
    zactor_t *monitor;              //  handshake failures on feeds, for the log
    ingestd_store_t *store;         //  the store and the catalog cache
    zpoller_t *poller;              //  pipe, feeds, control, monitor
    uint64_t handled;               //  messages answered on feeds
    uint64_t refused;               //  handshakes refused
    uint64_t refused_logged;        //  refused when the last refusal was logged
    int64_t refused_log_ms;         //  when that was (a misconfigured client retries 10 times/s)
} server_t;

static void
s_server_destroy(server_t *self)
{
    zpoller_destroy(&self->poller);
    zactor_destroy(&self->monitor);
    zsock_destroy(&self->feeds);
    zsock_destroy(&self->changes);
    zsock_destroy(&self->control);
    ingestd_auth_destroy(&self->auth);
    ingestd_store_destroy(&self->store);
}

//  Binds a socket, logging why not. Returns 0 or -1.
static int
s_bind(zsock_t *sock, const char *endpoint, const char *what)
{
    if (zsock_bind(sock, "%s", endpoint) < 0) {
        log_warn("server.bind_failed", "socket=%s endpoint=%s", what, endpoint);
        return -1;
    }
    return 0;
}

//  Everything the server needs before it answers anyone. Returns 0 or -1 (logged).
static int
s_server_start(server_t *self)
{
    const ingestd_config_t *c = self->config;
    char error[512];
    self->auth = ingestd_auth_new(c->cert_path, c->clients_dir, error, sizeof error);
    if (!self->auth) {
        log_errx("server.auth_failed", "error=\"%s\"", error);
        return -1;
    }
    self->store = ingestd_store_new(c->database_url);
    self->feeds = zsock_new(ZMQ_ROUTER);
    self->changes = zsock_new(ZMQ_PUB);
    self->control = zsock_new(ZMQ_ROUTER);
    if (!self->store || !self->feeds || !self->changes || !self->control)
        return -1;
    if (ingestd_auth_apply(self->auth, self->feeds) != 0) {
        log_errx("server.curve_failed", "error=\"libzmq without CURVE support\"");
        return -1;
    }
    zsock_set_maxmsgsize(self->feeds, c->max_message * TRANSPORT_CAP_FACTOR + 4096);
    //  Replies to a peer that does not read are dropped, never waited for (ROUTER default;
    //  said here so nobody turns ROUTER_MANDATORY on).
    zsock_set_router_mandatory(self->feeds, 0);
    zsock_set_linger(self->feeds, 1000);
    zsock_set_linger(self->control, 0);
    zsock_set_linger(self->changes, 0);
    self->monitor = zactor_new(zmonitor, self->feeds);
    if (self->monitor) {
        zstr_sendx(self->monitor, "LISTEN", "HANDSHAKE_FAILED_AUTH", "HANDSHAKE_FAILED_PROTOCOL",
                   "HANDSHAKE_FAILED_NO_DETAIL", NULL);
        zstr_send(self->monitor, "START");
        zsock_wait(self->monitor);
    }
    if (s_bind(self->feeds, c->endpoint, "feeds") ||
        s_bind(self->changes, c->changes_endpoint, "changes") ||
        s_bind(self->control, c->control_endpoint, "control"))
        return -1;
    self->poller = zpoller_new(self->pipe, self->feeds, self->control, NULL);
    if (!self->poller)
        return -1;
    if (self->monitor)
        zpoller_add(self->poller, self->monitor);
    log_info("server.started", "feeds=%s changes=%s control=%s server_key=%s", c->endpoint,
             c->changes_endpoint, c->control_endpoint, ingestd_auth_public_txt(self->auth));
    return 0;
}

//  Replies with an Error and logs it.
static void
s_reply_error(zsock_t *sock, const bus_msg_t *msg, const char *code, const char *message)
{
    ProtobufCMessage *error = ingestd_error_new(code, message);
    log_warnx("message.refused", "code=%s type=%s size=%zu unit=%s", code,
              msg->type ? msg->type : "-", msg->size, msg->unit ? msg->unit : "-");
    bus_reply(sock, msg, error);
    codec_free(&error);
}

//  Chinese words for the transport errors of bus.h.
static const char *
s_bus_error_text(bus_error_t error)
{
    switch (error) {
    case BUS_ERR_FRAMES:
        return "消息帧结构不对：应为 [类型名][protobuf 字节] 两帧";
    case BUS_ERR_TYPE:
        return "未知的消息类型名";
    case BUS_ERR_SIZE:
        return "消息超过大小上限，请把文件拆分成几个数据包分别报送";
    case BUS_ERR_DECODE:
    case BUS_OK:
        break;
    }
    return "消息内容不是该类型的有效 protobuf 字节";
}

static void
s_handle_feed_socket(server_t *self)
{
    bus_msg_t *msg = bus_recv(self->feeds, 1, (size_t)self->config->max_message);
    if (!msg)
        return;
    self->handled++;
    if (msg->error != BUS_OK) {
        s_reply_error(self->feeds, msg, bus_error_code(msg->error), s_bus_error_text(msg->error));
        bus_msg_destroy(&msg);
        return;
    }
    const ProtobufCMessageDescriptor *type = msg->body->descriptor;
    if (type == &planwatch__v1__feed__descriptor) {
        const char *code = NULL;
        const char *unit = ingestd_auth_unit(self->auth, msg, &code);
        if (!unit)
            s_reply_error(self->feeds, msg, code,
                          strcmp(code, "KEY_REVOKED") == 0
                              ? "本单位的证书已被撤销，请联系督查室"
                              : "证书中没有单位代码（unit），请用 planctl keys new 重新生成");
        else {
            const Planwatch__V1__Feed *feed = (const Planwatch__V1__Feed *)msg->body;
            log_debug("feed.received", "unit=%s feed_id=%s observations=%zu milestones=%zu", unit,
                      feed->feed_id, feed->n_observations, feed->n_milestones);
            ingestd_feed_env_t env = {.store = self->store, .config = self->config};
            Planwatch__V1__ChangeNotice *notice = NULL;
            ProtobufCMessage *reply =
                ingestd_feed_handle(&env, unit, (const Planwatch__V1__Feed *)msg->body, &notice);
            if (reply->descriptor == &planwatch__v1__error__descriptor)
                log_warnx("feed.refused", "unit=%s code=%s", unit,
                          ((Planwatch__V1__Error *)reply)->code);
            if (bus_reply(self->feeds, msg, reply) != 0)
                log_warn("feed.reply_failed", "unit=%s", unit);
            //  After the receipt: the notice is only a prompt, the evaluator catches up anyway.
            if (notice && bus_send_nowait(self->changes, &notice->base) != 0)
                log_warnx("changes.dropped", "change_id=%" PRIu64, notice->change_id);
            codec_free(&reply);
            codec_free((ProtobufCMessage **)&notice);
        }
    } else if (type == &planwatch__v1__ping__descriptor)
        service_answer_ping(self->feeds, msg, "ingestd", ingestd_store_ok(self->store));
    else
        s_reply_error(self->feeds, msg, "UNEXPECTED_TYPE", "此端口只接收 planwatch.v1.Feed");
    bus_msg_destroy(&msg);
}

static void
s_handle_control(server_t *self)
{
    bus_msg_t *msg = bus_recv(self->control, 1, 65536);
    if (!msg)
        return;
    if (msg->error == BUS_OK && msg->body->descriptor == &planwatch__v1__ping__descriptor)
        service_answer_ping(self->control, msg, "ingestd", ingestd_store_ok(self->store));
    else
        s_reply_error(self->control, msg,
                      msg->error != BUS_OK ? bus_error_code(msg->error) : "UNEXPECTED_TYPE",
                      "控制端口只接收 planwatch.v1.Ping");
    bus_msg_destroy(&msg);
}

static void
s_handle_monitor(server_t *self)
{
    zmsg_t *event = zmsg_recv(self->monitor);
    if (!event)
        return;
    char *name = zmsg_popstr(event);
    char *value = zmsg_popstr(event);
    char *address = zmsg_popstr(event);
    self->refused++;
    //  At most one line a second: each line says how many were refused since the last one.
    if (self->refused_log_ms == 0 || zclock_mono() - self->refused_log_ms >= 1000) {
        log_warnx("handshake.refused", "event=%s endpoint=%s refused=%" PRIu64 " total=%" PRIu64,
                  name ? name : "-", address ? address : "-", self->refused - self->refused_logged,
                  self->refused);
        self->refused_logged = self->refused;
        self->refused_log_ms = zclock_mono();
    }
    zstr_free(&name);
    zstr_free(&value);
    zstr_free(&address);
    zmsg_destroy(&event);
}

//  Answers the pipe. Returns 1 when the actor must end.
static int
s_handle_pipe(server_t *self, int *started)
{
    zmsg_t *msg = zmsg_recv(self->pipe);
    if (!msg)
        return 1;
    char *command = zmsg_popstr(msg);
    int end = 0;
    if (command && strcmp(command, "$TERM") == 0)
        end = 1;
    else if (command && strcmp(command, "START") == 0 && !*started) {
        int rc = s_server_start(self);
        *started = rc == 0;
        zsock_signal(self->pipe, rc == 0 ? 0 : 1);
        end = rc != 0;
    } else
        log_warnx("server.unknown_command", "command=%s", command ? command : "-");
    zstr_free(&command);
    zmsg_destroy(&msg);
    return end;
}

void
ingestd_server_actor(zsock_t *pipe, void *args)
{
    server_t self = {.config = args, .pipe = pipe};
    zsock_signal(pipe, 0);
    int started = 0;
    //  Until START only the pipe is read.
    while (!started)
        if (s_handle_pipe(&self, &started)) {
            s_server_destroy(&self);
            return;
        }
    while (1) {
        void *which = zpoller_wait(self.poller, -1);
        if (!which)
            break; //  interrupted (SIGINT/SIGTERM) or the context is ending
        if (which == pipe) {
            if (s_handle_pipe(&self, &started))
                break;
        } else if (which == self.feeds)
            s_handle_feed_socket(&self);
        else if (which == self.control)
            s_handle_control(&self);
        else if (which == self.monitor)
            s_handle_monitor(&self);
    }
    log_info("server.stopped", "messages=%" PRIu64 " refused_handshakes=%" PRIu64, self.handled,
             self.refused);
    s_server_destroy(&self);
}
