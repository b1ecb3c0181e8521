/* raw-cgroup.c: the kernel floor for group operations: mkdir, write the parameters, rmdir in the cgroup
 * filesystem, with no daemon, no library and no bus in between. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* argv: MODE COUNT DIR:NAME=VALUE,NAME=VALUE [DIR:...]; MODE pair (mkdir+write+rmdir each i), create, delete. */
static int write_params(const char *dir, const char *spec) {
        char buf[4096], path[8400];
        char *save = NULL;

        snprintf(buf, sizeof buf, "%s", spec);
        for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(kv, '=');
                int fd;
                ssize_t n;

                if (!eq)
                        return -EINVAL;
                *eq = 0;
                snprintf(path, sizeof path, "%s/%s", dir, kv);
                fd = open(path, O_WRONLY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                n = write(fd, eq + 1, strlen(eq + 1));
                close(fd);
                if (n < 0)
                        return -errno;
        }
        return 0;
}

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[]) {
        char dir[4200];
        unsigned n;
        double t0;
        int mode;

        if (argc < 4) {
                fprintf(stderr, "usage: raw-cgroup pair|create|delete COUNT DIR[:NAME=VALUE,...]...\n");
                return 2;
        }
        mode = strcmp(argv[1], "pair") == 0 ? 0 : strcmp(argv[1], "create") == 0 ? 1 : strcmp(argv[1], "delete") == 0 ? 2 : -1;
        if (mode < 0)
                return 2;
        n = (unsigned) strtoul(argv[2], NULL, 10);
        t0 = now();
        for (unsigned i = 0; i < n; i++)
                for (int pass = 0; pass < 2; pass++)
                        for (int a = 3; a < argc; a++) {
                                const char *colon = strchr(argv[a], ':');
                                size_t len = colon ? (size_t) (colon - argv[a]) : strlen(argv[a]);
                                int r = 0;

                                snprintf(dir, sizeof dir, "%.*s/g%u", (int) len, argv[a], i);
                                if (pass == 0 && mode != 2) {
                                        if (mkdir(dir, 0755) < 0)
                                                r = -errno;
                                        else if (colon && colon[1])
                                                r = write_params(dir, colon + 1);
                                } else if (pass == 1 && mode != 1) {
                                        if (rmdir(dir) < 0)
                                                r = -errno;
                                }
                                if (r < 0) {
                                        fprintf(stderr, "raw-cgroup: %s: %s\n", dir, strerror(-r));
                                        return 1;
                                }
                        }
        printf("%.6f %u\n", now() - t0, n);
        return 0;
}
