package io.pooler.bench.load;

/** The load could not be set up as asked: clients that could not log in, a tool that failed. */
public final class LoadException extends Exception {
    public LoadException(String message) {
        super(message);
    }

    public LoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
