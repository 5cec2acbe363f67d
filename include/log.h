/* The log queue: any thread logs; the SNMP thread alone passes lines to snmp_log. */
#ifndef OH_LOG_H
#define OH_LOG_H

/* From now on lines are queued and FD (an eventfd) is signalled for each; before this
 * (e.g. --once) lines go to stderr. */
void log_queue_start(int fd);

void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* SNMP side: passes every queued line to EMIT, oldest first. */
void log_drain(void (*emit)(int priority, const char *line));

#endif
