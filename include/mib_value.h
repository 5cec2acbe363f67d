/* Setting a varbind to a value of one of the MIB's types, clamped to what the type holds. */
#ifndef OH_MIB_VALUE_H
#define OH_MIB_VALUE_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <stdint.h>

void mib_set_integer(netsnmp_variable_list *var, long value);
void mib_set_unsigned(netsnmp_variable_list *var, uint64_t value);
void mib_set_gauge(netsnmp_variable_list *var, uint64_t value);
void mib_set_counter(netsnmp_variable_list *var, uint64_t value);
void mib_set_string(netsnmp_variable_list *var, const char *text);

/* DateAndTime in UTC (11 octets) of wall-clock MS since the epoch; 0 ("never") is sent
 * as 0000-01-01,00:00:00.0, the value the MIB names for it. */
void mib_set_date_and_time(netsnmp_variable_list *var, int64_t ms);

/* The DateAndTime octets of MS; returns their count (8 or 11). */
size_t date_and_time_encode(int64_t ms, unsigned char out[11]);

#endif
