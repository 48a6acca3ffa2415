package io.pooler.server.backend;

import io.pooler.protocol.ErrorResponse;

/** Logging in to PostgreSQL failed; {@link #error()} is what waiting clients are told. */
final class ServerLoginException extends Exception {
    private final ErrorResponse error;

    ServerLoginException(ErrorResponse error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    ErrorResponse error() {
        return error;
    }
}
