/* check_oobhealth's verdict on one service: oobhealthd's own health, made worse (never
 * better) by the thresholds given on the command line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

/* How bad each state is: critical > unknown > warning > ok, as oobhealthd ranks health. */
static int rank(enum check_state state)
{
	switch (state) {
	case CHECK_OK:
		return 0;
	case CHECK_WARNING:
		return 1;
	case CHECK_UNKNOWN:
		return 2;
	default:
		return 3;
	}
}

int check_state_worse(enum check_state a, enum check_state b)
{
	return rank(a) > rank(b);
}

const char *check_state_name(enum check_state state)
{
	switch (state) {
	case CHECK_OK:
		return "OK";
	case CHECK_WARNING:
		return "WARNING";
	case CHECK_CRITICAL:
		return "CRITICAL";
	default:
		return "UNKNOWN";
	}
}

static enum check_state state_of(enum health health)
{
	switch (health) {
	case HEALTH_OK:
		return CHECK_OK;
	case HEALTH_WARNING:
		return CHECK_WARNING;
	case HEALTH_CRITICAL:
		return CHECK_CRITICAL;
	default:
		return CHECK_UNKNOWN;
	}
}

static void add_reason(struct service_verdict *verdict, enum check_state state,
		       const char *format, ...)
{
	size_t used = strlen(verdict->text);
	va_list args;

	if (check_state_worse(state, verdict->state))
		verdict->state = state;
	if (used > 0 && used < sizeof(verdict->text) - 2) {
		memcpy(verdict->text + used, "; ", 3);
		used += 2;
	}
	va_start(args, format);
	vsnprintf(verdict->text + used, sizeof(verdict->text) - used, format, args);
	va_end(args);
}

/* The command line's fd thresholds, judged the way oobhealthd judges its own. */
static void judge_fd(const struct check_options *options, const struct service_reading *service,
		     struct service_verdict *verdict)
{
	double used_pct;

	if (service->fd_soft_limit == 0)
		return;
	used_pct = 100.0 * service->fd_open / service->fd_soft_limit;
	if (options->fd_crit.set && used_pct >= options->fd_crit.value)
		add_reason(verdict, CHECK_CRITICAL, "fd use %.0f%% reaches -C %g%%", used_pct,
			   options->fd_crit.value);
	else if (options->fd_warn.set && used_pct >= options->fd_warn.value)
		add_reason(verdict, CHECK_WARNING, "fd use %.0f%% reaches -w %g%%", used_pct,
			   options->fd_warn.value);
}

/* Only answered probes are timed here; a failed one is already in oobhealthd's health. */
static void judge_latency(const struct check_options *options, const struct probe_reading *probe,
			  struct service_verdict *verdict)
{
	double seconds = probe->latency_us / 1e6;

	if (probe->status != PROBE_OK)
		return;
	if (options->latency_crit.set && seconds >= options->latency_crit.value)
		add_reason(verdict, CHECK_CRITICAL, "probe %s took %.1f ms (-C %g s)", probe->name,
			   probe->latency_us / 1e3, options->latency_crit.value);
	else if (options->latency_warn.set && seconds >= options->latency_warn.value)
		add_reason(verdict, CHECK_WARNING, "probe %s took %.1f ms (-w %g s)", probe->name,
			   probe->latency_us / 1e3, options->latency_warn.value);
}

/* What a healthy service's line says: that it runs, its fd use and its probes. */
static void describe_ok(const struct reading *reading, size_t service,
			struct service_verdict *verdict)
{
	const struct service_reading *s = &reading->services[service];
	size_t probes = 0;
	int used;

	if (s->status == SERVICE_UNKNOWN)
		used = snprintf(verdict->text, sizeof(verdict->text), "no process match");
	else
		used = snprintf(verdict->text, sizeof(verdict->text), "%s, pid %u",
				service_status_name(s->status), s->pid);
	if (s->fd_soft_limit > 0)
		used += snprintf(verdict->text + used, sizeof(verdict->text) - (size_t)used,
				 ", fd %u/%u (%.0f%%)", s->fd_open, s->fd_soft_limit,
				 100.0 * s->fd_open / s->fd_soft_limit);
	for (size_t i = 0; i < reading->nprobes; i++)
		probes += reading->probes[i].service == service;
	if (probes > 0)
		snprintf(verdict->text + used, sizeof(verdict->text) - (size_t)used,
			 ", %zu probe%s ok", probes, probes == 1 ? "" : "s");
}

void judge_service(const struct check_options *options, const struct reading *reading,
		   size_t service, struct service_verdict *verdict)
{
	const struct service_reading *s = &reading->services[service];

	verdict->state = state_of(s->health);
	verdict->text[0] = '\0';
	if (s->health != HEALTH_OK)
		snprintf(verdict->text, sizeof(verdict->text), "%s", s->health_text);
	judge_fd(options, s, verdict);
	for (size_t i = 0; i < reading->nprobes; i++)
		if (reading->probes[i].service == service)
			judge_latency(options, &reading->probes[i], verdict);
	if (verdict->state == CHECK_OK)
		describe_ok(reading, service, verdict);
	/* A "|" would start the performance data. */
	for (char *c = verdict->text; *c != '\0'; c++)
		if (*c == '|' || *c == '\n')
			*c = '/';
}
