/* log.c: stderr logging with syslog priority prefixes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static int max_level = LOG_INFO;
static const char *ident = NULL;
static bool with_prefix = true;

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_ident(const char *name) {
        ident = name;
}

void log_set_prefix(bool prefix) {
        with_prefix = prefix;
}

int log_internal(int level, int error, const char *format, ...) {
        int saved_errno = errno;
        va_list ap;

        if (error < 0)
                error = -error;
        if (level > max_level)
                return -error;

        flockfile(stderr);
        if (with_prefix)
                fprintf(stderr, "<%d>", level);
        if (ident)
                fprintf(stderr, "%s: ", ident);
        /* Let %m print the error being logged, not whatever errno happens to hold. */
        errno = error ? error : saved_errno;
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        funlockfile(stderr);

        errno = saved_errno;
        return -error;
}
