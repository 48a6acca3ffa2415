package io.pooler.server.listen;

import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.SqlState;

import java.util.Set;

/**
 * How many channels multiplexed LISTEN may hold: one client's, and one pool's listener's (all its
 * clients together). A LISTEN of a channel new to its client past the first bound, or new to the pool's
 * listener past the second, is refused to its sender alone (ListenerHub); LISTEN of a channel already
 * held counts nothing.
 *
 * <p>Why: the hub keeps an entry per channel name, which clients choose, and the pool's one listening
 * server, which every listening client of the pool depends on, LISTENs to each of them; a client sending
 * {@code LISTEN c1}, {@code LISTEN c2}, ... grew both without bound. The defaults are far above what
 * applications use (Odoo: one or two channels per process). The counts are the sizes of the hub's own
 * maps, so UNLISTEN, UNLISTEN * and a disconnect give them back by removing the entries, and they cannot
 * drift (ListenChannelLimitTest).
 *
 * <p>SQLSTATE 53400 (configuration_limit_exceeded): the limit is a setting of the pooler's, not one of
 * PostgreSQL's programs (54000), and the pooler answers its other configured per-client limit, named
 * prepared statements, with it too.
 *
 * <p>Threads: immutable.
 */
public record ListenChannelLimits(int perClient, int perPool) {
    /** Overrides the channels one client may LISTEN to through its pool's listener; default 1,000. */
    public static final String PER_CLIENT_PROPERTY = "pooler.listen.maxChannelsPerClient";
    /** Overrides the channels one pool's listener may LISTEN to, all its clients together; default 10,000. */
    public static final String PER_POOL_PROPERTY = "pooler.listen.maxChannelsPerPool";
    static final int DEFAULT_PER_CLIENT = 1_000;
    static final int DEFAULT_PER_POOL = 10_000;

    static ListenChannelLimits fromSystemProperties() {
        // NOTE: at least 1 each, so a client's first LISTEN through a new listener is never refused: the
        // listener takes a server as it is made, and would keep it for nobody.
        return new ListenChannelLimits(Math.max(1, Integer.getInteger(PER_CLIENT_PROPERTY, DEFAULT_PER_CLIENT)),
                Math.max(1, Integer.getInteger(PER_POOL_PROPERTY, DEFAULT_PER_POOL)));
    }

    /**
     * The error for a LISTEN of {@code channel} by a client that holds {@code clientChannels} (null when
     * none) through a listener that holds {@code poolChannels}; null when it is allowed.
     */
    ErrorResponse refusal(Set<String> clientChannels, Set<String> poolChannels, String channel) {
        if (clientChannels != null && clientChannels.contains(channel)) {
            return null;
        }
        if (clientChannels != null && clientChannels.size() >= perClient) {
            return ErrorResponse.error(SqlState.CONFIGURATION_LIMIT_EXCEEDED, "too many LISTEN channels for one client"
                    + " of the pooler: at most " + perClient + " (" + PER_CLIENT_PROPERTY + ")");
        }
        if (!poolChannels.contains(channel) && poolChannels.size() >= perPool) {
            return ErrorResponse.error(SqlState.CONFIGURATION_LIMIT_EXCEEDED, "too many LISTEN channels for this"
                    + " database and user in the pooler: at most " + perPool + " (" + PER_POOL_PROPERTY + ")");
        }
        return null;
    }
}
