/* Writes the seed corpus of fuzz_conn_diag: real replies to exact sock_diag lookups of
 * sockets it opens itself (the server side of a TCP connection on 127.0.0.1 and ::1 still
 * in the accept queue, a connected unix socket, and a lookup of a socket that is gone),
 * one file per reply.
 * Build and run: cc -D_GNU_SOURCE -o /tmp/capture tests/fuzz/capture_conn_diag.c &&
 *                /tmp/capture tests/fuzz/corpus/conn_diag */
#include <arpa/inet.h>
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

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Sends REQUEST and writes the one reply to DIR/NAME. */
static void capture(const char *dir, const char *name, void *request, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlmsghdr *hdr = request;
	char buf[8192], path[512];
	int fd = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG);
	ssize_t n;
	FILE *out;

	hdr->nlmsg_len = (uint32_t)len;
	hdr->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	hdr->nlmsg_flags = NLM_F_REQUEST;
	if (fd < 0 || sendto(fd, request, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0 ||
	    (n = recv(fd, buf, sizeof(buf), 0)) < 0)
		die("sock_diag");
	close(fd);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	out = fopen(path, "wb");
	if (out == NULL || fwrite(buf, 1, (size_t)n, out) != (size_t)n || fclose(out) != 0)
		die(path);
}

static void id_address(const struct sockaddr_storage *ss, __be32 addr[4], __be16 *port)
{
	if (ss->ss_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
		*port = ((const struct sockaddr_in6 *)ss)->sin6_port;
	} else {
		addr[0] = ((const struct sockaddr_in *)ss)->sin_addr.s_addr;
		*port = ((const struct sockaddr_in *)ss)->sin_port;
	}
}

/* A listener on LOOPBACK that never accepts, one connection into its queue, and the
 * lookup of that connection's server side. */
static void tcp_never_accepted(const char *dir, const char *name, int family)
{
	struct sockaddr_storage server = { .ss_family = (sa_family_t)family }, client;
	socklen_t len = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	socklen_t client_len = sizeof(client);
	int listener = socket(family, SOCK_STREAM, 0), fd = socket(family, SOCK_STREAM, 0);
	struct {
		struct nlmsghdr hdr;
		struct inet_diag_req_v2 req;
	} request = { 0 };

	if (family == AF_INET6)
		((struct sockaddr_in6 *)&server)->sin6_addr = in6addr_loopback;
	else
		((struct sockaddr_in *)&server)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(listener, (struct sockaddr *)&server, len) < 0 || listen(listener, 4) < 0 ||
	    getsockname(listener, (struct sockaddr *)&server, &len) < 0 ||
	    connect(fd, (struct sockaddr *)&server, len) < 0 || send(fd, "PING\r\n", 6, 0) != 6 ||
	    getsockname(fd, (struct sockaddr *)&client, &client_len) < 0)
		die("tcp");
	usleep(100000);
	request.req.sdiag_family = (uint8_t)family;
	request.req.sdiag_protocol = IPPROTO_TCP;
	request.req.idiag_states = ~0u;
	id_address(&server, request.req.id.idiag_src, &request.req.id.idiag_sport);
	id_address(&client, request.req.id.idiag_dst, &request.req.id.idiag_dport);
	request.req.id.idiag_cookie[0] = request.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	capture(dir, name, &request, sizeof(request));
	close(fd);
	close(listener);
}

static void unix_lookup(const char *dir, const char *name, ino_t inode)
{
	struct {
		struct nlmsghdr hdr;
		struct unix_diag_req req;
	} request = { 0 };

	request.req.sdiag_family = AF_UNIX;
	request.req.udiag_states = ~0u;
	request.req.udiag_ino = (uint32_t)inode;
	request.req.udiag_show = UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN;
	request.req.udiag_cookie[0] = request.req.udiag_cookie[1] = INET_DIAG_NOCOOKIE;
	capture(dir, name, &request, sizeof(request));
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;
	int listener = socket(AF_UNIX, SOCK_STREAM, 0), fd = socket(AF_UNIX, SOCK_STREAM, 0);
	int accepted;
	struct stat st;

	if (argc != 2) {
		fprintf(stderr, "usage: capture_conn_diag DIR\n");
		return 2;
	}
	tcp_never_accepted(argv[1], "tcp-never-accepted", AF_INET);
	tcp_never_accepted(argv[1], "tcp6-never-accepted", AF_INET6);
	/* An abstract name: nothing left behind in the file system. */
	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "capture-conn-diag-%d", (int)getpid());
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sun.sun_path + 1));
	if (bind(listener, (struct sockaddr *)&sun, len) < 0 || listen(listener, 4) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, len) < 0 || fstat(fd, &st) < 0)
		die("unix");
	unix_lookup(argv[1], "unix-not-accepted", st.st_ino);
	accepted = accept(listener, NULL, NULL);
	if (accepted < 0 || send(fd, "PING\r\n", 6, 0) != 6)
		die("unix accept");
	unix_lookup(argv[1], "unix-accepted", st.st_ino);
	if (fstat(accepted, &st) < 0)
		die("unix server");
	unix_lookup(argv[1], "unix-server-unread", st.st_ino);
	/* An inode no socket has: the kernel's error. */
	unix_lookup(argv[1], "gone", 1);
	return 0;
}
