/*
 * A plain POSIX sockets program for the preload tests: it knows nothing of Sluice. Run the same
 * binary on the kernel and under `sluice accelerate`; each mode prints one JSON line of what it saw
 * (errno names, counts, byte-exactness), which the tests compare between the two runs.
 *   sockets_probe server PORT CONNECTIONS
 *     blocking echo server: socket/bind/listen/accept/read/write/close, one connection at a time;
 *     prints "ready PORT" once listening and a JSON summary after CONNECTIONS connections.
 *   sockets_probe client HOST PORT BYTES
 *     non-blocking client: connect (EINPROGRESS), poll, SO_ERROR, a read before any data (EAGAIN),
 *     TCP_NODELAY, BYTES of a pattern echoed back byte-exactly through poll (with a pipe, a kernel
 *     fd, in the same poll set); before all that, a
 *     connect to PORT+1 where nothing listens (ECONNREFUSED through SO_ERROR).
 *   sockets_probe udp-server PORT COUNT
 *     blocking UDP echo: recvfrom/sendto COUNT datagrams; "ready PORT", then a JSON summary.
 *   sockets_probe udp-client HOST PORT COUNT
 *     connected UDP socket: a MSG_DONTWAIT recv before anything (EAGAIN), getpeername, then one
 *     datagram of each size 1..COUNT through send/poll/recv, resent if an answer is late.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static const char* errno_name(int error) {
  switch (error) {
    case 0: return "0";
    case EAGAIN: return "EAGAIN";
    case EINPROGRESS: return "EINPROGRESS";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EISCONN: return "EISCONN";
    case ENOTCONN: return "ENOTCONN";
    case EALREADY: return "EALREADY";
    default: return strerror(error);
  }
}

static void die(const char* what) {
  fprintf(stderr, "sockets_probe: %s: %s\n", what, strerror(errno));
  exit(1);
}

static unsigned char pattern(size_t i) { return (unsigned char)((i * 31 + 7) % 251); }

static int serve(int port, int connections) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) die("socket");
  int one = 1;
  if (setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) die("SO_REUSEADDR");
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (bind(listener, (struct sockaddr*)&local, sizeof local) < 0) die("bind");
  if (listen(listener, 16) < 0) die("listen");
  printf("ready %d\n", port);
  fflush(stdout);
  long total = 0;
  int peers_named = 0;
  char buf[8192];
  for (int c = 0; c < connections; ++c) {
    struct sockaddr_in peer;
    socklen_t peer_len = sizeof peer;
    int conn = accept(listener, (struct sockaddr*)&peer, &peer_len);
    if (conn < 0) die("accept");
    if (peer_len == sizeof peer && peer.sin_family == AF_INET && peer.sin_port != 0) ++peers_named;
    for (;;) {
      ssize_t n = read(conn, buf, sizeof buf);
      if (n < 0) die("read");
      if (n == 0) break;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = write(conn, buf + off, (size_t)(n - off));
        if (w < 0) die("write");
        off += w;
      }
      total += n;
    }
    if (close(conn) < 0) die("close");
  }
  close(listener);
  printf("{\"connections\":%d,\"peers_named\":%d,\"echoed\":%ld}\n", connections, peers_named, total);
  return 0;
}

static int wait_for(int fd, short events) {
  struct pollfd p = {.fd = fd, .events = events};
  int rc = poll(&p, 1, 30000);
  if (rc < 0) die("poll");
  return rc == 0 ? 0 : p.revents;
}

/* Non-blocking connect to host:port; *connect_errno and *so_error say what happened. */
static int connect_nonblocking(const char* host, int port, int* connect_errno, int* so_error) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) die("fcntl");
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, host, &to.sin_addr);
  *connect_errno = connect(fd, (struct sockaddr*)&to, sizeof to) == 0 ? 0 : errno;
  if (*connect_errno == EINPROGRESS) wait_for(fd, POLLOUT);
  socklen_t len = sizeof *so_error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, so_error, &len) < 0) die("SO_ERROR");
  return fd;
}

