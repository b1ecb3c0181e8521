/* fuzz-main.c: replays fuzz inputs (files, or directories of files) through LLVMFuzzerTestOneInput, so that
 * every normal and sanitizer build re-runs the checked-in corpus without libFuzzer. Prints TAP. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "fuzz.h"
#include "macro.h"

static unsigned n_tests;

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static int run_file(const char *path) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;

        r = read_full_file(path, &data, &size);
        if (r < 0) {
                printf("not ok %u - %s: %s\n", ++n_tests, path, strerror(-r));
                return r;
        }
        /* Copy into an exact-size buffer so that AddressSanitizer sees reads past the end. */
        _cleanup_free_ uint8_t *exact = malloc(size ? size : 1);
        if (!exact)
                return -ENOMEM;
        memcpy(exact, data, size);
        LLVMFuzzerTestOneInput(exact, size);
        printf("ok %u - %s\n", ++n_tests, path);
        return 0;
}

static int entry_compare(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int run_dir(const char *path) {
        _cleanup_(closedirp) DIR *d = opendir(path);
        char **names = NULL;
        size_t n = 0;
        int r = 0;

        if (!d) {
                printf("not ok %u - %s: %s\n", ++n_tests, path, strerror(errno));
                return -errno;
        }
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_name[0] == '.')
                        continue;
                char **p = realloc(names, (n + 1) * sizeof(char *));
                if (!p)
                        abort();
                names = p;
                if (asprintf(&names[n++], "%s/%s", path, de->d_name) < 0)
                        abort();
        }
        qsort(names, n, sizeof(char *), entry_compare);
        for (size_t i = 0; i < n; i++) {
                if (run_file(names[i]) < 0)
                        r = -EIO;
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char *argv[]) {
        int status = EXIT_SUCCESS;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                int r;

                if (stat(argv[i], &st) < 0) {
                        printf("not ok %u - %s: %s\n", ++n_tests, argv[i], strerror(errno));
                        status = EXIT_FAILURE;
                        continue;
                }
                r = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
                if (r < 0)
                        status = EXIT_FAILURE;
        }
        printf("1..%u\n", n_tests);
        return status;
}
