/* Writes the seed corpus of fuzz_sock_diag: real sock_diag replies about sockets it opens
 * itself (TCP listeners on 127.0.0.1 and ::1 with a connection each, unix listeners at a
 * path and an abstract name), one file per dump, cut down to those sockets' messages so
 * that they stay small and say nothing about the rest of the host.
 * Build and run: cc -D_GNU_SOURCE -o /tmp/capture tests/fuzz/capture_sock_diag.c &&
 *                /tmp/capture tests/fuzz/corpus/sock_diag */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define TCP_ESTABLISHED_STATE 1
#define TCP_LISTEN_STATE 10

static uint16_t ports[2];
static ino_t unix_inodes[2];

static void die(const char *what)
{
	fprintf(stderr, "capture_sock_diag: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A loopback listener with one connection to it, whose port is remembered. */
static void tcp_pair(int family, int slot)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int server = socket(family, SOCK_STREAM, 0), client = socket(family, SOCK_STREAM, 0);

	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	if (server < 0 || client < 0 || bind(server, (struct sockaddr *)&ss, len) < 0 ||
	    listen(server, 8) < 0 || getsockname(server, (struct sockaddr *)&ss, &len) < 0 ||
	    connect(client, (struct sockaddr *)&ss, len) < 0)
		die("tcp listener");
	ports[slot] = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
						((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void unix_listener(const char *name, int slot)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), client = socket(AF_UNIX, SOCK_STREAM, 0);
	struct stat st;

	memcpy(addr.sun_path, name, n);
	if (name[0] == '@')
		addr.sun_path[0] = '\0';
	if (fd < 0 || client < 0 || bind(fd, (struct sockaddr *)&addr, len) < 0 ||
	    listen(fd, 4) < 0 || connect(client, (struct sockaddr *)&addr, len) < 0 ||
	    fstat(fd, &st) < 0)
		die("unix listener");
	unix_inodes[slot] = st.st_ino;
}

static int ours(const struct nlmsghdr *msg, int unix_dump)
{
	if (msg->nlmsg_type == NLMSG_DONE || msg->nlmsg_type == NLMSG_ERROR)
		return 1;
	if (unix_dump) {
		const struct unix_diag_msg *diag = NLMSG_DATA(msg);

		return diag->udiag_ino == unix_inodes[0] || diag->udiag_ino == unix_inodes[1];
	} else {
		const struct inet_diag_msg *diag = NLMSG_DATA(msg);
		uint16_t sport = ntohs(diag->id.idiag_sport);

		return sport == ports[0] || sport == ports[1];
	}
}

/* Sends REQUEST and writes the messages about our sockets, and the end of the dump, to PATH. */
static void capture(void *request, size_t len, int unix_dump, const char *path)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	static char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	static char kept[65536];
	size_t nkept = 0;
	struct nlmsghdr *hdr = request;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG), done = 0;
	FILE *out;

	hdr->nlmsg_len = (uint32_t)len;
	hdr->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	hdr->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	if (fd < 0 || sendto(fd, request, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		die("sock_diag request");
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		int got = (int)n;

		if (n < 0)
			die("recv");
		for (struct nlmsghdr *msg = (struct nlmsghdr *)buf; NLMSG_OK(msg, got);
		     msg = NLMSG_NEXT(msg, got)) {
			size_t size = NLMSG_ALIGN(msg->nlmsg_len);

			done = msg->nlmsg_type == NLMSG_DONE || msg->nlmsg_type == NLMSG_ERROR;
			if (ours(msg, unix_dump) && nkept + size <= sizeof(kept)) {
				memcpy(kept + nkept, msg, size);
				nkept += size;
			}
			if (done)
				break;
		}
	}
	close(fd);
	out = fopen(path, "wb");
	if (out == NULL || fwrite(kept, 1, nkept, out) != nkept || fclose(out) != 0)
		die(path);
}

static void capture_tcp(int family, uint32_t states, uint8_t ext, const char *path)
{
	struct {
		struct nlmsghdr hdr;
		struct inet_diag_req_v2 req;
	} request = { 0 };

	request.req.sdiag_family = (uint8_t)family;
	request.req.sdiag_protocol = IPPROTO_TCP;
	request.req.idiag_states = states;
	request.req.idiag_ext = ext;
	capture(&request, sizeof(request), 0, path);
}

int main(int argc, char **argv)
{
	char path[4096], sock_path[108];
	struct {
		struct nlmsghdr hdr;
		struct unix_diag_req req;
	} unix_request = { 0 };

	if (argc != 2) {
		fprintf(stderr, "usage: capture_sock_diag DIR\n");
		return 2;
	}
	tcp_pair(AF_INET, 0);
	tcp_pair(AF_INET6, 1);
	snprintf(sock_path, sizeof(sock_path), "/tmp/oh-capture-%d.sock", (int)getpid());
	unix_listener(sock_path, 0);
	unix_listener("@oh-capture-abstract", 1);

	snprintf(path, sizeof(path), "%s/tcp-listeners", argv[1]);
	capture_tcp(AF_INET, 1u << TCP_LISTEN_STATE, 0, path);
	snprintf(path, sizeof(path), "%s/tcp6-listeners", argv[1]);
	capture_tcp(AF_INET6, 1u << TCP_LISTEN_STATE, 0, path);
	snprintf(path, sizeof(path), "%s/tcp-connections", argv[1]);
	capture_tcp(AF_INET, 1u << TCP_ESTABLISHED_STATE, 1u << (INET_DIAG_INFO - 1), path);
	snprintf(path, sizeof(path), "%s/tcp6-connections", argv[1]);
	capture_tcp(AF_INET6, 1u << TCP_ESTABLISHED_STATE, 1u << (INET_DIAG_INFO - 1), path);

	unix_request.req.sdiag_family = AF_UNIX;
	unix_request.req.udiag_states = 1u << TCP_LISTEN_STATE;
	unix_request.req.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_RQLEN;
	snprintf(path, sizeof(path), "%s/unix-listeners", argv[1]);
	capture(&unix_request, sizeof(unix_request), 1, path);
	unlink(sock_path);
	return 0;
}
