/* reason.h: validation failures that explain themselves in a caller-owned string. */
#pragma once

#include "macro.h"

/**
 * reason_invalid() - refuse a value and say why
 * @ret_reason: where to store the newly allocated explanation, or NULL when the caller does not want it
 * @format: printf-style explanation naming the value and the rule it breaks
 *
 * Validators return its result directly: `return reason_invalid(ret_reason, "…", …);`. When memory runs out
 * *ret_reason is NULL and the value is still refused.
 *
 * Return: always -EINVAL.
 */
int reason_invalid(char **ret_reason, const char *format, ...) _printf_(2, 3);
