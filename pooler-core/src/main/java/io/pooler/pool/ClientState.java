package io.pooler.pool;

/** The states of a logged-in client connection, each a list in its {@link PoolShard}. */
public enum ClientState {
    /** cl_login (SHOW LISTS login_clients): authenticated, waiting for the pool's first server login. */
    LOGIN,
    /** cl_active: linked to a server, or idle between transactions in transaction mode. */
    ACTIVE,
    /** cl_waiting: asked for a server and is waiting for one. */
    WAITING,
    /** In no list: gone. */
    CLOSED
}
