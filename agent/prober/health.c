/* A service's health: every reason found in one cycle, combined into ohServiceHealth and
 * the one-line ohServiceHealthText, worst first. */
#include "health.h"
#include "clean_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Unknown ranks below critical: a service known to be broken is worse news than one
 * that cannot be judged, and above warning: nobody can say it is fine. */
static int rank(enum health level)
{
	switch (level) {
	case HEALTH_CRITICAL:
		return 3;
	case HEALTH_UNKNOWN:
		return 2;
	case HEALTH_WARNING:
		return 1;
	default:
		return 0;
	}
}

int health_worse(enum health a, enum health b)
{
	return rank(a) > rank(b);
}

void health_reasons_init(struct health_reasons *reasons)
{
	memset(reasons, 0, sizeof(*reasons));
	reasons->level = HEALTH_OK;
}

/* Adds TEXT, already clean, at LEVEL. */
static void add_clean(struct health_reasons *reasons, enum health level, const char *text)
{
	if (level == HEALTH_OK)
		return;
	if (health_worse(level, reasons->level))
		reasons->level = level;
	/* Two probes of one port find the same holder: say it once. */
	for (size_t i = 0; i < reasons->count; i++) {
		if (reasons->items[i].level == level && strcmp(reasons->items[i].text, text) == 0)
			return;
	}
	if (reasons->count == HEALTH_REASONS_MAX) {
		reasons->dropped++;
		return;
	}
	reasons->items[reasons->count].level = level;
	snprintf(reasons->items[reasons->count].text, HEALTH_REASON_LEN, "%s", text);
	reasons->count++;
}

void health_add(struct health_reasons *reasons, enum health level, const char *fmt, ...)
{
	char text[HEALTH_REASON_LEN];
	va_list ap;

	if (level == HEALTH_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* The one way into ohServiceHealthText: whatever a reason quotes, and wherever the
	 * buffer cut it, what is published stays one line of valid UTF-8. */
	clean_text_in_place(text);
	add_clean(reasons, level, text);
}

static void append(char *out, size_t len, size_t *used, const char *text)
{
	int n;

	if (*used >= len)
		return;
	n = snprintf(out + *used, len - *used, "%s", text);
	if (n > 0)
		*used += (size_t)n;
}

void health_text(const struct health_reasons *reasons, char *out, size_t len)
{
	static const enum health order[] = { HEALTH_CRITICAL, HEALTH_UNKNOWN, HEALTH_WARNING };
	size_t used = 0;

	if (len == 0)
		return;
	out[0] = '\0';
	if (reasons->count == 0) {
		snprintf(out, len, "ok");
		return;
	}
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
		for (size_t i = 0; i < reasons->count; i++) {
			if (reasons->items[i].level != order[o])
				continue;
			if (used > 0)
				append(out, len, &used, "; ");
			append(out, len, &used, reasons->items[i].text);
		}
	}
	if (reasons->dropped > 0) {
		char more[48];

		snprintf(more, sizeof(more), "; and %zu more", reasons->dropped);
		append(out, len, &used, more);
	}
	/* Cut at the column's size, visibly, rather than mid-word without a sign. */
	if (used >= len && len > 4) {
		memcpy(out + len - 4, "...", 4);
		clean_text_in_place(out); /* the cut may have split a character */
	}
}

/* Kept as one string: per reason, a level digit and the text, each ended by NUL; a
 * final "d" item carries how many were dropped. */
char *health_keep(const struct health_reasons *reasons)
{
	char dropped[32] = "";
	size_t len = 1, at = 0;
	char *kept;

	if (reasons->count == 0 && reasons->dropped == 0)
		return NULL;
	for (size_t i = 0; i < reasons->count; i++)
		len += 2 + strlen(reasons->items[i].text);
	if (reasons->dropped > 0)
		len += 2 + (size_t)snprintf(dropped, sizeof(dropped), "%zu", reasons->dropped);
	kept = malloc(len);
	if (kept == NULL)
		return NULL;
	for (size_t i = 0; i < reasons->count; i++) {
		size_t n = strlen(reasons->items[i].text);

		kept[at++] = (char)('0' + reasons->items[i].level);
		memcpy(kept + at, reasons->items[i].text, n + 1);
		at += n + 1;
	}
	if (dropped[0] != '\0') {
		kept[at++] = 'd';
		memcpy(kept + at, dropped, strlen(dropped) + 1);
		at += strlen(dropped) + 1;
	}
	kept[at] = '\0';
	return kept;
}

void health_add_kept(struct health_reasons *reasons, const char *kept)
{
	for (const char *at = kept; at != NULL && *at != '\0'; at += strlen(at) + 1) {
		if (*at == 'd') {
			reasons->dropped += strtoul(at + 1, NULL, 10);
			continue;
		}
		add_clean(reasons, (enum health)(*at - '0'), at + 1);
	}
}
