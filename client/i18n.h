/* i18n.h: gettext for virtctl's user-visible text. */
#pragma once

#include <libintl.h>
#include <locale.h>

#define _(s) gettext(s)
#define N_(s) (s)

void i18n_init(void);