static int client(const char* host, int port, size_t bytes) {
  /* First, while the server surely runs: nothing listens on PORT+1, so the connect is refused. */
  int refused_connect_errno, refused_so_error;
  int refused = connect_nonblocking(host, port + 1, &refused_connect_errno, &refused_so_error);
  close(refused);
  /* Again, but the error is collected by read instead of SO_ERROR: once, then ENOTCONN. */
  int read_refused_errnos[2] = {0, 0};
  {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) die("socket");
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(port + 1))};
    inet_pton(AF_INET, host, &to.sin_addr);
    if (connect(fd, (struct sockaddr*)&to, sizeof to) < 0 && errno == EINPROGRESS) wait_for(fd, POLLOUT);
    char byte;
    for (int i = 0; i < 2; ++i) read_refused_errnos[i] = read(fd, &byte, 1) < 0 ? errno : 0;
    close(fd);
  }

  int connect_errno, so_error;
  int fd = connect_nonblocking(host, port, &connect_errno, &so_error);
  if (so_error != 0 || (connect_errno != 0 && connect_errno != EINPROGRESS)) {
    fprintf(stderr, "sockets_probe: connect: %s\n", strerror(so_error != 0 ? so_error : connect_errno));
    return 1;
  }
  char probe;
  ssize_t early = read(fd, &probe, 1);
  int early_errno = early < 0 ? errno : 0;
  int nodelay = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay) < 0) die("TCP_NODELAY");
  socklen_t len = sizeof nodelay;
  nodelay = 0;
  if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) < 0) die("TCP_NODELAY get");
  int on = 1; /* already non-blocking through fcntl; FIONBIO must agree */
  if (ioctl(fd, FIONBIO, &on) < 0) die("FIONBIO");

  /* A pipe (a kernel fd) polled in the same set as the socket: its byte must be seen exactly once. */
  int pipe_fds[2];
  if (pipe(pipe_fds) < 0) die("pipe");
  if (write(pipe_fds[1], "p", 1) != 1) die("pipe write");
  int pipe_seen = 0;

  size_t sent = 0, received = 0, mismatched = 0, eagain_writes = 0;
  char out[4096], in[4096];
  while (received < bytes) {
    struct pollfd set[2] = {{.fd = fd, .events = (short)(POLLIN | (sent < bytes ? POLLOUT : 0))},
                            {.fd = pipe_fds[0], .events = POLLIN}};
    if (poll(set, 2, 30000) < 0) die("poll");
    if (set[1].revents & POLLIN) {
      char byte;
      if (read(pipe_fds[0], &byte, 1) == 1 && byte == 'p') ++pipe_seen;
    }
    int revents = set[0].revents;
    if (revents == 0 && set[1].revents != 0) continue;
    if (revents == 0) {
      fprintf(stderr, "sockets_probe: stalled at %zu/%zu\n", received, bytes);
      return 1;
    }
    if ((revents & POLLOUT) && sent < bytes) {
      size_t n = bytes - sent < sizeof out ? bytes - sent : sizeof out;
      for (size_t i = 0; i < n; ++i) out[i] = (char)pattern(sent + i);
      ssize_t w = write(fd, out, n);
      if (w < 0 && errno == EAGAIN) ++eagain_writes;
      else if (w < 0) die("write");
      else sent += (size_t)w;
    }
    if (revents & (POLLIN | POLLERR | POLLHUP)) {
      ssize_t r = read(fd, in, sizeof in);
      if (r < 0 && errno == EAGAIN) continue;
      if (r < 0) die("read");
      if (r == 0) break;
      for (ssize_t i = 0; i < r; ++i)
        if ((unsigned char)in[i] != pattern(received + (size_t)i)) ++mismatched;
      received += (size_t)r;
    }
  }
  close(fd);

  (void)eagain_writes; /* how often the send side filled up depends on timing: not reported */
  printf(
      "{\"connect\":\"%s\",\"so_error\":\"%s\",\"early_read\":\"%s\",\"nodelay\":%d,\"sent\":%zu,"
      "\"received\":%zu,\"mismatched\":%zu,\"pipe_seen\":%d,\"refused_connect\":\"%s\",\"refused_so_error\":\"%s\","
      "\"refused_reads\":[\"%s\",\"%s\"]}\n",
      errno_name(connect_errno), errno_name(so_error), errno_name(early_errno), nodelay != 0, sent, received,
      mismatched, pipe_seen, errno_name(refused_connect_errno), errno_name(refused_so_error),
      errno_name(read_refused_errnos[0]), errno_name(read_refused_errnos[1]));
  return 0;
}

