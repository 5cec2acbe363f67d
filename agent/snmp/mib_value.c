/* Setting a varbind to a value of one of the MIB's types, clamped to what the type holds. */
#include "mib_value.h"

#include <string.h>
#include <time.h>

void mib_set_integer(netsnmp_variable_list *var, long value)
{
	snmp_set_var_typed_value(var, ASN_INTEGER, &value, sizeof(value));
}

void mib_set_unsigned(netsnmp_variable_list *var, uint64_t value)
{
	u_long v = value > UINT32_MAX ? UINT32_MAX : (u_long)value;

	snmp_set_var_typed_value(var, ASN_UNSIGNED, &v, sizeof(v));
}

void mib_set_gauge(netsnmp_variable_list *var, uint64_t value)
{
	u_long v = value > UINT32_MAX ? UINT32_MAX : (u_long)value;

	snmp_set_var_typed_value(var, ASN_GAUGE, &v, sizeof(v));
}

/* Counter32 wraps, as pollers expect of it. */
void mib_set_counter(netsnmp_variable_list *var, uint64_t value)
{
	u_long v = (u_long)(value & UINT32_MAX);

	snmp_set_var_typed_value(var, ASN_COUNTER, &v, sizeof(v));
}

void mib_set_string(netsnmp_variable_list *var, const char *text)
{
	snmp_set_var_typed_value(var, ASN_OCTET_STR, text, strlen(text));
}

size_t date_and_time_encode(int64_t ms, unsigned char out[11])
{
	time_t seconds = (time_t)(ms / 1000);
	struct tm tm;
	unsigned year;

	if (ms <= 0 || gmtime_r(&seconds, &tm) == NULL) {
		static const unsigned char never[8] = { 0, 0, 1, 1, 0, 0, 0, 0 };

		memcpy(out, never, sizeof(never));
		return sizeof(never);
	}
	year = (unsigned)tm.tm_year + 1900;
	out[0] = (unsigned char)(year >> 8);
	out[1] = (unsigned char)(year & 0xff);
	out[2] = (unsigned char)(tm.tm_mon + 1);
	out[3] = (unsigned char)tm.tm_mday;
	out[4] = (unsigned char)tm.tm_hour;
	out[5] = (unsigned char)tm.tm_min;
	out[6] = (unsigned char)(tm.tm_sec > 59 ? 59 : tm.tm_sec);
	out[7] = (unsigned char)((ms % 1000) / 100);
	out[8] = '+';
	out[9] = 0;
	out[10] = 0;
	return 11;
}

void mib_set_date_and_time(netsnmp_variable_list *var, int64_t ms)
{
	unsigned char octets[11];
	size_t len = date_and_time_encode(ms, octets);

	snmp_set_var_typed_value(var, ASN_OCTET_STR, octets, len);
}
