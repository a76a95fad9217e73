/*
 * The agent's native half: what the JDK cannot do for an unmodified app. It receives a listening
 * socket over a Unix-domain socket (SCM_RIGHTS) and puts it in place of the socket the app bound,
 * under the same descriptor number, so the app serves the supervisor's socket without knowing.
 * The supervisor uses it too, for what the JDK and Netty do not offer on the sockets it holds: the
 * length of a listener's accept queue, steering a SO_REUSEPORT group with a classic BPF program, and
 * the machine's listening sockets from the kernel's sock_diag (which, unlike /proc/net/tcp, does not
 * walk every connection).
 * Everything else (when to do it, what to ask for) is Java: dev.cluster.sockets.NativeSockets.
 */
#define _GNU_SOURCE
#include <jni.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS 64
#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif
/* Room for a program choosing among this many sockets: 2 instructions each, within BPF_MAXINSNS. */
#define MAX_STEERED 2000
#define MAX_WATCHES 16

/* One epoll registration of a socket: which epoll instance, with which events and user data. */
struct watch {
    int epoll;
    uint32_t events;
    uint64_t data;
};

static void throw_io(JNIEnv *env, const char *what, int err) {
    char message[256];
    snprintf(message, sizeof message, "%s: %s", what, strerror(err));
    jclass type = (*env)->FindClass(env, "java/io/IOException");
    if (type != NULL) {
        (*env)->ThrowNew(env, type, message);
    }
}

/* The descriptor number inside a java.io.FileDescriptor (JNI reads private fields). */
JNIEXPORT jint JNICALL Java_dev_cluster_sockets_NativeSockets_fdOf(JNIEnv *env, jclass cls, jobject fdObject) {
    jclass type = (*env)->GetObjectClass(env, fdObject);
    jfieldID field = (*env)->GetFieldID(env, type, "fd", "I");
    return field == NULL ? -1 : (*env)->GetIntField(env, fdObject, field);
}

/*
 * The address a TCP socket is bound to: {family (4 or 6), port >> 8, port & 255, address bytes...},
 * where the family is the socket's own (an IPv6 socket may be bound to an IPv4-mapped address).
 * Null when it is not a stream socket of either family.
 */
JNIEXPORT jbyteArray JNICALL Java_dev_cluster_sockets_NativeSockets_boundAddress(JNIEnv *env, jclass cls, jint fd) {
    int type = 0;
    socklen_t length = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) < 0 || type != SOCK_STREAM) {
        return NULL;
    }
    struct sockaddr_storage address;
    length = sizeof address;
    if (getsockname(fd, (struct sockaddr *) &address, &length) < 0) {
        throw_io(env, "getsockname", errno);
        return NULL;
    }
    jbyte out[3 + 16];
    int size;
    if (address.ss_family == AF_INET) {
        struct sockaddr_in *in4 = (struct sockaddr_in *) &address;
        int port = ntohs(in4->sin_port);
        out[0] = 4; out[1] = (jbyte) (port >> 8); out[2] = (jbyte) (port & 0xff);
        memcpy(out + 3, &in4->sin_addr, 4);
        size = 3 + 4;
    } else if (address.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &address;
        int port = ntohs(in6->sin6_port);
        out[0] = 6; out[1] = (jbyte) (port >> 8); out[2] = (jbyte) (port & 0xff);
        memcpy(out + 3, &in6->sin6_addr, 16);
        size = 3 + 16;
    } else {
        return NULL;
    }
    jbyteArray result = (*env)->NewByteArray(env, size);
    if (result != NULL) {
        (*env)->SetByteArrayRegion(env, result, 0, size, out);
    }
    return result;
}

/*
 * Connects to the Unix-domain socket at path, writes request, and collects every descriptor the
 * peer sends (one per message, each with one byte of data, as Netty's sendFd does) until it hangs
 * up. Gives up after timeoutMs without data.
 */
