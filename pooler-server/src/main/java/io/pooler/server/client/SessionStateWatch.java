package io.pooler.server.client;

import io.pooler.sql.SessionPin;
import io.pooler.sql.SessionStateScanner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What session state a client of a transaction or statement pool left on its server
 * (pin_on_session_state), as the {@link SessionStateScanner} reads it from the client's statements:
 * the {@link SessionPin}s that keep the client on its server, and whether the server must be reset
 * before another client gets it. The release decision ({@code ServerRelease}) reads both. Made by the
 * {@link FrontendRelay} only when a client first leaves state or doubt: most never do.
 *
 * <p>Threads: the client channel's event loop, where the console's snapshot of the loop reads
 * {@link #pins()} too (SHOW CLIENTS' pinned, SHOW POOLS' cl_pinned).
 */
final class SessionStateWatch {
    private static final Logger log = LoggerFactory.getLogger(SessionStateWatch.class);
    private static final int IDENTITY = SessionPin.ROLE.bit() | SessionPin.SESSION_AUTHORIZATION.bit();

    /** Only the client's name, for the log line that says it was pinned. */
    private final Object client;
    /** The state this client left on its server, as {@link SessionPin} bits; while non-zero it keeps the server. */
    private int pins;
    /**
     * Since this client's server was last given back, the client sent something whose effect on the
     * session the scan cannot know: the server is reset before anyone else gets it. Two cases:
     * <ul>
     *   <li>a statement cleared a pin the client held, or a role or session authorization (held or not).
     *   NOTE: the scan cannot tell whether the clear ran. PostgreSQL undoes a RESET ALL, RESET ROLE,
     *   DISCARD TEMP or UNLISTEN * that a ROLLBACK ends, and skips it in a failed transaction: after
     *   {@code SET ROLE x; BEGIN; RESET ROLE; ROLLBACK} the session still runs as x. A clear of a pin not
     *   held (asyncpg's reset on each release: CLOSE ALL; UNLISTEN *; RESET ALL) costs nothing;</li>
     *   <li>a Query or Parse text too long to scan, relayed in parts as it arrives ({@link #notScanned}):
     *   any SET, PREPARE, LISTEN ... in it pins nothing, so the sender stays free and the reset keeps
     *   that state from the next client (the sender may lose it itself, a cost only to the sender).</li>
     * </ul>
     */
    private boolean inDoubt;

    SessionStateWatch(Object client) {
        this.client = client;
    }

    /** The {@link SessionPin} bits of the state this client left on its server; 0 when none. */
    int pins() {
        return pins;
    }

    /** See {@link #inDoubt}: the server must be reset before it serves another client. */
    boolean inDoubt() {
        return inDoubt;
    }

    /** The server went back to the pool, reset. */
    void resetDone() {
        inDoubt = false;
    }

    /** A Query or Parse text too long to scan was streamed to the server (see {@link #inDoubt}). */
    void notScanned() {
        inDoubt = true;
    }

    /** Takes in one {@link SessionStateScanner#scanMessage} of the client's statements, made with {@link #pins()}. */
    void scanned(long scan) {
        int before = pins;
        pins = SessionStateScanner.pinsOf(scan);
        // A pin held and cleared (or a role or session authorization cleared, held or not): see inDoubt.
        if ((SessionStateScanner.clearedOf(scan) & (before | IDENTITY)) != 0) {
            inDoubt = true;
        }
        if (before == 0 && pins != 0) {
            log.info("{} pinned to its server: {} (it keeps the server until it clears that state or leaves)",
                    client, SessionPin.labels(pins));
        }
    }
}
