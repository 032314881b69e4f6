/*  planctl_keys.c - operators: CURVE certificates for ingestd and for each reporting unit

    planctl keys server DIR            DIR/server.cert (public: give it to every unit)
                                       DIR/server.cert_secret (INGEST_CERT, stays on the server)
    planctl keys new UNIT [--dir DIR]  DIR/UNIT.cert (public: copy into INGEST_CLIENTS_DIR)
                                       DIR/UNIT.cert_secret (for the unit's staff: PLANCTL_CERT)
    planctl keys list DIR              the units whose public certificates DIR holds
*/
#include "planctl.h"

#include "db.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const s_usage = "usage: planctl keys server DIR\n"
                                   "       planctl keys new UNIT [--dir DIR]\n"
                                   "       planctl keys list DIR\n";

zcert_t *
planctl_cert_load_secret(const char *path)
{
    if (access(path, R_OK) != 0)
        return NULL;
    zcert_t *cert = zcert_load(path);
    if (cert && strcmp(zcert_secret_txt(cert), "0000000000000000000000000000000000000000") == 0)
        zcert_destroy(&cert);
    return cert;
}

//  Creates dir (one level) when missing. Returns 0 or -1 (printed).
static int
s_make_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    if (mkdir(dir, 0755) == 0)
        return 0;
    fprintf(stderr, "planctl keys: cannot create directory %s\n", dir);
    return -1;
}

//  Writes cert as base (public) and base_secret (owner-only). Refuses to overwrite either.
//  Returns 0 or -1 (printed).
static int
s_save(zcert_t *cert, const char *base)
{
    char secret[4096];
    snprintf(secret, sizeof secret, "%s_secret", base);
    if (access(base, F_OK) == 0 || access(secret, F_OK) == 0) {
        fprintf(stderr, "planctl keys: %s already exists; remove it first to replace the key\n",
                access(base, F_OK) == 0 ? base : secret);
        return -1;
    }
    //  The secret file is created owner-only from the start, not chmod-ed after the fact.
    mode_t old = umask(077);
    int rc = zcert_save_secret(cert, secret);
    umask(old);
    if (rc == 0)
        rc = zcert_save_public(cert, base);
    if (rc != 0) {
        fprintf(stderr, "planctl keys: cannot write %s\n", base);
        unlink(secret);
        return -1;
    }
    return 0;
}

static void
s_stamp(zcert_t *cert)
{
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    zcert_set_meta(cert, "created", "%s", when);
}

static int
s_server(const char *dir)
{
    if (s_make_dir(dir) != 0)
        return 2;
    zcert_t *cert = zcert_new();
    if (!cert)
        return 2;
    zcert_set_meta(cert, "role", "ingestd");
    s_stamp(cert);
    char base[4096];
    snprintf(base, sizeof base, "%s/server.cert", dir);
    int rc = s_save(cert, base) == 0 ? 0 : 1;
    if (rc == 0)
        printf("keys: wrote %s (public: give it to every reporting unit) and %s_secret "
               "(INGEST_CERT: keep it on the server)\nkeys: server public key %s\n",
               base, base, zcert_public_txt(cert));
    zcert_destroy(&cert);
    return rc;
}

//  True when code looks like a responsible unit code: [A-Z0-9_]{1,24}.
static int
s_unit_code_ok(const char *code)
{
    size_t len = strlen(code);
    return len > 0 && len <= 24 && strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == len;
}

static int
s_new(int argc, char **argv)
{
    const char *dir = ".";
    static const struct option options[] = {{"dir", required_argument, NULL, 'd'},
                                            {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (c != 'd') {
            fputs(s_usage, stderr);
            return 2;
        }
        dir = optarg;
    }
    if (optind != argc - 1) {
        fputs(s_usage, stderr);
        return 2;
    }
    const char *unit = argv[optind];
    if (!s_unit_code_ok(unit)) {
        fprintf(stderr,
                "planctl keys new: '%s' is not a unit code (A-Z, 0-9, _; e.g. "
                "GOV_430100, P_STD)\n",
                unit);
        return 2;
    }
    char *name = NULL;
    const char *url = getenv("DATABASE_URL");
    if (url && *url) {
        PGconn *conn = planctl_db_connect();
        if (!conn)
            return 2;
        name = db_scalar(conn, "SELECT name FROM resp_unit WHERE code = $1", 1, DB_PARAMS(unit));
        PQfinish(conn);
        if (!name) {
            fprintf(stderr,
                    "planctl keys new: %s is not a responsible unit of the catalog "
                    "(planctl plan show; deploy/plan/resp_units.csv)\n",
                    unit);
            return 1;
        }
    } else
        fprintf(stderr,
                "planctl keys new: DATABASE_URL is not set: %s was not checked against "
                "the catalog\n",
                unit);
    if (s_make_dir(dir) != 0) {
        free(name);
        return 2;
    }
    zcert_t *cert = zcert_new();
    if (!cert) {
        free(name);
        return 2;
    }
    //  ingestd learns the unit from this metadata, which zauth hands back with the handshake.
    zcert_set_meta(cert, "unit", "%s", unit);
    if (name)
        zcert_set_meta(cert, "name", "%s", name);
    s_stamp(cert);
    char base[4096];
    snprintf(base, sizeof base, "%s/%s.cert", dir, unit);
    int rc = s_save(cert, base) == 0 ? 0 : 1;
    if (rc == 0)
        printf("keys: %s%s%s\n"
               "  %s         public: copy it into the server's INGEST_CLIENTS_DIR\n"
               "  %s_secret  secret: give it to the unit's staff only (PLANCTL_CERT)\n"
               "  public key %s\n",
               unit, name ? " " : "", name ? name : "", base, base, zcert_public_txt(cert));
    zcert_destroy(&cert);
    free(name);
    return rc;
}

static int
s_name_compare(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
s_list(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "planctl keys list: cannot read %s\n", dir);
        return 2;
    }
    char **names = NULL;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strstr(e->d_name, "_secret"))
            continue;
        char **grown = realloc(names, (count + 1) * sizeof *grown);
        if (!grown)
            break;
        names = grown;
        names[count++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof *names, s_name_compare);
    for (size_t i = 0; i < count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        zcert_t *cert = zcert_load(path);
        if (cert) {
            const char *unit = zcert_meta(cert, "unit");
            const char *name = zcert_meta(cert, "name");
            printf("%-14s %s  %s %s\n", unit ? unit : "(no unit)", zcert_public_txt(cert), names[i],
                   name ? name : "");
        }
        zcert_destroy(&cert);
        free(names[i]);
    }
    free(names);
    return 0;
}

int
planctl_cmd_keys(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "server") == 0)
        return s_server(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "new") == 0)
        return s_new(argc - 1, argv + 1);
    if (argc == 3 && strcmp(argv[1], "list") == 0)
        return s_list(argv[2]);
    fputs(s_usage, stderr);
    return 2;
}
