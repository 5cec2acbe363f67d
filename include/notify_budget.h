/* The notification budget: at most agent.notifications.budget per period, the rest held
 * back and counted, and one summary when a period that held some back ends. SNMP thread
 * only. */
#ifndef OH_NOTIFY_BUDGET_H
#define OH_NOTIFY_BUDGET_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <stdbool.h>
#include <stdint.h>

/* COUNT notifications per PER_MS from now on (a period already open keeps its end). */
void notify_budget_set(unsigned count, uint64_t per_ms);

/* Whether one more notification may go now; one that may not is counted as held back. */
bool notify_budget_take(void);

/* Counts a notification handed to the master: RESULT is a notify_send_* return. */
void notify_budget_sent(int result);

/* Notifications sent and held back since the start, together. */
uint32_t notify_budget_spent(void);

/* ohAgentNotificationsSent and ohAgentNotificationsHeldBack. */
void notify_counts(uint32_t *sent, uint32_t *held_back);

void notify_budget_reset(void);

/* (Re)arms the one-shot ALARM to call CALLBACK in IN_MS (at least 1 ms). */
void notify_alarm(unsigned *alarm, uint64_t in_ms, SNMPAlarmCallback *callback);

#endif
