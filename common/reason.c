/* reason.c: validation failures that explain themselves in a caller-owned string. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "reason.h"

int reason_invalid(char **ret_reason, const char *format, ...) {
        va_list ap;

        assert(format);
        if (ret_reason) {
                va_start(ap, format);
                if (vasprintf(ret_reason, format, ap) < 0)
                        *ret_reason = NULL;
                va_end(ap);
        }
        return -EINVAL;
}
