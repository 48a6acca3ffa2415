package io.pooler.pool;

/** PgBouncer's words to clients during SHUTDOWN WAIT_FOR_SERVERS / WAIT_FOR_CLIENTS, which scripts match. */
public final class ShutdownTexts {
    /** To a client that needs a server, or waits for one, during WAIT_FOR_SERVERS (janitor.c, objects.c). */
    public static final String SERVER_SHUTTING_DOWN = "server shutting down";
    /** To a login during any shutdown, but the console's (objects.c, finish_client_login). */
    public static final String POOLER_SHUTTING_DOWN = "pooler is shutting down";

    private ShutdownTexts() {
    }
}
