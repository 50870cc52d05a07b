/*
 * duration.c: Go's time.ParseDuration, for -period and CPROF_PERIOD (duration.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "duration.h"

int duration_parse(const char *s, int64_t *ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 },
		{ "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
	};
	double total = 0;

	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		double v = 0, scale = 1;
		bool digits = false;
		size_t i;

		for (; *s >= '0' && *s <= '9'; s++, digits = true)
			v = v * 10 + (*s - '0');
		if (*s == '.')
			for (s++; *s >= '0' && *s <= '9'; s++, digits = true)
				v += (*s - '0') * (scale /= 10);
		if (!digits)
			return -EINVAL;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t n = strlen(units[i].unit);

			/* "m" must not take the "m" of "ms". */
			if (!strncmp(s, units[i].unit, n) && !(n == 1 && *s == 'm' && s[1] == 's'))
				break;
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return -EINVAL;
		s += strlen(units[i].unit);
		total += v * units[i].ns;
		if (total > 9e18)
			return -EINVAL;
	}
	*ns = (int64_t)total;
	return 0;
}
