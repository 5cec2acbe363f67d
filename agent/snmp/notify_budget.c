/* The notification budget: at most agent.notifications.budget per period, the rest held
 * back and counted, and one summary when a period that held some back ends. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "notify_budget.h"
#include "clock.h"
#include "notify_send.h"

#include <string.h>

static struct {
	unsigned budget;
	uint64_t per_ms;
	uint64_t period_end_ms;       /* CLOCK_MONOTONIC; 0: no period open */
	unsigned period_sent, period_held;
	uint32_t sent_total, held_total;
	unsigned period_alarm;
} budget;

void notify_alarm(unsigned *alarm, uint64_t in_ms, SNMPAlarmCallback *callback)
{
	struct timeval t = { .tv_sec = (time_t)(in_ms / 1000),
			     .tv_usec = (suseconds_t)(in_ms % 1000 * 1000) };

	if (*alarm != 0)
		snmp_alarm_unregister(*alarm);
	if (t.tv_sec == 0 && t.tv_usec == 0)
		t.tv_usec = 1000;
	*alarm = snmp_alarm_register_hr(t, 0, callback, NULL);
}

/* Ends the open period; one summary says what it held back. */
static void close_period(void)
{
	char text[256];

	if (budget.period_alarm != 0)
		snmp_alarm_unregister(budget.period_alarm);
	budget.period_alarm = 0;
	budget.period_end_ms = 0;
	if (budget.period_held == 0)
		return;
	snprintf(text, sizeof(text), "%u notification%s held back in the last %llu s (budget %u "
		 "per %llu s): walk OOBHEALTH-MIB for the current state", budget.period_held,
		 budget.period_held == 1 ? "" : "s", (unsigned long long)(budget.per_ms / 1000),
		 budget.budget, (unsigned long long)(budget.per_ms / 1000));
	snmp_log(LOG_WARNING, "%s\n", text);
	notify_budget_sent(notify_send_held_back(budget.period_held, budget.held_total, text));
	budget.period_held = 0;
}

static void period_ended(unsigned reg, void *unused)
{
	(void)reg;
	(void)unused;
	budget.period_alarm = 0;
	close_period();
}

void notify_budget_set(unsigned count, uint64_t per_ms)
{
	budget.budget = count;
	budget.per_ms = per_ms;
}

bool notify_budget_take(void)
{
	uint64_t now = monotonic_ms();

	if (budget.budget == 0)
		return false;
	if (budget.period_end_ms != 0 && now >= budget.period_end_ms)
		close_period();
	if (budget.period_end_ms == 0) {
		budget.period_end_ms = now + budget.per_ms;
		budget.period_sent = 0;
		notify_alarm(&budget.period_alarm, budget.per_ms, period_ended);
	}
	if (budget.period_sent < budget.budget) {
		budget.period_sent++;
		return true;
	}
	budget.period_held++;
	budget.held_total++;
	return false;
}

void notify_budget_sent(int result)
{
	if (result == 0)
		budget.sent_total++;
}

uint32_t notify_budget_spent(void)
{
	return budget.sent_total + budget.held_total;
}

void notify_counts(uint32_t *sent, uint32_t *held_back)
{
	*sent = budget.sent_total;
	*held_back = budget.held_total;
}

void notify_budget_reset(void)
{
	if (budget.period_alarm != 0)
		snmp_alarm_unregister(budget.period_alarm);
	memset(&budget, 0, sizeof(budget));
}
