#ifndef ALMEDALEN_CEPOLL_SHIM_H
#define ALMEDALEN_CEPOLL_SHIM_H
// Linux headers that Glibc's Swift module leaves out: epoll, eventfd, TCP options.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

// accept4 is declared by <sys/socket.h> only under _GNU_SOURCE, which Glibc's module is not
// built with; this is its documented prototype.
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
#endif
