/*
 * A plain Linux sockets program for the preload tests, in the style of event-loop servers (nginx,
 * redis, libuv): it knows nothing of Sluice. Run the same binary on the kernel and under
 * `sluice accelerate`; each mode prints one JSON line of what it saw, which the tests compare.
 *   epoll_probe server PORT CONNECTIONS
 *     one epoll set mixing the listening socket (level-triggered, EPOLLONESHOT re-armed with
 *     EPOLL_CTL_MOD), accepted connections (accept4 SOCK_NONBLOCK|SOCK_CLOEXEC, edge-triggered with
 *     EPOLLRDHUP), and a pipe written by a forked child that touches no socket. Echoes with
 *     readv/writev until the client half-closes, then sends "bye\n" and shuts down its side.
 *     data.u64 carries a tag in its high bits that must come back intact. A loopback listener and
 *     client in the same process exchange a line (loopback is the kernel's even when accelerated).
 *     Prints "ready PORT", then a JSON summary after CONNECTIONS connections.
 *   epoll_probe client HOST PORT BYTES
 *     non-blocking connect (EINPROGRESS, then select for writability and SO_ERROR), a dup of the
 *     socket replaces it (dup2), BYTES of a pattern sent with sendmsg/writev and read back with
 *     recvmsg through an edge-triggered epoll set, then shutdown(SHUT_WR) and reads until the
 *     server's "bye\n" and end of stream; ppoll sees the end.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define TAG 0x5a1ce00000000000ULL
#define MAX_CONNECTIONS 64

static void die(const char* what) {
  fprintf(stderr, "epoll_probe: %s: %s\n", what, strerror(errno));
  exit(1);
}

static const char* errno_name(int error) {
  switch (error) {
    case 0: return "0";
    case EAGAIN: return "EAGAIN";
    case EINPROGRESS: return "EINPROGRESS";
    case EPIPE: return "EPIPE";
    case EEXIST: return "EEXIST";
    case ENOENT: return "ENOENT";
    case ENOTCONN: return "ENOTCONN";
    case EBADF: return "EBADF";
    default: return strerror(error);
  }
}

static unsigned char pattern(size_t i) { return (unsigned char)((i * 131 + 17) % 253); }

/* Loopback in the same process: a listener on 127.0.0.1 and a blocking client exchange a line. */
static const char* loopback_exchange(int port) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &local.sin_addr);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listener, (struct sockaddr*)&local, sizeof local) < 0) return "bind failed";
  if (listen(listener, 1) < 0) return "listen failed";
  int client = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(client, (struct sockaddr*)&local, sizeof local) < 0) return "connect failed";
  int served = accept(listener, NULL, NULL);
  if (served < 0) return "accept failed";
  char line[8] = {0};
  if (write(client, "lo\n", 3) != 3 || read(served, line, sizeof line - 1) != 3) return "exchange failed";
  close(client);
  close(served);
  close(listener);
  return strcmp(line, "lo\n") == 0 ? "ok" : "wrong bytes";
}

/* After end of stream: a second epoll set, asked with a zero timeout, must report EPOLLIN and
 * EPOLLRDHUP for the socket (a deterministic check, unlike which wake-up carried the flag). */
static int rdhup_reported(int fd) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = TAG | 1};
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll rdhup");
  struct epoll_event got;
  int n = epoll_wait(ep, &got, 1, 0);
  close(ep);
  return n == 1 && got.data.u64 == (TAG | 1) && (got.events & (EPOLLIN | EPOLLRDHUP)) == (EPOLLIN | EPOLLRDHUP);
}

struct connection {
  int fd;
  int finished;
};

