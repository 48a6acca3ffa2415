package io.pooler.server.client;

/** The databases DISABLE refuses new logins to (implemented by the admin state). Any thread. */
public interface DisabledDatabases {
    boolean isDisabled(String database);
}
