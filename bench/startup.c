/* startup.c: time from exec of virtd to its READY=1 on a NOTIFY_SOCKET that this program listens on;
 * then SIGTERM and wait. Prints one line per run: milliseconds. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* argv: SOCKET_PATH RUNS STATE_DIR_PREFIX VIRTD [ARGS...]; each run gets STATE_DIR_PREFIX<i> as --state-dir. */
int main(int argc, char *argv[]) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        unsigned runs;
        int fd;

        if (argc < 5) {
                fprintf(stderr, "usage: startup SOCKET RUNS STATE_PREFIX VIRTD [ARGS...]\n");
                return 2;
        }
        runs = (unsigned) strtoul(argv[2], NULL, 10);
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return perror("startup: socket"), 1;
        setenv("NOTIFY_SOCKET", argv[1], 1);

        for (unsigned i = 0; i < runs; i++) {
                char state[4096], arg[4200], buf[4096];
                double t0, t1 = -1;
                int status;
                pid_t pid;

                snprintf(state, sizeof state, "%s%u", argv[3], i);
                snprintf(arg, sizeof arg, "--state-dir=%s", state);
                t0 = now_ms();
                pid = fork();
                if (pid < 0)
                        return perror("startup: fork"), 1;
                if (pid == 0) {
                        char **av = calloc(argc, sizeof(char *));
                        int k = 0;
                        for (int a = 4; a < argc; a++)
                                av[k++] = argv[a];
                        av[k++] = arg;
                        av[k] = NULL;
                        execv(av[0], av);
                        _exit(127);
                }
                for (;;) {
                        struct pollfd p = { .fd = fd, .events = POLLIN };
                        int r = poll(&p, 1, 10000);
                        ssize_t n;

                        if (r <= 0) {
                                fprintf(stderr, "startup: no READY=1 within 10 s\n");
                                break;
                        }
                        n = recv(fd, buf, sizeof buf - 1, 0);
                        if (n < 0)
                                break;
                        buf[n] = 0;
                        if (strncmp(buf, "READY=1", 7) == 0 || strstr(buf, "\nREADY=1")) {
                                t1 = now_ms();
                                break;
                        }
                }
                kill(pid, SIGTERM);
                if (waitpid(pid, &status, 0) < 0 || t1 < 0)
                        return 1;
                printf("%.3f\n", t1 - t0);
                fflush(stdout);
        }
        return 0;
}
