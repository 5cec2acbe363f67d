/* check_oobhealth's -v output: lines kept during the run and printed as long text after
 * the status line, so the first line stays the verdict and nothing goes to stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

/* Enough for every SNMP exchange of a few hundred services; past it, a count. */
#define VERBOSE_LINES 256
#define VERBOSE_LINE_MAX 400

struct verbose_line {
	int level;
	char text[VERBOSE_LINE_MAX];
};

static struct verbose_line lines[VERBOSE_LINES];
static size_t nlines;
static size_t dropped;
/* -1 until the options are read: --extra-opts speaks before -v is known. */
static int wanted = -1;

void verbose_set(int verbosity)
{
	size_t kept = 0;

	wanted = verbosity;
	for (size_t i = 0; i < nlines; i++)
		if (lines[i].level <= wanted)
			lines[kept++] = lines[i];
	nlines = kept;
}

bool verbose_wants(int level)
{
	return wanted < 0 || level <= wanted;
}

void verbose(int level, const char *format, ...)
{
	va_list args;

	if (!verbose_wants(level))
		return;
	if (nlines == VERBOSE_LINES) {
		dropped++;
		return;
	}
	lines[nlines].level = level;
	va_start(args, format);
	vsnprintf(lines[nlines].text, sizeof(lines[nlines].text), format, args);
	va_end(args);
	nlines++;
}

void verbose_print(void)
{
	for (size_t i = 0; i < nlines; i++) {
		/* Text from the agent may hold anything; a "|" would start performance data. */
		for (char *c = lines[i].text; *c != '\0'; c++)
			if (*c == '|' || *c == '\n' || *c == '\r')
				*c = '/';
		printf("%s\n", lines[i].text);
	}
	if (dropped > 0)
		printf("(%zu more -v lines not shown)\n", dropped);
	nlines = 0;
	dropped = 0;
}