static int serve(int port, int connections) {
  const char* loopback = loopback_exchange(port + 2);

  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) die("socket");
  int one = 1;
  if (setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) die("SO_REUSEADDR");
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (bind(listener, (struct sockaddr*)&local, sizeof local) < 0) die("bind");
  if (listen(listener, 16) < 0) die("listen");
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = TAG | (uint64_t)listener};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) < 0) die("epoll_ctl listener");
  int again = epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) < 0 ? errno : 0;
  int missing = epoll_ctl(ep, EPOLL_CTL_DEL, 1000, NULL) < 0 ? errno : 0;

  /* A child that touches no socket writes to a pipe in the same epoll set, then exits 0. */
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) < 0) die("pipe");
  struct epoll_event pipe_ev = {.events = EPOLLIN, .data.u64 = TAG | 0xfffffULL};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, pipe_fds[0], &pipe_ev) < 0) die("epoll_ctl pipe");
  printf("ready %d\n", port);
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    int in_child = socket(AF_INET, SOCK_DGRAM, 0); /* the child's own socket: a kernel one */
    close(in_child);
    _exit(write(pipe_fds[1], "child\n", 6) == 6 ? 0 : 3);
  }
  char pipe_text[16] = {0};

  struct connection conns[MAX_CONNECTIONS];
  int accepted = 0, done = 0, tags_ok = 1, rdhup = 0, cloexec = 0;
  long echoed = 0;
  char buf[3000];
  while (done < connections) {
    struct epoll_event events[8];
    int n = epoll_wait(ep, events, 8, 30000);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("epoll_wait");
    for (int i = 0; i < n; ++i) {
      uint64_t tag = events[i].data.u64;
      if ((tag & 0xfffff00000000000ULL) != TAG) tags_ok = 0;
      int key = (int)(tag & 0xfffffULL);
      if (key == 0xfffff) {
        ssize_t got = read(pipe_fds[0], pipe_text, sizeof pipe_text - 1);
        if (got < 0) die("pipe read");
        epoll_ctl(ep, EPOLL_CTL_DEL, pipe_fds[0], NULL);
        continue;
      }
      if (key == listener) {
        for (;;) {
          int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break; /* the listener is blocking: only one is taken per wake-up */
          if (accepted == 0) cloexec = (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
          conns[accepted] = (struct connection){.fd = fd};
          struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.u64 = TAG | (uint64_t)accepted};
          if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev) < 0) die("epoll_ctl conn");
          ++accepted;
          break;
        }
        struct epoll_event rearm = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = TAG | (uint64_t)listener};
        if (accepted < connections && epoll_ctl(ep, EPOLL_CTL_MOD, listener, &rearm) < 0) die("epoll_ctl mod");
        continue;
      }
      struct connection* c = &conns[key];
      for (;;) { /* edge-triggered: read until EAGAIN */
        struct iovec in[2] = {{buf, 1000}, {buf + 1000, sizeof buf - 1000}};
        ssize_t r = readv(c->fd, in, 2);
        if (r < 0 && errno == EAGAIN) break;
        if (r < 0) die("readv");
        if (r == 0) {
          rdhup += rdhup_reported(c->fd);
          /* The client half-closed; this side may still write, then ends its own. */
          struct iovec bye[2] = {{"by", 2}, {"e\n", 2}};
          if (writev(c->fd, bye, 2) != 4) die("writev bye");
          if (shutdown(c->fd, SHUT_WR) < 0) die("shutdown");
          close(c->fd); /* removes it from the epoll set */
          ++done;
          break;
        }
        struct iovec out[2] = {{buf, (size_t)r / 2}, {buf + r / 2, (size_t)(r - r / 2)}};
        size_t off = 0;
        while (off < (size_t)r) { /* small echoes; wait by polling if the send side is full */
          ssize_t w = off == 0 ? writev(c->fd, out, 2) : write(c->fd, buf + off, (size_t)r - off);
          if (w < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = c->fd, .events = POLLOUT};
            poll(&p, 1, 1000);
            continue;
          }
          if (w < 0) die("write");
          off += (size_t)w;
        }
        echoed += r;
      }
    }
  }
  int status = 0;
  if (waitpid(child, &status, 0) < 0) die("waitpid");
  close(ep);
  close(listener);
  printf(
      "{\"connections\":%d,\"echoed\":%ld,\"tags_ok\":%d,\"rdhup\":%d,\"accept4_flags\":%d,\"add_again\":\"%s\","
      "\"del_missing\":\"%s\",\"child_exit\":%d,\"pipe\":\"%.5s\",\"loopback\":\"%s\"}\n",
      done, echoed, tags_ok, rdhup, cloexec, errno_name(again), errno_name(missing),
      WIFEXITED(status) ? WEXITSTATUS(status) : -1, pipe_text, loopback);
  return 0;
}