JNIEXPORT jintArray JNICALL Java_dev_cluster_sockets_NativeSockets_receive(JNIEnv *env, jclass cls,
        jstring path, jbyteArray request, jint timeoutMs) {
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    const char *chars = (*env)->GetStringUTFChars(env, path, NULL);
    if (chars == NULL) {
        return NULL;
    }
    size_t pathLength = strlen(chars);
    if (pathLength >= sizeof address.sun_path) {
        (*env)->ReleaseStringUTFChars(env, path, chars);
        throw_io(env, "worker socket path too long", ENAMETOOLONG);
        return NULL;
    }
    memcpy(address.sun_path, chars, pathLength + 1);
    (*env)->ReleaseStringUTFChars(env, path, chars);

    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        throw_io(env, "socket", errno);
        return NULL;
    }
    struct timeval timeout = { .tv_sec = timeoutMs / 1000, .tv_usec = (timeoutMs % 1000) * 1000 };
    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (connect(sock, (struct sockaddr *) &address, sizeof address) < 0) {
        int err = errno;
        close(sock);
        throw_io(env, "connect to the worker socket", err);
        return NULL;
    }
    jsize requestLength = (*env)->GetArrayLength(env, request);
    jbyte *bytes = (*env)->GetByteArrayElements(env, request, NULL);
    ssize_t written = 0;
    while (written < requestLength) {
        ssize_t n = write(sock, bytes + written, requestLength - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            int err = errno;
            (*env)->ReleaseByteArrayElements(env, request, bytes, JNI_ABORT);
            close(sock);
            throw_io(env, "write to the worker socket", err);
            return NULL;
        }
        written += n;
    }
    (*env)->ReleaseByteArrayElements(env, request, bytes, JNI_ABORT);

    int fds[MAX_FDS];
    int count = 0;
    for (;;) {
        char data[1];
        struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
        union {
            char buffer[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } control;
        struct msghdr message = {
            .msg_iov = &iov, .msg_iovlen = 1,
            .msg_control = control.buffer, .msg_controllen = sizeof control.buffer,
        };
        ssize_t n = recvmsg(sock, &message, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int err = errno;
            for (int i = 0; i < count; i++) {
                close(fds[i]);
            }
            close(sock);
            throw_io(env, err == EAGAIN || err == EWOULDBLOCK ? "no answer from the supervisor in time" : "recvmsg", err);
            return NULL;
        }
        if (n == 0) {
            break;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&message); c != NULL; c = CMSG_NXTHDR(&message, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int received;
                memcpy(&received, CMSG_DATA(c), sizeof received);
                if (count < MAX_FDS) {
                    fds[count++] = received;
                } else {
                    close(received);
                }
            }
        }
    }
    close(sock);
    jintArray result = (*env)->NewIntArray(env, count);
    if (result == NULL) {
        for (int i = 0; i < count; i++) {
            close(fds[i]);
        }
        return NULL;
    }
    (*env)->SetIntArrayRegion(env, result, 0, count, fds);
    return result;
}

/*
 * Finds every epoll instance of this process that watches descriptor `fd` on the open file with
 * inode `inode`, from /proc/self/fdinfo (the kernel's own listing of each epoll's interest list).
 */
static int find_watches(int fd, ino_t inode, struct watch *watches) {
    int count = 0;
    DIR *fds = opendir("/proc/self/fd");
    if (fds == NULL) {
        return 0;
    }
    struct dirent *entry;
    while ((entry = readdir(fds)) != NULL && count < MAX_WATCHES) {
        char *end;
        long epoll = strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != 0) {
            continue; /* "." and ".." */
        }
        char path[64], link[64];
        snprintf(path, sizeof path, "/proc/self/fd/%ld", epoll);
        ssize_t n = readlink(path, link, sizeof link - 1);
        if (n <= 0) {
            continue;
        }
        link[n] = 0;
        if (strcmp(link, "anon_inode:[eventpoll]") != 0) {
            continue;
        }
        snprintf(path, sizeof path, "/proc/self/fdinfo/%ld", epoll);
        FILE *info = fopen(path, "re");
        if (info == NULL) {
            continue;
        }
        char line[256];
        while (fgets(line, sizeof line, info) != NULL && count < MAX_WATCHES) {
            int watched;
            unsigned int events;
            unsigned long long data;
            long long position;
            unsigned long watchedInode;
            if (sscanf(line, "tfd: %d events: %x data: %llx pos:%lli ino:%lx", &watched, &events, &data, &position, &watchedInode) == 5
                    && watched == fd && watchedInode == (unsigned long) inode) {
                watches[count].epoll = (int) epoll;
                watches[count].events = events;
                watches[count].data = data;
                count++;
            }
        }
        fclose(info);
    }
    closedir(fds);
    return count;
}

