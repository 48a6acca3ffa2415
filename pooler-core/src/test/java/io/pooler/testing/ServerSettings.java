package io.pooler.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/** The server configuration every test PostgreSQL gets, whichever way it runs. */
final class ServerSettings {

    static final String SUPERUSER = "postgres";
    static final String SUPERUSER_PASSWORD = "postgres";

    /**
     * md5 on host lines: PostgreSQL's md5 method runs SCRAM for SCRAM-stored passwords, so roles
     * stored either way can log in over TCP. The socket is trusted: only this machine reaches it.
     */
    static final String PG_HBA = """
            local all all trust
            host all all 127.0.0.1/32 md5
            local replication all trust
            host replication all 127.0.0.1/32 md5
            """;

    private ServerSettings() {
    }

    /** postgresql.conf settings shared by the local server and the container. */
    static Map<String, String> common() {
        Map<String, String> settings = new LinkedHashMap<>();
        // Pooler tests open many server connections at once (pool limits, N+1 tests).
        settings.put("max_connections", "300");
        settings.put("password_encryption", "scram-sha-256");
        // Throwaway data: durability only costs time here.
        settings.put("fsync", "off");
        settings.put("synchronous_commit", "off");
        settings.put("full_page_writes", "off");
        settings.put("shared_buffers", "32MB");
        // Replication through the pooler (pg_recvlogical, subscriptions, pg_receivewal): logical decoding
        // needs it; it only adds a little to the WAL of the tests that write. Slots and senders keep their
        // defaults (10 each).
        settings.put("wal_level", "logical");
        return settings;
    }
}
