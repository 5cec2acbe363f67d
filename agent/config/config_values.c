/* Parsers for the scalar value types of oobhealth.yaml: durations, percents, addresses. */
#include "config_values.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_digits(const char **p, uint64_t *value)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*value = v;
	return 0;
}

int parse_count(const char *text, uint64_t *value)
{
	const char *p = text;

	if (parse_digits(&p, value) < 0 || *p != '\0')
		return -1;
	return 0;
}

int parse_duration_ms(const char *text, uint64_t *ms)
{
	static const struct {
		const char *suffix;
		uint64_t ms;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 } };
	const char *p = text;
	uint64_t v;

	if (parse_digits(&p, &v) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].suffix) != 0)
			continue;
		if (v > UINT64_MAX / units[i].ms)
			return -1;
		*ms = v * units[i].ms;
		return 0;
	}
	return -1;
}

int parse_percent(const char *text, unsigned *percent)
{
	const char *p = text;
	uint64_t v;

	if (parse_digits(&p, &v) < 0 || strcmp(p, "%") != 0 || v > 1000)
		return -1;
	*percent = (unsigned)v;
	return 0;
}

int parse_bool(const char *text, bool *value)
{
	if (strcmp(text, "true") == 0)
		*value = true;
	else if (strcmp(text, "false") == 0)
		*value = false;
	else
		return -1;
	return 0;
}

static int parse_port(const char *text, uint16_t *port, char *why, size_t why_len)
{
	uint64_t v;

	if (parse_count(text, &v) < 0) {
		snprintf(why, why_len, "port \"%s\" is not a number", text);
		return -1;
	}
	if (v < 1 || v > 65535) {
		snprintf(why, why_len, "port %llu is out of range (1..65535)",
			 (unsigned long long)v);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

/* Splits "host:port" or "[v6]:port" (TEXT is modified) and fills the address. */
static int split_host_port(char *text, struct sockaddr_storage *addr, socklen_t *addr_len,
			   char *why, size_t why_len)
{
	char *host = text, *port_text;
	uint16_t port;
	int v6 = 0;

	if (*host == '[') {
		char *close = strchr(host, ']');

		if (close == NULL || close[1] != ':')
			goto form;
		*close = '\0';
		host++;
		port_text = close + 2;
		v6 = 1;
	} else {
		char *colon = strrchr(host, ':');

		if (colon == NULL || strchr(host, ':') != colon)
			goto form;
		*colon = '\0';
		port_text = colon + 1;
	}
	if (parse_port(port_text, &port, why, why_len) < 0)
		return -1;

	memset(addr, 0, sizeof(*addr));
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			goto literal;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*addr_len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)addr;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			goto literal;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*addr_len = sizeof(*sin);
	}
	return 0;
form:
	snprintf(why, why_len, "expected HOST:PORT, e.g. 127.0.0.1:80 or [::1]:80");
	return -1;
literal:
	snprintf(why, why_len,
		 "\"%s\" is not an IP literal (names are not resolved: a lookup has no deadline)",
		 host);
	return -1;
}

int parse_host_port(const char *text, struct sockaddr_storage *addr, socklen_t *addr_len,
		    char *why, size_t why_len)
{
	char *copy = strdup(text);
	int rc;

	if (copy == NULL) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	rc = split_host_port(copy, addr, addr_len, why, why_len);
	free(copy);
	return rc;
}

/* Whether the URL authority (N bytes) names a port; a "[v6]" host has it after "]". */
static int url_has_port(const char *authority, size_t n)
{
	const char *close;

	if (authority[0] != '[')
		return memchr(authority, ':', n) != NULL;
	close = memchr(authority, ']', n);
	return close != NULL && (size_t)(close - authority) + 1 < n && close[1] == ':';
}

int parse_http_url(const char *text, struct sockaddr_storage *addr, socklen_t *addr_len,
		   char **host_header, char **path, bool *tls, char *why, size_t why_len)
{
	const char *authority, *slash;
	char *hostport;
	size_t n;
	int rc;

	if (strncmp(text, "http://", 7) == 0) {
		*tls = false;
		authority = text + 7;
	} else if (strncmp(text, "https://", 8) == 0) {
		*tls = true;
		authority = text + 8;
	} else {
		snprintf(why, why_len, "only http:// and https:// URLs are supported");
		return -1;
	}
	slash = strchr(authority, '/');
	n = slash ? (size_t)(slash - authority) : strlen(authority);
	if (n == 0) {
		snprintf(why, why_len, "the URL has no host");
		return -1;
	}
	if (url_has_port(authority, n))
		rc = asprintf(&hostport, "%.*s", (int)n, authority);
	else
		rc = asprintf(&hostport, "%.*s:%s", (int)n, authority, *tls ? "443" : "80");
	if (rc < 0) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	rc = split_host_port(hostport, addr, addr_len, why, why_len);
	free(hostport);
	if (rc < 0)
		return -1;
	*host_header = strndup(authority, n);
	*path = strdup(slash ? slash : "/");
	if (*host_header == NULL || *path == NULL) {
		free(*host_header);
		free(*path);
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	return 0;
}

size_t url_invalid_byte(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0;

	while (i < len && p[i] >= 0x21 && p[i] <= 0x7e)
		i++;
	return i;
}

bool name_chars_valid(const char *name)
{
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return false;
	}
	return true;
}

size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64];

	if (lb >= sizeof(row) / sizeof(row[0]))
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

void format_duration(uint64_t ms, char *buf, size_t len)
{
	unsigned long long v = (unsigned long long)ms;

	if (v != 0 && v % 3600000 == 0)
		snprintf(buf, len, "%lluh", v / 3600000);
	else if (v != 0 && v % 60000 == 0)
		snprintf(buf, len, "%llum", v / 60000);
	else if (v % 1000 == 0)
		snprintf(buf, len, "%llus", v / 1000);
	else
		snprintf(buf, len, "%llums", v);
}
