/* A service's health: every reason found in one cycle, combined into ohServiceHealth and
 * the one-line ohServiceHealthText, worst first. */
#ifndef OH_HEALTH_H
#define OH_HEALTH_H

#include <stddef.h>

#include "oobhealth.h"

#define HEALTH_REASONS_MAX 16
#define HEALTH_REASON_LEN 200

struct health_reasons {
	enum health level;                 /* the worst level added so far */
	size_t count;                      /* reasons kept (at most HEALTH_REASONS_MAX) */
	size_t dropped;                    /* reasons beyond that: counted, not kept */
	struct {
		enum health level;
		char text[HEALTH_REASON_LEN];
	} items[HEALTH_REASONS_MAX];
};

void health_reasons_init(struct health_reasons *reasons);

/* Adds a reason at LEVEL (HEALTH_OK adds nothing; the same text twice counts once). */
void health_add(struct health_reasons *reasons, enum health level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Joins the reasons, worst first (in the order added within a level), with "; ";
 * "ok" when there is none. */
void health_text(const struct health_reasons *reasons, char *out, size_t len);

/* Reasons kept from one cycle to the next in the memory they need: NULL when there are
 * none (or when out of memory, then the loss is itself a reason where they come back). */
char *health_keep(const struct health_reasons *reasons);

/* Adds the reasons KEPT holds (from health_keep) to REASONS. */
void health_add_kept(struct health_reasons *reasons, const char *kept);

/* Whether A is worse than B: critical, then unknown, then warning, then ok. */
int health_worse(enum health a, enum health b);

#endif
