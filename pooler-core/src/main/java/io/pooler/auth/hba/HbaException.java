package io.pooler.auth.hba;

/** An HBA file that cannot be read or has a line Pooler cannot apply; the message starts with {@code file:line:}. */
public final class HbaException extends Exception {

    public HbaException(String message) {
        super(message);
    }

    public HbaException(String message, Throwable cause) {
        super(message, cause);
    }
}
