package io.pooler.server.process;

/**
 * A reason not to start that the operator can act on, such as a live pidfile. Its message is the whole
 * report: it is logged as one FATAL line, without a stack trace.
 */
public class StartupException extends Exception {
    public StartupException(String message) {
        super(message);
    }

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