static int client(const char* host, int port, size_t bytes) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, host, &to.sin_addr);
  int connect_errno = connect(fd, (struct sockaddr*)&to, sizeof to) == 0 ? 0 : errno;
  fd_set writable;
  FD_ZERO(&writable);
  FD_SET(fd, &writable);
  struct timeval tv = {.tv_sec = 30};
  int selected = select(fd + 1, NULL, &writable, NULL, &tv);
  int so_error = -1;
  socklen_t len = sizeof so_error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) < 0) die("SO_ERROR");
  if (so_error != 0) {
    fprintf(stderr, "epoll_probe: connect: %s\n", strerror(so_error));
    return 1;
  }
  /* dup2 moves the socket to another number; the old one closes and the copy carries on. */
  int moved = dup(fd);
  if (moved < 0) die("dup");
  if (dup2(moved, fd + 20) != fd + 20) die("dup2");
  close(moved);
  close(fd);
  fd = fd + 20;
  int nodelay = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay) < 0) die("TCP_NODELAY");

  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP, .data.u64 = TAG | 7};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
  size_t sent = 0, received = 0, mismatched = 0;
  int shut = 0, write_after_shutdown = 0, tags_ok = 1, rdhup = 0;
  char trailer[8] = {0};
  size_t trailer_len = 0;
  int ended = 0;
  unsigned char out[5000], in[4096];
  while (!ended) {
    struct epoll_event events[4];
    int n = epoll_pwait(ep, events, 4, 30000, NULL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      fprintf(stderr, "epoll_probe: stalled at %zu/%zu sent, %zu received\n", sent, bytes, received);
      return 1;
    }
    if (events[0].data.u64 != (TAG | 7)) tags_ok = 0;
    while (sent < bytes) { /* edge-triggered: write until EAGAIN */
      size_t chunk = bytes - sent < sizeof out ? bytes - sent : sizeof out;
      for (size_t i = 0; i < chunk; ++i) out[i] = pattern(sent + i);
      struct iovec parts[2] = {{out, chunk / 3}, {out + chunk / 3, chunk - chunk / 3}};
      struct msghdr msg = {.msg_iov = parts, .msg_iovlen = 2};
      ssize_t w = sendmsg(fd, &msg, MSG_NOSIGNAL);
      if (w < 0 && errno == EAGAIN) break;
      if (w < 0) die("sendmsg");
      sent += (size_t)w;
    }
    if (sent == bytes && !shut) {
      if (shutdown(fd, SHUT_WR) < 0) die("shutdown");
      shut = 1;
      write_after_shutdown = send(fd, "x", 1, MSG_NOSIGNAL) < 0 ? errno : 0;
    }
    for (;;) { /* edge-triggered: read until EAGAIN */
      struct iovec part = {in, sizeof in};
      struct msghdr msg = {.msg_iov = &part, .msg_iovlen = 1};
      ssize_t r = recvmsg(fd, &msg, 0);
      if (r < 0 && errno == EAGAIN) break;
      if (r < 0) die("recvmsg");
      if (r == 0) {
        ended = 1;
        rdhup = rdhup_reported(fd);
        break;
      }
      for (ssize_t i = 0; i < r; ++i) {
        if (received < bytes) {
          if (in[i] != pattern(received)) ++mismatched;
          ++received;
        } else if (trailer_len < sizeof trailer - 1) {
          trailer[trailer_len++] = (char)in[i];
        }
      }
    }
  }
  struct pollfd end = {.fd = fd, .events = POLLIN | POLLRDHUP};
  struct timespec no_wait = {0, 0};
  int ppolled = ppoll(&end, 1, &no_wait, NULL);
  close(fd);
  close(ep);
  printf(
      "{\"connect\":\"%s\",\"selected\":%d,\"so_error\":%d,\"sent\":%zu,\"received\":%zu,\"mismatched\":%zu,"
      "\"write_after_shutdown\":\"%s\",\"trailer\":\"%s\",\"tags_ok\":%d,\"rdhup\":%d,\"ppoll\":%d,"
      "\"ppoll_events\":%d}\n",
      errno_name(connect_errno), selected, so_error, sent, received, mismatched, errno_name(write_after_shutdown),
      strcmp(trailer, "bye\n") == 0 ? "bye" : trailer, tags_ok, rdhup, ppolled,
      (end.revents & (POLLIN | POLLRDHUP)) == (POLLIN | POLLRDHUP));
  return 0;
}

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc == 4 && strcmp(argv[1], "server") == 0) return serve(atoi(argv[2]), atoi(argv[3]));
  if (argc == 5 && strcmp(argv[1], "client") == 0) return client(argv[2], atoi(argv[3]), strtoul(argv[4], NULL, 10));
  fprintf(stderr, "usage: epoll_probe server PORT CONNECTIONS | client HOST PORT BYTES\n");
  return 2;
}
