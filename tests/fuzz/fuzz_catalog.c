/*  fuzz_catalog.c - libFuzzer harness: the plan's files with one of them replaced by any bytes.
    The loader must refuse or accept, never crash; an accepted catalog's lookups must hold. */
#include "catalog.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const s_files[] = {"org_units.csv",  "resp_units.csv", "tasks.csv",
                                      "task_units.csv", "indicators.csv", "targets.csv"};
static char s_dir[PATH_MAX];

//  Copies deploy/plan (PLAN_DIR) into a private directory once.
static void
s_setup(void)
{
    if (s_dir[0])
        return;
    const char *plan = getenv("PLAN_DIR");
    snprintf(s_dir, sizeof s_dir, "/tmp/planwatch-fuzz-catalog-%d", (int)getpid());
    char command[PATH_MAX * 3];
    snprintf(command, sizeof command, "mkdir -p %s && cp %s/*.csv %s/", s_dir,
             plan ? plan : "deploy/plan", s_dir);
    if (system(command) != 0)
        abort();
}

//  Writes bytes to one of the private copies.
static void
s_write(const char *file, const void *data, size_t size)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", s_dir, file);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
}

//  Writes the original file back (this run replaced it); originals are kept in memory.
static void
s_restore(int index)
{
    static zchunk_t *originals[6];
    if (!originals[index]) {
        const char *plan = getenv("PLAN_DIR");
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/%s", plan ? plan : "deploy/plan", s_files[index]);
        originals[index] = zchunk_slurp(path, 0);
        if (!originals[index])
            abort();
    }
    s_write(s_files[index], zchunk_data(originals[index]), zchunk_size(originals[index]));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    s_setup();
    int index = data[0] % 6;
    s_write(s_files[index], data + 1, size - 1);
    zlist_t *errors = zlist_new();
    zlist_autofree(errors);
    catalog_t *cat = catalog_load_files(s_dir, errors);
    if (cat) {
        if (zlist_size(errors))
            abort(); //  accepted with problems reported
        for (size_t i = 0; i < catalog_target_count(cat); i++) {
            const target_t *t = catalog_target_at(cat, i);
            if (catalog_target(cat, t->code) != t || !catalog_task(cat, t->task))
                abort(); //  a loaded target always finds itself and its task
        }
        catalog_destroy(&cat);
    } else if (zlist_size(errors) == 0)
        abort(); //  refused without saying why
    zlist_destroy(&errors);
    s_restore(index);
    return 0;
}
