/* The log queue: lines from any thread, passed to the SNMP thread, which alone may log. */
#include "log.h"
#include "clean_text.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#define LOG_QUEUE_MAX 1000 /* lines; past it lines are counted, not kept */

struct log_line {
	struct log_line *next;
	int priority;
	char text[];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int wake_fd = -1;
static struct log_line *log_head, *log_tail;
static size_t log_count, log_dropped;

void log_queue_start(int fd)
{
	wake_fd = fd;
}

static void wake(void)
{
	uint64_t one = 1;

	if (write(wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, the SNMP thread is already due to wake. */
	}
}

void log_msg(int priority, const char *fmt, ...)
{
	struct log_line *line;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	line = len < 0 ? NULL : malloc(sizeof(*line) + (size_t)len + 1);
	if (line == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line->text, (size_t)len + 1, fmt, ap);
	va_end(ap);
	/* Lines quote names and paths that came from outside: one line, printable, always. */
	clean_text_in_place(line->text);
	if (wake_fd < 0) {
		fprintf(stderr, "%s\n", line->text);
		free(line);
		return;
	}
	line->priority = priority;
	line->next = NULL;
	pthread_mutex_lock(&lock);
	if (log_count >= LOG_QUEUE_MAX) {
		log_dropped++;
		free(line);
	} else {
		if (log_tail != NULL)
			log_tail->next = line;
		else
			log_head = line;
		log_tail = line;
		log_count++;
	}
	pthread_mutex_unlock(&lock);
	wake();
}

void log_drain(void (*emit)(int priority, const char *line))
{
	struct log_line *line, *next;
	size_t dropped;
	char note[96];

	pthread_mutex_lock(&lock);
	line = log_head;
	dropped = log_dropped;
	log_head = log_tail = NULL;
	log_count = log_dropped = 0;
	pthread_mutex_unlock(&lock);
	for (; line != NULL; line = next) {
		next = line->next;
		emit(line->priority, line->text);
		free(line);
	}
	if (dropped > 0) {
		snprintf(note, sizeof(note), "%zu log lines were dropped (queue full)", dropped);
		emit(LOG_WARNING, note);
	}
}
