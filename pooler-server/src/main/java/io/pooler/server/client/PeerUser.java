package io.pooler.server.client;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.netty.channel.Channel;
import io.pooler.server.net.Transport;

import java.io.IOException;
import java.util.Optional;

/**
 * The {@code peer} method: the Unix user at the other end of a Unix socket, from the kernel
 * (SO_PEERCRED, which Netty's native transports read) and the user database. The JDK has no way to turn
 * a uid into a name, so libc's {@code getpwuid} is called through JNA (already used for signals),
 * which also sees NSS users (LDAP, sssd) that /etc/passwd does not list.
 */
final class PeerUser {
    interface LibC extends Library {
        Pointer getpwuid(int uid);
    }

    private static final LibC LIBC = load();

    private PeerUser() {
    }

    /** The peer's login name; empty when the channel is not a Unix socket or the uid has no name. */
    static Optional<String> of(Channel channel) {
        if (LIBC == null) {
            return Optional.empty();
        }
        try {
            return Transport.peerCredentials(channel).flatMap(peer -> name(peer.uid()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    // getpwuid returns a static buffer: one caller at a time.
    private static synchronized Optional<String> name(int uid) {
        Pointer passwd = LIBC.getpwuid(uid);
        if (passwd == null) {
            return Optional.empty();
        }
        // struct passwd starts with char *pw_name.
        return Optional.ofNullable(passwd.getPointer(0)).map(p -> p.getString(0));
    }

    private static LibC load() {
        try {
            return Native.load(Platform.C_LIBRARY_NAME, LibC.class);
        } catch (LinkageError | RuntimeException e) {
            return null;
        }
    }
}
