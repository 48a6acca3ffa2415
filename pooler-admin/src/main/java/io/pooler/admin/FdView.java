package io.pooler.admin;

/**
 * One SHOW FDS row: a listening socket (task {@code pooler}) or a connection ({@code client}, {@code server}).
 * File descriptors are -1 where the transport does not expose them; Pooler cannot hand sockets over to
 * another process, so they are for reading only.
 */
public record FdView(int fd, String task, String user, String database, String addr, int port, long cancelKey,
                     int linkFd) {
}
