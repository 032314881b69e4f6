/*  replay_main.c - runs a fuzz harness over files (the committed corpus and every crash found,
    kept as regressions) without libFuzzer, so `make test` replays them under ASan + UBSan. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
    int replayed = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        uint8_t *data = malloc(1 << 20);
        size_t size = fread(data, 1, 1 << 20, f);
        fclose(f);
        LLVMFuzzerTestOneInput(data, size);
        free(data);
        replayed++;
    }
    printf("replayed %d inputs\n", replayed);
    return 0;
}
