package io.pooler.config;

import java.util.Map;
import java.util.OptionalInt;

/**
 * One {@code [peers]} entry: another pooler of the group, by the {@code peer_id} it writes into its cancel
 * keys. A cancel request carrying that id is forwarded to {@code host:port}. Immutable.
 *
 * @param id       the peer's {@code peer_id}, 1 to 65535 as PgBouncer accepts in this section
 * @param host     a host name or address, or a Unix socket directory ({@code /...}) or abstract name ({@code @...})
 * @param port     6432 unless given
 * @param poolSize how many cancel requests may be in flight to the peer at once; empty: {@code default_pool_size}
 */
public record PeerEntry(int id, String host, int port, OptionalInt poolSize) {

    static final int DEFAULT_PORT = 6432;

    /** Builds an entry from parameters parsed by {@link EntryParams} against the peer key table. */
    static PeerEntry of(int id, Map<String, Object> params) {
        int port = params.containsKey("port") ? Math.toIntExact((Long) params.get("port")) : DEFAULT_PORT;
        Object poolSize = params.get("pool_size");
        return new PeerEntry(id, (String) params.get("host"), port,
                poolSize == null ? OptionalInt.empty() : OptionalInt.of(Math.toIntExact((Long) poolSize)));
    }

    /** The pool size in force: the entry's own, else the global default. */
    public int effectivePoolSize(Settings settings) {
        return poolSize.orElse(settings.defaultPoolSize());
    }

    /** True when the peer is reached over a Unix socket. */
    public boolean isUnixSocket() {
        return host.startsWith("/") || host.startsWith("@");
    }
}