/*
 * Puts the socket `received` in place of `target` (dup3 over its number, then closes `received`),
 * so that the app finds the new socket wherever it kept the old one's number:
 *  - the open file's status flags are shared by every holder of the socket, so O_NONBLOCK is set to
 *    what the app had on its own socket (a non-blocking server must not find a blocking socket);
 *  - epoll registrations belong to the open file and die with the old one, so each epoll instance
 *    that watched the old socket (Netty's native transport registers before it binds) is given the
 *    new one with the same events and data.
 */
JNIEXPORT void JNICALL Java_dev_cluster_sockets_NativeSockets_adopt(JNIEnv *env, jclass cls, jint received, jint target) {
    int statusFlags = fcntl(target, F_GETFL);
    int descriptorFlags = fcntl(target, F_GETFD);
    struct stat old;
    if (statusFlags < 0 || descriptorFlags < 0 || fstat(target, &old) < 0) {
        throw_io(env, "fcntl", errno);
        return;
    }
    struct watch watches[MAX_WATCHES];
    int watchCount = find_watches(target, old.st_ino, watches);
    if (dup3(received, target, (descriptorFlags & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
        throw_io(env, "dup3", errno);
        return;
    }
    close(received);
    int now = fcntl(target, F_GETFL);
    if (now >= 0 && (now & O_NONBLOCK) != (statusFlags & O_NONBLOCK)) {
        fcntl(target, F_SETFL, (now & ~O_NONBLOCK) | (statusFlags & O_NONBLOCK));
    }
    for (int i = 0; i < watchCount; i++) {
        struct epoll_event event = { .events = watches[i].events, .data.u64 = watches[i].data };
        if (epoll_ctl(watches[i].epoll, EPOLL_CTL_ADD, target, &event) < 0 && errno != EEXIST) {
            throw_io(env, "epoll_ctl", errno);
            return;
        }
    }
}

JNIEXPORT void JNICALL Java_dev_cluster_sockets_NativeSockets_close(JNIEnv *env, jclass cls, jint fd) {
    close(fd);
}

/* Connections waiting in a listening socket's accept queue (TCP_INFO's unacked, for a listener). */
JNIEXPORT jlong JNICALL Java_dev_cluster_sockets_NativeSockets_acceptQueue(JNIEnv *env, jclass cls, jint fd) {
    struct tcp_info info;
    socklen_t length = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) < 0) {
        throw_io(env, "getsockopt(TCP_INFO)", errno);
        return -1;
    }
    return info.tcpi_unacked;
}

/*
 * Steers the SO_REUSEPORT group that listening socket `fd` belongs to: each new connection goes to
 * one of `allowed`, indices into the group (the order its sockets started listening; closing one
 * moves the last into its place), picked at random. With none allowed the program answers an index
 * beyond the group, and the kernel falls back to its own hash over all of them.
 */
JNIEXPORT void JNICALL Java_dev_cluster_sockets_NativeSockets_steer(JNIEnv *env, jclass cls, jint fd, jintArray allowed) {
    jsize count = (*env)->GetArrayLength(env, allowed);
    if (count > MAX_STEERED) {
        throw_io(env, "too many sockets to steer", E2BIG);
        return;
    }
    jint indices[MAX_STEERED];
    (*env)->GetIntArrayRegion(env, allowed, 0, count, indices);
    struct sock_filter program[2 * MAX_STEERED + 2];
    int n = 0;
    if (count == 0) {
        program[n++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, 0xffffffffu);
    } else {
        program[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_RANDOM);
        program[n++] = (struct sock_filter) BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, (unsigned) count);
        for (int i = 0; i < count - 1; i++) {
            program[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned) i, 0, 1);
            program[n++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, (unsigned) indices[i]);
        }
        program[n++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, (unsigned) indices[count - 1]);
    }
    struct sock_fprog fprog = { .len = (unsigned short) n, .filter = program };
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fprog, sizeof fprog) < 0) {
        throw_io(env, "setsockopt(SO_ATTACH_REUSEPORT_CBPF)", errno);
    }
}

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* A pidfd for process `pid` (Linux 5.3+): it refers to that process, never to a later one with its number. */
JNIEXPORT jint JNICALL Java_dev_cluster_sockets_NativeSockets_pidfd(JNIEnv *env, jclass cls, jlong pid) {
    int fd = (int) syscall(SYS_pidfd_open, (pid_t) pid, 0);
    if (fd < 0) {
        throw_io(env, "pidfd_open", errno);
    }
    return fd;
}

