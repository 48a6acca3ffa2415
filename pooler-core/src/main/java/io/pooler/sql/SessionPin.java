package io.pooler.sql;

/**
 * A reason to keep a client linked to its server across transactions in transaction or statement
 * pooling: state that lives in the server's session and would leak to, or be missing for, the next
 * client. A client's pins are a bit set ({@link #bit()}), so keeping them costs one int per client.
 */
public enum SessionPin {
    /**
     * {@code SET}/{@code SET SESSION} of a parameter the pooler does not track, but role and
     * session_authorization ({@link #ROLE}, {@link #SESSION_AUTHORIZATION}). Cleared by RESET ALL.
     */
    SET("session parameter"),
    /** SQL-level {@code PREPARE}, or {@code DEALLOCATE} by name. Cleared by DEALLOCATE ALL. */
    PREPARE("prepared statement"),
    /** {@code DECLARE … WITH HOLD}. Cleared by CLOSE ALL. */
    HOLD_CURSOR("cursor with hold"),
    /** A temporary table, view or sequence that outlives the transaction. Cleared by DISCARD TEMP. */
    TEMP_TABLE("temp table"),
    /** {@code pg_advisory_lock} and friends (session level). Cleared by pg_advisory_unlock_all(). */
    ADVISORY_LOCK("advisory lock"),
    /** {@code LOAD} of a shared library. Only the session's end clears it. */
    LOAD("load"),
    /** {@code LISTEN} when the pooler does not multiplex it. Cleared by UNLISTEN *. */
    LISTEN("listen"),
    /**
     * {@code SET ROLE}: the session runs as another role. Cleared by RESET ROLE, SET ROLE NONE, RESET
     * SESSION AUTHORIZATION; NOTE: not by RESET ALL, which leaves role alone in PostgreSQL (GUC_NO_RESET_ALL).
     */
    ROLE("role"),
    /**
     * {@code SET SESSION AUTHORIZATION}: the session user changed. Cleared by RESET SESSION AUTHORIZATION
     * and SET SESSION AUTHORIZATION DEFAULT; not by RESET ALL (GUC_NO_RESET_ALL), nor by RESET ROLE.
     */
    SESSION_AUTHORIZATION("session authorization");

    private final String label;

    SessionPin(String label) {
        this.label = label;
    }

    /** The text SHOW CLIENTS prints in its {@code pinned} column and the log line names. */
    public String label() {
        return label;
    }

    public int bit() {
        return 1 << ordinal();
    }

    public boolean isIn(int pins) {
        return (pins & bit()) != 0;
    }

    /** All pins in a bit set, comma separated in declaration order; empty for none. */
    public static String labels(int pins) {
        if (pins == 0) {
            return ""; // most clients, each time the console lists them
        }
        StringBuilder out = new StringBuilder();
        for (SessionPin pin : values()) {
            if (pin.isIn(pins)) {
                if (out.length() > 0) {
                    out.append(", ");
                }
                out.append(pin.label);
            }
        }
        return out.toString();
    }

    /** The first pin of a bit set in declaration order, or null. */
    public static SessionPin first(int pins) {
        for (SessionPin pin : values()) {
            if (pin.isIn(pins)) {
                return pin;
            }
        }
        return null;
    }
}
