package io.pooler.auth;

/** A userlist file that cannot be read or has a malformed line; the message names {@code file:line}. */
public final class UserlistException extends Exception {

    public UserlistException(String message) {
        super(message);
    }

    public UserlistException(String message, Throwable cause) {
        super(message, cause);
    }
}