/* Blocks until the process of pidfd `fd` has exited (the pidfd turns readable then). */
JNIEXPORT void JNICALL Java_dev_cluster_sockets_NativeSockets_awaitExit(JNIEnv *env, jclass cls, jint fd) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    while (poll(&p, 1, -1) < 0) {
        if (errno != EINTR) {
            throw_io(env, "poll(pidfd)", errno);
            return;
        }
    }
}

/* SIGKILL to the process of pidfd `fd`; nothing if it is gone. */
JNIEXPORT void JNICALL Java_dev_cluster_sockets_NativeSockets_killPidfd(JNIEnv *env, jclass cls, jint fd) {
    syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
}

/* One listener as the Java side reads it: family (4 or 6), port (big-endian), 16 address bytes, inode (big-endian). */
#define LISTENER_BYTES 23
#define TCP_LISTEN_STATE 10

/* Appends the TCP listeners of `family` to out (grown as needed); 0, or an errno. */
static int dump_listeners(int family, unsigned char **out, size_t *length, size_t *capacity) {
    int s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (s < 0) {
        return errno;
    }
    struct {
        struct nlmsghdr header;
        struct inet_diag_req_v2 request;
    } query = {
        .header = { .nlmsg_len = sizeof query, .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
        /* Listeners only: the kernel then walks its listening table and never the established one. */
        .request = { .sdiag_family = (unsigned char) family, .sdiag_protocol = IPPROTO_TCP, .idiag_states = 1u << TCP_LISTEN_STATE },
    };
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    if (sendto(s, &query, sizeof query, 0, (struct sockaddr *) &kernel, sizeof kernel) < 0) {
        int err = errno;
        close(s);
        return err;
    }
    long buffer[32768 / sizeof(long)]; /* aligned for nlmsghdr; the kernel fills at most what one recv asks for */
    for (;;) {
        ssize_t n = recv(s, buffer, sizeof buffer, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            int err = errno;
            close(s);
            return err;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *) buffer; NLMSG_OK(h, (size_t) n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE) {
                close(s);
                return 0;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(h);
                close(s);
                return e->error ? -e->error : EPROTO;
            }
            struct inet_diag_msg *m = NLMSG_DATA(h);
            if (*length + LISTENER_BYTES > *capacity) {
                size_t grown = *capacity ? *capacity * 2 : 64 * LISTENER_BYTES;
                unsigned char *bigger = realloc(*out, grown);
                if (bigger == NULL) {
                    close(s);
                    return ENOMEM;
                }
                *out = bigger;
                *capacity = grown;
            }
            unsigned char *r = *out + *length;
            r[0] = m->idiag_family == AF_INET6 ? 6 : 4;
            memcpy(r + 1, &m->id.idiag_sport, 2); /* network order is big-endian */
            memset(r + 3, 0, 16);
            memcpy(r + 3, m->id.idiag_src, m->idiag_family == AF_INET6 ? 16 : 4);
            uint32_t inode = htonl(m->idiag_inode);
            memcpy(r + 19, &inode, 4);
            *length += LISTENER_BYTES;
        }
    }
}

/* Every listening TCP socket of this network namespace, as LISTENER_BYTES records. */
JNIEXPORT jbyteArray JNICALL Java_dev_cluster_sockets_NativeSockets_listeners(JNIEnv *env, jclass cls) {
    unsigned char *records = NULL;
    size_t length = 0, capacity = 0;
    int err = dump_listeners(AF_INET, &records, &length, &capacity);
    if (err == 0) {
        err = dump_listeners(AF_INET6, &records, &length, &capacity);
    }
    if (err != 0) {
        free(records);
        throw_io(env, "sock_diag", err);
        return NULL;
    }
    jbyteArray result = (*env)->NewByteArray(env, (jsize) length);
    if (result != NULL) {
        (*env)->SetByteArrayRegion(env, result, 0, (jsize) length, (jbyte *) records);
    }
    free(records);
    return result;
}
