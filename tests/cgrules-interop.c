/* cgrules-interop.c: classifies processes with libcgroup's own rule functions, as cgrulesengd does.
 *
 * Usage: cgrules-interop CGCONFIG PID...  (CGCONFIG "-" for no templates). libcgroup reads the rules
 * from the fixed /etc/cgrules.conf, so the test runs this in a private mount namespace whose /etc holds
 * the rules file under test. Prints one "PID RESULT" line per process (0 = classified). */
#include <libcgroup.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Effective uid and gid from /proc/PID/status, as cgrulesengd matches them. */
static int ids_of(pid_t pid, uid_t *uid, gid_t *gid) {
        char path[64], line[256];
        unsigned long r, e;
        int found = 0;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f)) {
                if (sscanf(line, "Uid: %lu %lu", &r, &e) == 2)
                        *uid = (uid_t) e, found++;
                else if (sscanf(line, "Gid: %lu %lu", &r, &e) == 2)
                        *gid = (gid_t) e, found++;
        }
        fclose(f);
        return found == 2 ? 0 : -1;
}

int main(int argc, char *argv[]) {
        int r;

        if (argc < 3) {
                fprintf(stderr, "usage: %s CGCONFIG|- PID...\n", argv[0]);
                return 2;
        }
        if ((r = cgroup_init()) != 0 || (strcmp(argv[1], "-") != 0 && (r = cgroup_init_templates_cache(argv[1])) != 0) ||
            (r = cgroup_init_rules_cache()) != 0) {
                fprintf(stderr, "libcgroup: %s\n", cgroup_strerror(r));
                return 1;
        }
        for (int i = 2; i < argc; i++) {
                pid_t pid = (pid_t) atoi(argv[i]);
                char exe[4096], path[64];
                uid_t uid;
                gid_t gid;
                ssize_t l;

                snprintf(path, sizeof(path), "/proc/%d/exe", (int) pid);
                l = readlink(path, exe, sizeof(exe) - 1);
                if (l < 0 || ids_of(pid, &uid, &gid) < 0) {
                        printf("%d gone\n", (int) pid);
                        continue;
                }
                exe[l] = 0;
                r = cgroup_change_cgroup_flags(uid, gid, exe, pid,
                                               CGFLAG_USECACHE | (strcmp(argv[1], "-") != 0 ? CGFLAG_USE_TEMPLATE_CACHE : 0));
                printf("%d %d\n", (int) pid, r);
        }
        return 0;
}
