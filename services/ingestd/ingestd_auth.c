/*  ingestd_auth.c - the CURVE server key, the ZAP handler, and who is speaking on a connection

    CZMQ's zauth answers libzmq's ZAP requests from a directory of client public certificates
    (re-read when it changes) and hands each certificate's metadata back in the ZAP reply, so the
    frames of an authenticated connection carry "User-Id" (the client's public key, Z85) and
    "unit". Without a ZAP handler CURVE would only encrypt; the handler is started before any
    socket binds and ingestd refuses to start without it.
*/
#include "ingestd.h"

#include "log.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ingestd_auth_t {
    zcert_t *cert;           //  the server's certificate, with its secret key
    zactor_t *zauth;         //  CZMQ's ZAP handler
    zcertstore_t *certstore; //  the same directory, for revocation checks per message
};

zcert_t *
ingestd_auth_load_keys(const char *cert_path, const char *clients_dir, char *error,
                       size_t error_size)
{
    struct stat st;
    if (stat(clients_dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
        access(clients_dir, R_OK | X_OK) != 0) {
        snprintf(error, error_size,
                 "INGEST_CLIENTS_DIR=%s: not a readable directory of client public certificates",
                 clients_dir);
        return NULL;
    }
    if (access(cert_path, R_OK) != 0) {
        snprintf(error, error_size,
                 "INGEST_CERT=%s: cannot read the server's secret certificate (make certs; "
                 "under docker-compose, PLANWATCH_UID must own it)",
                 cert_path);
        return NULL;
    }
    zcert_t *cert = zcert_load(cert_path);
    static const char zero_key[] = "0000000000000000000000000000000000000000";
    if (!cert || strcmp(zcert_secret_txt(cert), zero_key) == 0) {
        snprintf(error, error_size,
                 "INGEST_CERT=%s: not a secret certificate (the file with a secret-key, "
                 "server.cert_secret)",
                 cert_path);
        zcert_destroy(&cert);
    }
    return cert;
}

ingestd_auth_t *
ingestd_auth_new(const char *cert_path, const char *clients_dir, char *error, size_t error_size)
{
    zcert_t *cert = ingestd_auth_load_keys(cert_path, clients_dir, error, error_size);
    if (!cert)
        return NULL;
    ingestd_auth_t *self = calloc(1, sizeof *self);
    if (!self) {
        zcert_destroy(&cert);
        return NULL;
    }
    self->cert = cert;
    self->certstore = zcertstore_new((char *)clients_dir);
    self->zauth = zactor_new(zauth, NULL);
    if (!self->certstore || !self->zauth) {
        snprintf(error, error_size, "cannot start the ZAP handler");
        ingestd_auth_destroy(&self);
        return NULL;
    }
    //  zauth confirms each command: once CURVE is acknowledged, the handler is live.
    if (zstr_sendx(self->zauth, "CURVE", clients_dir, NULL) != 0 || zsock_wait(self->zauth) != 0) {
        snprintf(error, error_size, "the ZAP handler refused the CURVE configuration");
        ingestd_auth_destroy(&self);
        return NULL;
    }
    return self;
}

void
ingestd_auth_destroy(ingestd_auth_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ingestd_auth_t *self = *self_p;
    zactor_destroy(&self->zauth);
    zcertstore_destroy(&self->certstore);
    zcert_destroy(&self->cert);
    free(self);
    *self_p = NULL;
}

int
ingestd_auth_apply(ingestd_auth_t *self, zsock_t *sock)
{
    zcert_apply(self->cert, sock);
    zsock_set_curve_server(sock, 1);
    //  A domain makes libzmq consult the ZAP handler for every mechanism, not only CURVE.
    zsock_set_zap_domain(sock, "planwatch");
    return zsock_curve_server(sock) == 1 ? 0 : -1;
}

const char *
ingestd_auth_public_txt(ingestd_auth_t *self)
{
    return zcert_public_txt(self->cert);
}

const char *
ingestd_auth_unit(ingestd_auth_t *self, const bus_msg_t *msg, const char **code)
{
    //  Only a CURVE handshake that zauth approved sets a User-Id on the frames.
    if (!msg->user_id || !*msg->user_id) {
        *code = "KEY_REVOKED";
        return NULL;
    }
    //  zcertstore re-reads the directory when it changed: a removed certificate is gone here.
    zcert_t *cert = zcertstore_lookup(self->certstore, msg->user_id);
    if (!cert) {
        *code = "KEY_REVOKED";
        return NULL;
    }
    if (!msg->unit || !*msg->unit) {
        *code = "UNKNOWN_UNIT";
        return NULL;
    }
    return msg->unit;
}
