package io.pooler.admin;

/**
 * One row of SHOW LISTENERS: a channel some clients of a pool listen to.
 *
 * @param server    the listener's server connection, empty while it is being connected
 * @param delivered notifications the pool's listener has handed to clients so far (all its channels)
 */
public record ListenerView(String database, String user, String channel, int subscribers, String server,
                           long delivered) {
}
