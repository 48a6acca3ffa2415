package io.pooler.pool;

/** Pools are keyed by the database name the client asked for and the user the server connections log in as. */
public record PoolKey(String database, String user) {
    @Override
    public String toString() {
        return database + "/" + user;
    }
}
