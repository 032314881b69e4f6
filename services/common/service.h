/*  service.h - what every daemon's thin main shares: the command line (--help, --version,
    --ping), configuration from the environment, logging, and the health check.

    A service's main is:
        if ((rc = service_start("ingestd", argc, argv, table, count, usage, summary,
                                control_endpoint_p, s_check, &config)) != SERVICE_RUN)
            return rc;
        ... start the server actor, wait for it, return 0 ...
*/
#ifndef PW_SERVICE_H
#define PW_SERVICE_H

#include "bus.h"
#include "config.h"

#define SERVICE_RUN -1 //  service_start: go on and run

//  A service's own checks of its loaded settings (a list of lead times, a key file, the data
//  files), run before anything is logged. args is service_start's check_args. Returns 0, or -1
//  with one line in error naming the variable, the value and what was expected (an empty error
//  when the check printed its own lines on stderr, one per problem).
typedef int(service_check_fn)(void *args, char *error, size_t error_size);

//  Parses argv and the table. --help prints the variables and returns 0; --version returns 0;
//  --ping sends a Ping to *control_endpoint (after loading the table, so the endpoint is the
//  configured one) and returns 0 when a Pong came back within 2 s, 1 otherwise. Then check (may
//  be NULL) runs. A bad value or argument prints one line on stderr, nothing else, and returns
//  2. Otherwise initialises logging at LOG_LEVEL, logs the effective configuration and returns
//  SERVICE_RUN.
int service_start(const char *name, int argc, char **argv, const config_setting_t *table,
                  size_t count, const char *usage, const char *summary,
                  const char *const *control_endpoint, service_check_fn *check, void *check_args);

//  Sends a Ping to a control endpoint and waits up to timeout_ms for the Pong.
//  Returns 0 when it came (and, if store_ok is not NULL, sets *store_ok from it), -1 otherwise.
int service_ping(const char *endpoint, int timeout_ms, int *store_ok);

//  Answers a Ping received on a ROUTER control socket. Returns 0 or -1.
int service_answer_ping(zsock_t *router, const bus_msg_t *ping, const char *name, int store_ok);

#endif
