/* Threshold ranges as the Monitoring Plugins guidelines define them: parsing, the alert
 * test and the form performance data prints. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define RANGE_FORMS "N, N:, ~:N, N:M or @N:M"

/* [-]DIGITS[.DIGITS]: what the guidelines write; strtod alone would take "1e3", "0x10",
 * "inf" and "nan", which no monitoring system reads back the same. */
static int parse_decimal(const char *text, size_t len, double *out)
{
	char buf[32];
	size_t i = 0, digits = 0;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (buf[i] == '-' || buf[i] == '+')
		i++;
	for (; isdigit((unsigned char)buf[i]); i++)
		digits++;
	if (buf[i] == '.')
		for (i++; isdigit((unsigned char)buf[i]); i++)
			digits++;
	if (digits == 0 || buf[i] != '\0')
		return -1;
	*out = strtod(buf, NULL);
	return 0;
}

int range_parse(const char *text, struct range *range, char *why, size_t why_len)
{
	const char *body = text, *colon;
	size_t len = strlen(text);

	memset(range, 0, sizeof(*range));
	if (len == 0 || len >= sizeof(range->text)) {
		snprintf(why, why_len, "\"%.60s\" is not a range (%s)", text, RANGE_FORMS);
		return -1;
	}
	memcpy(range->text, text, len + 1);
	if (*body == '@') {
		range->inside = true;
		body++;
	}
	colon = strchr(body, ':');
	if (colon == NULL) {
		/* "N" is "0:N". */
		if (parse_decimal(body, strlen(body), &range->end) < 0)
			goto bad;
	} else {
		if (colon - body == 1 && body[0] == '~')
			range->open_start = true;
		else if (colon > body && parse_decimal(body, (size_t)(colon - body), &range->start) < 0)
			goto bad;
		if (colon[1] == '\0')
			range->open_end = true;
		else if (parse_decimal(colon + 1, strlen(colon + 1), &range->end) < 0)
			goto bad;
	}
	if (!range->open_start && !range->open_end && range->start > range->end) {
		snprintf(why, why_len, "range \"%s\": its start is above its end", text);
		return -1;
	}
	range->set = true;
	return 0;
bad:
	snprintf(why, why_len, "\"%s\" is not a range (%s, plain decimal numbers)", text,
		 RANGE_FORMS);
	return -1;
}

bool range_alerts(const struct range *range, double value)
{
	bool outside = (!range->open_start && value < range->start) ||
		       (!range->open_end && value > range->end);

	return range->inside ? !outside : outside;
}

struct range range_scaled(const struct range *range, double factor)
{
	struct range scaled = *range;

	scaled.start *= factor;
	scaled.end *= factor;
	return scaled;
}

const char *plain_decimal(double value, char *out, size_t out_len)
{
	char *end;

	snprintf(out, out_len, "%.6f", value);
	end = out + strlen(out) - 1;
	while (end > out && *end == '0')
		*end-- = '\0';
	if (*end == '.')
		*end = '\0';
	if (strcmp(out, "-0") == 0)
		strcpy(out, "0");
	return out;
}

const char *range_format(const struct range *range, char *out, size_t out_len)
{
	char start[64] = "~", end[64] = "";

	if (!range->open_start)
		plain_decimal(range->start, start, sizeof(start));
	if (!range->open_end)
		plain_decimal(range->end, end, sizeof(end));
	/* The short form where it means the same: "N" for "0:N". */
	if (!range->open_start && !range->open_end && range->start == 0)
		snprintf(out, out_len, "%s%s", range->inside ? "@" : "", end);
	else
		snprintf(out, out_len, "%s%s:%s", range->inside ? "@" : "", start, end);
	return out;
}
