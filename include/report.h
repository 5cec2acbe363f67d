/* Prints a snapshot for --once: a table for people, JSON for programs. */
#ifndef OH_REPORT_H
#define OH_REPORT_H

#include <stdio.h>

#include "snapshot.h"

void report_table(FILE *out, const struct snapshot *snapshot);
void report_json(FILE *out, const struct snapshot *snapshot);

#endif