static int udp_serve(int port, int count) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (bind(fd, (struct sockaddr*)&local, sizeof local) < 0) die("bind");
  printf("ready %d\n", port);
  fflush(stdout);
  long bytes = 0;
  char buf[2048];
  for (int i = 0; i < count; ++i) {
    struct sockaddr_in from;
    socklen_t from_len = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr*)&from, &from_len);
    if (n < 0) die("recvfrom");
    if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr*)&from, from_len) != n) die("sendto");
    bytes += n;
  }
  close(fd);
  printf("{\"datagrams\":%d,\"bytes\":%ld}\n", count, bytes);
  return 0;
}

static int udp_client(const char* host, int port, int count) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, host, &to.sin_addr);
  if (connect(fd, (struct sockaddr*)&to, sizeof to) < 0) die("connect");
  char buf[2048], in[2048];
  ssize_t early = recv(fd, in, sizeof in, MSG_DONTWAIT);
  int early_errno = early < 0 ? errno : 0;
  struct sockaddr_in peer;
  socklen_t peer_len = sizeof peer;
  if (getpeername(fd, (struct sockaddr*)&peer, &peer_len) < 0) die("getpeername");
  int peer_matches = peer.sin_port == to.sin_port && peer.sin_addr.s_addr == to.sin_addr.s_addr;
  int echoed = 0, mismatched = 0;
  for (int size = 1; size <= count; ++size) {
    for (int i = 0; i < size; ++i) buf[i] = (char)pattern((size_t)(size + i));
    int answered = 0;
    for (int attempt = 0; attempt < 5 && !answered; ++attempt) {
      if (send(fd, buf, (size_t)size, 0) != size) die("send");
      while (!answered && (wait_for(fd, POLLIN) & POLLIN)) {
        ssize_t n = recv(fd, in, sizeof in, 0);
        if (n < 0) die("recv");
        if (n != size) continue; /* a late answer to an earlier resend */
        answered = 1;
        if (memcmp(in, buf, (size_t)n) != 0) ++mismatched;
      }
    }
    echoed += answered;
  }
  close(fd);
  printf("{\"early_recv\":\"%s\",\"peer_matches\":%d,\"echoed\":%d,\"mismatched\":%d}\n", errno_name(early_errno),
         peer_matches, echoed, mismatched);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 4 && strcmp(argv[1], "server") == 0) return serve(atoi(argv[2]), atoi(argv[3]));
  if (argc == 5 && strcmp(argv[1], "client") == 0) return client(argv[2], atoi(argv[3]), strtoul(argv[4], NULL, 10));
  if (argc == 4 && strcmp(argv[1], "udp-server") == 0) return udp_serve(atoi(argv[2]), atoi(argv[3]));
  if (argc == 5 && strcmp(argv[1], "udp-client") == 0) return udp_client(argv[2], atoi(argv[3]), atoi(argv[4]));
  fprintf(stderr,
          "usage: sockets_probe server PORT CONNECTIONS | client HOST PORT BYTES | udp-server PORT COUNT |"
          " udp-client HOST PORT COUNT\n");
  return 2;
}
