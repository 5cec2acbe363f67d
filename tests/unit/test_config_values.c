/* Unit tests for the scalar value parsers of oobhealth.yaml. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "config_values.h"
#include "unit.h"

static void durations_take_each_unit(void)
{
	uint64_t ms = 0;

	CHECK(parse_duration_ms("250ms", &ms) == 0 && ms == 250);
	CHECK(parse_duration_ms("5s", &ms) == 0 && ms == 5000);
	CHECK(parse_duration_ms("2m", &ms) == 0 && ms == 120000);
	CHECK(parse_duration_ms("1h", &ms) == 0 && ms == 3600000);
	CHECK(parse_duration_ms("0s", &ms) == 0 && ms == 0);
}

static void durations_reject_the_rest(void)
{
	uint64_t ms;

	CHECK(parse_duration_ms("5", &ms) < 0);
	CHECK(parse_duration_ms("s", &ms) < 0);
	CHECK(parse_duration_ms("5 s", &ms) < 0);
	CHECK(parse_duration_ms("-5s", &ms) < 0);
	CHECK(parse_duration_ms("1.5s", &ms) < 0);
	CHECK(parse_duration_ms("5d", &ms) < 0);
	CHECK(parse_duration_ms("99999999999999999999s", &ms) < 0);
	CHECK(parse_duration_ms("18446744073709551615h", &ms) < 0);
}

static void percents_and_counts(void)
{
	unsigned pct;
	uint64_t n;
	bool b;

	CHECK(parse_percent("80%", &pct) == 0 && pct == 80);
	CHECK(parse_percent("80", &pct) < 0);
	CHECK(parse_percent("%", &pct) < 0);
	CHECK(parse_percent("80%%", &pct) < 0);
	CHECK(parse_count("65536", &n) == 0 && n == 65536);
	CHECK(parse_count("+1", &n) < 0);
	CHECK(parse_count("", &n) < 0);
	CHECK(parse_bool("true", &b) == 0 && b);
	CHECK(parse_bool("false", &b) == 0 && !b);
	CHECK(parse_bool("yes", &b) < 0);
}

static void host_port_accepts_literals_only(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char why[160];

	CHECK(parse_host_port("127.0.0.1:8080", &ss, &len, why, sizeof(why)) == 0);
	CHECK(ss.ss_family == AF_INET && ntohs(((struct sockaddr_in *)&ss)->sin_port) == 8080);
	CHECK(parse_host_port("[::1]:443", &ss, &len, why, sizeof(why)) == 0);
	CHECK(ss.ss_family == AF_INET6 && len == sizeof(struct sockaddr_in6));
	CHECK(parse_host_port("localhost:80", &ss, &len, why, sizeof(why)) < 0);
	CHECK_STR(why, "\"localhost\" is not an IP literal (names are not resolved: a lookup has no deadline)");
	CHECK(parse_host_port("127.0.0.1", &ss, &len, why, sizeof(why)) < 0);
	CHECK(parse_host_port("127.0.0.1:0", &ss, &len, why, sizeof(why)) < 0);
	CHECK_STR(why, "port 0 is out of range (1..65535)");
	CHECK(parse_host_port("[::1]443", &ss, &len, why, sizeof(why)) < 0);
}

static void http_urls(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char why[160], *host = NULL, *path = NULL;
	bool tls = true;

	CHECK(parse_http_url("http://127.0.0.1:8080/healthz?x=1", &ss, &len, &host, &path, &tls,
			     why, sizeof(why)) == 0);
	CHECK_STR(host, "127.0.0.1:8080");
	CHECK_STR(path, "/healthz?x=1");
	CHECK(!tls);
	free(host);
	free(path);
	CHECK(parse_http_url("http://[::1]", &ss, &len, &host, &path, &tls, why, sizeof(why)) == 0);
	CHECK(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) == 80);
	CHECK_STR(path, "/");
	free(host);
	free(path);
	CHECK(parse_http_url("https://127.0.0.1/x", &ss, &len, &host, &path, &tls, why,
			     sizeof(why)) == 0);
	CHECK(tls);
	CHECK(ntohs(((struct sockaddr_in *)&ss)->sin_port) == 443);
	CHECK_STR(host, "127.0.0.1");
	free(host);
	free(path);
	CHECK(parse_http_url("ftp://127.0.0.1/", &ss, &len, &host, &path, &tls, why, sizeof(why)) < 0);
	CHECK(parse_http_url("http:///x", &ss, &len, &host, &path, &tls, why, sizeof(why)) < 0);
	CHECK(parse_http_url("https:///x", &ss, &len, &host, &path, &tls, why, sizeof(why)) < 0);
}

static void names_and_suggestions(void)
{
	char buf[32];

	CHECK(name_chars_valid("xxnetwork-node_1.2"));
	CHECK(!name_chars_valid("a b"));
	CHECK(!name_chars_valid("a/b"));
	CHECK(edit_distance("tiemout", "timeout") == 2);
	CHECK(edit_distance("interval", "interval") == 0);
	CHECK(edit_distance("", "abc") == 3);
	format_duration(250, buf, sizeof(buf));
	CHECK_STR(buf, "250ms");
	format_duration(3600000, buf, sizeof(buf));
	CHECK_STR(buf, "1h");
	format_duration(0, buf, sizeof(buf));
	CHECK_STR(buf, "0s");
}

int main(void)
{
	TEST(durations_take_each_unit);
	TEST(durations_reject_the_rest);
	TEST(percents_and_counts);
	TEST(host_port_accepts_literals_only);
	TEST(http_urls);
	TEST(names_and_suggestions);
	UNIT_EXIT();
}
