package io.pooler.pool;

/** The states of a server connection, each a list in its {@link PoolShard}, named as SHOW POOLS names them. */
public enum ServerState {
    /** sv_login: connecting and logging in; moved here when its shard launches it. */
    LOGIN,
    /** sv_idle: clean and ready for any client; moved here when released. */
    IDLE,
    /** sv_active: linked to a client. */
    ACTIVE,
    /** sv_used: released but not yet clean (the reset query is about to run). */
    USED,
    /** sv_tested: running the reset or check query. */
    TESTED,
    /**
     * sv_being_canceled: its client gave it back while a cancel request to it was in flight; handed to
     * nobody until the cancels are done, then released (PgBouncer's being_canceled_server_list).
     */
    BEING_CANCELED,
    /** In no list: closed or closing. */
    CLOSED
}
