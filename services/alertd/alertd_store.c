/*  alertd_store.c - an actor's store connection: reconnect without blocking, LISTEN, notifications
 */
#include "alertd.h"

#include "log.h"

#include <string.h>

PGconn *
store_conn(db_t *db, int *listening)
{
    PGconn *conn = db_conn(db, 0);
    if (!conn) {
        *listening = 0;
        return NULL;
    }
    int pid = PQbackendPID(conn);
    if (pid != *listening) {
        if (db_exec(conn, "LISTEN " ALERT_CHANNEL, 0, NULL) != 0 ||
            db_exec(conn, "LISTEN clock", 0, NULL) != 0)
            return NULL;
        *listening = pid;
    }
    return conn;
}

int
store_drain(PGconn *conn)
{
    int seen = 0;
    if (!conn || !PQconsumeInput(conn))
        return 0;
    PGnotify *n;
    while ((n = PQnotifies(conn)) != NULL) {
        seen |= strcmp(n->relname, "clock") == 0 ? 2 : 1;
        PQfreemem(n);
    }
    return seen;
}
