/*
 * TCP and UDP echo on the Sluice C API, both on one port, in one completion loop.
 *   echo CONFIG PORT     (CONFIG: a JSON file or JSON text, see docs/libos-config.md)
 * Prints "ready echo tcp+udp A.B.C.D:PORT" once serving; stops on SIGINT/SIGTERM.
 * Every received buffer is pushed back as is (zero copies in the app) and freed when the push
 * completes, so the app holds at most one buffer per connection.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/libos.h"

static volatile sig_atomic_t stopping = 0;
static void on_signal(int sig) { (void)sig; stopping = 1; }

static int check(long rc, const char* what) {
  if (rc < 0) {
    fprintf(stderr, "echo: %s: %s %s\n", what, strerror((int)-rc), sl_last_error());
    exit(1);
  }
  return (int)rc;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: echo CONFIG PORT\n");
    return 2;
  }
  if (sl_init(argv[1]) < 0) {
    fprintf(stderr, "echo: %s\n", sl_last_error());
    return 1;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);

  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  int udp = check(sl_socket(AF_INET, SOCK_DGRAM, 0), "udp socket");
  check(sl_bind(udp, (struct sockaddr*)&local, sizeof local), "udp bind");
  int listener = check(sl_socket(AF_INET, SOCK_STREAM, 0), "tcp socket");
  check(sl_bind(listener, (struct sockaddr*)&local, sizeof local), "tcp bind");
  check(sl_listen(listener, 128), "listen");
  check(sl_pop(udp), "udp pop");
  check(sl_accept(listener), "accept");

  struct sockaddr_in name;
  socklen_t name_len = sizeof name;
  sl_getsockname(udp, (struct sockaddr*)&name, &name_len);
  char address[INET_ADDRSTRLEN] = "0.0.0.0";
  inet_ntop(AF_INET, &name.sin_addr, address, sizeof address);
  printf("ready echo tcp+udp %s:%u\n", address, ntohs(name.sin_port));
  fflush(stdout);

  const struct timespec tick = {0, 100 * 1000 * 1000}; /* look at the stop flag ten times a second */
  sl_qresult_t results[32];
  while (!stopping) {
    int n = sl_wait_next_n(results, 32, &tick);
    if (n == -ETIMEDOUT) continue;
    check(n, "wait");
    for (int i = 0; i < n; ++i) {
      sl_qresult_t* r = &results[i];
      switch (r->opcode) {
        case SL_OPC_ACCEPT:
          if (r->ret == 0) check(sl_pop(r->value.accepted.qd), "pop");
          check(sl_accept(listener), "accept");
          break;
        case SL_OPC_POP:
          if (r->qd == udp) {
            if (r->ret == 0 && r->value.sga.numsegs > 0) {
              sl_qtoken_t qt = sl_pushto(udp, &r->value.sga, (struct sockaddr*)&r->value.sga.addr, sizeof(struct sockaddr_in));
              if (qt < 0) sl_sga_free(&r->value.sga); /* dropped, as a kernel socket would */
            }
            check(sl_pop(udp), "udp pop");
          } else if (r->ret < 0 || r->value.sga.numsegs == 0) {
            sl_close(r->qd); /* reset, or the peer finished: close (FIN after what is queued) */
          } else if (sl_push(r->qd, &r->value.sga) < 0) {
            sl_sga_free(&r->value.sga);
            sl_close(r->qd);
          } else {
            check(sl_pop(r->qd), "pop");
          }
          break;
        case SL_OPC_PUSH:
        case SL_OPC_PUSHTO:
          sl_sga_free(&r->value.sga); /* the stack is done with it */
          break;
        default:
          break;
      }
    }
  }
  sl_fini();
  return 0;
}
