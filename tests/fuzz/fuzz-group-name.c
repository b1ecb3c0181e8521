/* fuzz-group-name.c: group paths, "CONTROLLERS:PATH" specs, parameter values and the object-path escaping. */
#include "fuzz.h"
#include "group-name.h"
#include "macro.h"

static void fuzz_path(const char *s) {
        _cleanup_free_ char *object = NULL, *back = NULL;
        const char *reason = NULL;

        if (group_path_validate(s, &reason) < 0 || strcmp(s, "/") == 0)
                return;
        /* Every valid path below the base (which has no object) has an object path, reversibly escaped. */
        if (group_object_path(s, &object) < 0)
                return;
        fuzz_check(group_path_from_object(object, &back) >= 0);
        fuzz_check(strcmp(back, s) == 0);
}

static void fuzz_spec(const char *s) {
        GroupSpec spec = {};
        const char *reason = NULL;

        if (group_spec_parse(s, &spec, &reason) < 0)
                return;
        fuzz_check(spec.path && spec.path[0] == '/');
        group_spec_done(&spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        _cleanup_free_ char *s = fuzz_strndup(data + 1, size - 1);
        _cleanup_free_ char *controller = NULL, *path = NULL;
        const char *reason = NULL;

        switch (data[0] % 5) {
        case 0:
                fuzz_path(s);
                break;
        case 1:
                fuzz_spec(s);
                break;
        case 2:
                (void) group_value_validate(s, &reason);
                break;
        case 3:
                (void) group_parameter_controller(s, &controller);
                break;
        default:
                (void) group_path_from_object(s, &path);
                break;
        }
        return 0;
}
