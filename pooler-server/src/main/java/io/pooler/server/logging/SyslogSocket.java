package io.pooler.server.logging;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The local syslog socket ({@code /dev/log}), written the way libc's {@code syslog()} writes it: a Unix
 * datagram per line, or a NUL-terminated record on a stream socket where the daemon offers only that.
 * journald and rsyslog read it out of the box; Logback's own SyslogAppender only speaks UDP to port 514,
 * which stock rsyslog does not listen on.
 *
 * <p>The JDK has Unix sockets only as streams (no datagrams), so the few socket calls go through JNA,
 * which the pooler already uses for signals. Not thread-safe: {@link SyslogAppender} serialises calls.
 */
final class SyslogSocket implements AutoCloseable {
    interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        int connect(int fd, byte[] address, int length) throws LastErrorException;

        long send(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_DGRAM = 2;
    /** Linux: don't raise SIGPIPE when the daemon went away (the JVM ignores it anyway). */
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SUN_PATH_LENGTH = 108;

    private final LibC libc;
    private final String path;
    private int fd = -1;
    private boolean stream;

    SyslogSocket(String path) {
        this.libc = Native.load(Platform.C_LIBRARY_NAME, LibC.class);
        this.path = path;
    }

    /** Sends one record; reconnects once if the daemon was restarted. False if it could not be delivered. */
    boolean send(String record) {
        byte[] bytes = record.getBytes(StandardCharsets.UTF_8);
        for (int attempt = 0; attempt < 2; attempt++) {
            if (fd < 0 && !open()) {
                return false;
            }
            try {
                byte[] payload = stream ? withNul(bytes) : bytes;
                libc.send(fd, payload, payload.length, MSG_NOSIGNAL);
                return true;
            } catch (LastErrorException e) {
                close();
            }
        }
        return false;
    }

    private boolean open() {
        byte[] address = sockaddrUn(path);
        for (int type : new int[] {SOCK_DGRAM, SOCK_STREAM}) {
            int socket;
            try {
                socket = libc.socket(AF_UNIX, type, 0);
            } catch (LastErrorException e) {
                return false;
            }
            try {
                libc.connect(socket, address, address.length);
                fd = socket;
                stream = type == SOCK_STREAM;
                return true;
            } catch (LastErrorException e) {
                libc.close(socket); // EPROTOTYPE: the daemon offers the other kind; anything else: try it anyway
            }
        }
        return false;
    }

    /** struct sockaddr_un: sa_family_t (native order), then the NUL-terminated path. */
    private static byte[] sockaddrUn(String path) {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH_LENGTH) {
            throw new IllegalArgumentException("syslog socket path too long: " + path);
        }
        ByteBuffer address = ByteBuffer.allocate(2 + name.length + 1).order(ByteOrder.nativeOrder());
        address.putShort((short) AF_UNIX).put(name).put((byte) 0);
        return address.array();
    }

    private static byte[] withNul(byte[] bytes) {
        byte[] copy = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, copy, 0, bytes.length);
        return copy;
    }

    @Override
    public void close() {
        if (fd >= 0) {
            try {
                libc.close(fd);
            } catch (LastErrorException ignored) {
                // already gone
            }
            fd = -1;
        }
    }
}
