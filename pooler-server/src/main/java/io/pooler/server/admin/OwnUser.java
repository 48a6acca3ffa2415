package io.pooler.server.admin;

import com.sun.security.auth.module.UnixSystem;

/** The OS user id this process runs as, to compare with a unix-socket peer's. */
final class OwnUser {
    private static final long UID = new UnixSystem().getUid();

    private OwnUser() {
    }

    static long uid() {
        return UID;
    }
}
